//! Sync through a relay, sans-IO: the core says which HTTP request to make next and
//! takes the answer as a value; it never opens a socket. Each shell moves the bytes
//! with its own platform's HTTP stack (the CLI with a small blocking client, the apps
//! with theirs), and a test can drive a pass against anything that answers.
//!
//! A relay keeps sealed messages in per-device mailboxes until their recipient
//! acknowledges them (the protocol: [`coachline_relay_protocol`]). One [`RelayPass`]:
//!
//! 1. **fetches** this device's mailbox, oldest first, and applies each message
//!    ([`Store::sync_receive`]);
//! 2. **acknowledges** what was applied or definitively refused, so the relay
//!    deletes it — and nothing else: a message that failed for a reason that may pass
//!    (the store busy, the disk full) stays in the mailbox for the next pass;
//! 3. **sends** every message then due to each agreement's peer (as
//!    [`Store::sync_next`] gives them), one deposit into the peer's mailbox each.
//!
//! Fetching first lets one message carry both this phone's news and its answer to
//! what arrived: sending first cost the week-apart exchange a fourth message.
//!
//! A pass is safe to kill at any point. A message applied but not yet acknowledged
//! comes again with the next pass and is refused as a replay (its counter is not
//! above the last one accepted), then acknowledged: applied once. A message taken
//! from the store to send but never deposited is sent again by the sync session's
//! due rule. The fragments of a message larger than one deposit are acknowledged
//! together once the whole message is applied, so none is lost with the memory that
//! held the others. Each pass fetches from the start of the mailbox: everything
//! acknowledged is gone, and a relay made of several processes may commit ids out of
//! order, so a cursor is only followed within one pass.
//!
//! ```no_run
//! # use coachline_core::relay::{RelayPass, Request, Response};
//! # use coachline_core::{store::Store, Timestamp};
//! // `http` is the shell's: it makes the request and returns whatever answered.
//! fn run(store: &mut Store, http: impl Fn(Request) -> Response) -> coachline_core::Result<()> {
//! let now = Timestamp::now();
//! let mut pass = RelayPass::new(store, None)?;
//! while let Some(request) = pass.next_request(store, now, now)? {
//!     let response = http(request);
//!     pass.receive(store, response, now)?;
//! }
//! println!("{:?}", pass.report());
//! Ok(())
//! }
//! ```

use std::collections::HashMap;

use coachline_relay_protocol::batch::{self, Batch};
use coachline_relay_protocol::{
    self as protocol, Audience, ErrorBody, ErrorCode, Mailbox, Signed, MAX_FETCH,
};

use crate::error::{Error, RelayProblem, Result};
use crate::model::AgreementId;
use crate::store::Store;
use crate::time::Timestamp;

/// An HTTP method the relay protocol uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// A request for the shell to make, exactly as given.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The whole URL: the relay's address, the path and the query.
    pub url: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The method and the body's size: the URL and headers name devices.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Request {{ {}, {} body bytes }}",
            self.method.as_str(),
            self.body.len()
        )
    }
}

/// The relay's answer, as the shell received it.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Response {{ {}, {} body bytes }}",
            self.status,
            self.body.len()
        )
    }
}

/// What a pass did, for the person and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PassReport {
    /// Messages deposited into a peer's mailbox.
    pub sent: u32,
    /// Messages the relay refused to keep for a peer (its mailbox full, say): the
    /// sync session sends them again later.
    pub undelivered: u32,
    /// Messages fetched from this device's mailbox.
    pub received: u32,
    /// Fetched messages applied (a whole message, or its last fragment).
    pub applied: u32,
    /// Fetched messages refused for good (a replay, a stranger, tampering) and
    /// acknowledged so the relay deletes them.
    pub rejected: u32,
    /// Bytes of the sealed messages deposited and fetched: what the sync itself costs.
    pub sealed_bytes_sent: u64,
    pub sealed_bytes_received: u64,
    /// Bytes of the requests (URL, headers and body) and of the answers' bodies:
    /// the sealed bytes plus the relay protocol's overhead. HTTP's own framing (the
    /// request line, the answer's headers) is the shell's and not counted.
    pub bytes_up: u64,
    pub bytes_down: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Sending what is due, once everything fetched is settled.
    Send,
    Fetch,
    Ack,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Awaiting {
    Deposit,
    Fetch,
    Ack,
}

