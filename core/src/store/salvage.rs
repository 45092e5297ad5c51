//! Salvage: copying what can still be read from a damaged store into a new one.
//!
//! A store whose file was damaged (a bad flash page, a truncated copy) is refused at
//! open and left as it was, so nothing is lost by trying. [`Store::salvage`] then reads
//! it read-only — row by row where a table is damaged, finding each document chunk
//! through the index as well as the table, so one bad page costs the rows on it and
//! not the rest — and writes a new store with:
//! - the device identity, with the same keys: pairings carry on, and the peer's
//!   phone recognises this one;
//! - each agreement whose document still loads from the chunks that can be read,
//!   checked and projected like an import (a chunk that cannot be read loses the
//!   changes in it and those that build on them; the peer's phone resends them at the
//!   next sync);
//! - the paired peers (their counters too, which must never go back) and the
//!   invitations issued.
//!
//! It reports what it recovered and what it lost as counts and ids, never content.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use automerge::AutoCommit;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OpenFlags, Row, TransactionBehavior};

use super::{at_rest, chunks, migrations, Store, StoreKey};
use crate::doc;
use crate::error::{Error, Result};
use crate::identity::DeviceIdentity;
use crate::model::AgreementId;

/// What a salvage recovered and what it lost: counts and ids, never content.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SalvageReport {
    /// The device identity (and its keys) was recovered. Without it, no agreement can
    /// be stored in the new store: they count as lost, and the phone has to be set up
    /// and paired again.
    pub identity: bool,
    /// Agreements whose documents loaded and were stored in the new store.
    pub recovered: Vec<AgreementId>,
    /// Agreements the damaged store knew of whose documents did not load.
    pub lost: Vec<AgreementId>,
    /// Document chunks that could not be read or did not load: the changes in them
    /// (and those building on them) are missing from the recovered agreements.
    pub chunks_lost: usize,
    /// Paired peers copied.
    pub peers: usize,
    /// Invitations copied.
    pub invitations: usize,
    /// Tables that could not be read to the end: rows in them may be lost, uncounted.
    pub damaged_tables: Vec<&'static str>,
}

/// The copy of the damaged store that salvage reads, beside the new store: SQLite
/// refuses to read anything from a file shorter than its header says (its schema
/// names pages past the end), so a truncated file's copy is padded back to full
/// length with empty pages, which then read as damaged pages like any other. Reading
/// a copy also keeps SQLite's own side files away from the damaged one. Removed when
/// dropped.
struct Copy(std::path::PathBuf);

