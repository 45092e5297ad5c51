//! `coachline demo`: two phones, one agreement, told as a story.
//!
//! Both stores are real SQLite files in one directory. The phones pair with a
//! one-line invitation, then changes travel as sealed sync messages written to sync
//! files, as `coachline sync send` / `sync receive` do (any offline path would do),
//! and, on the Tuesday evening, through a real `coachline-relay` started on loopback
//! for the demo (when its binary is beside this one; otherwise that part is skipped
//! and said so). A scripted clock (starting on Monday 23 November 2026, 09:00 in New
//! York) keeps every run the same; relay requests are signed at the real clock, which
//! the relay checks.

use std::path::{Path, PathBuf};

use coachline_core::backup::{Passphrase, Seal, Unseal};
use coachline_core::model::{AgreementId, CallEnd, CallReason, CallStart, Role, TermKey};
use coachline_core::screens::{self, Viewer};
use coachline_core::store::{CallAttempt, Store};
use coachline_core::Timestamp;
use serde_json::json;

use crate::relay::{self, LocalRelay};
use crate::render::{self, Output};
use crate::{key, sync, Failure};

/// What the phone shows for a call attempt, indented under the step.
fn show(attempt: &CallAttempt) {
    say!(
        "   {}",
        render::attempt_text(attempt).replace('\n', "\n   ")
    );
}

fn step(title: &str) {
    say!("\n== {title}");
}

/// A phone in the story: its name and its store.
struct Phone {
    name: &'static str,
    store: Store,
}

/// Carries the sealed messages due from each phone to the other, as sync files,
/// until neither has anything to send.
fn sync(
    a: &mut Phone,
    b: &mut Phone,
    id: &AgreementId,
    dir: &Path,
    files: &mut usize,
    now: Timestamp,
) -> Result<(), Failure> {
    for _ in 0..8 {
        let moved = carry(a, b, id, dir, files, now)? + carry(b, a, id, dir, files, now)?;
        if moved == 0 {
            say!("   in sync: neither phone has anything more to send");
            return Ok(());
        }
    }
    Err(Failure {
        code: 1,
        message: "the two phones did not fall quiet".into(),
    })
}

/// Writes what `from` has due into a sync file and applies it on `to`; returns how
/// many messages it held.
fn carry(
    from: &mut Phone,
    to: &mut Phone,
    id: &AgreementId,
    dir: &Path,
    files: &mut usize,
    now: Timestamp,
) -> Result<usize, Failure> {
    let mut messages = Vec::new();
    while let Some(message) = from.store.sync_next(id, now)? {
        messages.push(message);
    }
    if messages.is_empty() {
        return Ok(0);
    }
    *files += 1;
    let file = dir.join(format!("{:02}-{}-to-{}.sync", files, from.name, to.name));
    let bytes = sync::encode_file(&messages);
    std::fs::write(&file, &bytes)?;
    let mut news = Vec::new();
    for message in sync::decode_file(&std::fs::read(&file)?)? {
        let outcome = to.store.sync_receive(message, now)?;
        if outcome.paired {
            news.push("pairing complete");
        }
        if outcome.created {
            news.push("the agreement arrived");
        } else if outcome.changed {
            news.push("new changes merged");
        }
    }
    news.dedup();
    say!(
        "   {} → {}: {} sealed message{} ({} bytes){}{}",
        from.name,
        to.name,
        messages.len(),
        if messages.len() == 1 { "" } else { "s" },
        bytes.len(),
        if news.is_empty() { "" } else { "; " },
        news.join(", ")
    );
    Ok(messages.len())
}

/// One relay pass of `phone` through its own relay (the one its invitation named,
/// or set by its user): what it printed is what `coachline sync relay` says.
fn relay_pass(phone: &mut Phone, http: &relay::Http, now: Timestamp) -> Result<(), Failure> {
    let report = relay::pass(&mut phone.store, http, None, now)?;
    say!(
        "   {}'s pass: sent {}, received {} (applied {}); {} bytes up, {} down",
        phone.name,
        report.sent,
        report.received,
        report.applied,
        report.bytes_up,
        report.bytes_down
    );
    Ok(())
}

/// Starts a relay for the demo, keeping its data in `dir/relay`; `None` (and says
/// why) when its binary is not beside this one.
fn start_relay(dir: &Path) -> Result<Option<LocalRelay>, Failure> {
    let binary = LocalRelay::binary().filter(|b| b.is_file());
    let Some(binary) = binary else {
        say!("   skipped: there is no coachline-relay binary beside this coachline binary.");
        say!("   Build it with `cargo build -p coachline-relay` (with --release if this demo runs");
        say!("   from a release build) to see the phones sync through a relay; here they carry files.");
        return Ok(None);
    };
    let relay = LocalRelay::start(&binary, &dir.join("relay"), &dir.join("relay.log"))?;
    say!(
        "   a coachline-relay listening on {}, its data in {}",
        relay.url(),
        dir.join("relay").display()
    );
    say!("   it keeps sealed messages in per-device mailboxes until fetched: it can read none of them");
    Ok(Some(relay))
}

