//! The terms of a phone-coaching agreement, with the seed form's content as defaults.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::model::{EntryId, Role, Schedule, TimeZone};
use crate::time::Timestamp;

/// The agreed length of a call in minutes, inclusive (`5-8` in the seed form).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallBand {
    pub min: u32,
    pub max: u32,
}

impl FromStr for CallBand {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "call-minutes",
                "expected MIN-MAX minutes such as 5-8, MIN <= MAX <= 240",
            )
        };
        let (min, max) = s.trim().split_once('-').ok_or_else(bad)?;
        let min: u32 = min.trim().parse().map_err(|_| bad())?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        if min > max || max == 0 || max > 240 {
            return Err(bad());
        }
        Ok(Self { min, max })
    }
}

impl fmt::Display for CallBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.min, self.max)
    }
}

/// Every term an agreement's parties sign, except the collections (resources and
/// behaviours), which live in their own maps so both phones can add to them.
#[derive(Clone, PartialEq, Eq)]
pub struct Terms {
    pub client_name: String,
    pub therapist_name: String,
    pub rationale: String,
    pub reasons: Vec<String>,
    pub goals: Vec<String>,
    pub expectations: Vec<String>,
    pub lockout_hours: u32,
    pub call_minutes: CallBand,
    pub return_call_minutes: u32,
    pub time_zone: TimeZone,
    pub availability: Schedule,
    pub backup_plan: String,
}

crate::redacted_debug!(Terms {
    client_name: redacted,
    therapist_name: redacted,
    rationale: redacted,
    reasons: redacted,
    goals: redacted,
    expectations: redacted,
    lockout_hours,
    call_minutes,
    return_call_minutes,
    time_zone,
    availability,
    backup_plan: redacted
});

/// The terms `agreement set` can edit; the string is the CLI key, and with `-`
/// replaced by `_`, the key in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TermKey {
    ClientName,
    TherapistName,
    Rationale,
    Reasons,
    Goals,
    Expectations,
    LockoutHours,
    CallMinutes,
    ReturnCallMinutes,
    TimeZone,
    Availability,
    BackupPlan,
}

impl TermKey {
    pub const ALL: [TermKey; 12] = [
        TermKey::ClientName,
        TermKey::TherapistName,
        TermKey::Rationale,
        TermKey::Reasons,
        TermKey::Goals,
        TermKey::Expectations,
        TermKey::LockoutHours,
        TermKey::CallMinutes,
        TermKey::ReturnCallMinutes,
        TermKey::TimeZone,
        TermKey::Availability,
        TermKey::BackupPlan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TermKey::ClientName => "client-name",
            TermKey::TherapistName => "therapist-name",
            TermKey::Rationale => "rationale",
            TermKey::Reasons => "reasons",
            TermKey::Goals => "goals",
            TermKey::Expectations => "expectations",
            TermKey::LockoutHours => "lockout-hours",
            TermKey::CallMinutes => "call-minutes",
            TermKey::ReturnCallMinutes => "return-call-minutes",
            TermKey::TimeZone => "time-zone",
            TermKey::Availability => "availability",
            TermKey::BackupPlan => "backup-plan",
        }
    }

    /// The key in the document's `terms` map.
    pub fn doc_key(self) -> &'static str {
        match self {
            TermKey::ClientName => "client_name",
            TermKey::TherapistName => "therapist_name",
            TermKey::Rationale => "rationale",
            TermKey::Reasons => "reasons",
            TermKey::Goals => "goals",
            TermKey::Expectations => "expectations",
            TermKey::LockoutHours => "lockout_hours",
            TermKey::CallMinutes => "call_minutes",
            TermKey::ReturnCallMinutes => "return_call_minutes",
            TermKey::TimeZone => "time_zone",
            TermKey::Availability => "availability",
            TermKey::BackupPlan => "backup_plan",
        }
    }

    pub fn allowed() -> String {
        Self::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl serde::Serialize for TermKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl FromStr for TermKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.doc_key() == s)
            .ok_or_else(|| Error::invalid("term", format!("expected one of {}", Self::allowed())))
    }
}

