//! What the client sees when they open the app: may they call now, and if not, what
//! to do instead. Shells only render this; the sentence a client in distress reads
//! is written here, once, and tested.

use crate::model::Resource;
use crate::rules::{AvailabilityAt, PendingCallback, Rules};
use crate::time::Timestamp;
use crate::words::{Arg, Words};

/// Whether the client may call the therapist now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Allowed,
    /// The 24-hour rule holds. Wins over unavailability: a call out of hours still
    /// asks for a call back, a call in a lockout must not be made at all.
    LockedOut,
    /// Outside the therapist's hours or on a phone holiday: a call now asks for a
    /// call back.
    TherapistUnavailable,
}

/// The answer at one instant, ready to show.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub permission: Permission,
    /// When calls are allowed again, if locked out now.
    pub locked_until: Option<Timestamp>,
    pub available: bool,
    /// When available: the end of the current run of hours.
    pub available_until: Option<Timestamp>,
    /// When unavailable: the next start of hours, if any within a year.
    pub next_available: Option<Timestamp>,
    /// Requests made and not yet returned, soonest due first.
    pub pending_callbacks: Vec<PendingCallback>,
    /// Always shown: in the order the agreement lists them.
    pub resources: Vec<Resource>,
    /// Whether the agreement's backup plan applies now: when the client may not
    /// call (locked out), cannot reach the therapist (out of hours), or was not
    /// called back in time, which is exactly what the plan is for.
    pub show_backup_plan: bool,
    /// The plan's text when it applies and the agreement has one.
    pub backup_plan: Option<String>,
    /// The hours of the 24-hour rule in force now (24 in the seed form).
    pub lockout_hours: u32,
    /// One plain sentence; no names, no behaviours, times in the therapist's zone.
    pub message: String,
}

crate::redacted_debug!(Decision {
    permission,
    locked_until,
    available,
    available_until,
    next_available,
    pending_callbacks,
    resources,
    show_backup_plan,
    backup_plan: redacted,
    lockout_hours,
    message
});

impl Rules {
    /// The decision at `now`: a few binary searches and a few days of hours.
    pub fn decide(&self, now: Timestamp) -> Decision {
        let locked_until = self.lockouts.locked_until(now);
        let terms = self.period(now);
        let hours = terms.availability.at(now);
        let pending_callbacks = self.callbacks.pending_at(now);
        let overdue = pending_callbacks.iter().any(|p| p.overdue);

        let permission = match (locked_until, hours.available) {
            (Some(_), _) => Permission::LockedOut,
            (None, false) => Permission::TherapistUnavailable,
            (None, true) => Permission::Allowed,
        };
        let show_backup_plan = permission != Permission::Allowed || overdue;
        let backup_plan =
            (show_backup_plan && !terms.backup_plan.is_empty()).then(|| terms.backup_plan.clone());
        let message = self.message(now, locked_until, hours, overdue && backup_plan.is_some());

        Decision {
            permission,
            locked_until,
            available: hours.available,
            available_until: hours.until,
            next_available: hours.next,
            pending_callbacks,
            resources: self.resources.clone(),
            show_backup_plan,
            backup_plan,
            lockout_hours: terms.lockout_hours,
            message,
        }
    }

