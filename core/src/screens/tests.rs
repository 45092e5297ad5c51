//! Journeys through the screens, on two real stores: what a client and a therapist
//! see and do, as the apps will drive them.

use super::*;
use crate::model::{AgreementId, CallReason, EntryId, Role, TermKey};
use crate::store::{test_key, Store};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339("now", text).unwrap()
}

/// Monday 2 March 2026, 10:00 in New York (EST, UTC-5).
fn monday_10am() -> Timestamp {
    at("2026-03-02T15:00:00Z")
}

fn new_york() -> Viewer {
    Viewer::new("America/New_York", None).unwrap()
}

struct Phones {
    _dir: tempfile::TempDir,
    therapist: Store,
    client: Store,
    id: AgreementId,
}

fn send(from: &mut Store, to: &mut Store, id: &AgreementId, now: Timestamp) -> usize {
    let mut n = 0;
    while let Some(message) = from.sync_next(id, now).unwrap() {
        to.sync_receive(&message, now).unwrap();
        n += 1;
    }
    n
}

fn quiesce(p: &mut Phones, now: Timestamp) {
    for _ in 0..10 {
        let sent = send(&mut p.client, &mut p.therapist, &p.id, now)
            + send(&mut p.therapist, &mut p.client, &p.id, now);
        if sent == 0 {
            return;
        }
    }
    panic!("no quiescence");
}

/// Paired through the screens' actions, weekday hours 09:00–17:00 in New York, a
/// behaviour that locks, signed by both, in sync.
fn phones() -> Phones {
    let dir = tempfile::tempdir().unwrap();
    let mut therapist = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
    let t0 = monday_10am().plus_hours(-24 * 7);
    therapist.init(Role::Therapist, "Dr T", t0).unwrap();
    let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
    client.init(Role::Client, "Casey", t0).unwrap();
    let id = therapist
        .create_agreement("Casey", Some("America/New_York"), t0)
        .unwrap();
    therapist
        .set_term(&id, TermKey::Availability, "Mon-Fri 09:00-17:00", t0)
        .unwrap();
    therapist.add_behavior(&id, "self-harm", true, t0).unwrap();
    let viewer = new_york();
    let effects = act(
        &mut therapist,
        &viewer,
        Action::Invite {
            agreement: id.clone(),
        },
        t0,
    )
    .unwrap();
    let [Effect::ShowCode { payload, .. }] = effects.as_slice() else {
        panic!("an invitation shows a code");
    };
    act(
        &mut client,
        &viewer,
        Action::Join {
            invitation: payload.clone(),
        },
        t0,
    )
    .unwrap();
    let mut p = Phones {
        _dir: dir,
        therapist,
        client,
        id,
    };
    quiesce(&mut p, t0);
    for store in [&mut p.therapist, &mut p.client] {
        act(
            store,
            &viewer,
            Action::Sign {
                agreement: p.id.clone(),
            },
            t0,
        )
        .unwrap();
    }
    quiesce(&mut p, t0);
    p
}

/// The id of the behaviour labelled `label`.
fn behavior(store: &mut Store, id: &AgreementId, label: &str) -> crate::model::EntryId {
    store
        .agreement_shared(id)
        .unwrap()
        .behaviors
        .iter()
        .find(|b| b.label == label)
        .unwrap()
        .id
        .clone()
}

/// Starts a call through `act` and returns its id, from the During-a-call screen
/// the action leads to.
fn start_call(store: &mut Store, id: &AgreementId, draft: CallDraft, at: Timestamp) -> EntryId {
    let action = Action::StartCall {
        agreement: id.clone(),
        draft,
    };
    let effects = act(store, &new_york(), action, at).unwrap();
    let Some(Effect::Show {
        route: Route::DuringCall { call, .. },
    }) = effects.last()
    else {
        panic!("the call goes ahead");
    };
    call.clone()
}

