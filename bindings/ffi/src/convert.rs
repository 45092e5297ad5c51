//! Conversions between the core's types and the records of the surface, and the
//! checks on what the foreign side passes in (instants, ids, counts).

use chrono::Datelike;
use coachline_core::backup;
use coachline_core::doc::Violation as CoreViolation;
use coachline_core::error::{
    BackupProblem as CoreBackupProblem, InvitationProblem as CoreProblem, Rejection,
};
use coachline_core::identity::{self, SignatureCheck};
use coachline_core::model::{self, AgreementId};
use coachline_core::rules::{self, summary};
use coachline_core::store::{self, AgreementListItem as CoreListItem, AgreementView};
use coachline_core::Timestamp;

use crate::error::{CoachlineError, Result};
use crate::records::*;

/// An instant from the foreign side: the given milliseconds, or the system clock
/// when none is given. The core refuses instants outside years 0–9999 (calendar
/// arithmetic in a time zone overflows near chrono's limits); this names the
/// parameter in the error.
pub fn instant(field: &str, ms: Option<i64>) -> Result<Timestamp> {
    match ms {
        None => Ok(Timestamp::now()),
        Some(ms) => Timestamp::checked("time", ms).map_err(|_| CoachlineError::InvalidInput {
            field: field.into(),
            reason: "expected milliseconds since 1970 for an instant in years 0 to 9999".into(),
        }),
    }
}

pub fn parse_agreement_id(text: &str) -> Result<AgreementId> {
    Ok(AgreementId::parse(text)?)
}

/// A count the foreign side passes as `i32`: refused if negative.
pub fn count(field: &str, n: i32) -> Result<usize> {
    usize::try_from(n).map_err(|_| CoachlineError::InvalidInput {
        field: field.into(),
        reason: "must not be negative".into(),
    })
}

impl From<model::Role> for Role {
    fn from(r: model::Role) -> Self {
        match r {
            model::Role::Client => Role::Client,
            model::Role::Therapist => Role::Therapist,
        }
    }
}

impl From<Role> for model::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Client => model::Role::Client,
            Role::Therapist => model::Role::Therapist,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        model::Role::from(*self).fmt(f)
    }
}

impl From<identity::AgreementStatus> for AgreementStatus {
    fn from(s: identity::AgreementStatus) -> Self {
        match s {
            identity::AgreementStatus::Draft => AgreementStatus::Draft,
            identity::AgreementStatus::AwaitingSignatures => AgreementStatus::AwaitingSignatures,
            identity::AgreementStatus::Active => AgreementStatus::Active,
            identity::AgreementStatus::NeedsResigning => AgreementStatus::NeedsResigning,
        }
    }
}

impl From<identity::SignatureProblem> for SignatureProblem {
    fn from(p: identity::SignatureProblem) -> Self {
        match p {
            identity::SignatureProblem::DoesNotVerify => SignatureProblem::DoesNotVerify,
            identity::SignatureProblem::KeyMismatch => SignatureProblem::KeyMismatch,
        }
    }
}

impl From<TermKey> for model::TermKey {
    fn from(k: TermKey) -> Self {
        match k {
            TermKey::ClientName => model::TermKey::ClientName,
            TermKey::TherapistName => model::TermKey::TherapistName,
            TermKey::Rationale => model::TermKey::Rationale,
            TermKey::Reasons => model::TermKey::Reasons,
            TermKey::Goals => model::TermKey::Goals,
            TermKey::Expectations => model::TermKey::Expectations,
            TermKey::LockoutHours => model::TermKey::LockoutHours,
            TermKey::CallMinutes => model::TermKey::CallMinutes,
            TermKey::ReturnCallMinutes => model::TermKey::ReturnCallMinutes,
            TermKey::TimeZone => model::TermKey::TimeZone,
            TermKey::Availability => model::TermKey::Availability,
            TermKey::BackupPlan => model::TermKey::BackupPlan,
        }
    }
}

