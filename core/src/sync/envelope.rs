//! The sealed message: a versioned binary envelope around one fragment of a sync
//! message.
//!
//! ```text
//! offset size
//!  0      2   magic "CL"
//!  2      1   version (1)
//!  3      1   kind: 0 sync, 1 join (a client's message before the therapist accepted it)
//!  4     16   agreement id
//! 20      8   sender device id    (the first 8 bytes of SHA-256 of its Ed25519 key:
//! 28      8   recipient device id  the bytes of its fingerprint)
//! 36      8   counter, big-endian: per sender and agreement, strictly increasing,
//!             below 2^63 (a store keeps it as SQLite's signed 64-bit integer)
//! 44      2   fragment index
//! 46      2   fragment count
//! join only:
//! 48     16   invitation id (HPKE psk_id)
//! 64     32   the sender's X25519 sync key (the therapist does not know it yet)
//! then:  32   HPKE encapsulated key, then the ciphertext and its 16-byte tag
//! ```
//!
//! The header is the AEAD's associated data ([`super::seal`]): a receiver may use
//! its fields to find the right keys and to refuse early, but a message whose header
//! was changed never opens. Device ids are lookup hints, not proof: the proof is that
//! the message opens under the key on record for that peer.
//!
//! A message is never longer than [`MAX_MESSAGE_BYTES`] (64 KiB): small enough for
//! any transport (a BLE characteristic stream, a push payload, a relay's limit) to
//! carry whole. A larger sync message is cut into fragments, each sealed on its own
//! under the same counter with its index, and reassembled before anything is applied
//! ([`super::fragments`]).

use sha2::{Digest, Sha256};

use super::seal::{self, KeyPair, Psk, ENCAPSULATED_KEY_BYTES, TAG_BYTES};
use crate::error::{Error, Rejection, Result};
use crate::model::AgreementId;

/// The largest sealed message, header included.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The most fragments one sync message may be cut into (64 MiB in all).
pub const MAX_FRAGMENTS: u16 = 1024;
/// Counters are below 2^63: a store keeps them as SQLite's signed 64-bit integers, and
/// a peer's counter at or above it could never be stored (nor reached honestly).
pub const MAX_COUNTER: u64 = i64::MAX as u64;
/// The largest fragment of a sync message that fits in one sealed message.
pub const MAX_FRAGMENT_BYTES: usize =
    MAX_MESSAGE_BYTES - JOIN_HEADER_BYTES - ENCAPSULATED_KEY_BYTES - TAG_BYTES;

const MAGIC: &[u8; 2] = b"CL";
const VERSION: u8 = 1;
const HEADER_BYTES: usize = 48;
const JOIN_HEADER_BYTES: usize = HEADER_BYTES + 16 + 32;

/// A device id: the first 8 bytes of SHA-256 of its identity key, which is what
/// [`crate::identity::fingerprint`] shows.
pub type DeviceId = [u8; 8];

pub fn device_id(identity_key: &[u8; 32]) -> DeviceId {
    Sha256::digest(identity_key)[..8]
        .try_into()
        .expect("8 of 32 bytes")
}

/// How the sender proves who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// From a paired peer: auth mode with its sync key on record.
    Sync,
    /// From a joining client: auth-PSK mode with the invitation secret, its sync key
    /// carried in the header.
    Join {
        psk_id: [u8; 16],
        sync_key: [u8; 32],
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    pub agreement: AgreementId,
    pub sender: DeviceId,
    pub recipient: DeviceId,
    pub counter: u64,
    pub index: u16,
    pub count: u16,
}

