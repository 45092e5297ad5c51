//! [`CoachlineScreens`]: every screen of the two apps, computed by the core, and the
//! one entry point for what a person does on them ([`CoachlineScreens::act`]).
//!
//! The records here mirror `coachline_core::screens` field for field, with times as
//! milliseconds since the epoch (`…_ms`) and ids as strings, like the rest of the
//! surface. Shells draw them and perform the effects `act` returns; every sentence
//! in them comes from the core's catalogue, in the viewer's time zone.

use std::sync::Arc;

use coachline_core::model::{self, AgreementId, EntryId};
use coachline_core::screens::{self as core, Viewer};
use coachline_core::Timestamp;

use crate::convert::{instant, parse_agreement_id};
use crate::error::Result;
use crate::records::{AgreementStatus, CallReason, Permission, Role, TermKey};
use crate::store::CoachlineStore;

/// The screens of one store for one viewer (their time zone and language).
#[derive(uniffi::Object)]
pub struct CoachlineScreens {
    store: Arc<CoachlineStore>,
    viewer: Viewer,
}

#[uniffi::export]
impl CoachlineStore {
    /// The screens of this store for a viewer in `time_zone` (an IANA name such as
    /// `Europe/London`: the phone's zone), in `language` (a BCP 47 tag; English when
    /// absent or not translated yet). Every time in a sentence is in that zone.
    #[uniffi::method(default(language = None))]
    pub fn screens(
        self: Arc<Self>,
        time_zone: String,
        language: Option<String>,
    ) -> Result<Arc<CoachlineScreens>> {
        let viewer = Viewer::new(&time_zone, language.as_deref())?;
        Ok(Arc::new(CoachlineScreens {
            store: self,
            viewer,
        }))
    }
}

/// One agreement's Home, bound once: what a Home screen keeps and asks on every
/// refresh. Through JNA each argument that is not a plain number costs its own native
/// round trip (the id's string, an optional instant), so a handle asked with a plain
/// `Long` is the cheapest way to the answer (as `CallDecisions` is for the decision).
#[derive(uniffi::Object)]
pub struct HomeScreen {
    screens: Arc<CoachlineScreens>,
    id: AgreementId,
}

#[uniffi::export]
impl HomeScreen {
    /// Home at `now_ms` (milliseconds since the epoch).
    pub fn at(&self, now_ms: i64) -> Result<Home> {
        self.home_at(instant("now_ms", Some(now_ms))?)
    }

    /// Home now, by the system clock.
    pub fn now(&self) -> Result<Home> {
        self.home_at(Timestamp::now())
    }
}

impl HomeScreen {
    fn home_at(&self, now: Timestamp) -> Result<Home> {
        let (screens, id) = (&self.screens, &self.id);
        screens
            .store
            .screen(|s| Ok(core::home(s, &screens.viewer, id, now)?.into()))
    }
}

fn entry(field: &'static str, text: &str) -> Result<EntryId> {
    Ok(EntryId::parse(field, text)?)
}

#[uniffi::export]
impl CoachlineScreens {
    /// Agreement `agreement_id`'s Home as a handle to keep and ask often
    /// ([`HomeScreen`]); `NotFound` if the store has no such agreement.
    pub fn home_screen(self: Arc<Self>, agreement_id: String) -> Result<Arc<HomeScreen>> {
        let id = parse_agreement_id(&agreement_id)?;
        self.store
            .screen(|s| s.agreement_shared(&id).map(|_| ()).map_err(Into::into))?;
        Ok(Arc::new(HomeScreen { screens: self, id }))
    }

    /// The screen an app opens on: Welcome on a new phone, Clients for a therapist,
    /// Home (or Pairing, or Sync while a joined agreement is on its way) for a client.
    pub fn start(&self) -> Result<Route> {
        self.store.screen(|s| Ok(core::start(s)?.into()))
    }

    /// Welcome: whose phone this is, as `draft` has it so far.
    pub fn welcome(&self, draft: WelcomeDraft) -> Welcome {
        core::welcome(&self.viewer, &draft.to_core()).into()
    }

    /// A therapist's new client, as `draft` has it so far.
    pub fn new_client(&self, draft: NewClientDraft) -> NewClient {
        core::new_client(&self.viewer, &draft.to_core()).into()
    }

