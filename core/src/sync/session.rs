//! One sync session per (agreement, peer): when a message is due, and the Automerge
//! sync state each message is generated from.
//!
//! Automerge's [`State`] holds two kinds of knowledge. What both sides share for good
//! (the *shared heads*) is what [`State::encode`] keeps; the rest (what is in flight,
//! which hashes were sent, the peer's Bloom filter) belongs to one connection, and
//! Automerge's documented rule is to drop it when a connection ends: a peer that
//! reconnects starts from the shared heads. Phones that meet by radio, by relay or by
//! file have no connection to end, and an app may be killed between any two messages,
//! so here *every* message starts from the persisted state — each one is a reconnect.
//!
//! Two things make that cheap and keep it from looping or stalling:
//!
//! - **Priming.** A decoded state knows only the shared heads, so Automerge's first
//!   message after a reconnect carries heads and a Bloom filter but no changes: the
//!   changes come a round trip later. Both sides are known to hold the shared heads,
//!   so the state is primed as if the peer had just said so (its last heads, its
//!   last needs, an empty filter since the shared heads): the first message then
//!   carries every change made since the last sync. And every Coachline speaks
//!   Automerge's v2 messages, so a peer with nothing gets the compressed document
//!   instead of change after change; a peer that holds something gets the changes
//!   alone when they are smaller ([`generate`]).
//! - **The due rule** ([`Session::is_due`]), from a few persisted facts: our heads
//!   when we last sent, whether the peer's last message asked for an answer, and
//!   whether we are waiting for one. A message is due when we have news for the peer,
//!   when it is owed an answer, or — if the peer may still lack something — when no
//!   answer came within [`RESEND_AFTER_MINUTES`]. When both sides hold the same heads
//!   and each has told the other, nothing is due: a pass over hundreds of quiet
//!   agreements reads one row each and loads no document.
//! - **A keep-alive.** Nothing in the protocol can notice, without a message, that a
//!   phone was restored from a backup: its file brings back an older session that is
//!   consistent with its older document, while the peer's session still describes the
//!   phone as it was. So a message is also due when the two have not exchanged one
//!   for [`KEEPALIVE_HOURS`]; its answer then brings the restored phone back what it
//!   had lost. A quiet pair exchanges about one small message per period.

use automerge::sync::{Capability, Have, Message, MessageVersion, State, SyncDoc};
use automerge::{AutoCommit, ChangeHash};

use crate::time::Timestamp;

/// How long a sent message may go unanswered before it is sent again (the message,
/// or its answer, may have been lost).
pub const RESEND_AFTER_MINUTES: i64 = 10;

/// How long two phones may go without exchanging a message before one is due
/// anyway (see the module docs: a restored phone is noticed this way).
pub const KEEPALIVE_HOURS: i64 = 6;

/// What a store keeps about its sync with one peer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// Heads both sides are known to hold (Automerge's persisted sync state).
    pub shared_heads: Vec<ChangeHash>,
    /// The heads in the peer's last accepted message; `None` before it spoke.
    pub their_heads: Option<Vec<ChangeHash>>,
    /// The changes the peer's last message asked for (not yet sent).
    pub their_need: Vec<ChangeHash>,
    /// Our heads when we last sent; `None` before our first message.
    pub sent_heads: Option<Vec<ChangeHash>>,
    /// The peer's last message showed it does not know what we hold.
    pub reply_owed: bool,
    /// When we last sent, if nothing was received since.
    pub awaiting_since: Option<Timestamp>,
    /// When we last sent a message to the peer or accepted one from it.
    pub contact_at: Option<Timestamp>,
}

