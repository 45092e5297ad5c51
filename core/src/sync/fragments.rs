//! Fragments in transit, in memory only.
//!
//! Outgoing: a sync message cut into several sealed fragments is handed out one per
//! call of [`crate::store::Store::sync_next`]. Incoming: fragments are kept until the
//! whole message is there, then applied at once — nothing is applied from part of a
//! message. Dropping either on restart is safe: the sender's session resends what was
//! not acknowledged ([`super::session`]). A newer message from the same sender
//! supersedes an incomplete older one (Automerge's next message covers it).
//!
//! Incoming fragments are held before the whole message can be checked, so what is
//! held is bounded. A partial message is keyed by agreement, sender device id *and*
//! the key it was sealed with: a device id is only a hint anyone can write, but the
//! sealing key is proven by the fragment opening, so someone who imitates a device
//! (holding an invitation line, say) holds a partial message of its own and never
//! overtakes or blocks the real device's. Partial messages from senders that are not
//! the agreement's paired peer are bounded in number ([`MAX_HELD_MESSAGES`]) and bytes
//! ([`MAX_HELD_BYTES`]): past either, a new one is refused with
//! [`Rejection::Busy`]. The paired peer is never refused for room: the oldest
//! unpaired partial messages are dropped to make it, and its own are bounded by the
//! protocol (one per agreement, at most [`super::envelope::MAX_FRAGMENTS`] fragments).

use std::collections::{HashMap, VecDeque};

use super::envelope::{DeviceId, Header};
use crate::error::Rejection;
use crate::model::AgreementId;

/// The most partial messages held at once (unpaired senders are refused past it).
pub const MAX_HELD_MESSAGES: usize = 64;
/// The most bytes of partial messages held at once (likewise): 128 full fragments.
pub const MAX_HELD_BYTES: usize = 8 * 1024 * 1024;

/// Whose partial message: agreement, claimed device id, and the X25519 key it was
/// sealed with.
type Key = (AgreementId, DeviceId, [u8; 32]);

#[derive(Default)]
pub struct Fragments {
    outgoing: HashMap<AgreementId, VecDeque<Vec<u8>>>,
    incoming: HashMap<Key, Partial>,
    /// Arrival order of partial messages, to drop the oldest first.
    arrivals: u64,
}

struct Partial {
    counter: u64,
    parts: Vec<Option<Vec<u8>>>,
    bytes: usize,
    /// From the agreement's paired peer: never dropped to make room.
    paired: bool,
    arrival: u64,
}

/// Who sealed an incoming fragment.
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    /// The X25519 key it opens (or will open) under.
    pub key: &'a [u8; 32],
    /// Whether that is the key of the agreement's paired peer on record.
    pub paired: bool,
}

impl Fragments {
    /// The next fragment still to send for an agreement.
    pub fn next_outgoing(&mut self, agreement: &AgreementId) -> Option<Vec<u8>> {
        let queue = self.outgoing.get_mut(agreement)?;
        let next = queue.pop_front();
        if queue.is_empty() {
            self.outgoing.remove(agreement);
        }
        next
    }

    /// Forgets the fragments still to send for `agreement` (their message was not
    /// delivered: the whole message goes again).
    pub fn drop_outgoing(&mut self, agreement: &AgreementId) {
        self.outgoing.remove(agreement);
    }

    pub fn queue_outgoing(&mut self, agreement: &AgreementId, rest: Vec<Vec<u8>>) {
        if !rest.is_empty() {
            self.outgoing
                .entry(agreement.clone())
                .or_default()
                .extend(rest);
        }
    }

    /// Whether a fragment of `len` bytes (sealed, so at least what it opens to) would
    /// be accepted: not one already held, not from a message older than one being
    /// assembled, and, from an unpaired sender, within the bounds. Checked before
    /// anything is opened.
    pub fn check(&self, header: &Header, sender: Sender<'_>, len: usize) -> Result<(), Rejection> {
        let held = self.incoming.get(&key(header, sender));
        match held {
            Some(partial) if partial.counter > header.counter => return Err(Rejection::Replayed),
            Some(partial) if partial.counter == header.counter => {
                return match partial.parts.get(usize::from(header.index)) {
                    Some(None) if partial.parts.len() == usize::from(header.count) => {
                        self.room(sender, 0, len)
                    }
                    Some(Some(_)) => Err(Rejection::Replayed),
                    _ => Err(Rejection::Malformed),
                };
            }
            _ => {}
        }
        if header.count == 1 {
            return Ok(());
        }
        // A new partial message, superseding any older one of the same sender.
        let (messages, bytes) = held.map_or((1, len), |old| (0, len.saturating_sub(old.bytes)));
        self.room(sender, messages, bytes)
    }

