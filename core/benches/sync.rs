//! Sync figures (release build):
//!
//! `cargo bench -p coachline-core --features fixtures --bench sync`
//!
//! Every byte counted is a sealed message as it travels (envelope, HPKE encapsulated
//! key and tag included). Prints:
//! 1. one new call on the client after a week apart while the therapist changed a
//!    term: bytes both ways, messages each way, and whether the call reached the
//!    therapist in the client's first message;
//!    1b. the same with both stores closed and reopened between every step, as a phone
//!    app killed between uses: the call started in one open and ended in another,
//!    the term edited in a third, and each message made (`sync_next` once) and
//!    received in an open of its own;
//!    1c. as 1b, for a new pair whose agreement was just created and paired (a young
//!    document of a few changes, as a new user trying the CLI has);
//! 2. the first sync of the five-year history, as bytes over the document's
//!    compressed size: to a therapist's phone that holds only the draft, and to a new
//!    client phone that holds nothing;
//! 3. a therapist's store with 300 paired agreements and nothing new: the time of a
//!    full sync pass and the bytes it sends per agreement, within the keep-alive
//!    period and once it has passed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use coachline_core::fixtures::{client_store, key, HistorySize};
use coachline_core::model::{AgreementId, CallEnd, CallReason, CallStart, Role, TermKey};
use coachline_core::store::Store;
use coachline_core::Timestamp;

/// Messages and bytes moved one way.
#[derive(Default, Clone, Copy)]
struct Traffic {
    messages: usize,
    bytes: usize,
}

/// Moves everything due from `from` to `to`.
fn send(from: &mut Store, to: &mut Store, id: &AgreementId, now: Timestamp) -> Traffic {
    let mut traffic = Traffic::default();
    while let Some(message) = from.sync_next(id, now).unwrap() {
        traffic.messages += 1;
        traffic.bytes += message.len();
        to.sync_receive(&message, now).unwrap();
    }
    traffic
}

/// Syncs to quiescence, `a` first: the traffic from `a` and from `b`.
fn quiesce(a: &mut Store, b: &mut Store, id: &AgreementId, now: Timestamp) -> (Traffic, Traffic) {
    let (mut ab, mut ba) = (Traffic::default(), Traffic::default());
    loop {
        let one = send(a, b, id, now);
        let two = send(b, a, id, now);
        if one.messages + two.messages == 0 {
            return (ab, ba);
        }
        ab = Traffic {
            messages: ab.messages + one.messages,
            bytes: ab.bytes + one.bytes,
        };
        ba = Traffic {
            messages: ba.messages + two.messages,
            bytes: ba.bytes + two.bytes,
        };
    }
}

fn pair(
    therapist: &mut Store,
    client: &mut Store,
    id: &AgreementId,
    now: Timestamp,
) -> (Traffic, Traffic) {
    let code = therapist.invite(id, now).unwrap();
    client.join(&code, now).unwrap();
    quiesce(client, therapist, id, now)
}

/// A store file closed and reopened by every step, as a phone app killed between
/// uses: every open writes under a new actor and starts with no fragments queued.
fn reopened(path: &Path) -> Store {
    Store::open(path, &key()).unwrap()
}

/// Copies a closed store file (with any write-ahead log) to `to`.
fn copy_store(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
    if wal(from).exists() {
        std::fs::copy(wal(from), wal(to)).unwrap();
    }
}

/// One message made in its own open of `from` and received in its own open of `to`;
/// `None` when nothing was due.
fn step(from: &Path, to: &Path, id: &AgreementId, now: Timestamp) -> Option<Vec<u8>> {
    let message = reopened(from).sync_next(id, now).unwrap()?;
    reopened(to).sync_receive(&message, now).unwrap();
    Some(message)
}

/// Syncs to quiescence, `a` first, every message made and received in an open of
/// its own: the traffic from `a` and from `b`.
fn quiesce_reopened(a: &Path, b: &Path, id: &AgreementId, now: Timestamp) -> (Traffic, Traffic) {
    let (mut from_a, mut from_b) = (Traffic::default(), Traffic::default());
    for _ in 0..20 {
        let one = step(a, b, id, now);
        let two = step(b, a, id, now);
        if one.is_none() && two.is_none() {
            return (from_a, from_b);
        }
        for (traffic, message) in [(&mut from_a, one), (&mut from_b, two)] {
            if let Some(message) = message {
                traffic.messages += 1;
                traffic.bytes += message.len();
            }
        }
    }
    panic!("no quiescence with the stores reopened between every step");
}

