//! The one error type of the surface, and the guard that keeps panics inside it.
//!
//! Kotlin sees [`CoachlineError`] as the sealed class `CoachlineException` (catch
//! `CoachlineException.InvalidInput`...), Swift as the `CoachlineError` enum, Python
//! as the `CoachlineError` exception with one subclass per variant. Every variant
//! carries structured fields an app can act on, and its `toString()`/`description`/
//! `str()` is the Rust message below.
//!
//! Like the core's errors, no variant ever carries what a person wrote (a name, a
//! note, a behaviour label): only field names, ids, allowed values and counts. This is
//! mental-health data, and errors end up in logs and crash reports.

use std::panic::{catch_unwind, AssertUnwindSafe};

use coachline_core::error::AgreementNeeded;
use rusqlite::ErrorCode;

use crate::records::{
    BackupProblem, InvitationProblem, RelayProblem, Role, SyncRejection, Violation,
};

/// Why a call into Coachline failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum CoachlineError {
    /// Input that can never succeed as given (a malformed id, an urge of 9, an empty
    /// name, a time outside years 0–9999...). Fix the input; retrying will not help.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The input at fault, as the API or the agreement form names it (e.g.
        /// `urge`, `agreement id`, `lockout-hours`, `now_ms`).
        field: String,
        /// What is allowed instead.
        reason: String,
    },

    /// An id that names nothing in this store or agreement.
    #[error("no {what} with id {id}")]
    NotFound {
        /// The kind of thing looked for: `agreement`, `call`, `resource`,
        /// `behavior`, `holiday`, `behavior report`.
        what: String,
        /// The id that was given.
        id: String,
    },

    /// This device's role may not do this (e.g. a client drafting an agreement).
    #[error("not permitted: only the {allowed_role} may {action}")]
    NotPermitted {
        /// What was attempted, e.g. `draft an agreement`.
        action: String,
        /// The role that may do it.
        allowed_role: Role,
    },

    /// The store has no device identity yet: call `create_identity` first.
    #[error("this store has no identity yet: call create_identity first")]
    NoIdentity,

    /// `create_identity` on a store that already has its one identity.
    #[error("this store already has an identity; a store holds exactly one")]
    AlreadyInitialized,

    /// `default_agreement_id` on a store holding no agreement or several.
    #[error("{}", agreement_needed_message(*agreement_count))]
    AgreementNeeded {
        /// How many agreements the store holds (0, or more than 1).
        agreement_count: i32,
    },

    /// Bytes given to `import_agreement` that are not a Coachline agreement (or are
    /// from a newer Coachline). Nothing was changed.
    #[error("not a Coachline agreement: {reason}")]
    NotAnAgreement {
        /// What is wrong with the bytes.
        reason: String,
    },

    /// An import or a sync message carried a change that breaks a rule every change
    /// of an agreement keeps (it deletes or rewrites history, changes the header, or
    /// is not this agreement at all). Nothing was applied.
    #[error("refused: {violation}")]
    Refused {
        /// Which rule it broke.
        violation: Violation,
    },

    /// The file at the path given to `open` is not a Coachline store, or is from a
    /// newer Coachline. It was neither modified nor deleted.
    #[error("unusable store: {reason}")]
    StoreUnusable {
        /// What is wrong with the file.
        reason: String,
    },

    /// The key given to `open` does not open the store: a wrong key, or a file that
    /// is not a Coachline store at all (an encrypted file cannot tell the two apart).
    /// The file was neither modified nor deleted.
    #[error("the key does not open this store (a wrong key, or not a Coachline store)")]
    WrongKey,

    /// A sync message refused before anything was applied: the store is exactly as
    /// it was.
    #[error("sync message rejected: {reason}")]
    SyncRejected {
        /// Which check failed.
        reason: SyncRejection,
    },

    /// An invitation that cannot pair two phones. Nothing was changed.
    #[error("invitation refused: {problem}")]
    InvitationRefused {
        /// What is wrong with it.
        problem: InvitationProblem,
    },

    /// A sealed export given to `import_agreement` that was not opened: it needs a
    /// passphrase or an identity, the one given does not open it, or it was altered.
    /// Nothing was changed.
    #[error("backup not opened: {problem}")]
    BackupNotOpened {
        /// Why.
        problem: BackupProblem,
    },

    /// A relay pass could not go on. Nothing stored was lost: what was not delivered
    /// or not acknowledged goes again with a later pass.
    #[error("relay: {problem}")]
    Relay {
        /// Why.
        problem: RelayProblem,
    },

    /// Another process (e.g. the command-line tool) held the store's write lock for
    /// longer than the 5-second wait. Nothing was changed: retry later.
    #[error("the store is busy: {reason}")]
    Busy {
        /// SQLite's description of the conflict.
        reason: String,
    },

    /// The store could not read or write its data (SQLite, the file system, or the
    /// stored document). Nothing was half-written: every change is one transaction.
    #[error("storage error: {reason}")]
    Storage {
        /// The underlying error, without any of the agreement's content.
        reason: String,
    },

    /// The store was closed with `close()`; open a new one to continue.
    #[error("the store is closed")]
    Closed,

    /// A bug in Coachline: a call failed in a way it never should (a Rust panic,
    /// caught at the boundary). The store remains usable: what is on disk is
    /// consistent, and the next call starts from it.
    #[error("internal error: {reason}")]
    Internal {
        /// A fixed description; never the panic's own text, which could quote data.
        reason: String,
    },
}

