//! A damaged store through the real binary: refused and left as it was, then
//! salvaged into a new store that carries on with the same identity.

use std::io::{Seek, SeekFrom, Write};

use crate::phone::{pair, Phone};

/// Overwrites the page in the middle of a store file with garbage.
fn damage_middle_page(phone: &Phone) {
    let len = std::fs::metadata(&phone.store).unwrap().len();
    let middle = (len / 4096 / 2).max(1) * 4096;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&phone.store)
        .unwrap();
    file.seek(SeekFrom::Start(middle)).unwrap();
    file.write_all(&[0xa5; 4096]).unwrap();
}

#[test]
fn a_damaged_store_is_refused_untouched_and_salvage_recovers_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let (_therapist, client, id) = pair(dir.path());
    let note = "a very private situation";
    for _ in 0..40 {
        client.ok(&["call", "start", "--urge", "3", "--situation", note]);
    }
    let fingerprint = client.json(&["whoami"])["fingerprint"].clone();
    damage_middle_page(&client);
    let damaged = std::fs::read(&client.store).unwrap();

    let refused = client.fails(1, &["log"]);
    assert!(refused.contains("damaged"), "{refused}");
    assert_eq!(std::fs::read(&client.store).unwrap(), damaged);

    let new = dir.path().join("salvaged.db");
    let shown = client.ok(&["salvage", "--out", new.to_str().unwrap()]);
    assert!(shown.contains("Identity: recovered"), "{shown}");
    assert!(shown.contains("Agreements recovered: "), "{shown}");
    assert!(!shown.contains(note) && !shown.contains("Sam"), "{shown}");
    assert_eq!(std::fs::read(&client.store).unwrap(), damaged);

    let again = dir.path().join("again.db");
    let report = client.json(&["salvage", "--out", again.to_str().unwrap()]);
    assert_eq!(report["identity"], true);
    let accounted = |key: &str| report[key].as_array().unwrap().clone();
    let mut all = accounted("recovered");
    all.extend(accounted("lost"));
    assert_eq!(all, vec![serde_json::Value::from(id.as_str())]);

    let salvaged = Phone { store: new.clone() };
    assert_eq!(salvaged.json(&["whoami"])["fingerprint"], fingerprint);
    if !accounted("recovered").is_empty() {
        let log = salvaged.json(&["log", "--limit", "100"]);
        assert!(log.as_array().unwrap().len() <= 40);
    }
    // Never over an existing file.
    let exists = client.fails(2, &["salvage", "--out", new.to_str().unwrap()]);
    assert!(exists.contains("out"), "{exists}");
}
