//! Sealed exports: `agreement export` seals in the age format unless told `--plain`,
//! and `agreement import` opens what it sealed, or refuses without changing anything.

use std::path::Path;

use age::secrecy::ExposeSecret;

use crate::phone::{pair, Phone};

const PASSPHRASE: &str = "a passphrase only Sam knows";
const VAR: &str = "COACHLINE_BACKUP_PASSPHRASE";

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file holding `text` and a line break, as an editor writes it.
fn passphrase_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, format!("{text}\n")).unwrap();
    file
}

fn seen(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn an_export_says_which_flag_it_needs_and_writes_nothing_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, _) = pair(dir.path());
    let out = dir.path().join("backup.age");
    let refused = therapist.fails(2, &["agreement", "export", "--out", path(&out)]);
    for flag in ["--passphrase-file", VAR, "--recipient", "--plain"] {
        assert!(refused.contains(flag), "{refused}");
    }
    assert!(!out.exists());
    // One seal at a time.
    let secret = passphrase_file(dir.path(), "secret", PASSPHRASE);
    therapist.fails(
        2,
        &[
            "agreement",
            "export",
            "--plain",
            "--passphrase-file",
            path(&secret),
            "--out",
            path(&out),
        ],
    );
    assert!(!out.exists());
}

#[test]
fn a_sealed_export_opens_only_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, id) = pair(dir.path());
    let secret = passphrase_file(dir.path(), "secret", PASSPHRASE);
    let file = dir.path().join("backup.age");
    let export = therapist.json(&[
        "agreement",
        "export",
        "--passphrase-file",
        path(&secret),
        "--out",
        path(&file),
    ]);
    assert_eq!(export["sealed"], true);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));

    let fresh = Phone::init(dir.path(), "new-phone", "client");
    let refused = fresh.fails(2, &["agreement", "import", path(&file)]);
    assert!(
        refused.contains("sealed with a passphrase") && refused.contains("--passphrase-file"),
        "{refused}"
    );
    let wrong = passphrase_file(dir.path(), "wrong", "a passphrase only Sam knew");
    let out = fresh.run(&[
        "agreement",
        "import",
        "--passphrase-file",
        path(&wrong),
        path(&file),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let shown = seen(&out);
    assert!(shown.contains("does not open"), "{shown}");
    assert!(!shown.contains("Sam knew"), "{shown}");
    assert!(fresh
        .json(&["agreement", "list"])
        .as_array()
        .unwrap()
        .is_empty());

    let imported = fresh.json(&[
        "agreement",
        "import",
        "--passphrase-file",
        path(&secret),
        path(&file),
    ]);
    assert_eq!(imported["id"], id.as_str());
    assert_eq!(imported["created"], true);
    assert_eq!(fresh.state(), therapist.state());
}

#[test]
fn the_passphrase_may_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let file = dir.path().join("backup.age");
    let out = therapist.run_with(
        &["agreement", "export", "--out", path(&file)],
        &[(VAR, PASSPHRASE)],
    );
    assert!(out.status.success(), "{}", seen(&out));
    assert!(!seen(&out).contains(PASSPHRASE));
    client.ok(&["agreement", "set", "reasons", "a client's own edit"]);
    let out = client.run_with(&["agreement", "import", path(&file)], &[(VAR, PASSPHRASE)]);
    assert!(out.status.success(), "{}", seen(&out));
    let empty = therapist.run_with(&["agreement", "export", "--out", path(&file)], &[(VAR, "")]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(seen(&empty).contains("passphrase"), "{}", seen(&empty));
}

#[test]
fn an_export_for_a_recipient_opens_with_the_identity_file() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let key = age::x25519::Identity::generate();
    let identity = dir.path().join("key.txt");
    std::fs::write(
        &identity,
        format!(
            "# public key: {}\n{}\n",
            key.to_public(),
            key.to_string().expose_secret()
        ),
    )
    .unwrap();
    let file = dir.path().join("backup.age");
    let recipient = key.to_public().to_string();
    let shown = therapist.ok(&[
        "agreement",
        "export",
        "--recipient",
        &recipient,
        "--out",
        path(&file),
    ]);
    assert!(shown.contains("sealed for the recipient"), "{shown}");
    let refused = client.fails(2, &["agreement", "import", path(&file)]);
    assert!(refused.contains("--identity"), "{refused}");
    let secret = passphrase_file(dir.path(), "secret", PASSPHRASE);
    let refused = client.fails(
        2,
        &[
            "agreement",
            "import",
            "--passphrase-file",
            path(&secret),
            path(&file),
        ],
    );
    assert!(refused.contains("sealed for an age recipient"), "{refused}");
    client.ok(&[
        "agreement",
        "import",
        "--identity",
        path(&identity),
        path(&file),
    ]);

    let refused = therapist.fails(
        2,
        &[
            "agreement",
            "export",
            "--recipient",
            "age1nope",
            "--out",
            path(&file),
        ],
    );
    assert!(refused.contains("invalid recipient"), "{refused}");
    let not_a_key = dir.path().join("not-a-key.txt");
    std::fs::write(&not_a_key, "AGE-SECRET-KEY-1SECRETISH\n").unwrap();
    let refused = client.fails(
        2,
        &[
            "agreement",
            "import",
            "--identity",
            path(&not_a_key),
            path(&file),
        ],
    );
    assert!(refused.contains("invalid identity"), "{refused}");
    assert!(!refused.contains("SECRETISH"), "{refused}");
}

#[test]
fn an_altered_sealed_export_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    let secret = passphrase_file(dir.path(), "secret", PASSPHRASE);
    therapist.ok(&["agreement", "set", "reasons", "an edit the client lacks"]);
    let file = dir.path().join("backup.age");
    therapist.ok(&[
        "agreement",
        "export",
        "--passphrase-file",
        path(&secret),
        "--out",
        path(&file),
    ]);
    let before = client.state();
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();
    let import = [
        "agreement",
        "import",
        "--passphrase-file",
        path(&secret),
        path(&file),
    ];
    let refused = client.fails(2, &import);
    assert!(refused.contains("altered or damaged"), "{refused}");
    std::fs::write(&file, &bytes[..last]).unwrap();
    client.fails(2, &import);
    assert_eq!(client.state(), before);
}

#[test]
fn a_file_larger_than_any_export_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, _client, _) = pair(dir.path());
    let huge = dir.path().join("huge.age");
    let file = std::fs::File::create(&huge).unwrap();
    // Sparse: no disk space taken, and the import must not read it all.
    file.set_len(u64::try_from(coachline_core::backup::MAX_SEALED).unwrap() + 1)
        .unwrap();
    let refused = therapist.fails(2, &["agreement", "import", path(&huge)]);
    assert!(refused.contains("larger than any export"), "{refused}");
}
