//! Sync through a real relay on loopback: the `coachline` binary on real stores and a
//! real `coachline-relay` process, started on port 0 by each test and killed when the
//! test ends.
//!
//! Every scenario runs against the relay's SQLite storage and, when
//! `COACHLINE_TEST_POSTGRES` holds a PostgreSQL URL, against PostgreSQL too (each test
//! in a schema of its own, dropped at the end). Without it the PostgreSQL runs are
//! skipped, and say so, unless `COACHLINE_REQUIRE_POSTGRES=1`, which fails them.
//!
//! The relay binary is the one Cargo builds beside `coachline`; if it is missing or
//! older than the relay's sources, the first test builds it (`cargo build -p
//! coachline-relay`). `COACHLINE_RELAY_BIN` names another binary instead.
//!
//! Faults: the relay is killed with SIGKILL while both phones run passes, and phones
//! are killed mid-pass; after each, nothing is lost, nothing is applied twice and the
//! stores converge. `COACHLINE_FAULT_SEED` fixes the random delays (printed either way).

use std::collections::HashSet;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use coachline_relay_protocol::{self as protocol, Audience, Auth, Mailbox, Signed};
use ed25519_dalek::SigningKey;
use serde_json::Value;

use crate::phone::{Phone, T0};

// ---------------------------------------------------------------------------------
// The relay binary and its storage.

/// The relay's binary, built if missing or older than its sources.
fn relay_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(bin) = std::env::var_os("COACHLINE_RELAY_BIN") {
            return PathBuf::from(bin);
        }
        let coachline = Path::new(env!("CARGO_BIN_EXE_coachline"));
        let profile_dir = coachline.parent().expect("the binary is in a directory");
        let binary = profile_dir.join(format!("coachline-relay{}", std::env::consts::EXE_SUFFIX));
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        if !is_fresh(&binary, &workspace.join("relay")) {
            build_relay(&workspace, profile_dir);
        }
        assert!(binary.is_file(), "no relay binary at {}", binary.display());
        binary
    })
}

/// Whether `binary` is newer than every file under `sources`.
fn is_fresh(binary: &Path, sources: &Path) -> bool {
    fn newest(dir: &Path) -> Option<SystemTime> {
        let mut latest = None;
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let path = entry.path();
            let time = if path.is_dir() {
                newest(&path)
            } else {
                entry.metadata().ok()?.modified().ok()
            };
            latest = latest.max(time);
        }
        latest
    }
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else {
        return false;
    };
    newest(sources).is_some_and(|sources| sources <= built)
}

fn build_relay(workspace: &Path, profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--quiet", "-p", "coachline-relay", "--bin"])
        .arg("coachline-relay");
    let profile = profile_dir.file_name().and_then(|n| n.to_str());
    if profile == Some("release") {
        command.arg("--release");
    }
    // target/debug → target: build where this test's binaries are.
    if let Some(target) = profile_dir.parent() {
        command.arg("--target-dir").arg(target);
    }
    eprintln!("building coachline-relay for the relay tests");
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build -p coachline-relay failed");
}

