//! Admission: nothing from outside is trusted because it merged.
//!
//! Automerge merges whatever it is given: a change may delete an entry, clear a
//! removal, rewrite when a behaviour occurred, or replace the whole `terms` map by a
//! rival one that wins the conflict. Reading only the merged result cannot tell a
//! rewrite from a legitimate edit, so every change new to this store (from an import
//! or a sync message) is checked here, operation by operation, against what a
//! Coachline app ever writes:
//!
//! - the root map is written once, by the agreement's first change: a later change
//!   that writes a root key (the id, the creation time, the drafting therapist's key,
//!   the schema, or a new `terms` or collection map) changes the agreement's header;
//! - a document has one first change: another change without dependencies starts a
//!   different document that merely reuses the id (a look-alike);
//! - nothing is ever deleted: not an entry, not a field, not a tombstone (Automerge's
//!   own delete of the losing values, when a term is set again over a conflict, is
//!   admitted as long as the term keeps a value);
//! - an entry's fields are written by the change that creates it, and afterwards
//!   only the fields its life adds, each once: a call's end (`ended_at`, `outcome`,
//!   `suggested`, `urge_after`), a removal (`removed_at`), a retraction
//!   (`retracted_at`). Writing over a value already there (an operation with a
//!   predecessor) is rewriting history, and so is creating an entry under an id that
//!   exists. So the time and author of a logged event never move, and a tombstone,
//!   once set, stays set;
//! - terms are strings under the known term keys; entries are maps in collections;
//!   nothing else (lists, text, counters, marks) is ever written;
//! - a phone writes only as its own party: when a change's author is known (its
//!   actor starts with the device id of a key the agreement records, see
//!   [`Authors`]), the entries it creates name that party as who started the call,
//!   reported, recorded, edited or signed; only a therapist returns a call; and a
//!   pairing record names a phone of the other party.
//!
//! The checks read each change's operations and resolve the object each one writes
//! into once, so their cost follows the size of what arrived, not of the history.
//! What each admitted entry contains is then read back strictly ([`super::read`])
//! before the store keeps it.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ObjType, Prop, ReadDoc, ScalarValue};
use sha2::{Digest, Sha256};

use super::Collection;
use crate::model::{Role, TermKey};

/// Why a change from outside was refused. Says which rule, never what the change
/// contained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// Not a change of this agreement: a document that does not descend from the
    /// agreement's first change, even if it carries the same id.
    ForeignDocument,
    /// Writes the agreement's header (id, creation time, drafting therapist's key,
    /// schema) or replaces its terms or collections after the agreement was created.
    HeaderChanged,
    /// Deletes an entry, a field or a tombstone: history is never deleted.
    Deletion,
    /// Rewrites history: a field of an existing entry other than the ones its life
    /// adds, a value written before, or an entry id that already exists.
    HistoryRewritten,
    /// Writes something no Coachline app writes (lists, text, counters, an unknown
    /// term, a value outside an entry).
    Malformed,
    /// Writes what the author's party may not: an entry in the other party's name
    /// (their signature, their call or report), or a return call by a client.
    NotPermitted,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ForeignDocument => {
                "it is not this agreement: it does not descend from the agreement's first change"
            }
            Self::HeaderChanged => {
                "it changes the agreement's header (id, creation time, therapist's key or schema)"
            }
            Self::Deletion => "it deletes history (entries, fields and removals are never deleted)",
            Self::HistoryRewritten => {
                "it rewrites history (a logged time or author, an entry's content, or a removal)"
            }
            Self::Malformed => "it writes what no Coachline app writes",
            Self::NotPermitted => {
                "it writes in the other party's name (a signature, a call, a report, a pairing)"
            }
        })
    }
}

/// What an operation writes into.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Root,
    Terms,
    Collection(Collection),
    /// An entry, with the change that created it if that change is being admitted.
    Entry {
        collection: Collection,
        created_by: Option<ChangeHash>,
    },
}

