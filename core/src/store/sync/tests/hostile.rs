//! Hostile input to `sync_receive`: whoever can reach a phone (a relay, a nearby
//! device, someone who once saw an invitation line) may send it anything. Each test
//! shows a bound: what such input costs the receiver, and that it never changes what
//! is stored or keeps the real peer out.

use super::*;
use crate::sync::envelope::{DeviceId, MAX_FRAGMENT_BYTES};
use crate::sync::fragments::{MAX_HELD_BYTES, MAX_HELD_MESSAGES};

/// A device that is not one of the two phones, with keys of its own.
fn stranger() -> DeviceIdentity {
    DeviceIdentity::generate(Role::Client, "S").unwrap()
}

/// The messages someone holding the invitation `code` (seen over a shoulder, say)
/// would seal with its own keys, claiming to be the device `sender`.
/// Two fragments of a join message from `who`, under its own device id.
fn stranger_joins(p: &Phones, code: &str, who: &DeviceIdentity, counter: u64) -> Vec<Vec<u8>> {
    join_as(
        p,
        code,
        who,
        device_id(&who.public_key()),
        counter,
        &two_fragments(),
    )
}

fn join_as(
    p: &Phones,
    code: &str,
    who: &DeviceIdentity,
    sender: DeviceId,
    counter: u64,
    body: &[u8],
) -> Vec<Vec<u8>> {
    let invitation = Invitation::parse(code, Role::Therapist).unwrap();
    let psk_id = invitation.psk_id();
    let therapist = p.therapist.me().unwrap();
    let (secret, public) = (who.sync_secret_bytes(), who.sync_public_key());
    let route = Route {
        kind: Kind::Join {
            psk_id,
            sync_key: public,
        },
        agreement: &p.id,
        sender,
        sender_keys: KeyPair {
            secret: &secret,
            public: &public,
        },
        recipient: device_id(&therapist.public_key()),
        recipient_key: &therapist.sync_public_key(),
        psk: Some(Psk {
            secret: &invitation.secret,
            id: &psk_id,
        }),
    };
    envelope::seal_all(&route, counter, body).unwrap()
}

/// A message sealed with the client's own keys, as only the client could.
fn from_client(p: &Phones, counter: u64, body: &[u8]) -> Vec<Vec<u8>> {
    let client = p.client.me().unwrap();
    let therapist = p.therapist.me().unwrap();
    let (secret, public) = (client.sync_secret_bytes(), client.sync_public_key());
    let route = Route {
        kind: Kind::Sync,
        agreement: &p.id,
        sender: device_id(&client.public_key()),
        sender_keys: KeyPair {
            secret: &secret,
            public: &public,
        },
        recipient: device_id(&therapist.public_key()),
        recipient_key: &therapist.sync_public_key(),
        psk: None,
    };
    envelope::seal_all(&route, counter, body).unwrap()
}

/// A body large enough to travel in two fragments.
fn two_fragments() -> Vec<u8> {
    vec![7; MAX_FRAGMENT_BYTES + 1]
}

/// Gives the client a change too large for one message.
fn large_change(p: &mut Phones, now: Timestamp) {
    let mut noise = 0x2545_f491_4f6c_dd1du64;
    for i in 0..80 {
        let situation: String = (0..2000)
            .map(|_| {
                noise ^= noise << 13;
                noise ^= noise >> 7;
                noise ^= noise << 17;
                char::from(b'a' + (noise % 26) as u8)
            })
            .collect();
        let start = CallStart::new(CallReason::News, Some(&situation), &[], None).unwrap();
        p.client
            .start_call(&p.id, start, now.plus_minutes(i))
            .unwrap();
    }
}