/// Where a relay keeps its mailboxes.
enum Storage {
    Sqlite(tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Storage {
    fn name(&self) -> &'static str {
        match self {
            Storage::Sqlite(_) => "sqlite",
            Storage::Postgres { .. } => "postgres",
        }
    }

    fn args(&self) -> Vec<String> {
        match self {
            Storage::Sqlite(dir) => vec!["--data".into(), dir.path().display().to_string()],
            Storage::Postgres { url, .. } => vec!["--postgres".into(), url.clone()],
        }
    }

    /// Every byte the relay stored, as text where PostgreSQL keeps it (binary columns
    /// in hex) and as the files' bytes for SQLite.
    fn contents(&self) -> Vec<u8> {
        match self {
            Storage::Sqlite(dir) => {
                let mut bytes = Vec::new();
                let mut files = 0;
                for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
                    if entry.path().is_file() {
                        bytes.extend(std::fs::read(entry.path()).unwrap());
                        files += 1;
                    }
                }
                assert!(files > 0 && !bytes.is_empty(), "the relay stored no file");
                bytes
            }
            Storage::Postgres { url, schema } => {
                let tables = psql(
                    url,
                    &format!(
                        "SELECT table_name FROM information_schema.tables \
                         WHERE table_schema = '{schema}' ORDER BY 1"
                    ),
                );
                let tables: Vec<&str> = tables.lines().filter(|l| !l.is_empty()).collect();
                assert!(tables.contains(&"messages"), "tables: {tables:?}");
                let mut text = String::new();
                for table in tables {
                    text.push_str(&psql(
                        url,
                        &format!("SELECT t::text FROM \"{schema}\".\"{table}\" t"),
                    ));
                }
                text.into_bytes()
            }
        }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Storage::Postgres { url, schema } = self {
            let _ = try_psql(url, &format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

fn try_psql(url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn psql(url: &str, sql: &str) -> String {
    try_psql(url, sql).unwrap_or_else(|e| panic!("psql failed: {e}"))
}

/// The storages to run against: SQLite, and PostgreSQL when configured.
fn storages() -> Vec<Storage> {
    let mut storages = vec![Storage::Sqlite(tempfile::tempdir().unwrap())];
    match std::env::var("COACHLINE_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => {
            static N: AtomicU64 = AtomicU64::new(0);
            let schema = format!(
                "cli_{}_{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed),
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            );
            psql(&url, &format!("CREATE SCHEMA \"{schema}\""));
            let separator = if url.contains('?') { '&' } else { '?' };
            let url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
            storages.push(Storage::Postgres { url, schema });
        }
        _ if std::env::var("COACHLINE_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("COACHLINE_REQUIRE_POSTGRES=1 but COACHLINE_TEST_POSTGRES is not set")
        }
        _ => eprintln!(
            "relay tests on PostgreSQL skipped: set COACHLINE_TEST_POSTGRES to a database URL"
        ),
    }
    storages
}

/// A `coachline-relay` process, killed when dropped.
struct Relay {
    child: Option<Child>,
    url: String,
    listen: String,
    args: Vec<String>,
    logs: tempfile::TempDir,
}

impl Relay {
    /// Starts a relay on a free loopback port; `extra` are further options.
    fn start(storage: &Storage, extra: &[&str]) -> Self {
        let mut args = storage.args();
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut relay = Self {
            child: None,
            url: String::new(),
            listen: "127.0.0.1:0".into(),
            args,
            logs: tempfile::tempdir().unwrap(),
        };
        relay.spawn().unwrap_or_else(|e| panic!("{e}"));
        relay.listen = relay.url.trim_start_matches("http://").to_owned();
        relay
    }

    fn log_path(&self) -> PathBuf {
        self.logs.path().join("relay.log")
    }

    /// Everything the relay logged, across restarts.
    fn log(&self) -> Vec<u8> {
        std::fs::read(self.log_path()).unwrap_or_default()
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let mut child = Command::new(relay_binary())
            .args(["--listen", &self.listen])
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the relay binary runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        let first = rx.recv_timeout(Duration::from_secs(20));
        match first {
            Ok(Some(Ok(line))) if line.starts_with("listening on http://") => {
                self.url = line["listening on ".len()..].to_owned();
                self.child = Some(child);
                Ok(())
            }
            other => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "the relay did not start ({other:?}); its log:\n{}",
                    String::from_utf8_lossy(&self.log())
                ))
            }
        }
    }

    /// SIGKILL: no shutdown of any kind.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the relay and starts it again on the same port and storage.
    fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("{e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------
// Phones.

/// `coachline sync relay --json` on `phone` (with `args`), which must succeed.
fn pass(phone: &Phone, args: &[&str]) -> Value {
    let mut all = vec!["sync", "relay"];
    all.extend_from_slice(args);
    phone.json(&all)
}

/// Runs passes on both phones until a round in which neither sends nor receives
/// anything; returns the rounds it took.
fn settle(a: &Phone, b: &Phone, now: &str) -> usize {
    for round in 1..=10 {
        let moved = [pass(a, &["--now", now]), pass(b, &["--now", now])]
            .iter()
            .map(|r| r["sent"].as_u64().unwrap() + r["received"].as_u64().unwrap())
            .sum::<u64>();
        if moved == 0 {
            return round;
        }
    }
    panic!("the phones did not settle in 10 rounds of passes");
}

/// The agreement's document heads on `phone`.
fn heads(phone: &Phone, dir: &Path) -> Vec<automerge::ChangeHash> {
    let file = dir.join(format!(
        "heads-{}.automerge",
        phone.store.file_stem().unwrap().to_string_lossy()
    ));
    phone.ok(&[
        "agreement",
        "export",
        "--plain",
        "--out",
        file.to_str().unwrap(),
    ]);
    let mut doc = automerge::AutoCommit::load(&std::fs::read(&file).unwrap()).unwrap();
    let mut heads = doc.get_heads();
    heads.sort();
    heads
}

/// The same heads, agreement, log and decision on both phones.
fn assert_converged(a: &Phone, b: &Phone, now: &str, dir: &Path) {
    assert_eq!(heads(a, dir), heads(b, dir), "document heads");
    assert_eq!(a.state(), b.state(), "agreement and log");
    assert_eq!(
        a.json(&["status", "--now", now]),
        b.json(&["status", "--now", now]),
        "status"
    );
    assert_eq!(
        a.json(&["log", "--limit", "100000", "--now", now]),
        b.json(&["log", "--limit", "100000", "--now", now]),
        "log"
    );
}

/// The ids of the calls and reports in `phone`'s log, each exactly once.
fn logged(phone: &Phone) -> HashSet<String> {
    let log = phone.json(&["log", "--limit", "100000"]);
    let ids: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "an entry is in the log twice");
    unique
}

/// Starts a call at `now`; returns its id (a call the 24-hour rule declines is
/// logged too) and whether it went ahead.
fn call(phone: &Phone, now: &str, situation: &str) -> (String, bool) {
    let out = phone.run(&[
        "call",
        "start",
        "--urge",
        "3",
        "--tried",
        "TIPP",
        "--situation",
        situation,
        "--json",
        "--now",
        now,
    ]);
    let code = out.status.code();
    assert!(
        code == Some(0) || code == Some(3),
        "call start: {code:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    (json["id"].as_str().unwrap().to_owned(), code == Some(0))
}

fn report(phone: &Phone, now: &str, behavior: Option<&str>) -> String {
    let mut args = vec!["behavior", "report", "--at", now, "--now", now];
    if let Some(b) = behavior {
        args.extend(["--behavior", b]);
    }
    phone.json(&args)["id"].as_str().unwrap().to_owned()
}

/// `T0` plus `hours`, as RFC 3339.
fn at(hours: f64) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339(T0).unwrap();
    let t = t0 + chrono::Duration::seconds((hours * 3600.0) as i64);
    t.to_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The distinctive strings of the scenarios: none may reach the relay.
const THERAPIST: &str = "Ottoline Farquharson";
const CLIENT: &str = "Marisol Quintero-Vance";
const SITUATION: &str = "argument about the borrowed zither";
const BEHAVIOR: &str = "quillwort-binge";
const RESOURCE: &str = "Kestrel Warmline";
const BACKUP_PLAN: &str = "Walk to the Pelham lighthouse and call Aunt Briony";

/// A therapist whose phone syncs through `relay` and a client who joined with an
/// invitation naming it (typing nothing but the line), both signed and in sync.
fn paired(relay: &Relay, dir: &Path) -> (Phone, Phone) {
    let therapist = Phone::new(dir, "therapist");
    therapist.ok(&["init", "--role", "therapist", "--name", THERAPIST]);
    let client = Phone::new(dir, "client");
    client.ok(&["init", "--role", "client", "--name", CLIENT]);
    therapist.json(&["relay", "set", &relay.url]);
    therapist.ok(&[
        "agreement",
        "new",
        "--client",
        CLIENT,
        "--time-zone",
        "America/New_York",
    ]);
    therapist.ok(&["agreement", "behavior", "add", BEHAVIOR]);
    therapist.ok(&["agreement", "resource", "add", RESOURCE, "555-0143"]);
    let invitation = therapist.json(&["invite"]);
    assert_eq!(invitation["relay"], relay.url.as_str());
    let line = invitation["invitation"].as_str().unwrap();
    assert!(line.starts_with("COACHLINE2:"), "{line}");

    let joined = client.json(&["join", line]);
    assert_eq!(joined["relay"], relay.url.as_str());
    assert_eq!(client.json(&["relay"])["relay"], relay.url.as_str());
    // The client's first pass proves the invitation; the therapist's answers with the
    // agreement.
    assert!(pass(&client, &[])["sent"].as_u64().unwrap() >= 1);
    let answer = pass(&therapist, &[]);
    assert!(answer["applied"].as_u64().unwrap() >= 1, "{answer}");
    assert!(answer["sent"].as_u64().unwrap() >= 1, "{answer}");
    settle(&client, &therapist, T0);
    assert_eq!(
        client.json(&["agreement", "show"])["terms"]["client_name"],
        CLIENT
    );

    therapist.ok(&["agreement", "sign"]);
    settle(&therapist, &client, T0);
    client.ok(&["agreement", "sign"]);
    settle(&client, &therapist, T0);
    assert_eq!(therapist.json(&["agreement", "show"])["status"], "active");
    (therapist, client)
}

/// Runs `scenario` once per storage, each with its own relay.
fn on_each_storage(scenario: impl Fn(&Storage)) {
    for storage in storages() {
        let started = Instant::now();
        scenario(&storage);
        eprintln!(
            "{}: {:.1} s",
            storage.name(),
            started.elapsed().as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------------
// Raw requests, signed with a phone's own key.

/// A phone's identity key, read from its store.
fn signing_key(phone: &Phone) -> SigningKey {
    let mut key_file = phone.store.clone().into_os_string();
    key_file.push(".key");
    let key = std::fs::read_to_string(key_file).unwrap();
    let conn = rusqlite::Connection::open(&phone.store).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", key.trim()))
        .unwrap();
    let secret: Vec<u8> = conn
        .query_row("SELECT secret_key FROM identity", [], |r| r.get(0))
        .unwrap();
    SigningKey::from_bytes(&secret.try_into().unwrap())
}

fn mailbox_of(phone: &Phone) -> Mailbox {
    let key = phone.json(&["whoami"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    key.parse().unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn nonce() -> [u8; 16] {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    (t ^ (u128::from(n) << 64) ^ u128::from(std::process::id())).to_le_bytes()
}

/// A request as it travels, to be sent as is.
struct Raw {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Raw {
    /// Signed by `key` for `audience` at `time_ms`.
    fn signed(
        key: &SigningKey,
        audience: &str,
        method: &'static str,
        path: String,
        body: Vec<u8>,
        time_ms: i64,
    ) -> Self {
        let audience = Audience::of_url(audience).unwrap();
        let signed = Signed {
            method,
            path: &path,
            body: &body,
            audience: &audience,
        };
        let headers = Auth::sign(key, &signed, time_ms, nonce())
            .headers()
            .to_vec();
        Self {
            method,
            path,
            headers,
            body,
        }
    }

    /// Sends it to `relay`: the status and the error code of a refusal.
    fn send(&self, relay: &Relay) -> (u16, Option<String>) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let url = format!("{}{}", relay.url, self.path);
        let mut response = match self.method {
            "GET" => {
                let mut r = agent.get(&url);
                for (n, v) in &self.headers {
                    r = r.header(*n, v);
                }
                r.call()
            }
            _ => {
                let mut r = agent.post(&url);
                for (n, v) in &self.headers {
                    r = r.header(*n, v);
                }
                r.send(&self.body[..])
            }
        }
        .expect("the relay answers");
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_vec().unwrap();
        let code = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned));
        (status, code)
    }
}

// ---------------------------------------------------------------------------------
// The tests.

#[test]
fn pairing_by_an_invitation_naming_the_relay_then_a_week_apart_converges() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay::start(storage, &[]);
        let (therapist, client) = paired(&relay, dir.path());
        let mut made = HashSet::new();

        for day in 1..=7 {
            let evening = f64::from(day) * 24.0 + 4.0; // 18:00 in New York
            let (id, ahead) = call(&client, &at(evening), &format!("{SITUATION}, day {day}"));
            made.insert(id.clone());
            if ahead {
                client.ok(&[
                    "call",
                    "end",
                    &id,
                    "--urge-after",
                    "1",
                    "--suggested",
                    "opposite action",
                    "--now",
                    &at(evening + 0.2),
                ]);
            }
            if day % 2 == 1 {
                made.insert(report(&client, &at(evening + 1.0), Some(BEHAVIOR)));
            }
            let morning = f64::from(day) * 24.0 - 1.0; // 08:00 in New York
            match day {
                2 => therapist.ok(&[
                    "agreement",
                    "set",
                    "lockout-hours",
                    "12",
                    "--now",
                    &at(morning),
                ]),
                3 => therapist.ok(&[
                    "agreement",
                    "set",
                    "backup-plan",
                    BACKUP_PLAN,
                    "--now",
                    &at(morning),
                ]),
                4 => therapist.ok(&["agreement", "sign", "--now", &at(morning)]),
                5 => client.ok(&["agreement", "sign", "--now", &at(evening + 2.0)]),
                6 => therapist.ok(&[
                    "agreement",
                    "set",
                    "return-call-minutes",
                    "45",
                    "--now",
                    &at(morning),
                ]),
                _ => String::new(),
            };
            // The client passes every evening; the therapist every other morning, so
            // edits on both sides cross in the relay.
            pass(&client, &["--now", &at(evening + 2.5)]);
            if day % 2 == 0 || day == 7 {
                pass(&therapist, &["--now", &at(morning + 0.5)]);
            }
        }
        let end = at(8.0 * 24.0);
        settle(&client, &therapist, &end);
        assert_converged(&therapist, &client, &end, dir.path());
        assert_eq!(logged(&therapist), made);
        assert_eq!(logged(&client), made);
        let show = therapist.json(&["agreement", "show"]);
        assert_eq!(show["terms"]["lockout_hours"], 12);
        assert_eq!(show["terms"]["return_call_minutes"], 45);
        assert_eq!(show["terms"]["backup_plan"], BACKUP_PLAN);
    });
}

#[test]
fn a_report_at_home_reaches_the_therapist_after_one_pass_each() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay::start(storage, &[]);
        let (therapist, client) = paired(&relay, dir.path());
        // Tuesday 20:00 in New York.
        let tuesday = at(30.0);
        report(&client, &tuesday, None);
        let sent = pass(&client, &["--now", &tuesday]);
        assert_eq!(sent["sent"], 1, "{sent}");
        let later = at(30.5);
        let received = pass(&therapist, &["--now", &later]);
        assert_eq!(
            (
                &received["received"],
                &received["applied"],
                &received["rejected"]
            ),
            (&Value::from(1), &Value::from(1), &Value::from(0)),
            "{received}"
        );
        let status = therapist.json(&["status", "--now", &later]);
        assert_eq!(status["permission"], "locked_out", "{status}");
        let clients = therapist.json(&["screen", "clients", "--now", &later]);
        let attention = &clients[0]["attention"];
        assert!(
            attention.as_array().unwrap().contains(&"locked_out".into()),
            "{attention}"
        );
        // Without --json, a short summary of what the pass did.
        let text = client.ok(&["sync", "relay", "--now", &at(31.0)]);
        assert!(text.starts_with("Relay pass done: sent "), "{text}");
    });
}

#[test]
fn the_relay_stores_none_of_the_scenarios_words() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay::start(storage, &[]);
        let (therapist, client) = paired(&relay, dir.path());
        call(&client, &at(28.0), SITUATION);
        report(&client, &at(29.0), Some(BEHAVIOR));
        therapist.ok(&[
            "agreement",
            "set",
            "backup-plan",
            BACKUP_PLAN,
            "--now",
            &at(29.0),
        ]);
        // Messages wait in both mailboxes: what is stored now is what the relay keeps
        // until the phones fetch.
        pass(&client, &["--now", &at(29.5)]);
        pass(&therapist, &["--now", &at(29.5)]);
        let waiting = storage.contents();
        settle(&client, &therapist, &at(30.0));
        assert_converged(&therapist, &client, &at(30.0), dir.path());
        let after = storage.contents();
        let log = relay.log();
        assert!(!log.is_empty(), "the relay logged nothing");
        for word in [
            THERAPIST,
            CLIENT,
            SITUATION,
            BEHAVIOR,
            RESOURCE,
            BACKUP_PLAN,
            "Farquharson",
            "zither",
            "quillwort",
        ] {
            let hex = hex_of(word.as_bytes());
            for (what, bytes) in [("waiting", &waiting), ("after", &after), ("log", &log)] {
                assert!(
                    !contains(bytes, word.as_bytes()) && !contains(bytes, hex.as_bytes()),
                    "the relay's {what} bytes ({}) hold a scenario string",
                    storage.name()
                );
            }
        }
    });
}

