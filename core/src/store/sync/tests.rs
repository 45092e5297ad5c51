//! Pairing and sealed sync between stores on real SQLite files.

use super::*;
use crate::identity::{AgreementStatus, DeviceIdentity};
use crate::model::{CallEnd, CallReason, CallStart, TermKey};
use crate::store::test_key;
use crate::sync::envelope::MAX_MESSAGE_BYTES;
use crate::sync::session::KEEPALIVE_HOURS;
use automerge::transaction::Transactable;
use automerge::ReadDoc;

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339("now", text).unwrap()
}

fn t0() -> Timestamp {
    at("2026-03-02T10:00:00Z")
}

struct Phones {
    dir: tempfile::TempDir,
    therapist: Store,
    client: Store,
    id: AgreementId,
}

/// A therapist with a drafted agreement and a client, not yet paired.
fn phones() -> Phones {
    let dir = tempfile::tempdir().unwrap();
    let mut therapist = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
    therapist.init(Role::Therapist, "Dr T", t0()).unwrap();
    let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
    client.init(Role::Client, "Casey", t0()).unwrap();
    let id = therapist
        .create_agreement("Casey", Some("America/New_York"), t0())
        .unwrap();
    Phones {
        dir,
        therapist,
        client,
        id,
    }
}

/// Paired and in sync.
fn paired() -> Phones {
    let mut p = phones();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    p.client.join(&code, t0()).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, t0());
    p
}

/// Moves every message due from `from` to `to`: (messages, bytes).
fn send(from: &mut Store, to: &mut Store, id: &AgreementId, now: Timestamp) -> (usize, usize) {
    let (mut messages, mut bytes) = (0, 0);
    while let Some(message) = from.sync_next(id, now).unwrap() {
        assert!(message.len() <= MAX_MESSAGE_BYTES);
        messages += 1;
        bytes += message.len();
        to.sync_receive(&message, now).unwrap();
    }
    (messages, bytes)
}

/// Syncs until neither side has anything due; returns the messages each way.
fn quiesce(a: &mut Store, b: &mut Store, id: &AgreementId, now: Timestamp) -> (usize, usize) {
    let (mut ab, mut ba) = (0, 0);
    for _ in 0..10 {
        let one = send(a, b, id, now).0;
        let two = send(b, a, id, now).0;
        if one + two == 0 {
            return (ab, ba);
        }
        (ab, ba) = (ab + one, ba + two);
    }
    panic!("no quiescence after {ab} + {ba} messages");
}

