//! The client's Home: "can I call now?" in one glance, and what to do instead.

use super::action::{Action, Route};
use super::contact::uris;
use super::{Button, ButtonKind, Refresh, Viewer};
use crate::error::Result;
use crate::identity::AgreementStatus;
use crate::model::{AgreementId, Resource, Role, Terms};
use crate::rules::{Decision, Permission};
use crate::store::{AgreementView, Store};
use crate::time::Timestamp;
use crate::words::Arg;

/// What the client sees first.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Home {
    pub agreement: AgreementId,
    /// The answer to "can I call my therapist now?".
    pub can_call: bool,
    pub permission: Permission,
    /// A few words: "You can call now", "Calls are paused until 2:30 PM tomorrow".
    pub headline: String,
    /// One plain sentence: why, kindly, and what happens next.
    pub message: String,
    /// When calls are allowed again, while locked out.
    pub locked_until: Option<Timestamp>,
    /// The call back the client is waiting for, if any (the soonest due).
    pub callback: Option<CallbackNotice>,
    /// The agreement's backup plan, when it applies now (see [`Decision`]).
    pub backup_plan: Option<String>,
    /// The heading over the backup plan.
    pub backup_plan_title: String,
    /// A banner when the agreement needs the client's signature.
    pub banner: Option<Button>,
    /// Every button, in display order: crisis resources first when the client
    /// cannot call.
    pub actions: Vec<Button>,
    pub refresh_at: Refresh,
}

crate::redacted_debug!(Home {
    agreement,
    can_call,
    permission,
    headline,
    message,
    locked_until,
    callback,
    backup_plan: redacted,
    backup_plan_title,
    banner,
    actions,
    refresh_at
});

/// A call back the client asked for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CallbackNotice {
    pub due_at: Timestamp,
    pub overdue: bool,
    pub text: String,
}

/// The client's Home for agreement `id` at `now`.
pub fn home(store: &mut Store, viewer: &Viewer, id: &AgreementId, now: Timestamp) -> Result<Home> {
    let decision = store.status(id, now)?;
    let view = store.agreement_shared(id)?;
    let terms = in_force(&view);
    let words = viewer.words();
    let (headline, message) = match decision.permission {
        Permission::LockedOut => {
            let until = viewer.when(decision.locked_until.unwrap_or(now), now);
            (
                words.say("home-locked-headline", &[("until", Arg::from(&until))]),
                words.say(
                    "home-locked-message",
                    &[("hours", Arg::from(decision.lockout_hours))],
                ),
            )
        }
        Permission::TherapistUnavailable => {
            let headline = match decision.next_available {
                Some(next) => {
                    let next = viewer.when(next, now);
                    words.say("home-away-headline", &[("next", Arg::from(&next))])
                }
                None => words.get("home-away-headline-open"),
            };
            let message = words.say(
                "home-away-message",
                &[("minutes", Arg::from(terms.return_call_minutes))],
            );
            (headline, message)
        }
        Permission::Allowed => {
            let message = match decision.available_until {
                Some(until) => {
                    let until = viewer.when(until, now);
                    words.say("home-allowed-message", &[("until", Arg::from(&until))])
                }
                None => words.get("home-allowed-message-open"),
            };
            (words.get("home-allowed-headline"), message)
        }
    };
    let callback = decision.pending_callbacks.first().map(|p| {
        let due = viewer.when(p.due_at, now);
        let id = if p.overdue {
            "home-callback-overdue"
        } else {
            "home-callback-due"
        };
        CallbackNotice {
            due_at: p.due_at,
            overdue: p.overdue,
            text: words.say(id, &[("due", Arg::from(&due))]),
        }
    });
    let needs_signature = view.assessment.missing.contains(&Role::Client)
        && view.assessment.status != AgreementStatus::Active;
    let banner = needs_signature.then(|| Button {
        kind: ButtonKind::SignAgreement,
        label: words.get("home-sign-banner"),
        uri: None,
        primary: false,
        action: Action::Open {
            route: Route::Agreement {
                agreement: id.clone(),
            },
        },
    });
    Ok(Home {
        agreement: id.clone(),
        can_call: decision.permission == Permission::Allowed,
        permission: decision.permission,
        headline,
        message,
        locked_until: decision.locked_until,
        callback,
        backup_plan: decision.backup_plan.clone(),
        backup_plan_title: words.get("home-backup-plan-title"),
        banner,
        actions: actions(viewer, id, &decision),
        refresh_at: refresh_at(&decision),
    })
}

