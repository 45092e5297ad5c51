//! Before, during and after a call: the pre-call worksheet, the call against the
//! agreed band, and what the call brought.

use super::action::{Action, Route};
use super::home::in_force;
use super::{skills, Button, ButtonKind, Refresh, Viewer};
use crate::error::{Error, Result};
use crate::model::{AgreementId, CallEnd, CallReason, CallStart, EntryId, Urge};
use crate::rules::Permission;
use crate::store::Store;
use crate::time::Timestamp;
use crate::words::{Arg, Words};

/// The worksheet as the person has filled it so far; the shell keeps it while they
/// type and computes [`before_call`] again to show each field's problem.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallDraft {
    pub reason: Option<CallReason>,
    pub situation: String,
    pub tried: Vec<String>,
    /// 0 (none) to 5 (strongest).
    pub urge: Option<i64>,
}

crate::redacted_debug!(CallDraft {
    reason,
    situation: redacted,
    tried: redacted,
    urge
});

impl CallDraft {
    /// The worksheet the store records, or the first field's problem.
    pub(super) fn validated(&self) -> Result<CallStart> {
        let reason = self
            .reason
            .ok_or_else(|| Error::invalid("reason", "choose what the call is about"))?;
        let situation = Some(self.situation.as_str()).filter(|s| !s.trim().is_empty());
        CallStart::new(reason, situation, &self.tried, self.urge)
    }
}

/// What the call brought, as the person has filled it so far.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct AfterCallDraft {
    pub suggested: Vec<String>,
    pub urge_after: Option<i64>,
    /// The call reached the other party (else it is recorded as missed: a callback
    /// request).
    pub answered: bool,
}

impl Default for AfterCallDraft {
    fn default() -> Self {
        Self {
            suggested: Vec::new(),
            urge_after: None,
            answered: true,
        }
    }
}

crate::redacted_debug!(AfterCallDraft {
    suggested: redacted,
    urge_after,
    answered
});

impl AfterCallDraft {
    pub(super) fn validated(&self) -> Result<CallEnd> {
        let outcome = if self.answered { "completed" } else { "missed" };
        CallEnd::new(&self.suggested, self.urge_after, Some(outcome))
    }
}

/// A field's label, a hint, and its problem if the value given cannot be recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    pub label: String,
    pub hint: Option<String>,
    pub problem: Option<String>,
}

/// One option of a choice: the value to put in the draft, its words, and whether
/// the draft has it.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

crate::redacted_debug!(Choice {
    value,
    label: redacted,
    selected
});

/// Before a call: the worksheet.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct BeforeCall {
    pub agreement: AgreementId,
    pub title: String,
    /// What to expect: the agreed length, or that the 24-hour rule will decline it.
    pub intro: String,
    /// The 24-hour rule holds now: the call will be declined and the resources shown.
    pub will_be_declined: bool,
    pub reason: Field,
    pub reasons: Vec<Choice>,
    pub situation: Field,
    pub tried: Field,
    /// Skill names to pick from, those not picked yet.
    pub suggestions: Vec<String>,
    /// The button that adds a skill the person typed.
    pub add_skill: String,
    pub urge: Field,
    /// 0 to 5, with words at both ends.
    pub urge_scale: Vec<Choice>,
    pub can_submit: bool,
    pub submit: Button,
}

crate::redacted_debug!(BeforeCall {
    agreement,
    title,
    intro,
    will_be_declined,
    reason,
    reasons,
    situation,
    tried,
    suggestions: redacted,
    add_skill,
    urge,
    urge_scale,
    can_submit,
    submit
});

