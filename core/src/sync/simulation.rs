//! A simulated network between a therapist's and a client's store: deterministic,
//! seeded schedules of random edits on both phones, sync passes, and deliveries
//! through a network that loses, duplicates, delays (and so reorders) messages and
//! partitions; phones restart (drop and reopen their store) at random too.
//!
//! The property: once the network heals, the two stores sync to quiescence within a
//! bounded number of messages, and then hold the same heads and show the same
//! agreement, log, status (at sampled instants) and summary.
//!
//! CI runs 1,000 schedules. `COACHLINE_SOAK=100000 cargo test -p coachline-core
//! --release simulation` runs a longer soak.

use std::path::PathBuf;

use crate::error::Error;
use crate::model::{AgreementId, CallEnd, CallReason, CallStart, Role, TermKey};
use crate::store::{test_key, CallAttempt, LogEntry, Store};
use crate::sync::session::RESEND_AFTER_MINUTES;
use crate::time::Timestamp;

/// SplitMix64: a small, well-mixed generator, so a seed names a schedule exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Steps of random activity before the network heals.
const STEPS: usize = 12;
/// The most messages (both ways) a healed network may need to fall quiet.
const HEALED_MESSAGE_BOUND: usize = 12;

struct Phone {
    path: PathBuf,
    store: Store,
}

impl Phone {
    fn restart(&mut self) {
        self.store = Store::open(&self.path, &test_key()).unwrap();
    }
}

struct InFlight {
    to: usize,
    due_step: usize,
    bytes: Vec<u8>,
}

struct World {
    rng: Rng,
    _dir: tempfile::TempDir,
    phones: [Phone; 2],
    id: AgreementId,
    now: Timestamp,
    step: usize,
    network: Vec<InFlight>,
    partitioned: bool,
}

const THERAPIST: usize = 0;
const CLIENT: usize = 1;

impl World {
    fn new(seed: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let now = Timestamp::parse_rfc3339("now", "2026-03-02T10:00:00Z").unwrap();
        let open = |name: &str, role: Role| {
            let path = dir.path().join(name);
            let mut store = Store::open(&path, &test_key()).unwrap();
            store.init(role, name, now).unwrap();
            Phone { path, store }
        };
        let mut therapist = open("therapist", Role::Therapist);
        let mut client = open("client", Role::Client);
        let id = therapist
            .store
            .create_agreement("Casey", Some("America/New_York"), now)
            .unwrap();
        let code = therapist.store.invite(&id, now).unwrap();
        client.store.join(&code, now).unwrap();
        Self {
            rng: Rng(seed),
            _dir: dir,
            phones: [therapist, client],
            id,
            now,
            step: 0,
            network: Vec::new(),
            partitioned: false,
        }
    }

    fn has_agreement(&self, phone: usize) -> bool {
        self.phones[phone]
            .store
            .select_agreement(Some(self.id.as_str()))
            .is_ok()
    }

    fn edit(&mut self, phone: usize) {
        if !self.has_agreement(phone) {
            return;
        }
        let (id, now) = (self.id.clone(), self.now);
        let back = self.rng.below(600) as i64;
        let kind = self.rng.below(6);
        let choice = self.rng.below(3) as usize;
        let store = &mut self.phones[phone].store;
        match kind {
            0 => {
                store
                    .report_behavior(&id, None, now.plus_minutes(-back), now)
                    .unwrap();
            }
            1 => {
                let open: Vec<String> = store
                    .log(&id, 1000)
                    .unwrap()
                    .into_iter()
                    .filter_map(|e| match e {
                        LogEntry::Report { report, .. } if report.retracted_at.is_none() => {
                            Some(report.id.to_string())
                        }
                        _ => None,
                    })
                    .collect();
                if let Some(report) = open.get(choice % open.len().max(1)) {
                    store.retract_report(&id, report, now).unwrap();
                }
            }
            2 | 3 => {
                let start = CallStart::new(CallReason::ALL[choice], None, &[], Some(2)).unwrap();
                if let CallAttempt::Started { id: call, .. } =
                    store.start_call(&id, start, now).unwrap()
                {
                    if kind == 2 {
                        let end = CallEnd::new(&[], Some(1), None).unwrap();
                        store.end_call(&id, call.as_str(), end, now).unwrap();
                    }
                }
            }
            4 => {
                let value = ["12", "24", "36"][choice];
                store
                    .set_term(&id, TermKey::LockoutHours, value, now)
                    .unwrap();
            }
            _ => {
                let value = [
                    "Call the on-call line.",
                    "Text me, then call 988.",
                    "Use the crisis line.",
                ][choice];
                store
                    .set_term(&id, TermKey::BackupPlan, value, now)
                    .unwrap();
            }
        }
    }

