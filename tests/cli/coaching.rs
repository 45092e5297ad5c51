//! The coaching rules through the CLI: status, declined calls, callbacks, holidays,
//! sessions and the summary, moving time with --now.

use crate::phone::pair;

/// A signed-or-not agreement with New York hours Mon-Fri 09:00-17:00, a 30-minute
/// return-call window and one lockout behaviour; both phones in step.
fn setup(dir: &std::path::Path) -> (crate::phone::Phone, crate::phone::Phone) {
    let (therapist, client, _) = pair(dir);
    therapist.ok(&["agreement", "set", "availability", "Mon-Fri 09:00-17:00"]);
    therapist.ok(&["agreement", "set", "return-call-minutes", "30"]);
    therapist.ok(&["agreement", "behavior", "add", "self-harm"]);
    therapist.ok(&[
        "agreement",
        "behavior",
        "add",
        "skipping class",
        "--no-lockout",
    ]);
    therapist.send_to(&client, &dir.join("setup.automerge"));
    (therapist, client)
}

// Monday 23 November 2026: 09:00 in New York is 14:00Z.
const MON_10AM: &str = "2026-11-23T15:00:00Z";

#[test]
fn status_reports_permission_availability_and_resources() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client) = setup(dir.path());
    let s = client.json(&["status", "--now", MON_10AM]);
    assert_eq!(s["permission"], "allowed");
    assert_eq!(s["available"], true);
    assert_eq!(s["available_until"], "2026-11-23T22:00:00Z");
    assert_eq!(s["locked_until"], serde_json::Value::Null);
    assert_eq!(s["resources"].as_array().unwrap().len(), 2);
    assert_eq!(s["agreement_status"], "draft");
    assert!(!s["message"].as_str().unwrap().is_empty());

    // Monday 18:00 local: out of hours until Tuesday 09:00.
    let s = client.json(&["status", "--now", "2026-11-23T23:00:00Z"]);
    assert_eq!(s["permission"], "therapist_unavailable");
    assert_eq!(s["next_available"], "2026-11-24T14:00:00Z");
    assert!(s["backup_plan"].is_string());
    assert!(client
        .ok(&["status", "--now", MON_10AM])
        .contains("988 Suicide & Crisis Lifeline"));
}

#[test]
fn a_call_in_a_lockout_is_declined_with_exit_3_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client) = setup(dir.path());
    client.ok(&[
        "behavior",
        "report",
        "--behavior",
        "self-harm",
        "--at",
        "2026-11-23T14:30:00Z",
        "--now",
        MON_10AM,
    ]);
    let s = client.json(&["status", "--now", MON_10AM]);
    assert_eq!(s["permission"], "locked_out");
    assert_eq!(s["locked_until"], "2026-11-24T14:30:00Z");

    let out = client.run(&[
        "call",
        "start",
        "--reason",
        "clarification",
        "--now",
        MON_10AM,
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("988 Suicide & Crisis Lifeline — call or text 988"),
        "{stdout}"
    );
    assert!(stdout.contains("Backup plan:"), "{stdout}");
    let log = client.json(&["log", "--now", MON_10AM]);
    assert_eq!(log[0]["kind"], "call");
    assert_eq!(log[0]["outcome"], "declined");
    assert_eq!(log[0]["declined_reason"], "lockout");
    assert_eq!(log[0]["shown_resources"].as_array().unwrap().len(), 2);

    // Every reason is declined; exactly at the end of the window calls are allowed.
    for reason in ["coaching", "repair", "news"] {
        assert_eq!(
            client
                .run(&["call", "start", "--reason", reason, "--now", MON_10AM])
                .status
                .code(),
            Some(3)
        );
    }
    assert_eq!(
        client.json(&["status", "--now", "2026-11-24T14:30:00Z"])["permission"],
        "allowed"
    );
    client.ok(&["call", "start", "--now", "2026-11-24T14:30:00Z"]);
}

