//! Store tests on real SQLite files in temporary directories.

use super::*;
use crate::identity::AgreementStatus;
use crate::model::{CallEnd, CallReason, CallStart, EntryId, TermKey};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339("now", text).unwrap()
}

struct Pair {
    _dir: tempfile::TempDir,
    therapist: Store,
    client: Store,
    id: AgreementId,
}

fn pair() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let now = at("2026-03-02T10:00:00Z");
    let mut therapist = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
    therapist.init(Role::Therapist, "Dr T", now).unwrap();
    let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
    client.init(Role::Client, "Casey", now).unwrap();
    let id = therapist
        .create_agreement("Casey", Some("America/New_York"), now)
        .unwrap();
    let bytes = therapist.export(&id).unwrap();
    client.import(&bytes).unwrap();
    Pair {
        _dir: dir,
        therapist,
        client,
        id,
    }
}

fn exchange(a: &mut Store, b: &mut Store, id: &AgreementId) {
    let from_a = a.export(id).unwrap();
    let from_b = b.export(id).unwrap();
    b.import(&from_a).unwrap();
    a.import(&from_b).unwrap();
}

#[test]
fn a_drafted_agreement_has_the_seed_defaults_and_is_a_draft() {
    let p = pair();
    let view = p.client.agreement(&p.id).unwrap();
    assert_eq!(view.terms.therapist_name, "Dr T");
    assert_eq!(view.resources.len(), 2);
    assert_eq!(view.assessment.status, AgreementStatus::Draft);
    assert_eq!(view.assessment.missing, vec![Role::Client, Role::Therapist]);
}

#[test]
fn signing_walks_through_every_status() {
    let mut p = pair();
    let now = at("2026-03-02T11:00:00Z");
    assert_eq!(
        p.therapist.sign(&p.id, now).unwrap(),
        AgreementStatus::AwaitingSignatures
    );
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert_eq!(p.client.sign(&p.id, now).unwrap(), AgreementStatus::Active);
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert_eq!(
        p.therapist.agreement(&p.id).unwrap().assessment.status,
        AgreementStatus::Active
    );
    p.therapist
        .set_term(&p.id, TermKey::LockoutHours, "12", now)
        .unwrap();
    assert_eq!(
        p.therapist.agreement(&p.id).unwrap().assessment.status,
        AgreementStatus::NeedsResigning
    );
}

#[test]
fn a_write_is_durable_and_the_projection_matches_a_rebuild() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let start = CallStart::new(
        CallReason::Coaching,
        Some("rough day"),
        &["TIPP".into()],
        Some(4),
    )
    .unwrap();
    let call = p.client.start_call(&p.id, start, now).unwrap();
    p.client
        .end_call(
            &p.id,
            call.id().as_str(),
            CallEnd::new(&["STOP".into()], Some(2), None).unwrap(),
            now.plus_minutes(6),
        )
        .unwrap();
    let report = p
        .client
        .report_behavior(&p.id, None, now.plus_hours(1), now.plus_hours(2))
        .unwrap();
    // Every kind of local write, so the rows each one touches are checked too.
    let c = &mut p.client;
    c.set_term(&p.id, TermKey::Availability, "Mon-Fri 09:00-17:00", now)
        .unwrap();
    let resource = c.add_resource(&p.id, "Line", "555-0100", now).unwrap();
    c.remove_resource(&p.id, resource.as_str(), now).unwrap();
    let behavior = c.add_behavior(&p.id, "b", false, now).unwrap();
    c.remove_behavior(&p.id, behavior.as_str(), now).unwrap();
    let holiday = c
        .add_holiday(&p.id, "2026-12-24", "2026-12-26", Some("cover"), now)
        .unwrap();
    c.remove_holiday(&p.id, holiday.as_str(), now).unwrap();
    c.sign(&p.id, now).unwrap();
    c.record_session(&p.id, now, now).unwrap();
    c.retract_report(&p.id, report.as_str(), now.plus_hours(3))
        .unwrap();
    let before = p.client.projection_dump(&p.id).unwrap();
    p.client.rebuild_projection(&p.id).unwrap();
    assert_eq!(p.client.projection_dump(&p.id).unwrap(), before);

    exchange(&mut p.client, &mut p.therapist, &p.id);
    let merged = p.therapist.projection_dump(&p.id).unwrap();
    p.therapist.rebuild_projection(&p.id).unwrap();
    assert_eq!(p.therapist.projection_dump(&p.id).unwrap(), merged);
    assert_eq!(merged, before);
    assert_eq!(p.therapist.log(&p.id, 50).unwrap().len(), 2);
}

