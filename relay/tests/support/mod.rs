//! What the relay's tests share: a fresh PostgreSQL schema per test, signing devices,
//! a relay process on loopback and a minimal HTTP client.
//!
//! PostgreSQL tests run against the server named by `COACHLINE_TEST_POSTGRES`
//! (`scripts/start-postgres` starts one and prints its URL). When it is unset they
//! pass after saying they were skipped, unless `COACHLINE_REQUIRE_POSTGRES=1`
//! (`scripts/test` sets it), when they fail.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use coachline_relay_protocol::auth::Signed;
use coachline_relay_protocol::{Audience, Auth, ErrorBody, ErrorCode, Mailbox};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;

/// The PostgreSQL server's URL, or `None` (after saying so) when the tests are to be
/// skipped.
pub fn postgres_base_url() -> Option<String> {
    match std::env::var("COACHLINE_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ if std::env::var("COACHLINE_REQUIRE_POSTGRES").as_deref() == Ok("1") => panic!(
            "COACHLINE_REQUIRE_POSTGRES=1 but COACHLINE_TEST_POSTGRES is unset: \
             run scripts/start-postgres and export the URL it prints"
        ),
        _ => {
            static SAID: AtomicBool = AtomicBool::new(false);
            if !SAID.swap(true, Ordering::Relaxed) {
                // Straight to stderr: the test harness hides what passing tests print.
                let _ = std::io::stderr().write_all(
                    b"skipped: the PostgreSQL tests (set COACHLINE_TEST_POSTGRES, \
                      e.g. to what scripts/start-postgres prints)\n",
                );
            }
            None
        }
    }
}

/// A schema of its own for one test, so that tests run in parallel; the relay's
/// tables go in it through the URL's `search_path`.
pub struct TestSchema {
    base: String,
    pub name: String,
    /// The URL to give the relay: the server's, with this schema first in its path.
    pub url: String,
}

impl TestSchema {
    pub async fn create() -> Option<Self> {
        let base = postgres_base_url()?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "relay_test_{}_{}_{}",
            std::process::id(),
            nanos,
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin(&base)
            .await
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .expect("creating a test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
        Some(Self { base, name, url })
    }

    /// Every row of every table in the schema, as PostgreSQL writes rows as text
    /// (`bytea` in hex).
    pub async fn dump(&self) -> String {
        let client = admin(&self.base).await;
        let tables = client
            .query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1",
                &[&self.name],
            )
            .await
            .unwrap();
        assert!(!tables.is_empty(), "the relay made no tables");
        let mut out = String::new();
        for table in tables {
            let table: String = table.get(0);
            let rows = client
                .query(&format!("SELECT t::text FROM {}.{table} t", self.name), &[])
                .await
                .unwrap();
            for row in rows {
                out.push_str(&format!("{table}: {}\n", row.get::<_, String>(0)));
            }
        }
        out
    }

    /// Runs `sql` in the schema, behind the relay's back. A deadlock with what the
    /// relay has in flight (its sweep, a request) is retried: PostgreSQL aborts one
    /// side, and it may be ours.
    pub async fn execute(&self, sql: &str) {
        let client = admin(&self.base).await;
        let sql = format!("SET search_path TO {}; {sql}", self.name);
        for _ in 0..10 {
            match client.batch_execute(&sql).await {
                Ok(()) => return,
                Err(e)
                    if e.code()
                        == Some(&tokio_postgres::error::SqlState::T_R_DEADLOCK_DETECTED) =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("{e}"),
            }
        }
        panic!("still deadlocked after 10 tries");
    }

    pub async fn drop_schema(self) {
        admin(&self.base)
            .await
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name))
            .await
            .expect("dropping a test schema");
    }
}

async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connecting to COACHLINE_TEST_POSTGRES");
    tokio::spawn(connection);
    client
}

/// A device: an Ed25519 identity key, whose mailbox is named by it.
pub struct Device {
    pub key: SigningKey,
}

