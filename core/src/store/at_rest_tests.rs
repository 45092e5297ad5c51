//! Encryption at rest, end to end on real files: nothing a person wrote can be read
//! from the store, its side files, the temporary directory or a sealed export; a wrong key changes
//! nothing; a key can be replaced; a plaintext store is encrypted in place, whole,
//! even when the process is killed at any step of it.
//!
//! What must run in a process of its own (a kill, a temporary directory of its own)
//! runs this test binary again, on one `#[ignore]`d test, with its instructions in
//! the environment.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::*;
use crate::backup::{Seal, Unseal};
use crate::model::{CallEnd, CallReason, CallStart, TermKey};
use crate::store::at_rest::Step;

fn t0() -> Timestamp {
    Timestamp::parse_rfc3339("now", "2026-03-02T15:00:00Z").unwrap()
}

fn key(byte: u8) -> StoreKey {
    StoreKey::from_bytes(&[byte; StoreKey::LEN]).unwrap()
}

/// Words that appear nowhere but where the scenario writes them: one per text field.
const SECRETS: [&str; 17] = [
    "Quillfeather",        // the therapist's name
    "Marrowbrook",         // the client's name
    "ZEPHYR-RATIONALE",    // rationale
    "ZEPHYR-REASONS",      // reasons
    "ZEPHYR-GOALS",        // goals
    "ZEPHYR-EXPECT",       // expectations
    "ZEPHYR-BACKUP",       // backup plan
    "Vantablack Helpline", // a crisis resource's name
    "0311-555-0199",       // its number
    "glasswing-cutting",   // a behaviour label
    "ZEPHYR-HOLIDAY",      // a holiday's note
    "ZEPHYR-SITUATION",    // a call's situation
    "ZEPHYR-TRIED",        // a skill tried
    "ZEPHYR-SUGGESTED",    // a skill suggested
    "Quillfeather",        // the therapist's name again, as signed
    "Marrowbrook",         // the client's name again, as signed
    "ZEPHYR-LATE-NOTE",    // a situation written after a key change
];

const SQLITE_HEADER: &[u8] = b"SQLite format 3";

/// Every file under `dir`, recursively, with each secret or SQLite header found.
fn findings(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue; // Removed since it was listed (a closing WAL).
            };
            let needles = SECRETS.iter().map(|s| s.as_bytes()).chain([SQLITE_HEADER]);
            for needle in needles {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(format!(
                        "{} in {}",
                        String::from_utf8_lossy(needle),
                        path.display()
                    ));
                }
            }
        }
    }
    found
}

/// Runs `test` (an ignored test in this binary) in a process of its own, with `env`:
/// `Some(passed)`, or `None` when it was killed.
fn in_child(test: &str, env: &[(&str, OsString)]) -> Option<bool> {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--ignored", "--test-threads=1"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    output.status.code()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    Some(output.status.success() && stdout.contains("1 passed"))
}

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name)
        .unwrap_or_else(|| panic!("run by its parent test, which sets {name}"))
        .into()
}

/// A therapist's store with a drafted agreement using every secret that belongs to
/// the agreement, and a client's plaintext store (from before encryption) that joined
/// it: returns the two paths, the agreement and the invitation-free state.
fn before_encryption(dir: &Path) -> (PathBuf, PathBuf, AgreementId) {
    let (therapist_path, client_path) = (dir.join("therapist.db"), dir.join("client.db"));
    let mut therapist = Store::open(&therapist_path, &key(1)).unwrap();
    therapist.init(Role::Therapist, SECRETS[0], t0()).unwrap();
    let id = therapist
        .create_agreement(SECRETS[1], Some("America/New_York"), t0())
        .unwrap();
    for (term, secret) in [
        (TermKey::Rationale, SECRETS[2]),
        (TermKey::Reasons, SECRETS[3]),
        (TermKey::Goals, SECRETS[4]),
        (TermKey::Expectations, SECRETS[5]),
        (TermKey::BackupPlan, SECRETS[6]),
    ] {
        therapist.set_term(&id, term, secret, t0()).unwrap();
    }
    therapist
        .add_resource(&id, SECRETS[7], SECRETS[8], t0())
        .unwrap();
    therapist.add_behavior(&id, SECRETS[9], true, t0()).unwrap();
    therapist
        .add_holiday(&id, "2026-12-24", "2026-12-26", Some(SECRETS[10]), t0())
        .unwrap();
    therapist.sign(&id, t0()).unwrap();

    let encrypted_client = dir.join("client-encrypted.db");
    let mut client = Store::open(&encrypted_client, &key(2)).unwrap();
    client.init(Role::Client, SECRETS[1], t0()).unwrap();
    let code = therapist.invite(&id, t0()).unwrap();
    client.join(&code, t0()).unwrap();
    sync(&mut client, &mut therapist, &id, t0());
    client.sign(&id, t0()).unwrap();
    sync(&mut client, &mut therapist, &id, t0());
    // The same store as a Coachline from before encryption left it.
    client.export_unencrypted(&client_path).unwrap();
    assert_eq!(
        at_rest::found(&client_path).unwrap(),
        at_rest::Found::Plaintext
    );
    drop(client);
    std::fs::remove_file(&encrypted_client).unwrap();
    (therapist_path, client_path, id)
}