/// One pass through a relay; see the module docs.
pub struct RelayPass {
    relay: Audience,
    mailbox: Mailbox,
    peers: Vec<(AgreementId, Mailbox)>,
    next_peer: usize,
    stage: Stage,
    awaiting: Option<Awaiting>,
    /// The last id fetched in this pass.
    after: u64,
    more: bool,
    to_ack: Vec<u64>,
    /// Ids of fragments held in memory, by agreement, until their message completes.
    held: HashMap<AgreementId, Vec<u64>>,
    /// The agreement and size of the message in the deposit awaiting its answer.
    deposit: Option<(AgreementId, u64)>,
    report: PassReport,
}

impl std::fmt::Debug for RelayPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayPass")
            .field("stage", &self.stage)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// Whether a message `sync_receive` refused will be refused again, whatever happens:
/// then it is acknowledged, so the relay deletes it. A failure of this phone's own
/// storage is not: the message waits in the mailbox for the next pass.
fn refused_for_good(e: &Error) -> bool {
    !matches!(
        e,
        Error::Storage(_) | Error::Io(_) | Error::StoreUnusable(_) | Error::NoIdentity
    )
}

/// The relay's refusal, read from its answer.
fn refusal(response: &Response) -> Error {
    let problem = match serde_json::from_slice::<ErrorBody>(&response.body) {
        Ok(body) if body.error.status() == response.status => RelayProblem::Refused(body.error),
        _ => RelayProblem::UnexpectedAnswer {
            status: response.status,
        },
    };
    Error::Relay(problem)
}

impl RelayPass {
    /// A pass through `relay`, or through the phone's own relay ([`Store::relay`])
    /// when `None`. Sending `relay` does not record it: [`Store::set_relay`] does.
    pub fn new(store: &Store, relay: Option<&str>) -> Result<Self> {
        let relay = match relay {
            Some(url) => {
                Audience::of_url(url).map_err(|e| Error::invalid("relay", e.to_string()))?
            }
            None => store.relay()?.ok_or(Error::Relay(RelayProblem::NoRelay))?,
        };
        Ok(Self {
            relay,
            mailbox: store.mailbox()?,
            // Read after fetching: a fetched message may pair a new peer.
            peers: Vec::new(),
            next_peer: 0,
            stage: Stage::Fetch,
            awaiting: None,
            after: 0,
            more: false,
            to_ack: Vec::new(),
            held: HashMap::new(),
            deposit: None,
            report: PassReport::default(),
        })
    }

    /// The relay this pass goes through.
    pub fn relay(&self) -> &Audience {
        &self.relay
    }

    /// What the pass has done so far.
    pub fn report(&self) -> PassReport {
        self.report
    }

    /// The next request to make, or `None` when the pass is over. Each request must
    /// be answered with [`RelayPass::receive`] before the next is asked for.
    ///
    /// `now` is the instant the sync works at; `signed_at` is the device's clock,
    /// which the relay checks the request's signature time against. On a phone they
    /// are the same; a demo or a test that plays a week in a minute keeps its own
    /// `now` and signs at the real time.
    pub fn next_request(
        &mut self,
        store: &mut Store,
        now: Timestamp,
        signed_at: Timestamp,
    ) -> Result<Option<Request>> {
        if self.awaiting.is_some() {
            return Err(Error::Relay(RelayProblem::OutOfTurn));
        }
        loop {
            match self.stage {
                Stage::Send => {
                    while let Some((id, mailbox)) = self.peers.get(self.next_peer) {
                        if let Some(message) = store.sync_next(id, now)? {
                            let path = protocol::messages_path(mailbox);
                            self.deposit = Some((id.clone(), message.len() as u64));
                            return self.request(
                                store,
                                Awaiting::Deposit,
                                path,
                                message,
                                signed_at,
                            );
                        }
                        self.next_peer += 1;
                    }
                    self.next_peer = 0;
                    self.stage = Stage::Done;
                }
                Stage::Fetch => {
                    let path = protocol::fetch_path(&self.mailbox, self.after, MAX_FETCH);
                    return self.request(store, Awaiting::Fetch, path, Vec::new(), signed_at);
                }
                Stage::Ack if !self.to_ack.is_empty() => {
                    let path = protocol::ack_path(&self.mailbox);
                    let ids = batch::encode_ids(&self.to_ack);
                    return self.request(store, Awaiting::Ack, path, ids, signed_at);
                }
                Stage::Ack => self.after_ack(store)?,
                Stage::Done => return Ok(None),
            }
        }
    }

