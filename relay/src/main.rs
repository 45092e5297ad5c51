//! `coachline-relay`: the relay server.
//!
//! ```sh
//! coachline-relay --listen 127.0.0.1:8470 --data DIR          # one SQLite file in DIR
//! coachline-relay --listen 0.0.0.0:8470 --postgres URL --name https://relay.example.org
//! ```
//!
//! The first line on stdout is `listening on http://ADDRESS` (with the port chosen
//! when `--listen` asks for port 0); logs are JSON lines on stderr. SIGTERM or
//! Ctrl-C stops taking connections, finishes the requests under way and exits 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use coachline_relay::storage::postgres::Postgres;
use coachline_relay::storage::sqlite::Sqlite;
use coachline_relay::{serve, Limits, Relay, Storage};
use coachline_relay_protocol::{Audience, DEFAULT_RETENTION_DAYS};

/// Keeps sealed Coachline sync messages in per-device mailboxes until their
/// recipient acknowledges them. It reads nothing: messages are sealed end to end.
#[derive(Parser)]
#[command(name = "coachline-relay", version)]
#[command(group(clap::ArgGroup::new("storage").required(true).args(["data", "postgres"])))]
struct Args {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8470")]
    listen: SocketAddr,

    /// Keep the mailboxes in a SQLite file in this directory (created if absent).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,

    /// Keep the mailboxes in this PostgreSQL database instead (tables created if
    /// absent), shared by every relay process given the same URL. Prefer the
    /// environment variable when the URL holds a password.
    #[arg(
        long,
        value_name = "URL",
        env = "COACHLINE_RELAY_POSTGRES",
        hide_env_values = true
    )]
    postgres: Option<String>,

    /// The relay's public base URL, which phones sign their requests for (its
    /// audience); by default http:// and the address listened on. Set it when the
    /// relay is reached through another name, a proxy or TLS.
    #[arg(long, value_name = "URL")]
    name: Option<String>,

    /// The most bytes of messages one mailbox holds.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().quota_bytes)]
    quota_bytes: u64,

    /// Requests per minute per device key, on average (0: no limit). Each relay
    /// process counts on its own.
    #[arg(long, value_name = "N", default_value_t = Limits::default().rate_per_minute)]
    rate: u32,

    /// Requests per device key at once, before the rate applies.
    #[arg(long, value_name = "N", default_value_t = Limits::default().burst)]
    burst: u32,

    /// Days an unacknowledged message is kept.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    retention_days: u32,

    /// Storage connections: PostgreSQL's pool size, or SQLite's reader connections.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    connections: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    coachline_relay::logging::init(tracing::Level::INFO);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("coachline-relay: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "the relay stopped");
            eprintln!("coachline-relay: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let limits = Limits {
        quota_bytes: args.quota_bytes,
        rate_per_minute: args.rate,
        burst: args.burst,
        retention: Duration::from_secs(u64::from(args.retention_days) * 86_400),
    };
    let connections = usize::from(args.connections);
    if let Some(url) = &args.postgres {
        let storage = Postgres::connect(url, connections)
            .await
            .map_err(|e| format!("cannot use PostgreSQL: {e}"))?;
        start(storage, &args, limits).await
    } else {
        let dir = args
            .data
            .clone()
            .expect("clap requires --data or --postgres");
        let storage = Sqlite::open(&dir, connections)
            .map_err(|e| format!("cannot use {}: {e}", Sqlite::path_in(&dir).display()))?;
        start(storage, &args, limits).await
    }
}

async fn start<S: Storage>(storage: S, args: &Args, limits: Limits) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the address listened on: {e}"))?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let audience = Audience::of_url(&name).map_err(|e| format!("--name {name}: {e}"))?;
    if args.name.is_none() && address.ip().is_unspecified() {
        tracing::warn!(
            audience = %audience,
            "listening on every address without --name: phones must sign for the URL above"
        );
    }
    tracing::info!(
        address = %address,
        audience = %audience,
        storage = storage.kind(),
        quota_bytes = limits.quota_bytes,
        rate_per_minute = limits.rate_per_minute,
        burst = limits.burst,
        retention_days = args.retention_days,
        "relay started"
    );
    // Tests and scripts read this line to learn the port.
    println!("listening on http://{address}");
    let relay = Arc::new(Relay::new(storage, audience, limits));
    serve(listener, relay, shutdown_signal())
        .await
        .map_err(|e| format!("serving: {e}"))?;
    tracing::info!("relay stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM (what service managers and container runtimes send).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("stopping: finishing the requests under way");
}
