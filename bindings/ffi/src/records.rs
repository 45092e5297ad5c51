//! The plain data that crosses the boundary: records (Kotlin data classes, Swift
//! structs, Python dataclasses) and enums.
//!
//! Conventions, the same everywhere:
//! - instants are `i64` milliseconds since 1970-01-01T00:00:00Z, in fields ending in
//!   `_ms` (`Long` in Kotlin, `Int64` in Swift);
//! - ids are the lowercase hex strings the core uses (32 characters for an
//!   agreement, 16 for an entry);
//! - small numbers (urges, minutes, hours) are `i32`, so Kotlin sees `Int`;
//! - calendar days are `YYYY-MM-DD` strings in the therapist's time zone.

use coachline_core::redact::Redacted;

/// A party to an agreement. Each store's identity has exactly one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Role {
    /// The person in therapy, who calls for coaching.
    Client,
    /// The individual therapist, who offers the agreement and takes the calls.
    Therapist,
}

/// This device's public identity, safe to show (never the secret key).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdentityInfo {
    /// The role this device plays in all its agreements.
    pub role: Role,
    /// The name this device signs with.
    pub name: String,
    /// The Ed25519 public key, 64 hex characters.
    pub public_key_hex: String,
    /// A short digest of the public key (e.g. `1a2b-3c4d-5e6f-7a8b`) for the two
    /// parties to compare out loud when they pair.
    pub fingerprint: String,
}

coachline_core::redacted_debug!(IdentityInfo {
    role,
    name: redacted,
    public_key_hex,
    fingerprint
});

/// Where an agreement stands with its signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum AgreementStatus {
    /// No valid signature yet.
    Draft,
    /// One party has validly signed the current terms; `missing_signatures` says who
    /// has not.
    AwaitingSignatures,
    /// Both parties have validly signed the current terms.
    Active,
    /// The terms changed after a valid signature: both must sign again.
    NeedsResigning,
}

/// Why a signature does not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SignatureProblem {
    /// It does not verify under the key it carries (damaged or forged).
    DoesNotVerify,
    /// It verifies, but under a key the agreement does not record for its role
    /// (another device claiming that role; a client's keys are the ones its paired
    /// phones proved).
    KeyMismatch,
}

/// One line of the agreement list.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct AgreementListItem {
    /// The agreement id.
    pub id: String,
    /// The client's name as the terms give it.
    pub client_name: String,
    /// The therapist's name as the terms give it.
    pub therapist_name: String,
    /// Where it stands with its signatures.
    pub status: AgreementStatus,
}

coachline_core::redacted_debug!(AgreementListItem {
    id,
    client_name: redacted,
    therapist_name: redacted,
    status
});

/// The terms both parties sign, one field per term of the agreement form.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Terms {
    /// The client's name.
    pub client_name: String,
    /// The therapist's name.
    pub therapist_name: String,
    /// Why phone coaching exists (the form's opening paragraph).
    pub rationale: String,
    /// Reasons for calls, one item each.
    pub reasons: Vec<String>,
    /// Goals of phone coaching, one item each.
    pub goals: Vec<String>,
    /// What calls are and are not for (brief, not for analysing the crisis...).
    pub expectations: Vec<String>,
    /// How long calls are not permitted after a target behaviour (24 by default).
    pub lockout_hours: i32,
    /// The shortest agreed call length, in minutes (5 in the form).
    pub call_minutes_min: i32,
    /// The longest agreed call length, in minutes (8 in the form); longer calls are
    /// flagged, never cut off.
    pub call_minutes_max: i32,
    /// How soon, in the therapist's available minutes, to expect a return call.
    pub return_call_minutes: i32,
    /// The therapist's IANA time zone, e.g. `America/New_York`.
    pub time_zone: String,
    /// The therapist's weekly phone hours in canonical text form, e.g.
    /// `Mon-Fri 09:00-20:00; Sat 10:00-14:00` (empty: no phone hours).
    pub availability: String,
    /// The same hours, one slot per day and interval, Monday first, for drawing.
    pub availability_slots: Vec<AvailabilitySlot>,
    /// What to do when the therapist cannot get back in time.
    pub backup_plan: String,
}

