//! The domain as plain Rust types. Constructors and parsers validate, so a value of
//! these types is always one the agreement allows (an urge is 0–5, a call band has
//! `min <= max`, a time zone is a real IANA zone...).

mod canonical;
mod ids;
mod log;
mod pairing;
mod role;
pub mod schedule;
mod terms;

pub use canonical::{canonical_terms, terms_hash, SignedTerms};
pub use ids::{AgreementId, EntryId};
pub use log::{Call, CallEnd, CallOutcome, CallReason, CallStart, Report, Session, Urge};
pub use pairing::Pairing;
pub use role::Role;
pub use schedule::{Holiday, Schedule, TimeZone};
pub(crate) use terms::line;
pub use terms::{Behavior, CallBand, Resource, Signature, TermEdit, TermKey, Terms};
