//! The 24-hour rule: after a target behaviour at `T`, the client may not call in
//! `[T, T + lockout_hours)`.
//!
//! Every report that counts locks its own window, and windows only ever add up: the
//! locked instants are the union of the windows, so no report (late, duplicated,
//! or merged from the other phone in any order) can shorten another's lockout, and
//! retracting a report removes exactly its own window. A report is late when it is
//! recorded after the fact; it still locks from when the behaviour occurred, so a
//! call made in between is flagged afterwards as having been during a lockout.

use crate::model::{Behavior, EntryId, Report};
use crate::time::Timestamp;

/// The lockout one report causes. Carries ids only, never the behaviour's label, so
/// it can be printed and logged freely.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LockoutWindow {
    pub report_id: EntryId,
    pub behavior_id: Option<EntryId>,
    pub from: Timestamp,
    /// Exclusive: at this instant the client may call again.
    pub until: Timestamp,
}

impl LockoutWindow {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.until
    }
}

/// All lockout windows of an agreement, and their union as disjoint runs, so that
/// "is `now` locked, and until when?" is one binary search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lockouts {
    /// Sorted by start, end, then report id, whatever order the reports came in.
    windows: Vec<LockoutWindow>,
    /// The union of the windows as half-open `[from, until)` runs, sorted and
    /// disjoint; windows that overlap or touch form one run.
    runs: Vec<(Timestamp, Timestamp)>,
}

impl Lockouts {
    /// `lockout_hours` 0 switches the rule off. `behaviors` must include removed
    /// ones, so that reports of a behaviour removed since keep its flag.
    pub fn new(lockout_hours: u32, behaviors: &[Behavior], reports: &[Report]) -> Self {
        Self::judged(reports, |r| triggers(r, behaviors).then_some(lockout_hours))
    }

    /// Windows of the reports that `hours` says lock, for how many hours each (so
    /// each report is judged under the terms in force when it happened). Retracted
    /// reports and windows of 0 hours lock nothing.
    pub fn judged(reports: &[Report], hours: impl Fn(&Report) -> Option<u32>) -> Self {
        let mut windows: Vec<LockoutWindow> = reports
            .iter()
            .filter(|r| r.retracted_at.is_none())
            .filter_map(|r| Some((r, hours(r).filter(|h| *h > 0)?)))
            .map(|(r, hours)| LockoutWindow {
                report_id: r.id.clone(),
                behavior_id: r.behavior.clone(),
                from: r.occurred_at,
                until: r.occurred_at.plus_hours(i64::from(hours)),
            })
            .collect();
        windows
            .sort_by(|a, b| (a.from, a.until, &a.report_id).cmp(&(b.from, b.until, &b.report_id)));

        let mut runs: Vec<(Timestamp, Timestamp)> = Vec::new();
        for w in &windows {
            match runs.last_mut() {
                Some((_, until)) if w.from <= *until => *until = (*until).max(w.until),
                _ => runs.push((w.from, w.until)),
            }
        }
        Self { windows, runs }
    }

    /// Every window, sorted by start.
    pub fn windows(&self) -> &[LockoutWindow] {
        &self.windows
    }

    /// When calls are allowed again, if `at` is locked.
    ///
    /// This is the end of the whole run of overlapping or touching windows that
    /// contains `at`, not the end of the first window: when one lockout ends inside
    /// another, the client still cannot call at the first end, and telling them
    /// they could would be wrong exactly when it matters.
    pub fn locked_until(&self, at: Timestamp) -> Option<Timestamp> {
        let after = self.runs.partition_point(|(from, _)| *from <= at);
        let (_, until) = *self.runs.get(after.checked_sub(1)?)?;
        (at < until).then_some(until)
    }

    pub fn is_locked(&self, at: Timestamp) -> bool {
        self.locked_until(at).is_some()
    }
}

