//! The default storage: one SQLite file (`relay.sqlite3` in the data directory), for
//! one relay process.
//!
//! **Plain SQLite, on purpose.** The phones' store is encrypted at rest because it
//! holds the agreement in clear; the relay holds only envelopes the phones sealed end
//! to end, so encrypting them again would protect nothing it can read. (The library
//! linked is the workspace's SQLCipher build, because Cargo builds one SQLite for the
//! whole workspace: SQLCipher with no key is SQLite, file format included. Its crypto
//! provider, which SQLCipher calls when SQLite starts, lives in `coachline-core`, and
//! [`keep_provider_linked`] makes sure the linker keeps it.)
//!
//! - **Durable answers**: WAL with `synchronous=FULL` for deposits and
//!   acknowledgements, so a `201` survives the relay being killed (and the machine
//!   losing power) the moment after. Replay ids and sweeps commit with
//!   `synchronous=NORMAL`: they survive the process being killed, and a power cut
//!   could at worst forget the replay ids of the last moments.
//! - **`secure_delete`**: an acknowledged message's bytes are overwritten in the file,
//!   not left in free pages.
//! - **Off the async runtime**: every call runs on tokio's blocking pool. One writer
//!   connection behind a mutex takes every write in turn (SQLite has one writer at a
//!   time anyway, and a mutex queues writers without SQLite's busy-wait); a few reader
//!   connections serve fetches alongside it, which WAL allows.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use coachline_relay_protocol::batch::{Batch, Stored};
use coachline_relay_protocol::Mailbox;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

use super::{ack_ids, id_from_sql, id_to_sql, millis, Deposit, Storage, StorageError, Swept};

/// The file's name in the data directory.
pub const FILE_NAME: &str = "relay.sqlite3";

/// The schema this code writes (`PRAGMA user_version`); a file with a higher one was
/// written by a newer relay and is refused rather than misread.
const SCHEMA_VERSION: i32 = 1;

/// `AUTOINCREMENT` so that ids are never reused, even after the newest message is
/// deleted. The byte counts in `mailboxes` go with the messages; a mailbox without
/// messages has no row.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox      BLOB    NOT NULL,
    digest       BLOB    NOT NULL,
    deposited_ms INTEGER NOT NULL,
    body         BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_mailbox ON messages (mailbox, id);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_digest ON messages (mailbox, digest);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (deposited_ms);
CREATE TABLE IF NOT EXISTS mailboxes (
    mailbox BLOB    PRIMARY KEY,
    bytes   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replay_ids (
    id         BLOB    PRIMARY KEY,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS replay_ids_by_expiry ON replay_ids (expires_ms);
";

/// How many messages or replay ids one sweep transaction deletes: small enough that a
/// deposit waiting for the writer waits little.
const SWEEP_BATCH: i64 = 500;

/// The SQLite storage. Cheap to clone: clones share the connections.
#[derive(Clone)]
pub struct Sqlite {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
}

/// Idle reader connections; a fetch takes one and puts it back.
struct Readers {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
}

impl Sqlite {
    /// Opens (creating if absent) `relay.sqlite3` in `dir`, creating `dir` too, with
    /// `readers` reader connections (at least one).
    pub fn open(dir: &Path, readers: usize) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StorageError::new("sqlite", format!("creating the data directory: {e}"))
        })?;
        let path = dir.join(FILE_NAME);
        let writer = open_writer(&path).map_err(sql_error)?;
        let readers = (0..readers.max(1))
            .map(|_| open_reader(&path))
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql_error)?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Readers {
                idle: Mutex::new(readers),
                returned: Condvar::new(),
            }),
        })
    }

    /// The file's path in `dir`.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Runs `work` with the writer, on the blocking pool.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StorageError> {
        let writer = Arc::clone(&self.writer);
        blocking(move || work(&mut lock(&writer))).await
    }

    /// Runs `work` with a reader, on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StorageError> {
        let readers = Arc::clone(&self.readers);
        blocking(move || {
            let connection = readers.take();
            let result = work(&connection);
            readers.put_back(connection);
            result
        })
        .await
    }
}

