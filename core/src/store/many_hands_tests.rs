//! Many hands on one agreement, as a property: two `Store`s on one device's file (an
//! app's UI and its background worker), reopened at any moment, the file backed up
//! and restored from an older copy, and a paired peer synced with now and then.
//!
//! A model follows which writes each side holds. A write is acknowledged when its
//! call returns; a sync that falls quiet leaves both sides holding everything either
//! held; a restore puts the device back to what its backup held. The only writes a
//! device may lose are those a restore rolls back that never reached the peer: that is
//! what restoring an old copy means. Every other acknowledged write must be on both
//! sides at the end, with equal heads and projections that match a rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::*;
use crate::model::{CallEnd, CallReason, CallStart, TermKey};
use crate::sync::session::KEEPALIVE_HOURS;

/// What a side holds, as the model sees it: one fact per acknowledged write.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Call(String),
    Ended(String),
    Report(String),
    Retracted(String),
    /// A term edit, known by its instant: every step has its own.
    TermEdit(i64),
}

/// One of the two `Store`s on the device's file.
#[derive(Clone, Copy, Debug)]
enum Hand {
    A,
    B,
}

/// A write; `EndCall` and `Retract` pick among the calls still open and the reports
/// not yet retracted on the side that writes.
#[derive(Clone, Debug)]
enum Write {
    StartCall,
    EndCall(usize),
    Report,
    Retract(usize),
    Term(usize),
}

#[derive(Clone, Debug)]
enum Step {
    Write(Hand, Write),
    PeerWrite(Write),
    /// Drops one `Store` and opens it again: an app restarted mid-way.
    Reopen(Hand),
    /// Closes both `Store`s and copies the file.
    Backup,
    /// Closes both `Store`s and puts back one of the copies taken so far.
    Restore(usize),
    /// Syncs the device, through one of its `Store`s, with the peer until both fall quiet.
    Sync(Hand),
}

const TERMS: [(TermKey, &str); 5] = [
    (TermKey::LockoutHours, "0"),
    (TermKey::LockoutHours, "12"),
    (TermKey::LockoutHours, "24"),
    (TermKey::ReturnCallMinutes, "30"),
    (TermKey::Availability, "Mon-Fri 09:00-17:00"),
];

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        3 => Just(Write::StartCall),
        2 => (0..8usize).prop_map(Write::EndCall),
        2 => Just(Write::Report),
        1 => (0..8usize).prop_map(Write::Retract),
        1 => (0..TERMS.len()).prop_map(Write::Term),
    ]
}

fn hand() -> impl Strategy<Value = Hand> {
    prop_oneof![Just(Hand::A), Just(Hand::B)]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (hand(), write()).prop_map(|(h, w)| Step::Write(h, w)),
        2 => write().prop_map(Step::PeerWrite),
        2 => hand().prop_map(Step::Reopen),
        2 => Just(Step::Backup),
        2 => (0..4usize).prop_map(Step::Restore),
        3 => hand().prop_map(Step::Sync),
    ]
}

/// The device (a client's phone with two `Store`s on its file), its paired peer (the
/// therapist's phone), and what the model says each holds.
struct World {
    dir: tempfile::TempDir,
    path: PathBuf,
    hands: [Option<Store>; 2],
    peer: Store,
    id: AgreementId,
    now: Timestamp,
    device_facts: BTreeSet<Fact>,
    peer_facts: BTreeSet<Fact>,
    backups: Vec<(PathBuf, BTreeSet<Fact>)>,
}

