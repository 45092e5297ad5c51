//! Encryption at rest: the store key, opening a store with it, and encrypting a
//! plaintext store in place.
//!
//! The store is a SQLCipher database: every page, the write-ahead log and every index
//! are encrypted (AES-256 with an HMAC per page), and the file does not even start
//! with SQLite's header. The key is 32 random bytes the host keeps (Android Keystore,
//! iOS Keychain, the CLI's key file) and hands to [`crate::store::Store::open`]; it is
//! given to SQLCipher raw (`PRAGMA key = "x'…'"`), so no password-based derivation
//! runs when an app starts. Temporary tables and sorts stay in memory, never in a
//! temporary file.
//!
//! A store written by a Coachline from before encryption is encrypted the first time
//! a key opens it ([`encrypt_in_place`]): exported into a new file beside it, synced,
//! then renamed over the old one, so a kill at any moment leaves either the old
//! plaintext store or the new encrypted one, whole.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The key a store is encrypted with: 32 bytes from the host, never shown.
///
/// Its bytes are wiped from memory when it is dropped, and `Debug` prints nothing of
/// it. The host should generate it once ([`StoreKey::generate`]) and keep it where
/// only this app can read it.
#[derive(Clone)]
pub struct StoreKey(Zeroizing<[u8; StoreKey::LEN]>);

impl StoreKey {
    /// The key's length in bytes.
    pub const LEN: usize = 32;

    /// A new random key.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; Self::LEN]);
        getrandom::fill(key.as_mut_slice())
            .expect("the operating system's random source is unavailable");
        Self(key)
    }

    /// The key from its 32 bytes. Any other length is refused: the error says the
    /// length, never the bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key: [u8; Self::LEN] = bytes.try_into().map_err(|_| {
            Error::invalid(
                "key",
                format!("a store key is {} bytes, not {}", Self::LEN, bytes.len()),
            )
        })?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// The key from 64 hexadecimal digits (the CLI's key file and `COACHLINE_KEY`).
    /// Whitespace around them is ignored.
    pub fn from_hex(text: &str) -> Result<Self> {
        let text = text.trim();
        let mut key = Zeroizing::new([0u8; Self::LEN]);
        if text.len() != 2 * Self::LEN || hex::decode_to_slice(text, key.as_mut_slice()).is_err() {
            return Err(Error::invalid(
                "key",
                format!("a store key is {} hexadecimal digits", 2 * Self::LEN),
            ));
        }
        Ok(Self(key))
    }

    /// The key's bytes, for the host to keep (a new key it is to store).
    pub fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    /// The key as 64 hexadecimal digits, wiped when dropped.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_slice()))
    }

    /// The key in SQLCipher's raw-key form, `x'…'`, wiped when dropped.
    fn sqlcipher(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", self.to_hex().as_str()))
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(redacted)")
    }
}

/// What is at a store's path before it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Nothing yet (or an empty file): a new store is created, encrypted.
    Nothing,
    /// A plain SQLite database: a store from before encryption, or something else.
    Plaintext,
    /// Anything else: an encrypted store, or a file no key opens.
    Encrypted,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Looks at the first bytes of the file at `path`, without opening it through SQLite.
pub(super) fn found(path: &Path) -> Result<Found> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(Found::Nothing);
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(match read {
        0 => Found::Nothing,
        _ if &header == SQLITE_MAGIC => Found::Plaintext,
        _ => Found::Encrypted,
    })
}

/// SQLCipher's page size: every encrypted store is a whole number of these.
const PAGE: u64 = 4096;

/// Refuses an encrypted file cut short of a whole page. (A file cut at a page
/// boundary is refused by SQLite itself when it reads the database's size from the
/// first page; a page damaged anywhere fails its HMAC when it is read.)
pub(super) fn check_whole_pages(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() % PAGE != 0 => {
            Err(Error::StoreUnusable(crate::error::DAMAGED.into()))
        }
        _ => Ok(()),
    }
}

/// Gives `conn` its key, as the first statement on it, and checks that the key opens
/// the file: SQLCipher only finds out when it reads the first page. Temporary data
/// is kept in memory.
pub(super) fn unlock(conn: &Connection, key: &StoreKey) -> Result<()> {
    key_only(conn, key)?;
    verify(conn)
}

/// [`unlock`] for reading a damaged store: SQLite is told, before it reads anything,
/// to read as far as the file goes even if the database's header says it is longer
/// (the pages past the end then read as damaged ones).
pub(super) fn unlock_damaged(conn: &Connection, key: Option<&StoreKey>) -> Result<()> {
    if let Some(key) = key {
        key_only(conn, key)?;
    }
    conn.pragma_update(None, "writable_schema", "ON")?;
    verify(conn)
}

fn key_only(conn: &Connection, key: &StoreKey) -> Result<()> {
    conn.pragma_update(None, "key", key.sqlcipher().as_str())?;
    // SQLCipher logs what fails (a page's HMAC) to standard error or the system log;
    // the typed error says it, and an app must not write to either behind its back.
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    Ok(())
}