/// A single-line, non-empty text of bounded length (names, labels, skills).
pub(crate) fn line(field: &'static str, text: &str, max_chars: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if text.contains(['\n', '\r']) {
        return Err(Error::invalid(field, "must be a single line"));
    }
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A free text of bounded length (rationale, backup plan, situation).
pub(crate) fn text(field: &'static str, text: &str, max_chars: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A list term: one item per line, blank lines dropped, at least one item.
fn items(field: &'static str, value: &str) -> Result<Vec<String>> {
    let items: Vec<String> = value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if items.is_empty() {
        return Err(Error::invalid(
            field,
            "needs at least one item, one per line",
        ));
    }
    for item in &items {
        text(field, item, 1000)?;
    }
    Ok(items)
}

fn number(field: &'static str, value: &str, max: u32) -> Result<u32> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| Error::invalid(field, format!("expected a whole number from 0 to {max}")))
}

/// The longest lockout the rules accept: a week.
pub const MAX_LOCKOUT_HOURS: u32 = 168;
/// The longest return-call expectation the rules accept: a week of minutes.
pub const MAX_RETURN_CALL_MINUTES: u32 = 7 * 24 * 60;

impl Terms {
    /// A new draft, with the seed form's content. Names come from the parties.
    pub fn seed(client_name: &str, therapist_name: &str, time_zone: TimeZone) -> Result<Self> {
        Ok(Self {
            client_name: line("client-name", client_name, 200)?,
            therapist_name: line("therapist-name", therapist_name, 200)?,
            rationale: "Not all therapy can be done within the context of individual sessions and \
                skills class. Sometimes, it may be necessary to call your individual therapist for \
                coaching, especially in crisis situations when your urges for problem behaviors \
                may be higher than normal."
                .into(),
            reasons: vec![
                "Learn to generalize the skills to your personal life".into(),
                "Practice changing ineffective ways of asking for help".into(),
                "Repair the relationship with the therapist".into(),
                "Share celebratory news".into(),
            ],
            goals: vec![
                "Decrease target one behaviors".into(),
                "Increase generalization of skills".into(),
                "Decrease sense of conflict, alienation, or distance from the therapist".into(),
            ],
            expectations: vec![
                "Calls are brief (between 5-8 minutes): after a brief description of the crisis, \
                 your therapist will ask you what skills you have already tried and help you \
                 generate ideas for alternate or additional skills."
                    .into(),
                "Phone coaching calls are not intended for analyzing a crisis, generating \
                 solutions for the crisis, or solving the crisis. They are to assist you in \
                 getting through the crisis without making it worse, so that at your next \
                 session the crisis can be analyzed and problem solved."
                    .into(),
                "To assist with generalization and comprehension, you may call when you are not \
                 in crisis to get clarification on a skill."
                    .into(),
                "24 hour rule: call your therapist before you engage in your target behavior. \
                 After engaging in a target behavior you may not call your therapist for 24 \
                 hours; if you do, you will be asked to contact other resources and the call \
                 will end."
                    .into(),
            ],
            lockout_hours: 24,
            call_minutes: CallBand { min: 5, max: 8 },
            return_call_minutes: 60,
            time_zone,
            availability: Schedule::default(),
            backup_plan: "If your therapist cannot get back to you in time, use your crisis \
                resources below and the skills on your diary card; call 911 if you are in danger."
                .into(),
        })
    }

    /// Sets one term from its text form, validating it; the terms are unchanged on error.
    pub fn set(&mut self, key: TermKey, value: &str) -> Result<()> {
        let field = key.as_str();
        match key {
            TermKey::ClientName => self.client_name = line(field, value, 200)?,
            TermKey::TherapistName => self.therapist_name = line(field, value, 200)?,
            TermKey::Rationale => self.rationale = text(field, value, 4000)?,
            TermKey::Reasons => self.reasons = items(field, value)?,
            TermKey::Goals => self.goals = items(field, value)?,
            TermKey::Expectations => self.expectations = items(field, value)?,
            TermKey::LockoutHours => self.lockout_hours = number(field, value, MAX_LOCKOUT_HOURS)?,
            TermKey::CallMinutes => self.call_minutes = value.parse()?,
            TermKey::ReturnCallMinutes => {
                self.return_call_minutes = number(field, value, MAX_RETURN_CALL_MINUTES)?
            }
            TermKey::TimeZone => self.time_zone = value.parse()?,
            TermKey::Availability => self.availability = value.parse()?,
            TermKey::BackupPlan => self.backup_plan = text(field, value, 4000)?,
        }
        Ok(())
    }

    /// Terms from the text form of every term (as the document stores them);
    /// `text` returns `None` for a missing term, which is an error.
    pub fn from_texts(mut text: impl FnMut(TermKey) -> Option<String>) -> Result<Self> {
        let utc = "UTC".parse()?;
        let mut terms = Self::seed("-", "-", utc)?;
        for key in TermKey::ALL {
            let value = text(key).ok_or_else(|| Error::invalid(key.as_str(), "is missing"))?;
            terms.set(key, &value)?;
        }
        Ok(terms)
    }

    /// The text form of one term, as `set` takes it and the document stores it.
    pub fn get(&self, key: TermKey) -> String {
        match key {
            TermKey::ClientName => self.client_name.clone(),
            TermKey::TherapistName => self.therapist_name.clone(),
            TermKey::Rationale => self.rationale.clone(),
            TermKey::Reasons => self.reasons.join("\n"),
            TermKey::Goals => self.goals.join("\n"),
            TermKey::Expectations => self.expectations.join("\n"),
            TermKey::LockoutHours => self.lockout_hours.to_string(),
            TermKey::CallMinutes => self.call_minutes.to_string(),
            TermKey::ReturnCallMinutes => self.return_call_minutes.to_string(),
            TermKey::TimeZone => self.time_zone.to_string(),
            TermKey::Availability => self.availability.to_string(),
            TermKey::BackupPlan => self.backup_plan.clone(),
        }
    }
}

/// A recorded edit of one term: who changed it, and when.
#[derive(Clone, PartialEq, Eq)]
pub struct TermEdit {
    pub id: EntryId,
    pub term: TermKey,
    pub by: Role,
    pub name: String,
    pub at: Timestamp,
}

crate::redacted_debug!(TermEdit {
    id,
    term,
    by,
    name: redacted,
    at
});

/// A crisis resource shown whenever the therapist cannot be called.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resource {
    pub id: EntryId,
    pub name: String,
    pub contact: String,
    /// Resources are shown in the order they were added, the seed's first.
    pub added_at: Timestamp,
}

