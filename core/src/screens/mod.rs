//! Every screen of the two apps, computed here (the Crux pattern, with typed records
//! instead of serialised bytes).
//!
//! A screen is a plain record computed from the store's projection and the rules at
//! one instant, for one [`Viewer`]: its sentences come from the catalogue
//! ([`crate::words`]) with times in the viewer's zone, its buttons carry the
//! [`Action`] to send back, and it says when it goes stale ([`Refresh`]). A user
//! action is a value applied through one entry point, [`act`], which returns the
//! [`Effect`]s the shell performs: dial, text, show a code, share a file, schedule a
//! sync, show a screen. The shells draw the records and perform the effects; no
//! sentence, rule or validation lives in them, so a journey is tested end to end
//! here in milliseconds, and the CLI prints the same records (`coachline screen`).
//!
//! Where an app starts: [`start`], then [`welcome`] on a new phone. The client's
//! screens: [`home()`], [`before_call`], [`during_call`], [`after_call`], [`report`],
//! [`agreement()`], [`pairing`], [`sync()`]. The therapist's: [`clients`],
//! [`new_client`], [`client`], [`session_prep`], [`editor`], [`invite`], and
//! [`agreement()`] and [`sync()`] too.

mod action;
mod agreement;
mod call;
mod clients;
mod contact;
mod home;
mod onboarding;
mod pairing;
mod report;
mod session_prep;
mod session_prep_html;
mod skills;

pub use action::{act, Action, Effect, Route};
pub use agreement::{
    agreement, editor, AgreementScreen, Editor, EditorTerm, Section, SignatureLine,
};
pub use call::{
    after_call, before_call, during_call, AfterCall, AfterCallDraft, BeforeCall, CallDraft,
    CallPhase, Choice, DuringCall, Field,
};
pub use clients::{client, clients, Attention, Client, ClientRow, Clients, LogLine};
pub use contact::uris;
pub use home::{home, CallbackNotice, Home};
pub use onboarding::{
    new_client, start, welcome, NewClient, NewClientDraft, Welcome, WelcomeDraft,
};
pub use pairing::{invite, pairing, sync, Invite, Pairing, SyncScreen};
pub use report::{report, Report, ReportDraft, ReportWhen};
pub use session_prep::{session_prep, SessionPrep, UrgePoint, WeekOfCalls, Window};
pub use session_prep_html::session_prep_html;
pub use skills::SKILLS;

use crate::error::Result;
use crate::model::TimeZone;
use crate::time::Timestamp;
use crate::words::Words;

/// Who looks at a screen: their time zone (every time in a sentence is in it) and
/// their language. The shell passes the phone's settings.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub time_zone: TimeZone,
    words: &'static Words,
}

impl Viewer {
    /// `time_zone` is an IANA name (`Europe/London`); `language` a BCP 47 tag, or
    /// none for English.
    pub fn new(time_zone: &str, language: Option<&str>) -> Result<Self> {
        Ok(Self {
            time_zone: time_zone.parse()?,
            words: Words::for_language(language),
        })
    }

    pub fn words(&self) -> &'static Words {
        self.words
    }

    /// An instant as this viewer would say it at `now` ("2:30 PM tomorrow").
    fn when(&self, at: Timestamp, now: Timestamp) -> String {
        self.words.when(at, now, self.time_zone.tz())
    }
}

/// A button: what it says, what kind of thing it does (for its icon and its place),
/// and the action to send back to [`act`] when it is tapped. `uri` is the `tel:` or
/// `sms:` address of a crisis resource, for a shell that links it directly.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Button {
    pub kind: ButtonKind,
    pub label: String,
    pub uri: Option<String>,
    /// Drawn larger and first: the one thing to do now.
    pub primary: bool,
    pub action: Action,
}

crate::redacted_debug!(Button {
    kind,
    label: redacted,
    uri: redacted,
    primary,
    action
});

/// What a button does, for the shell's icon and emphasis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonKind {
    CallTherapist,
    RequestCallback,
    CallResource,
    TextResource,
    ReportBehavior,
    ReadAgreement,
    SignAgreement,
    StartCall,
    EndCall,
    Save,
    ReturnCall,
    RecordSession,
    Invite,
    Join,
    SyncNow,
    Open,
}

/// When a screen goes stale by the clock alone (a lockout ends, hours begin, a
/// minute of a call passes): the shell computes it again then, or on a change
/// notification, whichever comes first.
pub type Refresh = Option<Timestamp>;
#[cfg(test)]
mod tests;
