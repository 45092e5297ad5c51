//! `coachline screen NAME`: the apps' screens through the real binary, on real
//! stores. Assertions never print names or notes (they compare, then say what was
//! expected in words of their own).

use crate::phone::{pair, Phone};

const NY: &str = "America/New_York";

#[test]
fn a_client_in_a_lockout_sees_the_crisis_line_first() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    therapist.ok(&["agreement", "behavior", "add", "self-harm"]);
    therapist.send_to(&client, &dir.path().join("setup.automerge"));
    let now = "2026-11-23T15:00:00Z";
    client.ok(&[
        "behavior",
        "report",
        "--behavior",
        "self-harm",
        "--at",
        "2026-11-23T14:30:00Z",
        "--now",
        now,
    ]);

    let home = client.json(&["screen", "home", "--now", now, "--time-zone", NY]);
    assert_eq!(home["can_call"], false);
    assert_eq!(home["locked_until"], "2026-11-24T14:30:00Z");
    assert!(!home["headline"].as_str().unwrap().is_empty());
    assert!(!home["message"].as_str().unwrap().is_empty());
    // The lockout's end in the viewer's zone: 9:30 AM in New York.
    assert!(home["headline"].as_str().unwrap().contains("9:30"));
    let actions = home["actions"].as_array().unwrap();
    assert_eq!(actions[0]["kind"], "call_resource");
    assert_eq!(actions[0]["uri"], "tel:988");
    assert_eq!(actions[0]["primary"], true);
    for action in actions {
        assert!(action["label"].as_str().is_some_and(|l| !l.is_empty()));
        assert!(
            action.get("uri").is_some(),
            "every button says its uri (or null)"
        );
    }
    assert!(
        !actions.iter().any(|a| a["kind"] == "call_therapist"),
        "no call button while locked out"
    );

    // The same screen as text: the headline, then the buttons with their addresses.
    let text = client.ok(&["screen", "home", "--now", now, "--time-zone", NY]);
    assert!(text.starts_with(home["headline"].as_str().unwrap()));
    assert!(text.contains("tel:988"));
    let first_button = text.lines().position(|l| l.contains("tel:988")).unwrap();
    let report = text
        .lines()
        .position(|l| l.contains(actions.last().unwrap()["label"].as_str().unwrap()))
        .unwrap();
    assert!(first_button < report, "buttons in display order");

    // Without --time-zone: $TZ when it names a zone, else UTC (2:30 PM).
    let headline = |tz: &str| {
        let out = client.run_with(&["screen", "home", "--json", "--now", now], &[("TZ", tz)]);
        assert!(out.status.success());
        let home: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        home["headline"].as_str().unwrap().to_owned()
    };
    assert!(headline(NY).contains("9:30"));
    assert!(headline(":America/New_York").contains("9:30"));
    assert!(headline("not a zone").contains("2:30"));
    assert!(headline("UTC").contains("2:30"));

    // Once the window ends, the client may call again.
    let later = client.json(&["screen", "home", "--now", "2026-11-24T14:30:00Z"]);
    assert_eq!(later["can_call"], true);
    assert_eq!(later["locked_until"], serde_json::Value::Null);
    assert_eq!(later["actions"][0]["kind"], "call_therapist");
}

