//! The relay over HTTP: the `coachline-relay` binary on a loopback port, over SQLite
//! and over PostgreSQL, driven by signed requests as the phones make them.

mod support;

use coachline_relay_protocol::batch::{encode_ids, Batch};
use coachline_relay_protocol::{
    ack_path, fetch_path, messages_path, Audience, ErrorCode, CLOCK_SKEW_MS, HEALTH_PATH,
    MAX_MESSAGE_BYTES,
};
use data_encoding::BASE64URL_NOPAD;
use support::{now_ms, toy_seal, Device, Relay, Response, Store};

fn refused(response: &Response, code: ErrorCode) {
    assert_eq!(response.status, code.status(), "{response:?}");
    assert_eq!(response.error(), code, "{response:?}");
}

fn deposited_id(response: &Response, status: u16) -> u64 {
    assert_eq!(response.status, status, "{response:?}");
    response.json()["id"].as_u64().unwrap()
}

fn fetch(relay: &Relay, device: &Device, after: u64) -> Batch {
    let response = relay.signed(
        device,
        "GET",
        &fetch_path(&device.mailbox(), after, 100),
        b"",
    );
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(
        response.header("content-type"),
        Some("application/octet-stream")
    );
    Batch::decode(&response.body).unwrap()
}

fn a_message_goes_through_and_is_deleted_when_acknowledged(store: Store) {
    let relay = Relay::start(&store, &[]);
    let (therapist, client, stranger) = (Device::new(), Device::new(), Device::new());
    let to_therapist = messages_path(&therapist.mailbox());
    let sealed = toy_seal(b"lockout: behaviour reported on Tuesday");

    let id = deposited_id(&relay.signed(&client, "POST", &to_therapist, &sealed), 201);
    // The same bytes again (a phone that lost the answer) are the same message.
    assert_eq!(
        deposited_id(&relay.signed(&client, "POST", &to_therapist, &sealed), 200),
        id
    );

    // Only the therapist's own key reads or acknowledges in the therapist's mailbox.
    for device in [&client, &stranger] {
        let path = fetch_path(&therapist.mailbox(), 0, 100);
        refused(
            &relay.signed(device, "GET", &path, b""),
            ErrorCode::NotYourMailbox,
        );
        let ack = encode_ids(&[id]);
        refused(
            &relay.signed(device, "POST", &ack_path(&therapist.mailbox()), &ack),
            ErrorCode::NotYourMailbox,
        );
    }

    let batch = fetch(&relay, &therapist, 0);
    assert_eq!(batch.messages.len(), 1);
    assert_eq!(
        (batch.messages[0].id, &batch.messages[0].bytes),
        (id, &sealed)
    );
    assert!(!batch.more);
    assert!(fetch(&relay, &therapist, id).messages.is_empty());
    assert!(fetch(&relay, &client, 0).messages.is_empty());

    let ack = |ids: &[u64]| {
        let response = relay.signed(
            &therapist,
            "POST",
            &ack_path(&therapist.mailbox()),
            &encode_ids(ids),
        );
        assert_eq!(response.status, 200, "{response:?}");
        response.json()["deleted"].as_u64().unwrap()
    };
    assert_eq!(ack(&[id]), 1);
    assert_eq!(ack(&[id]), 0, "acknowledging twice is harmless");
    assert!(fetch(&relay, &therapist, 0).messages.is_empty());
    relay.stop();
}