#[test]
fn many_writes_compact_into_a_snapshot_and_reload_identically() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    for i in 0..(chunks::COMPACT_AFTER_CHUNKS + 5) {
        let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
        p.client
            .start_call(&p.id, start, now.plus_minutes(i))
            .unwrap();
    }
    let count: i64 = p
        .client
        .conn
        .query_row("SELECT count(*) FROM chunks", [], |r| r.get(0))
        .unwrap();
    assert!(count < 20, "{count} chunks after compaction");
    let heads = p.client.heads(&p.id).unwrap();
    let path = p.client.conn.path().unwrap().to_owned();
    drop(p.client);
    let mut reopened = Store::open(path, &test_key()).unwrap();
    assert_eq!(reopened.heads(&p.id).unwrap(), heads);
    assert_eq!(
        reopened.log(&p.id, 500).unwrap().len() as i64,
        chunks::COMPACT_AFTER_CHUNKS + 5
    );
}

#[test]
fn snapshots_are_kept_compressed_and_uncompressed_ones_still_load() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
    p.client.start_call(&p.id, start, now).unwrap();
    let kinds: Vec<i64> = p
        .client
        .conn
        .prepare("SELECT snapshot FROM chunks ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        kinds,
        [2, 0],
        "the imported snapshot, then the call's chunk"
    );
    // As a store before schema version 3 kept it: Automerge's bytes as saved.
    let saved = p.client.export(&p.id).unwrap();
    p.client
        .conn
        .execute(
            "UPDATE chunks SET snapshot = 1, data = ?1 WHERE snapshot = 2",
            [&saved],
        )
        .unwrap();
    let heads = p.client.heads(&p.id).unwrap();
    let path = p.client.conn.path().unwrap().to_owned();
    drop(p.client);
    let mut reopened = Store::open(path, &test_key()).unwrap();
    reopened.preload(&p.id).unwrap();
    assert_eq!(reopened.heads(&p.id).unwrap(), heads);
    assert_eq!(reopened.log(&p.id, 50).unwrap().len(), 1);
}

#[test]
fn files_that_are_not_stores_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"this is not a database at all").unwrap();
    // Without SQLite's header, it could be an encrypted store under another key.
    assert!(matches!(
        Store::open(&text, &test_key()),
        Err(Error::WrongKey)
    ));
    assert_eq!(
        std::fs::read(&text).unwrap(),
        b"this is not a database at all"
    );

    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let before = std::fs::read(&other).unwrap();
    assert!(matches!(
        Store::open(&other, &test_key()),
        Err(Error::StoreUnusable(_))
    ));
    assert_eq!(std::fs::read(&other).unwrap(), before);

    let newer = dir.path().join("newer.db");
    Store::open(&newer, &test_key()).unwrap();
    test_connection(&newer)
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&newer, &test_key()).err().unwrap();
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn imports_of_foreign_bytes_leave_the_store_unchanged() {
    let mut p = pair();
    let before = p.client.projection_dump(&p.id).unwrap();
    let heads = p.client.heads(&p.id).unwrap();
    assert!(matches!(
        p.client.import(b"garbage"),
        Err(Error::NotAnAgreement(_))
    ));
    let mut other = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut other, automerge::ROOT, "hello", "world")
        .unwrap();
    assert!(matches!(
        p.client.import(&other.save()),
        Err(Error::NotAnAgreement(_))
    ));
    assert_eq!(p.client.projection_dump(&p.id).unwrap(), before);
    assert_eq!(p.client.heads(&p.id).unwrap(), heads);
}

fn resource_ids(store: &Store, id: &AgreementId) -> Vec<String> {
    let view = store.agreement(id).unwrap();
    view.resources.iter().map(|r| r.id.to_string()).collect()
}