/// Every string of a screen, so a journey can check none is an unresolved message id.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// Panics if a screen shows a message id instead of its words.
fn all_words_resolved(screen: &impl serde::Serialize) {
    let mut out = Vec::new();
    strings(&serde_json::to_value(screen).unwrap(), &mut out);
    let catalogue = include_str!("../words/en.ftl");
    for s in out.into_iter().filter(|s| !s.is_empty()) {
        let is_id = catalogue
            .lines()
            .any(|l| l.split(" =").next() == Some(s.as_str()));
        assert!(!is_id, "a screen shows the message id {s}");
    }
}

#[test]
fn a_client_in_a_lockout_sees_988_first_with_the_time_the_lockout_ends() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    let self_harm = behavior(&mut p.client, &p.id, "self-harm");
    let draft = ReportDraft {
        behavior: Some(self_harm),
        when: ReportWhen::MinutesAgo { minutes: 60 },
    };
    let screen = report(&mut p.client, &viewer, &p.id, &draft, now).unwrap();
    assert_eq!(screen.next, "Under your 24-hour rule, calls to your therapist will wait until 9:00 AM tomorrow. Your crisis resources are there for you the whole time.");
    assert!(screen
        .agreement_rule
        .as_deref()
        .is_some_and(|r| r.starts_with("24 hour rule: call your therapist before")));
    all_words_resolved(&screen);
    let effects = act(&mut p.client, &viewer, screen.submit.action.clone(), now).unwrap();
    assert!(matches!(
        effects.last(),
        Some(Effect::Show {
            route: Route::Home { .. }
        })
    ));

    let home = home(&mut p.client, &viewer, &p.id, now).unwrap();
    assert!(!home.can_call);
    assert_eq!(home.headline, "Calls are paused until 9:00 AM tomorrow");
    assert_eq!(home.locked_until, Some(at("2026-03-03T14:00:00Z")));
    let first = &home.actions[0];
    assert_eq!(
        (first.kind, first.uri.as_deref(), first.primary),
        (ButtonKind::CallResource, Some("tel:988"), true)
    );
    assert_eq!(first.label, "Call 988 Suicide & Crisis Lifeline");
    assert_eq!(home.actions[1].uri.as_deref(), Some("sms:988"));
    assert!(home
        .actions
        .iter()
        .all(|a| a.kind != ButtonKind::CallTherapist));
    assert!(
        home.backup_plan.is_some(),
        "the backup plan applies in a lockout"
    );
    // Stale at 5:00 PM, when the hours end, then at the lockout's end.
    assert_eq!(home.refresh_at, Some(at("2026-03-02T22:00:00Z")));
    all_words_resolved(&home);

    // Viewed from London, the same instant is said in London's time.
    let london = Viewer::new("Europe/London", None).unwrap();
    let there = super::home(&mut p.client, &london, &p.id, now).unwrap();
    assert_eq!(there.headline, "Calls are paused until 2:00 PM tomorrow");

    // Calling anyway is declined, recorded, and leads back to Home.
    let call = CallDraft {
        reason: Some(CallReason::Coaching),
        urge: Some(4),
        ..CallDraft::default()
    };
    let before = before_call(&mut p.client, &viewer, &p.id, &call, now).unwrap();
    assert!(before.will_be_declined && before.can_submit);
    let effects = act(&mut p.client, &viewer, before.submit.action, now).unwrap();
    assert!(matches!(effects[0], Effect::Notify { .. }));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::CallOtherParty { .. })));

    // The lockout ends at 9:00 AM: Home says so when the shell refreshes then.
    let later = super::home(&mut p.client, &viewer, &p.id, at("2026-03-03T14:00:00Z")).unwrap();
    assert!(later.can_call);
    assert_eq!(later.actions[0].kind, ButtonKind::CallTherapist);
}

