//! What happened between two instants, usually since the last in-person session:
//! what the therapist prepares from. Calls count if they started in `[since, until]`,
//! reports if they occurred then. Every list is sorted by time then id (skills by
//! count, then name), so both phones print the same summary.
//!
//! Declined calls are attempts, not calls: they are listed on their own and left out
//! of the counts by reason, the durations and the calls made during a lockout (they
//! are during one by definition). Their worksheets still count: the skills a client
//! tried and the urges they rated before being turned away are what a session needs.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Call, CallOutcome, CallReason, EntryId};
use crate::rules::{completed_length_ms, AgreementState, LockoutWindow, Rules};
use crate::time::Timestamp;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    pub since: Timestamp,
    pub until: Timestamp,
    /// Every reason, with zero where there was none.
    pub calls_by_reason: BTreeMap<CallReason, usize>,
    pub durations: Durations,
    pub declined_attempts: Vec<DeclinedAttempt>,
    /// The windows of reports that occurred in the period and lock.
    pub lockouts: Vec<LockoutWindow>,
    /// Calls that went ahead inside a lockout window (typically reported later).
    pub during_lockout_calls: Vec<EntryId>,
    pub callback_requests: Vec<CallbackOutcome>,
    pub skills_tried: Vec<SkillCount>,
    pub skills_suggested: Vec<SkillCount>,
    /// Calls with an urge rated before or after.
    pub urges: Vec<UrgeChange>,
}

/// The length of the completed calls against the agreed band.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Durations {
    pub median_minutes: Option<f64>,
    /// The share of completed calls no longer than the band's maximum. Short calls
    /// count as within: the band says calls are brief, and a shorter call is no
    /// problem.
    pub within_band_share: Option<f64>,
    pub long_calls: Vec<EntryId>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeclinedAttempt {
    pub call_id: EntryId,
    pub at: Timestamp,
}

/// A callback request and what became of it, as of the summary's end.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallbackOutcome {
    pub call_id: EntryId,
    pub requested_at: Timestamp,
    pub due_at: Timestamp,
    pub returned_at: Option<Timestamp>,
    pub met_in_time: bool,
    pub overdue: bool,
}

/// How many calls named a skill (once per call).
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkillCount {
    pub skill: String,
    pub count: usize,
}

crate::redacted_debug!(SkillCount {
    skill: redacted,
    count
});

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UrgeChange {
    pub call_id: EntryId,
    pub started_at: Timestamp,
    pub before: Option<u8>,
    pub after: Option<u8>,
}

/// The summary of `[since, now]`; `rules` must be built from `state`.
pub fn summary(state: &AgreementState, rules: &Rules, since: Timestamp, now: Timestamp) -> Summary {
    let in_period = |t: Timestamp| since <= t && t <= now;
    let mut calls: Vec<&Call> = state
        .calls
        .iter()
        .filter(|c| in_period(c.started_at))
        .collect();
    calls.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    let (declined, taken): (Vec<&Call>, Vec<&Call>) = calls
        .iter()
        .partition(|c| c.outcome == Some(CallOutcome::Declined));

    let mut calls_by_reason: BTreeMap<CallReason, usize> =
        CallReason::ALL.iter().map(|r| (*r, 0)).collect();
    for call in &taken {
        *calls_by_reason.entry(call.reason).or_default() += 1;
    }

    Summary {
        since,
        until: now,
        calls_by_reason,
        durations: durations(rules, &taken),
        declined_attempts: declined
            .iter()
            .map(|c| DeclinedAttempt {
                call_id: c.id.clone(),
                at: c.started_at,
            })
            .collect(),
        lockouts: rules
            .lockouts
            .windows()
            .iter()
            .filter(|w| in_period(w.from))
            .cloned()
            .collect(),
        during_lockout_calls: taken
            .iter()
            .filter(|c| rules.lockouts.is_locked(c.started_at))
            .map(|c| c.id.clone())
            .collect(),
        callback_requests: rules
            .callbacks
            .requests()
            .iter()
            .filter(|r| in_period(r.requested_at))
            .map(|r| {
                let returned_at = r.returned_by(now);
                CallbackOutcome {
                    call_id: r.call_id.clone(),
                    requested_at: r.requested_at,
                    due_at: r.due_at,
                    returned_at,
                    met_in_time: returned_at.is_some_and(|t| t <= r.due_at),
                    overdue: r.is_overdue(now),
                }
            })
            .collect(),
        skills_tried: skill_counts(calls.iter().map(|c| &c.tried)),
        skills_suggested: skill_counts(calls.iter().map(|c| &c.suggested)),
        urges: calls
            .iter()
            .filter(|c| c.urge_before.is_some() || c.urge_after.is_some())
            .map(|c| UrgeChange {
                call_id: c.id.clone(),
                started_at: c.started_at,
                before: c.urge_before.map(|u| u.value()),
                after: c.urge_after.map(|u| u.value()),
            })
            .collect(),
    }
}

