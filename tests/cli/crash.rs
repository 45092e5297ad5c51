//! The crash harness: a writer process (`coachline-crash-writer`, see
//! `tests/cli/crash_writer.rs`) records calls and behaviour reports on a real store,
//! and is killed with SIGKILL at random moments: anywhere (opening the store
//! included), during a write that compacts the document, and while it applies a
//! sealed message from the paired peer. After each kill the store must open and hold
//! every write the writer acknowledged, and a fresh writer carries on; every few
//! kills its projection must match a rebuild, and at the end of each store's life the
//! peer must converge with it and hold every acknowledged write too.
//!
//! `COACHLINE_CRASH_KILLS` sets the number of kills (default 200), and
//! `COACHLINE_CRASH_SEED` the seed (default: from the clock; printed either way). The
//! seed fixes every choice: the writes, what each kill aims at, and the delay before
//! it. Where a kill then lands within a write depends on timing, so each kill is
//! classified from what the store holds afterwards, not from when it was sent.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use coachline_core::doc::{self, Entry};
use coachline_core::model::{AgreementId, Call, CallReason, CallStart, Report, Role, TermKey};
use coachline_core::store::{LogEntry, Store, StoreKey};
use coachline_core::Timestamp;

/// Incremental chunks after which a write compacts the document: core's private
/// `chunks::COMPACT_AFTER_CHUNKS`. After every kill the harness checks its count of
/// chunks against the store, so if the two ever differ this test says so.
const COMPACT_AFTER_CHUNKS: i64 = 128;

/// Kills on one pair of stores before starting afresh, so that histories stay a few
/// thousand writes long and a round stays quick.
const KILLS_PER_STORE: u64 = 50;

/// How long a writer may take to reach what a kill aims at before the harness gives up.
const PATIENCE: Duration = Duration::from_secs(120);

/// xorshift64*: reproducible choices from one seed, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 11) % n
    }

    /// A duration picked uniformly below `limit`.
    fn within(&mut self, limit: Duration) -> Duration {
        let micros = u64::try_from(limit.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.below(micros.max(1)))
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name} must be a number, not {text:?}")))
}

/// What a kill aims at.
#[derive(Clone, Copy, Debug)]
enum Aim {
    /// A moment after the writer starts, opening the store included.
    Anytime(Duration),
    /// The first write that compacts, shortly after it begins.
    Compaction,
    /// The application of the peer's message, shortly after it begins.
    SyncApply,
}

/// A write the writer announced (`begin OP TARGET CHUNKS`).
#[derive(Clone, Debug)]
struct Begin {
    op: String,
    target: String,
    /// The incremental chunks once its chunk is in: at the threshold, it compacts.
    chunks: i64,
}

impl Begin {
    fn compacts(&self) -> bool {
        self.chunks >= COMPACT_AFTER_CHUNKS
    }
}

/// One line from the writer (the format is documented in `crash_writer.rs`).
#[derive(Clone, Debug)]
enum Said {
    Ready,
    Begin(Begin),
    Ok {
        op: String,
        id: String,
        chunks: i64,
        micros: u64,
    },
}

impl Said {
    fn parse(line: &str) -> Self {
        let words: Vec<&str> = line.split(' ').collect();
        fn number<T: std::str::FromStr>(word: &str) -> T {
            word.parse().ok().expect("the writer prints numbers")
        }
        match words[0] {
            "ready" => Said::Ready,
            "begin" => Said::Begin(Begin {
                op: words[1].to_owned(),
                target: words[2].to_owned(),
                chunks: number(words[3]),
            }),
            "ok" => Said::Ok {
                op: words[1].to_owned(),
                id: words[2].to_owned(),
                chunks: number(words[3]),
                micros: number(words[4]),
            },
            _ => panic!("the writer said something unexpected: {line:?}"),
        }
    }
}

/// How long compacting writes and sync applications take on this machine, to aim
/// kills within them.
struct Typical {
    compaction: Duration,
    sync_apply: Duration,
}