/// Everything a rejected message must leave as it was.
fn everything(store: &mut Store, id: &AgreementId) -> Vec<String> {
    let mut all = store.heads(id).unwrap();
    all.extend(store.projection_dump(id).unwrap());
    for table in ["peers", "invitations", "chunks"] {
        let rows: Vec<String> = store
            .conn
            .prepare(&format!("SELECT * FROM {table}"))
            .unwrap()
            .query_map([], |r| {
                let n = r.as_ref().column_count();
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        all.extend(rows);
    }
    all
}

fn rejection(result: Result<SyncOutcome>) -> Rejection {
    match result {
        Err(Error::Rejected { reason }) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn refused(result: Result<impl std::fmt::Debug>) -> InvitationProblem {
    match result {
        Err(Error::InvitationRefused(problem)) => problem,
        other => panic!("expected a refused invitation, got {other:?}"),
    }
}

#[test]
fn pairing_brings_the_agreement_to_the_client_and_then_falls_quiet() {
    let mut p = phones();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    assert_eq!(p.client.join(&code, t0()).unwrap(), p.id);
    let waiting = &p.client.peers().unwrap()[0];
    assert!(!waiting.confirmed && !waiting.has_agreement);

    let (from_client, from_therapist) = quiesce(&mut p.client, &mut p.therapist, &p.id, t0());
    assert!(
        from_client <= 2 && from_therapist <= 2,
        "{from_client} + {from_therapist}"
    );
    assert_eq!(
        p.client.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );
    assert_eq!(
        p.client.projection_dump(&p.id).unwrap(),
        p.therapist.projection_dump(&p.id).unwrap()
    );

    let theirs = &p.client.peers().unwrap()[0];
    assert_eq!(theirs.role, Role::Therapist);
    assert_eq!(
        theirs.fingerprint,
        p.therapist.whoami().unwrap().fingerprint
    );
    assert!(theirs.confirmed && theirs.has_agreement);
    let ours = &p.therapist.peers().unwrap()[0];
    assert_eq!(ours.role, Role::Client);
    assert_eq!(ours.fingerprint, p.client.whoami().unwrap().fingerprint);
    assert_eq!(p.client.select_synced_agreement(None).unwrap(), p.id);

    // Quiet, later and after reopening, until the keep-alive period has passed.
    let later = t0().plus_hours(KEEPALIVE_HOURS).plus_minutes(-1);
    assert_eq!(p.client.sync_next(&p.id, later).unwrap(), None);
    let mut reopened = Store::open(p.dir.path().join("t.db"), &test_key()).unwrap();
    assert_eq!(reopened.sync_next(&p.id, later).unwrap(), None);
    // Then one small message, and quiet again on both sides.
    let much_later = t0().plus_hours(100);
    let (messages, _) = send(&mut p.client, &mut reopened, &p.id, much_later);
    assert_eq!(messages, 1);
    assert_eq!(reopened.sync_next(&p.id, much_later).unwrap(), None);
    assert_eq!(p.client.sync_next(&p.id, much_later).unwrap(), None);
}

#[test]
fn edits_on_both_sides_while_apart_converge() {
    let mut p = paired();
    let week = t0().plus_hours(24 * 7);
    let start = CallStart::new(CallReason::Coaching, Some("hard evening"), &[], Some(3)).unwrap();
    let call = p.client.start_call(&p.id, start, week).unwrap();
    p.client
        .end_call(
            &p.id,
            call.id().as_str(),
            CallEnd::new(&[], Some(1), None).unwrap(),
            week.plus_minutes(6),
        )
        .unwrap();
    p.therapist
        .set_term(&p.id, TermKey::LockoutHours, "12", week)
        .unwrap();
    let later = week.plus_hours(1);

    // The call reaches the therapist in the client's first message.
    let first = p.client.sync_next(&p.id, later).unwrap().unwrap();
    let outcome = p.therapist.sync_receive(&first, later).unwrap();
    assert!(outcome.changed && !outcome.created && !outcome.paired);
    assert_eq!(p.therapist.log(&p.id, 10).unwrap().len(), 1);

    let (more_from_client, from_therapist) = quiesce(&mut p.client, &mut p.therapist, &p.id, later);
    let from_client = 1 + more_from_client;
    assert!(
        from_client <= 2 && from_therapist <= 2,
        "{from_client} + {from_therapist}"
    );
    assert_eq!(
        p.client.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );
    assert_eq!(p.client.agreement(&p.id).unwrap().terms.lockout_hours, 12);
    assert_eq!(
        p.client.log(&p.id, 10).unwrap(),
        p.therapist.log(&p.id, 10).unwrap()
    );
}

/// A week apart in a young agreement (just created and paired), every step in an open
/// of its own as on a phone: the client's first message carries its two new changes,
/// not the whole document again, and the exchange stays within the README's budget.
#[test]
fn a_week_apart_in_a_young_agreement_sends_the_changes_not_the_document() {
    let p = paired();
    let (dir, id) = (p.dir, p.id);
    drop((p.therapist, p.client));
    let open = |name: &str| Store::open(dir.path().join(name), &test_key()).unwrap();
    let week = t0().plus_hours(24 * 7);
    let call = open("c.db").start_call(&id, coaching_call(), week).unwrap();
    let ended = CallEnd::new(&[], Some(1), None).unwrap();
    open("c.db")
        .end_call(&id, call.id().as_str(), ended, week.plus_minutes(6))
        .unwrap();
    open("t.db")
        .set_term(&id, TermKey::LockoutHours, "12", week)
        .unwrap();
    let document = open("c.db").export(&id).unwrap().len();
    let later = week.plus_hours(1);
    let (mut messages, mut bytes, mut first) = (0, 0, None);
    for _ in 0..10 {
        let mut moved = false;
        for (from, to) in [("c.db", "t.db"), ("t.db", "c.db")] {
            let Some(message) = open(from).sync_next(&id, later).unwrap() else {
                continue;
            };
            open(to).sync_receive(&message, later).unwrap();
            first.get_or_insert(message.len());
            (messages, bytes, moved) = (messages + 1, bytes + message.len(), true);
        }
        if !moved {
            break;
        }
    }
    assert_eq!(
        open("c.db").heads(&id).unwrap(),
        open("t.db").heads(&id).unwrap()
    );
    assert!(first.unwrap() < document / 2, "{first:?} of {document}");
    assert_eq!(messages, 3);
    assert!(bytes <= 1_500, "{bytes} B");
}

#[test]
fn rejected_messages_change_nothing() {
    let mut p = paired();
    let now = t0().plus_hours(1);
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    let message = p.client.sync_next(&p.id, now).unwrap().unwrap();
    let before = everything(&mut p.therapist, &p.id);

    let mut tampered = message.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(
        rejection(p.therapist.sync_receive(&tampered, now)),
        Rejection::Tampered
    );
    let mut later_counter = message.clone();
    later_counter[43] ^= 0x10;
    assert_eq!(
        rejection(p.therapist.sync_receive(&later_counter, now)),
        Rejection::Tampered
    );
    assert_eq!(
        rejection(p.therapist.sync_receive(b"hello", now)),
        Rejection::Malformed
    );
    assert_eq!(
        rejection(p.client.sync_receive(&message, now)),
        Rejection::WrongRecipient
    );

    // A third device, with keys of its own, writing as a stranger or as the client.
    let stranger = DeviceIdentity::generate(Role::Client, "S").unwrap();
    let therapist = p.therapist.me().unwrap();
    let (secret, public) = (stranger.sync_secret_bytes(), stranger.sync_public_key());
    let forge = |sender: envelope::DeviceId| {
        let route = Route {
            kind: Kind::Sync,
            agreement: &p.id,
            sender,
            sender_keys: KeyPair {
                secret: &secret,
                public: &public,
            },
            recipient: device_id(&therapist.public_key()),
            recipient_key: &therapist.sync_public_key(),
            psk: None,
        };
        envelope::seal_all(&route, 1 << 60, &message[60..])
            .unwrap()
            .remove(0)
    };
    let foreign = forge(device_id(&stranger.public_key()));
    let impostor = forge(device_id(&p.client.me().unwrap().public_key()));
    assert_eq!(
        rejection(p.therapist.sync_receive(&foreign, now)),
        Rejection::UnknownSender
    );
    assert_eq!(
        rejection(p.therapist.sync_receive(&impostor, now)),
        Rejection::Tampered
    );
    assert_eq!(everything(&mut p.therapist, &p.id), before);

    // The real message is accepted once; its replay is not.
    assert!(p.therapist.sync_receive(&message, now).unwrap().changed);
    let after = everything(&mut p.therapist, &p.id);
    assert_eq!(
        rejection(p.therapist.sync_receive(&message, now)),
        Rejection::Replayed
    );
    assert_eq!(everything(&mut p.therapist, &p.id), after);

    // And the sync goes on.
    quiesce(&mut p.client, &mut p.therapist, &p.id, now);
    assert_eq!(
        p.client.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );
}

#[test]
fn invitations_are_one_time_expire_and_cannot_be_forged() {
    let mut p = phones();
    assert_eq!(
        refused(p.client.join("nonsense", t0())),
        InvitationProblem::Malformed
    );
    assert!(matches!(
        p.client.invite(&p.id, t0()),
        Err(Error::NotPermitted { .. }) | Err(Error::NotFound { .. })
    ));
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    // A therapist's invitation is for a client: it never reads as a handover.
    assert_eq!(
        refused(p.therapist.join(&code, t0())),
        InvitationProblem::Forged
    );
    let deadline = t0().plus_hours(invitation::VALID_HOURS);
    assert_eq!(
        refused(p.client.join(&code, deadline)),
        InvitationProblem::Expired
    );

    // Joined in time, but the first message arrives after the deadline.
    p.client.join(&code, deadline.plus_minutes(-1)).unwrap();
    let late = p.client.sync_next(&p.id, deadline).unwrap().unwrap();
    let before = everything(&mut p.therapist, &p.id);
    assert_eq!(
        refused(p.therapist.sync_receive(&late, deadline)),
        InvitationProblem::Expired
    );

    // A line the therapist's device never issued, though signed with its key.
    let unissued = Invitation::issue(p.therapist.me().unwrap(), &p.id, None, t0()).to_line();
    p.client.join(&unissued, t0()).unwrap();
    let forged = p.client.sync_next(&p.id, t0()).unwrap().unwrap();
    assert_eq!(
        refused(p.therapist.sync_receive(&forged, t0())),
        InvitationProblem::Forged
    );
    assert_eq!(everything(&mut p.therapist, &p.id), before);

    // Used once; a second phone with the same line is refused.
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    p.client.join(&code, t0()).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, t0());
    let mut other = Store::open(p.dir.path().join("other.db"), &test_key()).unwrap();
    other.init(Role::Client, "Other", t0()).unwrap();
    other.join(&code, t0()).unwrap();
    let second = other.sync_next(&p.id, t0()).unwrap().unwrap();
    let before = everything(&mut p.therapist, &p.id);
    assert_eq!(
        refused(p.therapist.sync_receive(&second, t0())),
        InvitationProblem::Spent
    );
    assert_eq!(everything(&mut p.therapist, &p.id), before);
    assert_eq!(
        p.therapist.peers().unwrap()[0].fingerprint,
        p.client.whoami().unwrap().fingerprint
    );
}

#[test]
fn a_new_phone_replaces_the_old_one_whose_messages_are_then_refused() {
    let mut p = paired();
    let mut new_phone = Store::open(p.dir.path().join("new.db"), &test_key()).unwrap();
    new_phone.init(Role::Client, "Casey", t0()).unwrap();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    new_phone.join(&code, t0()).unwrap();
    quiesce(&mut new_phone, &mut p.therapist, &p.id, t0());
    assert_eq!(
        new_phone.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );

    let now = t0().plus_hours(2);
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    let from_old = p.client.sync_next(&p.id, now).unwrap().unwrap();
    let before = everything(&mut p.therapist, &p.id);
    assert_eq!(
        rejection(p.therapist.sync_receive(&from_old, now)),
        Rejection::UnknownSender
    );
    assert_eq!(everything(&mut p.therapist, &p.id), before);
}

#[test]
fn a_large_history_travels_in_fragments_reassembled_in_any_order() {
    let mut p = phones();
    let mut noise = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..80 {
        // Incompressible text, so the document is well over one message.
        let situation: String = (0..2000)
            .map(|_| {
                noise ^= noise << 13;
                noise ^= noise >> 7;
                noise ^= noise << 17;
                char::from(b'a' + (noise % 26) as u8)
            })
            .collect();
        let start = CallStart::new(CallReason::News, Some(&situation), &[], None).unwrap();
        p.therapist
            .start_call(&p.id, start, t0().plus_minutes(i))
            .unwrap();
    }
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    p.client.join(&code, t0()).unwrap();
    let now = t0().plus_hours(2);
    send(&mut p.client, &mut p.therapist, &p.id, now);
    let mut fragments = Vec::new();
    while let Some(message) = p.therapist.sync_next(&p.id, now).unwrap() {
        assert!(message.len() <= MAX_MESSAGE_BYTES);
        fragments.push(message);
    }
    assert!(fragments.len() > 1, "{} fragments", fragments.len());
    let last = fragments.pop().unwrap();
    fragments.insert(0, last);
    for (i, fragment) in fragments.iter().enumerate() {
        let outcome = p.client.sync_receive(fragment, now).unwrap();
        assert_eq!(outcome.buffered, i + 1 < fragments.len());
        assert_eq!(outcome.created, i + 1 == fragments.len());
        if i == 0 {
            assert_eq!(
                rejection(p.client.sync_receive(fragment, now)),
                Rejection::Replayed
            );
        }
    }
    quiesce(&mut p.client, &mut p.therapist, &p.id, now);
    assert_eq!(p.client.log(&p.id, 100).unwrap().len(), 80);
}

#[test]
fn a_restart_between_any_two_messages_still_converges() {
    let mut p = phones();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    p.client.join(&code, t0()).unwrap();
    let paths = [p.dir.path().join("c.db"), p.dir.path().join("t.db")];
    let mut now = t0();
    for round in 0..12 {
        if round == 2 {
            // Both phones edit mid-way, each after a restart.
            for path in &paths {
                let mut store = Store::open(path, &test_key()).unwrap();
                store.report_behavior(&p.id, None, now, now).unwrap();
            }
        }
        for (from, to) in [(0, 1), (1, 0)] {
            let mut stores = [
                Store::open(&paths[0], &test_key()).unwrap(),
                Store::open(&paths[1], &test_key()).unwrap(),
            ];
            let Some(message) = stores[from].sync_next(&p.id, now).unwrap() else {
                continue;
            };
            drop(stores);
            let mut receiver = Store::open(&paths[to], &test_key()).unwrap();
            receiver.sync_receive(&message, now).unwrap();
        }
        now = now.plus_minutes(1);
    }
    let mut client = Store::open(&paths[0], &test_key()).unwrap();
    let mut therapist = Store::open(&paths[1], &test_key()).unwrap();
    assert_eq!(client.log(&p.id, 10).unwrap().len(), 2);
    assert_eq!(
        client.heads(&p.id).unwrap(),
        therapist.heads(&p.id).unwrap()
    );
    assert_eq!(client.sync_next(&p.id, now).unwrap(), None);
    assert_eq!(therapist.sync_next(&p.id, now).unwrap(), None);
}

/// Closes a store and copies its file, as a phone backup does.
fn backup(store: Store, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    drop(store);
    let copy = dir.join(format!("{name}.backup"));
    std::fs::copy(dir.join(name), &copy).unwrap();
    copy
}

/// Puts a backup back in place of a store's file, as restoring a phone does.
fn restore(copy: &std::path::Path, dir: &std::path::Path, name: &str) -> Store {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
    }
    std::fs::copy(copy, dir.join(name)).unwrap();
    Store::open(dir.join(name), &test_key()).unwrap()
}

fn coaching_call() -> CallStart {
    CallStart::new(CallReason::Coaching, None, &[], None).unwrap()
}

#[test]
fn a_restored_backup_writes_again_and_merges_with_the_peer_within_one_round_trip() {
    let mut p = paired();
    let copy = backup(p.client, p.dir.path(), "c.db");
    p.client = Store::open(p.dir.path().join("c.db"), &test_key()).unwrap();
    let later = t0().plus_hours(1);
    let lost = p.client.start_call(&p.id, coaching_call(), later).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, later);

    // The phone is restored from the backup taken before that call, and used again.
    drop(p.client);
    p.client = restore(&copy, p.dir.path(), "c.db");
    let again = t0().plus_hours(2);
    let kept = p.client.start_call(&p.id, coaching_call(), again).unwrap();

    // Its first message is accepted, and the therapist's answer brings back the
    // call the restore lost.
    let message = p.client.sync_next(&p.id, again).unwrap().unwrap();
    p.therapist.sync_receive(&message, again).unwrap();
    send(&mut p.therapist, &mut p.client, &p.id, again);
    quiesce(&mut p.client, &mut p.therapist, &p.id, again);
    for store in [&mut p.client, &mut p.therapist] {
        let ids: Vec<String> = store
            .log(&p.id, 10)
            .unwrap()
            .iter()
            .map(|e| e.id().as_str().to_owned())
            .collect();
        assert!(ids.contains(&lost.id().as_str().to_owned()));
        assert!(ids.contains(&kept.id().as_str().to_owned()));
    }
    assert_eq!(
        p.client.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );
}

#[test]
fn a_paired_peer_cannot_rewrite_history_through_sync() {
    let mut p = paired();
    let now = t0().plus_hours(1);
    let report = p.client.report_behavior(&p.id, None, now, now).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, now);

    // The therapist's phone, hostile, moves the report a day back and sends it.
    let agreement = p.therapist.resolve(&p.id).unwrap();
    let doc = p.therapist.doc(&agreement).unwrap();
    let before = doc.get_heads();
    let (_, reports) = doc.get(automerge::ROOT, "reports").unwrap().unwrap();
    let (_, entry) = doc.get(&reports, report.as_str()).unwrap().unwrap();
    doc.put(&entry, "occurred_at", now.plus_hours(-24).millis())
        .unwrap();
    doc.commit();
    p.therapist.persist(&agreement, &before, None).unwrap();

    let kept = everything(&mut p.client, &p.id);
    let message = p.therapist.sync_next(&p.id, now).unwrap().unwrap();
    let refused = p.client.sync_receive(&message, now);
    assert!(
        matches!(
            refused,
            Err(Error::Refused(doc::Violation::HistoryRewritten))
        ),
        "{refused:?}"
    );
    assert_eq!(everything(&mut p.client, &p.id), kept);
}

