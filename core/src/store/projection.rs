//! The relational projection of each agreement document.
//!
//! Every screen reads these tables, never the CRDT: loading and walking a five-year
//! document takes tens of milliseconds, an indexed query microseconds. The tables are
//! brought up to date from the entries a change touched ([`apply`]) in the same
//! transaction that stores the change, and can always be rebuilt from the document
//! alone ([`rebuild`]); a test checks that both paths agree.

use std::collections::BTreeMap;

use automerge::{AutoCommit, ChangeHash};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use crate::doc::{self, Changed, Collection, Entry};
use crate::error::{Error, Result};
use crate::identity::{self, SignatureRecord};
use crate::model::{
    AgreementId, Behavior, Call, EntryId, Holiday, Pairing, Report, Resource, Role, Session,
    Signature, TermKey, Terms,
};
use crate::time::Timestamp;

/// The small integer codes of the `calls` and `reports` tables (see the schema).
pub(super) mod codes {
    use crate::error::{Error, Result};
    use crate::model::{CallOutcome, CallReason, Role};

    const OUTCOMES: [CallOutcome; 3] = [
        CallOutcome::Completed,
        CallOutcome::Missed,
        CallOutcome::Declined,
    ];

    fn position<T: PartialEq>(all: &[T], value: T) -> i64 {
        all.iter()
            .position(|v| *v == value)
            .expect("every value has a code") as i64
    }

    fn decode<T: Copy>(all: &[T], code: i64) -> Result<T> {
        usize::try_from(code)
            .ok()
            .and_then(|i| all.get(i).copied())
            .ok_or_else(|| Error::StoreUnusable("a stored code is damaged".into()))
    }

    pub fn role(role: Role) -> i64 {
        position(&Role::ALL, role)
    }

    pub fn to_role(code: i64) -> Result<Role> {
        decode(&Role::ALL, code)
    }

    pub fn reason(reason: CallReason) -> i64 {
        position(&CallReason::ALL, reason)
    }

    pub fn to_reason(code: i64) -> Result<CallReason> {
        decode(&CallReason::ALL, code)
    }

    pub fn outcome(outcome: CallOutcome) -> i64 {
        position(&OUTCOMES, outcome)
    }

    pub fn to_outcome(code: i64) -> Result<CallOutcome> {
        decode(&OUTCOMES, code)
    }
}

fn table(collection: Collection) -> &'static str {
    match collection {
        Collection::Edits => "term_edits",
        Collection::Resources => "resources",
        Collection::Behaviors => "behaviors",
        Collection::Holidays => "holidays",
        Collection::Signatures => "signatures",
        Collection::Calls => "calls",
        Collection::Reports => "reports",
        Collection::Sessions => "sessions",
        Collection::Pairings => "pairings",
    }
}

/// The `kind` of a small collection's rows in the shared table `entries`; `None` for
/// calls and reports, which have tables of their own. The codes, and which of the
/// columns `a` to `h` holds which field, are the schema's (version 3).
fn kind(collection: Collection) -> Option<i64> {
    match collection {
        Collection::Edits => Some(0),
        Collection::Resources => Some(1),
        Collection::Behaviors => Some(2),
        Collection::Holidays => Some(3),
        Collection::Signatures => Some(4),
        Collection::Sessions => Some(5),
        Collection::Pairings => Some(6),
        Collection::Calls | Collection::Reports => None,
    }
}

/// Deletes the row of entry `id` of a collection, or every row of the collection
/// when `id` is `None`.
fn delete(
    tx: &Transaction<'_>,
    ag: i64,
    collection: Collection,
    id: Option<&EntryId>,
) -> Result<()> {
    let id = id.map(EntryId::to_bytes);
    let (from, kind) = match kind(collection) {
        Some(kind) => ("entries", format!(" AND kind = {kind}")),
        None => (table(collection), String::new()),
    };
    match id {
        Some(id) => tx
            .prepare_cached(&format!(
                "DELETE FROM {from} WHERE ag = ?1{kind} AND id = ?2"
            ))?
            .execute(params![ag, id])?,
        None => tx
            .prepare_cached(&format!("DELETE FROM {from} WHERE ag = ?1{kind}"))?
            .execute(params![ag])?,
    };
    Ok(())
}