impl Typical {
    fn learn(&mut self, said: &[Said]) {
        for line in said {
            if let Said::Ok {
                op, chunks, micros, ..
            } = line
            {
                let typical = match op.as_str() {
                    "sync" => &mut self.sync_apply,
                    _ if *chunks == 0 => &mut self.compaction,
                    _ => continue,
                };
                *typical = (*typical * 3 + Duration::from_micros(*micros)) / 4;
            }
        }
    }

    /// When to kill after `begin` was heard, if it is what `aim` aims at.
    fn delay(&self, aim: Aim, begin: &Begin, rng: &mut Rng) -> Option<Duration> {
        let typical = match aim {
            Aim::Compaction if begin.compacts() => self.compaction,
            Aim::SyncApply if begin.op == "sync" => self.sync_apply,
            _ => return None,
        };
        Some(rng.within(typical * 6 / 5))
    }
}

/// The figures printed at the end.
#[derive(Debug, Default)]
struct Figures {
    kills: u64,
    acknowledged: u64,
    lost: HashSet<String>,
    while_opening: u64,
    during_a_write: u64,
    committed_unacknowledged: u64,
    compaction_before_snapshot: u64,
    compaction_after_snapshot: u64,
    sync_apply: u64,
    sync_apply_committed: u64,
    projection_checks: u64,
}

impl Figures {
    /// Counts where a kill landed: `in_flight` is the write it interrupted, which
    /// `committed` or not, leaving `chunks_now` incremental chunks.
    fn landed(&mut self, ready: bool, in_flight: Option<&Begin>, committed: bool, chunks_now: i64) {
        self.while_opening += u64::from(!ready);
        let Some(begin) = in_flight else { return };
        self.during_a_write += 1;
        self.committed_unacknowledged += u64::from(committed);
        if begin.op == "sync" {
            self.sync_apply += 1;
            self.sync_apply_committed += u64::from(committed);
        }
        // Its change is in and its compaction was due: the kill landed in `compact`.
        if committed && begin.compacts() {
            if chunks_now == 0 {
                self.compaction_after_snapshot += 1;
            } else {
                self.compaction_before_snapshot += 1;
            }
        }
    }
}

/// The entries a store's log shows, and which of them are ended or retracted.
#[derive(Default)]
struct Shown {
    calls: HashSet<String>,
    ended: HashSet<String>,
    reports: HashSet<String>,
    retracted: HashSet<String>,
}

impl Shown {
    fn of(store: &mut Store, id: &AgreementId) -> Self {
        let mut shown = Shown::default();
        for entry in store.log(id, 1_000_000).unwrap() {
            match entry {
                LogEntry::Call { call, .. } => shown.call(&call),
                LogEntry::Report { report, .. } => shown.report(&report),
            }
        }
        shown
    }

    /// The same, read from the agreement's document rather than the projection: what
    /// the store syncs and rebuilds from must hold every write too.
    fn in_document(store: &mut Store, id: &AgreementId) -> Self {
        let bytes = store.export(id).unwrap();
        let doc = automerge::AutoCommit::load(&bytes).expect("the document loads");
        let mut shown = Shown::default();
        for entry in doc::read_agreement(&doc).unwrap().entries {
            match entry {
                Entry::Call(call) => shown.call(&call),
                Entry::Report(report) => shown.report(&report),
                _ => {}
            }
        }
        shown
    }

    fn call(&mut self, call: &Call) {
        let e = call.id.as_str().to_owned();
        if call.ended_at.is_some() {
            self.ended.insert(e.clone());
        }
        self.calls.insert(e);
    }

    fn report(&mut self, report: &Report) {
        let e = report.id.as_str().to_owned();
        if report.retracted_at.is_some() {
            self.retracted.insert(e.clone());
        }
        self.reports.insert(e);
    }

    fn holds(&self, entry: &str) -> bool {
        self.calls.contains(entry) || self.reports.contains(entry)
    }
}