#[test]
fn the_therapist_sees_the_overdue_callback_first() {
    let dir = tempfile::tempdir().unwrap();
    let therapist = Phone::init(dir.path(), "therapist", "therapist");
    let client = Phone::init(dir.path(), "client", "client");
    // The quiet client's agreement is the older one: only attention puts the other first.
    let quiet = therapist.json(&["agreement", "new", "--client", "Alex", "--time-zone", NY])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = therapist.json(&[
        "agreement",
        "new",
        "--client",
        "Sam",
        "--time-zone",
        NY,
        "--now",
        "2026-11-23T14:01:00Z",
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let on = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--agreement", waiting.as_str()]);
        all.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |phone: &Phone, args: &[&str]| {
        let args = on(args);
        phone.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    run(
        &therapist,
        &["agreement", "set", "availability", "Mon-Fri 09:00-17:00"],
    );
    run(
        &therapist,
        &["agreement", "set", "return-call-minutes", "30"],
    );
    let file = dir.path().join("a.automerge");
    let file = file.to_str().unwrap();
    run(
        &therapist,
        &["agreement", "export", "--plain", "--out", file],
    );
    client.ok(&["agreement", "import", file]);
    // Monday 23:00 in New York: a callback request, due Tuesday 09:30 (14:30Z).
    client.ok(&["call", "start", "--now", "2026-11-24T04:00:00Z"]);
    client.ok(&["agreement", "export", "--plain", "--out", file]);
    therapist.ok(&["agreement", "import", file]);

    let rows = therapist.json(&["screen", "clients", "--now", "2026-11-24T14:31:00Z"]);
    let rows = rows.as_array().expect("clients --json is a list");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["agreement"], waiting.as_str());
    assert!(rows[0]["client_name"] == "Sam", "the waiting client's name");
    assert_eq!(rows[0]["attention"][0], "overdue_callback");
    assert_eq!(rows[1]["agreement"], quiet.as_str());
    assert!(rows[1]["client_name"] == "Alex", "the quiet client's name");
    assert!(!rows[1]["attention"]
        .as_array()
        .unwrap()
        .contains(&"overdue_callback".into()));
    for row in rows {
        for code in row["attention"].as_array().unwrap() {
            let code = code.as_str().unwrap();
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "attention codes are snake_case"
            );
        }
    }

    // Before it is due, nothing is overdue and creation order stands.
    let rows = therapist.json(&["screen", "clients", "--now", "2026-11-24T14:00:00Z"]);
    assert_eq!(rows[0]["agreement"], quiet.as_str());

    // As text: the title, then one client a line, the waiting one first.
    let text = therapist.ok(&["screen", "clients", "--now", "2026-11-24T14:31:00Z"]);
    let sam = text.find("Sam").expect("the waiting client is listed");
    let alex = text.find("Alex").expect("the quiet client is listed");
    assert!(sam < alex, "attention order in the text too");

    // The client's own screen, chosen with --agreement.
    let client_screen = therapist.json(&[
        "screen",
        "client",
        "--agreement",
        &waiting,
        "--now",
        "2026-11-24T14:31:00Z",
    ]);
    assert_eq!(
        client_screen["log"][0]["return_call"]["kind"],
        "return_call"
    );
    // Two agreements and no --agreement: a usage error that names no one.
    let err = therapist.fails(2, &["screen", "client"]);
    assert!(err.contains("--agreement") && !err.contains("Sam") && !err.contains("Alex"));
}

#[test]
fn the_agreement_and_session_prep_screens() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, id) = pair(dir.path());
    let now = "2026-11-23T16:00:00Z";
    client.ok(&[
        "call",
        "start",
        "--urge",
        "4",
        "--tried",
        "paced breathing",
        "--now",
        "2026-11-23T15:00:00Z",
    ]);
    therapist.ok(&["agreement", "sign"]);
    client.send_to(&therapist, &dir.path().join("c.automerge"));

    let agreement = therapist.json(&["screen", "agreement", "--now", now]);
    assert_eq!(agreement["agreement"], id.as_str());
    assert!(!agreement["title"].as_str().unwrap().is_empty());
    assert!(!agreement["sections"].as_array().unwrap().is_empty());
    let text = therapist.ok(&["screen", "agreement", "--now", now]);
    assert!(text.starts_with(agreement["title"].as_str().unwrap()));

    let prep = therapist.json(&["screen", "session-prep", "--now", now, "--time-zone", NY]);
    assert!(prep["title"].as_str().unwrap().starts_with("Sam"));
    assert!(!prep["lines"].as_array().unwrap().is_empty());
    assert_eq!(prep["weeks"].as_array().unwrap().len(), 8);
    assert_eq!(prep["urges"][0]["before"], 4);
    assert_eq!(prep["chart_titles"].as_array().unwrap().len(), 3);
    assert_eq!(prep["reason_labels"].as_array().unwrap().len(), 4);

    // Every screen of either app computes on these stores.
    for name in [
        "before-call",
        "report",
        "pairing",
        "sync",
        "editor",
        "invite",
        "client",
    ] {
        let record = therapist.json(&["screen", name, "--now", now]);
        assert!(record.is_object(), "{name} gives a record");
        therapist.ok(&["screen", name, "--now", now]);
    }
    let calls = client.json(&["log", "--now", now]);
    let call = calls[0]["id"].as_str().unwrap();
    for name in ["during-call", "after-call"] {
        let record = client.json(&["screen", name, "--call", call, "--now", now]);
        assert!(record["title"].is_string(), "{name} gives a record");
    }

    // The printable page: written where asked, nothing else on stdout but its path.
    let page = dir.path().join("prep.html");
    let out = therapist.ok(&[
        "screen",
        "session-prep",
        "--html",
        page.to_str().unwrap(),
        "--now",
        now,
    ]);
    assert!(!out.contains("Sam"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 3);
}

#[test]
fn a_user_typed_name_is_escaped_in_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let therapist = Phone::init(dir.path(), "therapist", "therapist");
    therapist.ok(&["agreement", "new", "--client", "<script>alert(1)</script>"]);
    let page = dir.path().join("prep.html");
    therapist.ok(&["screen", "session-prep", "--html", page.to_str().unwrap()]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script"), "the name became markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn bad_screen_requests_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client, _) = pair(dir.path());
    let err = client.fails(2, &["screen", "nonsense"]);
    assert!(err.contains("invalid value 'nonsense'"), "{err}");
    assert!(
        err.contains("home") && err.contains("session-prep"),
        "{err}"
    );

    let err = client.fails(2, &["screen", "during-call"]);
    assert!(err.contains("--call ID"), "{err}");
    let err = client.fails(2, &["screen", "home", "--call", "0123456789abcdef"]);
    assert!(err.contains("--call"), "{err}");
    let err = client.fails(2, &["screen", "home", "--html", "x.html"]);
    assert!(err.contains("session-prep"), "{err}");
    let err = client.fails(2, &["screen", "during-call", "--call", "nope"]);
    assert!(err.contains("call"), "{err}");
    let err = client.fails(2, &["screen", "home", "--time-zone", "Mars/Olympus"]);
    assert!(!err.is_empty());
}