#[test]
fn a_mailbox_is_read_and_emptied_by_its_own_device_only() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay::start(storage, &[]);
        let (therapist, client) = paired(&relay, dir.path());
        report(&client, &at(30.0), None);
        assert_eq!(pass(&client, &["--now", &at(30.0)])["sent"], 1);

        let theirs = mailbox_of(&therapist);
        let client_key = signing_key(&client);
        let stranger = SigningKey::from_bytes(&[42; 32]);
        for key in [&client_key, &stranger] {
            let fetch = Raw::signed(
                key,
                &relay.url,
                "GET",
                protocol::fetch_path(&theirs, 0, 100),
                Vec::new(),
                now_ms(),
            );
            assert_eq!(fetch.send(&relay), (403, Some("not_your_mailbox".into())));
            let ack = Raw::signed(
                key,
                &relay.url,
                "POST",
                protocol::ack_path(&theirs),
                protocol::batch::encode_ids(&(1..=50).collect::<Vec<u64>>()),
                now_ms(),
            );
            assert_eq!(ack.send(&relay), (403, Some("not_your_mailbox".into())));
        }
        // The client's own mailbox is its to read (empty: the therapist sent nothing).
        let own = Raw::signed(
            &client_key,
            &relay.url,
            "GET",
            protocol::fetch_path(&mailbox_of(&client), 0, 100),
            Vec::new(),
            now_ms(),
        );
        assert_eq!(own.send(&relay), (200, None));
        // The message is still there for its device.
        let received = pass(&therapist, &["--now", &at(30.5)]);
        assert_eq!(received["applied"], 1, "{received}");
        assert_eq!(
            therapist.json(&["status", "--now", &at(30.5)])["permission"],
            "locked_out"
        );
    });
}