#[test]
fn an_out_of_hours_call_asks_for_a_call_back_and_the_therapist_sees_that_client_first_once_it_is_overdue(
) {
    let mut p = phones();
    let viewer = new_york();
    // A second client, in a lockout, so the order is a real choice.
    let other = p
        .therapist
        .create_agreement("Robin", Some("America/New_York"), monday_10am())
        .unwrap();
    p.therapist
        .report_behavior(&other, None, monday_10am(), monday_10am())
        .unwrap();

    // Monday 20:00 in New York: out of hours.
    let evening = at("2026-03-03T01:00:00Z");
    let home = home(&mut p.client, &viewer, &p.id, evening).unwrap();
    assert_eq!(
        home.permission,
        crate::rules::Permission::TherapistUnavailable
    );
    assert_eq!(
        home.headline,
        "Your therapist is away until 9:00 AM tomorrow"
    );
    assert_eq!(
        home.actions[0].kind,
        ButtonKind::CallResource,
        "resources first"
    );
    let ask = home
        .actions
        .iter()
        .find(|a| a.kind == ButtonKind::RequestCallback)
        .unwrap();
    let Effect::Show {
        route: Route::BeforeCall { .. },
    } = &act(&mut p.client, &viewer, ask.action.clone(), evening).unwrap()[0]
    else {
        panic!("asking for a call back starts with the worksheet");
    };
    let draft = CallDraft {
        reason: Some(CallReason::Coaching),
        tried: vec!["TIPP".into()],
        urge: Some(3),
        ..CallDraft::default()
    };
    let call = &start_call(&mut p.client, &p.id, draft, evening);
    act(
        &mut p.client,
        &viewer,
        Action::EndCall {
            agreement: p.id.clone(),
            call: call.clone(),
            draft: AfterCallDraft {
                answered: false,
                ..AfterCallDraft::default()
            },
        },
        evening.plus_minutes(1),
    )
    .unwrap();
    let home = super::home(&mut p.client, &viewer, &p.id, evening.plus_minutes(2)).unwrap();
    let callback = home.callback.expect("a call back is pending");
    assert_eq!(
        callback.text,
        "You asked for a call back. Expect it by 10:00 AM tomorrow."
    );
    quiesce(&mut p, evening.plus_minutes(2));

    // Before it is due, the locked-out client comes first; once overdue, this one.
    let before_due = clients(&mut p.therapist, &viewer, at("2026-03-03T14:30:00Z")).unwrap();
    assert_eq!(before_due.rows[0].agreement, other);
    assert_eq!(
        before_due.refresh_at,
        Some(at("2026-03-03T15:00:00Z")),
        "the list goes stale when the call back falls due"
    );
    assert_eq!(
        before_due.rows[0].attention,
        vec![Attention::LockedOut, Attention::Unsigned]
    );
    let overdue = clients(&mut p.therapist, &viewer, at("2026-03-03T15:30:00Z")).unwrap();
    assert_eq!(overdue.rows[0].agreement, p.id);
    assert_eq!(overdue.rows[0].attention, vec![Attention::OverdueCallback]);
    assert_eq!(
        overdue.rows[0].reason,
        "Call back overdue since 10:00 AM today"
    );
    all_words_resolved(&overdue);

    // The therapist returns it from the client's log.
    let log = client(&mut p.therapist, &viewer, &p.id, at("2026-03-03T15:30:00Z")).unwrap();
    let line = log.log.iter().find(|l| l.return_call.is_some()).unwrap();
    assert_eq!(
        line.flags.iter().map(|f| f.code).collect::<Vec<_>>(),
        ["callback_request", "overdue"]
    );
    all_words_resolved(&log);
    let effects = act(
        &mut p.therapist,
        &viewer,
        line.return_call.clone().unwrap().action,
        at("2026-03-03T15:31:00Z"),
    )
    .unwrap();
    assert!(matches!(effects[0], Effect::CallOtherParty { .. }));
    let after = clients(&mut p.therapist, &viewer, at("2026-03-03T15:32:00Z")).unwrap();
    assert_eq!(after.rows[0].agreement, other);
}

