//! Pairing and sealed sync between stores on real SQLite files.

use super::*;
use crate::identity::DeviceIdentity;
use crate::model::{CallEnd, CallReason, CallStart, TermKey};
use crate::sync::envelope::MAX_MESSAGE_BYTES;

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
    let mut therapist = Store::open(dir.path().join("t.db")).unwrap();
    therapist.init(Role::Therapist, "Dr T", t0()).unwrap();
    let mut client = Store::open(dir.path().join("c.db")).unwrap();
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

    // Quiet, even much later and after reopening.
    let later = t0().plus_hours(100);
    assert_eq!(p.client.sync_next(&p.id, later).unwrap(), None);
    let mut reopened = Store::open(p.dir.path().join("t.db")).unwrap();
    assert_eq!(reopened.sync_next(&p.id, later).unwrap(), None);
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
        envelope::seal_all(&route, 99, &message[60..])
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
    assert!(matches!(
        p.therapist.join(&code, t0()),
        Err(Error::NotPermitted { .. })
    ));
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
    let unissued = Invitation::issue(p.therapist.me().unwrap(), &p.id, t0()).to_line();
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
    let mut other = Store::open(p.dir.path().join("other.db")).unwrap();
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
    let mut new_phone = Store::open(p.dir.path().join("new.db")).unwrap();
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
                let mut store = Store::open(path).unwrap();
                store.report_behavior(&p.id, None, now, now).unwrap();
            }
        }
        for (from, to) in [(0, 1), (1, 0)] {
            let mut stores = [
                Store::open(&paths[0]).unwrap(),
                Store::open(&paths[1]).unwrap(),
            ];
            let Some(message) = stores[from].sync_next(&p.id, now).unwrap() else {
                continue;
            };
            drop(stores);
            let mut receiver = Store::open(&paths[to]).unwrap();
            receiver.sync_receive(&message, now).unwrap();
        }
        now = now.plus_minutes(1);
    }
    let mut client = Store::open(&paths[0]).unwrap();
    let mut therapist = Store::open(&paths[1]).unwrap();
    assert_eq!(client.log(&p.id, 10).unwrap().len(), 2);
    assert_eq!(
        client.heads(&p.id).unwrap(),
        therapist.heads(&p.id).unwrap()
    );
    assert_eq!(client.sync_next(&p.id, now).unwrap(), None);
    assert_eq!(therapist.sync_next(&p.id, now).unwrap(), None);
}

mod hostile;
