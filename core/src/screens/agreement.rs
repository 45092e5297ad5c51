//! The agreement as both parties read it, in the seed form's order, with who signed
//! what and what an unsigned edit would change; and the editor, term by term.

use super::action::Action;
use super::{Button, ButtonKind, Viewer};
use crate::error::Result;
use crate::identity::AgreementStatus;
use crate::model::{AgreementId, Role, TermKey, Terms};
use crate::store::{AgreementView, Store};
use crate::time::Timestamp;
use crate::words::{Arg, Words};

/// One part of the form.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    /// `rationale`, `reasons`, `goals`, `expectations`, `hours`, `backup_plan`,
    /// `lockout`, `resources`.
    pub key: &'static str,
    pub title: String,
    /// The terms in force, one paragraph or list item each.
    pub items: Vec<String>,
    /// An edit waiting for both signatures changes this part.
    pub changed: bool,
    /// The edited part, as it would read once both sign, when `changed`.
    pub proposed: Option<Vec<String>>,
}

crate::redacted_debug!(Section {
    key,
    title,
    items: redacted,
    changed,
    proposed: redacted
});

/// A signature, as the form shows it.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureLine {
    pub role: Role,
    pub signed_at: Timestamp,
    /// "Signed by Sam (client) on Tuesday 3 March".
    pub text: String,
    /// On the terms as they stand now.
    pub current: bool,
}

crate::redacted_debug!(SignatureLine {
    role,
    signed_at,
    text: redacted,
    current
});

/// The Agreement screen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AgreementScreen {
    pub agreement: AgreementId,
    pub title: String,
    pub status: AgreementStatus,
    /// Who still has to sign, and what that means for the rules.
    pub status_text: String,
    pub sections: Vec<Section>,
    pub signatures: Vec<SignatureLine>,
    /// "The 24-hour rule", "Phone hours"...: what changed since both signed.
    pub changes: Vec<String>,
    /// The heading over `changes`, and the mark on a changed section.
    pub changed_label: String,
    /// The heading over a section's proposed text.
    pub proposed_label: String,
    /// Offered when this phone's party has not signed the terms as they stand.
    pub sign: Option<Button>,
}

/// The Agreement screen of `id` for this phone's party.
pub fn agreement(store: &mut Store, viewer: &Viewer, id: &AgreementId) -> Result<AgreementScreen> {
    let me = store.whoami()?.role;
    let view = store.agreement_shared(id)?;
    let words = viewer.words();
    let in_force = super::home::in_force(&view);
    let proposal = view.proposal.as_ref();
    let changed = |section: &str| {
        proposal.is_some_and(|p| {
            p.terms.iter().any(|k| section_of(*k) == Some(section))
                || (section == "resources" && p.resources)
                || (section == "lockout" && p.behaviors)
        })
    };
    let sections = SECTIONS
        .iter()
        .map(|&key| {
            let changed = changed(key);
            Section {
                key,
                title: words.get(&format!("section-{key}")),
                items: items(words, key, in_force, &view),
                changed,
                proposed: changed.then(|| items(words, key, &view.terms, &view)),
            }
        })
        .collect();
    let signatures = view
        .assessment
        .signatures
        .iter()
        .filter(|s| s.valid)
        .map(|s| {
            let sig = &s.record.signature;
            let date = words.date(sig.signed_at, viewer.time_zone.tz());
            let role = words.get(match sig.role {
                Role::Client => "role-client",
                Role::Therapist => "role-therapist",
            });
            SignatureLine {
                role: sig.role,
                signed_at: sig.signed_at,
                text: words.say(
                    "signature-line",
                    &[
                        ("name", Arg::from(&sig.name)),
                        ("role", Arg::from(&role)),
                        ("date", Arg::from(&date)),
                    ],
                ),
                current: s.current,
            }
        })
        .collect();
    let changes = proposal
        .map(|p| {
            let mut out: Vec<String> = p
                .terms
                .iter()
                .map(|k| words.get(&format!("term-{}", k.as_str())))
                .collect();
            if p.behaviors {
                out.push(words.get("change-behaviors"));
            }
            if p.resources {
                out.push(words.get("change-resources"));
            }
            out
        })
        .unwrap_or_default();
    let mine_missing = view.assessment.missing.contains(&me);
    let status_text = status_text(words, &view, me);
    Ok(AgreementScreen {
        agreement: id.clone(),
        title: words.get("agreement-title"),
        status: view.assessment.status,
        status_text,
        sections,
        signatures,
        changes,
        changed_label: words.get("agreement-changed"),
        proposed_label: words.get("agreement-proposed"),
        sign: mine_missing.then(|| Button {
            kind: ButtonKind::SignAgreement,
            label: words.get("agreement-sign"),
            uri: None,
            primary: true,
            action: Action::Sign {
                agreement: id.clone(),
            },
        }),
    })
}

/// The seed form's parts, in its order.
const SECTIONS: [&str; 8] = [
    "rationale",
    "reasons",
    "goals",
    "expectations",
    "hours",
    "backup_plan",
    "lockout",
    "resources",
];

