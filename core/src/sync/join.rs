//! A joining phone's proof: the body of every message it sends before the phone that
//! invited it has accepted it. The joiner is usually a client's phone, invited by the
//! therapist's; or a therapist's new phone, invited by the client's (a handover).
//!
//! Sealing in auth-PSK mode with the invitation secret already proves the sender
//! holds the secret and the X25519 key in the header. The body adds the joiner's
//! Ed25519 identity key and its signature over (its role, agreement, invitation id,
//! that X25519 key): the identity fingerprint the other phone's `peers` shows — and
//! can compare with the joiner's `whoami` — then vouches for the key its messages are
//! sealed to, and for the role it joins as.
//!
//! ```text
//! 32  the joiner's Ed25519 identity key
//! 64  its signature of "coachline-join/2\n" ‖ role ‖ agreement id ‖ invitation id ‖ sync key
//! ..  the Automerge sync message
//! ```
//!
//! (The role is one byte: 0 client, 1 therapist.)

use super::invitation::agreement_bytes;
use crate::identity::{self, DeviceIdentity};
use crate::model::{AgreementId, Role};

const TAG: &[u8] = b"coachline-join/2\n";
const PROOF_BYTES: usize = 32 + 64;

/// What a joining phone signs: its role and sync key, bound to the agreement and the
/// invitation. Kept in the pairing record, so every phone can check it later.
pub(crate) fn proof_message(
    role: Role,
    agreement: &AgreementId,
    psk_id: &[u8; 16],
    sync_key: &[u8; 32],
) -> Vec<u8> {
    let role = [u8::from(role == Role::Therapist)];
    [TAG, &role, &agreement_bytes(agreement), psk_id, sync_key].concat()
}

/// The body of a join message carrying `sync_message`.
pub fn body(
    me: &DeviceIdentity,
    agreement: &AgreementId,
    psk_id: &[u8; 16],
    sync_message: &[u8],
) -> Vec<u8> {
    let signature = me.sign_bytes(&proof_message(
        me.role,
        agreement,
        psk_id,
        &me.sync_public_key(),
    ));
    [&me.public_key()[..], &signature, sync_message].concat()
}

/// A joining client's proof, opened: its identity key, its signature of
/// [`proof_message`], and the sync message it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Joined<'a> {
    pub identity_key: [u8; 32],
    pub proof: [u8; 64],
    pub sync_message: &'a [u8],
}

/// The sender's proof and the sync message, if the proof holds for a sender joining
/// as `role` whose X25519 key is `sync_key`.
pub fn open_body<'a>(
    body: &'a [u8],
    role: Role,
    agreement: &AgreementId,
    psk_id: &[u8; 16],
    sync_key: &[u8; 32],
) -> Option<Joined<'a>> {
    let (proof, sync_message) = body.split_at_checked(PROOF_BYTES)?;
    let identity_key: [u8; 32] = proof[..32].try_into().ok()?;
    let signature: [u8; 64] = proof[32..].try_into().ok()?;
    identity::verify_bytes(
        &identity_key,
        &proof_message(role, agreement, psk_id, sync_key),
        &signature,
    )
    .then_some(Joined {
        identity_key,
        proof: signature,
        sync_message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn the_proof_binds_the_sync_key_to_the_identity() {
        let client = DeviceIdentity::generate(Role::Client, "C").unwrap();
        let agreement = AgreementId::random();
        let psk_id = [5; 16];
        let body = body(&client, &agreement, &psk_id, b"sync");
        let sync_key = client.sync_public_key();
        let joined = open_body(&body, Role::Client, &agreement, &psk_id, &sync_key).unwrap();
        assert_eq!(
            (joined.identity_key, joined.sync_message),
            (client.public_key(), &b"sync"[..])
        );
        assert_eq!(
            open_body(&body, Role::Client, &agreement, &psk_id, &[1; 32]),
            None
        );
        assert_eq!(
            open_body(&body, Role::Therapist, &agreement, &psk_id, &sync_key),
            None,
            "a client's proof does not hold for a therapist joining"
        );
        assert_eq!(
            open_body(&body, Role::Client, &agreement, &[6; 16], &sync_key),
            None
        );
        assert_eq!(
            open_body(
                &body,
                Role::Client,
                &AgreementId::random(),
                &psk_id,
                &sync_key
            ),
            None
        );
        assert_eq!(
            open_body(&body[..50], Role::Client, &agreement, &psk_id, &sync_key),
            None
        );
    }
}