impl Copy {
    fn of(damaged: &Path, out: &Path) -> Result<Self> {
        let mut name = out.as_os_str().to_owned();
        name.push(".reading");
        let copy = Self(name.into());
        let mut bytes = std::fs::read(damaged)?;
        if !bytes.starts_with(b"SQLite format 3\0") {
            // Encrypted: its header is too. Whole pages, and SQLite is told to read
            // as far as the file goes (see `Store::salvage`).
            bytes.resize(bytes.len().next_multiple_of(4096), 0);
        } else if bytes.len() >= 100 {
            let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
                1 => 65536,
                n => usize::from(n).max(512),
            };
            let pages = u32::from_be_bytes(bytes[28..32].try_into().expect("4 bytes"));
            let full = (pages as usize)
                .saturating_mul(page_size)
                .max(bytes.len().next_multiple_of(page_size));
            // A header claiming more than a few GiB is itself damaged: no padding.
            if full <= bytes.len().saturating_mul(64) {
                bytes.resize(full, 0);
            }
        }
        std::fs::write(&copy.0, &bytes)?;
        // What a crash left in the write-ahead log is part of the store.
        let mut wal = damaged.as_os_str().to_owned();
        wal.push("-wal");
        if Path::new(&wal).exists() {
            let mut to = copy.0.as_os_str().to_owned();
            to.push("-wal");
            std::fs::copy(&wal, &to)?;
        }
        Ok(copy)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        for side in ["", "-wal", "-shm"] {
            let mut path = self.0.as_os_str().to_owned();
            path.push(side);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl SalvageReport {
    /// Notes whether a table was read to the end.
    fn read(&mut self, table: &'static str, complete: bool) {
        if !complete && !self.damaged_tables.contains(&table) {
            self.damaged_tables.push(table);
        }
    }
}

/// The copy being salvaged, read through a connection opened again after each
/// failure: SQLCipher treats a page that fails its check as final for the connection
/// that read it, so every later read on it would fail too.
struct Reader {
    path: std::path::PathBuf,
    key: StoreKey,
    conn: std::cell::RefCell<Connection>,
}

impl Reader {
    fn open(path: &Path, key: &StoreKey) -> Result<Self> {
        Ok(Self {
            path: path.to_owned(),
            key: key.clone(),
            conn: Self::connect(path, key)?.into(),
        })
    }

    fn connect(path: &Path, key: &StoreKey) -> Result<Connection> {
        super::page_cipher::keep_linked();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let encrypted = at_rest::found(path)? == at_rest::Found::Encrypted;
        at_rest::unlock_damaged(&conn, encrypted.then_some(key))?;
        Ok(conn)
    }

    /// Starts afresh after a failed read (if the file still opens at all).
    fn recover(&self) {
        if let Ok(conn) = Self::connect(&self.path, &self.key) {
            *self.conn.borrow_mut() = conn;
        }
    }

    fn readable<T>(
        &self,
        sql: &str,
        read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> (Vec<T>, bool) {
        let result = readable(&self.conn.borrow(), sql, read);
        if !result.1 {
            self.recover();
        }
        result
    }

    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let result = self.conn.borrow().query_row(sql, params, read);
        if result.is_err() {
            self.recover();
        }
        result
    }
}

/// The rows of a query as far as they can be read, and whether it read to the end.
fn readable<T>(
    conn: &Connection,
    sql: &str,
    mut read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> (Vec<T>, bool) {
    let mut out = Vec::new();
    let Ok(mut stmt) = conn.prepare(sql) else {
        return (out, false);
    };
    let Ok(mut rows) = stmt.query([]) else {
        return (out, false);
    };
    loop {
        match rows.next() {
            Ok(Some(row)) => match read(row) {
                Ok(value) => out.push(value),
                Err(_) => return (out, false),
            },
            Ok(None) => return (out, true),
            Err(_) => return (out, false),
        }
    }
}

impl Store {
    /// Copies what can still be read from the store at `damaged` (encrypted under
    /// `key`, or a plaintext store from before encryption) into a new store at `out`
    /// (which must not exist), encrypted under `key`, and reports what was recovered
    /// and what was lost. Never writes to `damaged`: it reads a copy.
    pub fn salvage(
        damaged: impl AsRef<Path>,
        out: impl AsRef<Path>,
        key: &StoreKey,
    ) -> Result<SalvageReport> {
        let (damaged, out) = (damaged.as_ref(), out.as_ref());
        if out.exists() {
            return Err(Error::invalid(
                "out",
                "the file already exists: salvage writes a new store",
            ));
        }
        if !damaged.exists() {
            return Err(Error::not_found(
                "store file",
                damaged.display().to_string(),
            ));
        }
        let copy = Copy::of(damaged, out)?;
        let old = Reader::open(&copy.0, key)?;
        let ours = old
            .row("PRAGMA application_id", [], |r| r.get::<_, i32>(0))
            .is_ok_and(|id| id == migrations::APPLICATION_ID);
        if !ours {
            return Err(Error::StoreUnusable(
                "nothing can be salvaged: the file does not read as a Coachline store".into(),
            ));
        }
        let mut new = Store::open(out, key)?;
        let mut report = SalvageReport::default();

        let (identity, complete) = old.readable(
            "SELECT role, name, secret_key, sync_secret_key, created_at FROM identity",
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        );
        report.read("identity", complete);
        if let Some((role, name, secret, sync_secret, created_at)) = identity.into_iter().next() {
            let restored = role.parse().ok().and_then(|role| {
                DeviceIdentity::from_stored(role, name, &secret, &sync_secret).ok()
            });
            if let Some(identity) = restored {
                new.conn.execute(
                    "INSERT INTO identity (singleton, role, name, secret_key, sync_secret_key, \
                     created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![
                        identity.role.as_str(),
                        identity.name,
                        secret,
                        sync_secret,
                        created_at
                    ],
                )?;
                new.actor = Some(super::writer_actor(&identity));
                new.identity = Some(identity);
                report.identity = true;
            }
        }

        // Agreements: their ids from their table, their documents from the chunks,
        // found through the index and through the table (either may be damaged).
        let (known, complete) = old.readable("SELECT ag, id FROM agreements", |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        });
        report.read("agreements", complete);
        let known: BTreeMap<i64, AgreementId> = known
            .into_iter()
            .filter_map(|(ag, id)| Some((ag, AgreementId::parse(&id).ok()?)))
            .collect();
        let mut chunks = BTreeSet::new();
        for sql in [
            "SELECT ag, seq FROM chunks INDEXED BY chunks_by_agreement",
            "SELECT ag, seq FROM chunks NOT INDEXED",
        ] {
            let (found, complete) =
                old.readable(sql, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)));
            report.read("chunks", complete);
            chunks.extend(found);
        }
        let mut documents: BTreeMap<i64, AutoCommit> = BTreeMap::new();
        for (ag, seq) in chunks {
            let doc = documents.entry(ag).or_default();
            let bytes = old.row(
                "SELECT snapshot, data FROM chunks WHERE seq = ?1",
                [seq],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
            );
            let loaded = bytes.is_ok_and(|(kind, data)| {
                chunks::decode(kind, &data).is_ok_and(|bytes| doc.load_incremental(&bytes).is_ok())
            });
            if !loaded {
                report.chunks_lost += 1;
            }
        }
        for (ag, doc) in &mut documents {
            let id = doc::read_header(doc)
                .ok()
                .map(|header| header.id)
                .or_else(|| known.get(ag).cloned());
            let stored =
                report.identity && !doc.get_heads().is_empty() && new.import(&doc.save()).is_ok();
            match (id, stored) {
                (Some(id), true) => report.recovered.push(id),
                (Some(id), false) => report.lost.push(id),
                (None, _) => {}
            }
        }
        for id in known.into_values() {
            if !report.recovered.contains(&id) && !report.lost.contains(&id) {
                report.lost.push(id);
            }
        }

