//! [`CoachlineStore`]: one device's store, as the apps hold it.
//!
//! The core's [`Store`] is a single SQLite connection and is not `Sync`, so the object
//! keeps it behind a mutex: calls from several threads run one after another, each
//! complete (a write is one transaction). The lock is held for the length of one call
//! only; nothing a call returns borrows from the store.
//!
//! Every method runs inside [`with_store`](CoachlineStore::with_store): a panic
//! becomes `CoachlineError::Internal`, and the store is reopened from disk before
//! the next call (what is on disk is always a whole number of transactions, while
//! the in-memory document of a call that panicked may not be).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use zeroize::Zeroizing;

use coachline_core::backup;
use coachline_core::model::AgreementId;
use coachline_core::store::{Store, StoreKey};
use coachline_core::Timestamp;

use crate::convert::{self, count, instant, parse_agreement_id};
use crate::error::{guard, CoachlineError, Result};
use crate::records::*;

/// Told when an agreement changes, so a screen showing it computes again without
/// polling. Implemented by the shell (Kotlin, Swift, Python); must be thread-safe.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    /// Agreement `agreement_id` changed.
    fn agreement_changed(&self, agreement_id: String);
}

/// One device's Coachline store: its identity, its agreements and their logs, in one
/// SQLite file. Safe to share between threads; calls run one at a time.
///
/// Every method that records or decides something takes `now_ms`, the instant to
/// record or decide at, in milliseconds since the epoch; leave it out (null/`nil`/
/// `None`) to use the system clock. Tests and replays pass it explicitly.
#[derive(uniffi::Object)]
pub struct CoachlineStore {
    path: PathBuf,
    /// Told about every agreement a call changed ([`ChangeListener`]).
    listeners: Mutex<Vec<(u64, Arc<dyn ChangeListener>)>>,
    /// The store's key, to reopen it after a panic; wiped when the object is freed.
    key: Mutex<StoreKey>,
    /// `None` once closed.
    store: Mutex<Option<Store>>,
}

impl CoachlineStore {
    /// The call decision of an agreement at `now` (see [`CoachlineStore::status`]).
    pub(crate) fn decide(&self, id: &AgreementId, now: Timestamp) -> Result<Decision> {
        self.with_store(|s| Ok(s.status(id, now)?.into()))
    }

    /// Runs a screen's computation or an action on the open store, guarded.
    pub(crate) fn screen<T>(&self, call: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.with_store(call)
    }

    /// Runs `call` on the open store, guarded (see the module documentation); then,
    /// with the store's lock released, tells the listeners which agreements it
    /// changed, so a listener may call back into the store.
    fn with_store<T>(&self, call: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut changed = Vec::new();
        let result = guard(|| {
            let mut slot = match self.store.lock() {
                Ok(slot) => slot,
                Err(poisoned) => self.reopen_after_panic(poisoned)?,
            };
            let store = slot.as_mut().ok_or(CoachlineError::Closed)?;
            let out = call(store);
            changed = store.take_changed();
            out
        });
        if !changed.is_empty() {
            self.notify(&changed);
        }
        result
    }

    /// Calls every listener for every changed agreement. A listener that fails
    /// (a foreign exception, a panic) is skipped: the change is stored either way.
    fn notify(&self, changed: &[AgreementId]) {
        let listeners: Vec<Arc<dyn ChangeListener>> = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(_, l)| Arc::clone(l))
            .collect();
        for id in changed {
            for listener in &listeners {
                let _ = guard(|| {
                    listener.agreement_changed(id.to_string());
                    Ok(())
                });
            }
        }
    }

    /// An earlier call panicked while holding the store: replace it with the store as
    /// it is on disk. If reopening fails, the lock stays poisoned and the next call
    /// tries again.
    fn reopen_after_panic<'a>(
        &'a self,
        poisoned: PoisonError<MutexGuard<'a, Option<Store>>>,
    ) -> Result<MutexGuard<'a, Option<Store>>> {
        let mut slot = poisoned.into_inner();
        if slot.is_some() {
            let key = self.key.lock().unwrap_or_else(PoisonError::into_inner);
            *slot = Some(Store::open(&self.path, &key)?);
        }
        self.store.clear_poison();
        Ok(slot)
    }
}

