//! The relay's logs: one JSON object a line, on stderr (stdout carries only the
//! `listening on …` line that scripts and tests read).
//!
//! What a request's line holds: method, route *template*
//! (`/v1/mailboxes/{mailbox}/messages`, never the concrete path, which names a
//! device), status, duration, the refusal's error code, byte and message counts, and
//! at most a [`MailboxTags`] tag. Never message bytes, keys, signatures, nonces or
//! mailbox names, nor the PostgreSQL URL (which may hold a password).
//!
//! Only the relay's own events are written: other crates' `tracing` events below
//! `warn` are dropped, and nothing bridges the `log` crate, through which
//! tokio-postgres would log statements with their parameters.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Sends JSON log lines to stderr: the relay's own events from `level` up, other
/// crates' from `warn`.
pub fn init(level: Level) {
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), level)
        .with_default(Level::WARN);
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .finish()
        .with(filter)
        .init();
}

/// Tags that let one process's log lines about the same mailbox be told together,
/// and nothing more: a keyed hash (HMAC-SHA-256, 6 bytes) under a key drawn at random
/// when the process starts and never written anywhere. Another process, or the same
/// one restarted, tags the same mailbox differently, and without the key a tag cannot
/// be tested against a known device.
pub struct MailboxTags {
    key: [u8; 32],
}

impl MailboxTags {
    pub fn random() -> Self {
        let mut key = [0; 32];
        getrandom::fill(&mut key).expect("the operating system's random numbers");
        Self { key }
    }

    pub fn tag(&self, mailbox: &[u8; 32]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(mailbox);
        hex::encode(&mac.finalize().into_bytes()[..6])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stable_per_process_and_differ_across_processes() {
        let (a, b) = (MailboxTags::random(), MailboxTags::random());
        let mailbox = [7; 32];
        assert_eq!(a.tag(&mailbox), a.tag(&mailbox));
        assert_ne!(a.tag(&mailbox), b.tag(&mailbox));
        assert_ne!(a.tag(&mailbox), a.tag(&[8; 32]));
        assert_eq!(a.tag(&mailbox).len(), 12);
    }
}
