//! Pairing and sync in the store: invitations, each agreement's paired peer, and the
//! message-level sync API. The protocol is described in [`crate::sync`].

use automerge::sync::{Message, SyncDoc};
use automerge::AutoCommit;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use automerge::transaction::CommitOptions;

use super::{chunks, projection, Agreement, Store};

use crate::doc::{self, Changed, Writer};
use crate::error::{Error, InvitationProblem, Rejection, Result};
use crate::identity::{self, fingerprint};
use crate::inflation;
use crate::model::{AgreementId, Pairing, Role};
use crate::sync::envelope::{self, device_id, Envelope, Kind, Route};
use crate::sync::fragments::Sender;
use crate::sync::invitation::{self, Invitation};
use crate::sync::join;
use crate::sync::seal::{KeyPair, Psk};
use crate::sync::session::{self, MessageSummary, Session};
use crate::time::Timestamp;

/// A paired peer, as `peers` lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PeerInfo {
    pub agreement: AgreementId,
    /// The peer's role: the client for a therapist, the therapist for a client.
    pub role: Role,
    /// The fingerprint of the peer's identity key: compare it with the peer's `whoami`.
    pub fingerprint: String,
    /// The fingerprint of the key this device seals the peer's messages to.
    pub sync_key_fingerprint: String,
    pub paired_at: Timestamp,
    /// Whether the pairing is complete. A client's is not until the therapist's first
    /// message arrives; until then it keeps proving it holds the invitation.
    pub confirmed: bool,
    /// Whether this device holds the agreement's document yet (a client that joined
    /// receives it with the therapist's first message).
    pub has_agreement: bool,
}

/// Where an agreement's sync with its paired peer stands, for the Sync screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    /// The peer's role.
    pub peer_role: Role,
    pub paired_at: Timestamp,
    /// See [`PeerInfo::confirmed`].
    pub confirmed: bool,
    /// See [`PeerInfo::has_agreement`].
    pub has_agreement: bool,
    /// When a message was last sent to the peer or accepted from it.
    pub last_contact: Option<Timestamp>,
    /// This phone holds changes the peer is not known to have yet.
    pub waiting_to_send: bool,
    /// A message is due now: news, an answer owed, a resend or a keep-alive.
    pub message_due: bool,
    /// Since when the last message sent has gone unanswered.
    pub awaiting_answer_since: Option<Timestamp>,
}

/// What an accepted message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncOutcome {
    pub agreement: AgreementId,
    /// A fragment of a larger message, held until the rest arrives: nothing applied yet.
    pub buffered: bool,
    /// The agreement's document arrived on this device with this message.
    pub created: bool,
    /// The document gained changes.
    pub changed: bool,
    /// This message completed a pairing: on a therapist's device a client joined, on
    /// a client's the therapist accepted it.
    pub paired: bool,
}

/// An agreement's paired peer and the sync session with it.
#[derive(Clone, Debug)]
struct Peer {
    role: Role,
    identity_key: [u8; 32],
    sync_key: [u8; 32],
    paired_at: Timestamp,
    /// A client's invitation secret, until the therapist accepted the pairing.
    join_secret: Option<[u8; 32]>,
    sent_counter: u64,
    received_counter: u64,
    session: Session,
}

impl Peer {
    fn device(&self) -> envelope::DeviceId {
        device_id(&self.identity_key)
    }
}

/// A joining client's first accepted message: the invitation it spends and its
/// signed proof, which the pairing record keeps.
struct Spend {
    psk_id: [u8; 16],
    proof: [u8; 64],
}

/// An invitation this (therapist's) store issued.
struct Issued {
    agreement: AgreementId,
    secret: [u8; 32],
    expires_at: Timestamp,
    spent: bool,
    spent_by: Option<[u8; 32]>,
}

fn damaged() -> Error {
    Error::StoreUnusable("a stored sync record is damaged".into())
}

fn key32(bytes: Vec<u8>) -> Result<[u8; 32]> {
    bytes.try_into().map_err(|_| damaged())
}

