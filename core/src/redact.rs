//! `Debug` output that never shows what a person wrote.
//!
//! Debug output ends up in logs, crash reports, test failure messages and bug
//! reports, where mental-health data must never go. So every type that holds a name,
//! a note, a skill, a behaviour label or a contact implements `Debug` through
//! [`redacted_debug!`](crate::redacted_debug): ids, times, enums, numbers and flags as
//! they are, text as `<redacted>` and a list of texts as its length. Types that only
//! hold such types (an agreement view, a log entry, a snapshot) keep a derived `Debug`,
//! which shows their fields through these. The macro destructures the whole value, so a
//! field added later does not compile until it is listed, shown or redacted.

use std::fmt;

/// Shows a text field as `<redacted>`, whatever it holds.
pub struct Redacted<'a, T: ?Sized>(pub &'a T);

/// How a field holding text is shown redacted.
pub trait Redact {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Redact for String {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Redact> Redact for Option<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            None => f.write_str("None"),
            Some(value) => {
                f.write_str("Some(")?;
                value.fmt_redacted(f)?;
                f.write_str(")")
            }
        }
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} redacted>", self.len())
    }
}

impl<T: Redact + ?Sized> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_redacted(f)
    }
}

/// Implements `Debug` for a struct, listing every field: `field` is shown as its own
/// `Debug` shows it, `field: redacted` through [`Redacted`].
#[macro_export]
macro_rules! redacted_debug {
    ($ty:ident { $($field:ident $(: $redacted:ident)?),* $(,)? }) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let Self { $($field),* } = self;
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &$crate::redacted_debug!(@value $field $($redacted)?)))*
                    .finish()
            }
        }
    };
    (@value $field:ident) => { $field };
    (@value $field:ident redacted) => { $crate::redact::Redacted($field) };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::doc::{Entry, Header, Snapshot};
    use crate::identity::{
        AgreementStatus, Assessment, DeviceIdentity, SignatureCheck, SignatureRecord,
    };
    use crate::model::*;
    use crate::rules::decision::{Decision, Permission};
    use crate::rules::summary::{Durations, SkillCount, Summary};
    use crate::rules::{AgreementState, CallFlags, Rules};
    use crate::store::{AgreementListItem, AgreementView, CallAttempt, IdentityInfo, LogEntry};
    use crate::time::Timestamp;

    /// Written into every text field: it must never come out of `Debug`.
    const MARKER: &str = "Zelda-Quux";

    fn text() -> String {
        MARKER.to_owned()
    }

    fn texts() -> Vec<String> {
        vec![text(), format!("second {MARKER}")]
    }

    fn terms() -> Terms {
        let mut terms = Terms::seed(MARKER, MARKER, "UTC".parse().unwrap()).unwrap();
        terms.rationale = text();
        terms.reasons = texts();
        terms.goals = texts();
        terms.expectations = texts();
        terms.backup_plan = text();
        terms
    }

    fn call() -> Call {
        Call {
            id: EntryId::random(),
            reason: CallReason::Coaching,
            started_by: Role::Client,
            started_at: Timestamp::from_millis(1),
            ended_at: Some(Timestamp::from_millis(2)),
            situation: Some(text()),
            tried: texts(),
            urge_before: Some(Urge::new("urge", 3).unwrap()),
            suggested: texts(),
            urge_after: None,
            outcome: Some(CallOutcome::Completed),
            returns: None,
            shown_resources: texts(),
        }
    }

    fn resource() -> Resource {
        Resource {
            id: EntryId::random(),
            name: text(),
            contact: text(),
            added_at: Timestamp::from_millis(1),
        }
    }

    fn behavior() -> Behavior {
        Behavior {
            id: EntryId::random(),
            label: text(),
            triggers_lockout: true,
            removed: false,
        }
    }

    fn holiday() -> Holiday {
        let day = Holiday::parse_date("from", "2026-12-24").unwrap();
        Holiday::new(day, day, Some(text())).unwrap()
    }

    fn signature() -> Signature {
        Signature {
            id: EntryId::random(),
            role: Role::Therapist,
            name: text(),
            signed_at: Timestamp::from_millis(1),
            public_key: vec![1; 32],
            terms_hash: vec![2; 32],
            signature: vec![3; 64],
            signed_terms: Some(text()),
        }
    }

    /// A version in force whose terms hold the marker everywhere they hold text.
    fn version(id: &AgreementId) -> crate::rules::Version {
        let canonical = canonical_terms(id, &terms(), &[resource()], &[behavior()]);
        crate::rules::Version {
            since: Timestamp::from_millis(1),
            signed: SignedTerms::parse(id, &canonical).unwrap(),
        }
    }

    fn report() -> Report {
        Report {
            id: EntryId::random(),
            behavior: Some(EntryId::random()),
            occurred_at: Timestamp::from_millis(1),
            reported_at: Timestamp::from_millis(2),
            reported_by: Role::Client,
            retracted_at: None,
        }
    }

    fn decision() -> Decision {
        Decision {
            permission: Permission::LockedOut,
            locked_until: Some(Timestamp::from_millis(5)),
            available: false,
            available_until: None,
            next_available: None,
            pending_callbacks: Vec::new(),
            resources: vec![resource()],
            show_backup_plan: true,
            backup_plan: Some(text()),
            lockout_hours: 24,
            message: "Calls are paused.".into(),
        }
    }

    fn state() -> AgreementState {
        AgreementState {
            terms: terms(),
            in_force: crate::rules::InForce::new(vec![version(&AgreementId::random())]),
            resources: vec![resource()],
            behaviors: vec![behavior()],
            holidays: vec![holiday()],
            calls: vec![call()],
            reports: vec![report()],
            sessions: Vec::new(),
        }
    }

    fn skills() -> Vec<SkillCount> {
        vec![SkillCount {
            skill: text(),
            count: 2,
        }]
    }

    /// Every type that holds text, directly or through another.
    fn everything() -> Vec<(&'static str, Box<dyn std::fmt::Debug>)> {
        let id = AgreementId::random();
        let signature_check = SignatureCheck {
            record: SignatureRecord {
                signature: signature(),
                verifies: true,
            },
            valid: true,
            current: true,
            problem: None,
        };
        vec![
            ("Terms", Box::new(terms())),
            (
                "CallStart",
                Box::new(CallStart::new(CallReason::News, Some(MARKER), &texts(), None).unwrap()),
            ),
            (
                "CallEnd",
                Box::new(CallEnd::new(&texts(), Some(1), None).unwrap()),
            ),
            ("Call", Box::new(call())),
            ("Report", Box::new(report())),
            ("Resource", Box::new(resource())),
            ("Behavior", Box::new(behavior())),
            ("Holiday", Box::new(holiday())),
            ("Signature", Box::new(signature())),
            (
                "TermEdit",
                Box::new(TermEdit {
                    id: EntryId::random(),
                    term: TermKey::BackupPlan,
                    by: Role::Client,
                    name: text(),
                    at: Timestamp::from_millis(1),
                }),
            ),
            (
                "Snapshot",
                Box::new(Snapshot {
                    header: Header {
                        id: id.clone(),
                        created_at: Timestamp::from_millis(1),
                        therapist_key: vec![1; 32],
                    },
                    terms: terms(),
                    entries: vec![
                        Entry::Call(call()),
                        Entry::Resource {
                            resource: resource(),
                            removed: false,
                        },
                        Entry::Behavior(behavior()),
                        Entry::Holiday {
                            holiday: holiday(),
                            removed: true,
                        },
                        Entry::Signature(signature()),
                    ],
                }),
            ),
            (
                "AgreementView",
                Box::new(AgreementView {
                    id: id.clone(),
                    created_at: Timestamp::from_millis(1),
                    terms: terms(),
                    resources: vec![resource()],
                    behaviors: vec![behavior()],
                    holidays: vec![holiday()],
                    terms_hash: [0; 32],
                    assessment: Assessment {
                        status: AgreementStatus::Active,
                        missing: Vec::new(),
                        signatures: vec![signature_check],
                    },
                    signed_versions: vec![version(&id)],
                    proposal: None,
                    paired_phones: Vec::new(),
                }),
            ),
            (
                "AgreementListItem",
                Box::new(AgreementListItem {
                    id: id.clone(),
                    client_name: text(),
                    therapist_name: text(),
                    status: AgreementStatus::Draft,
                }),
            ),
            (
                "IdentityInfo",
                Box::new(IdentityInfo {
                    role: Role::Client,
                    name: text(),
                    public_key: "00".into(),
                    fingerprint: "1a2b".into(),
                }),
            ),
            (
                "DeviceIdentity",
                Box::new(DeviceIdentity::generate(Role::Client, MARKER).unwrap()),
            ),
            (
                "LogEntry",
                Box::new(vec![
                    LogEntry::Call {
                        call: call(),
                        flags: CallFlags {
                            long: true,
                            during_lockout: false,
                            callback: None,
                        },
                    },
                    LogEntry::Report {
                        report: report(),
                        behavior: Some(behavior()),
                    },
                ]),
            ),
            ("AgreementState", Box::new(state())),
            ("Rules", Box::new(Rules::new(&state()))),
            ("Decision", Box::new(decision())),
            (
                "CallAttempt",
                Box::new(CallAttempt::Declined {
                    id: EntryId::random(),
                    decision: decision(),
                }),
            ),
            (
                "Summary",
                Box::new(Summary {
                    since: Timestamp::from_millis(0),
                    until: Timestamp::from_millis(1),
                    calls_by_reason: BTreeMap::new(),
                    durations: Durations {
                        median_minutes: Some(6.0),
                        within_band_share: None,
                        long_calls: Vec::new(),
                    },
                    declined_attempts: Vec::new(),
                    lockouts: Vec::new(),
                    during_lockout_calls: Vec::new(),
                    callback_requests: Vec::new(),
                    skills_tried: skills(),
                    skills_suggested: skills(),
                    urges: Vec::new(),
                }),
            ),
        ]
    }

    #[test]
    fn no_debug_output_shows_any_text_a_person_wrote() {
        for (name, value) in everything() {
            for shown in [format!("{value:?}"), format!("{value:#?}")] {
                assert!(!shown.contains(MARKER), "{name} shows text: {shown}");
                assert!(!shown.contains("Zelda"), "{name} shows part of a text");
            }
        }
    }

    #[test]
    fn redacted_debug_still_shows_ids_times_enums_and_counts() {
        let call = call();
        let shown = format!("{call:?}");
        assert!(shown.contains(call.id.as_str()), "{shown}");
        assert!(
            shown.contains("Coaching") && shown.contains("Completed"),
            "{shown}"
        );
        assert!(shown.contains("situation: Some(<redacted>)"), "{shown}");
        assert!(shown.contains("tried: <2 redacted>"), "{shown}");
        let terms = format!("{:?}", terms());
        assert!(terms.contains("lockout_hours: 24"), "{terms}");
    }
}