    /// The client's Home: may they call now, and what to do instead.
    #[uniffi::method(default(now_ms = None))]
    pub fn home(&self, agreement_id: String, now_ms: Option<i64>) -> Result<Home> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        self.store
            .screen(|s| Ok(core::home(s, &self.viewer, &id, now)?.into()))
    }

    /// Before a call: the worksheet `draft`, with each field's problem.
    #[uniffi::method(default(now_ms = None))]
    pub fn before_call(
        &self,
        agreement_id: String,
        draft: CallDraft,
        now_ms: Option<i64>,
    ) -> Result<BeforeCall> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        let draft = draft.to_core();
        self.store
            .screen(|s| Ok(core::before_call(s, &self.viewer, &id, &draft, now)?.into()))
    }

    /// During a call: how long it has lasted against the agreed band.
    #[uniffi::method(default(now_ms = None))]
    pub fn during_call(
        &self,
        agreement_id: String,
        call_id: String,
        now_ms: Option<i64>,
    ) -> Result<DuringCall> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        let call = entry("call id", &call_id)?;
        self.store
            .screen(|s| Ok(core::during_call(s, &self.viewer, &id, &call, now)?.into()))
    }

    /// After a call: what it brought, as `draft` has it so far.
    pub fn after_call(
        &self,
        agreement_id: String,
        call_id: String,
        draft: AfterCallDraft,
    ) -> Result<AfterCall> {
        let id = parse_agreement_id(&agreement_id)?;
        let call = entry("call id", &call_id)?;
        let draft = draft.to_core();
        self.store
            .screen(|s| Ok(core::after_call(s, &self.viewer, &id, &call, &draft)?.into()))
    }

    /// Reporting a behaviour, as `draft` has it so far, and what happens next.
    #[uniffi::method(default(now_ms = None))]
    pub fn report(
        &self,
        agreement_id: String,
        draft: ReportDraft,
        now_ms: Option<i64>,
    ) -> Result<ReportScreen> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        let draft = draft.to_core()?;
        self.store
            .screen(|s| Ok(core::report(s, &self.viewer, &id, &draft, now)?.into()))
    }

    /// The agreement in the seed form's order, who signed, and what changed.
    pub fn agreement(&self, agreement_id: String) -> Result<AgreementScreen> {
        let id = parse_agreement_id(&agreement_id)?;
        self.store
            .screen(|s| Ok(core::agreement(s, &self.viewer, &id)?.into()))
    }

    /// The agreement editor, with `editing` (a term and the text typed so far)
    /// validated.
    #[uniffi::method(default(editing = None))]
    pub fn editor(&self, agreement_id: String, editing: Option<TermEditDraft>) -> Result<Editor> {
        let id = parse_agreement_id(&agreement_id)?;
        self.store.screen(|s| {
            let editing = editing
                .as_ref()
                .map(|e| (model::TermKey::from(e.term), e.value.as_str()));
            Ok(core::editor(s, &self.viewer, &id, editing)?.into())
        })
    }

    /// Pairing: the invitation `code` as typed or scanned so far, checked.
    #[uniffi::method(default(now_ms = None))]
    pub fn pairing(&self, code: String, now_ms: Option<i64>) -> Result<Pairing> {
        let now = instant("now_ms", now_ms)?;
        self.store
            .screen(|s| Ok(core::pairing(s, &self.viewer, &code, now)?.into()))
    }

    /// The therapist's Invite screen: the open invitation as a QR payload, if any.
    #[uniffi::method(default(now_ms = None))]
    pub fn invite(&self, agreement_id: String, now_ms: Option<i64>) -> Result<Invite> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        self.store
            .screen(|s| Ok(core::invite(s, &self.viewer, &id, now)?.into()))
    }

    /// Where the sync with the other phone stands.
    #[uniffi::method(default(now_ms = None))]
    pub fn sync(&self, agreement_id: String, now_ms: Option<i64>) -> Result<SyncScreen> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        self.store
            .screen(|s| Ok(core::sync(s, &self.viewer, &id, now)?.into()))
    }

    /// The therapist's clients, most pressing first.
    #[uniffi::method(default(now_ms = None))]
    pub fn clients(&self, now_ms: Option<i64>) -> Result<Clients> {
        let now = instant("now_ms", now_ms)?;
        self.store
            .screen(|s| Ok(core::clients(s, &self.viewer, now)?.into()))
    }

    /// One client's log, newest first, with its flags.
    #[uniffi::method(default(now_ms = None))]
    pub fn client(&self, agreement_id: String, now_ms: Option<i64>) -> Result<Client> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        self.store
            .screen(|s| Ok(core::client(s, &self.viewer, &id, now)?.into()))
    }

    /// The preparation for the next session: the summary and the series to plot.
    #[uniffi::method(default(now_ms = None))]
    pub fn session_prep(&self, agreement_id: String, now_ms: Option<i64>) -> Result<SessionPrep> {
        let (id, now) = (
            parse_agreement_id(&agreement_id)?,
            instant("now_ms", now_ms)?,
        );
        self.store
            .screen(|s| Ok(core::session_prep(s, &self.viewer, &id, now)?.into()))
    }

    /// Applies what the person did; returns what the shell must do, in order. Bad
    /// input is `InvalidInput` naming the field, and changes nothing.
    #[uniffi::method(default(now_ms = None))]
    pub fn act(&self, action: Action, now_ms: Option<i64>) -> Result<Vec<Effect>> {
        let now = instant("now_ms", now_ms)?;
        let action = action.to_core()?;
        self.store.screen(|s| {
            Ok(core::act(s, &self.viewer, action, now)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }
}

/// A screen of either app, with what it needs.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Route {
    Welcome,
    NewClient,
    Home {
        agreement_id: String,
    },
    BeforeCall {
        agreement_id: String,
    },
    DuringCall {
        agreement_id: String,
        call_id: String,
    },
    AfterCall {
        agreement_id: String,
        call_id: String,
    },
    Report {
        agreement_id: String,
    },
    Agreement {
        agreement_id: String,
    },
    Pairing,
    Sync {
        agreement_id: String,
    },
    Clients,
    Client {
        agreement_id: String,
    },
    SessionPrep {
        agreement_id: String,
    },
    Editor {
        agreement_id: String,
    },
    Invite {
        agreement_id: String,
    },
}

impl From<core::Route> for Route {
    fn from(r: core::Route) -> Self {
        use core::Route as R;
        let s = |id: AgreementId| id.to_string();
        match r {
            R::Welcome => Route::Welcome,
            R::NewClient => Route::NewClient,
            R::Home { agreement } => Route::Home {
                agreement_id: s(agreement),
            },
            R::BeforeCall { agreement } => Route::BeforeCall {
                agreement_id: s(agreement),
            },
            R::DuringCall { agreement, call } => Route::DuringCall {
                agreement_id: s(agreement),
                call_id: call.to_string(),
            },
            R::AfterCall { agreement, call } => Route::AfterCall {
                agreement_id: s(agreement),
                call_id: call.to_string(),
            },
            R::Report { agreement } => Route::Report {
                agreement_id: s(agreement),
            },
            R::Agreement { agreement } => Route::Agreement {
                agreement_id: s(agreement),
            },
            R::Pairing => Route::Pairing,
            R::Sync { agreement } => Route::Sync {
                agreement_id: s(agreement),
            },
            R::Clients => Route::Clients,
            R::Client { agreement } => Route::Client {
                agreement_id: s(agreement),
            },
            R::SessionPrep { agreement } => Route::SessionPrep {
                agreement_id: s(agreement),
            },
            R::Editor { agreement } => Route::Editor {
                agreement_id: s(agreement),
            },
            R::Invite { agreement } => Route::Invite {
                agreement_id: s(agreement),
            },
        }
    }
}

impl Route {
    fn to_core(&self) -> Result<core::Route> {
        use core::Route as R;
        let a = |id: &str| parse_agreement_id(id);
        Ok(match self {
            Route::Welcome => R::Welcome,
            Route::NewClient => R::NewClient,
            Route::Home { agreement_id } => R::Home {
                agreement: a(agreement_id)?,
            },
            Route::BeforeCall { agreement_id } => R::BeforeCall {
                agreement: a(agreement_id)?,
            },
            Route::DuringCall {
                agreement_id,
                call_id,
            } => R::DuringCall {
                agreement: a(agreement_id)?,
                call: entry("call id", call_id)?,
            },
            Route::AfterCall {
                agreement_id,
                call_id,
            } => R::AfterCall {
                agreement: a(agreement_id)?,
                call: entry("call id", call_id)?,
            },
            Route::Report { agreement_id } => R::Report {
                agreement: a(agreement_id)?,
            },
            Route::Agreement { agreement_id } => R::Agreement {
                agreement: a(agreement_id)?,
            },
            Route::Pairing => R::Pairing,
            Route::Sync { agreement_id } => R::Sync {
                agreement: a(agreement_id)?,
            },
            Route::Clients => R::Clients,
            Route::Client { agreement_id } => R::Client {
                agreement: a(agreement_id)?,
            },
            Route::SessionPrep { agreement_id } => R::SessionPrep {
                agreement: a(agreement_id)?,
            },
            Route::Editor { agreement_id } => R::Editor {
                agreement: a(agreement_id)?,
            },
            Route::Invite { agreement_id } => R::Invite {
                agreement: a(agreement_id)?,
            },
        })
    }
}

/// The pre-call worksheet as filled in so far.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CallDraft {
    #[uniffi(default = None)]
    pub reason: Option<CallReason>,
    #[uniffi(default = "")]
    pub situation: String,
    #[uniffi(default = [])]
    pub tried: Vec<String>,
    /// 0 (none) to 5 (strongest).
    #[uniffi(default = None)]
    pub urge: Option<i64>,
}