fn every_bad_request_is_refused_with_its_code(store: Store) {
    let relay = Relay::start(&store, &[]);
    let (sender, owner) = (Device::new(), Device::new());
    let path = messages_path(&owner.mailbox());
    let sealed = toy_seal(b"a call at 21:40");

    // Unsigned.
    refused(
        &relay.request("POST", &path, &[], &sealed),
        ErrorCode::Unsigned,
    );
    // A signature over another body (tampered in transit).
    let headers = sender.sign("POST", &path, b"other bytes", &relay.audience, now_ms());
    refused(
        &relay.request("POST", &path, &headers, &sealed),
        ErrorCode::BadSignature,
    );
    // Signed for another relay.
    let elsewhere = Audience::of_url("https://relay.example.org").unwrap();
    let headers = sender.sign("POST", &path, &sealed, &elsewhere, now_ms());
    refused(
        &relay.request("POST", &path, &headers, &sealed),
        ErrorCode::BadSignature,
    );
    // Signed for another path (another mailbox).
    let headers = sender.sign(
        "POST",
        &messages_path(&sender.mailbox()),
        &sealed,
        &relay.audience,
        now_ms(),
    );
    refused(
        &relay.request("POST", &path, &headers, &sealed),
        ErrorCode::BadSignature,
    );
    // Malformed signature headers.
    let mut headers = sender.sign("POST", &path, &sealed, &relay.audience, now_ms());
    headers[0].1 = "not base64!".into();
    refused(
        &relay.request("POST", &path, &headers, &sealed),
        ErrorCode::BadSignature,
    );
    // Too old, or from too far in the future.
    for skew in [-(CLOCK_SKEW_MS + 60_000), CLOCK_SKEW_MS + 60_000] {
        let headers = sender.sign("POST", &path, &sealed, &relay.audience, now_ms() + skew);
        refused(
            &relay.request("POST", &path, &headers, &sealed),
            ErrorCode::Stale,
        );
    }
    // The exact same request twice: the second is a replay, even once the first
    // has been acknowledged and the bytes would be new again.
    let headers = sender.sign("POST", &path, &sealed, &relay.audience, now_ms());
    assert_eq!(relay.request("POST", &path, &headers, &sealed).status, 201);
    refused(
        &relay.request("POST", &path, &headers, &sealed),
        ErrorCode::Replayed,
    );
    let fetch_headers = owner.sign(
        "GET",
        &fetch_path(&owner.mailbox(), 0, 10),
        b"",
        &relay.audience,
        now_ms(),
    );
    let fetch_once =
        |headers| relay.request("GET", &fetch_path(&owner.mailbox(), 0, 10), headers, b"");
    assert_eq!(fetch_once(&fetch_headers).status, 200);
    refused(&fetch_once(&fetch_headers), ErrorCode::Replayed);

    // One byte over the largest message, and the largest itself.
    let too_large = vec![7u8; MAX_MESSAGE_BYTES + 1];
    refused(
        &relay.signed(&sender, "POST", &path, &too_large),
        ErrorCode::TooLarge,
    );
    let largest = vec![7u8; MAX_MESSAGE_BYTES];
    assert_eq!(relay.signed(&sender, "POST", &path, &largest).status, 201);

    // Not requests of the protocol: each a JSON ErrorBody too.
    refused(
        &relay.signed(&sender, "POST", &path, b""),
        ErrorCode::BadRequest,
    );
    refused(
        &relay.signed(&sender, "POST", &format!("{path}?after=1"), &sealed),
        ErrorCode::BadRequest,
    );
    let owner_path = |query: &str| format!("{}?{query}", messages_path(&owner.mailbox()));
    for query in ["after=x", "limit=0", "after=1&after=2", "cursor=3"] {
        refused(
            &relay.signed(&owner, "GET", &owner_path(query), b""),
            ErrorCode::BadRequest,
        );
    }
    let ack = ack_path(&owner.mailbox());
    for body in [&b""[..], &[1, 2, 3][..]] {
        refused(
            &relay.signed(&owner, "POST", &ack, body),
            ErrorCode::BadRequest,
        );
    }
    refused(
        &relay.signed(&sender, "POST", "/v1/mailboxes/ABCD/messages", &sealed),
        ErrorCode::BadRequest,
    );
    let upper = format!(
        "/v1/mailboxes/{}/messages",
        owner.mailbox().to_string().to_uppercase()
    );
    refused(
        &relay.signed(&sender, "POST", &upper, &sealed),
        ErrorCode::BadRequest,
    );
    for path in [
        "/",
        "/v1",
        "/v1/mailboxes",
        &format!("{path}/extra"),
        "/v2/health",
    ] {
        refused(&relay.request("GET", path, &[], b""), ErrorCode::NotFound);
    }
    for (method, path) in [
        ("DELETE", path.as_str()),
        ("PUT", ack.as_str()),
        ("GET", ack.as_str()),
        ("POST", HEALTH_PATH),
    ] {
        let response = relay.request(method, path, &[], b"");
        assert_eq!(response.status, 405, "{response:?}");
        assert_eq!(response.error(), ErrorCode::NotFound);
    }
    relay.stop();
}

