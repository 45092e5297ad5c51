//! The therapist's list of clients, ordered by what needs attention first, and one
//! client's log with its flags.

use super::action::{Action, Route};
use super::{Button, ButtonKind, Refresh, Viewer};
use crate::error::Result;
use crate::identity::AgreementStatus;
use crate::model::{AgreementId, CallOutcome, EntryId};
use crate::rules::Permission;
use crate::store::{LogEntry, Store};
use crate::time::Timestamp;
use crate::words::Arg;

/// Days without a call or a report after which a client is "not heard from".
pub const QUIET_DAYS: i64 = 7;

/// Why a client needs the therapist's attention; the order is the list's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attention {
    /// A call back the therapist owes is past due.
    OverdueCallback,
    /// The 24-hour rule declined calls since the last session.
    DeclinedAttempts,
    /// The client is in a lockout now.
    LockedOut,
    /// A signature is missing: a draft, or terms edited since both signed.
    Unsigned,
    /// No call or report for [`QUIET_DAYS`] days.
    NotHeardFrom,
}

impl Attention {
    pub fn code(self) -> &'static str {
        match self {
            Attention::OverdueCallback => "overdue_callback",
            Attention::DeclinedAttempts => "declined_attempts",
            Attention::LockedOut => "locked_out",
            Attention::Unsigned => "unsigned",
            Attention::NotHeardFrom => "not_heard_from",
        }
    }
}

/// One client in the list.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClientRow {
    pub agreement: AgreementId,
    pub client_name: String,
    /// Most pressing first; empty when all is well.
    pub attention: Vec<Attention>,
    /// Why, in a few words: "Call back overdue · 2 declined calls".
    pub reason: String,
    pub open: Button,
}

crate::redacted_debug!(ClientRow {
    agreement,
    client_name: redacted,
    attention,
    reason,
    open
});

/// The Clients screen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Clients {
    pub title: String,
    /// In attention order.
    pub rows: Vec<ClientRow>,
    pub invite: Button,
    /// When the order can change by the clock alone: a call back falls due, a
    /// lockout ends, a client becomes "not heard from".
    pub refresh_at: Refresh,
}

/// Every agreement in the store, most pressing first: by the first reason for
/// attention, then by how long it has waited, then by when the agreement was made.
pub fn clients(store: &mut Store, viewer: &Viewer, now: Timestamp) -> Result<Clients> {
    let words = viewer.words();
    let mut rows = Vec::new();
    let mut refresh_at: Refresh = None;
    let mut stale_at = |at: Timestamp| {
        if at > now && refresh_at.is_none_or(|r| at < r) {
            refresh_at = Some(at);
        }
    };
    for (order, item) in store.agreements_shared()?.into_iter().enumerate() {
        let id = &item.id;
        let decision = store.status(id, now)?;
        let activity = store.activity(id, now)?;
        let mut attention = Vec::new();
        let mut reasons = Vec::new();
        let overdue = decision
            .pending_callbacks
            .iter()
            .filter(|p| p.overdue)
            .map(|p| p.due_at)
            .min();
        if let Some(due) = overdue {
            attention.push(Attention::OverdueCallback);
            let due = viewer.when(due, now);
            reasons.push(words.say("clients-overdue", &[("due", Arg::from(&due))]));
        }
        if activity.declined_since_session > 0 {
            attention.push(Attention::DeclinedAttempts);
            reasons.push(words.say(
                "clients-declined",
                &[("count", Arg::from(activity.declined_since_session))],
            ));
        }
        if decision.permission == Permission::LockedOut {
            attention.push(Attention::LockedOut);
            let until = viewer.when(decision.locked_until.unwrap_or(now), now);
            reasons.push(words.say("clients-locked", &[("until", Arg::from(&until))]));
        }
        if item.assessment.status != AgreementStatus::Active {
            attention.push(Attention::Unsigned);
            reasons.push(words.get("clients-unsigned"));
        }
        let heard = activity.last_heard.unwrap_or(item.created_at);
        decision.locked_until.into_iter().for_each(&mut stale_at);
        decision
            .pending_callbacks
            .iter()
            .for_each(|p| stale_at(p.due_at));
        stale_at(heard.plus_hours(QUIET_DAYS * 24));
        let quiet_days = (now.millis() - heard.millis()) / (24 * Timestamp::HOUR_MS);
        if quiet_days >= QUIET_DAYS {
            attention.push(Attention::NotHeardFrom);
            reasons.push(words.say("clients-quiet", &[("days", Arg::from(quiet_days))]));
        }
        let reason = if reasons.is_empty() {
            words.get("clients-all-well")
        } else {
            reasons.join(" · ")
        };
        let waited = overdue.unwrap_or(heard);
        rows.push((
            attention.first().copied(),
            waited,
            order,
            ClientRow {
                agreement: id.clone(),
                client_name: item.terms.client_name.clone(),
                attention,
                reason,
                open: Button {
                    kind: ButtonKind::Open,
                    label: words.get("clients-open"),
                    uri: None,
                    primary: false,
                    action: Action::Open {
                        route: Route::Client {
                            agreement: id.clone(),
                        },
                    },
                },
            },
        ));
    }
    // Rows needing attention first (`None` sorts before `Some`, hence the flip).
    rows.sort_by_key(|(first, waited, order, _)| (first.is_none(), *first, *waited, *order));
    Ok(Clients {
        title: words.get("clients-title"),
        rows: rows.into_iter().map(|(.., row)| row).collect(),
        invite: Button {
            kind: ButtonKind::Invite,
            label: words.get("clients-new"),
            uri: None,
            primary: false,
            action: Action::Open {
                route: Route::NewClient,
            },
        },
        refresh_at,
    })
}

