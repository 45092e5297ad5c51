//! Store figures on generated histories (release build):
//!
//! `cargo bench -p coachline-core --features fixtures --bench store`
//!
//! Prints medians over repeated runs for: opening the store and reading the agreement
//! with its signature status and the latest 50 log entries; recording one call
//! durably with the document loaded; loading the Automerge document; the status
//! decision and the summary over a year; and the file size against a plain SQLite
//! table of the same records. Then the same 5-year figures on a plaintext copy of
//! the store: what encryption at rest costs.

use std::path::Path;
use std::time::{Duration, Instant};

use coachline_core::fixtures::{client_store, key, HistorySize};
use coachline_core::model::AgreementId;
use coachline_core::model::{CallReason, CallStart};
use coachline_core::store::{LogEntry, Store};
use coachline_core::Timestamp;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn measure(runs: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..runs.min(10) {
        f();
    }
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

struct Figures {
    open_read: Duration,
    first_status: Duration,
    status: Duration,
    summary_year: Duration,
    record_call: Duration,
    cold_write: Duration,
    load_doc: Duration,
    load_plain: Duration,
    doc_bytes: usize,
    actors: usize,
}

/// A plain SQLite file with the same records as rows: the size baseline. (SQLCipher
/// would add a reserve of 80 bytes to each 4,096-byte page of the store's file if it
/// were keyed; neither file here is.)
fn plain_table_size(dir: &Path, log: &[LogEntry]) -> u64 {
    let path = dir.join("plain.db");
    // The encrypted store and its plaintext copy share a directory, and each is
    // measured against the same baseline: build it anew each time.
    if path.exists() {
        std::fs::remove_file(&path).unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE calls (id TEXT PRIMARY KEY, reason TEXT, started_by TEXT, started_at INTEGER,
            ended_at INTEGER, situation TEXT, tried TEXT, urge_before INTEGER, suggested TEXT,
            urge_after INTEGER, outcome TEXT);
         CREATE TABLE reports (id TEXT PRIMARY KEY, behavior TEXT, occurred_at INTEGER,
            reported_at INTEGER, reported_by TEXT, retracted_at INTEGER);
         BEGIN;",
    )
    .unwrap();
    for entry in log {
        match entry {
            LogEntry::Call { call: c, .. } => conn
                .execute(
                    "INSERT INTO calls VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    rusqlite::params![
                        c.id.as_str(),
                        c.reason.as_str(),
                        c.started_by.as_str(),
                        c.started_at.millis(),
                        c.ended_at.map(|t| t.millis()),
                        c.situation,
                        c.tried.join("\n"),
                        c.urge_before.map(|u| u.value()),
                        c.suggested.join("\n"),
                        c.urge_after.map(|u| u.value()),
                        c.outcome.map(|o| o.as_str()),
                    ],
                )
                .unwrap(),
            LogEntry::Report { report: r, .. } => conn
                .execute(
                    "INSERT INTO reports VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    rusqlite::params![
                        r.id.as_str(),
                        r.behavior.as_ref().map(|b| b.as_str().to_owned()),
                        r.occurred_at.millis(),
                        r.reported_at.millis(),
                        r.reported_by.as_str(),
                        r.retracted_at.map(|t| t.millis()),
                    ],
                )
                .unwrap(),
        };
    }
    conn.execute_batch("COMMIT; VACUUM;").unwrap();
    drop(conn);
    std::fs::metadata(&path).unwrap().len()
}

/// How a measurement opens the store: with its key, or (the comparison) a plaintext
/// copy of the same records.
type Open = fn(&Path) -> Store;

fn encrypted(path: &Path) -> Store {
    Store::open(path, &key()).unwrap()
}

fn unencrypted(path: &Path) -> Store {
    Store::open_unencrypted(path).unwrap()
}

/// A generated history: the encrypted store and a plaintext copy of it.
struct History {
    _dir: tempfile::TempDir,
    encrypted: std::path::PathBuf,
    plaintext: std::path::PathBuf,
    id: AgreementId,
    end: Timestamp,
    exported: Vec<u8>,
    /// The store file ÷ plain SQLite tables of the same records.
    size_ratio: f64,
    /// The same for the plaintext copy.
    plaintext_size_ratio: f64,
}