impl From<model::TermKey> for TermKey {
    fn from(k: model::TermKey) -> Self {
        match k {
            model::TermKey::ClientName => TermKey::ClientName,
            model::TermKey::TherapistName => TermKey::TherapistName,
            model::TermKey::Rationale => TermKey::Rationale,
            model::TermKey::Reasons => TermKey::Reasons,
            model::TermKey::Goals => TermKey::Goals,
            model::TermKey::Expectations => TermKey::Expectations,
            model::TermKey::LockoutHours => TermKey::LockoutHours,
            model::TermKey::CallMinutes => TermKey::CallMinutes,
            model::TermKey::ReturnCallMinutes => TermKey::ReturnCallMinutes,
            model::TermKey::TimeZone => TermKey::TimeZone,
            model::TermKey::Availability => TermKey::Availability,
            model::TermKey::BackupPlan => TermKey::BackupPlan,
        }
    }
}

impl From<model::CallReason> for CallReason {
    fn from(r: model::CallReason) -> Self {
        match r {
            model::CallReason::Coaching => CallReason::Coaching,
            model::CallReason::Clarification => CallReason::Clarification,
            model::CallReason::Repair => CallReason::Repair,
            model::CallReason::News => CallReason::News,
        }
    }
}

impl From<CallReason> for model::CallReason {
    fn from(r: CallReason) -> Self {
        match r {
            CallReason::Coaching => model::CallReason::Coaching,
            CallReason::Clarification => model::CallReason::Clarification,
            CallReason::Repair => model::CallReason::Repair,
            CallReason::News => model::CallReason::News,
        }
    }
}

impl From<model::CallOutcome> for CallOutcome {
    fn from(o: model::CallOutcome) -> Self {
        match o {
            model::CallOutcome::Completed => CallOutcome::Completed,
            model::CallOutcome::Missed => CallOutcome::Missed,
            model::CallOutcome::Declined => CallOutcome::Declined,
        }
    }
}

impl EndOutcome {
    fn as_str(self) -> &'static str {
        match self {
            EndOutcome::Completed => "completed",
            EndOutcome::Missed => "missed",
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(d: chrono::Weekday) -> Self {
        match d {
            chrono::Weekday::Mon => Weekday::Monday,
            chrono::Weekday::Tue => Weekday::Tuesday,
            chrono::Weekday::Wed => Weekday::Wednesday,
            chrono::Weekday::Thu => Weekday::Thursday,
            chrono::Weekday::Fri => Weekday::Friday,
            chrono::Weekday::Sat => Weekday::Saturday,
            chrono::Weekday::Sun => Weekday::Sunday,
        }
    }
}

/// Small numbers the core keeps as unsigned (hours, minutes, urges), as `i32`.
/// They are bounded far below `i32::MAX` by the core's validation.
fn small(n: impl Into<u32>) -> i32 {
    i32::try_from(n.into()).unwrap_or(i32::MAX)
}

impl From<Rejection> for SyncRejection {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::Malformed => SyncRejection::Malformed,
            Rejection::WrongRecipient => SyncRejection::WrongRecipient,
            Rejection::UnknownSender => SyncRejection::UnknownSender,
            Rejection::Replayed => SyncRejection::Replayed,
            Rejection::Tampered => SyncRejection::Tampered,
            Rejection::InvalidContent => SyncRejection::InvalidContent,
            Rejection::Busy => SyncRejection::Busy,
            Rejection::TooLarge => SyncRejection::TooLarge,
        }
    }
}

impl From<SyncRejection> for Rejection {
    fn from(r: SyncRejection) -> Self {
        match r {
            SyncRejection::Malformed => Rejection::Malformed,
            SyncRejection::WrongRecipient => Rejection::WrongRecipient,
            SyncRejection::UnknownSender => Rejection::UnknownSender,
            SyncRejection::Replayed => Rejection::Replayed,
            SyncRejection::Tampered => Rejection::Tampered,
            SyncRejection::InvalidContent => Rejection::InvalidContent,
            SyncRejection::Busy => Rejection::Busy,
            SyncRejection::TooLarge => Rejection::TooLarge,
        }
    }
}

