//! Text and JSON output. Times are RFC 3339 in both.

use coachline_core::identity::{fingerprint, AgreementStatus};
use coachline_core::model::{Call, CallOutcome, Resource, TermKey, Terms};
use coachline_core::rules::{self, CallFlags, Decision, Summary};
use coachline_core::store::{AgreementListItem, AgreementView, CallAttempt, LogEntry};
use coachline_core::Timestamp;
use serde_json::{json, Value};

/// Where results go: JSON on stdout with `--json`, readable text otherwise.
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn print(&self, value: &Value, text: impl FnOnce() -> String) {
        if self.json {
            say!(
                "{}",
                serde_json::to_string_pretty(value).expect("JSON values serialize")
            );
        } else {
            say!("{}", text());
        }
    }

    pub fn done(&self, message: &str) {
        self.print(&json!({ "ok": true }), || message.to_owned());
    }
}

pub fn list_json(list: &[AgreementListItem]) -> Value {
    json!(list
        .iter()
        .map(|a| json!({
            "id": a.id,
            "client_name": a.client_name,
            "therapist_name": a.therapist_name,
            "status": a.status,
        }))
        .collect::<Vec<_>>())
}

pub fn list_text(list: &[AgreementListItem]) -> String {
    if list.is_empty() {
        return "No agreements yet.".into();
    }
    list.iter()
        .map(|a| {
            format!(
                "{}  {} with {}  [{}]",
                a.id,
                a.client_name,
                a.therapist_name,
                a.status.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn terms_json(t: &Terms) -> Value {
    json!({
        "client_name": t.client_name,
        "therapist_name": t.therapist_name,
        "rationale": t.rationale,
        "reasons": t.reasons,
        "goals": t.goals,
        "expectations": t.expectations,
        "lockout_hours": t.lockout_hours,
        "call_minutes": { "min": t.call_minutes.min, "max": t.call_minutes.max },
        "return_call_minutes": t.return_call_minutes,
        "time_zone": t.time_zone.name(),
        "availability": t.availability.to_string(),
        "backup_plan": t.backup_plan,
    })
}

/// `terms` are the terms as they stand; `in_force` the version both signed that the
/// rules enforce (null while none is), and `proposal` what the first changes in the
/// second.
pub fn agreement_json(view: &AgreementView) -> Value {
    let in_force = view.signed_versions.last().map(|v| {
        json!({
            "since": v.since,
            "terms_hash": hex_string(&v.signed.hash),
            "terms": terms_json(&v.signed.terms),
        })
    });
    let proposal = view.proposal.as_ref().map(|p| {
        json!({
            "terms": p.terms.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "resources": p.resources,
            "behaviors": p.behaviors,
        })
    });
    json!({
        "id": view.id,
        "created_at": view.created_at,
        "status": view.assessment.status,
        "missing": view.assessment.missing,
        "terms_hash": hex_string(&view.terms_hash),
        "terms": terms_json(&view.terms),
        "in_force": in_force,
        "proposal": proposal,
        "paired_phones": view.paired_phones.iter().map(|p| json!({
            "role": p.role,
            "fingerprint": p.fingerprint,
            "paired_at": p.paired_at,
            "valid": p.valid,
        })).collect::<Vec<_>>(),
        "resources": view.resources,
        "behaviors": view.behaviors.iter().map(|b| json!({
            "id": b.id, "label": b.label, "triggers_lockout": b.triggers_lockout,
        })).collect::<Vec<_>>(),
        "holidays": view.holidays,
        "signatures": view.assessment.signatures.iter().map(|s| json!({
            "id": s.record.signature.id,
            "role": s.record.signature.role,
            "name": s.record.signature.name,
            "signed_at": s.record.signature.signed_at,
            "fingerprint": fingerprint(&s.record.signature.public_key),
            "valid": s.valid,
            "current": s.current,
            "problem": s.problem,
        })).collect::<Vec<_>>(),
    })
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn agreement_text(view: &AgreementView) -> String {
    let t = &view.terms;
    let mut s = String::new();
    let mut line = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    line(format!("Phone coaching agreement {}", view.id));
    line(format!(
        "Status: {}",
        view.assessment.status.as_str().replace('_', " ")
    ));
    if !view.assessment.missing.is_empty() {
        let missing: Vec<_> = view.assessment.missing.iter().map(|r| r.as_str()).collect();
        line(format!(
            "Waiting for a valid signature from: {}",
            missing.join(", ")
        ));
    }
    line(format!(
        "Client: {}    Therapist: {}",
        t.client_name, t.therapist_name
    ));
    line(format!("\nRationale: {}", t.rationale));
    for (title, items) in [
        ("Reasons", &t.reasons),
        ("Goals", &t.goals),
        ("What to expect", &t.expectations),
    ] {
        line(format!("\n{title}:"));
        for (i, item) in items.iter().enumerate() {
            line(format!("  {}. {item}", i + 1));
        }
    }
    line(String::new());
    for key in [
        TermKey::LockoutHours,
        TermKey::CallMinutes,
        TermKey::ReturnCallMinutes,
        TermKey::TimeZone,
    ] {
        line(format!("{}: {}", key.as_str(), t.get(key)));
    }
    let hours = t.availability.to_string();
    line(format!(
        "availability: {}",
        if hours.is_empty() {
            "(none set)"
        } else {
            &hours
        }
    ));
    line(format!("backup-plan: {}", t.backup_plan));
    line("\nCrisis resources:".into());
    for r in &view.resources {
        line(format!("  {}  {} — {}", r.id, r.name, r.contact));
    }
    line("\nTarget behaviours:".into());
    if view.behaviors.is_empty() {
        line("  (none listed; an unnamed report still starts the 24-hour rule)".into());
    }
    for b in &view.behaviors {
        let rule = if b.triggers_lockout {
            "starts the 24-hour rule"
        } else {
            "no lockout"
        };
        line(format!("  {}  {} ({rule})", b.id, b.label));
    }
    if !view.holidays.is_empty() {
        line("\nPhone holidays:".into());
        for h in &view.holidays {
            let note = h
                .note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default();
            line(format!("  {}  {} to {}{note}", h.id, h.from, h.to));
        }
    }
    line("\nSignatures:".into());
    if view.assessment.signatures.is_empty() {
        line("  (none)".into());
    }
    for sig in &view.assessment.signatures {
        let verdict = match (sig.problem, sig.current) {
            (Some(coachline_core::identity::SignatureProblem::DoesNotVerify), _) => {
                "INVALID: does not verify, does not count"
            }
            (Some(coachline_core::identity::SignatureProblem::KeyMismatch), _) => {
                "INVALID: not a key the agreement records for this role, does not count"
            }
            (None, true) => "valid, on the current terms",
            (None, false) => "valid, on earlier terms",
        };
        line(format!(
            "  {} {} at {} (key {}): {verdict}",
            sig.record.signature.role,
            sig.record.signature.name,
            sig.record.signature.signed_at,
            fingerprint(&sig.record.signature.public_key)
        ));
    }
    if !view.paired_phones.is_empty() {
        line("\nPaired phones:".into());
        for p in &view.paired_phones {
            let verdict = if p.valid {
                "its key counts"
            } else {
                "INVALID: the record does not verify, its key does not count"
            };
            line(format!(
                "  {} phone {} paired at {}: {verdict}",
                p.role, p.fingerprint, p.paired_at
            ));
        }
    }
    match (view.signed_versions.last(), &view.proposal) {
        (None, _) => {
            line("\nIn force: these terms, as drafted (no version is signed by both yet)".into())
        }
        (Some(v), None) => line(format!(
            "\nIn force: these terms, signed by both since {}",
            v.since
        )),
        (Some(v), Some(p)) => {
            line(format!(
                "\nIn force: the version signed by both since {} (terms hash {})",
                v.since,
                hex_string(&v.signed.hash)
            ));
            let mut changed: Vec<&str> = p.terms.iter().map(|k| k.as_str()).collect();
            changed.extend(p.resources.then_some("crisis resources"));
            changed.extend(p.behaviors.then_some("target behaviours"));
            line(format!(
                "Proposed, until both sign: {} (the rules still follow the version in force)",
                changed.join(", ")
            ));
            let t = &v.signed.terms;
            for key in p.terms.iter().filter(|k| {
                !matches!(
                    k,
                    TermKey::Reasons | TermKey::Goals | TermKey::Expectations | TermKey::Rationale
                )
            }) {
                line(format!(
                    "  {}: {} (in force), {} (proposed)",
                    key.as_str(),
                    t.get(*key),
                    view.terms.get(*key)
                ));
            }
        }
    }
    line(format!("\nTerms hash: {}", hex_string(&view.terms_hash)));
    s.trim_end().to_owned()
}

fn call_json(c: &Call, flags: &CallFlags, now: Timestamp) -> Value {
    json!({
        "kind": "call",
        "id": c.id,
        "reason": c.reason,
        "started_by": c.started_by,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
        "situation": c.situation,
        "tried": c.tried,
        "urge_before": c.urge_before,
        "suggested": c.suggested,
        "urge_after": c.urge_after,
        "outcome": c.outcome,
        "declined_reason": (c.outcome == Some(CallOutcome::Declined)).then_some("lockout"),
        "shown_resources": c.shown_resources,
        "returns": c.returns,
        "long": flags.long,
        "during_lockout": flags.during_lockout,
        "callback": flags.callback.as_ref().map(|r| json!({
            "due_at": r.due_at,
            "returned_at": r.returned_by(now),
            "met_in_time": r.met_in_time,
            "overdue": r.is_overdue(now),
        })),
    })
}

pub fn log_json(entries: &[LogEntry], now: Timestamp) -> Value {
    json!(entries
        .iter()
        .map(|e| match e {
            LogEntry::Call { call, flags } => call_json(call, flags, now),
            LogEntry::Report {
                report: r,
                behavior,
            } => json!({
                "kind": "behavior",
                "id": r.id,
                "behavior_id": r.behavior,
                "behavior": behavior.as_ref().map(|b| &b.label),
                "occurred_at": r.occurred_at,
                "reported_at": r.reported_at,
                "reported_by": r.reported_by,
                "retracted": r.retracted_at.is_some(),
                "retracted_at": r.retracted_at,
            }),
        })
        .collect::<Vec<_>>())
}

fn call_line(c: &Call, flags: &CallFlags, now: Timestamp) -> String {
    let outcome = match c.outcome {
        Some(CallOutcome::Declined) => "declined (24-hour rule)".to_owned(),
        Some(o) => o.as_str().to_owned(),
        None => "in progress".to_owned(),
    };
    let urges = match (c.urge_before, c.urge_after) {
        (Some(b), Some(a)) => format!(", urge {} → {}", b.value(), a.value()),
        (Some(b), None) => format!(", urge {}", b.value()),
        _ => String::new(),
    };
    let mut marks = Vec::new();
    if let Some(request) = &c.returns {
        marks.push(format!("returns {request}"));
    }
    if flags.long {
        marks.push("long".to_owned());
    }
    if flags.during_lockout && c.outcome != Some(CallOutcome::Declined) {
        marks.push("during lockout".to_owned());
    }
    if let Some(r) = &flags.callback {
        marks.push(match (r.returned_by(now), r.is_overdue(now)) {
            (Some(at), _) => format!("called back {at}"),
            (None, true) => format!("callback OVERDUE since {}", r.due_at),
            (None, false) => format!("callback due {}", r.due_at),
        });
    }
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!("  [{}]", marks.join("; "))
    };
    format!(
        "{}  call {}  {} by {}, {outcome}{urges}{marks}",
        c.started_at,
        c.id,
        c.reason.as_str(),
        c.started_by
    )
}

pub fn log_text(entries: &[LogEntry], now: Timestamp) -> String {
    if entries.is_empty() {
        return "The log is empty.".into();
    }
    entries
        .iter()
        .map(|e| match e {
            LogEntry::Call { call, flags } => call_line(call, flags, now),
            LogEntry::Report {
                report: r,
                behavior,
            } => {
                let what = behavior
                    .as_ref()
                    .map(|b| b.label.as_str())
                    .unwrap_or("target behaviour");
                let retracted = if r.retracted_at.is_some() {
                    " (retracted)"
                } else {
                    ""
                };
                format!(
                    "{}  report {}  {what}, reported by {}{retracted}",
                    r.occurred_at, r.id, r.reported_by
                )
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn status_json(decision: &Decision, status: AgreementStatus) -> Value {
    let mut value = json!(decision);
    value["agreement_status"] = json!(status);
    value
}

fn resources_text(resources: &[Resource]) -> String {
    resources
        .iter()
        .map(|r| format!("  • {} — {}", r.name, r.contact))
        .collect::<Vec<_>>()
        .join("\n")
}

fn plan_text(decision: &Decision) -> String {
    let mut s = format!(
        "\nCrisis resources:\n{}",
        resources_text(&decision.resources)
    );
    if let Some(plan) = &decision.backup_plan {
        s.push_str(&format!("\nBackup plan: {plan}"));
    }
    s
}

pub fn status_text(decision: &Decision, status: AgreementStatus) -> String {
    let mut s = decision.message.clone();
    match (
        decision.available,
        decision.available_until,
        decision.next_available,
    ) {
        (true, Some(until), _) => s.push_str(&format!("\nTherapist available until {until}.")),
        (false, _, Some(next)) => s.push_str(&format!("\nTherapist next available {next}.")),
        _ => {}
    }
    for p in &decision.pending_callbacks {
        let state = if p.overdue { "OVERDUE" } else { "pending" };
        s.push_str(&format!(
            "\nCallback for call {} {state}, due {}.",
            p.call_id, p.due_at
        ));
    }
    s.push_str(&plan_text(decision));
    s.push_str(&format!(
        "\nAgreement: {}",
        status.as_str().replace('_', " ")
    ));
    s
}

pub fn attempt_json(attempt: &CallAttempt) -> Value {
    match attempt {
        CallAttempt::Started { id, callback_due } => json!({
            "id": id,
            "declined": false,
            "callback_request": callback_due.is_some(),
            "callback_due": callback_due,
        }),
        CallAttempt::Declined { id, decision } => json!({
            "id": id,
            "declined": true,
            "reason": "lockout",
            "locked_until": decision.locked_until,
            "message": decision.message,
            "resources": decision.resources,
            "backup_plan": decision.backup_plan,
        }),
    }
}

pub fn attempt_text(attempt: &CallAttempt) -> String {
    match attempt {
        CallAttempt::Started { id, callback_due: None } => format!("Started call {id}"),
        CallAttempt::Started { id, callback_due: Some(due) } => format!(
            "Started call {id}\nYour therapist is outside their phone hours: this is a request for a \
             call back. Expect the return call by {due}."
        ),
        CallAttempt::Declined { id, decision } => {
            format!("Call {id} not placed. {}{}", decision.message, plan_text(decision))
        }
    }
}

pub fn summary_text(s: &Summary) -> String {
    let mut out = vec![format!("Summary {} to {}", s.since, s.until)];
    let by_reason: Vec<String> = s
        .calls_by_reason
        .iter()
        .map(|(r, n)| format!("{} {n}", r.as_str()))
        .collect();
    out.push(format!("Calls by reason: {}", by_reason.join(", ")));
    let d = &s.durations;
    if let (Some(median), Some(share)) = (d.median_minutes, d.within_band_share) {
        out.push(format!(
            "Completed calls: median {median:.1} minutes, {:.0}% within the agreed length, {} long",
            share * 100.0,
            d.long_calls.len()
        ));
    }
    out.push(format!(
        "Declined attempts (24-hour rule): {}",
        s.declined_attempts.len()
    ));
    for a in &s.declined_attempts {
        out.push(format!("  {} call {}", a.at, a.call_id));
    }
    out.push(format!("Lockouts: {}", s.lockouts.len()));
    for w in &s.lockouts {
        out.push(format!(
            "  {} to {} (report {})",
            w.from, w.until, w.report_id
        ));
    }
    if !s.during_lockout_calls.is_empty() {
        let ids: Vec<String> = s
            .during_lockout_calls
            .iter()
            .map(|i| i.to_string())
            .collect();
        out.push(format!(
            "Calls made during a lockout (reported later): {}",
            ids.join(", ")
        ));
    }
    out.push(format!("Callback requests: {}", s.callback_requests.len()));
    for r in &s.callback_requests {
        let fate = match (r.returned_at, r.met_in_time, r.overdue) {
            (Some(at), true, _) => format!("returned {at}, in time"),
            (Some(at), false, _) => format!("returned {at}, late"),
            (None, _, true) => "OVERDUE".to_owned(),
            (None, _, false) => "pending".to_owned(),
        };
        out.push(format!(
            "  call {} at {}: due {}, {fate}",
            r.call_id, r.requested_at, r.due_at
        ));
    }
    let skills = |list: &[rules::summary::SkillCount]| {
        list.iter()
            .map(|k| format!("{} ×{}", k.skill, k.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push(format!("Skills tried: {}", skills(&s.skills_tried)));
    out.push(format!("Skills suggested: {}", skills(&s.skills_suggested)));
    if !s.urges.is_empty() {
        out.push("Urges (before → after):".to_owned());
        for u in &s.urges {
            let show = |v: Option<u8>| v.map(|n| n.to_string()).unwrap_or_else(|| "–".into());
            out.push(format!(
                "  {} call {}: {} → {}",
                u.started_at,
                u.call_id,
                show(u.before),
                show(u.after)
            ));
        }
    }
    out.join("\n")
}
