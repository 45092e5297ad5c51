//! The four entry points the fuzz targets drive: receiving a sync message, parsing an
//! invitation, importing a file, opening a damaged store. The same file is included by
//! the core's corpus test (`core/tests/fuzz_corpus.rs`), so every input checked in
//! under `fuzz/corpus/` also runs in CI, on stable Rust, without libFuzzer.
//!
//! Each input runs against a fresh copy of template stores checked in under
//! `fuzz/template/` (a therapist paired with a client, an open invitation, and a
//! second client that joined with it and has no document yet), so a crash
//! reproduces from its input alone. Sync inputs can be sealed by the harness with the real keys (read from the
//! store files), so that the fuzzer reaches what a paired peer's message carries —
//! Automerge's sync message, the changes and the projection — and not only the
//! envelope, which nothing but the right keys opens.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use automerge::sync::{State, SyncDoc};
use automerge::AutoCommit;
use coachline_core::model::{AgreementId, CallReason, CallStart, Role};
use coachline_core::store::{Store, StoreKey};
use coachline_core::sync::envelope::{self, device_id, Kind, Route};
use coachline_core::sync::invitation::Invitation;
use coachline_core::sync::seal::{public_key, KeyPair, Psk};
use coachline_core::Timestamp;

/// The targets, by the name of their corpus directory.
pub const TARGETS: [&str; 4] = ["sync_receive", "invitation_parse", "import", "open_store"];

/// Runs one input through the target named `target`.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "sync_receive" => {
            sync_receive(data);
        }
        "invitation_parse" => invitation_parse(data),
        "import" => import(data),
        "open_store" => open_store(data),
        other => panic!("no fuzz target {other}"),
    }
}

fn at(minutes: i64) -> Timestamp {
    Timestamp::parse_rfc3339("now", "2026-03-02T10:00:00Z")
        .expect("a valid instant")
        .plus_minutes(minutes)
}

/// A device's keys, as its store file holds them.
#[derive(Clone, Copy)]
struct Keys {
    identity: [u8; 32],
    sync_secret: [u8; 32],
}

impl Keys {
    fn of(store: &Store, path: &Path) -> Self {
        let hex = store.whoami().expect("an identity").public_key;
        let identity = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
            .collect::<Vec<u8>>()
            .try_into()
            .expect("32 bytes");
        let conn = rusqlite::Connection::open(path).expect("the store file opens");
        conn.pragma_update(None, "key", format!("x'{}'", key().to_hex().as_str()))
            .expect("keyed");
        let sync_secret: Vec<u8> = conn
            .query_row("SELECT sync_secret_key FROM identity", [], |r| r.get(0))
            .expect("a stored sync key");
        Self {
            identity,
            sync_secret: sync_secret.try_into().expect("32 bytes"),
        }
    }

    fn device(&self) -> envelope::DeviceId {
        device_id(&self.identity)
    }

    fn sync_public(&self) -> [u8; 32] {
        public_key(&self.sync_secret)
    }
}

pub struct Phones {
    /// Copies of the template stores, read-only from here on.
    dir: tempfile::TempDir,
    id: AgreementId,
    /// An open invitation, used by `joined` but not yet seen by the therapist.
    invitation: Invitation,
    therapist: Keys,
    client: Keys,
    joined: Keys,
}

impl Phones {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A fresh copy of one of the stores, in `work`.
    fn copy(&self, name: &str, work: &Path) -> Store {
        let to = work.join(name);
        std::fs::copy(self.path(name), &to).expect("the template copies");
        Store::open(&to, &key()).expect("the copy opens")
    }
}

/// The key every store here is opened with. The checked-in templates are plaintext
/// stores from before encryption: each process encrypts its copies when it first
/// opens them, and the store-file target's inputs go through that encryption too.
pub fn key() -> StoreKey {
    StoreKey::from_bytes(&[0x42; StoreKey::LEN]).expect("32 bytes")
}

/// Where the template stores are checked in. Keys, ids and documents are random when
/// made, so every run starts from these same files: an input then means the same
/// thing in every process, and a crash reproduces from its file alone.
pub fn template_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/template")).to_path_buf()
}

const STORES: [&str; 3] = ["t.db", "c.db", "j.db"];
const INVITATION: &str = "invitation.txt";

