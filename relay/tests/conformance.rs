//! The storage conformance suite: every case runs against both backends, SQLite (a
//! file in a temporary directory) and PostgreSQL (a fresh schema per test, see
//! `support`), through the one `Storage` trait the server uses.

mod support;

use std::time::Duration;

use coachline_relay::storage::postgres::Postgres;
use coachline_relay::storage::sqlite::Sqlite;
use coachline_relay::{Deposit, Storage, Swept};
use coachline_relay_protocol::Mailbox;

const NOW: i64 = 1_800_000_000_000;
const DAY: Duration = Duration::from_secs(86_400);
const NO_QUOTA: u64 = 1 << 40;

fn mailbox(n: u8) -> Mailbox {
    Mailbox::of_key(&[n; 32])
}

fn message(n: usize, size: usize) -> Vec<u8> {
    let mut bytes = format!("message {n} ").into_bytes();
    bytes.resize(size.max(bytes.len()), b'.');
    bytes.truncate(size);
    bytes
}

async fn stored<S: Storage>(s: &S, to: Mailbox, bytes: &[u8], now: i64) -> u64 {
    match s.deposit(to, bytes, now, NO_QUOTA).await.unwrap() {
        Deposit::Stored(id) => id,
        other => panic!("not stored: {other:?}"),
    }
}

async fn held<S: Storage>(s: &S, of: Mailbox) -> Vec<(u64, Vec<u8>)> {
    let batch = s.fetch(of, 0, 100).await.unwrap();
    assert!(!batch.more);
    batch
        .messages
        .into_iter()
        .map(|m| (m.id, m.bytes))
        .collect()
}

async fn deposits_come_back_oldest_first<S: Storage + Clone>(s: S) {
    let (a, b) = (mailbox(1), mailbox(2));
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(stored(&s, a, &message(n, 40), NOW + n as i64).await);
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
    let expected: Vec<_> = (0..3).map(|n| (ids[n], message(n, 40))).collect();
    assert_eq!(held(&s, a).await, expected);
    assert_eq!(held(&s, b).await, vec![], "another mailbox holds nothing");
}

async fn a_cursor_and_a_limit_page_through<S: Storage + Clone>(s: S) {
    let a = mailbox(1);
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(stored(&s, a, &message(n, 10), NOW).await);
    }
    let page = s.fetch(a, 0, 2).await.unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[..2]
    );
    assert!(page.more);
    let page = s.fetch(a, ids[1], 2).await.unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[2..4]
    );
    assert!(page.more);
    let page = s.fetch(a, ids[3], 2).await.unwrap();
    assert_eq!(
        page.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[4..]
    );
    assert!(!page.more);
    let page = s.fetch(a, ids[2], 2).await.unwrap();
    assert_eq!(page.messages.len(), 2);
    assert!(!page.more, "exactly the limit left is not more");
    let page = s.fetch(a, ids[4], 2).await.unwrap();
    assert_eq!((page.messages.len(), page.more), (0, false));
    let page = s.fetch(a, u64::MAX, 2).await.unwrap();
    assert_eq!((page.messages.len(), page.more), (0, false));
}

async fn the_same_bytes_again_are_the_same_message<S: Storage + Clone>(s: S) {
    let (a, b) = (mailbox(1), mailbox(2));
    let bytes = message(1, 64);
    let id = stored(&s, a, &bytes, NOW).await;
    assert_eq!(
        s.deposit(a, &bytes, NOW + 5, NO_QUOTA).await.unwrap(),
        Deposit::AlreadyHeld(id)
    );
    assert_eq!(held(&s, a).await.len(), 1);
    let other = stored(&s, b, &bytes, NOW).await;
    assert_ne!(
        other, id,
        "the same bytes in another mailbox are another message"
    );
    assert_eq!(s.ack(a, &[id]).await.unwrap(), 1);
    let again = stored(&s, a, &bytes, NOW).await;
    assert!(
        again > other,
        "once acknowledged, the same bytes are a new message"
    );
}

