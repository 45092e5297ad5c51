//! One store, many hands: processes at once on one file, and a restored backup.

use std::process::Command;

use crate::phone::{pair, Phone, T0};

/// Starts `coachline call start` on the client's store twice at the same moment.
fn two_calls_at_once(client: &Phone) -> [std::process::Child; 2] {
    std::array::from_fn(|_| {
        Command::new(env!("CARGO_BIN_EXE_coachline"))
            .args(["call", "start", "--json", "--now", T0, "--store"])
            .arg(&client.store)
            .env_remove("COACHLINE_STORE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the coachline binary runs")
    })
}

#[test]
fn two_processes_writing_one_store_at_once_lose_nothing_and_leave_it_usable() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let rounds = 30;
    for _ in 0..rounds {
        for child in two_calls_at_once(&client) {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let log = client.json(&["log", "--limit", "1000"]);
    assert_eq!(log.as_array().unwrap().len(), 2 * rounds);
    // Still writable, exportable and mergeable.
    client.ok(&["behavior", "report"]);
    client.send_to(&therapist, &dir.path().join("all.automerge"));
    let theirs = therapist.json(&["log", "--limit", "1000"]);
    assert_eq!(theirs.as_array().unwrap().len(), 2 * rounds + 1);
}