/// What the device must hold: every write the writer acknowledged, and the peer's
/// entries in each message it acknowledged applying.
#[derive(Default)]
struct Ledger {
    calls: HashSet<String>,
    ended: HashSet<String>,
    reports: HashSet<String>,
    retracted: HashSet<String>,
    applied: HashSet<String>,
    /// Everything the peer wrote: it reaches the device by sync, acknowledged or not.
    from_peer: HashSet<String>,
    /// Entries that committed just before a kill, whose acknowledgement never came.
    unacknowledged: HashSet<String>,
}

impl Ledger {
    fn acknowledge(&mut self, op: &str, id: &str, batch: &[String]) {
        let id = id.to_owned();
        match op {
            "call" => self.calls.insert(id),
            "report" => self.reports.insert(id),
            "end" => self.ended.insert(id),
            "retract" => self.retracted.insert(id),
            "sync" => {
                self.applied.extend(batch.iter().cloned());
                true
            }
            _ => panic!("the writer acknowledged an unknown write {op:?}"),
        };
    }

    /// The acknowledged writes `shown` lacks, named by kind and id.
    fn missing(&self, shown: &Shown) -> Vec<String> {
        let wanted = [
            ("call", &self.calls, &shown.calls),
            ("end", &self.ended, &shown.ended),
            ("report", &self.reports, &shown.reports),
            ("retract", &self.retracted, &shown.retracted),
        ];
        let mut missing: Vec<String> = wanted
            .iter()
            .flat_map(|(kind, acked, shown)| {
                acked
                    .difference(shown)
                    .map(move |id| format!("{kind} {id}"))
            })
            .collect();
        missing.extend(
            self.applied
                .iter()
                .filter(|e| !shown.holds(e))
                .map(|e| format!("synced {e}")),
        );
        missing
    }

    /// Entries `shown` holds that no write the ledger knows of made.
    fn unknown(&self, shown: &Shown) -> Vec<String> {
        let known = |e: &&String| {
            self.calls.contains(*e)
                || self.reports.contains(*e)
                || self.from_peer.contains(*e)
                || self.unacknowledged.contains(*e)
        };
        let entries = shown.calls.iter().chain(&shown.reports);
        entries.filter(|e| !known(e)).cloned().collect()
    }
}

/// A client's phone (the store the writer writes to) and the therapist's, paired.
struct Phones {
    dir: tempfile::TempDir,
    device: PathBuf,
    peer: Store,
    id: AgreementId,
    now: Timestamp,
    ledger: Ledger,
    /// The peer's entries in the message waiting in `batch_file()`.
    batch: Vec<String>,
}

