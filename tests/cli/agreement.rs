//! Agreements: drafting, editing, signing, every status, forged signatures.

use crate::phone::{pair, Phone};

#[test]
fn init_and_whoami_never_show_the_secret_key() {
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::init(dir.path(), "Casey", "client");
    let me = phone.json(&["whoami"]);
    assert_eq!(me["role"], "client");
    assert_eq!(me["name"], "Casey");
    assert_eq!(me["public_key"].as_str().unwrap().len(), 64);
    assert!(me.get("secret_key").is_none());
    assert!(phone.ok(&["whoami"]).contains("Casey (client)"));
}

#[test]
fn a_draft_has_the_seed_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, id) = pair(dir.path());
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["id"], id.as_str());
    assert_eq!(show["status"], "draft");
    assert_eq!(show["missing"], serde_json::json!(["client", "therapist"]));
    let terms = &show["terms"];
    assert_eq!(terms["reasons"].as_array().unwrap().len(), 4);
    assert_eq!(terms["goals"].as_array().unwrap().len(), 3);
    assert_eq!(terms["lockout_hours"], 24);
    assert_eq!(
        terms["call_minutes"],
        serde_json::json!({ "min": 5, "max": 8 })
    );
    assert_eq!(terms["return_call_minutes"], 60);
    assert_eq!(terms["availability"], "");
    assert_eq!(terms["time_zone"], "America/New_York");
    let resources: Vec<_> = show["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(
        resources,
        vec!["988 Suicide & Crisis Lifeline", "Emergency services"]
    );
    assert_eq!(show["terms_hash"].as_str().unwrap().len(), 64);
    let list = therapist.json(&["agreement", "list"]);
    assert_eq!(list[0]["id"], id.as_str());
}

#[test]
fn every_settable_term_is_edited_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    for (key, value) in [
        ("client-name", "Samantha"),
        ("lockout-hours", "12"),
        ("call-minutes", "5-10"),
        ("return-call-minutes", "45"),
        ("time-zone", "Europe/Berlin"),
        ("availability", "Mon-Fri 09:00-20:00; Sat 10:00-14:00"),
        ("backup-plan", "Call the on-call clinician."),
    ] {
        client.ok(&["agreement", "set", key, value]);
    }
    let terms = client.json(&["agreement", "show"])["terms"].clone();
    assert_eq!(terms["client_name"], "Samantha");
    assert_eq!(terms["lockout_hours"], 12);
    assert_eq!(terms["call_minutes"]["max"], 10);
    assert_eq!(terms["return_call_minutes"], 45);
    assert_eq!(terms["time_zone"], "Europe/Berlin");
    assert!(terms["availability"]
        .as_str()
        .unwrap()
        .starts_with("Mon 09:00-20:00;"));
    client.send_to(&therapist, &dir.path().join("edits.automerge"));
    assert_eq!(therapist.json(&["agreement", "show"])["terms"], terms);
}

#[test]
fn resources_behaviours_and_holidays_are_added_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, _) = pair(dir.path());
    let r = therapist.json(&[
        "agreement",
        "resource",
        "add",
        "Crisis Text Line",
        "text HOME to 741741",
    ]);
    let b = therapist.json(&[
        "agreement",
        "behavior",
        "add",
        "skipping meals",
        "--no-lockout",
    ]);
    therapist.json(&["agreement", "behavior", "add", "self-harm"]);
    let h = therapist.json(&[
        "agreement",
        "holiday",
        "add",
        "2026-12-24",
        "2026-12-26",
        "--note",
        "Dr. Lee covers",
    ]);
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["resources"].as_array().unwrap().len(), 3);
    let behaviors = show["behaviors"].as_array().unwrap();
    assert_eq!(behaviors.len(), 2);
    assert!(behaviors
        .iter()
        .any(|b| b["label"] == "skipping meals" && b["triggers_lockout"] == false));
    assert_eq!(show["holidays"][0]["note"], "Dr. Lee covers");

    therapist.ok(&["agreement", "resource", "remove", r["id"].as_str().unwrap()]);
    therapist.ok(&["agreement", "behavior", "remove", b["id"].as_str().unwrap()]);
    therapist.ok(&["agreement", "holiday", "remove", h["id"].as_str().unwrap()]);
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["resources"].as_array().unwrap().len(), 2);
    assert_eq!(show["behaviors"].as_array().unwrap().len(), 1);
    assert!(show["holidays"].as_array().unwrap().is_empty());
}

