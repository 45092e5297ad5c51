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
            .env_remove("COACHLINE_KEY")
            .env_remove("COACHLINE_KEY")
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

/// `tests/fixtures/`: an agreement and a look-alike of it (a document made from
/// scratch with the same id and header), which the Kotlin, Python and Swift tests
/// import to see the refusal through the bindings. Set `COACHLINE_WRITE_FIXTURES=1`
/// to write them anew.
#[test]
fn the_look_alike_fixture_is_refused_as_another_document() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let (real, fake) = (
        fixtures.join("agreement.automerge"),
        fixtures.join("look-alike.automerge"),
    );
    if std::env::var_os("COACHLINE_WRITE_FIXTURES").is_some() {
        write_look_alike(&real, &fake);
    }
    let dir = tempfile::tempdir().unwrap();
    let therapist = Phone::init(dir.path(), "therapist", "therapist");
    therapist.ok(&["agreement", "import", real.to_str().unwrap()]);
    let before = therapist.state();
    let refused = therapist.fails(2, &["agreement", "import", fake.to_str().unwrap()]);
    assert!(refused.contains("not this agreement"), "{refused}");
    assert_eq!(therapist.state(), before);
}

fn write_look_alike(real: &std::path::Path, fake: &std::path::Path) {
    use coachline_core::doc::Writer;
    use coachline_core::model::{AgreementId, Resource, Terms};
    use coachline_core::Timestamp;

    let id = AgreementId::random();
    let created = Timestamp::from_millis(1_795_000_000_000);
    let terms = Terms::seed("Client", "Therapist", "UTC".parse().unwrap()).unwrap();
    let save = |path: &std::path::Path, lockout: u32| {
        let mut doc = automerge::AutoCommit::new();
        let mut terms = terms.clone();
        terms.lockout_hours = lockout;
        Writer::new(&mut doc)
            .create(&id, &terms, &Resource::defaults(), &[9; 32], created)
            .unwrap();
        std::fs::write(path, doc.save()).unwrap();
    };
    save(real, 24);
    save(fake, 0);
}

/// The README's main command: the two-phone demo ends with both phones in step.
#[test]
fn the_demo_ends_with_both_phones_in_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_coachline"))
        .args(["demo", "--dir"])
        .arg(dir.path())
        .env_remove("COACHLINE_STORE")
        .env_remove("COACHLINE_KEY")
        .output()
        .expect("the coachline binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "same document heads: true; same agreement, log and rows: true; same decision: true"
        ),
        "{text}"
    );
}