fn section_of(key: TermKey) -> Option<&'static str> {
    Some(match key {
        TermKey::ClientName | TermKey::TherapistName => return None,
        TermKey::Rationale => "rationale",
        TermKey::Reasons => "reasons",
        TermKey::Goals => "goals",
        TermKey::Expectations => "expectations",
        TermKey::CallMinutes
        | TermKey::ReturnCallMinutes
        | TermKey::TimeZone
        | TermKey::Availability => "hours",
        TermKey::BackupPlan => "backup_plan",
        TermKey::LockoutHours => "lockout",
    })
}

/// A part's paragraphs, from `terms` (and the agreement's lists).
fn items(words: &Words, section: &str, terms: &Terms, view: &AgreementView) -> Vec<String> {
    match section {
        "rationale" => vec![terms.rationale.clone()],
        "reasons" => terms.reasons.clone(),
        "goals" => terms.goals.clone(),
        "expectations" => terms.expectations.clone(),
        "hours" => {
            let schedule = terms.availability.to_string();
            let hours = if schedule.is_empty() {
                words.get("hours-none")
            } else {
                words.say(
                    "hours-schedule",
                    &[
                        ("schedule", Arg::from(&schedule)),
                        ("zone", Arg::from(terms.time_zone.name())),
                    ],
                )
            };
            vec![
                hours,
                words.say(
                    "hours-call-length",
                    &[
                        ("min", Arg::from(terms.call_minutes.min)),
                        ("max", Arg::from(terms.call_minutes.max)),
                    ],
                ),
                words.say(
                    "hours-return-call",
                    &[("minutes", Arg::from(terms.return_call_minutes))],
                ),
            ]
        }
        "backup_plan" => vec![terms.backup_plan.clone()],
        "lockout" => {
            let mut out =
                vec![words.say("lockout-rule", &[("hours", Arg::from(terms.lockout_hours))])];
            let locking: Vec<&str> = view
                .behaviors
                .iter()
                .filter(|b| b.triggers_lockout)
                .map(|b| b.label.as_str())
                .collect();
            if !locking.is_empty() {
                let list = locking.join(", ");
                out.push(words.say("lockout-behaviors", &[("list", Arg::from(&list))]));
            }
            out
        }
        _ => view
            .resources
            .iter()
            .map(|r| {
                words.say(
                    "resource-line",
                    &[
                        ("name", Arg::from(&r.name)),
                        ("contact", Arg::from(&r.contact)),
                    ],
                )
            })
            .collect(),
    }
}

fn status_text(words: &Words, view: &AgreementView, me: Role) -> String {
    let missing = &view.assessment.missing;
    match view.assessment.status {
        AgreementStatus::Active => words.get("agreement-status-active"),
        _ if missing.contains(&me) && missing.len() == 1 => words.get("agreement-status-you"),
        _ if missing.len() == 2 => words.get("agreement-status-both"),
        _ => words.get("agreement-status-other"),
    }
}

/// One term in the editor.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct EditorTerm {
    pub key: TermKey,
    pub label: String,
    /// The text of the term in force (what the rules apply).
    pub in_force: String,
    /// The text as it stands, or as being edited: what `save` proposes.
    pub value: String,
    /// `value` differs from the term in force: a proposal until both sign.
    pub proposed: bool,
    pub problem: Option<String>,
    pub save: Button,
}

crate::redacted_debug!(EditorTerm {
    key,
    label,
    in_force: redacted,
    value: redacted,
    proposed,
    problem,
    save
});

/// The Agreement editor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Editor {
    pub agreement: AgreementId,
    pub title: String,
    /// How edits work: proposals until both sign.
    pub intro: String,
    pub terms: Vec<EditorTerm>,
}

/// The editor of `id`, with `editing` (a term and the text typed so far) validated.
pub fn editor(
    store: &mut Store,
    viewer: &Viewer,
    id: &AgreementId,
    editing: Option<(TermKey, &str)>,
) -> Result<Editor> {
    let view = store.agreement_shared(id)?;
    let words = viewer.words();
    let in_force = super::home::in_force(&view);
    let terms = TermKey::ALL
        .iter()
        .map(|&key| {
            let typed = editing.filter(|(k, _)| *k == key).map(|(_, v)| v);
            let value = typed.map_or_else(|| view.terms.get(key), str::to_owned);
            let problem = typed.and_then(|v| {
                let mut check = view.terms.clone();
                check
                    .set(key, v)
                    .err()
                    .map(|_| words.say("problem-term", &[("term", Arg::from(key.as_str()))]))
            });
            let in_force = in_force.get(key);
            EditorTerm {
                key,
                label: words.get(&format!("term-{}", key.as_str())),
                proposed: value.trim() != in_force.trim(),
                in_force,
                save: Button {
                    kind: ButtonKind::Save,
                    label: words.get("editor-save"),
                    uri: None,
                    primary: false,
                    action: Action::ProposeTerm {
                        agreement: id.clone(),
                        term: key,
                        value: value.clone(),
                    },
                },
                value,
                problem,
            }
        })
        .collect();
    Ok(Editor {
        agreement: id.clone(),
        title: words.get("editor-title"),
        intro: words.get("editor-intro"),
        terms,
    })
}
