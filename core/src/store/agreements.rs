//! Agreements: drafting, editing terms, resources, behaviours, holidays, signing,
//! and moving whole documents in and out (export/import).

use automerge::AutoCommit;
use rusqlite::{params, TransactionBehavior};

use super::{chunks, projection, Agreement, Store};
use crate::doc::{self, Author, Collection};
use crate::error::{Error, Result};
use crate::identity::{self, AgreementStatus, Assessment, PartyKeys};
use crate::model::{
    canonical_terms, terms_hash, AgreementId, Behavior, EntryId, Holiday, Resource, Role, TermKey,
    Terms, TimeZone,
};
use crate::rules::{in_force, Proposal, Version};
use crate::time::Timestamp;

/// One line of `agreement list`.
#[derive(Clone, PartialEq, Eq)]
pub struct AgreementListItem {
    pub id: AgreementId,
    pub client_name: String,
    pub therapist_name: String,
    pub status: AgreementStatus,
}

crate::redacted_debug!(AgreementListItem {
    id,
    client_name: redacted,
    therapist_name: redacted,
    status
});

/// Everything `agreement show` presents.
#[derive(Clone, Debug)]
pub struct AgreementView {
    pub id: AgreementId,
    pub created_at: Timestamp,
    pub terms: Terms,
    pub resources: Vec<Resource>,
    /// Current behaviours (removed ones are not shown).
    pub behaviors: Vec<Behavior>,
    pub holidays: Vec<Holiday>,
    pub terms_hash: [u8; 32],
    pub assessment: Assessment,
    /// Every version of the terms both parties signed, oldest first; the last one
    /// is in force now. Empty while none is: then the terms above govern.
    pub signed_versions: Vec<Version>,
    /// What the terms above change in the version in force, until both sign them.
    pub proposal: Option<Proposal>,
    /// Every phone a pairing record names, oldest first: a party's new phone, or one
    /// paired in its name, is in the document for both phones to see.
    pub paired_phones: Vec<PairedPhone>,
}

/// A phone a pairing record names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairedPhone {
    pub role: Role,
    /// The fingerprint of its identity key (compare with its `whoami`).
    pub fingerprint: String,
    pub paired_at: Timestamp,
    /// The record holds: the phone's own proof, signed by a key the agreement
    /// records for the other party. Only then does its key count.
    pub valid: bool,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    pub id: AgreementId,
    /// The agreement was new to this store.
    pub created: bool,
    /// The import brought changes this store did not have.
    pub changed: bool,
}

impl Store {
    /// Drafts a new agreement with the seed form's defaults. Therapists only: the
    /// therapist offers the agreement, the client joins it.
    pub fn create_agreement(
        &mut self,
        client_name: &str,
        time_zone: Option<&str>,
        now: Timestamp,
    ) -> Result<AgreementId> {
        let me = self.me()?;
        if me.role != Role::Therapist {
            return Err(Error::NotPermitted {
                action: "draft an agreement",
                allowed: Role::Therapist,
            });
        }
        let zone: TimeZone = time_zone.unwrap_or("UTC").parse()?;
        let terms = Terms::seed(client_name, &me.name, zone)?;
        let id = AgreementId::random();
        let mut doc = AutoCommit::new().with_actor(self.actor()?);
        let therapist_key = me.public_key();
        doc::Writer::new(&mut doc).create(
            &id,
            &terms,
            &Resource::defaults(),
            &therapist_key,
            now,
        )?;
        let header = doc::Header {
            id: id.clone(),
            created_at: now,
            therapist_key: therapist_key.to_vec(),
        };
        self.insert_new(&header, doc)?;
        Ok(id)
    }