#[test]
fn a_client_who_edits_the_lockout_hours_sees_a_proposal_while_the_lockout_still_holds() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    // The lockout term in the editor, with `typed` as the text being edited.
    let mut lockout_term = |typed: &str| {
        let editing = editor(
            &mut p.client,
            &viewer,
            &p.id,
            Some((TermKey::LockoutHours, typed)),
        );
        let editing = editing.unwrap();
        all_words_resolved(&editing);
        editing
            .terms
            .into_iter()
            .find(|t| t.key == TermKey::LockoutHours)
            .unwrap()
    };
    let term = lockout_term("a day");
    assert_eq!(
        term.problem.as_deref(),
        Some("Enter a whole number of hours, from 0 to 168.")
    );
    let term = lockout_term("0");
    assert!(term.problem.is_none() && term.proposed);
    act(
        &mut p.client,
        &viewer,
        term.save.action.clone(),
        now.plus_minutes(1),
    )
    .unwrap();

    let home = home(&mut p.client, &viewer, &p.id, now.plus_minutes(2)).unwrap();
    assert!(!home.can_call, "the signed 24 hours still hold");
    let banner = home.banner.expect("the edit needs signatures");
    assert_eq!(banner.label, "Your agreement has changes to read and sign");
    let screen = agreement(&mut p.client, &viewer, &p.id).unwrap();
    assert_eq!(screen.changes, ["The 24-hour rule (hours)"]);
    let lockout = screen.sections.iter().find(|s| s.key == "lockout").unwrap();
    assert!(lockout.changed);
    assert!(lockout.items[0].contains("pause for 24 hours"), "in force");
    assert!(lockout.proposed.as_ref().unwrap()[0].contains("pause for 0 hours"));
    assert_eq!(
        screen.sections.iter().map(|s| s.key).collect::<Vec<_>>(),
        [
            "rationale",
            "reasons",
            "goals",
            "expectations",
            "hours",
            "backup_plan",
            "lockout",
            "resources"
        ]
    );
    assert!(screen.sign.is_some());
    all_words_resolved(&screen);
}

#[test]
fn two_phones_sync_and_their_screens_agree() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    let sync_screen = sync(&mut p.client, &viewer, &p.id, now).unwrap();
    assert_eq!(
        sync_screen.waiting,
        "Changes are waiting to go to the therapist's phone."
    );
    all_words_resolved(&sync_screen);
    let effects = act(&mut p.client, &viewer, sync_screen.sync.action, now).unwrap();
    for effect in effects {
        if let Effect::ShareFile { bytes, .. } = effect {
            p.therapist.sync_receive(&bytes, now).unwrap();
        }
    }
    quiesce(&mut p, now);
    let on_client = home(&mut p.client, &viewer, &p.id, now).unwrap();
    let on_therapist = home(&mut p.therapist, &viewer, &p.id, now).unwrap();
    assert_eq!(
        (
            on_client.can_call,
            &on_client.headline,
            on_client.locked_until
        ),
        (
            on_therapist.can_call,
            &on_therapist.headline,
            on_therapist.locked_until
        )
    );
    assert_eq!(
        agreement(&mut p.client, &viewer, &p.id).unwrap().sections,
        agreement(&mut p.therapist, &viewer, &p.id)
            .unwrap()
            .sections
    );
    let row = &clients(&mut p.therapist, &viewer, now).unwrap().rows[0];
    assert_eq!(row.attention, vec![Attention::LockedOut]);
    let synced = sync(&mut p.client, &viewer, &p.id, now).unwrap();
    assert_eq!(
        synced.waiting,
        "The therapist's phone has everything from this one."
    );
}

