//! PostgreSQL storage: one database shared by any number of stateless relay
//! processes behind a load balancer.
//!
//! **Locks.** Every write that touches a mailbox locks that mailbox's row in
//! `mailboxes` first, and only then touches its messages:
//! - a deposit creates-or-locks the row in one statement (`INSERT … ON CONFLICT DO
//!   UPDATE`), then checks for the same bytes and the quota, inserts and counts, all
//!   under that lock: two processes depositing into one mailbox take turns, and
//!   neither overfills it;
//! - an acknowledgement locks the row (`SELECT … FOR UPDATE`), deletes, and counts;
//! - the retention sweep locks the rows of a few mailboxes at a time with
//!   `FOR UPDATE SKIP LOCKED`: it never waits for a deposit or for another process's
//!   sweep, it skips them and comes back on its next round. Deposits wait for at most
//!   one sweep batch.
//!
//! One lock order (mailbox, then its messages) and a sweep that never waits mean no
//! deadlocks.
//!
//! **Ids** come from an identity column (a sequence), so they grow and are never
//! reused. With two processes, though, they are not necessarily *committed* in order:
//! id 8 may become visible before id 7 does. A fetch cursor is therefore only used
//! within one pass; a phone starts each pass from 0 (what it acknowledged is gone),
//! so a message that committed late is fetched on the next pass, never skipped for
//! good.
//!
//! **Tables** are created if absent when the relay starts, in one transaction under a
//! transaction-level advisory lock, so two processes starting at once do not race
//! each other's `CREATE TABLE`. They go in the first schema of the connection's
//! `search_path` (the tests give each test its own schema through the URL's
//! `options=-c search_path=…`).
//!
//! Deleted rows stay in the table files until PostgreSQL vacuums them (autovacuum
//! does); unlike the SQLite backend there is no `secure_delete`. The bytes are sealed
//! either way.

use std::time::Duration;

use coachline_relay_protocol::batch::{Batch, Stored};
use coachline_relay_protocol::Mailbox;
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;

use super::{ack_ids, id_from_sql, id_to_sql, millis, Deposit, Storage, StorageError, Swept};

/// The schema this code writes; a database with a higher one was set up by a newer
/// relay and is refused rather than misread.
const SCHEMA_VERSION: i32 = 1;

/// The advisory lock that serialises schema creation between relay processes.
const SCHEMA_LOCK: i64 = 0x636f_6163_686c_696e; // "coachlin"

/// Bodies are stored `EXTERNAL`: out of line without compression, which sealed
/// bytes would only waste time on.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mailboxes (
    mailbox bytea  PRIMARY KEY,
    bytes   bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox      bytea  NOT NULL,
    digest       bytea  NOT NULL,
    deposited_ms bigint NOT NULL,
    body         bytea  NOT NULL,
    UNIQUE (mailbox, digest)
);
ALTER TABLE messages ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE INDEX IF NOT EXISTS messages_by_mailbox ON messages (mailbox, id);
CREATE INDEX IF NOT EXISTS messages_by_mailbox_age ON messages (mailbox, deposited_ms);
CREATE TABLE IF NOT EXISTS replay_ids (
    id         bytea  PRIMARY KEY,
    expires_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS replay_ids_by_expiry ON replay_ids (expires_ms);
";

/// How many mailboxes one sweep transaction locks (each holds at most its quota).
const SWEEP_MAILBOXES: i64 = 16;
/// How many replay ids one sweep transaction deletes.
const SWEEP_REPLAY_IDS: i64 = 5000;

/// The PostgreSQL storage: a pool of connections. Cheap to clone.
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
}