impl Readers {
    fn take(&self) -> Connection {
        let mut idle = lock(&self.idle);
        loop {
            if let Some(connection) = idle.pop() {
                return connection;
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn put_back(&self, connection: Connection) {
        lock(&self.idle).push(connection);
        self.returned.notify_one();
    }
}

/// A lock that survives a panic elsewhere: a connection's open transaction is rolled
/// back when the panicking code drops it, so the connection is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, StorageError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(sql_error),
        Err(_) => Err(StorageError::new("sqlite", "a storage task panicked")),
    }
}

/// SQLite's messages name tables and constraints, never the values bound.
fn sql_error(e: rusqlite::Error) -> StorageError {
    StorageError::new("sqlite", e.to_string())
}

fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    keep_provider_linked();
    let connection = Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    // WAL before anything is written; it is a property of the file and persists.
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "secure_delete", "ON")?;
    let version: i32 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!(
                "the data file has schema {version}, newer than this relay's {SCHEMA_VERSION}"
            )),
        ));
    }
    connection.execute_batch(&format!(
        "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
    ))?;
    Ok(connection)
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    keep_provider_linked();
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::from_secs(5))?;
    Ok(connection)
}

/// The workspace's SQLite is SQLCipher (see the module comment), which calls
/// `coachline_sqlcipher_setup` once when SQLite starts. That function is in
/// `coachline-core`; only SQLCipher's C code refers to it, and a linker takes an object
/// out of a Rust library only for a reference it has already seen, so this one makes
/// the reference first.
fn keep_provider_linked() {
    use coachline_core as _;
    extern "C" {
        fn coachline_sqlcipher_setup(provider: *mut std::ffi::c_void) -> std::ffi::c_int;
    }
    std::hint::black_box(coachline_sqlcipher_setup as *const () as usize);
}

/// Runs `work` on `connection` with `synchronous=NORMAL`: for writes whose loss in a
/// power cut costs nothing (see the module comment). Put back to `FULL` after.
fn not_synced<T>(
    connection: &mut Connection,
    work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    let result = work(connection);
    connection.pragma_update(None, "synchronous", "FULL")?;
    result
}

impl Storage for Sqlite {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn deposit(
        &self,
        mailbox: Mailbox,
        message: &[u8],
        now_ms: i64,
        quota_bytes: u64,
    ) -> Result<Deposit, StorageError> {
        let message = message.to_vec();
        self.write(move |connection| {
            let digest = Sha256::digest(&message);
            let size = i64::try_from(message.len()).unwrap_or(i64::MAX);
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let held: Option<i64> = tx
                .prepare_cached("SELECT id FROM messages WHERE mailbox = ?1 AND digest = ?2")?
                .query_row(params![mailbox.key(), &digest[..]], |r| r.get(0))
                .optional()?;
            if let Some(id) = held {
                return Ok(Deposit::AlreadyHeld(id_from_sql(id)));
            }
            let bytes: i64 = tx
                .prepare_cached("SELECT bytes FROM mailboxes WHERE mailbox = ?1")?
                .query_row([mailbox.key()], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
            if u64::try_from(bytes.saturating_add(size)).unwrap_or(u64::MAX) > quota_bytes {
                return Ok(Deposit::QuotaExceeded);
            }
            tx.prepare_cached(
                "INSERT INTO messages (mailbox, digest, deposited_ms, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![mailbox.key(), &digest[..], now_ms, &message])?;
            let id = tx.last_insert_rowid();
            tx.prepare_cached(
                "INSERT INTO mailboxes (mailbox, bytes) VALUES (?1, ?2)
                 ON CONFLICT (mailbox) DO UPDATE SET bytes = bytes + excluded.bytes",
            )?
            .execute(params![mailbox.key(), size])?;
            tx.commit()?;
            Ok(Deposit::Stored(id_from_sql(id)))
        })
        .await
    }

    async fn fetch(
        &self,
        mailbox: Mailbox,
        after: u64,
        limit: usize,
    ) -> Result<Batch, StorageError> {
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, body FROM messages WHERE mailbox = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )?;
            let rows = statement.query_map(
                params![
                    mailbox.key(),
                    id_to_sql(after),
                    i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1)
                ],
                |r| {
                    Ok(Stored {
                        id: id_from_sql(r.get(0)?),
                        bytes: r.get(1)?,
                    })
                },
            )?;
            let mut messages = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            let more = messages.len() > limit;
            messages.truncate(limit);
            Ok(Batch { messages, more })
        })
        .await
    }

    async fn ack(&self, mailbox: Mailbox, ids: &[u64]) -> Result<u64, StorageError> {
        let ids = ack_ids(ids);
        self.write(move |connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (mut deleted, mut freed) = (0u64, 0i64);
            {
                let mut delete = tx.prepare_cached(
                    "DELETE FROM messages WHERE mailbox = ?1 AND id = ?2 RETURNING length(body)",
                )?;
                for id in ids {
                    let size: Option<i64> = delete
                        .query_row(params![mailbox.key(), id], |r| r.get(0))
                        .optional()?;
                    if let Some(size) = size {
                        deleted += 1;
                        freed += size;
                    }
                }
            }
            if deleted > 0 {
                release(&tx, mailbox.key(), freed)?;
            }
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }

    async fn first_use(&self, replay_id: [u8; 16], expires_ms: i64) -> Result<bool, StorageError> {
        self.write(move |connection| {
            not_synced(connection, |connection| {
                let inserted = connection
                    .prepare_cached(
                        "INSERT INTO replay_ids (id, expires_ms) VALUES (?1, ?2)
                         ON CONFLICT (id) DO NOTHING",
                    )?
                    .execute(params![&replay_id[..], expires_ms])?;
                Ok(inserted == 1)
            })
        })
        .await
    }

    async fn sweep(&self, now_ms: i64, retention: Duration) -> Result<Swept, StorageError> {
        let before_ms = now_ms.saturating_sub(millis(retention));
        let mut swept = Swept::default();
        loop {
            let (messages, mailboxes) = self
                .write(move |connection| {
                    not_synced(connection, |connection| {
                        sweep_messages(connection, before_ms)
                    })
                })
                .await?;
            swept.messages += messages;
            swept.mailboxes += mailboxes;
            if messages < SWEEP_BATCH as u64 {
                break;
            }
        }
        loop {
            let replay_ids = self
                .write(move |connection| {
                    not_synced(connection, |connection| {
                        let deleted = connection
                            .prepare_cached(
                                "DELETE FROM replay_ids WHERE id IN (
                                     SELECT id FROM replay_ids WHERE expires_ms <= ?1 LIMIT ?2)",
                            )?
                            .execute(params![now_ms, SWEEP_BATCH])?;
                        Ok(deleted as u64)
                    })
                })
                .await?;
            swept.replay_ids += replay_ids;
            if replay_ids < SWEEP_BATCH as u64 {
                break;
            }
        }
        Ok(swept)
    }

    async fn check(&self) -> Result<(), StorageError> {
        self.read(|connection| {
            connection
                .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM mailboxes LIMIT 1)")?
                .query_row([], |r| r.get::<_, i64>(0))
                .map(drop)
        })
        .await
    }
}