/// An id as the projection stores it: its 8 bytes (see [`EntryId::to_bytes`]).
fn key(id: &EntryId) -> [u8; 8] {
    id.to_bytes()
}

fn lines(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| items.join("\n"))
}

fn split(text: Option<String>) -> Vec<String> {
    text.map(|t| t.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

pub fn heads_bytes(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// The terms as stored in `agreements.terms`: a JSON object of their text forms.
pub fn terms_json(terms: &Terms) -> String {
    let map: BTreeMap<&str, String> = TermKey::ALL
        .iter()
        .map(|k| (k.doc_key(), terms.get(*k)))
        .collect();
    serde_json::to_string(&map).expect("strings always serialize")
}

fn terms_from_json(json: &str) -> Result<Terms> {
    let map: BTreeMap<String, String> = serde_json::from_str(json)
        .map_err(|_| Error::StoreUnusable("the stored terms are damaged".into()))?;
    Terms::from_texts(|k| map.get(k.doc_key()).cloned())
}

/// Writes (or replaces) the row of one entry.
fn upsert(tx: &Transaction<'_>, ag: i64, agreement: &AgreementId, entry: &Entry) -> Result<()> {
    match entry {
        Entry::Edit(e) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b, c, d) \
                 VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                ag,
                key(&e.id),
                e.term.doc_key(),
                e.by.as_str(),
                e.name,
                e.at.millis()
            ]),
        Entry::Resource {
            resource: r,
            removed,
        } => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b, c, d) \
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                ag,
                key(&r.id),
                r.name,
                r.contact,
                r.added_at.millis(),
                removed
            ]),
        Entry::Behavior(b) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b, c) \
                 VALUES (?1, 2, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                ag,
                key(&b.id),
                b.label,
                b.triggers_lockout,
                b.removed
            ]),
        Entry::Holiday {
            holiday: h,
            removed,
        } => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b, c, d) \
                 VALUES (?1, 3, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                ag,
                key(&h.id),
                h.from.to_string(),
                h.to.to_string(),
                h.note,
                removed
            ]),
        Entry::Signature(s) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b, c, d, e, f, g, h) \
                 VALUES (?1, 4, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                ag,
                key(&s.id),
                s.role.as_str(),
                s.name,
                s.signed_at.millis(),
                s.public_key,
                s.terms_hash,
                s.signature,
                identity::verifies(agreement, s),
                s.signed_terms,
            ]),
        Entry::Call(c) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO calls VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                ag,
                c.started_at.millis(),
                key(&c.id),
                codes::reason(c.reason),
                codes::role(c.started_by),
                c.ended_at.map(|end| end.millis() - c.started_at.millis()),
                c.situation,
                lines(&c.tried),
                c.urge_before.map(|u| u.value()),
                lines(&c.suggested),
                c.urge_after.map(|u| u.value()),
                c.outcome.map(codes::outcome),
                c.returns.as_ref().map(key),
                lines(&c.shown_resources),
            ]),
        Entry::Report(r) => tx
            .prepare_cached("INSERT OR REPLACE INTO reports VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
            .execute(params![
                ag,
                r.occurred_at.millis(),
                key(&r.id),
                r.behavior.as_ref().map(key),
                r.reported_at.millis(),
                codes::role(r.reported_by),
                r.retracted_at.map(Timestamp::millis),
            ]),
        Entry::Pairing(p) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b, c, d, e, f, g, h) \
                 VALUES (?1, 6, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                ag,
                key(&p.id),
                p.role.as_str(),
                p.key,
                p.paired_at.millis(),
                p.invitation,
                p.sync_key,
                p.proof,
                p.by_key,
                p.signature,
            ]),
        Entry::Session(s) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO entries (ag, kind, id, a, b) VALUES (?1, 5, ?2, ?3, ?4)",
            )?
            .execute(params![
                ag,
                key(&s.id),
                s.at.millis(),
                s.recorded_by.as_str()
            ]),
    }?;
    Ok(())
}

