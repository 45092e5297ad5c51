//! The call log, behaviour reports and in-person sessions.

use super::{projection, Store};
use crate::doc::{self, Collection, Entry};
use crate::error::{Error, Result};
use crate::model::{AgreementId, Behavior, Call, CallEnd, EntryId, Report, Session};
use crate::rules::CallFlags;
use crate::time::Timestamp;

/// How far ahead of `now` a behaviour may be reported as having occurred: clocks on
/// two phones drift, but a report about the future is a mistake.
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// One line of the log, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEntry {
    Call {
        call: Call,
        /// Long, during a lockout, callback request (see [`CallFlags`]).
        flags: CallFlags,
    },
    Report {
        report: Report,
        /// The behaviour the report names, if any (removed behaviours included).
        behavior: Option<Behavior>,
    },
}

impl LogEntry {
    /// When it happened: a call's start, a behaviour's occurrence.
    pub fn at(&self) -> Timestamp {
        match self {
            LogEntry::Call { call, .. } => call.started_at,
            LogEntry::Report { report, .. } => report.occurred_at,
        }
    }

    pub fn id(&self) -> &EntryId {
        match self {
            LogEntry::Call { call, .. } => &call.id,
            LogEntry::Report { report, .. } => &report.id,
        }
    }
}

impl Store {
    /// Records the end of a call.
    pub fn end_call(
        &mut self,
        id: &AgreementId,
        call: &str,
        end: CallEnd,
        now: Timestamp,
    ) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let call_id = EntryId::parse("call id", call)?;
        // A write loads the document anyway; the projection is keyed by time.
        let call =
            match doc::read_entry(self.doc(&agreement)?, Collection::Calls, call_id.as_str())? {
                Some(Entry::Call(call)) => call,
                _ => return Err(Error::not_found("call", call_id.as_str())),
            };
        if call.outcome.is_some() {
            return Err(Error::invalid("call id", "that call has already ended"));
        }
        if now < call.started_at {
            return Err(Error::invalid(
                "now",
                "the end of a call cannot come before its start",
            ));
        }
        self.change(&agreement, now, |w| w.end_call(&call_id, &end, now))
    }

    /// Records that the client engaged in a target behaviour at `occurred_at`;
    /// `label` names one of the agreement's behaviours, or none at all.
    pub fn report_behavior(
        &mut self,
        id: &AgreementId,
        label: Option<&str>,
        occurred_at: Timestamp,
        now: Timestamp,
    ) -> Result<EntryId> {
        occurred_at.check("at")?;
        let agreement = self.resolve(id)?;
        let role = self.me()?.role;
        if occurred_at > now.plus_minutes(FUTURE_TOLERANCE_MINUTES) {
            return Err(Error::invalid(
                "at",
                "a behaviour cannot be reported as occurring in the future",
            ));
        }
        let behavior = match label {
            None => None,
            Some(label) => {
                let label = label.trim();
                let found = projection::behaviors(&self.conn, agreement.ag)?
                    .into_iter()
                    .find(|b| !b.removed && b.label.eq_ignore_ascii_case(label))
                    .ok_or_else(|| {
                        Error::invalid(
                            "behavior",
                            "the agreement lists no behaviour with that label",
                        )
                    })?;
                Some(found.id)
            }
        };
        let report = Report {
            id: EntryId::random(),
            behavior,
            occurred_at,
            reported_at: now,
            reported_by: role,
            retracted_at: None,
        };
        self.change(&agreement, now, |w| w.put_report(&report))?;
        Ok(report.id)
    }

    /// Retracts a report made by mistake; it no longer counts, but stays in history.
    pub fn retract_report(&mut self, id: &AgreementId, report: &str, now: Timestamp) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let report_id = EntryId::parse("report id", report)?;
        let report = match doc::read_entry(
            self.doc(&agreement)?,
            Collection::Reports,
            report_id.as_str(),
        )? {
            Some(Entry::Report(report)) => report,
            _ => return Err(Error::not_found("behavior report", report_id.as_str())),
        };
        if report.retracted_at.is_some() {
            return Err(Error::invalid(
                "report id",
                "that report is already retracted",
            ));
        }
        self.change(&agreement, now, |w| w.retract_report(&report_id, now))
    }

    /// Records an in-person session at `at`.
    pub fn record_session(
        &mut self,
        id: &AgreementId,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<EntryId> {
        at.check("at")?;
        let agreement = self.resolve(id)?;
        let role = self.me()?.role;
        if at > now.plus_minutes(FUTURE_TOLERANCE_MINUTES) {
            return Err(Error::invalid(
                "at",
                "a session cannot be recorded in the future",
            ));
        }
        let session = Session {
            id: EntryId::random(),
            at,
            recorded_by: role,
        };
        self.change(&agreement, now, |w| w.put_session(&session))?;
        Ok(session.id)
    }

    /// The newest `limit` calls and reports together, newest first.
    pub fn log(&mut self, id: &AgreementId, limit: usize) -> Result<Vec<LogEntry>> {
        self.refresh()?;
        let agreement = self.resolve(id)?;
        let behaviors = projection::behaviors(&self.conn, agreement.ag)?;
        let calls = projection::latest_calls(&self.conn, agreement.ag, limit)?;
        let reports = projection::latest_reports(&self.conn, agreement.ag, limit)?;
        let since = calls
            .iter()
            .map(|c| c.started_at)
            .min()
            .unwrap_or(Timestamp::from_millis(i64::MAX));
        let rules = self.rules_from(&agreement, since)?;
        let mut entries: Vec<LogEntry> = calls
            .into_iter()
            .map(|call| LogEntry::Call {
                flags: rules.call_flags(&call),
                call,
            })
            .collect();
        entries.extend(reports.into_iter().map(|report| {
            let behavior = report
                .behavior
                .as_ref()
                .and_then(|b| behaviors.iter().find(|known| &known.id == b).cloned());
            LogEntry::Report { report, behavior }
        }));
        entries.sort_by(|a, b| (b.at(), b.id()).cmp(&(a.at(), a.id())));
        entries.truncate(limit);
        Ok(entries)
    }
}