impl World {
    /// Paired and in sync.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let now = Timestamp::parse_rfc3339("now", "2026-03-02T10:00:00Z").unwrap();
        let mut peer = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
        peer.init(Role::Therapist, "T", now).unwrap();
        let id = peer.create_agreement("C", Some("UTC"), now).unwrap();
        let path = dir.path().join("c.db");
        let mut device = Store::open(&path, &test_key()).unwrap();
        device.init(Role::Client, "C", now).unwrap();
        device.join(&peer.invite(&id, now).unwrap(), now).unwrap();
        quiesce(&mut device, &mut peer, &id, now);
        Self {
            dir,
            path,
            hands: [Some(device), None],
            peer,
            id,
            now,
            device_facts: BTreeSet::new(),
            peer_facts: BTreeSet::new(),
            backups: Vec::new(),
        }
    }

    /// One of the device's `Store`s, opened if it is closed.
    fn hand(&mut self, hand: Hand) -> &mut Store {
        open(&mut self.hands, &self.path, hand)
    }

    /// Drops every `Store` on the device's file. The last connection to close
    /// checkpoints the WAL into the file and deletes it, as an app that is stopped
    /// before its files are copied does.
    fn close_device(&mut self) {
        self.hands = [None, None];
        let wal = sidecar(&self.path, "-wal");
        assert!(
            std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
            "closing every Store on the file leaves its WAL checkpointed"
        );
    }

    fn run(&mut self, step: &Step) {
        self.now = self.now.plus_minutes(1);
        let (id, now) = (self.id.clone(), self.now);
        match step {
            Step::Write(hand, write) => {
                let mut facts = std::mem::take(&mut self.device_facts);
                apply(self.hand(*hand), &id, write, &mut facts, now);
                self.device_facts = facts;
            }
            Step::PeerWrite(write) => apply(&mut self.peer, &id, write, &mut self.peer_facts, now),
            Step::Reopen(hand) => {
                self.hands[*hand as usize] = None;
                self.hand(*hand);
            }
            Step::Backup => {
                self.close_device();
                let copy = self
                    .dir
                    .path()
                    .join(format!("backup-{}.db", self.backups.len()));
                std::fs::copy(&self.path, &copy).unwrap();
                self.backups.push((copy, self.device_facts.clone()));
            }
            Step::Restore(pick) => {
                if self.backups.is_empty() {
                    return;
                }
                let (copy, facts) = self.backups[pick % self.backups.len()].clone();
                self.close_device();
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(sidecar(&self.path, suffix));
                }
                std::fs::copy(copy, &self.path).unwrap();
                self.device_facts = facts;
                // Nothing tells either phone of the restore until they exchange a
                // message: the keep-alive does, at the latest one period later.
                self.now = self.now.plus_hours(KEEPALIVE_HOURS);
            }
            Step::Sync(hand) => self.sync(*hand),
        }
    }

    /// Syncs until quiet: both sides then hold everything either held.
    fn sync(&mut self, hand: Hand) {
        let (id, now) = (self.id.clone(), self.now);
        let device = open(&mut self.hands, &self.path, hand);
        quiesce(device, &mut self.peer, &id, now);
        let (ours, theirs) = (device.heads(&id).unwrap(), self.peer.heads(&id).unwrap());
        assert_eq!(
            ours, theirs,
            "a sync that fell quiet left the two sides apart"
        );
        let all: BTreeSet<Fact> = self.device_facts.union(&self.peer_facts).cloned().collect();
        self.device_facts.clone_from(&all);
        self.peer_facts = all;
    }
}

fn open<'a>(hands: &'a mut [Option<Store>; 2], path: &Path, hand: Hand) -> &'a mut Store {
    hands[hand as usize].get_or_insert_with(|| Store::open(path, &test_key()).unwrap())
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Moves every message due from `from` to `to`; returns how many. A sync that keeps
/// finding something due is a failure, not a wait.
fn send(from: &mut Store, to: &mut Store, id: &AgreementId, now: Timestamp) -> usize {
    for sent in 0..100 {
        let Some(message) = from.sync_next(id, now).unwrap() else {
            return sent;
        };
        to.sync_receive(&message, now)
            .unwrap_or_else(|e| panic!("a sync message was refused: {e:?}"));
    }
    panic!("a hundred messages in a row and still more due");
}

fn quiesce(a: &mut Store, b: &mut Store, id: &AgreementId, now: Timestamp) {
    for _ in 0..10 {
        if send(a, b, id, now) + send(b, a, id, now) == 0 {
            return;
        }
    }
    panic!("no quiescence after ten round trips");
}

/// Performs `write` on `store` if the side's facts allow it, and records what it
/// acknowledged.
fn apply(
    store: &mut Store,
    id: &AgreementId,
    write: &Write,
    facts: &mut BTreeSet<Fact>,
    now: Timestamp,
) {
    let pick = |facts: &BTreeSet<Fact>, pick: usize, open: fn(&Fact, &BTreeSet<Fact>) -> bool| {
        let open: Vec<String> = facts
            .iter()
            .filter(|f| open(f, facts))
            .map(|f| match f {
                Fact::Call(e) | Fact::Report(e) => e.clone(),
                _ => unreachable!("only calls and reports are picked"),
            })
            .collect();
        (!open.is_empty()).then(|| open[pick % open.len()].clone())
    };
    match write {
        Write::StartCall => {
            let start = CallStart::new(CallReason::Coaching, None, &[], None).unwrap();
            let attempt = store.start_call(id, start, now).unwrap();
            let call = attempt.id().as_str().to_owned();
            if matches!(attempt, CallAttempt::Declined { .. }) {
                facts.insert(Fact::Ended(call.clone()));
            }
            facts.insert(Fact::Call(call));
        }
        Write::EndCall(n) => {
            let open_call = |f: &Fact, all: &BTreeSet<Fact>| matches!(f, Fact::Call(c) if !all.contains(&Fact::Ended(c.clone())));
            if let Some(call) = pick(facts, *n, open_call) {
                let end = CallEnd::new(&[], None, None).unwrap();
                store.end_call(id, &call, end, now).unwrap();
                facts.insert(Fact::Ended(call));
            }
        }
        Write::Report => {
            let report = store.report_behavior(id, None, now, now).unwrap();
            facts.insert(Fact::Report(report.as_str().to_owned()));
        }
        Write::Retract(n) => {
            let standing = |f: &Fact, all: &BTreeSet<Fact>| matches!(f, Fact::Report(r) if !all.contains(&Fact::Retracted(r.clone())));
            if let Some(report) = pick(facts, *n, standing) {
                store.retract_report(id, &report, now).unwrap();
                facts.insert(Fact::Retracted(report));
            }
        }
        Write::Term(n) => {
            let (key, value) = TERMS[*n];
            store.set_term(id, key, value, now).unwrap();
            facts.insert(Fact::TermEdit(now.millis()));
        }
    }
}

