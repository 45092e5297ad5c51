//! The terms in force: the last version of the terms both parties signed.
//!
//! Either party may edit the terms at any time, but an edit is a *proposal*: the
//! rules keep enforcing the version both signed until both sign the new one. So a
//! client in a lockout cannot lift it by setting the lockout to 0 hours, and a
//! therapist cannot shorten their hours overnight. Before any version is signed by
//! both, the draft as it stands governs (there is nothing agreed to fall back on).
//!
//! Each event is judged under the version in force when it happened: a report locks
//! for the hours agreed then, a call is long against the band agreed then, a call
//! back is due under the hours agreed then. A version comes into force when the
//! later of its two signatures was made, so neither party alone can make terms
//! apply to the past. The first version also governs what happened before it (the
//! draft it was made from governed then, and only the signed version is known).
//!
//! The terms of each version are read from the canonical bytes its signatures carry
//! ([`crate::model::SignedTerms`]), never from the document's current state.

use crate::identity::SignatureCheck;
use crate::model::{AgreementId, Behavior, EntryId, Resource, Role, SignedTerms, TermKey, Terms};
use crate::time::Timestamp;

/// One version of the terms and when it came into force.
#[derive(Clone, PartialEq, Eq)]
pub struct Version {
    /// When the second party signed it.
    pub since: Timestamp,
    pub signed: SignedTerms,
}

impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("since", &self.since)
            .field("signed", &self.signed)
            .finish()
    }
}

/// The versions both parties have validly signed, oldest first: for each terms hash
/// that carries a valid signature of each role, the version comes into force at the
/// later of the two roles' earliest signatures on it. Versions whose terms cannot be
/// read back are left out (a valid signature always carries them).
pub fn versions(agreement: &AgreementId, checks: &[SignatureCheck]) -> Vec<Version> {
    let mut hashes: Vec<&[u8]> = checks
        .iter()
        .filter(|c| c.valid)
        .map(|c| c.record.signature.terms_hash.as_slice())
        .collect();
    hashes.sort();
    hashes.dedup();
    let mut versions: Vec<Version> = hashes
        .into_iter()
        .filter_map(|hash| {
            let on_hash = |role: Role| {
                checks
                    .iter()
                    .filter(|c| c.valid && c.record.signature.role == role)
                    .filter(|c| c.record.signature.terms_hash == hash)
                    .min_by_key(|c| (c.record.signature.signed_at, &c.record.signature.id))
            };
            let (client, therapist) = (on_hash(Role::Client)?, on_hash(Role::Therapist)?);
            let since = client
                .record
                .signature
                .signed_at
                .max(therapist.record.signature.signed_at);
            let bytes = client.record.signature.signed_terms.as_deref()?;
            let signed = SignedTerms::parse(agreement, bytes.as_bytes()).ok()?;
            Some(Version { since, signed })
        })
        .collect();
    versions.sort_by_key(|v| (v.since, v.signed.hash));
    versions
}

/// The terms in force over time: the signed versions, or the draft if none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InForce {
    versions: Vec<Version>,
}

impl InForce {
    pub fn new(versions: Vec<Version>) -> Self {
        Self { versions }
    }

    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// The version in force at `at`, if any version was signed by both.
    pub fn version_at(&self, at: Timestamp) -> Option<&Version> {
        let after = self.versions.partition_point(|v| v.since <= at);
        self.versions.get(after.saturating_sub(1))
    }
}

/// What the terms as they stand would change in the version in force: a proposal
/// until both parties sign it. Names terms, never their values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The terms whose text differs, in the form's order.
    pub terms: Vec<TermKey>,
    /// Crisis resources were added, removed or edited.
    pub resources: bool,
    /// Target behaviours were added or removed.
    pub behaviors: bool,
}

impl Proposal {
    /// The changes from `signed` to the current terms, or `None` if there are none.
    pub fn between(
        signed: &SignedTerms,
        terms: &Terms,
        resources: &[Resource],
        behaviors: &[Behavior],
    ) -> Option<Self> {
        let mut current_resources: Vec<(&EntryId, &str, &str)> = resources
            .iter()
            .map(|r| (&r.id, r.name.as_str(), r.contact.as_str()))
            .collect();
        current_resources.sort();
        let mut signed_resources: Vec<(&EntryId, &str, &str)> = signed
            .resources
            .iter()
            .map(|(id, name, contact)| (id, name.as_str(), contact.as_str()))
            .collect();
        signed_resources.sort();
        fn listed(list: &[Behavior]) -> Vec<(&EntryId, bool)> {
            let mut ids: Vec<(&EntryId, bool)> = list
                .iter()
                .filter(|b| !b.removed)
                .map(|b| (&b.id, b.triggers_lockout))
                .collect();
            ids.sort();
            ids
        }
        let proposal = Self {
            terms: TermKey::ALL
                .into_iter()
                .filter(|key| terms.get(*key) != signed.terms.get(*key))
                .collect(),
            resources: current_resources != signed_resources,
            behaviors: listed(behaviors) != listed(&signed.behaviors),
        };
        let changed = !proposal.terms.is_empty() || proposal.resources || proposal.behaviors;
        changed.then_some(proposal)
    }
}