fn verify(conn: &Connection) -> Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::WrongKey,
            _ => e.into(),
        })?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Re-encrypts the whole store under `new`, in one transaction: a kill during it
/// leaves the store under the old key. The write-ahead log is emptied before and
/// after, so no page encrypted under the old key stays behind in it.
pub(super) fn rekey(conn: &Connection, new: &StoreKey) -> Result<()> {
    checkpoint(conn)?;
    conn.pragma_update(None, "rekey", new.sqlcipher().as_str())?;
    checkpoint(conn)
}

fn checkpoint(conn: &Connection) -> Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(Error::Storage(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("another connection to the store is reading: try again".into()),
        )));
    }
    Ok(())
}

/// The moments of [`encrypt_in_place`] a kill can fall between, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// The plaintext store is locked for this process alone, its write-ahead log
    /// folded into the file and removed.
    Locked,
    /// The encrypted copy is written beside it, not yet synced.
    Exported,
    /// The encrypted copy is on disk.
    Synced,
    /// The encrypted copy has taken the store's name.
    Renamed,
    /// The rename is on disk too.
    Done,
}

/// The encrypted copy's name while it is being written: the store's name and
/// `.encrypting`.
fn copy_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".encrypting");
    name.into()
}

/// Removes what an interrupted encryption left beside the store: the copy and its
/// journal. The plaintext store itself is whole (it is only ever read).
fn remove_leftovers(copy: &Path) -> Result<()> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = copy.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

/// Encrypts the plaintext store at `path` under `key`, crash-safely; `step` is told
/// each moment it passes (the tests kill the process there).
///
/// The plaintext store is opened in exclusive locking mode and switched out of WAL
/// mode, which folds its log into the file and deletes it: that succeeds only when no
/// other connection has the store open, and from then on no other process can read
/// or write it until this one closes it. `sqlcipher_export` then copies every table
/// and index into a new file keyed with `key`, which is synced and renamed over the
/// store. A process that was waiting for the plaintext store finds an encrypted file
/// at the path once it gets the lock, and leaves it alone.
///
/// A file that is not a Coachline store, or from a newer Coachline, is refused and
/// left untouched, as when opening.
pub(super) fn encrypt_in_place(
    path: &Path,
    key: &StoreKey,
    step: &mut dyn FnMut(Step),
) -> Result<()> {
    // CREATE: the encrypted copy, attached, is a new file.
    let conn = super::migrations::connect(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    super::migrations::check_plaintext(path, &conn)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(Error::Storage(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("another process has the store open: close it and try again".into()),
        )));
    }
    if found(path)? != Found::Plaintext {
        return Ok(()); // Another process encrypted it while this one waited.
    }
    step(Step::Locked);

    let copy = copy_path(path);
    remove_leftovers(&copy)?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let copy_text = copy
        .to_str()
        .ok_or_else(|| Error::invalid("path", "the store's path is not valid UTF-8"))?;
    conn.execute(
        "ATTACH DATABASE ?1 AS encrypted KEY ?2",
        rusqlite::params![copy_text, key.sqlcipher().as_str()],
    )?;
    let exported = (|| -> Result<()> {
        conn.execute_batch("PRAGMA encrypted.auto_vacuum = INCREMENTAL")?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.execute_batch(&format!(
            "PRAGMA encrypted.user_version = {version}; \
             PRAGMA encrypted.application_id = {};",
            super::migrations::APPLICATION_ID
        ))?;
        Ok(())
    })();
    conn.execute_batch("DETACH DATABASE encrypted")?;
    if let Err(e) = exported {
        // Best effort: the next attempt removes them anyway.
        let _ = remove_leftovers(&copy);
        return Err(e);
    }
    step(Step::Exported);

    std::fs::File::open(&copy)?.sync_all()?;
    step(Step::Synced);

    std::fs::rename(&copy, path)?;
    step(Step::Renamed);

    sync_directory(path)?;
    drop(conn);
    step(Step::Done);
    Ok(())
}

/// Makes a rename in the store's directory durable.
fn sync_directory(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_as_32_bytes_or_64_hex_digits_and_never_show() {
        let key = StoreKey::generate();
        let again = StoreKey::from_hex(&format!(" {}\n", key.to_hex().as_str())).unwrap();
        assert_eq!(again.to_hex(), key.to_hex());
        assert_eq!(
            StoreKey::from_bytes(&hex::decode(key.to_hex().as_str()).unwrap())
                .unwrap()
                .to_hex(),
            key.to_hex()
        );
        assert!(matches!(
            StoreKey::from_bytes(&[1; 31]),
            Err(Error::InvalidInput { field: "key", .. })
        ));
        assert!(StoreKey::from_hex("zz").is_err());
        assert!(StoreKey::from_hex(&"g".repeat(64)).is_err());
        assert_eq!(format!("{key:?}"), "StoreKey(redacted)");
        assert_ne!(StoreKey::generate().to_hex(), key.to_hex());
    }
}