/// The terms the rules apply now: the version both signed, or the draft if none.
pub(super) fn in_force(view: &AgreementView) -> &Terms {
    view.signed_versions
        .last()
        .map_or(&view.terms, |v| &v.signed.terms)
}

/// The buttons in display order: calling the therapist first when the client may;
/// otherwise the crisis resources first, the first of them primary.
fn actions(viewer: &Viewer, id: &AgreementId, decision: &Decision) -> Vec<Button> {
    let words = viewer.words();
    let agreement = || id.clone();
    let open = |kind, label: &str, route| Button {
        kind,
        label: words.get(label),
        uri: None,
        primary: false,
        action: Action::Open { route },
    };
    let call = match decision.permission {
        Permission::Allowed => Some(Button {
            primary: true,
            ..open(
                ButtonKind::CallTherapist,
                "home-call-therapist",
                Route::BeforeCall {
                    agreement: agreement(),
                },
            )
        }),
        Permission::TherapistUnavailable => Some(open(
            ButtonKind::RequestCallback,
            "home-request-callback",
            Route::BeforeCall {
                agreement: agreement(),
            },
        )),
        Permission::LockedOut => None,
    };
    let mut resources = resource_buttons(viewer, id, &decision.resources);
    let mut out = Vec::new();
    match call {
        Some(call) if call.primary => {
            out.push(call);
            out.append(&mut resources);
        }
        call => {
            if let Some(first) = resources.first_mut() {
                first.primary = true;
            }
            out.append(&mut resources);
            out.extend(call);
        }
    }
    out.push(open(
        ButtonKind::ReportBehavior,
        "home-report-behavior",
        Route::Report {
            agreement: agreement(),
        },
    ));
    out.push(open(
        ButtonKind::ReadAgreement,
        "home-read-agreement",
        Route::Agreement {
            agreement: agreement(),
        },
    ));
    out
}

/// A button per way to reach each resource: call, text, or both.
pub(super) fn resource_buttons(
    viewer: &Viewer,
    id: &AgreementId,
    resources: &[Resource],
) -> Vec<Button> {
    let words = viewer.words();
    let mut out = Vec::new();
    for r in resources {
        let (tel, sms) = uris(&r.contact);
        let name = Arg::from(&r.name);
        let button = |kind, label, uri, text| Button {
            kind,
            label: words.say(
                label,
                &[("name", name.clone()), ("contact", Arg::from(&r.contact))],
            ),
            uri,
            primary: false,
            action: Action::ContactResource {
                agreement: id.clone(),
                resource: r.id.clone(),
                text,
            },
        };
        if tel.is_none() && sms.is_none() {
            out.push(button(
                ButtonKind::CallResource,
                "home-resource",
                None,
                false,
            ));
        }
        if tel.is_some() {
            out.push(button(
                ButtonKind::CallResource,
                "home-call-resource",
                tel,
                false,
            ));
        }
        if sms.is_some() {
            out.push(button(
                ButtonKind::TextResource,
                "home-text-resource",
                sms,
                true,
            ));
        }
    }
    out
}

/// The next instant the decision changes by the clock alone.
fn refresh_at(decision: &Decision) -> Refresh {
    [
        decision.locked_until,
        decision.available_until,
        decision.next_available,
    ]
    .into_iter()
    .chain(
        decision
            .pending_callbacks
            .iter()
            .filter(|p| !p.overdue)
            .map(|p| Some(p.due_at)),
    )
    .flatten()
    .min()
}