#[test]
fn the_worksheet_shows_each_fields_problem_and_the_call_shows_the_band() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    let draft = CallDraft {
        reason: None,
        urge: Some(9),
        tried: vec!["two\nlines".into()],
        situation: String::new(),
    };
    let screen = before_call(&mut p.client, &viewer, &p.id, &draft, now).unwrap();
    assert_eq!(
        screen.reason.problem.as_deref(),
        Some("Choose what the call is about.")
    );
    assert_eq!(
        screen.urge.problem.as_deref(),
        Some("Choose a number from 0 to 5.")
    );
    assert!(screen.tried.problem.is_some() && screen.situation.problem.is_none());
    assert!(!screen.can_submit);
    assert_eq!(screen.intro, "Calls are brief, 5 to 8 minutes. Your therapist will ask what you have tried and help you find what to try next.");
    all_words_resolved(&screen);
    let err = act(&mut p.client, &viewer, screen.submit.action, now).unwrap_err();
    assert!(err.to_string().starts_with("invalid reason"), "{err}");

    let draft = CallDraft {
        reason: Some(CallReason::Clarification),
        ..CallDraft::default()
    };
    let call = &start_call(&mut p.client, &p.id, draft, now);
    let during = during_call(&mut p.client, &viewer, &p.id, call, now.plus_minutes(6)).unwrap();
    assert_eq!(
        (during.phase, during.progress.as_str(), during.cue.is_none()),
        (CallPhase::InBand, "6 of 5–8 minutes", true)
    );
    let long = during_call(&mut p.client, &viewer, &p.id, call, now.plus_minutes(9)).unwrap();
    assert_eq!(long.phase, CallPhase::PastBand);
    assert!(long.cue.is_some());
    assert_eq!(long.refresh_at, Some(now.plus_minutes(10)));
    all_words_resolved(&long);
    let after = after_call(
        &mut p.client,
        &viewer,
        &p.id,
        call,
        &AfterCallDraft {
            urge_after: Some(7),
            ..AfterCallDraft::default()
        },
    )
    .unwrap();
    assert_eq!(
        after.urge_after.problem.as_deref(),
        Some("Choose a number from 0 to 5.")
    );
    all_words_resolved(&after);
}

#[test]
fn session_prep_gives_the_summary_and_series_to_plot() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    for (n, urge) in [(0, 4), (1, 2)] {
        let draft = CallDraft {
            reason: Some(CallReason::Coaching),
            urge: Some(urge),
            tried: vec!["TIPP".into()],
            ..CallDraft::default()
        };
        let start = now.plus_hours(n);
        let call = &start_call(&mut p.client, &p.id, draft, start);
        let end = AfterCallDraft {
            urge_after: Some(1),
            ..AfterCallDraft::default()
        };
        act(
            &mut p.client,
            &viewer,
            Action::EndCall {
                agreement: p.id.clone(),
                call: call.clone(),
                draft: end,
            },
            start.plus_minutes(6),
        )
        .unwrap();
    }
    quiesce(&mut p, now.plus_hours(3));
    let prep = session_prep(&mut p.therapist, &viewer, &p.id, now.plus_hours(3)).unwrap();
    assert_eq!(prep.lines[0], "2 calls: 2 Coaching in a hard moment.");
    assert_eq!(
        prep.urges
            .iter()
            .map(|u| (u.before, u.after))
            .collect::<Vec<_>>(),
        [(Some(4), Some(1)), (Some(2), Some(1))]
    );
    assert_eq!(prep.weeks.len(), 8);
    assert_eq!(prep.weeks.last().unwrap().coaching, 2);
    all_words_resolved(&prep);
}

#[test]
fn invitations_and_pairing_codes_are_checked_on_screen() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    let invite_screen = invite(&mut p.therapist, &viewer, &p.id, now).unwrap();
    assert!(
        invite_screen.payload.is_none(),
        "the first invitation was spent"
    );
    act(&mut p.therapist, &viewer, invite_screen.make.action, now).unwrap();
    let shown = invite(&mut p.therapist, &viewer, &p.id, now).unwrap();
    assert!(shown
        .payload
        .as_deref()
        .is_some_and(|l| l.starts_with("COACHLINE1:")));
    assert_eq!(
        shown.expiry.as_deref(),
        Some("Valid until 10:00 AM on Wednesday, once.")
    );
    all_words_resolved(&shown);
    let code = shown.payload.unwrap();
    let ok = pairing(&mut p.client, &viewer, &code, now).unwrap();
    assert!(ok.can_submit && ok.code.problem.is_none());
    let late = pairing(&mut p.client, &viewer, &code, now.plus_hours(49)).unwrap();
    assert_eq!(
        late.code.problem.as_deref(),
        Some("This invitation has expired. Ask for a new one.")
    );
    let typo = pairing(&mut p.client, &viewer, "hello", now).unwrap();
    assert!(!typo.can_submit && typo.code.problem.is_some());
    all_words_resolved(&typo);
}