#[uniffi::export]
impl CoachlineStore {
    /// Opens the store at `path` with its 32-byte `key`, creating the file (encrypted)
    /// if absent. The key comes from the platform's keystore (see the FFI README);
    /// the copy made here is wiped when the store is freed, and the caller should
    /// wipe its own. A store from before encryption is encrypted in place, crash-safely.
    ///
    /// A key that does not open the file is `WrongKey`; a file that is not a
    /// Coachline store, or is from a newer Coachline, is `StoreUnusable`. Either way
    /// the file is left untouched.
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> Result<Arc<Self>> {
        let key = Zeroizing::new(key);
        guard(|| {
            // Absolute, so that reopening after a panic finds the same file whatever
            // the process's working directory has become.
            let path = std::path::absolute(&path).map_err(|_| CoachlineError::InvalidInput {
                field: "path".into(),
                reason: "expected the path of a store file".into(),
            })?;
            let key = StoreKey::from_bytes(&key)?;
            let store = Store::open(&path, &key)?;
            Ok(Arc::new(Self {
                path,
                listeners: Mutex::new(Vec::new()),
                key: Mutex::new(key),
                store: Mutex::new(Some(store)),
            }))
        })
    }

    /// Re-encrypts the whole store under `new_key` (32 bytes), in one transaction: if
    /// the app is killed during it, the store stays under the old key. Keep the new
    /// key in the keystore only once this returns, and the old one until then.
    pub fn rekey(&self, new_key: Vec<u8>) -> Result<()> {
        let new_key = Zeroizing::new(new_key);
        let new_key = StoreKey::from_bytes(&new_key)?;
        self.with_store(|s| {
            s.rekey(&new_key)?;
            *self.key.lock().unwrap_or_else(PoisonError::into_inner) = new_key;
            Ok(())
        })
    }