/// Where a summary starts by default: the last in-person session up to `now`, as
/// the summary prepares the next one; a week back if there was none.
pub fn default_summary_since(state: &AgreementState, now: Timestamp) -> Timestamp {
    state
        .sessions
        .iter()
        .map(|s| s.at)
        .filter(|at| *at <= now)
        .max()
        .unwrap_or_else(|| now.plus_hours(-7 * 24))
}

fn durations(rules: &Rules, calls: &[&Call]) -> Durations {
    let mut lengths: Vec<i64> = calls
        .iter()
        .filter_map(|c| completed_length_ms(c))
        .collect();
    lengths.sort_unstable();
    let minutes = |ms: i64| ms as f64 / Timestamp::MINUTE_MS as f64;
    let median_minutes = match lengths.len() {
        0 => None,
        n if n % 2 == 1 => Some(minutes(lengths[n / 2])),
        n => Some((minutes(lengths[n / 2 - 1]) + minutes(lengths[n / 2])) / 2.0),
    };
    let within = calls
        .iter()
        .filter(|c| completed_length_ms(c).is_some() && !rules.is_long(c))
        .count();
    Durations {
        median_minutes,
        within_band_share: (!lengths.is_empty()).then(|| within as f64 / lengths.len() as f64),
        long_calls: calls
            .iter()
            .filter(|c| rules.is_long(c))
            .map(|c| c.id.clone())
            .collect(),
    }
}