#[test]
fn a_fragment_under_a_spent_invitation_is_refused_before_it_is_opened_or_held() {
    let mut p = phones();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    p.client.join(&code, t0()).unwrap();
    quiesce(&mut p.client, &mut p.therapist, &p.id, t0());
    let before = everything(&mut p.therapist, &p.id);

    // Someone who saw the line, under its own device id: refused at the first fragment.
    let eve = stranger();
    let fragments = stranger_joins(&p, &code, &eve, 1 << 62);
    assert_eq!(
        refused(p.therapist.sync_receive(&fragments[0], t0())),
        InvitationProblem::Spent
    );
    assert_eq!(p.therapist.fragments.held(), (0, 0));

    // The same, claiming the paired client's device id with a huge counter: its key is
    // not the client's, so it is refused at once too, and cannot hold back the client.
    let client_device = device_id(&p.client.me().unwrap().public_key());
    let fragments = join_as(&p, &code, &eve, client_device, 1 << 62, &two_fragments());
    assert_eq!(
        rejection(p.therapist.sync_receive(&fragments[0], t0())),
        Rejection::UnknownSender
    );
    assert_eq!(p.therapist.fragments.held(), (0, 0));
    assert_eq!(everything(&mut p.therapist, &p.id), before);

    let now = t0().plus_hours(1);
    p.client.report_behavior(&p.id, None, now, now).unwrap();
    let message = p.client.sync_next(&p.id, now).unwrap().unwrap();
    assert!(p.therapist.sync_receive(&message, now).unwrap().changed);
}

#[test]
fn a_fragment_under_an_expired_invitation_is_refused_before_it_is_opened_or_held() {
    let mut p = paired();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    let late = t0().plus_hours(invitation::VALID_HOURS);
    let eve = stranger();
    let fragments = stranger_joins(&p, &code, &eve, 1);
    let before = everything(&mut p.therapist, &p.id);
    assert_eq!(
        refused(p.therapist.sync_receive(&fragments[0], late)),
        InvitationProblem::Expired
    );
    assert_eq!(p.therapist.fragments.held(), (0, 0));
    assert_eq!(everything(&mut p.therapist, &p.id), before);
}

#[test]
fn a_stranger_holding_a_live_invitation_cannot_hold_back_the_client_it_imitates() {
    // Before the client's first message arrives, someone with the same line sends the
    // first half of a message under the client's device id with a huge counter.
    let mut p = phones();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    p.client.join(&code, t0()).unwrap();
    let eve = stranger();
    let client_device = device_id(&p.client.me().unwrap().public_key());
    let fragments = join_as(&p, &code, &eve, client_device, 1 << 62, &two_fragments());
    assert!(
        p.therapist
            .sync_receive(&fragments[0], t0())
            .unwrap()
            .buffered
    );
    // The client's own messages still pair it.
    quiesce(&mut p.client, &mut p.therapist, &p.id, t0());
    assert_eq!(
        p.therapist.peers().unwrap()[0].fingerprint,
        p.client.whoami().unwrap().fingerprint
    );
    assert_eq!(
        p.client.heads(&p.id).unwrap(),
        p.therapist.heads(&p.id).unwrap()
    );
}

#[test]
fn too_many_partial_messages_from_unpaired_senders_are_refused_while_the_peer_gets_through() {
    let mut p = paired();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    let before = everything(&mut p.therapist, &p.id);
    for _ in 0..MAX_HELD_MESSAGES {
        let eve = stranger();
        let fragments = stranger_joins(&p, &code, &eve, 1);
        assert!(
            p.therapist
                .sync_receive(&fragments[0], t0())
                .unwrap()
                .buffered
        );
    }
    let eve = stranger();
    let one_more = stranger_joins(&p, &code, &eve, 1);
    assert_eq!(
        rejection(p.therapist.sync_receive(&one_more[0], t0())),
        Rejection::Busy
    );
    assert_eq!(p.therapist.fragments.held().0, MAX_HELD_MESSAGES);
    assert_eq!(everything(&mut p.therapist, &p.id), before);

    // The paired client's large change still arrives, in fragments, evicting strangers.
    let now = t0().plus_hours(1);
    large_change(&mut p, now);
    let mut fragments = Vec::new();
    while let Some(message) = p.client.sync_next(&p.id, now).unwrap() {
        fragments.push(message);
    }
    assert!(fragments.len() > 1, "{} fragments", fragments.len());
    for fragment in &fragments {
        p.therapist.sync_receive(fragment, now).unwrap();
    }
    assert_eq!(p.therapist.log(&p.id, 100).unwrap().len(), 80);
    assert!(p.therapist.fragments.held().0 < MAX_HELD_MESSAGES);
}