#[test]
fn behaviours_without_lockout_and_retracted_reports_do_not_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client) = setup(dir.path());
    client.ok(&[
        "behavior",
        "report",
        "--behavior",
        "skipping class",
        "--at",
        "2026-11-23T14:30:00Z",
        "--now",
        MON_10AM,
    ]);
    assert_eq!(
        client.json(&["status", "--now", MON_10AM])["permission"],
        "allowed"
    );
    let r = client.json(&[
        "behavior",
        "report",
        "--at",
        "2026-11-23T14:40:00Z",
        "--now",
        MON_10AM,
    ]);
    assert_eq!(
        client.json(&["status", "--now", MON_10AM])["permission"],
        "locked_out"
    );
    client.ok(&[
        "behavior",
        "retract",
        r["id"].as_str().unwrap(),
        "--now",
        MON_10AM,
    ]);
    assert_eq!(
        client.json(&["status", "--now", MON_10AM])["permission"],
        "allowed"
    );
}

#[test]
fn a_late_report_flags_an_earlier_call_during_lockout() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client) = setup(dir.path());
    let call = client.json(&["call", "start", "--now", MON_10AM])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.ok(&["call", "end", &call, "--now", "2026-11-23T15:12:00Z"]);
    // Reported the next day, by the therapist, for 09:30 on Monday.
    client.send_to(&therapist, &dir.path().join("c.automerge"));
    therapist.ok(&[
        "behavior",
        "report",
        "--at",
        "2026-11-23T14:30:00Z",
        "--now",
        "2026-11-24T15:00:00Z",
    ]);
    let log = therapist.json(&["log", "--now", "2026-11-24T15:00:00Z"]);
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == call.as_str())
        .unwrap();
    assert_eq!(entry["during_lockout"], true);
    assert_eq!(entry["long"], true, "12 minutes is over the 5-8 band");
    assert_eq!(entry["outcome"], "completed");
}

#[test]
fn out_of_hours_calls_are_callback_requests_until_returned() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client) = setup(dir.path());
    // Monday 23:00 local: due Tuesday 09:30 local (14:30Z).
    let started = client.json(&["call", "start", "--now", "2026-11-24T04:00:00Z"]);
    assert_eq!(started["callback_request"], true);
    assert_eq!(started["callback_due"], "2026-11-24T14:30:00Z");
    assert!(client
        .ok(&["call", "start", "--now", "2026-11-24T04:01:00Z"])
        .contains("Expect the return call by"));
    let request = started["id"].as_str().unwrap().to_owned();
    client.send_to(&therapist, &dir.path().join("c.automerge"));

    let pending = |now: &str| {
        let s = therapist.json(&["status", "--now", now]);
        s["pending_callbacks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["call_id"] == request.as_str())
            .cloned()
    };
    assert_eq!(pending("2026-11-24T14:00:00Z").unwrap()["overdue"], false);
    assert_eq!(pending("2026-11-24T14:31:00Z").unwrap()["overdue"], true);
    let s = therapist.json(&["status", "--now", "2026-11-24T14:31:00Z"]);
    assert!(
        s["backup_plan"].is_string(),
        "an overdue callback surfaces the backup plan"
    );

    assert!(client
        .fails(2, &["call", "return", &request])
        .contains("therapist"));
    therapist.ok(&["call", "return", &request, "--now", "2026-11-24T14:20:00Z"]);
    assert_eq!(pending("2026-11-24T14:31:00Z"), None);
    let log = therapist.json(&["log", "--now", "2026-11-24T14:31:00Z"]);
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == request.as_str())
        .unwrap();
    assert_eq!(entry["callback"]["met_in_time"], true);
    therapist.fails(2, &["call", "return", "0123456789abcdef"]);
}

#[test]
fn a_phone_holiday_makes_the_therapist_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client) = setup(dir.path());
    let h = therapist.json(&[
        "agreement",
        "holiday",
        "add",
        "2026-11-23",
        "2026-11-24",
        "--note",
        "Dr. Lee covers",
    ]);
    let s = therapist.json(&["status", "--now", MON_10AM]);
    assert_eq!(s["permission"], "therapist_unavailable");
    assert_eq!(s["next_available"], "2026-11-25T14:00:00Z");
    therapist.ok(&["agreement", "holiday", "remove", h["id"].as_str().unwrap()]);
    assert_eq!(
        therapist.json(&["status", "--now", MON_10AM])["permission"],
        "allowed"
    );
}