fn project_entry(
    tx: &Transaction<'_>,
    ag: i64,
    agreement: &AgreementId,
    doc: &AutoCommit,
    collection: Collection,
    key: &str,
) -> Result<()> {
    match doc::read_entry(doc, collection, key)? {
        Some(entry) => upsert(tx, ag, agreement, &entry),
        // A key that is not an id has no row to delete.
        None => match EntryId::parse("id", key) {
            Ok(id) if id.as_str() == key => delete(tx, ag, collection, Some(&id)),
            _ => Ok(()),
        },
    }
}

/// Brings the projection up to date with the entries a change touched.
pub fn apply(
    tx: &Transaction<'_>,
    ag: i64,
    agreement: &AgreementId,
    doc: &AutoCommit,
    changed: &Changed,
) -> Result<()> {
    if changed.agreement {
        let terms = doc::read_terms(doc)?;
        tx.prepare_cached("UPDATE agreements SET terms = ?2 WHERE ag = ?1")?
            .execute(params![ag, terms_json(&terms)])?;
    }
    for collection in &changed.whole {
        delete(tx, ag, *collection, None)?;
        for key in doc::entry_keys(doc, *collection)? {
            project_entry(tx, ag, agreement, doc, *collection, &key)?;
        }
    }
    for (collection, keys) in &changed.entries {
        if changed.whole.contains(collection) {
            continue;
        }
        for key in keys {
            project_entry(tx, ag, agreement, doc, *collection, key)?;
        }
    }
    Ok(())
}

/// Recomputes every row of an agreement from its document alone.
pub fn rebuild(tx: &Transaction<'_>, ag: i64, doc: &AutoCommit) -> Result<()> {
    let snapshot = doc::read_agreement(doc)?;
    tx.prepare_cached("UPDATE agreements SET terms = ?2 WHERE ag = ?1")?
        .execute(params![ag, terms_json(&snapshot.terms)])?;
    for collection in Collection::ALL {
        delete(tx, ag, collection, None)?;
    }
    for entry in &snapshot.entries {
        upsert(tx, ag, &snapshot.header.id, entry)?;
    }
    Ok(())
}

/// Heads stored as concatenated 32-byte hashes.
pub fn heads_from(bytes: &[u8]) -> Result<Vec<ChangeHash>> {
    bytes
        .chunks(32)
        .map(|c| {
            ChangeHash::try_from(c)
                .map_err(|_| Error::StoreUnusable("stored document heads are damaged".into()))
        })
        .collect()
}

/// The document heads the projection of an agreement reflects.
pub fn heads(conn: &Connection, ag: i64) -> Result<Vec<ChangeHash>> {
    let bytes: Vec<u8> = conn
        .prepare_cached("SELECT heads FROM agreements WHERE ag = ?1")?
        .query_row([ag], |r| r.get(0))?;
    heads_from(&bytes)
}

pub fn set_heads(tx: &Transaction<'_>, ag: i64, heads: &[ChangeHash]) -> Result<()> {
    tx.prepare_cached("UPDATE agreements SET heads = ?2 WHERE ag = ?1")?
        .execute(params![ag, heads_bytes(heads)])?;
    Ok(())
}

// ---- Reads ---------------------------------------------------------------------

fn role(text: String) -> Result<Role> {
    text.parse()
        .map_err(|_| Error::StoreUnusable("a stored role is damaged".into()))
}

fn entry_id(bytes: Vec<u8>) -> Result<EntryId> {
    EntryId::from_bytes(&bytes).ok_or_else(|| Error::StoreUnusable("a stored id is damaged".into()))
}

pub fn agreement_key(conn: &Connection, id: &AgreementId) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT ag FROM agreements WHERE id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?)
}

pub fn terms(conn: &Connection, ag: i64) -> Result<Terms> {
    let json: String = conn
        .prepare_cached("SELECT terms FROM agreements WHERE ag = ?1")?
        .query_row([ag], |r| r.get(0))?;
    terms_from_json(&json)
}

/// The crisis resources in force: the ones not removed, or — if concurrent removals
/// on two phones ever left none — the defaults, so a client is never shown nothing.
pub fn resources(conn: &Connection, ag: i64) -> Result<Vec<Resource>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, a, b, c FROM entries \
         WHERE ag = ?1 AND kind = 1 AND d = 0 ORDER BY c, id",
    )?;
    let rows = stmt.query_map([ag], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, contact, added_at) = row?;
        out.push(Resource {
            id: entry_id(id)?,
            name,
            contact,
            added_at: Timestamp::from_millis(added_at),
        });
    }
    if out.is_empty() {
        out = Resource::defaults();
    }
    Ok(out)
}

