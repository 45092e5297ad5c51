//! Signed requests.
//!
//! Every request but the health check carries four headers:
//!
//! | header | value |
//! |---|---|
//! | `coachline-key` | the device's Ed25519 identity key, base64url without padding |
//! | `coachline-time` | when it was signed, milliseconds since the Unix epoch |
//! | `coachline-nonce` | 16 random bytes, base64url without padding |
//! | `coachline-signature` | the Ed25519 signature, base64url without padding |
//!
//! The signature covers, each followed by a newline: the domain tag
//! `coachline-relay-request/1`, the method, the path and query as sent, the lower-case
//! hex SHA-256 of the body, the relay's [`Audience`], the time and the nonce. So a
//! signed request cannot be moved to another path, another relay or another body,
//! and a relay refuses one signed more than [`CLOCK_SKEW_MS`] from its clock, and one
//! whose key, time and nonce it has already accepted ([`Auth::replay_id`]) — which it
//! remembers for twice that window.

use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::{Audience, ErrorCode, Mailbox, CLOCK_SKEW_MS};

pub const KEY_HEADER: &str = "coachline-key";
pub const TIME_HEADER: &str = "coachline-time";
pub const NONCE_HEADER: &str = "coachline-nonce";
pub const SIGNATURE_HEADER: &str = "coachline-signature";

const DOMAIN: &str = "coachline-relay-request/1";

/// What a request's signature covers, besides its time and nonce.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    pub method: &'a str,
    /// The path and query exactly as sent (`/v1/mailboxes/…?after=0&limit=100`).
    pub path: &'a str,
    pub body: &'a [u8],
    pub audience: &'a Audience,
}

impl Signed<'_> {
    fn input(&self, time_ms: i64, nonce: &[u8; 16]) -> Vec<u8> {
        format!(
            "{DOMAIN}\n{}\n{}\n{}\n{}\n{time_ms}\n{}\n",
            self.method,
            self.path,
            hex::encode(Sha256::digest(self.body)),
            self.audience,
            BASE64URL_NOPAD.encode(nonce),
        )
        .into_bytes()
    }
}

/// A request's signature and what travels with it.
#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    pub key: [u8; 32],
    pub time_ms: i64,
    pub nonce: [u8; 16],
    pub signature: [u8; 64],
}

