//! The first screens: where an app starts, making this phone's identity (who holds
//! it: the client or the therapist, and their name), and, for a therapist, drafting
//! an agreement for a new client.

use super::action::{Action, Route};
use super::call::{Choice, Field};
use super::{Button, ButtonKind, Viewer};
use crate::error::{Error, Result};
use crate::model::{line, Role, TermKey};
use crate::store::Store;
use crate::words::Words;

/// The screen an app opens on: Welcome before this phone has an identity; the
/// Clients list for a therapist; for a client, Home of their agreement, or Sync
/// while a joined agreement has not arrived yet, or Pairing before joining one.
pub fn start(store: &mut Store) -> Result<Route> {
    let me = match store.whoami() {
        Ok(me) => me,
        Err(Error::NoIdentity) => return Ok(Route::Welcome),
        Err(e) => return Err(e),
    };
    if me.role == Role::Therapist {
        return Ok(Route::Clients);
    }
    if let Some(newest) = store.agreements_shared()?.last() {
        return Ok(Route::Home {
            agreement: newest.id.clone(),
        });
    }
    Ok(match store.peers()?.into_iter().last() {
        Some(peer) => Route::Sync {
            agreement: peer.agreement,
        },
        None => Route::Pairing,
    })
}

/// Who this phone belongs to, as filled in so far.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WelcomeDraft {
    pub role: Option<Role>,
    pub name: String,
}

crate::redacted_debug!(WelcomeDraft {
    role,
    name: redacted
});

impl WelcomeDraft {
    pub(super) fn validated(&self) -> Result<(Role, String)> {
        let role = self
            .role
            .ok_or_else(|| Error::invalid("role", "choose client or therapist"))?;
        Ok((role, line("name", &self.name, 200)?))
    }
}

/// The Welcome screen: the first thing a new phone shows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Welcome {
    pub title: String,
    pub intro: String,
    pub role: Field,
    /// `client` or `therapist`.
    pub roles: Vec<Choice>,
    pub name: Field,
    pub can_submit: bool,
    pub submit: Button,
}

/// The Welcome screen for `draft`, with each field's problem once it is filled in.
pub fn welcome(viewer: &Viewer, draft: &WelcomeDraft) -> Welcome {
    let words = viewer.words();
    let name_problem = (!draft.name.is_empty() && line("name", &draft.name, 200).is_err())
        .then(|| words.get("problem-name"));
    let roles = [
        (Role::Client, "welcome-client"),
        (Role::Therapist, "welcome-therapist"),
    ]
    .into_iter()
    .map(|(role, label)| Choice {
        value: role.as_str().to_owned(),
        label: words.get(label),
        selected: draft.role == Some(role),
    })
    .collect();
    Welcome {
        title: words.get("welcome-title"),
        intro: words.get("welcome-intro"),
        role: field(words, "welcome-role", None),
        roles,
        name: field(words, "welcome-name", name_problem),
        can_submit: draft.validated().is_ok(),
        submit: Button {
            kind: ButtonKind::Save,
            label: words.get("welcome-submit"),
            uri: None,
            primary: true,
            action: Action::CreateIdentity {
                draft: draft.clone(),
            },
        },
    }
}

/// A therapist's new client, as filled in so far.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NewClientDraft {
    pub client_name: String,
}

crate::redacted_debug!(NewClientDraft {
    client_name: redacted
});

/// The New-client screen: drafting an agreement from the seed form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NewClient {
    pub title: String,
    pub intro: String,
    pub name: Field,
    pub can_submit: bool,
    pub submit: Button,
}

/// The New-client screen for `draft`.
pub fn new_client(viewer: &Viewer, draft: &NewClientDraft) -> NewClient {
    let words = viewer.words();
    let valid = line(TermKey::ClientName.as_str(), &draft.client_name, 200).is_ok();
    let problem = (!draft.client_name.is_empty() && !valid).then(|| words.get("problem-name"));
    NewClient {
        title: words.get("new-client-title"),
        intro: words.get("new-client-intro"),
        name: field(words, "new-client-name", problem),
        can_submit: valid,
        submit: Button {
            kind: ButtonKind::Save,
            label: words.get("new-client-submit"),
            uri: None,
            primary: true,
            action: Action::CreateAgreement {
                draft: draft.clone(),
            },
        },
    }
}

fn field(words: &Words, label: &str, problem: Option<String>) -> Field {
    Field {
        label: words.get(label),
        hint: None,
        problem,
    }
}
