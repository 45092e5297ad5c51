//! The one error type of the core.
//!
//! Messages name fields, ids and allowed values, never what a person wrote: this is
//! mental-health data, and errors end up in logs and crash reports. So no variant
//! carries a name, a note, a skill or a behaviour label.

use crate::model::Role;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that can never succeed as given; `reason` says what is allowed.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },

    /// An id that names nothing in this store or agreement.
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },

    /// The device's role may not do this (e.g. a client drafting an agreement).
    #[error("not permitted: only the {allowed} may {action}")]
    NotPermitted { action: &'static str, allowed: Role },

    /// The store has no device identity yet.
    #[error("this store has no identity yet: run init first")]
    NoIdentity,

    /// `init` on a store that already has its one identity.
    #[error("this store already has an identity; a store holds exactly one")]
    AlreadyInitialized,

    /// A command that needs one agreement, on a store holding none or several.
    #[error("{0}")]
    AgreementNeeded(AgreementNeeded),

    /// A file or document that is not a Coachline agreement (or is from a newer
    /// version of Coachline). Nothing was changed.
    #[error("not a Coachline agreement: {0}")]
    NotAnAgreement(String),

    /// The SQLite file is not a Coachline store, or is from a newer Coachline.
    /// It was neither modified nor deleted.
    #[error("unusable store: {0}")]
    StoreUnusable(String),

    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),

    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a command could not pick an agreement by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgreementNeeded {
    NoneInStore,
    Ambiguous { count: usize },
}

impl std::fmt::Display for AgreementNeeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoneInStore => f.write_str("this store holds no agreement yet"),
            Self::Ambiguous { count } => write!(
                f,
                "this store holds {count} agreements: choose one with --agreement ID"
            ),
        }
    }
}

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }

    /// True for errors caused by the caller's input (CLI exit code 2), as opposed
    /// to failures of the store or the file system.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::InvalidInput { .. }
                | Self::NotFound { .. }
                | Self::NotPermitted { .. }
                | Self::NoIdentity
                | Self::AlreadyInitialized
                | Self::AgreementNeeded(_)
                | Self::NotAnAgreement(_)
        )
    }
}