/// Syncs the two stores until neither has anything to send.
fn sync(a: &mut Store, b: &mut Store, id: &AgreementId, now: Timestamp) {
    for _ in 0..10 {
        let mut moved = 0;
        while let Some(m) = a.sync_next(id, now).unwrap() {
            b.sync_receive(&m, now).unwrap();
            moved += 1;
        }
        while let Some(m) = b.sync_next(id, now).unwrap() {
            a.sync_receive(&m, now).unwrap();
            moved += 1;
        }
        if moved == 0 {
            return;
        }
    }
    panic!("no quiescence");
}

#[test]
fn nothing_written_can_be_read_from_the_files_or_the_temporary_directory() {
    let (stores, temp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let passed = in_child(
        "store::at_rest_tests::two_phones_in_a_process_of_their_own",
        &[
            ("COACHLINE_TEST_DIR", stores.path().into()),
            ("TMPDIR", temp.path().into()),
        ],
    );
    assert_eq!(passed, Some(true), "the scenario ran and passed");
    assert_eq!(findings(stores.path()), Vec::<String>::new());
    assert_eq!(findings(temp.path()), Vec::<String>::new());
    assert!(std::fs::read_dir(stores.path()).unwrap().count() >= 2);
}

/// The scenario of the test above, in a process whose temporary directory is the
/// parent's to scan. It scans the store directory itself while the stores are open
/// too (their write-ahead logs exist only then).
#[test]
#[ignore = "run in a process of its own by the test above"]
fn two_phones_in_a_process_of_their_own() {
    let dir = env_path("COACHLINE_TEST_DIR");
    let (therapist_path, client_path, id) = before_encryption(&dir);
    let mut therapist = Store::open(&therapist_path, &key(1)).unwrap();
    // The client's phone, updated to a Coachline that encrypts, opens its store.
    let mut client = Store::open(&client_path, &key(2)).unwrap();
    let mut now = t0();
    for i in 0..(chunks::COMPACT_AFTER_CHUNKS + 10) {
        now = t0().plus_minutes(30 * (i + 1));
        let start = CallStart::new(
            CallReason::Coaching,
            Some(SECRETS[11]),
            &[SECRETS[12].to_owned()],
            Some(3),
        )
        .unwrap();
        let call = client.start_call(&id, start, now).unwrap();
        let end = CallEnd::new(&[SECRETS[13].to_owned()], Some(1), None).unwrap();
        client
            .end_call(&id, call.id().as_str(), end, now.plus_minutes(6))
            .unwrap();
        if i % 20 == 0 {
            let report = client
                .report_behavior(&id, Some(SECRETS[9]), now, now)
                .unwrap();
            client.retract_report(&id, report.as_str(), now).unwrap();
            sync(&mut client, &mut therapist, &id, now);
        }
    }
    therapist.record_session(&id, now, now).unwrap();
    sync(&mut client, &mut therapist, &id, now);
    therapist.rekey(&key(3)).unwrap();
    let start = CallStart::new(CallReason::News, Some(SECRETS[16]), &[], None).unwrap();
    therapist.start_call(&id, start, now).unwrap();
    sync(&mut client, &mut therapist, &id, now);
    assert_eq!(therapist.heads(&id).unwrap(), client.heads(&id).unwrap());
    // Backups beside them, sealed with a passphrase and to a recipient: they are
    // scanned too (they open again, so they hold everything).
    let (identity, recipient) = crate::backup::tests::identity_file();
    let seals = [
        Seal::Passphrase(crate::backup::tests::passphrase("a long passphrase")),
        Seal::Recipient(recipient),
    ];
    for (i, seal) in seals.iter().enumerate() {
        let sealed = client.export_sealed(&id, seal).unwrap();
        std::fs::write(dir.join(format!("backup-{i}.age")), &sealed).unwrap();
    }
    let sealed = std::fs::read(dir.join("backup-1.age")).unwrap();
    let unseal = Unseal::Identity(crate::backup::Identity::parse(&identity).unwrap());
    assert_eq!(
        therapist.import_sealed(&sealed, &unseal).unwrap().id,
        id,
        "the sealed backup opens"
    );
    assert_eq!(findings(&dir), Vec::<String>::new(), "with the stores open");
    drop((therapist, client));
    assert!(Store::open(&therapist_path, &key(3)).is_ok());
}

#[test]
fn a_wrong_key_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut store = Store::open(&path, &key(1)).unwrap();
    store.init(Role::Therapist, SECRETS[0], t0()).unwrap();
    let id = store.create_agreement(SECRETS[1], None, t0()).unwrap();
    let files = |dir: &Path| {
        let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    // While a writer has it open (its write-ahead log holds the latest pages), and
    // once it is closed.
    let open = files(dir.path());
    assert!(open
        .iter()
        .any(|(p, _)| p.to_string_lossy().ends_with("-wal")));
    let wrong = Store::open(&path, &key(2)).err().unwrap();
    assert!(matches!(wrong, Error::WrongKey), "{wrong:?}");
    let after: Vec<_> = files(dir.path())
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().ends_with("-shm"))
        .collect();
    let before: Vec<_> = open
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().ends_with("-shm"))
        .collect();
    assert_eq!(after, before);
    drop(store);

    let closed = files(dir.path());
    assert!(matches!(Store::open(&path, &key(2)), Err(Error::WrongKey)));
    assert_eq!(files(dir.path()), closed);
    let message = Error::WrongKey.to_string();
    assert!(message.contains("key") && message.contains("left as it was"));
    let store = Store::open(&path, &key(1)).unwrap();
    assert_eq!(store.agreement(&id).unwrap().id, id);
}