    /// Takes the answer to the last request. A refusal is [`Error::Relay`]; the pass
    /// is then over, and a later pass picks up where it stopped.
    pub fn receive(&mut self, store: &mut Store, response: Response, now: Timestamp) -> Result<()> {
        let awaiting = self
            .awaiting
            .take()
            .ok_or(Error::Relay(RelayProblem::OutOfTurn))?;
        self.report.bytes_down += response.body.len() as u64;
        let ok = (200..300).contains(&response.status);
        match awaiting {
            Awaiting::Deposit if ok => {
                self.report.sent += 1;
                self.report.sealed_bytes_sent += self.deposit.take().map_or(0, |(_, len)| len);
            }
            Awaiting::Deposit => {
                self.undelivered(store)?;
                match refusal(&response) {
                    Error::Relay(RelayProblem::Refused(
                        ErrorCode::QuotaExceeded | ErrorCode::TooLarge,
                    )) => {
                        self.report.undelivered += 1;
                        // On to the next peer: this one's mailbox takes nothing now.
                        self.next_peer += 1;
                    }
                    other => return Err(other),
                }
            }
            Awaiting::Fetch if ok => {
                let batch = Batch::decode(&response.body).map_err(|_| {
                    Error::Relay(RelayProblem::UnexpectedAnswer {
                        status: response.status,
                    })
                })?;
                self.apply(store, batch, now)?;
            }
            Awaiting::Ack if ok => {
                self.to_ack.clear();
                self.after_ack(store)?;
            }
            Awaiting::Fetch | Awaiting::Ack => return Err(refusal(&response)),
        }
        Ok(())
    }

    /// Ends the pass when the shell could not make the last request (no network, a
    /// timeout): a message it carried is due again at once, not only after the sync
    /// session's resend delay. Safe to call at any point, and more than once.
    pub fn abandon(&mut self, store: &mut Store) -> Result<()> {
        if self.awaiting.take() == Some(Awaiting::Deposit) {
            self.undelivered(store)?;
        }
        self.stage = Stage::Done;
        Ok(())
    }

    /// The deposit awaiting its answer did not reach the relay, or was refused.
    fn undelivered(&mut self, store: &mut Store) -> Result<()> {
        match self.deposit.take() {
            Some((id, _)) => store.sync_undelivered(&id),
            None => Ok(()),
        }
    }

    /// Fetches again while more messages wait, else sends what is due: to every peer
    /// the store has now, since a message just applied may have completed a pairing
    /// (a joining phone's first message), whose answer carries the agreement.
    fn after_ack(&mut self, store: &Store) -> Result<()> {
        if self.more {
            self.stage = Stage::Fetch;
        } else {
            self.peers = store.peer_mailboxes()?;
            self.next_peer = 0;
            self.stage = Stage::Send;
        }
        Ok(())
    }

