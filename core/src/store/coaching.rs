//! The coaching rules applied to a stored agreement: the status decision, calls
//! declined by the 24-hour rule, return calls, and the session summary.
//!
//! Two kinds of rules are kept in memory until the agreement next changes (any local
//! change or merge drops them):
//! - a [`Decider`] answers "may the client call now?" from the part of the history
//!   that can matter from some instant on, so a status screen asks memory, not SQLite,
//!   and the first question after a change reads a handful of rows, not the history;
//! - [`Coaching`] holds the whole history's [`AgreementState`] and [`Rules`], for the
//!   summary and for judging any call of the log.

use super::{projection, Agreement, Store};
use crate::error::{Error, Result};
use crate::model::{AgreementId, Call, CallOutcome, CallStart, EntryId, Role};
use crate::rules::{
    self, AgreementState, CallFlags, Decision, InForce, Permission, Rules, Summary,
};
use crate::time::Timestamp;

/// The rules of one agreement, with the state they were worked out from.
pub(super) struct Coaching {
    pub(super) state: AgreementState,
    pub(super) rules: Rules,
}

/// Rules that decide at `from` and at every later instant (see `Store::rules_at`).
pub(super) struct Decider {
    from: Timestamp,
    rules: Rules,
}

/// What became of a call the device tried to start.
#[derive(Clone, Debug)]
pub enum CallAttempt {
    /// The call went ahead. Out of the therapist's hours it is a callback request,
    /// and `callback_due` says when to expect the return call.
    Started {
        id: EntryId,
        callback_due: Option<Timestamp>,
    },
    /// The 24-hour rule declined it. The attempt is in the log as declined, with the
    /// resources shown; `decision` holds those resources, the backup plan and the
    /// message to show instead.
    Declined { id: EntryId, decision: Decision },
}

impl CallAttempt {
    /// The id of the call recorded, declined or not.
    pub fn id(&self) -> &EntryId {
        match self {
            CallAttempt::Started { id, .. } | CallAttempt::Declined { id, .. } => id,
        }
    }
}

impl Store {
    fn state(&self, agreement: &Agreement) -> Result<AgreementState> {
        let (ag, all) = (agreement.ag, Timestamp::from_millis(i64::MIN));
        Ok(AgreementState {
            terms: projection::terms(&self.conn, ag)?,
            in_force: self.in_force(agreement)?,
            resources: projection::resources(&self.conn, ag)?,
            behaviors: projection::behaviors(&self.conn, ag)?,
            holidays: projection::holidays(&self.conn, ag)?,
            calls: projection::calls_since(&self.conn, ag, all)?,
            reports: projection::reports_since(&self.conn, ag, all)?,
            sessions: projection::sessions(&self.conn, ag)?,
        })
    }

    /// The versions of the terms both parties signed ([`rules::in_force`]), from the
    /// agreement as the cache holds it (callers have refreshed).
    fn in_force(&self, agreement: &Agreement) -> Result<InForce> {
        Ok(InForce::new(self.view(agreement)?.signed_versions.clone()))
    }

    /// Rules that judge exactly the calls started at or after `since`, read from the
    /// part of the history that can affect them: those calls and the ones after
    /// (return calls, later completed calls) and the reports whose lockout windows
    /// can reach them (under the longest lockout of any terms in force). The log
    /// uses this, so showing the latest entries costs the same after five years as
    /// after one.
    pub(super) fn rules_from(&self, agreement: &Agreement, since: Timestamp) -> Result<Rules> {
        let ag = agreement.ag;
        let terms = projection::terms(&self.conn, ag)?;
        let in_force = self.in_force(agreement)?;
        let longest = in_force
            .versions()
            .iter()
            .map(|v| v.signed.terms.lockout_hours)
            .chain([terms.lockout_hours])
            .max()
            .unwrap_or(0);
        let reach = since.plus_hours(-i64::from(longest));
        Ok(Rules::new(&AgreementState {
            in_force,
            resources: projection::resources(&self.conn, ag)?,
            behaviors: projection::behaviors(&self.conn, ag)?,
            holidays: projection::holidays(&self.conn, ag)?,
            calls: projection::calls_since(&self.conn, ag, since)?,
            reports: projection::reports_since(&self.conn, ag, reach)?,
            sessions: Vec::new(),
            terms,
        }))
    }

    /// Rules that decide at `now` and at any later instant, read from the part of the
    /// history that can matter then: calls since the last completed one at or before
    /// `now` (every earlier callback request has been answered by it), and reports
    /// whose lockout windows can reach those calls, hence also `now` and after.
    fn rules_at(&self, agreement: &Agreement, now: Timestamp) -> Result<Rules> {
        now.check("now")?;
        let since = projection::last_completed_call(&self.conn, agreement.ag, now)?
            .map_or(Timestamp::from_millis(i64::MIN), |t| t.min(now));
        self.rules_from(agreement, since)
    }

