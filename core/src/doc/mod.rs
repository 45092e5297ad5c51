//! How an agreement lives in Automerge.
//!
//! One document per agreement. The root map holds:
//!
//! | key          | value                                                        |
//! |--------------|--------------------------------------------------------------|
//! | `kind`       | `"coachline/agreement"`: what makes a document ours          |
//! | `schema`     | integer [`SCHEMA`]: newer readers migrate, older ones refuse |
//! | `id`         | the agreement id (32 hex characters)                         |
//! | `created_at` | integer milliseconds UTC                                     |
//! | `therapist_key` | the drafting therapist's Ed25519 public key (32 bytes): the only key a therapist signature may carry |
//! | `terms`      | map of scalar terms, each as its text form ([`crate::model::TermKey`]) |
//! | `edits`, `resources`, `behaviors`, `holidays`, `signatures`, `calls`, `reports`, `sessions`, `pairings` | maps keyed by random [`crate::model::EntryId`] |
//!
//! Why this shape: scalar terms are separate keys, so concurrent edits of different
//! terms both survive and concurrent edits of one term resolve last-writer-wins.
//! Every collection both phones append to is a map keyed by a random id, never a
//! list, so concurrent appends never conflict. Entries are never deleted: removal and
//! retraction set a `removed_at` / `retracted_at` key that nothing ever clears, so
//! they win over any concurrent edit of the same entry. All times are integer
//! milliseconds UTC; the therapist's time zone is an IANA name.

pub mod admission;
mod changes;
mod read;
mod write;

pub use admission::{admit, Authors, Violation};
pub use changes::{changed_entries, Changed};
pub use read::{
    entry_keys, read_agreement, read_entry, read_header, read_terms, Entry, Header, Snapshot,
};
pub use write::{Author, Writer};

/// The document schema this build writes and understands.
pub const SCHEMA: i64 = 1;
/// The `kind` value that marks a Coachline agreement.
pub const KIND: &str = "coachline/agreement";

/// The id-keyed collections of an agreement document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    Edits,
    Resources,
    Behaviors,
    Holidays,
    Signatures,
    Calls,
    Reports,
    Sessions,
    Pairings,
}

impl Collection {
    pub const ALL: [Collection; 9] = [
        Collection::Edits,
        Collection::Resources,
        Collection::Behaviors,
        Collection::Holidays,
        Collection::Signatures,
        Collection::Calls,
        Collection::Reports,
        Collection::Sessions,
        Collection::Pairings,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Collection::Edits => "edits",
            Collection::Resources => "resources",
            Collection::Behaviors => "behaviors",
            Collection::Holidays => "holidays",
            Collection::Signatures => "signatures",
            Collection::Calls => "calls",
            Collection::Reports => "reports",
            Collection::Sessions => "sessions",
            Collection::Pairings => "pairings",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}