#[test]
fn a_new_key_replaces_the_old_one_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut store = Store::open(&path, &key(1)).unwrap();
    store.init(Role::Therapist, "T", t0()).unwrap();
    let id = store.create_agreement("C", None, t0()).unwrap();
    store.rekey(&key(2)).unwrap();
    store.add_behavior(&id, "after", true, t0()).unwrap();
    drop(store);
    assert!(matches!(Store::open(&path, &key(1)), Err(Error::WrongKey)));
    let store = Store::open(&path, &key(2)).unwrap();
    assert_eq!(store.agreement(&id).unwrap().behaviors.len(), 1);
}

/// What a test can compare of a store before and after its encryption.
fn contents(store: &mut Store, id: &AgreementId) -> (IdentityInfo, Vec<String>, usize) {
    (
        store.whoami().unwrap(),
        store.projection_dump(id).unwrap(),
        store.log(id, 1000).unwrap().len(),
    )
}

#[test]
fn a_plaintext_store_is_encrypted_in_place_whole_even_when_killed_at_any_step() {
    let dir = tempfile::tempdir().unwrap();
    let (_, plaintext, id) = before_encryption(dir.path());
    let original = std::fs::read(&plaintext).unwrap();
    let readable = findings(dir.path());
    assert!(
        readable.iter().any(|f| f.starts_with(SECRETS[1])),
        "a plaintext store can be read: {readable:?}"
    );
    let expected = {
        let work = dir.path().join("reference.db");
        std::fs::write(&work, &original).unwrap();
        contents(&mut Store::open(&work, &key(2)).unwrap(), &id)
    };
    for step in [
        Step::Locked,
        Step::Exported,
        Step::Synced,
        Step::Renamed,
        Step::Done,
    ] {
        let work = tempfile::tempdir().unwrap();
        let path = work.path().join("client.db");
        std::fs::write(&path, &original).unwrap();
        let killed = in_child(
            "store::at_rest_tests::encrypt_and_die",
            &[
                ("COACHLINE_TEST_STORE", path.clone().into()),
                ("COACHLINE_KILL_AT", format!("{step:?}").into()),
            ],
        );
        assert_eq!(killed, None, "{step:?}: the child was to be killed");
        let found = at_rest::found(&path).unwrap();
        let copy = work.path().join("client.db.encrypting");
        match step {
            Step::Locked => assert_eq!(found, at_rest::Found::Plaintext),
            Step::Exported | Step::Synced => {
                assert_eq!(found, at_rest::Found::Plaintext, "{step:?}");
                assert!(copy.exists(), "{step:?}: the copy was left behind");
            }
            Step::Renamed | Step::Done => {
                assert_eq!(found, at_rest::Found::Encrypted, "{step:?}")
            }
        }
        let mut store = Store::open(&path, &key(2)).unwrap();
        assert_eq!(
            contents(&mut store, &id),
            expected,
            "after a kill at {step:?}"
        );
        drop(store);
        let left: Vec<_> = std::fs::read_dir(work.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![OsString::from("client.db")], "{step:?}");
        assert_eq!(at_rest::found(&path).unwrap(), at_rest::Found::Encrypted);
    }
}

/// Encrypts the store named by the environment and aborts the process at the step
/// it names, as a kill would: no destructor runs, nothing is flushed or closed.
#[test]
#[ignore = "run in a process of its own by the test above"]
fn encrypt_and_die() {
    let path = env_path("COACHLINE_TEST_STORE");
    let kill_at = std::env::var("COACHLINE_KILL_AT").unwrap();
    let _ = Store::open_observed(&path, &key(2), &mut |step| {
        if format!("{step:?}") == kill_at {
            std::process::abort();
        }
    });
}

#[test]
fn a_file_that_is_not_a_coachline_store_is_not_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES ('kept as it was');")
        .unwrap();
    let before = std::fs::read(&other).unwrap();
    assert!(matches!(
        Store::open(&other, &key(1)),
        Err(Error::StoreUnusable(_))
    ));
    assert_eq!(std::fs::read(&other).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
