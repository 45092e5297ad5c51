//! User actions, the one entry point that applies them, and the effects it returns.

use super::call::{AfterCallDraft, CallDraft};
use super::contact::uris;
use super::onboarding::{NewClientDraft, WelcomeDraft};
use super::report::ReportDraft;
use super::Viewer;
use crate::error::{Error, Result};
use crate::model::{AgreementId, EntryId, Role, TermKey};
use crate::store::{CallAttempt, Store};
use crate::time::Timestamp;
use crate::words::Arg;

/// A screen of either app, with what it needs to be computed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "screen", rename_all = "snake_case")]
pub enum Route {
    /// A new phone: whose it is.
    Welcome,
    /// A therapist drafts an agreement for a new client.
    NewClient,
    Home {
        agreement: AgreementId,
    },
    BeforeCall {
        agreement: AgreementId,
    },
    DuringCall {
        agreement: AgreementId,
        call: EntryId,
    },
    AfterCall {
        agreement: AgreementId,
        call: EntryId,
    },
    Report {
        agreement: AgreementId,
    },
    Agreement {
        agreement: AgreementId,
    },
    Pairing,
    Sync {
        agreement: AgreementId,
    },
    Clients,
    Client {
        agreement: AgreementId,
    },
    SessionPrep {
        agreement: AgreementId,
    },
    Editor {
        agreement: AgreementId,
    },
    Invite {
        agreement: AgreementId,
    },
}

/// Something a person did on a screen, as the core applies it.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Go to another screen.
    Open {
        route: Route,
    },
    /// Make this phone's identity (Welcome).
    CreateIdentity {
        draft: WelcomeDraft,
    },
    /// A therapist drafts an agreement for a new client, in the viewer's time zone.
    CreateAgreement {
        draft: NewClientDraft,
    },
    /// Reach a crisis resource: a call, or a text when `text`.
    ContactResource {
        agreement: AgreementId,
        resource: EntryId,
        text: bool,
    },
    /// Call the other party with the pre-call worksheet. A client's call during a
    /// lockout is declined and recorded, and Home shows the resources instead.
    StartCall {
        agreement: AgreementId,
        draft: CallDraft,
    },
    EndCall {
        agreement: AgreementId,
        call: EntryId,
        draft: AfterCallDraft,
    },
    ReportBehavior {
        agreement: AgreementId,
        draft: ReportDraft,
    },
    Sign {
        agreement: AgreementId,
    },
    /// Edit a term: a proposal until both sign it.
    ProposeTerm {
        agreement: AgreementId,
        term: TermKey,
        value: String,
    },
    /// The therapist returns a callback request.
    ReturnCall {
        agreement: AgreementId,
        request: EntryId,
    },
    /// The therapist records an in-person session now.
    RecordSession {
        agreement: AgreementId,
    },
    /// Make an invitation for the other party's phone.
    Invite {
        agreement: AgreementId,
    },
    /// Join the agreement an invitation names.
    Join {
        invitation: String,
    },
    /// Take the sync messages due for the other phone, to carry as files.
    SyncNow {
        agreement: AgreementId,
    },
}

/// Only the kind of action: its fields may hold what a person wrote.
impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Open { .. } => "Open",
            Action::CreateIdentity { .. } => "CreateIdentity",
            Action::CreateAgreement { .. } => "CreateAgreement",
            Action::ContactResource { .. } => "ContactResource",
            Action::StartCall { .. } => "StartCall",
            Action::EndCall { .. } => "EndCall",
            Action::ReportBehavior { .. } => "ReportBehavior",
            Action::Sign { .. } => "Sign",
            Action::ProposeTerm { .. } => "ProposeTerm",
            Action::ReturnCall { .. } => "ReturnCall",
            Action::RecordSession { .. } => "RecordSession",
            Action::Invite { .. } => "Invite",
            Action::Join { .. } => "Join",
            Action::SyncNow { .. } => "SyncNow",
        })
    }
}

/// What the shell must do after an action, in order.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// Show this screen (compute it and draw it).
    Show { route: Route },
    /// Open the phone's dialler with this `tel:` address.
    Dial { uri: String },
    /// Open the messages app with this `sms:` address.
    SendText { uri: String },
    /// Place the call to the other party of the agreement, with the number the
    /// person chose for them on this phone (an agreement holds no phone numbers).
    CallOtherParty { agreement: AgreementId },
    /// Show a short message that goes away by itself.
    Notify { text: String },
    /// Show this invitation as a QR code (and as text to copy), until `expires_at`.
    ShowCode {
        payload: String,
        expires_at: Timestamp,
    },
    /// Offer this file to the share sheet (a sync message to carry to the other phone).
    ShareFile { name: String, bytes: Vec<u8> },
    /// Run a sync pass no later than this.
    ScheduleSync { at: Timestamp },
    /// This agreement changed: screens showing it compute again.
    Refresh { agreement: AgreementId },
}

/// Only the kind of effect: its fields may hold contacts, codes or messages.
impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::Show { .. } => "Show",
            Effect::Dial { .. } => "Dial",
            Effect::SendText { .. } => "SendText",
            Effect::CallOtherParty { .. } => "CallOtherParty",
            Effect::Notify { .. } => "Notify",
            Effect::ShowCode { .. } => "ShowCode",
            Effect::ShareFile { .. } => "ShareFile",
            Effect::ScheduleSync { .. } => "ScheduleSync",
            Effect::Refresh { .. } => "Refresh",
        })
    }
}

