//! What a relay pass needs from the store ([`crate::relay`]): this phone's relay,
//! the mailbox of each agreement's peer, and requests signed by this device's key.

use coachline_relay_protocol::{Audience, Auth, Mailbox, Signed};
use rusqlite::{OptionalExtension, Transaction};

use super::Store;
use crate::error::{Error, Result};
use crate::model::AgreementId;
use crate::time::Timestamp;

/// Records `relay` as the phone's relay, in `tx`.
pub(super) fn write_relay(tx: &Transaction<'_>, relay: Option<&Audience>) -> Result<()> {
    tx.prepare_cached("UPDATE identity SET relay = ?1")?
        .execute([relay.map(Audience::as_str)])?;
    Ok(())
}

impl Store {
    /// The relay this phone syncs through: the one its user gave last, or else the
    /// one named by the invitation it joined with. Its own invitations name it.
    pub fn relay(&self) -> Result<Option<Audience>> {
        self.me()?;
        let url: Option<String> = self
            .conn
            .prepare_cached("SELECT relay FROM identity")?
            .query_row([], |r| r.get(0))
            .optional()?
            .flatten();
        url.map(|url| {
            Audience::of_url(&url)
                .map_err(|_| Error::StoreUnusable("the stored relay address is damaged".into()))
        })
        .transpose()
    }

    /// Sets (or, with `None`, forgets) the relay this phone syncs through. An address
    /// that is not a relay's base URL is [`Error::InvalidInput`] and changes nothing.
    pub fn set_relay(&mut self, url: Option<&str>) -> Result<Option<Audience>> {
        self.me()?;
        let relay = url
            .map(|url| Audience::of_url(url).map_err(|e| Error::invalid("relay", e.to_string())))
            .transpose()?;
        let tx = self.conn.transaction()?;
        write_relay(&tx, relay.as_ref())?;
        tx.commit()?;
        Ok(relay)
    }

    /// Each paired agreement with its peer's mailbox, in pairing order.
    pub(crate) fn peer_mailboxes(&self) -> Result<Vec<(AgreementId, Mailbox)>> {
        let rows: Vec<(String, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT agreement, identity_key FROM peers ORDER BY paired_at, agreement",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let damaged = || Error::StoreUnusable("a stored sync record is damaged".into());
        rows.into_iter()
            .map(|(agreement, key)| {
                let key: [u8; 32] = key.try_into().map_err(|_| damaged())?;
                Ok((
                    AgreementId::parse(&agreement).map_err(|_| damaged())?,
                    Mailbox::of_key(&key),
                ))
            })
            .collect()
    }

    /// The last message [`Store::sync_next`] gave for agreement `id` never reached
    /// the peer (the relay refused it, or the network failed): a message is due
    /// again at once instead of after the resend delay, and the rest of its
    /// fragments are dropped. Its counter stays spent.
    pub fn sync_undelivered(&mut self, id: &AgreementId) -> Result<()> {
        self.fragments.drop_outgoing(id);
        self.conn
            .prepare_cached(
                "UPDATE peers SET sent_heads = NULL, awaiting_since = NULL WHERE agreement = ?1",
            )?
            .execute([id.as_str()])?;
        Ok(())
    }

    /// This device's own mailbox.
    pub(crate) fn mailbox(&self) -> Result<Mailbox> {
        Ok(Mailbox::of_key(&self.me()?.public_key()))
    }

    /// Signs a relay request with this device's identity key at `now`, with a fresh
    /// nonce.
    pub(crate) fn sign_relay_request(&self, request: &Signed<'_>, now: Timestamp) -> Result<Auth> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce)
            .map_err(|_| Error::Io(std::io::Error::other("no random source")))?;
        Ok(self.me()?.sign_relay_request(request, now.millis(), nonce))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Role;
    use crate::store::{test_key as key, Store};
    use crate::Timestamp;

    fn t0() -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000)
    }

    #[test]
    fn the_relay_is_kept_and_bad_addresses_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path, &key()).unwrap();
        store.init(Role::Therapist, "T", t0()).unwrap();
        assert_eq!(store.relay().unwrap(), None);
        let set = store.set_relay(Some("HTTPS://Relay.example.org/")).unwrap();
        assert_eq!(set.unwrap().as_str(), "https://relay.example.org");
        assert!(store.set_relay(Some("relay.example.org")).is_err());
        drop(store);
        let mut store = Store::open(&path, &key()).unwrap();
        assert_eq!(
            store.relay().unwrap().unwrap().as_str(),
            "https://relay.example.org"
        );
        store.set_relay(None).unwrap();
        assert_eq!(store.relay().unwrap(), None);
    }
}
