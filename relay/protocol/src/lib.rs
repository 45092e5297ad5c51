//! The relay's wire protocol: what a phone sends to a Coachline relay and what it
//! gets back, shared by both ends so that they cannot drift apart. Nothing here does
//! I/O: the phones' core builds requests as values (`coachline_core::relay`) and the
//! relay (`coachline-relay`) checks them.
//!
//! ## The model
//!
//! A relay keeps sealed sync messages in mailboxes until their recipient
//! acknowledges them. There are no accounts: a device *is* its Ed25519 identity key,
//! and its mailbox is named by that key ([`Mailbox`]). Every request except
//! `GET /v1/health` is signed by the device's key ([`auth`]). The relay never sees
//! plaintext: a message is the envelope the phones already seal end to end.
//!
//! | request | who may | what it does |
//! |---|---|---|
//! | `POST /v1/mailboxes/{mailbox}/messages`, body: one sealed message | any signed key | deposits the message; depositing the same bytes again is a no-op that returns the same id |
//! | `GET /v1/mailboxes/{mailbox}/messages?after={id}&limit={n}` | the mailbox's own key | the messages with ids above `after`, oldest first, as a [`batch`] |
//! | `POST /v1/mailboxes/{mailbox}/ack`, body: message ids ([`batch::encode_ids`]) | the mailbox's own key | deletes them; ids already gone are ignored |
//! | `GET /v1/health` | anyone | `200` and a small JSON object while the relay and its storage work |
//!
//! A refused request gets a status and a JSON body `{"error": code, "message": …}`
//! whose code is one of [`ErrorCode`]: the phones act on the code, never on the
//! message text.
//!
//! The answers, as `coachline-relay` gives them:
//! - a deposit: `201` when stored, `200` when the mailbox already held the same bytes,
//!   either with a JSON [`Deposited`]; an empty message is a `bad_request`;
//! - a fetch: `200`, `application/octet-stream`, a [`batch::Batch`]. `after` defaults
//!   to 0 and `limit` to [`MAX_FETCH`]; a larger `limit` gets [`MAX_FETCH`], a
//!   `limit` of 0 is a `bad_request`;
//! - an acknowledgement: `200` with a JSON [`Acknowledged`] (how many it deleted);
//! - `rate_limited` carries `Retry-After` (whole seconds); a method that a path does
//!   not take is `405` with the code `not_found`; every refusal, 404 and 405
//!   included, has the JSON body.

pub mod auth;
pub mod batch;
mod error;
mod mailbox;

pub use auth::{Auth, Signed};
pub use error::{Acknowledged, Deposited, ErrorBody, ErrorCode};
pub use mailbox::{BadMailbox, Mailbox};

/// The largest message a relay accepts: the sync layer's own bound on a sealed
/// message (`coachline_core::sync::envelope::MAX_MESSAGE_BYTES`).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The most messages one fetch returns, and the default.
pub const MAX_FETCH: usize = 100;
/// The most ids one acknowledgement may carry.
pub const MAX_ACK: usize = 1000;
/// How far a request's signed time may be from the relay's clock. A relay remembers
/// every request it accepted for twice this long, which is what refuses replays.
pub const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;
/// How long a relay keeps a message that was never acknowledged, by default. After
/// that the phones' sync sessions resend, or the two carry a file.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// The path of the health check.
pub const HEALTH_PATH: &str = "/v1/health";

/// The path (no query) that deposits a message into `mailbox`.
pub fn messages_path(mailbox: &Mailbox) -> String {
    format!("/v1/mailboxes/{mailbox}/messages")
}

/// The path and query that fetch `mailbox`'s messages with ids above `after`.
pub fn fetch_path(mailbox: &Mailbox, after: u64, limit: usize) -> String {
    format!("/v1/mailboxes/{mailbox}/messages?after={after}&limit={limit}")
}

/// The path that acknowledges (deletes) messages in `mailbox`.
pub fn ack_path(mailbox: &Mailbox) -> String {
    format!("/v1/mailboxes/{mailbox}/ack")
}

/// A relay's name as requests are signed for it (the *audience*): its base URL,
/// scheme and authority in lower case, without a trailing slash or a path. A request
/// signed for one relay is refused by every other.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Audience(String);

impl Audience {
    /// The audience of a relay's base URL (`http://` or `https://`, a host, an
    /// optional port; nothing after it but an optional `/`).
    pub fn of_url(url: &str) -> Result<Self, BadUrl> {
        let trimmed = url.trim();
        let (scheme, rest) = trimmed.split_once("://").ok_or(BadUrl::Scheme)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(BadUrl::Scheme);
        }
        let ok = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
        if rest.is_empty() || !rest.chars().all(ok) || rest.starts_with(':') {
            return Err(BadUrl::Host);
        }
        if scheme.len() + 3 + rest.len() > MAX_URL_BYTES {
            return Err(BadUrl::TooLong);
        }
        Ok(Self(format!("{scheme}://{}", rest.to_ascii_lowercase())))
    }

    /// The base URL, which paths are appended to.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Audience {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest relay URL (it travels in invitations, inside a QR code).
pub const MAX_URL_BYTES: usize = 120;

/// Why a string is not a relay URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadUrl {
    #[error("a relay URL starts with http:// or https://")]
    Scheme,
    #[error("a relay URL is a host and an optional port, with nothing after them")]
    Host,
    #[error("a relay URL is at most {MAX_URL_BYTES} bytes")]
    TooLong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_is_the_base_url_in_lower_case() {
        let a = Audience::of_url("HTTP://Relay.Example.org:8470/").unwrap();
        assert_eq!(a.as_str(), "http://relay.example.org:8470");
        assert_eq!(
            Audience::of_url("https://[::1]:8470").unwrap().as_str(),
            "https://[::1]:8470"
        );
    }

    #[test]
    fn anything_else_is_not_a_relay_url() {
        for (url, why) in [
            ("relay.example.org", BadUrl::Scheme),
            ("ftp://relay.example.org", BadUrl::Scheme),
            ("http://", BadUrl::Host),
            ("http://relay.example.org/path", BadUrl::Host),
            ("http://relay.example.org?q=1", BadUrl::Host),
            ("http://user@relay.example.org", BadUrl::Host),
        ] {
            assert_eq!(Audience::of_url(url), Err(why), "{url}");
        }
        let long = format!("https://{}.org", "a".repeat(MAX_URL_BYTES));
        assert_eq!(Audience::of_url(&long), Err(BadUrl::TooLong));
    }
}