impl Phones {
    fn new(now: Timestamp) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut peer = Store::open(dir.path().join("therapist.db"), &key()).unwrap();
        peer.init(Role::Therapist, "T", now).unwrap();
        let id = peer.create_agreement("C", Some("UTC"), now).unwrap();
        // No lockouts: the writer's calls go ahead and can be ended.
        peer.set_term(&id, TermKey::LockoutHours, "0", now).unwrap();
        let device = dir.path().join("client.db");
        let mut store = Store::open(&device, &key()).unwrap();
        store.init(Role::Client, "C", now).unwrap();
        store.join(&peer.invite(&id, now).unwrap(), now).unwrap();
        let mut phones = Self {
            dir,
            device,
            peer,
            id,
            now,
            ledger: Ledger::default(),
            batch: Vec::new(),
        };
        phones.prepare(store);
        phones
    }

    fn batch_file(&self) -> PathBuf {
        self.dir.path().join("batch.sync")
    }

    /// Syncs the device with the peer, then has the peer write something new and
    /// seal it in a message for the next writer to apply.
    fn prepare(&mut self, mut store: Store) {
        self.now = self.now.plus_hours(1);
        let now = self.now;
        quiesce(&mut store, &mut self.peer, &self.id, now);
        drop(store);
        let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
        let call = self.peer.start_call(&self.id, start, now).unwrap();
        let report = self.peer.report_behavior(&self.id, None, now, now).unwrap();
        self.batch = vec![call.id().as_str().to_owned(), report.as_str().to_owned()];
        self.ledger.from_peer.extend(self.batch.iter().cloned());
        let message = self.peer.sync_next(&self.id, now).unwrap();
        let more = self.peer.sync_next(&self.id, now).unwrap();
        assert!(more.is_none(), "the peer's news fits one message");
        std::fs::write(self.batch_file(), message.expect("news is due")).unwrap();
    }

    /// Runs a writer, kills it as `aim` says, and checks the store it leaves.
    fn round(&mut self, aim: Aim, rng: &mut Rng, typical: &mut Typical, figures: &mut Figures) {
        let chunks_before = incremental_chunks(&self.device);
        let args: [OsString; 6] = [
            self.device.clone().into(),
            rng.next().to_string().into(),
            self.now.millis().to_string().into(),
            chunks_before.to_string().into(),
            COMPACT_AFTER_CHUNKS.to_string().into(),
            self.batch_file().into(),
        ];
        let said = kill_writer(&args, aim, rng, typical);
        typical.learn(&said);
        figures.kills += 1;
        let kill = figures.kills;
        // The writer's clock moved a minute per write.
        self.now = self.now.plus_minutes(said.len() as i64 + 1);

        let (mut in_flight, mut chunks_acknowledged) = (None, chunks_before);
        for line in &said {
            match line {
                Said::Ready => {}
                Said::Begin(begin) => in_flight = Some(begin.clone()),
                Said::Ok { op, id, chunks, .. } => {
                    self.ledger.acknowledge(op, id, &self.batch);
                    figures.acknowledged += 1;
                    (in_flight, chunks_acknowledged) = (None, *chunks);
                }
            }
        }

        let chunks_now = incremental_chunks(&self.device);
        let mut store = Store::open(&self.device, &key())
            .unwrap_or_else(|e| panic!("the store does not open after kill {kill}: {e}"));
        if let Err(e) = store.heads(&self.id) {
            panic!("the agreement's document does not load after kill {kill}: {e}");
        }
        let shown = Shown::of(&mut store, &self.id);
        let in_document = Shown::in_document(&mut store, &self.id);
        let lost = [&shown, &in_document].map(|s| self.ledger.missing(s));
        for write in lost.into_iter().flatten() {
            eprintln!("kill {kill}: acknowledged write lost: {write}");
            figures.lost.insert(write);
        }
        let committed = self.committed(in_flight.as_ref(), &shown, kill);

        // The chunks left tell where the kill landed: before the write in flight
        // committed, after, or after its compaction committed too (none left).
        let expected = match &in_flight {
            Some(begin) if committed && begin.compacts() => vec![begin.chunks, 0],
            Some(begin) if committed => vec![begin.chunks],
            _ => vec![chunks_acknowledged],
        };
        assert!(
            expected.contains(&chunks_now),
            "kill {kill}: the store holds {chunks_now} incremental chunks where the \
             harness expects one of {expected:?} (has COMPACT_AFTER_CHUNKS changed in \
             core?); the writer's last lines: {:?}",
            &said[said.len().saturating_sub(6)..]
        );
        let ready = said.iter().any(|s| matches!(s, Said::Ready));
        figures.landed(ready, in_flight.as_ref(), committed, chunks_now);

        if kill % 8 == 0 {
            assert!(
                projection_matches_a_rebuild(&mut store, &self.id),
                "kill {kill}: the projection differs from a rebuild"
            );
            figures.projection_checks += 1;
        }
        self.prepare(store);
    }

    /// Whether the write in flight at the kill committed all the same. An entry it
    /// made goes into the ledger as committed but unacknowledged.
    fn committed(&mut self, in_flight: Option<&Begin>, shown: &Shown, kill: u64) -> bool {
        let unknown = self.ledger.unknown(shown);
        let Some(begin) = in_flight else {
            assert!(unknown.is_empty(), "kill {kill}: entries no write made");
            return false;
        };
        let (committed, made_an_entry) = match begin.op.as_str() {
            "call" => (unknown.iter().any(|e| shown.calls.contains(e)), true),
            "report" => (unknown.iter().any(|e| shown.reports.contains(e)), true),
            "end" => (shown.ended.contains(&begin.target), false),
            "retract" => (shown.retracted.contains(&begin.target), false),
            _ => (self.batch.iter().all(|e| shown.holds(e)), false),
        };
        assert_eq!(
            unknown.len(),
            usize::from(committed && made_an_entry),
            "kill {kill}: entries no write made"
        );
        self.ledger.unacknowledged.extend(unknown);
        committed
    }

    /// The end of this pair's life: a write still goes through, the two converge,
    /// and the peer holds every acknowledged write as well.
    fn finish(mut self, figures: &mut Figures) {
        let mut store = Store::open(&self.device, &key()).unwrap();
        let start = CallStart::new(CallReason::Coaching, None, &[], None).unwrap();
        let last = store.start_call(&self.id, start, self.now).unwrap();
        self.ledger.calls.insert(last.id().as_str().to_owned());
        quiesce(&mut store, &mut self.peer, &self.id, self.now);
        assert_eq!(
            store.heads(&self.id).unwrap(),
            self.peer.heads(&self.id).unwrap(),
            "the device and its peer converge"
        );
        for write in self.ledger.missing(&Shown::of(&mut self.peer, &self.id)) {
            eprintln!("acknowledged write missing on the peer: {write}");
            figures.lost.insert(format!("peer {write}"));
        }
        let on_device = Shown::of(&mut store, &self.id);
        assert!(
            self.ledger.from_peer.iter().all(|e| on_device.holds(e)),
            "the device holds everything the peer wrote"
        );
        for side in [&mut store, &mut self.peer] {
            assert!(
                projection_matches_a_rebuild(side, &self.id),
                "the projection differs from a rebuild"
            );
            figures.projection_checks += 1;
        }
    }
}

