//! Pairing the two phones (the client enters or scans the therapist's invitation;
//! the therapist shows one) and where their sync stands.

use super::action::Action;
use super::call::Field;
use super::{Button, ButtonKind, Refresh, Viewer};
use crate::error::{Error, InvitationProblem, Result};
use crate::model::{AgreementId, Role};
use crate::store::Store;
use crate::sync::invitation::Invitation;
use crate::time::Timestamp;
use crate::words::Arg;

/// The Pairing screen: where a client types or scans an invitation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Pairing {
    pub title: String,
    pub intro: String,
    pub code: Field,
    pub can_submit: bool,
    pub join: Button,
}

/// The Pairing screen with `code` as typed or scanned so far (checked: its form, its
/// signature, its expiry).
pub fn pairing(store: &mut Store, viewer: &Viewer, code: &str, now: Timestamp) -> Result<Pairing> {
    let words = viewer.words();
    let issuer = store.whoami()?.role.other();
    let problem = if code.trim().is_empty() {
        None
    } else {
        match Invitation::parse(code, issuer) {
            Ok(i) if i.is_expired(now) => Some(invitation_problem(InvitationProblem::Expired)),
            Ok(_) => None,
            Err(Error::InvitationRefused(p)) => Some(invitation_problem(p)),
            Err(_) => Some("invitation-malformed"),
        }
    };
    Ok(Pairing {
        title: words.get("pairing-title"),
        intro: words.get(match issuer {
            Role::Therapist => "pairing-intro",
            Role::Client => "pairing-intro-handover",
        }),
        code: Field {
            label: words.get("pairing-code"),
            hint: Some(words.get("pairing-code-hint")),
            problem: problem.map(|id| words.get(id)),
        },
        can_submit: problem.is_none() && !code.trim().is_empty(),
        join: Button {
            kind: ButtonKind::Join,
            label: words.get("pairing-join"),
            uri: None,
            primary: true,
            action: Action::Join {
                invitation: code.trim().to_owned(),
            },
        },
    })
}

fn invitation_problem(problem: InvitationProblem) -> &'static str {
    match problem {
        InvitationProblem::Expired => "invitation-expired",
        InvitationProblem::Forged => "invitation-forged",
        InvitationProblem::Spent => "invitation-spent",
        InvitationProblem::Malformed => "invitation-malformed",
    }
}

/// The Invite screen: the invitation to show as a QR code, while one is open.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invite {
    pub agreement: AgreementId,
    pub title: String,
    pub intro: String,
    /// The line the QR code encodes (and that can be read out or pasted).
    pub payload: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// "Valid until 2:30 PM on Thursday".
    pub expiry: Option<String>,
    /// Makes a new invitation (the open one stays valid until used or expired).
    pub make: Button,
    pub refresh_at: Refresh,
}

crate::redacted_debug!(Invite {
    agreement,
    title,
    intro,
    payload: redacted,
    expires_at,
    expiry,
    make,
    refresh_at
});

/// The Invite screen of agreement `id` at `now`.
pub fn invite(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    now: Timestamp,
) -> Result<Invite> {
    let words = viewer.words();
    let open = store.open_invitation(id, now)?;
    let expires_at = open.as_ref().map(|(_, at)| *at);
    Ok(Invite {
        agreement: id.clone(),
        title: words.get("invite-title"),
        intro: words.get(if open.is_some() {
            "invite-intro"
        } else {
            "invite-none"
        }),
        expiry: expires_at.map(|at| {
            let when = viewer.when(at, now);
            words.say("invite-expiry", &[("when", Arg::from(&when))])
        }),
        payload: open.map(|(line, _)| line),
        expires_at,
        make: Button {
            kind: ButtonKind::Invite,
            label: words.get("invite-make"),
            uri: None,
            primary: expires_at.is_none(),
            action: Action::Invite {
                agreement: id.clone(),
            },
        },
        refresh_at: expires_at,
    })
}

/// The Sync screen: when the phones last exchanged a message, and what is waiting.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SyncScreen {
    pub agreement: AgreementId,
    pub title: String,
    pub paired: bool,
    pub last_contact: Option<Timestamp>,
    /// "Last exchange with your therapist's phone: 2:30 PM today".
    pub status: String,
    /// "Changes are waiting to go to your therapist's phone", or that all is sent.
    pub waiting: String,
    pub sync: Button,
}

/// The Sync screen of agreement `id` at `now`.
pub fn sync(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    now: Timestamp,
) -> Result<SyncScreen> {
    let words = viewer.words();
    let status = store.sync_status(id, now)?;
    let peer_role = words.get(match store.whoami()?.role {
        Role::Client => "role-therapist",
        Role::Therapist => "role-client",
    });
    let peer = Arg::from(&peer_role);
    let (line, waiting) = match &status {
        None => (
            words.get("sync-unpaired"),
            words.get("sync-unpaired-waiting"),
        ),
        Some(s) => {
            let line = match s.last_contact {
                Some(at) => {
                    let when = viewer.when(at, now);
                    words.say(
                        "sync-last",
                        &[("peer", peer.clone()), ("when", Arg::from(&when))],
                    )
                }
                None => words.say("sync-never", &[("peer", peer.clone())]),
            };
            let waiting = if s.waiting_to_send || !s.has_agreement {
                words.say("sync-waiting", &[("peer", peer.clone())])
            } else {
                words.say("sync-up-to-date", &[("peer", peer.clone())])
            };
            (line, waiting)
        }
    };
    Ok(SyncScreen {
        agreement: id.clone(),
        title: words.get("sync-title"),
        paired: status.is_some(),
        last_contact: status.as_ref().and_then(|s| s.last_contact),
        status: line,
        waiting,
        sync: Button {
            kind: ButtonKind::SyncNow,
            label: words.get("sync-now"),
            uri: None,
            primary: status.as_ref().is_some_and(|s| s.message_due),
            action: Action::SyncNow {
                agreement: id.clone(),
            },
        },
    })
}
