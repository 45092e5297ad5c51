//! Sync through a relay from the command line: `sync relay [URL]` runs one pass,
//! `relay` shows, sets or clears this phone's relay.
//!
//! The core makes each request as a value and takes each answer as a value
//! ([`coachline_core::relay`]); this module only moves them over HTTP(S), with
//! `ureq`. Requests are signed at the real clock even when `--now` plays a scripted
//! time: the relay refuses a request signed more than five minutes from its own clock.
//!
//! Nothing here prints what travels: the messages are sealed, and the URLs and
//! headers name devices.

use std::time::Duration;

use coachline_core::error::RelayProblem;
use coachline_core::relay::{Method, PassReport, RelayPass, Request, Response};
use coachline_core::store::Store;
use coachline_core::{Error, Timestamp};
use coachline_relay_protocol::{ErrorCode, MAX_FETCH, MAX_MESSAGE_BYTES};
use serde_json::json;

use crate::render::Output;
use crate::Failure;

/// The environment variable naming the relay when no URL is given.
pub const RELAY_VAR: &str = "COACHLINE_RELAY";

/// The exit code of a pass that may succeed if run again unchanged: the relay could
/// not be reached, or asked to be tried later.
pub const EXIT_TRY_AGAIN: u8 = 4;

/// How long connecting to the relay may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, its answer included (a full batch is 6.5 MiB).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read: a full batch of the largest messages, with room to spare.
const MAX_ANSWER_BYTES: u64 = (MAX_FETCH * (MAX_MESSAGE_BYTES + 12) + 64 * 1024) as u64;

/// Moves the core's requests over HTTP.
pub struct Http {
    agent: ureq::Agent,
}

impl Default for Http {
    fn default() -> Self {
        Self::new()
    }
}

impl Http {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            // A refusal is an answer the core reads (its code), not a transport error.
            .http_status_as_error(false)
            // A relay never redirects; a redirect is someone else answering.
            .max_redirects(0)
            .user_agent(concat!("coachline/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent: config.into(),
        }
    }

    /// Sends `request`; a transport failure is the sentence saying why.
    pub fn send(&self, request: Request) -> Result<Response, ureq::Error> {
        let Request {
            method,
            url,
            headers,
            body,
        } = request;
        let mut response = match method {
            Method::Get => {
                let mut builder = self.agent.get(&url);
                for (name, value) in &headers {
                    builder = builder.header(name, value);
                }
                builder.call()?
            }
            Method::Post => {
                let mut builder = self
                    .agent
                    .post(&url)
                    .header("content-type", "application/octet-stream");
                for (name, value) in &headers {
                    builder = builder.header(name, value);
                }
                builder.send(&body[..])?
            }
        };
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()?;
        Ok(Response { status, body })
    }
}

/// Why the relay could not be reached, in a few words (never the URL's path or the
/// request: they name devices).
fn transport_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "it did not answer in time".into(),
        ureq::Error::HostNotFound => "its host name was not found".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "the connection was refused".into(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                "the connection was cut".into()
            }
            std::io::ErrorKind::UnexpectedEof => "the connection closed mid-answer".into(),
            std::io::ErrorKind::TimedOut => "it did not answer in time".into(),
            _ => format!("i/o error: {io}"),
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            format!("the secure connection failed: {e}")
        }
        ureq::Error::BodyExceedsLimit(_) => "its answer was larger than a relay's can be".into(),
        other => other.to_string(),
    }
}

/// A failure mid-pass, with what the pass had done before it stopped.
fn stopped(mut failure: Failure, report: &PassReport) -> Failure {
    if report.sent + report.received > 0 {
        failure.message.push_str(&format!(
            " (before it stopped, this pass sent {} and applied {}: nothing is lost, the rest goes with the next pass)",
            report.sent, report.applied
        ));
    }
    failure
}

/// One full pass through the relay at `url` (or the phone's own): sends what is
/// due, fetches, applies and acknowledges.
pub fn pass(
    store: &mut Store,
    http: &Http,
    url: Option<&str>,
    now: Timestamp,
) -> Result<PassReport, Failure> {
    let mut pass = RelayPass::new(store, url).map_err(no_relay_hint)?;
    // The relay's clock is the real one: sign at it, whatever `now` plays.
    while let Some(request) = pass.next_request(store, now, Timestamp::now())? {
        let sent = http.send(request);
        if sent.is_err() {
            // What it carried is due again at the next pass, not after the resend delay.
            pass.abandon(store)?;
        }
        let response = sent.map_err(|e| {
            stopped(
                Failure {
                    code: EXIT_TRY_AGAIN,
                    message: format!(
                        "the relay at {} cannot be reached: {}; try again later",
                        pass.relay(),
                        transport_reason(&e)
                    ),
                },
                &pass.report(),
            )
        })?;
        pass.receive(store, response, now).map_err(|e| {
            let misnamed = matches!(
                e,
                Error::Relay(RelayProblem::Refused(ErrorCode::BadSignature))
            );
            let mut failure = Failure::from(e);
            if misnamed {
                failure.message.push_str(&format!(
                    " (if every request is refused so, check that {} is the relay's address as it names itself)",
                    pass.relay()
                ));
            }
            stopped(failure, &pass.report())
        })?;
    }
    Ok(pass.report())
}