/// Every behaviour, removed ones included (past reports still name them).
pub fn behaviors(conn: &Connection, ag: i64) -> Result<Vec<Behavior>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, a, b, c FROM entries WHERE ag = ?1 AND kind = 2 ORDER BY id")?;
    let rows = stmt.query_map([ag], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, label, triggers_lockout, removed) = row?;
        out.push(Behavior {
            id: entry_id(id)?,
            label,
            triggers_lockout,
            removed,
        });
    }
    Ok(out)
}

pub fn holidays(conn: &Connection, ag: i64) -> Result<Vec<Holiday>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, a, b, c FROM entries \
         WHERE ag = ?1 AND kind = 3 AND d = 0 ORDER BY a, id",
    )?;
    let rows = stmt.query_map([ag], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, from, to, note): (Vec<u8>, String, String, Option<String>) = row?;
        let date = |t: &str| {
            Holiday::parse_date("date", t)
                .map_err(|_| Error::StoreUnusable("a stored date is damaged".into()))
        };
        out.push(Holiday {
            id: entry_id(id)?,
            from: date(&from)?,
            to: date(&to)?,
            note,
        });
    }
    Ok(out)
}

pub fn pairings(conn: &Connection, ag: i64) -> Result<Vec<Pairing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, a, b, c, d, e, f, g, h FROM entries WHERE ag = ?1 AND kind = 6 \
         ORDER BY c, id",
    )?;
    let mut rows = stmt.query([ag])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(Pairing {
            id: entry_id(r.get(0)?)?,
            role: role(r.get(1)?)?,
            key: r.get(2)?,
            paired_at: Timestamp::from_millis(r.get(3)?),
            invitation: r.get(4)?,
            sync_key: r.get(5)?,
            proof: r.get(6)?,
            by_key: r.get(7)?,
            signature: r.get(8)?,
        });
    }
    Ok(out)
}

pub fn signatures(conn: &Connection, ag: i64) -> Result<Vec<SignatureRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, a, b, c, d, e, f, g, h FROM entries WHERE ag = ?1 AND kind = 4 \
         ORDER BY c, id",
    )?;
    let mut rows = stmt.query([ag])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(SignatureRecord {
            signature: Signature {
                id: entry_id(r.get(0)?)?,
                role: role(r.get(1)?)?,
                name: r.get(2)?,
                signed_at: Timestamp::from_millis(r.get(3)?),
                public_key: r.get(4)?,
                terms_hash: r.get(5)?,
                signature: r.get(6)?,
                signed_terms: r.get(8)?,
            },
            verifies: r.get(7)?,
        });
    }
    Ok(out)
}

const CALL_COLUMNS: &str =
    "id, reason, started_by, started_at, started_at + duration, situation, tried, \
    urge_before, suggested, urge_after, outcome, returns, shown_resources";

fn call_from_row(r: &Row<'_>) -> Result<Call> {
    let damaged = || Error::StoreUnusable("a stored call is damaged".into());
    let urge = |v: Option<i64>| {
        v.map(|n| crate::model::Urge::new("urge", n).map_err(|_| damaged()))
            .transpose()
    };
    Ok(Call {
        id: entry_id(r.get(0)?)?,
        reason: codes::to_reason(r.get(1)?)?,
        started_by: codes::to_role(r.get(2)?)?,
        started_at: Timestamp::from_millis(r.get(3)?),
        ended_at: r.get::<_, Option<i64>>(4)?.map(Timestamp::from_millis),
        situation: r.get(5)?,
        tried: split(r.get(6)?),
        urge_before: urge(r.get(7)?)?,
        suggested: split(r.get(8)?),
        urge_after: urge(r.get(9)?)?,
        outcome: r
            .get::<_, Option<i64>>(10)?
            .map(codes::to_outcome)
            .transpose()?,
        returns: r.get::<_, Option<Vec<u8>>>(11)?.map(entry_id).transpose()?,
        shown_resources: split(r.get(12)?),
    })
}

