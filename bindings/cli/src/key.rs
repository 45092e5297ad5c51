//! The store's key on a desktop. A phone keeps it in the platform's keystore; the
//! CLI takes it from `COACHLINE_KEY` (64 hexadecimal digits) or keeps it in a key
//! file beside the store (`coachline.db` → `coachline.db.key`), readable by its owner
//! only (`0600`), which `init` creates.
//!
//! `rekey` writes the new key beside the old one (`….key.new`) before the store is
//! re-encrypted, and renames it over the old one after: a kill in between leaves a
//! store under the new key with both files present, and the next open finds it.

use std::io::Write;
use std::path::{Path, PathBuf};

use coachline_core::store::{Store, StoreKey};
use coachline_core::Error;

use crate::Failure;

/// The environment variable that gives the key instead of a key file.
const KEY_VARIABLE: &str = "COACHLINE_KEY";

/// `store`'s key file.
pub fn key_file(store: &Path) -> PathBuf {
    with_suffix(store, ".key")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Whether a store exists at `path`, with at least one byte in it.
fn store_exists(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// Opens the store at `path` with its key. `init` may create the store and its key
/// file; any command creates the key file of a store from before encryption, which
/// opening then encrypts.
pub fn open(path: &Path, init: bool) -> Result<Store, Failure> {
    let key = key_for(path, init)?;
    match Store::open(path, &key) {
        Err(Error::WrongKey) => open_after_interrupted_rekey(path),
        opened => Ok(opened?),
    }
}

/// The key of the store at `path` (see the module's doc).
pub fn key_for(path: &Path, init: bool) -> Result<StoreKey, Failure> {
    if let Some(hex) = std::env::var_os(KEY_VARIABLE) {
        let hex = hex.to_str().unwrap_or_default();
        return StoreKey::from_hex(hex).map_err(|_| {
            Failure::usage(format!(
                "{KEY_VARIABLE}: a store key is 64 hexadecimal digits"
            ))
        });
    }
    let file = key_file(path);
    if file.exists() {
        return read(&file);
    }
    let plaintext = std::fs::read(path).is_ok_and(|b| b.starts_with(b"SQLite format 3\0"));
    if plaintext || (init && !store_exists(path)) {
        let key = StoreKey::generate();
        write(&file, &key)?;
        return Ok(key);
    }
    Err(Failure::usage(if store_exists(path) {
        format!(
            "no key for {}: its key file {} is missing (put it back, or set {KEY_VARIABLE}); \
             a file that is not a Coachline store has none",
            path.display(),
            file.display()
        )
    } else {
        format!("no store at {} yet: run init first", path.display())
    }))
}

/// A store under the key a `rekey` was writing when it was interrupted: the new key
/// file takes the key file's place.
fn open_after_interrupted_rekey(path: &Path) -> Result<Store, Failure> {
    let (file, new) = (key_file(path), with_suffix(&key_file(path), ".new"));
    if std::env::var_os(KEY_VARIABLE).is_some() || !new.exists() {
        return Err(Error::WrongKey.into());
    }
    let store = Store::open(path, &read(&new)?)?;
    std::fs::rename(&new, &file)?;
    Ok(store)
}

/// Re-encrypts the store under a new key and keeps it in the key file.
pub fn rekey(store: &mut Store, path: &Path) -> Result<(), Failure> {
    if std::env::var_os(KEY_VARIABLE).is_some() {
        return Err(Failure::usage(format!(
            "the key comes from {KEY_VARIABLE}: unset it to keep the new key in the key file"
        )));
    }
    let (file, new) = (key_file(path), with_suffix(&key_file(path), ".new"));
    let key = StoreKey::generate();
    let _ = std::fs::remove_file(&new);
    write(&new, &key)?;
    store.rekey(&key)?;
    std::fs::rename(&new, &file)?;
    Ok(())
}

/// Keeps `key` as the key of the new store at `path` (a salvage's), unless the key
/// comes from the environment.
pub fn keep(path: &Path, key: &StoreKey) -> Result<(), Failure> {
    if std::env::var_os(KEY_VARIABLE).is_some() {
        return Ok(());
    }
    write(&key_file(path), key)
}

fn read(file: &Path) -> Result<StoreKey, Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Failure::usage(format!(
                "the key file {} can be read by others: chmod 600 it",
                file.display()
            )));
        }
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(file)?);
    StoreKey::from_hex(&text).map_err(|_| {
        Failure::usage(format!(
            "the key file {} does not hold a store key (64 hexadecimal digits)",
            file.display()
        ))
    })
}

/// Writes a new key file, owner-only, and syncs it: the store is useless without it.
fn write(file: &Path, key: &StoreKey) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(file)?;
    out.write_all(key.to_hex().as_bytes())?;
    out.write_all(b"\n")?;
    out.sync_all()?;
    Ok(())
}
