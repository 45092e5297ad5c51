//! The store: one SQLite file per device, holding the device identity, each
//! agreement's Automerge document (as chunks) and its relational projection, and
//! each agreement's paired peer with the sync session ([`crate::sync`]).
//!
//! [`Store`] is the service the shells call. A write goes: validate the input against
//! the projection → change the in-memory document → one IMMEDIATE transaction that
//! appends the document chunk and updates the projected rows. If that transaction
//! fails, the in-memory document is dropped and reloaded from disk on next use, so
//! memory never runs ahead of what is stored. Reads use the projection only.

mod agreements;
mod at_rest;
mod chunks;
mod coaching;
mod journal;
mod migrations;
mod overview;
mod page_cipher;
mod projection;
mod relay;
mod salvage;
mod sync;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit, ChangeHash};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::doc::{self, Changed, Writer};
use crate::error::{AgreementNeeded, Error, Result};
use crate::identity::DeviceIdentity;
use crate::model::{AgreementId, Role};
use crate::time::Timestamp;

pub use agreements::{AgreementListItem, AgreementView, ImportOutcome, PairedPhone};
pub use at_rest::StoreKey;
pub use coaching::CallAttempt;
pub use journal::LogEntry;
pub use migrations::{APPLICATION_ID, SCHEMA_VERSION};
pub use overview::Activity;
pub use salvage::SalvageReport;
pub use sync::{PeerInfo, SyncOutcome, SyncStatus};

/// The device's public identity, safe to show.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct IdentityInfo {
    pub role: Role,
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
}

crate::redacted_debug!(IdentityInfo {
    role,
    name: redacted,
    public_key,
    fingerprint
});

impl IdentityInfo {
    fn of(identity: &DeviceIdentity) -> Self {
        Self {
            role: identity.role,
            name: identity.name.clone(),
            public_key: hex::encode(identity.public_key()),
            fingerprint: identity.fingerprint(),
        }
    }
}

/// An open Coachline store. Not `Sync`: the FFI layer wraps it in a lock.
pub struct Store {
    conn: Connection,
    identity: Option<DeviceIdentity>,
    /// The Automerge actor this `Store` writes as: the device's id and a random
    /// suffix, new at every open, so no two writers (two processes on one file, or a
    /// phone restored from a backup) ever write the same (actor, seq).
    actor: Option<ActorId>,
    /// SQLite's `data_version` when this `Store` last looked: it changes when another
    /// connection commits, and then every cache below is checked again.
    data_version: i64,
    /// Documents loaded for writing or sync, by local agreement key.
    docs: HashMap<i64, chunks::Loaded>,
    /// The coaching rules of each agreement, dropped whenever it changes.
    coaching: HashMap<i64, coaching::Coaching>,
    /// The call decisions of each agreement, dropped whenever it changes.
    deciders: HashMap<i64, coaching::Decider>,
    /// Each agreement as it stands, with its signatures checked, dropped whenever
    /// it changes ([`Store::agreement_shared`]).
    views: RefCell<HashMap<i64, Arc<AgreementView>>>,
    /// Agreements this `Store` changed (a local write, an import, an applied sync
    /// message) since [`Store::take_changed`] was last asked.
    changed: Vec<AgreementId>,
    /// Local keys of agreements already looked up. Agreements are never deleted, so
    /// an id keeps its key, and a status screen skips a query per question.
    keys: RefCell<HashMap<AgreementId, i64>>,
    /// Sync message fragments in transit: still to send, or received and waiting
    /// for the rest. Memory only: a restart drops them, and the sync resends.
    fragments: crate::sync::Fragments,
}

/// The key the core's tests open their stores with.
#[cfg(test)]
pub(crate) fn test_key() -> StoreKey {
    StoreKey::from_bytes(&[0x5a; StoreKey::LEN]).expect("32 bytes")
}

/// A raw connection to a store file the core's tests made, keyed with [`test_key`].
#[cfg(test)]
pub(crate) fn test_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("the store file opens");
    at_rest::unlock(&conn, &test_key()).expect("the test key opens it");
    conn
}