pub fn run(dir: Option<PathBuf>, out: &Output) -> Result<u8, Failure> {
    let (_keep, dir) = match dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            (None, dir)
        }
        None => {
            let tmp = tempfile::Builder::new()
                .prefix("coachline-demo-")
                .tempdir()?;
            let path = tmp.path().to_owned();
            (Some(tmp), path)
        }
    };
    let t0 = Timestamp::parse_rfc3339("now", "2026-11-23T14:00:00Z")?;
    let at = |minutes: i64| t0.plus_minutes(minutes);

    step("Two phones, each with its own store");
    let mut therapist = Phone {
        name: "therapist",
        store: key::open(&dir.join("therapist.db"), true)?,
    };
    let mut client = Phone {
        name: "client",
        store: key::open(&dir.join("client.db"), true)?,
    };
    let mut files = 0;
    let t = therapist.store.init(Role::Therapist, "Dr. Rivera", at(0))?;
    let c = client.store.init(Role::Client, "Sam", at(0))?;
    say!("   therapist's phone: key {}", t.fingerprint);
    say!("   client's phone:    key {}", c.fingerprint);
    say!("   each store file is encrypted; the key that opens it is in the .key file beside it");
    say!("   (on a phone: in the Android Keystore or the iOS Keychain)");

    step("The therapist's clinic runs a relay, for when the phones are apart");
    let mut local_relay = start_relay(&dir)?;
    if let Some(relay) = &local_relay {
        therapist.store.set_relay(Some(relay.url()))?;
        say!("   the therapist's phone syncs through it, and its invitations name it");
    }
    let http = relay::Http::new();

    step("The therapist drafts the agreement from the seed form and sets the terms");
    let id = therapist
        .store
        .create_agreement("Sam", Some("America/New_York"), at(1))?;
    therapist.store.set_term(
        &id,
        TermKey::Availability,
        "Mon-Fri 09:00-20:00; Sat 10:00-14:00",
        at(2),
    )?;
    therapist
        .store
        .set_term(&id, TermKey::ReturnCallMinutes, "30", at(2))?;
    therapist
        .store
        .add_behavior(&id, "self-harm", true, at(3))?;
    therapist
        .store
        .add_resource(&id, "Crisis Text Line", "text HOME to 741741", at(3))?;
    let view = therapist.store.agreement(&id)?;
    say!("   agreement {id}: {}", view.assessment.status.as_str());
    say!("   availability: {}", view.terms.availability);

    step("The therapist invites the client's phone; the client joins with the invitation");
    let invitation = therapist.store.invite(&id, at(4))?;
    say!(
        "   invitation: one line of {} characters, for a QR code, valid 48 hours",
        invitation.len()
    );
    client.store.join(&invitation, at(4))?;
    if let Some(relay) = client.store.relay()? {
        say!("   the invitation names the relay: the client's phone now syncs through {relay}, nothing typed");
    }
    let peer = &client.store.peers()?[0];
    say!(
        "   the client's phone records the therapist's key {} (the same as above)",
        peer.fingerprint
    );
    say!("   the phones exchange sealed messages; the draft arrives with the first answer:");
    sync(&mut client, &mut therapist, &id, &dir, &mut files, at(4))?;

    step("Both sign the same terms");
    say!(
        "   therapist signs: {}",
        therapist.store.sign(&id, at(5))?.as_str()
    );
    sync(&mut therapist, &mut client, &id, &dir, &mut files, at(5))?;
    say!(
        "   client signs:    {}",
        client.store.sign(&id, at(10))?.as_str()
    );
    sync(&mut client, &mut therapist, &id, &dir, &mut files, at(10))?;
    say!(
        "   on the therapist's phone: {}",
        therapist.store.agreement(&id)?.assessment.status.as_str()
    );

    step("Tuesday evening: the client calls for coaching, then reports a behaviour");
    let tuesday = 24 * 60 + 9 * 60; // Tuesday 18:00 in New York
    let start = CallStart::new(
        CallReason::Coaching,
        Some("argument at home"),
        &["TIPP".into(), "paced breathing".into()],
        Some(4),
    )?;
    let call = client.store.start_call(&id, start, at(tuesday))?;
    let end = CallEnd::new(
        &["opposite action".into(), "self-soothe".into()],
        Some(2),
        None,
    )?;
    client
        .store
        .end_call(&id, call.id().as_str(), end, at(tuesday + 7))?;
    say!("   call {}: 7 minutes, urge 4 → 2", call.id());
    let report = client.store.report_behavior(
        &id,
        Some("self-harm"),
        at(tuesday + 120),
        at(tuesday + 130),
    )?;
    say!("   behaviour report {report} recorded for Tuesday 20:00");

    if local_relay.is_some() {
        step("Tuesday 20:20, at home: the client's phone syncs through the relay");
        relay_pass(&mut client, &http, at(tuesday + 140))?;

        step("Tuesday 20:30, across town: the therapist's phone syncs too; no file is carried");
        relay_pass(&mut therapist, &http, at(tuesday + 150))?;
        let viewer = Viewer::new("America/New_York", None)?;
        let clients = screens::clients(&mut therapist.store, &viewer, at(tuesday + 150))?;
        say!("   the therapist's Clients screen:");
        for line in crate::screen::text(&crate::screen::to_json(&clients)).lines() {
            say!("   {line}");
        }
        let status = therapist.store.status(&id, at(tuesday + 150))?;
        say!(
            "   on the therapist's phone: {}",
            render::status_text(&status, therapist.store.agreement(&id)?.assessment.status)
                .lines()
                .next()
                .unwrap_or_default()
        );
        say!("   the client's next pass takes the therapist's answer:");
        relay_pass(&mut client, &http, at(tuesday + 160))?;
    } else {
        step("The phones meet again and exchange changes");
        sync(
            &mut client,
            &mut therapist,
            &id,
            &dir,
            &mut files,
            at(tuesday + 140),
        )?;
    }

    step("Wednesday 10:00: the client opens the app (its Home screen, as the core computes it)");
    let wednesday = tuesday + 16 * 60;
    let viewer = Viewer::new("America/New_York", None)?;
    let home = screens::home(&mut client.store, &viewer, &id, at(wednesday))?;
    for line in crate::screen::text(&crate::screen::to_json(&home)).lines() {
        say!("   {line}");
    }

    step("The client tries to call anyway: the 24-hour rule declines it");
    let attempt = client.store.start_call(
        &id,
        CallStart::new(CallReason::Coaching, None, &[], Some(5))?,
        at(wednesday + 5),
    )?;
    show(&attempt);

    step("Thursday 22:30: the lockout is over, but it is outside the therapist's hours");
    let thursday = wednesday + 24 * 60 + 12 * 60 + 30;
    let attempt = client.store.start_call(
        &id,
        CallStart::new(CallReason::Clarification, None, &[], Some(1))?,
        at(thursday),
    )?;
    show(&attempt);
    client.store.end_call(
        &id,
        attempt.id().as_str(),
        CallEnd::new(&[], None, Some("missed"))?,
        at(thursday + 1),
    )?;
    sync(
        &mut client,
        &mut therapist,
        &id,
        &dir,
        &mut files,
        at(thursday + 2),
    )?;

    step("Friday 09:15: the therapist returns the call");
    let friday = thursday + 10 * 60 + 45;
    let returned = therapist
        .store
        .return_call(&id, attempt.id().as_str(), at(friday))?;
    let end = CallEnd::new(&["check the facts".into()], None, None)?;
    therapist
        .store
        .end_call(&id, returned.as_str(), end, at(friday + 6))?;
    say!("   return call {returned}: 6 minutes");
    sync(
        &mut therapist,
        &mut client,
        &id,
        &dir,
        &mut files,
        at(friday + 7),
    )?;

    step("The therapist's log");
    let log = therapist.store.log(&id, 50)?;
    say!("{}", render::log_text(&log, at(friday + 10)));

    step("The therapist prepares Monday's session: the summary of the week");
    let summary = therapist.store.summary(&id, None, at(friday + 10))?;
    say!("{}", render::summary_text(&summary));

    step("The client keeps a backup, sealed with a passphrase (the age format)");
    let passphrase = || Passphrase::new("correct horse battery staple".into());
    let sealed = client
        .store
        .export_sealed(&id, &Seal::Passphrase(passphrase()?))?;
    let file = dir.join("client-backup.age");
    std::fs::write(&file, &sealed)?;
    say!(
        "   {}: {} bytes; opened by `age --decrypt` too, with the passphrase",
        file.file_name().unwrap_or_default().to_string_lossy(),
        sealed.len()
    );
    if let Err(e) = therapist.store.import(&sealed) {
        say!("   without the passphrase: {e}");
    }
    let outcome = therapist
        .store
        .import_sealed(&sealed, &Unseal::Passphrase(passphrase()?))?;
    say!(
        "   with it, on the therapist's phone: {}",
        if outcome.changed {
            "new changes merged"
        } else {
            "already up to date"
        }
    );

    step("Both phones end in the same state");
    let same_heads = therapist.store.heads(&id)? == client.store.heads(&id)?;
    let same_rows = therapist.store.projection_dump(&id)? == client.store.projection_dump(&id)?;
    let same_decision = therapist.store.status(&id, at(friday + 10))?
        == client.store.status(&id, at(friday + 10))?;
    say!(
        "   same document heads: {same_heads}; same agreement, log and rows: {same_rows}; same decision: {same_decision}"
    );
    if let Some(relay) = &mut local_relay {
        relay.stop();
        say!(
            "   the relay was stopped; what it held is in {}",
            dir.join("relay").display()
        );
    }
    say!("   stores: {}", dir.display());
    let converged = same_heads && same_rows && same_decision;
    if out.json {
        out.print(
            &json!({ "agreement": id, "converged": converged, "relay": local_relay.is_some() }),
            String::new,
        );
    }
    if converged {
        Ok(0)
    } else {
        Err(Failure {
            code: 1,
            message: "the two phones did not converge".into(),
        })
    }
}
