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
pub const SCHEMA_VERSION: i32 = 4;

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

/// Version 3: a smaller file (ADR 0027). The projection keeps entry ids as the 8 bytes
/// their 16 hex characters stand for (one form per id, sorting as the text did), and
/// the seven small collections share one table, `entries`, each under its own `kind`
/// (0 term edits, 1 resources, 2 behaviours, 3 holidays, 4 signatures, 5 sessions,
/// 6 pairings), instead of a page each; which of the columns `a` to `h` holds which
/// field is in the schema below. (Views under the old table names were tried: a
/// statement on a view costs more to prepare, and the views' schema more to parse at
/// every open.) A call keeps its end as its `duration` in milliseconds (3 bytes for a
/// call under two hours, where the time was 6). Every row is carried over.
const SCHEMA_V3: &str = "
-- kind     a           b          c          d           e           f          g         h
-- 0 edit   term        by         name       at
-- 1 res.   name        contact    added_at   removed
-- 2 beh.   label       lockout    removed
-- 3 hol.   first_day   last_day   note       removed
-- 4 sig.   role        name       signed_at  public_key  terms_hash  signature  verifies  signed_terms
-- 5 ses.   at          recorded_by
-- 6 pair.  role        key        paired_at  invitation  sync_key    proof      by_key    signature
CREATE TABLE entries (
    ag INTEGER NOT NULL, kind INTEGER NOT NULL, id BLOB NOT NULL,
    a, b, c, d, e, f, g, h,
    PRIMARY KEY (ag, kind, id)
) WITHOUT ROWID;
INSERT INTO entries (ag, kind, id, a, b, c, d)
    SELECT ag, 0, unhex(id), term, by, name, at FROM term_edits;
INSERT INTO entries (ag, kind, id, a, b, c, d)
    SELECT ag, 1, unhex(id), name, contact, added_at, removed FROM resources;
INSERT INTO entries (ag, kind, id, a, b, c)
    SELECT ag, 2, unhex(id), label, lockout, removed FROM behaviors;
INSERT INTO entries (ag, kind, id, a, b, c, d)
    SELECT ag, 3, unhex(id), first_day, last_day, note, removed FROM holidays;
INSERT INTO entries (ag, kind, id, a, b, c, d, e, f, g, h)
    SELECT ag, 4, unhex(id), role, name, signed_at, public_key, terms_hash, signature,
        verifies, signed_terms FROM signatures;
INSERT INTO entries (ag, kind, id, a, b)
    SELECT ag, 5, unhex(id), at, recorded_by FROM sessions;
INSERT INTO entries (ag, kind, id, a, b, c, d, e, f, g, h)
    SELECT ag, 6, unhex(id), role, key, paired_at, invitation, sync_key, proof, by_key,
        signature FROM pairings;
DROP TABLE term_edits;
DROP TABLE resources;
DROP TABLE behaviors;
DROP TABLE holidays;
DROP TABLE signatures;
DROP TABLE sessions;
DROP TABLE pairings;
CREATE TABLE calls_v3 (
    ag INTEGER NOT NULL, started_at INTEGER NOT NULL, id BLOB NOT NULL,
    reason INTEGER NOT NULL, started_by INTEGER NOT NULL,
    duration INTEGER, situation TEXT, tried TEXT, urge_before INTEGER,
    suggested TEXT, urge_after INTEGER, outcome INTEGER, returns BLOB, shown_resources TEXT,
    PRIMARY KEY (ag, started_at, id)
) WITHOUT ROWID;
INSERT INTO calls_v3
    SELECT ag, started_at, unhex(id), reason, started_by, ended_at - started_at, situation, tried,
        urge_before, suggested, urge_after, outcome, unhex(returns), shown_resources
    FROM calls;
DROP TABLE calls;
ALTER TABLE calls_v3 RENAME TO calls;
CREATE TABLE reports_v3 (
    ag INTEGER NOT NULL, occurred_at INTEGER NOT NULL, id BLOB NOT NULL,
    behavior BLOB, reported_at INTEGER NOT NULL, reported_by INTEGER NOT NULL,
    retracted_at INTEGER,
    PRIMARY KEY (ag, occurred_at, id)
) WITHOUT ROWID;
INSERT INTO reports_v3
    SELECT ag, occurred_at, unhex(id), unhex(behavior), reported_at, reported_by,
        retracted_at
    FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v3 RENAME TO reports;
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

/// Version 4: the relay this phone syncs through (`crate::relay`), named by the
/// invitation it joined with or by its user; its invitations name it in turn.
const SCHEMA_V4: &str = "
ALTER TABLE identity ADD COLUMN relay TEXT;
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
    let conn = connect(path)?;
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

