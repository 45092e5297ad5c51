//! The store's key on a desktop: the key file `init` makes, `COACHLINE_KEY`, a wrong
//! key, `rekey` (and one interrupted), and a store from before encryption.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::phone::{pair, Phone, T0};

/// Runs the binary on `store` with `COACHLINE_KEY` set to `key`.
fn with_key(store: &Path, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coachline"))
        .args(args)
        .args(["--now", T0, "--store"])
        .arg(store)
        .env_remove("COACHLINE_STORE")
        .env("COACHLINE_KEY", key)
        .output()
        .expect("the coachline binary runs")
}

fn key_file(store: &Path) -> std::path::PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push(".key");
    name.into()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn init_keeps_a_new_key_beside_the_store_readable_by_its_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let (therapist, client, _) = pair(dir.path());
    client.ok(&["call", "start", "--situation", "Hollowmere evening"]);
    for phone in [&therapist, &client] {
        let key = key_file(&phone.store);
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", key.display());
        assert_eq!(std::fs::read_to_string(&key).unwrap().trim().len(), 64);
        let bytes = std::fs::read(&phone.store).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"));
        assert!(!contains(&bytes, b"Hollowmere") && !contains(&bytes, b"Sam"));
    }
    // A key file others can read is refused, not used.
    let key = key_file(&client.store);
    std::fs::set_permissions(&key, PermissionsExt::from_mode(0o644)).unwrap();
    assert!(client.fails(2, &["status"]).contains("chmod 600"));
    std::fs::set_permissions(&key, PermissionsExt::from_mode(0o600)).unwrap();
    client.ok(&["status"]);
}

#[test]
fn the_key_can_come_from_the_environment_and_a_wrong_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("phone.db");
    let key = "0f".repeat(32);
    let out = with_key(&store, &key, &["init", "--role", "client", "--name", "Sam"]);
    assert!(out.status.success());
    assert!(
        !key_file(&store).exists(),
        "no key file when the key is given"
    );
    assert!(with_key(&store, &key, &["whoami"]).status.success());

    let before = std::fs::read(&store).unwrap();
    let wrong = with_key(&store, &"e1".repeat(32), &["whoami"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("key does not open"));
    assert_eq!(std::fs::read(&store).unwrap(), before);
    let malformed = with_key(&store, "not hex", &["whoami"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("64 hexadecimal digits"));
    // Without the key, the error says where it would be.
    let phone = Phone { store };
    assert!(phone.fails(2, &["whoami"]).contains("key file"));
}

#[test]
fn rekey_replaces_the_key_and_an_interrupted_one_is_finished_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let phone = Phone::init(dir.path(), "client", "client");
    let old = std::fs::read_to_string(key_file(&phone.store)).unwrap();
    phone.ok(&["rekey"]);
    let new = std::fs::read_to_string(key_file(&phone.store)).unwrap();
    assert_ne!(old, new);
    let stale = with_key(&phone.store, old.trim(), &["whoami"]);
    assert_eq!(stale.status.code(), Some(2));
    assert_eq!(phone.json(&["whoami"])["name"], "client");

    // Killed after the store took the new key, before the key file did: the new key
    // waits beside the old one.
    let newer = "3c".repeat(32);
    let conn = rusqlite::Connection::open(&phone.store).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", new.trim()))
        .unwrap();
    conn.pragma_update(None, "rekey", format!("x'{newer}'"))
        .unwrap();
    drop(conn);
    let mut pending = key_file(&phone.store).into_os_string();
    pending.push(".new");
    std::fs::write(&pending, &newer).unwrap();
    std::fs::set_permissions(&pending, PermissionsExt::from_mode(0o600)).unwrap();
    assert_eq!(phone.json(&["whoami"])["name"], "client");
    assert_eq!(
        std::fs::read_to_string(key_file(&phone.store)).unwrap(),
        newer
    );
    assert!(!Path::new(&pending).exists());
}

#[test]
fn a_store_from_before_encryption_is_encrypted_when_first_used() {
    let dir = tempfile::tempdir().unwrap();
    let (_, client, _) = pair(dir.path());
    client.ok(&["call", "start", "--situation", "Hollowmere evening"]);
    let log = client.json(&["log"]);
    // The same store as a Coachline before encryption left it: plain SQLite, no key.
    let key = std::fs::read_to_string(key_file(&client.store)).unwrap();
    let plaintext = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&client.store).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", key.trim()))
        .unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS plaintext KEY ''",
        [plaintext.to_str().unwrap()],
    )
    .unwrap();
    conn.query_row("SELECT sqlcipher_export('plaintext')", [], |_| Ok(()))
        .unwrap();
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA plaintext.user_version = {version}; \
         PRAGMA plaintext.application_id = {};",
        coachline_core::store::APPLICATION_ID
    ))
    .unwrap();
    drop(conn);
    assert!(contains(&std::fs::read(&plaintext).unwrap(), b"Hollowmere"));

    let old = Phone { store: plaintext };
    assert_eq!(old.json(&["log"]), log);
    let bytes = std::fs::read(&old.store).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3") && !contains(&bytes, b"Hollowmere"));
    assert!(key_file(&old.store).exists());
    assert_eq!(old.json(&["log"]), log);
}