/// The week-apart case (figure 1) with both stores reopened between every step:
/// the traffic from the client, from the therapist, and whether the call reached the
/// therapist in the client's first message.
fn week_apart_reopened(
    client: &Path,
    therapist: &Path,
    id: &AgreementId,
    week: Timestamp,
) -> (Traffic, Traffic, bool) {
    let call = reopened(client)
        .start_call(id, call_start(), week)
        .unwrap()
        .id()
        .as_str()
        .to_owned();
    reopened(client)
        .end_call(id, &call, call_end(), week.plus_minutes(7))
        .unwrap();
    reopened(therapist)
        .set_term(id, TermKey::ReturnCallMinutes, "45", week)
        .unwrap();
    let now = week.plus_hours(1);
    let first = step(client, therapist, id, now).expect("the call is news");
    let arrived = reopened(therapist)
        .log(id, 1)
        .unwrap()
        .first()
        .is_some_and(|entry| entry.id().as_str() == call);
    let (from_therapist, rest) = quiesce_reopened(therapist, client, id, now);
    assert_eq!(
        reopened(therapist).heads(id).unwrap(),
        reopened(client).heads(id).unwrap()
    );
    let from_client = Traffic {
        messages: 1 + rest.messages,
        bytes: first.len() + rest.bytes,
    };
    (from_client, from_therapist, arrived)
}

/// Figure 1c: a new pair, every step in an open of its own as a new user's phones
/// (or the CLI) would: the agreement created and paired, then the week apart.
fn new_pair_week_apart_reopened(start: Timestamp) -> (Traffic, Traffic, bool) {
    let dir = tempfile::tempdir().unwrap();
    let (client, therapist) = (
        dir.path().join("client.db"),
        dir.path().join("therapist.db"),
    );
    reopened(&therapist)
        .init(Role::Therapist, "Dr. Rivera", start)
        .unwrap();
    reopened(&client).init(Role::Client, "Sam", start).unwrap();
    let id = reopened(&therapist)
        .create_agreement("Sam", Some("America/New_York"), start)
        .unwrap();
    let code = reopened(&therapist).invite(&id, start).unwrap();
    reopened(&client).join(&code, start).unwrap();
    quiesce_reopened(&client, &therapist, &id, start);
    week_apart_reopened(&client, &therapist, &id, start.plus_hours(24 * 7))
}

fn call_start() -> CallStart {
    CallStart::new(
        CallReason::Coaching,
        Some("argument at home, feeling overwhelmed and wanting to leave"),
        &["TIPP".into(), "paced breathing".into()],
        Some(4),
    )
    .unwrap()
}

fn call_end() -> CallEnd {
    CallEnd::new(&["opposite action".into()], Some(2), None).unwrap()
}

fn ratio(a: &(Traffic, Traffic), document: usize) -> String {
    let total = a.0.bytes + a.1.bytes;
    format!(
        "{} B in {} + {} messages = {:.2}x the {} B document",
        total,
        a.0.messages,
        a.1.messages,
        total as f64 / document as f64,
        document
    )
}

fn print_week_apart(title: &str, (from_client, from_therapist, arrived): (Traffic, Traffic, bool)) {
    println!("\n{title}");
    println!(
        "   total, both ways:                  {} B (target <= 1,500 B)",
        from_client.bytes + from_therapist.bytes
    );
    println!(
        "   messages client -> therapist:      {} ({} B)",
        from_client.messages, from_client.bytes
    );
    println!(
        "   messages therapist -> client:      {} ({} B)",
        from_therapist.messages, from_therapist.bytes
    );
    println!("   call in the client's first message: {arrived}");
}