    /// Whether `messages` more partial messages and `bytes` more bytes fit.
    fn room(&self, sender: Sender<'_>, messages: usize, bytes: usize) -> Result<(), Rejection> {
        if sender.paired {
            return Ok(());
        }
        let (held_messages, held_bytes) = self.held();
        if held_messages + messages > MAX_HELD_MESSAGES || held_bytes + bytes > MAX_HELD_BYTES {
            return Err(Rejection::Busy);
        }
        Ok(())
    }

    /// How many partial messages are held, and their bytes.
    pub fn held(&self) -> (usize, usize) {
        let bytes = self.incoming.values().map(|p| p.bytes).sum();
        (self.incoming.len(), bytes)
    }

    /// Adds an opened fragment; returns the whole message once every fragment is in.
    /// The caller has passed [`Self::check`] with the same sender.
    pub fn add(
        &mut self,
        header: &Header,
        sender: Sender<'_>,
        fragment: Vec<u8>,
    ) -> Option<Vec<u8>> {
        let key = key(header, sender);
        if header.count == 1 {
            self.incoming.remove(&key);
            return Some(fragment);
        }
        let arrival = self.arrivals;
        let partial = self.incoming.entry(key.clone()).or_insert_with(|| Partial {
            counter: header.counter,
            parts: Vec::new(),
            bytes: 0,
            paired: sender.paired,
            arrival,
        });
        if partial.counter != header.counter || partial.parts.is_empty() {
            self.arrivals += 1;
            *partial = Partial {
                counter: header.counter,
                parts: vec![None; usize::from(header.count)],
                bytes: 0,
                paired: sender.paired,
                arrival,
            };
        }
        partial.bytes += fragment.len();
        partial.parts[usize::from(header.index)] = Some(fragment);
        if partial.parts.iter().any(Option::is_none) {
            if sender.paired {
                self.make_room();
            }
            return None;
        }
        let whole = self.incoming.remove(&key)?;
        Some(whole.parts.into_iter().flatten().flatten().collect())
    }

    /// Drops the oldest partial messages of unpaired senders while the bounds are
    /// exceeded (which only the paired peer's fragments can do).
    fn make_room(&mut self) {
        loop {
            let (messages, bytes) = self.held();
            if messages <= MAX_HELD_MESSAGES && bytes <= MAX_HELD_BYTES {
                return;
            }
            let oldest = self
                .incoming
                .iter()
                .filter(|(_, p)| !p.paired)
                .min_by_key(|(_, p)| p.arrival)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.incoming.remove(&k);
                }
                None => return,
            }
        }
    }
}

