//! The relay under load, on loopback: `cargo bench -p coachline-relay --bench load`.
//!
//! Simulated devices in pairs (each with its own Ed25519 key, signing every request
//! as a phone does) exchange messages through real relay processes: one over a
//! SQLite file (the default), and two over one PostgreSQL (when
//! `COACHLINE_TEST_POSTGRES` names a server), the devices' requests spread over both
//! processes as a load balancer would. Each round, every device deposits one message
//! into its peer's mailbox, then fetches its own mailbox and acknowledges what it
//! got. The messages are random bytes of a sealed message's sizes, each carrying
//! its sender and number so that the run can tell a lost or a doubled message.
//!
//! Prints, per backend: messages per second, p50/p99 latency of a deposit and of a
//! fetch, the bytes the storage grows by per message held over the message's own
//! size, and the messages lost or delivered twice (both must be 0; the run fails
//! otherwise). Bounded: `COACHLINE_LOAD_DEVICES` devices (default 1,000) for
//! `COACHLINE_LOAD_ROUNDS` rounds (default 5), with a deadline.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coachline_relay_protocol::batch::{self, Batch};
use coachline_relay_protocol::{self as protocol, Audience, Auth, Mailbox, Signed};
use ed25519_dalek::SigningKey;

/// The relays' shared name: behind a load balancer, every process answers to one.
const NAME: &str = "http://relay.load.test";
const WORKERS: usize = 32;
const DEADLINE: Duration = Duration::from_secs(300);

struct Relay(Child);

impl Relay {
    /// Starts `coachline-relay` with `args` on a free port; returns it and its address.
    fn start(args: &[&str]) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coachline-relay"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--name",
                NAME,
                "--rate",
                "1000000",
            ])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start coachline-relay");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the relay's first line");
        let address = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        (Self(child), address)
    }

    /// Stops it as a service manager would (SIGTERM), and waits.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Device {
    key: SigningKey,
    mailbox: Mailbox,
}

impl Device {
    fn new() -> Self {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("random");
        let key = SigningKey::from_bytes(&secret);
        let mailbox = Mailbox::of_key(&key.verifying_key().to_bytes());
        Self { key, mailbox }
    }
}

#[derive(Default)]
struct Tally {
    deposits: Vec<Duration>,
    fetches: Vec<Duration>,
    delivered: u64,
    doubled: u64,
}

fn nonce() -> [u8; 16] {
    let mut n = [0u8; 16];
    getrandom::fill(&mut n).expect("random");
    n
}

fn millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

/// Makes one signed request; returns the status and the body.
fn call(
    agent: &ureq::Agent,
    base: &str,
    device: &Device,
    method: &str,
    path: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let audience = Audience::of_url(NAME).expect("name");
    let signed = Signed {
        method,
        path,
        body,
        audience: &audience,
    };
    let auth = Auth::sign(&device.key, &signed, millis(), nonce());
    let url = format!("{base}{path}");
    let mut response = if method == "GET" {
        let mut request = agent.get(&url);
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        request.call()
    } else {
        let mut request = agent.post(&url);
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        request.send(body)
    }
    .expect("the relay answers");
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_vec()
        .expect("the answer's body");
    (status, body)
}