/// The core's sentence for the rejection.
impl std::fmt::Display for SyncRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Rejection::from(*self).fmt(f)
    }
}

impl From<CoreViolation> for Violation {
    fn from(v: CoreViolation) -> Self {
        match v {
            CoreViolation::ForeignDocument => Violation::ForeignDocument,
            CoreViolation::HeaderChanged => Violation::HeaderChanged,
            CoreViolation::Deletion => Violation::Deletion,
            CoreViolation::HistoryRewritten => Violation::HistoryRewritten,
            CoreViolation::Malformed => Violation::Malformed,
            CoreViolation::NotPermitted => Violation::NotPermitted,
        }
    }
}

impl From<Violation> for CoreViolation {
    fn from(v: Violation) -> Self {
        match v {
            Violation::ForeignDocument => CoreViolation::ForeignDocument,
            Violation::HeaderChanged => CoreViolation::HeaderChanged,
            Violation::Deletion => CoreViolation::Deletion,
            Violation::HistoryRewritten => CoreViolation::HistoryRewritten,
            Violation::Malformed => CoreViolation::Malformed,
            Violation::NotPermitted => CoreViolation::NotPermitted,
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        CoreViolation::from(*self).fmt(f)
    }
}

/// The core's seal for an export; `None` for a plain one. The passphrase moves into
/// the core's type, which zeroizes it when dropped.
pub fn seal(seal: BackupSeal) -> Result<Option<backup::Seal>> {
    Ok(match seal {
        BackupSeal::Passphrase { passphrase } => Some(backup::Seal::Passphrase(
            backup::Passphrase::new(passphrase)?,
        )),
        BackupSeal::Recipient { recipient } => Some(backup::Seal::Recipient(recipient.parse()?)),
        BackupSeal::Plain => None,
    })
}

/// The core's means to open a sealed export. The identity file's text is zeroized
/// once read.
pub fn unseal(unseal: BackupUnseal) -> Result<backup::Unseal> {
    Ok(match unseal {
        BackupUnseal::Passphrase { passphrase } => {
            backup::Unseal::Passphrase(backup::Passphrase::new(passphrase)?)
        }
        BackupUnseal::Identity { identity } => {
            let identity = zeroize::Zeroizing::new(identity);
            backup::Unseal::Identity(backup::Identity::parse(&identity)?)
        }
    })
}

impl From<CoreBackupProblem> for BackupProblem {
    fn from(p: CoreBackupProblem) -> Self {
        match p {
            CoreBackupProblem::NeedsPassphrase => BackupProblem::NeedsPassphrase,
            CoreBackupProblem::NeedsIdentity => BackupProblem::NeedsIdentity,
            CoreBackupProblem::WrongKey => BackupProblem::WrongKey,
            CoreBackupProblem::Tampered => BackupProblem::Tampered,
            CoreBackupProblem::TooCostly => BackupProblem::TooCostly,
        }
    }
}

impl From<BackupProblem> for CoreBackupProblem {
    fn from(p: BackupProblem) -> Self {
        match p {
            BackupProblem::NeedsPassphrase => CoreBackupProblem::NeedsPassphrase,
            BackupProblem::NeedsIdentity => CoreBackupProblem::NeedsIdentity,
            BackupProblem::WrongKey => CoreBackupProblem::WrongKey,
            BackupProblem::Tampered => CoreBackupProblem::Tampered,
            BackupProblem::TooCostly => CoreBackupProblem::TooCostly,
        }
    }
}

/// The core's sentence, as the error's message.
impl std::fmt::Display for BackupProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        CoreBackupProblem::from(*self).fmt(f)
    }
}

