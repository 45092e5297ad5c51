//! Coachline's page cipher (core/src/store/page_cipher.rs) against SQLCipher on
//! OpenSSL: Debian's `sqlcipher` command-line tool, which `scripts/install-tools`
//! installs. A database written here opens there and the other way round, with a raw
//! key and with a passphrase, so the page cipher, the per-page HMAC and the key
//! derivation all agree byte for byte with the reference provider.
//!
//! Debian 12's tool is SQLCipher 3.4, whose only HMAC and key derivation are SHA-1:
//! these tests write SQLCipher 3's format (`PRAGMA cipher_compatibility = 3`). The
//! SHA-256 and SHA-512 paths Coachline's own stores use (SQLCipher 4's format) run
//! the same provider code with the other hash; their known answers are in
//! page_cipher_tests.rs.
//!
//! Without the tool these tests fail, not skip: CI installs it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use coachline_core::store::StoreKey;
use rusqlite::Connection;

/// The number of rows, each a 300-byte text, so the data spans many 1 KiB pages.
const ROWS: i64 = 200;

/// Runs `sql` through the `sqlcipher` tool on `db`; its standard output, or its
/// standard error as the error.
fn sqlcipher_cli(db: &Path, sql: &str) -> Result<String, String> {
    let mut child = Command::new("sqlcipher")
        .arg("-batch")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the `sqlcipher` command-line tool runs (scripts/install-tools installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() && stderr.trim().is_empty() {
        Ok(stdout)
    } else {
        Err(format!("{stderr}{stdout}"))
    }
}

fn raw_key(key: &StoreKey) -> String {
    format!("\"x'{}'\"", key.to_hex().as_str())
}

/// What both sides read back: the count, the total length and one row's text.
const SUMMARY: &str = "SELECT count(*) || '|' || sum(length(body)) || '|' || \
     (SELECT body FROM t WHERE id = 7) FROM t;";

fn expected_summary() -> String {
    format!("{ROWS}|{}|{}", ROWS * 300, row_body(7))
}

fn row_body(id: i64) -> String {
    format!("{id:03}-").repeat(75)
}

/// Fills `t` with the rows, in SQL both the tool's SQLite (3.15) and ours run.
fn fill_sql() -> String {
    "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n\
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
     INSERT INTO t SELECT i, replace(hex(zeroblob(75)), '00', substr('00' || i, -3) || '-') \
     FROM n;\n"
        .to_owned()
}

fn assert_encrypted(db: &Path) {
    let head = std::fs::read(db).unwrap();
    assert!(head.len() > 4096, "{} holds the rows", db.display());
    assert_ne!(&head[..16], b"SQLite format 3\0", "the file is encrypted");
}

/// Opens `db` here with `key_pragma` in SQLCipher 3's format.
fn open_here_v3(db: &Path, key_pragma: &str) -> Connection {
    let conn = Connection::open(db).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = {key_pragma}; PRAGMA cipher_compatibility = 3;"
    ))
    .unwrap();
    conn
}

fn summary_here(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row(SUMMARY, [], |r| r.get(0))
}

#[test]
fn the_fill_makes_the_rows_the_tests_expect() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(&fill_sql()).unwrap();
    assert_eq!(summary_here(&conn).unwrap(), expected_summary());
}

#[test]
fn a_database_written_here_with_a_raw_key_opens_in_sqlcipher_on_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("here.db");
    let key = StoreKey::generate();
    let conn = open_here_v3(&db, &raw_key(&key));
    conn.execute_batch(&fill_sql()).unwrap();
    drop(conn);
    assert_encrypted(&db);

    let out = sqlcipher_cli(
        &db,
        &format!("PRAGMA key = {};\n{SUMMARY}\n", raw_key(&key)),
    )
    .unwrap();
    assert_eq!(out.trim(), expected_summary());

    // The tool does tell a wrong key: the check above can fail.
    let wrong = StoreKey::generate();
    let err = sqlcipher_cli(
        &db,
        &format!("PRAGMA key = {};\n{SUMMARY}\n", raw_key(&wrong)),
    )
    .unwrap_err();
    assert!(err.contains("not a database"), "{err}");
}

#[test]
fn a_database_written_by_sqlcipher_on_openssl_with_a_raw_key_opens_here() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("there.db");
    let key = StoreKey::generate();
    sqlcipher_cli(
        &db,
        &format!("PRAGMA key = {};\n{}", raw_key(&key), fill_sql()),
    )
    .unwrap();
    assert_encrypted(&db);

    let conn = open_here_v3(&db, &raw_key(&key));
    assert_eq!(summary_here(&conn).unwrap(), expected_summary());
    // And it stays readable there after a write here.
    conn.execute("DELETE FROM t WHERE id > 100", []).unwrap();
    drop(conn);
    let out = sqlcipher_cli(
        &db,
        &format!("PRAGMA key = {};\nSELECT count(*) FROM t;\n", raw_key(&key)),
    )
    .unwrap();
    assert_eq!(out.trim(), "100");

    // Read in SQLCipher 4's format (HMAC-SHA512), the same key does not open it.
    let conn = Connection::open(&db).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", key.to_hex().as_str()))
        .unwrap();
    conn.pragma_update(None, "cipher_log_level", "NONE")
        .unwrap();
    assert!(summary_here(&conn).is_err());
}

/// A passphrase runs the key derivation too: PBKDF2-HMAC-SHA1, 64,000 iterations.
#[test]
fn a_passphrase_derives_the_same_key_here_and_in_sqlcipher_on_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let there = dir.path().join("there.db");
    sqlcipher_cli(
        &there,
        &format!("PRAGMA key = 'a passphrase';\n{}", fill_sql()),
    )
    .unwrap();
    assert_encrypted(&there);
    let conn = open_here_v3(&there, "'a passphrase'");
    assert_eq!(summary_here(&conn).unwrap(), expected_summary());
    drop(conn);

    let here = dir.path().join("here.db");
    let conn = open_here_v3(&here, "'a passphrase'");
    conn.execute_batch(&fill_sql()).unwrap();
    drop(conn);
    assert_encrypted(&here);
    let out = sqlcipher_cli(&here, &format!("PRAGMA key = 'a passphrase';\n{SUMMARY}\n")).unwrap();
    assert_eq!(out.trim(), expected_summary());
}