#[test]
fn the_therapist_phone_cannot_sign_as_the_client_with_a_key_of_its_own() {
    let mut p = paired();
    let now = t0().plus_hours(1);
    p.client.sign(&p.id, now).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, now);
    p.therapist.sign(&p.id, now).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, now);
    assert_eq!(
        p.client.agreement(&p.id).unwrap().assessment.status,
        AgreementStatus::Active
    );

    // The therapist's phone signs as a client with a new key, backdated.
    let fake = DeviceIdentity::generate(Role::Client, "Casey").unwrap();
    let view = p.therapist.agreement(&p.id).unwrap();
    let canonical =
        crate::model::canonical_terms(&p.id, &view.terms, &view.resources, &view.behaviors);
    let forged = fake.sign(&p.id, &canonical, t0().plus_hours(-48));
    let agreement = p.therapist.resolve(&p.id).unwrap();
    p.therapist
        .change(&agreement, now, |w| w.put_signature(&forged))
        .unwrap();

    // On its own phone the forgery counts for nothing; the client's phone refuses it.
    let view = p.therapist.agreement(&p.id).unwrap();
    assert_eq!(view.assessment.status, AgreementStatus::Active);
    let problem_of = |key: &[u8]| {
        view.assessment
            .signatures
            .iter()
            .find(|s| s.record.signature.public_key == key)
            .unwrap()
            .problem
    };
    assert_eq!(
        problem_of(&fake.public_key()),
        Some(crate::identity::SignatureProblem::KeyMismatch)
    );
    let client_key = p.client.me().unwrap().public_key();
    assert_eq!(problem_of(&client_key), None);
    let kept = everything(&mut p.client, &p.id);
    let message = p.therapist.sync_next(&p.id, now).unwrap().unwrap();
    let refused = p.client.sync_receive(&message, now);
    assert!(
        matches!(refused, Err(Error::Refused(doc::Violation::NotPermitted))),
        "{refused:?}"
    );
    assert_eq!(everything(&mut p.client, &p.id), kept);
}