async fn ids_are_never_reused<S: Storage + Clone>(s: S) {
    let a = mailbox(1);
    let first = stored(&s, a, b"one", NOW).await;
    assert_eq!(s.ack(a, &[first]).await.unwrap(), 1);
    let second = stored(&s, a, b"two", NOW).await;
    assert!(second > first, "{second} after {first}");
    // A late, retried acknowledgement of the first id leaves the second alone.
    assert_eq!(s.ack(a, &[first]).await.unwrap(), 0);
    assert_eq!(held(&s, a).await, vec![(second, b"two".to_vec())]);
}

async fn acknowledging_deletes_only_in_the_owners_mailbox_and_twice_is_harmless<
    S: Storage + Clone,
>(
    s: S,
) {
    let (a, b) = (mailbox(1), mailbox(2));
    let one = stored(&s, a, b"one", NOW).await;
    let two = stored(&s, a, b"two", NOW).await;
    let three = stored(&s, b, b"three", NOW).await;
    assert_eq!(s.ack(b, &[one, two]).await.unwrap(), 0, "not b's messages");
    assert_eq!(held(&s, a).await.len(), 2);
    assert_eq!(
        s.ack(a, &[one, one, 999_999, u64::MAX, 0]).await.unwrap(),
        1
    );
    assert_eq!(s.ack(a, &[one]).await.unwrap(), 0, "twice is harmless");
    assert_eq!(s.ack(a, &[three]).await.unwrap(), 0, "b's message");
    assert_eq!(held(&s, a).await, vec![(two, b"two".to_vec())]);
    assert_eq!(held(&s, b).await, vec![(three, b"three".to_vec())]);
    assert_eq!(
        s.ack(mailbox(9), &[three]).await.unwrap(),
        0,
        "no such mailbox"
    );
}

async fn a_full_mailbox_refuses_until_acknowledged<S: Storage + Clone>(s: S) {
    let (a, b) = (mailbox(1), mailbox(2));
    let quota = 100;
    let sixty = message(1, 60);
    let first = match s.deposit(a, &sixty, NOW, quota).await.unwrap() {
        Deposit::Stored(id) => id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        s.deposit(a, &message(2, 40), NOW, quota).await.unwrap(),
        Deposit::Stored(_)
    ));
    assert_eq!(
        s.deposit(a, b"x", NOW, quota).await.unwrap(),
        Deposit::QuotaExceeded,
        "exactly full"
    );
    assert_eq!(
        s.deposit(a, &sixty, NOW, quota).await.unwrap(),
        Deposit::AlreadyHeld(first),
        "bytes already held are no more bytes"
    );
    assert!(
        matches!(
            s.deposit(b, &message(3, 100), NOW, quota).await.unwrap(),
            Deposit::Stored(_)
        ),
        "the quota is per mailbox"
    );
    assert_eq!(
        s.deposit(b, &message(4, 101), NOW, quota * 2)
            .await
            .unwrap(),
        Deposit::QuotaExceeded
    );
    assert_eq!(s.ack(a, &[first]).await.unwrap(), 1);
    assert!(matches!(
        s.deposit(a, &message(5, 60), NOW, quota).await.unwrap(),
        Deposit::Stored(_)
    ));
}

async fn concurrent_deposits_keep_the_quota_and_store_bytes_once<S: Storage + Clone>(s: S) {
    let a = mailbox(1);
    let quota = 1000;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..30 {
        let s = s.clone();
        tasks.spawn(async move { s.deposit(a, &message(n, 100), NOW, quota).await.unwrap() });
    }
    let outcomes = tasks.join_all().await;
    let stored = outcomes
        .iter()
        .filter(|d| matches!(d, Deposit::Stored(_)))
        .count();
    assert_eq!(stored, 10, "{outcomes:?}");
    assert_eq!(
        outcomes.len() - stored,
        outcomes
            .iter()
            .filter(|d| **d == Deposit::QuotaExceeded)
            .count()
    );
    let total: usize = held(&s, a).await.iter().map(|(_, m)| m.len()).sum();
    assert_eq!(total, 1000);

    let b = mailbox(2);
    let same = message(99, 100);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (s, same) = (s.clone(), same.clone());
        tasks.spawn(async move { s.deposit(b, &same, NOW, NO_QUOTA).await.unwrap() });
    }
    let outcomes = tasks.join_all().await;
    let ids: Vec<u64> = outcomes
        .iter()
        .map(|d| match d {
            Deposit::Stored(id) | Deposit::AlreadyHeld(id) => *id,
            Deposit::QuotaExceeded => panic!("no quota"),
        })
        .collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|d| matches!(d, Deposit::Stored(_)))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(ids.iter().all(|&id| id == ids[0]), "{ids:?}");
    assert_eq!(held(&s, b).await.len(), 1);
}

