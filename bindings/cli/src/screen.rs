//! `coachline screen NAME`: a screen of the apps, computed by the core exactly as the
//! phones compute it. `--json` prints the record the apps draw (`clients` prints its
//! rows, in attention order); without it, a plain-text rendering of the same record;
//! `session-prep --html FILE` writes the page to print.
//!
//! Nothing here goes to stderr but fixed sentences: the records hold names and notes.

use coachline_core::model::EntryId;
use coachline_core::screens::{self, AfterCallDraft, CallDraft, ReportDraft, Viewer};
use coachline_core::store::Store;
use coachline_core::Timestamp;
use serde_json::{json, Value};

use crate::args::{ScreenArgs, ScreenName};
use crate::render::Output;
use crate::Failure;

/// The viewer: `--time-zone`, else `$TZ` when it names an IANA zone, else UTC.
fn viewer(zone: Option<&str>) -> Result<Viewer, Failure> {
    if let Some(zone) = zone {
        return Ok(Viewer::new(zone, None)?);
    }
    let from_env = std::env::var("TZ").ok().and_then(|tz| {
        // POSIX allows a leading colon (`TZ=:Europe/London`).
        Viewer::new(tz.trim_start_matches(':'), None).ok()
    });
    match from_env {
        Some(viewer) => Ok(viewer),
        None => Ok(Viewer::new("UTC", None)?),
    }
}

pub(crate) fn to_json(record: &impl serde::Serialize) -> Value {
    serde_json::to_value(record).expect("screen records serialize")
}

pub fn run(
    store: &mut Store,
    agreement: Option<&str>,
    args: ScreenArgs,
    now: Timestamp,
    out: &Output,
) -> Result<(), Failure> {
    let viewer = viewer(args.time_zone.as_deref())?;
    if args.html.is_some() && args.name != ScreenName::SessionPrep {
        return Err(Failure::usage("--html is for the session-prep screen only"));
    }
    let needs_call = matches!(args.name, ScreenName::DuringCall | ScreenName::AfterCall);
    let call = match (&args.call, needs_call) {
        (Some(call), true) => Some(EntryId::parse("call", call)?),
        (None, true) => {
            return Err(Failure::usage(
                "during-call and after-call need the call: --call ID",
            ))
        }
        (Some(_), false) => {
            return Err(Failure::usage(
                "--call is for the during-call and after-call screens only",
            ))
        }
        (None, false) => None,
    };
    let record = match args.name {
        ScreenName::Clients => {
            let clients = screens::clients(store, &viewer, now)?;
            out.print(&to_json(&clients.rows), || text(&to_json(&clients)));
            return Ok(());
        }
        ScreenName::Pairing => to_json(&screens::pairing(store, &viewer, "", now)?),
        ScreenName::Home => {
            let id = store_select(store, agreement)?;
            to_json(&screens::home(store, &viewer, &id, now)?)
        }
        ScreenName::BeforeCall => {
            let id = store_select(store, agreement)?;
            to_json(&screens::before_call(
                store,
                &viewer,
                &id,
                &CallDraft::default(),
                now,
            )?)
        }
        ScreenName::DuringCall => {
            let id = store_select(store, agreement)?;
            let call = call.expect("checked above");
            to_json(&screens::during_call(store, &viewer, &id, &call, now)?)
        }
        ScreenName::AfterCall => {
            let id = store_select(store, agreement)?;
            let call = call.expect("checked above");
            to_json(&screens::after_call(
                store,
                &viewer,
                &id,
                &call,
                &AfterCallDraft::default(),
            )?)
        }
        ScreenName::Report => {
            let id = store_select(store, agreement)?;
            to_json(&screens::report(
                store,
                &viewer,
                &id,
                &ReportDraft::default(),
                now,
            )?)
        }
        ScreenName::Agreement => {
            let id = store_select(store, agreement)?;
            to_json(&screens::agreement(store, &viewer, &id)?)
        }
        ScreenName::Sync => {
            let id = store_select(store, agreement)?;
            to_json(&screens::sync(store, &viewer, &id, now)?)
        }
        ScreenName::Client => {
            let id = store_select(store, agreement)?;
            to_json(&screens::client(store, &viewer, &id, now)?)
        }
        ScreenName::SessionPrep => {
            let id = store_select(store, agreement)?;
            let prep = screens::session_prep(store, &viewer, &id, now)?;
            if let Some(file) = &args.html {
                std::fs::write(file, screens::session_prep_html(&prep))?;
                out.print(&json!({ "written": file }), || {
                    format!("Wrote the session prep to {}.", file.display())
                });
                return Ok(());
            }
            to_json(&prep)
        }
        ScreenName::Editor => {
            let id = store_select(store, agreement)?;
            to_json(&screens::editor(store, &viewer, &id, None)?)
        }
        ScreenName::Invite => {
            let id = store_select(store, agreement)?;
            to_json(&screens::invite(store, &viewer, &id, now)?)
        }
    };
    out.print(&record, || text(&record));
    Ok(())
}

