//! The device's identity and agreement signatures.
//!
//! Each store holds exactly one identity: a role, a display name, an Ed25519 key pair
//! that signs agreements, and an X25519 key pair that seals and opens sync messages
//! ([`crate::sync`]). Two keys, not one converted into the other: a key is used for
//! one purpose only. The secret keys are written to the store once and never leave
//! it: nothing in this module prints, serializes or returns them (`Debug` is redacted).

use std::fmt;

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{AgreementId, EntryId, Pairing, Role, Signature};
use crate::time::Timestamp;

/// This device: who holds it and its signing key.
pub struct DeviceIdentity {
    pub role: Role,
    pub name: String,
    key: SigningKey,
    sync_key: [u8; 32],
    /// Derived from `sync_key` once: every sealed message needs it.
    sync_public: [u8; 32],
}

impl fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceIdentity")
            .field("role", &self.role)
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl DeviceIdentity {
    /// A new identity with fresh keys from the operating system's random source.
    pub fn generate(role: Role, name: &str) -> Result<Self> {
        let name = crate::model::line("name", name, 200)?;
        let mut secret = [0u8; 32];
        let mut sync_key = [0u8; 32];
        for bytes in [&mut secret, &mut sync_key] {
            getrandom::fill(bytes).expect("the operating system's random source is unavailable");
        }
        Ok(Self::with_keys(role, name, &secret, sync_key))
    }

    fn with_keys(role: Role, name: String, secret: &[u8; 32], sync_key: [u8; 32]) -> Self {
        Self {
            role,
            name,
            key: SigningKey::from_bytes(secret),
            sync_key,
            sync_public: crate::sync::seal::public_key(&sync_key),
        }
    }

    /// Restores an identity from the store.
    pub(crate) fn from_stored(
        role: Role,
        name: String,
        secret: &[u8],
        sync_secret: &[u8],
    ) -> Result<Self> {
        let damaged = || Error::StoreUnusable("the stored device key is damaged".into());
        let secret: [u8; 32] = secret.try_into().map_err(|_| damaged())?;
        let sync_key: [u8; 32] = sync_secret.try_into().map_err(|_| damaged())?;
        Ok(Self::with_keys(role, name, &secret, sync_key))
    }

    /// The secret signing key bytes, for the store alone.
    pub(crate) fn secret_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The secret X25519 key bytes, for the store and the sync seal alone.
    pub(crate) fn sync_secret_bytes(&self) -> [u8; 32] {
        self.sync_key
    }

    /// The X25519 public key peers seal sync messages to.
    pub fn sync_public_key(&self) -> [u8; 32] {
        self.sync_public
    }

    /// Signs `message` with the identity key (pairing binds the sync key to it this way).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// Signs a relay request ([`coachline_relay_protocol::auth`]): the only other use
    /// of the identity key, under the protocol's own domain tag.
    pub(crate) fn sign_relay_request(
        &self,
        request: &coachline_relay_protocol::Signed<'_>,
        time_ms: i64,
        nonce: [u8; 16],
    ) -> coachline_relay_protocol::Auth {
        coachline_relay_protocol::Auth::sign(&self.key, request, time_ms, nonce)
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// A short, human-comparable digest of the public key (first 8 bytes of its
    /// SHA-256, in groups of four hex digits), for checking a peer out of band.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key())
    }

    /// Signs an agreement's terms, given as their canonical bytes
    /// ([`crate::model::canonical_terms`]; see [`signed_message`]).
    pub fn sign(&self, agreement: &AgreementId, canonical: &[u8], at: Timestamp) -> Signature {
        let terms_hash: [u8; 32] = Sha256::digest(canonical).into();
        let message = signed_message(agreement, &terms_hash, self.role, at, &self.name);
        Signature {
            id: EntryId::random(),
            role: self.role,
            name: self.name.clone(),
            signed_at: at,
            public_key: self.public_key().to_vec(),
            terms_hash: terms_hash.to_vec(),
            signature: self.key.sign(&message).to_bytes().to_vec(),
            signed_terms: Some(String::from_utf8_lossy(canonical).into_owned()),
        }
    }
}