#[test]
fn the_agreement_goes_through_every_status() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let file = dir.path().join("x.automerge");
    assert_eq!(
        therapist.json(&["agreement", "sign"])["status"],
        "awaiting_signatures"
    );
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["missing"], serde_json::json!(["client"]));
    therapist.send_to(&client, &file);
    assert_eq!(client.json(&["agreement", "sign"])["status"], "active");
    client.send_to(&therapist, &file);
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["status"], "active");
    assert_eq!(show["missing"], serde_json::json!([]));
    for sig in show["signatures"].as_array().unwrap() {
        assert_eq!(
            (sig["valid"].as_bool(), sig["current"].as_bool()),
            (Some(true), Some(true))
        );
        assert!(sig["signed_at"].as_str().unwrap().ends_with('Z'));
    }
    therapist.ok(&["agreement", "set", "lockout-hours", "48"]);
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["status"], "needs_resigning");
    assert!(show["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["current"] == false && s["valid"] == true));
    assert!(therapist
        .ok(&["agreement", "show"])
        .contains("valid, on earlier terms"));
}

#[test]
fn forged_and_impostor_signatures_never_count() {
    use automerge::transaction::Transactable;
    use automerge::ReadDoc;

    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let file = dir.path().join("x.automerge");
    therapist.ok(&["agreement", "sign"]);

    // An impostor device claiming the therapist role signs the same terms.
    let impostor = Phone::init(dir.path(), "impostor", "therapist");
    therapist.send_to(&impostor, &file);
    impostor.ok(&["agreement", "sign"]);
    impostor.send_to(&client, &file);
    let show = client.json(&["agreement", "show"]);
    let problem_of = |name: &str| {
        show["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["problem"]
            .clone()
    };
    assert_eq!(problem_of("therapist"), serde_json::Value::Null);
    assert_eq!(problem_of("impostor"), "key_mismatch");
    assert_eq!(show["status"], "awaiting_signatures");
    assert!(client
        .ok(&["agreement", "show"])
        .contains("not a key the agreement records for this role"));

    // The client signs; then someone flips one byte of the therapist's signature.
    // Rewriting a signature is rewriting history: the import is refused whole.
    client.ok(&["agreement", "sign"]);
    client.send_to(&therapist, &file);
    assert_eq!(therapist.json(&["agreement", "show"])["status"], "active");
    let before = therapist.state();
    let mut doc = automerge::AutoCommit::load(&std::fs::read(&file).unwrap()).unwrap();
    let (_, sigs) = doc.get(automerge::ROOT, "signatures").unwrap().unwrap();
    let keys: Vec<String> = doc.keys(&sigs).collect();
    let mut therapists = Vec::new();
    for key in keys {
        let (_, sig) = doc.get(&sigs, key.as_str()).unwrap().unwrap();
        let role = doc.get(&sig, "role").unwrap().unwrap().0.to_string();
        let name = doc.get(&sig, "name").unwrap().unwrap().0.to_string();
        if role.contains("therapist") && name.contains("therapist") {
            therapists.push(sig);
        }
    }
    let real = therapists.pop().unwrap();
    let field = |doc: &automerge::AutoCommit, key: &str| {
        doc.get(&real, key)
            .unwrap()
            .unwrap()
            .0
            .into_scalar()
            .unwrap()
    };
    let mut damaged = field(&doc, "signature").as_bytes().unwrap().to_vec();
    damaged[0] ^= 0xff;
    let mut rewritten = doc.fork();
    rewritten.put(&real, "signature", damaged.clone()).unwrap();
    std::fs::write(&file, rewritten.save()).unwrap();
    let refused = therapist.fails(2, &["agreement", "import", file.to_str().unwrap()]);
    assert!(refused.contains("rewrites history"), "{refused}");
    assert_eq!(therapist.state(), before);

    // A damaged copy added as a signature of its own is kept, shown as not
    // verifying, and counts for nothing.
    let copy = doc
        .put_object(&sigs, "00000000000000ff", automerge::ObjType::Map)
        .unwrap();
    for key in ["role", "name", "signed_at", "public_key", "terms_hash"] {
        let value = field(&doc, key);
        doc.put(&copy, key, value).unwrap();
    }
    doc.put(&copy, "signature", damaged).unwrap();
    std::fs::write(&file, doc.save()).unwrap();
    therapist.ok(&["agreement", "import", file.to_str().unwrap()]);
    let show = therapist.json(&["agreement", "show"]);
    assert_eq!(show["status"], "active");
    assert!(show["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["problem"] == "does_not_verify"));
    assert!(therapist
        .ok(&["agreement", "show"])
        .contains("INVALID: does not verify"));
}
