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

    /// A change from outside (an import or a sync message) broke a rule every change
    /// of an agreement keeps ([`crate::doc::admission`]). Nothing was applied.
    #[error("refused: {0}")]
    Refused(crate::doc::Violation),

    /// The SQLite file is not a Coachline store, or is from a newer Coachline.
    /// It was neither modified nor deleted.
    #[error("unusable store: {0}")]
    StoreUnusable(String),

    /// The key given does not open the store: a wrong key, or a file that is not a
    /// Coachline store at all (an encrypted file cannot tell the two apart). The file
    /// was neither modified nor deleted.
    #[error("the key does not open this store (a wrong key, or not a Coachline store); the file was left as it was")]
    WrongKey,

    /// A sync message that was refused before anything was applied: the store is
    /// exactly as it was. `reason` says which check failed.
    #[error("sync message rejected: {reason}")]
    Rejected { reason: Rejection },

    /// An invitation that cannot pair two phones (given to `join`, or carried by a
    /// joining client's first message). Nothing was changed.
    #[error("invitation refused: {0}")]
    InvitationRefused(InvitationProblem),

    /// A relay pass could not go on ([`crate::relay`]). Nothing stored was lost:
    /// what was not delivered or not acknowledged goes again with a later pass.
    #[error("relay: {0}")]
    Relay(RelayProblem),

    /// A sealed export that was not opened ([`crate::backup`]). Nothing was changed.
    #[error("backup not opened: {0}")]
    BackupNotOpened(BackupProblem),

    #[error("storage error: {0}")]
    Storage(#[source] rusqlite::Error),

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
                "this store holds {count} agreements: say which one to use"
            ),
        }
    }
}

/// Why a sync message was rejected. None of these says anything about the message's
/// content: a rejected message was either never opened or never applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not a Coachline sync message, from an unknown version, or over the size limit.
    Malformed,
    /// Sealed for another device.
    WrongRecipient,
    /// The sender is not this agreement's paired peer on this device.
    UnknownSender,
    /// Its counter is not above the last one accepted from that sender: a replay, or
    /// a message overtaken by a newer one (whose sync supersedes it).
    Replayed,
    /// The authenticated encryption does not open: a changed byte, or a sender
    /// without the key it claims.
    Tampered,
    /// It opened, but what it carries is not a valid change of this agreement (not
    /// an Automerge sync message, a malformed entry, a different agreement header).
    InvalidContent,
    /// Too many incomplete messages from senders that are not a paired peer are
    /// waiting for their remaining fragments: the message was not held. The paired
    /// peer is never refused for this ([`crate::sync::fragments`]).
    Busy,
    /// It opened, but what it carries would take more than
    /// [`crate::inflation::MAX_INFLATED`] bytes once decompressed: refused before
    /// decompressing it.
    TooLarge,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => {
                "not a Coachline sync message (or too large, or from a newer version)"
            }
            Self::WrongRecipient => "it was sealed for another device",
            Self::UnknownSender => "the sender is not this agreement's paired peer",
            Self::Replayed => "it was already received, or a newer message from the sender was",
            Self::Tampered => "it was altered in transit or forged (authentication failed)",
            Self::InvalidContent => "it does not carry valid changes of this agreement",
            Self::Busy => {
                "too many incomplete messages from unpaired senders are waiting: try again later"
            }
            Self::TooLarge => "what it carries would take more than 64 MiB once decompressed",
        })
    }
}

/// Why an invitation cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationProblem {
    /// Not an invitation line at all (prefix, characters or length).
    Malformed,
    /// Its signature does not verify as the other party's, or their phone never
    /// issued it: the line was altered or mistyped.
    Forged,
    Expired,
    /// Already used by another phone; invitations are one-time.
    Spent,
}

impl std::fmt::Display for InvitationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "not a Coachline invitation (expected one line starting COACHLINE1: or COACHLINE2:)",
            Self::Forged => {
                "the invitation was altered or mistyped, or was not issued by the other party's phone"
            }
            Self::Expired => "the invitation has expired: ask the therapist for a new one",
            Self::Spent => "the invitation was already used by another phone: ask for a new one",
        })
    }
}

/// Why a relay pass stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayProblem {
    /// This phone has no relay: give one, or join with an invitation that names one.
    NoRelay,
    /// The relay refused a request, with the protocol's code.
    Refused(coachline_relay_protocol::ErrorCode),
    /// The answer is not the relay protocol's (another server, a proxy's error page).
    UnexpectedAnswer { status: u16 },
    /// The pass was given an answer it did not ask for, or asked for the next request
    /// before the last one was answered.
    OutOfTurn,
}

impl std::fmt::Display for RelayProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoRelay => f.write_str(
                "this phone has no relay yet: give its address, or join with an invitation that names one",
            ),
            Self::Refused(code) => write!(f, "the relay refused the request ({code}): {}", code.message()),
            Self::UnexpectedAnswer { status } => write!(
                f,
                "the answer (HTTP status {status}) is not from a Coachline relay: check the address"
            ),
            Self::OutOfTurn => f.write_str(
                "the pass was given an answer it did not ask for, or asked for the next request before answering the last",
            ),
        }
    }
}

/// Why a sealed export was not opened. None of these says anything about what was
/// given to open it, or about what the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupProblem {
    /// It is sealed with a passphrase, and none was given (or an identity was).
    NeedsPassphrase,
    /// It is sealed for an age recipient, and no identity was given (or a passphrase
    /// was).
    NeedsIdentity,
    /// The passphrase or identity given does not open it.
    WrongKey,
    /// It was altered, truncated or damaged after it was sealed (authentication
    /// failed), or its header is not one age writes.
    Tampered,
    /// Its passphrase would take more work to check than this device accepts: not a
    /// file this device could be expected to open (a crafted one, or one sealed at a
    /// far higher cost on a far faster machine).
    TooCostly,
}

impl std::fmt::Display for BackupProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NeedsPassphrase => "it is sealed with a passphrase: give the passphrase",
            Self::NeedsIdentity => {
                "it is sealed for an age recipient: give the matching identity (AGE-SECRET-KEY-1…)"
            }
            Self::WrongKey => "the passphrase or identity given does not open it",
            Self::Tampered => {
                "it was altered or damaged after it was sealed (authentication failed)"
            }
            Self::TooCostly => {
                "its passphrase would take far more work to check than this device allows"
            }
        })
    }
}

/// What a damaged store is told, whatever SQLite found: where and how is of no use
/// to a person, and the file is left as it was for a salvage.
pub const DAMAGED: &str =
    "the store file is damaged (a truncated file or a corrupted page); it was \
     left as it was: salvage copies what can still be read into a new store";

/// A storage error, except that SQLite finding the file damaged (a page that does
/// not read as what it should be) is [`Error::StoreUnusable`]: the app should stop
/// using the store and offer a salvage, not retry.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Self::StoreUnusable(DAMAGED.into())
            }
            _ => Self::Storage(e),
        }
    }
}

impl Error {
    pub fn rejected(reason: Rejection) -> Self {
        Self::Rejected { reason }
    }

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
                | Self::Refused(_)
                | Self::WrongKey
                | Self::Rejected { .. }
                | Self::InvitationRefused(_)
                | Self::BackupNotOpened(_)
        )
    }
}