coachline_core::redacted_debug!(CallDraft {
    reason,
    situation: redacted,
    tried: redacted,
    urge
});

impl CallDraft {
    fn to_core(&self) -> core::CallDraft {
        core::CallDraft {
            reason: self.reason.map(Into::into),
            situation: self.situation.clone(),
            tried: self.tried.clone(),
            urge: self.urge,
        }
    }
}

impl From<core::CallDraft> for CallDraft {
    fn from(d: core::CallDraft) -> Self {
        Self {
            reason: d.reason.map(Into::into),
            situation: d.situation,
            tried: d.tried,
            urge: d.urge,
        }
    }
}

/// What a call brought, as filled in so far.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct AfterCallDraft {
    #[uniffi(default = [])]
    pub suggested: Vec<String>,
    #[uniffi(default = None)]
    pub urge_after: Option<i64>,
    /// The call reached the other party (else it is recorded as missed).
    #[uniffi(default = true)]
    pub answered: bool,
}

coachline_core::redacted_debug!(AfterCallDraft {
    suggested: redacted,
    urge_after,
    answered
});

impl AfterCallDraft {
    fn to_core(&self) -> core::AfterCallDraft {
        core::AfterCallDraft {
            suggested: self.suggested.clone(),
            urge_after: self.urge_after,
            answered: self.answered,
        }
    }
}

impl From<core::AfterCallDraft> for AfterCallDraft {
    fn from(d: core::AfterCallDraft) -> Self {
        Self {
            suggested: d.suggested,
            urge_after: d.urge_after,
            answered: d.answered,
        }
    }
}

/// When a reported behaviour happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ReportWhen {
    Now,
    MinutesAgo { minutes: u32 },
    At { at_ms: i64 },
}

/// A behaviour report as filled in so far.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReportDraft {
    /// The id of one of the agreement's behaviours, or none.
    #[uniffi(default = None)]
    pub behavior_id: Option<String>,
    pub when: ReportWhen,
}

impl ReportDraft {
    fn to_core(&self) -> Result<core::ReportDraft> {
        Ok(core::ReportDraft {
            behavior: self
                .behavior_id
                .as_deref()
                .map(|b| entry("behavior id", b))
                .transpose()?,
            when: match self.when {
                ReportWhen::Now => core::ReportWhen::Now,
                ReportWhen::MinutesAgo { minutes } => core::ReportWhen::MinutesAgo { minutes },
                ReportWhen::At { at_ms } => core::ReportWhen::At {
                    at: instant("at_ms", Some(at_ms))?,
                },
            },
        })
    }
}

impl From<core::ReportDraft> for ReportDraft {
    fn from(d: core::ReportDraft) -> Self {
        Self {
            behavior_id: d.behavior.map(|b| b.to_string()),
            when: match d.when {
                core::ReportWhen::Now => ReportWhen::Now,
                core::ReportWhen::MinutesAgo { minutes } => ReportWhen::MinutesAgo { minutes },
                core::ReportWhen::At { at } => ReportWhen::At { at_ms: at.millis() },
            },
        }
    }
}

/// A term being edited: the text typed so far.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct TermEditDraft {
    pub term: TermKey,
    pub value: String,
}

coachline_core::redacted_debug!(TermEditDraft {
    term,
    value: redacted
});