/// The fields an entry's life adds after it was created; each is written once.
fn added_later(collection: Collection, field: &str) -> bool {
    match collection {
        Collection::Calls => matches!(field, "ended_at" | "outcome" | "suggested" | "urge_after"),
        Collection::Resources | Collection::Behaviors | Collection::Holidays => {
            field == "removed_at"
        }
        Collection::Reports => field == "retracted_at",
        Collection::Edits
        | Collection::Signatures
        | Collection::Sessions
        | Collection::Pairings => false,
    }
}

/// Who wrote a change, as far as this store can tell: the party of each device id
/// (the first 8 bytes of an actor, see `Store`'s writer actors).
#[derive(Clone, Debug, Default)]
pub struct Authors {
    parties: HashMap<[u8; 8], Role>,
}

impl Authors {
    /// Records that the device with this identity key writes for `role`.
    pub fn add(&mut self, identity_key: &[u8], role: Role) {
        let digest = Sha256::digest(identity_key);
        let device: [u8; 8] = digest[..8].try_into().expect("8 of 32 bytes");
        self.parties.insert(device, role);
    }

    fn of(&self, actor: &ActorId) -> Option<Role> {
        let device: [u8; 8] = actor.to_bytes().get(..8)?.try_into().ok()?;
        self.parties.get(&device).copied()
    }
}

/// Checks the changes `doc` gained since the heads `before`, already applied to it.
/// With no heads before, the document is new to this store and its first change is
/// among them. `authors` names the party of the devices this store knows.
pub fn admit(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    authors: &Authors,
) -> Result<(), Violation> {
    let changes = doc.get_changes(before);
    let mut admission = Admission {
        doc,
        authors,
        objects: HashMap::new(),
        made: HashSet::new(),
    };
    let mut first_seen = !before.is_empty();
    for change in &changes {
        let first = change.deps().is_empty();
        if first && first_seen {
            return Err(Violation::ForeignDocument);
        }
        first_seen |= first;
        admission.change(change, first)?;
    }
    Ok(())
}

struct Admission<'d> {
    doc: &'d AutoCommit,
    authors: &'d Authors,
    /// Objects already resolved, by the operation that made them.
    objects: HashMap<OpId, Target>,
    /// Entries created by the changes being admitted.
    made: HashSet<(Collection, String)>,
}

impl Admission<'_> {
    fn change(&mut self, change: &Change, first: bool) -> Result<(), Violation> {
        let hash = change.hash();
        let author = self.authors.of(change.actor_id());
        let start = change.start_op().get();
        let expanded = change.decode();
        for (n, op) in expanded.operations.iter().enumerate() {
            let Key::Map(key) = &op.key else {
                return Err(Violation::Malformed);
            };
            if op.insert {
                return Err(Violation::Malformed);
            }
            let target = self.target(&op.obj)?;
            let made = match (&op.action, &target) {
                // Automerge writes a term's value again, over a conflict, as a delete
                // of the values that lost it: the term keeps a value.
                (OpType::Delete, Target::Terms) if self.term_is_set(key) => None,
                (OpType::Delete, _) => return Err(Violation::Deletion),
                (OpType::Increment(_) | OpType::MarkBegin(_) | OpType::MarkEnd(_), _) => {
                    return Err(Violation::Malformed)
                }
                // The first change lays out the agreement; reading it checks the result.
                (OpType::Make(_), Target::Root) if first => root_object(key),
                (_, Target::Root) if first => None,
                (_, Target::Root) => return Err(Violation::HeaderChanged),
                (OpType::Put(ScalarValue::Str(_)), Target::Terms) => {
                    key.parse::<TermKey>().map_err(|_| Violation::Malformed)?;
                    None
                }
                (_, Target::Terms) => return Err(Violation::Malformed),
                (OpType::Make(ObjType::Map), Target::Collection(collection)) => {
                    self.new_entry(*collection, key, !op.pred.is_empty())?;
                    Some(Target::Entry {
                        collection: *collection,
                        created_by: Some(hash),
                    })
                }
                (_, Target::Collection(_)) => return Err(Violation::Malformed),
                (
                    OpType::Put(value),
                    Target::Entry {
                        collection,
                        created_by,
                    },
                ) => {
                    let creating = *created_by == Some(hash);
                    if !creating && (!added_later(*collection, key) || !op.pred.is_empty()) {
                        return Err(Violation::HistoryRewritten);
                    }
                    if let Some(author) = author.filter(|_| creating) {
                        permitted(author, *collection, key, value)?;
                    }
                    if matches!(value, ScalarValue::Null) {
                        return Err(Violation::Malformed);
                    }
                    None
                }
                (OpType::Make(_), Target::Entry { .. }) => return Err(Violation::Malformed),
            };
            if let Some(made) = made {
                self.objects
                    .insert(OpId(start + n as u64, change.actor_id().clone()), made);
            }
        }
        Ok(())
    }

    /// Whether the term `key` has a value in the merged document.
    fn term_is_set(&self, key: &str) -> bool {
        let terms = self.doc.get(automerge::ROOT, "terms").ok().flatten();
        terms.is_some_and(|(_, obj)| matches!(self.doc.get(&obj, key), Ok(Some(_))))
    }

    /// A new entry `key` in a collection: refused if the id exists already.
    fn new_entry(
        &mut self,
        collection: Collection,
        key: &str,
        overwrites: bool,
    ) -> Result<(), Violation> {
        let exists = || {
            let Ok(Some((_, map))) = self.doc.get(automerge::ROOT, collection.key()) else {
                return true;
            };
            self.doc
                .get_all(&map, key)
                .map_or(true, |all| all.len() > 1)
        };
        if overwrites || !self.made.insert((collection, key.to_owned())) || exists() {
            return Err(Violation::HistoryRewritten);
        }
        Ok(())
    }

    /// The object an operation writes into, resolved once per object.
    fn target(&mut self, obj: &ObjectId) -> Result<Target, Violation> {
        let ObjectId::Id(id) = obj else {
            return Ok(Target::Root);
        };
        if let Some(target) = self.objects.get(id) {
            return Ok(target.clone());
        }
        let target = resolve(self.doc, id).ok_or(Violation::Malformed)?;
        self.objects.insert(id.clone(), target.clone());
        Ok(target)
    }
}

