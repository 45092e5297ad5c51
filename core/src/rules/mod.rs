//! The coaching rules, as pure functions of (agreement state, now), with no I/O.
//!
//! Both phones must reach the same decision for the same instant once they have
//! synced the same changes, in whatever order those arrived; so nothing here reads
//! a clock, a locale or the order of the state's lists. Whatever could leak an order
//! into an answer is sorted by time and id first.
//!
//! The store projects an [`AgreementState`] from its tables after each change, builds
//! [`Rules`] from it once, and then asks them many times: [`Rules::decide`] answers
//! "may the client call now, and if not, what instead?" for the status screen in
//! microseconds, because lockout windows, callback requests and their due times are
//! worked out in [`Rules::new`]. [`summary()`] prepares the next in-person session.
//!
//! - [`lockout`]: the 24-hour rule;
//! - [`availability`]: the therapist's weekly hours and holidays, in their time zone;
//! - [`callbacks`]: callback requests and return calls;
//! - [`decision`]: what the client sees now;
//! - [`mod@summary`]: what happened since the last session.
//!
//! The rules hold whatever the signatures say: an agreement awaiting re-signing still
//! protects the client.

pub mod availability;
pub mod callbacks;
pub mod decision;
pub mod in_force;
pub mod lockout;
pub mod summary;

#[cfg(test)]
mod fixtures;

pub use availability::{Availability, AvailabilityAt};
pub use callbacks::{CallbackRequest, Callbacks, PendingCallback};
pub use decision::{Decision, Permission};
pub use in_force::{InForce, Proposal, Version};
pub use lockout::{LockoutWindow, Lockouts};
pub use summary::{default_summary_since, summary, Summary};

use crate::model::{
    Behavior, Call, CallOutcome, Holiday, Report, Resource, Session, Terms, TimeZone,
};
use crate::time::Timestamp;

/// Everything the rules read, as the store's projection provides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementState {
    /// The terms as they stand now: in force only while no version is signed by
    /// both (then `in_force` has none); otherwise a proposal until both sign it.
    pub terms: Terms,
    /// The versions both parties signed ([`in_force`]).
    pub in_force: InForce,
    /// The effective crisis resources, never empty, in the order to show them.
    pub resources: Vec<Resource>,
    /// Including removed ones (`removed: true`), so old reports keep their meaning.
    pub behaviors: Vec<Behavior>,
    pub holidays: Vec<Holiday>,
    pub calls: Vec<Call>,
    pub reports: Vec<Report>,
    pub sessions: Vec<Session>,
}

/// The rules of one agreement state, worked out once and cheap to ask.
#[derive(Clone)]
pub struct Rules {
    /// The terms in force over time, oldest first; the first also governs what
    /// happened before it came into force.
    periods: Vec<Period>,
    resources: Vec<Resource>,
    lockouts: Lockouts,
    callbacks: Callbacks,
}

/// What one version of the terms makes of the rules, from `since` on.
#[derive(Clone)]
struct Period {
    since: Option<Timestamp>,
    lockout_hours: u32,
    /// The longest call the agreement asks for, in milliseconds.
    call_max_ms: i64,
    return_call_minutes: u32,
    time_zone: TimeZone,
    backup_plan: String,
    availability: Availability,
    /// The behaviours listed, with their lockout flags (removed ones too, for the
    /// draft: reports of a behaviour removed since keep its flag).
    behaviors: Vec<Behavior>,
}

impl Period {
    fn new(
        since: Option<Timestamp>,
        terms: &Terms,
        behaviors: &[Behavior],
        holidays: &[Holiday],
    ) -> Self {
        Self {
            since,
            lockout_hours: terms.lockout_hours,
            call_max_ms: i64::from(terms.call_minutes.max) * Timestamp::MINUTE_MS,
            return_call_minutes: terms.return_call_minutes,
            time_zone: terms.time_zone,
            backup_plan: terms.backup_plan.clone(),
            availability: Availability::new(terms.time_zone, &terms.availability, holidays),
            behaviors: behaviors.to_vec(),
        }
    }
}

crate::redacted_debug!(Rules {
    periods,
    resources,
    lockouts,
    callbacks
});

crate::redacted_debug!(Period {
    since,
    lockout_hours,
    call_max_ms,
    return_call_minutes,
    time_zone,
    backup_plan: redacted,
    availability,
    behaviors
});