fn a_full_mailbox_refuses_deposits(store: Store) {
    let relay = Relay::start(&store, &["--quota-bytes", "100"]);
    let (sender, full, other) = (Device::new(), Device::new(), Device::new());
    let to_full = messages_path(&full.mailbox());
    let first = vec![1u8; 60];
    deposited_id(&relay.signed(&sender, "POST", &to_full, &first), 201);
    refused(
        &relay.signed(&sender, "POST", &to_full, &[2u8; 41]),
        ErrorCode::QuotaExceeded,
    );
    deposited_id(&relay.signed(&sender, "POST", &to_full, &[3u8; 40]), 201);
    deposited_id(&relay.signed(&sender, "POST", &to_full, &first), 200);
    deposited_id(
        &relay.signed(
            &sender,
            "POST",
            &messages_path(&other.mailbox()),
            &[4u8; 100],
        ),
        201,
    );
    relay.stop();
}

fn too_many_requests_are_refused_with_retry_after(store: Store) {
    let relay = Relay::start(&store, &["--rate", "60", "--burst", "2"]);
    let (busy, calm) = (Device::new(), Device::new());
    let path = fetch_path(&busy.mailbox(), 0, 10);
    for _ in 0..2 {
        assert_eq!(relay.signed(&busy, "GET", &path, b"").status, 200);
    }
    let limited = relay.signed(&busy, "GET", &path, b"");
    refused(&limited, ErrorCode::RateLimited);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Another key has its own allowance; bad signatures spend none of it.
    let calm_path = fetch_path(&calm.mailbox(), 0, 10);
    for _ in 0..5 {
        let forged = busy.sign("GET", &calm_path, b"", &relay.audience, now_ms());
        let mut headers = calm.sign("GET", &calm_path, b"", &relay.audience, now_ms());
        headers[3] = forged[3].clone();
        refused(
            &relay.request("GET", &calm_path, &headers, b""),
            ErrorCode::BadSignature,
        );
    }
    assert_eq!(relay.signed(&calm, "GET", &calm_path, b"").status, 200);
    relay.stop();
}

fn the_health_check_names_the_storage(store: Store) {
    let relay = Relay::start(&store, &[]);
    let response = relay.request("GET", HEALTH_PATH, &[], b"");
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(
        response.json(),
        serde_json::json!({"status": "ok", "storage": store.kind()})
    );
    relay.stop();
}

fn a_killed_relay_keeps_what_it_accepted(store: Store) {
    let relay = Relay::start(&store, &[]);
    let (sender, owner) = (Device::new(), Device::new());
    let path = messages_path(&owner.mailbox());
    let mut ids = Vec::new();
    for n in 0..20 {
        let sealed = toy_seal(format!("message {n}").as_bytes());
        ids.push((
            deposited_id(&relay.signed(&sender, "POST", &path, &sealed), 201),
            sealed,
        ));
    }
    relay.kill();
    let relay = Relay::start(&store, &[]);
    let batch = fetch(&relay, &owner, 0);
    let back: Vec<_> = batch
        .messages
        .into_iter()
        .map(|m| (m.id, m.bytes))
        .collect();
    assert_eq!(back, ids);
    relay.stop();
}