impl Header {
    fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(JOIN_HEADER_BYTES);
        bytes.extend_from_slice(MAGIC);
        bytes.push(VERSION);
        bytes.push(match self.kind {
            Kind::Sync => 0,
            Kind::Join { .. } => 1,
        });
        bytes.extend_from_slice(&super::invitation::agreement_bytes(&self.agreement));
        bytes.extend_from_slice(&self.sender);
        bytes.extend_from_slice(&self.recipient);
        bytes.extend_from_slice(&self.counter.to_be_bytes());
        bytes.extend_from_slice(&self.index.to_be_bytes());
        bytes.extend_from_slice(&self.count.to_be_bytes());
        if let Kind::Join { psk_id, sync_key } = &self.kind {
            bytes.extend_from_slice(psk_id);
            bytes.extend_from_slice(sync_key);
        }
        bytes
    }

    /// Reads a header, returning it and its length.
    fn parse(bytes: &[u8]) -> Option<(Self, usize)> {
        let at = |from: usize, len: usize| bytes.get(from..from + len);
        if at(0, 2)? != MAGIC || *bytes.get(2)? != VERSION {
            return None;
        }
        let u16_at = |from| Some(u16::from_be_bytes(at(from, 2)?.try_into().ok()?));
        let (kind, len) = match bytes.get(3)? {
            0 => (Kind::Sync, HEADER_BYTES),
            1 => (
                Kind::Join {
                    psk_id: at(48, 16)?.try_into().ok()?,
                    sync_key: at(64, 32)?.try_into().ok()?,
                },
                JOIN_HEADER_BYTES,
            ),
            _ => return None,
        };
        let header = Self {
            kind,
            agreement: AgreementId::parse(&hex::encode(at(4, 16)?)).ok()?,
            sender: at(20, 8)?.try_into().ok()?,
            recipient: at(28, 8)?.try_into().ok()?,
            counter: u64::from_be_bytes(at(36, 8)?.try_into().ok()?),
            index: u16_at(44)?,
            count: u16_at(46)?,
        };
        let fragments_ok = header.count >= 1 && header.count <= MAX_FRAGMENTS;
        let counter_ok = header.counter <= MAX_COUNTER;
        (fragments_ok && counter_ok && header.index < header.count).then_some((header, len))
    }
}

/// A received message, parsed but not yet opened.
pub struct Envelope<'a> {
    pub header: Header,
    header_bytes: &'a [u8],
    sealed: &'a [u8],
}

impl<'a> Envelope<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let malformed = || Error::rejected(Rejection::Malformed);
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(malformed());
        }
        let (header, len) = Header::parse(bytes).ok_or_else(malformed)?;
        let (header_bytes, sealed) = bytes.split_at(len);
        Ok(Self {
            header,
            header_bytes,
            sealed,
        })
    }

    /// The length of the sealed part: at least that of the fragment it opens to.
    pub fn sealed_len(&self) -> usize {
        self.sealed.len()
    }

    /// The fragment inside, if it was sealed by `sender` (public sync key) for
    /// `recipient` (secret sync key) with `psk`, and not changed since.
    pub fn open(
        &self,
        recipient: &[u8; 32],
        sender: &[u8; 32],
        psk: Option<Psk<'_>>,
    ) -> Result<Vec<u8>> {
        seal::open(recipient, sender, psk, self.header_bytes, self.sealed)
            .ok_or(Error::rejected(Rejection::Tampered))
    }
}

/// Who sends a message to whom, with which keys.
pub struct Route<'a> {
    pub kind: Kind,
    pub agreement: &'a AgreementId,
    pub sender: DeviceId,
    pub sender_keys: KeyPair<'a>,
    pub recipient: DeviceId,
    pub recipient_key: &'a [u8; 32],
    pub psk: Option<Psk<'a>>,
}

