//! Text and JSON output. Times are RFC 3339 in both.

use coachline_core::identity::fingerprint;
use coachline_core::model::{Call, TermKey};
use coachline_core::store::{AgreementListItem, AgreementView, LogEntry};
use serde_json::{json, Value};

/// Where results go: JSON on stdout with `--json`, readable text otherwise.
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn print(&self, value: &Value, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("JSON values serialize")
            );
        } else {
            println!("{}", text());
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

pub fn agreement_json(view: &AgreementView) -> Value {
    let t = &view.terms;
    json!({
        "id": view.id,
        "created_at": view.created_at,
        "status": view.assessment.status,
        "missing": view.assessment.missing,
        "terms_hash": hex_string(&view.terms_hash),
        "terms": {
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
        },
        "resources": view.resources,
        "behaviors": view.behaviors.iter().map(|b| json!({
            "id": b.id, "label": b.label, "triggers_lockout": b.triggers_lockout,
        })).collect::<Vec<_>>(),
        "holidays": view.holidays,
        "signatures": view.assessment.signatures.iter().map(|s| json!({
            "id": s.record.id,
            "role": s.record.role,
            "name": s.record.name,
            "signed_at": s.record.signed_at,
            "fingerprint": fingerprint(&s.record.public_key),
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
                "INVALID: not the key first recorded for this role, does not count"
            }
            (None, true) => "valid, on the current terms",
            (None, false) => "valid, on earlier terms",
        };
        line(format!(
            "  {} {} at {} (key {}): {verdict}",
            sig.record.role,
            sig.record.name,
            sig.record.signed_at,
            fingerprint(&sig.record.public_key)
        ));
    }
    line(format!("\nTerms hash: {}", hex_string(&view.terms_hash)));
    s.trim_end().to_owned()
}

fn call_json(c: &Call) -> Value {
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
        "returns": c.returns,
        "shown_resources": c.shown_resources,
    })
}

pub fn log_json(entries: &[LogEntry]) -> Value {
    json!(entries
        .iter()
        .map(|e| match e {
            LogEntry::Call(c) => call_json(c),
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

pub fn log_text(entries: &[LogEntry]) -> String {
    if entries.is_empty() {
        return "The log is empty.".into();
    }
    entries
        .iter()
        .map(|e| match e {
            LogEntry::Call(c) => {
                let outcome = c.outcome.map(|o| o.as_str()).unwrap_or("in progress");
                let urges = match (c.urge_before, c.urge_after) {
                    (Some(b), Some(a)) => format!(", urge {} → {}", b.value(), a.value()),
                    (Some(b), None) => format!(", urge {}", b.value()),
                    _ => String::new(),
                };
                format!(
                    "{}  call {}  {} by {}, {outcome}{urges}",
                    c.started_at,
                    c.id,
                    c.reason.as_str(),
                    c.started_by
                )
            }
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
