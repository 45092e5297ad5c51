//! [`RelayPass`]: one sync pass through a relay, sans-IO, as the shells drive it.
//!
//! The core says which HTTP request to make next and takes the answer as a value
//! ([`coachline_core::relay`]); the shell moves the bytes with its platform's HTTP
//! stack (`HttpURLConnection`, `URLSession`, `urllib`):
//!
//! ```text
//! val pass = store.relayPass(null)                  // the store's own relay
//! while (true) {
//!     val request = pass.nextRequest(now) ?: break  // null: the pass is over
//!     pass.receive(http(request), now)              // the relay's answer, as it came
//! }
//! pass.report()
//! ```
//!
//! Each call takes the store's lock for its own length only, never across the
//! shell's HTTP request, so the screens keep working during a pass; the messages a
//! `receive` applied are told to the store's change listeners like any other write.

use std::sync::{Arc, Mutex, PoisonError};

use coachline_core::relay::{self as core, Response};

use crate::convert::instant;
use crate::error::{CoachlineError, Result, PANIC_MESSAGE};
use crate::store::CoachlineStore;

/// One HTTP header of a relay request.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RelayHeader {
    /// In lower case.
    pub name: String,
    pub value: String,
}

/// An HTTP request for the shell to make, exactly as given: the method, the whole
/// URL, every header, the body (empty for `GET`). The headers name this device and
/// sign the request: do not log them, nor the URL (it names a mailbox).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct RelayRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The relay's address, the path and the query.
    pub url: String,
    pub headers: Vec<RelayHeader>,
    /// Sealed messages or acknowledged ids: opaque bytes. Send as
    /// `application/octet-stream`.
    pub body: Vec<u8>,
}

/// The method and the body's size only: the URL and headers name devices.
impl std::fmt::Debug for RelayRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RelayRequest {{ {}, {} body bytes }}",
            self.method,
            self.body.len()
        )
    }
}

/// The relay's answer, as the shell received it: its HTTP status and its whole body,
/// whatever the status (a refusal's body says why).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct RelayResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for RelayResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RelayResponse {{ {}, {} body bytes }}",
            self.status,
            self.body.len()
        )
    }
}

/// What a pass did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct RelayPassReport {
    /// Messages deposited into the peers' mailboxes.
    pub sent: i32,
    /// Messages the relay would not keep for a peer (its mailbox full, a message too
    /// large): the sync sends them again later.
    pub undelivered: i32,
    /// Messages fetched from this device's mailbox.
    pub received: i32,
    /// Fetched messages applied.
    pub applied: i32,
    /// Fetched messages refused for good (a replay, a stranger, tampering), and
    /// acknowledged so the relay deletes them.
    pub rejected: i32,
    /// Bytes of the sealed messages deposited and fetched: what the sync itself costs.
    pub sealed_bytes_sent: i64,
    pub sealed_bytes_received: i64,
    /// Bytes of the requests (URL, headers, body) and of the answers' bodies: the
    /// sealed bytes plus the relay protocol's overhead (not HTTP's own framing).
    pub bytes_up: i64,
    pub bytes_down: i64,
}

