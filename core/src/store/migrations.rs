//! Opening the SQLite file: refusing what is not ours, pragmas, schema migrations.
//!
//! Modelled on application-services' `open_database`: the schema version lives in
//! `PRAGMA user_version`, every migration runs in one IMMEDIATE transaction (so two
//! processes never migrate at once and a crash leaves the old version intact), and
//! `PRAGMA application_id` marks the file as a Coachline store. A file that is not a
//! SQLite database, a database that belongs to something else, or a store from a newer
//! Coachline is refused before anything is written to it.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::at_rest::{self, StoreKey};
use crate::error::{Error, Result};

/// `PRAGMA application_id` of a Coachline store: "Coac" in ASCII.
pub const APPLICATION_ID: i32 = 0x436F_6163;
/// The schema this build creates and understands.
pub const SCHEMA_VERSION: i32 = 2;

/// Version 2: signatures carry the canonical terms they sign, so the terms a version
/// put in force can be read back. A signature stored without them no longer verifies
/// (the signed message changed too: it now covers the signer's name), exactly as a
/// rebuild of the projection would judge it. Pairing records name the parties' keys.
/// Peers remember when the two last exchanged a message (the sync keep-alive).
const SCHEMA_V2: &str = "
ALTER TABLE signatures ADD COLUMN signed_terms TEXT;
UPDATE signatures SET verifies = 0;
ALTER TABLE peers ADD COLUMN contact_at INTEGER;
CREATE TABLE pairings (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    role TEXT NOT NULL, key BLOB NOT NULL, paired_at INTEGER NOT NULL,
    invitation BLOB NOT NULL, sync_key BLOB NOT NULL, proof BLOB NOT NULL,
    by_key BLOB NOT NULL, signature BLOB NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
";

const SCHEMA_V1: &str = "
CREATE TABLE identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    secret_key BLOB NOT NULL,
    sync_secret_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
-- One row per agreement. `ag` is a small local key so projection rows stay small;
-- `heads` are the document heads the projection reflects.
CREATE TABLE agreements (
    ag INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    therapist_key BLOB NOT NULL,
    terms TEXT NOT NULL,
    heads BLOB NOT NULL
);
-- The Automerge document: one snapshot and the incremental chunks saved after it,
-- loaded in `seq` order.
CREATE TABLE chunks (
    seq INTEGER PRIMARY KEY,
    ag INTEGER NOT NULL REFERENCES agreements(ag),
    snapshot INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX chunks_by_agreement ON chunks(ag, seq);
-- The projection: one table per collection of the document.
CREATE TABLE term_edits (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    term TEXT NOT NULL, by TEXT NOT NULL, name TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
CREATE TABLE resources (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    name TEXT NOT NULL, contact TEXT NOT NULL, added_at INTEGER NOT NULL, removed INTEGER NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
CREATE TABLE behaviors (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    label TEXT NOT NULL, lockout INTEGER NOT NULL, removed INTEGER NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
CREATE TABLE holidays (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    first_day TEXT NOT NULL, last_day TEXT NOT NULL, note TEXT, removed INTEGER NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
CREATE TABLE signatures (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    role TEXT NOT NULL, name TEXT NOT NULL, signed_at INTEGER NOT NULL,
        public_key BLOB NOT NULL, terms_hash BLOB NOT NULL, signature BLOB NOT NULL,
    verifies INTEGER NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
-- Calls and reports are keyed by time first: the log, the rules and the summary read
-- them by time, and a separate time index would cost as much space again as their ids.
-- Small codes instead of words keep rows short: role 0 client, 1 therapist; reason
-- 0 coaching, 1 clarification, 2 repair, 3 news; outcome 0 completed, 1 missed,
-- 2 declined.
CREATE TABLE calls (
    ag INTEGER NOT NULL, started_at INTEGER NOT NULL, id TEXT NOT NULL,
    reason INTEGER NOT NULL, started_by INTEGER NOT NULL,
    ended_at INTEGER, situation TEXT, tried TEXT, urge_before INTEGER,
    suggested TEXT, urge_after INTEGER, outcome INTEGER, returns TEXT, shown_resources TEXT,
    PRIMARY KEY (ag, started_at, id)
) WITHOUT ROWID;
CREATE TABLE reports (
    ag INTEGER NOT NULL, occurred_at INTEGER NOT NULL, id TEXT NOT NULL,
    behavior TEXT, reported_at INTEGER NOT NULL, reported_by INTEGER NOT NULL,
    retracted_at INTEGER,
    PRIMARY KEY (ag, occurred_at, id)
) WITHOUT ROWID;
CREATE TABLE sessions (
    ag INTEGER NOT NULL, id TEXT NOT NULL,
    at INTEGER NOT NULL, recorded_by TEXT NOT NULL,
    PRIMARY KEY (ag, id)
) WITHOUT ROWID;
-- Sync (see core::sync). Each agreement has at most one paired peer on a device: the
-- client's phone on the therapist's, the therapist's on the client's. Keyed by the
-- agreement id, not `ag`: a client joins before the document arrives. `join_secret`
-- is the invitation secret a client proves it holds until the therapist's first
-- message shows the pairing was accepted. Counters are the last sent to and accepted
-- from the peer. The rest is the sync session: `sync_state` is Automerge's encoded
-- sync state (the shared heads), `their_heads`/`their_need` what the peer last said
-- (NULL: it has not spoken yet), `sent_heads` our heads when we last sent (NULL: never),
-- `awaiting_since` when we last sent without having heard back since. Heads are
-- concatenated 32-byte hashes.
CREATE TABLE peers (
    agreement TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    identity_key BLOB NOT NULL,
    sync_key BLOB NOT NULL,
    paired_at INTEGER NOT NULL,
    join_secret BLOB,
    sent_counter INTEGER NOT NULL,
    received_counter INTEGER NOT NULL,
    sync_state BLOB NOT NULL,
    their_heads BLOB,
    their_need BLOB NOT NULL,
    sent_heads BLOB,
    reply_owed INTEGER NOT NULL,
    awaiting_since INTEGER
) WITHOUT ROWID;
-- Invitations a therapist issued, by the id of their secret (the HPKE PSK id).
-- `spent_by` is the identity key of the client that used it; pairing a client spends
-- every other open invitation of the agreement too (`spent_by` NULL).
CREATE TABLE invitations (
    psk_id BLOB PRIMARY KEY,
    agreement TEXT NOT NULL,
    secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    spent_at INTEGER,
    spent_by BLOB
) WITHOUT ROWID;
";

fn not_a_database(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            Error::StoreUnusable("the file is not a Coachline store (not a SQLite database)".into())
        }
        _ => e.into(),
    }
}

/// Opens (creating if absent) the Coachline store at `path` with `key`, and brings
/// its schema up to date. A plaintext store (from before encryption) is encrypted
/// first ([`at_rest::encrypt_in_place`]). A key that does not open the file is
/// [`Error::WrongKey`], and the file is left exactly as it was.
pub fn open(path: &Path, key: &StoreKey) -> Result<Connection> {
    open_observed(path, Some(key), &mut |_| {})
}

/// [`open`], telling `step` each moment an encryption in place passes. Without a
/// key, the store is opened as plain SQLite: for the benchmarks' comparison only.
pub(super) fn open_observed(
    path: &Path,
    key: Option<&StoreKey>,
    step: &mut dyn FnMut(at_rest::Step),
) -> Result<Connection> {
    if let Some(key) = key {
        if at_rest::found(path)? == at_rest::Found::Plaintext {
            at_rest::encrypt_in_place(path, key, step)?;
        }
    }
    super::page_cipher::keep_linked();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    match key {
        Some(key) => {
            at_rest::unlock(&conn, key)?;
            at_rest::check_whole_pages(path)?;
        }
        None => check_intact(path)?,
    }
    check_ownership(&conn)?;
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    if pages == 0 {
        // A new file, before its first page is written: lets compaction hand the
        // pages of deleted chunks back to the file system (`incremental_vacuum`).
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    // WAL: readers never block the writer, and one fsync per commit. synchronous=FULL
    // also syncs the WAL at each commit, so a command that returned is on disk even if
    // the phone loses power right after (NORMAL would only protect against app crashes).
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A second process (the CLI beside an app) waits for a write lock instead of failing.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&conn)?;
    Ok(conn)
}

/// Checks a plaintext store before it is encrypted: whole, and a Coachline store
/// this build understands. Anything else is refused and left untouched.
pub(super) fn check_plaintext(path: &Path, conn: &Connection) -> Result<()> {
    check_intact(path)?;
    check_ownership(conn)
}

/// Refuses a file cut short: shorter than the database its header describes, or not
/// a whole number of pages. A damaged page elsewhere is found when it is read, and
/// SQLite's report of it becomes [`Error::StoreUnusable`] there (see
/// [`crate::error::DAMAGED`]), before anything is written. (A `quick_check` at every
/// open would find it earlier, but it reads every page: its cost grows with the
/// history, 0.4 ms on the five-year store, on a path an app takes at every start.)
fn check_intact(path: &Path) -> Result<()> {
    if truncated(path)? {
        return Err(Error::StoreUnusable(crate::error::DAMAGED.into()));
    }
    Ok(())
}

/// Whether the file is shorter than the database its header describes, or not a
/// whole number of pages. The header's page count is trusted only when SQLite
/// would trust it (its change counter matches the version-valid-for number); pages a
/// crash left in the write-ahead log are not in the file and not in that count.
fn truncated(path: &Path) -> Result<bool> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(false);
    };
    let len = file.metadata()?.len();
    let mut header = [0u8; 100];
    if len == 0 {
        return Ok(false);
    }
    if file.read_exact(&mut header).is_err() {
        return Ok(true);
    }
    let be32 = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    if page_size < 512 || !page_size.is_power_of_two() {
        return Ok(true);
    }
    let pages = u64::from(be32(28));
    let trusted = pages > 0 && be32(24) == be32(92);
    Ok(len % page_size != 0 || (trusted && pages * page_size > len))
}

/// Refuses databases that belong to something else or to a newer Coachline.
fn check_ownership(conn: &Connection) -> Result<()> {
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(not_a_database)?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if tables > 0 && app_id != APPLICATION_ID {
        return Err(Error::StoreUnusable(
            "the file is a SQLite database that is not a Coachline store".into(),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::StoreUnusable(format!(
            "the store has schema version {version}, newer than this app's {SCHEMA_VERSION}: update the app"
        )));
    }
    Ok(())
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    // Take the write lock before reading the version again, so no other process can
    // migrate between our read and our writes.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> Result<()> {
        check_ownership(conn)?;
        let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version < 1 {
            conn.execute_batch(SCHEMA_V1)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        if version < 2 {
            conn.execute_batch(SCHEMA_V2)?;
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            conn.execute_batch("ROLLBACK")?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store as version 1 left it, with one signature made under version 1's rules.
    fn version_1_store(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO signatures VALUES (1, 'a', 'client', 'C', 0, x'00', x'00', x'00', 1)",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_version_1_store_upgrades_and_its_old_signatures_no_longer_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        version_1_store(&path);
        let conn = open(&path, &crate::store::test_key()).unwrap();
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let (verifies, terms): (bool, Option<String>) = conn
            .query_row("SELECT verifies, signed_terms FROM signatures", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((verifies, terms), (false, None));
        drop(conn);
        // Opening again finds nothing left to do.
        open(&path, &crate::store::test_key()).unwrap();
    }
}
