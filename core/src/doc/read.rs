//! Reading an agreement document back into the model, strictly.
//!
//! A document from another phone is untrusted input: every entry is checked for its
//! fields and types, and anything malformed makes the whole document "not a Coachline
//! agreement" before it can touch the store. Error messages name collections, ids and
//! keys, never values.

use automerge::{ObjId, ReadDoc, Value, ROOT};

use super::{Collection, KIND, SCHEMA};
use crate::error::{Error, Result};
use crate::model::{
    AgreementId, Behavior, Call, CallOutcome, EntryId, Holiday, Pairing, Report, Resource, Role,
    Session, Signature, TermEdit, TermKey, Terms, Urge,
};
use crate::time::Timestamp;

/// The root keys that identify an agreement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub id: AgreementId,
    pub created_at: Timestamp,
    /// The public key of the therapist who drafted the agreement.
    pub therapist_key: Vec<u8>,
}

/// One entry of a collection, as read from the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Edit(TermEdit),
    Resource { resource: Resource, removed: bool },
    Behavior(Behavior),
    Holiday { holiday: Holiday, removed: bool },
    Signature(Signature),
    Call(Call),
    Report(Report),
    Session(Session),
    Pairing(Pairing),
}

/// A whole agreement, read and validated.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub header: Header,
    pub terms: Terms,
    pub entries: Vec<Entry>,
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::NotAnAgreement(format!("{what} is missing or malformed"))
}

/// Field access on one map object, with errors that say where.
struct Fields<'d, D: ReadDoc> {
    doc: &'d D,
    obj: ObjId,
    place: String,
}

impl<D: ReadDoc> Fields<'_, D> {
    fn value(&self, key: &str) -> Result<Option<Value<'_>>> {
        Ok(self.doc.get(&self.obj, key)?.map(|(v, _)| v))
    }

    fn err(&self, key: &str) -> Error {
        bad(format_args!("{} field {key}", self.place))
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>> {
        match self.value(key)? {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| self.err(key)),
        }
    }

    fn str(&self, key: &str) -> Result<String> {
        self.opt_str(key)?.ok_or_else(|| self.err(key))
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>> {
        match self.value(key)? {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| self.err(key)),
        }
    }

    fn time(&self, key: &str) -> Result<Timestamp> {
        self.opt_time(key)?.ok_or_else(|| self.err(key))
    }

    /// Times from another phone are checked like typed ones: a time no calendar can
    /// hold would break every decision that reads it.
    fn opt_time(&self, key: &str) -> Result<Option<Timestamp>> {
        self.opt_int(key)?
            .map(|ms| Timestamp::checked("time", ms).map_err(|_| self.err(key)))
            .transpose()
    }

    fn bool(&self, key: &str) -> Result<bool> {
        self.value(key)?
            .and_then(|v| v.as_bool())
            .ok_or_else(|| self.err(key))
    }

    fn bytes(&self, key: &str) -> Result<Vec<u8>> {
        self.value(key)?
            .and_then(|v| v.as_bytes().map(<[u8]>::to_vec))
            .ok_or_else(|| self.err(key))
    }

    fn role(&self, key: &str) -> Result<Role> {
        self.str(key)?.parse().map_err(|_| self.err(key))
    }

    fn id(&self, key: &str) -> Result<Option<EntryId>> {
        self.opt_str(key)?
            .map(|s| EntryId::parse("id", &s).map_err(|_| self.err(key)))
            .transpose()
    }

    fn urge(&self, key: &str) -> Result<Option<Urge>> {
        self.opt_int(key)?
            .map(|n| Urge::new("urge", n).map_err(|_| self.err(key)))
            .transpose()
    }

    fn lines(&self, key: &str) -> Result<Vec<String>> {
        Ok(self
            .opt_str(key)?
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default())
    }
}

fn map_at(doc: &impl ReadDoc, parent: &ObjId, key: &str) -> Result<Option<ObjId>> {
    match doc.get(parent, key)? {
        Some((value, id)) if value.is_object() => Ok(Some(id)),
        Some(_) => Err(bad(key)),
        None => Ok(None),
    }
}

/// The header, refusing documents that are not Coachline agreements or come from a
/// newer schema.
pub fn read_header(doc: &impl ReadDoc) -> Result<Header> {
    let root = Fields {
        doc,
        obj: ROOT,
        place: "the document".into(),
    };
    if root.opt_str("kind").ok().flatten().as_deref() != Some(KIND) {
        return Err(Error::NotAnAgreement(
            "the document has no Coachline agreement kind".into(),
        ));
    }
    let schema = root.opt_int("schema")?.ok_or_else(|| root.err("schema"))?;
    if schema > SCHEMA {
        return Err(Error::NotAnAgreement(format!(
            "the document uses schema {schema}, newer than this app's {SCHEMA}: update the app"
        )));
    }
    if schema < 1 {
        return Err(root.err("schema"));
    }
    let id = AgreementId::parse(&root.str("id")?).map_err(|_| root.err("id"))?;
    let therapist_key = root.bytes("therapist_key")?;
    if therapist_key.len() != 32 {
        return Err(root.err("therapist_key"));
    }
    Ok(Header {
        id,
        created_at: root.time("created_at")?,
        therapist_key,
    })
}

