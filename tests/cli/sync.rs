//! Pairing and sealed sync through the real binary: invitations, sync files, and every
//! kind of message a store must refuse without changing anything.

use std::path::{Path, PathBuf};

use crate::phone::Phone;

/// What must not change when a message is refused: what a person sees, the peers,
/// and the bytes of the store's files.
fn untouched(phone: &Phone) -> impl PartialEq + std::fmt::Debug {
    let wal = PathBuf::from(format!("{}-wal", phone.store.display()));
    (
        phone.state(),
        phone.json(&["peers"]),
        std::fs::read(&phone.store).unwrap(),
        std::fs::read(wal).ok(),
    )
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

/// Writes what `from` has due into `file`; returns how many messages.
fn send(from: &Phone, file: &str) -> u64 {
    from.json(&["sync", "send", "--out", file])["messages"]
        .as_u64()
        .unwrap()
}

/// Carries everything due from `from` to `to`; returns how many messages.
fn carry(from: &Phone, to: &Phone, file: &str) -> u64 {
    let n = send(from, file);
    if n > 0 {
        to.json(&["sync", "receive", file]);
    }
    n
}

/// Syncs until neither phone has anything to send; returns the messages exchanged.
fn quiesce(a: &Phone, b: &Phone, dir: &Path) -> u64 {
    let file = path(dir, "carry.sync");
    let mut total = 0;
    for _ in 0..8 {
        let moved = carry(a, b, &file) + carry(b, a, &file);
        if moved == 0 {
            return total;
        }
        total += moved;
    }
    panic!("no quiescence after {total} messages");
}

fn invite(therapist: &Phone) -> String {
    therapist.json(&["invite"])["invitation"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A therapist and a client paired by invitation, in sync.
fn paired(dir: &Path) -> (Phone, Phone, String) {
    let therapist = Phone::init(dir, "therapist", "therapist");
    let client = Phone::init(dir, "client", "client");
    let id = therapist.json(&["agreement", "new", "--client", "Sam"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let joined = client.json(&["join", &invite(&therapist)]);
    assert_eq!(joined["agreement"], id.as_str());
    quiesce(&client, &therapist, dir);
    (therapist, client, id)
}

#[test]
fn pairing_brings_the_agreement_to_the_client_and_syncs_to_quiescence() {
    let dir = tempfile::tempdir().unwrap();
    let therapist = Phone::init(dir.path(), "therapist", "therapist");
    let client = Phone::init(dir.path(), "client", "client");
    therapist.ok(&["agreement", "new", "--client", "Sam"]);
    let code = invite(&therapist);
    assert!(
        code.starts_with("COACHLINE1:") && code.len() < 400,
        "{code}"
    );
    let joined = client.json(&["join", &code]);
    assert_eq!(
        joined["peer_fingerprint"],
        therapist.json(&["whoami"])["fingerprint"]
    );
    assert!(client.ok(&["peers"]).contains("waiting for the therapist"));

    let messages = quiesce(&client, &therapist, dir.path());
    assert!(messages <= 4, "{messages} messages to pair");
    assert_eq!(client.state(), therapist.state());
    let peers = therapist.json(&["peers"]);
    assert_eq!(peers[0]["role"], "client");
    assert_eq!(
        peers[0]["fingerprint"],
        client.json(&["whoami"])["fingerprint"]
    );
    assert_eq!(client.json(&["peers"])[0]["confirmed"], true);

    // Nothing is due on either side: nothing is written, and the command says so.
    let file = path(dir.path(), "nothing.sync");
    let out = client.ok(&["sync", "send", "--out", &file]);
    assert!(out.contains("Nothing to send"), "{out}");
    assert_eq!(send(&therapist, &file), 0);
    assert!(!Path::new(&file).exists());
}

#[test]
fn edits_on_both_phones_while_apart_converge() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = paired(dir.path());
    let later = "2026-11-30T14:00:00Z";
    client.ok(&["call", "start", "--urge", "3", "--now", later]);
    client.ok(&["behavior", "report", "--at", later, "--now", later]);
    therapist.ok(&["agreement", "set", "lockout-hours", "12", "--now", later]);
    therapist.ok(&[
        "agreement",
        "resource",
        "add",
        "Warmline",
        "555-0199",
        "--now",
        later,
    ]);

    let file = path(dir.path(), "first.sync");
    assert_eq!(send(&client, &file), 1);
    let received = therapist.json(&["sync", "receive", &file, "--now", later]);
    assert_eq!(received["changed"], true);
    assert_eq!(therapist.json(&["log"]).as_array().unwrap().len(), 2);

    quiesce(&client, &therapist, dir.path());
    assert_eq!(client.state(), therapist.state());
    assert_eq!(
        client.json(&["agreement", "show"])["terms"]["lockout_hours"],
        12
    );
    assert_eq!(
        client.json(&["status", "--now", later]),
        therapist.json(&["status", "--now", later])
    );
}

#[test]
fn tampered_replayed_and_misaddressed_messages_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = paired(dir.path());
    client.ok(&["behavior", "report"]);
    let file = path(dir.path(), "report.sync");
    assert_eq!(send(&client, &file), 1);
    let before = untouched(&therapist);

    let tampered = path(dir.path(), "tampered.sync");
    let mut bytes = std::fs::read(&file).unwrap();
    *bytes.last_mut().unwrap() ^= 0x01;
    std::fs::write(&tampered, &bytes).unwrap();
    let err = therapist.fails(2, &["sync", "receive", &tampered]);
    assert!(err.contains("altered in transit"), "{err}");
    assert_eq!(untouched(&therapist), before);

    let client_before = untouched(&client);
    let err = client.fails(2, &["sync", "receive", &file]);
    assert!(err.contains("sealed for another device"), "{err}");
    assert_eq!(untouched(&client), client_before);

    let garbage = path(dir.path(), "garbage.sync");
    std::fs::write(&garbage, b"not a sync file").unwrap();
    therapist.fails(2, &["sync", "receive", &garbage]);
    assert_eq!(untouched(&therapist), before);

    // The real message is applied once; its replay changes nothing.
    assert_eq!(therapist.json(&["sync", "receive", &file])["changed"], true);
    let applied = untouched(&therapist);
    let err = therapist.fails(2, &["sync", "receive", &file]);
    assert!(err.contains("already received"), "{err}");
    assert_eq!(untouched(&therapist), applied);

    // And the next legitimate sync works.
    client.ok(&["agreement", "set", "backup-plan", "Call the on-call line."]);
    quiesce(&client, &therapist, dir.path());
    assert_eq!(client.state(), therapist.state());
}

#[test]
fn messages_from_a_phone_that_is_not_the_paired_peer_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, old_phone, _) = paired(dir.path());
    // The client pairs a new phone (the old one was lost): the old one is now a stranger.
    let new_phone = Phone::init(dir.path(), "new-phone", "client");
    new_phone.ok(&["join", &invite(&therapist)]);
    quiesce(&new_phone, &therapist, dir.path());
    assert_eq!(new_phone.state(), therapist.state());

    old_phone.ok(&["behavior", "report"]);
    let file = path(dir.path(), "old.sync");
    assert_eq!(send(&old_phone, &file), 1);
    let before = untouched(&therapist);
    let err = therapist.fails(2, &["sync", "receive", &file]);
    assert!(err.contains("not this agreement's paired peer"), "{err}");
    assert_eq!(untouched(&therapist), before);

    new_phone.ok(&["call", "start"]);
    quiesce(&new_phone, &therapist, dir.path());
    assert_eq!(new_phone.state(), therapist.state());
}

#[test]
fn expired_spent_malformed_and_altered_invitations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let therapist = Phone::init(dir.path(), "therapist", "therapist");
    let client = Phone::init(dir.path(), "client", "client");
    therapist.ok(&["agreement", "new", "--client", "Sam"]);
    let code = invite(&therapist);

    let err = client.fails(2, &["join", &code, "--now", "2026-11-25T14:00:00Z"]);
    assert!(err.contains("expired"), "{err}");
    let err = client.fails(2, &["join", "hello"]);
    assert!(err.contains("not a Coachline invitation"), "{err}");
    let mut altered: Vec<char> = code.chars().collect();
    altered[40] = if altered[40] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    let err = client.fails(2, &["join", &altered]);
    assert!(err.contains("altered or mistyped"), "{err}");
    assert!(client.json(&["peers"]).as_array().unwrap().is_empty());
    // A therapist's invitation is for a client's phone: it never reads as a handover.
    let err = therapist.fails(2, &["join", &code]);
    assert!(err.contains("altered or mistyped"), "{err}");

    client.ok(&["join", &code]);
    quiesce(&client, &therapist, dir.path());
    let other = Phone::init(dir.path(), "other", "client");
    other.ok(&["join", &code]);
    let file = path(dir.path(), "other.sync");
    assert_eq!(send(&other, &file), 1);
    let before = untouched(&therapist);
    let err = therapist.fails(2, &["sync", "receive", &file]);
    assert!(err.contains("already used"), "{err}");
    assert_eq!(untouched(&therapist), before);
}