    fn apply(&mut self, store: &mut Store, batch: Batch, now: Timestamp) -> Result<()> {
        for message in batch.messages {
            self.after = self.after.max(message.id);
            self.report.received += 1;
            self.report.sealed_bytes_received += message.bytes.len() as u64;
            match store.sync_receive(&message.bytes, now) {
                Ok(outcome) if outcome.buffered => {
                    self.held
                        .entry(outcome.agreement)
                        .or_default()
                        .push(message.id);
                }
                Ok(outcome) => {
                    self.report.applied += 1;
                    self.to_ack
                        .extend(self.held.remove(&outcome.agreement).unwrap_or_default());
                    self.to_ack.push(message.id);
                }
                Err(e) if refused_for_good(&e) => {
                    self.report.rejected += 1;
                    self.to_ack.push(message.id);
                }
                Err(e) => return Err(e),
            }
        }
        self.more = batch.more;
        self.stage = Stage::Ack;
        Ok(())
    }

    fn request(
        &mut self,
        store: &Store,
        awaiting: Awaiting,
        path: String,
        body: Vec<u8>,
        signed_at: Timestamp,
    ) -> Result<Option<Request>> {
        let method = match awaiting {
            Awaiting::Fetch => Method::Get,
            Awaiting::Deposit | Awaiting::Ack => Method::Post,
        };
        let signed = Signed {
            method: method.as_str(),
            path: &path,
            body: &body,
            audience: &self.relay,
        };
        let auth = store.sign_relay_request(&signed, signed_at)?;
        let headers: Vec<(String, String)> = auth
            .headers()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        let url = format!("{}{path}", self.relay);
        self.awaiting = Some(awaiting);
        let header_bytes: usize = headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        self.report.bytes_up += (url.len() + header_bytes + body.len()) as u64;
        Ok(Some(Request {
            method,
            url,
            headers,
            body,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use crate::store::test_key;
    use coachline_relay_protocol::auth::KEY_HEADER;
    use coachline_relay_protocol::Auth;

    fn t0() -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000)
    }

    fn therapist(dir: &tempfile::TempDir) -> (Store, AgreementId) {
        let mut store = Store::open(dir.path().join("t.db"), &test_key()).unwrap();
        store.init(Role::Therapist, "T", t0()).unwrap();
        let id = store
            .create_agreement("C", Some("America/New_York"), t0())
            .unwrap();
        (store, id)
    }

    fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_pass_needs_a_relay() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = therapist(&dir);
        assert!(matches!(
            RelayPass::new(&store, None),
            Err(Error::Relay(RelayProblem::NoRelay))
        ));
        assert!(matches!(
            RelayPass::new(&store, Some("relay.example.org")),
            Err(Error::InvalidInput { field: "relay", .. })
        ));
        store.set_relay(Some("http://127.0.0.1:8470")).unwrap();
        let pass = RelayPass::new(&store, None).unwrap();
        assert_eq!(pass.relay().as_str(), "http://127.0.0.1:8470");
    }

    #[test]
    fn with_nothing_due_a_pass_fetches_its_own_mailbox_signed_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = therapist(&dir);
        let mut pass = RelayPass::new(&store, Some("http://127.0.0.1:8470")).unwrap();
        let fetch = pass.next_request(&mut store, t0(), t0()).unwrap().unwrap();
        assert_eq!(fetch.method, Method::Get);
        let mailbox = store.mailbox().unwrap();
        assert_eq!(
            fetch.url,
            format!("http://127.0.0.1:8470/v1/mailboxes/{mailbox}/messages?after=0&limit=100")
        );
        let auth = Auth::from_headers(|name| header(&fetch, name)).unwrap();
        assert_eq!(auth.mailbox(), mailbox);
        let audience = Audience::of_url("http://127.0.0.1:8470").unwrap();
        let path = &fetch.url["http://127.0.0.1:8470".len()..];
        let signed = Signed {
            method: "GET",
            path,
            body: &[],
            audience: &audience,
        };
        assert_eq!(auth.verify(&signed, t0().millis()), Ok(()));
        assert!(header(&fetch, KEY_HEADER).is_some());
        assert!(!format!("{fetch:?}").contains(&mailbox.to_string()));

        // Asking again before answering is out of turn.
        assert!(matches!(
            pass.next_request(&mut store, t0(), t0()),
            Err(Error::Relay(RelayProblem::OutOfTurn))
        ));
        let empty = Response {
            status: 200,
            body: Batch::default().encode(),
        };
        pass.receive(&mut store, empty, t0()).unwrap();
        assert_eq!(pass.next_request(&mut store, t0(), t0()).unwrap(), None);
        assert_eq!(pass.report().received, 0);
        assert!(matches!(
            pass.receive(
                &mut store,
                Response {
                    status: 200,
                    body: vec![]
                },
                t0()
            ),
            Err(Error::Relay(RelayProblem::OutOfTurn))
        ));
    }