coachline_core::redacted_debug!(Terms {
    client_name: redacted,
    therapist_name: redacted,
    rationale: redacted,
    reasons: redacted,
    goals: redacted,
    expectations: redacted,
    lockout_hours,
    call_minutes_min,
    call_minutes_max,
    return_call_minutes,
    time_zone,
    availability,
    availability_slots,
    backup_plan: redacted
});

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

/// One interval of the therapist's weekly phone hours, in their time zone.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AvailabilitySlot {
    /// The day.
    pub day: Weekday,
    /// Start, in minutes after local midnight (inclusive).
    pub start_minute: i32,
    /// End, in minutes after local midnight (exclusive; 1440 is midnight).
    pub end_minute: i32,
}

/// The terms `set_term` edits. Each takes the text form `term_value` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TermKey {
    /// One line, at most 200 characters.
    ClientName,
    /// One line, at most 200 characters.
    TherapistName,
    /// Free text, at most 4000 characters.
    Rationale,
    /// One item per line, at least one.
    Reasons,
    /// One item per line, at least one.
    Goals,
    /// One item per line, at least one.
    Expectations,
    /// A whole number of hours, 0 to 168.
    LockoutHours,
    /// `MIN-MAX` minutes, such as `5-8`.
    CallMinutes,
    /// A whole number of minutes, 0 to 10080.
    ReturnCallMinutes,
    /// An IANA time zone such as `America/New_York`.
    TimeZone,
    /// Weekly hours such as `Mon-Fri 09:00-20:00; Sat 10:00-14:00`; empty for none.
    Availability,
    /// Free text, at most 4000 characters.
    BackupPlan,
}

/// A crisis resource, shown whenever the therapist cannot be called.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Resource {
    /// The resource id.
    pub id: String,
    /// What it is, e.g. `988 Suicide & Crisis Lifeline`.
    pub name: String,
    /// How to reach it, e.g. `call or text 988`.
    pub contact: String,
}

coachline_core::redacted_debug!(Resource {
    id,
    name: redacted,
    contact: redacted
});

/// A target behaviour of the agreement.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Behavior {
    /// The behaviour id.
    pub id: String,
    /// The label both parties agreed on.
    pub label: String,
    /// Whether reporting it starts the lockout (the 24-hour rule).
    pub triggers_lockout: bool,
    /// Removed from the agreement since (only ever true for a behaviour named by an
    /// older report in the log; the agreement lists current behaviours only).
    pub removed: bool,
}

coachline_core::redacted_debug!(Behavior {
    id,
    label: redacted,
    triggers_lockout,
    removed
});

/// A phone holiday: days on which the therapist takes no calls.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Holiday {
    /// The holiday id.
    pub id: String,
    /// The first day off, `YYYY-MM-DD`, in the therapist's time zone.
    pub first_day: String,
    /// The last day off (inclusive), `YYYY-MM-DD`.
    pub last_day: String,
    /// An optional note, e.g. where to turn meanwhile.
    pub note: Option<String>,
}

coachline_core::redacted_debug!(Holiday {
    id,
    first_day,
    last_day,
    note: redacted
});

/// One signature, judged against the agreement's current terms.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignatureInfo {
    /// The signature id.
    pub id: String,
    /// The role that signed.
    pub role: Role,
    /// The signer's name.
    pub name: String,
    /// When it was signed.
    pub signed_at_ms: i64,
    /// The signer's Ed25519 public key, hex.
    pub public_key_hex: String,
    /// The signer's key fingerprint, to compare with `IdentityInfo.fingerprint`.
    pub fingerprint: String,
    /// The hash of the terms that were signed, hex.
    pub terms_hash_hex: String,
    /// It counts: it verifies, under a key the agreement records for its role.
    pub valid: bool,
    /// Valid and over the current terms (false once a term is edited).
    pub current: bool,
    /// Why it does not count, if it does not.
    pub problem: Option<SignatureProblem>,
}

coachline_core::redacted_debug!(SignatureInfo {
    id,
    role,
    name: redacted,
    signed_at_ms,
    public_key_hex,
    fingerprint,
    terms_hash_hex,
    valid,
    current,
    problem
});