/// A message from `from` numbered `n`: its header, then random bytes up to a sealed
/// message's size (300 to 1,500 bytes).
fn message(from: usize, n: u32) -> Vec<u8> {
    let mut size = [0u8; 2];
    getrandom::fill(&mut size).expect("random");
    let len = 300 + usize::from(u16::from_be_bytes(size)) % 1200;
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("random");
    bytes[..8].copy_from_slice(&(from as u64).to_be_bytes());
    bytes[8..12].copy_from_slice(&n.to_be_bytes());
    bytes
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Every device fetches its mailbox until empty and acknowledges what it got,
/// checking each message is from its peer and new.
fn drain(
    agent: &ureq::Agent,
    base: &str,
    device: &Device,
    peer: usize,
    seen: &mut HashSet<u32>,
    tally: &mut Tally,
) {
    loop {
        let path = protocol::fetch_path(&device.mailbox, 0, protocol::MAX_FETCH);
        let t = Instant::now();
        let (status, body) = call(agent, base, device, "GET", &path, &[]);
        tally.fetches.push(t.elapsed());
        assert_eq!(status, 200, "fetch: {}", String::from_utf8_lossy(&body));
        let batch = Batch::decode(&body).expect("a batch");
        if batch.messages.is_empty() {
            return;
        }
        let mut ids = Vec::new();
        for m in &batch.messages {
            let from = u64::from_be_bytes(m.bytes[..8].try_into().expect("8")) as usize;
            let n = u32::from_be_bytes(m.bytes[8..12].try_into().expect("4"));
            assert_eq!(from, peer, "a message reached the wrong mailbox");
            if seen.insert(n) {
                tally.delivered += 1;
            } else {
                tally.doubled += 1;
            }
            ids.push(m.id);
        }
        let path = protocol::ack_path(&device.mailbox);
        let (status, _) = call(agent, base, device, "POST", &path, &batch::encode_ids(&ids));
        assert_eq!(status, 200, "ack");
        if !batch.more {
            return;
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs the exchange through `bases` (device `i` talks to `bases[i % len]`).
fn exchange(bases: &[String], devices: usize, rounds: u32) -> (Tally, Duration, u64) {
    let devices: Arc<Vec<Device>> = Arc::new((0..devices).map(|_| Device::new()).collect());
    let total = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let pairs = devices.len() / 2;
    std::thread::scope(|scope| {
        for worker in 0..WORKERS {
            let (devices, total, bases) = (devices.clone(), total.clone(), bases.to_vec());
            scope.spawn(move || {
                let agent = agent();
                let mut tally = Tally::default();
                let mine: Vec<usize> = (worker..pairs).step_by(WORKERS).collect();
                let mut seen: Vec<[HashSet<u32>; 2]> =
                    mine.iter().map(|_| Default::default()).collect();
                for round in 0..rounds {
                    for (k, &pair) in mine.iter().enumerate() {
                        let (a, b) = (2 * pair, 2 * pair + 1);
                        for (from, to) in [(a, b), (b, a)] {
                            let base = &bases[from % bases.len()];
                            let path = protocol::messages_path(&devices[to].mailbox);
                            let t = Instant::now();
                            let (status, body) = call(
                                &agent,
                                base,
                                &devices[from],
                                "POST",
                                &path,
                                &message(from, round),
                            );
                            tally.deposits.push(t.elapsed());
                            assert_eq!(status, 201, "deposit: {}", String::from_utf8_lossy(&body));
                        }
                        for (side, (me, peer)) in [(a, b), (b, a)].into_iter().enumerate() {
                            let base = &bases[(me + 1) % bases.len()];
                            drain(
                                &agent,
                                base,
                                &devices[me],
                                peer,
                                &mut seen[k][side],
                                &mut tally,
                            );
                        }
                    }
                    assert!(
                        started.elapsed() < DEADLINE,
                        "the load run passed its deadline"
                    );
                }
                let mut total = total.lock().expect("tally");
                total.deposits.extend(tally.deposits);
                total.fetches.extend(tally.fetches);
                total.delivered += tally.delivered;
                total.doubled += tally.doubled;
            });
        }
    });
    let elapsed = started.elapsed();
    let expected = (pairs * 2) as u64 * u64::from(rounds);
    let tally = Arc::into_inner(total)
        .expect("workers done")
        .into_inner()
        .expect("tally");
    (tally, elapsed, expected)
}

/// Deposits `count` messages (held, not fetched) and returns their total size.
fn hold(base: &str, count: usize) -> u64 {
    let agent = agent();
    let devices: Vec<Device> = (0..64).map(|_| Device::new()).collect();
    let mut bytes = 0;
    for i in 0..count {
        let body = message(i, i as u32);
        bytes += body.len() as u64;
        let to = &devices[(i + 1) % devices.len()].mailbox;
        let (status, _) = call(
            &agent,
            base,
            &devices[i % devices.len()],
            "POST",
            &protocol::messages_path(to),
            &body,
        );
        assert_eq!(status, 201);
    }
    bytes
}

/// The bytes of the files in `dir` (the relay's SQLite file, and its log if any).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("data dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-tAqc", sql])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn report(backend: &str, tally: &Tally, elapsed: Duration, expected: u64, overhead: f64) {
    let (mut deposits, mut fetches) = (tally.deposits.clone(), tally.fetches.clone());
    deposits.sort();
    fetches.sort();
    let lost = expected - tally.delivered;
    println!("\n{backend}");
    println!(
        "   messages delivered:             {} in {:.1} s = {:.0} messages/s",
        tally.delivered,
        elapsed.as_secs_f64(),
        tally.delivered as f64 / elapsed.as_secs_f64()
    );
    println!(
        "   deposit latency p50 / p99:      {:.2} / {:.2} ms",
        percentile(&deposits, 0.5),
        percentile(&deposits, 0.99)
    );
    println!(
        "   fetch latency p50 / p99:        {:.2} / {:.2} ms",
        percentile(&fetches, 0.5),
        percentile(&fetches, 0.99)
    );
    println!("   storage per message held:       {overhead:.2}x the message's size");
    println!("   lost: {lost}, delivered twice: {}", tally.doubled);
    assert_eq!((lost, tally.doubled), (0, 0), "messages lost or doubled");
}

/// A fresh PostgreSQL database on the server of `url`; returns its URL.
fn fresh_database(url: &str, name: &str) -> String {
    psql(url, &format!("CREATE DATABASE {name}"));
    match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("COACHLINE_TEST_POSTGRES is not a URL with a database"),
    }
}

const TABLE_BYTES: &str = "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind = 'r' AND n.nspname = 'public'";

/// What storing 2,000 held messages adds to a fresh relay's storage, over their size.
fn storage_overhead(postgres: Option<&str>) -> f64 {
    const HELD: usize = 2000;
    match postgres {
        None => {
            let data = tempfile::tempdir().expect("temp dir");
            let dir = data.path().to_str().expect("utf-8");
            let (relay, _) = Relay::start(&["--data", dir]);
            relay.stop();
            let empty = dir_bytes(data.path());
            let (relay, base) = Relay::start(&["--data", dir]);
            let held = hold(&base, HELD);
            relay.stop();
            dir_bytes(data.path()).saturating_sub(empty) as f64 / held as f64
        }
        Some(url) => {
            let name = format!("coachline_held_{}", std::process::id());
            let db = fresh_database(url, &name);
            let (relay, base) = Relay::start(&["--postgres", &db]);
            let empty: f64 = psql(&db, TABLE_BYTES).parse().expect("a size");
            let held = hold(&base, HELD);
            let full: f64 = psql(&db, TABLE_BYTES).parse().expect("a size");
            relay.stop();
            psql(url, &format!("DROP DATABASE {name}"));
            (full - empty) / held as f64
        }
    }
}

fn main() {
    let devices: usize = std::env::var("COACHLINE_LOAD_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let rounds: u32 = std::env::var("COACHLINE_LOAD_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    println!("Relay load: {devices} devices in pairs, {rounds} rounds, {WORKERS} client threads");

    let data = tempfile::tempdir().expect("temp dir");
    let (relay, base) = Relay::start(&["--data", data.path().to_str().expect("utf-8")]);
    let (tally, elapsed, expected) = exchange(std::slice::from_ref(&base), devices, rounds);
    relay.stop();
    let overhead = storage_overhead(None);
    report(
        "SQLite, one relay process",
        &tally,
        elapsed,
        expected,
        overhead,
    );

    let Ok(url) = std::env::var("COACHLINE_TEST_POSTGRES") else {
        println!(
            "\nPostgreSQL: skipped (set COACHLINE_TEST_POSTGRES; scripts/start-postgres prints it)"
        );
        return;
    };
    let name = format!("coachline_load_{}", std::process::id());
    let db = fresh_database(&url, &name);
    let (one, a) = Relay::start(&["--postgres", &db]);
    let (two, b) = Relay::start(&["--postgres", &db]);
    let (tally, elapsed, expected) = exchange(&[a, b], devices, rounds);
    one.stop();
    two.stop();
    psql(&url, &format!("DROP DATABASE {name}"));
    let overhead = storage_overhead(Some(&url));
    report(
        "PostgreSQL, two relay processes",
        &tally,
        elapsed,
        expected,
        overhead,
    );
}
