//! Sealed exports: an agreement's backup file, encrypted in the age format.
//!
//! The store is encrypted at rest, but an export leaves it: it is a file a person may
//! mail to themselves or leave in a downloads folder. So an export is sealed by
//! default, in age (<https://age-encryption.org/v1>), a small, audited format that
//! other tools (`age`, `rage`) open too: with a passphrase (scrypt), or for an X25519
//! recipient (`age1…`) whose identity (`AGE-SECRET-KEY-1…`) alone opens it. A plain
//! Automerge document is written only when asked for ([`crate::store::Store::export`]).
//!
//! Opening is bounded before anything is parsed: a file larger than [`MAX_SEALED`] is
//! refused unread, a passphrase stanza asking for more scrypt work than this device
//! accepts is refused before scrypt runs (age's own bound), and the plaintext is read
//! only up to [`MAX_INFLATED`] bytes, the bound every import keeps.
//!
//! Secrets (a passphrase, an identity's keys) are zeroized when dropped and never
//! shown by `Debug`; no error carries them, nor any of the plaintext.

use std::io::Read;

use age::secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{BackupProblem, Error, Result};
use crate::inflation::MAX_INFLATED;

/// How every sealed file begins: the age v1 header line.
pub const HEADER: &[u8] = b"age-encryption.org/v1\n";

/// The largest sealed file opened: the largest plaintext an import accepts, plus
/// age's overhead (a 16-byte tag per 64 KiB chunk, the nonce and a header).
pub const MAX_SEALED: usize = MAX_INFLATED + MAX_INFLATED / 4096 + 64 * 1024;

/// A passphrase, chosen by a person. Zeroized when dropped.
pub struct Passphrase {
    text: String,
}

crate::redacted_debug!(Passphrase { text: redacted });

impl Passphrase {
    /// Refuses an empty passphrase: it would seal the file for anyone.
    pub fn new(text: String) -> Result<Self> {
        let passphrase = Self { text };
        if passphrase.text.is_empty() {
            return Err(Error::invalid("passphrase", "must not be empty"));
        }
        Ok(passphrase)
    }

    fn secret(&self) -> SecretString {
        SecretString::from(self.text.clone())
    }
}

impl Drop for Passphrase {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// An age X25519 recipient (`age1…`): a public key, shown as it is.
#[derive(Clone)]
pub struct Recipient {
    key: age::x25519::Recipient,
}

crate::redacted_debug!(Recipient { key });

impl std::str::FromStr for Recipient {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let key = text
            .trim()
            .parse()
            .map_err(|_| Error::invalid("recipient", "expected an age recipient (age1…)"))?;
        Ok(Self { key })
    }
}

/// The X25519 secret keys of an age identity file. Their secrets are zeroized when
/// dropped (x25519-dalek's `StaticSecret`).
pub struct Identity {
    keys: Vec<age::x25519::Identity>,
}

crate::redacted_debug!(Identity { keys: redacted });

impl crate::redact::Redact for age::x25519::Identity {
    fn fmt_redacted(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Identity {
    /// Reads an age identity file: one `AGE-SECRET-KEY-1…` per line, blank lines and
    /// `#` comments allowed (as `age-keygen` writes it). The error never quotes a line.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid(
                "identity",
                "expected an age identity file: lines of AGE-SECRET-KEY-1…, and # comments",
            )
        };
        let keys = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| line.parse().map_err(|_| invalid()))
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(invalid());
        }
        Ok(Self { keys })
    }
}

/// What an export is sealed with.
#[derive(Debug)]
pub enum Seal {
    Passphrase(Passphrase),
    Recipient(Recipient),
}

/// What opens a sealed export.
#[derive(Debug)]
pub enum Unseal {
    Passphrase(Passphrase),
    Identity(Identity),
}

/// Whether `bytes` are a sealed file (rather than, presumably, a plain document).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(HEADER)
}

/// Seals `plain` in the age format. (To export, see
/// [`crate::store::Store::export_sealed`]; the FFI seals outside its store lock.)
pub fn seal(plain: &[u8], seal: &Seal) -> Result<Vec<u8>> {
    let sealed = match seal {
        Seal::Passphrase(passphrase) => age::encrypt(&scrypt_recipient(passphrase), plain),
        Seal::Recipient(recipient) => age::encrypt(&recipient.key, plain),
    };
    sealed.map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
}