/// One batch of expired messages: deletes them and takes their bytes off their
/// mailboxes' counts. Answers how many messages it deleted and how many mailboxes it
/// left empty (and forgot).
fn sweep_messages(connection: &mut Connection, before_ms: i64) -> rusqlite::Result<(u64, u64)> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut freed: HashMap<Vec<u8>, i64> = HashMap::new();
    let mut deleted = 0u64;
    {
        let mut delete = tx.prepare_cached(
            "DELETE FROM messages WHERE id IN (
                 SELECT id FROM messages WHERE deposited_ms < ?1 ORDER BY deposited_ms LIMIT ?2)
             RETURNING mailbox, length(body)",
        )?;
        let mut rows = delete.query(params![before_ms, SWEEP_BATCH])?;
        while let Some(row) = rows.next()? {
            *freed.entry(row.get(0)?).or_default() += row.get::<_, i64>(1)?;
            deleted += 1;
        }
    }
    let mut emptied = 0;
    for (mailbox, bytes) in &freed {
        emptied += release(&tx, mailbox, *bytes)?;
    }
    tx.commit()?;
    Ok((deleted, emptied))
}

/// Takes `bytes` off `mailbox`'s count, and forgets the mailbox once it holds nothing
/// (a relay keeps no record of devices it holds nothing for). Answers 1 if it forgot it.
fn release(tx: &rusqlite::Transaction<'_>, mailbox: &[u8], bytes: i64) -> rusqlite::Result<u64> {
    tx.prepare_cached("UPDATE mailboxes SET bytes = bytes - ?2 WHERE mailbox = ?1")?
        .execute(params![mailbox, bytes])?;
    let forgotten = tx
        .prepare_cached(
            "DELETE FROM mailboxes WHERE mailbox = ?1 AND bytes <= 0
               AND NOT EXISTS (SELECT 1 FROM messages WHERE mailbox = ?1)",
        )?
        .execute([mailbox])?;
    Ok(forgotten as u64)
}
