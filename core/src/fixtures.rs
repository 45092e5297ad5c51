//! Generated histories for benchmarks (feature `fixtures`): what years of real use
//! produce, written through the ordinary store API so every call, report and edit is
//! its own durable change, chunks pile up and get compacted as they would on a phone.
//! The app is closed between uses: each call, report or edit is made by a store
//! opened for it, so it is written under an actor of its own, as on a phone.

use crate::error::Result;
use crate::model::{AgreementId, CallEnd, CallReason, CallStart, Role, TermKey};
use crate::store::{CallAttempt, Store, StoreKey};
use crate::time::Timestamp;

/// The five-year history of the figures: 3,000 calls, 300 behaviour reports and 100
/// term edits; `fifths` of 5 gives all of it, 1 gives the one-year history.
pub struct HistorySize {
    pub calls: usize,
    pub reports: usize,
    pub edits: usize,
}

impl HistorySize {
    pub fn years(years: usize) -> Self {
        Self {
            calls: 600 * years,
            reports: 60 * years,
            edits: 20 * years,
        }
    }
}

const SKILLS: [&str; 8] = [
    "TIPP",
    "paced breathing",
    "opposite action",
    "self-soothe",
    "radical acceptance",
    "STOP",
    "check the facts",
    "distract with ACCEPTS",
];

const SITUATIONS: [&str; 4] = [
    "argument at home, feeling overwhelmed and wanting to leave",
    "bad news at work, urges rising since lunch",
    "alone tonight and the evening is hard",
    "a memory came back and I cannot settle",
];

/// The key of every store the fixtures write (the Kotlin benchmark opens them too).
pub const KEY: [u8; StoreKey::LEN] = [0x5a; StoreKey::LEN];

pub fn key() -> StoreKey {
    StoreKey::from_bytes(&KEY).expect("32 bytes")
}

/// A client's store (`dir/name.db`) holding one agreement, drafted by a therapist
/// store beside it, with `size` worth of history ending at `end`.
pub fn client_store(
    dir: &std::path::Path,
    size: &HistorySize,
    end: Timestamp,
) -> Result<(Store, AgreementId)> {
    let days = (size.calls / 600).max(1) as i64 * 365;
    let start = end.plus_hours(-24 * days);
    let mut therapist = Store::open(dir.join("therapist.db"), &key())?;
    therapist.init(Role::Therapist, "Dr. Rivera", start)?;
    let id = therapist.create_agreement("Sam", Some("America/New_York"), start)?;
    therapist.set_term(
        &id,
        TermKey::Availability,
        "Mon-Fri 09:00-20:00; Sat 10:00-14:00",
        start,
    )?;
    therapist.add_behavior(&id, "self-harm", true, start)?;
    let path = dir.join("client.db");
    let mut client = Store::open(&path, &key())?;
    client.init(Role::Client, "Sam", start)?;
    client.import(&therapist.export(&id)?)?;

    let span = end.millis() - start.millis();
    let at = |i: usize, n: usize| {
        Timestamp::from_millis(start.millis() + span * (i as i64 + 1) / (n as i64 + 1))
    };
    let (mut calls, mut reports, mut edits) = (0, 0, 0);
    let total = size.calls + size.reports + size.edits;
    for step in 0..total {
        drop(client);
        client = Store::open(&path, &key())?;
        // Interleave the three kinds in proportion, in time order.
        if calls * total <= step * size.calls && calls < size.calls {
            let when = at(calls, size.calls);
            let reason = CallReason::ALL[calls % 4];
            let tried = [
                SKILLS[calls % 8].to_owned(),
                SKILLS[(calls + 3) % 8].to_owned(),
            ];
            let start = CallStart::new(
                reason,
                Some(SITUATIONS[calls % 4]),
                &tried,
                Some((calls % 6) as i64),
            )?;
            // A call in a lockout is declined and recorded as ended; the others end.
            if let CallAttempt::Started { id: call, .. } = client.start_call(&id, start, when)? {
                let suggested = [SKILLS[(calls + 5) % 8].to_owned()];
                let end = CallEnd::new(&suggested, Some((calls % 4) as i64), None)?;
                client.end_call(
                    &id,
                    call.as_str(),
                    end,
                    when.plus_minutes(4 + (calls % 7) as i64),
                )?;
            }
            calls += 1;
        } else if reports * total <= step * size.reports && reports < size.reports {
            let when = at(reports, size.reports);
            client.report_behavior(&id, Some("self-harm"), when, when.plus_minutes(30))?;
            reports += 1;
        } else if edits < size.edits {
            let when = at(edits, size.edits);
            let value = if edits % 2 == 0 {
                "Call the on-call clinician at 555-0100."
            } else {
                "Use the crisis line, then text me."
            };
            client.set_term(&id, TermKey::BackupPlan, value, when)?;
            edits += 1;
        }
    }
    Ok((client, id))
}
