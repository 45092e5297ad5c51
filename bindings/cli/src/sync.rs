//! Pairing and sync from the command line: `invite`, `join`, `peers`, `sync send`,
//! `sync receive` (`sync relay` is in [`crate::relay`]).
//!
//! The CLI's transport is a file: `sync send` writes every message due for the
//! agreement's peer into one *sync file*, and `sync receive` applies a sync file.
//! A sync file is the line `coachline-sync-file/1` and a newline, then each sealed
//! message as a 4-byte big-endian length followed by its bytes. The messages are
//! sealed end to end: the file itself needs no protection.

use std::path::Path;

use coachline_core::model::Role;
use coachline_core::store::{PeerInfo, Store};
use coachline_core::sync::invitation;
use coachline_core::Timestamp;
use serde_json::json;

use crate::render::Output;
use crate::Failure;

const MAGIC: &[u8] = b"coachline-sync-file/1\n";

/// A sync file holding `messages`.
pub fn encode_file(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut file = MAGIC.to_vec();
    for message in messages {
        let len = u32::try_from(message.len()).expect("a sealed message is at most 64 KiB");
        file.extend_from_slice(&len.to_be_bytes());
        file.extend_from_slice(message);
    }
    file
}

/// The messages in a sync file.
pub fn decode_file(bytes: &[u8]) -> Result<Vec<&[u8]>, Failure> {
    let not_a_sync_file = || Failure::usage("the file is not a coachline sync file");
    let mut rest = bytes.strip_prefix(MAGIC).ok_or_else(not_a_sync_file)?;
    let mut messages = Vec::new();
    while !rest.is_empty() {
        let (len, tail) = rest.split_at_checked(4).ok_or_else(not_a_sync_file)?;
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
        let (message, tail) = tail.split_at_checked(len).ok_or_else(not_a_sync_file)?;
        messages.push(message);
        rest = tail;
    }
    Ok(messages)
}

pub fn invite(
    store: &mut Store,
    agreement: Option<&str>,
    now: Timestamp,
    out: &Output,
) -> Result<(), Failure> {
    let id = store.select_agreement(agreement)?;
    let line = store.invite(&id, now)?;
    let expires_at = now.plus_hours(invitation::VALID_HOURS);
    let whose = match store.whoami()?.role {
        Role::Therapist => "the client's phone",
        Role::Client => "the therapist's new phone, in person,",
    };
    let relay = store.relay()?;
    out.print(
        &json!({
            "agreement": id,
            "invitation": line,
            "expires_at": expires_at,
            "relay": relay.as_ref().map(|r| r.as_str()),
        }),
        || {
            let through = match &relay {
                Some(relay) => format!(
                    "\nIt names this phone's relay, {relay}: the phone that joins syncs through it \
                     (`coachline sync relay`) with nothing more to type."
                ),
                None => String::new(),
            };
            format!(
                "{line}\n\nShow this invitation to {whose} (as text or a QR code) and run\n  \
                 coachline join <the line>\nthere. It works once, until {expires_at}.{through}"
            )
        },
    );
    Ok(())
}

pub fn join(store: &mut Store, code: &str, now: Timestamp, out: &Output) -> Result<(), Failure> {
    let id = store.join(code, now)?;
    let peer = store
        .peers()?
        .into_iter()
        .find(|p| p.agreement == id)
        .expect("join records the peer");
    let relay = store.relay()?;
    out.print(
        &json!({
            "agreement": id,
            "peer_role": peer.role,
            "peer_fingerprint": peer.fingerprint,
            "relay": relay.as_ref().map(|r| r.as_str()),
        }),
        || {
            let first_sync = match &relay {
                Some(relay) => format!("run `coachline sync relay` (through {relay})"),
                None => format!(
                    "run `coachline sync send --out FILE` and take FILE to the {}",
                    peer.role
                ),
            };
            format!(
                "Joined agreement {id}.\nThe {role}'s device has the key fingerprint {}: \
                 check it against their `coachline whoami`.\nThe agreement arrives with the first \
                 sync: {first_sync}.",
                peer.fingerprint,
                role = peer.role,
            )
        },
    );
    Ok(())
}

fn peer_json(p: &PeerInfo) -> serde_json::Value {
    json!({
        "agreement": p.agreement,
        "role": p.role,
        "fingerprint": p.fingerprint,
        "sync_key_fingerprint": p.sync_key_fingerprint,
        "paired_at": p.paired_at,
        "confirmed": p.confirmed,
        "has_agreement": p.has_agreement,
    })
}

