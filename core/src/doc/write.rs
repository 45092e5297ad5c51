//! Writing the model into an agreement document.
//!
//! Every function here only mutates the in-memory document; the store commits the
//! change and persists it with the projection in one SQLite transaction. Callers
//! validate first (the model types are valid by construction), so a write never
//! leaves a half-made entry behind.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};

use super::{Changed, Collection, KIND, SCHEMA};
use crate::error::{Error, Result};
use crate::model::{
    AgreementId, Behavior, Call, CallEnd, EntryId, Holiday, Pairing, Report, Resource, Role,
    Session, Signature, TermKey, Terms,
};
use crate::time::Timestamp;

/// Who makes a change: recorded with every term edit.
#[derive(Clone, Copy, Debug)]
pub struct Author<'a> {
    pub role: Role,
    pub name: &'a str,
}

/// A borrowed document being changed.
pub struct Writer<'a> {
    doc: &'a mut AutoCommit,
    /// What this writer changed: the store updates exactly these projected rows,
    /// without diffing the document (a diff costs time in proportion to history).
    touched: Changed,
}

fn lines(items: &[String]) -> String {
    items.join("\n")
}

impl<'a> Writer<'a> {
    pub fn new(doc: &'a mut AutoCommit) -> Self {
        Self {
            doc,
            touched: Changed::default(),
        }
    }

    /// The entries written so far.
    pub fn touched(self) -> Changed {
        self.touched
    }

    fn touch(&mut self, collection: Collection, id: &EntryId) {
        self.touched
            .entries
            .entry(collection)
            .or_default()
            .insert(id.as_str().to_owned());
    }

    fn map(&mut self, parent: &ObjId, key: &str) -> Result<ObjId> {
        match self.doc.get(parent, key)? {
            Some((value, id)) if value.is_object() => Ok(id),
            _ => Ok(self.doc.put_object(parent, key, ObjType::Map)?),
        }
    }

    fn collection(&mut self, collection: Collection) -> Result<ObjId> {
        self.map(&ROOT, collection.key())
    }

    /// A new entry map in a collection.
    fn new_entry(&mut self, collection: Collection, id: &EntryId) -> Result<ObjId> {
        self.touch(collection, id);
        let parent = self.collection(collection)?;
        Ok(self.doc.put_object(&parent, id.as_str(), ObjType::Map)?)
    }

    /// An existing entry, or `NotFound` naming what was looked for.
    fn entry(&mut self, collection: Collection, what: &'static str, id: &EntryId) -> Result<ObjId> {
        self.touch(collection, id);
        let parent = self.collection(collection)?;
        match self.doc.get(&parent, id.as_str())? {
            Some((value, obj)) if value.is_object() => Ok(obj),
            _ => Err(Error::not_found(what, id.as_str())),
        }
    }

    fn put(&mut self, obj: &ObjId, key: &str, value: impl Into<ScalarValue>) -> Result<()> {
        Ok(self.doc.put(obj, key, value)?)
    }

    /// Lays out a new agreement: header, every term, the starting resources.
    pub fn create(
        &mut self,
        id: &AgreementId,
        terms: &Terms,
        resources: &[Resource],
        therapist_key: &[u8],
        at: Timestamp,
    ) -> Result<()> {
        self.put(&ROOT, "kind", KIND)?;
        self.put(&ROOT, "schema", SCHEMA)?;
        self.put(&ROOT, "id", id.as_str())?;
        self.put(&ROOT, "created_at", at.millis())?;
        self.put(&ROOT, "therapist_key", therapist_key.to_vec())?;
        let obj = self.map(&ROOT, "terms")?;
        for key in TermKey::ALL {
            self.put(&obj, key.doc_key(), terms.get(key))?;
        }
        for collection in Collection::ALL {
            self.collection(collection)?;
        }
        resources.iter().try_for_each(|r| self.put_resource(r))
    }

    /// Sets one term to its value in `terms`, and records who edited it and when.
    pub fn set_term(
        &mut self,
        key: TermKey,
        terms: &Terms,
        by: Author<'_>,
        at: Timestamp,
    ) -> Result<()> {
        self.touched.agreement = true;
        let obj = self.map(&ROOT, "terms")?;
        self.put(&obj, key.doc_key(), terms.get(key))?;
        let edit = self.new_entry(Collection::Edits, &EntryId::random())?;
        self.put(&edit, "term", key.doc_key())?;
        self.put(&edit, "by", by.role.as_str())?;
        self.put(&edit, "name", by.name)?;
        self.put(&edit, "at", at.millis())
    }

    pub fn put_resource(&mut self, resource: &Resource) -> Result<()> {
        let obj = self.new_entry(Collection::Resources, &resource.id)?;
        self.put(&obj, "name", resource.name.as_str())?;
        self.put(&obj, "contact", resource.contact.as_str())?;
        self.put(&obj, "added_at", resource.added_at.millis())
    }

    pub fn put_behavior(&mut self, behavior: &Behavior) -> Result<()> {
        let obj = self.new_entry(Collection::Behaviors, &behavior.id)?;
        self.put(&obj, "label", behavior.label.as_str())?;
        self.put(&obj, "lockout", behavior.triggers_lockout)
    }

