//! A pairing record: one party's phone names a phone of the other party.

use crate::model::{EntryId, Role};
use crate::time::Timestamp;

/// Written into the agreement by the phone that accepted another phone's join
/// message (see [`crate::identity::pairing_message`]): the joining phone's role and
/// identity key, with its own proof that it holds that key (its signature from the
/// join message), and the accepting phone's signature over the record. Every phone
/// verifies both, so a party's keys are the ones its phones proved at pairing,
/// recorded for both to see, never keys picked by the order of times a signer chose.
///
/// - A therapist's phone pairs a client's phone (`role` client): the usual pairing,
///   and how a client replaces a lost phone.
/// - A client's phone pairs a therapist's new phone (`role` therapist): how a
///   therapist who replaced their phone gets each agreement back, in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pairing {
    pub id: EntryId,
    /// The role of the phone that joined.
    pub role: Role,
    /// The joining phone's identity key.
    pub key: Vec<u8>,
    pub paired_at: Timestamp,
    /// The invitation it joined with (its HPKE psk_id).
    pub invitation: Vec<u8>,
    /// Its X25519 sync key at pairing.
    pub sync_key: Vec<u8>,
    /// Its signature binding its role and sync key to the invitation.
    pub proof: Vec<u8>,
    /// The key of the phone that paired it, and its signature over the record.
    pub by_key: Vec<u8>,
    pub signature: Vec<u8>,
}
