//! `coachline demo`: two phones, one agreement, told as a story.
//!
//! Both stores are real SQLite files in one directory; the agreement travels between
//! them as exported Automerge files, as it would by any offline path. A scripted
//! clock (starting on Monday 23 November 2026, 09:00 in New York) keeps every run
//! the same.

use std::path::{Path, PathBuf};

use coachline_core::model::{AgreementId, CallEnd, CallReason, CallStart, Role, TermKey};
use coachline_core::store::Store;
use coachline_core::Timestamp;
use serde_json::json;

use crate::render::{self, Output};
use crate::Failure;

fn step(title: &str) {
    println!("\n== {title}");
}

/// Moves the agreement from one phone to the other as a file, as the CLI's
/// `agreement export` / `agreement import` do.
fn carry(
    from: &mut Store,
    to: &mut Store,
    id: &AgreementId,
    dir: &Path,
    name: &str,
) -> Result<(), Failure> {
    let file = dir.join(name);
    let bytes = from.export(id)?;
    std::fs::write(&file, &bytes)?;
    let outcome = to.import(&std::fs::read(&file)?)?;
    println!(
        "   {} ({} bytes) carried over; {}",
        file.display(),
        bytes.len(),
        if outcome.changed {
            "the other phone merged new changes"
        } else {
            "nothing new"
        }
    );
    Ok(())
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
    let mut therapist = Store::open(dir.join("therapist.db"))?;
    let mut client = Store::open(dir.join("client.db"))?;
    let t = therapist.init(Role::Therapist, "Dr. Rivera", at(0))?;
    let c = client.init(Role::Client, "Sam", at(0))?;
    println!("   therapist's phone: key {}", t.fingerprint);
    println!("   client's phone:    key {}", c.fingerprint);

    step("The therapist drafts the agreement from the seed form and sets the terms");
    let id = therapist.create_agreement("Sam", Some("America/New_York"), at(1))?;
    therapist.set_term(
        &id,
        TermKey::Availability,
        "Mon-Fri 09:00-20:00; Sat 10:00-14:00",
        at(2),
    )?;
    therapist.set_term(&id, TermKey::ReturnCallMinutes, "30", at(2))?;
    therapist.add_behavior(&id, "self-harm", true, at(3))?;
    therapist.add_resource(&id, "Crisis Text Line", "text HOME to 741741", at(3))?;
    let view = therapist.agreement(&id)?;
    println!("   agreement {id}: {}", view.assessment.status.as_str());
    println!("   availability: {}", view.terms.availability);

    step("The draft travels to the client's phone (export → import)");
    carry(&mut therapist, &mut client, &id, &dir, "draft.automerge")?;

    step("Both sign the same terms");
    println!(
        "   therapist signs: {}",
        therapist.sign(&id, at(5))?.as_str()
    );
    carry(
        &mut therapist,
        &mut client,
        &id,
        &dir,
        "signed-by-therapist.automerge",
    )?;
    println!("   client signs:    {}", client.sign(&id, at(10))?.as_str());
    carry(
        &mut client,
        &mut therapist,
        &id,
        &dir,
        "signed-by-both.automerge",
    )?;
    println!(
        "   on the therapist's phone: {}",
        therapist.agreement(&id)?.assessment.status.as_str()
    );

    step("Tuesday evening: the client calls for coaching, then reports a behaviour");
    let tuesday = 24 * 60 + 9 * 60; // Tuesday 18:00 in New York
    let start = CallStart::new(
        CallReason::Coaching,
        Some("argument at home"),
        &["TIPP".into(), "paced breathing".into()],
        Some(4),
    )?;
    let call = client.start_call(&id, start, at(tuesday))?;
    let end = CallEnd::new(
        &["opposite action".into(), "self-soothe".into()],
        Some(2),
        None,
    )?;
    client.end_call(&id, call.id().as_str(), end, at(tuesday + 7))?;
    println!("   call {}: 7 minutes, urge 4 → 2", call.id());
    let report =
        client.report_behavior(&id, Some("self-harm"), at(tuesday + 120), at(tuesday + 130))?;
    println!("   behaviour report {report} recorded for Tuesday 20:00");

    step("The phones meet again and exchange changes");
    carry(
        &mut client,
        &mut therapist,
        &id,
        &dir,
        "client-changes.automerge",
    )?;
    carry(
        &mut therapist,
        &mut client,
        &id,
        &dir,
        "therapist-changes.automerge",
    )?;

    step("Wednesday 10:00: the client opens the app");
    let wednesday = tuesday + 16 * 60;
    let decision = client.status(&id, at(wednesday))?;
    println!("   permission: {:?}", decision.permission);
    println!("   {}", decision.message);

    step("The client tries to call anyway: the 24-hour rule declines it");
    let attempt = client.start_call(
        &id,
        CallStart::new(CallReason::Coaching, None, &[], Some(5))?,
        at(wednesday + 5),
    )?;
    println!(
        "   {}",
        render::attempt_text(&attempt).replace('\n', "\n   ")
    );

    step("Thursday 22:30: the lockout is over, but it is outside the therapist's hours");
    let thursday = wednesday + 24 * 60 + 12 * 60 + 30;
    let attempt = client.start_call(
        &id,
        CallStart::new(CallReason::Clarification, None, &[], Some(1))?,
        at(thursday),
    )?;
    println!(
        "   {}",
        render::attempt_text(&attempt).replace('\n', "\n   ")
    );
    client.end_call(
        &id,
        attempt.id().as_str(),
        CallEnd::new(&[], None, Some("missed"))?,
        at(thursday + 1),
    )?;
    carry(
        &mut client,
        &mut therapist,
        &id,
        &dir,
        "callback-request.automerge",
    )?;

    step("Friday 09:15: the therapist returns the call");
    let friday = thursday + 10 * 60 + 45;
    let returned = therapist.return_call(&id, attempt.id().as_str(), at(friday))?;
    let end = CallEnd::new(&["check the facts".into()], None, None)?;
    therapist.end_call(&id, returned.as_str(), end, at(friday + 6))?;
    println!("   return call {returned}: 6 minutes");
    carry(
        &mut therapist,
        &mut client,
        &id,
        &dir,
        "return-call.automerge",
    )?;

    step("The therapist's log");
    let log = therapist.log(&id, 50)?;
    println!("{}", render::log_text(&log, at(friday + 10)));

    step("The therapist prepares Monday's session: the summary of the week");
    let summary = therapist.summary(&id, None, at(friday + 10))?;
    println!("{}", render::summary_text(&summary));

    step("Both phones end in the same state");
    let same_heads = therapist.heads(&id)? == client.heads(&id)?;
    let same_rows = therapist.projection_dump(&id)? == client.projection_dump(&id)?;
    let same_decision =
        therapist.status(&id, at(friday + 10))? == client.status(&id, at(friday + 10))?;
    println!(
        "   same document heads: {same_heads}; same agreement, log and rows: {same_rows}; same decision: {same_decision}"
    );
    println!("   stores: {}", dir.display());
    let converged = same_heads && same_rows && same_decision;
    if out.json {
        out.print(
            &json!({ "agreement": id, "converged": converged }),
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
