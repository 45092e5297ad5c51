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
//!
//! Signatures carry these bytes ([`crate::model::Signature::signed_terms`]), so the
//! terms a version put in force can be read back ([`SignedTerms::parse`]) long after
//! the document has moved on: the rules judge each event under the terms both
//! parties had signed when it happened.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{AgreementId, Behavior, EntryId, Resource, TermKey, Terms};

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

/// The terms of one signed version, read back from its canonical bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedTerms {
    pub hash: [u8; 32],
    pub terms: Terms,
    /// Crisis resources as signed: (id, name, contact).
    pub resources: Vec<(EntryId, String, String)>,
    /// The behaviours listed when it was signed, with their lockout flags.
    pub behaviors: Vec<Behavior>,
}

impl std::fmt::Debug for SignedTerms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedTerms")
            .field("hash", &hex::encode(self.hash))
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Parsed {
    format: String,
    agreement: String,
    client_name: String,
    therapist_name: String,
    rationale: String,
    reasons: Vec<String>,
    goals: Vec<String>,
    expectations: Vec<String>,
    lockout_hours: u32,
    call_minutes: String,
    return_call_minutes: u32,
    time_zone: String,
    availability: String,
    backup_plan: String,
    resources: Vec<ParsedResource>,
    behaviors: Vec<ParsedBehavior>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParsedResource {
    id: String,
    name: String,
    contact: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParsedBehavior {
    id: String,
    label: String,
    lockout: bool,
}

impl SignedTerms {
    /// Reads canonical bytes of `agreement`'s terms back, checking that they are
    /// exactly what [`canonical_terms`] makes of what they say: anything else was
    /// not made by Coachline and cannot be what a party signed.
    pub fn parse(agreement: &AgreementId, bytes: &[u8]) -> Result<Self> {
        let bad = || Error::NotAnAgreement("signed terms are missing or malformed".into());
        let p: Parsed = serde_json::from_slice(bytes).map_err(|_| bad())?;
        if p.format != "coachline-terms/1" || p.agreement != agreement.as_str() {
            return Err(bad());
        }
        let lists = |items: &[String]| items.join("\n");
        let terms = Terms::from_texts(|key| {
            Some(match key {
                TermKey::ClientName => p.client_name.clone(),
                TermKey::TherapistName => p.therapist_name.clone(),
                TermKey::Rationale => p.rationale.clone(),
                TermKey::Reasons => lists(&p.reasons),
                TermKey::Goals => lists(&p.goals),
                TermKey::Expectations => lists(&p.expectations),
                TermKey::LockoutHours => p.lockout_hours.to_string(),
                TermKey::CallMinutes => p.call_minutes.clone(),
                TermKey::ReturnCallMinutes => p.return_call_minutes.to_string(),
                TermKey::TimeZone => p.time_zone.clone(),
                TermKey::Availability => p.availability.clone(),
                TermKey::BackupPlan => p.backup_plan.clone(),
            })
        })
        .map_err(|_| bad())?;
        let id = |text: &str| EntryId::parse("id", text).map_err(|_| bad());
        let resources = p
            .resources
            .into_iter()
            .map(|r| Ok((id(&r.id)?, r.name, r.contact)))
            .collect::<Result<Vec<_>>>()?;
        let behaviors = p
            .behaviors
            .into_iter()
            .map(|b| {
                Ok(Behavior {
                    id: id(&b.id)?,
                    label: b.label,
                    triggers_lockout: b.lockout,
                    removed: false,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let as_resources: Vec<Resource> = resources
            .iter()
            .map(|(id, name, contact)| Resource {
                id: id.clone(),
                name: name.clone(),
                contact: contact.clone(),
                added_at: crate::time::Timestamp::from_millis(0),
            })
            .collect();
        if canonical_terms(agreement, &terms, &as_resources, &behaviors) != bytes {
            return Err(bad());
        }
        Ok(Self {
            hash: Sha256::digest(bytes).into(),
            terms,
            resources,
            behaviors,
        })
    }
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
    fn signed_terms_read_back_exactly_and_nothing_else_does() {
        let (id, terms, resources, behaviors) = fixture();
        let bytes = canonical_terms(&id, &terms, &resources, &behaviors);
        let signed = SignedTerms::parse(&id, &bytes).unwrap();
        assert_eq!(signed.terms, terms);
        assert_eq!(signed.hash, terms_hash(&id, &terms, &resources, &behaviors));
        assert_eq!(signed.behaviors.len(), 2);
        assert!(SignedTerms::parse(&AgreementId::random(), &bytes).is_err());
        let spaced = String::from_utf8(bytes.clone()).unwrap().replace(",", ", ");
        assert!(SignedTerms::parse(&id, spaced.as_bytes()).is_err());
        assert!(SignedTerms::parse(&id, b"{}").is_err());
    }

    #[test]
    fn the_encoding_starts_with_its_format_tag() {
        let (id, terms, resources, behaviors) = fixture();
        let bytes = canonical_terms(&id, &terms, &resources, &behaviors);
        assert!(bytes.starts_with(b"{\"format\":\"coachline-terms/1\",\"agreement\":"));
    }
}