/// age's scrypt recipient, at age's own work factor (about a second on this device).
#[cfg(not(test))]
fn scrypt_recipient(passphrase: &Passphrase) -> age::scrypt::Recipient {
    age::scrypt::Recipient::new(passphrase.secret())
}

/// This crate's unit tests seal dozens of files: at a lower work factor, set through
/// age's public API. What opens a file accepts either.
#[cfg(test)]
fn scrypt_recipient(passphrase: &Passphrase) -> age::scrypt::Recipient {
    let mut recipient = age::scrypt::Recipient::new(passphrase.secret());
    recipient.set_work_factor(tests::WORK_FACTOR);
    recipient
}

/// The error for a sealed file given nothing to open it with.
pub(crate) fn needs(bytes: &[u8]) -> Error {
    match age::Decryptor::new_buffered(bytes) {
        Ok(decryptor) if decryptor.is_scrypt() => problem(BackupProblem::NeedsPassphrase),
        Ok(_) => problem(BackupProblem::NeedsIdentity),
        Err(_) => problem(BackupProblem::Tampered),
    }
}

/// Opens a sealed file: the plaintext, zeroized when dropped. (To import it, see
/// [`crate::store::Store::import_sealed`]; the FFI opens outside its store lock.)
pub fn open(bytes: &[u8], unseal: &Unseal) -> Result<Zeroizing<Vec<u8>>> {
    open_within(bytes, unseal, MAX_INFLATED)
}

/// [`open`], with the plaintext bounded by `limit` bytes (and the file by
/// [`MAX_SEALED`]).
fn open_within(bytes: &[u8], unseal: &Unseal, limit: usize) -> Result<Zeroizing<Vec<u8>>> {
    if bytes.len() > MAX_SEALED {
        return Err(Error::NotAnAgreement(
            "the sealed file is larger than any export (over 64 MiB)".into(),
        ));
    }
    let decryptor =
        age::Decryptor::new_buffered(bytes).map_err(|_| problem(BackupProblem::Tampered))?;
    let reader = match (unseal, decryptor.is_scrypt()) {
        (Unseal::Passphrase(passphrase), true) => {
            let identity = age::scrypt::Identity::new(passphrase.secret());
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity))
        }
        (Unseal::Identity(identity), false) => {
            decryptor.decrypt(identity.keys.iter().map(|key| key as &dyn age::Identity))
        }
        (Unseal::Passphrase(_), false) => return Err(problem(BackupProblem::NeedsIdentity)),
        (Unseal::Identity(_), true) => return Err(problem(BackupProblem::NeedsPassphrase)),
    }
    .map_err(|e| {
        problem(match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::NoMatchingKeys
            | age::DecryptError::KeyDecryptionFailed => BackupProblem::WrongKey,
            age::DecryptError::ExcessiveWork { .. } => BackupProblem::TooCostly,
            _ => BackupProblem::Tampered,
        })
    })?;
    // The plaintext is shorter than the file: sized once, it is never reallocated
    // (which would leave unzeroized copies behind).
    let mut plain = Zeroizing::new(Vec::with_capacity(bytes.len().min(limit) + 1));
    reader
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut plain)
        .map_err(|_| problem(BackupProblem::Tampered))?;
    if plain.len() > limit {
        return Err(Error::NotAnAgreement(
            "the sealed file would take more than 64 MiB once opened".into(),
        ));
    }
    Ok(plain)
}

