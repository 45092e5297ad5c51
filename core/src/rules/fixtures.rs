//! Small builders for the rules' tests: ids from numbers, instants from RFC 3339.

use crate::model::{
    Behavior, Call, CallOutcome, CallReason, EntryId, Holiday, Report, Resource, Role, Terms,
};
use crate::rules::{AgreementState, InForce};
use crate::time::Timestamp;

pub fn id(n: u64) -> EntryId {
    EntryId::parse("id", &format!("{n:016x}")).unwrap()
}

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339("at", text).unwrap()
}

/// A state with the seed's terms, the given zone and hours, and nothing logged.
pub fn state(time_zone: &str, hours: &str) -> AgreementState {
    let mut terms = Terms::seed("Client", "Therapist", time_zone.parse().unwrap()).unwrap();
    terms.availability = hours.parse().unwrap();
    AgreementState {
        terms,
        in_force: InForce::default(),
        resources: Resource::defaults(),
        behaviors: Vec::new(),
        holidays: Vec::new(),
        calls: Vec::new(),
        reports: Vec::new(),
        sessions: Vec::new(),
    }
}

pub fn behavior(n: u64, triggers_lockout: bool, removed: bool) -> Behavior {
    Behavior {
        id: id(n),
        label: format!("behaviour {n}"),
        triggers_lockout,
        removed,
    }
}

/// A report made by the client as it happened.
pub fn report(n: u64, occurred_at: Timestamp, behavior: Option<u64>) -> Report {
    Report {
        id: id(n),
        behavior: behavior.map(id),
        occurred_at,
        reported_at: occurred_at,
        reported_by: Role::Client,
        retracted_at: None,
    }
}

/// A coaching call that has started and not ended.
pub fn call(n: u64, started_by: Role, started_at: Timestamp) -> Call {
    Call {
        id: id(n),
        reason: CallReason::Coaching,
        started_by,
        started_at,
        ended_at: None,
        situation: None,
        tried: Vec::new(),
        urge_before: None,
        suggested: Vec::new(),
        urge_after: None,
        outcome: None,
        returns: None,
        shown_resources: Vec::new(),
    }
}

/// A client's call that was answered and lasted `length_ms`.
pub fn completed(n: u64, started_at: Timestamp, length_ms: i64) -> Call {
    Call {
        ended_at: Some(Timestamp::from_millis(started_at.millis() + length_ms)),
        outcome: Some(CallOutcome::Completed),
        ..call(n, Role::Client, started_at)
    }
}

/// The therapist's return call for `request`.
pub fn returned(n: u64, request: &EntryId, started_at: Timestamp) -> Call {
    Call {
        returns: Some(request.clone()),
        ..call(n, Role::Therapist, started_at)
    }
}

pub fn holiday(from: &str, to: &str) -> Holiday {
    Holiday::new(from.parse().unwrap(), to.parse().unwrap(), None).unwrap()
}
