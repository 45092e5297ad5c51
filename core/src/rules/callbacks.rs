//! Return calls: when a client's call does not reach the therapist, the agreement
//! says how soon to expect a call back, and what to do if it does not come in time
//! (the backup plan).
//!
//! A client's call is a *callback request* if nobody answered it (outcome missed),
//! or if it was made outside the therapist's hours and not answered then (not ended
//! as completed). Declined calls are not requests: the 24-hour rule sends the client
//! to other resources. A request is due `return_call_minutes` of the therapist's
//! hours after it was made, so a request at 23:00 is due the next morning, once
//! those minutes of hours have passed.
//!
//! A request is answered by a call the therapist makes with `returns` naming it, or
//! by any later call that was completed, by either party: once they have talked, a
//! call back is moot. This keeps requests from staying pending forever when the
//! therapist rang back without linking the call, and keeps the pending list short.
//!
//! Everything that depends on `now` counts a return call only once it has started:
//! asked about a past instant, the rules answer as they would have then.

use std::collections::HashMap;

use crate::model::{Call, CallOutcome, EntryId, Role};
use crate::rules::availability::Availability;
use crate::time::Timestamp;

/// A callback request, with what became of it according to the whole log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallbackRequest {
    pub call_id: EntryId,
    pub requested_at: Timestamp,
    pub due_at: Timestamp,
    /// When the first call that answered it started (see the module documentation).
    pub returned_at: Option<Timestamp>,
    /// Whether that call started by the due time.
    pub met_in_time: bool,
}

impl CallbackRequest {
    /// When it was returned, if it was by `now`.
    pub fn returned_by(&self, now: Timestamp) -> Option<Timestamp> {
        self.returned_at.filter(|r| *r <= now)
    }

    /// Whether, at `now`, it is past due and not yet returned.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        now > self.due_at && self.returned_by(now).is_none()
    }
}

/// A request still waiting for a return call, as a decision lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PendingCallback {
    pub call_id: EntryId,
    pub requested_at: Timestamp,
    pub due_at: Timestamp,
    pub overdue: bool,
}

/// Every callback request of a log, indexed so that the requests pending at an
/// instant are found without walking the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Callbacks {
    /// Sorted by request time, then call id.
    requests: Vec<CallbackRequest>,
    by_call: HashMap<EntryId, usize>,
    /// Requests never returned, in request order.
    unreturned: Vec<usize>,
    /// Requests returned at some point, in order of return.
    returned: Vec<usize>,
}

impl Callbacks {
    /// The callback requests among `calls`; `terms` gives the therapist's hours and
    /// the return-call minutes in force at an instant (a request is judged under the
    /// terms in force when it was made).
    pub fn new<'a>(calls: &[Call], terms: impl Fn(Timestamp) -> (&'a Availability, u32)) -> Self {
        let mut first_return: HashMap<&EntryId, Timestamp> = HashMap::new();
        for call in calls.iter().filter(|c| c.started_by == Role::Therapist) {
            if let Some(request) = &call.returns {
                first_return
                    .entry(request)
                    .and_modify(|t| *t = (*t).min(call.started_at))
                    .or_insert(call.started_at);
            }
        }

        let mut completed: Vec<Timestamp> = calls
            .iter()
            .filter(|c| c.outcome == Some(CallOutcome::Completed))
            .map(|c| c.started_at)
            .collect();
        completed.sort();
        let next_completed = |after: Timestamp| {
            completed
                .get(completed.partition_point(|t| *t <= after))
                .copied()
        };

        let mut requests: Vec<CallbackRequest> = calls
            .iter()
            .filter_map(|c| {
                let (hours, return_call_minutes) = terms(c.started_at);
                is_request(c, hours).then_some((c, hours, return_call_minutes))
            })
            .map(|(c, hours, return_call_minutes)| {
                let due_at = hours.add_available_minutes(c.started_at, return_call_minutes);
                let returned_at = [
                    first_return.get(&c.id).copied(),
                    next_completed(c.started_at),
                ]
                .into_iter()
                .flatten()
                .min();
                CallbackRequest {
                    call_id: c.id.clone(),
                    requested_at: c.started_at,
                    due_at,
                    returned_at,
                    met_in_time: returned_at.is_some_and(|r| r <= due_at),
                }
            })
            .collect();
        requests.sort_by(|a, b| (a.requested_at, &a.call_id).cmp(&(b.requested_at, &b.call_id)));

        let by_call = requests
            .iter()
            .enumerate()
            .map(|(i, r)| (r.call_id.clone(), i))
            .collect();
        let (mut returned, unreturned): (Vec<usize>, Vec<usize>) =
            (0..requests.len()).partition(|&i| requests[i].returned_at.is_some());
        returned.sort_by_key(|&i| (requests[i].returned_at, i));
        Self {
            requests,
            by_call,
            unreturned,
            returned,
        }
    }

    /// Every request, in order of request time.
    pub fn requests(&self) -> &[CallbackRequest] {
        &self.requests
    }

    /// The request a call made, if it made one.
    pub fn get(&self, call_id: &EntryId) -> Option<&CallbackRequest> {
        self.by_call.get(call_id).map(|&i| &self.requests[i])
    }

    /// The requests made by `now` and not returned by then, soonest due first.
    pub fn pending_at(&self, now: Timestamp) -> Vec<PendingCallback> {
        let returned_later = self
            .returned
            .partition_point(|&i| self.requests[i].returned_at <= Some(now));
        let mut pending: Vec<&CallbackRequest> = self
            .unreturned
            .iter()
            .map(|&i| &self.requests[i])
            .take_while(|r| r.requested_at <= now)
            .chain(
                self.returned[returned_later..]
                    .iter()
                    .map(|&i| &self.requests[i]),
            )
            .filter(|r| r.requested_at <= now)
            .collect();
        pending.sort_by(|a, b| (a.due_at, &a.call_id).cmp(&(b.due_at, &b.call_id)));
        pending
            .into_iter()
            .map(|r| PendingCallback {
                call_id: r.call_id.clone(),
                requested_at: r.requested_at,
                due_at: r.due_at,
                overdue: r.is_overdue(now),
            })
            .collect()
    }
}