crate::redacted_debug!(Resource {
    id,
    name: redacted,
    contact: redacted,
    added_at
});

impl Resource {
    pub fn new(name: &str, contact: &str, added_at: Timestamp) -> Result<Self> {
        Ok(Self {
            id: EntryId::random(),
            name: line("resource name", name, 200)?,
            contact: line("resource contact", contact, 200)?,
            added_at,
        })
    }

    /// The seed's resources, which every new agreement starts with, and which a
    /// client falls back to if concurrent removals on two phones ever left none.
    pub fn defaults() -> Vec<Resource> {
        let seed = |id: &str, name: &str, contact: &str, added_at: i64| Resource {
            id: EntryId::parse("id", id).expect("valid literal"),
            name: name.into(),
            contact: contact.into(),
            added_at: Timestamp::from_millis(added_at),
        };
        vec![
            seed(
                "0000000000000988",
                "988 Suicide & Crisis Lifeline",
                "call or text 988",
                0,
            ),
            seed("0000000000000911", "Emergency services", "911", 1),
        ]
    }
}

/// A target behaviour; reporting one that `triggers_lockout` starts the 24-hour rule.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Behavior {
    pub id: EntryId,
    pub label: String,
    pub triggers_lockout: bool,
    /// Removed behaviours stay in the document so past reports keep their meaning.
    pub removed: bool,
}

crate::redacted_debug!(Behavior {
    id,
    label: redacted,
    triggers_lockout,
    removed
});

impl Behavior {
    pub fn new(label: &str, triggers_lockout: bool) -> Result<Self> {
        Ok(Self {
            id: EntryId::random(),
            label: line("behavior label", label, 200)?,
            triggers_lockout,
            removed: false,
        })
    }
}

/// A party's signature over the terms hash (see [`crate::identity`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    pub id: EntryId,
    pub role: Role,
    pub name: String,
    pub signed_at: Timestamp,
    pub public_key: Vec<u8>,
    pub terms_hash: Vec<u8>,
    pub signature: Vec<u8>,
    /// The canonical terms signed ([`crate::model::canonical_terms`]), whose SHA-256
    /// is `terms_hash`: the signature carries what it signs, so the terms a version
    /// put in force can be read back however far the document has moved on.
    pub signed_terms: Option<String>,
}

crate::redacted_debug!(Signature {
    id,
    role,
    name: redacted,
    signed_at,
    public_key,
    terms_hash,
    signature,
    signed_terms: redacted
});

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Terms {
        Terms::seed("C", "T", "America/New_York".parse().unwrap()).unwrap()
    }

    #[test]
    fn the_seed_has_the_forms_defaults() {
        let t = seed();
        assert_eq!((t.reasons.len(), t.goals.len()), (4, 3));
        assert_eq!((t.lockout_hours, t.return_call_minutes), (24, 60));
        assert_eq!(t.call_minutes, CallBand { min: 5, max: 8 });
        assert!(t.availability.is_empty());
    }

    #[test]
    fn every_term_round_trips_through_its_text_form() {
        let t = seed();
        for key in TermKey::ALL {
            let mut u = t.clone();
            u.set(key, &t.get(key)).unwrap();
            assert_eq!(u, t, "{key:?}");
            assert_eq!(key.as_str().parse::<TermKey>().unwrap(), key);
        }
    }

    #[test]
    fn bad_values_name_the_field_and_change_nothing() {
        let mut t = seed();
        for (key, bad) in [
            (TermKey::LockoutHours, "-1"),
            (TermKey::LockoutHours, "1000"),
            (TermKey::CallMinutes, "8-5"),
            (TermKey::CallMinutes, "five"),
            (TermKey::TimeZone, "Nowhere/City"),
            (TermKey::Availability, "Mon 25:00-26:00"),
            (TermKey::ClientName, "  "),
            (TermKey::Reasons, "\n\n"),
        ] {
            let err = t.set(key, bad).unwrap_err();
            assert!(err.to_string().contains(key.as_str()), "{err}");
        }
        assert_eq!(t, seed());
    }
}