/// Whether `author`'s party may create an entry with this field and value: the
/// fields that name a party must name the author's (the other party's, for a
/// pairing record), and only a therapist returns a call.
fn permitted(
    author: Role,
    collection: Collection,
    field: &str,
    value: &ScalarValue,
) -> Result<(), Violation> {
    let names = |role: Role| matches!(value, ScalarValue::Str(s) if s.as_str() == role.as_str());
    let allowed = match (collection, field) {
        (Collection::Calls, "started_by")
        | (Collection::Reports, "reported_by")
        | (Collection::Sessions, "recorded_by")
        | (Collection::Edits, "by")
        | (Collection::Signatures, "role") => names(author),
        (Collection::Pairings, "role") => names(author.other()),
        (Collection::Calls, "returns") => author == Role::Therapist,
        _ => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(Violation::NotPermitted)
    }
}

/// What the first change makes under the root: the terms map or a collection.
fn root_object(key: &str) -> Option<Target> {
    match Collection::from_key(key) {
        Some(collection) => Some(Target::Collection(collection)),
        None => (key == "terms").then_some(Target::Terms),
    }
}

/// Where an object that existed before sits in the document.
fn resolve(doc: &AutoCommit, id: &OpId) -> Option<Target> {
    let obj = doc
        .import_obj(&format!("{}@{}", id.counter(), id.actor()))
        .ok()?;
    let path = doc.parents(&obj).ok()?.path();
    match path.as_slice() {
        [(_, Prop::Map(key))] => root_object(key),
        [(_, Prop::Map(key)), (_, Prop::Map(_))] => {
            Collection::from_key(key).map(|collection| Target::Entry {
                collection,
                created_by: None,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ROOT};

    use super::*;
    use crate::doc::{Author, Writer};
    use crate::model::{
        AgreementId, Behavior, CallEnd, CallReason, CallStart, EntryId, Report, Resource, Role,
        TermKey, Terms,
    };
    use crate::time::Timestamp;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000).plus_minutes(minutes)
    }

    /// An agreement with a call, a behaviour and a report, and their ids.
    struct Fixture {
        doc: AutoCommit,
        id: AgreementId,
        call: EntryId,
        behavior: EntryId,
        report: EntryId,
    }

    fn fixture() -> Fixture {
        let id = AgreementId::random();
        let mut doc = AutoCommit::new();
        let terms = Terms::seed("C", "T", "UTC".parse().unwrap()).unwrap();
        Writer::new(&mut doc)
            .create(&id, &terms, &Resource::defaults(), &[7; 32], at(0))
            .unwrap();
        doc.commit();
        let call = CallStart::new(CallReason::Coaching, None, &[], None)
            .unwrap()
            .into_call(Role::Client, at(1));
        let behavior = Behavior::new("b", true).unwrap();
        let report = Report {
            id: EntryId::random(),
            behavior: Some(behavior.id.clone()),
            occurred_at: at(2),
            reported_at: at(2),
            reported_by: Role::Client,
            retracted_at: None,
        };
        let mut w = Writer::new(&mut doc);
        w.put_call(&call).unwrap();
        w.put_behavior(&behavior).unwrap();
        w.put_report(&report).unwrap();
        doc.commit();
        Fixture {
            doc,
            id,
            call: call.id,
            behavior: behavior.id,
            report: report.id,
        }
    }

    fn entry(doc: &AutoCommit, collection: &str, id: &EntryId) -> ObjId {
        let (_, map) = doc.get(ROOT, collection).unwrap().unwrap();
        doc.get(&map, id.as_str()).unwrap().unwrap().1
    }

    /// Retracts the fixture's report on this phone; returns the report's map.
    fn retracted(f: &mut Fixture) -> ObjId {
        Writer::new(&mut f.doc)
            .retract_report(&f.report, at(5))
            .unwrap();
        f.doc.commit();
        entry(&f.doc, "reports", &f.report)
    }

    /// Admits what another phone's copy gained by `edit`, as a merge would bring it.
    fn arriving(f: &mut Fixture, edit: impl FnOnce(&mut AutoCommit)) -> Result<(), Violation> {
        let mut theirs = f.doc.fork();
        edit(&mut theirs);
        theirs.commit();
        let before = f.doc.get_heads();
        let mut mine = f.doc.fork();
        mine.merge(&mut theirs).unwrap();
        admit(&mut mine, &before, &Authors::default())
    }

    /// [`arriving`], written by a device of `role` this store knows.
    fn arriving_from(
        f: &mut Fixture,
        role: Role,
        edit: impl FnOnce(&mut AutoCommit),
    ) -> Result<(), Violation> {
        let key = [role as u8 + 1; 32];
        let mut actor = Sha256::digest(key)[..8].to_vec();
        actor.extend_from_slice(&[9; 8]);
        let mut theirs = f.doc.fork().with_actor(ActorId::from(actor));
        edit(&mut theirs);
        theirs.commit();
        let before = f.doc.get_heads();
        let mut mine = f.doc.fork();
        mine.merge(&mut theirs).unwrap();
        let mut authors = Authors::default();
        authors.add(&key, role);
        admit(&mut mine, &before, &authors)
    }

    #[test]
    fn a_phone_writes_only_in_its_own_partys_name() {
        let mut f = fixture();
        let call = |by: Role| {
            let start = CallStart::new(CallReason::News, None, &[], None).unwrap();
            start.into_call(by, at(30))
        };
        let as_client = |f: &mut Fixture, edit: &dyn Fn(&mut Writer<'_>)| {
            arriving_from(f, Role::Client, |d| edit(&mut Writer::new(d)))
        };
        assert_eq!(
            as_client(&mut f, &|w| w.put_call(&call(Role::Client)).unwrap()),
            Ok(())
        );
        assert_eq!(
            as_client(&mut f, &|w| w.put_call(&call(Role::Therapist)).unwrap()),
            Err(Violation::NotPermitted)
        );
        let returned = crate::model::Call {
            returns: Some(f.call.clone()),
            ..call(Role::Client)
        };
        assert_eq!(
            as_client(&mut f, &|w| w.put_call(&returned).unwrap()),
            Err(Violation::NotPermitted),
            "only a therapist returns a call"
        );
        let therapist = crate::identity::DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let signature = therapist.sign(&f.id, b"terms", at(30));
        assert_eq!(
            as_client(&mut f, &|w| w.put_signature(&signature).unwrap()),
            Err(Violation::NotPermitted),
            "a client's phone never writes the therapist's signature"
        );
        assert_eq!(
            arriving_from(&mut f, Role::Therapist, |d| {
                Writer::new(d).put_signature(&signature).unwrap();
            }),
            Ok(())
        );
        // A change no known device wrote is checked for everything else.
        assert_eq!(
            arriving(&mut f, |d| Writer::new(d)
                .put_signature(&signature)
                .unwrap()),
            Ok(())
        );
    }

    #[test]
    fn what_the_apps_write_is_admitted() {
        let mut f = fixture();
        let (call, report, behavior) = (f.call.clone(), f.report.clone(), f.behavior.clone());
        let terms = Terms::seed("C", "T", "UTC".parse().unwrap()).unwrap();
        let result = arriving(&mut f, |d| {
            let mut w = Writer::new(d);
            w.end_call(
                &call,
                &CallEnd::new(&["s".into()], Some(1), None).unwrap(),
                at(9),
            )
            .unwrap();
            w.retract_report(&report, at(9)).unwrap();
            w.remove(Collection::Behaviors, "behavior", &behavior, at(9))
                .unwrap();
            let by = Author {
                role: Role::Therapist,
                name: "T",
            };
            w.set_term(TermKey::LockoutHours, &terms, by, at(9))
                .unwrap();
            let next = CallStart::new(CallReason::News, None, &[], None).unwrap();
            w.put_call(&next.into_call(Role::Client, at(10))).unwrap();
        });
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn a_whole_new_document_is_admitted_with_its_first_change() {
        let mut f = fixture();
        assert_eq!(admit(&mut f.doc, &[], &Authors::default()), Ok(()));
    }

    #[test]
    fn a_look_alike_document_with_the_same_header_is_foreign() {
        let mut f = fixture();
        let mut look_alike = AutoCommit::new();
        let terms = Terms::seed("C", "T", "UTC".parse().unwrap()).unwrap();
        Writer::new(&mut look_alike)
            .create(&f.id, &terms, &Resource::defaults(), &[7; 32], at(0))
            .unwrap();
        look_alike.commit();
        let before = f.doc.get_heads();
        f.doc.merge(&mut look_alike).unwrap();
        assert_eq!(
            admit(&mut f.doc, &before, &Authors::default()),
            Err(Violation::ForeignDocument)
        );
    }

    #[test]
    fn nothing_is_ever_deleted() {
        let mut f = fixture();
        let report = f.report.clone();
        assert_eq!(
            arriving(&mut f, |d| {
                let (_, reports) = d.get(ROOT, "reports").unwrap().unwrap();
                d.delete(&reports, report.as_str()).unwrap();
            }),
            Err(Violation::Deletion)
        );
        let mut f = fixture();
        let obj = retracted(&mut f);
        assert_eq!(
            arriving(&mut f, |d| d.delete(&obj, "retracted_at").unwrap()),
            Err(Violation::Deletion)
        );
    }

    #[test]
    fn the_header_and_the_maps_under_the_root_are_written_once() {
        let mut f = fixture();
        assert_eq!(
            arriving(&mut f, |d| d.put(ROOT, "created_at", 5).unwrap()),
            Err(Violation::HeaderChanged)
        );
        assert_eq!(
            arriving(&mut f, |d| {
                d.put(ROOT, "therapist_key", vec![1u8; 32]).unwrap();
            }),
            Err(Violation::HeaderChanged)
        );
        assert_eq!(
            arriving(&mut f, |d| {
                d.put_object(ROOT, "terms", ObjType::Map).unwrap();
            }),
            Err(Violation::HeaderChanged)
        );
    }

    #[test]
    fn logged_times_authors_and_flags_never_move() {
        let mut f = fixture();
        let (call, report, behavior) = (
            entry(&f.doc, "calls", &f.call),
            entry(&f.doc, "reports", &f.report),
            entry(&f.doc, "behaviors", &f.behavior),
        );
        let rewrites: [(&ObjId, &str, automerge::ScalarValue); 5] = [
            (&call, "started_at", at(-60).millis().into()),
            (&call, "started_by", "therapist".into()),
            (&report, "occurred_at", at(-60).millis().into()),
            (&report, "reported_by", "therapist".into()),
            (&behavior, "lockout", false.into()),
        ];
        for (obj, key, value) in rewrites {
            assert_eq!(
                arriving(&mut f, |d| d.put(obj, key, value).unwrap()),
                Err(Violation::HistoryRewritten),
                "{key}"
            );
        }
    }

    #[test]
    fn a_removal_or_a_call_end_is_written_once_and_never_cleared() {
        let mut f = fixture();
        let obj = retracted(&mut f);
        assert_eq!(
            arriving(&mut f, |d| d
                .put(&obj, "retracted_at", at(6).millis())
                .unwrap()),
            Err(Violation::HistoryRewritten)
        );
        let call = entry(&f.doc, "calls", &f.call);
        assert_eq!(
            arriving(&mut f, |d| d
                .put(&call, "ended_at", automerge::ScalarValue::Null)
                .unwrap()),
            Err(Violation::Malformed)
        );
    }

    #[test]
    fn two_phones_ending_one_call_at_once_are_both_admitted() {
        let mut f = fixture();
        let end = CallEnd::new(&[], None, None).unwrap();
        // The other phone ends the call from the state before this one did.
        let mut theirs = f.doc.fork();
        Writer::new(&mut theirs)
            .end_call(&f.call, &end, at(8))
            .unwrap();
        theirs.commit();
        Writer::new(&mut f.doc)
            .end_call(&f.call, &end, at(7))
            .unwrap();
        f.doc.commit();
        let before = f.doc.get_heads();
        f.doc.merge(&mut theirs).unwrap();
        assert_eq!(admit(&mut f.doc, &before, &Authors::default()), Ok(()));
    }

    #[test]
    fn an_entry_under_another_spelling_of_its_id_does_not_read() {
        // The store keeps an id as its 8 bytes: two keys spelling one id would land in
        // one row, so only the id's own spelling reads (and an import or a sync
        // message with another is refused when its entries are read back).
        let mut f = fixture();
        let call = entry(&f.doc, "calls", &f.call);
        let upper = f.call.as_str().to_uppercase();
        let (_, calls) = f.doc.get(ROOT, "calls").unwrap().unwrap();
        let copy = f
            .doc
            .put_object(&calls, upper.as_str(), ObjType::Map)
            .unwrap();
        let keys: Vec<String> = f.doc.keys(&call).collect();
        for key in keys {
            let (value, _) = f.doc.get(&call, key.as_str()).unwrap().unwrap();
            let automerge::Value::Scalar(value) = value else {
                panic!("a call's fields are scalars")
            };
            f.doc.put(&copy, key.as_str(), value.into_owned()).unwrap();
        }
        assert!(
            crate::doc::read_entry(&f.doc, Collection::Calls, f.call.as_str())
                .unwrap()
                .is_some()
        );
        assert!(crate::doc::read_entry(&f.doc, Collection::Calls, &upper).is_err());
    }

    #[test]
    fn an_entry_id_cannot_be_created_twice() {
        let mut f = fixture();
        let call = f.call.clone();
        assert_eq!(
            arriving(&mut f, |d| {
                let (_, calls) = d.get(ROOT, "calls").unwrap().unwrap();
                d.put_object(&calls, call.as_str(), ObjType::Map).unwrap();
            }),
            Err(Violation::HistoryRewritten)
        );
    }

    #[test]
    fn lists_text_and_unknown_terms_are_never_written() {
        let mut f = fixture();
        let call = entry(&f.doc, "calls", &f.call);
        assert_eq!(
            arriving(&mut f, |d| {
                d.put_object(&call, "suggested", ObjType::List).unwrap();
            }),
            Err(Violation::Malformed)
        );
        assert_eq!(
            arriving(&mut f, |d| {
                let (_, terms) = d.get(ROOT, "terms").unwrap().unwrap();
                d.put(&terms, "anything", "x").unwrap();
            }),
            Err(Violation::Malformed)
        );
    }
}