fn store_select(
    store: &Store,
    agreement: Option<&str>,
) -> Result<coachline_core::model::AgreementId, Failure> {
    Ok(store.select_agreement(agreement)?)
}

/// Fields a person reads first, in this order; the others follow alphabetically.
const FIRST: &[&str] = &[
    "title",
    "headline",
    "message",
    "intro",
    "status_text",
    "client_name",
    "reason",
    "text",
    "when",
    "label",
    "lines",
];

/// Fields that are for the apps only: identifiers, actions, refresh times.
const SKIP: &[&str] = &["agreement", "action", "refresh_at", "id", "call", "key"];

/// A plain-text rendering of a screen record (its JSON form): sentences as they
/// are, buttons as `[Label]` (with `*` for the primary one) and their `tel:`/`sms:`
/// address, lists one item a line, indented.
pub fn text(record: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, None, record, 0);
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

fn is_button(map: &serde_json::Map<String, Value>) -> bool {
    map.contains_key("label") && map.contains_key("action") && map.contains_key("kind")
}

fn button(map: &serde_json::Map<String, Value>) -> String {
    let label = map["label"].as_str().unwrap_or_default();
    let mut s = format!("[{label}]");
    if map.get("primary") == Some(&Value::Bool(true)) {
        s.push('*');
    }
    if let Some(uri) = map.get("uri").and_then(Value::as_str) {
        s.push_str("  ");
        s.push_str(uri);
    }
    s
}

fn heading(key: &str) -> String {
    let mut s = key.replace('_', " ");
    if let Some(first) = s.get(..1) {
        let upper = first.to_ascii_uppercase();
        s.replace_range(..1, &upper);
    }
    s
}

fn line(out: &mut String, depth: usize, text: &str) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        _ => None,
    }
}

fn write_value(out: &mut String, key: Option<&str>, value: &Value, depth: usize) {
    let prefix = |k: Option<&str>| k.map(|k| format!("{}: ", heading(k))).unwrap_or_default();
    match value {
        Value::Null => {}
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) => {
            if let Some(k) = key {
                line(out, depth, &format!("{}:", heading(k)));
            }
            let depth = depth + usize::from(key.is_some());
            for item in items {
                match item {
                    Value::Object(map) if is_button(map) => line(out, depth, &button(map)),
                    Value::Object(_) | Value::Array(_) => {
                        write_value(out, None, item, depth);
                        out.push('\n');
                    }
                    other => {
                        if let Some(s) = scalar(other) {
                            line(out, depth, &format!("- {s}"));
                        }
                    }
                }
            }
        }
        Value::Object(map) if is_button(map) => {
            line(out, depth, &format!("{}{}", prefix(key), button(map)));
        }
        Value::Object(map) => {
            if let Some(k) = key {
                line(out, depth, &format!("{}:", heading(k)));
            }
            let depth = depth + usize::from(key.is_some());
            let mut keys: Vec<&String> =
                map.keys().filter(|k| !SKIP.contains(&k.as_str())).collect();
            keys.sort_by_key(|k| {
                (
                    FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()),
                    (*k).clone(),
                )
            });
            for k in keys {
                let v = &map[k.as_str()];
                // The record's words carry the title and headline on lines of their own.
                if matches!(k.as_str(), "title" | "headline" | "message" | "intro") {
                    if let Some(s) = scalar(v) {
                        line(out, depth, &s);
                        continue;
                    }
                }
                match scalar(v) {
                    Some(s) => line(out, depth, &format!("{}{s}", prefix(Some(k)))),
                    None => write_value(out, Some(k), v, depth),
                }
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                line(out, depth, &format!("{}{s}", prefix(key)));
            }
        }
    }
}