    pub fn put_holiday(&mut self, holiday: &Holiday) -> Result<()> {
        let obj = self.new_entry(Collection::Holidays, &holiday.id)?;
        self.put(&obj, "from", holiday.from.to_string())?;
        self.put(&obj, "to", holiday.to.to_string())?;
        if let Some(note) = &holiday.note {
            self.put(&obj, "note", note.as_str())?;
        }
        Ok(())
    }

    /// Marks a resource, behaviour or holiday removed. The entry stays, so a
    /// concurrent edit cannot bring it back and past reports keep their meaning.
    pub fn remove(
        &mut self,
        collection: Collection,
        what: &'static str,
        id: &EntryId,
        at: Timestamp,
    ) -> Result<()> {
        let obj = self.entry(collection, what, id)?;
        if self.doc.get(&obj, "removed_at")?.is_none() {
            self.put(&obj, "removed_at", at.millis())?;
        }
        Ok(())
    }

    pub fn put_signature(&mut self, sig: &Signature) -> Result<()> {
        let obj = self.new_entry(Collection::Signatures, &sig.id)?;
        self.put(&obj, "role", sig.role.as_str())?;
        self.put(&obj, "name", sig.name.as_str())?;
        self.put(&obj, "signed_at", sig.signed_at.millis())?;
        self.put(&obj, "public_key", sig.public_key.clone())?;
        self.put(&obj, "terms_hash", sig.terms_hash.clone())?;
        if let Some(terms) = &sig.signed_terms {
            self.put(&obj, "terms", terms.as_str())?;
        }
        self.put(&obj, "signature", sig.signature.clone())
    }

    /// Writes a new call with every field it has.
    pub fn put_call(&mut self, call: &Call) -> Result<()> {
        let obj = self.new_entry(Collection::Calls, &call.id)?;
        self.put(&obj, "reason", call.reason.as_str())?;
        self.put(&obj, "started_by", call.started_by.as_str())?;
        self.put(&obj, "started_at", call.started_at.millis())?;
        if let Some(situation) = &call.situation {
            self.put(&obj, "situation", situation.as_str())?;
        }
        if !call.tried.is_empty() {
            self.put(&obj, "tried", lines(&call.tried))?;
        }
        if let Some(urge) = call.urge_before {
            self.put(&obj, "urge_before", i64::from(urge.value()))?;
        }
        if let Some(returns) = &call.returns {
            self.put(&obj, "returns", returns.as_str())?;
        }
        if !call.shown_resources.is_empty() {
            self.put(&obj, "shown_resources", lines(&call.shown_resources))?;
        }
        if let Some(ended_at) = call.ended_at {
            self.put(&obj, "ended_at", ended_at.millis())?;
        }
        if let Some(outcome) = call.outcome {
            self.put(&obj, "outcome", outcome.as_str())?;
        }
        Ok(())
    }

    /// Records the end of a call: skills suggested, urge after, outcome.
    pub fn end_call(&mut self, id: &EntryId, end: &CallEnd, at: Timestamp) -> Result<()> {
        let obj = self.entry(Collection::Calls, "call", id)?;
        self.put(&obj, "ended_at", at.millis())?;
        self.put(&obj, "outcome", end.outcome.as_str())?;
        if !end.suggested.is_empty() {
            self.put(&obj, "suggested", lines(&end.suggested))?;
        }
        if let Some(urge) = end.urge_after {
            self.put(&obj, "urge_after", i64::from(urge.value()))?;
        }
        Ok(())
    }

    pub fn put_report(&mut self, report: &Report) -> Result<()> {
        let obj = self.new_entry(Collection::Reports, &report.id)?;
        if let Some(behavior) = &report.behavior {
            self.put(&obj, "behavior", behavior.as_str())?;
        }
        self.put(&obj, "occurred_at", report.occurred_at.millis())?;
        self.put(&obj, "reported_at", report.reported_at.millis())?;
        self.put(&obj, "reported_by", report.reported_by.as_str())
    }

    /// Retracts a report; a second retraction keeps the first time.
    pub fn retract_report(&mut self, id: &EntryId, at: Timestamp) -> Result<()> {
        let obj = self.entry(Collection::Reports, "behavior report", id)?;
        if self.doc.get(&obj, "retracted_at")?.is_none() {
            self.put(&obj, "retracted_at", at.millis())?;
        }
        Ok(())
    }

    pub fn put_pairing(&mut self, pairing: &Pairing) -> Result<()> {
        let obj = self.new_entry(Collection::Pairings, &pairing.id)?;
        self.put(&obj, "role", pairing.role.as_str())?;
        self.put(&obj, "key", pairing.key.clone())?;
        self.put(&obj, "paired_at", pairing.paired_at.millis())?;
        self.put(&obj, "invitation", pairing.invitation.clone())?;
        self.put(&obj, "sync_key", pairing.sync_key.clone())?;
        self.put(&obj, "proof", pairing.proof.clone())?;
        self.put(&obj, "by_key", pairing.by_key.clone())?;
        self.put(&obj, "signature", pairing.signature.clone())
    }

    pub fn put_session(&mut self, session: &Session) -> Result<()> {
        let obj = self.new_entry(Collection::Sessions, &session.id)?;
        self.put(&obj, "at", session.at.millis())?;
        self.put(&obj, "recorded_by", session.recorded_by.as_str())
    }
}
