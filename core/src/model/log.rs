//! The call log, behaviour reports and in-person sessions.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::model::terms::{line, text};
use crate::model::{EntryId, Role};
use crate::time::Timestamp;

/// Why the client calls (the seed form's four reasons for phone coaching).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallReason {
    /// Coaching in a crisis: generalize skills to daily life.
    Coaching,
    /// A non-crisis call to clarify a skill.
    Clarification,
    /// Repair the relationship with the therapist.
    Repair,
    /// Share good news.
    News,
}

impl CallReason {
    pub const ALL: [CallReason; 4] = [
        CallReason::Coaching,
        CallReason::Clarification,
        CallReason::Repair,
        CallReason::News,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallReason::Coaching => "coaching",
            CallReason::Clarification => "clarification",
            CallReason::Repair => "repair",
            CallReason::News => "news",
        }
    }
}

impl FromStr for CallReason {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Error::invalid("reason", "expected coaching, clarification, repair or news")
            })
    }
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Completed,
    /// Nobody answered: a callback request.
    Missed,
    /// Attempted during a lockout and declined by the 24-hour rule.
    Declined,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Completed => "completed",
            CallOutcome::Missed => "missed",
            CallOutcome::Declined => "declined",
        }
    }

    /// Parses an outcome a person may record when ending a call (`declined` is
    /// recorded only by the rules).
    pub fn parse_for_end(s: &str) -> Result<Self> {
        match s {
            "completed" => Ok(CallOutcome::Completed),
            "missed" => Ok(CallOutcome::Missed),
            _ => Err(Error::invalid("outcome", "expected completed or missed")),
        }
    }

    pub fn parse_stored(s: &str) -> Option<Self> {
        match s {
            "completed" => Some(CallOutcome::Completed),
            "missed" => Some(CallOutcome::Missed),
            "declined" => Some(CallOutcome::Declined),
            _ => None,
        }
    }
}

/// An urge rating on the diary-card scale, 0 (none) to 5 (strongest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Urge(u8);

