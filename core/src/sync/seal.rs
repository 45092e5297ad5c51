//! The one cryptographic construction of sync: HPKE (RFC 9180) from the `hpke` crate
//! (rust-hpke), suite DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 + ChaCha20-Poly1305.
//!
//! Every message is sealed in *auth* mode: the sender's static X25519 key takes part
//! in the key agreement, so a message that opens was sealed by the holder of the key
//! the receiver has on record for that peer — authenticity and confidentiality in one
//! standard step, with a fresh ephemeral key per message. A joining client, whose key
//! the therapist does not know yet, seals in *auth-PSK* mode with the invitation's
//! secret as the pre-shared key: opening proves it holds the secret and its key.
//! The message header is the AEAD's associated data, so no header byte can change.

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, PskBundle, Serializable};

/// The HPKE `info` string: binds every key schedule to this protocol and version.
const INFO: &[u8] = b"coachline-sync/1";

/// Bytes an encapsulated key takes in a message.
pub const ENCAPSULATED_KEY_BYTES: usize = 32;
/// Bytes the AEAD tag adds to a message.
pub const TAG_BYTES: usize = 16;

type PrivateKey = <X25519HkdfSha256 as hpke::Kem>::PrivateKey;
type PublicKey = <X25519HkdfSha256 as hpke::Kem>::PublicKey;
type EncappedKey = <X25519HkdfSha256 as hpke::Kem>::EncappedKey;

/// A pre-shared key and its id (an invitation's secret).
#[derive(Clone, Copy)]
pub struct Psk<'a> {
    pub secret: &'a [u8],
    pub id: &'a [u8],
}

fn private_key(secret: &[u8; 32]) -> PrivateKey {
    PrivateKey::from_bytes(secret).expect("any 32 bytes are an X25519 private key")
}

/// The X25519 public key of a secret key.
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    X25519HkdfSha256::sk_to_pk(&private_key(secret))
        .to_bytes()
        .into()
}

/// The sender's key pair.
pub struct KeyPair<'a> {
    pub secret: &'a [u8; 32],
    pub public: &'a [u8; 32],
}

/// Seals `plaintext` from `sender` to `recipient` (public key), with `header`
/// authenticated as associated data. Returns the encapsulated key followed by the
/// ciphertext and tag.
pub fn seal(
    sender: &KeyPair<'_>,
    recipient: &[u8; 32],
    psk: Option<Psk<'_>>,
    header: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    let keys = (
        private_key(sender.secret),
        PublicKey::from_bytes(sender.public).expect("32 bytes are an X25519 public key"),
    );
    let mode = match psk {
        None => OpModeS::Auth(keys),
        Some(psk) => OpModeS::AuthPsk(keys, bundle(psk)),
    };
    let recipient = PublicKey::from_bytes(recipient).expect("32 bytes are an X25519 public key");
    let mut rng = rand_core::UnwrapErr(rand_core::OsRng);
    let (encapped, ciphertext) =
        hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
            &mode, &recipient, INFO, plaintext, header, &mut rng,
        )
        .expect("sealing to a valid public key cannot fail");
    let mut out = encapped.to_bytes().to_vec();
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens what [`seal`] produced, or `None` if it was not sealed by `sender` (public
/// key) for `recipient` (secret key) with exactly this header and pre-shared key.
pub fn open(
    recipient: &[u8; 32],
    sender: &[u8; 32],
    psk: Option<Psk<'_>>,
    header: &[u8],
    sealed: &[u8],
) -> Option<Vec<u8>> {
    if sealed.len() < ENCAPSULATED_KEY_BYTES + TAG_BYTES {
        return None;
    }
    let (encapped, ciphertext) = sealed.split_at(ENCAPSULATED_KEY_BYTES);
    let encapped = EncappedKey::from_bytes(encapped).ok()?;
    let sender = PublicKey::from_bytes(sender).ok()?;
    let mode = match psk {
        None => OpModeR::Auth(sender),
        Some(psk) => OpModeR::AuthPsk(sender, bundle(psk)),
    };
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
        &mode,
        &private_key(recipient),
        &encapped,
        INFO,
        ciphertext,
        header,
    )
    .ok()
}

fn bundle(psk: Psk<'_>) -> PskBundle<'_> {
    PskBundle::new(psk.secret, psk.id).expect("the secret and its id are both non-empty")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> [u8; 32] {
        [n; 32]
    }

    fn pair(secret: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
        (*secret, public_key(secret))
    }

    fn seal(
        sender: &[u8; 32],
        recipient: &[u8; 32],
        psk: Option<Psk<'_>>,
        header: &[u8],
        plaintext: &[u8],
    ) -> Vec<u8> {
        let (secret, public) = pair(sender);
        super::seal(
            &KeyPair {
                secret: &secret,
                public: &public,
            },
            recipient,
            psk,
            header,
            plaintext,
        )
    }

    #[test]
    fn opens_only_for_the_right_sender_recipient_header_and_psk() {
        let (alice, bob, eve) = (key(1), key(2), key(3));
        let sealed = seal(&alice, &public_key(&bob), None, b"header", b"hello");
        assert_eq!(
            open(&bob, &public_key(&alice), None, b"header", &sealed).as_deref(),
            Some(&b"hello"[..])
        );
        assert!(open(&bob, &public_key(&eve), None, b"header", &sealed).is_none());
        assert!(open(&eve, &public_key(&alice), None, b"header", &sealed).is_none());
        assert!(open(&bob, &public_key(&alice), None, b"Header", &sealed).is_none());
        for i in 0..sealed.len() {
            let mut flipped = sealed.clone();
            flipped[i] ^= 0x01;
            assert!(open(&bob, &public_key(&alice), None, b"header", &flipped).is_none());
        }

        let psk = Psk {
            secret: &[7; 32],
            id: b"id",
        };
        let joined = seal(&alice, &public_key(&bob), Some(psk), b"h", b"join");
        assert!(open(&bob, &public_key(&alice), Some(psk), b"h", &joined).is_some());
        assert!(open(&bob, &public_key(&alice), None, b"h", &joined).is_none());
        let wrong = Psk {
            secret: &[8; 32],
            id: b"id",
        };
        assert!(open(&bob, &public_key(&alice), Some(wrong), b"h", &joined).is_none());
    }

    #[test]
    fn every_seal_is_fresh() {
        let a = seal(&key(1), &public_key(&key(2)), None, b"h", b"same");
        let b = seal(&key(1), &public_key(&key(2)), None, b"h", b"same");
        assert_ne!(a, b);
        assert_eq!(a.len(), ENCAPSULATED_KEY_BYTES + 4 + TAG_BYTES);
    }
}