    /// Registers `listener` to be told whenever an agreement of this store changes
    /// through this object: a local write, an import, or an applied sync message.
    /// It is called on the thread that made the change, after the call's work is
    /// stored and the store's lock released (so it may read screens at once), once
    /// per changed agreement. Returns a handle for `remove_change_listener`.
    pub fn add_change_listener(&self, listener: Arc<dyn ChangeListener>) -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let handle = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((handle, listener));
        handle
    }

    /// Stops telling the listener `add_change_listener` returned `handle` for;
    /// an unknown handle is ignored.
    pub fn remove_change_listener(&self, handle: u64) {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(h, _)| *h != handle);
    }

    /// Closes the store: waits for a call in progress, then releases the database.
    /// Every later call, from any thread, fails with `Closed`; closing twice is fine.
    /// (In Kotlin this is `closeStore()`: `close()` there is `AutoCloseable.close`,
    /// which frees the native object and, with it, the database.)
    pub fn close(&self) {
        let _ = guard(|| {
            let mut slot = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            *slot = None;
            self.store.clear_poison();
            Ok(())
        });
    }

    /// Creates this device's identity (role, display name and a fresh signing key);
    /// a store holds exactly one (`AlreadyInitialized` otherwise). The core calls
    /// this `init`; `init` is reserved in Swift.
    #[uniffi::method(default(now_ms = None))]
    pub fn create_identity(
        &self,
        role: Role,
        name: String,
        now_ms: Option<i64>,
    ) -> Result<IdentityInfo> {
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.init(role.into(), &name, now)?.into()))
    }

    /// This device's identity, or none before `create_identity` (show onboarding).
    pub fn identity(&self) -> Result<Option<IdentityInfo>> {
        self.with_store(|s| match s.whoami() {
            Ok(me) => Ok(Some(me.into())),
            Err(coachline_core::Error::NoIdentity) => Ok(None),
            Err(e) => Err(e.into()),
        })
    }

    /// Every agreement in the store, oldest first.
    pub fn list_agreements(&self) -> Result<Vec<AgreementListItem>> {
        self.with_store(|s| Ok(s.agreements()?.into_iter().map(Into::into).collect()))
    }

    /// The id of the store's only agreement (a client's phone usually holds exactly
    /// one). `AgreementNeeded` when it holds none or several.
    pub fn default_agreement_id(&self) -> Result<String> {
        self.with_store(|s| Ok(s.select_agreement(None)?.to_string()))
    }

    /// Drafts a new agreement with the form's default terms, for `client_name`, in
    /// the therapist's IANA `time_zone` (UTC if none). Therapists only. Returns its id.
    #[uniffi::method(default(time_zone = None, now_ms = None))]
    pub fn create_agreement(
        &self,
        client_name: String,
        time_zone: Option<String>,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| {
            Ok(s.create_agreement(&client_name, time_zone.as_deref(), now)?
                .to_string())
        })
    }

    /// The agreement with its terms, resources, behaviours, holidays, signatures
    /// and status.
    pub fn agreement(&self, agreement_id: String) -> Result<Agreement> {
        let id = parse_agreement_id(&agreement_id)?;
        self.with_store(|s| Ok(s.agreement(&id)?.into()))
    }

    /// The text form of one term, as `set_term` takes it (lists one item per line),
    /// to fill an edit field.
    pub fn term_value(&self, agreement_id: String, key: TermKey) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        self.with_store(|s| Ok(s.agreement(&id)?.terms.get(key.into())))
    }

    /// Edits one term from its text form (see `TermKey` for each format). Either
    /// party may; signatures over the old terms stop counting (`NeedsResigning`).
    #[uniffi::method(default(now_ms = None))]
    pub fn set_term(
        &self,
        agreement_id: String,
        key: TermKey,
        value: String,
        now_ms: Option<i64>,
    ) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.set_term(&id, key.into(), &value, now)?))
    }

    /// Adds a crisis resource; returns its id.
    #[uniffi::method(default(now_ms = None))]
    pub fn add_resource(
        &self,
        agreement_id: String,
        name: String,
        contact: String,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.add_resource(&id, &name, &contact, now)?.to_string()))
    }

    /// Removes a crisis resource; the last one cannot be removed (`InvalidInput`).
    #[uniffi::method(default(now_ms = None))]
    pub fn remove_resource(
        &self,
        agreement_id: String,
        resource_id: String,
        now_ms: Option<i64>,
    ) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.remove_resource(&id, &resource_id, now)?))
    }

    /// Adds a target behaviour; `triggers_lockout` says whether reporting it starts
    /// the lockout. Returns its id.
    #[uniffi::method(default(triggers_lockout = true, now_ms = None))]
    pub fn add_behavior(
        &self,
        agreement_id: String,
        label: String,
        triggers_lockout: bool,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| {
            Ok(s.add_behavior(&id, &label, triggers_lockout, now)?
                .to_string())
        })
    }

    /// Removes a target behaviour; past reports naming it keep their meaning.
    #[uniffi::method(default(now_ms = None))]
    pub fn remove_behavior(
        &self,
        agreement_id: String,
        behavior_id: String,
        now_ms: Option<i64>,
    ) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.remove_behavior(&id, &behavior_id, now)?))
    }

    /// Adds a phone holiday from `first_day` to `last_day` inclusive (`YYYY-MM-DD`,
    /// in the therapist's time zone). Returns its id.
    #[uniffi::method(default(note = None, now_ms = None))]
    pub fn add_holiday(
        &self,
        agreement_id: String,
        first_day: String,
        last_day: String,
        note: Option<String>,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| {
            Ok(
                s.add_holiday(&id, &first_day, &last_day, note.as_deref(), now)?
                    .to_string(),
            )
        })
    }

    /// Removes a phone holiday.
    #[uniffi::method(default(now_ms = None))]
    pub fn remove_holiday(
        &self,
        agreement_id: String,
        holiday_id: String,
        now_ms: Option<i64>,
    ) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.remove_holiday(&id, &holiday_id, now)?))
    }

    /// Signs the current terms with this device's key; returns the new status.
    #[uniffi::method(default(now_ms = None))]
    pub fn sign(&self, agreement_id: String, now_ms: Option<i64>) -> Result<AgreementStatus> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.sign(&id, now)?.into()))
    }

    /// May the client call now, and if not, what instead? The decision holds from
    /// the moment an agreement is drafted, whatever its signatures. Answered from
    /// memory after the first call: cheap enough for every screen refresh.
    #[uniffi::method(default(now_ms = None))]
    pub fn status(&self, agreement_id: String, now_ms: Option<i64>) -> Result<Decision> {
        let id = parse_agreement_id(&agreement_id)?;
        self.decide(&id, instant("now_ms", now_ms)?)
    }

    /// Starts a call by this device's party, with the pre-call worksheet. A client's
    /// call during a lockout is declined (and logged as such): the result says which,
    /// and what to show instead.
    #[uniffi::method(default(now_ms = None))]
    pub fn start_call(
        &self,
        agreement_id: String,
        worksheet: CallWorksheet,
        now_ms: Option<i64>,
    ) -> Result<CallAttempt> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        let start = worksheet.to_core()?;
        self.with_store(|s| Ok(s.start_call(&id, start, now)?.into()))
    }

    /// Records the therapist's return call for the callback request
    /// `request_call_id` (a missed call, or one made out of hours). Therapists
    /// only. Returns the id of the return call, to end with `end_call`.
    #[uniffi::method(default(now_ms = None))]
    pub fn return_call(
        &self,
        agreement_id: String,
        request_call_id: String,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.return_call(&id, &request_call_id, now)?.to_string()))
    }

    /// What happened from `since_ms` (default: the last in-person session, else
    /// the last 7 days) up to `now_ms`: the therapist's preparation for the next
    /// session.
    #[uniffi::method(default(since_ms = None, now_ms = None))]
    pub fn summary(
        &self,
        agreement_id: String,
        since_ms: Option<i64>,
        now_ms: Option<i64>,
    ) -> Result<Summary> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        let since = since_ms
            .map(|ms| instant("since_ms", Some(ms)))
            .transpose()?;
        self.with_store(|s| Ok(s.summary(&id, since, now)?.into()))
    }

    /// Records the end of a call: outcome, skills suggested, urge after.
    #[uniffi::method(default(now_ms = None))]
    pub fn end_call(
        &self,
        agreement_id: String,
        call_id: String,
        ending: CallEnding,
        now_ms: Option<i64>,
    ) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        let end = ending.to_core()?;
        self.with_store(|s| Ok(s.end_call(&id, &call_id, end, now)?))
    }

    /// Records that the client engaged in a target behaviour at `occurred_at_ms`
    /// (default: now). `behavior_label` names one of the agreement's behaviours, or
    /// none for an unnamed target behaviour (which always starts the lockout).
    /// Either party may report, possibly later. Returns the report id.
    #[uniffi::method(default(behavior_label = None, occurred_at_ms = None, now_ms = None))]
    pub fn report_behavior(
        &self,
        agreement_id: String,
        behavior_label: Option<String>,
        occurred_at_ms: Option<i64>,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        let occurred_at = match occurred_at_ms {
            None => now,
            at => instant("occurred_at_ms", at)?,
        };
        self.with_store(|s| {
            Ok(
                s.report_behavior(&id, behavior_label.as_deref(), occurred_at, now)?
                    .to_string(),
            )
        })
    }

    /// Retracts a report made by mistake: it no longer counts (a retraction wins
    /// over concurrent edits), but stays in the history.
    #[uniffi::method(default(now_ms = None))]
    pub fn retract_report(
        &self,
        agreement_id: String,
        report_id: String,
        now_ms: Option<i64>,
    ) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.retract_report(&id, &report_id, now)?))
    }

    /// Records an in-person session held at `at_ms` (default: now); the session
    /// summary covers what happened since the last one. Returns its id.
    #[uniffi::method(default(at_ms = None, now_ms = None))]
    pub fn record_session(
        &self,
        agreement_id: String,
        at_ms: Option<i64>,
        now_ms: Option<i64>,
    ) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        let at = match at_ms {
            None => now,
            at => instant("at_ms", at)?,
        };
        self.with_store(|s| Ok(s.record_session(&id, at, now)?.to_string()))
    }

    /// The newest `limit` calls and behaviour reports together, newest first.
    #[uniffi::method(default(limit = 100))]
    pub fn log(&self, agreement_id: String, limit: i32) -> Result<Vec<LogEntry>> {
        let id = parse_agreement_id(&agreement_id)?;
        let limit = count("limit", limit)?;
        self.with_store(|s| Ok(s.log(&id, limit)?.into_iter().map(Into::into).collect()))
    }

    /// The whole agreement as bytes, to keep as a backup or to hand to the other
    /// party's `import_agreement` by any means. Sealed in the age format with a
    /// passphrase or for a recipient (`age1…`), which only that passphrase or the
    /// recipient's identity opens (`age -d` too); or, on the explicit choice
    /// `BackupSeal.Plain`, a plain Automerge document any Automerge reader loads.
    /// Offer a person the passphrase: a forgotten one is not recoverable. Sealing
    /// (about a second of scrypt) runs outside the store's lock, so other calls are
    /// not held up by it.
    pub fn export_agreement(&self, agreement_id: String, seal: BackupSeal) -> Result<Vec<u8>> {
        guard(|| {
            let id = parse_agreement_id(&agreement_id)?;
            let seal = convert::seal(seal)?;
            let plain = self.with_store(|s| Ok(s.export(&id)?))?;
            let Some(seal) = seal else {
                return Ok(plain);
            };
            let plain = Zeroizing::new(plain);
            Ok(backup::seal(&plain, &seal)?)
        })
    }

    /// Merges exported bytes into the store, creating the agreement if it is new. A
    /// sealed export needs `unseal`, its passphrase or identity (without it:
    /// `BackupNotOpened` with `NeedsPassphrase` or `NeedsIdentity`); a plain one needs
    /// nothing. The bytes are opened (outside the store's lock) and checked
    /// completely first; on any error nothing changes (`BackupNotOpened` for a sealed
    /// file that does not open, `NotAnAgreement` for bytes that are not a Coachline
    /// agreement).
    #[uniffi::method(default(unseal = None))]
    pub fn import_agreement(
        &self,
        bytes: Vec<u8>,
        unseal: Option<BackupUnseal>,
    ) -> Result<ImportOutcome> {
        guard(|| {
            let opened = match unseal.map(convert::unseal).transpose()? {
                Some(unseal) if backup::is_sealed(&bytes) => Some(backup::open(&bytes, &unseal)?),
                _ => None,
            };
            let bytes = opened.as_ref().map_or(&bytes[..], |plain| &plain[..]);
            self.with_store(|s| Ok(s.import(bytes)?.into()))
        })
    }

    /// Issues an invitation for a phone of the other party to pair with this
    /// agreement: one line of text (show it as a QR code), valid for 48 hours, usable
    /// once. A therapist's phone invites the client's phone (or its replacement); a
    /// client's phone invites the therapist's new phone, in person, after the
    /// therapist replaced theirs. Only a phone the agreement records for its party
    /// may invite (`InvalidInput` otherwise).
    #[uniffi::method(default(now_ms = None))]
    pub fn invite(&self, agreement_id: String, now_ms: Option<i64>) -> Result<String> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.invite(&id, now)?))
    }

    /// Joins the agreement an invitation from the other party's phone names; returns
    /// its id. The agreement itself arrives with that phone's first sync message.
    /// `InvitationRefused` says why an invitation cannot be used.
    #[uniffi::method(default(now_ms = None))]
    pub fn join_agreement(&self, invitation: String, now_ms: Option<i64>) -> Result<String> {
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.join(&invitation, now)?.to_string()))
    }

    /// Every agreement's paired peer on this device.
    pub fn peers(&self) -> Result<Vec<PeerInfo>> {
        self.with_store(|s| Ok(s.peers()?.into_iter().map(Into::into).collect()))
    }

    /// The next sync message for this agreement's paired peer, or none when nothing
    /// is due. Each message is sealed for the peer alone; move it by any means
    /// (nearby radio, a relay, a file) to the peer's `sync_receive`. Call again
    /// until none to send everything due.
    #[uniffi::method(default(now_ms = None))]
    pub fn sync_next(&self, agreement_id: String, now_ms: Option<i64>) -> Result<Option<Vec<u8>>> {
        let id = parse_agreement_id(&agreement_id)?;
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.sync_next(&id, now)?))
    }

    /// Applies a sync message from the paired peer. Unknown senders, tampering and
    /// replays are refused (`SyncRejected`) before anything is applied.
    #[uniffi::method(default(now_ms = None))]
    pub fn sync_receive(&self, message: Vec<u8>, now_ms: Option<i64>) -> Result<SyncOutcome> {
        let now = instant("now_ms", now_ms)?;
        self.with_store(|s| Ok(s.sync_receive(&message, now)?.into()))
    }

    /// Loads an agreement's document now (e.g. on a background thread when the app
    /// starts), so the first change does not pay for it. Reads never need it.
    pub fn preload(&self, agreement_id: String) -> Result<()> {
        let id = parse_agreement_id(&agreement_id)?;
        self.with_store(|s| Ok(s.preload(&id)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &tempfile::TempDir, name: &str) -> Arc<CoachlineStore> {
        let path = dir.path().join(name).to_string_lossy().into_owned();
        CoachlineStore::open(path, vec![7; 32]).unwrap()
    }

    const NOW: i64 = 1_772_463_600_000; // 2026-03-02T15:00:00Z

    #[test]
    fn the_store_object_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CoachlineStore>();
    }

    #[test]
    fn a_panic_while_holding_the_store_is_an_error_and_the_store_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir, "t.db");
        store
            .create_identity(Role::Therapist, "T".into(), Some(NOW))
            .unwrap();
        let id = store.create_agreement("C".into(), None, Some(NOW)).unwrap();

        // A call that panics half-way through, with the lock held.
        let result: Result<()> = store.with_store(|s| {
            s.add_resource(
                &parse_agreement_id(&id)?,
                "R",
                "1",
                Timestamp::from_millis(NOW),
            )?;
            panic!("a bug");
        });
        assert!(matches!(result, Err(CoachlineError::Internal { .. })));
        assert!(store.store.is_poisoned());

        // The next call reopens the store from disk and works.
        assert_eq!(store.identity().unwrap().unwrap().name, "T");
        assert!(!store.store.is_poisoned());
        assert_eq!(store.agreement(id.clone()).unwrap().resources.len(), 3);
        store.add_behavior(id, "b".into(), true, Some(NOW)).unwrap();
    }

    #[test]
    fn close_after_a_panic_still_closes() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir, "t.db");
        let _ = store.with_store::<()>(|_| panic!("a bug"));
        store.close();
        assert_eq!(store.identity(), Err(CoachlineError::Closed));
    }

    fn therapist_with_agreement(dir: &tempfile::TempDir) -> (Arc<CoachlineStore>, String) {
        let store = open(dir, "t.db");
        store
            .create_identity(Role::Therapist, "T".into(), Some(NOW))
            .unwrap();
        let id = store
            .create_agreement("C".into(), Some("America/New_York".into()), Some(NOW))
            .unwrap();
        store
            .set_term(
                id.clone(),
                TermKey::Availability,
                "Mon-Fri 09:00-20:00".into(),
                Some(NOW),
            )
            .unwrap();
        (store, id)
    }

    #[test]
    fn extreme_instants_are_invalid_input_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let (store, id) = therapist_with_agreement(&dir);
        let worksheet = CallWorksheet {
            reason: CallReason::Coaching,
            situation: None,
            tried: vec![],
            urge_before: None,
        };
        fn field<T: std::fmt::Debug>(r: Result<T>) -> String {
            match r {
                Err(CoachlineError::InvalidInput { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        }
        for t in [i64::MIN, i64::MAX] {
            assert_eq!(field(store.status(id.clone(), Some(t))), "now_ms");
            assert_eq!(
                field(store.start_call(id.clone(), worksheet.clone(), Some(t))),
                "now_ms"
            );
            assert_eq!(
                field(store.summary(id.clone(), Some(t), Some(NOW))),
                "since_ms"
            );
            assert_eq!(
                field(store.report_behavior(id.clone(), None, Some(t), Some(NOW))),
                "occurred_at_ms"
            );
            assert_eq!(
                field(store.record_session(id.clone(), Some(t), Some(NOW))),
                "at_ms"
            );
        }
        assert!(store.log(id, 10).unwrap().is_empty());
    }

    /// The real panic-prone path: the core's `status` works out the therapist's
    /// hours with chrono, which panics for an instant beyond its range (year
    /// ±262,000). The surface refuses such instants before they reach the core;
    /// here one is routed past that check, through the same guard every method uses.
    #[test]
    fn a_time_that_would_overflow_the_calendar_is_an_error_and_the_store_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let (store, id) = therapist_with_agreement(&dir);
        let core_id = parse_agreement_id(&id).unwrap();
        let beyond = Timestamp::from_millis(i64::MAX);
        let naive: Result<Decision> = store.with_store(|s| Ok(s.status(&core_id, beyond)?.into()));
        // The core refuses it before any calendar arithmetic (chrono would panic).
        match naive {
            Err(CoachlineError::InvalidInput { field, .. }) => assert_eq!(field, "now"),
            other => panic!("expected an error, got {other:?}"),
        }
        let decision = store.status(id, Some(NOW)).unwrap();
        assert_eq!(decision.permission, Permission::Allowed);
    }

    #[test]
    fn a_removed_behaviour_named_by_a_report_shows_in_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir, "t.db");
        store
            .create_identity(Role::Therapist, "T".into(), Some(NOW))
            .unwrap();
        let id = store.create_agreement("C".into(), None, Some(NOW)).unwrap();
        let b = store
            .add_behavior(id.clone(), "b".into(), false, Some(NOW))
            .unwrap();
        store
            .report_behavior(id.clone(), Some("b".into()), None, Some(NOW))
            .unwrap();
        store
            .remove_behavior(id.clone(), b.clone(), Some(NOW))
            .unwrap();
        assert!(store.agreement(id.clone()).unwrap().behaviors.is_empty());
        match &store.log(id, 10).unwrap()[..] {
            [LogEntry::ReportEntry { report }] => {
                let named = report.behavior.as_ref().unwrap();
                assert_eq!(
                    (named.id.as_str(), named.removed, named.triggers_lockout),
                    (b.as_str(), true, false)
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