    /// Everything due from `phone`, into the network (or straight to the other phone
    /// when `direct`). Returns how many messages left.
    fn send_pass(&mut self, phone: usize, direct: bool) -> usize {
        if self.phones[phone].store.peers().unwrap().is_empty() {
            return 0; // The therapist, before the client's first message arrived.
        }
        let mut sent = 0;
        while let Some(bytes) = self.phones[phone]
            .store
            .sync_next(&self.id, self.now)
            .unwrap()
        {
            sent += 1;
            assert!(sent <= 16, "a sync pass does not end");
            if direct {
                self.deliver(1 - phone, &bytes);
                continue;
            }
            if self.partitioned || self.rng.chance(20) {
                continue;
            }
            let copies = if self.rng.chance(10) { 2 } else { 1 };
            for _ in 0..copies {
                let due_step = self.step + self.rng.below(4) as usize;
                self.network.push(InFlight {
                    to: 1 - phone,
                    due_step,
                    bytes: bytes.clone(),
                });
            }
        }
        sent
    }

    fn deliver(&mut self, to: usize, bytes: &[u8]) {
        match self.phones[to].store.sync_receive(bytes, self.now) {
            Ok(_) | Err(Error::Rejected { .. }) => {}
            Err(e) => panic!("an unexpected failure: {e}"),
        }
    }

    /// Delivers the messages due by now (all of them with `everything`), in random order.
    fn deliver_due(&mut self, everything: bool) {
        let mut due = Vec::new();
        let mut i = 0;
        while i < self.network.len() {
            if everything || self.network[i].due_step <= self.step {
                due.push(self.network.swap_remove(i));
            } else {
                i += 1;
            }
        }
        while !due.is_empty() {
            let message = due.swap_remove(self.rng.below(due.len() as u64) as usize);
            if !self.partitioned || everything {
                self.deliver(message.to, &message.bytes);
            }
        }
    }

    fn run(&mut self) {
        for step in 0..STEPS {
            self.step = step;
            self.now = self.now.plus_minutes(self.rng.below(90) as i64);
            let phone = self.rng.below(2) as usize;
            match self.rng.below(100) {
                0..=29 => self.edit(phone),
                30..=59 => {
                    self.send_pass(phone, false);
                }
                60..=89 => self.deliver_due(false),
                90..=94 => self.phones[phone].restart(),
                _ => self.partitioned = !self.partitioned,
            }
        }
        // The network heals: what is still in flight arrives, then the phones sync
        // directly, waiting long enough between rounds for anything unanswered to be
        // sent again.
        self.partitioned = false;
        self.deliver_due(true);
        let mut messages = 0;
        for _ in 0..HEALED_MESSAGE_BOUND {
            self.now = self.now.plus_minutes(RESEND_AFTER_MINUTES + 1);
            let moved = self.send_pass(CLIENT, true) + self.send_pass(THERAPIST, true);
            if moved == 0 {
                break;
            }
            messages += moved;
        }
        assert!(
            messages <= HEALED_MESSAGE_BOUND,
            "{messages} messages after healing"
        );
        assert_eq!(
            self.send_pass(CLIENT, true) + self.send_pass(THERAPIST, true),
            0
        );
    }

    fn check_converged(&mut self) {
        let id = self.id.clone();
        let [t, c] = &mut self.phones;
        let (t, c) = (&mut t.store, &mut c.store);
        assert_eq!(t.heads(&id).unwrap(), c.heads(&id).unwrap());
        assert_eq!(
            t.projection_dump(&id).unwrap(),
            c.projection_dump(&id).unwrap()
        );
        assert_eq!(
            format!("{:?}", t.agreement(&id).unwrap()),
            format!("{:?}", c.agreement(&id).unwrap())
        );
        assert_eq!(t.log(&id, 1000).unwrap(), c.log(&id, 1000).unwrap());
        let start = Timestamp::parse_rfc3339("now", "2026-03-02T00:00:00Z").unwrap();
        for hours in (0..60).step_by(7) {
            let instant = start.plus_hours(hours);
            assert_eq!(
                t.status(&id, instant).unwrap(),
                c.status(&id, instant).unwrap()
            );
        }
        assert_eq!(
            t.summary(&id, Some(start), self.now).unwrap(),
            c.summary(&id, Some(start), self.now).unwrap()
        );
    }
}

fn schedules() -> u64 {
    std::env::var("COACHLINE_SOAK")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

/// Runs every schedule whose seed is `share` modulo `shares`, so the test harness
/// spreads them over its threads.
fn run_share(share: u64, shares: u64) {
    for seed in (share..schedules()).step_by(shares as usize) {
        let mut world = World::new(seed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            world.run();
            world.check_converged();
        }));
        if let Err(panic) = outcome {
            eprintln!("simulation schedule with seed {seed} failed");
            std::panic::resume_unwind(panic);
        }
    }
}

#[test]
fn schedules_converge_share_0() {
    run_share(0, 4);
}

#[test]
fn schedules_converge_share_1() {
    run_share(1, 4);
}

#[test]
fn schedules_converge_share_2() {
    run_share(2, 4);
}

#[test]
fn schedules_converge_share_3() {
    run_share(3, 4);
}