/// Something a person did on a screen.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Action {
    CreateIdentity {
        draft: WelcomeDraft,
    },
    CreateAgreement {
        draft: NewClientDraft,
    },
    Open {
        route: Route,
    },
    ContactResource {
        agreement_id: String,
        resource_id: String,
        text: bool,
    },
    StartCall {
        agreement_id: String,
        draft: CallDraft,
    },
    EndCall {
        agreement_id: String,
        call_id: String,
        draft: AfterCallDraft,
    },
    ReportBehavior {
        agreement_id: String,
        draft: ReportDraft,
    },
    Sign {
        agreement_id: String,
    },
    ProposeTerm {
        agreement_id: String,
        term: TermKey,
        value: String,
    },
    ReturnCall {
        agreement_id: String,
        request_id: String,
    },
    RecordSession {
        agreement_id: String,
    },
    Invite {
        agreement_id: String,
    },
    Join {
        invitation: String,
    },
    SyncNow {
        agreement_id: String,
    },
}

/// Only the kind of action: its fields may hold what a person wrote.
impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
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
        };
        f.write_str(kind)
    }
}

impl Action {
    fn to_core(&self) -> Result<core::Action> {
        use core::Action as A;
        let a = |id: &str| parse_agreement_id(id);
        Ok(match self {
            Action::CreateIdentity { draft } => A::CreateIdentity {
                draft: draft.to_core(),
            },
            Action::CreateAgreement { draft } => A::CreateAgreement {
                draft: draft.to_core(),
            },
            Action::Open { route } => A::Open {
                route: route.to_core()?,
            },
            Action::ContactResource {
                agreement_id,
                resource_id,
                text,
            } => A::ContactResource {
                agreement: a(agreement_id)?,
                resource: entry("resource id", resource_id)?,
                text: *text,
            },
            Action::StartCall {
                agreement_id,
                draft,
            } => A::StartCall {
                agreement: a(agreement_id)?,
                draft: draft.to_core(),
            },
            Action::EndCall {
                agreement_id,
                call_id,
                draft,
            } => A::EndCall {
                agreement: a(agreement_id)?,
                call: entry("call id", call_id)?,
                draft: draft.to_core(),
            },
            Action::ReportBehavior {
                agreement_id,
                draft,
            } => A::ReportBehavior {
                agreement: a(agreement_id)?,
                draft: draft.to_core()?,
            },
            Action::Sign { agreement_id } => A::Sign {
                agreement: a(agreement_id)?,
            },
            Action::ProposeTerm {
                agreement_id,
                term,
                value,
            } => A::ProposeTerm {
                agreement: a(agreement_id)?,
                term: (*term).into(),
                value: value.clone(),
            },
            Action::ReturnCall {
                agreement_id,
                request_id,
            } => A::ReturnCall {
                agreement: a(agreement_id)?,
                request: entry("request id", request_id)?,
            },
            Action::RecordSession { agreement_id } => A::RecordSession {
                agreement: a(agreement_id)?,
            },
            Action::Invite { agreement_id } => A::Invite {
                agreement: a(agreement_id)?,
            },
            Action::Join { invitation } => A::Join {
                invitation: invitation.clone(),
            },
            Action::SyncNow { agreement_id } => A::SyncNow {
                agreement: a(agreement_id)?,
            },
        })
    }
}

impl From<core::Action> for Action {
    fn from(action: core::Action) -> Self {
        use core::Action as A;
        let s = |id: AgreementId| id.to_string();
        match action {
            A::CreateIdentity { draft } => Action::CreateIdentity {
                draft: draft.into(),
            },
            A::CreateAgreement { draft } => Action::CreateAgreement {
                draft: draft.into(),
            },
            A::Open { route } => Action::Open {
                route: route.into(),
            },
            A::ContactResource {
                agreement,
                resource,
                text,
            } => Action::ContactResource {
                agreement_id: s(agreement),
                resource_id: resource.to_string(),
                text,
            },
            A::StartCall { agreement, draft } => Action::StartCall {
                agreement_id: s(agreement),
                draft: draft.into(),
            },
            A::EndCall {
                agreement,
                call,
                draft,
            } => Action::EndCall {
                agreement_id: s(agreement),
                call_id: call.to_string(),
                draft: draft.into(),
            },
            A::ReportBehavior { agreement, draft } => Action::ReportBehavior {
                agreement_id: s(agreement),
                draft: draft.into(),
            },
            A::Sign { agreement } => Action::Sign {
                agreement_id: s(agreement),
            },
            A::ProposeTerm {
                agreement,
                term,
                value,
            } => Action::ProposeTerm {
                agreement_id: s(agreement),
                term: term.into(),
                value,
            },
            A::ReturnCall { agreement, request } => Action::ReturnCall {
                agreement_id: s(agreement),
                request_id: request.to_string(),
            },
            A::RecordSession { agreement } => Action::RecordSession {
                agreement_id: s(agreement),
            },
            A::Invite { agreement } => Action::Invite {
                agreement_id: s(agreement),
            },
            A::Join { invitation } => Action::Join { invitation },
            A::SyncNow { agreement } => Action::SyncNow {
                agreement_id: s(agreement),
            },
        }
    }
}

/// What the shell must do after an action.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Effect {
    /// Compute and draw this screen.
    Show { route: Route },
    /// Open the dialler with this `tel:` address.
    Dial { uri: String },
    /// Open the messages app with this `sms:` address.
    SendText { uri: String },
    /// Call the other party with the number the person keeps for them on this phone.
    CallOtherParty { agreement_id: String },
    /// A short message that goes away by itself.
    Notify { text: String },
    /// Show this invitation as a QR code until `expires_at_ms`.
    ShowCode { payload: String, expires_at_ms: i64 },
    /// Offer this file to the share sheet.
    ShareFile { name: String, bytes: Vec<u8> },
    /// Run a sync pass no later than this.
    ScheduleSync { at_ms: i64 },
    /// This agreement changed: screens showing it compute again.
    Refresh { agreement_id: String },
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