#[test]
fn a_change_is_noted_once_for_the_shell_to_refresh() {
    let mut p = phones();
    p.client.take_changed();
    let now = monday_10am();
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    p.client.status(&p.id, now).unwrap();
    assert_eq!(p.client.take_changed(), [p.id.clone()]);
    assert!(p.client.take_changed().is_empty(), "taken");
    p.therapist.take_changed();
    quiesce(&mut p, now);
    assert_eq!(
        p.therapist.take_changed(),
        [p.id.clone()],
        "an applied sync message"
    );
}

#[test]
fn debug_output_of_every_screen_shows_no_name_behaviour_or_contact() {
    let mut p = phones();
    let viewer = new_york();
    let now = monday_10am();
    let self_harm = behavior(&mut p.client, &p.id, "self-harm");
    let draft = ReportDraft {
        behavior: Some(self_harm),
        when: ReportWhen::Now,
    };
    act(
        &mut p.client,
        &viewer,
        Action::ReportBehavior {
            agreement: p.id.clone(),
            draft: draft.clone(),
        },
        now,
    )
    .unwrap();
    quiesce(&mut p, now);
    let id = &p.id;
    let call = CallDraft {
        reason: Some(CallReason::Coaching),
        situation: "at the bridge".into(),
        tried: vec!["TIPP".into()],
        urge: Some(4),
    };
    let outputs = [
        format!("{:?}", home(&mut p.client, &viewer, id, now).unwrap()),
        format!(
            "{:?}",
            before_call(&mut p.client, &viewer, id, &call, now).unwrap()
        ),
        format!(
            "{:?}",
            report(&mut p.client, &viewer, id, &draft, now).unwrap()
        ),
        format!("{:?}", agreement(&mut p.client, &viewer, id).unwrap()),
        format!("{:?}", editor(&mut p.client, &viewer, id, None).unwrap()),
        format!("{:?}", clients(&mut p.therapist, &viewer, now).unwrap()),
        format!("{:?}", client(&mut p.therapist, &viewer, id, now).unwrap()),
        format!(
            "{:?}",
            session_prep(&mut p.therapist, &viewer, id, now).unwrap()
        ),
        format!(
            "{:?}",
            Action::StartCall {
                agreement: id.clone(),
                draft: call
            }
        ),
    ];
    for output in outputs {
        for secret in [
            "Casey",
            "Dr T",
            "self-harm",
            "Suicide",
            "Emergency",
            "bridge",
            "TIPP",
            "diary card",
        ] {
            assert!(
                !output.contains(secret),
                "Debug output shows what a person wrote"
            );
        }
    }
}

#[test]
fn bad_input_to_a_screen_or_an_action_is_a_typed_error_and_changes_nothing() {
    let mut p = phones();
    let now = monday_10am();
    assert!(matches!(
        Viewer::new("Mars/Olympus_Mons", None),
        Err(crate::Error::InvalidInput {
            field: "time-zone",
            ..
        })
    ));
    let viewer = new_york();
    let heads = p.client.heads(&p.id).unwrap();
    p.client.take_changed();
    let id = || p.id.clone();
    let stranger = crate::model::EntryId::random();
    let bad = [
        Action::ContactResource {
            agreement: id(),
            resource: stranger.clone(),
            text: false,
        },
        Action::EndCall {
            agreement: id(),
            call: stranger.clone(),
            draft: AfterCallDraft::default(),
        },
        Action::ReportBehavior {
            agreement: id(),
            draft: ReportDraft {
                behavior: Some(stranger),
                when: ReportWhen::Now,
            },
        },
        Action::ReportBehavior {
            agreement: id(),
            draft: ReportDraft {
                behavior: None,
                when: ReportWhen::MinutesAgo { minutes: u32::MAX },
            },
        },
        Action::ReportBehavior {
            agreement: id(),
            draft: ReportDraft {
                behavior: None,
                when: ReportWhen::At {
                    at: now.plus_hours(2),
                },
            },
        },
        Action::StartCall {
            agreement: id(),
            draft: CallDraft {
                reason: Some(CallReason::News),
                urge: Some(6),
                ..CallDraft::default()
            },
        },
        Action::ProposeTerm {
            agreement: id(),
            term: TermKey::CallMinutes,
            value: "9-5".into(),
        },
        Action::Join {
            invitation: "COACHLINE1:NOTACODE".into(),
        },
        Action::Sign {
            agreement: AgreementId::random(),
        },
    ];
    for action in bad {
        let err = act(&mut p.client, &viewer, action, now).unwrap_err();
        assert!(
            matches!(
                err,
                crate::Error::InvalidInput { .. }
                    | crate::Error::NotFound { .. }
                    | crate::Error::InvitationRefused(_)
            ),
            "{err}"
        );
    }
    assert_eq!(p.client.heads(&p.id).unwrap(), heads, "nothing was written");
    assert!(p.client.take_changed().is_empty());
}