impl From<CoreProblem> for InvitationProblem {
    fn from(p: CoreProblem) -> Self {
        match p {
            CoreProblem::Malformed => InvitationProblem::Malformed,
            CoreProblem::Forged => InvitationProblem::Forged,
            CoreProblem::Expired => InvitationProblem::Expired,
            CoreProblem::Spent => InvitationProblem::Spent,
        }
    }
}

impl From<InvitationProblem> for CoreProblem {
    fn from(p: InvitationProblem) -> Self {
        match p {
            InvitationProblem::Malformed => CoreProblem::Malformed,
            InvitationProblem::Forged => CoreProblem::Forged,
            InvitationProblem::Expired => CoreProblem::Expired,
            InvitationProblem::Spent => CoreProblem::Spent,
        }
    }
}

impl From<coachline_core::error::RelayProblem> for RelayProblem {
    fn from(p: coachline_core::error::RelayProblem) -> Self {
        use coachline_core::error::RelayProblem as Core;
        match p {
            Core::NoRelay => Self::NoRelay,
            Core::Refused(code) => Self::Refused {
                code: code.as_str().into(),
            },
            Core::UnexpectedAnswer { status } => Self::UnexpectedAnswer { status },
            Core::OutOfTurn => Self::OutOfTurn,
        }
    }
}

/// The core's sentence for the problem.
impl std::fmt::Display for RelayProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use coachline_core::error::RelayProblem as Core;
        match self {
            Self::NoRelay => Core::NoRelay.fmt(f),
            Self::Refused { code } => write!(f, "the relay refused the request ({code})"),
            Self::UnexpectedAnswer { status } => Core::UnexpectedAnswer { status: *status }.fmt(f),
            Self::OutOfTurn => Core::OutOfTurn.fmt(f),
        }
    }
}

/// The core's sentence for the problem.
impl std::fmt::Display for InvitationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        CoreProblem::from(*self).fmt(f)
    }
}

impl From<store::PeerInfo> for PeerInfo {
    fn from(p: store::PeerInfo) -> Self {
        Self {
            agreement_id: p.agreement.to_string(),
            role: p.role.into(),
            fingerprint: p.fingerprint,
            sync_key_fingerprint: p.sync_key_fingerprint,
            paired_at_ms: p.paired_at.millis(),
            confirmed: p.confirmed,
            has_agreement: p.has_agreement,
        }
    }
}

impl From<store::SyncOutcome> for SyncOutcome {
    fn from(o: store::SyncOutcome) -> Self {
        Self {
            agreement_id: o.agreement.to_string(),
            buffered: o.buffered,
            created: o.created,
            changed: o.changed,
            paired: o.paired,
        }
    }
}

impl From<store::IdentityInfo> for IdentityInfo {
    fn from(i: store::IdentityInfo) -> Self {
        Self {
            role: i.role.into(),
            name: i.name,
            public_key_hex: i.public_key,
            fingerprint: i.fingerprint,
        }
    }
}

impl From<CoreListItem> for AgreementListItem {
    fn from(a: CoreListItem) -> Self {
        Self {
            id: a.id.to_string(),
            client_name: a.client_name,
            therapist_name: a.therapist_name,
            status: a.status.into(),
        }
    }
}

impl From<model::Terms> for Terms {
    fn from(t: model::Terms) -> Self {
        Self {
            availability: t.availability.to_string(),
            availability_slots: t
                .availability
                .slots()
                .iter()
                .map(|s| AvailabilitySlot {
                    day: s.day.into(),
                    start_minute: small(s.start_minute),
                    end_minute: small(s.end_minute),
                })
                .collect(),
            client_name: t.client_name,
            therapist_name: t.therapist_name,
            rationale: t.rationale,
            reasons: t.reasons,
            goals: t.goals,
            expectations: t.expectations,
            lockout_hours: small(t.lockout_hours),
            call_minutes_min: small(t.call_minutes.min),
            call_minutes_max: small(t.call_minutes.max),
            return_call_minutes: small(t.return_call_minutes),
            time_zone: t.time_zone.to_string(),
            backup_plan: t.backup_plan,
        }
    }
}

