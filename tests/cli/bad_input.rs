//! Every bad input: exit code 2, a message naming the field, and the store unchanged.

use crate::phone::{pair, Phone};

/// Runs `args`, expecting exit 2 with `field` in the message and no change to what
/// either phone shows.
fn refused(phone: &Phone, args: &[&str], field: &str) {
    let before = phone.state();
    let file_before = std::fs::read(&phone.store).unwrap();
    let stderr = phone.fails(2, args);
    assert!(
        stderr.contains(field),
        "{args:?}: {stderr:?} should name {field}"
    );
    assert_eq!(phone.state(), before, "{args:?} changed the store");
    assert_eq!(
        std::fs::read(&phone.store).unwrap(),
        file_before,
        "{args:?} touched the file"
    );
}

#[test]
fn bad_call_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client, _) = pair(dir.path());
    refused(&client, &["call", "start", "--urge", "6"], "urge");
    refused(&client, &["call", "start", "--urge", "-1"], "urge");
    refused(&client, &["call", "start", "--reason", "chat"], "reason");
    let call = client.json(&["call", "start", "--urge", "3"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    refused(
        &client,
        &["call", "end", &call, "--urge-after", "9"],
        "urge-after",
    );
    refused(
        &client,
        &["call", "end", &call, "--outcome", "vanished"],
        "outcome",
    );
    refused(&client, &["call", "end", "0123456789abcdef"], "call");
    refused(&client, &["call", "end", "not-an-id"], "call id");
}

#[test]
fn bad_reports_are_refused_without_echoing_what_was_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client, _) = pair(dir.path());
    refused(
        &client,
        &["behavior", "report", "--at", "2026-11-23T14:06:00Z"],
        "at",
    );
    refused(&client, &["behavior", "report", "--at", "yesterday"], "at");
    let label = "a very private label";
    refused(
        &client,
        &["behavior", "report", "--behavior", label],
        "behavior",
    );
    assert!(!client
        .fails(2, &["behavior", "report", "--behavior", label])
        .contains(label));
    refused(
        &client,
        &["behavior", "retract", "0123456789abcdef"],
        "behavior report",
    );
    // Just inside the tolerance for clock drift between phones is accepted.
    client.ok(&["behavior", "report", "--at", "2026-11-23T14:04:59Z"]);
}

#[test]
fn bad_terms_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, _) = pair(dir.path());
    refused(
        &therapist,
        &["agreement", "set", "availability", "Mon 9-5"],
        "availability",
    );
    refused(
        &therapist,
        &["agreement", "set", "availability", "Mon 18:00-09:00"],
        "availability",
    );
    refused(
        &therapist,
        &["agreement", "set", "time-zone", "Mars/Olympus"],
        "time-zone",
    );
    refused(
        &therapist,
        &["agreement", "set", "lockout-hours", "-3"],
        "lockout-hours",
    );
    refused(
        &therapist,
        &["agreement", "set", "call-minutes", "8-5"],
        "call-minutes",
    );
    refused(
        &therapist,
        &["agreement", "set", "favourite-colour", "blue"],
        "term",
    );
    refused(
        &therapist,
        &["agreement", "holiday", "add", "2026-12-26", "2026-12-24"],
        "holiday",
    );
    refused(
        &therapist,
        &["agreement", "holiday", "remove", "0123456789abcdef"],
        "holiday",
    );
    refused(
        &therapist,
        &["--now", "soon", "agreement", "set", "lockout-hours", "2"],
        "now",
    );
}

#[test]
fn the_resource_list_never_becomes_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, _) = pair(dir.path());
    let show = therapist.json(&["agreement", "show"]);
    let ids: Vec<String> = show["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    therapist.ok(&["agreement", "resource", "remove", &ids[0]]);
    refused(
        &therapist,
        &["agreement", "resource", "remove", &ids[1]],
        "resources",
    );
    refused(
        &therapist,
        &["agreement", "resource", "remove", "0123456789abcdef"],
        "resource",
    );
}

#[test]
fn role_and_identity_rules_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    refused(&client, &["agreement", "new", "--client", "X"], "therapist");
    refused(
        &therapist,
        &["init", "--role", "therapist", "--name", "Again"],
        "identity",
    );
    let fresh = Phone::new(dir.path(), "fresh");
    let stderr = fresh.fails(2, &["init", "--role", "nurse", "--name", "X"]);
    assert!(stderr.contains("role"), "{stderr}");
    assert!(fresh.fails(2, &["whoami"]).contains("no identity"));
    fresh.ok(&["init", "--role", "client", "--name", "Fresh"]);
    assert!(fresh.fails(2, &["log"]).contains("no agreement"));
}

#[test]
fn foreign_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, _) = pair(dir.path());
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"definitely not automerge").unwrap();
    refused(
        &therapist,
        &["agreement", "import", junk.to_str().unwrap()],
        "Automerge",
    );
    let mut doc = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "title", "shopping list")
        .unwrap();
    let other = dir.path().join("other.automerge");
    std::fs::write(&other, doc.save()).unwrap();
    refused(
        &therapist,
        &["agreement", "import", other.to_str().unwrap()],
        "not a Coachline agreement",
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "my notes").unwrap();
    let not_a_store = Phone {
        store: text.clone(),
    };
    // Without a key: it might be a store whose key file was lost.
    let stderr = not_a_store.fails(2, &["whoami"]);
    assert!(stderr.contains("key file"), "{stderr}");
    // With one: no key opens it.
    let key_file = dir.path().join("notes.txt.key");
    std::fs::write(&key_file, "ab".repeat(32)).unwrap();
    std::fs::set_permissions(
        &key_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let stderr = not_a_store.fails(2, &["whoami"]);
    assert!(stderr.contains("not a Coachline store"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "my notes");
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("notes"))
            .count(),
        2
    );
}

#[test]
fn several_agreements_need_a_choice() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, first) = pair(dir.path());
    let second = therapist.json(&["agreement", "new", "--client", "Alex"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(therapist
        .fails(2, &["agreement", "show"])
        .contains("--agreement"));
    assert_eq!(
        therapist.json(&["agreement", "show", "--agreement", &second])["id"],
        second.as_str()
    );
    assert_eq!(
        therapist.json(&["--agreement", &first, "agreement", "show"])["id"],
        first.as_str()
    );
    therapist.fails(
        2,
        &[
            "agreement",
            "show",
            "--agreement",
            "00000000000000000000000000000000",
        ],
    );
}
