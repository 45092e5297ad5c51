//! Why a relay refused a request: a code the phones act on, a status, and a sentence
//! for people that names no device and no message.

use serde::{Deserialize, Serialize};

/// Every reason a relay refuses a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request carries no signature headers.
    Unsigned,
    /// The signature does not verify: altered, signed for another relay, or malformed.
    BadSignature,
    /// Signed too far from the relay's clock.
    Stale,
    /// A request the relay already accepted.
    Replayed,
    /// Only a mailbox's own key may read it or acknowledge in it.
    NotYourMailbox,
    /// The message is larger than [`crate::MAX_MESSAGE_BYTES`].
    TooLarge,
    /// The recipient's mailbox holds as many bytes as the relay keeps for one.
    QuotaExceeded,
    /// This key made too many requests; try again later.
    RateLimited,
    /// Not a request of this protocol (a bad path, query or body).
    BadRequest,
    NotFound,
    /// The relay's storage failed; nothing was changed, try again.
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status the relay answers with.
    pub fn status(self) -> u16 {
        match self {
            Self::Unsigned | Self::BadSignature | Self::Stale => 401,
            Self::NotYourMailbox => 403,
            Self::NotFound => 404,
            Self::Replayed => 409,
            Self::TooLarge => 413,
            Self::RateLimited => 429,
            Self::BadRequest => 400,
            Self::QuotaExceeded => 507,
            Self::Unavailable => 503,
        }
    }

    /// The code as it travels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::BadSignature => "bad_signature",
            Self::Stale => "stale",
            Self::Replayed => "replayed",
            Self::NotYourMailbox => "not_your_mailbox",
            Self::TooLarge => "too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::RateLimited => "rate_limited",
            Self::BadRequest => "bad_request",
            Self::NotFound => "not_found",
            Self::Unavailable => "unavailable",
        }
    }

    /// A sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            Self::Unsigned => "the request is not signed",
            Self::BadSignature => {
                "the signature does not verify: the request was altered, or signed for another relay"
            }
            Self::Stale => "the request was signed too far from the relay's clock: check the phone's time",
            Self::Replayed => "the relay already accepted this request",
            Self::NotYourMailbox => "only the mailbox's own device may read it",
            Self::TooLarge => "the message is larger than the relay accepts (64 KiB)",
            Self::QuotaExceeded => "the recipient's mailbox is full until its device fetches",
            Self::RateLimited => "too many requests from this device: try again later",
            Self::BadRequest => "not a request the relay understands",
            Self::NotFound => "no such endpoint",
            Self::Unavailable => "the relay's storage is unavailable: try again",
        }
    }

    /// Whether the same request may succeed later without change.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::QuotaExceeded | Self::Unavailable | Self::Stale
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of a refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
}

impl From<ErrorCode> for ErrorBody {
    fn from(code: ErrorCode) -> Self {
        Self {
            error: code,
            message: code.message().into(),
        }
    }
}

/// The JSON body of a deposit's answer (`201` when stored, `200` for bytes the
/// mailbox already held).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deposited {
    pub id: u64,
}

/// The JSON body of an acknowledgement's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    pub deleted: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_travel_as_their_names() {
        let body = serde_json::to_string(&ErrorBody::from(ErrorCode::NotYourMailbox)).unwrap();
        assert!(
            body.starts_with(r#"{"error":"not_your_mailbox","#),
            "{body}"
        );
        let back: ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(back.error, ErrorCode::NotYourMailbox);
        assert_eq!(back.error.to_string(), "not_your_mailbox");
    }
}