pub fn fingerprint(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    digest[..8]
        .chunks(2)
        .map(hex::encode)
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether `signature` is `public_key`'s Ed25519 signature of `message`.
pub(crate) fn verify_bytes(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    VerifyingKey::from_bytes(public_key).is_ok_and(|key| {
        key.verify(message, &ed25519_dalek::Signature::from_bytes(signature))
            .is_ok()
    })
}

/// What a party signs: a domain-separation tag, the agreement id, the SHA-256 hash of
/// the canonical terms ([`crate::model::terms_hash`]), the signer's role, the signing
/// time and the signer's name, newline-separated (the name last: it is the one field
/// that is free text). The signature covers everything a screen shows about it, so
/// none of it can be changed or replayed under another role, date or name.
pub fn signed_message(
    agreement: &AgreementId,
    terms_hash: &[u8],
    role: Role,
    at: Timestamp,
    name: &str,
) -> Vec<u8> {
    format!(
        "coachline-signature/2\n{agreement}\n{}\n{role}\n{}\n{name}",
        hex::encode(terms_hash),
        at.millis()
    )
    .into_bytes()
}

/// Whether a signature verifies under the public key it carries, over the terms it
/// carries. (Whether that key is the right one for its role is decided per
/// agreement, see [`assess`].)
pub fn verifies(agreement: &AgreementId, sig: &Signature) -> bool {
    let carried = sig
        .signed_terms
        .as_deref()
        .is_some_and(|terms| Sha256::digest(terms.as_bytes()).as_slice() == sig.terms_hash);
    if !carried {
        return false;
    }
    let Ok(key_bytes) = <[u8; 32]>::try_from(sig.public_key.as_slice()) else {
        return false;
    };
    let Ok(sig_bytes) = <[u8; 64]>::try_from(sig.signature.as_slice()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key_bytes) else {
        return false;
    };
    let message = signed_message(
        agreement,
        &sig.terms_hash,
        sig.role,
        sig.signed_at,
        &sig.name,
    );
    key.verify(&message, &ed25519_dalek::Signature::from_bytes(&sig_bytes))
        .is_ok()
}

/// What a phone signs when it pairs a phone of the other party: a domain-separation
/// tag, the agreement, the joining phone's role and identity key, the time, the
/// invitation and the joining phone's sync key.
pub fn pairing_message(
    agreement: &AgreementId,
    role: Role,
    key: &[u8; 32],
    at: Timestamp,
    invitation: &[u8; 16],
    sync_key: &[u8; 32],
) -> Vec<u8> {
    format!(
        "coachline-pairing/1\n{agreement}\n{role}\n{}\n{}\n{}\n{}",
        hex::encode(key),
        at.millis(),
        hex::encode(invitation),
        hex::encode(sync_key)
    )
    .into_bytes()
}

/// Whether a pairing record holds: signed by one of `issuers` (keys the agreement
/// records for the other party), over a key whose holder proved it, and its role,
/// with the invitation (its join signature, kept in the record).
pub fn pairing_verifies(agreement: &AgreementId, p: &Pairing, issuers: &[Vec<u8>]) -> bool {
    let fixed = (
        <[u8; 32]>::try_from(p.key.as_slice()),
        <[u8; 16]>::try_from(p.invitation.as_slice()),
        <[u8; 32]>::try_from(p.sync_key.as_slice()),
        <[u8; 64]>::try_from(p.proof.as_slice()),
        <[u8; 32]>::try_from(p.by_key.as_slice()),
        <[u8; 64]>::try_from(p.signature.as_slice()),
    );
    let (Ok(key), Ok(invitation), Ok(sync_key), Ok(proof), Ok(by), Ok(signature)) = fixed else {
        return false;
    };
    let proved = crate::sync::join::proof_message(p.role, agreement, &invitation, &sync_key);
    let record = pairing_message(agreement, p.role, &key, p.paired_at, &invitation, &sync_key);
    issuers.iter().any(|k| k.as_slice() == by)
        && verify_bytes(&key, &proved, &proof)
        && verify_bytes(&by, &record, &signature)
}

/// The keys each party's signatures may carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartyKeys {
    pub therapist: Vec<Vec<u8>>,
    pub client: Vec<Vec<u8>>,
}

