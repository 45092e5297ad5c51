//! Reporting a behaviour: which (optional), when, and what happens next.

use super::action::Action;
use super::call::Choice;
use super::{Button, ButtonKind, Viewer};
use crate::error::{Error, Result};
use crate::model::{AgreementId, EntryId};
use crate::store::Store;
use crate::time::Timestamp;
use crate::words::Arg;

/// When the behaviour happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportWhen {
    Now,
    /// A quick choice: this many minutes ago.
    MinutesAgo {
        minutes: u32,
    },
    At {
        at: Timestamp,
    },
}

/// The quick choices, in minutes ago (0 is now).
const QUICK: [u32; 5] = [0, 60, 180, 720, 1440];

/// The report as filled in so far.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReportDraft {
    /// One of the agreement's behaviours, or none: a person in distress need not
    /// name it, and an unnamed report always counts.
    pub behavior: Option<EntryId>,
    pub when: ReportWhen,
}

impl Default for ReportDraft {
    fn default() -> Self {
        Self {
            behavior: None,
            when: ReportWhen::Now,
        }
    }
}

impl ReportDraft {
    fn at(&self, now: Timestamp) -> Timestamp {
        match self.when {
            ReportWhen::Now => now,
            ReportWhen::MinutesAgo { minutes } => now.plus_minutes(-i64::from(minutes)),
            ReportWhen::At { at } => at,
        }
    }

    /// The label the store records the report under, and when it happened.
    pub(super) fn validated(
        &self,
        store: &mut Store,
        id: &AgreementId,
        now: Timestamp,
    ) -> Result<(Option<String>, Timestamp)> {
        let label = match &self.behavior {
            None => None,
            Some(b) => Some(
                store
                    .agreement_shared(id)?
                    .behaviors
                    .iter()
                    .find(|known| &known.id == b)
                    .map(|known| known.label.clone())
                    .ok_or_else(|| {
                        Error::invalid("behavior", "the agreement lists no such behaviour")
                    })?,
            ),
        };
        Ok((label, self.at(now).check("at")?))
    }
}

/// The Report-a-behaviour screen.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub agreement: AgreementId,
    pub title: String,
    pub intro: String,
    /// The heading over `behaviors`.
    pub behavior_label: String,
    /// The agreement's behaviours, then "rather not say" (value empty).
    pub behaviors: Vec<Choice>,
    /// The heading over `when`.
    pub when_label: String,
    pub when: Vec<Choice>,
    pub when_problem: Option<String>,
    /// What happens next under the 24-hour rule, for this report.
    pub next: String,
    /// When calls would be allowed again, if this report locks.
    pub locks_until: Option<Timestamp>,
    /// The rule in the agreement's own words: the item of "what to expect" that
    /// states it, when the agreement has one (the seed form's does).
    pub agreement_rule: Option<String>,
    pub can_submit: bool,
    pub submit: Button,
}

crate::redacted_debug!(Report {
    agreement,
    title,
    intro,
    behavior_label,
    behaviors,
    when_label,
    when,
    when_problem,
    next,
    locks_until,
    agreement_rule: redacted,
    can_submit,
    submit
});

/// The Report screen for `draft` at `now`.
pub fn report(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    draft: &ReportDraft,
    now: Timestamp,
) -> Result<Report> {
    let decision = store.status(id, now)?;
    let view = store.agreement_shared(id)?;
    let words = viewer.words();
    let mut behaviors: Vec<Choice> = view
        .behaviors
        .iter()
        .map(|b| Choice {
            value: b.id.as_str().to_owned(),
            label: b.label.clone(),
            selected: draft.behavior.as_ref() == Some(&b.id),
        })
        .collect();
    behaviors.push(Choice {
        value: String::new(),
        label: words.get("report-rather-not-say"),
        selected: draft.behavior.is_none(),
    });
    let when = QUICK
        .iter()
        .map(|&minutes| Choice {
            value: minutes.to_string(),
            label: match minutes {
                0 => words.get("report-when-now"),
                m if m < 60 * 24 => {
                    words.say("report-when-hours-ago", &[("hours", Arg::from(m / 60))])
                }
                _ => words.get("report-when-yesterday"),
            },
            selected: match draft.when {
                ReportWhen::Now => minutes == 0,
                ReportWhen::MinutesAgo { minutes: m } => m == minutes,
                ReportWhen::At { .. } => false,
            },
        })
        .collect();
    let at = draft.at(now);
    let when_problem = (at > now.plus_minutes(5) || at.check("at").is_err())
        .then(|| words.get("problem-report-future"));
    let locks = match &draft.behavior {
        None => true,
        Some(b) => view
            .behaviors
            .iter()
            .any(|known| &known.id == b && known.triggers_lockout),
    };
    let locks_until = (locks && decision.lockout_hours > 0)
        .then(|| at.plus_hours(i64::from(decision.lockout_hours)))
        .filter(|until| *until > now);
    let next = match locks_until {
        Some(until) => {
            let until = viewer.when(until, now);
            words.say(
                "report-next-locks",
                &[
                    ("until", Arg::from(&until)),
                    ("hours", Arg::from(decision.lockout_hours)),
                ],
            )
        }
        None if locks => words.get("report-next-over"),
        None => words.get("report-next-no-lock"),
    };
    let unknown = draft
        .behavior
        .as_ref()
        .is_some_and(|b| !view.behaviors.iter().any(|known| &known.id == b));
    let agreement_rule = super::home::in_force(&view)
        .expectations
        .iter()
        .find(|e| e.to_lowercase().contains("hour rule"))
        .cloned();
    Ok(Report {
        agreement_rule,
        agreement: id.clone(),
        title: words.get("report-title"),
        intro: words.get("report-intro"),
        behavior_label: words.get("report-which"),
        when_label: words.get("report-when"),
        behaviors,
        when,
        can_submit: when_problem.is_none() && !unknown,
        when_problem,
        next,
        locks_until,
        submit: Button {
            kind: ButtonKind::ReportBehavior,
            label: words.get("report-submit"),
            uri: None,
            primary: true,
            action: Action::ReportBehavior {
                agreement: id.clone(),
                draft: draft.clone(),
            },
        },
    })
}
