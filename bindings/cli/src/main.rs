//! `coachline`: the command-line shell over coachline-core, for desktop use, the
//! scripted two-phone demo, and end-to-end tests on real SQLite files.
//!
//! Exit codes: 0 success; 2 bad input or usage (nothing written); 3 a call declined
//! by the 24-hour rule (recorded, with the crisis resources printed); 4 a relay pass
//! that may succeed if run again (the relay unreachable, busy or full: nothing lost);
//! 1 anything else.
//! A panic (a bug) prints only `coachline: internal error at <file>:<line>` and exits
//! 101: never its message, which could quote what a person wrote.

/// Prints a line on stdout. A closed pipe (`coachline log | head`) ends the output
/// quietly, where `println!` would panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod args;
mod backup;
mod commands;
mod demo;
mod key;
mod relay;
mod render;
mod screen;
mod sync;

use std::process::ExitCode;

use clap::Parser;
use coachline_core::error::{AgreementNeeded, BackupProblem, RelayProblem};

use args::Cli;

/// A failure, with the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<coachline_core::Error> for Failure {
    fn from(e: coachline_core::Error) -> Self {
        let hint = match &e {
            coachline_core::Error::AgreementNeeded(AgreementNeeded::Ambiguous { .. }) => {
                " with --agreement ID".to_owned()
            }
            coachline_core::Error::BackupNotOpened(BackupProblem::NeedsPassphrase) => format!(
                " (pass --passphrase-file FILE, or set {})",
                backup::PASSPHRASE_VAR
            ),
            coachline_core::Error::BackupNotOpened(BackupProblem::NeedsIdentity) => {
                " (pass --identity FILE)".to_owned()
            }
            _ => String::new(),
        };
        let code = match &e {
            coachline_core::Error::Relay(RelayProblem::NoRelay) => 2,
            coachline_core::Error::Relay(RelayProblem::Refused(code)) if code.is_transient() => {
                relay::EXIT_TRY_AGAIN
            }
            // A gateway in front of the relay that could not reach it, or timed out.
            coachline_core::Error::Relay(RelayProblem::UnexpectedAnswer { status: 502..=504 }) => {
                relay::EXIT_TRY_AGAIN
            }
            e if e.is_bad_input() => 2,
            _ => 1,
        };
        Self {
            code,
            message: format!("{e}{hint}"),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self {
            code: 1,
            message: format!("i/o error: {e}"),
        }
    }
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    // A panic prints its location only, never its message (which could quote data).
    coachline_core::panic_hook::install();
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("coachline: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