#[test]
fn a_new_phone_starts_at_welcome_and_each_party_lands_where_they_work() {
    let dir = tempfile::tempdir().unwrap();
    let viewer = new_york();
    let now = monday_10am();
    let mut therapist = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
    assert_eq!(start(&mut therapist).unwrap(), Route::Welcome);
    let empty = welcome(&viewer, &WelcomeDraft::default());
    assert!(!empty.can_submit && empty.name.problem.is_none());
    all_words_resolved(&empty);
    let two_lines = WelcomeDraft {
        role: Some(Role::Therapist),
        name: "Dr\nT".into(),
    };
    assert_eq!(
        welcome(&viewer, &two_lines).name.problem.as_deref(),
        Some("Enter a name on one line, up to 200 characters.")
    );
    let draft = WelcomeDraft {
        role: Some(Role::Therapist),
        name: "Dr T".into(),
    };
    let submit = welcome(&viewer, &draft).submit.action;
    let effects = act(&mut therapist, &viewer, submit, now).unwrap();
    assert!(matches!(
        &effects[..],
        [Effect::Show {
            route: Route::Clients
        }]
    ));

    let clients = clients(&mut therapist, &viewer, now).unwrap();
    assert_eq!(
        clients.invite.action,
        Action::Open {
            route: Route::NewClient
        }
    );
    let form = new_client(
        &viewer,
        &NewClientDraft {
            client_name: "Casey".into(),
        },
    );
    all_words_resolved(&form);
    let effects = act(&mut therapist, &viewer, form.submit.action, now).unwrap();
    let Some(Effect::Show {
        route: Route::Editor { agreement },
    }) = effects.last()
    else {
        panic!("a new agreement opens in the editor");
    };
    assert_eq!(
        therapist
            .agreement_shared(agreement)
            .unwrap()
            .terms
            .time_zone
            .name(),
        "America/New_York",
        "drafted in the therapist's zone"
    );

    let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
    let draft = WelcomeDraft {
        role: Some(Role::Client),
        name: "Casey".into(),
    };
    let effects = act(&mut client, &viewer, Action::CreateIdentity { draft }, now).unwrap();
    assert!(matches!(
        &effects[..],
        [Effect::Show {
            route: Route::Pairing
        }]
    ));
    let code = therapist.invite(agreement, now).unwrap();
    act(&mut client, &viewer, Action::Join { invitation: code }, now).unwrap();
    assert_eq!(
        start(&mut client).unwrap(),
        Route::Sync {
            agreement: agreement.clone()
        },
        "joined, waiting for the agreement"
    );
    let mut p = Phones {
        _dir: dir,
        therapist,
        client,
        id: agreement.clone(),
    };
    quiesce(&mut p, now);
    assert_eq!(
        start(&mut p.client).unwrap(),
        Route::Home {
            agreement: p.id.clone()
        }
    );
    let twice = act(
        &mut p.client,
        &viewer,
        Action::CreateIdentity {
            draft: WelcomeDraft {
                role: Some(Role::Client),
                name: "Casey".into(),
            },
        },
        now,
    );
    assert!(matches!(twice, Err(crate::Error::AlreadyInitialized)));
}