pub fn peers(store: &Store, out: &Output) -> Result<(), Failure> {
    let peers = store.peers()?;
    out.print(
        &json!(peers.iter().map(peer_json).collect::<Vec<_>>()),
        || {
            if peers.is_empty() {
                return "No paired peers yet: `coachline invite` (therapist) or `coachline join` (client).".into();
            }
            peers
                .iter()
                .map(|p| {
                    let state = match (p.confirmed, p.has_agreement) {
                        (false, _) => format!("waiting for the {} to accept", p.role),
                        (true, false) => "paired; the agreement has not arrived yet".into(),
                        (true, true) => "paired".into(),
                    };
                    format!(
                        "{}  {} {}  (sync key {})  {state}",
                        p.agreement, p.role, p.fingerprint, p.sync_key_fingerprint
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    Ok(())
}

pub fn send(
    store: &mut Store,
    agreement: Option<&str>,
    file: &Path,
    now: Timestamp,
    out: &Output,
) -> Result<(), Failure> {
    let id = store.select_synced_agreement(agreement)?;
    let mut messages = Vec::new();
    while let Some(message) = store.sync_next(&id, now)? {
        messages.push(message);
    }
    let bytes: usize = messages.iter().map(Vec::len).sum();
    if !messages.is_empty() {
        std::fs::write(file, encode_file(&messages))?;
    }
    out.print(
        &json!({
            "agreement": id,
            "messages": messages.len(),
            "bytes": bytes,
            "written": !messages.is_empty(),
        }),
        || match messages.len() {
            0 => format!(
                "Nothing to send for agreement {id}: the peer has everything this phone \
                 has told it. {} was not written.",
                file.display()
            ),
            n => format!(
                "Wrote {n} sealed message{} ({bytes} bytes) to {}.",
                if n == 1 { "" } else { "s" },
                file.display()
            ),
        },
    );
    Ok(())
}

/// Applies every message of a sync file. A rejected message does not stop the
/// others (each is checked on its own); the command then exits 2 with the reasons.
pub fn receive(
    store: &mut Store,
    file: &Path,
    now: Timestamp,
    out: &Output,
) -> Result<u8, Failure> {
    let bytes = std::fs::read(file)?;
    let messages = decode_file(&bytes)?;
    let total = messages.len();
    let mut results = Vec::new();
    let mut rejections = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        match store.sync_receive(message, now) {
            Ok(outcome) => results.push(json!({
                "agreement": outcome.agreement,
                "buffered": outcome.buffered,
                "created": outcome.created,
                "changed": outcome.changed,
                "paired": outcome.paired,
            })),
            Err(e) if e.is_bad_input() => {
                let reason = e.to_string();
                rejections.push(format!("message {} of {total}: {reason}", i + 1));
                results.push(json!({ "rejected": reason }));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let accepted = total - rejections.len();
    let changed = results.iter().any(|r| r["changed"] == true);
    let created = results.iter().any(|r| r["created"] == true);
    let paired = results.iter().any(|r| r["paired"] == true);
    out.print(
        &json!({
            "messages": total,
            "accepted": accepted,
            "rejected": rejections.len(),
            "created": created,
            "changed": changed,
            "paired": paired,
            "results": results,
        }),
        || {
            let mut lines = vec![format!("Applied {accepted} of {total} sealed messages.")];
            if paired {
                lines.push("Pairing complete.".into());
            }
            lines.push(
                match (created, changed) {
                    (true, _) => "The agreement arrived on this phone.",
                    (false, true) => "New changes were merged.",
                    (false, false) => "Nothing new in them.",
                }
                .into(),
            );
            lines.join("\n")
        },
    );
    if rejections.is_empty() {
        Ok(0)
    } else {
        Err(Failure::usage(rejections.join("\ncoachline: ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_file_round_trips_and_refuses_anything_else() {
        let messages = vec![b"one".to_vec(), Vec::new(), vec![7; 300]];
        let file = encode_file(&messages);
        let back: Vec<Vec<u8>> = decode_file(&file)
            .ok()
            .unwrap()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(back, messages);
        assert!(decode_file(b"hello").is_err());
        assert!(decode_file(&file[..file.len() - 1]).is_err());
        assert!(decode_file(MAGIC).is_ok_and(|m| m.is_empty()));
    }
}
