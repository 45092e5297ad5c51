//! Agreements: drafting, editing terms, resources, behaviours, holidays, signing,
//! and moving whole documents in and out (export/import, sealed by default).

use automerge::AutoCommit;
use rusqlite::{params, TransactionBehavior};
use zeroize::Zeroizing;

use super::{chunks, projection, Agreement, Store};
use crate::backup::{self, Seal, Unseal};
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
        self.note_changed(&header.id);
        let doc = doc.with_actor(self.actor()?);
        self.docs.insert(ag, chunks::Loaded::written(doc, seq));
        Ok(())
    }

    /// Every agreement's id, oldest first.
    pub(super) fn agreement_ids(&self) -> Result<Vec<AgreementId>> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM agreements ORDER BY created_at, id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| AgreementId::parse(id)).collect()
    }

    pub fn agreements(&self) -> Result<Vec<AgreementListItem>> {
        self.agreement_ids()?
            .iter()
            .map(|id| {
                let view = self.agreement(id)?;
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

    /// The whole agreement as a plain, unencrypted Automerge document: any Automerge
    /// implementation loads it. Only on an explicit choice: what leaves the store
    /// should be sealed ([`Store::export_sealed`]).
    pub fn export(&mut self, id: &AgreementId) -> Result<Vec<u8>> {
        let agreement = self.resolve(id)?;
        Ok(self.doc(&agreement)?.save())
    }

    /// The whole agreement sealed in the age format ([`backup`]): the export a person
    /// keeps, which only the passphrase or the recipient's identity opens.
    pub fn export_sealed(&mut self, id: &AgreementId, seal: &Seal) -> Result<Vec<u8>> {
        let plain = Zeroizing::new(self.export(id)?);
        backup::seal(&plain, seal)
    }

    /// Merges a plain export into the store, creating the agreement if new. A sealed
    /// one is refused with what it needs to be opened
    /// ([`crate::error::BackupProblem::NeedsPassphrase`] or `NeedsIdentity`): see
    /// [`Store::import_sealed`].
    ///
    /// The bytes are checked completely (an Automerge document, a Coachline
    /// agreement, every entry well-formed, every change admissible: see
    /// [`doc::admission`]) before anything is written; on any error the store is
    /// unchanged.
    pub fn import(&mut self, bytes: &[u8]) -> Result<ImportOutcome> {
        self.me()?;
        if backup::is_sealed(bytes) {
            return Err(backup::needs(bytes));
        }
        self.import_plain(bytes)
    }

    /// Opens a sealed export with `unseal` and merges it as [`Store::import`] does. A
    /// plain export needs nothing to open and is merged as it is. A file that does
    /// not open changes nothing ([`Error::BackupNotOpened`]).
    pub fn import_sealed(&mut self, bytes: &[u8], unseal: &Unseal) -> Result<ImportOutcome> {
        self.me()?;
        if !backup::is_sealed(bytes) {
            return self.import_plain(bytes);
        }
        let plain = backup::open(bytes, unseal)?;
        self.import_plain(&plain)
    }

    fn import_plain(&mut self, bytes: &[u8]) -> Result<ImportOutcome> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::tests::{identity_file, passphrase};
    use crate::backup::Identity;
    use crate::error::BackupProblem;
    use crate::store::test_key;

    const PASSPHRASE: &str = "a long passphrase nobody guesses";

    struct Phones {
        _dir: tempfile::TempDir,
        therapist: Store,
        client: Store,
        id: AgreementId,
    }

    fn phones() -> Phones {
        let dir = tempfile::tempdir().unwrap();
        let now = Timestamp::from_millis(1_780_000_000_000);
        let mut therapist = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
        therapist.init(Role::Therapist, "Dr Quill", now).unwrap();
        let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
        client.init(Role::Client, "Casey", now).unwrap();
        let id = therapist.create_agreement("Casey", None, now).unwrap();
        Phones {
            _dir: dir,
            therapist,
            client,
            id,
        }
    }

    fn sealed(p: &mut Phones) -> Vec<u8> {
        p.therapist
            .export_sealed(&p.id, &Seal::Passphrase(passphrase(PASSPHRASE)))
            .unwrap()
    }

    fn with(text: &str) -> Unseal {
        Unseal::Passphrase(passphrase(text))
    }

    fn problem(result: Result<ImportOutcome>) -> BackupProblem {
        match result {
            Err(Error::BackupNotOpened(problem)) => problem,
            other => panic!("expected BackupNotOpened, got {other:?}"),
        }
    }

    #[test]
    fn a_sealed_export_hides_the_agreement_and_opens_with_its_passphrase() {
        let mut p = phones();
        let plain = p.therapist.export(&p.id).unwrap();
        let sealed = sealed(&mut p);
        // No run of 16 bytes of the document shows through.
        assert!(plain
            .chunks(16)
            .filter(|run| run.len() == 16)
            .all(|run| !sealed.windows(16).any(|w| w == run)));
        assert!(AutoCommit::load(&sealed).is_err());
        let outcome = p.client.import_sealed(&sealed, &with(PASSPHRASE)).unwrap();
        assert!(outcome.created && outcome.id == p.id);
        assert_eq!(
            p.client.heads(&p.id).unwrap(),
            p.therapist.heads(&p.id).unwrap()
        );
    }

    #[test]
    fn a_sealed_export_for_a_recipient_opens_with_its_identity() {
        let mut p = phones();
        let (file, recipient) = identity_file();
        let sealed = p
            .therapist
            .export_sealed(&p.id, &Seal::Recipient(recipient))
            .unwrap();
        let unseal = Unseal::Identity(Identity::parse(&file).unwrap());
        assert!(p.client.import_sealed(&sealed, &unseal).unwrap().created);
    }

    #[test]
    fn a_plain_export_imports_with_or_without_a_means_to_open() {
        let mut p = phones();
        let plain = p.therapist.export(&p.id).unwrap();
        assert!(
            p.client
                .import_sealed(&plain, &with("unused"))
                .unwrap()
                .created
        );
        assert!(!p.client.import(&plain).unwrap().changed);
    }

    /// A sealed file that does not open leaves the store exactly as it was: with no
    /// agreement, or with its agreement at the same heads.
    #[test]
    fn a_sealed_export_that_does_not_open_changes_nothing() {
        let mut p = phones();
        let first = sealed(&mut p);
        assert_eq!(
            problem(p.client.import(&first)),
            BackupProblem::NeedsPassphrase
        );
        assert_eq!(
            problem(p.client.import_sealed(&first, &with("wrong"))),
            BackupProblem::WrongKey
        );
        assert!(p.client.agreements().unwrap().is_empty());

        p.client.import_sealed(&first, &with(PASSPHRASE)).unwrap();
        let before = p.client.heads(&p.id).unwrap();
        p.therapist
            .set_term(
                &p.id,
                TermKey::LockoutHours,
                "12",
                Timestamp::from_millis(1_780_000_060_000),
            )
            .unwrap();
        let mut changed = sealed(&mut p);
        let last = changed.len() - 1;
        changed[last] ^= 0x80;
        assert_eq!(
            problem(p.client.import_sealed(&changed, &with(PASSPHRASE))),
            BackupProblem::Tampered
        );
        assert_eq!(
            problem(p.client.import_sealed(&changed[..last], &with(PASSPHRASE))),
            BackupProblem::Tampered
        );
        let (file, _) = identity_file();
        let identity = Unseal::Identity(Identity::parse(&file).unwrap());
        let again = sealed(&mut p);
        assert_eq!(
            problem(p.client.import_sealed(&again, &identity)),
            BackupProblem::NeedsPassphrase
        );
        assert_eq!(p.client.heads(&p.id).unwrap(), before);
    }

    #[test]
    fn what_a_sealed_file_holds_is_checked_as_a_plain_import_is() {
        let mut p = phones();
        let seal = Seal::Passphrase(passphrase(PASSPHRASE));
        let bomb =
            crate::inflation::tests::compressed_change_bomb(crate::inflation::MAX_INFLATED + 1);
        for plain in [&b"not automerge"[..], &bomb[..]] {
            let sealed = backup::seal(plain, &seal).unwrap();
            assert!(matches!(
                p.client.import_sealed(&sealed, &with(PASSPHRASE)),
                Err(Error::NotAnAgreement(_))
            ));
        }
        assert!(p.client.agreements().unwrap().is_empty());
    }
}