#[test]
fn tampered_replayed_oversized_unsigned_and_misaddressed_requests_are_refused() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay::start(storage, &[]);
        let (therapist, client) = paired(&relay, dir.path());
        let key = signing_key(&client);
        let own = mailbox_of(&client);
        let theirs = mailbox_of(&therapist);
        let deposit = protocol::messages_path(&theirs);

        let unsigned = Raw {
            method: "GET",
            path: protocol::fetch_path(&own, 0, 100),
            headers: Vec::new(),
            body: Vec::new(),
        };
        assert_eq!(unsigned.send(&relay), (401, Some("unsigned".into())));

        let mut tampered = Raw::signed(
            &key,
            &relay.url,
            "POST",
            deposit.clone(),
            b"sealed bytes".to_vec(),
            now_ms(),
        );
        tampered.body = b"sealed bytez".to_vec();
        assert_eq!(tampered.send(&relay), (401, Some("bad_signature".into())));

        let elsewhere = Raw::signed(
            &key,
            "http://127.0.0.1:1",
            "GET",
            protocol::fetch_path(&own, 0, 100),
            Vec::new(),
            now_ms(),
        );
        assert_eq!(elsewhere.send(&relay), (401, Some("bad_signature".into())));

        let stale = Raw::signed(
            &key,
            &relay.url,
            "GET",
            protocol::fetch_path(&own, 0, 100),
            Vec::new(),
            now_ms() - 10 * 60 * 1000,
        );
        assert_eq!(stale.send(&relay), (401, Some("stale".into())));

        let fetch = Raw::signed(
            &key,
            &relay.url,
            "GET",
            protocol::fetch_path(&own, 0, 100),
            Vec::new(),
            now_ms(),
        );
        assert_eq!(fetch.send(&relay), (200, None));
        assert_eq!(fetch.send(&relay), (409, Some("replayed".into())));

        let oversized = Raw::signed(
            &key,
            &relay.url,
            "POST",
            deposit,
            vec![7; protocol::MAX_MESSAGE_BYTES + 1],
            now_ms(),
        );
        assert_eq!(oversized.send(&relay), (413, Some("too_large".into())));

        // Through the CLI: a relay reached by another name refuses every request, and
        // the command names the code; one that cannot be reached is worth trying again.
        let port = relay.url.rsplit(':').next().unwrap();
        let other_name = format!("http://localhost:{port}");
        let err = client.fails(1, &["sync", "relay", &other_name]);
        assert!(err.contains("bad_signature"), "{err}");
        let closed = closed_port();
        let err = client.fails(4, &["sync", "relay", "--relay", &closed]);
        assert!(err.contains("cannot be reached"), "{err}");
        assert_eq!(client.json(&["relay"])["relay"], relay.url.as_str());
        let err = client.fails(2, &["sync", "relay", "ftp://example.org"]);
        assert!(err.contains("invalid relay"), "{err}");

        // None of it got in the way: the phones still sync.
        report(&client, &at(30.0), None);
        settle(&client, &therapist, &at(30.5));
        assert_converged(&therapist, &client, &at(30.5), dir.path());
    });
}