fn saturate(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<core::PassReport> for RelayPassReport {
    fn from(r: core::PassReport) -> Self {
        Self {
            sent: saturate(r.sent),
            undelivered: saturate(r.undelivered),
            received: saturate(r.received),
            applied: saturate(r.applied),
            rejected: saturate(r.rejected),
            sealed_bytes_sent: i64::try_from(r.sealed_bytes_sent).unwrap_or(i64::MAX),
            sealed_bytes_received: i64::try_from(r.sealed_bytes_received).unwrap_or(i64::MAX),
            bytes_up: i64::try_from(r.bytes_up).unwrap_or(i64::MAX),
            bytes_down: i64::try_from(r.bytes_down).unwrap_or(i64::MAX),
        }
    }
}

impl From<core::Request> for RelayRequest {
    fn from(r: core::Request) -> Self {
        Self {
            method: r.method.as_str().into(),
            url: r.url,
            headers: r
                .headers
                .into_iter()
                .map(|(name, value)| RelayHeader { name, value })
                .collect(),
            body: r.body,
        }
    }
}

/// One sync pass through a relay: sends what is due to every paired phone, fetches
/// this phone's mailbox, applies what it holds, acknowledges what was applied or
/// refused for good, and sends the answers. Ask `next_request` for a request, make
/// it, hand the answer to `receive`, and again until `next_request` gives none.
///
/// A refusal by the relay is `CoachlineError.Relay` (with the relay's code) from
/// `receive`, and ends the pass; a pass may be dropped at any point (the app killed,
/// the network gone): nothing is lost, and the next pass picks up where it stopped.
/// Closing the store makes every later call `Closed`.
#[derive(uniffi::Object)]
pub struct RelayPass {
    store: Arc<CoachlineStore>,
    /// Locked inside the store's lock (so always after it), for the length of one call.
    pass: Mutex<core::RelayPass>,
}

/// The pass's stage and counts: nothing that names a device.
impl std::fmt::Debug for RelayPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pass.try_lock() {
            Ok(pass) => pass.fmt(f),
            Err(_) => f.write_str("RelayPass { .. }"),
        }
    }
}

#[uniffi::export]
impl CoachlineStore {
    /// The relay this phone syncs through (its base URL, e.g.
    /// `https://relay.example.org`): the one set last, or else the one named by the
    /// invitation it joined with. None when it has none. Its own invitations name it.
    pub fn relay(&self) -> Result<Option<String>> {
        self.screen(|s| Ok(s.relay()?.map(|relay| relay.as_str().to_owned())))
    }

    /// Sets (or, with none, forgets) the relay this phone syncs through: an `http` or
    /// `https` base URL (scheme, host, optional port; no path). Anything else is
    /// `InvalidInput` and changes nothing.
    #[uniffi::method(default(url = None))]
    pub fn set_relay(&self, url: Option<String>) -> Result<()> {
        self.screen(|s| {
            s.set_relay(url.as_deref())?;
            Ok(())
        })
    }

    /// A sync pass through `url`, or through this phone's relay when none
    /// (`Relay(NoRelay)` if it has none). Giving `url` does not record it:
    /// `set_relay` does. An address that is not a relay's base URL is `InvalidInput`.
    #[uniffi::method(default(url = None))]
    pub fn relay_pass(self: Arc<Self>, url: Option<String>) -> Result<Arc<RelayPass>> {
        let pass = self.screen(|s| Ok(core::RelayPass::new(s, url.as_deref())?))?;
        Ok(Arc::new(RelayPass {
            store: self,
            pass: Mutex::new(pass),
        }))
    }
}

#[uniffi::export]
impl RelayPass {
    /// The next request to make, or none when the pass is over. `now_ms` is the
    /// phone's clock (none: the system's): what is due is worked out at it, and the
    /// request is signed at it, which the relay checks against its own clock. Asking
    /// again before `receive` took the last answer is `Relay(OutOfTurn)`.
    #[uniffi::method(default(now_ms = None))]
    pub fn next_request(&self, now_ms: Option<i64>) -> Result<Option<RelayRequest>> {
        let now = instant("now_ms", now_ms)?;
        self.with_pass(|store, pass| {
            Ok(pass.next_request(store, now, now)?.map(RelayRequest::from))
        })
    }

    /// Takes the relay's answer to the last request, whatever its status. The
    /// messages it applies are stored, then told to the change listeners. A refusal
    /// is `Relay(Refused(code))`, an answer that is not a relay's
    /// `Relay(UnexpectedAnswer)`; either ends the pass. An answer when no request
    /// is waiting for one is `Relay(OutOfTurn)`.
    #[uniffi::method(default(now_ms = None))]
    pub fn receive(&self, response: RelayResponse, now_ms: Option<i64>) -> Result<()> {
        let now = instant("now_ms", now_ms)?;
        let response = Response {
            status: response.status,
            body: response.body,
        };
        self.with_pass(|store, pass| Ok(pass.receive(store, response, now)?))
    }