/// Paired, both signed, and a call and a report logged and synced.
fn in_use() -> Phones {
    let mut p = paired();
    let now = t0().plus_hours(1);
    p.therapist.sign(&p.id, now).unwrap();
    quiesce(&mut p.therapist, &mut p.client, &p.id, now);
    p.client.sign(&p.id, now).unwrap();
    p.client.start_call(&p.id, coaching_call(), now).unwrap();
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, now);
    p
}

fn status_of(store: &Store, id: &AgreementId) -> AgreementStatus {
    store.agreement(id).unwrap().assessment.status
}

#[test]
fn a_client_who_loses_their_phone_pairs_a_new_one_and_keeps_everything() {
    let mut p = in_use();
    let now = t0().plus_hours(3);
    let mut new_phone = Store::open(p.dir.path().join("new.db"), &test_key()).unwrap();
    new_phone.init(Role::Client, "Casey", now).unwrap();
    let code = p.therapist.invite(&p.id, now).unwrap();
    new_phone.join(&code, now).unwrap();
    quiesce(&mut new_phone, &mut p.therapist, &p.id, now);

    assert_eq!(
        new_phone.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );
    assert_eq!(
        new_phone.log(&p.id, 10).unwrap().len(),
        2,
        "all history stays"
    );
    assert_eq!(status_of(&new_phone, &p.id), AgreementStatus::Active);
    // The new phone re-signs; its key is the client's too.
    new_phone.sign(&p.id, now).unwrap();
    quiesce(&mut new_phone, &mut p.therapist, &p.id, now);
    for store in [&new_phone, &p.therapist] {
        let view = store.agreement(&p.id).unwrap();
        assert_eq!(view.assessment.status, AgreementStatus::Active);
        assert!(view.assessment.signatures.iter().all(|s| s.valid));
        // Both client phones are in the agreement, for both phones to see.
        let phones: Vec<(Role, bool)> = view
            .paired_phones
            .iter()
            .map(|p| (p.role, p.valid))
            .collect();
        assert_eq!(phones, vec![(Role::Client, true), (Role::Client, true)]);
    }
    // The old phone's messages are refused from then on.
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    let from_old = p.client.sync_next(&p.id, now).unwrap().unwrap();
    assert_eq!(
        rejection(p.therapist.sync_receive(&from_old, now)),
        Rejection::UnknownSender
    );
}