async fn the_sweep_deletes_what_retention_expired<S: Storage + Clone>(s: S) {
    let (a, b) = (mailbox(1), mailbox(2));
    let old = NOW - 31 * DAY.as_millis() as i64;
    let kept_time = NOW - 29 * DAY.as_millis() as i64;
    let expired = stored(&s, a, &message(1, 50), old).await;
    stored(&s, b, &message(2, 50), old).await;
    let kept = stored(&s, a, &message(3, 50), kept_time).await;
    assert_eq!(
        s.deposit(a, &message(4, 1), NOW, 100).await.unwrap(),
        Deposit::QuotaExceeded
    );
    let swept = s.sweep(NOW, 30 * DAY).await.unwrap();
    assert_eq!(
        swept,
        Swept {
            messages: 2,
            replay_ids: 0,
            mailboxes: 1
        },
        "b is left empty and forgotten"
    );
    assert_eq!(held(&s, a).await, vec![(kept, message(3, 50))]);
    assert_eq!(held(&s, b).await, vec![]);
    assert_ne!(kept, expired);
    assert!(
        matches!(
            s.deposit(a, &message(4, 50), NOW, 100).await.unwrap(),
            Deposit::Stored(_)
        ),
        "the expired message's bytes no longer count"
    );
    assert_eq!(s.sweep(NOW, 30 * DAY).await.unwrap(), Swept::default());
}

async fn a_sweep_of_many_messages_works_in_batches<S: Storage + Clone>(s: S) {
    let old = NOW - 40 * DAY.as_millis() as i64;
    for m in 0..40u8 {
        for n in 0..15 {
            stored(&s, mailbox(m), &message(n, 20), old).await;
        }
    }
    let fresh = stored(&s, mailbox(0), b"fresh", NOW).await;
    let swept = s.sweep(NOW, 30 * DAY).await.unwrap();
    assert_eq!((swept.messages, swept.mailboxes), (600, 39));
    assert_eq!(held(&s, mailbox(0)).await, vec![(fresh, b"fresh".to_vec())]);
}

async fn replay_ids_are_remembered_until_they_expire<S: Storage + Clone>(s: S) {
    let (one, two) = ([1; 16], [2; 16]);
    assert!(s.first_use(one, NOW + 10).await.unwrap(), "first use");
    assert!(!s.first_use(one, NOW + 10).await.unwrap(), "a replay");
    assert!(!s.first_use(one, NOW + 99).await.unwrap(), "still a replay");
    assert!(s.first_use(two, NOW + 20).await.unwrap());
    assert_eq!(s.sweep(NOW + 9, DAY).await.unwrap().replay_ids, 0);
    assert_eq!(s.sweep(NOW + 10, DAY).await.unwrap().replay_ids, 1);
    assert!(
        s.first_use(one, NOW + 30).await.unwrap(),
        "forgotten once expired"
    );
    assert!(
        !s.first_use(two, NOW + 30).await.unwrap(),
        "two has not expired"
    );
    assert_eq!(s.sweep(NOW + 30, DAY).await.unwrap().replay_ids, 2);
}

async fn the_check_answers<S: Storage + Clone>(s: S) {
    s.check().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&s.kind()));
}

/// Each case as a test per backend.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    super::$case(super::Sqlite::open(dir.path(), 2).unwrap()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(schema) = crate::support::TestSchema::create().await else {
                        return;
                    };
                    let storage = super::Postgres::connect(&schema.url, 4).await.unwrap();
                    super::$case(storage).await;
                    schema.drop_schema().await;
                }
            )*
        }
    };
}