/// An agreement with everything its screen shows.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Agreement {
    /// The agreement id.
    pub id: String,
    /// When the therapist drafted it.
    pub created_at_ms: i64,
    /// The terms.
    pub terms: Terms,
    /// The crisis resources, never empty.
    pub resources: Vec<Resource>,
    /// The current target behaviours.
    pub behaviors: Vec<Behavior>,
    /// The phone holidays (not part of the signed terms).
    pub holidays: Vec<Holiday>,
    /// SHA-256 of the canonical terms: what both parties sign, hex.
    pub terms_hash_hex: String,
    /// Where the agreement stands with its signatures.
    pub status: AgreementStatus,
    /// Roles without a valid signature on the current terms.
    pub missing_signatures: Vec<Role>,
    /// Every signature ever made, oldest first, each judged.
    pub signatures: Vec<SignatureInfo>,
    /// The version both parties signed that the rules enforce; `null` while no
    /// version is signed by both (then `terms` govern, as drafted).
    pub in_force: Option<TermsInForce>,
    /// What `terms` change in the version in force, until both sign them; `null`
    /// when they change nothing.
    pub proposal: Option<Proposal>,
    /// Every phone a pairing record names, oldest first (a replaced phone, or one
    /// paired in a party's name, is shown here on both phones).
    pub paired_phones: Vec<PairedPhone>,
}

/// A phone a pairing record in the agreement names.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PairedPhone {
    /// The party it was paired for.
    pub role: Role,
    /// Its identity key's fingerprint, to compare with `IdentityInfo.fingerprint`.
    pub fingerprint: String,
    /// When it was paired.
    pub paired_at_ms: i64,
    /// The record holds (the phone's own proof, signed by a key of the other party),
    /// so its key counts for its party.
    pub valid: bool,
}

/// The version of the terms the rules enforce: the last one both parties signed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TermsInForce {
    /// When the second party signed it.
    pub since_ms: i64,
    /// SHA-256 of its canonical terms, hex.
    pub terms_hash_hex: String,
    /// Its terms.
    pub terms: Terms,
}

/// Edits made since the version in force: shown as pending until both sign.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Proposal {
    /// The terms whose text differs, in the form's order.
    pub terms: Vec<TermKey>,
    /// Crisis resources were added, removed or edited.
    pub resources: bool,
    /// Target behaviours were added or removed.
    pub behaviors: bool,
}

/// What `import_agreement` did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ImportOutcome {
    /// The agreement the bytes hold.
    pub agreement_id: String,
    /// The agreement was new to this store.
    pub created: bool,
    /// The import brought changes this store did not have.
    pub changed: bool,
}

/// Why a call is made (the form's four reasons for phone coaching).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CallReason {
    /// Coaching in a crisis: generalize skills to daily life.
    Coaching,
    /// A non-crisis call to clarify a skill.
    Clarification,
    /// Repair the relationship with the therapist.
    Repair,
    /// Share good news.
    News,
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CallOutcome {
    /// The parties talked.
    Completed,
    /// Nobody answered: the call is a callback request.
    Missed,
    /// Attempted during a lockout and declined by the 24-hour rule.
    Declined,
}

/// How a person may end a call (a declined call is recorded by the rules alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum EndOutcome {
    /// The parties talked.
    Completed,
    /// Nobody answered: the call becomes a callback request.
    Missed,
}

/// The pre-call worksheet, filled in before a call starts.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CallWorksheet {
    /// Why the call is made.
    pub reason: CallReason,
    /// The situation in brief, at most 2000 characters.
    #[uniffi(default = None)]
    pub situation: Option<String>,
    /// Skills already tried, one line each, at most 50.
    #[uniffi(default = [])]
    pub tried: Vec<String>,
    /// The urge right now, 0 (none) to 5 (strongest).
    #[uniffi(default = None)]
    pub urge_before: Option<i32>,
}

coachline_core::redacted_debug!(CallWorksheet {
    reason,
    situation: redacted,
    tried: redacted,
    urge_before
});

/// What is recorded when a call ends.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct CallEnding {
    /// Whether the parties talked.
    pub outcome: EndOutcome,
    /// Skills the therapist suggested, one line each, at most 50.
    #[uniffi(default = [])]
    pub suggested: Vec<String>,
    /// The urge after the call, 0 to 5.
    #[uniffi(default = None)]
    pub urge_after: Option<i32>,
}

coachline_core::redacted_debug!(CallEnding {
    outcome,
    suggested: redacted,
    urge_after
});