/// More rows to write in the transaction that persists a change.
type ExtraRows<'a> = &'a dyn Fn(&Transaction<'_>) -> Result<()>;

/// A resolved agreement: its id and its local key.
#[derive(Clone, Debug)]
struct Agreement {
    id: AgreementId,
    ag: i64,
}

impl Store {
    /// Opens the store at `path` with `key`, creating it (encrypted) if absent. A
    /// plaintext store from before encryption is encrypted in place first. A key that
    /// does not open the file is [`Error::WrongKey`]; a file that is not a Coachline
    /// store, or is from a newer Coachline, is refused. Either way it is left untouched.
    pub fn open(path: impl AsRef<Path>, key: &StoreKey) -> Result<Self> {
        Self::from_connection(migrations::open(path.as_ref(), key)?)
    }

    /// [`Store::open`], telling `step` each moment an encryption in place passes.
    #[cfg(test)]
    fn open_observed(
        path: impl AsRef<Path>,
        key: &StoreKey,
        step: &mut dyn FnMut(at_rest::Step),
    ) -> Result<Self> {
        Self::from_connection(migrations::open_observed(path.as_ref(), Some(key), step)?)
    }

    /// Opens a store as plain, unencrypted SQLite: only the benchmarks use it, to
    /// measure what encryption costs on the same records. Never in an app.
    #[cfg(feature = "fixtures")]
    pub fn open_unencrypted(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_connection(migrations::open_observed(path.as_ref(), None, &mut |_| {})?)
    }

    /// Writes a plaintext copy of this store to `to`, for [`Store::open_unencrypted`]:
    /// the benchmarks compare the same records with and without encryption, and the
    /// tests make stores as a Coachline from before encryption wrote them.
    #[cfg(any(test, feature = "fixtures"))]
    pub fn export_unencrypted(&self, to: impl AsRef<Path>) -> Result<()> {
        let to = to
            .as_ref()
            .to_str()
            .ok_or_else(|| Error::invalid("path", "not valid UTF-8"))?;
        self.conn
            .execute("ATTACH DATABASE ?1 AS plaintext KEY ''", [to])?;
        let version: i32 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        self.conn
            .execute_batch("PRAGMA plaintext.auto_vacuum = INCREMENTAL")?;
        self.conn
            .query_row("SELECT sqlcipher_export('plaintext')", [], |_| Ok(()))?;
        self.conn.execute_batch(&format!(
            "PRAGMA plaintext.user_version = {version}; \
             PRAGMA plaintext.application_id = {APPLICATION_ID}; \
             DETACH DATABASE plaintext;"
        ))?;
        Ok(())
    }

    fn from_connection(conn: Connection) -> Result<Self> {
        let identity = conn
            .query_row(
                "SELECT role, name, secret_key, sync_secret_key FROM identity",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                    ))
                },
            )
            .optional()?
            .map(|(role, name, secret, sync_secret)| {
                let role = role
                    .parse()
                    .map_err(|_| Error::StoreUnusable("the stored identity is damaged".into()))?;
                DeviceIdentity::from_stored(role, name, &secret, &sync_secret)
            })
            .transpose()?;
        let actor = identity.as_ref().map(writer_actor);
        let data_version = data_version(&conn)?;
        Ok(Self {
            conn,
            identity,
            actor,
            data_version,
            docs: HashMap::new(),
            coaching: HashMap::new(),
            deciders: HashMap::new(),
            views: RefCell::default(),
            changed: Vec::new(),
            keys: RefCell::default(),
            fragments: Default::default(),
        })
    }

    /// Encrypts the whole store under `new` from now on, in one transaction: a kill
    /// during it leaves the store under its old key. Other connections to the file
    /// (another process) must reopen with the new key.
    pub fn rekey(&mut self, new: &StoreKey) -> Result<()> {
        at_rest::rekey(&self.conn, new)
    }

    /// Creates this device's identity; a store holds exactly one.
    pub fn init(&mut self, role: Role, name: &str, now: Timestamp) -> Result<IdentityInfo> {
        if self.identity.is_some() {
            return Err(Error::AlreadyInitialized);
        }
        let identity = DeviceIdentity::generate(role, name)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row("SELECT count(*) > 0 FROM identity", [], |r| r.get(0))?;
        if exists {
            return Err(Error::AlreadyInitialized);
        }
        tx.execute(
            "INSERT INTO identity (singleton, role, name, secret_key, sync_secret_key, created_at) \
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                role.as_str(),
                identity.name,
                identity.secret_bytes().to_vec(),
                identity.sync_secret_bytes().to_vec(),
                now.millis()
            ],
        )?;
        tx.commit()?;
        let info = IdentityInfo::of(&identity);
        self.actor = Some(writer_actor(&identity));
        self.identity = Some(identity);
        Ok(info)
    }

    pub fn whoami(&self) -> Result<IdentityInfo> {
        Ok(IdentityInfo::of(self.me()?))
    }

    fn me(&self) -> Result<&DeviceIdentity> {
        self.identity.as_ref().ok_or(Error::NoIdentity)
    }

    /// The actor this `Store` writes as (see [`writer_actor`]).
    fn actor(&self) -> Result<ActorId> {
        self.actor.clone().ok_or(Error::NoIdentity)
    }

    /// Takes in what other connections to the same file committed since this `Store`
    /// last looked: drops the cached rules, and brings each loaded document up to
    /// the chunks on disk. One `PRAGMA data_version` when nothing changed.
    fn refresh(&mut self) -> Result<()> {
        let version = data_version(&self.conn)?;
        if version == self.data_version {
            return Ok(());
        }
        self.data_version = version;
        self.coaching.clear();
        self.deciders.clear();
        self.views.get_mut().clear();
        for (ag, loaded) in &mut self.docs {
            chunks::catch_up(&self.conn, *ag, loaded)?;
        }
        Ok(())
    }

    /// The agreement a command acts on: the one given, or the only one in the store.
    pub fn select_agreement(&self, given: Option<&str>) -> Result<AgreementId> {
        if let Some(text) = given {
            let id = AgreementId::parse(text)?;
            self.resolve(&id)?;
            return Ok(id);
        }
        let ids: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM agreements ORDER BY created_at, id LIMIT 2")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [] => Err(Error::AgreementNeeded(AgreementNeeded::NoneInStore)),
            [only] => AgreementId::parse(only),
            _ => {
                let count: i64 =
                    self.conn
                        .query_row("SELECT count(*) FROM agreements", [], |r| r.get(0))?;
                Err(Error::AgreementNeeded(AgreementNeeded::Ambiguous {
                    count: count as usize,
                }))
            }
        }
    }

    fn resolve(&self, id: &AgreementId) -> Result<Agreement> {
        if let Some(&ag) = self.keys.borrow().get(id) {
            return Ok(Agreement { id: id.clone(), ag });
        }
        let ag = projection::agreement_key(&self.conn, id)?
            .ok_or_else(|| Error::not_found("agreement", id.as_str()))?;
        self.keys.borrow_mut().insert(id.clone(), ag);
        Ok(Agreement { id: id.clone(), ag })
    }

    /// The document of an agreement, loading it on first use, with every change
    /// other writers have stored.
    fn doc(&mut self, agreement: &Agreement) -> Result<&mut AutoCommit> {
        self.refresh()?;
        if !self.docs.contains_key(&agreement.ag) {
            let loaded = chunks::load(&self.conn, agreement.ag, &self.actor()?)?;
            self.docs.insert(agreement.ag, loaded);
        }
        Ok(&mut self.docs.get_mut(&agreement.ag).expect("just inserted").doc)
    }

    /// Loads an agreement's document now (e.g. in the background when an app opens),
    /// so the first write does not pay for it.
    pub fn preload(&mut self, id: &AgreementId) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.doc(&agreement).map(|_| ())
    }

    /// Applies a local change: `edit` writes into the document; the change is
    /// committed and persisted with its projection rows, or rolled back entirely.
    fn change<T>(
        &mut self,
        agreement: &Agreement,
        now: Timestamp,
        edit: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        now.check("now")?;
        let doc = self.doc(agreement)?;
        let before = doc.get_heads();
        let mut writer = Writer::new(doc);
        let out = match edit(&mut writer) {
            Ok(out) => out,
            Err(e) => {
                doc.rollback();
                return Err(e);
            }
        };
        let touched = writer.touched();
        doc.commit_with(CommitOptions::default().with_time(now.millis().div_euclid(1000)));
        self.persist(agreement, &before, Some(touched))?;
        Ok(out)
    }

    /// Persists everything the document gained since `before`, with its projection.
    /// `touched` names the entries a local change wrote; for a merge it is `None`
    /// and a diff of the document finds them.
    fn persist(
        &mut self,
        agreement: &Agreement,
        before: &[ChangeHash],
        touched: Option<Changed>,
    ) -> Result<()> {
        self.persist_with(agreement, before, touched, None)
    }

    /// [`Self::persist`], with `also` writing more rows in the same transaction (a
    /// sync session's state, which must change together with the document it
    /// describes). With `also`, the transaction runs even if the document is unchanged.
    fn persist_with(
        &mut self,
        agreement: &Agreement,
        before: &[ChangeHash],
        touched: Option<Changed>,
        also: Option<ExtraRows<'_>>,
    ) -> Result<()> {
        let result = self.persist_inner(agreement, before, touched, also);
        self.forget_rules(agreement);
        let gained = self
            .docs
            .get_mut(&agreement.ag)
            .is_some_and(|loaded| loaded.doc.get_heads() != before);
        if result.is_ok() && gained {
            self.note_changed(&agreement.id);
        }
        if result.is_err() {
            // Forget the in-memory change: the next use reloads what is on disk.
            self.docs.remove(&agreement.ag);
        }
        let compact = result?;
        if compact {
            let Self { conn, docs, .. } = self;
            if let Some(loaded) = docs.get_mut(&agreement.ag) {
                chunks::compact(conn, agreement.ag, loaded)?;
            }
        }
        Ok(())
    }

    /// Returns whether the document is due for compaction.
    fn persist_inner(
        &mut self,
        agreement: &Agreement,
        before: &[ChangeHash],
        touched: Option<Changed>,
        also: Option<ExtraRows<'_>>,
    ) -> Result<bool> {
        let Self { conn, docs, .. } = self;
        let loaded = docs.get_mut(&agreement.ag).expect("loaded by the caller");
        if loaded.doc.get_heads() == before && also.is_none() {
            return Ok(false);
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut due = false;
        if loaded.doc.get_heads() != before {
            // Under the write lock: what this change adds, then whatever another
            // writer stored since this document was last brought up to date.
            let chunk = loaded.doc.save_after(before);
            if !same_heads(&projection::heads(&tx, agreement.ag)?, before) {
                chunks::catch_up(&tx, agreement.ag, loaded)?;
            }
            let seq = chunks::append(&tx, agreement.ag, &chunk, false)?;
            loaded.holds(seq);
            let doc = &mut loaded.doc;
            let after = doc.get_heads();
            // The rows of entries this change touched are worked out from the merged
            // document; the other writer already updated the rows of its own.
            let changed = match touched {
                Some(touched) => touched,
                None => doc::changed_entries(&doc.diff(before, &after)),
            };
            projection::apply(&tx, agreement.ag, &agreement.id, doc, &changed)?;
            projection::set_heads(&tx, agreement.ag, &after)?;
            due = chunks::incremental_count(&tx, agreement.ag)? >= chunks::COMPACT_AFTER_CHUNKS;
        }
        if let Some(also) = also {
            also(&tx)?;
        }
        tx.commit()?;
        Ok(due)
    }

    /// The document heads of an agreement, hex-encoded and sorted: equal heads mean
    /// two stores hold exactly the same changes.
    pub fn heads(&mut self, id: &AgreementId) -> Result<Vec<String>> {
        let agreement = self.resolve(id)?;
        let mut heads: Vec<String> = self
            .doc(&agreement)?
            .get_heads()
            .iter()
            .map(|h| h.to_string())
            .collect();
        heads.sort();
        Ok(heads)
    }

    /// Every projected row of an agreement, for comparing projections in tests and
    /// diagnostics. (Contains the agreement's data: never log it.)
    pub fn projection_dump(&self, id: &AgreementId) -> Result<Vec<String>> {
        projection::dump(&self.conn, self.resolve(id)?.ag)
    }

    /// Recomputes an agreement's projection from its document alone.
    pub fn rebuild_projection(&mut self, id: &AgreementId) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.doc(&agreement)?;
        let Self { conn, docs, .. } = self;
        let loaded = docs.get_mut(&agreement.ag).expect("just loaded");
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        chunks::catch_up(&tx, agreement.ag, loaded)?;
        let doc = &mut loaded.doc;
        projection::rebuild(&tx, agreement.ag, doc)?;
        projection::set_heads(&tx, agreement.ag, &doc.get_heads())?;
        tx.commit()?;
        self.forget_rules(&agreement);
        Ok(())
    }

    /// Drops what was worked out from an agreement that may just have changed.
    fn forget_rules(&mut self, agreement: &Agreement) {
        self.coaching.remove(&agreement.ag);
        self.deciders.remove(&agreement.ag);
        self.views.get_mut().remove(&agreement.ag);
    }

    /// Notes a change for [`Store::take_changed`].
    pub(super) fn note_changed(&mut self, id: &AgreementId) {
        if !self.changed.contains(id) {
            self.changed.push(id.clone());
        }
    }

    /// The agreements this `Store` changed since the last time this was asked, in
    /// the order they first changed: a local write, an import, or a sync message
    /// that was applied. The FFI turns them into change notifications, so a screen
    /// refreshes without polling.
    pub fn take_changed(&mut self) -> Vec<AgreementId> {
        std::mem::take(&mut self.changed)
    }
}

/// A new actor for a `Store` that writes: the first 8 bytes of SHA-256 of the
/// device's identity key (its device id, so every change stays attributable to the
/// device) and 8 random bytes. A device thus writes under many actors over its life,
/// one per open, and never reuses one: not across two processes on one file, and
/// not after the file is restored from an older copy.
fn writer_actor(identity: &DeviceIdentity) -> ActorId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&Sha256::digest(identity.public_key())[..8]);
    getrandom::fill(&mut bytes[8..]).expect("the operating system's random source is unavailable");
    ActorId::from(&bytes[..])
}

fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?)
}

/// Whether two lists of heads name the same changes, in any order.
fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    a.len() == b.len() && a.iter().all(|h| b.contains(h))
}

#[cfg(test)]
mod at_rest_tests;
#[cfg(test)]
mod many_hands_tests;
#[cfg(test)]
mod tests;