impl From<model::Resource> for Resource {
    fn from(r: model::Resource) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name,
            contact: r.contact,
        }
    }
}

impl From<model::Behavior> for Behavior {
    fn from(b: model::Behavior) -> Self {
        Self {
            id: b.id.to_string(),
            label: b.label,
            triggers_lockout: b.triggers_lockout,
            removed: b.removed,
        }
    }
}

/// A calendar day as `YYYY-MM-DD`, whatever chrono's default formatting does for
/// years outside 0–9999.
fn day(d: chrono::NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

impl From<model::Holiday> for Holiday {
    fn from(h: model::Holiday) -> Self {
        Self {
            id: h.id.to_string(),
            first_day: day(h.from),
            last_day: day(h.to),
            note: h.note,
        }
    }
}

impl From<SignatureCheck> for SignatureInfo {
    fn from(s: SignatureCheck) -> Self {
        let r = s.record.signature;
        Self {
            id: r.id.to_string(),
            role: r.role.into(),
            fingerprint: identity::fingerprint(&r.public_key),
            public_key_hex: hex::encode(&r.public_key),
            terms_hash_hex: hex::encode(&r.terms_hash),
            name: r.name,
            signed_at_ms: r.signed_at.millis(),
            valid: s.valid,
            current: s.current,
            problem: s.problem.map(Into::into),
        }
    }
}

impl From<AgreementView> for Agreement {
    fn from(v: AgreementView) -> Self {
        Self {
            id: v.id.to_string(),
            created_at_ms: v.created_at.millis(),
            terms: v.terms.into(),
            resources: v.resources.into_iter().map(Into::into).collect(),
            behaviors: v.behaviors.into_iter().map(Into::into).collect(),
            holidays: v.holidays.into_iter().map(Into::into).collect(),
            terms_hash_hex: hex::encode(v.terms_hash),
            status: v.assessment.status.into(),
            missing_signatures: v.assessment.missing.into_iter().map(Into::into).collect(),
            signatures: v
                .assessment
                .signatures
                .into_iter()
                .map(Into::into)
                .collect(),
            in_force: v.signed_versions.last().map(|version| TermsInForce {
                since_ms: version.since.millis(),
                terms_hash_hex: hex::encode(version.signed.hash),
                terms: version.signed.terms.clone().into(),
            }),
            paired_phones: v
                .paired_phones
                .into_iter()
                .map(|p| PairedPhone {
                    role: p.role.into(),
                    fingerprint: p.fingerprint,
                    paired_at_ms: p.paired_at.millis(),
                    valid: p.valid,
                })
                .collect(),
            proposal: v.proposal.map(|p| Proposal {
                terms: p.terms.into_iter().map(Into::into).collect(),
                resources: p.resources,
                behaviors: p.behaviors,
            }),
        }
    }
}

impl From<store::ImportOutcome> for ImportOutcome {
    fn from(o: store::ImportOutcome) -> Self {
        Self {
            agreement_id: o.id.to_string(),
            created: o.created,
            changed: o.changed,
        }
    }
}

impl CallWorksheet {
    pub fn to_core(&self) -> Result<model::CallStart> {
        Ok(model::CallStart::new(
            self.reason.into(),
            self.situation.as_deref(),
            &self.tried,
            self.urge_before.map(i64::from),
        )?)
    }
}

impl CallEnding {
    pub fn to_core(&self) -> Result<model::CallEnd> {
        Ok(model::CallEnd::new(
            &self.suggested,
            self.urge_after.map(i64::from),
            Some(self.outcome.as_str()),
        )?)
    }
}

impl From<model::Call> for Call {
    fn from(c: model::Call) -> Self {
        Self {
            id: c.id.to_string(),
            reason: c.reason.into(),
            started_by: c.started_by.into(),
            started_at_ms: c.started_at.millis(),
            ended_at_ms: c.ended_at.map(Timestamp::millis),
            situation: c.situation,
            tried: c.tried,
            urge_before: c.urge_before.map(|u| small(u.value())),
            suggested: c.suggested,
            urge_after: c.urge_after.map(|u| small(u.value())),
            outcome: c.outcome.map(Into::into),
            returns_call_id: c.returns.map(|id| id.to_string()),
            shown_resources: c.shown_resources,
        }
    }
}

impl From<rules::CallbackRequest> for CallbackRequest {
    fn from(c: rules::CallbackRequest) -> Self {
        Self {
            call_id: c.call_id.to_string(),
            requested_at_ms: c.requested_at.millis(),
            due_at_ms: c.due_at.millis(),
            returned_at_ms: c.returned_at.map(Timestamp::millis),
            met_in_time: c.met_in_time,
        }
    }
}

impl From<rules::CallFlags> for CallFlags {
    fn from(f: rules::CallFlags) -> Self {
        Self {
            long: f.long,
            during_lockout: f.during_lockout,
            callback: f.callback.map(Into::into),
        }
    }
}

impl From<store::LogEntry> for LogEntry {
    fn from(e: store::LogEntry) -> Self {
        match e {
            store::LogEntry::Call { call, flags } => LogEntry::CallEntry {
                call: call.into(),
                flags: flags.into(),
            },
            store::LogEntry::Report { report, behavior } => LogEntry::ReportEntry {
                report: Report {
                    id: report.id.to_string(),
                    behavior: behavior.map(Into::into),
                    occurred_at_ms: report.occurred_at.millis(),
                    reported_at_ms: report.reported_at.millis(),
                    reported_by: report.reported_by.into(),
                    retracted_at_ms: report.retracted_at.map(Timestamp::millis),
                },
            },
        }
    }
}

impl From<rules::Permission> for Permission {
    fn from(p: rules::Permission) -> Self {
        match p {
            rules::Permission::Allowed => Permission::Allowed,
            rules::Permission::LockedOut => Permission::LockedOut,
            rules::Permission::TherapistUnavailable => Permission::TherapistUnavailable,
        }
    }
}

impl From<rules::PendingCallback> for PendingCallback {
    fn from(p: rules::PendingCallback) -> Self {
        Self {
            call_id: p.call_id.to_string(),
            requested_at_ms: p.requested_at.millis(),
            due_at_ms: p.due_at.millis(),
            overdue: p.overdue,
        }
    }
}

impl From<rules::Decision> for Decision {
    fn from(d: rules::Decision) -> Self {
        Self {
            permission: d.permission.into(),
            locked_until_ms: d.locked_until.map(Timestamp::millis),
            available: d.available,
            available_until_ms: d.available_until.map(Timestamp::millis),
            next_available_ms: d.next_available.map(Timestamp::millis),
            pending_callbacks: d.pending_callbacks.into_iter().map(Into::into).collect(),
            resources: d.resources.into_iter().map(Into::into).collect(),
            show_backup_plan: d.show_backup_plan,
            backup_plan: d.backup_plan,
            message: d.message,
        }
    }
}

impl From<store::CallAttempt> for CallAttempt {
    fn from(a: store::CallAttempt) -> Self {
        match a {
            store::CallAttempt::Started { id, callback_due } => CallAttempt::Started {
                call_id: id.to_string(),
                callback_due_ms: callback_due.map(Timestamp::millis),
            },
            store::CallAttempt::Declined { id, decision } => CallAttempt::Declined {
                call_id: id.to_string(),
                decision: decision.into(),
            },
        }
    }
}

/// A count the core keeps as `usize`, as `i32` (saturating: a log of more than two
/// billion calls is not a concern).
fn count_of(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn ids(ids: Vec<model::EntryId>) -> Vec<String> {
    ids.into_iter().map(|id| id.to_string()).collect()
}

fn skill_counts(counts: Vec<summary::SkillCount>) -> Vec<SkillCount> {
    counts
        .into_iter()
        .map(|s| SkillCount {
            skill: s.skill,
            count: count_of(s.count),
        })
        .collect()
}

impl From<rules::Summary> for Summary {
    fn from(s: rules::Summary) -> Self {
        Self {
            since_ms: s.since.millis(),
            until_ms: s.until.millis(),
            calls_by_reason: s
                .calls_by_reason
                .into_iter()
                .map(|(reason, n)| ReasonCount {
                    reason: reason.into(),
                    count: count_of(n),
                })
                .collect(),
            durations: CallDurations {
                median_minutes: s.durations.median_minutes,
                within_band_share: s.durations.within_band_share,
                long_call_ids: ids(s.durations.long_calls),
            },
            declined_attempts: s
                .declined_attempts
                .into_iter()
                .map(|d| DeclinedAttempt {
                    call_id: d.call_id.to_string(),
                    at_ms: d.at.millis(),
                })
                .collect(),
            lockouts: s
                .lockouts
                .into_iter()
                .map(|w| LockoutWindow {
                    report_id: w.report_id.to_string(),
                    behavior_id: w.behavior_id.map(|b| b.to_string()),
                    from_ms: w.from.millis(),
                    until_ms: w.until.millis(),
                })
                .collect(),
            during_lockout_call_ids: ids(s.during_lockout_calls),
            callback_requests: s
                .callback_requests
                .into_iter()
                .map(|c| CallbackOutcome {
                    call_id: c.call_id.to_string(),
                    requested_at_ms: c.requested_at.millis(),
                    due_at_ms: c.due_at.millis(),
                    returned_at_ms: c.returned_at.map(Timestamp::millis),
                    met_in_time: c.met_in_time,
                    overdue: c.overdue,
                })
                .collect(),
            skills_tried: skill_counts(s.skills_tried),
            skills_suggested: skill_counts(s.skills_suggested),
            urges: s
                .urges
                .into_iter()
                .map(|u| UrgeChange {
                    call_id: u.call_id.to_string(),
                    started_at_ms: u.started_at.millis(),
                    before: u.before.map(small),
                    after: u.after.map(small),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_outside_years_0_to_9999_are_refused_naming_the_field() {
        for bad in [
            i64::MIN,
            i64::MAX,
            Timestamp::EARLIEST.millis() - 1,
            Timestamp::LATEST.millis() + 1,
        ] {
            match instant("now_ms", Some(bad)) {
                Err(CoachlineError::InvalidInput { field, .. }) => assert_eq!(field, "now_ms"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        for ok in [Timestamp::EARLIEST.millis(), 0, Timestamp::LATEST.millis()] {
            assert_eq!(instant("now_ms", Some(ok)).unwrap().millis(), ok);
        }
        assert_eq!(
            Timestamp::from_millis(Timestamp::EARLIEST.millis()).to_rfc3339(),
            "0000-01-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_millis(Timestamp::LATEST.millis()).to_rfc3339(),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn no_instant_means_the_system_clock() {
        let before = Timestamp::now();
        let t = instant("now_ms", None).unwrap();
        assert!(before <= t && t <= Timestamp::now());
    }

    #[test]
    fn every_term_key_maps_to_its_own_core_key() {
        use std::collections::HashSet;
        let all = [
            TermKey::ClientName,
            TermKey::TherapistName,
            TermKey::Rationale,
            TermKey::Reasons,
            TermKey::Goals,
            TermKey::Expectations,
            TermKey::LockoutHours,
            TermKey::CallMinutes,
            TermKey::ReturnCallMinutes,
            TermKey::TimeZone,
            TermKey::Availability,
            TermKey::BackupPlan,
        ];
        let mapped: HashSet<model::TermKey> = all.into_iter().map(Into::into).collect();
        assert_eq!(mapped.len(), model::TermKey::ALL.len());
    }
}