/// One call of the log.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Call {
    /// The call id.
    pub id: String,
    /// Why it was made.
    pub reason: CallReason,
    /// Who started it.
    pub started_by: Role,
    /// When it started.
    pub started_at_ms: i64,
    /// When it ended, once it has.
    pub ended_at_ms: Option<i64>,
    /// The worksheet's situation.
    pub situation: Option<String>,
    /// Skills already tried before the call.
    pub tried: Vec<String>,
    /// The urge before the call, 0 to 5.
    pub urge_before: Option<i32>,
    /// Skills suggested during the call.
    pub suggested: Vec<String>,
    /// The urge after the call, 0 to 5.
    pub urge_after: Option<i32>,
    /// How it ended; none while it is going on.
    pub outcome: Option<CallOutcome>,
    /// For a return call: the id of the missed call it answers.
    pub returns_call_id: Option<String>,
    /// For a declined call: the crisis resources that were shown, as
    /// "name — contact".
    pub shown_resources: Vec<String>,
}

coachline_core::redacted_debug!(Call {
    id,
    reason,
    started_by,
    started_at_ms,
    ended_at_ms,
    situation: redacted,
    tried: redacted,
    urge_before,
    suggested: redacted,
    urge_after,
    outcome,
    returns_call_id,
    shown_resources: redacted
});

/// A report that the client engaged in a target behaviour.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Report {
    /// The report id.
    pub id: String,
    /// The behaviour reported, if one was named (it may since have been removed
    /// from the agreement); none is an unnamed target behaviour, which always
    /// triggers the lockout.
    pub behavior: Option<Behavior>,
    /// When the behaviour occurred.
    pub occurred_at_ms: i64,
    /// When it was reported (possibly much later).
    pub reported_at_ms: i64,
    /// Who reported it.
    pub reported_by: Role,
    /// When it was retracted as a mistake; a retracted report no longer counts.
    pub retracted_at_ms: Option<i64>,
}

/// What the log shows beside a call, worked out by the rules.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CallFlags {
    /// Completed and longer than the agreed band's maximum: flagged, never blocked.
    pub long: bool,
    /// Started inside a lockout window, including one reported only later.
    pub during_lockout: bool,
    /// The callback request the call made (a missed call, or one out of hours).
    pub callback: Option<CallbackRequest>,
}

/// A callback request, with what became of it according to the whole log.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CallbackRequest {
    /// The call that asked for a call back.
    pub call_id: String,
    /// When it was asked for.
    pub requested_at_ms: i64,
    /// When the return call is due, counting the therapist's available minutes.
    pub due_at_ms: i64,
    /// When the first call that answered it started, if one has.
    pub returned_at_ms: Option<i64>,
    /// Whether that call started by the due time.
    pub met_in_time: bool,
}

/// One line of the log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum LogEntry {
    /// A call (including declined attempts and return calls).
    CallEntry {
        /// The call.
        call: Call,
        /// Long, during a lockout, callback request.
        flags: CallFlags,
    },
    /// A behaviour report.
    ReportEntry {
        /// The report.
        report: Report,
    },
}

/// Whether the client may call the therapist now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Permission {
    /// Within the therapist's hours, and no lockout holds.
    Allowed,
    /// The 24-hour rule holds: a call now is declined and the crisis resources shown.
    /// Wins over unavailability.
    LockedOut,
    /// Outside the therapist's hours or on a phone holiday: a call now asks for a
    /// call back.
    TherapistUnavailable,
}

/// A callback request still waiting for its return call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PendingCallback {
    /// The call that asked for a call back.
    pub call_id: String,
    /// When it was asked for.
    pub requested_at_ms: i64,
    /// When the return call is due.
    pub due_at_ms: i64,
    /// Past due at the instant asked about.
    pub overdue: bool,
}

/// The answer to "may the client call now, and if not, what instead?", ready to
/// show: the app renders it and decides nothing itself.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Decision {
    /// Whether the client may call now.
    pub permission: Permission,
    /// When calls are allowed again, if locked out now.
    pub locked_until_ms: Option<i64>,
    /// Whether the therapist is within their phone hours now.
    pub available: bool,
    /// When available: the end of the current run of hours.
    pub available_until_ms: Option<i64>,
    /// When unavailable: the next start of hours, if any within a year.
    pub next_available_ms: Option<i64>,
    /// Callback requests not yet returned, soonest due first.
    pub pending_callbacks: Vec<PendingCallback>,
    /// The crisis resources, always shown, in the agreement's order; never empty.
    pub resources: Vec<Resource>,
    /// Whether the backup plan applies now (locked out, out of hours, or a call
    /// back is overdue).
    pub show_backup_plan: bool,
    /// The backup plan's text, when it applies and the agreement has one.
    pub backup_plan: Option<String>,
    /// One plain sentence for the client: no names, no behaviours, times in the
    /// therapist's time zone.
    pub message: String,
}