/// What the log shows beside a call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallFlags {
    /// Completed and longer than the agreed maximum: flagged, never blocked.
    pub long: bool,
    /// Started inside a lockout window, including one reported only later.
    pub during_lockout: bool,
    /// The callback request the call made, if it made one; whether it is overdue
    /// depends on the instant asked about ([`CallbackRequest::is_overdue`]).
    pub callback: Option<CallbackRequest>,
}

impl Rules {
    pub fn new(state: &AgreementState) -> Self {
        let periods: Vec<Period> = match state.in_force.versions() {
            [] => vec![Period::new(
                None,
                &state.terms,
                &state.behaviors,
                &state.holidays,
            )],
            versions => versions
                .iter()
                .map(|v| {
                    let (terms, behaviors) = (&v.signed.terms, &v.signed.behaviors);
                    Period::new(Some(v.since), terms, behaviors, &state.holidays)
                })
                .collect(),
        };
        let period = |at: Timestamp| period_at(&periods, at);
        let lockouts = Lockouts::judged(&state.reports, |report| {
            let p = period(report.occurred_at);
            lockout::triggers(report, &p.behaviors).then_some(p.lockout_hours)
        });
        let callbacks = Callbacks::new(&state.calls, |at| {
            let p = period(at);
            (&p.availability, p.return_call_minutes)
        });
        Self {
            resources: state.resources.clone(),
            lockouts,
            callbacks,
            periods,
        }
    }

    /// The terms in force at `at`, as the rules apply them.
    fn period(&self, at: Timestamp) -> &Period {
        period_at(&self.periods, at)
    }

    /// The flags of a call of the state these rules were built from.
    pub fn call_flags(&self, call: &Call) -> CallFlags {
        CallFlags {
            long: self.is_long(call),
            during_lockout: self.lockouts.is_locked(call.started_at),
            callback: self.callbacks.get(&call.id).cloned(),
        }
    }

    pub fn lockouts(&self) -> &Lockouts {
        &self.lockouts
    }

    /// The therapist's hours as the terms in force at `at` set them.
    pub fn availability(&self, at: Timestamp) -> &Availability {
        &self.period(at).availability
    }

    pub fn callbacks(&self) -> &Callbacks {
        &self.callbacks
    }

    /// Longer than the band's maximum in force when it started; exactly the maximum
    /// is within it, and a short call is never a problem.
    fn is_long(&self, call: &Call) -> bool {
        let max = self.period(call.started_at).call_max_ms;
        completed_length_ms(call).is_some_and(|ms| ms > max)
    }
}

fn period_at(periods: &[Period], at: Timestamp) -> &Period {
    let after = periods.partition_point(|p| p.since.is_none_or(|since| since <= at));
    &periods[after.saturating_sub(1)]
}