#[test]
fn partial_messages_from_unpaired_senders_never_hold_more_than_the_byte_bound() {
    let mut p = paired();
    let code = p.therapist.invite(&p.id, t0()).unwrap();
    let eve = stranger();
    let pieces = MAX_HELD_BYTES / MAX_FRAGMENT_BYTES + 2;
    let body = vec![1; pieces * MAX_FRAGMENT_BYTES];
    let fragments = join_as(&p, &code, &eve, device_id(&eve.public_key()), 1, &body);
    assert_eq!(fragments.len(), pieces);
    let mut refused_at = None;
    for (i, fragment) in fragments.iter().enumerate().take(pieces - 1) {
        match p.therapist.sync_receive(fragment, t0()) {
            Ok(outcome) => assert!(outcome.buffered),
            Err(Error::Rejected {
                reason: Rejection::Busy,
            }) => {
                refused_at = Some(i);
                break;
            }
            Err(e) => panic!("fragment {i}: {e}"),
        }
    }
    let refused_at = refused_at.expect("the byte bound was never reached");
    assert!(refused_at * MAX_FRAGMENT_BYTES <= MAX_HELD_BYTES);
    assert!(p.therapist.fragments.held().1 <= MAX_HELD_BYTES);

    // A second stranger is refused too; the paired client is not.
    let mallory = stranger();
    let other = stranger_joins(&p, &code, &mallory, 1);
    assert_eq!(
        rejection(p.therapist.sync_receive(&other[0], t0())),
        Rejection::Busy
    );
    let now = t0().plus_hours(1);
    large_change(&mut p, now);
    send(&mut p.client, &mut p.therapist, &p.id, now);
    assert_eq!(p.therapist.log(&p.id, 100).unwrap().len(), 80);
    assert!(p.therapist.fragments.held().1 <= MAX_HELD_BYTES);
}

#[test]
fn a_counter_of_two_to_the_sixty_three_or_more_is_malformed() {
    let mut p = paired();
    let empty = AutoCommit::new()
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .unwrap()
        .encode();
    let before = everything(&mut p.therapist, &p.id);
    for counter in [1 << 63, u64::MAX] {
        let message = from_client(&p, counter, &empty).remove(0);
        assert_eq!(
            rejection(p.therapist.sync_receive(&message, t0())),
            Rejection::Malformed
        );
    }
    assert_eq!(everything(&mut p.therapist, &p.id), before);
    // The largest counter allowed is accepted.
    let message = from_client(&p, (1 << 63) - 1, &empty).remove(0);
    p.therapist.sync_receive(&message, t0()).unwrap();
}

#[test]
fn a_sync_message_that_would_inflate_past_the_bound_is_refused_unopened() {
    let mut p = paired();
    let bomb = crate::inflation::tests::compressed_change_bomb(crate::inflation::MAX_INFLATED + 1);
    let message = automerge::sync::Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: bomb.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V2,
    }
    .encode();
    let before = everything(&mut p.therapist, &p.id);
    let mut fragments = from_client(&p, 1 << 62, &message);
    let last = fragments.pop().unwrap();
    for fragment in &fragments {
        assert!(p.therapist.sync_receive(fragment, t0()).unwrap().buffered);
    }
    assert_eq!(
        rejection(p.therapist.sync_receive(&last, t0())),
        Rejection::TooLarge
    );
    assert_eq!(everything(&mut p.therapist, &p.id), before);
}

#[test]
fn an_import_that_would_inflate_past_the_bound_is_refused_unopened() {
    let mut p = paired();
    let before = everything(&mut p.client, &p.id);
    for bomb in [
        crate::inflation::tests::compressed_change_bomb(crate::inflation::MAX_INFLATED + 1),
        crate::inflation::tests::document_bomb(crate::inflation::MAX_INFLATED + 1),
    ] {
        match p.client.import(&bomb) {
            Err(Error::NotAnAgreement(reason)) => assert!(reason.contains("64 MiB"), "{reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(everything(&mut p.client, &p.id), before);
}