fn no_relay_hint(e: Error) -> Failure {
    let hint = matches!(e, Error::Relay(RelayProblem::NoRelay));
    let mut failure = Failure::from(e);
    if hint {
        failure.message = format!(
            "{} (`coachline sync relay URL`, --relay URL, or ${RELAY_VAR})",
            failure.message
        );
    }
    failure
}

/// `sync relay [URL] [--relay URL]`: URL, else `--relay`, else `$COACHLINE_RELAY`,
/// else the phone's relay. A URL given on the command line becomes the phone's relay
/// once a pass through it succeeds.
pub fn sync(
    store: &mut Store,
    url: Option<String>,
    now: Timestamp,
    out: &Output,
) -> Result<(), Failure> {
    let explicit = url.is_some();
    let url = url.or_else(|| std::env::var(RELAY_VAR).ok().filter(|v| !v.is_empty()));
    let report = pass(store, &Http::new(), url.as_deref(), now)?;
    let relay = match (&url, explicit) {
        (Some(url), true) => store.set_relay(Some(url))?,
        _ => None,
    };
    out.print(&json!(report), || {
        let mut lines = vec![format!(
            "Relay pass done: sent {}, received {} (applied {}, refused {}).",
            report.sent, report.received, report.applied, report.rejected
        )];
        if report.undelivered > 0 {
            lines.push(format!(
                "{} message{} could not be left for the peer (its mailbox is full or the message too large): {} again with a later pass.",
                report.undelivered,
                plural(report.undelivered),
                if report.undelivered == 1 { "it goes" } else { "they go" },
            ));
        }
        if report.rejected > 0 {
            lines.push(
                "Refused messages (replays, or not from this agreement's peer) were deleted from the relay; nothing they carried was applied."
                    .into(),
            );
        }
        lines.push(format!(
            "Sealed messages: {} bytes sent, {} received; with the requests, {} bytes up and {} down.",
            report.sealed_bytes_sent, report.sealed_bytes_received, report.bytes_up, report.bytes_down
        ));
        if let Some(relay) = relay {
            lines.push(format!(
                "This phone's relay is now {relay}: its invitations name it."
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `relay`: shows this phone's relay.
pub fn show(store: &Store, out: &Output) -> Result<(), Failure> {
    let relay = store.relay()?;
    out.print(
        &json!({ "relay": relay.as_ref().map(|r| r.as_str()) }),
        || match &relay {
            Some(relay) => format!("{relay}"),
            None => "No relay: this phone syncs by file (`coachline sync send`). Set one with \
                     `coachline relay set URL`, or join with an invitation that names one."
                .into(),
        },
    );
    Ok(())
}

/// `relay set URL` / `relay clear`.
pub fn set(store: &mut Store, url: Option<&str>, out: &Output) -> Result<(), Failure> {
    let relay = store.set_relay(url)?;
    out.print(&json!({ "relay": relay.as_ref().map(|r| r.as_str()) }), || {
        match &relay {
            Some(relay) => format!(
                "This phone's relay is now {relay}: `coachline sync relay` syncs through it, and its invitations name it."
            ),
            None => "This phone has no relay now: its invitations name none.".into(),
        }
    });
    Ok(())
}

/// A `coachline-relay` process started on loopback for the demo, stopped (killed)
/// when dropped.
pub struct LocalRelay {
    child: std::process::Child,
    url: String,
}

impl LocalRelay {
    /// Where the relay's binary would be: beside this `coachline` binary, as Cargo
    /// builds them.
    pub fn binary() -> Option<std::path::PathBuf> {
        let exe = std::env::current_exe().ok()?;
        let name = format!("coachline-relay{}", std::env::consts::EXE_SUFFIX);
        Some(exe.parent()?.join(name))
    }

    /// Starts `binary` listening on a free loopback port, keeping its data in `data`
    /// and its log in `log`; waits until it says where it listens.
    pub fn start(
        binary: &std::path::Path,
        data: &std::path::Path,
        log: &std::path::Path,
    ) -> Result<Self, Failure> {
        use std::io::BufRead as _;
        use std::process::{Command, Stdio};

        std::fs::create_dir_all(data)?;
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log)?)
            .spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            // Whatever else it prints is read and dropped, so it never blocks on a full pipe.
            for _ in lines {}
        });
        let first = rx.recv_timeout(Duration::from_secs(10));
        let url = match first {
            Ok(Some(Ok(line))) => line.strip_prefix("listening on ").map(str::to_owned),
            _ => None,
        };
        let mut relay = Self {
            child,
            url: String::new(),
        };
        match url {
            Some(url) => {
                relay.url = url;
                Ok(relay)
            }
            None => {
                relay.stop();
                Err(Failure {
                    code: 1,
                    message: format!(
                        "the relay did not start (its log: {}): it did not say where it listens",
                        log.display()
                    ),
                })
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the relay.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LocalRelay {
    fn drop(&mut self) {
        self.stop();
    }
}