/// Calls started at or after `since`, oldest first.
pub fn calls_since(conn: &Connection, ag: i64, since: Timestamp) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE ag = ?1 AND started_at >= ?2 ORDER BY started_at, id"
    ))?;
    let mut rows = stmt.query(params![ag, since.millis()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(call_from_row(row)?);
    }
    Ok(out)
}

/// One call, by id.
pub fn call_by_id(conn: &Connection, ag: i64, id: &EntryId) -> Result<Option<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE ag = ?1 AND id = ?2"
    ))?;
    let mut rows = stmt.query(params![ag, id.to_bytes().to_vec()])?;
    rows.next()?.map(call_from_row).transpose()
}

/// When the last completed call at or before `at` started: every callback request
/// before it has been answered (see [`crate::rules::callbacks`]).
pub fn last_completed_call(conn: &Connection, ag: i64, at: Timestamp) -> Result<Option<Timestamp>> {
    Ok(conn
        .prepare_cached(
            "SELECT started_at FROM calls WHERE ag = ?1 AND started_at <= ?2 AND outcome = 0 \
             ORDER BY started_at DESC LIMIT 1",
        )?
        .query_row(params![ag, at.millis()], |r| r.get(0))
        .optional()?
        .map(Timestamp::from_millis))
}

/// The newest calls first.
pub fn latest_calls(conn: &Connection, ag: i64, limit: usize) -> Result<Vec<Call>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM calls WHERE ag = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![ag, limit as i64])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(call_from_row(row)?);
    }
    Ok(out)
}

fn report_from_row(r: &Row<'_>) -> Result<Report> {
    Ok(Report {
        id: entry_id(r.get(0)?)?,
        behavior: r.get::<_, Option<Vec<u8>>>(1)?.map(entry_id).transpose()?,
        occurred_at: Timestamp::from_millis(r.get(2)?),
        reported_at: Timestamp::from_millis(r.get(3)?),
        reported_by: codes::to_role(r.get(4)?)?,
        retracted_at: r.get::<_, Option<i64>>(5)?.map(Timestamp::from_millis),
    })
}

const REPORT_COLUMNS: &str = "id, behavior, occurred_at, reported_at, reported_by, retracted_at";

/// Reports that occurred at or after `since`, oldest first.
pub fn reports_since(conn: &Connection, ag: i64, since: Timestamp) -> Result<Vec<Report>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE ag = ?1 AND occurred_at >= ?2 ORDER BY occurred_at, id"
    ))?;
    let mut rows = stmt.query(params![ag, since.millis()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(report_from_row(row)?);
    }
    Ok(out)
}

pub fn latest_reports(conn: &Connection, ag: i64, limit: usize) -> Result<Vec<Report>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE ag = ?1 ORDER BY occurred_at DESC, id DESC LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![ag, limit as i64])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(report_from_row(row)?);
    }
    Ok(out)
}

pub fn sessions(conn: &Connection, ag: i64) -> Result<Vec<Session>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, a, b FROM entries WHERE ag = ?1 AND kind = 5 ORDER BY a, id")?;
    let rows = stmt.query_map([ag], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, by) = row?;
        out.push(Session {
            id: entry_id(id)?,
            at: Timestamp::from_millis(at),
            recorded_by: role(by)?,
        });
    }
    Ok(out)
}

/// A dump of every projected row of an agreement, in a stable order: what the
/// rebuild test compares.
pub fn dump(conn: &Connection, ag: i64) -> Result<Vec<String>> {
    let mut out =
        vec![
            conn.query_row("SELECT terms FROM agreements WHERE ag = ?1", [ag], |r| {
                r.get::<_, String>(0)
            })?,
        ];
    for collection in Collection::ALL {
        let name = table(collection);
        let mut stmt = conn.prepare(&match kind(collection) {
            Some(kind) => {
                format!("SELECT * FROM entries WHERE ag = ?1 AND kind = {kind} ORDER BY id")
            }
            None => format!("SELECT * FROM {name} WHERE ag = ?1 ORDER BY id"),
        })?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([ag])?;
        while let Some(row) = rows.next()? {
            let values: Vec<String> = (0..columns)
                .map(|i| row.get_ref(i).map(|v| format!("{v:?}")))
                .collect::<rusqlite::Result<_>>()?;
            out.push(format!("{name}: {}", values.join(" | ")));
        }
    }
    Ok(out)
}