/// How long a completed call lasted. A call whose end was recorded before its
/// start (two phones' clocks disagreeing) lasted no time.
fn completed_length_ms(call: &Call) -> Option<i64> {
    match (call.outcome, call.ended_at) {
        (Some(CallOutcome::Completed), Some(end)) => {
            Some((end.millis() - call.started_at.millis()).max(0))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{CallReason, Role};
    use crate::rules::fixtures::{
        at, behavior, call, completed, holiday, id, report, returned, state,
    };

    #[test]
    fn calls_longer_than_the_band_are_flagged() {
        let s = state("America/New_York", "Mon-Fri 09:00-20:00");
        let rules = Rules::new(&s);
        let start = at("2026-03-02T15:00:00Z");
        assert!(
            !rules.call_flags(&completed(1, start, 8 * 60_000)).long,
            "exactly the maximum"
        );
        assert!(rules.call_flags(&completed(1, start, 8 * 60_000 + 1)).long);
        assert!(
            !rules.call_flags(&completed(1, start, 60_000)).long,
            "short is fine"
        );
        let mut missed = completed(1, start, 60 * 60_000);
        missed.outcome = Some(CallOutcome::Missed);
        assert!(
            !rules.call_flags(&missed).long,
            "only completed calls have a length"
        );
    }

    #[test]
    fn a_call_before_a_late_report_is_flagged_as_during_the_lockout() {
        let mut s = state("America/New_York", "Mon-Fri 09:00-20:00");
        let c = call(1, Role::Client, at("2026-03-02T15:00:00Z"));
        let mut r = report(2, at("2026-03-02T14:00:00Z"), None);
        r.reported_at = at("2026-03-02T18:00:00Z");
        s.calls.push(c.clone());
        s.reports.push(r);
        let flags = Rules::new(&s).call_flags(&c);
        assert!(flags.during_lockout);
        assert_eq!(flags.callback, None);
    }

    #[test]
    fn flags_carry_the_callback_request() {
        let mut s = state("America/New_York", "Mon-Fri 09:00-20:00");
        let c = call(1, Role::Client, at("2026-03-03T04:00:00Z"));
        s.calls.push(c.clone());
        let flags = Rules::new(&s).call_flags(&c);
        let request = flags.callback.unwrap();
        assert_eq!(request.due_at, at("2026-03-03T15:00:00Z"));
        assert!(request.is_overdue(at("2026-03-03T15:00:00.001Z")));
    }

    /// A small agreement with a bit of everything, at times around a US change.
    fn arb_state() -> impl Strategy<Value = AgreementState> {
        let calls = (0i64..14 * 24 * 60, 0u8..6, 0u8..4, prop::bool::ANY);
        let reports = (
            0i64..14 * 24 * 60,
            prop::option::of(1u64..4),
            prop::bool::weighted(0.2),
        );
        (
            prop::collection::vec(calls, 0..12),
            prop::collection::vec(reports, 0..5),
            prop::collection::vec(0i64..14, 0..3),
            0u32..48,
        )
            .prop_map(|(calls, reports, holidays, hours)| {
                let base = at("2026-03-02T00:00:00Z");
                let mut s = state("America/New_York", "Mon-Fri 09:00-20:00; Sat 10:00-14:00");
                s.terms.lockout_hours = hours;
                s.behaviors = vec![behavior(1, true, false), behavior(2, false, true)];
                for (n, (minute, kind, reason, skill)) in calls.into_iter().enumerate() {
                    let n = 100 + n as u64;
                    let started = base.plus_minutes(minute);
                    let mut c = match kind {
                        0 => completed(n, started, i64::from(reason) * 4 * 60_000),
                        1 => call(n, Role::Client, started),
                        2 => returned(n, &id(100), started),
                        3 => returned(n, &id(101), started),
                        _ => {
                            let mut c = call(n, Role::Client, started);
                            c.outcome = Some(if kind == 4 {
                                CallOutcome::Missed
                            } else {
                                CallOutcome::Declined
                            });
                            c
                        }
                    };
                    c.reason = CallReason::ALL[usize::from(reason)];
                    if skill {
                        c.tried = vec!["TIPP".into(), "Opposite action".into()];
                        c.suggested = vec!["Paced breathing".into()];
                    }
                    s.calls.push(c);
                }
                for (n, (minute, behavior, retracted)) in reports.into_iter().enumerate() {
                    let mut r = report(200 + n as u64, base.plus_minutes(minute), behavior);
                    r.retracted_at = retracted.then_some(r.occurred_at);
                    s.reports.push(r);
                }
                for (n, day) in holidays.into_iter().enumerate() {
                    let from = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
                        + chrono::Days::new(day as u64);
                    let mut h = holiday(&from.to_string(), &from.to_string());
                    h.id = id(300 + n as u64);
                    s.holidays.push(h);
                }
                s
            })
    }

    /// Fisher-Yates with a fixed-seed generator: a reproducible shuffle.
    fn shuffle<T>(items: &mut [T], seed: &mut u64) {
        for i in (1..items.len()).rev() {
            *seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            items.swap(i, (*seed >> 33) as usize % (i + 1));
        }
    }

    proptest! {
        #[test]
        fn answers_do_not_depend_on_the_order_of_the_state(s in arb_state(), mut seed in any::<u64>()) {
            let mut shuffled = s.clone();
            shuffle(&mut shuffled.behaviors, &mut seed);
            shuffle(&mut shuffled.holidays, &mut seed);
            shuffle(&mut shuffled.calls, &mut seed);
            shuffle(&mut shuffled.reports, &mut seed);
            shuffle(&mut shuffled.sessions, &mut seed);
            let (a, b) = (Rules::new(&s), Rules::new(&shuffled));
            let since = at("2026-03-02T00:00:00Z");
            for hour in 0..16 * 24 {
                let now = since.plus_hours(hour);
                prop_assert_eq!(a.decide(now), b.decide(now));
            }
            let now = at("2026-03-16T00:00:00Z");
            prop_assert_eq!(summary(&s, &a, since, now), summary(&shuffled, &b, since, now));
            for c in &s.calls {
                prop_assert_eq!(a.call_flags(c), b.call_flags(c));
            }
        }
    }
}
