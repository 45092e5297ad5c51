//! What the screens read besides the rules: an agreement as it stands (kept until it
//! changes), one call by id, and a few facts per agreement for the therapist's list
//! of clients, each from an indexed read so that a list of hundreds stays fast.

use std::sync::Arc;

use rusqlite::{params, OptionalExtension};

use super::{projection, Agreement, AgreementView, Store};
use crate::error::{Error, Result};
use crate::model::{AgreementId, Call, CallOutcome, EntryId, Role};
use crate::time::Timestamp;

/// A few facts about an agreement's recent history, for a list of clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    /// The last in-person session at or before now.
    pub last_session: Option<Timestamp>,
    /// Calls the 24-hour rule declined since the last session (or ever, if none).
    pub declined_since_session: usize,
    /// The last time the client was heard from: a call they started, or a report.
    pub last_heard: Option<Timestamp>,
}

impl Store {
    /// [`Store::agreement`], kept in memory until the agreement changes (here or in
    /// another connection): screens ask for it on every refresh, and checking its
    /// signatures every time would cost more than the rest of a screen.
    pub fn agreement_shared(&mut self, id: &AgreementId) -> Result<Arc<AgreementView>> {
        self.refresh()?;
        self.view(&self.resolve(id)?)
    }

    /// The agreement from the cache [`Store::agreement_shared`] keeps, worked out on
    /// first use; the caller has taken in other connections' changes
    /// ([`Store::refresh`]) first.
    pub(super) fn view(&self, agreement: &Agreement) -> Result<Arc<AgreementView>> {
        if let Some(view) = self.views.borrow().get(&agreement.ag) {
            return Ok(Arc::clone(view));
        }
        let view = Arc::new(self.agreement(&agreement.id)?);
        self.views
            .borrow_mut()
            .insert(agreement.ag, Arc::clone(&view));
        Ok(view)
    }

    /// Every agreement of the store, oldest first, as [`Store::agreement_shared`].
    pub fn agreements_shared(&mut self) -> Result<Vec<Arc<AgreementView>>> {
        self.agreement_ids()?
            .iter()
            .map(|id| self.agreement_shared(id))
            .collect()
    }

    /// The calls of an agreement started in `[since, until]`, oldest first.
    pub fn calls_between(
        &self,
        id: &AgreementId,
        since: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Call>> {
        let ag = self.resolve(id)?.ag;
        let mut calls = projection::calls_since(&self.conn, ag, since)?;
        calls.retain(|c| c.started_at <= until);
        Ok(calls)
    }

    /// One call of an agreement's log, by id.
    pub fn call(&self, id: &AgreementId, call: &EntryId) -> Result<Call> {
        let ag = self.resolve(id)?.ag;
        projection::call_by_id(&self.conn, ag, call)?
            .ok_or_else(|| Error::not_found("call", call.as_str()))
    }

    /// The facts the therapist's list of clients orders by (see [`Activity`]).
    pub fn activity(&self, id: &AgreementId, now: Timestamp) -> Result<Activity> {
        now.check("now")?;
        let ag = self.resolve(id)?.ag;
        let last_session: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(a) FROM entries WHERE ag = ?1 AND kind = 5 AND a <= ?2")?
            .query_row(params![ag, now.millis()], |r| r.get(0))?;
        let declined: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM calls WHERE ag = ?1 AND started_at > ?2 \
                 AND started_at <= ?3 AND outcome = ?4",
            )?
            .query_row(
                params![
                    ag,
                    last_session.unwrap_or(i64::MIN),
                    now.millis(),
                    projection::codes::outcome(CallOutcome::Declined)
                ],
                |r| r.get(0),
            )?;
        let last_call: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT started_at FROM calls WHERE ag = ?1 AND started_at <= ?2 \
                 AND started_by = ?3 ORDER BY started_at DESC LIMIT 1",
            )?
            .query_row(
                params![ag, now.millis(), projection::codes::role(Role::Client)],
                |r| r.get(0),
            )
            .optional()?;
        let last_report: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT max(reported_at) FROM reports WHERE ag = ?1 AND reported_at <= ?2",
            )?
            .query_row(params![ag, now.millis()], |r| r.get(0))?;
        Ok(Activity {
            last_session: last_session.map(Timestamp::from_millis),
            declined_since_session: usize::try_from(declined).unwrap_or(0),
            last_heard: last_call.max(last_report).map(Timestamp::from_millis),
        })
    }
}