impl From<core::Effect> for Effect {
    fn from(e: core::Effect) -> Self {
        use core::Effect as E;
        match e {
            E::Show { route } => Effect::Show {
                route: route.into(),
            },
            E::Dial { uri } => Effect::Dial { uri },
            E::SendText { uri } => Effect::SendText { uri },
            E::CallOtherParty { agreement } => Effect::CallOtherParty {
                agreement_id: agreement.to_string(),
            },
            E::Notify { text } => Effect::Notify { text },
            E::ShowCode {
                payload,
                expires_at,
            } => Effect::ShowCode {
                payload,
                expires_at_ms: expires_at.millis(),
            },
            E::ShareFile { name, bytes } => Effect::ShareFile { name, bytes },
            E::ScheduleSync { at } => Effect::ScheduleSync { at_ms: at.millis() },
            E::Refresh { agreement } => Effect::Refresh {
                agreement_id: agreement.to_string(),
            },
        }
    }
}

/// What a button does, for its icon and its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
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

impl From<core::ButtonKind> for ButtonKind {
    fn from(k: core::ButtonKind) -> Self {
        use core::ButtonKind as K;
        match k {
            K::CallTherapist => Self::CallTherapist,
            K::RequestCallback => Self::RequestCallback,
            K::CallResource => Self::CallResource,
            K::TextResource => Self::TextResource,
            K::ReportBehavior => Self::ReportBehavior,
            K::ReadAgreement => Self::ReadAgreement,
            K::SignAgreement => Self::SignAgreement,
            K::StartCall => Self::StartCall,
            K::EndCall => Self::EndCall,
            K::Save => Self::Save,
            K::ReturnCall => Self::ReturnCall,
            K::RecordSession => Self::RecordSession,
            K::Invite => Self::Invite,
            K::Join => Self::Join,
            K::SyncNow => Self::SyncNow,
            K::Open => Self::Open,
        }
    }
}

/// A button: its words, what kind of thing it does, and the action to send to
/// `act` when tapped. `uri` is a crisis resource's `tel:` or `sms:` address.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Button {
    pub kind: ButtonKind,
    pub label: String,
    pub uri: Option<String>,
    /// Drawn larger and first: the one thing to do now.
    pub primary: bool,
    pub action: Action,
}

coachline_core::redacted_debug!(Button {
    kind,
    label: redacted,
    uri: redacted,
    primary,
    action
});

impl From<core::Button> for Button {
    fn from(b: core::Button) -> Self {
        Self {
            kind: b.kind.into(),
            label: b.label,
            uri: b.uri,
            primary: b.primary,
            action: b.action.into(),
        }
    }
}

fn ms(t: Timestamp) -> i64 {
    t.millis()
}

fn buttons(list: Vec<core::Button>) -> Vec<Button> {
    list.into_iter().map(Into::into).collect()
}

/// A call back the client asked for.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CallbackNotice {
    pub due_at_ms: i64,
    pub overdue: bool,
    pub text: String,
}

/// The client's Home.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Home {
    pub agreement_id: String,
    /// The answer to "can I call my therapist now?".
    pub can_call: bool,
    pub permission: Permission,
    pub headline: String,
    pub message: String,
    pub locked_until_ms: Option<i64>,
    pub callback: Option<CallbackNotice>,
    pub backup_plan: Option<String>,
    pub backup_plan_title: String,
    /// Shown when the agreement needs the client's signature.
    pub banner: Option<Button>,
    /// In display order: crisis resources first when the client cannot call.
    pub actions: Vec<Button>,
    /// Compute again at this instant, or on a change notification.
    pub refresh_at_ms: Option<i64>,
}

coachline_core::redacted_debug!(Home {
    agreement_id,
    can_call,
    permission,
    headline,
    message,
    locked_until_ms,
    callback,
    backup_plan: redacted,
    backup_plan_title,
    banner,
    actions,
    refresh_at_ms
});

impl From<core::Home> for Home {
    fn from(h: core::Home) -> Self {
        Self {
            agreement_id: h.agreement.to_string(),
            can_call: h.can_call,
            permission: h.permission.into(),
            headline: h.headline,
            message: h.message,
            locked_until_ms: h.locked_until.map(ms),
            callback: h.callback.map(|c| CallbackNotice {
                due_at_ms: c.due_at.millis(),
                overdue: c.overdue,
                text: c.text,
            }),
            backup_plan: h.backup_plan,
            backup_plan_title: h.backup_plan_title,
            banner: h.banner.map(Into::into),
            actions: buttons(h.actions),
            refresh_at_ms: h.refresh_at.map(ms),
        }
    }
}

/// A field's label, hint and problem.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Field {
    pub label: String,
    pub hint: Option<String>,
    pub problem: Option<String>,
}

impl From<core::Field> for Field {
    fn from(f: core::Field) -> Self {
        Self {
            label: f.label,
            hint: f.hint,
            problem: f.problem,
        }
    }
}

/// One option of a choice.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

coachline_core::redacted_debug!(Choice {
    value,
    label: redacted,
    selected
});

fn choices(list: Vec<core::Choice>) -> Vec<Choice> {
    list.into_iter()
        .map(|c| Choice {
            value: c.value,
            label: c.label,
            selected: c.selected,
        })
        .collect()
}

/// Before a call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BeforeCall {
    pub agreement_id: String,
    pub title: String,
    pub intro: String,
    pub will_be_declined: bool,
    pub reason: Field,
    pub reasons: Vec<Choice>,
    pub situation: Field,
    pub tried: Field,
    pub suggestions: Vec<String>,
    pub add_skill: String,
    pub urge: Field,
    pub urge_scale: Vec<Choice>,
    pub can_submit: bool,
    pub submit: Button,
}