pub type Result<T, E = CoachlineError> = std::result::Result<T, E>;

fn agreement_needed_message(count: i32) -> String {
    match count {
        0 => "this store holds no agreement yet".into(),
        n => format!("this store holds {n} agreements: pass an agreement id"),
    }
}

impl From<coachline_core::Error> for CoachlineError {
    fn from(e: coachline_core::Error) -> Self {
        use coachline_core::Error as E;
        match e {
            E::InvalidInput { field, reason } => Self::InvalidInput {
                field: field.into(),
                reason,
            },
            E::NotFound { what, id } => Self::NotFound {
                what: what.into(),
                id,
            },
            E::NotPermitted { action, allowed } => Self::NotPermitted {
                action: action.into(),
                allowed_role: allowed.into(),
            },
            E::NoIdentity => Self::NoIdentity,
            E::AlreadyInitialized => Self::AlreadyInitialized,
            E::AgreementNeeded(AgreementNeeded::NoneInStore) => {
                Self::AgreementNeeded { agreement_count: 0 }
            }
            E::AgreementNeeded(AgreementNeeded::Ambiguous { count }) => Self::AgreementNeeded {
                agreement_count: i32::try_from(count).unwrap_or(i32::MAX),
            },
            E::NotAnAgreement(reason) => Self::NotAnAgreement { reason },
            E::Refused(violation) => Self::Refused {
                violation: violation.into(),
            },
            E::StoreUnusable(reason) => Self::StoreUnusable { reason },
            E::WrongKey => Self::WrongKey,
            E::Rejected { reason } => Self::SyncRejected {
                reason: reason.into(),
            },
            E::InvitationRefused(problem) => Self::InvitationRefused {
                problem: problem.into(),
            },
            E::BackupNotOpened(problem) => Self::BackupNotOpened {
                problem: problem.into(),
            },
            E::Relay(problem) => Self::Relay {
                problem: problem.into(),
            },
            E::Storage(e) => match e.sqlite_error_code() {
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy {
                    reason: e.to_string(),
                },
                _ => Self::Storage {
                    reason: e.to_string(),
                },
            },
            E::Document(e) => Self::Storage {
                reason: format!("document error: {e}"),
            },
            E::Io(e) => Self::Storage {
                reason: format!("i/o error: {e}"),
            },
        }
    }
}

/// What an app sees when a call panicked. Deliberately fixed: a panic's own message
/// can quote the data being processed (e.g. a string slice of a name).
pub(crate) const PANIC_MESSAGE: &str =
    "an unexpected failure inside Coachline (a bug); nothing was half-written and the store remains usable";