#[test]
fn the_relay_is_the_url_else_the_flag_else_the_environment_else_the_phones_own() {
    let storage = Storage::Sqlite(tempfile::tempdir().unwrap());
    let relay = Relay::start(&storage, &[]);
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::init(dir.path(), "therapist", "therapist");
    let closed = closed_port();
    let code = |out: std::process::Output| out.status.code();

    let err = phone.fails(2, &["sync", "relay"]);
    assert!(
        err.contains("no relay") && err.contains("COACHLINE_RELAY"),
        "{err}"
    );
    // The environment is used, never recorded.
    let env = [("COACHLINE_RELAY", closed.as_str())];
    assert_eq!(code(phone.run_with(&["sync", "relay"], &env)), Some(4));
    assert_eq!(phone.json(&["relay"])["relay"], Value::Null);
    // A URL on the command line wins over it, and is recorded once a pass succeeds.
    let out = phone.run_with(&["sync", "relay", &relay.url], &env);
    assert_eq!(code(out), Some(0));
    assert_eq!(phone.json(&["relay"])["relay"], relay.url.as_str());
    // The environment wins over the phone's relay; --relay over the environment.
    assert_eq!(code(phone.run_with(&["sync", "relay"], &env)), Some(4));
    let flag = ["sync", "relay", "--relay", relay.url.as_str()];
    assert_eq!(code(phone.run_with(&flag, &env)), Some(0));
    // A URL that failed is not recorded.
    phone.fails(4, &["sync", "relay", &closed]);
    assert_eq!(phone.json(&["relay"])["relay"], relay.url.as_str());
    phone.fails(2, &["sync", "relay", &closed, "--relay", &closed]);

    // `relay set` and `relay clear`, and what the invitations say.
    phone.ok(&["agreement", "new", "--client", "Sam"]);
    let line = |p: &Phone| {
        p.json(&["invite"])["invitation"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(line(&phone).starts_with("COACHLINE2:"));
    let err = phone.fails(2, &["relay", "set", "relay.example.org"]);
    assert!(err.contains("invalid relay"), "{err}");
    assert_eq!(
        phone.json(&["relay", "set", "HTTPS://Relay.Example.org/"])["relay"],
        "https://relay.example.org"
    );
    assert_eq!(phone.ok(&["relay"]).trim(), "https://relay.example.org");
    assert_eq!(phone.json(&["relay", "clear"])["relay"], Value::Null);
    assert!(line(&phone).starts_with("COACHLINE1:"));
}

/// A loopback URL nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------------------------
// Faults.

/// xorshift64*: reproducible delays from one seed.
struct Rng(u64);

impl Rng {
    fn seeded(test: &str) -> Self {
        let seed = std::env::var("COACHLINE_FAULT_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            | 1;
        eprintln!("{test}: COACHLINE_FAULT_SEED={seed}");
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A duration picked uniformly below `limit`.
    fn within(&mut self, limit: Duration) -> Duration {
        let micros = u64::try_from(limit.as_micros()).unwrap_or(u64::MAX).max(1);
        Duration::from_micros((self.next() >> 11) % micros)
    }
}

/// A pass that may meet a relay being killed: it succeeds, or fails as worth trying
/// again (exit 4), never otherwise.
fn pass_or_retry_later(phone: &Phone, now: &str) -> bool {
    let out = phone.run(&["sync", "relay", "--json", "--now", now]);
    match out.status.code() {
        Some(0) => true,
        Some(4) => false,
        code => panic!(
            "a pass failed with {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// What the client writes in one step of a fault test, recorded in `made`.
fn client_edits(client: &Phone, step: u32, made: &mut HashSet<String>) {
    let now = at(24.0 + f64::from(step) * 0.25);
    let (id, ahead) = call(client, &now, SITUATION);
    made.insert(id.clone());
    if ahead {
        client.ok(&["call", "end", &id, "--urge-after", "2", "--now", &now]);
    }
    if step % 3 == 0 {
        made.insert(report(client, &now, Some(BEHAVIOR)));
    }
}

/// What the therapist writes in one step: a term edit that crosses the client's.
fn therapist_edit(therapist: &Phone, step: u32) {
    let now = at(24.0 + f64::from(step) * 0.25);
    let plan = format!("{BACKUP_PLAN} ({step})");
    therapist.ok(&["agreement", "set", "backup-plan", &plan, "--now", &now]);
}

fn edits(client: &Phone, therapist: &Phone, step: u32, made: &mut HashSet<String>) {
    client_edits(client, step, made);
    therapist_edit(therapist, step);
}

fn no_lockouts(therapist: &Phone, client: &Phone) {
    therapist.ok(&["agreement", "set", "lockout-hours", "0"]);
    settle(therapist, client, T0);
}

#[test]
fn a_relay_killed_mid_load_and_restarted_loses_and_repeats_nothing() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        // No rate limit: the two phones pass as fast as they can.
        let mut relay = Relay::start(storage, &["--rate", "0"]);
        let (therapist, client) = paired(&relay, dir.path());
        no_lockouts(&therapist, &client);
        let mut rng = Rng::seeded("relay killed");
        let started = Instant::now();
        let stop = AtomicBool::new(false);
        // Each phone edits and passes in a loop, on its own store, while the relay
        // is killed and restarted under them at random moments.
        let (made, passes, failed) = std::thread::scope(|s| {
            let client = s.spawn(|| {
                let (mut made, mut passes, mut failed) = (HashSet::new(), 0, 0);
                let mut step = 0;
                while !stop.load(Ordering::Relaxed) {
                    client_edits(&client, step, &mut made);
                    passes += 1;
                    failed += u32::from(!pass_or_retry_later(
                        &client,
                        &at(24.0 + f64::from(step) * 0.25),
                    ));
                    step += 1;
                }
                (made, passes, failed)
            });
            let therapist = s.spawn(|| {
                let (mut passes, mut failed) = (0, 0);
                let mut step = 0;
                while !stop.load(Ordering::Relaxed) {
                    therapist_edit(&therapist, step);
                    passes += 1;
                    failed += u32::from(!pass_or_retry_later(
                        &therapist,
                        &at(24.0 + f64::from(step) * 0.25),
                    ));
                    step += 1;
                }
                (passes, failed)
            });
            for _ in 0..10 {
                std::thread::sleep(rng.within(Duration::from_millis(400)));
                relay.kill();
                std::thread::sleep(rng.within(Duration::from_millis(100)));
                relay.restart();
            }
            std::thread::sleep(Duration::from_millis(200));
            stop.store(true, Ordering::Relaxed);
            let (made, client_passes, client_failed) = client.join().unwrap();
            let (therapist_passes, therapist_failed) = therapist.join().unwrap();
            (
                made,
                client_passes + therapist_passes,
                client_failed + therapist_failed,
            )
        });
        eprintln!(
            "{}: 10 kills in {:.1} s; {failed} of {passes} passes met a dead relay",
            storage.name(),
            started.elapsed().as_secs_f64()
        );
        assert!(failed > 0, "no pass met a dead relay");
        let end = at(30.0);
        settle(&client, &therapist, &end);
        assert_converged(&therapist, &client, &end, dir.path());
        assert_eq!(logged(&client), made);
        assert_eq!(logged(&therapist), made);
    });
}

#[test]
fn a_phone_killed_mid_pass_loses_and_repeats_nothing() {
    on_each_storage(|storage| {
        let dir = tempfile::tempdir().unwrap();
        let relay = Relay::start(storage, &["--rate", "0"]);
        let (therapist, client) = paired(&relay, dir.path());
        no_lockouts(&therapist, &client);
        let mut rng = Rng::seeded("phone killed");
        let mut made = HashSet::new();
        let started = Instant::now();
        let mut killed_while_running = 0;
        // How long a pass takes here, to aim the kills within one.
        let mut typical = Duration::from_millis(50);
        for step in 0..12u32 {
            // Several messages wait for the phone about to be killed, and it has its
            // own to send.
            let (victim, other) = if step % 2 == 0 {
                (&client, &therapist)
            } else {
                (&therapist, &client)
            };
            for k in 0..3 {
                edits(&client, &therapist, step * 4 + k, &mut made);
                let started = Instant::now();
                pass(other, &["--now", &at(24.0 + f64::from(step))]);
                typical = (typical * 3 + started.elapsed()) / 4;
            }
            edits(&client, &therapist, step * 4 + 3, &mut made);
            let mut child = Command::new(env!("CARGO_BIN_EXE_coachline"))
                .args(["sync", "relay", "--json", "--store"])
                .arg(&victim.store)
                .args(["--now", &at(24.0 + f64::from(step))])
                .env_remove("COACHLINE_STORE")
                .env_remove("COACHLINE_KEY")
                .env_remove("COACHLINE_RELAY")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(rng.within(typical * 6 / 5));
            if child.try_wait().unwrap().is_none() {
                killed_while_running += 1;
            }
            child.kill().unwrap();
            child.wait().unwrap();
        }
        eprintln!(
            "{}: 12 phone kills ({killed_while_running} before the pass ended; a pass takes {} ms) in {:.1} s",
            storage.name(),
            typical.as_millis(),
            started.elapsed().as_secs_f64()
        );
        let end = at(40.0);
        settle(&client, &therapist, &end);
        assert_converged(&therapist, &client, &end, dir.path());
        assert_eq!(logged(&client), made);
        assert_eq!(logged(&therapist), made);
    });
}

#[test]
fn the_demo_syncs_through_a_relay_it_starts_and_stops() {
    // The demo looks for the relay beside itself, where `relay_binary` builds it.
    let binary = relay_binary();
    let beside = Path::new(env!("CARGO_BIN_EXE_coachline"))
        .parent()
        .unwrap()
        .join(binary.file_name().unwrap());
    if beside != binary {
        eprintln!("skipped: COACHLINE_RELAY_BIN is not beside the coachline binary");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_coachline"))
        .args(["demo", "--dir"])
        .arg(dir.path())
        .env_remove("COACHLINE_STORE")
        .env_remove("COACHLINE_KEY")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("a coachline-relay listening on http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("received 1 (applied 1)"), "{text}");
    assert!(text.contains("locked_out"), "{text}");
    assert!(text.contains("no file is carried"), "{text}");
    assert!(text.contains("the relay was stopped"), "{text}");
    assert!(text.contains("same document heads: true"), "{text}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
