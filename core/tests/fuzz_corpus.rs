//! The fuzz corpus as a test: every input checked in under `fuzz/corpus/<target>/`
//! (the seeds, what the fuzzers found worth keeping, and every crash they found)
//! runs through the same entry points as the fuzz targets, on stable Rust and
//! without libFuzzer, so CI keeps them passing. The entry points live in
//! `fuzz/src/lib.rs`, included here as a module; they start from the template stores
//! checked in under `fuzz/template/`.

use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/lib.rs"]
mod entry;

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_checked_in_fuzz_input_runs_through_its_entry_point_without_a_panic() {
    for target in entry::TARGETS {
        let files = corpus(target);
        assert!(!files.is_empty(), "no corpus for {target}");
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| entry::run(target, &data));
            assert!(outcome.is_ok(), "{} panicked", file.display());
        }
    }
}

#[test]
fn sealed_seeds_reach_the_document_and_not_only_the_envelope() {
    // Otherwise the fuzzer would only ever exercise the refusal of what does not open.
    for name in ["seed-client-change", "seed-first-document"] {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus/sync_receive")
            .join(name);
        let data = std::fs::read(&file).unwrap();
        assert_eq!(entry::sync_receive(&data), 1, "{name} was refused");
    }
}

#[test]
fn the_templates_and_seeds_can_be_made_again_and_run() {
    // The seeds example remakes both when the store format changes: it must keep
    // working with the core as it is.
    let dir = tempfile::tempdir().unwrap();
    entry::make_templates(dir.path());
    for name in ["t.db", "c.db", "j.db", "invitation.txt"] {
        assert!(dir.path().join(name).exists(), "{name}");
    }
    for (target, _, bytes) in entry::seeds() {
        entry::run(target, &bytes);
    }
}