coachline_core::redacted_debug!(Decision {
    permission,
    locked_until_ms,
    available,
    available_until_ms,
    next_available_ms,
    pending_callbacks,
    resources,
    show_backup_plan,
    backup_plan: redacted,
    message
});

/// What became of a call this device tried to start.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CallAttempt {
    /// The call went ahead.
    Started {
        /// The call id, for `end_call`.
        call_id: String,
        /// Out of the therapist's hours the call is a callback request: when to
        /// expect the return call.
        callback_due_ms: Option<i64>,
    },
    /// The 24-hour rule declined it. The attempt is in the log as declined, with the
    /// resources shown; show `decision` (its message, resources and backup plan)
    /// instead of calling.
    Declined {
        /// The id of the declined attempt in the log.
        call_id: String,
        /// What to show instead.
        decision: Decision,
    },
}

/// The calls of one reason in a summary.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReasonCount {
    /// The reason.
    pub reason: CallReason,
    /// How many calls (declined attempts excluded) gave it.
    pub count: i32,
}

/// The length of the completed calls against the agreed band.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CallDurations {
    /// The median length of the completed calls, in minutes.
    pub median_minutes: Option<f64>,
    /// The share (0 to 1) of completed calls no longer than the band's maximum.
    pub within_band_share: Option<f64>,
    /// The ids of the calls longer than the band's maximum.
    pub long_call_ids: Vec<String>,
}

/// A call declined by the 24-hour rule.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeclinedAttempt {
    /// The id of the declined attempt.
    pub call_id: String,
    /// When it was attempted.
    pub at_ms: i64,
}

/// The lockout one behaviour report causes (ids only, never labels).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LockoutWindow {
    /// The report that caused it.
    pub report_id: String,
    /// The behaviour reported, if one was named.
    pub behavior_id: Option<String>,
    /// When the behaviour occurred: the lockout starts then.
    pub from_ms: i64,
    /// When the client may call again (exclusive).
    pub until_ms: i64,
}

/// A callback request and what became of it, as of the summary's end.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CallbackOutcome {
    /// The call that asked for a call back.
    pub call_id: String,
    /// When it was asked for.
    pub requested_at_ms: i64,
    /// When the return call was due.
    pub due_at_ms: i64,
    /// When it was returned, if it was.
    pub returned_at_ms: Option<i64>,
    /// Returned by the due time.
    pub met_in_time: bool,
    /// Past due and not returned at the summary's end.
    pub overdue: bool,
}

/// How many calls named a skill (once per call).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SkillCount {
    /// The skill as written.
    pub skill: String,
    /// How many calls named it.
    pub count: i32,
}

coachline_core::redacted_debug!(SkillCount {
    skill: redacted,
    count
});

/// The urges rated around one call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct UrgeChange {
    /// The call.
    pub call_id: String,
    /// When it started.
    pub started_at_ms: i64,
    /// The urge before, 0 to 5.
    pub before: Option<i32>,
    /// The urge after, 0 to 5.
    pub after: Option<i32>,
}

/// What happened between two instants, usually since the last in-person session:
/// what the therapist prepares the next session from. Lists are sorted by time then
/// id (skills by count, then name), so both phones show the same summary.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Summary {
    /// The start of the period.
    pub since_ms: i64,
    /// The end of the period (the `now` asked at).
    pub until_ms: i64,
    /// Every reason, with zero where there was none, declined attempts excluded.
    pub calls_by_reason: Vec<ReasonCount>,
    /// The length of the completed calls against the agreed band.
    pub durations: CallDurations,
    /// Calls declined by the 24-hour rule.
    pub declined_attempts: Vec<DeclinedAttempt>,
    /// The lockouts of reports that occurred in the period.
    pub lockouts: Vec<LockoutWindow>,
    /// Calls that went ahead inside a lockout window (typically reported later).
    pub during_lockout_call_ids: Vec<String>,
    /// Callback requests and what became of them.
    pub callback_requests: Vec<CallbackOutcome>,
    /// Skills the client tried before calling, most named first.
    pub skills_tried: Vec<SkillCount>,
    /// Skills the therapist suggested, most named first.
    pub skills_suggested: Vec<SkillCount>,
    /// Calls with an urge rated before or after.
    pub urges: Vec<UrgeChange>,
}