#[test]
fn the_last_resource_cannot_be_removed() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let ids = resource_ids(&p.therapist, &p.id);
    p.therapist.remove_resource(&p.id, &ids[0], now).unwrap();
    let err = p
        .therapist
        .remove_resource(&p.id, &ids[1], now)
        .unwrap_err();
    assert!(err.is_bad_input());
    assert_eq!(p.therapist.agreement(&p.id).unwrap().resources.len(), 1);
}

#[test]
fn concurrent_removals_never_leave_a_client_without_resources() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let ids = resource_ids(&p.therapist, &p.id);
    p.therapist.remove_resource(&p.id, &ids[0], now).unwrap();
    p.client.remove_resource(&p.id, &ids[1], now).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert_eq!(
        p.client.agreement(&p.id).unwrap().resources,
        crate::model::Resource::defaults()
    );
}

#[test]
fn clients_cannot_draft_and_stores_hold_one_identity() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    assert!(matches!(
        p.client.create_agreement("x", None, now),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        p.client.init(Role::Client, "again", now),
        Err(Error::AlreadyInitialized)
    ));
}

mod merge_order {
    //! Every decision is a function of the merged changes and `now`, not of the order
    //! in which a phone received them.

    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Edit {
        Report { minutes: i64 },
        RetractLast,
        Call { minutes: i64, missed: bool },
        Term(TermKey, &'static str),
        Holiday(&'static str, &'static str),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (0i64..4000).prop_map(|minutes| Edit::Report { minutes }),
            Just(Edit::RetractLast),
            (0i64..4000, any::<bool>())
                .prop_map(|(minutes, missed)| Edit::Call { minutes, missed }),
            prop::sample::select(vec![
                (TermKey::LockoutHours, "12"),
                (TermKey::LockoutHours, "0"),
                (TermKey::LockoutHours, "30"),
                (TermKey::Availability, "Mon-Fri 09:00-17:00"),
                (
                    TermKey::Availability,
                    "Tue,Thu 12:00-22:00; Sat 10:00-14:00"
                ),
                (TermKey::TimeZone, "Europe/Berlin"),
                (TermKey::ReturnCallMinutes, "15"),
            ])
            .prop_map(|(k, v)| Edit::Term(k, v)),
            prop::sample::select(vec![
                ("2026-03-03", "2026-03-04"),
                ("2026-03-05", "2026-03-05")
            ])
            .prop_map(|(a, b)| Edit::Holiday(a, b)),
        ]
    }