/// Whether a call asks for a call back: a client's call nobody answered, or one
/// made out of hours that has not been answered (it is still open, or was missed).
fn is_request(call: &Call, hours: &Availability) -> bool {
    call.started_by == Role::Client
        && match call.outcome {
            Some(CallOutcome::Missed) => true,
            None => !hours.is_available(call.started_at),
            Some(CallOutcome::Completed | CallOutcome::Declined) => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Holiday;
    use crate::rules::fixtures::{at, call, completed, id, returned};

    fn hours() -> Availability {
        // Monday 2 March 2026 is a weekday, in EST.
        Availability::new(
            "America/New_York".parse().unwrap(),
            &"Mon-Fri 09:00-20:00".parse().unwrap(),
            &[],
        )
    }

    fn callbacks(calls: &[Call]) -> Callbacks {
        let hours = hours();
        Callbacks::new(calls, |_| (&hours, 60))
    }

    fn missed(n: u64, started: &str) -> Call {
        let mut c = call(n, Role::Client, at(started));
        c.outcome = Some(CallOutcome::Missed);
        c
    }

    #[test]
    fn which_calls_ask_for_a_call_back() {
        let in_hours = call(1, Role::Client, at("2026-03-02T15:00:00Z"));
        let out_of_hours = call(2, Role::Client, at("2026-03-03T04:00:00Z"));
        let mut declined = call(3, Role::Client, at("2026-03-03T04:00:00Z"));
        declined.outcome = Some(CallOutcome::Declined);
        let by_therapist = call(4, Role::Therapist, at("2026-03-03T04:00:00Z"));
        let missed_in_hours = missed(5, "2026-03-02T16:00:00Z");
        let c = callbacks(&[
            in_hours,
            out_of_hours,
            declined,
            by_therapist,
            missed_in_hours,
        ]);
        let ids: Vec<&EntryId> = c.requests().iter().map(|r| &r.call_id).collect();
        assert_eq!(ids, [&id(5), &id(2)]);
    }

    #[test]
    fn an_out_of_hours_call_the_therapist_answered_is_not_a_request() {
        let answered = completed(1, at("2026-03-03T04:00:00Z"), 6 * 60_000);
        assert!(callbacks(&[answered]).requests().is_empty());
    }

    #[test]
    fn a_later_completed_call_answers_a_request() {
        let request = missed(1, "2026-03-02T15:00:00Z");
        let later = completed(2, at("2026-03-02T15:30:00Z"), 5 * 60_000);
        let c = callbacks(&[request, later]);
        let r = c.get(&id(1)).unwrap();
        assert_eq!(
            (r.returned_at, r.met_in_time),
            (Some(at("2026-03-02T15:30:00Z")), true)
        );
        assert!(c.pending_at(at("2026-03-02T15:29:00Z")).len() == 1);
        assert!(c.pending_at(at("2026-03-02T15:30:00Z")).is_empty());
    }

    #[test]
    fn a_request_at_night_is_due_in_the_morning() {
        // Monday 23:00 EST, one hour of hours: Tuesday 10:00 EST.
        let c = callbacks(&[call(1, Role::Client, at("2026-03-03T04:00:00Z"))]);
        assert_eq!(c.get(&id(1)).unwrap().due_at, at("2026-03-03T15:00:00Z"));
        // 19:30: half an hour that evening, half an hour the next morning.
        let c = callbacks(&[missed(1, "2026-03-03T00:30:00Z")]);
        assert_eq!(c.get(&id(1)).unwrap().due_at, at("2026-03-03T14:30:00Z"));
    }

    #[test]
    fn a_return_call_in_time_answers_the_request() {
        let request = missed(1, "2026-03-02T15:00:00Z");
        let back = returned(2, &id(1), at("2026-03-02T16:00:00Z"));
        let late = returned(3, &id(1), at("2026-03-02T17:00:00Z"));
        let c = callbacks(&[late, request, back]);
        let r = c.get(&id(1)).unwrap();
        assert_eq!(
            (r.due_at, r.returned_at, r.met_in_time),
            (
                at("2026-03-02T16:00:00Z"),
                Some(at("2026-03-02T16:00:00Z")),
                true
            )
        );
        assert!(c.pending_at(at("2026-03-02T18:00:00Z")).is_empty());
        // Before the return call started, it was still pending.
        assert_eq!(
            c.pending_at(at("2026-03-02T15:30:00Z")),
            [PendingCallback {
                call_id: id(1),
                requested_at: at("2026-03-02T15:00:00Z"),
                due_at: at("2026-03-02T16:00:00Z"),
                overdue: false
            }]
        );
    }

    #[test]
    fn a_late_return_call_is_not_in_time() {
        let c = callbacks(&[
            missed(1, "2026-03-02T15:00:00Z"),
            returned(2, &id(1), at("2026-03-02T16:30:00Z")),
        ]);
        let r = c.get(&id(1)).unwrap();
        assert!(!r.met_in_time);
        assert!(
            !r.is_overdue(at("2026-03-02T16:00:00Z")),
            "exactly at the due time it is still in time"
        );
        assert!(r.is_overdue(at("2026-03-02T16:00:00.001Z")));
        assert!(
            !r.is_overdue(at("2026-03-02T16:30:00Z")),
            "returned by then"
        );
    }

    #[test]
    fn an_unanswered_request_becomes_overdue_after_its_due_time() {
        let c = callbacks(&[
            missed(1, "2026-03-02T15:00:00Z"),
            missed(2, "2026-03-02T14:30:00Z"),
        ]);
        let due = at("2026-03-02T16:00:00Z");
        let pending = c.pending_at(due);
        assert_eq!(
            pending
                .iter()
                .map(|p| (&p.call_id, p.overdue))
                .collect::<Vec<_>>(),
            [(&id(2), true), (&id(1), false)]
        );
        let later = c.pending_at(Timestamp::from_millis(due.millis() + 1));
        assert!(later.iter().all(|p| p.overdue));
        assert!(
            c.pending_at(at("2026-03-02T14:00:00Z")).is_empty(),
            "nothing was requested yet"
        );
    }

    #[test]
    fn a_return_call_must_come_from_the_therapist_and_name_a_request() {
        let mut by_client = returned(2, &id(1), at("2026-03-02T15:10:00Z"));
        by_client.started_by = Role::Client;
        let c = callbacks(&[
            missed(1, "2026-03-02T15:00:00Z"),
            by_client,
            returned(3, &id(9), at("2026-03-02T15:10:00Z")),
        ]);
        assert_eq!(c.get(&id(1)).unwrap().returned_at, None);
        assert_eq!(c.requests().len(), 1);
    }

    #[test]
    fn a_holiday_pushes_the_due_time_past_it() {
        let hours = Availability::new(
            "America/New_York".parse().unwrap(),
            &"Mon-Fri 09:00-20:00".parse().unwrap(),
            &[Holiday::new(
                "2026-03-03".parse().unwrap(),
                "2026-03-04".parse().unwrap(),
                None,
            )
            .unwrap()],
        );
        let c = Callbacks::new(&[missed(1, "2026-03-03T00:30:00Z")], |_| (&hours, 60));
        assert_eq!(c.get(&id(1)).unwrap().due_at, at("2026-03-05T14:30:00Z"));
    }
}