impl From<core::BeforeCall> for BeforeCall {
    fn from(b: core::BeforeCall) -> Self {
        Self {
            agreement_id: b.agreement.to_string(),
            title: b.title,
            intro: b.intro,
            will_be_declined: b.will_be_declined,
            reason: b.reason.into(),
            reasons: choices(b.reasons),
            situation: b.situation.into(),
            tried: b.tried.into(),
            suggestions: b.suggestions,
            add_skill: b.add_skill,
            urge: b.urge.into(),
            urge_scale: choices(b.urge_scale),
            can_submit: b.can_submit,
            submit: b.submit.into(),
        }
    }
}

/// Where a call stands against the agreed band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CallPhase {
    Early,
    InBand,
    /// Past the band: a gentle cue, never a block.
    PastBand,
}

/// During a call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DuringCall {
    pub agreement_id: String,
    pub call_id: String,
    pub title: String,
    pub started_at_ms: i64,
    pub elapsed_minutes: i64,
    pub band_min: u32,
    pub band_max: u32,
    pub phase: CallPhase,
    pub progress: String,
    pub cue: Option<String>,
    pub end: Button,
    pub refresh_at_ms: Option<i64>,
}

impl From<core::DuringCall> for DuringCall {
    fn from(d: core::DuringCall) -> Self {
        Self {
            agreement_id: d.agreement.to_string(),
            call_id: d.call.to_string(),
            title: d.title,
            started_at_ms: d.started_at.millis(),
            elapsed_minutes: d.elapsed_minutes,
            band_min: d.band_min,
            band_max: d.band_max,
            phase: match d.phase {
                core::CallPhase::Early => CallPhase::Early,
                core::CallPhase::InBand => CallPhase::InBand,
                core::CallPhase::PastBand => CallPhase::PastBand,
            },
            progress: d.progress,
            cue: d.cue,
            end: d.end.into(),
            refresh_at_ms: d.refresh_at.map(ms),
        }
    }
}

/// After a call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AfterCall {
    pub agreement_id: String,
    pub call_id: String,
    pub title: String,
    pub suggested: Field,
    pub suggestions: Vec<String>,
    pub add_skill: String,
    pub urge_after: Field,
    pub urge_scale: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub can_submit: bool,
    pub submit: Button,
}

impl From<core::AfterCall> for AfterCall {
    fn from(a: core::AfterCall) -> Self {
        Self {
            agreement_id: a.agreement.to_string(),
            call_id: a.call.to_string(),
            title: a.title,
            suggested: a.suggested.into(),
            suggestions: a.suggestions,
            add_skill: a.add_skill,
            urge_after: a.urge_after.into(),
            urge_scale: choices(a.urge_scale),
            outcomes: choices(a.outcomes),
            can_submit: a.can_submit,
            submit: a.submit.into(),
        }
    }
}

/// Reporting a behaviour.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportScreen {
    pub agreement_id: String,
    pub title: String,
    pub intro: String,
    pub behavior_label: String,
    pub behaviors: Vec<Choice>,
    pub when_label: String,
    pub when: Vec<Choice>,
    pub when_problem: Option<String>,
    pub next: String,
    pub locks_until_ms: Option<i64>,
    /// The rule in the agreement's own words, when it states one.
    pub agreement_rule: Option<String>,
    pub can_submit: bool,
    pub submit: Button,
}

coachline_core::redacted_debug!(ReportScreen {
    agreement_id,
    title,
    intro,
    behavior_label,
    behaviors,
    when_label,
    when,
    when_problem,
    next,
    locks_until_ms,
    agreement_rule: redacted,
    can_submit,
    submit
});

impl From<core::Report> for ReportScreen {
    fn from(r: core::Report) -> Self {
        Self {
            agreement_id: r.agreement.to_string(),
            title: r.title,
            intro: r.intro,
            behavior_label: r.behavior_label,
            behaviors: choices(r.behaviors),
            when_label: r.when_label,
            when: choices(r.when),
            when_problem: r.when_problem,
            next: r.next,
            locks_until_ms: r.locks_until.map(ms),
            agreement_rule: r.agreement_rule,
            can_submit: r.can_submit,
            submit: r.submit.into(),
        }
    }
}

/// One part of the agreement form.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Section {
    pub key: String,
    pub title: String,
    pub items: Vec<String>,
    pub changed: bool,
    pub proposed: Option<Vec<String>>,
}

coachline_core::redacted_debug!(Section {
    key,
    title,
    items: redacted,
    changed,
    proposed: redacted
});

/// A signature as the form shows it.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignatureLine {
    pub role: Role,
    pub signed_at_ms: i64,
    pub text: String,
    pub current: bool,
}

coachline_core::redacted_debug!(SignatureLine {
    role,
    signed_at_ms,
    text: redacted,
    current
});

/// The agreement.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AgreementScreen {
    pub agreement_id: String,
    pub title: String,
    pub status: AgreementStatus,
    pub status_text: String,
    pub sections: Vec<Section>,
    pub signatures: Vec<SignatureLine>,
    pub changes: Vec<String>,
    pub changed_label: String,
    pub proposed_label: String,
    pub sign: Option<Button>,
}

impl From<core::AgreementScreen> for AgreementScreen {
    fn from(a: core::AgreementScreen) -> Self {
        Self {
            agreement_id: a.agreement.to_string(),
            title: a.title,
            status: a.status.into(),
            status_text: a.status_text,
            sections: a
                .sections
                .into_iter()
                .map(|s| Section {
                    key: s.key.to_owned(),
                    title: s.title,
                    items: s.items,
                    changed: s.changed,
                    proposed: s.proposed,
                })
                .collect(),
            signatures: a
                .signatures
                .into_iter()
                .map(|s| SignatureLine {
                    role: s.role.into(),
                    signed_at_ms: s.signed_at.millis(),
                    text: s.text,
                    current: s.current,
                })
                .collect(),
            changes: a.changes,
            changed_label: a.changed_label,
            proposed_label: a.proposed_label,
            sign: a.sign.map(Into::into),
        }
    }
}

