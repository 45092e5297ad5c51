//! `coachline-crash-writer`: the process the crash harness (`tests/cli/crash.rs`)
//! kills with SIGKILL at random moments. Not a tool for people: a driver that writes
//! into a client's store through `coachline_core::store::Store`, as an app does, one
//! durable write after another until it is killed, and says on stdout what it is
//! doing, one flushed line at a time:
//!
//! - `ready` once the store is open and the agreement's document loaded;
//! - `begin OP TARGET CHUNKS` just before a write, where OP is `call`, `report`,
//!   `end`, `retract` or `sync`, TARGET the call or report an `end` or `retract`
//!   acts on (`-` otherwise), and CHUNKS the incremental chunks the store holds once
//!   the write's chunk is in: at the compaction threshold, this write compacts;
//! - `ok OP ID CHUNKS MICROS` once the write returned: it is acknowledged, and must
//!   survive any kill from then on. ID is the entry written or acted on (`-` for
//!   `sync`), CHUNKS the incremental chunks after it, MICROS how long it took.
//!
//! Usage: `coachline-crash-writer STORE SEED NOW_MS CHUNKS COMPACT_AFTER [SYNC_FILE]`.
//! CHUNKS is how many incremental chunks the store holds now and COMPACT_AFTER the
//! store's compaction threshold (the harness reads both); with SYNC_FILE, a sealed
//! message from the paired peer is applied after the first few writes. The writes
//! carry no text at all.

use std::convert::Infallible;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use coachline_core::model::{AgreementId, CallEnd, CallReason, CallStart};
use coachline_core::store::{CallAttempt, Store, StoreKey};
use coachline_core::Timestamp;

/// xorshift64*: reproducible choices from the harness's seed, with no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Prints one line and flushes it. The harness reading the other end of the pipe is
/// the only audience: when it is gone there is nothing left to do.
fn say(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        std::process::exit(0);
    }
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(never) => match never {},
        Err(message) => {
            eprintln!("coachline-crash-writer: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The incremental chunks once a write's chunk is in (at `compact_after`, the write
/// compacts), and after the write: none if it compacted.
fn one_more(chunks: i64, compact_after: i64) -> (i64, i64) {
    let due = chunks + 1;
    (due, if due >= compact_after { 0 } else { due })
}

fn number<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> Result<T, String> {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("argument {} must be {what}", i + 1))
}

/// A write the writer can make. Ending a call and retracting a report act on ones
/// this writer made, so that it never needs to read the log.
enum Op {
    Call,
    Report,
    End(String),
    Retract(String),
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Call => "call",
            Op::Report => "report",
            Op::End(_) => "end",
            Op::Retract(_) => "retract",
        }
    }

    fn target(&self) -> &str {
        match self {
            Op::End(entry) | Op::Retract(entry) => entry,
            Op::Call | Op::Report => "-",
        }
    }
}

/// The calls still open and the reports still standing that this writer made.
#[derive(Default)]
struct Made {
    open_calls: Vec<String>,
    standing_reports: Vec<String>,
}

impl Made {
    fn pick(&mut self, rng: &mut Rng) -> Op {
        let roll = rng.below(10);
        if roll < 2 && !self.open_calls.is_empty() {
            Op::End(
                self.open_calls
                    .swap_remove(rng.below(self.open_calls.len())),
            )
        } else if roll < 3 && !self.standing_reports.is_empty() {
            let i = rng.below(self.standing_reports.len());
            Op::Retract(self.standing_reports.swap_remove(i))
        } else if roll < 6 {
            Op::Report
        } else {
            Op::Call
        }
    }

    /// Makes the write; returns the entry it wrote or acted on.
    fn write(
        &mut self,
        store: &mut Store,
        id: &AgreementId,
        op: Op,
        now: Timestamp,
    ) -> coachline_core::Result<String> {
        Ok(match op {
            Op::Call => {
                let start = CallStart::new(CallReason::Coaching, None, &[], None)?;
                let attempt = store.start_call(id, start, now)?;
                let call = attempt.id().as_str().to_owned();
                if matches!(attempt, CallAttempt::Started { .. }) {
                    self.open_calls.push(call.clone());
                }
                call
            }
            Op::Report => {
                let report = store.report_behavior(id, None, now, now)?;
                self.standing_reports.push(report.as_str().to_owned());
                report.as_str().to_owned()
            }
            Op::End(call) => {
                store.end_call(id, &call, CallEnd::new(&[], None, None)?, now)?;
                call
            }
            Op::Retract(report) => {
                store.retract_report(id, &report, now)?;
                report
            }
        })
    }
}

/// Writes until killed: returns only on failure.
fn run(args: Vec<String>) -> Result<Infallible, String> {
    let store_path = args
        .first()
        .ok_or("usage: STORE SEED NOW_MS CHUNKS COMPACT_AFTER [SYNC_FILE]")?;
    let mut rng = Rng(number::<u64>(&args, 1, "a seed")? | 1);
    let mut now = Timestamp::from_millis(number(&args, 2, "an instant in milliseconds")?);
    let mut chunks: i64 = number(&args, 3, "a chunk count")?;
    let compact_after: i64 = number(&args, 4, "a chunk count")?;
    let message = args
        .get(5)
        .map(std::fs::read)
        .transpose()
        .map_err(|e| format!("the sync file cannot be read: {e}"))?;

    let fail = |e: coachline_core::Error| e.to_string();
    let key = std::env::var("COACHLINE_KEY").map_err(|_| "COACHLINE_KEY is not set")?;
    let key = StoreKey::from_hex(&key).map_err(fail)?;
    let mut store = Store::open(store_path, &key).map_err(fail)?;
    let id = store.select_agreement(None).map_err(fail)?;
    store.preload(&id).map_err(fail)?;
    say(format_args!("ready"));

    // The message is applied before one of the first four writes.
    let mut sync_before = message.as_ref().map(|_| rng.below(4));
    let mut made = Made::default();
    loop {
        now = now.plus_minutes(1);
        if let (Some(0), Some(bytes)) = (sync_before, &message) {
            let (due, after) = one_more(chunks, compact_after);
            say(format_args!("begin sync - {due}"));
            let started = Instant::now();
            let outcome = store.sync_receive(bytes, now).map_err(fail)?;
            chunks = if outcome.changed { after } else { chunks };
            let micros = started.elapsed().as_micros();
            say(format_args!("ok sync - {chunks} {micros}"));
        }
        sync_before = sync_before.and_then(|n| n.checked_sub(1));

        let op = made.pick(&mut rng);
        let (name, (due, after)) = (op.name(), one_more(chunks, compact_after));
        say(format_args!("begin {name} {} {due}", op.target()));
        let started = Instant::now();
        let entry = made.write(&mut store, &id, op, now).map_err(fail)?;
        chunks = after;
        let micros = started.elapsed().as_micros();
        say(format_args!("ok {name} {entry} {chunks} {micros}"));
    }
}
