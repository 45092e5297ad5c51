//! Running one command against the store.

use std::path::PathBuf;

use coachline_core::backup::Seal;
use coachline_core::model::{AgreementId, CallEnd, CallStart, Role, TermKey};
use coachline_core::store::{CallAttempt, Store};
use coachline_core::Timestamp;
use serde_json::json;

use crate::args::*;
use crate::render::{self, Output};
use crate::{backup, demo, key, relay, screen, sync, Failure};

/// Where the store lives when neither --store nor $COACHLINE_STORE says.
fn default_store() -> Result<PathBuf, Failure> {
    let dirs = directories::ProjectDirs::from("org", "Coachline", "coachline")
        .ok_or_else(|| Failure::usage("no home directory: give --store PATH"))?;
    std::fs::create_dir_all(dirs.data_dir())?;
    Ok(dirs.data_dir().join("coachline.db"))
}

struct Context {
    store: Store,
    now: Timestamp,
    out: Output,
    agreement: Option<String>,
}

impl Context {
    fn agreement(&self) -> Result<AgreementId, Failure> {
        Ok(self.store.select_agreement(self.agreement.as_deref())?)
    }
}

fn parse_time(field: &'static str, text: &str) -> Result<Timestamp, Failure> {
    Ok(Timestamp::parse_rfc3339(field, text)?)
}

pub fn run(cli: Cli) -> Result<u8, Failure> {
    let Global {
        store,
        now,
        json,
        agreement,
    } = cli.global;
    let out = Output { json };
    let now = match now {
        Some(text) => parse_time("now", &text)?,
        None => Timestamp::now(),
    };
    if let Command::Demo { dir } = cli.command {
        return demo::run(dir, &out);
    }
    let path = match store {
        Some(path) => path,
        None => default_store()?,
    };
    if let Command::Salvage { out: new } = &cli.command {
        return salvage(&path, new, &out);
    }
    let init = matches!(cli.command, Command::Init { .. });
    let store = key::open(&path, init)?;
    if let Command::Rekey = cli.command {
        let mut store = store;
        key::rekey(&mut store, &path)?;
        out.print(&json!({ "rekeyed": true }), || {
            format!(
                "The store is now encrypted under a new key, kept in {}.",
                key::key_file(&path).display()
            )
        });
        return Ok(0);
    }
    let mut ctx = Context {
        store,
        now,
        out,
        agreement,
    };
    dispatch(&mut ctx, cli.command)
}

