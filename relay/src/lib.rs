//! The Coachline relay: keeps sealed sync messages in per-device mailboxes until their
//! recipient acknowledges them, so that a lockout reported on Tuesday reaches the
//! therapist's phone before Wednesday's call without the two phones meeting.
//!
//! It reads nothing. A message is the envelope the phones already seal end to end
//! (HPKE); the relay keeps its bytes, the mailbox they are for, when they came, and a
//! hash of them (to make a repeated deposit a no-op). There are no accounts: a device
//! is its Ed25519 identity key, every request is signed with it, and the wire protocol
//! ([`coachline_relay_protocol`]) says what each request means and how it is refused.
//!
//! ```text
//!  phones ──HTTP──▶ server (axum)  signature, audience, clock, rate, replay, limits
//!                      │
//!                      ▼
//!                  Storage trait ──▶ sqlite.rs   one file, one process (the default)
//!                                └─▶ postgres.rs one database, many relay processes
//! ```
//!
//! - [`server`]: the HTTP endpoints, the checks every signed request passes, the
//!   refusals (always the protocol's JSON `ErrorBody`) and the request log.
//! - [`storage`]: the [`storage::Storage`] trait and its two backends; both pass one
//!   conformance suite (`tests/conformance.rs`).
//! - [`rate`]: the per-key token buckets.
//! - [`logging`]: JSON log lines that name no device and carry no message bytes.
//!
//! Privacy: the logs carry no message bytes, no keys and no mailbox names, only a
//! keyed hash of a mailbox whose key is random per process ([`logging::MailboxTags`]),
//! enough to follow one device through one process's log and no further.

pub mod logging;
pub mod rate;
pub mod server;
pub mod storage;

pub use server::{serve, Limits, Relay};
pub use storage::{Deposit, Storage, StorageError, Swept};