conformance!(
    deposits_come_back_oldest_first,
    a_cursor_and_a_limit_page_through,
    the_same_bytes_again_are_the_same_message,
    ids_are_never_reused,
    acknowledging_deletes_only_in_the_owners_mailbox_and_twice_is_harmless,
    a_full_mailbox_refuses_until_acknowledged,
    concurrent_deposits_keep_the_quota_and_store_bytes_once,
    the_sweep_deletes_what_retention_expired,
    a_sweep_of_many_messages_works_in_batches,
    replay_ids_are_remembered_until_they_expire,
    the_check_answers,
);

/// What only one backend has to show.
mod sqlite_only {
    use super::*;

    #[tokio::test]
    async fn messages_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = Sqlite::open(dir.path(), 1).unwrap();
        let id = stored(&s, mailbox(1), b"kept", NOW).await;
        drop(s);
        let s = Sqlite::open(dir.path(), 1).unwrap();
        assert_eq!(held(&s, mailbox(1)).await, vec![(id, b"kept".to_vec())]);
    }

    #[test]
    fn a_file_from_a_newer_relay_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Sqlite::open(dir.path(), 1).unwrap());
        let file = rusqlite::Connection::open(Sqlite::path_in(dir.path())).unwrap();
        file.pragma_update(None, "user_version", 99).unwrap();
        drop(file);
        let refused = Sqlite::open(dir.path(), 1).err().expect("refused");
        assert!(refused.to_string().contains("newer"), "{refused}");
    }
}

/// Several relay processes over one PostgreSQL database, each a pool of its own.
mod postgres_processes {
    use super::*;
    use crate::support::TestSchema;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn relays_starting_at_once_create_the_tables_once() {
        let Some(schema) = TestSchema::create().await else {
            return;
        };
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let url = schema.url.clone();
            tasks.spawn(async move { Postgres::connect(&url, 2).await });
        }
        let relays: Vec<Postgres> = tasks
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("every relay starts"))
            .collect();
        let id = stored(&relays[0], mailbox(1), b"one", NOW).await;
        assert_eq!(
            held(&relays[3], mailbox(1)).await,
            vec![(id, b"one".to_vec())]
        );
        let later = Postgres::connect(&schema.url, 1).await.unwrap();
        later.check().await.unwrap();
        drop((relays, later));
        schema.drop_schema().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_relays_share_quota_replay_ids_and_the_sweep() {
        let Some(schema) = TestSchema::create().await else {
            return;
        };
        let one = Postgres::connect(&schema.url, 4).await.unwrap();
        let two = Postgres::connect(&schema.url, 4).await.unwrap();

        // Deposits through both into one mailbox keep its quota.
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..20 {
            let relay = if n % 2 == 0 { one.clone() } else { two.clone() };
            tasks.spawn(async move {
                relay
                    .deposit(mailbox(1), &message(n, 100), NOW, 1000)
                    .await
                    .unwrap()
            });
        }
        let outcomes = tasks.join_all().await;
        assert_eq!(
            outcomes
                .iter()
                .filter(|d| matches!(d, Deposit::Stored(_)))
                .count(),
            10
        );

        // A request accepted by one is a replay for the other.
        assert!(one.first_use([7; 16], NOW).await.unwrap());
        assert!(!two.first_use([7; 16], NOW).await.unwrap());

        // Both sweep at once, neither waits for the other, and together they delete
        // every expired message exactly once.
        let old = NOW - 40 * DAY.as_millis() as i64;
        for m in 10..50u8 {
            for n in 0..5 {
                stored(&one, mailbox(m), &message(n, 20), old).await;
            }
        }
        let (a, b) = tokio::join!(one.sweep(NOW, 30 * DAY), two.sweep(NOW, 30 * DAY));
        let (a, b) = (a.unwrap(), b.unwrap());
        let first_round = a.messages + b.messages;
        // A sweep skips the mailboxes the other holds; a second round gets any left.
        let again = one.sweep(NOW, 30 * DAY).await.unwrap();
        assert_eq!(first_round + again.messages, 200, "{a:?} {b:?} {again:?}");
        assert_eq!(a.mailboxes + b.mailboxes + again.mailboxes, 40);
        for m in 10..50u8 {
            assert_eq!(held(&two, mailbox(m)).await, vec![]);
        }
        assert_eq!(
            held(&two, mailbox(1)).await.len(),
            10,
            "fresh messages stay"
        );
        drop((one, two));
        schema.drop_schema().await;
    }
}