fn problem(problem: BackupProblem) -> Error {
    Error::BackupNotOpened(problem)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// scrypt's N = 2^10: milliseconds, where age's default takes about a second.
    pub(crate) const WORK_FACTOR: u8 = 10;

    const PASSPHRASE: &str = "correct horse battery staple";
    const PLAIN: &[u8] = b"the whole agreement, as an Automerge document";

    pub(crate) fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(text.into()).unwrap()
    }

    /// A fresh X25519 identity, as the text of an identity file, and its recipient.
    pub(crate) fn identity_file() -> (Zeroizing<String>, Recipient) {
        use age::secrecy::ExposeSecret;
        let key = age::x25519::Identity::generate();
        let recipient = key.to_public().to_string().parse().unwrap();
        let text = format!(
            "# created: 2026-11-23T09:00:00Z\n# public key: {}\n{}\n",
            key.to_public(),
            key.to_string().expose_secret()
        );
        (Zeroizing::new(text), recipient)
    }

    fn problem_of<T: std::fmt::Debug>(result: Result<T>) -> BackupProblem {
        match result {
            Err(Error::BackupNotOpened(problem)) => problem,
            other => panic!("expected BackupNotOpened, got {other:?}"),
        }
    }

    fn sealed_with_passphrase() -> Vec<u8> {
        seal(PLAIN, &Seal::Passphrase(passphrase(PASSPHRASE))).unwrap()
    }

    #[test]
    fn a_passphrase_opens_what_it_sealed() {
        let sealed = sealed_with_passphrase();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(PLAIN.len()).any(|w| w == PLAIN));
        let unseal = Unseal::Passphrase(passphrase(PASSPHRASE));
        assert_eq!(&open(&sealed, &unseal).unwrap()[..], PLAIN);
    }

    #[test]
    fn an_identity_file_opens_what_was_sealed_for_its_recipient() {
        let (file, recipient) = identity_file();
        let (_, other) = identity_file();
        let sealed = seal(PLAIN, &Seal::Recipient(recipient)).unwrap();
        assert!(is_sealed(&sealed));
        let unseal = Unseal::Identity(Identity::parse(&file).unwrap());
        assert_eq!(&open(&sealed, &unseal).unwrap()[..], PLAIN);
        // Any key of the file will do.
        let (second, _) = identity_file();
        let both = Identity::parse(&format!("{}{}", *second, *file)).unwrap();
        assert_eq!(&open(&sealed, &Unseal::Identity(both)).unwrap()[..], PLAIN);
        let not_mine = seal(PLAIN, &Seal::Recipient(other)).unwrap();
        assert_eq!(
            problem_of(open(&not_mine, &unseal)),
            BackupProblem::WrongKey
        );
    }

    #[test]
    fn a_wrong_passphrase_is_a_wrong_key() {
        let sealed = sealed_with_passphrase();
        let wrong = Unseal::Passphrase(passphrase("correct horse battery stapler"));
        assert_eq!(problem_of(open(&sealed, &wrong)), BackupProblem::WrongKey);
    }

    #[test]
    fn the_wrong_kind_of_key_says_which_is_needed() {
        let (file, recipient) = identity_file();
        let for_recipient = seal(PLAIN, &Seal::Recipient(recipient)).unwrap();
        let with_passphrase = sealed_with_passphrase();
        let identity = Unseal::Identity(Identity::parse(&file).unwrap());
        let passphrase = Unseal::Passphrase(passphrase(PASSPHRASE));
        assert_eq!(
            problem_of(open(&with_passphrase, &identity)),
            BackupProblem::NeedsPassphrase
        );
        assert_eq!(
            problem_of(open(&for_recipient, &passphrase)),
            BackupProblem::NeedsIdentity
        );
        assert_eq!(
            problem_of::<()>(Err(needs(&with_passphrase))),
            BackupProblem::NeedsPassphrase
        );
        assert_eq!(
            problem_of::<()>(Err(needs(&for_recipient))),
            BackupProblem::NeedsIdentity
        );
    }

    #[test]
    fn any_changed_or_missing_byte_is_refused() {
        let sealed = sealed_with_passphrase();
        let unseal = Unseal::Passphrase(passphrase(PASSPHRASE));
        let header_end = sealed.windows(4).position(|w| w == b"\n---").unwrap();
        // In the payload, the header's MAC, the scrypt stanza's salt: every one is
        // refused, and never opens to something else.
        for at in [sealed.len() - 1, sealed.len() - 40, header_end + 10, 40] {
            let mut tampered = sealed.clone();
            tampered[at] ^= 0x01;
            let refused = problem_of(open(&tampered, &unseal));
            assert!(
                matches!(refused, BackupProblem::Tampered | BackupProblem::WrongKey),
                "byte {at}: {refused:?}"
            );
        }
        for len in [sealed.len() - 1, sealed.len() - 17, HEADER.len() + 5] {
            assert_eq!(
                problem_of(open(&sealed[..len], &unseal)),
                BackupProblem::Tampered,
                "{len}"
            );
        }
        let mut garbage = HEADER.to_vec();
        garbage.extend(b"not a stanza\n");
        assert_eq!(problem_of(open(&garbage, &unseal)), BackupProblem::Tampered);
        assert_eq!(
            problem_of::<()>(Err(needs(&garbage))),
            BackupProblem::Tampered
        );
    }

    #[test]
    fn a_costly_work_factor_is_refused_before_scrypt_runs() {
        // N = 2^40 would run for days (sealing at it too: so the stanza is forged).
        let honest = String::from_utf8_lossy(&sealed_with_passphrase()).into_owned();
        let forged = honest.replacen(&format!(" {WORK_FACTOR}\n"), " 40\n", 1);
        let unseal = Unseal::Passphrase(passphrase(PASSPHRASE));
        assert_eq!(
            problem_of(open(forged.as_bytes(), &unseal)),
            BackupProblem::TooCostly
        );
    }

    #[test]
    fn what_opens_is_bounded_by_the_import_limit() {
        let plain = vec![7u8; 4096];
        let sealed = seal(&plain, &Seal::Passphrase(passphrase(PASSPHRASE))).unwrap();
        let unseal = Unseal::Passphrase(passphrase(PASSPHRASE));
        assert_eq!(open_within(&sealed, &unseal, 4096).unwrap().len(), 4096);
        assert!(matches!(
            open_within(&sealed, &unseal, 4095),
            Err(Error::NotAnAgreement(_))
        ));
        let mut huge = HEADER.to_vec();
        huge.resize(MAX_SEALED + 1, b'x');
        assert!(matches!(
            open(&huge, &unseal),
            Err(Error::NotAnAgreement(_))
        ));
    }

    #[test]
    fn bad_keys_are_invalid_input_that_never_quotes_them() {
        assert!(matches!(
            Passphrase::new(String::new()),
            Err(Error::InvalidInput {
                field: "passphrase",
                ..
            })
        ));
        let secretish = "AGE-SECRET-KEY-1NOTAKEYQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
        for text in ["", "# only a comment\n", secretish, "age1notakey"] {
            let e = Identity::parse(text).unwrap_err();
            assert!(matches!(
                e,
                Error::InvalidInput {
                    field: "identity",
                    ..
                }
            ));
            assert!(!e.to_string().contains("NOTAKEY"), "{e}");
        }
        let e = "age1notakey".parse::<Recipient>().unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidInput {
                field: "recipient",
                ..
            }
        ));
    }

    #[test]
    fn debug_never_shows_a_passphrase_or_a_secret_key() {
        let (file, recipient) = identity_file();
        let key_line = file.lines().last().unwrap().to_owned();
        let secret_part = &key_line["AGE-SECRET-KEY-1".len()..];
        let shown = [
            format!("{:?}", Seal::Passphrase(passphrase(PASSPHRASE))),
            format!("{:#?}", Unseal::Passphrase(passphrase(PASSPHRASE))),
            format!("{:?}", Unseal::Identity(Identity::parse(&file).unwrap())),
            format!("{:?}", Seal::Recipient(recipient.clone())),
        ];
        for text in &shown {
            assert!(!text.contains("horse"), "{text}");
            assert!(!text.contains(secret_part), "{text}");
        }
        assert!(shown[0].contains("<redacted>"), "{}", shown[0]);
        assert!(shown[2].contains("<1 redacted>"), "{}", shown[2]);
        // A recipient is a public key: shown, so that a person can check it.
        assert!(
            shown[3].contains(&recipient.key.to_string()),
            "{}",
            shown[3]
        );
    }

    #[test]
    fn no_error_quotes_the_passphrase_or_the_plaintext() {
        let sealed = sealed_with_passphrase();
        let wrong = Unseal::Passphrase(passphrase("hunter2-is-wrong"));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        for e in [
            open(&sealed, &wrong).unwrap_err(),
            open(&tampered, &Unseal::Passphrase(passphrase(PASSPHRASE))).unwrap_err(),
        ] {
            for text in [e.to_string(), format!("{e:?}")] {
                assert!(
                    !text.contains("hunter2") && !text.contains("horse"),
                    "{text}"
                );
                assert!(!text.contains("agreement, as"), "{text}");
            }
        }
    }
}