        for table in ["peers", "invitations"] {
            let (rows, complete) = old.readable(&format!("SELECT * FROM {table}"), |r| {
                (0..r.as_ref().column_count())
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<rusqlite::Result<Vec<Value>>>()
            });
            report.read(table, complete);
            let tx = new
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut copied = 0;
            for row in rows {
                let marks = vec!["?"; row.len()].join(", ");
                let sql = format!("INSERT OR IGNORE INTO {table} VALUES ({marks})");
                copied += tx.execute(&sql, params_from_iter(row))?;
            }
            tx.commit()?;
            match table {
                "peers" => report.peers = copied,
                _ => report.invitations = copied,
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, SeekFrom, Write};
    use std::path::PathBuf;

    use super::*;
    use crate::model::{CallReason, CallStart, Role};
    use crate::store::{chunks, test_key};
    use crate::time::Timestamp;

    fn t0() -> Timestamp {
        Timestamp::parse_rfc3339("now", "2026-03-02T10:00:00Z").unwrap()
    }

    /// A therapist's store, closed: agreement `a` with thirty calls and a client
    /// paired for it, and `b` drafted last, with a compacted history. Returns its path and the two ids.
    fn therapist_store(dir: &Path) -> (PathBuf, AgreementId, AgreementId) {
        let path = dir.join("t.db");
        let mut therapist = Store::open(&path, &test_key()).unwrap();
        therapist.init(Role::Therapist, "Dr T", t0()).unwrap();
        let a = therapist
            .create_agreement("Casey", Some("UTC"), t0())
            .unwrap();
        for i in 0..30 {
            let start =
                CallStart::new(CallReason::Coaching, Some("a private note"), &[], Some(2)).unwrap();
            therapist
                .start_call(&a, start, t0().plus_minutes(i))
                .unwrap();
        }
        let mut client = Store::open(dir.join("c.db"), &test_key()).unwrap();
        client.init(Role::Client, "Casey", t0()).unwrap();
        let code = therapist.invite(&a, t0()).unwrap();
        client.join(&code, t0()).unwrap();
        for _ in 0..4 {
            while let Some(m) = client.sync_next(&a, t0()).unwrap() {
                therapist.sync_receive(&m, t0()).unwrap();
            }
            while let Some(m) = therapist.sync_next(&a, t0()).unwrap() {
                client.sync_receive(&m, t0()).unwrap();
            }
        }
        let b = therapist
            .create_agreement("Robin", Some("UTC"), t0())
            .unwrap();
        // Enough calls to compact `b` into one snapshot spilling over pages of its own.
        for i in 0..chunks::COMPACT_AFTER_CHUNKS {
            let start =
                CallStart::new(CallReason::Coaching, Some("another note"), &[], Some(1)).unwrap();
            therapist
                .start_call(&b, start, t0().plus_minutes(i))
                .unwrap();
        }
        (path, a, b)
    }

    /// Overwrites with garbage a page that holds a chunk of `id` and nothing of
    /// `keep` or of what the rest of the store needs to open. The file is encrypted,
    /// so the page is found by trying: the first page whose damage (in a copy) breaks
    /// reading `id`'s chunks while `keep`'s, the identity and the peers still read.
    fn damage_chunk_of(path: &Path, id: &AgreementId, keep: &AgreementId) {
        let bytes = std::fs::read(path).unwrap();
        let trial = path.with_extension("trial");
        let damaged = |page: usize| {
            let mut copy = bytes.clone();
            copy[page * 4096..(page + 1) * 4096].fill(0xa5);
            copy
        };
        let page = (1..bytes.len() / 4096)
            .find(|&page| {
                std::fs::write(&trial, damaged(page)).unwrap();
                // A fresh connection for each read: a failed one stays failed.
                let reads = |sql: &str| {
                    let conn = Connection::open(&trial).unwrap();
                    at_rest::unlock(&conn, &test_key()).is_ok()
                        && conn
                            .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
                            .is_ok()
                };
                let chunks = |id: &AgreementId| {
                    format!(
                        "SELECT sum(length(hex(data))) FROM chunks JOIN agreements USING (ag) \
                         WHERE id = '{id}'"
                    )
                };
                !reads(&chunks(id))
                    && reads(&chunks(keep))
                    && reads("SELECT name FROM identity")
                    && reads("SELECT count(*) FROM agreements")
                    && reads("SELECT count(*) FROM peers")
            })
            .expect("a page holds a chunk of one agreement alone");
        std::fs::remove_file(&trial).unwrap();
        let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.seek(SeekFrom::Start((page * 4096) as u64)).unwrap();
        file.write_all(&[0xa5; 4096]).unwrap();
    }

    fn unusable(result: Result<Store>) -> String {
        match result {
            Err(Error::StoreUnusable(reason)) => reason,
            Err(other) => panic!("expected an unusable store, got {other}"),
            Ok(_) => panic!("expected an unusable store, it opened"),
        }
    }

    #[test]
    fn a_store_with_a_damaged_page_or_cut_short_is_refused_and_left_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (path, a, b) = therapist_store(dir.path());
        let whole = std::fs::read(&path).unwrap();
        assert!(whole.len() > 8 * 4096, "{} bytes", whole.len());

        let damaged = dir.path().join("damaged.db");
        std::fs::copy(&path, &damaged).unwrap();
        damage_chunk_of(&damaged, &b, &a);
        let truncated = dir.path().join("truncated.db");
        std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
        let ragged = dir.path().join("ragged.db");
        std::fs::write(&ragged, &whole[..whole.len() - 100]).unwrap();

        for file in [&truncated, &ragged] {
            let before = std::fs::read(file).unwrap();
            let reason = unusable(Store::open(file, &test_key()));
            assert!(reason.contains("damaged"), "{reason}");
            assert_eq!(std::fs::read(file).unwrap(), before, "{}", file.display());
        }
        // A damaged page is found when it is read: the read is refused, typed, and
        // the file is left as it was.
        let before = std::fs::read(&damaged).unwrap();
        let mut store = Store::open(&damaged, &test_key()).unwrap();
        let reason = match store.preload(&b) {
            Err(Error::StoreUnusable(reason)) => reason,
            other => panic!("expected an unusable store, got {other:?}"),
        };
        assert!(reason.contains("damaged"), "{reason}");
        drop(store);
        assert_eq!(std::fs::read(&damaged).unwrap(), before);
        // The intact store still opens.
        Store::open(&path, &test_key()).unwrap();
    }