/// The scalar terms, each validated as if a person had typed it.
pub fn read_terms(doc: &impl ReadDoc) -> Result<Terms> {
    let obj = map_at(doc, &ROOT, "terms")?.ok_or_else(|| bad("terms"))?;
    let fields = Fields {
        doc,
        obj,
        place: "terms".into(),
    };
    let mut failure = None;
    let terms = Terms::from_texts(|key| match fields.opt_str(key.doc_key()) {
        Ok(value) => value,
        Err(e) => {
            failure = Some(e);
            None
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    terms.map_err(|e| match e {
        Error::InvalidInput { field, .. } => bad(format_args!("term {field}")),
        other => other,
    })
}

/// One entry, or `None` if the collection has no such key.
pub fn read_entry(doc: &impl ReadDoc, collection: Collection, key: &str) -> Result<Option<Entry>> {
    let Some(parent) = map_at(doc, &ROOT, collection.key())? else {
        return Ok(None);
    };
    let Some(obj) = map_at(doc, &parent, key)? else {
        return Ok(None);
    };
    // Only an id's own spelling (16 lowercase hex characters, as every Coachline app
    // writes it): two keys spelling one id would otherwise be two entries that read
    // as one.
    let id = EntryId::parse("id", key)
        .ok()
        .filter(|id| id.as_str() == key)
        .ok_or_else(|| bad(format_args!("{} key", collection.key())))?;
    let f = Fields {
        doc,
        obj,
        place: format!("{} {key}", collection.key()),
    };
    let entry = match collection {
        Collection::Edits => Entry::Edit(TermEdit {
            id,
            term: f
                .str("term")?
                .parse::<TermKey>()
                .map_err(|_| f.err("term"))?,
            by: f.role("by")?,
            name: f.str("name")?,
            at: f.time("at")?,
        }),
        Collection::Resources => Entry::Resource {
            resource: Resource {
                id,
                name: f.str("name")?,
                contact: f.str("contact")?,
                added_at: f.time("added_at")?,
            },
            removed: f.opt_int("removed_at")?.is_some(),
        },
        Collection::Behaviors => Entry::Behavior(Behavior {
            id,
            label: f.str("label")?,
            triggers_lockout: f.bool("lockout")?,
            removed: f.opt_int("removed_at")?.is_some(),
        }),
        Collection::Holidays => {
            let date = |key| Holiday::parse_date("date", &f.str(key)?).map_err(|_| f.err(key));
            let (from, to) = (date("from")?, date("to")?);
            if to < from {
                return Err(f.err("to"));
            }
            Entry::Holiday {
                holiday: Holiday {
                    id,
                    from,
                    to,
                    note: f.opt_str("note")?,
                },
                removed: f.opt_int("removed_at")?.is_some(),
            }
        }
        Collection::Signatures => Entry::Signature(Signature {
            id,
            role: f.role("role")?,
            name: f.str("name")?,
            signed_at: f.time("signed_at")?,
            public_key: f.bytes("public_key")?,
            terms_hash: f.bytes("terms_hash")?,
            signature: f.bytes("signature")?,
            signed_terms: f.opt_str("terms")?,
        }),
        Collection::Calls => Entry::Call(Call {
            id,
            reason: f.str("reason")?.parse().map_err(|_| f.err("reason"))?,
            started_by: f.role("started_by")?,
            started_at: f.time("started_at")?,
            ended_at: f.opt_time("ended_at")?,
            situation: f.opt_str("situation")?,
            tried: f.lines("tried")?,
            urge_before: f.urge("urge_before")?,
            suggested: f.lines("suggested")?,
            urge_after: f.urge("urge_after")?,
            outcome: f
                .opt_str("outcome")?
                .map(|s| CallOutcome::parse_stored(&s).ok_or_else(|| f.err("outcome")))
                .transpose()?,
            returns: f.id("returns")?,
            shown_resources: f.lines("shown_resources")?,
        }),
        Collection::Reports => Entry::Report(Report {
            id,
            behavior: f.id("behavior")?,
            occurred_at: f.time("occurred_at")?,
            reported_at: f.time("reported_at")?,
            reported_by: f.role("reported_by")?,
            retracted_at: f.opt_time("retracted_at")?,
        }),
        Collection::Sessions => Entry::Session(Session {
            id,
            at: f.time("at")?,
            recorded_by: f.role("recorded_by")?,
        }),
        Collection::Pairings => Entry::Pairing(Pairing {
            id,
            role: f.role("role")?,
            key: f.bytes("key")?,
            paired_at: f.time("paired_at")?,
            invitation: f.bytes("invitation")?,
            sync_key: f.bytes("sync_key")?,
            proof: f.bytes("proof")?,
            by_key: f.bytes("by_key")?,
            signature: f.bytes("signature")?,
        }),
    };
    Ok(Some(entry))
}

/// The keys of one collection.
pub fn entry_keys(doc: &impl ReadDoc, collection: Collection) -> Result<Vec<String>> {
    Ok(match map_at(doc, &ROOT, collection.key())? {
        Some(obj) => doc.keys(&obj).collect(),
        None => Vec::new(),
    })
}

/// The whole agreement, every entry validated: what an import checks before merging,
/// and what a projection rebuild reads.
pub fn read_agreement(doc: &impl ReadDoc) -> Result<Snapshot> {
    let header = read_header(doc)?;
    let terms = read_terms(doc)?;
    let mut entries = Vec::new();
    for collection in Collection::ALL {
        for key in entry_keys(doc, collection)? {
            entries.extend(read_entry(doc, collection, &key)?);
        }
    }
    Ok(Snapshot {
        header,
        terms,
        entries,
    })
}