/// An agreement's paired peer on this device.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PeerInfo {
    /// The agreement the two phones share.
    pub agreement_id: String,
    /// The peer's role: the client for a therapist, the therapist for a client.
    pub role: Role,
    /// The fingerprint of the peer's identity key: compare it with the fingerprint
    /// the peer's own app shows (`IdentityInfo.fingerprint`).
    pub fingerprint: String,
    /// The fingerprint of the key this device seals the peer's messages to.
    pub sync_key_fingerprint: String,
    /// When the two phones paired.
    pub paired_at_ms: i64,
    /// Whether the pairing is complete (a client's is once the therapist's first
    /// message arrives).
    pub confirmed: bool,
    /// Whether this device holds the agreement yet (a client that joined receives
    /// it with the therapist's first message).
    pub has_agreement: bool,
}

/// What an accepted sync message did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncOutcome {
    /// The agreement the message belongs to.
    pub agreement_id: String,
    /// A fragment of a larger message, held until the rest arrives: nothing applied
    /// yet.
    pub buffered: bool,
    /// The agreement arrived on this device with this message.
    pub created: bool,
    /// The agreement gained changes: refresh what is shown.
    pub changed: bool,
    /// This message completed a pairing.
    pub paired: bool,
}

/// Why a sync message was refused. None of these says anything about the message's
/// content: a refused message was never opened, or never applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SyncRejection {
    /// Not a Coachline sync message, from an unknown version, or over the size limit.
    Malformed,
    /// Sealed for another device.
    WrongRecipient,
    /// The sender is not this agreement's paired peer on this device.
    UnknownSender,
    /// Already received, or overtaken by a newer message from the same sender.
    Replayed,
    /// Altered in transit or forged: the authenticated encryption does not open.
    Tampered,
    /// It opened, but does not carry valid changes of this agreement.
    InvalidContent,
    /// Too many incomplete messages from unpaired senders are waiting: it was not
    /// held. Never refused to the paired peer; a stranger may retry later.
    Busy,
    /// What it carries would take more than 64 MiB once decompressed.
    TooLarge,
}

/// Which rule a change from outside (an import or a sync message) broke. Nothing
/// was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Violation {
    /// Not this agreement: it does not descend from the agreement's first change.
    ForeignDocument,
    /// It changes the agreement's header (id, creation time, therapist's key, schema).
    HeaderChanged,
    /// It deletes history: entries, fields and removals are never deleted.
    Deletion,
    /// It rewrites history: a logged time or author, an entry's content, a removal.
    HistoryRewritten,
    /// It writes what no Coachline app writes.
    Malformed,
    /// It writes in the other party's name (a signature, a call, a report, a pairing).
    NotPermitted,
}

/// Why a relay pass stopped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RelayProblem {
    /// This phone has no relay yet: give its address, or join with an invitation
    /// that names one.
    NoRelay,
    /// The relay refused a request. `code` is the relay protocol's: `unsigned`,
    /// `bad_signature`, `stale` (check the phone's clock), `replayed`,
    /// `not_your_mailbox`, `too_large`, `quota_exceeded`, `rate_limited` (try again
    /// later), `bad_request`, `not_found`, `unavailable` (try again).
    Refused { code: String },
    /// The answer is not a Coachline relay's (another server, a proxy's error page).
    UnexpectedAnswer { status: u16 },
    /// The pass was given an answer it did not ask for, or asked for the next request
    /// before answering the last.
    OutOfTurn,
}

/// Why an invitation cannot pair two phones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum InvitationProblem {
    /// Not an invitation line at all.
    Malformed,
    /// Altered or mistyped, or not issued by the other party's phone.
    Forged,
    /// Expired: ask the therapist for a new one.
    Expired,
    /// Already used by another phone: invitations are one-time.
    Spent,
}