/// Makes the template stores in `dir`: a therapist (`t.db`) paired and in sync with a
/// client (`c.db`), and a second client (`j.db`) that joined with an invitation the
/// therapist has not seen used yet (`invitation.txt`), and has no document.
pub fn make_templates(dir: &Path) {
    let path = |name: &str| dir.join(name);
    let mut therapist = Store::open(path("t.db"), &key()).expect("opens");
    therapist.init(Role::Therapist, "T", at(0)).expect("init");
    let id = therapist
        .create_agreement("C", Some("UTC"), at(0))
        .expect("drafted");
    let mut client = Store::open(path("c.db"), &key()).expect("opens");
    client.init(Role::Client, "C", at(0)).expect("init");
    let code = therapist.invite(&id, at(0)).expect("invited");
    client.join(&code, at(0)).expect("joined");
    for _ in 0..4 {
        while let Some(m) = client.sync_next(&id, at(1)).expect("next") {
            therapist.sync_receive(&m, at(1)).expect("received");
        }
        while let Some(m) = therapist.sync_next(&id, at(1)).expect("next") {
            client.sync_receive(&m, at(1)).expect("received");
        }
    }
    let code = therapist.invite(&id, at(2)).expect("invited");
    let mut joined = Store::open(path("j.db"), &key()).expect("opens");
    joined.init(Role::Client, "J", at(0)).expect("init");
    joined.join(&code, at(2)).expect("joined");
    std::fs::write(path(INVITATION), code).expect("written");
}

/// The template stores, copied once per process.
pub fn phones() -> &'static Phones {
    static PHONES: OnceLock<Phones> = OnceLock::new();
    PHONES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for name in STORES {
            std::fs::copy(template_dir().join(name), dir.path().join(name))
                .expect("the template stores are checked in: run the seeds example");
        }
        let code = std::fs::read_to_string(template_dir().join(INVITATION)).expect("read");
        let invitation = Invitation::parse(&code, Role::Therapist).expect("a valid invitation");
        let keys = |name: &str| {
            let path = dir.path().join(name);
            let store = Store::open(&path, &key()).expect("opens");
            Keys::of(&store, &path)
        };
        Phones {
            id: invitation.agreement.clone(),
            invitation,
            therapist: keys("t.db"),
            client: keys("c.db"),
            joined: keys("j.db"),
            dir,
        }
    })
}

/// The first byte picks how the rest reaches a store:
/// 0: as a whole message to the therapist (the envelope parser and early checks);
/// 1: as a sync message sealed by the paired client to the therapist (apply);
/// 2: as a join message body sealed with the open invitation to the therapist;
/// 3: as a sync message sealed by the therapist to the client that joined and has
///    no document yet (adopt).
///
/// Returns how many messages the store accepted (the corpus test checks that the seeds
/// reach past the envelope).
pub fn sync_receive(data: &[u8]) -> usize {
    let Some((&mode, rest)) = data.split_first() else {
        return 0;
    };
    let p = phones();
    let work = tempfile::tempdir().expect("a temporary directory");
    let now = at(10);
    let seal = |kind, from: &Keys, to: &Keys, psk| {
        let (secret, public) = (from.sync_secret, from.sync_public());
        let route = Route {
            kind,
            agreement: &p.id,
            sender: from.device(),
            sender_keys: KeyPair {
                secret: &secret,
                public: &public,
            },
            recipient: to.device(),
            recipient_key: &to.sync_public(),
            psk,
        };
        envelope::seal_all(&route, 1 << 20, rest).unwrap_or_default()
    };
    let (name, messages) = match mode % 4 {
        0 => ("t.db", vec![rest.to_vec()]),
        1 => ("t.db", seal(Kind::Sync, &p.client, &p.therapist, None)),
        2 => {
            let psk_id = p.invitation.psk_id();
            let kind = Kind::Join {
                psk_id,
                sync_key: p.joined.sync_public(),
            };
            let psk = Psk {
                secret: &p.invitation.secret,
                id: &psk_id,
            };
            ("t.db", seal(kind, &p.joined, &p.therapist, Some(psk)))
        }
        _ => ("j.db", seal(Kind::Sync, &p.therapist, &p.joined, None)),
    };
    let mut store = p.copy(name, work.path());
    let accepted = messages
        .iter()
        .filter(|message| store.sync_receive(message, now).is_ok())
        .count();
    // What was accepted must read back and sync on.
    for item in store.agreements().unwrap_or_default() {
        let _ = store.agreement(&item.id);
        let _ = store.log(&item.id, 10);
    }
    while let Ok(Some(_)) = store.sync_next(&p.id, now) {}
    accepted
}