    #[test]
    fn salvage_copies_what_can_be_read_and_reports_what_was_lost() {
        let dir = tempfile::tempdir().unwrap();
        let (path, a, b) = therapist_store(dir.path());
        let mut intact = Store::open(&path, &test_key()).unwrap();
        let peers = intact.peers().unwrap();
        let me = intact.whoami().unwrap();
        let calls = intact.log(&a, 100).unwrap().len();
        drop(intact);
        damage_chunk_of(&path, &b, &a);
        let before = std::fs::read(&path).unwrap();

        let out = dir.path().join("new.db");
        let report = Store::salvage(&path, &out, &test_key()).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the damaged file is untouched"
        );
        assert!(report.identity);
        assert_eq!(report.recovered, vec![a.clone()]);
        assert_eq!(report.lost, vec![b]);
        assert!(report.chunks_lost >= 1);
        assert_eq!((report.peers, report.invitations), (1, 1));

        let mut salvaged = Store::open(&out, &test_key()).unwrap();
        assert_eq!(salvaged.whoami().unwrap(), me);
        assert_eq!(salvaged.peers().unwrap(), peers);
        let left = salvaged.log(&a, 100).unwrap().len();
        assert!(left > 0 && left <= calls, "{left} of {calls}");
        salvaged.preload(&a).unwrap();