/// A read-write connection to the file at `path`, creating it if absent (an attached
/// database opens with these flags too). Every connection the store opens to write
/// comes from here, so the page cipher is linked wherever the store is.
pub(super) fn connect(path: &Path) -> Result<Connection> {
    super::page_cipher::keep_linked();
    Ok(Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
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
        if version < 3 {
            conn.execute_batch(SCHEMA_V3)?;
            // The pages of the tables version 3 replaced go back to the file system
            // (in a store made with incremental auto-vacuum, as every store is), in
            // the same transaction. Each step of the pragma frees one page.
            let mut vacuum = conn.prepare("PRAGMA incremental_vacuum")?;
            let mut freed = vacuum.query([])?;
            while freed.next()?.is_some() {}
        }
        if version < 4 {
            conn.execute_batch(SCHEMA_V4)?;
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
            "INSERT INTO signatures VALUES \
             (1, '00000000000000aa', 'client', 'C', 0, x'00', x'00', x'00', 1)",
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
            .query_row("SELECT g, h FROM entries WHERE kind = 4", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((verifies, terms), (false, None));
        drop(conn);
        // Opening again finds nothing left to do.
        open(&path, &crate::store::test_key()).unwrap();
    }

    #[test]
    fn a_new_store_keeps_no_pages_of_the_tables_its_migrations_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("new.db"), &crate::store::test_key()).unwrap();
        let free: i64 = conn
            .pragma_query_value(None, "freelist_count", |r| r.get(0))
            .unwrap();
        assert_eq!(free, 0);
    }

    /// A store as version 2 left it: a row in every projection table, ids as text.
    fn version_2_store(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch(SCHEMA_V2).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO term_edits VALUES (1, '0000000000000001', 'backup_plan', 'client', 'Sam', 10);
             INSERT INTO resources VALUES (1, '00000000000000a2', 'Crisis line', '988', 11, 0);
             INSERT INTO resources VALUES (1, 'f0000000000000a3', 'Old line', '555-0100', 12, 1);
             INSERT INTO behaviors VALUES (1, 'ab00000000000004', 'self-harm', 1, 0);
             INSERT INTO holidays VALUES (1, '0000000000000005', '2026-12-24', '2026-12-26', 'away', 0);
             INSERT INTO signatures VALUES
                 (1, '0000000000000006', 'client', 'Sam', 13, x'01', x'02', x'03', 1, '{}');
             INSERT INTO sessions VALUES (1, '0000000000000007', 14, 'therapist');
             INSERT INTO pairings VALUES
                 (1, '0000000000000008', 'client', x'04', 15, x'05', x'06', x'07', x'08', x'09');
             INSERT INTO calls VALUES (1, 16, 'ffffffffffffff09', 0, 0, 17, 'a hard evening',
                 'TIPP' || char(10) || 'STOP', 3, 'self-soothe', 1, 0, NULL, NULL);
             INSERT INTO calls VALUES (1, 16, '000000000000000a', 1, 1, NULL, NULL, NULL, NULL,
                 NULL, NULL, 2, 'ffffffffffffff09', 'Crisis line — 988');
             INSERT INTO reports VALUES (1, 19, '000000000000000b', 'ab00000000000004', 20, 0, 21);
             INSERT INTO peers (agreement, role, identity_key, sync_key, paired_at, sent_counter,
                 received_counter, sync_state, their_need, reply_owed)
                 VALUES ('p', 'client', x'0a', x'0b', 22, 3, 4, x'', x'', 0);",
        )
        .unwrap();
    }

    #[test]
    fn a_version_2_store_upgrades_with_every_row_kept() {
        use super::super::projection;
        use crate::model::EntryId;
        use crate::time::Timestamp;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        version_2_store(&path);
        let conn = open(&path, &crate::store::test_key()).unwrap();
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let id = |text: &str| EntryId::parse("id", text).unwrap();
        let t = Timestamp::from_millis;

        let edit: (String, String, String, String, i64) = conn
            .query_row(
                "SELECT lower(hex(id)), a, b, c, d FROM entries WHERE kind = 0",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            edit,
            (
                "0000000000000001".into(),
                "backup_plan".into(),
                "client".into(),
                "Sam".into(),
                10
            )
        );
        let resources = projection::resources(&conn, 1).unwrap();
        assert_eq!(
            resources.len(),
            1,
            "the removed one is kept but not in force"
        );
        let r = &resources[0];
        assert_eq!(
            (&r.id, r.name.as_str(), r.contact.as_str(), r.added_at),
            (&id("00000000000000a2"), "Crisis line", "988", t(11))
        );
        let removed: (String, String, i64, bool) = conn
            .query_row(
                "SELECT a, b, c, d FROM entries WHERE kind = 1 AND d",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(removed, ("Old line".into(), "555-0100".into(), 12, true));
        let behaviors = projection::behaviors(&conn, 1).unwrap();
        assert_eq!(behaviors.len(), 1);
        let b = &behaviors[0];
        assert_eq!(
            (&b.id, b.label.as_str(), b.triggers_lockout, b.removed),
            (&id("ab00000000000004"), "self-harm", true, false)
        );
        let holidays = projection::holidays(&conn, 1).unwrap();
        assert_eq!(holidays.len(), 1);
        let h = &holidays[0];
        assert_eq!(
            (
                &h.id,
                h.from.to_string(),
                h.to.to_string(),
                h.note.as_deref()
            ),
            (
                &id("0000000000000005"),
                "2026-12-24".into(),
                "2026-12-26".into(),
                Some("away")
            )
        );
        let signatures = projection::signatures(&conn, 1).unwrap();
        assert_eq!(signatures.len(), 1);
        let s = &signatures[0];
        assert!(s.verifies);
        assert_eq!(s.signature.id, id("0000000000000006"));
        assert_eq!(
            (s.signature.name.as_str(), s.signature.signed_at),
            ("Sam", t(13))
        );
        assert_eq!(
            (
                &s.signature.public_key,
                &s.signature.terms_hash,
                &s.signature.signature
            ),
            (&vec![1], &vec![2], &vec![3])
        );
        assert_eq!(s.signature.signed_terms.as_deref(), Some("{}"));
        let sessions = projection::sessions(&conn, 1).unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(
            (
                &sessions[0].id,
                sessions[0].at,
                sessions[0].recorded_by.as_str()
            ),
            (&id("0000000000000007"), t(14), "therapist")
        );
        let pairings = projection::pairings(&conn, 1).unwrap();
        assert_eq!(pairings.len(), 1);
        let p = &pairings[0];
        assert_eq!(
            (&p.id, p.role.as_str(), p.paired_at),
            (&id("0000000000000008"), "client", t(15))
        );
        assert_eq!(
            [
                &p.key,
                &p.invitation,
                &p.sync_key,
                &p.proof,
                &p.by_key,
                &p.signature
            ],
            [&vec![4], &vec![5], &vec![6], &vec![7], &vec![8], &vec![9]]
        );
        let calls = projection::calls_since(&conn, 1, t(0)).unwrap();
        assert_eq!(calls.len(), 2);
        // Two calls at one time keep the order of their ids' text.
        assert_eq!(
            (calls[0].id.as_str(), calls[1].id.as_str()),
            ("000000000000000a", "ffffffffffffff09")
        );
        let (returning, first) = (&calls[0], &calls[1]);
        assert_eq!(returning.returns, Some(id("ffffffffffffff09")));
        assert_eq!(returning.shown_resources, ["Crisis line — 988"]);
        assert_eq!(first.ended_at, Some(t(17)));
        assert_eq!(first.situation.as_deref(), Some("a hard evening"));
        assert_eq!(first.tried, ["TIPP", "STOP"]);
        assert_eq!(first.suggested, ["self-soothe"]);
        assert_eq!(
            (
                first.urge_before.map(|u| u.value()),
                first.urge_after.map(|u| u.value())
            ),
            (Some(3), Some(1))
        );
        let latest = projection::latest_calls(&conn, 1, 1).unwrap();
        assert_eq!(latest[0].id, id("ffffffffffffff09"));
        let reports = projection::reports_since(&conn, 1, t(0)).unwrap();
        assert_eq!(reports.len(), 1);
        let r = &reports[0];
        assert_eq!(
            (
                &r.id,
                &r.behavior,
                r.occurred_at,
                r.reported_at,
                r.retracted_at
            ),
            (
                &id("000000000000000b"),
                &Some(id("ab00000000000004")),
                t(19),
                t(20),
                Some(t(21))
            )
        );
        let peers: i64 = conn
            .query_row("SELECT received_counter FROM peers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(peers, 4);
        // The old tables' pages went back to the file system.
        let free: i64 = conn
            .pragma_query_value(None, "freelist_count", |r| r.get(0))
            .unwrap();
        assert_eq!(free, 0);
        drop(conn);
        open(&path, &crate::store::test_key()).unwrap();
    }
}
