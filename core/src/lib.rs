//! # coachline-core
//!
//! The offline-first core of Coachline, a DBT phone-coaching app. One coaching
//! agreement per client–therapist pair, with its call log and behaviour reports,
//! lives in one Automerge document ([`doc`]); each phone keeps its documents in one
//! SQLite file ([`store`]) together with a relational *projection* of them, so that
//! everything a person looks at (the agreement, the log, whether they may call now)
//! is read from indexed tables in a millisecond instead of walking the CRDT.
//!
//! Layers, from the bottom:
//! - [`model`]: plain Rust types for the domain, validated on construction;
//! - [`identity`]: the device's Ed25519 key and agreement signatures;
//! - [`doc`]: how the model is laid out in Automerge, and how it is read back;
//! - [`rules`]: pure functions of (agreement state, now): the 24-hour rule,
//!   availability, return calls;
//! - [`store`]: SQLite persistence, the projection, and the service API the shells call;
//! - [`sync`]: pairing, sealed messages and sync sessions between the two phones;
//! - [`relay`]: sync through a relay, sans-IO (requests and answers as values);
//! - [`backup`]: exports sealed in the age format, the file a person keeps.
//!
//! Nothing here knows about UniFFI, clap or any shell.

pub mod backup;
pub mod doc;
pub mod error;
#[cfg(feature = "fixtures")]
pub mod fixtures;
pub mod identity;
pub mod inflation;

pub mod model;
pub mod panic_hook;
pub mod redact;
pub mod relay;
pub mod rules;
pub mod screens;
pub mod store;
pub mod sync;

pub mod time;
pub mod words;

pub use error::{Error, Result};
pub use time::Timestamp;