    #[test]
    fn refusals_are_read_by_their_code_and_anything_else_is_unexpected() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = therapist(&dir);
        let answer = |status, body: &str| Response {
            status,
            body: body.as_bytes().to_vec(),
        };
        let refused = serde_json::to_string(&ErrorBody::from(ErrorCode::Stale)).unwrap();
        for (response, expected) in [
            (
                answer(401, &refused),
                RelayProblem::Refused(ErrorCode::Stale),
            ),
            (
                answer(502, "<html>Bad gateway</html>"),
                RelayProblem::UnexpectedAnswer { status: 502 },
            ),
            (
                answer(200, "not a batch"),
                RelayProblem::UnexpectedAnswer { status: 200 },
            ),
        ] {
            let mut pass = RelayPass::new(&store, Some("http://127.0.0.1:8470")).unwrap();
            pass.next_request(&mut store, t0(), t0()).unwrap().unwrap();
            match pass.receive(&mut store, response, t0()) {
                Err(Error::Relay(problem)) => assert_eq!(problem, expected),
                other => panic!("{other:?}"),
            }
        }
    }

    /// A client that joined: its first message to the therapist is due.
    fn joined(dir: &tempfile::TempDir) -> Store {
        let (mut therapist, id) = therapist(dir);
        let code = therapist.invite(&id, t0()).unwrap();
        let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
        client.init(Role::Client, "C", t0()).unwrap();
        client.join(&code, t0()).unwrap();
        client
    }

    fn is_deposit(request: &Request) -> bool {
        request.method == Method::Post && request.url.ends_with("/messages")
    }

    /// Answers the pass's fetch of an empty mailbox; returns the request after it.
    fn after_empty_fetch(pass: &mut RelayPass, store: &mut Store) -> Option<Request> {
        let fetch = pass.next_request(store, t0(), t0()).unwrap().unwrap();
        assert_eq!(fetch.method, Method::Get);
        let empty = Response {
            status: 200,
            body: Batch::default().encode(),
        };
        pass.receive(store, empty, t0()).unwrap();
        pass.next_request(store, t0(), t0()).unwrap()
    }

    #[test]
    fn a_message_that_did_not_reach_the_relay_is_due_again_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut client = joined(&dir);
        let relay = Some("http://127.0.0.1:8470");
        let unavailable = Response {
            status: 503,
            body: serde_json::to_vec(&ErrorBody::from(ErrorCode::Unavailable)).unwrap(),
        };

        // Refused by the relay: the pass ends, the message is due again.
        let mut pass = RelayPass::new(&client, relay).unwrap();
        let first = after_empty_fetch(&mut pass, &mut client).unwrap();
        assert!(is_deposit(&first));
        assert!(matches!(
            pass.receive(&mut client, unavailable, t0()),
            Err(Error::Relay(RelayProblem::Refused(ErrorCode::Unavailable)))
        ));

        // Never made (no network): abandoned, and due again too.
        let mut pass = RelayPass::new(&client, relay).unwrap();
        let again = after_empty_fetch(&mut pass, &mut client).unwrap();
        assert!(
            is_deposit(&again),
            "due again at once, not after the resend delay"
        );
        pass.abandon(&mut client).unwrap();
        assert_eq!(pass.next_request(&mut client, t0(), t0()).unwrap(), None);

        let mut pass = RelayPass::new(&client, relay).unwrap();
        let third = after_empty_fetch(&mut pass, &mut client).unwrap();
        assert!(is_deposit(&third));
        pass.receive(
            &mut client,
            Response {
                status: 201,
                body: br#"{"id":1}"#.to_vec(),
            },
            t0(),
        )
        .unwrap();
        assert_eq!(pass.report().sent, 1);

        // Delivered: nothing is due until an answer or the resend delay.
        let mut pass = RelayPass::new(&client, relay).unwrap();
        assert_eq!(after_empty_fetch(&mut pass, &mut client), None);
    }

    #[test]
    fn garbage_in_the_mailbox_is_refused_for_good_and_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = therapist(&dir);
        let mut pass = RelayPass::new(&store, Some("http://127.0.0.1:8470")).unwrap();
        pass.next_request(&mut store, t0(), t0()).unwrap().unwrap();
        let batch = Batch {
            messages: vec![batch::Stored {
                id: 7,
                bytes: b"not an envelope".to_vec(),
            }],
            more: false,
        };
        let response = Response {
            status: 200,
            body: batch.encode(),
        };
        pass.receive(&mut store, response, t0()).unwrap();
        let ack = pass.next_request(&mut store, t0(), t0()).unwrap().unwrap();
        assert!(ack.url.ends_with("/ack"));
        assert_eq!(batch::decode_ids(&ack.body), Ok(vec![7]));
        let report = pass.report();
        assert_eq!(
            (report.received, report.applied, report.rejected),
            (1, 0, 1)
        );
    }

    #[test]
    fn a_pairing_completed_by_a_fetched_message_is_answered_in_the_same_pass() {
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, id) = therapist(&dir);
        let mut client = Store::open(dir.path().join("c.db"), &test_key()).unwrap();
        client.init(Role::Client, "C", t0()).unwrap();
        client
            .join(&therapist.invite(&id, t0()).unwrap(), t0())
            .unwrap();
        let url = Some("http://127.0.0.1:8470");
        let ok = |body: Vec<u8>| Response { status: 200, body };

        // The client's pass deposits its first message (which proves the invitation).
        let mut pass = RelayPass::new(&client, url).unwrap();
        let deposit = after_empty_fetch(&mut pass, &mut client).unwrap();
        assert!(is_deposit(&deposit));
        pass.receive(&mut client, ok(br#"{"id":1}"#.to_vec()), t0())
            .unwrap();
        assert_eq!(pass.next_request(&mut client, t0(), t0()).unwrap(), None);

        // The therapist's phone has no peer when its pass starts; the fetched message
        // pairs the client, and the same pass answers it with the agreement.
        let mut pass = RelayPass::new(&therapist, url).unwrap();
        let fetch = pass
            .next_request(&mut therapist, t0(), t0())
            .unwrap()
            .unwrap();
        assert_eq!(fetch.method, Method::Get);
        let batch = Batch {
            messages: vec![batch::Stored {
                id: 1,
                bytes: deposit.body,
            }],
            more: false,
        };
        pass.receive(&mut therapist, ok(batch.encode()), t0())
            .unwrap();
        let ack = pass
            .next_request(&mut therapist, t0(), t0())
            .unwrap()
            .unwrap();
        assert!(ack.url.ends_with("/ack"));
        pass.receive(&mut therapist, ok(br#"{"deleted":1}"#.to_vec()), t0())
            .unwrap();
        let answer = pass
            .next_request(&mut therapist, t0(), t0())
            .unwrap()
            .expect("the answer is sent in the same pass");
        let client_mailbox = client.mailbox().unwrap();
        assert_eq!(
            answer.url,
            format!("http://127.0.0.1:8470/v1/mailboxes/{client_mailbox}/messages")
        );
        pass.receive(&mut therapist, ok(br#"{"id":2}"#.to_vec()), t0())
            .unwrap();
        let report = pass.report();
        assert_eq!((report.applied, report.sent), (1, 1));
    }
}