fn key(header: &Header, sender: Sender<'_>) -> Key {
    (header.agreement.clone(), header.sender, *sender.key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::envelope::Kind;

    const PEER: Sender<'static> = Sender {
        key: &[3; 32],
        paired: true,
    };
    const STRANGER: Sender<'static> = Sender {
        key: &[4; 32],
        paired: false,
    };

    fn header(agreement: &AgreementId, counter: u64, index: u16, count: u16) -> Header {
        Header {
            kind: Kind::Sync,
            agreement: agreement.clone(),
            sender: [1; 8],
            recipient: [2; 8],
            counter,
            index,
            count,
        }
    }

    #[test]
    fn fragments_are_reassembled_in_any_order_once() {
        let id = AgreementId::random();
        let mut f = Fragments::default();
        let h2 = header(&id, 5, 2, 3);
        assert_eq!(f.check(&h2, PEER, 1), Ok(()));
        assert_eq!(f.add(&h2, PEER, b"c".to_vec()), None);
        assert_eq!(f.check(&h2, PEER, 1), Err(Rejection::Replayed));
        assert_eq!(
            f.check(&header(&id, 4, 0, 3), PEER, 1),
            Err(Rejection::Replayed)
        );
        assert_eq!(
            f.check(&header(&id, 5, 0, 2), PEER, 1),
            Err(Rejection::Malformed)
        );
        assert_eq!(f.add(&header(&id, 5, 0, 3), PEER, b"a".to_vec()), None);
        assert_eq!(
            f.add(&header(&id, 5, 1, 3), PEER, b"b".to_vec()),
            Some(b"abc".to_vec())
        );
        assert_eq!(
            f.check(&h2, PEER, 1),
            Ok(()),
            "complete messages are no longer held"
        );
    }

    #[test]
    fn a_newer_message_supersedes_an_incomplete_one() {
        let id = AgreementId::random();
        let mut f = Fragments::default();
        assert_eq!(f.add(&header(&id, 5, 0, 2), PEER, b"old".to_vec()), None);
        assert_eq!(f.add(&header(&id, 6, 0, 2), PEER, b"new".to_vec()), None);
        assert_eq!(
            f.add(&header(&id, 6, 1, 2), PEER, b"er".to_vec()),
            Some(b"newer".to_vec())
        );
        assert_eq!(
            f.add(&header(&id, 7, 0, 1), PEER, b"x".to_vec()),
            Some(b"x".to_vec())
        );
    }

    #[test]
    fn outgoing_fragments_leave_in_order() {
        let id = AgreementId::random();
        let mut f = Fragments::default();
        f.queue_outgoing(&id, vec![b"2".to_vec(), b"3".to_vec()]);
        assert_eq!(f.next_outgoing(&id), Some(b"2".to_vec()));
        assert_eq!(f.next_outgoing(&id), Some(b"3".to_vec()));
        assert_eq!(f.next_outgoing(&id), None);
    }

    #[test]
    fn a_sender_imitating_a_device_id_under_another_key_holds_its_own_partial_message() {
        let id = AgreementId::random();
        let mut f = Fragments::default();
        assert_eq!(
            f.add(&header(&id, 1 << 62, 0, 2), STRANGER, b"x".to_vec()),
            None
        );
        assert_eq!(f.check(&header(&id, 3, 0, 2), PEER, 1), Ok(()));
        assert_eq!(f.add(&header(&id, 3, 0, 2), PEER, b"a".to_vec()), None);
        assert_eq!(
            f.add(&header(&id, 3, 1, 2), PEER, b"b".to_vec()),
            Some(b"ab".to_vec())
        );
    }

    #[test]
    fn unpaired_senders_are_refused_past_the_bounds_and_the_peer_makes_room() {
        let id = AgreementId::random();
        let mut f = Fragments::default();
        let keys: Vec<[u8; 32]> = (0..=MAX_HELD_MESSAGES as u8)
            .map(|i| [100 + i; 32])
            .collect();
        let stranger = |i: usize| Sender {
            key: &keys[i],
            paired: false,
        };
        for i in 0..MAX_HELD_MESSAGES {
            let h = header(&id, 1, 0, 2);
            assert_eq!(f.check(&h, stranger(i), 10), Ok(()));
            assert_eq!(f.add(&h, stranger(i), vec![0; 10]), None);
        }
        let last = stranger(MAX_HELD_MESSAGES);
        assert_eq!(
            f.check(&header(&id, 1, 0, 2), last, 10),
            Err(Rejection::Busy)
        );
        // A held message may still complete; a single-fragment one needs no room.
        assert_eq!(f.check(&header(&id, 1, 1, 2), stranger(0), 10), Ok(()));
        assert_eq!(f.check(&header(&id, 1, 0, 1), last, 10), Ok(()));
        // The peer is never refused, and the oldest stranger makes room for it.
        assert_eq!(f.check(&header(&id, 9, 0, 2), PEER, 10), Ok(()));
        assert_eq!(f.add(&header(&id, 9, 0, 2), PEER, vec![0; 10]), None);
        assert_eq!(f.held(), (MAX_HELD_MESSAGES, 10 * MAX_HELD_MESSAGES));
        assert_eq!(
            f.check(&header(&id, 1, 1, 2), stranger(0), 10),
            Err(Rejection::Busy),
            "the oldest was dropped: its next fragment would start anew, and finds no room"
        );
        assert_eq!(f.check(&header(&id, 1, 1, 2), stranger(1), 10), Ok(()));

        // Bytes: a stranger's message may not grow past the byte bound.
        let mut f = Fragments::default();
        let big = header(&id, 1, 0, 1024);
        assert_eq!(f.add(&big, STRANGER, vec![0; MAX_HELD_BYTES - 10]), None);
        let next = header(&id, 1, 1, 1024);
        assert_eq!(f.check(&next, STRANGER, 11), Err(Rejection::Busy));
        assert_eq!(f.check(&next, STRANGER, 10), Ok(()));
        assert_eq!(f.check(&next, PEER, 100), Ok(()));
        assert_eq!(f.add(&header(&id, 2, 0, 2), PEER, vec![0; 100]), None);
        assert_eq!(f.held(), (1, 100), "the stranger's message made room");
    }
}
