//! The therapist's preparation for the next session: the summary since the last one
//! in a few sentences, and the data series a shell plots (urges before and after
//! each call, calls per week by reason, lockout windows).

use super::Viewer;
use crate::error::Result;
use crate::model::{AgreementId, CallOutcome, CallReason, EntryId};
use crate::store::Store;
use crate::time::Timestamp;
use crate::words::Arg;

/// How many weeks the calls-per-week series covers, ending now.
pub const SERIES_WEEKS: i64 = 8;

/// The urge ratings of one call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UrgePoint {
    pub call: EntryId,
    pub at: Timestamp,
    pub before: Option<u8>,
    pub after: Option<u8>,
}

/// The calls of one week, by reason, and the attempts the 24-hour rule declined.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct WeekOfCalls {
    pub starts: Timestamp,
    /// "3 March": the week's first day, in the viewer's zone.
    pub label: String,
    pub coaching: u32,
    pub clarification: u32,
    pub repair: u32,
    pub news: u32,
    pub declined: u32,
}

/// A lockout window.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    pub from: Timestamp,
    pub until: Timestamp,
    pub label: String,
}

/// The Session-prep screen.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct SessionPrep {
    pub agreement: AgreementId,
    pub client_name: String,
    pub title: String,
    pub since: Timestamp,
    pub until: Timestamp,
    /// The summary, one sentence per topic.
    pub lines: Vec<String>,
    /// Per call in the period, oldest first.
    pub urges: Vec<UrgePoint>,
    /// The last [`SERIES_WEEKS`] weeks, oldest first.
    pub weeks: Vec<WeekOfCalls>,
    /// Windows that began in the period.
    pub lockouts: Vec<Window>,
    /// Chart titles: urges, calls per week, lockouts.
    pub chart_titles: [String; 3],
    /// The reasons' words, in the order of [`WeekOfCalls`]'s fields.
    pub reason_labels: [String; 4],
}

crate::redacted_debug!(SessionPrep {
    agreement,
    client_name: redacted,
    title: redacted,
    since,
    until,
    lines: redacted,
    urges,
    weeks,
    lockouts,
    chart_titles,
    reason_labels
});

/// The Session-prep screen of agreement `id`: since the last session (else the
/// last 7 days) up to `now`.
pub fn session_prep(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    now: Timestamp,
) -> Result<SessionPrep> {
    let words = viewer.words();
    let zone = viewer.time_zone.tz();
    let summary = store.summary(id, None, now)?;
    let view = store.agreement_shared(id)?;
    let reason = |r: CallReason| words.get(&format!("reason-{}", r.as_str()));
    let mut lines = Vec::new();
    let total: usize = summary.calls_by_reason.values().sum();
    let by_reason = summary
        .calls_by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| {
            words.say(
                "prep-reason-count",
                &[("count", Arg::from(*n)), ("reason", Arg::from(&reason(*r)))],
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    lines.push(words.say(
        "prep-calls",
        &[
            ("count", Arg::from(total)),
            ("reasons", Arg::from(&by_reason)),
        ],
    ));
    if let Some(median) = summary.durations.median_minutes {
        let median = format!("{median:.0}");
        let share = summary
            .durations
            .within_band_share
            .map_or(100, |s| (s * 100.0).round() as i64);
        lines.push(words.say(
            "prep-durations",
            &[("median", Arg::from(&median)), ("share", Arg::from(share))],
        ));
    }
    if !summary.declined_attempts.is_empty() {
        lines.push(words.say(
            "prep-declined",
            &[("count", Arg::from(summary.declined_attempts.len()))],
        ));
    }
    lines.push(words.say(
        "prep-lockouts",
        &[("count", Arg::from(summary.lockouts.len()))],
    ));
    if !summary.during_lockout_calls.is_empty() {
        lines.push(words.say(
            "prep-during-lockout",
            &[("count", Arg::from(summary.during_lockout_calls.len()))],
        ));
    }
    if !summary.callback_requests.is_empty() {
        let in_time = summary
            .callback_requests
            .iter()
            .filter(|c| c.met_in_time)
            .count();
        let overdue = summary
            .callback_requests
            .iter()
            .filter(|c| c.overdue)
            .count();
        lines.push(words.say(
            "prep-callbacks",
            &[
                ("count", Arg::from(summary.callback_requests.len())),
                ("in_time", Arg::from(in_time)),
                ("overdue", Arg::from(overdue)),
            ],
        ));
    }
    let top = |skills: &[crate::rules::summary::SkillCount]| {
        skills
            .iter()
            .take(3)
            .map(|s| format!("{} ({})", s.skill, s.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !summary.skills_tried.is_empty() {
        let list = top(&summary.skills_tried);
        lines.push(words.say("prep-tried", &[("list", Arg::from(&list))]));
    }
    if !summary.skills_suggested.is_empty() {
        let list = top(&summary.skills_suggested);
        lines.push(words.say("prep-suggested", &[("list", Arg::from(&list))]));
    }

    let series_since = now.plus_hours(-SERIES_WEEKS * 7 * 24);
    let mut weeks: Vec<WeekOfCalls> = (0..SERIES_WEEKS)
        .map(|n| {
            let starts = series_since.plus_hours(n * 7 * 24);
            WeekOfCalls {
                starts,
                label: words.date(starts, zone),
                coaching: 0,
                clarification: 0,
                repair: 0,
                news: 0,
                declined: 0,
            }
        })
        .collect();
    for call in store.calls_between(id, series_since, now)? {
        let week =
            (call.started_at.millis() - series_since.millis()) / (7 * 24 * Timestamp::HOUR_MS);
        let Some(week) = usize::try_from(week).ok().and_then(|w| weeks.get_mut(w)) else {
            continue;
        };
        let count = match (call.outcome, call.reason) {
            (Some(CallOutcome::Declined), _) => &mut week.declined,
            (_, CallReason::Coaching) => &mut week.coaching,
            (_, CallReason::Clarification) => &mut week.clarification,
            (_, CallReason::Repair) => &mut week.repair,
            (_, CallReason::News) => &mut week.news,
        };
        *count += 1;
    }
    let since_text = words.date(summary.since, zone);
    Ok(SessionPrep {
        agreement: id.clone(),
        client_name: view.terms.client_name.clone(),
        title: words.say(
            "prep-title",
            &[
                ("name", Arg::from(&view.terms.client_name)),
                ("since", Arg::from(&since_text)),
            ],
        ),
        since: summary.since,
        until: summary.until,
        lines,
        urges: summary
            .urges
            .iter()
            .map(|u| UrgePoint {
                call: u.call_id.clone(),
                at: u.started_at,
                before: u.before,
                after: u.after,
            })
            .collect(),
        weeks,
        lockouts: summary
            .lockouts
            .iter()
            .map(|w| {
                let (from, until) = (viewer.when(w.from, now), viewer.when(w.until, now));
                Window {
                    from: w.from,
                    until: w.until,
                    label: words.say(
                        "prep-window",
                        &[("from", Arg::from(&from)), ("until", Arg::from(&until))],
                    ),
                }
            })
            .collect(),
        chart_titles: [
            words.get("prep-chart-urges"),
            words.get("prep-chart-weeks"),
            words.get("prep-chart-lockouts"),
        ],
        reason_labels: CallReason::ALL.map(reason),
    })
}