/// How `export_agreement` writes the agreement: sealed in the age format (the
/// default to offer a person), or plain on an explicit choice.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum BackupSeal {
    /// Sealed with a passphrase a person chose (age's scrypt, about a second to seal
    /// or open). Nothing recovers a forgotten passphrase: the file never opens again.
    Passphrase { passphrase: String },
    /// Sealed for an age X25519 recipient (`age1…`): only the matching identity
    /// (`AGE-SECRET-KEY-1…`) opens it.
    Recipient { recipient: String },
    /// A plain, unencrypted Automerge document: any Automerge implementation loads
    /// it, and anyone who finds the file reads it.
    Plain,
}

/// What opens a sealed export (`import_agreement`).
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum BackupUnseal {
    /// The passphrase it was sealed with.
    Passphrase { passphrase: String },
    /// The text of an age identity file: one `AGE-SECRET-KEY-1…` a line, `#`
    /// comments allowed (as `age-keygen` writes it).
    Identity { identity: String },
}

impl std::fmt::Debug for BackupSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Passphrase { passphrase } => f
                .debug_struct("Passphrase")
                .field("passphrase", &Redacted(passphrase))
                .finish(),
            Self::Recipient { recipient } => f
                .debug_struct("Recipient")
                .field("recipient", recipient)
                .finish(),
            Self::Plain => f.write_str("Plain"),
        }
    }
}

impl std::fmt::Debug for BackupUnseal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Passphrase { passphrase } => f
                .debug_struct("Passphrase")
                .field("passphrase", &Redacted(passphrase))
                .finish(),
            Self::Identity { identity } => f
                .debug_struct("Identity")
                .field("identity", &Redacted(identity))
                .finish(),
        }
    }
}