fn history(years: usize) -> History {
    let dir = tempfile::tempdir().unwrap();
    let end = Timestamp::parse_rfc3339("end", "2026-11-01T12:00:00Z").unwrap();
    let t = Instant::now();
    let (mut store, id) = client_store(dir.path(), &HistorySize::years(years), end).unwrap();
    eprintln!(
        "  generated {years}-year history in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let plaintext = dir.path().join("client-plaintext.db");
    store.export_unencrypted(&plaintext).unwrap();
    let log = store.log(&id, usize::MAX >> 1).unwrap();
    let exported = store.export(&id).unwrap();
    drop(store);
    // Sized as generated (the timings below add calls the plain tables would not
    // have), with every connection closed, so the write-ahead log is in the file.
    let encrypted = dir.path().join("client.db");
    let mut wal = encrypted.as_os_str().to_owned();
    wal.push("-wal");
    assert!(!Path::new(&wal).exists());
    let plain_tables = plain_table_size(dir.path(), &log) as f64;
    let size_of = |path: &Path| std::fs::metadata(path).unwrap().len() as f64 / plain_tables;
    History {
        size_ratio: size_of(&encrypted),
        plaintext_size_ratio: size_of(&plaintext),
        encrypted,
        plaintext,
        _dir: dir,
        id,
        end,
        exported,
    }
}

fn figures(h: &History, path: &Path, open: Open) -> Figures {
    let (id, end, exported) = (&h.id, h.end, &h.exported);
    let open_read = measure(200, || {
        let mut store = open(path);
        let id = store.select_agreement(None).unwrap();
        let view = store.agreement(&id).unwrap();
        let log = store.log(&id, 50).unwrap();
        assert_eq!(log.len(), 50);
        std::hint::black_box((view.assessment.status, log));
    });

    let load_doc = measure(10, || {
        let mut store = open(path);
        store.preload(id).unwrap();
    }) - measure(10, || drop(open(path)));
    let load_plain = measure(10, || {
        std::hint::black_box(automerge::AutoCommit::load(exported).unwrap());
    });

    // The first decision on a store just opened (or just changed) works out the rules.
    let first_status = measure(200, || {
        let mut store = open(path);
        std::hint::black_box(store.status(id, end).unwrap());
    }) - measure(200, || drop(open(path)));

    // Then a status screen asks again as time goes by, a minute at a time.
    let mut store = open(path);
    store.status(id, end).unwrap();
    let mut minutes = 0;
    let status = measure(2000, || {
        minutes += 1;
        std::hint::black_box(store.status(id, end.plus_minutes(minutes)).unwrap());
    });
    let summary_year = measure(50, || {
        std::hint::black_box(
            store
                .summary(id, Some(end.plus_hours(-24 * 365)), end)
                .unwrap(),
        );
    });
    store.preload(id).unwrap();
    let mut minute = 0;
    let record_call = measure(200, || {
        minute += 1;
        let start = CallStart::new(
            CallReason::Coaching,
            Some("bench"),
            &["TIPP".into()],
            Some(3),
        )
        .unwrap();
        store
            .start_call(id, start, end.plus_minutes(minute))
            .unwrap();
    });
    drop(store);
    // As a phone does it: the app opens the store, records a call, and is killed.
    let cold_write = measure(20, || {
        minute += 1;
        let mut store = open(path);
        let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
        store
            .start_call(id, start, end.plus_minutes(minute))
            .unwrap();
    });
    let actors = {
        let mut doc = automerge::AutoCommit::load(exported).unwrap();
        let mut actors: Vec<_> = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.actor_id().clone())
            .collect();
        actors.sort();
        actors.dedup();
        actors.len()
    };
    Figures {
        open_read,
        first_status,
        status,
        summary_year,
        record_call,
        cold_write,
        load_doc,
        load_plain,
        doc_bytes: exported.len(),
        actors,
    }
}

fn main() {
    let (one_history, five_history) = (history(1), history(5));
    let five_plain = figures(&five_history, &five_history.plaintext, unencrypted);
    let (one, five) = (
        figures(&one_history, &one_history.encrypted, encrypted),
        figures(&five_history, &five_history.encrypted, encrypted),
    );
    println!("\nStore figures (medians; release build)");
    println!("{:<58} {:>12} {:>12}", "", "1-year", "5-year");
    let row = |name: &str, a: String, b: String| println!("{name:<58} {a:>12} {b:>12}");
    row(
        "open store + agreement with status + latest 50 log entries",
        micros(one.open_read),
        micros(five.open_read),
    );
    row(
        "first status decision on a store just opened",
        micros(one.first_status),
        micros(five.first_status),
    );
    row(
        "status decision (open store, rules worked out)",
        micros(one.status),
        micros(five.status),
    );
    row(
        "summary over the last year",
        micros(one.summary_year),
        micros(five.summary_year),
    );
    row(
        "record one call durably (document loaded)",
        micros(one.record_call),
        micros(five.record_call),
    );
    row(
        "open, record one call, close (the app killed between uses)",
        millis(one.cold_write),
        millis(five.cold_write),
    );
    row(
        "load the Automerge document from the store",
        millis(one.load_doc),
        millis(five.load_doc),
    );
    row(
        "  for comparison: AutoCommit::load of the saved document",
        millis(one.load_plain),
        millis(five.load_plain),
    );
    row(
        "compressed document size",
        format!("{} B", one.doc_bytes),
        format!("{} B", five.doc_bytes),
    );
    row(
        "actors in the document (one per app session that wrote)",
        one.actors.to_string(),
        five.actors.to_string(),
    );
    row(
        "store file / plain SQLite table of the same records",
        format!("{:.2}x", one_history.size_ratio),
        format!("{:.2}x", five_history.size_ratio),
    );
    println!(
        "open+read 5-year / 1-year: {:.2}x",
        five.open_read.as_secs_f64() / one.open_read.as_secs_f64()
    );

    println!("\nEncryption at rest: the same 5-year records, encrypted and not (medians)");
    println!(
        "{:<58} {:>12} {:>12} {:>7}",
        "", "encrypted", "plaintext", "ratio"
    );
    let ratio = |name: &str, show: fn(Duration) -> String, a: Duration, b: Duration| {
        println!(
            "{name:<58} {:>12} {:>12} {:>6.2}x",
            show(a),
            show(b),
            a.as_secs_f64() / b.as_secs_f64()
        )
    };
    ratio(
        "open store + agreement with status + latest 50 log entries",
        micros,
        five.open_read,
        five_plain.open_read,
    );
    ratio(
        "record one call durably (document loaded)",
        micros,
        five.record_call,
        five_plain.record_call,
    );
    ratio(
        "first status decision on a store just opened",
        micros,
        five.first_status,
        five_plain.first_status,
    );
    ratio(
        "open, record one call, close (the app killed between uses)",
        millis,
        five.cold_write,
        five_plain.cold_write,
    );
    println!(
        "{:<58} {:>11.2}x {:>11.2}x",
        "store file / plain SQLite table of the same records",
        five_history.size_ratio,
        five_history.plaintext_size_ratio
    );
}