/// The Before-a-call screen for `draft`, with each field's problem.
pub fn before_call(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    draft: &CallDraft,
    now: Timestamp,
) -> Result<BeforeCall> {
    let decision = store.status(id, now)?;
    let view = store.agreement_shared(id)?;
    let band = in_force(&view).call_minutes;
    let words = viewer.words();
    let client = store.whoami()?.role == crate::model::Role::Client;
    let will_be_declined = client && decision.permission == Permission::LockedOut;
    let intro = if will_be_declined {
        words.get("before-call-intro-locked")
    } else {
        words.say(
            "before-call-intro",
            &[("min", Arg::from(band.min)), ("max", Arg::from(band.max))],
        )
    };
    let reasons = CallReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: words.get(&format!("reason-{}", r.as_str())),
            selected: draft.reason == Some(*r),
        })
        .collect();
    let situation = Some(draft.situation.as_str()).filter(|s| !s.trim().is_empty());
    let reason_problem = draft.reason.is_none().then(|| words.get("problem-reason"));
    let situation_problem = situation
        .and_then(|s| CallStart::new(CallReason::Coaching, Some(s), &[], None).err())
        .map(|_| words.say("problem-too-long", &[("max", Arg::from(2000u32))]));
    let tried_problem = CallStart::new(CallReason::Coaching, None, &draft.tried, None)
        .err()
        .map(|_| words.get("problem-skills"));
    let urge_problem = draft
        .urge
        .and_then(|u| Urge::new("urge", u).err())
        .map(|_| words.get("problem-urge"));
    let can_submit = [
        &reason_problem,
        &situation_problem,
        &tried_problem,
        &urge_problem,
    ]
    .iter()
    .all(|p| p.is_none());
    Ok(BeforeCall {
        agreement: id.clone(),
        title: words.get("before-call-title"),
        intro,
        will_be_declined,
        reason: field(words, "before-call-reason", None, reason_problem),
        reasons,
        situation: field(
            words,
            "before-call-situation",
            Some("before-call-situation-hint"),
            situation_problem,
        ),
        tried: field(
            words,
            "before-call-tried",
            Some("before-call-tried-hint"),
            tried_problem,
        ),
        suggestions: skills::suggestions(&draft.tried),
        add_skill: words.get("add-skill"),
        urge: field(words, "before-call-urge", None, urge_problem),
        urge_scale: urge_scale(words, draft.urge),
        can_submit,
        submit: Button {
            kind: ButtonKind::StartCall,
            label: words.get("before-call-submit"),
            uri: None,
            primary: true,
            action: Action::StartCall {
                agreement: id.clone(),
                draft: draft.clone(),
            },
        },
    })
}

fn field(words: &Words, label: &str, hint: Option<&str>, problem: Option<String>) -> Field {
    Field {
        label: words.get(label),
        hint: hint.map(|h| words.get(h)),
        problem,
    }
}

/// The urge scale, 0 to 5: the ends say what they mean.
fn urge_scale(words: &Words, selected: Option<i64>) -> Vec<Choice> {
    (0..=5)
        .map(|n: i64| Choice {
            value: n.to_string(),
            label: match n {
                0 => words.get("urge-none"),
                5 => words.get("urge-strongest"),
                _ => n.to_string(),
            },
            selected: selected == Some(n),
        })
        .collect()
}

/// Where a call stands against the agreed band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    /// Before the band's minimum.
    Early,
    /// Within the band.
    InBand,
    /// Past the band's maximum: a gentle cue, never a block.
    PastBand,
}

/// During a call: how long it has lasted against the agreed band.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DuringCall {
    pub agreement: AgreementId,
    pub call: EntryId,
    pub title: String,
    pub started_at: Timestamp,
    pub elapsed_minutes: i64,
    pub band_min: u32,
    pub band_max: u32,
    pub phase: CallPhase,
    /// "4 of 5–8 minutes".
    pub progress: String,
    /// Past the band: a gentle reminder to start wrapping up.
    pub cue: Option<String>,
    pub end: Button,
    /// The next whole minute of the call.
    pub refresh_at: Refresh,
}