/// Counts of each skill over calls, a skill named twice in one call counting once;
/// most frequent first, then by name.
fn skill_counts<'a>(lists: impl Iterator<Item = &'a Vec<String>>) -> Vec<SkillCount> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for list in lists {
        let mut seen: Vec<&str> = list.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for skill in seen {
            *counts.entry(skill).or_default() += 1;
        }
    }
    let mut counts: Vec<SkillCount> = counts
        .into_iter()
        .map(|(skill, count)| SkillCount {
            skill: skill.to_owned(),
            count,
        })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.skill.cmp(&b.skill)));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, Session, Urge};
    use crate::rules::fixtures::{at, call, completed, id, report, returned, state};

    fn session(n: u64, at: Timestamp) -> Session {
        Session {
            id: id(n),
            at,
            recorded_by: Role::Therapist,
        }
    }

    #[test]
    fn the_default_period_starts_at_the_last_session() {
        let mut s = state("Europe/Berlin", "Mon-Fri 09:00-17:00");
        let now = at("2026-03-10T12:00:00Z");
        assert_eq!(default_summary_since(&s, now), at("2026-03-03T12:00:00Z"));
        s.sessions = vec![
            session(1, at("2026-03-02T10:00:00Z")),
            session(2, at("2026-03-09T10:00:00Z")),
            session(3, at("2026-03-16T10:00:00Z")),
        ];
        assert_eq!(default_summary_since(&s, now), at("2026-03-09T10:00:00Z"));
    }

    #[test]
    fn a_week_of_calls_summarised() {
        let mut s = state("America/New_York", "Mon-Fri 09:00-20:00");
        let mut long = completed(1, at("2026-03-02T15:00:00Z"), 12 * 60_000);
        long.tried = vec!["TIPP".into(), "TIPP".into(), "Opposite action".into()];
        long.suggested = vec!["Paced breathing".into()];
        long.urge_before = Some(Urge::new("urge", 4).unwrap());
        long.urge_after = Some(Urge::new("urge", 2).unwrap());
        let mut short = completed(2, at("2026-03-02T17:00:00Z"), 3 * 60_000);
        short.reason = CallReason::News;
        short.tried = vec!["Opposite action".into(), "Check the facts".into()];
        let on_band = completed(3, at("2026-03-03T15:00:00Z"), 8 * 60_000);
        // Tuesday 23:00 EST, out of hours: due Wednesday 10:00 EST, returned late.
        let mut night = call(4, Role::Client, at("2026-03-04T04:00:00Z"));
        night.outcome = Some(CallOutcome::Missed);
        let back = returned(5, &id(4), at("2026-03-04T15:30:00Z"));
        // Reported afterwards: the behaviour happened before call 6 went ahead.
        let mut late_report = report(20, at("2026-03-04T18:00:00Z"), None);
        late_report.reported_at = at("2026-03-05T12:00:00Z");
        let went_ahead = completed(6, at("2026-03-04T19:00:00Z"), 5 * 60_000);
        let mut declined = call(7, Role::Client, at("2026-03-04T20:00:00Z"));
        declined.outcome = Some(CallOutcome::Declined);
        declined.tried = vec!["TIPP".into()];
        declined.urge_before = Some(Urge::new("urge", 5).unwrap());
        // Thursday 23:00 EST: due Friday 10:00 EST, never returned.
        let unanswered = call(8, Role::Client, at("2026-03-06T04:00:00Z"));
        let before = completed(9, at("2026-02-20T15:00:00Z"), 60 * 60_000);
        s.calls = vec![
            unanswered, declined, went_ahead, back, night, on_band, short, long, before,
        ];
        s.reports = vec![late_report, report(21, at("2026-02-20T15:00:00Z"), None)];

        let rules = Rules::new(&s);
        let since = at("2026-03-02T00:00:00Z");
        let now = at("2026-03-06T18:00:00Z");
        let sum = summary(&s, &rules, since, now);

        assert_eq!((sum.since, sum.until), (since, now));
        let counts: Vec<(CallReason, usize)> = sum.calls_by_reason.clone().into_iter().collect();
        assert_eq!(
            counts,
            [
                (CallReason::Coaching, 6),
                (CallReason::Clarification, 0),
                (CallReason::Repair, 0),
                (CallReason::News, 1)
            ]
        );
        assert_eq!(sum.durations.median_minutes, Some(6.5));
        assert_eq!(sum.durations.within_band_share, Some(0.75));
        assert_eq!(sum.durations.long_calls, [id(1)]);
        assert_eq!(
            sum.declined_attempts,
            [DeclinedAttempt {
                call_id: id(7),
                at: at("2026-03-04T20:00:00Z")
            }]
        );
        assert_eq!(
            sum.lockouts
                .iter()
                .map(|w| &w.report_id)
                .collect::<Vec<_>>(),
            [&id(20)]
        );
        assert_eq!(sum.during_lockout_calls, [id(6)]);
        assert_eq!(
            sum.callback_requests,
            [
                CallbackOutcome {
                    call_id: id(4),
                    requested_at: at("2026-03-04T04:00:00Z"),
                    due_at: at("2026-03-04T15:00:00Z"),
                    returned_at: Some(at("2026-03-04T15:30:00Z")),
                    met_in_time: false,
                    overdue: false,
                },
                CallbackOutcome {
                    call_id: id(8),
                    requested_at: at("2026-03-06T04:00:00Z"),
                    due_at: at("2026-03-06T15:00:00Z"),
                    returned_at: None,
                    met_in_time: false,
                    overdue: true,
                },
            ]
        );
        let skills = |list: &[SkillCount]| {
            list.iter()
                .map(|s| (s.skill.clone(), s.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            skills(&sum.skills_tried),
            [
                ("Opposite action".into(), 2),
                ("TIPP".into(), 2),
                ("Check the facts".into(), 1)
            ]
        );
        assert_eq!(
            skills(&sum.skills_suggested),
            [("Paced breathing".into(), 1)]
        );
        assert_eq!(
            sum.urges,
            [
                UrgeChange {
                    call_id: id(1),
                    started_at: at("2026-03-02T15:00:00Z"),
                    before: Some(4),
                    after: Some(2)
                },
                UrgeChange {
                    call_id: id(7),
                    started_at: at("2026-03-04T20:00:00Z"),
                    before: Some(5),
                    after: None
                },
            ]
        );

        let json = serde_json::to_value(&sum).unwrap();
        assert_eq!(json["calls_by_reason"]["clarification"], 0);
        assert_eq!(
            json["callback_requests"][1]["returned_at"],
            serde_json::Value::Null
        );
        assert_eq!(json["lockouts"][0]["behavior_id"], serde_json::Value::Null);
    }

    #[test]
    fn an_empty_period_has_no_durations() {
        let s = state("Europe/Berlin", "");
        let now = at("2026-03-06T18:00:00Z");
        let sum = summary(&s, &Rules::new(&s), default_summary_since(&s, now), now);
        assert_eq!(
            sum.durations,
            Durations {
                median_minutes: None,
                within_band_share: None,
                long_calls: vec![]
            }
        );
        assert_eq!(sum.calls_by_reason.values().sum::<usize>(), 0);
        assert_eq!(sum.calls_by_reason.len(), 4);
    }

    #[test]
    fn a_return_after_the_period_does_not_count_yet() {
        let mut s = state("America/New_York", "Mon-Fri 09:00-20:00");
        let mut missed = call(1, Role::Client, at("2026-03-02T15:00:00Z"));
        missed.outcome = Some(CallOutcome::Missed);
        s.calls = vec![missed, returned(2, &id(1), at("2026-03-02T15:30:00Z"))];
        let rules = Rules::new(&s);
        let then = summary(
            &s,
            &rules,
            at("2026-03-02T00:00:00Z"),
            at("2026-03-02T15:20:00Z"),
        );
        assert_eq!(
            (
                then.callback_requests[0].returned_at,
                then.callback_requests[0].overdue
            ),
            (None, false)
        );
        let later = summary(
            &s,
            &rules,
            at("2026-03-02T00:00:00Z"),
            at("2026-03-02T18:00:00Z"),
        );
        assert!(later.callback_requests[0].met_in_time);
    }
}