/// `salvage`: reads the damaged store (never writing to it) into a new one, and
/// reports counts and ids, never content.
fn salvage(damaged: &std::path::Path, new: &std::path::Path, out: &Output) -> Result<u8, Failure> {
    let key = key::key_for(damaged, false)?;
    let report = Store::salvage(damaged, new, &key)?;
    key::keep(new, &key)?;
    out.print(&json!(report), || {
        let ids = |ids: &[AgreementId]| match ids {
            [] => "0".to_owned(),
            ids => format!(
                "{} ({})",
                ids.len(),
                ids.iter()
                    .map(AgreementId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut lines = vec![format!(
            "Salvaged {} into {}; the damaged file was left as it was.",
            damaged.display(),
            new.display()
        )];
        lines.push(if report.identity {
            "Identity: recovered, with its keys.".into()
        } else {
            "Identity: lost; no agreement could be stored without it.".into()
        });
        lines.push(format!("Agreements recovered: {}", ids(&report.recovered)));
        lines.push(format!("Agreements lost: {}", ids(&report.lost)));
        lines.push(format!(
            "Document chunks lost: {} (their changes come back from the paired phone at the next sync).",
            report.chunks_lost
        ));
        lines.push(format!(
            "Peers recovered: {}; invitations recovered: {}.",
            report.peers, report.invitations
        ));
        if !report.damaged_tables.is_empty() {
            lines.push(format!(
                "Damaged tables (rows in them may be lost uncounted): {}.",
                report.damaged_tables.join(", ")
            ));
        }
        lines.join("\n")
    });
    Ok(0)
}

fn dispatch(ctx: &mut Context, command: Command) -> Result<u8, Failure> {
    let now = ctx.now;
    match command {
        Command::Init { role, name } => {
            let role: Role = role.parse()?;
            let me = ctx.store.init(role, &name, now)?;
            ctx.out.print(&json!(me), || {
                format!("Initialised this {} device ({}).", me.role, me.fingerprint)
            });
        }
        Command::Whoami => {
            let me = ctx.store.whoami()?;
            ctx.out.print(&json!(me), || {
                format!(
                    "{} ({})\nkey fingerprint: {}",
                    me.name, me.role, me.fingerprint
                )
            });
        }
        Command::Agreement(cmd) => agreement(ctx, cmd)?,
        Command::Call(cmd) => return call(ctx, cmd),
        Command::Behavior(cmd) => behavior(ctx, cmd)?,
        Command::Status => {
            let id = ctx.agreement()?;
            let decision = ctx.store.status(&id, now)?;
            let status = ctx.store.agreement(&id)?.assessment.status;
            ctx.out.print(&render::status_json(&decision, status), || {
                render::status_text(&decision, status)
            });
        }
        Command::Summary { since } => {
            let id = ctx.agreement()?;
            let since = since.map(|t| parse_time("since", &t)).transpose()?;
            let summary = ctx.store.summary(&id, since, now)?;
            ctx.out
                .print(&json!(summary), || render::summary_text(&summary));
        }
        Command::Session(SessionCommand::Record { at }) => {
            let id = ctx.agreement()?;
            let at = at.map(|t| parse_time("at", &t)).transpose()?.unwrap_or(now);
            created(
                &ctx.out,
                "Recorded session",
                &ctx.store.record_session(&id, at, now)?,
            );
        }
        Command::Log { limit } => {
            let id = ctx.agreement()?;
            let entries = ctx.store.log(&id, limit)?;
            ctx.out.print(&render::log_json(&entries, now), || {
                render::log_text(&entries, now)
            });
        }
        Command::Screen(args) => {
            screen::run(
                &mut ctx.store,
                ctx.agreement.as_deref(),
                args,
                now,
                &ctx.out,
            )?;
        }
        Command::Invite => {
            sync::invite(&mut ctx.store, ctx.agreement.as_deref(), now, &ctx.out)?;
        }
        Command::Join { code } => sync::join(&mut ctx.store, &code, now, &ctx.out)?,
        Command::Peers => sync::peers(&ctx.store, &ctx.out)?,
        Command::Sync(SyncCommand::Send { out }) => {
            sync::send(
                &mut ctx.store,
                ctx.agreement.as_deref(),
                &out,
                now,
                &ctx.out,
            )?;
        }
        Command::Sync(SyncCommand::Receive { file }) => {
            return sync::receive(&mut ctx.store, &file, now, &ctx.out);
        }
        Command::Sync(SyncCommand::Relay { url, relay: flag }) => {
            relay::sync(&mut ctx.store, url.or(flag), now, &ctx.out)?;
        }
        Command::Relay(RelayArgs { command }) => match command {
            None | Some(RelayCommand::Show) => relay::show(&ctx.store, &ctx.out)?,
            Some(RelayCommand::Set { url }) => relay::set(&mut ctx.store, Some(&url), &ctx.out)?,
            Some(RelayCommand::Clear) => relay::set(&mut ctx.store, None, &ctx.out)?,
        },
        Command::Demo { .. } | Command::Salvage { .. } | Command::Rekey => {
            unreachable!("handled by `run`")
        }
    }
    Ok(0)
}

fn created(out: &Output, what: &str, id: &impl std::fmt::Display) {
    out.print(&json!({ "id": id.to_string() }), || format!("{what} {id}"));
}

fn agreement(ctx: &mut Context, cmd: AgreementCommand) -> Result<(), Failure> {
    let now = ctx.now;
    match cmd {
        AgreementCommand::New { client, time_zone } => {
            let id = ctx.store.create_agreement(&client, Some(&time_zone), now)?;
            created(&ctx.out, "Drafted agreement", &id);
        }
        AgreementCommand::List => {
            let list = ctx.store.agreements()?;
            ctx.out
                .print(&render::list_json(&list), || render::list_text(&list));
        }
        AgreementCommand::Show => {
            let view = ctx.store.agreement(&ctx.agreement()?)?;
            ctx.out.print(&render::agreement_json(&view), || {
                render::agreement_text(&view)
            });
        }
        AgreementCommand::Set { key, value } => {
            let key: TermKey = key.parse()?;
            let id = ctx.agreement()?;
            ctx.store.set_term(&id, key, &value, now)?;
            ctx.out
                .print(&json!({ "term": key.as_str(), "updated": true }), || {
                    format!("Updated {}.", key.as_str())
                });
        }
        AgreementCommand::Resource(ResourceCommand::Add { name, contact }) => {
            let id = ctx.agreement()?;
            created(
                &ctx.out,
                "Added resource",
                &ctx.store.add_resource(&id, &name, &contact, now)?,
            );
        }
        AgreementCommand::Resource(ResourceCommand::Remove { id: resource }) => {
            let id = ctx.agreement()?;
            ctx.store.remove_resource(&id, &resource, now)?;
            ctx.out.done("Removed the resource.");
        }
        AgreementCommand::Behavior(BehaviorListCommand::Add { label, no_lockout }) => {
            let id = ctx.agreement()?;
            created(
                &ctx.out,
                "Added behaviour",
                &ctx.store.add_behavior(&id, &label, !no_lockout, now)?,
            );
        }
        AgreementCommand::Behavior(BehaviorListCommand::Remove { id: behavior }) => {
            let id = ctx.agreement()?;
            ctx.store.remove_behavior(&id, &behavior, now)?;
            ctx.out.done("Removed the behaviour.");
        }
        AgreementCommand::Holiday(HolidayCommand::Add { from, to, note }) => {
            let id = ctx.agreement()?;
            created(
                &ctx.out,
                "Added phone holiday",
                &ctx.store
                    .add_holiday(&id, &from, &to, note.as_deref(), now)?,
            );
        }
        AgreementCommand::Holiday(HolidayCommand::Remove { id: holiday }) => {
            let id = ctx.agreement()?;
            ctx.store.remove_holiday(&id, &holiday, now)?;
            ctx.out.done("Removed the phone holiday.");
        }
        AgreementCommand::Sign => {
            let id = ctx.agreement()?;
            let status = ctx.store.sign(&id, now)?;
            ctx.out.print(&json!({ "status": status }), || {
                format!(
                    "Signed. The agreement is now {}.",
                    status.as_str().replace('_', " ")
                )
            });
        }
        AgreementCommand::Export { out, seal } => {
            let id = ctx.agreement()?;
            let seal = backup::seal(seal)?;
            let bytes = match &seal {
                Some(seal) => ctx.store.export_sealed(&id, seal)?,
                None => ctx.store.export(&id)?,
            };
            std::fs::write(&out, &bytes)?;
            let sealed = match &seal {
                Some(Seal::Passphrase(_)) => "sealed with a passphrase (age)",
                Some(Seal::Recipient(_)) => "sealed for the recipient (age)",
                None => "plain: not encrypted",
            };
            ctx.out.print(
                &json!({ "id": id, "bytes": bytes.len(), "sealed": seal.is_some() }),
                || format!("Exported agreement {id} ({} bytes), {sealed}.", bytes.len()),
            );
        }
        AgreementCommand::Import {
            file,
            passphrase_file,
            identity,
        } => {
            let bytes = backup::read(&file)?;
            let outcome = match backup::unseal(passphrase_file, identity)? {
                Some(unseal) => ctx.store.import_sealed(&bytes, &unseal)?,
                None => ctx.store.import(&bytes)?,
            };
            ctx.out.print(
                &json!({ "id": outcome.id, "created": outcome.created, "changed": outcome.changed }),
                || match (outcome.created, outcome.changed) {
                    (true, _) => format!("Imported new agreement {}.", outcome.id),
                    (false, true) => format!("Merged changes into agreement {}.", outcome.id),
                    (false, false) => format!("Agreement {} was already up to date.", outcome.id),
                },
            );
        }
    }
    Ok(())
}

fn call(ctx: &mut Context, cmd: CallCommand) -> Result<u8, Failure> {
    let now = ctx.now;
    let id = ctx.agreement()?;
    match cmd {
        CallCommand::Start {
            reason,
            tried,
            urge,
            situation,
        } => {
            let start = CallStart::new(reason.parse()?, situation.as_deref(), &tried, urge)?;
            let attempt = ctx.store.start_call(&id, start, now)?;
            let declined = matches!(attempt, CallAttempt::Declined { .. });
            ctx.out.print(&render::attempt_json(&attempt), || {
                render::attempt_text(&attempt)
            });
            return Ok(if declined { 3 } else { 0 });
        }
        CallCommand::Return { id: request } => {
            created(
                &ctx.out,
                "Started return call",
                &ctx.store.return_call(&id, &request, now)?,
            );
        }
        CallCommand::End {
            id: call,
            suggested,
            urge_after,
            outcome,
        } => {
            let end = CallEnd::new(&suggested, urge_after, outcome.as_deref())?;
            ctx.store.end_call(&id, &call, end, now)?;
            ctx.out.done("Ended the call.");
        }
    }
    Ok(0)
}

fn behavior(ctx: &mut Context, cmd: BehaviorCommand) -> Result<(), Failure> {
    let now = ctx.now;
    let id = ctx.agreement()?;
    match cmd {
        BehaviorCommand::Report { behavior, at } => {
            let at = at.map(|t| parse_time("at", &t)).transpose()?.unwrap_or(now);
            created(
                &ctx.out,
                "Recorded report",
                &ctx.store
                    .report_behavior(&id, behavior.as_deref(), at, now)?,
            );
        }
        BehaviorCommand::Retract { id: report } => {
            ctx.store.retract_report(&id, &report, now)?;
            ctx.out.done("Retracted the report.");
        }
    }
    Ok(())
}