impl PartyKeys {
    /// The therapist's keys: the one their phone put in the document when drafting
    /// it, and those of their new phones that a client's phone paired (a handover).
    /// The client's keys: those of the client phones a therapist's phone paired. Each
    /// pairing holds only if signed by a key already recorded for the other party, so
    /// the keys grow from the drafting key outwards.
    ///
    /// An agreement only ever carried by file has no client pairing: there, the
    /// client's key is that of the verifying client signatures if they all carry
    /// one key; if they carry several, none is the client's until a phone is paired.
    /// No order of times a signer chose ever decides.
    pub fn of(
        agreement: &AgreementId,
        therapist_key: &[u8],
        pairings: &[Pairing],
        records: &[SignatureRecord],
    ) -> Self {
        let mut keys = Self {
            therapist: vec![therapist_key.to_vec()],
            client: Vec::new(),
        };
        if !pairings.iter().any(|p| p.role == Role::Client) {
            let mut signed: Vec<Vec<u8>> = records
                .iter()
                .filter(|r| r.verifies && r.signature.role == Role::Client)
                .map(|r| r.signature.public_key.clone())
                .collect();
            signed.sort();
            signed.dedup();
            if signed.len() == 1 {
                keys.client = signed;
            }
        }
        loop {
            let before = keys.therapist.len() + keys.client.len();
            for p in pairings {
                let holds = pairing_verifies(agreement, p, keys.of_role(p.role.other()));
                if holds && !keys.holds(p.role, &p.key) {
                    keys.of_role_mut(p.role).push(p.key.clone());
                }
            }
            if keys.therapist.len() + keys.client.len() == before {
                return keys;
            }
        }
    }

    pub fn of_role(&self, role: Role) -> &[Vec<u8>] {
        match role {
            Role::Therapist => &self.therapist,
            Role::Client => &self.client,
        }
    }

    fn of_role_mut(&mut self, role: Role) -> &mut Vec<Vec<u8>> {
        match role {
            Role::Therapist => &mut self.therapist,
            Role::Client => &mut self.client,
        }
    }

    /// Whether `key` is recorded for `role`.
    pub fn holds(&self, role: Role, key: &[u8]) -> bool {
        self.of_role(role).iter().any(|k| k.as_slice() == key)
    }
}

/// A signature as the store keeps it, with the result of its cryptographic check
/// (worked out once, when the signature arrives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureRecord {
    pub signature: Signature,
    pub verifies: bool,
}

impl SignatureRecord {
    /// A signature of `agreement`, checked.
    pub fn check(agreement: &AgreementId, signature: Signature) -> Self {
        Self {
            verifies: verifies(agreement, &signature),
            signature,
        }
    }
}

/// Where an agreement stands with its signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// No valid signature yet.
    Draft,
    /// One party has validly signed the current terms; `missing` says who has not.
    AwaitingSignatures,
    /// Both parties have validly signed the current terms.
    Active,
    /// The terms changed after a valid signature: both must sign again.
    NeedsResigning,
}

impl AgreementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Draft => "draft",
            AgreementStatus::AwaitingSignatures => "awaiting_signatures",
            AgreementStatus::Active => "active",
            AgreementStatus::NeedsResigning => "needs_resigning",
        }
    }
}

/// Why a signature does not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureProblem {
    /// The signature does not verify under the key it carries.
    DoesNotVerify,
    /// It verifies, but under a key the agreement does not record for its role
    /// ([`PartyKeys`]).
    KeyMismatch,
}

/// One signature, judged against the agreement's current terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    pub record: SignatureRecord,
    /// Counts: it verifies, under a key the agreement records for its role.
    pub valid: bool,
    /// Valid and over the current terms hash.
    pub current: bool,
    pub problem: Option<SignatureProblem>,
}

/// The agreement's status from its signatures and current terms hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub status: AgreementStatus,
    /// Roles without a valid signature on the current terms.
    pub missing: Vec<Role>,
    pub signatures: Vec<SignatureCheck>,
}

