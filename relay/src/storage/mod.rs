//! Where the relay keeps mailboxes: one trait, two backends.
//!
//! - [`sqlite::Sqlite`]: one file in the data directory, for one relay process. The
//!   default: `coachline-relay --data DIR` needs nothing else installed.
//! - [`postgres::Postgres`]: one PostgreSQL database shared by any number of stateless
//!   relay processes behind a load balancer, for when one clinic's machine is
//!   outgrown.
//!
//! Both keep the same four things: messages (id, mailbox, SHA-256 of the bytes, when
//! deposited, the bytes), a byte count per mailbox (the quota, without summing a
//! mailbox on every deposit), and the replay ids of accepted requests until they
//! expire. Both pass the same conformance suite (`tests/conformance.rs`).
//!
//! Rules every backend keeps, which the phones rely on:
//! - **Ids grow and are never reused**, not even after the newest message is
//!   acknowledged: a late, retried acknowledgement of an old id must never delete a
//!   newer message.
//! - **A deposit is atomic per mailbox**: the duplicate check, the quota check and the
//!   insert happen under one lock of that mailbox, so concurrent deposits neither
//!   store the same bytes twice nor overfill the quota.
//! - **A `Stored` answer is durable**: the relay answers `201` only after the message
//!   is committed to disk.
//! - **The same bytes in the same mailbox are one message** until it is acknowledged
//!   (keyed by SHA-256 of the bytes), so a phone that lost the answer to a deposit can
//!   simply send it again.

pub mod postgres;
pub mod sqlite;

use std::future::Future;
use std::time::Duration;

use coachline_relay_protocol::batch::Batch;
use coachline_relay_protocol::Mailbox;

/// A relay's storage. Every method is one atomic step; none of them checks who asks
/// (the server has), and none of them logs anything.
///
/// Times are milliseconds since the Unix epoch, passed in rather than read from a
/// clock so that the conformance suite can test retention and expiry.
pub trait Storage: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`, as the health check reports it.
    fn kind(&self) -> &'static str;

    /// Keeps `message` in `mailbox` unless the mailbox already holds the same bytes
    /// (then their id, unchanged) or would hold more than `quota_bytes` with it.
    fn deposit(
        &self,
        mailbox: Mailbox,
        message: &[u8],
        now_ms: i64,
        quota_bytes: u64,
    ) -> impl Future<Output = Result<Deposit, StorageError>> + Send;

    /// Up to `limit` messages of `mailbox` with ids above `after`, oldest first, and
    /// whether more wait beyond them.
    fn fetch(
        &self,
        mailbox: Mailbox,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Batch, StorageError>> + Send;

    /// Deletes the messages of `mailbox` with these ids; ids that are gone or belong
    /// to another mailbox are ignored. Answers how many were deleted.
    fn ack(
        &self,
        mailbox: Mailbox,
        ids: &[u64],
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;

    /// Remembers a request's replay id until `expires_ms`: `true` the first time,
    /// `false` if it is already remembered (a replay).
    fn first_use(
        &self,
        replay_id: [u8; 16],
        expires_ms: i64,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Deletes the messages deposited more than `retention` before `now_ms`, the
    /// replay ids expired by `now_ms`, and the byte counts of mailboxes left empty.
    /// Works in small batches, so that deposits wait for at most one batch.
    fn sweep(
        &self,
        now_ms: i64,
        retention: Duration,
    ) -> impl Future<Output = Result<Swept, StorageError>> + Send;

    /// Checks that the storage answers (the health check).
    fn check(&self) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// What a deposit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deposit {
    /// Kept, under this new id.
    Stored(u64),
    /// The mailbox already held these bytes, under this id.
    AlreadyHeld(u64),
    /// Not kept: the mailbox would hold more than its quota.
    QuotaExceeded,
}

/// What a sweep deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub messages: u64,
    pub replay_ids: u64,
    pub mailboxes: u64,
}

/// The storage failed; the request changed nothing and may be tried again.
///
/// Its text is safe to log: it carries the backend's error code and message, never a
/// statement's parameters. (PostgreSQL's `DETAIL` of a constraint violation quotes
/// the key, here a mailbox; it is left out.)
#[derive(Debug, thiserror::Error)]
#[error("{backend}: {what}")]
pub struct StorageError {
    backend: &'static str,
    what: String,
}

impl StorageError {
    pub(crate) fn new(backend: &'static str, what: impl Into<String>) -> Self {
        Self {
            backend,
            what: what.into(),
        }
    }
}

/// The milliseconds in `d`, saturating.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// An id as the storage keeps it (a signed 64-bit integer, positive).
pub(crate) fn id_to_sql(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// An id as the protocol carries it; storage ids are always positive.
pub(crate) fn id_from_sql(id: i64) -> u64 {
    u64::try_from(id).expect("message ids are positive")
}

/// The ids a storage can hold (positive signed 64-bit integers), sorted and without
/// repeats; others can only be ignored.
pub(crate) fn ack_ids(ids: &[u64]) -> Vec<i64> {
    let mut ids: Vec<i64> = ids
        .iter()
        .filter_map(|&id| i64::try_from(id).ok())
        .filter(|&id| id > 0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