/// Whether a report locks. An unnamed report always does (a client in distress has
/// nothing to type). So does a behaviour id the list does not know: the report may
/// have synced before the behaviour it names (the two phones merge in any order), and
/// locking is the agreed default for a target behaviour, whereas letting a call
/// through that the agreement forbids cannot be undone. A removed behaviour keeps
/// its flag. Should an id ever be listed twice, it triggers if any copy does: when
/// in doubt, the rule applies.
pub(crate) fn triggers(report: &Report, behaviors: &[Behavior]) -> bool {
    report.behavior.as_ref().is_none_or(|id| {
        let mut listed = behaviors.iter().filter(|b| &b.id == id).peekable();
        listed.peek().is_none() || listed.any(|b| b.triggers_lockout)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::rules::fixtures::{at, behavior, id, report};

    fn lockouts(hours: u32, reports: &[Report]) -> Lockouts {
        let behaviors = [
            behavior(1, true, false),
            behavior(2, false, false),
            behavior(3, false, true),
        ];
        Lockouts::new(hours, &behaviors, reports)
    }

    #[test]
    fn the_window_is_half_open() {
        let l = lockouts(24, &[report(10, at("2026-03-02T12:00:00Z"), None)]);
        let end = at("2026-03-03T12:00:00Z");
        assert_eq!(l.locked_until(at("2026-03-02T12:00:00Z")), Some(end));
        assert_eq!(
            l.locked_until(Timestamp::from_millis(end.millis() - 1)),
            Some(end)
        );
        assert_eq!(l.locked_until(end), None);
        assert_eq!(
            l.locked_until(Timestamp::from_millis(
                at("2026-03-02T12:00:00Z").millis() - 1
            )),
            None
        );
    }

    #[test]
    fn overlapping_and_chained_windows_report_the_end_of_the_run() {
        let l = lockouts(
            24,
            &[
                report(10, at("2026-03-02T12:00:00Z"), None),
                report(11, at("2026-03-03T06:00:00Z"), None),
                // Touches the second window's end exactly: still no gap to call in.
                report(12, at("2026-03-04T06:00:00Z"), None),
                report(13, at("2026-03-06T00:00:00Z"), None),
            ],
        );
        let run_end = at("2026-03-05T06:00:00Z");
        assert_eq!(l.locked_until(at("2026-03-02T13:00:00Z")), Some(run_end));
        assert_eq!(l.locked_until(at("2026-03-04T06:00:00Z")), Some(run_end));
        assert_eq!(l.locked_until(run_end), None);
        assert_eq!(
            l.locked_until(at("2026-03-06T01:00:00Z")),
            Some(at("2026-03-07T00:00:00Z"))
        );
        assert_eq!(l.windows().len(), 4);
    }

    #[test]
    fn a_retracted_report_does_not_lock() {
        let mut r = report(10, at("2026-03-02T12:00:00Z"), None);
        r.retracted_at = Some(at("2026-03-02T12:05:00Z"));
        let l = lockouts(24, &[r]);
        assert!(!l.is_locked(at("2026-03-02T13:00:00Z")));
        assert!(l.windows().is_empty());
    }

    #[test]
    fn a_late_report_locks_from_when_the_behaviour_occurred() {
        let mut r = report(10, at("2026-03-02T12:00:00Z"), None);
        r.reported_at = at("2026-03-03T09:00:00Z");
        let l = lockouts(24, &[r]);
        assert!(l.is_locked(at("2026-03-02T18:00:00Z")));
        assert!(!l.is_locked(at("2026-03-03T12:00:00Z")));
    }

    #[test]
    fn zero_hours_switch_the_rule_off() {
        let l = lockouts(0, &[report(10, at("2026-03-02T12:00:00Z"), None)]);
        assert!(!l.is_locked(at("2026-03-02T12:00:00Z")));
        assert!(l.windows().is_empty());
    }

    #[test]
    fn which_behaviours_trigger() {
        let t = at("2026-03-02T12:00:00Z");
        let locks = |behavior| lockouts(24, &[report(10, t, behavior)]).is_locked(t);
        assert!(locks(None), "an unnamed report always locks");
        assert!(locks(Some(1)), "a triggering behaviour");
        assert!(!locks(Some(2)), "a behaviour marked as not triggering");
        assert!(!locks(Some(3)), "a removed behaviour keeps its flag");
        assert!(locks(Some(99)), "an unknown behaviour locks, to be safe");
    }

    #[test]
    fn windows_name_the_report_and_behaviour_by_id() {
        let l = lockouts(2, &[report(10, at("2026-03-02T12:00:00Z"), Some(1))]);
        assert_eq!(
            l.windows(),
            [LockoutWindow {
                report_id: id(10),
                behavior_id: Some(id(1)),
                from: at("2026-03-02T12:00:00Z"),
                until: at("2026-03-02T14:00:00Z"),
            }]
        );
    }

    /// Reports within a few days, on whole minutes and odd milliseconds alike, with
    /// every kind of behaviour reference and some retracted.
    fn arb_report(n: u64) -> impl Strategy<Value = Report> {
        (
            0i64..4 * 24 * 60,
            0i64..3,
            prop::option::of(0u64..5),
            prop::bool::weighted(0.2),
        )
            .prop_map(move |(minute, ms, behavior, retracted)| {
                let occurred = at("2026-03-01T00:00:00Z").plus_minutes(minute);
                let mut r = report(n, Timestamp::from_millis(occurred.millis() + ms), behavior);
                r.retracted_at = retracted.then_some(occurred);
                r
            })
    }

    fn arb_reports() -> impl Strategy<Value = Vec<Report>> {
        (0usize..8).prop_flat_map(|len| (0..len as u64).map(arb_report).collect::<Vec<_>>())
    }

    /// The rule restated naively for one report, as the oracle: behaviour 1 triggers,
    /// 2 does not, 3 was removed without triggering, and any other id is unknown.
    fn locks_at(r: &Report, hours: u32, t: Timestamp) -> bool {
        let triggers = r
            .behavior
            .as_ref()
            .is_none_or(|b| *b != id(2) && *b != id(3));
        r.retracted_at.is_none()
            && triggers
            && r.occurred_at <= t
            && t.millis() < r.occurred_at.millis() + i64::from(hours) * 3_600_000
    }

    /// Instants worth checking: every window boundary, one millisecond either side,
    /// and a grid over the whole range.
    fn probes(reports: &[Report], hours: u32) -> Vec<Timestamp> {
        let mut probes: Vec<Timestamp> = (0..6 * 24 * 4)
            .map(|quarter| at("2026-03-01T00:00:00Z").plus_minutes(quarter * 15))
            .collect();
        for r in reports {
            for edge in [r.occurred_at, r.occurred_at.plus_hours(i64::from(hours))] {
                probes.extend((-1..=1).map(|d| Timestamp::from_millis(edge.millis() + d)));
            }
        }
        probes
    }

    proptest! {
        #[test]
        fn adding_a_report_never_shortens_a_lockout(
            reports in arb_reports(),
            extra in arb_report(100),
            hours in 0u32..48,
        ) {
            let before = lockouts(hours, &reports);
            let mut more = reports.clone();
            more.push(extra.clone());
            let after = lockouts(hours, &more);
            for t in probes(&more, hours) {
                prop_assert!(after.locked_until(t) >= before.locked_until(t), "at {t}");
                prop_assert!(after.is_locked(t) || !before.is_locked(t), "at {t}");
            }
        }

        #[test]
        fn retracting_a_report_removes_exactly_its_window(
            reports in arb_reports(),
            target in arb_report(100),
            hours in 0u32..48,
        ) {
            let mut all = reports.clone();
            let mut retracted = target.clone();
            retracted.retracted_at = Some(target.occurred_at);
            all.push(retracted);
            let l = lockouts(hours, &all);
            let mut with_target = reports.clone();
            with_target.push(target);
            for t in probes(&with_target, hours) {
                let in_another = reports.iter().any(|r| locks_at(r, hours, t));
                prop_assert_eq!(l.is_locked(t), in_another, "at {}", t);
            }
        }
    }
}