/// A flag beside an entry of the log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Flag {
    /// `long`, `during_lockout`, `callback_request`, `overdue`, `declined`, `retracted`.
    pub code: &'static str,
    pub label: String,
}

/// One entry of a client's log.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    pub id: EntryId,
    pub at: Timestamp,
    pub when: String,
    pub title: String,
    /// Urges, skills tried and suggested, the situation.
    pub details: Vec<String>,
    pub flags: Vec<Flag>,
    /// For an unanswered callback request: return it.
    pub return_call: Option<Button>,
}

crate::redacted_debug!(LogLine {
    id,
    at,
    when,
    title: redacted,
    details: redacted,
    flags,
    return_call
});

/// The Client screen: one client's recent log, newest first.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Client {
    pub agreement: AgreementId,
    pub client_name: String,
    pub title: String,
    pub log: Vec<LogLine>,
    pub actions: Vec<Button>,
}

crate::redacted_debug!(Client {
    agreement,
    client_name: redacted,
    title: redacted,
    log,
    actions
});

/// How many entries the Client screen shows.
pub const LOG_LINES: usize = 50;

/// The Client screen of agreement `id` at `now`.
pub fn client(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    now: Timestamp,
) -> Result<Client> {
    let words = viewer.words();
    let view = store.agreement_shared(id)?;
    let log = store
        .log(id, LOG_LINES)?
        .into_iter()
        .map(|entry| log_line(viewer, id, entry, now))
        .collect();
    let open = |label: &str, kind, route| Button {
        kind,
        label: words.get(label),
        uri: None,
        primary: false,
        action: Action::Open { route },
    };
    let agreement = || id.clone();
    Ok(Client {
        agreement: id.clone(),
        client_name: view.terms.client_name.clone(),
        title: words.say(
            "client-title",
            &[("name", Arg::from(&view.terms.client_name))],
        ),
        log,
        actions: vec![
            open(
                "client-session-prep",
                ButtonKind::Open,
                Route::SessionPrep {
                    agreement: agreement(),
                },
            ),
            Button {
                kind: ButtonKind::RecordSession,
                label: words.get("client-record-session"),
                uri: None,
                primary: false,
                action: Action::RecordSession {
                    agreement: agreement(),
                },
            },
            open(
                "client-edit-agreement",
                ButtonKind::Open,
                Route::Editor {
                    agreement: agreement(),
                },
            ),
            open(
                "client-invite",
                ButtonKind::Invite,
                Route::Invite {
                    agreement: agreement(),
                },
            ),
            open(
                "client-sync",
                ButtonKind::SyncNow,
                Route::Sync {
                    agreement: agreement(),
                },
            ),
        ],
    })
}