#[test]
fn a_lost_phone_on_either_side_is_replaced_by_pairing_again_and_history_stays() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = paired(dir.path());
    therapist.ok(&["agreement", "sign"]);
    quiesce(&therapist, &client, dir.path());
    client.ok(&["agreement", "sign"]);
    client.ok(&["call", "start"]);
    quiesce(&client, &therapist, dir.path());

    // The client's phone is lost: the therapist invites a new one.
    let new_client = Phone::init(dir.path(), "new-client", "client");
    new_client.json(&["join", &invite(&therapist)]);
    quiesce(&new_client, &therapist, dir.path());
    assert_eq!(new_client.state(), therapist.state());
    assert_eq!(new_client.json(&["agreement", "show"])["status"], "active");

    // The therapist's phone is lost: the client's phone invites the new one, in person.
    let new_therapist = Phone::init(dir.path(), "new-therapist", "therapist");
    let joined = new_therapist.json(&["join", &invite(&new_client)]);
    assert_eq!(joined["peer_role"], "client");
    quiesce(&new_therapist, &new_client, dir.path());
    assert_eq!(new_therapist.state(), new_client.state());
    let log = new_therapist.json(&["log"]);
    assert_eq!(log.as_array().unwrap().len(), 1, "the call is still there");
    new_therapist.ok(&["agreement", "sign"]);
    quiesce(&new_therapist, &new_client, dir.path());
    let show = new_client.json(&["agreement", "show"]);
    assert_eq!(show["status"], "active");
    let mut phones: Vec<&str> = show["paired_phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    phones.sort();
    assert_eq!(phones, ["client", "client", "therapist"]);
    assert!(new_client
        .ok(&["agreement", "show"])
        .contains("Paired phones:"));
    assert!(show["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["problem"].is_null()));
}