/// Seals `body` as one message, or as several fragments if it is too large for one.
/// Fails only if it would take more than [`MAX_FRAGMENTS`].
pub fn seal_all(route: &Route<'_>, counter: u64, body: &[u8]) -> Result<Vec<Vec<u8>>> {
    let pieces: Vec<&[u8]> = if body.is_empty() {
        vec![body]
    } else {
        body.chunks(MAX_FRAGMENT_BYTES).collect()
    };
    let count = u16::try_from(pieces.len())
        .ok()
        .filter(|n| *n <= MAX_FRAGMENTS)
        .ok_or_else(|| {
            Error::invalid(
                "agreement",
                "the document has grown too large to sync (over 64 MiB)",
            )
        })?;
    Ok(pieces
        .iter()
        .enumerate()
        .map(|(index, piece)| {
            let header = Header {
                kind: route.kind,
                agreement: route.agreement.clone(),
                sender: route.sender,
                recipient: route.recipient,
                counter,
                index: index as u16,
                count,
            }
            .encode();
            let mut message = header.clone();
            message.extend(seal::seal(
                &route.sender_keys,
                route.recipient_key,
                route.psk,
                &header,
                piece,
            ));
            message
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::seal::public_key;

    /// Sender secret and public key, recipient public key.
    type Keys = ([u8; 32], [u8; 32], [u8; 32]);

    fn keys(sender: [u8; 32], recipient: [u8; 32]) -> Keys {
        (sender, public_key(&sender), public_key(&recipient))
    }

    fn route<'a>(agreement: &'a AgreementId, keys: &'a Keys) -> Route<'a> {
        Route {
            kind: Kind::Sync,
            agreement,
            sender: [1; 8],
            sender_keys: KeyPair {
                secret: &keys.0,
                public: &keys.1,
            },
            recipient: [2; 8],
            recipient_key: &keys.2,
            psk: None,
        }
    }

    #[test]
    fn a_message_round_trips_and_binds_its_header() {
        let agreement = AgreementId::random();
        let (alice, bob) = ([1; 32], [2; 32]);
        let keys = keys(alice, bob);
        let sealed = seal_all(&route(&agreement, &keys), 7, b"body").unwrap();
        assert_eq!(sealed.len(), 1);
        assert_eq!(sealed[0].len(), HEADER_BYTES + 32 + 4 + 16);
        let envelope = Envelope::parse(&sealed[0]).unwrap();
        assert_eq!(envelope.header.counter, 7);
        assert_eq!(envelope.header.agreement, agreement);
        assert_eq!(
            envelope.open(&bob, &public_key(&alice), None).unwrap(),
            b"body"
        );
        // A changed counter parses, but no longer opens.
        let mut replayed = sealed[0].clone();
        replayed[43] ^= 1;
        let envelope = Envelope::parse(&replayed).unwrap();
        assert_eq!(envelope.header.counter, 6);
        assert!(matches!(
            envelope.open(&bob, &public_key(&alice), None),
            Err(Error::Rejected {
                reason: Rejection::Tampered
            })
        ));
    }

    #[test]
    fn large_bodies_are_cut_into_fragments_within_the_limit() {
        let agreement = AgreementId::random();
        let (alice, bob) = ([1; 32], [2; 32]);
        let keys = keys(alice, bob);
        let body: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        let mut route = route(&agreement, &keys);
        route.kind = Kind::Join {
            psk_id: [3; 16],
            sync_key: public_key(&alice),
        };
        route.psk = Some(Psk {
            secret: &[9; 32],
            id: &[3; 16],
        });
        let sealed = seal_all(&route, 1, &body).unwrap();
        assert_eq!(sealed.len(), 3);
        assert!(sealed.iter().all(|m| m.len() <= MAX_MESSAGE_BYTES));
        assert_eq!(sealed[0].len(), MAX_MESSAGE_BYTES);
        let mut joined = Vec::new();
        for (i, message) in sealed.iter().enumerate() {
            let envelope = Envelope::parse(message).unwrap();
            assert_eq!(
                (envelope.header.index, envelope.header.count),
                (i as u16, 3)
            );
            joined.extend(envelope.open(&bob, &public_key(&alice), route.psk).unwrap());
        }
        assert_eq!(joined, body);
    }

    #[test]
    fn malformed_envelopes_are_refused() {
        let malformed = |bytes: &[u8]| {
            matches!(
                Envelope::parse(bytes),
                Err(Error::Rejected {
                    reason: Rejection::Malformed
                })
            )
        };
        assert!(malformed(b""));
        assert!(malformed(b"CL\x02\x00"));
        assert!(malformed(&[0u8; 100]));
        assert!(malformed(&vec![0u8; MAX_MESSAGE_BYTES + 1]));
        let agreement = AgreementId::random();
        let keys = keys([1; 32], [2; 32]);
        let mut message = seal_all(&route(&agreement, &keys), 1, b"x")
            .unwrap()
            .remove(0);
        message[45] = 1; // fragment index 1 of 1
        assert!(malformed(&message));
        // Counters from 2^63 on, which no store could record.
        for counter in [MAX_COUNTER + 1, u64::MAX] {
            let message = seal_all(&route(&agreement, &keys), counter, b"x")
                .unwrap()
                .remove(0);
            assert!(malformed(&message), "{counter}");
        }
        let highest = seal_all(&route(&agreement, &keys), MAX_COUNTER, b"x").unwrap();
        assert_eq!(
            Envelope::parse(&highest[0]).unwrap().header.counter,
            MAX_COUNTER
        );
    }
}