fn log_line(viewer: &Viewer, id: &AgreementId, entry: LogEntry, now: Timestamp) -> LogLine {
    let words = viewer.words();
    let flag = |code: &'static str| Flag {
        code,
        label: words.get(&format!("flag-{}", code.replace('_', "-"))),
    };
    match entry {
        LogEntry::Call { call, flags } => {
            let reason = words.get(&format!("reason-{}", call.reason.as_str()));
            let title = match (call.outcome, call.ended_at) {
                (Some(CallOutcome::Completed), Some(end)) => words.say(
                    "log-call-completed",
                    &[
                        ("reason", Arg::from(&reason)),
                        (
                            "minutes",
                            Arg::from(
                                (end.millis() - call.started_at.millis()).max(0)
                                    / Timestamp::MINUTE_MS,
                            ),
                        ),
                    ],
                ),
                (Some(CallOutcome::Missed), _) => {
                    words.say("log-call-missed", &[("reason", Arg::from(&reason))])
                }
                (Some(CallOutcome::Declined), _) => {
                    words.say("log-call-declined", &[("reason", Arg::from(&reason))])
                }
                _ => words.say("log-call-open", &[("reason", Arg::from(&reason))]),
            };
            let mut details = Vec::new();
            if let (Some(before), after) = (call.urge_before, call.urge_after) {
                details.push(match after {
                    Some(after) => words.say(
                        "log-urge-change",
                        &[
                            ("before", Arg::from(u32::from(before.value()))),
                            ("after", Arg::from(u32::from(after.value()))),
                        ],
                    ),
                    None => words.say(
                        "log-urge",
                        &[("before", Arg::from(u32::from(before.value())))],
                    ),
                });
            }
            if !call.tried.is_empty() {
                let list = call.tried.join(", ");
                details.push(words.say("log-tried", &[("list", Arg::from(&list))]));
            }
            if !call.suggested.is_empty() {
                let list = call.suggested.join(", ");
                details.push(words.say("log-suggested", &[("list", Arg::from(&list))]));
            }
            if let Some(situation) = &call.situation {
                details.push(situation.clone());
            }
            let mut out_flags = Vec::new();
            if call.outcome == Some(CallOutcome::Declined) {
                out_flags.push(flag("declined"));
            } else if flags.during_lockout {
                out_flags.push(flag("during_lockout"));
            }
            if flags.long {
                out_flags.push(flag("long"));
            }
            let mut return_call = None;
            if let Some(request) = &flags.callback {
                out_flags.push(flag("callback_request"));
                if request.is_overdue(now) {
                    out_flags.push(flag("overdue"));
                }
                if request.returned_by(now).is_none() {
                    return_call = Some(Button {
                        kind: ButtonKind::ReturnCall,
                        label: words.get("log-return-call"),
                        uri: None,
                        primary: true,
                        action: Action::ReturnCall {
                            agreement: id.clone(),
                            request: call.id.clone(),
                        },
                    });
                }
            }
            LogLine {
                when: viewer.when(call.started_at, now),
                id: call.id,
                at: call.started_at,
                title,
                details,
                flags: out_flags,
                return_call,
            }
        }
        LogEntry::Report { report, behavior } => {
            let title = match &behavior {
                Some(b) => words.say("log-report", &[("behavior", Arg::from(&b.label))]),
                None => words.get("log-report-unnamed"),
            };
            let flags = if report.retracted_at.is_some() {
                vec![flag("retracted")]
            } else {
                Vec::new()
            };
            LogLine {
                when: viewer.when(report.occurred_at, now),
                id: report.id,
                at: report.occurred_at,
                title,
                details: Vec::new(),
                flags,
                return_call: None,
            }
        }
    }
}