    fn apply(store: &mut Store, id: &AgreementId, edit: &Edit, reports: &mut Vec<EntryId>) {
        let t0 = at("2026-03-02T12:00:00Z");
        let now = t0.plus_minutes(5000);
        match edit {
            Edit::Report { minutes } => {
                reports.push(
                    store
                        .report_behavior(id, None, t0.plus_minutes(*minutes), now)
                        .unwrap(),
                );
            }
            Edit::RetractLast => {
                if let Some(report) = reports.pop() {
                    store.retract_report(id, report.as_str(), now).unwrap();
                }
            }
            Edit::Call { minutes, missed } => {
                let start = CallStart::new(CallReason::Coaching, None, &[], Some(2)).unwrap();
                let when = t0.plus_minutes(*minutes);
                if let CallAttempt::Started { id: call, .. } =
                    store.start_call(id, start, when).unwrap()
                {
                    let outcome = if *missed { "missed" } else { "completed" };
                    let end = CallEnd::new(&[], None, Some(outcome)).unwrap();
                    store
                        .end_call(id, call.as_str(), end, when.plus_minutes(9))
                        .unwrap();
                }
            }
            Edit::Term(key, value) => store.set_term(id, *key, value, now).unwrap(),
            Edit::Holiday(from, to) => {
                store.add_holiday(id, from, to, None, now).unwrap();
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn decisions_do_not_depend_on_merge_order(
            therapist_edits in prop::collection::vec(edit(), 0..8),
            client_edits in prop::collection::vec(edit(), 0..8),
        ) {
            let mut p = pair();
            let (mut t_reports, mut c_reports) = (Vec::new(), Vec::new());
            for e in &therapist_edits { apply(&mut p.therapist, &p.id, e, &mut t_reports); }
            for e in &client_edits { apply(&mut p.client, &p.id, e, &mut c_reports); }
            let (from_t, from_c) = (p.therapist.export(&p.id).unwrap(), p.client.export(&p.id).unwrap());

            // Two more phones receive the same changes in opposite orders.
            let dir = tempfile::tempdir().unwrap();
            let mut one = Store::open(dir.path().join("one.db"), &test_key()).unwrap();
            one.init(Role::Client, "One", at("2026-03-02T00:00:00Z")).unwrap();
            let mut two = Store::open(dir.path().join("two.db"), &test_key()).unwrap();
            two.init(Role::Client, "Two", at("2026-03-02T00:00:00Z")).unwrap();
            one.import(&from_t).unwrap();
            one.import(&from_c).unwrap();
            two.import(&from_c).unwrap();
            two.import(&from_t).unwrap();
            p.therapist.import(&from_c).unwrap();

            prop_assert_eq!(one.heads(&p.id).unwrap(), two.heads(&p.id).unwrap());
            let t0 = at("2026-03-02T12:00:00Z");
            for minutes in (0..5200).step_by(97) {
                let now = t0.plus_minutes(minutes);
                let decision = one.status(&p.id, now).unwrap();
                prop_assert_eq!(&decision, &two.status(&p.id, now).unwrap());
                prop_assert_eq!(&decision, &p.therapist.status(&p.id, now).unwrap());
                // Status decides from part of the history only, with rules kept from
                // earlier instants: the whole history's rules give the same answer.
                let agreement = one.resolve(&p.id).unwrap();
                prop_assert_eq!(&decision, &one.coaching(&agreement).unwrap().rules.decide(now));
            }
            let now = t0.plus_minutes(5000);
            let summary = one.summary(&p.id, Some(t0), now).unwrap();
            prop_assert_eq!(&summary, &two.summary(&p.id, Some(t0), now).unwrap());
                        let log = one.log(&p.id, 500).unwrap();
            prop_assert_eq!(&log, &two.log(&p.id, 500).unwrap());
            // The log's flags, worked out from part of the history, match the full rules.
            for entry in one.log(&p.id, 3).unwrap() {
                if let LogEntry::Call { call, flags } = entry {
                    prop_assert_eq!(flags, one.call_flags(&p.id, &call).unwrap());
                }
            }
        }
    }
}

#[test]
fn a_client_call_in_a_lockout_is_declined_and_logged() {
    let mut p = pair();
    let t0 = at("2026-03-02T12:00:00Z");
    p.client.report_behavior(&p.id, None, t0, t0).unwrap();
    let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
    let attempt = p
        .client
        .start_call(&p.id, start.clone(), t0.plus_hours(23))
        .unwrap();
    let CallAttempt::Declined { decision, .. } = &attempt else {
        panic!("{attempt:?}")
    };
    assert_eq!(decision.locked_until, Some(t0.plus_hours(24)));
    let logged = p.client.log(&p.id, 1).unwrap();
    let LogEntry::Call { call, .. } = &logged[0] else {
        panic!("{logged:?}")
    };
    assert_eq!(call.outcome, Some(crate::model::CallOutcome::Declined));
    assert_eq!(call.shown_resources.len(), 2);
    // Exactly at the end of the window the client may call again.
    let again = p
        .client
        .start_call(&p.id, start, t0.plus_hours(24))
        .unwrap();
    assert!(matches!(again, CallAttempt::Started { .. }));
}

#[test]
fn return_calls_are_for_therapists_and_callback_requests() {
    let mut p = pair();
    let t0 = at("2026-03-02T12:00:00Z");
    p.therapist
        .set_term(&p.id, TermKey::Availability, "Mon-Fri 09:00-17:00", t0)
        .unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    // Monday 2 March, 22:00 in New York: out of hours, due Tuesday 10:00.
    let start = CallStart::new(CallReason::Coaching, None, &[], None).unwrap();
    let attempt = p
        .client
        .start_call(&p.id, start, at("2026-03-03T03:00:00Z"))
        .unwrap();
    let CallAttempt::Started {
        id: request,
        callback_due,
    } = attempt
    else {
        panic!()
    };
    assert_eq!(callback_due, Some(at("2026-03-03T15:00:00Z")));
    assert!(matches!(
        p.client.return_call(&p.id, request.as_str(), t0),
        Err(Error::NotPermitted { .. })
    ));
    exchange(&mut p.client, &mut p.therapist, &p.id);
    let late = at("2026-03-03T15:30:00Z");
    let pending = &p.therapist.status(&p.id, late).unwrap().pending_callbacks;
    assert!(pending[0].overdue);
    p.therapist
        .return_call(&p.id, request.as_str(), late)
        .unwrap();
    assert!(p
        .therapist
        .status(&p.id, late)
        .unwrap()
        .pending_callbacks
        .is_empty());
}

/// Two `Store`s on one file, as an app's UI and its background sync worker each
/// open one: every acknowledged write of either survives, and both stay usable.
#[test]
fn two_stores_on_one_file_interleave_writes_and_lose_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let now = at("2026-03-02T10:00:00Z");
    let mut ui = Store::open(&path, &test_key()).unwrap();
    ui.init(Role::Therapist, "Dr T", now).unwrap();
    let id = ui.create_agreement("Casey", Some("UTC"), now).unwrap();
    let mut worker = Store::open(&path, &test_key()).unwrap();
    let start = || CallStart::new(CallReason::Coaching, None, &[], None).unwrap();

    let mut calls = Vec::new();
    for i in 0..6 {
        let t = now.plus_minutes(10 * i);
        let (first, second) = if i % 2 == 0 {
            (&mut ui, &mut worker)
        } else {
            (&mut worker, &mut ui)
        };
        calls.push(first.start_call(&id, start(), t).unwrap().id().clone());
        calls.push(second.start_call(&id, start(), t).unwrap().id().clone());
        second
            .end_call(
                &id,
                calls[calls.len() - 2].as_str(),
                CallEnd::new(&[], None, None).unwrap(),
                t.plus_minutes(1),
            )
            .unwrap();
    }
    worker
        .set_term(&id, TermKey::LockoutHours, "12", now.plus_hours(2))
        .unwrap();
    let free = worker.status(&id, now.plus_hours(2)).unwrap();
    assert_eq!(free.locked_until, None);
    ui.report_behavior(&id, None, now.plus_hours(2), now.plus_hours(2))
        .unwrap();

    // The worker sees the lockout the UI just recorded, with the terms it set.
    let decision = worker.status(&id, now.plus_hours(3)).unwrap();
    assert_eq!(decision.locked_until, Some(now.plus_hours(14)));

    let reopened = Store::open(&path, &test_key()).unwrap();
    let logged: Vec<String> = {
        let mut r = reopened;
        r.log(&id, 100)
            .unwrap()
            .iter()
            .filter(|e| matches!(e, LogEntry::Call { .. }))
            .map(|e| e.id().as_str().to_owned())
            .collect()
    };
    assert_eq!(logged.len(), calls.len(), "no acknowledged call is lost");
    for store in [&mut ui, &mut worker] {
        assert!(
            store.export(&id).is_ok(),
            "the agreement can still be exported"
        );
        let kept = store.projection_dump(&id).unwrap();
        store.rebuild_projection(&id).unwrap();
        assert_eq!(kept, store.projection_dump(&id).unwrap());
    }
    assert_eq!(ui.heads(&id).unwrap(), worker.heads(&id).unwrap());
}

/// The measured attack: a document built from scratch with the agreement's id and
/// header, imported into the therapist's store of an active agreement in a lockout.
#[test]
fn a_look_alike_document_cannot_replace_an_agreement() {
    let mut p = pair();
    let now = at("2026-03-02T11:00:00Z");
    active(&mut p, now);
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    let later = now.plus_hours(1);
    assert!(p
        .therapist
        .status(&p.id, later)
        .unwrap()
        .locked_until
        .is_some());
    let before = p.therapist.projection_dump(&p.id).unwrap();

    let view = p.therapist.agreement(&p.id).unwrap();
    let mut look_alike = automerge::AutoCommit::new();
    let mut terms = view.terms.clone();
    terms.lockout_hours = 0;
    let therapist_key = p.therapist.me().unwrap().public_key();
    Writer::new(&mut look_alike)
        .create(
            &p.id,
            &terms,
            &view.resources,
            &therapist_key,
            view.created_at,
        )
        .unwrap();
    look_alike.commit();
    let refused = p.therapist.import(&look_alike.save());
    assert!(
        matches!(
            refused,
            Err(Error::Refused(doc::Violation::ForeignDocument))
        ),
        "{refused:?}"
    );
    assert_eq!(p.therapist.projection_dump(&p.id).unwrap(), before);
    assert!(p
        .therapist
        .status(&p.id, later)
        .unwrap()
        .locked_until
        .is_some());
    assert_eq!(
        p.therapist.agreement(&p.id).unwrap().assessment.status,
        AgreementStatus::Active
    );
}

/// An active agreement: both parties signed the seed terms at `now`.
fn active(p: &mut Pair, now: Timestamp) {
    p.therapist.sign(&p.id, now).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    p.client.sign(&p.id, now).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
}

#[test]
fn a_client_cannot_lift_a_lockout_by_editing_it_away() {
    let mut p = pair();
    let now = at("2026-03-02T11:00:00Z");
    active(&mut p, now);
    let report = now.plus_hours(1);
    p.client
        .report_behavior(&p.id, None, report, report)
        .unwrap();
    let locked = p.client.status(&p.id, report.plus_hours(1)).unwrap();
    assert_eq!(locked.locked_until, Some(report.plus_hours(24)));

    p.client
        .set_term(&p.id, TermKey::LockoutHours, "0", report.plus_hours(1))
        .unwrap();
    let still = p.client.status(&p.id, report.plus_hours(2)).unwrap();
    assert_eq!(still.locked_until, Some(report.plus_hours(24)));
    let view = p.client.agreement(&p.id).unwrap();
    assert_eq!(view.assessment.status, AgreementStatus::NeedsResigning);
    assert_eq!(view.terms.lockout_hours, 0, "shown as proposed");

    // Both sign the proposal: it governs from then on, not before.
    let signed = report.plus_hours(3);
    p.client.sign(&p.id, signed).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    p.therapist.sign(&p.id, signed).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    for store in [&mut p.client, &mut p.therapist] {
        let decision = store.status(&p.id, signed.plus_hours(1)).unwrap();
        assert_eq!(decision.locked_until, Some(report.plus_hours(24)));
        let later = signed.plus_hours(2);
        store.report_behavior(&p.id, None, later, later).unwrap();
        assert_eq!(
            store
                .status(&p.id, report.plus_hours(25))
                .unwrap()
                .locked_until,
            None
        );
    }
}

#[test]
fn past_calls_are_judged_under_the_terms_in_force_when_they_happened() {
    let mut p = pair();
    let now = at("2026-03-02T11:00:00Z");
    active(&mut p, now);
    let start = CallStart::new(CallReason::Coaching, None, &[], None).unwrap();
    let call = p
        .client
        .start_call(&p.id, start, now.plus_hours(1))
        .unwrap();
    p.client
        .end_call(
            &p.id,
            call.id().as_str(),
            CallEnd::new(&[], None, None).unwrap(),
            now.plus_hours(1).plus_minutes(10),
        )
        .unwrap();
    let long = |store: &mut Store| match &store.log(&p.id, 1).unwrap()[0] {
        LogEntry::Call { flags, .. } => flags.long,
        other => panic!("expected a call, got {:?}", other.id()),
    };
    assert!(long(&mut p.client), "10 minutes is past the 5-8 band");

    // Both later agree on up to 15 minutes: the old call was still long then.
    let later = now.plus_hours(2);
    p.client
        .set_term(&p.id, TermKey::CallMinutes, "5-15", later)
        .unwrap();
    p.client.sign(&p.id, later).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    p.therapist.sign(&p.id, later).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert!(long(&mut p.client));
    assert!(long(&mut p.therapist));
}