fn counter(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| damaged())
}

fn stored_counter(value: u64) -> i64 {
    i64::try_from(value).expect("counters stay far below 2^63")
}

/// The counter of the next message to a peer: above the last one sent, and at least
/// the clock in milliseconds times 1024. Counters must only grow, yet a phone
/// restored from a backup has forgotten the counters it sent after the backup was
/// taken; tied to the clock, its next counter is above all of them anyway, so the
/// peer accepts its first message after the restore, while any message captured
/// before still counts as a replay. (1024 messages per millisecond before the clock
/// part falls behind; until the year 9999 the counter stays below 2^59.)
fn next_counter(last: u64, now: Timestamp) -> u64 {
    let clock = u64::try_from(now.millis())
        .unwrap_or(0)
        .saturating_mul(1024);
    last.saturating_add(1).max(clock)
}

fn rejected(reason: Rejection) -> Error {
    Error::rejected(reason)
}

fn write_peer(tx: &Transaction<'_>, agreement: &AgreementId, peer: &Peer) -> Result<()> {
    let s = &peer.session;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO peers (agreement, role, identity_key, sync_key, paired_at, \
         join_secret, sent_counter, received_counter, sync_state, their_heads, their_need, \
         sent_heads, reply_owed, awaiting_since, contact_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        agreement.as_str(),
        peer.role.as_str(),
        peer.identity_key.to_vec(),
        peer.sync_key.to_vec(),
        peer.paired_at.millis(),
        peer.join_secret.map(|s| s.to_vec()),
        stored_counter(peer.sent_counter),
        stored_counter(peer.received_counter),
        s.encoded_state(),
        s.their_heads.as_deref().map(projection::heads_bytes),
        projection::heads_bytes(&s.their_need),
        s.sent_heads.as_deref().map(projection::heads_bytes),
        s.reply_owed,
        s.awaiting_since.map(Timestamp::millis),
        s.contact_at.map(Timestamp::millis),
    ])?;
    Ok(())
}