impl Urge {
    pub fn new(field: &'static str, value: i64) -> Result<Self> {
        u8::try_from(value)
            .ok()
            .filter(|v| *v <= 5)
            .map(Urge)
            .ok_or_else(|| Error::invalid(field, "expected a whole number from 0 to 5"))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

/// What the caller fills in before a call (the pre-call worksheet), validated.
#[derive(Clone, PartialEq, Eq)]
pub struct CallStart {
    reason: CallReason,
    situation: Option<String>,
    tried: Vec<String>,
    urge_before: Option<Urge>,
}

crate::redacted_debug!(CallStart {
    reason,
    situation: redacted,
    tried: redacted,
    urge_before
});

impl CallStart {
    pub fn new(
        reason: CallReason,
        situation: Option<&str>,
        tried: &[String],
        urge_before: Option<i64>,
    ) -> Result<Self> {
        Ok(Self {
            reason,
            situation: situation
                .map(|s| text("situation", s, 2000))
                .transpose()?
                .filter(|s| !s.is_empty()),
            tried: skills("tried", tried)?,
            urge_before: urge_before.map(|u| Urge::new("urge", u)).transpose()?,
        })
    }

    /// The call this worksheet starts, as recorded by `started_by` at `at`.
    pub fn into_call(self, started_by: Role, at: Timestamp) -> Call {
        Call {
            id: EntryId::random(),
            reason: self.reason,
            started_by,
            started_at: at,
            ended_at: None,
            situation: self.situation,
            tried: self.tried,
            urge_before: self.urge_before,
            suggested: Vec::new(),
            urge_after: None,
            outcome: None,
            returns: None,
            shown_resources: Vec::new(),
        }
    }
}

/// What is recorded when a call ends, validated.
#[derive(Clone, PartialEq, Eq)]
pub struct CallEnd {
    pub suggested: Vec<String>,
    pub urge_after: Option<Urge>,
    pub outcome: CallOutcome,
}

crate::redacted_debug!(CallEnd {
    suggested: redacted,
    urge_after,
    outcome
});

impl CallEnd {
    pub fn new(
        suggested: &[String],
        urge_after: Option<i64>,
        outcome: Option<&str>,
    ) -> Result<Self> {
        Ok(Self {
            suggested: skills("suggested", suggested)?,
            urge_after: urge_after.map(|u| Urge::new("urge-after", u)).transpose()?,
            outcome: outcome
                .map(CallOutcome::parse_for_end)
                .transpose()?
                .unwrap_or(CallOutcome::Completed),
        })
    }
}

/// Validates a list of skills: each one line, at most 50.
fn skills(field: &'static str, list: &[String]) -> Result<Vec<String>> {
    if list.len() > 50 {
        return Err(Error::invalid(field, "at most 50 skills"));
    }
    list.iter().map(|s| line(field, s, 200)).collect()
}

/// One call in the log.
#[derive(Clone, PartialEq, Eq)]
pub struct Call {
    pub id: EntryId,
    pub reason: CallReason,
    pub started_by: Role,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub situation: Option<String>,
    pub tried: Vec<String>,
    pub urge_before: Option<Urge>,
    pub suggested: Vec<String>,
    pub urge_after: Option<Urge>,
    pub outcome: Option<CallOutcome>,
    /// For a return call: the callback request it answers.
    pub returns: Option<EntryId>,
    /// For a declined call: the crisis resources that were shown, as "name — contact".
    pub shown_resources: Vec<String>,
}

crate::redacted_debug!(Call {
    id,
    reason,
    started_by,
    started_at,
    ended_at,
    situation: redacted,
    tried: redacted,
    urge_before,
    suggested: redacted,
    urge_after,
    outcome,
    returns,
    shown_resources: redacted
});

/// A report that the client engaged in a target behaviour at `occurred_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: EntryId,
    /// The behaviour from the agreement's list; `None` is an unnamed target behaviour
    /// (a client in distress has nothing to type), which always triggers the lockout.
    pub behavior: Option<EntryId>,
    pub occurred_at: Timestamp,
    pub reported_at: Timestamp,
    pub reported_by: Role,
    /// Once set, never cleared: a retraction wins over any concurrent edit.
    pub retracted_at: Option<Timestamp>,
}

/// An in-person session; the summary covers what happened since the last one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: EntryId,
    pub at: Timestamp,
    pub recorded_by: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urges_are_zero_to_five() {
        assert_eq!(Urge::new("urge", 5).unwrap().value(), 5);
        assert!(Urge::new("urge", 6).is_err());
        assert!(Urge::new("urge", -1).is_err());
    }

    #[test]
    fn worksheets_validate_every_field() {
        let ok =
            CallStart::new(CallReason::Coaching, Some("s"), &["TIPP".into()], Some(4)).unwrap();
        assert_eq!(
            ok.clone()
                .into_call(Role::Client, Timestamp::from_millis(0))
                .tried,
            vec!["TIPP"]
        );
        let err = CallStart::new(CallReason::Coaching, None, &[], Some(9)).unwrap_err();
        assert!(err.to_string().starts_with("invalid urge"), "{err}");
        assert!(CallStart::new(CallReason::News, None, &["a\nb".into()], None).is_err());
        assert!(CallEnd::new(&[], Some(-1), None).is_err());
        assert!(CallEnd::new(&[], None, Some("declined")).is_err());
        assert_eq!(
            CallEnd::new(&[], None, None).unwrap().outcome,
            CallOutcome::Completed
        );
    }

    #[test]
    fn reasons_and_outcomes_parse() {
        assert_eq!("news".parse::<CallReason>().unwrap(), CallReason::News);
        assert!("chat".parse::<CallReason>().is_err());
        assert!(CallOutcome::parse_for_end("declined").is_err());
        assert_eq!(
            CallOutcome::parse_stored("declined"),
            Some(CallOutcome::Declined)
        );
    }
}