/// The relay keeps only the bytes it was given, and its log names no device and
/// quotes no message.
fn storage_and_logs_hold_nothing_readable(store: Store) {
    let relay = Relay::start(&store, &[]);
    let (client, therapist) = (Device::new(), Device::new());
    let plaintexts = [
        "Distinctive: urge to self-harm rated 4 of 5 on Tuesday",
        "Distinctive: lockout until the session on Thursday 10:00",
        "Distinctive: skills coaching call, 21:40, ten minutes",
    ];
    let mut sealed = Vec::new();
    for (n, plaintext) in plaintexts.iter().enumerate() {
        let (from, to) = if n % 2 == 0 {
            (&client, &therapist)
        } else {
            (&therapist, &client)
        };
        let bytes = toy_seal(plaintext.as_bytes());
        let id = deposited_id(
            &relay.signed(from, "POST", &messages_path(&to.mailbox()), &bytes),
            201,
        );
        sealed.push((id, bytes));
    }
    // Some refused requests, whose paths name mailboxes too.
    refused(
        &relay.signed(
            &client,
            "GET",
            &fetch_path(&therapist.mailbox(), 0, 10),
            b"",
        ),
        ErrorCode::NotYourMailbox,
    );
    refused(
        &relay.request("POST", &messages_path(&client.mailbox()), &[], b"x"),
        ErrorCode::Unsigned,
    );
    assert_eq!(fetch(&relay, &client, 0).messages.len(), 1);
    let logs = relay.stop();

    let contents = store.contents();
    let contains =
        |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    // What is stored is what was deposited (in the PostgreSQL dump, in hex)...
    for (_, bytes) in &sealed {
        let found = match store.kind() {
            "sqlite" => contains(&contents, bytes),
            _ => contains(&contents, hex::encode(bytes).as_bytes()),
        };
        assert!(
            found,
            "a deposited message is not in the {} storage",
            store.kind()
        );
    }
    // ...and no plaintext, in any form.
    for plaintext in plaintexts {
        for form in [
            plaintext.as_bytes().to_vec(),
            hex::encode(plaintext).into_bytes(),
            b"Distinctive".to_vec(),
        ] {
            assert!(
                !contains(&contents, &form),
                "plaintext in the {} storage",
                store.kind()
            );
        }
    }

    // The log: one JSON object a line, the route templates, and no key, mailbox or
    // message bytes.
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let requests: Vec<_> = lines
        .iter()
        .filter(|line| line["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 6, "{logs}");
    assert!(requests
        .iter()
        .all(|r| r["route"] == "/v1/mailboxes/{mailbox}/messages"));
    assert!(requests.iter().any(|r| r["error"] == "not_your_mailbox"));
    assert!(requests
        .iter()
        .all(|r| r["status"].is_u64() && r["duration_ms"].is_number() && r["method"].is_string()));
    let mut secrets = Vec::new();
    for device in [&client, &therapist] {
        let key = device.key.verifying_key().to_bytes();
        secrets.push(device.mailbox().to_string());
        secrets.push(BASE64URL_NOPAD.encode(&key));
        secrets.push(hex::encode(&key[..8]));
    }
    for (_, bytes) in &sealed {
        secrets.push(hex::encode(&bytes[..16]));
        secrets.push(BASE64URL_NOPAD.encode(&bytes[..16]));
    }
    for plaintext in plaintexts {
        secrets.push(plaintext.to_owned());
    }
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{secret} in the log:\n{logs}"
        );
    }
}

/// Each case as a test per backend.
macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $case() {
                    super::$case(crate::support::Store::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $case() {
                    if let Some(store) = crate::support::Store::postgres() {
                        super::$case(store);
                    }
                }
            )*
        }
    };
}

both_backends!(
    a_message_goes_through_and_is_deleted_when_acknowledged,
    every_bad_request_is_refused_with_its_code,
    a_full_mailbox_refuses_deposits,
    too_many_requests_are_refused_with_retry_after,
    the_health_check_names_the_storage,
    a_killed_relay_keeps_what_it_accepted,
    storage_and_logs_hold_nothing_readable,
);

#[test]
fn the_relay_refuses_to_start_without_storage_or_with_a_bad_name() {
    let relay = env!("CARGO_BIN_EXE_coachline-relay");
    let output = std::process::Command::new(relay)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("COACHLINE_RELAY_POSTGRES")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(relay)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--name",
            "relay.example.org",
            "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--name"));
}

/// A database that fails answers `unavailable` (the phones retry), in the protocol's
/// JSON, and its error in the log quotes no key value.
#[test]
fn a_failing_database_makes_the_relay_unavailable() {
    let Some(store) = Store::postgres() else {
        return;
    };
    let relay = Relay::start(&store, &[]);
    let (sender, owner) = (Device::new(), Device::new());
    let path = messages_path(&owner.mailbox());
    deposited_id(&relay.signed(&sender, "POST", &path, b"sealed"), 201);
    store.execute("DROP TABLE messages, mailboxes, replay_ids");
    refused(
        &relay.request("GET", HEALTH_PATH, &[], b""),
        ErrorCode::Unavailable,
    );
    refused(
        &relay.signed(&sender, "POST", &path, b"sealed again"),
        ErrorCode::Unavailable,
    );
    let logs = relay.stop();
    assert!(logs.contains("storage failed"), "{logs}");
    assert!(!logs.contains(&owner.mailbox().to_string()), "{logs}");
}