/// Incremental chunks in the store, read with SQLite directly: the store's own API
/// rightly does not tell.
fn incremental_chunks(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "key", format!("x'{KEY}'"))
        .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let sql = "SELECT count(*) FROM chunks WHERE snapshot = 0";
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
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

/// Whether the projection is what a rebuild from the document gives (compared, never
/// printed: it holds the agreement's data).
fn projection_matches_a_rebuild(store: &mut Store, id: &AgreementId) -> bool {
    let kept = store.projection_dump(id).unwrap();
    store.rebuild_projection(id).unwrap();
    kept == store.projection_dump(id).unwrap()
}

/// A writer process, killed when dropped: a failed check never leaves one running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn stopped_on_its_own(child: &mut Child) -> ! {
    let status = child.wait().unwrap();
    let mut errors = String::new();
    let mut stderr = child.stderr.take().unwrap();
    stderr.read_to_string(&mut errors).unwrap();
    panic!("the writer stopped on its own ({status}): {errors}");
}

/// The key of every store here, as the writer takes it (`COACHLINE_KEY`).
const KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn key() -> StoreKey {
    StoreKey::from_hex(KEY).unwrap()
}

/// Starts a writer with `args`, kills it with SIGKILL as `aim` says, and returns
/// every line it printed, the last ones included.
fn kill_writer(args: &[OsString], aim: Aim, rng: &mut Rng, typical: &Typical) -> Vec<Said> {
    let mut running = Running(
        Command::new(env!("CARGO_BIN_EXE_coachline-crash-writer"))
            .args(args)
            .env("COACHLINE_KEY", KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the writer starts"),
    );
    let child = &mut running.0;
    let started = Instant::now();
    let stdout = child.stdout.take().unwrap();
    let (lines, heard) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        // A line cut short by the kill was never printed whole: it acknowledges nothing.
        while stdout.read_line(&mut line).is_ok_and(|n| n > 0) && line.ends_with('\n') {
            if lines.send(Said::parse(line.trim_end())).is_err() {
                break;
            }
            line.clear();
        }
    });

    let mut said = Vec::new();
    let mut kill_at = match aim {
        Aim::Anytime(after) => Some(started + after),
        Aim::Compaction | Aim::SyncApply => None,
    };
    loop {
        let until = kill_at.unwrap_or(started + PATIENCE);
        let Some(wait) = until.checked_duration_since(Instant::now()) else {
            break;
        };
        match heard.recv_timeout(wait) {
            Ok(line) => {
                if let (None, Said::Begin(begin)) = (kill_at, &line) {
                    kill_at = typical
                        .delay(aim, begin, rng)
                        .map(|delay| Instant::now() + delay);
                }
                said.push(line);
            }
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => stopped_on_its_own(child),
        }
    }
    assert!(
        kill_at.is_some(),
        "the writer did not reach {aim:?} in {PATIENCE:?}"
    );
    child.kill().unwrap();
    if child.wait().unwrap().signal() != Some(9) {
        stopped_on_its_own(child);
    }
    reader.join().unwrap();
    said.extend(heard.try_iter());
    said
}

