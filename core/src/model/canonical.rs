//! The canonical encoding of an agreement's terms: what both parties sign.
//!
//! Version 1 is compact JSON (UTF-8, no insignificant whitespace, strings escaped as
//! `serde_json` does) of one object whose keys appear in exactly this order:
//!
//! `format` (`"coachline-terms/1"`), `agreement` (id), `client_name`,
//! `therapist_name`, `rationale`, `reasons`, `goals`, `expectations` (arrays of
//! strings), `lockout_hours`, `call_minutes` (`"5-8"`), `return_call_minutes`,
//! `time_zone` (IANA name), `availability` (the schedule's canonical text),
//! `backup_plan`, `resources` (`[{id, name, contact}]`) and `behaviors`
//! (`[{id, label, lockout}]`), both arrays sorted by id and holding the current,
//! not-removed entries.
//!
//! Phone holidays, calls and reports are not terms: a holiday must not force both
//! parties to re-sign, and the log is history, not agreement.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{AgreementId, Behavior, Resource, Terms};

#[derive(Serialize)]
struct Canonical<'a> {
    format: &'static str,
    agreement: &'a str,
    client_name: &'a str,
    therapist_name: &'a str,
    rationale: &'a str,
    reasons: &'a [String],
    goals: &'a [String],
    expectations: &'a [String],
    lockout_hours: u32,
    call_minutes: String,
    return_call_minutes: u32,
    time_zone: &'static str,
    availability: String,
    backup_plan: &'a str,
    resources: Vec<CanonicalResource<'a>>,
    behaviors: Vec<CanonicalBehavior<'a>>,
}

#[derive(Serialize)]
struct CanonicalResource<'a> {
    id: &'a str,
    name: &'a str,
    contact: &'a str,
}

#[derive(Serialize)]
struct CanonicalBehavior<'a> {
    id: &'a str,
    label: &'a str,
    lockout: bool,
}

/// The canonical bytes of the terms (see the module documentation).
pub fn canonical_terms(
    agreement: &AgreementId,
    terms: &Terms,
    resources: &[Resource],
    behaviors: &[Behavior],
) -> Vec<u8> {
    let mut resources: Vec<_> = resources
        .iter()
        .map(|r| CanonicalResource {
            id: r.id.as_str(),
            name: &r.name,
            contact: &r.contact,
        })
        .collect();
    resources.sort_by_key(|r| r.id);
    let mut behaviors: Vec<_> = behaviors
        .iter()
        .filter(|b| !b.removed)
        .map(|b| CanonicalBehavior {
            id: b.id.as_str(),
            label: &b.label,
            lockout: b.triggers_lockout,
        })
        .collect();
    behaviors.sort_by_key(|b| b.id);
    let canonical = Canonical {
        format: "coachline-terms/1",
        agreement: agreement.as_str(),
        client_name: &terms.client_name,
        therapist_name: &terms.therapist_name,
        rationale: &terms.rationale,
        reasons: &terms.reasons,
        goals: &terms.goals,
        expectations: &terms.expectations,
        lockout_hours: terms.lockout_hours,
        call_minutes: terms.call_minutes.to_string(),
        return_call_minutes: terms.return_call_minutes,
        time_zone: terms.time_zone.name(),
        availability: terms.availability.to_string(),
        backup_plan: &terms.backup_plan,
        resources,
        behaviors,
    };
    serde_json::to_vec(&canonical).expect("plain data always serializes")
}

/// SHA-256 of [`canonical_terms`].
pub fn terms_hash(
    agreement: &AgreementId,
    terms: &Terms,
    resources: &[Resource],
    behaviors: &[Behavior],
) -> [u8; 32] {
    Sha256::digest(canonical_terms(agreement, terms, resources, behaviors)).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TermKey;

    fn fixture() -> (AgreementId, Terms, Vec<Resource>, Vec<Behavior>) {
        let terms = Terms::seed("C", "T", "Europe/Berlin".parse().unwrap()).unwrap();
        let behaviors = vec![
            Behavior::new("b1", true).unwrap(),
            Behavior::new("b2", false).unwrap(),
        ];
        (
            AgreementId::random(),
            terms,
            Resource::defaults(),
            behaviors,
        )
    }

    #[test]
    fn order_of_collections_does_not_change_the_hash() {
        let (id, terms, mut resources, mut behaviors) = fixture();
        let h = terms_hash(&id, &terms, &resources, &behaviors);
        resources.reverse();
        behaviors.reverse();
        assert_eq!(terms_hash(&id, &terms, &resources, &behaviors), h);
    }

    #[test]
    fn any_term_change_changes_the_hash() {
        let (id, terms, resources, behaviors) = fixture();
        let h = terms_hash(&id, &terms, &resources, &behaviors);
        let mut edited = terms.clone();
        edited.set(TermKey::LockoutHours, "12").unwrap();
        assert_ne!(terms_hash(&id, &edited, &resources, &behaviors), h);
        let mut fewer = behaviors.clone();
        fewer[1].removed = true;
        assert_ne!(terms_hash(&id, &terms, &resources, &fewer), h);
        assert_ne!(
            terms_hash(&AgreementId::random(), &terms, &resources, &behaviors),
            h
        );
    }

    #[test]
    fn the_encoding_starts_with_its_format_tag() {
        let (id, terms, resources, behaviors) = fixture();
        let bytes = canonical_terms(&id, &terms, &resources, &behaviors);
        assert!(bytes.starts_with(b"{\"format\":\"coachline-terms/1\",\"agreement\":"));
    }
}