/// Why a sealed export was not opened. Nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum BackupProblem {
    /// It is sealed with a passphrase, and none was given (or an identity was).
    NeedsPassphrase,
    /// It is sealed for an age recipient, and no identity was given (or a
    /// passphrase was).
    NeedsIdentity,
    /// The passphrase or identity given does not open it.
    WrongKey,
    /// It was altered, truncated or damaged after it was sealed.
    Tampered,
    /// Its passphrase would take far more work to check than this device allows.
    TooCostly,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written into every text field: it must never come out of `Debug`.
    const MARKER: &str = "Zelda-Quux";

    fn text() -> String {
        MARKER.to_owned()
    }

    fn texts() -> Vec<String> {
        vec![text(), format!("second {MARKER}")]
    }

    fn terms() -> Terms {
        Terms {
            client_name: text(),
            therapist_name: text(),
            rationale: text(),
            reasons: texts(),
            goals: texts(),
            expectations: texts(),
            lockout_hours: 24,
            call_minutes_min: 5,
            call_minutes_max: 8,
            return_call_minutes: 60,
            time_zone: "UTC".into(),
            availability: "mon 09:00-17:00".into(),
            availability_slots: Vec::new(),
            backup_plan: text(),
        }
    }

    fn resource() -> Resource {
        Resource {
            id: "r".into(),
            name: text(),
            contact: text(),
        }
    }

    fn behavior() -> Behavior {
        Behavior {
            id: "b".into(),
            label: text(),
            triggers_lockout: true,
            removed: false,
        }
    }

    fn call() -> Call {
        Call {
            id: "c".into(),
            reason: CallReason::Coaching,
            started_by: Role::Client,
            started_at_ms: 1,
            ended_at_ms: None,
            situation: Some(text()),
            tried: texts(),
            urge_before: Some(3),
            suggested: texts(),
            urge_after: None,
            outcome: None,
            returns_call_id: None,
            shown_resources: texts(),
        }
    }

    fn decision() -> Decision {
        Decision {
            permission: Permission::LockedOut,
            locked_until_ms: Some(5),
            available: false,
            available_until_ms: None,
            next_available_ms: None,
            pending_callbacks: Vec::new(),
            resources: vec![resource()],
            show_backup_plan: true,
            backup_plan: Some(text()),
            message: "Calls are paused.".into(),
        }
    }

    fn skills() -> Vec<SkillCount> {
        vec![SkillCount {
            skill: text(),
            count: 1,
        }]
    }

    /// Every record that holds text, directly or through another.
    fn everything() -> Vec<(&'static str, Box<dyn std::fmt::Debug>)> {
        let signature = SignatureInfo {
            id: "s".into(),
            role: Role::Client,
            name: text(),
            signed_at_ms: 1,
            public_key_hex: "00".into(),
            fingerprint: "1a2b".into(),
            terms_hash_hex: "00".into(),
            valid: true,
            current: true,
            problem: None,
        };
        let holiday = Holiday {
            id: "h".into(),
            first_day: "2026-12-24".into(),
            last_day: "2026-12-26".into(),
            note: Some(text()),
        };
        vec![
            (
                "IdentityInfo",
                Box::new(IdentityInfo {
                    role: Role::Client,
                    name: text(),
                    public_key_hex: "00".into(),
                    fingerprint: "1a2b".into(),
                }),
            ),
            (
                "AgreementListItem",
                Box::new(AgreementListItem {
                    id: "a".into(),
                    client_name: text(),
                    therapist_name: text(),
                    status: AgreementStatus::Draft,
                }),
            ),
            (
                "Agreement",
                Box::new(Agreement {
                    id: "a".into(),
                    created_at_ms: 1,
                    terms: terms(),
                    resources: vec![resource()],
                    behaviors: vec![behavior()],
                    holidays: vec![holiday.clone()],
                    terms_hash_hex: "00".into(),
                    status: AgreementStatus::Active,
                    missing_signatures: Vec::new(),
                    signatures: vec![signature.clone()],
                    in_force: Some(TermsInForce {
                        since_ms: 1,
                        terms_hash_hex: "00".into(),
                        terms: terms(),
                    }),
                    proposal: Some(Proposal {
                        terms: vec![TermKey::BackupPlan],
                        resources: true,
                        behaviors: false,
                    }),
                    paired_phones: Vec::new(),
                }),
            ),
            ("Holiday", Box::new(holiday)),
            ("SignatureInfo", Box::new(signature)),
            (
                "CallWorksheet",
                Box::new(CallWorksheet {
                    reason: CallReason::Coaching,
                    situation: Some(text()),
                    tried: texts(),
                    urge_before: None,
                }),
            ),
            (
                "CallEnding",
                Box::new(CallEnding {
                    outcome: EndOutcome::Completed,
                    suggested: texts(),
                    urge_after: Some(1),
                }),
            ),
            (
                "LogEntry",
                Box::new(vec![
                    LogEntry::CallEntry {
                        call: call(),
                        flags: CallFlags {
                            long: false,
                            during_lockout: true,
                            callback: None,
                        },
                    },
                    LogEntry::ReportEntry {
                        report: Report {
                            id: "r".into(),
                            behavior: Some(behavior()),
                            occurred_at_ms: 1,
                            reported_at_ms: 2,
                            reported_by: Role::Client,
                            retracted_at_ms: None,
                        },
                    },
                ]),
            ),
            (
                "CallAttempt",
                Box::new(CallAttempt::Declined {
                    call_id: "c".into(),
                    decision: decision(),
                }),
            ),
            (
                "Summary",
                Box::new(Summary {
                    since_ms: 0,
                    until_ms: 1,
                    calls_by_reason: Vec::new(),
                    durations: CallDurations {
                        median_minutes: None,
                        within_band_share: None,
                        long_call_ids: Vec::new(),
                    },
                    declined_attempts: Vec::new(),
                    lockouts: Vec::new(),
                    during_lockout_call_ids: Vec::new(),
                    callback_requests: Vec::new(),
                    skills_tried: skills(),
                    skills_suggested: skills(),
                    urges: Vec::new(),
                }),
            ),
        ]
    }

    #[test]
    fn no_backup_seal_shows_its_secret_in_debug_output() {
        let shown = [
            format!("{:?}", BackupSeal::Passphrase { passphrase: text() }),
            format!("{:#?}", BackupUnseal::Passphrase { passphrase: text() }),
            format!("{:?}", BackupUnseal::Identity { identity: text() }),
        ];
        for shown in shown {
            assert!(!shown.contains("Zelda"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
        let recipient = format!(
            "{:?}",
            BackupSeal::Recipient {
                recipient: "age1public".into()
            }
        );
        assert!(recipient.contains("age1public"), "{recipient}");
    }

    #[test]
    fn no_record_shows_any_text_a_person_wrote_in_debug_output() {
        for (name, value) in everything() {
            for shown in [format!("{value:?}"), format!("{value:#?}")] {
                assert!(!shown.contains("Zelda"), "{name} shows text: {shown}");
            }
        }
    }
}