/// Judges signatures: a signature counts only if it verifies and carries a key the
/// agreement records for its role ([`PartyKeys`]). Another device claiming the role,
/// or a forged or damaged signature, never counts.
pub fn assess(records: &[SignatureRecord], current_hash: &[u8], keys: &PartyKeys) -> Assessment {
    let mut ordered: Vec<&SignatureRecord> = records.iter().collect();
    ordered.sort_by_key(|r| (r.signature.signed_at, &r.signature.id));
    let signatures: Vec<SignatureCheck> = ordered
        .iter()
        .map(|r| {
            let problem = if !r.verifies {
                Some(SignatureProblem::DoesNotVerify)
            } else if !keys.holds(r.signature.role, &r.signature.public_key) {
                Some(SignatureProblem::KeyMismatch)
            } else {
                None
            };
            let valid = problem.is_none();
            SignatureCheck {
                record: (*r).clone(),
                valid,
                current: valid && r.signature.terms_hash == current_hash,
                problem,
            }
        })
        .collect();
    let signed_current = |role: Role| {
        signatures
            .iter()
            .any(|s| s.current && s.record.signature.role == role)
    };
    let missing: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| !signed_current(*r))
        .collect();
    let status = if missing.is_empty() {
        AgreementStatus::Active
    } else if signatures.iter().any(|s| s.valid && !s.current) {
        AgreementStatus::NeedsResigning
    } else if missing.len() < Role::ALL.len() {
        AgreementStatus::AwaitingSignatures
    } else {
        AgreementStatus::Draft
    };
    Assessment {
        status,
        missing,
        signatures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_tampered_one_does_not() {
        let me = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let ag = AgreementId::random();
        let sig = me.sign(&ag, b"terms", Timestamp::from_millis(1));
        assert!(verifies(&ag, &sig));

        let mut other_terms = sig.clone();
        other_terms.signed_terms = Some("other terms".into());
        assert!(!verifies(&ag, &other_terms));

        let mut other_name = sig.clone();
        other_name.name = "Someone else".into();
        assert!(!verifies(&ag, &other_name));

        let mut other_hash = sig.clone();
        other_hash.terms_hash[0] ^= 1;
        assert!(!verifies(&ag, &other_hash));

        let mut other_role = sig.clone();
        other_role.role = Role::Client;
        assert!(!verifies(&ag, &other_role));

        assert!(!verifies(&AgreementId::random(), &sig));
    }

    /// Terms to sign, and their hash.
    fn version(text: &'static str) -> (&'static [u8], [u8; 32]) {
        (text.as_bytes(), Sha256::digest(text.as_bytes()).into())
    }

    fn record(me: &DeviceIdentity, ag: &AgreementId, terms: &[u8], at: i64) -> SignatureRecord {
        SignatureRecord::check(ag, me.sign(ag, terms, Timestamp::from_millis(at)))
    }

    fn keys(therapist: &DeviceIdentity, client: &DeviceIdentity) -> PartyKeys {
        PartyKeys {
            therapist: vec![therapist.public_key().to_vec()],
            client: vec![client.public_key().to_vec()],
        }
    }

    #[test]
    fn status_follows_signatures_and_terms() {
        let ag = AgreementId::random();
        let therapist = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let keys = keys(&therapist, &client);
        let ((v1, h1), (_, h2)) = (version("one"), version("two"));
        assert_eq!(assess(&[], &h1, &keys).status, AgreementStatus::Draft);

        let t = record(&therapist, &ag, v1, 1);
        let one = assess(std::slice::from_ref(&t), &h1, &keys);
        assert_eq!(
            (one.status, one.missing.clone()),
            (AgreementStatus::AwaitingSignatures, vec![Role::Client])
        );

        let c = record(&client, &ag, v1, 2);
        let both = assess(&[t.clone(), c.clone()], &h1, &keys);
        assert_eq!(
            (both.status, both.missing.len()),
            (AgreementStatus::Active, 0)
        );
        assert_eq!(
            assess(&[t, c], &h2, &keys).status,
            AgreementStatus::NeedsResigning
        );
    }

    #[test]
    fn forged_and_impostor_signatures_never_count() {
        let ag = AgreementId::random();
        let therapist = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let impostor = DeviceIdentity::generate(Role::Therapist, "I").unwrap();
        let (v, h) = version("one");
        let first = record(&therapist, &ag, v, 1);
        let later = record(&impostor, &ag, v, 2);
        let mut forged = record(&therapist, &ag, v, 3);
        forged.verifies = false;
        let a = assess(&[later, forged, first], &h, &keys(&therapist, &client));
        let problems: Vec<_> = a.signatures.iter().map(|s| s.problem).collect();
        assert_eq!(
            problems,
            vec![
                None,
                Some(SignatureProblem::KeyMismatch),
                Some(SignatureProblem::DoesNotVerify)
            ]
        );
        assert_eq!(a.status, AgreementStatus::AwaitingSignatures);
    }

    /// `joiner`'s phone paired by `by`.
    fn paired(ag: &AgreementId, by: &DeviceIdentity, joiner: &DeviceIdentity) -> Pairing {
        let invitation = [4; 16];
        let sync_key = joiner.sync_public_key();
        let proved = crate::sync::join::proof_message(joiner.role, ag, &invitation, &sync_key);
        let at = Timestamp::from_millis(5);
        let key = joiner.public_key();
        let message = pairing_message(ag, joiner.role, &key, at, &invitation, &sync_key);
        Pairing {
            id: EntryId::random(),
            role: joiner.role,
            key: key.to_vec(),
            paired_at: at,
            invitation: invitation.to_vec(),
            sync_key: sync_key.to_vec(),
            proof: joiner.sign_bytes(&proved).to_vec(),
            by_key: by.public_key().to_vec(),
            signature: by.sign_bytes(&message).to_vec(),
        }
    }

    #[test]
    fn a_pairing_record_holds_only_with_both_proofs() {
        let ag = AgreementId::random();
        let therapist = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let keys = [therapist.public_key().to_vec()];
        let good = paired(&ag, &therapist, &client);
        assert!(pairing_verifies(&ag, &good, &keys));
        assert!(!pairing_verifies(&AgreementId::random(), &good, &keys));

        let other = DeviceIdentity::generate(Role::Client, "O").unwrap();
        let mut swapped = good.clone();
        swapped.key = other.public_key().to_vec();
        assert!(!pairing_verifies(&ag, &swapped, &keys));

        let stranger = DeviceIdentity::generate(Role::Therapist, "S").unwrap();
        let by_stranger = paired(&ag, &stranger, &client);
        assert!(!pairing_verifies(&ag, &by_stranger, &keys));

        let mut as_therapist = good.clone();
        as_therapist.role = Role::Therapist;
        assert!(!pairing_verifies(&ag, &as_therapist, &keys));
    }

    #[test]
    fn a_therapists_new_phone_counts_once_a_recorded_client_phone_paired_it() {
        let ag = AgreementId::random();
        let therapist = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let new_phone = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let client_paired = paired(&ag, &therapist, &client);
        let handover = paired(&ag, &client, &new_phone);
        // In either order, the keys grow from the drafting key outwards.
        for pairings in [
            vec![client_paired.clone(), handover.clone()],
            vec![handover.clone(), client_paired.clone()],
        ] {
            let keys = PartyKeys::of(&ag, &therapist.public_key(), &pairings, &[]);
            assert!(keys.holds(Role::Therapist, &new_phone.public_key()));
            assert!(keys.holds(Role::Client, &client.public_key()));
        }
        // A handover by a phone no therapist paired counts for nothing.
        let stranger = DeviceIdentity::generate(Role::Client, "S").unwrap();
        let keys = PartyKeys::of(
            &ag,
            &therapist.public_key(),
            &[client_paired, paired(&ag, &stranger, &new_phone)],
            &[],
        );
        assert!(!keys.holds(Role::Therapist, &new_phone.public_key()));
    }

    #[test]
    fn the_clients_key_is_the_one_paired_never_the_earliest_signature() {
        let ag = AgreementId::random();
        let therapist = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let (v, h) = version("one");
        let real = record(&client, &ag, v, 100);
        // The therapist's phone makes a client key of its own and signs with it,
        // backdated before the real client's signature.
        let fake_client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let fake = record(&fake_client, &ag, v, 1);
        let t = record(&therapist, &ag, v, 2);
        let records = [fake, real, t];

        let pairing = paired(&ag, &therapist, &client);
        let keys = PartyKeys::of(&ag, &therapist.public_key(), &[pairing], &records);
        let a = assess(&records, &h, &keys);
        let problems: Vec<_> = a.signatures.iter().map(|s| s.problem).collect();
        assert_eq!(
            problems,
            vec![Some(SignatureProblem::KeyMismatch), None, None]
        );
        assert_eq!(a.status, AgreementStatus::Active);

        // Carried only by file, two client keys and no pairing: neither counts.
        let keys = PartyKeys::of(&ag, &therapist.public_key(), &[], &records);
        assert!(keys.client.is_empty());
        assert_eq!(
            assess(&records, &h, &keys).status,
            AgreementStatus::AwaitingSignatures
        );
    }

    #[test]
    fn debug_never_shows_the_secret_or_the_name() {
        let me = DeviceIdentity::generate(Role::Client, "Secret Name").unwrap();
        let shown = format!("{me:?}");
        assert!(!shown.contains("Secret Name"));
        assert!(!shown.contains(&hex::encode(me.secret_bytes())));
        assert!(!shown.contains(&hex::encode(me.sync_secret_bytes())));
    }
}