    /// Stores a document new to this store: a snapshot and its full projection.
    fn insert_new(&mut self, header: &doc::Header, mut doc: AutoCommit) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (ag, seq) = insert_document(&tx, header, &mut doc)?;
        tx.commit()?;
        let doc = doc.with_actor(self.actor()?);
        self.docs.insert(ag, chunks::Loaded::written(doc, seq));
        Ok(())
    }

    pub fn agreements(&self) -> Result<Vec<AgreementListItem>> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM agreements ORDER BY created_at, id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter()
            .map(|id| {
                let view = self.agreement(&AgreementId::parse(id)?)?;
                Ok(AgreementListItem {
                    id: view.id,
                    client_name: view.terms.client_name,
                    therapist_name: view.terms.therapist_name,
                    status: view.assessment.status,
                })
            })
            .collect()
    }

    /// The agreement with its terms, collections and signature status.
    pub fn agreement(&self, id: &AgreementId) -> Result<AgreementView> {
        let Agreement { ag, .. } = self.resolve(id)?;
        let created_at: i64 = self
            .conn
            .prepare_cached("SELECT created_at FROM agreements WHERE ag = ?1")?
            .query_row([ag], |r| r.get(0))?;
        let terms = projection::terms(&self.conn, ag)?;
        let resources = projection::resources(&self.conn, ag)?;
        let all_behaviors = projection::behaviors(&self.conn, ag)?;
        let hash = terms_hash(id, &terms, &resources, &all_behaviors);
        let signatures = projection::signatures(&self.conn, ag)?;
        let keys = self.party_keys(id, &signatures)?;
        let assessment = identity::assess(&signatures, &hash, &keys);
        let paired_phones = projection::pairings(&self.conn, ag)?
            .into_iter()
            .map(|p| PairedPhone {
                valid: identity::pairing_verifies(id, &p, keys.of_role(p.role.other())),
                fingerprint: identity::fingerprint(&p.key),
                role: p.role,
                paired_at: p.paired_at,
            })
            .collect();
        let signed_versions = in_force::versions(id, &assessment.signatures);
        let proposal = signed_versions
            .last()
            .and_then(|v| Proposal::between(&v.signed, &terms, &resources, &all_behaviors));
        Ok(AgreementView {
            id: id.clone(),
            created_at: Timestamp::from_millis(created_at),
            terms,
            resources,
            behaviors: all_behaviors.into_iter().filter(|b| !b.removed).collect(),
            holidays: projection::holidays(&self.conn, ag)?,
            terms_hash: hash,
            assessment,
            signed_versions,
            proposal,
            paired_phones,
        })
    }

    /// The keys the agreement records for each party ([`PartyKeys`]).
    pub(super) fn party_keys(
        &self,
        id: &AgreementId,
        signatures: &[identity::SignatureRecord],
    ) -> Result<PartyKeys> {
        let Agreement { ag, .. } = self.resolve(id)?;
        let therapist_key: Vec<u8> = self
            .conn
            .prepare_cached("SELECT therapist_key FROM agreements WHERE ag = ?1")?
            .query_row([ag], |r| r.get(0))?;
        let pairings = projection::pairings(&self.conn, ag)?;
        Ok(PartyKeys::of(id, &therapist_key, &pairings, signatures))
    }

    /// The party of every device this store can attribute changes of `id` to: this
    /// device, and the phones whose keys the agreement records.
    pub(super) fn authors(&self, id: Option<&AgreementId>) -> Result<doc::Authors> {
        let me = self.me()?;
        let mut authors = doc::Authors::default();
        if let Some(id) = id {
            let signatures = projection::signatures(&self.conn, self.resolve(id)?.ag)?;
            let keys = self.party_keys(id, &signatures)?;
            for role in Role::ALL {
                for key in keys.of_role(role) {
                    authors.add(key, role);
                }
            }
        }
        authors.add(&me.public_key(), me.role);
        Ok(authors)
    }

    fn author(&self) -> Result<(Role, String)> {
        let me = self.me()?;
        Ok((me.role, me.name.clone()))
    }

    /// Edits one term; either party may, and the edit records who and when.
    pub fn set_term(
        &mut self,
        id: &AgreementId,
        key: TermKey,
        value: &str,
        now: Timestamp,
    ) -> Result<()> {
        let agreement = self.resolve(id)?;
        let (role, name) = self.author()?;
        let mut terms = projection::terms(&self.conn, agreement.ag)?;
        terms.set(key, value)?;
        self.change(&agreement, now, |w| {
            w.set_term(key, &terms, Author { role, name: &name }, now)
        })
    }

    pub fn add_resource(
        &mut self,
        id: &AgreementId,
        name: &str,
        contact: &str,
        now: Timestamp,
    ) -> Result<EntryId> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let resource = Resource::new(name, contact, now)?;
        self.change(&agreement, now, |w| w.put_resource(&resource))?;
        Ok(resource.id)
    }

    /// Removes a resource, refusing to remove the last one: a client in crisis must
    /// always have somewhere to turn.
    pub fn remove_resource(
        &mut self,
        id: &AgreementId,
        resource: &str,
        now: Timestamp,
    ) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let resource = EntryId::parse("resource id", resource)?;
        let current = projection::resources(&self.conn, agreement.ag)?;
        if !current.iter().any(|r| r.id == resource) {
            return Err(Error::not_found("resource", resource.as_str()));
        }
        if current.len() == 1 {
            return Err(Error::invalid(
                "resources",
                "the last crisis resource cannot be removed; add another first",
            ));
        }
        self.change(&agreement, now, |w| {
            w.remove(Collection::Resources, "resource", &resource, now)
        })
    }

    pub fn add_behavior(
        &mut self,
        id: &AgreementId,
        label: &str,
        triggers_lockout: bool,
        now: Timestamp,
    ) -> Result<EntryId> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let behavior = Behavior::new(label, triggers_lockout)?;
        let exists = projection::behaviors(&self.conn, agreement.ag)?
            .iter()
            .any(|b| !b.removed && b.label.eq_ignore_ascii_case(&behavior.label));
        if exists {
            return Err(Error::invalid(
                "behavior label",
                "the agreement already lists this behaviour",
            ));
        }
        self.change(&agreement, now, |w| w.put_behavior(&behavior))?;
        Ok(behavior.id)
    }

    pub fn remove_behavior(
        &mut self,
        id: &AgreementId,
        behavior: &str,
        now: Timestamp,
    ) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let behavior = EntryId::parse("behavior id", behavior)?;
        let listed = projection::behaviors(&self.conn, agreement.ag)?
            .iter()
            .any(|b| b.id == behavior && !b.removed);
        if !listed {
            return Err(Error::not_found("behavior", behavior.as_str()));
        }
        self.change(&agreement, now, |w| {
            w.remove(Collection::Behaviors, "behavior", &behavior, now)
        })
    }

    pub fn add_holiday(
        &mut self,
        id: &AgreementId,
        from: &str,
        to: &str,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<EntryId> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let note = note
            .map(|n| crate::model::line("note", n, 500))
            .transpose()?;
        let holiday = Holiday::new(
            Holiday::parse_date("from", from)?,
            Holiday::parse_date("to", to)?,
            note,
        )?;
        self.change(&agreement, now, |w| w.put_holiday(&holiday))?;
        Ok(holiday.id)
    }

    pub fn remove_holiday(
        &mut self,
        id: &AgreementId,
        holiday: &str,
        now: Timestamp,
    ) -> Result<()> {
        let agreement = self.resolve(id)?;
        self.me()?;
        let holiday = EntryId::parse("holiday id", holiday)?;
        if !projection::holidays(&self.conn, agreement.ag)?
            .iter()
            .any(|h| h.id == holiday)
        {
            return Err(Error::not_found("holiday", holiday.as_str()));
        }
        self.change(&agreement, now, |w| {
            w.remove(Collection::Holidays, "holiday", &holiday, now)
        })
    }

    /// Signs the current terms with this device's key.
    pub fn sign(&mut self, id: &AgreementId, now: Timestamp) -> Result<AgreementStatus> {
        let agreement = self.resolve(id)?;
        let view = self.agreement(id)?;
        let canonical = canonical_terms(id, &view.terms, &view.resources, &view.behaviors);
        let signature = self.me()?.sign(id, &canonical, now);
        self.change(&agreement, now, |w| w.put_signature(&signature))?;
        Ok(self.agreement(id)?.assessment.status)
    }

    /// The whole agreement as a standard Automerge document.
    pub fn export(&mut self, id: &AgreementId) -> Result<Vec<u8>> {
        let agreement = self.resolve(id)?;
        Ok(self.doc(&agreement)?.save())
    }

    /// Merges an exported agreement into the store, creating it if new. The bytes are
    /// checked completely (an Automerge document, a Coachline agreement, every entry
    /// well-formed, every change admissible: see [`doc::admission`]) before anything
    /// is written; on any error the store is unchanged.
    pub fn import(&mut self, bytes: &[u8]) -> Result<ImportOutcome> {
        self.me()?;
        crate::inflation::check_import(bytes)?;
        let mut incoming = AutoCommit::load(bytes)
            .map_err(|_| Error::NotAnAgreement("the file is not an Automerge document".into()))?;
        let snapshot = doc::read_agreement(&incoming)?;
        let id = snapshot.header.id.clone();
        let Some(ag) = projection::agreement_key(&self.conn, &id)? else {
            let mut authors = self.authors(None)?;
            authors.add(&snapshot.header.therapist_key, Role::Therapist);
            doc::admit(&mut incoming, &[], &authors).map_err(Error::Refused)?;
            self.insert_new(&snapshot.header, incoming)?;
            return Ok(ImportOutcome {
                id,
                created: true,
                changed: true,
            });
        };
        let agreement = Agreement { id: id.clone(), ag };
        let authors = self.authors(Some(&id))?;
        let doc = self.doc(&agreement)?;
        let before = doc.get_heads();
        let merged = doc
            .merge(&mut incoming)
            .map_err(Error::from)
            .and_then(|_| doc::admit(doc, &before, &authors).map_err(Error::Refused));
        if let Err(e) = merged {
            // Forget the merge: the next use reloads what is on disk.
            self.docs.remove(&ag);
            return Err(e);
        }
        let changed = doc.get_heads() != before;
        self.persist(&agreement, &before, None)?;
        Ok(ImportOutcome {
            id,
            created: false,
            changed,
        })
    }
}

/// Writes the row, the snapshot and the projection of an agreement new to this
/// store, in the caller's transaction; returns its local key and the chunk's `seq`.
pub(super) fn insert_document(
    tx: &rusqlite::Transaction<'_>,
    header: &doc::Header,
    doc: &mut AutoCommit,
) -> Result<(i64, i64)> {
    tx.execute(
        "INSERT INTO agreements (id, created_at, therapist_key, terms, heads) \
         VALUES (?1, ?2, ?3, '{}', x'')",
        params![
            header.id.as_str(),
            header.created_at.millis(),
            header.therapist_key
        ],
    )?;
    let ag = tx.last_insert_rowid();
    let seq = chunks::append(tx, ag, &doc.save(), true)?;
    projection::rebuild(tx, ag, doc)?;
    projection::set_heads(tx, ag, &doc.get_heads())?;
    Ok((ag, seq))
}