/// The facts of `expected` that `store` does not show.
fn missing(store: &mut Store, id: &AgreementId, expected: &BTreeSet<Fact>) -> Vec<Fact> {
    let mut shown = BTreeSet::new();
    for entry in store.log(id, 100_000).unwrap() {
        match entry {
            LogEntry::Call { call, .. } => {
                let e = call.id.as_str().to_owned();
                if call.ended_at.is_some() {
                    shown.insert(Fact::Ended(e.clone()));
                }
                shown.insert(Fact::Call(e));
            }
            LogEntry::Report { report, .. } => {
                let e = report.id.as_str().to_owned();
                if report.retracted_at.is_some() {
                    shown.insert(Fact::Retracted(e.clone()));
                }
                shown.insert(Fact::Report(e));
            }
        }
    }
    let ag = store.resolve(id).unwrap().ag;
    let edits: Vec<i64> = store
        .conn
        .prepare("SELECT d FROM entries WHERE ag = ?1 AND kind = 0")
        .unwrap()
        .query_map([ag], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    shown.extend(edits.into_iter().map(Fact::TermEdit));
    expected.difference(&shown).cloned().collect()
}

/// Whether the projection is what a rebuild from the document gives (compared, never
/// printed: it holds the agreement's data).
fn projection_matches_a_rebuild(store: &mut Store, id: &AgreementId) -> bool {
    let kept = store.projection_dump(id).unwrap();
    store.rebuild_projection(id).unwrap();
    kept == store.projection_dump(id).unwrap()
}

/// 32 cases keep CI quick (about 0.2 s each in debug); `PROPTEST_CASES` asks for more.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

/// Plays `steps`, syncs until quiet, and checks that both sides hold every write the
/// model says survives, with equal heads and projections that match a rebuild.
fn play(steps: &[Step]) {
    let mut world = World::new();
    for step in steps {
        world.run(step);
    }
    world.sync(Hand::A);
    let id = world.id.clone();
    let expected = world.device_facts.clone();
    let on_device = missing(world.hand(Hand::A), &id, &expected);
    assert!(on_device.is_empty(), "the device lost {on_device:?}");
    let on_peer = missing(&mut world.peer, &id, &expected);
    assert!(on_peer.is_empty(), "the peer lost {on_peer:?}");
    let device = open(&mut world.hands, &world.path, Hand::A);
    for side in [device, &mut world.peer] {
        assert!(
            projection_matches_a_rebuild(side, &id),
            "the projection differs from a rebuild"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn two_stores_on_one_file_a_peer_and_restored_backups_lose_only_unsynced_writes_a_restore_rolled_back(
        steps in prop::collection::vec(step(), 1..40),
    ) {
        play(&steps);
    }
}

/// The property's smallest failure on restores: the call reached the peer before the
/// restore rolled the device back, so the next sync must bring it back.
#[test]
fn a_restored_backup_gets_back_what_it_had_synced_before_anyone_writes_again() {
    play(&[
        Step::Backup,
        Step::Write(Hand::A, Write::StartCall),
        Step::Sync(Hand::A),
        Step::Restore(0),
    ]);
}

/// The property's smallest failure on terms: both phones set a term to one value at
/// once, then one of them sets it to that value again.
#[test]
fn a_term_set_again_after_both_phones_set_it_at_once_still_syncs() {
    play(&[
        Step::PeerWrite(Write::Term(4)),
        Step::Write(Hand::A, Write::Term(4)),
        Step::Sync(Hand::A),
        Step::Write(Hand::A, Write::Term(4)),
    ]);
}
