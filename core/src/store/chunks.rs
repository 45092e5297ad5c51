//! The Automerge document on disk: a snapshot followed by incremental chunks.
//!
//! Each local change or merge appends the bytes saved since the previous heads, in
//! the same transaction as the projection rows it produced. When enough chunks pile
//! up, [`compact`] replaces them by one snapshot in one transaction: a crash leaves
//! either the old chunks or the snapshot, and loading tolerates duplicates.
//!
//! Several `Store`s may have one file open (an app's UI and its background worker, or
//! the CLI beside the app). Each writes under its own actor, so their changes never
//! collide, and each knows the last chunk its in-memory document has seen
//! ([`Loaded::through`]): when another writer has appended since, [`catch_up`] loads
//! just the newer chunks. Chunks are append-only and compaction keeps every change,
//! so "every chunk after the last one seen" is always exactly what is missing.

use std::borrow::Cow;
use std::io::{Read, Write};

use automerge::{ActorId, AutoCommit};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use rusqlite::{params, Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// Incremental chunks after which a write also compacts the document.
pub const COMPACT_AFTER_CHUNKS: i64 = 128;

/// A document loaded from the store.
pub struct Loaded {
    pub doc: AutoCommit,
    /// The `seq` of the last chunk the document holds: chunks after it were written
    /// by another `Store` on the same file.
    through: i64,
}

/// `chunks.snapshot` of an incremental chunk.
const INCREMENTAL: i64 = 0;
/// `chunks.snapshot` of a snapshot kept as Automerge saved it (what stores before
/// schema version 3 wrote; each is replaced at its agreement's next compaction).
const SNAPSHOT: i64 = 1;
/// `chunks.snapshot` of a snapshot kept DEFLATE-compressed (raw DEFLATE; schema
/// version 3, ADR 0027): Automerge leaves a document's actor table uncompressed, and
/// with an actor per app session (ADR 0020) half of every actor is one of a few
/// device ids. Only the store keeps it so: exports and sync carry Automerge's bytes.
const DEFLATED_SNAPSHOT: i64 = 2;

/// Appends a chunk; returns its `seq`.
pub fn append(conn: &Connection, ag: i64, data: &[u8], snapshot: bool) -> Result<i64> {
    let (kind, data) = if snapshot {
        let mut deflate = DeflateEncoder::new(Vec::new(), Compression::default());
        deflate.write_all(data)?;
        (DEFLATED_SNAPSHOT, Cow::Owned(deflate.finish()?))
    } else {
        (INCREMENTAL, Cow::Borrowed(data))
    };
    conn.prepare_cached("INSERT INTO chunks (ag, snapshot, data) VALUES (?1, ?2, ?3)")?
        .execute(params![ag, kind, data])?;
    Ok(conn.last_insert_rowid())
}

/// A stored chunk's Automerge bytes, from its `snapshot` and `data` columns.
pub fn decode(kind: i64, data: &[u8]) -> Result<Cow<'_, [u8]>> {
    let damaged = || Error::StoreUnusable(crate::error::DAMAGED.into());
    match kind {
        INCREMENTAL | SNAPSHOT => Ok(Cow::Borrowed(data)),
        DEFLATED_SNAPSHOT => {
            let limit = crate::inflation::MAX_INFLATED as u64;
            let mut bytes = Vec::new();
            DeflateDecoder::new(data)
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map_err(|_| damaged())?;
            if bytes.len() as u64 > limit {
                return Err(damaged());
            }
            Ok(Cow::Owned(bytes))
        }
        _ => Err(damaged()),
    }
}

/// The chunks of an agreement after `seq`, concatenated, and the last one's `seq`.
fn chunks_after(conn: &Connection, ag: i64, seq: i64) -> Result<(Vec<u8>, i64)> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, snapshot, data FROM chunks WHERE ag = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![ag, seq])?;
    let (mut bytes, mut last) = (Vec::new(), seq);
    while let Some(row) = rows.next()? {
        last = row.get(0)?;
        let data = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        bytes.extend_from_slice(&decode(row.get(1)?, data)?);
    }
    Ok((bytes, last))
}

/// Loads the document from its chunks, writing as `actor`.
///
/// Heads are not re-verified against change hashes on load: the chunks were written
/// by this store after Automerge produced them. (On a compacted document this turned
/// out no faster than a verified load; see the README's figures.)
pub fn load(conn: &Connection, ag: i64, actor: &ActorId) -> Result<Loaded> {
    let (bytes, through) = chunks_after(conn, ag, 0)?;
    if bytes.is_empty() {
        return Err(Error::StoreUnusable(
            "an agreement's document is missing".into(),
        ));
    }
    let doc = AutoCommit::load_unverified_heads(&bytes)?.with_actor(actor.clone());
    Ok(Loaded { doc, through })
}

impl Loaded {
    /// A document this store has just written whole, as the chunk `through`.
    pub fn written(doc: AutoCommit, through: i64) -> Self {
        Self { doc, through }
    }

    /// Records that the document now holds the chunk `seq` too (one it appended).
    pub fn holds(&mut self, seq: i64) {
        self.through = self.through.max(seq);
    }
}

/// Loads into `loaded` the chunks other writers appended since it last looked;
/// returns whether there were any.
pub fn catch_up(conn: &Connection, ag: i64, loaded: &mut Loaded) -> Result<bool> {
    let (bytes, last) = chunks_after(conn, ag, loaded.through)?;
    if bytes.is_empty() {
        return Ok(false);
    }
    loaded.doc.load_incremental(&bytes)?;
    loaded.through = last;
    Ok(true)
}

pub fn incremental_count(conn: &Connection, ag: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM chunks WHERE ag = ?1 AND snapshot = 0")?
        .query_row([ag], |r| r.get(0))?)
}

/// Replaces every chunk of an agreement by one snapshot. Under the write lock the
/// document first catches up with any other writer's chunks, so the snapshot holds
/// every change it replaces.
pub fn compact(conn: &mut Connection, ag: i64, loaded: &mut Loaded) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    catch_up(&tx, ag, loaded)?;
    let seq = append(&tx, ag, &loaded.doc.save(), true)?;
    tx.execute(
        "DELETE FROM chunks WHERE ag = ?1 AND seq < ?2",
        params![ag, seq],
    )?;
    tx.commit()?;
    loaded.through = seq;
    // Each step of this pragma frees one page: step it to the end.
    let mut vacuum = conn.prepare("PRAGMA incremental_vacuum")?;
    let mut freed = vacuum.query([])?;
    while freed.next()?.is_some() {}
    Ok(())
}