/// Runs one call of the surface so that no panic crosses the boundary: a panic
/// becomes [`CoachlineError::Internal`]. (UniFFI would catch it too, but as an
/// untyped `InternalException`; apps handle one error type.) The first call installs
/// the core's panic hook, so that the panic itself is reported on standard error (the
/// app's log) by its location alone, never by its message, which could quote data
/// ([`coachline_core::panic_hook`]).
pub(crate) fn guard<T>(call: impl FnOnce() -> Result<T>) -> Result<T> {
    coachline_core::panic_hook::install();
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(CoachlineError::Internal {
            reason: PANIC_MESSAGE.into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use coachline_core::error::{
        AgreementNeeded, BackupProblem as CoreBackupProblem, Error, InvitationProblem as Problem,
        Rejection,
    };
    use coachline_core::model::Role as CoreRole;
    use rusqlite::ffi;

    use super::*;

    fn sqlite(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    /// One case per variant of the core's error, so a variant added there without a
    /// mapping here fails to compile in `From` and is noticed here.
    #[test]
    fn every_core_error_maps_to_its_precise_variant() {
        let cases: Vec<(Error, CoachlineError)> = vec![
            (
                Error::invalid("urge", "expected a whole number from 0 to 5"),
                CoachlineError::InvalidInput {
                    field: "urge".into(),
                    reason: "expected a whole number from 0 to 5".into(),
                },
            ),
            (
                Error::not_found("call", "0123456789abcdef"),
                CoachlineError::NotFound {
                    what: "call".into(),
                    id: "0123456789abcdef".into(),
                },
            ),
            (
                Error::NotPermitted {
                    action: "draft an agreement",
                    allowed: CoreRole::Therapist,
                },
                CoachlineError::NotPermitted {
                    action: "draft an agreement".into(),
                    allowed_role: Role::Therapist,
                },
            ),
            (Error::NoIdentity, CoachlineError::NoIdentity),
            (
                Error::AlreadyInitialized,
                CoachlineError::AlreadyInitialized,
            ),
            (
                Error::AgreementNeeded(AgreementNeeded::NoneInStore),
                CoachlineError::AgreementNeeded { agreement_count: 0 },
            ),
            (
                Error::AgreementNeeded(AgreementNeeded::Ambiguous { count: 3 }),
                CoachlineError::AgreementNeeded { agreement_count: 3 },
            ),
            (
                Error::NotAnAgreement("the file is not an Automerge document".into()),
                CoachlineError::NotAnAgreement {
                    reason: "the file is not an Automerge document".into(),
                },
            ),
            (
                Error::StoreUnusable("the file is not a Coachline store".into()),
                CoachlineError::StoreUnusable {
                    reason: "the file is not a Coachline store".into(),
                },
            ),
            (
                Error::Rejected {
                    reason: Rejection::Replayed,
                },
                CoachlineError::SyncRejected {
                    reason: SyncRejection::Replayed,
                },
            ),
            (
                Error::InvitationRefused(Problem::Expired),
                CoachlineError::InvitationRefused {
                    problem: InvitationProblem::Expired,
                },
            ),
            (
                Error::BackupNotOpened(CoreBackupProblem::WrongKey),
                CoachlineError::BackupNotOpened {
                    problem: BackupProblem::WrongKey,
                },
            ),
            (
                Error::Storage(sqlite(ffi::SQLITE_BUSY)),
                CoachlineError::Busy {
                    reason: sqlite(ffi::SQLITE_BUSY).to_string(),
                },
            ),
            (
                Error::Storage(sqlite(ffi::SQLITE_LOCKED)),
                CoachlineError::Busy {
                    reason: sqlite(ffi::SQLITE_LOCKED).to_string(),
                },
            ),
            (
                Error::Storage(sqlite(ffi::SQLITE_FULL)),
                CoachlineError::Storage {
                    reason: sqlite(ffi::SQLITE_FULL).to_string(),
                },
            ),
            (
                Error::Storage(rusqlite::Error::QueryReturnedNoRows),
                CoachlineError::Storage {
                    reason: "Query returned no rows".into(),
                },
            ),
            (
                Error::Document(automerge::AutomergeError::Fail),
                CoachlineError::Storage {
                    reason: "document error: general failure".into(),
                },
            ),
            (
                Error::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "permission denied",
                )),
                CoachlineError::Storage {
                    reason: "i/o error: permission denied".into(),
                },
            ),
        ];
        for (core, expected) in cases {
            let shown = core.to_string();
            assert_eq!(CoachlineError::from(core), expected, "{shown}");
        }
    }

    #[test]
    fn every_sync_rejection_and_invitation_problem_maps_one_to_one() {
        use std::collections::HashSet;
        let rejections: HashSet<SyncRejection> = [
            Rejection::Malformed,
            Rejection::WrongRecipient,
            Rejection::UnknownSender,
            Rejection::Replayed,
            Rejection::Tampered,
            Rejection::InvalidContent,
            Rejection::Busy,
            Rejection::TooLarge,
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        assert_eq!(rejections.len(), 8);
        let problems: HashSet<InvitationProblem> = [
            Problem::Malformed,
            Problem::Forged,
            Problem::Expired,
            Problem::Spent,
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        assert_eq!(problems.len(), 4);
        let backup: HashSet<BackupProblem> = [
            CoreBackupProblem::NeedsPassphrase,
            CoreBackupProblem::NeedsIdentity,
            CoreBackupProblem::WrongKey,
            CoreBackupProblem::Tampered,
            CoreBackupProblem::TooCostly,
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        assert_eq!(backup.len(), 5);
        let wrong_key = Error::BackupNotOpened(CoreBackupProblem::WrongKey);
        assert_eq!(
            wrong_key.to_string(),
            CoachlineError::from(Error::BackupNotOpened(CoreBackupProblem::WrongKey)).to_string()
        );
        use coachline_core::doc::Violation as Core;
        let violations: HashSet<Violation> = [
            Core::ForeignDocument,
            Core::HeaderChanged,
            Core::Deletion,
            Core::HistoryRewritten,
            Core::Malformed,
            Core::NotPermitted,
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        assert_eq!(violations.len(), 6);
        assert_eq!(
            CoachlineError::from(Error::Refused(Core::Deletion)),
            CoachlineError::Refused {
                violation: Violation::Deletion
            }
        );
        // The message is the core's own sentence.
        assert_eq!(
            CoachlineError::from(Error::InvitationRefused(Problem::Spent)).to_string(),
            Error::InvitationRefused(Problem::Spent).to_string()
        );
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            CoachlineError::NotPermitted {
                action: "draft an agreement".into(),
                allowed_role: Role::Therapist,
            }
            .to_string(),
            "not permitted: only the therapist may draft an agreement"
        );
        assert_eq!(
            CoachlineError::AgreementNeeded { agreement_count: 0 }.to_string(),
            "this store holds no agreement yet"
        );
        assert_eq!(
            CoachlineError::AgreementNeeded { agreement_count: 2 }.to_string(),
            "this store holds 2 agreements: pass an agreement id"
        );
    }

    #[test]
    fn a_panic_inside_the_guard_is_an_internal_error_without_its_text() {
        let result: Result<()> = guard(|| {
            let name = String::from("Jane Doé");
            // A classic: slicing a name in the middle of a character panics, and the
            // panic message quotes the name.
            std::hint::black_box(&name[..8]);
            Ok(())
        });
        match result {
            Err(CoachlineError::Internal { reason }) => {
                assert_eq!(reason, PANIC_MESSAGE);
                assert!(!reason.contains("Jane"));
            }
            other => panic!("expected Internal, got {other:?}"),
        }
    }

    #[test]
    fn the_guard_passes_results_through() {
        assert_eq!(guard(|| Ok(7)), Ok(7));
        assert_eq!(
            guard::<()>(|| Err(CoachlineError::Closed)),
            Err(CoachlineError::Closed)
        );
    }
}