#[test]
fn the_summary_covers_the_period_since_the_last_session() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client) = setup(dir.path());
    let call = |now: &str, tried: &str| {
        client.json(&[
            "call", "start", "--tried", tried, "--urge", "4", "--now", now,
        ])["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let old = call("2026-11-16T15:00:00Z", "TIPP");
    client.ok(&["call", "end", &old, "--now", "2026-11-16T15:06:00Z"]);
    client.ok(&[
        "session",
        "record",
        "--at",
        "2026-11-20T15:00:00Z",
        "--now",
        "2026-11-20T16:00:00Z",
    ]);
    let recent = call(MON_10AM, "paced breathing");
    client.ok(&[
        "call",
        "end",
        &recent,
        "--suggested",
        "STOP",
        "--urge-after",
        "1",
        "--now",
        "2026-11-23T15:10:00Z",
    ]);
    client.ok(&[
        "behavior",
        "report",
        "--at",
        "2026-11-23T16:00:00Z",
        "--now",
        "2026-11-23T16:00:00Z",
    ]);
    assert_eq!(
        client
            .run(&["call", "start", "--now", "2026-11-23T17:00:00Z"])
            .status
            .code(),
        Some(3)
    );
    client.send_to(&therapist, &dir.path().join("c.automerge"));

    let s = therapist.json(&["summary", "--now", "2026-11-24T12:00:00Z"]);
    assert_eq!(
        s["since"], "2026-11-20T15:00:00Z",
        "since the last in-person session"
    );
    assert_eq!(s["calls_by_reason"]["coaching"], 1);
    assert_eq!(s["durations"]["median_minutes"], 10.0);
    assert_eq!(s["durations"]["long_calls"], serde_json::json!([recent]));
    assert_eq!(s["declined_attempts"].as_array().unwrap().len(), 1);
    assert_eq!(s["lockouts"][0]["from"], "2026-11-23T16:00:00Z");
    assert_eq!(s["lockouts"][0]["until"], "2026-11-24T16:00:00Z");
    assert_eq!(s["skills_tried"][0]["skill"], "paced breathing");
    assert_eq!(s["skills_suggested"][0]["skill"], "STOP");
    assert_eq!(s["urges"][0]["before"], 4);
    assert_eq!(s["urges"][0]["after"], 1);

    let s = therapist.json(&[
        "summary",
        "--since",
        "2026-11-16T00:00:00Z",
        "--now",
        "2026-11-24T12:00:00Z",
    ]);
    assert_eq!(s["calls_by_reason"]["coaching"], 2);
    assert!(therapist
        .ok(&["summary", "--now", "2026-11-24T12:00:00Z"])
        .contains("Declined attempts (24-hour rule): 1"));
    therapist.fails(
        2,
        &[
            "summary",
            "--since",
            "2026-11-25T00:00:00Z",
            "--now",
            "2026-11-24T12:00:00Z",
        ],
    );
}

#[test]
fn an_edit_after_both_signed_is_a_proposal_and_the_lockout_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client) = setup(dir.path());
    let file = dir.path().join("x.automerge");
    therapist.ok(&["agreement", "sign"]);
    therapist.send_to(&client, &file);
    client.ok(&["agreement", "sign"]);
    let show = client.json(&["agreement", "show"]);
    assert_eq!(show["status"], "active");
    assert_eq!(show["in_force"]["terms"]["lockout_hours"], 24);
    assert_eq!(show["proposal"], serde_json::Value::Null);

    let monday = "2026-11-23T15:00:00Z";
    client.ok(&["behavior", "report", "--now", monday]);
    client.ok(&["agreement", "set", "lockout-hours", "0", "--now", monday]);
    let show = client.json(&["agreement", "show", "--now", monday]);
    assert_eq!(show["terms"]["lockout_hours"], 0);
    assert_eq!(show["in_force"]["terms"]["lockout_hours"], 24);
    assert_eq!(
        show["proposal"]["terms"],
        serde_json::json!(["lockout-hours"])
    );
    let text = client.ok(&["agreement", "show", "--now", monday]);
    assert!(
        text.contains("Proposed, until both sign: lockout-hours"),
        "{text}"
    );
    let status = client.json(&["status", "--now", "2026-11-23T16:00:00Z"]);
    assert_eq!(status["permission"], "locked_out");
}