/// An invitation line, as either party's: parsed, and if valid, written back
/// identically.
pub fn invitation_parse(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    for issuer in Role::ALL {
        if let Ok(invitation) = Invitation::parse(&line, issuer) {
            let again =
                Invitation::parse(&invitation.to_line(), issuer).expect("a written line parses");
            assert_eq!(again.to_line(), invitation.to_line());
        }
    }
}

/// A file to import: the first byte picks a store that holds the agreement already
/// (a merge) or one that holds nothing yet (a new agreement).
pub fn import(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let p = phones();
    let work = tempfile::tempdir().expect("a temporary directory");
    let mut store = p.copy(if mode % 2 == 0 { "c.db" } else { "j.db" }, work.path());
    if let Ok(outcome) = store.import(rest) {
        store
            .agreement(&outcome.id)
            .expect("an imported agreement reads");
        let _ = store.log(&outcome.id, 10);
    }
}

/// The bytes of a store file: opened, and if it opens, read.
pub fn open_store(data: &[u8]) {
    let work = tempfile::tempdir().expect("a temporary directory");
    let path = work.path().join("store.db");
    std::fs::write(&path, data).expect("written");
    if let Ok(mut store) = Store::open(&path, &key()) {
        let _ = store.whoami();
        let _ = store.peers();
        for item in store.agreements().unwrap_or_default() {
            let _ = store.log(&item.id, 10);
            let _ = store.export(&item.id);
        }
    }
}

/// Seed inputs, one or more per target, made from real stores, documents and
/// messages: the fuzzer starts from what the formats look like. `fuzz/examples/seeds.rs`
/// writes them under `fuzz/corpus/`; the corpus test runs them too.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let p = phones();
    let work = tempfile::tempdir().expect("a temporary directory");
    let mut therapist = p.copy("t.db", work.path());
    let mut client = p.copy("c.db", work.path());
    let theirs = therapist.export(&p.id).expect("exported");
    let start = CallStart::new(CallReason::Coaching, Some("seed"), &[], Some(2)).expect("valid");
    client.start_call(&p.id, start, at(5)).expect("a call");
    let ours = client.export(&p.id).expect("exported");

    // The message a peer holding `from` sends to one holding `to`, once it has heard
    // from it: the one that carries changes.
    let message = |from: &[u8], to: &[u8]| -> Vec<u8> {
        let mut from = AutoCommit::load(from).expect("loads");
        let mut to = if to.is_empty() {
            AutoCommit::new()
        } else {
            AutoCommit::load(to).expect("loads")
        };
        let (mut from_state, mut to_state) = (State::new(), State::new());
        let mut last = Vec::new();
        for _ in 0..3 {
            if let Some(m) = to.sync().generate_sync_message(&mut to_state) {
                from.sync()
                    .receive_sync_message(&mut from_state, m)
                    .expect("received");
            }
            if let Some(m) = from.sync().generate_sync_message(&mut from_state) {
                last = m.clone().encode();
                to.sync()
                    .receive_sync_message(&mut to_state, m)
                    .expect("received");
            }
        }
        last
    };
    let with_mode = |mode: u8, bytes: &[u8]| [&[mode][..], bytes].concat();
    let apply = message(&ours, &theirs);
    let adopt = message(&theirs, &[]);
    let mut sealed = Vec::new();
    while let Ok(Some(m)) = client.sync_next(&p.id, at(6)) {
        sealed = m;
    }
    let store_file = std::fs::read(p.path("t.db")).expect("read");
    let line = p.invitation.to_line();
    vec![
        (
            "sync_receive",
            "sealed-message".into(),
            with_mode(0, &sealed),
        ),
        ("sync_receive", "client-change".into(), with_mode(1, &apply)),
        ("sync_receive", "join-body".into(), with_mode(2, &apply)),
        (
            "sync_receive",
            "first-document".into(),
            with_mode(3, &adopt),
        ),
        ("invitation_parse", "line".into(), line.clone().into_bytes()),
        (
            "invitation_parse",
            "lower-case".into(),
            line.to_lowercase().into_bytes(),
        ),
        ("import", "merge".into(), with_mode(0, &ours)),
        ("import", "new".into(), with_mode(1, &theirs)),
        ("open_store", "therapist".into(), store_file),
    ]
}