impl Postgres {
    /// Connects to `url` (a `postgres://` URL or a key-value string) with at most
    /// `connections` connections, and creates the tables if absent.
    ///
    /// The URL may hold a password: it is never logged, nor put in an error.
    pub async fn connect(url: &str, connections: usize) -> Result<Self, StorageError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| StorageError::new("postgres", "the PostgreSQL URL is not valid"))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StorageError::new("postgres", format!("building the pool: {e}")))?;
        let storage = Self { pool };
        storage.create_tables().await?;
        Ok(storage)
    }

    async fn create_tables(&self) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(pg_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(pg_error)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS relay_schema (version integer NOT NULL)")
            .await
            .map_err(pg_error)?;
        let version: Option<i32> = tx
            .query_one("SELECT max(version) FROM relay_schema", &[])
            .await
            .map_err(pg_error)?
            .get(0);
        match version {
            // Created already: no DDL, which would lock tables that other relay
            // processes are using.
            Some(v) if v <= SCHEMA_VERSION => {}
            Some(v) => {
                return Err(StorageError::new(
                    "postgres",
                    format!(
                        "the database has schema {v}, newer than this relay's {SCHEMA_VERSION}"
                    ),
                ))
            }
            None => {
                tx.batch_execute(SCHEMA).await.map_err(pg_error)?;
                tx.execute(
                    "INSERT INTO relay_schema (version) VALUES ($1)",
                    &[&SCHEMA_VERSION],
                )
                .await
                .map_err(pg_error)?;
            }
        }
        tx.commit().await.map_err(pg_error)
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, StorageError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// One sweep batch: locks up to [`SWEEP_MAILBOXES`] mailboxes after `after` (in
    /// key order) that hold messages deposited before `before_ms` and that nobody
    /// else holds, deletes those messages and counts. Answers the last mailbox locked
    /// (where the next batch starts; `None` when there are no more) and what it
    /// deleted.
    async fn sweep_batch(
        &self,
        after: &[u8],
        before_ms: i64,
    ) -> Result<(Option<Vec<u8>>, Swept), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let locked: Vec<Vec<u8>> = tx
            .query(
                &tx.prepare_cached(
                    "SELECT b.mailbox FROM mailboxes b
                     WHERE b.mailbox > $1 AND EXISTS (
                         SELECT 1 FROM messages m
                         WHERE m.mailbox = b.mailbox AND m.deposited_ms < $2)
                     ORDER BY b.mailbox LIMIT $3
                     FOR UPDATE SKIP LOCKED",
                )
                .await
                .map_err(pg_error)?,
                &[&after, &before_ms, &SWEEP_MAILBOXES],
            )
            .await
            .map_err(pg_error)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let Some(last) = locked.last().cloned() else {
            return Ok((None, Swept::default()));
        };
        let deleted: i64 = tx
            .query_one(
                &tx.prepare_cached(
                    "WITH gone AS (
                         DELETE FROM messages WHERE mailbox = ANY($1) AND deposited_ms < $2
                         RETURNING mailbox, octet_length(body) AS size),
                     per AS (
                         SELECT mailbox, sum(size) AS size, count(*) AS n FROM gone GROUP BY mailbox),
                     counted AS (
                         UPDATE mailboxes b SET bytes = b.bytes - per.size FROM per
                         WHERE b.mailbox = per.mailbox RETURNING per.n)
                     SELECT coalesce(sum(n), 0)::bigint FROM counted",
                )
                .await
                .map_err(pg_error)?,
                &[&locked, &before_ms],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        // The counts updated above are visible to this next statement (same
        // transaction, later statement).
        let forgotten = tx
            .execute(
                &tx.prepare_cached(
                    "DELETE FROM mailboxes b WHERE b.mailbox = ANY($1) AND b.bytes <= 0
                       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.mailbox = b.mailbox)",
                )
                .await
                .map_err(pg_error)?,
                &[&locked],
            )
            .await
            .map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
        Ok((
            Some(last),
            Swept {
                messages: u64::try_from(deleted).unwrap_or(0),
                replay_ids: 0,
                mailboxes: forgotten,
            },
        ))
    }
}

/// PostgreSQL's primary message and SQLSTATE, never its `DETAIL` (which quotes key
/// values: mailboxes) nor the statement's parameters.
fn pg_error(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(db) => StorageError::new(
            "postgres",
            format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        ),
        None => StorageError::new("postgres", e.to_string()),
    }
}

fn pool_error(e: PoolError) -> StorageError {
    match e {
        PoolError::Backend(e) => pg_error(e),
        other => StorageError::new("postgres", format!("connection pool: {other}")),
    }
}