#[test]
fn a_therapist_who_replaces_their_phone_gets_each_agreement_back_in_person() {
    let mut p = in_use();
    let now = t0().plus_hours(3);
    let mut new_phone = Store::open(p.dir.path().join("new-t.db"), &test_key()).unwrap();
    new_phone.init(Role::Therapist, "Dr T", now).unwrap();
    // In person: the client's phone shows a code, the therapist's new phone joins.
    let code = p.client.invite(&p.id, now).unwrap();
    assert_eq!(new_phone.join(&code, now).unwrap(), p.id);
    quiesce(&mut new_phone, &mut p.client, &p.id, now);

    assert_eq!(
        new_phone.heads(&p.id).unwrap(),
        p.client.heads(&p.id).unwrap()
    );
    assert_eq!(new_phone.log(&p.id, 10).unwrap().len(), 2);
    assert_eq!(status_of(&new_phone, &p.id), AgreementStatus::Active);
    // The new key takes over: its signature counts on both phones, and it can pair
    // the client's phones from now on.
    let edit = now.plus_hours(1);
    new_phone
        .set_term(&p.id, TermKey::CallMinutes, "5-10", edit)
        .unwrap();
    new_phone.sign(&p.id, edit).unwrap();
    quiesce(&mut new_phone, &mut p.client, &p.id, edit);
    p.client.sign(&p.id, edit).unwrap();
    quiesce(&mut new_phone, &mut p.client, &p.id, edit);
    for store in [&new_phone, &p.client] {
        let view = store.agreement(&p.id).unwrap();
        assert_eq!(view.assessment.status, AgreementStatus::Active);
        assert!(view.assessment.signatures.iter().all(|s| s.valid));
    }
    new_phone.invite(&p.id, edit).unwrap();
    let handed_over = &p.client.agreement(&p.id).unwrap().paired_phones[1];
    assert_eq!(
        (handed_over.role, handed_over.valid),
        (Role::Therapist, true)
    );
    assert_eq!(
        handed_over.fingerprint,
        new_phone.whoami().unwrap().fingerprint
    );

    // The lost phone's messages are refused by the client's phone.
    p.therapist
        .set_term(&p.id, TermKey::LockoutHours, "12", edit)
        .unwrap();
    let from_old = p.therapist.sync_next(&p.id, edit).unwrap().unwrap();
    assert_eq!(
        rejection(p.client.sync_receive(&from_old, edit)),
        Rejection::UnknownSender
    );
}

mod hostile;
