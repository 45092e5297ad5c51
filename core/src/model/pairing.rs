//! A pairing record: the therapist's phone names the client's key.

use crate::model::EntryId;
use crate::time::Timestamp;

/// Written into the agreement by the therapist's phone when it pairs a client's
/// phone (see [`crate::identity::pairing_message`]): the client's identity key, with
/// the client's own proof that it holds it (its signature from the join message)
/// and the therapist's signature over the record. Every phone verifies both, so the
/// client's key is the one its phone proved at pairing, recorded for both to see,
/// never a key picked by the order of times a signer chose. A lost phone is
/// replaced by pairing a new one: a second record, and both keys are the client's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pairing {
    pub id: EntryId,
    pub client_key: Vec<u8>,
    pub paired_at: Timestamp,
    /// The invitation the client joined with (its HPKE psk_id).
    pub invitation: Vec<u8>,
    /// The client's X25519 sync key at pairing.
    pub sync_key: Vec<u8>,
    /// The client's signature binding its sync key to the invitation.
    pub client_proof: Vec<u8>,
    /// The therapist key that paired it, and its signature over the record.
    pub therapist_key: Vec<u8>,
    pub signature: Vec<u8>,
}