impl Device {
    pub fn new() -> Self {
        let mut seed = [0; 32];
        getrandom::fill(&mut seed).unwrap();
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    pub fn mailbox(&self) -> Mailbox {
        Mailbox::of_key(&self.key.verifying_key().to_bytes())
    }

    /// The signature headers for a request signed at `time_ms` for `audience`.
    pub fn sign(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        audience: &Audience,
        time_ms: i64,
    ) -> Vec<(String, String)> {
        let mut nonce = [0; 16];
        getrandom::fill(&mut nonce).unwrap();
        let request = Signed {
            method,
            path,
            body,
            audience,
        };
        Auth::sign(&self.key, &request, time_ms, nonce)
            .headers()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect()
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Bytes that look like a sealed message: `plaintext` under a keystream (SHA-256 of
/// a random key and a counter). Enough to check that the relay stores only what it
/// was given.
pub fn toy_seal(plaintext: &[u8]) -> Vec<u8> {
    let mut key = [0; 32];
    getrandom::fill(&mut key).unwrap();
    let mut out = Vec::with_capacity(plaintext.len() + 32);
    out.extend_from_slice(&key[..16]); // a "header", so that sealed bytes differ in size
    for (i, chunk) in plaintext.chunks(32).enumerate() {
        let pad = Sha256::new()
            .chain_update(key)
            .chain_update((i as u64).to_be_bytes())
            .finalize();
        out.extend(chunk.iter().zip(pad).map(|(p, k)| p ^ k));
    }
    out
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The refusal's code, checking that the body is the protocol's `ErrorBody`.
    pub fn error(&self) -> ErrorCode {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let body: ErrorBody = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not an ErrorBody ({e}): {self:?}"));
        body.error
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

/// One HTTP/1.1 request on a fresh connection, written byte for byte as given (so a
/// test can send any path), answered with `Connection: close`.
pub fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(address).expect("connecting to the relay");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    // The relay may answer (and stop reading) before the whole body is sent.
    let _ = stream.write_all(&request);
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reading the answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    assert!(
        !headers.iter().any(|(n, _)| n == "transfer-encoding"),
        "this client reads only bodies of a known length"
    );
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Where a relay process keeps its mailboxes.
pub enum Store {
    Sqlite(tempfile::TempDir),
    Postgres {
        schema: Option<TestSchema>,
        runtime: tokio::runtime::Runtime,
    },
}

impl Store {
    pub fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().unwrap())
    }

    /// `None` when the PostgreSQL tests are skipped.
    pub fn postgres() -> Option<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let schema = runtime.block_on(TestSchema::create())?;
        Some(Self::Postgres {
            schema: Some(schema),
            runtime,
        })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    fn args(&self) -> Vec<String> {
        match self {
            Self::Sqlite(dir) => vec!["--data".into(), dir.path().display().to_string()],
            Self::Postgres { schema, .. } => {
                vec!["--postgres".into(), schema.as_ref().unwrap().url.clone()]
            }
        }
    }

    /// Everything the relay keeps: the SQLite file and its write-ahead log as bytes,
    /// or every row of the PostgreSQL tables as text.
    pub fn contents(&self) -> Vec<u8> {
        match self {
            Self::Sqlite(dir) => {
                let mut bytes = Vec::new();
                for entry in std::fs::read_dir(dir.path()).unwrap() {
                    bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
                }
                bytes
            }
            Self::Postgres { schema, runtime } => runtime
                .block_on(schema.as_ref().unwrap().dump())
                .into_bytes(),
        }
    }

    /// Runs `sql` in the PostgreSQL schema, behind the relay's back.
    pub fn execute(&self, sql: &str) {
        match self {
            Self::Sqlite(_) => panic!("not a PostgreSQL store"),
            Self::Postgres { schema, runtime } => {
                runtime.block_on(schema.as_ref().unwrap().execute(sql))
            }
        }
    }

    /// The SQLite data directory.
    pub fn dir(&self) -> Option<PathBuf> {
        match self {
            Self::Sqlite(dir) => Some(dir.path().to_owned()),
            Self::Postgres { .. } => None,
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Self::Postgres { schema, runtime } = self {
            if let Some(schema) = schema.take() {
                if !std::thread::panicking() {
                    runtime.block_on(schema.drop_schema());
                }
            }
        }
    }
}

/// A `coachline-relay` process listening on a free loopback port.
pub struct Relay {
    child: Child,
    pub address: SocketAddr,
    pub audience: Audience,
    logs: Arc<Mutex<String>>,
    log_reader: Option<JoinHandle<()>>,
    /// Kept open: the relay's stdout is read only for its first line.
    _stdout: BufReader<ChildStdout>,
}

impl Relay {
    /// Starts the relay over `store` with `extra` arguments, and waits for its
    /// `listening on` line.
    pub fn start(store: &Store, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coachline-relay"))
            .args(["--listen", "127.0.0.1:0"])
            .args(store.args())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting coachline-relay");
        let logs = Arc::new(Mutex::new(String::new()));
        let log_reader = std::thread::spawn({
            let logs = Arc::clone(&logs);
            let stderr = child.stderr.take().unwrap();
            move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let mut logs = logs.lock().unwrap();
                    logs.push_str(&line);
                    logs.push('\n');
                }
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let Some(url) = first.trim_end().strip_prefix("listening on ") else {
            let _ = child.wait();
            panic!(
                "the relay did not start: {first:?}\n{}",
                logs.lock().unwrap()
            );
        };
        let address = url.strip_prefix("http://").unwrap().parse().unwrap();
        Self {
            child,
            address,
            audience: Audience::of_url(url).unwrap(),
            logs,
            log_reader: Some(log_reader),
            _stdout: stdout,
        }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Response {
        http(self.address, method, path, headers, body)
    }

    /// A request signed now by `device` for this relay.
    pub fn signed(&self, device: &Device, method: &str, path: &str, body: &[u8]) -> Response {
        let headers = device.sign(method, path, body, &self.audience, now_ms());
        self.request(method, path, &headers, body)
    }

    /// Stops the relay with SIGTERM, checks that it exits successfully, and answers
    /// its whole log.
    pub fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "the relay exited with {exit}");
        self.log_reader.take().unwrap().join().unwrap();
        let logs = self.logs.lock().unwrap().clone();
        logs
    }

    /// Kills the relay with SIGKILL, as a crash would.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