/// Applies one action at `now`; returns what the shell must do. Bad input is an
/// [`Error::InvalidInput`] naming the field (the form screens show the catalogue's
/// words for it before the action is sent), and nothing is changed.
pub fn act(
    store: &mut Store,
    viewer: &Viewer,
    action: Action,
    now: Timestamp,
) -> Result<Vec<Effect>> {
    now.check("now")?;
    let words = viewer.words();
    Ok(match action {
        Action::Open { route } => vec![Effect::Show { route }],
        Action::CreateIdentity { draft } => {
            let (role, name) = draft.validated()?;
            store.init(role, &name, now)?;
            vec![Effect::Show {
                route: super::start(store)?,
            }]
        }
        Action::CreateAgreement { draft } => {
            let zone = viewer.time_zone.name();
            let agreement = store.create_agreement(&draft.client_name, Some(zone), now)?;
            vec![
                Effect::Refresh {
                    agreement: agreement.clone(),
                },
                Effect::Show {
                    route: Route::Editor { agreement },
                },
            ]
        }
        Action::ContactResource {
            agreement,
            resource,
            text,
        } => {
            let found = store
                .agreement_shared(&agreement)?
                .resources
                .iter()
                .find(|r| r.id == resource)
                .cloned()
                .ok_or_else(|| Error::not_found("resource", resource.as_str()))?;
            match (uris(&found.contact), text) {
                ((_, Some(uri)), true) => vec![Effect::SendText { uri }],
                ((Some(uri), _), false) => vec![Effect::Dial { uri }],
                _ => vec![Effect::Notify {
                    text: words.say(
                        "effect-resource-contact",
                        &[
                            ("name", Arg::from(&found.name)),
                            ("contact", Arg::from(&found.contact)),
                        ],
                    ),
                }],
            }
        }
        Action::StartCall { agreement, draft } => {
            let start = draft.validated()?;
            match store.start_call(&agreement, start, now)? {
                CallAttempt::Declined { .. } => vec![
                    Effect::Notify {
                        text: words.get("effect-call-declined"),
                    },
                    Effect::Refresh {
                        agreement: agreement.clone(),
                    },
                    Effect::Show {
                        route: Route::Home { agreement },
                    },
                ],
                CallAttempt::Started { id, .. } => vec![
                    Effect::CallOtherParty {
                        agreement: agreement.clone(),
                    },
                    Effect::Refresh {
                        agreement: agreement.clone(),
                    },
                    Effect::Show {
                        route: Route::DuringCall {
                            agreement,
                            call: id,
                        },
                    },
                ],
            }
        }
        Action::EndCall {
            agreement,
            call,
            draft,
        } => {
            store.end_call(&agreement, call.as_str(), draft.validated()?, now)?;
            let home = match store.whoami()?.role {
                Role::Client => Route::Home {
                    agreement: agreement.clone(),
                },
                Role::Therapist => Route::Client {
                    agreement: agreement.clone(),
                },
            };
            vec![Effect::Refresh { agreement }, Effect::Show { route: home }]
        }
        Action::ReportBehavior { agreement, draft } => {
            let (label, at) = draft.validated(store, &agreement, now)?;
            store.report_behavior(&agreement, label.as_deref(), at, now)?;
            vec![
                Effect::Notify {
                    text: words.get("effect-reported"),
                },
                Effect::Refresh {
                    agreement: agreement.clone(),
                },
                Effect::Show {
                    route: Route::Home { agreement },
                },
            ]
        }
        Action::Sign { agreement } => {
            store.sign(&agreement, now)?;
            vec![
                Effect::Notify {
                    text: words.get("effect-signed"),
                },
                Effect::Refresh { agreement },
            ]
        }
        Action::ProposeTerm {
            agreement,
            term,
            value,
        } => {
            store.set_term(&agreement, term, &value, now)?;
            vec![Effect::Refresh { agreement }]
        }
        Action::ReturnCall { agreement, request } => {
            store.return_call(&agreement, request.as_str(), now)?;
            vec![
                Effect::CallOtherParty {
                    agreement: agreement.clone(),
                },
                Effect::Refresh { agreement },
            ]
        }
        Action::RecordSession { agreement } => {
            store.record_session(&agreement, now, now)?;
            vec![Effect::Refresh { agreement }]
        }
        Action::Invite { agreement } => {
            let payload = store.invite(&agreement, now)?;
            let expires_at = now.plus_hours(crate::sync::invitation::VALID_HOURS);
            vec![Effect::ShowCode {
                payload,
                expires_at,
            }]
        }
        Action::Join { invitation } => {
            let agreement = store.join(&invitation, now)?;
            vec![
                Effect::ScheduleSync { at: now },
                Effect::Show {
                    route: Route::Sync { agreement },
                },
            ]
        }
        Action::SyncNow { agreement } => {
            let mut effects = Vec::new();
            while let Some(bytes) = store.sync_next(&agreement, now)? {
                let n = effects.len() + 1;
                effects.push(Effect::ShareFile {
                    name: format!("coachline-{}-{n}.sync", now.millis()),
                    bytes,
                });
            }
            if effects.is_empty() {
                effects.push(Effect::Notify {
                    text: words.get("effect-nothing-to-sync"),
                });
            }
            effects.push(Effect::ScheduleSync {
                at: now.plus_minutes(crate::sync::session::RESEND_AFTER_MINUTES),
            });
            effects
        }
    })
}