impl Storage for Postgres {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    async fn deposit(
        &self,
        mailbox: Mailbox,
        message: &[u8],
        now_ms: i64,
        quota_bytes: u64,
    ) -> Result<Deposit, StorageError> {
        let digest = Sha256::digest(message);
        let (key, digest) = (&mailbox.key()[..], &digest[..]);
        let size = i64::try_from(message.len()).unwrap_or(i64::MAX);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        // Creates the row or locks it, atomically: either way this transaction holds
        // the mailbox until it ends.
        let bytes: i64 = tx
            .query_one(
                &tx.prepare_cached(
                    "INSERT INTO mailboxes (mailbox, bytes) VALUES ($1, 0)
                     ON CONFLICT (mailbox) DO UPDATE SET bytes = mailboxes.bytes
                     RETURNING bytes",
                )
                .await
                .map_err(pg_error)?,
                &[&key],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        let held = tx
            .query_opt(
                &tx.prepare_cached("SELECT id FROM messages WHERE mailbox = $1 AND digest = $2")
                    .await
                    .map_err(pg_error)?,
                &[&key, &digest],
            )
            .await
            .map_err(pg_error)?;
        if let Some(row) = held {
            tx.commit().await.map_err(pg_error)?;
            return Ok(Deposit::AlreadyHeld(id_from_sql(row.get(0))));
        }
        if u64::try_from(bytes.saturating_add(size)).unwrap_or(u64::MAX) > quota_bytes {
            tx.rollback().await.map_err(pg_error)?;
            return Ok(Deposit::QuotaExceeded);
        }
        let id: i64 = tx
            .query_one(
                &tx.prepare_cached(
                    "WITH kept AS (
                         INSERT INTO messages (mailbox, digest, deposited_ms, body)
                         VALUES ($1, $2, $3, $4) RETURNING id)
                     UPDATE mailboxes SET bytes = bytes + $5 WHERE mailbox = $1
                     RETURNING (SELECT id FROM kept)",
                )
                .await
                .map_err(pg_error)?,
                &[&key, &digest, &now_ms, &message, &size],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        tx.commit().await.map_err(pg_error)?;
        Ok(Deposit::Stored(id_from_sql(id)))
    }

    async fn fetch(
        &self,
        mailbox: Mailbox,
        after: u64,
        limit: usize,
    ) -> Result<Batch, StorageError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT id, body FROM messages WHERE mailbox = $1 AND id > $2
                         ORDER BY id LIMIT $3",
                    )
                    .await
                    .map_err(pg_error)?,
                &[
                    &&mailbox.key()[..],
                    &id_to_sql(after),
                    &i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1),
                ],
            )
            .await
            .map_err(pg_error)?;
        let mut messages: Vec<Stored> = rows
            .iter()
            .map(|row| Stored {
                id: id_from_sql(row.get(0)),
                bytes: row.get(1),
            })
            .collect();
        let more = messages.len() > limit;
        messages.truncate(limit);
        Ok(Batch { messages, more })
    }

    async fn ack(&self, mailbox: Mailbox, ids: &[u64]) -> Result<u64, StorageError> {
        let ids = ack_ids(ids);
        let key = &mailbox.key()[..];
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let locked = tx
            .query_opt(
                &tx.prepare_cached("SELECT 1 FROM mailboxes WHERE mailbox = $1 FOR UPDATE")
                    .await
                    .map_err(pg_error)?,
                &[&key],
            )
            .await
            .map_err(pg_error)?;
        if locked.is_none() {
            // No row, so no messages: a deposit creates the row before its message.
            tx.rollback().await.map_err(pg_error)?;
            return Ok(0);
        }
        let deleted: i64 = tx
            .query_one(
                &tx.prepare_cached(
                    "WITH gone AS (
                         DELETE FROM messages WHERE mailbox = $1 AND id = ANY($2)
                         RETURNING octet_length(body) AS size)
                     UPDATE mailboxes SET bytes = bytes - (SELECT coalesce(sum(size), 0) FROM gone)
                     WHERE mailbox = $1
                     RETURNING (SELECT count(*) FROM gone)",
                )
                .await
                .map_err(pg_error)?,
                &[&key, &ids],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        if deleted > 0 {
            // A relay keeps no record of a device it holds nothing for.
            tx.execute(
                &tx.prepare_cached(
                    "DELETE FROM mailboxes b WHERE b.mailbox = $1 AND b.bytes <= 0
                       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.mailbox = b.mailbox)",
                )
                .await
                .map_err(pg_error)?,
                &[&key],
            )
            .await
            .map_err(pg_error)?;
        }
        tx.commit().await.map_err(pg_error)?;
        Ok(u64::try_from(deleted).unwrap_or(0))
    }

    async fn first_use(&self, replay_id: [u8; 16], expires_ms: i64) -> Result<bool, StorageError> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                &client
                    .prepare_cached(
                        "INSERT INTO replay_ids (id, expires_ms) VALUES ($1, $2)
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .await
                    .map_err(pg_error)?,
                &[&&replay_id[..], &expires_ms],
            )
            .await
            .map_err(pg_error)?;
        Ok(inserted == 1)
    }

    async fn sweep(&self, now_ms: i64, retention: Duration) -> Result<Swept, StorageError> {
        let before_ms = now_ms.saturating_sub(millis(retention));
        let mut swept = Swept::default();
        let mut after = Vec::new();
        while let (Some(last), batch) = self.sweep_batch(&after, before_ms).await? {
            swept.messages += batch.messages;
            swept.mailboxes += batch.mailboxes;
            after = last;
        }
        let client = self.client().await?;
        let delete = client
            .prepare_cached(
                "DELETE FROM replay_ids WHERE id IN (
                     SELECT id FROM replay_ids WHERE expires_ms <= $1 LIMIT $2
                     FOR UPDATE SKIP LOCKED)",
            )
            .await
            .map_err(pg_error)?;
        loop {
            let deleted = client
                .execute(&delete, &[&now_ms, &SWEEP_REPLAY_IDS])
                .await
                .map_err(pg_error)?;
            swept.replay_ids += deleted;
            if deleted < SWEEP_REPLAY_IDS as u64 {
                break;
            }
        }
        Ok(swept)
    }

    async fn check(&self) -> Result<(), StorageError> {
        let client = self.client().await?;
        client
            .query_opt("SELECT 1 FROM mailboxes LIMIT 1", &[])
            .await
            .map_err(pg_error)?;
        Ok(())
    }
}