impl Store {
    /// Issues an invitation for a phone of the other party to pair with this
    /// agreement: one line of text (a QR code's worth), valid for 48 hours and usable
    /// once. A therapist's phone invites the client's phone (or its replacement); a
    /// client's phone invites the therapist's new phone, in person, when the therapist
    /// replaced theirs. Only a phone whose key the agreement records for its party may
    /// invite.
    pub fn invite(&mut self, id: &AgreementId, now: Timestamp) -> Result<String> {
        let agreement = self.resolve(id)?;
        let me = self.me()?;
        let signatures = projection::signatures(&self.conn, agreement.ag)?;
        if !self
            .party_keys(id, &signatures)?
            .holds(me.role, &me.public_key())
        {
            return Err(Error::invalid(
                "agreement",
                "only a phone this agreement records for its party can invite to it",
            ));
        }
        let invitation = Invitation::issue(me, id, self.relay()?, now);
        self.conn
            .prepare_cached(
                "INSERT INTO invitations (psk_id, agreement, secret, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                invitation.psk_id().to_vec(),
                id.as_str(),
                invitation.secret.to_vec(),
                now.millis(),
                invitation.expires_at.millis(),
            ])?;
        Ok(invitation.to_line())
    }

    /// The newest invitation this phone issued for agreement `id` that is neither
    /// spent nor expired at `now`, as its line and expiry: the Invite screen shows
    /// it again until it is used.
    pub fn open_invitation(
        &self,
        id: &AgreementId,
        now: Timestamp,
    ) -> Result<Option<(String, Timestamp)>> {
        let me = self.me()?;
        let row: Option<(Vec<u8>, i64)> = self
            .conn
            .prepare_cached(
                "SELECT secret, expires_at FROM invitations WHERE agreement = ?1 \
                 AND spent_at IS NULL AND expires_at > ?2 ORDER BY created_at DESC LIMIT 1",
            )?
            .query_row(params![id.as_str(), now.millis()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(secret, expires_at)| {
            let expires_at = Timestamp::from_millis(expires_at);
            let invitation = Invitation::reissue(me, id, key32(secret)?, self.relay()?, expires_at);
            Ok((invitation.to_line(), expires_at))
        })
        .transpose()
    }

    /// Joins the agreement an invitation from the other party names: records the
    /// issuing phone as the agreement's peer. The document arrives with its first
    /// message; until then every message this device sends proves it holds the
    /// invitation. A client joins with the therapist's invitation; a therapist's new
    /// phone joins with the client's (a handover).
    pub fn join(&mut self, code: &str, now: Timestamp) -> Result<AgreementId> {
        let issuer = self.me()?.role.other();
        let invitation = Invitation::parse(code, issuer)?;
        if invitation.is_expired(now) {
            return Err(Error::InvitationRefused(InvitationProblem::Expired));
        }
        let id = invitation.agreement.clone();
        if projection::agreement_key(&self.conn, &id)?.is_some() {
            let signatures = projection::signatures(&self.conn, self.resolve(&id)?.ag)?;
            if !self
                .party_keys(&id, &signatures)?
                .holds(issuer, &invitation.issuer_identity)
            {
                return Err(Error::InvitationRefused(InvitationProblem::Forged));
            }
        }
        let peer = self.paired(
            &id,
            issuer,
            invitation.issuer_identity,
            invitation.issuer_sync,
            now,
        )?;
        let mut peer = Peer {
            join_secret: Some(invitation.secret),
            ..peer
        };
        // A new invitation is news for the issuer even if this device sent it an
        // earlier one: the next message is due now.
        peer.session.sent_heads = None;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_peer(&tx, &id, &peer)?;
        if let Some(relay) = &invitation.relay {
            super::relay::write_relay(&tx, Some(relay))?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every agreement's paired peer on this device.
    pub fn peers(&self) -> Result<Vec<PeerInfo>> {
        type Row = (String, String, Vec<u8>, Vec<u8>, i64, bool, bool);
        let rows: Vec<Row> = self
            .conn
            .prepare_cached(
                "SELECT p.agreement, p.role, p.identity_key, p.sync_key, p.paired_at, \
                 p.join_secret IS NULL, a.ag IS NOT NULL \
                 FROM peers p LEFT JOIN agreements a ON a.id = p.agreement \
                 ORDER BY p.paired_at, p.agreement",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(
                |(agreement, role, identity, sync, paired_at, confirmed, has)| {
                    Ok(PeerInfo {
                        agreement: AgreementId::parse(&agreement).map_err(|_| damaged())?,
                        role: role.parse().map_err(|_| damaged())?,
                        fingerprint: fingerprint(&identity),
                        sync_key_fingerprint: fingerprint(&sync),
                        paired_at: Timestamp::from_millis(paired_at),
                        confirmed,
                        has_agreement: has,
                    })
                },
            )
            .collect()
    }

    /// Where the sync of agreement `id` with its peer stands at `now`; `None` if no
    /// peer is paired for it.
    pub fn sync_status(&self, id: &AgreementId, now: Timestamp) -> Result<Option<SyncStatus>> {
        now.check("now")?;
        let Some(peer) = self.peer(id)? else {
            return Ok(None);
        };
        let ag = projection::agreement_key(&self.conn, id)?;
        let ours = match ag {
            Some(ag) => projection::heads(&self.conn, ag)?,
            None => Vec::new(),
        };
        Ok(Some(SyncStatus {
            peer_role: peer.role,
            paired_at: peer.paired_at,
            confirmed: peer.join_secret.is_none(),
            has_agreement: ag.is_some(),
            last_contact: peer.session.contact_at,
            waiting_to_send: !ours.iter().all(|h| peer.session.shared_heads.contains(h)),
            message_due: peer.session.is_due(&ours, now),
            awaiting_answer_since: peer.session.awaiting_since,
        }))
    }

    /// The agreement a sync command acts on: the one given (it must have a paired
    /// peer), or the only agreement that has one.
    pub fn select_synced_agreement(&self, given: Option<&str>) -> Result<AgreementId> {
        let paired: Vec<AgreementId> = self.peers()?.into_iter().map(|p| p.agreement).collect();
        let id =
            match given {
                Some(text) => AgreementId::parse(text)?,
                None => match paired.as_slice() {
                    [only] => return Ok(only.clone()),
                    [] => return Err(Error::invalid(
                        "agreement",
                        "no agreement in this store has a paired peer yet: invite or join first",
                    )),
                    more => {
                        return Err(Error::AgreementNeeded(
                            crate::error::AgreementNeeded::Ambiguous { count: more.len() },
                        ))
                    }
                },
            };
        if paired.contains(&id) {
            Ok(id)
        } else {
            Err(Error::not_found("paired peer for agreement", id.as_str()))
        }
    }

    /// The next message for this agreement's paired peer, or `None` when nothing is
    /// due (see [`crate::sync::session`]). Each message is sealed for the peer alone
    /// and at most [`envelope::MAX_MESSAGE_BYTES`] long; call again until `None` to
    /// get everything due. Loads the document only when a message is due.
    pub fn sync_next(&mut self, id: &AgreementId, now: Timestamp) -> Result<Option<Vec<u8>>> {
        self.me()?;
        if let Some(fragment) = self.fragments.next_outgoing(id) {
            return Ok(Some(fragment));
        }
        let mut peer = self
            .peer(id)?
            .ok_or_else(|| Error::not_found("paired peer for agreement", id.as_str()))?;
        let local =
            projection::agreement_key(&self.conn, id)?.map(|ag| Agreement { id: id.clone(), ag });
        let ours = match &local {
            Some(agreement) => projection::heads(&self.conn, agreement.ag)?,
            None => Vec::new(),
        };
        if !peer.session.is_due(&ours, now) {
            return Ok(None);
        }
        let mut nothing_yet = AutoCommit::new();
        let doc = match &local {
            Some(agreement) => self.doc(agreement)?,
            None => &mut nothing_yet,
        };
        let holds = doc.get_missing_deps(&peer.session.shared_heads).is_empty();
        let mut state = peer.session.state(holds);
        let Some(message) = session::generate(doc, &mut state) else {
            return Ok(None);
        };
        peer.session.sent(&state, now);
        let me = self.me()?;
        let (my_secret, my_public) = (me.sync_secret_bytes(), me.sync_public_key());
        let (kind, body, psk_id) = match &peer.join_secret {
            Some(secret) => {
                let psk_id = invitation::psk_id(secret);
                let body = join::body(me, id, &psk_id, &message.encode());
                let kind = Kind::Join {
                    psk_id,
                    sync_key: me.sync_public_key(),
                };
                (kind, body, psk_id)
            }
            None => (Kind::Sync, message.encode(), [0; 16]),
        };
        let route = Route {
            kind,
            agreement: id,
            sender: device_id(&me.public_key()),
            sender_keys: KeyPair {
                secret: &my_secret,
                public: &my_public,
            },
            recipient: peer.device(),
            recipient_key: &peer.sync_key,
            psk: peer.join_secret.as_ref().map(|secret| Psk {
                secret,
                id: &psk_id,
            }),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Under the write lock: another process on this file (the app's worker, the
        // CLI) may have sent to the peer since the row was read; never reuse its counter.
        let stored: i64 = tx
            .prepare_cached("SELECT sent_counter FROM peers WHERE agreement = ?1")?
            .query_row([id.as_str()], |r| r.get(0))?;
        let sent_counter = next_counter(counter(stored)?.max(peer.sent_counter), now);
        let mut sealed = envelope::seal_all(&route, sent_counter, &body)?;
        peer.sent_counter = sent_counter;
        write_peer(&tx, id, &peer)?;
        tx.commit()?;
        let first = sealed.remove(0);
        self.fragments.queue_outgoing(id, sealed);
        Ok(Some(first))
    }

    /// Applies a message received from a peer. Every check of [`crate::sync`] runs
    /// before anything is applied; a rejected message (`Error::Rejected`, or
    /// `Error::InvitationRefused` for a joining client) changes nothing. An accepted
    /// one changes the document, the sync session and the counters in one
    /// transaction.
    pub fn sync_receive(&mut self, bytes: &[u8], now: Timestamp) -> Result<SyncOutcome> {
        let me = self.me()?;
        let (my_device, my_secret, my_role) =
            (device_id(&me.public_key()), me.sync_secret_bytes(), me.role);
        let envelope = Envelope::parse(bytes)?;
        let header = envelope.header.clone();
        if header.recipient != my_device {
            return Err(rejected(Rejection::WrongRecipient));
        }
        let id = header.agreement.clone();
        let current = self.peer(&id)?;
        let known = current.as_ref().filter(|p| p.device() == header.sender);
        let (sender_key, invitation) = match &header.kind {
            Kind::Sync => (
                known.ok_or(rejected(Rejection::UnknownSender))?.sync_key,
                None,
            ),
            Kind::Join { psk_id, sync_key } => {
                let issued = self
                    .issued(psk_id)?
                    .filter(|i| i.agreement == id)
                    .ok_or(Error::InvitationRefused(InvitationProblem::Forged))?;
                refuse_unusable_invitation(&issued, &header, known, sync_key, now)?;
                (*sync_key, Some((*psk_id, issued)))
            }
        };
        let last = known.map_or(0, |p| p.received_counter);
        if header.counter <= last {
            return Err(rejected(Rejection::Replayed));
        }
        let sender = Sender {
            key: &sender_key,
            paired: known.is_some_and(|p| p.sync_key == sender_key),
        };
        self.fragments
            .check(&header, sender, envelope.sealed_len())
            .map_err(rejected)?;
        let psk = invitation
            .as_ref()
            .map(|(psk_id, issued)| (issued.secret, *psk_id));
        let fragment = envelope.open(
            &my_secret,
            &sender_key,
            psk.as_ref().map(|(secret, id)| Psk { secret, id }),
        )?;
        let Some(body) = self.fragments.add(&header, sender, fragment) else {
            return Ok(SyncOutcome {
                agreement: id,
                buffered: true,
                created: false,
                changed: false,
                paired: false,
            });
        };

        // The whole message is here and authentic: who is it from, and what does it pair?
        let (mut peer, sync_bytes, spend) = match invitation {
            None => (known.cloned().expect("checked above"), &body[..], None),
            Some((psk_id, issued)) => {
                let joined = join::open_body(&body, my_role.other(), &id, &psk_id, &sender_key)
                    .filter(|j| device_id(&j.identity_key) == header.sender)
                    .ok_or(rejected(Rejection::Tampered))?;
                let (identity, sync_bytes) = (joined.identity_key, joined.sync_message);
                if issued.spent_by == Some(identity) {
                    // The paired client again, still proving it holds the invitation
                    // because it has not heard back yet; unless it was replaced since.
                    let peer = known
                        .filter(|p| p.identity_key == identity)
                        .ok_or(rejected(Rejection::UnknownSender))?;
                    (peer.clone(), sync_bytes, None)
                } else if issued.spent {
                    return Err(Error::InvitationRefused(InvitationProblem::Spent));
                } else if now >= issued.expires_at {
                    return Err(Error::InvitationRefused(InvitationProblem::Expired));
                } else {
                    let peer = self.paired(&id, my_role.other(), identity, sender_key, now)?;
                    let spend = Spend {
                        psk_id,
                        proof: joined.proof,
                    };
                    (peer, sync_bytes, Some(spend))
                }
            }
        };
        let message =
            Message::decode(sync_bytes).map_err(|_| rejected(Rejection::InvalidContent))?;
        check_inflation(&message)?;
        let paired = spend.is_some() || peer.join_secret.is_some();
        peer.join_secret = None;
        peer.received_counter = header.counter;
        let (created, changed) = match projection::agreement_key(&self.conn, &id)? {
            Some(ag) => {
                let agreement = Agreement { id: id.clone(), ag };
                (
                    false,
                    self.apply(&agreement, &mut peer, message, spend, now)?,
                )
            }
            None => {
                let created = self.adopt(&id, &mut peer, message, now)?;
                (created, created)
            }
        };
        Ok(SyncOutcome {
            agreement: id,
            buffered: false,
            created,
            changed,
            paired,
        })
    }

    /// Applies an accepted sync message to an agreement this store holds, persisting
    /// it with the peer's new session. A message that pairs a client also spends the
    /// invitation and records the pairing in the agreement, in the same transaction.
    /// Returns whether the document changed.
    fn apply(
        &mut self,
        agreement: &Agreement,
        peer: &mut Peer,
        message: Message,
        spend: Option<Spend>,
        now: Timestamp,
    ) -> Result<bool> {
        let summary = MessageSummary::of(&message);
        let mut authors = self.authors(Some(&agreement.id))?;
        authors.add(&peer.identity_key, peer.role);
        let pairing = match &spend {
            Some(spend) => Some(self.pairing_record(&agreement.id, peer, spend, now)?),
            None => None,
        };
        let doc = self.doc(agreement)?;
        let holds = doc.get_missing_deps(&peer.session.shared_heads).is_empty();
        let mut state = peer.session.state(holds);
        let before = doc.get_heads();
        if doc
            .sync()
            .receive_sync_message(&mut state, message)
            .is_err()
        {
            self.docs.remove(&agreement.ag);
            return Err(rejected(Rejection::InvalidContent));
        }
        if doc.get_heads() != before {
            if let Err(violation) = doc::admit(doc, &before, &authors) {
                self.docs.remove(&agreement.ag);
                return Err(Error::Refused(violation));
            }
        }
        if let Some(pairing) = &pairing {
            Writer::new(doc).put_pairing(pairing)?;
            doc.commit_with(CommitOptions::default().with_time(now.millis().div_euclid(1000)));
        }
        let after = doc.get_heads();
        let changed = if after == before {
            Changed::default()
        } else {
            doc::changed_entries(&doc.diff(&before, &after))
        };
        peer.session.received(&state, &summary, &after, now);
        let peer = &*peer;
        let also = |tx: &Transaction<'_>| {
            write_peer(tx, &agreement.id, peer)?;
            if let Some(spend) = &spend {
                spend_invitations(tx, &agreement.id, &spend.psk_id, &peer.identity_key, now)?;
            }
            Ok(())
        };
        match self.persist_with(agreement, &before, Some(changed), Some(&also)) {
            // A touched entry that does not read back: the merge was dropped.
            Err(Error::NotAnAgreement(_)) => Err(rejected(Rejection::InvalidContent)),
            other => other.map(|()| after != before),
        }
    }

    /// The first document of a phone that joined: the message must carry a whole,
    /// valid agreement (checked like an import) with the invitation's id, in which the
    /// issuing phone's key is recorded for its party.
    /// Returns whether the agreement arrived (a message may carry no document yet).
    fn adopt(
        &mut self,
        id: &AgreementId,
        peer: &mut Peer,
        message: Message,
        now: Timestamp,
    ) -> Result<bool> {
        let summary = MessageSummary::of(&message);
        let mut doc = AutoCommit::new();
        let mut state = peer.session.state(true);
        doc.sync()
            .receive_sync_message(&mut state, message)
            .map_err(|_| rejected(Rejection::InvalidContent))?;
        let heads = doc.get_heads();
        let mut authors = self.authors(None)?;
        authors.add(&peer.identity_key, peer.role);
        doc::admit(&mut doc, &[], &authors).map_err(Error::Refused)?;
        peer.session.received(&state, &summary, &heads, now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if heads.is_empty() {
            write_peer(&tx, id, peer)?;
            tx.commit()?;
            return Ok(false);
        }
        let snapshot =
            doc::read_agreement(&doc).map_err(|_| rejected(Rejection::InvalidContent))?;
        let (mut pairings, mut signatures) = (Vec::new(), Vec::new());
        for entry in &snapshot.entries {
            match entry {
                doc::Entry::Pairing(p) => pairings.push(p.clone()),
                doc::Entry::Signature(s) => {
                    signatures.push(identity::SignatureRecord::check(id, s.clone()))
                }
                _ => {}
            }
        }
        let keys =
            identity::PartyKeys::of(id, &snapshot.header.therapist_key, &pairings, &signatures);
        if snapshot.header.id != *id || !keys.holds(peer.role, &peer.identity_key) {
            return Err(rejected(Rejection::InvalidContent));
        }
        let (ag, seq) = super::agreements::insert_document(&tx, &snapshot.header, &mut doc)?;
        write_peer(&tx, id, peer)?;
        tx.commit()?;
        self.note_changed(id);
        let doc = doc.with_actor(self.actor()?);
        self.docs.insert(ag, chunks::Loaded::written(doc, seq));
        Ok(true)
    }

    /// The record of a peer's pairing, signed by this device.
    fn pairing_record(
        &self,
        id: &AgreementId,
        peer: &Peer,
        spend: &Spend,
        now: Timestamp,
    ) -> Result<Pairing> {
        let me = self.me()?;
        let (key, invitation, sync_key) = (&peer.identity_key, &spend.psk_id, &peer.sync_key);
        let message = identity::pairing_message(id, peer.role, key, now, invitation, sync_key);
        Ok(Pairing {
            id: crate::model::EntryId::random(),
            role: peer.role,
            key: key.to_vec(),
            paired_at: now,
            invitation: invitation.to_vec(),
            sync_key: sync_key.to_vec(),
            proof: spend.proof.to_vec(),
            by_key: me.public_key().to_vec(),
            signature: me.sign_bytes(&message).to_vec(),
        })
    }

    /// A new pairing of `id` with a device, replacing any previous peer. Counters
    /// never go back: our sent counter carries over whoever the peer is, and the
    /// received one too when the same device pairs again, so no message of an
    /// earlier pairing can be replayed into this one.
    fn paired(
        &self,
        id: &AgreementId,
        role: Role,
        identity_key: [u8; 32],
        sync_key: [u8; 32],
        now: Timestamp,
    ) -> Result<Peer> {
        let previous = self.peer(id)?;
        let same = previous.as_ref().filter(|p| p.identity_key == identity_key);
        Ok(Peer {
            role,
            identity_key,
            sync_key,
            paired_at: now,
            join_secret: None,
            sent_counter: previous.as_ref().map_or(0, |p| p.sent_counter),
            received_counter: same.map_or(0, |p| p.received_counter),
            session: same.map(|p| p.session.clone()).unwrap_or_default(),
        })
    }

    fn peer(&self, id: &AgreementId) -> Result<Option<Peer>> {
        type Row = (
            String,
            Vec<u8>,
            Vec<u8>,
            i64,
            Option<Vec<u8>>,
            i64,
            i64,
            Vec<u8>,
            Option<Vec<u8>>,
            Vec<u8>,
            Option<Vec<u8>>,
            bool,
            Option<i64>,
            Option<i64>,
        );
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT role, identity_key, sync_key, paired_at, join_secret, sent_counter, \
                 received_counter, sync_state, their_heads, their_need, sent_heads, \
                 reply_owed, awaiting_since, contact_at FROM peers WHERE agreement = ?1",
            )?
            .query_row([id.as_str()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                ))
            })
            .optional()?;
        let Some((
            role,
            identity,
            sync,
            paired_at,
            secret,
            sent,
            received,
            state,
            theirs,
            need,
            sent_heads,
            owed,
            awaiting,
            contact,
        )) = row
        else {
            return Ok(None);
        };
        let shared_heads = automerge::sync::State::decode(&state)
            .map_err(|_| damaged())?
            .shared_heads;
        Ok(Some(Peer {
            role: role.parse().map_err(|_| damaged())?,
            identity_key: key32(identity)?,
            sync_key: key32(sync)?,
            paired_at: Timestamp::from_millis(paired_at),
            join_secret: secret.map(key32).transpose()?,
            sent_counter: counter(sent)?,
            received_counter: counter(received)?,
            session: Session {
                shared_heads,
                their_heads: theirs.as_deref().map(projection::heads_from).transpose()?,
                their_need: projection::heads_from(&need)?,
                sent_heads: sent_heads
                    .as_deref()
                    .map(projection::heads_from)
                    .transpose()?,
                reply_owed: owed,
                awaiting_since: awaiting.map(Timestamp::from_millis),
                contact_at: contact.map(Timestamp::from_millis),
            },
        }))
    }

    fn issued(&self, psk_id: &[u8; 16]) -> Result<Option<Issued>> {
        type Row = (String, Vec<u8>, i64, bool, Option<Vec<u8>>);
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT agreement, secret, expires_at, spent_at IS NOT NULL, spent_by \
                 FROM invitations WHERE psk_id = ?1",
            )?
            .query_row([psk_id.to_vec()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        row.map(|(agreement, secret, expires_at, spent, spent_by)| {
            Ok(Issued {
                agreement: AgreementId::parse(&agreement).map_err(|_| damaged())?,
                secret: key32(secret)?,
                expires_at: Timestamp::from_millis(expires_at),
                spent,
                spent_by: spent_by.map(key32).transpose()?,
            })
        })
        .transpose()
    }
}

/// Refuses a joining client's message that its invitation cannot let in, from the
/// header alone: before any fragment is opened or held, so that someone who merely saw
/// a spent or expired invitation line costs the therapist's phone no memory and
/// cannot hold back the real client's messages. An invitation spent by the very
/// sender (a paired client that has not heard back yet) is still let through to be
/// opened: only the body proves who sent it. Its claimed device must then be the
/// paired peer, sealing with the key on record.
fn refuse_unusable_invitation(
    issued: &Issued,
    header: &envelope::Header,
    known: Option<&Peer>,
    sync_key: &[u8; 32],
    now: Timestamp,
) -> Result<()> {
    let by_sender = issued
        .spent_by
        .is_some_and(|key| device_id(&key) == header.sender);
    if issued.spent && !by_sender {
        return Err(Error::InvitationRefused(InvitationProblem::Spent));
    }
    if now >= issued.expires_at && !by_sender {
        return Err(Error::InvitationRefused(InvitationProblem::Expired));
    }
    let imitated = known.is_some_and(|p| p.sync_key != *sync_key);
    if imitated || (by_sender && known.is_none()) {
        return Err(rejected(Rejection::UnknownSender));
    }
    Ok(())
}

/// Refuses a sync message whose changes would inflate past
/// [`inflation::MAX_INFLATED`], before Automerge decompresses them.
fn check_inflation(message: &Message) -> Result<()> {
    let changes: Vec<u8> = message.changes.iter().flatten().copied().collect();
    match inflation::inflated_size(&changes, inflation::MAX_INFLATED) {
        Ok(_) => Ok(()),
        Err(inflation::Problem::TooLarge) => Err(rejected(Rejection::TooLarge)),
        Err(inflation::Problem::Malformed) => Err(rejected(Rejection::InvalidContent)),
    }
}

/// Spends the invitation a client paired with, and every other open invitation of
/// the agreement: once a client has paired, a leaked invitation must not replace it.
fn spend_invitations(
    tx: &Transaction<'_>,
    agreement: &AgreementId,
    psk_id: &[u8; 16],
    client: &[u8; 32],
    now: Timestamp,
) -> Result<()> {
    tx.prepare_cached("UPDATE invitations SET spent_at = ?2, spent_by = ?3 WHERE psk_id = ?1")?
        .execute(params![psk_id.to_vec(), now.millis(), client.to_vec()])?;
    tx.prepare_cached(
        "UPDATE invitations SET spent_at = ?2 WHERE agreement = ?1 AND spent_at IS NULL",
    )?
    .execute(params![agreement.as_str(), now.millis()])?;
    Ok(())
}

#[cfg(test)]
mod tests;