/// One term in the editor.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct EditorTerm {
    pub key: TermKey,
    pub label: String,
    pub in_force: String,
    pub value: String,
    pub proposed: bool,
    pub problem: Option<String>,
    pub save: Button,
}

coachline_core::redacted_debug!(EditorTerm {
    key,
    label,
    in_force: redacted,
    value: redacted,
    proposed,
    problem,
    save
});

/// The agreement editor.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Editor {
    pub agreement_id: String,
    pub title: String,
    pub intro: String,
    pub terms: Vec<EditorTerm>,
}

impl From<core::Editor> for Editor {
    fn from(e: core::Editor) -> Self {
        Self {
            agreement_id: e.agreement.to_string(),
            title: e.title,
            intro: e.intro,
            terms: e
                .terms
                .into_iter()
                .map(|t| EditorTerm {
                    key: t.key.into(),
                    label: t.label,
                    in_force: t.in_force,
                    value: t.value,
                    proposed: t.proposed,
                    problem: t.problem,
                    save: t.save.into(),
                })
                .collect(),
        }
    }
}

/// Why a client needs the therapist's attention, most pressing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Attention {
    OverdueCallback,
    DeclinedAttempts,
    LockedOut,
    Unsigned,
    NotHeardFrom,
}

impl From<core::Attention> for Attention {
    fn from(a: core::Attention) -> Self {
        match a {
            core::Attention::OverdueCallback => Self::OverdueCallback,
            core::Attention::DeclinedAttempts => Self::DeclinedAttempts,
            core::Attention::LockedOut => Self::LockedOut,
            core::Attention::Unsigned => Self::Unsigned,
            core::Attention::NotHeardFrom => Self::NotHeardFrom,
        }
    }
}

/// One client in the list.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientRow {
    pub agreement_id: String,
    pub client_name: String,
    pub attention: Vec<Attention>,
    pub reason: String,
    pub open: Button,
}

coachline_core::redacted_debug!(ClientRow {
    agreement_id,
    client_name: redacted,
    attention,
    reason,
    open
});

/// The therapist's clients.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Clients {
    pub title: String,
    /// Most pressing first.
    pub rows: Vec<ClientRow>,
    pub invite: Button,
    /// Compute again at this instant (a call back falls due, a lockout ends).
    pub refresh_at_ms: Option<i64>,
}

impl From<core::Clients> for Clients {
    fn from(c: core::Clients) -> Self {
        Self {
            title: c.title,
            rows: c
                .rows
                .into_iter()
                .map(|r| ClientRow {
                    agreement_id: r.agreement.to_string(),
                    client_name: r.client_name,
                    attention: r.attention.into_iter().map(Into::into).collect(),
                    reason: r.reason,
                    open: r.open.into(),
                })
                .collect(),
            invite: c.invite.into(),
            refresh_at_ms: c.refresh_at.map(ms),
        }
    }
}

/// A flag beside a log entry.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Flag {
    /// `long`, `during_lockout`, `callback_request`, `overdue`, `declined`, `retracted`.
    pub code: String,
    pub label: String,
}

/// One entry of a client's log.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogLine {
    pub id: String,
    pub at_ms: i64,
    pub when: String,
    pub title: String,
    pub details: Vec<String>,
    pub flags: Vec<Flag>,
    pub return_call: Option<Button>,
}

coachline_core::redacted_debug!(LogLine {
    id,
    at_ms,
    when,
    title: redacted,
    details: redacted,
    flags,
    return_call
});

/// One client's log.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Client {
    pub agreement_id: String,
    pub client_name: String,
    pub title: String,
    pub log: Vec<LogLine>,
    pub actions: Vec<Button>,
}

coachline_core::redacted_debug!(Client {
    agreement_id,
    client_name: redacted,
    title: redacted,
    log,
    actions
});

impl From<core::Client> for Client {
    fn from(c: core::Client) -> Self {
        Self {
            agreement_id: c.agreement.to_string(),
            client_name: c.client_name,
            title: c.title,
            log: c
                .log
                .into_iter()
                .map(|l| LogLine {
                    id: l.id.to_string(),
                    at_ms: l.at.millis(),
                    when: l.when,
                    title: l.title,
                    details: l.details,
                    flags: l
                        .flags
                        .into_iter()
                        .map(|f| Flag {
                            code: f.code.to_owned(),
                            label: f.label,
                        })
                        .collect(),
                    return_call: l.return_call.map(Into::into),
                })
                .collect(),
            actions: buttons(c.actions),
        }
    }
}

/// The urges of one call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct UrgePoint {
    pub call_id: String,
    pub at_ms: i64,
    pub before: Option<u8>,
    pub after: Option<u8>,
}

/// One week of calls by reason.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct WeekOfCalls {
    pub starts_ms: i64,
    pub label: String,
    pub coaching: u32,
    pub clarification: u32,
    pub repair: u32,
    pub news: u32,
    pub declined: u32,
}

/// A lockout window.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Window {
    pub from_ms: i64,
    pub until_ms: i64,
    pub label: String,
}

/// The preparation for the next session.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionPrep {
    pub agreement_id: String,
    pub client_name: String,
    pub title: String,
    pub since_ms: i64,
    pub until_ms: i64,
    pub lines: Vec<String>,
    pub urges: Vec<UrgePoint>,
    pub weeks: Vec<WeekOfCalls>,
    pub lockouts: Vec<Window>,
    /// Urges, calls per week, lockouts.
    pub chart_titles: Vec<String>,
    /// Coaching, clarification, repair, news.
    pub reason_labels: Vec<String>,
}