/// The During-a-call screen of call `call` at `now`.
pub fn during_call(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    call: &EntryId,
    now: Timestamp,
) -> Result<DuringCall> {
    let started_at = store.call(id, call)?.started_at;
    let band = in_force(&*store.agreement_shared(id)?).call_minutes;
    let words = viewer.words();
    let elapsed_ms = (now.millis() - started_at.millis()).max(0);
    let elapsed_minutes = elapsed_ms / Timestamp::MINUTE_MS;
    let phase = if elapsed_minutes < i64::from(band.min) {
        CallPhase::Early
    } else if elapsed_ms <= i64::from(band.max) * Timestamp::MINUTE_MS {
        CallPhase::InBand
    } else {
        CallPhase::PastBand
    };
    Ok(DuringCall {
        agreement: id.clone(),
        call: call.clone(),
        title: words.get("during-call-title"),
        started_at,
        elapsed_minutes,
        band_min: band.min,
        band_max: band.max,
        phase,
        progress: words.say(
            "during-call-progress",
            &[
                ("elapsed", Arg::from(elapsed_minutes)),
                ("min", Arg::from(band.min)),
                ("max", Arg::from(band.max)),
            ],
        ),
        cue: (phase == CallPhase::PastBand).then(|| words.get("during-call-cue")),
        end: Button {
            kind: ButtonKind::EndCall,
            label: words.get("during-call-end"),
            uri: None,
            primary: true,
            action: Action::Open {
                route: Route::AfterCall {
                    agreement: id.clone(),
                    call: call.clone(),
                },
            },
        },
        refresh_at: Some(started_at.plus_minutes(elapsed_minutes + 1)),
    })
}

/// After a call: what was suggested, the urge now, and whether it connected.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct AfterCall {
    pub agreement: AgreementId,
    pub call: EntryId,
    pub title: String,
    pub suggested: Field,
    pub suggestions: Vec<String>,
    /// The button that adds a skill the person typed.
    pub add_skill: String,
    pub urge_after: Field,
    pub urge_scale: Vec<Choice>,
    /// "We talked" / "No answer".
    pub outcomes: Vec<Choice>,
    pub can_submit: bool,
    pub submit: Button,
}

crate::redacted_debug!(AfterCall {
    agreement,
    call,
    title,
    suggested,
    suggestions: redacted,
    add_skill,
    urge_after,
    urge_scale,
    outcomes,
    can_submit,
    submit
});

/// The After-a-call screen for `draft`.
pub fn after_call(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    call: &EntryId,
    draft: &AfterCallDraft,
) -> Result<AfterCall> {
    store.call(id, call)?;
    let words = viewer.words();
    let suggested_problem = CallEnd::new(&draft.suggested, None, None)
        .err()
        .map(|_| words.get("problem-skills"));
    let urge_problem = draft
        .urge_after
        .and_then(|u| Urge::new("urge", u).err())
        .map(|_| words.get("problem-urge"));
    let outcomes = [(true, "after-call-answered"), (false, "after-call-missed")]
        .into_iter()
        .map(|(answered, label)| Choice {
            value: if answered { "completed" } else { "missed" }.to_owned(),
            label: words.get(label),
            selected: draft.answered == answered,
        })
        .collect();
    Ok(AfterCall {
        agreement: id.clone(),
        call: call.clone(),
        title: words.get("after-call-title"),
        can_submit: suggested_problem.is_none() && urge_problem.is_none(),
        suggested: field(
            words,
            "after-call-suggested",
            Some("after-call-suggested-hint"),
            suggested_problem,
        ),
        suggestions: skills::suggestions(&draft.suggested),
        add_skill: words.get("add-skill"),
        urge_after: field(words, "after-call-urge", None, urge_problem),
        urge_scale: urge_scale(words, draft.urge_after),
        outcomes,
        submit: Button {
            kind: ButtonKind::Save,
            label: words.get("after-call-submit"),
            uri: None,
            primary: true,
            action: Action::EndCall {
                agreement: id.clone(),
                call: call.clone(),
                draft: draft.clone(),
            },
        },
    })
}