fn same(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

impl Session {
    /// Whether a message to the peer is due, given our heads now.
    pub fn is_due(&self, ours: &[ChangeHash], now: Timestamp) -> bool {
        let waiting = self
            .awaiting_since
            .is_some_and(|since| now < since.plus_minutes(RESEND_AFTER_MINUTES));
        let idle = self
            .contact_at
            .is_none_or(|at| now >= at.plus_hours(KEEPALIVE_HOURS));
        if self.reply_owed || idle {
            return true;
        }
        match (&self.sent_heads, &self.their_heads) {
            (None, _) => true,
            (Some(sent), _) if !same(sent, ours) => true,
            (_, None) => !waiting,
            _ => !same(&self.shared_heads, ours) && !waiting,
        }
    }

    /// The Automerge state to generate the next message from, primed from what is
    /// persisted (see the module docs). A filter is primed only if our document
    /// `holds_shared_heads` (it always does unless the store lost data).
    pub fn state(&self, holds_shared_heads: bool) -> State {
        let mut state = State::new();
        state.shared_heads = self.shared_heads.clone();
        state.their_capabilities = Some(vec![Capability::MessageV2, Capability::SyncReset]);
        if let Some(their_heads) = &self.their_heads {
            state.their_heads = Some(their_heads.clone());
            state.their_need = Some(self.their_need.clone());
            state.their_have = holds_shared_heads.then(|| {
                vec![Have {
                    last_sync: self.shared_heads.clone(),
                    bloom: Default::default(),
                }]
            });
        }
        state
    }

    /// Records a message generated from `state` and sent at `now`.
    pub fn sent(&mut self, state: &State, now: Timestamp) {
        self.sent_heads = Some(state.last_sent_heads.clone());
        self.their_need.clear();
        self.reply_owed = false;
        self.awaiting_since = Some(now);
        self.contact_at = Some(now);
    }

    /// Records a message from the peer, accepted at `now`, after `state` received it
    /// and our document holds `ours`. The peer is owed an answer unless it already
    /// holds our heads and knows we hold them too.
    pub fn received(
        &mut self,
        state: &State,
        message: &MessageSummary,
        ours: &[ChangeHash],
        now: Timestamp,
    ) {
        self.shared_heads = state.shared_heads.clone();
        self.their_heads = Some(message.heads.clone());
        self.their_need = message.need.clone();
        self.reply_owed = !same(&message.heads, ours)
            || !message.need.is_empty()
            || !message
                .last_sync
                .as_deref()
                .is_some_and(|last| same(last, ours));
        self.awaiting_since = None;
        self.contact_at = Some(now);
    }

    /// The persisted form of the shared heads: Automerge's own encoding.
    pub fn encoded_state(&self) -> Vec<u8> {
        let mut state = State::new();
        state.shared_heads = self.shared_heads.clone();
        state.encode()
    }
}

/// The next message to the peer, generated from `state` (see [`Session::state`]).
///
/// Automerge answers a peer that lacks more than a third of the document's changes
/// with the whole compressed document: right for a first sync, but a young document
/// holds only a handful of changes (an agreement, its pairing, a call started and
/// ended), so one new call would carry the whole agreement again. When that happens
/// and the peer holds something, the changes alone are generated too, and the
/// smaller message is sent.
pub fn generate(doc: &mut AutoCommit, state: &mut State) -> Option<Message> {
    let before = state.clone();
    let message = doc.sync().generate_sync_message(state)?;
    let peer_holds_something = before.their_heads.as_ref().is_some_and(|h| !h.is_empty());
    if !peer_holds_something || !carries_a_document(&message) {
        return Some(message);
    }
    let mut changes_only = State {
        their_capabilities: Some(vec![Capability::SyncReset]),
        ..before
    };
    match doc.sync().generate_sync_message(&mut changes_only) {
        Some(smaller) if encoded_len(&smaller) < encoded_len(&message) => {
            *state = changes_only;
            Some(smaller)
        }
        _ => Some(message),
    }
}

/// Whether a message carries a whole document (Automerge's v2 message for a peer
/// that lacks much): the first chunk's type, after its magic and checksum, is 0.
fn carries_a_document(message: &Message) -> bool {
    message.version == MessageVersion::V2
        && message
            .changes
            .iter()
            .next()
            .is_some_and(|chunk| chunk.get(8) == Some(&0))
}

fn encoded_len(message: &Message) -> usize {
    message.clone().encode().len()
}

/// What a received message said, kept before Automerge consumes it.
pub struct MessageSummary {
    pub heads: Vec<ChangeHash>,
    pub need: Vec<ChangeHash>,
    /// The shared heads the sender believed in (`None` if it sent no filter).
    pub last_sync: Option<Vec<ChangeHash>>,
}

impl MessageSummary {
    pub fn of(message: &Message) -> Self {
        Self {
            heads: message.heads.clone(),
            need: message.need.clone(),
            last_sync: message.have.first().map(|h| h.last_sync.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc, ROOT};

    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000)
    }

    fn holds(doc: &mut AutoCommit, session: &Session) -> bool {
        doc.get_missing_deps(&session.shared_heads).is_empty()
    }

    /// Sends one message from `a` to `b` through persisted sessions only, as two
    /// phones that restart between every message would.
    fn send(
        a: &mut AutoCommit,
        sa: &mut Session,
        b: &mut AutoCommit,
        sb: &mut Session,
        at: Timestamp,
    ) -> Option<usize> {
        if !sa.is_due(&a.get_heads(), at) {
            return None;
        }
        let mut state = sa.state(holds(a, sa));
        let message = generate(a, &mut state)?;
        sa.sent(&state, at);
        let bytes = message.encode();
        let len = bytes.len();
        let message = Message::decode(&bytes).unwrap();
        let summary = MessageSummary::of(&message);
        let mut state = sb.state(holds(b, sb));
        b.sync().receive_sync_message(&mut state, message).unwrap();
        sb.received(&state, &summary, &b.get_heads(), at);
        Some(len)
    }

    fn quiesce(
        a: &mut AutoCommit,
        sa: &mut Session,
        b: &mut AutoCommit,
        sb: &mut Session,
    ) -> Vec<(char, usize)> {
        let mut log = Vec::new();
        for _ in 0..20 {
            let one = send(a, sa, b, sb, now()).map(|n| ('a', n));
            let two = send(b, sb, a, sa, now()).map(|n| ('b', n));
            if one.is_none() && two.is_none() {
                return log;
            }
            log.extend(one.into_iter().chain(two));
        }
        panic!("no quiescence: {log:?}");
    }

    #[test]
    fn a_reconnect_carries_the_changes_at_once_and_then_falls_quiet() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "start", 1).unwrap();
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (Session::default(), Session::default());
        quiesce(&mut a, &mut sa, &mut b, &mut sb);
        assert_eq!(a.get_heads(), b.get_heads());
        assert!(!sa.is_due(&a.get_heads(), now()));

        // Apart: one change on each side.
        a.put(ROOT, "call", "new").unwrap();
        b.put(ROOT, "term", "edited").unwrap();
        send(&mut a, &mut sa, &mut b, &mut sb, now()).unwrap();
        assert!(
            b.get(ROOT, "call").unwrap().is_some(),
            "the first message carried it"
        );
        let log = quiesce(&mut a, &mut sa, &mut b, &mut sb);
        let from_a = 1 + log.iter().filter(|(who, _)| *who == 'a').count();
        let from_b = log.iter().filter(|(who, _)| *who == 'b').count();
        assert!(from_a <= 2 && from_b <= 2, "{log:?}");
        assert_eq!(a.get_heads(), b.get_heads());
    }

    #[test]
    fn a_young_document_sends_its_new_changes_not_the_whole_document() {
        let mut a = AutoCommit::new();
        // Text that does not compress away, as an agreement's does not.
        let mut seed = 1u32;
        let text: String = (0..2_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                char::from(b'a' + (seed >> 16) as u8 % 26)
            })
            .collect();
        a.put(ROOT, "agreement", text).unwrap();
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (Session::default(), Session::default());
        quiesce(&mut a, &mut sa, &mut b, &mut sb);
        // Two small changes: more than a third of the document's changes.
        a.put(ROOT, "call", "started").unwrap();
        a.commit();
        a.put(ROOT, "call", "ended").unwrap();
        let mut state = sa.state(holds(&mut a, &sa));
        let message = generate(&mut a, &mut state).unwrap();
        assert!(!carries_a_document(&message));
        assert!(message.encode().len() < 500);
        send(&mut a, &mut sa, &mut b, &mut sb, now()).unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
    }

    #[test]
    fn a_peer_that_lacks_most_of_the_document_still_gets_it_whole() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "start", 1).unwrap();
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (Session::default(), Session::default());
        quiesce(&mut a, &mut sa, &mut b, &mut sb);
        for i in 0..200 {
            a.put(ROOT, format!("key {i}"), i).unwrap();
            a.commit();
        }
        let mut state = sa.state(holds(&mut a, &sa));
        let message = generate(&mut a, &mut state).unwrap();
        assert!(carries_a_document(&message));
    }

    #[test]
    fn a_lost_message_is_sent_again_after_a_while() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "x", 1).unwrap();
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (Session::default(), Session::default());
        quiesce(&mut a, &mut sa, &mut b, &mut sb);
        a.put(ROOT, "y", 2).unwrap();
        let mut state = sa.state(holds(&mut a, &sa));
        a.sync().generate_sync_message(&mut state).unwrap();
        sa.sent(&state, now()); // ... and the message is lost.
        assert!(!sa.is_due(&a.get_heads(), now().plus_minutes(1)));
        let later = now().plus_minutes(RESEND_AFTER_MINUTES);
        assert!(sa.is_due(&a.get_heads(), later));
        send(&mut a, &mut sa, &mut b, &mut sb, later).unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
    }

    #[test]
    fn a_quiet_pair_exchanges_a_message_once_per_keepalive_period() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "x", 1).unwrap();
        let mut b = AutoCommit::new();
        let (mut sa, mut sb) = (Session::default(), Session::default());
        quiesce(&mut a, &mut sa, &mut b, &mut sb);
        let almost = now().plus_hours(KEEPALIVE_HOURS).plus_minutes(-1);
        assert!(!sa.is_due(&a.get_heads(), almost) && !sb.is_due(&b.get_heads(), almost));
        let later = now().plus_hours(KEEPALIVE_HOURS);
        assert!(sa.is_due(&a.get_heads(), later));
        send(&mut a, &mut sa, &mut b, &mut sb, later).unwrap();
        // Received, it counts as contact: the other side stays quiet, and so do both.
        assert!(!sb.is_due(&b.get_heads(), later));
        assert!(!sa.is_due(&a.get_heads(), later.plus_minutes(RESEND_AFTER_MINUTES)));
    }

    #[test]
    fn the_shared_heads_persist_in_automerges_encoding() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "x", 1).unwrap();
        let session = Session {
            shared_heads: a.get_heads(),
            ..Session::default()
        };
        let decoded = State::decode(&session.encoded_state()).unwrap();
        assert_eq!(decoded.shared_heads, a.get_heads());
    }
}