fn history_figures() {
    let dir = tempfile::tempdir().unwrap();
    let end = Timestamp::parse_rfc3339("end", "2026-11-01T12:00:00Z").unwrap();
    let t = Instant::now();
    let (mut client, id) = client_store(dir.path(), &HistorySize::years(5), end).unwrap();
    eprintln!(
        "  generated the 5-year history in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (client_path, therapist_path) = (
        dir.path().join("client.db"),
        dir.path().join("therapist.db"),
    );
    let mut therapist = Store::open(&therapist_path, &key()).unwrap();
    let document = client.export(&id).unwrap().len();

    // 2a. The therapist's phone has only the draft the client started from.
    let to_therapist = pair(&mut therapist, &mut client, &id, end);
    assert_eq!(therapist.heads(&id).unwrap(), client.heads(&id).unwrap());

    // 1b (on copies of the two stores, closed): a week apart, reopened between every step.
    let week = end.plus_hours(24 * 7);
    drop((client, therapist));
    let (client_copy, therapist_copy) = (
        dir.path().join("client-reopened.db"),
        dir.path().join("therapist-reopened.db"),
    );
    copy_store(&client_path, &client_copy);
    copy_store(&therapist_path, &therapist_copy);
    let reopened_week = week_apart_reopened(&client_copy, &therapist_copy, &id, week);
    let mut client = reopened(&client_path);
    let mut therapist = reopened(&therapist_path);

    // 1. A week apart: one call on the client, one term edit on the therapist.
    let call = client.start_call(&id, call_start(), week).unwrap();
    client
        .end_call(&id, call.id().as_str(), call_end(), week.plus_minutes(7))
        .unwrap();
    therapist
        .set_term(&id, TermKey::ReturnCallMinutes, "45", week)
        .unwrap();
    let now = week.plus_hours(1);
    let first = client.sync_next(&id, now).unwrap().unwrap();
    therapist.sync_receive(&first, now).unwrap();
    let arrived = therapist
        .log(&id, 1)
        .unwrap()
        .first()
        .is_some_and(|entry| entry.id() == call.id());
    let (rest_client, rest_therapist) = quiesce(&mut therapist, &mut client, &id, now);
    assert_eq!(therapist.heads(&id).unwrap(), client.heads(&id).unwrap());
    let from_client = Traffic {
        messages: 1 + rest_therapist.messages,
        bytes: first.len() + rest_therapist.bytes,
    };
    let from_therapist = rest_client;

    // 2b. A new client phone, with nothing, joins the therapist's full history.
    let mut new_phone = Store::open(dir.path().join("new-phone.db"), &key()).unwrap();
    new_phone.init(Role::Client, "Sam", now).unwrap();
    let to_new_phone = pair(&mut therapist, &mut new_phone, &id, now);
    assert_eq!(therapist.heads(&id).unwrap(), new_phone.heads(&id).unwrap());

    print_week_apart(
        "1. One new call on the client after a week apart; the therapist changed a term",
        (from_client, from_therapist, arrived),
    );
    print_week_apart(
        "1b. The same, with both stores reopened between every step (as a phone app)",
        reopened_week,
    );
    print_week_apart(
        "1c. The same for a new pair (agreement just created and paired), reopened likewise",
        new_pair_week_apart_reopened(end),
    );
    println!("\n2. First sync of the 5-year history (target <= 1.3x the compressed document)");
    println!(
        "   to the therapist's phone (holding the draft): {}",
        ratio(&to_therapist, document)
    );
    println!(
        "   to a new client phone (holding nothing):      {}",
        ratio(&to_new_phone, document)
    );
}

fn pass_figures() {
    let dir = tempfile::tempdir().unwrap();
    let now = Timestamp::parse_rfc3339("now", "2026-11-01T12:00:00Z").unwrap();
    let path = dir.path().join("therapist.db");
    let mut therapist = Store::open(&path, &key()).unwrap();
    therapist.init(Role::Therapist, "Dr. Rivera", now).unwrap();
    let mut clients = Store::open(dir.path().join("clients.db"), &key()).unwrap();
    clients.init(Role::Client, "Clients", now).unwrap();
    let t = Instant::now();
    for i in 0..300 {
        let id = therapist
            .create_agreement(&format!("Client {i}"), Some("America/New_York"), now)
            .unwrap();
        therapist
            .report_behavior(&id, None, now.plus_minutes(-30), now)
            .unwrap();
        pair(&mut therapist, &mut clients, &id, now);
    }
    eprintln!(
        "  paired 300 agreements in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(therapist);

    // Within the keep-alive period, nothing is due; after it, one small message each.
    let pass = |store: &mut Store, at: Timestamp| {
        let (mut messages, mut bytes) = (0, 0);
        let ids: Vec<AgreementId> = store
            .peers()
            .unwrap()
            .into_iter()
            .map(|p| p.agreement)
            .collect();
        assert_eq!(ids.len(), 300);
        for id in &ids {
            while let Some(message) = store.sync_next(id, at).unwrap() {
                messages += 1;
                bytes += message.len();
            }
        }
        (messages, bytes)
    };
    let quiet = now.plus_hours(1);
    let t = Instant::now();
    let mut store = Store::open(&path, &key()).unwrap();
    let (messages, bytes) = pass(&mut store, quiet);
    let cold = t.elapsed();
    let mut samples: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            pass(&mut store, quiet);
            t.elapsed()
        })
        .collect();
    samples.sort();
    drop(store);
    let t = Instant::now();
    let mut store = Store::open(&path, &key()).unwrap();
    let (kept, kept_bytes) = pass(&mut store, now.plus_hours(24));
    let keepalive = t.elapsed();
    println!("\n3. A therapist's store with 300 paired agreements, nothing new");
    println!(
        "   full sync pass, store just opened: {:.2} ms; again (median): {:.2} ms (target <= 100 ms)",
        cold.as_secs_f64() * 1e3,
        samples[samples.len() / 2].as_secs_f64() * 1e3
    );
    println!(
        "   sent: {messages} messages, {:.1} B per agreement (target <= 200 B)",
        bytes as f64 / 300.0
    );
    println!(
        "   a day later, the keep-alive pass (store just opened): {:.2} ms, {kept} messages, {:.1} B per agreement",
        keepalive.as_secs_f64() * 1e3,
        kept_bytes as f64 / 300.0
    );
}

fn main() {
    history_figures();
    pass_figures();
}