    /// Ends the pass when the shell could not make the last request (no network, a
    /// timeout): a message it carried is due again at the next pass, not only after
    /// the sync's resend delay. Safe to call at any point, and more than once.
    pub fn abandon(&self) -> Result<()> {
        self.with_pass(|store, pass| Ok(pass.abandon(store)?))
    }

    /// What the pass has done so far.
    pub fn report(&self) -> RelayPassReport {
        // The pass alone, not the store: counts are never half-written, even by a
        // call that a bug stopped.
        self.pass
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .report()
            .into()
    }
}

impl RelayPass {
    /// Runs `call` with the store and the pass, both locked for its length only; the
    /// change listeners are told after both are released. A pass that a bug stopped
    /// half-way (a panic) stays stopped: `Internal`, and a new pass starts afresh.
    fn with_pass<T>(
        &self,
        call: impl FnOnce(&mut coachline_core::store::Store, &mut core::RelayPass) -> Result<T>,
    ) -> Result<T> {
        self.store.screen(|store| {
            let mut pass = self.pass.lock().map_err(|_| CoachlineError::Internal {
                reason: PANIC_MESSAGE.into(),
            })?;
            call(store, &mut pass)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{RelayProblem, Role};
    use crate::ChangeListener;

    const NOW: i64 = 1_772_463_600_000; // 2026-03-02T15:00:00Z
    const RELAY: &str = "http://127.0.0.1:8470";

    fn phone(dir: &tempfile::TempDir, name: &str, role: Role) -> Arc<CoachlineStore> {
        let path = dir.path().join(name).to_string_lossy().into_owned();
        let store = CoachlineStore::open(path, vec![7; 32]).unwrap();
        store.create_identity(role, name.into(), Some(NOW)).unwrap();
        store
    }

    fn relay_problem<T: std::fmt::Debug>(r: Result<T>) -> RelayProblem {
        match r {
            Err(CoachlineError::Relay { problem }) => problem,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_relay_is_kept_normalised_and_a_bad_one_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = phone(&dir, "t", Role::Therapist);
        assert_eq!(store.relay().unwrap(), None);
        store
            .set_relay(Some("HTTP://127.0.0.1:8470/".into()))
            .unwrap();
        assert_eq!(store.relay().unwrap().as_deref(), Some(RELAY));
        match store.set_relay(Some("relay.example.org".into())) {
            Err(CoachlineError::InvalidInput { field, .. }) => assert_eq!(field, "relay"),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.relay().unwrap().as_deref(), Some(RELAY));
        store.set_relay(None).unwrap();
        assert_eq!(store.relay().unwrap(), None);
        assert_eq!(
            relay_problem(Arc::clone(&store).relay_pass(None)),
            RelayProblem::NoRelay
        );
    }

    /// A pass holds the store only inside each call: between a request and its
    /// answer, another thread uses the store freely.
    #[test]
    fn between_a_request_and_its_answer_the_store_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let store = phone(&dir, "t", Role::Therapist);
        store.set_relay(Some(RELAY.into())).unwrap();
        let pass = Arc::clone(&store).relay_pass(None).unwrap();
        let fetch = pass.next_request(Some(NOW)).unwrap().unwrap();
        assert_eq!(fetch.method, "GET");
        assert!(fetch.url.starts_with(RELAY));
        assert!(fetch
            .headers
            .iter()
            .all(|h| h.name == h.name.to_lowercase()));
        assert!(!format!("{fetch:?}").contains(RELAY));

        let other = Arc::clone(&store);
        std::thread::spawn(move || other.create_agreement("C".into(), None, Some(NOW)).unwrap())
            .join()
            .unwrap();

        assert_eq!(
            relay_problem(pass.next_request(Some(NOW))),
            RelayProblem::OutOfTurn
        );
        let empty = RelayResponse {
            status: 200,
            body: coachline_relay_protocol::batch::Batch::default().encode(),
        };
        let empty_len = empty.body.len() as i64;
        pass.receive(empty.clone(), Some(NOW)).unwrap();
        assert_eq!(pass.next_request(Some(NOW)).unwrap(), None);
        assert_eq!(
            relay_problem(pass.receive(empty, Some(NOW))),
            RelayProblem::OutOfTurn
        );
        let report = pass.report();
        assert_eq!(
            (report.sent, report.received, report.sealed_bytes_sent),
            (0, 0, 0)
        );
        assert!(report.bytes_up > 0, "the fetch's URL and signature headers");
        assert_eq!(report.bytes_down, empty_len);
        store.close();
        assert_eq!(pass.next_request(Some(NOW)), Err(CoachlineError::Closed));
    }

    #[derive(Default)]
    struct Changes(Mutex<Vec<String>>);

    impl ChangeListener for Changes {
        fn agreement_changed(&self, agreement_id: String) {
            self.0.lock().unwrap().push(agreement_id);
        }
    }

    /// Two phones, the relay played by hand: the fetched messages a pass applies
    /// reach the change listeners, once the store is unlocked.
    #[test]
    fn what_a_pass_applies_is_told_to_the_change_listeners() {
        use coachline_relay_protocol::batch::{Batch, Stored};
        let dir = tempfile::tempdir().unwrap();
        let therapist = phone(&dir, "t", Role::Therapist);
        let client = phone(&dir, "c", Role::Client);
        let id = therapist
            .create_agreement("C".into(), None, Some(NOW))
            .unwrap();
        therapist.set_relay(Some(RELAY.into())).unwrap();
        client
            .join_agreement(therapist.invite(id.clone(), Some(NOW)).unwrap(), Some(NOW))
            .unwrap();
        assert_eq!(client.relay().unwrap().as_deref(), Some(RELAY));

        // The client's pass fetches (nothing yet), then deposits its hello; the relay
        // keeps it.
        let pass = Arc::clone(&client).relay_pass(None).unwrap();
        let fetch = pass.next_request(Some(NOW)).unwrap().unwrap();
        assert_eq!(fetch.method, "GET");
        pass.receive(
            RelayResponse {
                status: 200,
                body: Batch::default().encode(),
            },
            Some(NOW),
        )
        .unwrap();
        let deposit = pass.next_request(Some(NOW)).unwrap().unwrap();
        assert_eq!(deposit.method, "POST");
        pass.receive(
            RelayResponse {
                status: 200,
                body: br#"{"id":1}"#.to_vec(),
            },
            Some(NOW),
        )
        .unwrap();
        assert_eq!(pass.report().sent, 1);

        // The therapist's pass fetches it: the listener hears of the agreement, from
        // outside the store's lock (it reads the store back).
        let changes = Arc::new(Changes::default());
        therapist.add_change_listener(changes.clone());
        let pass = Arc::clone(&therapist).relay_pass(None).unwrap();
        let fetch = pass.next_request(Some(NOW)).unwrap().unwrap();
        assert_eq!(fetch.method, "GET");
        let batch = Batch {
            messages: vec![Stored {
                id: 1,
                bytes: deposit.body,
            }],
            more: false,
        };
        assert!(changes.0.lock().unwrap().is_empty());
        pass.receive(
            RelayResponse {
                status: 200,
                body: batch.encode(),
            },
            Some(NOW),
        )
        .unwrap();
        assert_eq!(*changes.0.lock().unwrap(), vec![id.clone()]);
        let report = pass.report();
        assert_eq!((report.received, report.applied), (1, 1));
        assert!(therapist.peers().unwrap()[0].confirmed);
        let ack = pass.next_request(Some(NOW)).unwrap().unwrap();
        assert!(ack.url.ends_with("/ack"));
    }
}
