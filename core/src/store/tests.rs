//! Store tests on real SQLite files in temporary directories.

use super::*;
use crate::identity::AgreementStatus;
use crate::model::{CallEnd, CallReason, CallStart, TermKey};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339("now", text).unwrap()
}

struct Pair {
    _dir: tempfile::TempDir,
    therapist: Store,
    client: Store,
    id: AgreementId,
}

fn pair() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let now = at("2026-03-02T10:00:00Z");
    let mut therapist = Store::open(dir.path().join("t.db")).unwrap();
    therapist.init(Role::Therapist, "Dr T", now).unwrap();
    let mut client = Store::open(dir.path().join("c.db")).unwrap();
    client.init(Role::Client, "Casey", now).unwrap();
    let id = therapist
        .create_agreement("Casey", Some("America/New_York"), now)
        .unwrap();
    let bytes = therapist.export(&id).unwrap();
    client.import(&bytes).unwrap();
    Pair {
        _dir: dir,
        therapist,
        client,
        id,
    }
}

fn exchange(a: &mut Store, b: &mut Store, id: &AgreementId) {
    let from_a = a.export(id).unwrap();
    let from_b = b.export(id).unwrap();
    b.import(&from_a).unwrap();
    a.import(&from_b).unwrap();
}

#[test]
fn a_drafted_agreement_has_the_seed_defaults_and_is_a_draft() {
    let p = pair();
    let view = p.client.agreement(&p.id).unwrap();
    assert_eq!(view.terms.therapist_name, "Dr T");
    assert_eq!(view.resources.len(), 2);
    assert_eq!(view.assessment.status, AgreementStatus::Draft);
    assert_eq!(view.assessment.missing, vec![Role::Client, Role::Therapist]);
}

#[test]
fn signing_walks_through_every_status() {
    let mut p = pair();
    let now = at("2026-03-02T11:00:00Z");
    assert_eq!(
        p.therapist.sign(&p.id, now).unwrap(),
        AgreementStatus::AwaitingSignatures
    );
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert_eq!(p.client.sign(&p.id, now).unwrap(), AgreementStatus::Active);
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert_eq!(
        p.therapist.agreement(&p.id).unwrap().assessment.status,
        AgreementStatus::Active
    );
    p.therapist
        .set_term(&p.id, TermKey::LockoutHours, "12", now)
        .unwrap();
    assert_eq!(
        p.therapist.agreement(&p.id).unwrap().assessment.status,
        AgreementStatus::NeedsResigning
    );
}

#[test]
fn a_write_is_durable_and_the_projection_matches_a_rebuild() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let start = CallStart::new(
        CallReason::Coaching,
        Some("rough day"),
        &["TIPP".into()],
        Some(4),
    )
    .unwrap();
    let call = p.client.start_call(&p.id, start, now).unwrap();
    p.client
        .end_call(
            &p.id,
            call.as_str(),
            CallEnd::new(&["STOP".into()], Some(2), None).unwrap(),
            now.plus_minutes(6),
        )
        .unwrap();
    p.client
        .report_behavior(&p.id, None, now.plus_hours(1), now.plus_hours(2))
        .unwrap();
    let before = p.client.projection_dump(&p.id).unwrap();
    p.client.rebuild_projection(&p.id).unwrap();
    assert_eq!(p.client.projection_dump(&p.id).unwrap(), before);

    exchange(&mut p.client, &mut p.therapist, &p.id);
    let merged = p.therapist.projection_dump(&p.id).unwrap();
    p.therapist.rebuild_projection(&p.id).unwrap();
    assert_eq!(p.therapist.projection_dump(&p.id).unwrap(), merged);
    assert_eq!(merged, before);
    assert_eq!(p.therapist.log(&p.id, 50).unwrap().len(), 2);
}

#[test]
fn many_writes_compact_into_a_snapshot_and_reload_identically() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    for i in 0..(chunks::COMPACT_AFTER_CHUNKS + 5) {
        let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
        p.client
            .start_call(&p.id, start, now.plus_minutes(i))
            .unwrap();
    }
    let count: i64 = p
        .client
        .conn
        .query_row("SELECT count(*) FROM chunks", [], |r| r.get(0))
        .unwrap();
    assert!(count < 20, "{count} chunks after compaction");
    let heads = p.client.heads(&p.id).unwrap();
    let path = p.client.conn.path().unwrap().to_owned();
    drop(p.client);
    let mut reopened = Store::open(path).unwrap();
    assert_eq!(reopened.heads(&p.id).unwrap(), heads);
    assert_eq!(
        reopened.log(&p.id, 500).unwrap().len() as i64,
        chunks::COMPACT_AFTER_CHUNKS + 5
    );
}

#[test]
fn files_that_are_not_stores_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"this is not a database at all").unwrap();
    assert!(matches!(Store::open(&text), Err(Error::StoreUnusable(_))));
    assert_eq!(
        std::fs::read(&text).unwrap(),
        b"this is not a database at all"
    );

    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let before = std::fs::read(&other).unwrap();
    assert!(matches!(Store::open(&other), Err(Error::StoreUnusable(_))));
    assert_eq!(std::fs::read(&other).unwrap(), before);

    let newer = dir.path().join("newer.db");
    Store::open(&newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&newer).err().unwrap();
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn imports_of_foreign_bytes_leave_the_store_unchanged() {
    let mut p = pair();
    let before = p.client.projection_dump(&p.id).unwrap();
    let heads = p.client.heads(&p.id).unwrap();
    assert!(matches!(
        p.client.import(b"garbage"),
        Err(Error::NotAnAgreement(_))
    ));
    let mut other = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut other, automerge::ROOT, "hello", "world")
        .unwrap();
    assert!(matches!(
        p.client.import(&other.save()),
        Err(Error::NotAnAgreement(_))
    ));
    assert_eq!(p.client.projection_dump(&p.id).unwrap(), before);
    assert_eq!(p.client.heads(&p.id).unwrap(), heads);
}

#[test]
fn the_last_resource_cannot_be_removed() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let ids: Vec<_> = p
        .therapist
        .agreement(&p.id)
        .unwrap()
        .resources
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    p.therapist.remove_resource(&p.id, &ids[0], now).unwrap();
    let err = p
        .therapist
        .remove_resource(&p.id, &ids[1], now)
        .unwrap_err();
    assert!(err.is_bad_input());
    assert_eq!(p.therapist.agreement(&p.id).unwrap().resources.len(), 1);
}

#[test]
fn concurrent_removals_never_leave_a_client_without_resources() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    let ids: Vec<_> = p
        .therapist
        .agreement(&p.id)
        .unwrap()
        .resources
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    p.therapist.remove_resource(&p.id, &ids[0], now).unwrap();
    p.client.remove_resource(&p.id, &ids[1], now).unwrap();
    exchange(&mut p.therapist, &mut p.client, &p.id);
    assert_eq!(
        p.client.agreement(&p.id).unwrap().resources,
        crate::model::Resource::defaults()
    );
}

#[test]
fn clients_cannot_draft_and_stores_hold_one_identity() {
    let mut p = pair();
    let now = at("2026-03-02T12:00:00Z");
    assert!(matches!(
        p.client.create_agreement("x", None, now),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        p.client.init(Role::Client, "again", now),
        Err(Error::AlreadyInitialized)
    ));
}