    /// `overdue` is true when a call back is overdue and there is a backup plan to
    /// point to. The sentences are the catalogue's ([`crate::words`]); times are in
    /// the therapist's zone, with its abbreviation, so both phones print the same.
    fn message(
        &self,
        now: Timestamp,
        locked_until: Option<Timestamp>,
        hours: AvailabilityAt,
        overdue: bool,
    ) -> String {
        let words = Words::english();
        let zone = self.period(now).time_zone.tz();
        let overdue_arg = Arg::from(if overdue { "yes" } else { "no" });
        if let Some(until) = locked_until {
            let until = words.zoned(until, zone);
            return words.say(
                "status-locked",
                &[
                    ("until", Arg::from(&until)),
                    ("hours", Arg::from(self.period(now).lockout_hours)),
                    ("overdue", overdue_arg),
                ],
            );
        }
        if !hours.available {
            let next = hours.next.map(|t| words.zoned(t, zone));
            let id = match (&next, overdue) {
                (Some(_), false) => "status-away-until",
                (Some(_), true) => "status-away-until-overdue",
                (None, false) => "status-away",
                (None, true) => "status-away-overdue",
            };
            let next = next.unwrap_or_default();
            return words.say(id, &[("until", Arg::from(&next))]);
        }
        words.say("status-allowed", &[("overdue", overdue_arg)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallOutcome, Role};
    use crate::rules::fixtures::{at, behavior, call, report, state};
    use crate::rules::AgreementState;

    fn new_york() -> AgreementState {
        state("America/New_York", "Mon-Fri 09:00-20:00")
    }

    #[test]
    fn in_hours_and_unlocked_the_client_may_call() {
        let s = new_york();
        let d = Rules::new(&s).decide(at("2026-03-02T15:00:00Z"));
        assert_eq!(d.permission, Permission::Allowed);
        assert_eq!(d.message, "You can call your therapist now.");
        assert_eq!(
            (d.available, d.available_until),
            (true, Some(at("2026-03-03T01:00:00Z")))
        );
        assert_eq!((d.locked_until, d.next_available), (None, None));
        assert!(!d.show_backup_plan && d.backup_plan.is_none());
        assert_eq!(
            d.resources, s.resources,
            "crisis resources are always there"
        );
    }

    #[test]
    fn a_lockout_wins_over_unavailability() {
        let mut s = new_york();
        // 14:30 EST on Monday 2 March.
        s.reports.push(report(1, at("2026-03-02T19:30:00Z"), None));
        let rules = Rules::new(&s);
        let d = rules.decide(at("2026-03-02T20:00:00Z"));
        assert_eq!(d.permission, Permission::LockedOut);
        assert_eq!(d.locked_until, Some(at("2026-03-03T19:30:00Z")));
        assert_eq!(
            d.message,
            "Calls are paused until 14:30 EST on Tuesday 3 March under the 24-hour rule; \
             please use your crisis resources below."
        );
        assert!(
            d.show_backup_plan && d.backup_plan.as_deref() == Some(s.terms.backup_plan.as_str())
        );
        let night = rules.decide(at("2026-03-03T04:00:00Z"));
        assert_eq!(
            (night.permission, night.available),
            (Permission::LockedOut, false)
        );
        assert_eq!(
            rules.decide(at("2026-03-03T19:30:00Z")).permission,
            Permission::Allowed
        );
    }

    #[test]
    fn out_of_hours_the_client_learns_when_hours_resume() {
        let d = Rules::new(&new_york()).decide(at("2026-03-07T02:00:00Z"));
        assert_eq!(d.permission, Permission::TherapistUnavailable);
        // Friday 21:00 EST; Monday is already daylight time.
        assert_eq!(d.next_available, Some(at("2026-03-09T13:00:00Z")));
        assert_eq!(
            d.message,
            "Your therapist is not taking calls until 09:00 EDT on Monday 9 March; you can still \
             call to ask for a call back, and please use your crisis resources below if you need \
             help sooner."
        );
        assert!(d.show_backup_plan);
    }

    #[test]
    fn an_overdue_call_back_surfaces_the_backup_plan() {
        let mut s = new_york();
        let mut missed = call(1, Role::Client, at("2026-03-02T15:00:00Z"));
        missed.outcome = Some(CallOutcome::Missed);
        s.calls.push(missed);
        let rules = Rules::new(&s);
        let on_time = rules.decide(at("2026-03-02T16:00:00Z"));
        assert_eq!(on_time.pending_callbacks.len(), 1);
        assert!(!on_time.pending_callbacks[0].overdue && !on_time.show_backup_plan);
        let late = rules.decide(at("2026-03-02T16:00:01Z"));
        assert!(late.pending_callbacks[0].overdue && late.show_backup_plan);
        assert_eq!(late.permission, Permission::Allowed);
        assert!(
            late.message.contains("a call back is overdue"),
            "{}",
            late.message
        );
        assert!(late.backup_plan.is_some());
        let night = rules.decide(at("2026-03-03T04:00:00Z"));
        assert_eq!(
            night.message,
            "Your therapist is not taking calls until 09:00 EST on Tuesday 3 March and a call back \
             is overdue; please follow your backup plan and use your crisis resources below."
        );
    }

    #[test]
    fn without_a_backup_plan_text_none_is_pointed_to() {
        let mut s = new_york();
        s.terms.backup_plan = String::new();
        let d = Rules::new(&s).decide(at("2026-03-07T02:00:00Z"));
        assert!(d.show_backup_plan && d.backup_plan.is_none());
    }

    #[test]
    fn the_json_form_names_no_one() {
        let mut s = new_york();
        s.terms.client_name = "Alexandra".into();
        s.terms.therapist_name = "Dr Quinn".into();
        s.behaviors.push(behavior(7, true, false));
        s.reports
            .push(report(1, at("2026-03-02T19:30:00Z"), Some(7)));
        let d = Rules::new(&s).decide(at("2026-03-02T20:00:00Z"));
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["permission"], "locked_out");
        assert_eq!(json["locked_until"], "2026-03-03T19:30:00Z");
        assert_eq!(json["next_available"], serde_json::Value::Null);
        assert_eq!(json["resources"][0]["contact"], "call or text 988");
        let text = json.to_string();
        for private in ["Alexandra", "Dr Quinn", "behaviour 7"] {
            assert!(!text.contains(private), "{text}");
        }
    }
}