    /// The agreement's rules, worked out on first use after a change.
    pub(super) fn coaching(&mut self, agreement: &Agreement) -> Result<&Coaching> {
        self.refresh()?;
        if !self.coaching.contains_key(&agreement.ag) {
            let state = self.state(agreement)?;
            let rules = Rules::new(&state);
            self.coaching
                .insert(agreement.ag, Coaching { state, rules });
        }
        Ok(&self.coaching[&agreement.ag])
    }

    /// The rules that decide at `now`: kept from an earlier question when they were
    /// worked out for an instant at or before `now`, else worked out afresh.
    fn decider(&mut self, agreement: &Agreement, now: Timestamp) -> Result<&Rules> {
        self.refresh()?;
        let fresh = !matches!(self.deciders.get(&agreement.ag), Some(d) if d.from <= now);
        if fresh {
            let rules = self.rules_at(agreement, now)?;
            self.deciders
                .insert(agreement.ag, Decider { from: now, rules });
        }
        Ok(&self.deciders[&agreement.ag].rules)
    }

    /// May the client call now, and if not, what instead? Applies from the moment an
    /// agreement is drafted, whatever its signatures: safety never waits on paperwork.
    pub fn status(&mut self, id: &AgreementId, now: Timestamp) -> Result<Decision> {
        now.check("now")?;
        let agreement = self.resolve(id)?;
        Ok(self.decider(&agreement, now)?.decide(now))
    }

    /// Starts a call by this device's party, with the pre-call worksheet. A client's
    /// call during a lockout is declined and recorded as such.
    pub fn start_call(
        &mut self,
        id: &AgreementId,
        start: CallStart,
        now: Timestamp,
    ) -> Result<CallAttempt> {
        let agreement = self.resolve(id)?;
        let role = self.me()?.role;
        let decision = self.decider(&agreement, now)?.decide(now);
        let mut call = start.into_call(role, now);
        let declined = role == Role::Client && decision.permission == Permission::LockedOut;
        if declined {
            call.outcome = Some(CallOutcome::Declined);
            call.ended_at = Some(now);
            call.shown_resources = decision
                .resources
                .iter()
                .map(|r| format!("{} — {}", r.name, r.contact))
                .collect();
        }
        self.change(&agreement, now, |w| w.put_call(&call))?;
        if declined {
            return Ok(CallAttempt::Declined {
                id: call.id,
                decision,
            });
        }
        let flags = self.decider(&agreement, now)?.call_flags(&call);
        Ok(CallAttempt::Started {
            id: call.id,
            callback_due: flags.callback.map(|c| c.due_at),
        })
    }

    /// Records the therapist's return call for a callback request.
    pub fn return_call(
        &mut self,
        id: &AgreementId,
        request: &str,
        now: Timestamp,
    ) -> Result<EntryId> {
        let agreement = self.resolve(id)?;
        if self.me()?.role != Role::Therapist {
            return Err(Error::NotPermitted {
                action: "return a call",
                allowed: Role::Therapist,
            });
        }
        let request = EntryId::parse("call id", request)?;
        let coaching = self.coaching(&agreement)?;
        let original = coaching
            .state
            .calls
            .iter()
            .find(|c| c.id == request)
            .ok_or_else(|| Error::not_found("call", request.as_str()))?;
        if coaching.rules.call_flags(original).callback.is_none() {
            return Err(Error::invalid(
                "call id",
                "that call is not a callback request",
            ));
        }
        if now < original.started_at {
            return Err(Error::invalid(
                "now",
                "a return call cannot come before the request",
            ));
        }
        let call = Call {
            returns: Some(request),
            ..CallStart::new(original.reason, None, &[], None)?.into_call(Role::Therapist, now)
        };
        self.change(&agreement, now, |w| w.put_call(&call))?;
        Ok(call.id)
    }

    /// What the log shows beside a call: long, during a lockout, callback request.
    pub fn call_flags(&mut self, id: &AgreementId, call: &Call) -> Result<CallFlags> {
        let agreement = self.resolve(id)?;
        Ok(self.coaching(&agreement)?.rules.call_flags(call))
    }

    /// The therapist's preparation for the next session: what happened since `since`
    /// (default: the last in-person session, else the last 7 days) up to `now`.
    pub fn summary(
        &mut self,
        id: &AgreementId,
        since: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Summary> {
        now.check("now")?;
        since.map(|t| t.check("since")).transpose()?;
        let agreement = self.resolve(id)?;
        let coaching = self.coaching(&agreement)?;
        let since = since.unwrap_or_else(|| rules::default_summary_since(&coaching.state, now));
        if since > now {
            return Err(Error::invalid(
                "since",
                "the summary cannot start after now",
            ));
        }
        Ok(rules::summary(&coaching.state, &coaching.rules, since, now))
    }
}
