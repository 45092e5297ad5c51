//! Fragments in transit, in memory only.
//!
//! Outgoing: a sync message cut into several sealed fragments is handed out one per
//! call of [`crate::store::Store::sync_next`]. Incoming: fragments are kept until the
//! whole message is there, then applied at once — nothing is applied from part of a
//! message. Dropping either on restart is safe: the sender's session resends what was
//! not acknowledged ([`super::session`]). A newer message from the same sender
//! supersedes an incomplete older one (Automerge's next message covers it).

use std::collections::{HashMap, VecDeque};

use super::envelope::{DeviceId, Header};
use crate::error::Rejection;
use crate::model::AgreementId;

#[derive(Default)]
pub struct Fragments {
    outgoing: HashMap<AgreementId, VecDeque<Vec<u8>>>,
    incoming: HashMap<(AgreementId, DeviceId), Partial>,
}

struct Partial {
    counter: u64,
    parts: Vec<Option<Vec<u8>>>,
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

    pub fn queue_outgoing(&mut self, agreement: &AgreementId, rest: Vec<Vec<u8>>) {
        if !rest.is_empty() {
            self.outgoing
                .entry(agreement.clone())
                .or_default()
                .extend(rest);
        }
    }

    /// Whether a fragment would be accepted: not one already held, and not from a
    /// message older than one being assembled. Checked before anything is opened.
    pub fn check(&self, header: &Header) -> Result<(), Rejection> {
        match self
            .incoming
            .get(&(header.agreement.clone(), header.sender))
        {
            Some(partial) if partial.counter > header.counter => Err(Rejection::Replayed),
            Some(partial) if partial.counter == header.counter => {
                match partial.parts.get(usize::from(header.index)) {
                    Some(None) if partial.parts.len() == usize::from(header.count) => Ok(()),
                    Some(Some(_)) => Err(Rejection::Replayed),
                    _ => Err(Rejection::Malformed),
                }
            }
            _ => Ok(()),
        }
    }

    /// Adds an opened fragment; returns the whole message once every fragment is in.
    /// The caller has passed [`Self::check`].
    pub fn add(&mut self, header: &Header, fragment: Vec<u8>) -> Option<Vec<u8>> {
        let key = (header.agreement.clone(), header.sender);
        if header.count == 1 {
            self.incoming.remove(&key);
            return Some(fragment);
        }
        let partial = self.incoming.entry(key.clone()).or_insert_with(|| Partial {
            counter: header.counter,
            parts: Vec::new(),
        });
        if partial.counter != header.counter || partial.parts.is_empty() {
            *partial = Partial {
                counter: header.counter,
                parts: vec![None; usize::from(header.count)],
            };
        }
        partial.parts[usize::from(header.index)] = Some(fragment);
        if partial.parts.iter().any(Option::is_none) {
            return None;
        }
        let whole = self.incoming.remove(&key).expect("present");
        Some(whole.parts.into_iter().flatten().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::envelope::Kind;

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
        assert_eq!(f.check(&h2), Ok(()));
        assert_eq!(f.add(&h2, b"c".to_vec()), None);
        assert_eq!(f.check(&h2), Err(Rejection::Replayed));
        assert_eq!(f.check(&header(&id, 4, 0, 3)), Err(Rejection::Replayed));
        assert_eq!(f.check(&header(&id, 5, 0, 2)), Err(Rejection::Malformed));
        assert_eq!(f.add(&header(&id, 5, 0, 3), b"a".to_vec()), None);
        assert_eq!(
            f.add(&header(&id, 5, 1, 3), b"b".to_vec()),
            Some(b"abc".to_vec())
        );
        assert_eq!(f.check(&h2), Ok(()), "complete messages are no longer held");
    }

    #[test]
    fn a_newer_message_supersedes_an_incomplete_one() {
        let id = AgreementId::random();
        let mut f = Fragments::default();
        assert_eq!(f.add(&header(&id, 5, 0, 2), b"old".to_vec()), None);
        assert_eq!(f.add(&header(&id, 6, 0, 2), b"new".to_vec()), None);
        assert_eq!(
            f.add(&header(&id, 6, 1, 2), b"er".to_vec()),
            Some(b"newer".to_vec())
        );
        assert_eq!(
            f.add(&header(&id, 7, 0, 1), b"x".to_vec()),
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
}