#[test]
fn a_writer_killed_at_random_moments_keeps_every_acknowledged_write() {
    let kills = env_number("COACHLINE_CRASH_KILLS").unwrap_or(200);
    let seed = env_number("COACHLINE_CRASH_SEED").unwrap_or_else(|| {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        clock.as_nanos() as u64
    });
    // Written past the test harness's capture of `println!`, so it shows in every run.
    let mut report = std::io::stderr();
    writeln!(
        report,
        "crash harness: COACHLINE_CRASH_SEED={seed:#x} COACHLINE_CRASH_KILLS={kills}"
    )
    .unwrap();
    let started = Instant::now();
    let mut rng = Rng(seed | 1);
    let mut typical = Typical {
        compaction: Duration::from_millis(20),
        sync_apply: Duration::from_millis(5),
    };
    let mut figures = Figures::default();
    let mut now = Timestamp::parse_rfc3339("now", "2026-03-02T10:00:00Z").unwrap();
    while figures.kills < kills {
        let mut phones = Phones::new(now);
        for _ in 0..KILLS_PER_STORE.min(kills - figures.kills) {
            let aim = match rng.below(10) {
                0..=3 => Aim::Anytime(rng.within(Duration::from_millis(150))),
                4..=6 => Aim::Compaction,
                _ => Aim::SyncApply,
            };
            phones.round(aim, &mut rng, &mut typical, &mut figures);
        }
        now = phones.now.plus_hours(24);
        phones.finish(&mut figures);
    }
    let f = &figures;
    writeln!(
        report,
        "crash harness (seed {seed:#x}, {:.1} s): {} kills, {} acknowledged writes, {} lost; \
         kills while opening the store {}, during a write {} ({} of them committed though \
         unacknowledged), during compaction {} ({} before its snapshot committed, {} after), \
         during a sync apply {} ({} of them committed); {} projection checks",
        started.elapsed().as_secs_f64(),
        f.kills,
        f.acknowledged,
        f.lost.len(),
        f.while_opening,
        f.during_a_write,
        f.committed_unacknowledged,
        f.compaction_before_snapshot + f.compaction_after_snapshot,
        f.compaction_before_snapshot,
        f.compaction_after_snapshot,
        f.sync_apply,
        f.sync_apply_committed,
        f.projection_checks,
    )
    .unwrap();
    assert!(
        f.lost.is_empty(),
        "acknowledged writes lost (seed {seed:#x}): {:?}",
        f.lost
    );
    // A short local run may miss them; a full one aims a third of its kills at each.
    if kills >= 100 {
        assert!(
            f.compaction_before_snapshot + f.compaction_after_snapshot > 0 && f.sync_apply > 0,
            "no kill landed during compaction or during a sync apply (seed {seed:#x})"
        );
    }
}
