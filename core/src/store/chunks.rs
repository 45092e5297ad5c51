//! The Automerge document on disk: a snapshot followed by incremental chunks.
//!
//! Each local change or merge appends the bytes saved since the previous heads, in
//! the same transaction as the projection rows it produced. When enough chunks pile
//! up, [`compact`] writes a fresh snapshot in one transaction and deletes the chunks
//! it replaces in a second one: a crash in between leaves both (extra data, never
//! missing data), and loading tolerates the duplicates.

use automerge::{ActorId, AutoCommit};
use rusqlite::{params, Connection, Transaction};

use crate::error::{Error, Result};

/// Incremental chunks after which a write also compacts the document.
pub const COMPACT_AFTER_CHUNKS: i64 = 128;

pub fn append(tx: &Transaction<'_>, ag: i64, data: &[u8], snapshot: bool) -> Result<()> {
    tx.prepare_cached("INSERT INTO chunks (ag, snapshot, data) VALUES (?1, ?2, ?3)")?
        .execute(params![ag, snapshot, data])?;
    Ok(())
}

/// Loads the document from its chunks, with this device's actor.
///
/// Heads are not re-verified against change hashes on load: the chunks were written
/// by this store after Automerge produced them, and skipping the verification makes
/// a load of a long history several times faster (see the README's figures).
pub fn load(conn: &Connection, ag: i64, actor: &ActorId) -> Result<AutoCommit> {
    let mut stmt = conn.prepare_cached("SELECT data FROM chunks WHERE ag = ?1 ORDER BY seq")?;
    let mut bytes = Vec::new();
    let mut rows = stmt.query([ag])?;
    while let Some(row) = rows.next()? {
        bytes.extend_from_slice(&row.get::<_, Vec<u8>>(0)?);
    }
    if bytes.is_empty() {
        return Err(Error::StoreUnusable(
            "an agreement's document is missing".into(),
        ));
    }
    let doc = AutoCommit::load_unverified_heads(&bytes)?;
    Ok(doc.with_actor(actor.clone()))
}

pub fn incremental_count(conn: &Connection, ag: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM chunks WHERE ag = ?1 AND snapshot = 0")?
        .query_row([ag], |r| r.get(0))?)
}

/// Replaces every chunk of an agreement by one snapshot of `doc`.
pub fn compact(conn: &mut Connection, ag: i64, doc: &mut AutoCommit) -> Result<()> {
    let snapshot = doc.save();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    append(&tx, ag, &snapshot, true)?;
    let seq = tx.last_insert_rowid();
    tx.commit()?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "DELETE FROM chunks WHERE ag = ?1 AND seq < ?2",
        params![ag, seq],
    )?;
    tx.commit()?;
    // Each step of this pragma frees one page: step it to the end.
    let mut vacuum = conn.prepare("PRAGMA incremental_vacuum")?;
    let mut freed = vacuum.query([])?;
    while freed.next()?.is_some() {}
    Ok(())
}
