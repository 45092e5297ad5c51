//! Calls, reports, the log, and two phones converging whatever order files arrive in.

use proptest::prelude::*;

use crate::phone::{pair, Phone};

#[test]
fn calls_and_reports_are_logged_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let call = client.json(&[
        "call",
        "start",
        "--reason",
        "coaching",
        "--tried",
        "TIPP",
        "--tried",
        "paced breathing",
        "--urge",
        "4",
        "--situation",
        "argument at home",
        "--now",
        "2026-11-23T15:00:00Z",
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.ok(&[
        "call",
        "end",
        &call,
        "--suggested",
        "opposite action",
        "--urge-after",
        "2",
        "--now",
        "2026-11-23T15:07:00Z",
    ]);
    let report = client.json(&[
        "behavior",
        "report",
        "--at",
        "2026-11-23T16:00:00Z",
        "--now",
        "2026-11-23T17:00:00Z",
    ]);
    let log = client.json(&["log"]);
    assert_eq!(log[0]["kind"], "behavior");
    assert_eq!(log[0]["id"], report["id"]);
    assert_eq!(log[0]["occurred_at"], "2026-11-23T16:00:00Z");
    assert_eq!(log[0]["reported_by"], "client");
    assert_eq!(log[1]["kind"], "call");
    assert_eq!(log[1]["reason"], "coaching");
    assert_eq!(
        log[1]["tried"],
        serde_json::json!(["TIPP", "paced breathing"])
    );
    assert_eq!(log[1]["suggested"], serde_json::json!(["opposite action"]));
    assert_eq!(
        (
            log[1]["urge_before"].as_u64(),
            log[1]["urge_after"].as_u64()
        ),
        (Some(4), Some(2))
    );
    assert_eq!(log[1]["outcome"], "completed");
    assert_eq!(log[1]["ended_at"], "2026-11-23T15:07:00Z");

    client.ok(&["behavior", "retract", report["id"].as_str().unwrap()]);
    client.send_to(&therapist, &dir.path().join("c.automerge"));
    let log = therapist.json(&["log"]);
    assert_eq!(log[0]["retracted"], true);
    assert!(therapist.ok(&["log"]).contains("(retracted)"));
    let later = "2026-11-23T18:00:00Z";
    let missed = client.json(&["call", "start", "--reason", "news", "--now", later])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.ok(&[
        "call",
        "end",
        &missed,
        "--outcome",
        "missed",
        "--now",
        later,
    ]);
    assert_eq!(client.json(&["log"])[0]["outcome"], "missed");
}

#[test]
fn a_returned_command_is_durable_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client, _) = pair(dir.path());
    let before = client.state();
    client.ok(&["call", "start"]);
    let after = Phone {
        store: client.store.clone(),
    }
    .state();
    assert_ne!(before, after);
    assert_eq!(after.1.as_array().unwrap().len(), 1);
}

/// One random edit a phone can make through the CLI.
#[derive(Clone, Debug)]
enum Edit {
    Term(&'static str, &'static str),
    Call(u8),
    Report(u8),
    Resource(u8),
    Sign,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        prop::sample::select(vec![
            ("lockout-hours", "12"),
            ("lockout-hours", "36"),
            ("call-minutes", "5-10"),
            ("backup-plan", "Call the on-call line."),
            ("availability", "Mon-Fri 09:00-17:00"),
            ("time-zone", "Europe/Berlin"),
        ])
        .prop_map(|(k, v)| Edit::Term(k, v)),
        (0u8..6).prop_map(Edit::Call),
        (0u8..60).prop_map(Edit::Report),
        (0u8..3).prop_map(Edit::Resource),
        Just(Edit::Sign),
    ]
}

fn apply(phone: &Phone, edit: &Edit) {
    match edit {
        Edit::Term(key, value) => {
            phone.ok(&["agreement", "set", key, value]);
        }
        Edit::Call(urge) => {
            // Declined (exit 3) when a reported behaviour locks calls: still recorded.
            let code = phone
                .run(&["call", "start", "--urge", &urge.to_string()])
                .status
                .code();
            assert!(matches!(code, Some(0) | Some(3)), "{code:?}");
        }
        Edit::Report(minutes) => {
            let at = format!("2026-11-23T13:{minutes:02}:00Z");
            phone.ok(&["behavior", "report", "--at", &at]);
        }
        Edit::Resource(n) => {
            phone.ok(&[
                "agreement",
                "resource",
                "add",
                &format!("line {n}"),
                "555-0100",
            ]);
        }
        Edit::Sign => {
            phone.ok(&["agreement", "sign"]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Two phones edit concurrently, then exchange exports in either order: they end
    /// with the same heads and show the same agreement and log.
    #[test]
    fn concurrent_edits_converge_in_any_exchange_order(
        therapist_edits in prop::collection::vec(edit(), 1..4),
        client_edits in prop::collection::vec(edit(), 1..4),
        client_first in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (therapist, client, _) = pair(dir.path());
        for e in &therapist_edits { apply(&therapist, e); }
        for e in &client_edits { apply(&client, e); }
        let (t_file, c_file) = (dir.path().join("t.automerge"), dir.path().join("c.automerge"));
        therapist.ok(&["agreement", "export", "--plain", "--out", t_file.to_str().unwrap()]);
        client.ok(&["agreement", "export", "--plain", "--out", c_file.to_str().unwrap()]);
        if client_first {
            therapist.ok(&["agreement", "import", c_file.to_str().unwrap()]);
            client.ok(&["agreement", "import", t_file.to_str().unwrap()]);
        } else {
            client.ok(&["agreement", "import", t_file.to_str().unwrap()]);
            therapist.ok(&["agreement", "import", c_file.to_str().unwrap()]);
        }
        prop_assert_eq!(therapist.state(), client.state());
        let heads = |p: &Phone| {
            let f = dir.path().join("heads.automerge");
            p.ok(&["agreement", "export", "--plain", "--out", f.to_str().unwrap()]);
            let mut doc = automerge::AutoCommit::load(&std::fs::read(&f).unwrap()).unwrap();
            let mut heads = doc.get_heads();
            heads.sort();
            heads
        };
        prop_assert_eq!(heads(&therapist), heads(&client));
    }
}