        // The report names no content.
        let shown = format!("{report:?}");
        assert!(!shown.contains("private") && !shown.contains("Casey"));
        // Never over an existing file.
        assert!(matches!(
            Store::salvage(&path, &out, &test_key()),
            Err(Error::InvalidInput { field: "out", .. })
        ));
    }

    #[test]
    fn salvage_of_a_truncated_store_recovers_what_the_remaining_pages_hold_and_accounts_for_the_rest(
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (path, a, _) = therapist_store(dir.path());
        // A store in use for a while: its schema pages (written first) sit in the
        // first half of the file, as on a phone.
        let mut store = Store::open(&path, &test_key()).unwrap();
        let situation = "a long account of the evening ".repeat(60);
        for i in 0..60 {
            let start = CallStart::new(CallReason::News, Some(&situation), &[], None).unwrap();
            store.start_call(&a, start, t0().plus_hours(i)).unwrap();
        }
        drop(store);
        let whole = std::fs::read(&path).unwrap();
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        let out = dir.path().join("new.db");
        let report = Store::salvage(&path, &out, &test_key()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), &whole[..whole.len() / 2]);
        // The identity lives in the first pages; every agreement is accounted for,
        // recovered or lost, and the damage is reported.
        assert!(report.identity);
        assert_eq!(report.recovered.len() + report.lost.len(), 2, "{report:?}");
        assert!(!report.damaged_tables.is_empty() || report.chunks_lost > 0);
        let mut salvaged = Store::open(&out, &test_key()).unwrap();
        assert!(salvaged.whoami().is_ok());
        for id in &report.recovered {
            salvaged.preload(id).unwrap();
        }
    }
}