/// Only the time: the key names a device.
impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("time_ms", &self.time_ms)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Signs `request` with the device's identity key at `time_ms`; `nonce` must be
    /// fresh random bytes.
    pub fn sign(key: &SigningKey, request: &Signed<'_>, time_ms: i64, nonce: [u8; 16]) -> Self {
        let signature = key.sign(&request.input(time_ms, &nonce));
        Self {
            key: key.verifying_key().to_bytes(),
            time_ms,
            nonce,
            signature: signature.to_bytes(),
        }
    }

    /// The four headers, names in lower case.
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (KEY_HEADER, BASE64URL_NOPAD.encode(&self.key)),
            (TIME_HEADER, self.time_ms.to_string()),
            (NONCE_HEADER, BASE64URL_NOPAD.encode(&self.nonce)),
            (SIGNATURE_HEADER, BASE64URL_NOPAD.encode(&self.signature)),
        ]
    }

    /// Reads the four headers through `get` (by lower-case name): `Unsigned` if any
    /// is missing, `BadSignature` if any is malformed.
    pub fn from_headers<'h>(get: impl Fn(&str) -> Option<&'h str>) -> Result<Self, ErrorCode> {
        let header = |name| get(name).ok_or(ErrorCode::Unsigned);
        let (key, time, nonce, signature) = (
            header(KEY_HEADER)?,
            header(TIME_HEADER)?,
            header(NONCE_HEADER)?,
            header(SIGNATURE_HEADER)?,
        );
        fn bytes<const N: usize>(text: &str) -> Result<[u8; N], ErrorCode> {
            BASE64URL_NOPAD
                .decode(text.as_bytes())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or(ErrorCode::BadSignature)
        }
        Ok(Self {
            key: bytes(key)?,
            time_ms: time.parse().map_err(|_| ErrorCode::BadSignature)?,
            nonce: bytes(nonce)?,
            signature: bytes(signature)?,
        })
    }

    /// Checks the signature over `request` and the time against `now_ms`: `Stale`
    /// outside the window, `BadSignature` if anything signed differs (another path,
    /// body, method or relay) or the key is not a valid Ed25519 key.
    pub fn verify(&self, request: &Signed<'_>, now_ms: i64) -> Result<(), ErrorCode> {
        if self.time_ms.abs_diff(now_ms) > CLOCK_SKEW_MS.unsigned_abs() {
            return Err(ErrorCode::Stale);
        }
        let key = VerifyingKey::from_bytes(&self.key).map_err(|_| ErrorCode::BadSignature)?;
        key.verify_strict(
            &request.input(self.time_ms, &self.nonce),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| ErrorCode::BadSignature)
    }

    /// What a relay remembers of an accepted request to refuse it a second time: a
    /// hash of its key, time and nonce (not of the signature, which need not be the
    /// only valid one).
    pub fn replay_id(&self) -> [u8; 16] {
        let digest = Sha256::new()
            .chain_update(b"coachline-relay-replay/1\n")
            .chain_update(self.key)
            .chain_update(self.time_ms.to_be_bytes())
            .chain_update(self.nonce)
            .finalize();
        digest[..16].try_into().expect("16 of 32 bytes")
    }

    /// The signer's own mailbox.
    pub fn mailbox(&self) -> Mailbox {
        Mailbox::of_key(&self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn relay() -> Audience {
        Audience::of_url("http://127.0.0.1:8470").unwrap()
    }

    fn signed<'a>(path: &'a str, body: &'a [u8], audience: &'a Audience) -> Signed<'a> {
        Signed {
            method: "POST",
            path,
            body,
            audience,
        }
    }

    fn headers_of(auth: &Auth) -> impl Fn(&str) -> Option<&'static str> {
        let headers: Vec<(&str, &'static str)> = auth
            .headers()
            .into_iter()
            .map(|(n, v)| (n, &*Box::leak(v.into_boxed_str())))
            .collect();
        move |name| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    #[test]
    fn a_signed_request_verifies_after_its_headers_travel() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let audience = relay();
        let request = signed("/v1/mailboxes/ab/messages", b"sealed", &audience);
        let auth = Auth::sign(&key, &request, NOW, [1; 16]);
        let read = Auth::from_headers(headers_of(&auth)).unwrap();
        assert_eq!(read, auth);
        assert_eq!(read.verify(&request, NOW + 1000), Ok(()));
        assert_eq!(
            read.mailbox(),
            Mailbox::of_key(&key.verifying_key().to_bytes())
        );
        assert!(!format!("{read:?}").contains(&hex::encode(read.key)));
    }

    #[test]
    fn anything_changed_fails_the_signature() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let audience = relay();
        let other = Audience::of_url("http://127.0.0.1:8471").unwrap();
        let request = signed("/v1/a", b"sealed", &audience);
        let auth = Auth::sign(&key, &request, NOW, [1; 16]);
        for changed in [
            signed("/v1/b", b"sealed", &audience),
            signed("/v1/a", b"sealeD", &audience),
            signed("/v1/a", b"sealed", &other),
            Signed {
                method: "GET",
                ..request
            },
        ] {
            assert_eq!(auth.verify(&changed, NOW), Err(ErrorCode::BadSignature));
        }
        let mut later = auth.clone();
        later.time_ms += 1;
        assert_eq!(later.verify(&request, NOW), Err(ErrorCode::BadSignature));
        let mut nonce = auth.clone();
        nonce.nonce[0] ^= 1;
        assert_eq!(nonce.verify(&request, NOW), Err(ErrorCode::BadSignature));
        let mut signer = auth.clone();
        signer.key = SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes();
        assert_eq!(signer.verify(&request, NOW), Err(ErrorCode::BadSignature));
    }

    #[test]
    fn a_request_outside_the_clock_window_is_stale() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let audience = relay();
        let request = signed("/v1/a", b"", &audience);
        let auth = Auth::sign(&key, &request, NOW, [1; 16]);
        assert_eq!(auth.verify(&request, NOW + CLOCK_SKEW_MS), Ok(()));
        assert_eq!(
            auth.verify(&request, NOW + CLOCK_SKEW_MS + 1),
            Err(ErrorCode::Stale)
        );
        assert_eq!(
            auth.verify(&request, NOW - CLOCK_SKEW_MS - 1),
            Err(ErrorCode::Stale)
        );
    }

    #[test]
    fn missing_headers_are_unsigned_and_malformed_ones_a_bad_signature() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let audience = relay();
        let auth = Auth::sign(&key, &signed("/v1/a", b"", &audience), NOW, [1; 16]);
        let all = headers_of(&auth);
        for missing in [KEY_HEADER, TIME_HEADER, NONCE_HEADER, SIGNATURE_HEADER] {
            let get = |name: &str| if name == missing { None } else { all(name) };
            assert_eq!(Auth::from_headers(get), Err(ErrorCode::Unsigned));
        }
        for (name, value) in [
            (KEY_HEADER, "AAAA"),
            (TIME_HEADER, "soon"),
            (NONCE_HEADER, "!!"),
            (SIGNATURE_HEADER, ""),
        ] {
            let get = |n: &str| if n == name { Some(value) } else { all(n) };
            assert_eq!(Auth::from_headers(get), Err(ErrorCode::BadSignature));
        }
    }

    #[test]
    fn replay_ids_differ_by_nonce_and_time() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let audience = relay();
        let request = signed("/v1/a", b"", &audience);
        let a = Auth::sign(&key, &request, NOW, [1; 16]);
        let b = Auth::sign(&key, &request, NOW, [2; 16]);
        let c = Auth::sign(&key, &request, NOW + 1, [1; 16]);
        assert_ne!(a.replay_id(), b.replay_id());
        assert_ne!(a.replay_id(), c.replay_id());
        assert_eq!(a.replay_id(), a.clone().replay_id());
    }
}