coachline_core::redacted_debug!(SessionPrep {
    agreement_id,
    client_name: redacted,
    title: redacted,
    since_ms,
    until_ms,
    lines: redacted,
    urges,
    weeks,
    lockouts,
    chart_titles,
    reason_labels
});

impl From<core::SessionPrep> for SessionPrep {
    fn from(p: core::SessionPrep) -> Self {
        Self {
            agreement_id: p.agreement.to_string(),
            client_name: p.client_name,
            title: p.title,
            since_ms: p.since.millis(),
            until_ms: p.until.millis(),
            lines: p.lines,
            urges: p
                .urges
                .into_iter()
                .map(|u| UrgePoint {
                    call_id: u.call.to_string(),
                    at_ms: u.at.millis(),
                    before: u.before,
                    after: u.after,
                })
                .collect(),
            weeks: p
                .weeks
                .into_iter()
                .map(|w| WeekOfCalls {
                    starts_ms: w.starts.millis(),
                    label: w.label,
                    coaching: w.coaching,
                    clarification: w.clarification,
                    repair: w.repair,
                    news: w.news,
                    declined: w.declined,
                })
                .collect(),
            lockouts: p
                .lockouts
                .into_iter()
                .map(|w| Window {
                    from_ms: w.from.millis(),
                    until_ms: w.until.millis(),
                    label: w.label,
                })
                .collect(),
            chart_titles: p.chart_titles.to_vec(),
            reason_labels: p.reason_labels.to_vec(),
        }
    }
}

/// Pairing with an invitation.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Pairing {
    pub title: String,
    pub intro: String,
    pub code: Field,
    pub can_submit: bool,
    pub join: Button,
}

impl From<core::Pairing> for Pairing {
    fn from(p: core::Pairing) -> Self {
        Self {
            title: p.title,
            intro: p.intro,
            code: p.code.into(),
            can_submit: p.can_submit,
            join: p.join.into(),
        }
    }
}

/// The therapist's invitation, to show as a QR code.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Invite {
    pub agreement_id: String,
    pub title: String,
    pub intro: String,
    pub payload: Option<String>,
    pub expires_at_ms: Option<i64>,
    pub expiry: Option<String>,
    pub make: Button,
    pub refresh_at_ms: Option<i64>,
}

coachline_core::redacted_debug!(Invite {
    agreement_id,
    title,
    intro,
    payload: redacted,
    expires_at_ms,
    expiry,
    make,
    refresh_at_ms
});

impl From<core::Invite> for Invite {
    fn from(i: core::Invite) -> Self {
        Self {
            agreement_id: i.agreement.to_string(),
            title: i.title,
            intro: i.intro,
            payload: i.payload,
            expires_at_ms: i.expires_at.map(ms),
            expiry: i.expiry,
            make: i.make.into(),
            refresh_at_ms: i.refresh_at.map(ms),
        }
    }
}

/// Where the sync with the other phone stands.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncScreen {
    pub agreement_id: String,
    pub title: String,
    pub paired: bool,
    pub last_contact_ms: Option<i64>,
    pub status: String,
    pub waiting: String,
    pub sync: Button,
}

impl From<core::SyncScreen> for SyncScreen {
    fn from(s: core::SyncScreen) -> Self {
        Self {
            agreement_id: s.agreement.to_string(),
            title: s.title,
            paired: s.paired,
            last_contact_ms: s.last_contact.map(ms),
            status: s.status,
            waiting: s.waiting,
            sync: s.sync.into(),
        }
    }
}

/// Whose phone this is, as filled in so far.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct WelcomeDraft {
    #[uniffi(default = None)]
    pub role: Option<Role>,
    #[uniffi(default = "")]
    pub name: String,
}

coachline_core::redacted_debug!(WelcomeDraft {
    role,
    name: redacted
});

impl WelcomeDraft {
    fn to_core(&self) -> core::WelcomeDraft {
        core::WelcomeDraft {
            role: self.role.map(Into::into),
            name: self.name.clone(),
        }
    }
}

impl From<core::WelcomeDraft> for WelcomeDraft {
    fn from(d: core::WelcomeDraft) -> Self {
        Self {
            role: d.role.map(Into::into),
            name: d.name,
        }
    }
}

/// A therapist's new client, as filled in so far.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewClientDraft {
    #[uniffi(default = "")]
    pub client_name: String,
}

coachline_core::redacted_debug!(NewClientDraft {
    client_name: redacted
});

impl NewClientDraft {
    fn to_core(&self) -> core::NewClientDraft {
        core::NewClientDraft {
            client_name: self.client_name.clone(),
        }
    }
}

impl From<core::NewClientDraft> for NewClientDraft {
    fn from(d: core::NewClientDraft) -> Self {
        Self {
            client_name: d.client_name,
        }
    }
}

/// A new phone: whose it is.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
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

impl From<core::Welcome> for Welcome {
    fn from(w: core::Welcome) -> Self {
        Self {
            title: w.title,
            intro: w.intro,
            role: w.role.into(),
            roles: choices(w.roles),
            name: w.name.into(),
            can_submit: w.can_submit,
            submit: w.submit.into(),
        }
    }
}

/// A therapist drafts an agreement for a new client.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewClient {
    pub title: String,
    pub intro: String,
    pub name: Field,
    pub can_submit: bool,
    pub submit: Button,
}

impl From<core::NewClient> for NewClient {
    fn from(n: core::NewClient) -> Self {
        Self {
            title: n.title,
            intro: n.intro,
            name: n.name.into(),
            can_submit: n.can_submit,
            submit: n.submit.into(),
        }
    }
}
