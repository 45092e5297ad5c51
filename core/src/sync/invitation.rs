//! Invitations: how one party's phone hands a phone of the other party what it needs
//! to pair, as one line of text (shown as a QR code, or sent by any channel the two
//! trust). Usually the therapist's phone invites the client's; a client's phone
//! invites the therapist's *new* phone when the therapist replaced theirs (a
//! handover, done in person). The issuer's role is bound by the signature's domain
//! tag, so a line issued by one role never reads as issued by the other.
//!
//! The line is `COACHLINE1:` followed by the RFC 4648 base32 (no padding) of:
//!
//! | bytes | field |
//! |---|---|
//! | 16 | agreement id |
//! | 32 | the issuing device's Ed25519 identity key |
//! | 32 | the issuing device's X25519 sync key |
//! | 32 | a one-time secret (the HPKE pre-shared key of the joiner's first message) |
//! | 8  | expiry, milliseconds since the Unix epoch, big-endian |
//! | 64 | the identity key's Ed25519 signature of the above, after a domain tag naming the issuer's role (`coachline-invitation/1` for a therapist, `coachline-handover/1` for a client) |
//!
//! That is [`LINE_CHARS`] (306) characters, all from QR's alphanumeric set (upper-case
//! letters, digits and `:`), so the QR code is a version 10 symbol at its lowest error
//! correction: easily scanned from a screen.
//!
//! When the issuing phone syncs through a relay ([`crate::relay`]), the line is
//! version 2, `COACHLINE2:`, and carries the relay's address so that the joining
//! phone needs nothing typed: after the expiry come one byte, the address's length,
//! and the address ([`Audience`], at most [`coachline_relay_protocol::MAX_URL_BYTES`]
//! bytes), all signed after the domain tag `coachline-invitation/2` or
//! `coachline-handover/2`. A 30-character address makes the line 355 characters,
//! still a version 10 QR symbol (395 characters at its lowest error correction).
//!
//! The secret is 32 bytes because RFC 9180 requires a pre-shared key to carry at least
//! 32 bytes of entropy. The signature makes the therapist's identity fingerprint
//! vouch for the sync key too: a client who compares fingerprints with the therapist
//! (`peers` against `whoami`) knows its messages go to the therapist's phone. It also
//! catches a mistyped or altered line (reported as forged): nothing in it can change,
//! including the expiry.

use coachline_relay_protocol::Audience;
use sha2::{Digest, Sha256};

use crate::error::{Error, InvitationProblem, Result};
use crate::identity::{self, DeviceIdentity};
use crate::model::{AgreementId, Role};
use crate::time::Timestamp;

/// What every invitation line without a relay starts with (the `1` is the format's
/// version).
pub const PREFIX: &str = "COACHLINE1:";
/// What an invitation line naming a relay starts with.
pub const PREFIX_WITH_RELAY: &str = "COACHLINE2:";
/// How long an invitation can be used.
pub const VALID_HOURS: i64 = 48;
/// The length of an invitation line.
pub const LINE_CHARS: usize = PREFIX.len() + (PAYLOAD_BYTES * 8).div_ceil(5);

const SIGNED_BYTES: usize = 16 + 32 + 32 + 32 + 8;
const PAYLOAD_BYTES: usize = SIGNED_BYTES + 64;
/// The signature's domain tag, by the issuer's role and whether a relay is named.
fn signature_tag(issuer: Role, relay: bool) -> &'static [u8] {
    match (issuer, relay) {
        (Role::Therapist, false) => b"coachline-invitation/1\n",
        (Role::Client, false) => b"coachline-handover/1\n",
        (Role::Therapist, true) => b"coachline-invitation/2\n",
        (Role::Client, true) => b"coachline-handover/2\n",
    }
}

/// A parsed (or newly issued) invitation.
#[derive(Clone)]
pub struct Invitation {
    pub agreement: AgreementId,
    /// The role of the issuing device: the role its peer will have.
    pub issuer: Role,
    pub issuer_identity: [u8; 32],
    pub issuer_sync: [u8; 32],
    pub secret: [u8; 32],
    pub expires_at: Timestamp,
    /// The relay the issuing phone syncs through, if it uses one.
    pub relay: Option<Audience>,
    signature: [u8; 64],
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("agreement", &self.agreement)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The public id of an invitation secret: the HPKE `psk_id`, and the key under which
/// the therapist's store keeps the invitation.
pub fn psk_id(secret: &[u8; 32]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"coachline-invitation-id/1\n")
        .chain_update(secret)
        .finalize();
    digest[..16].try_into().expect("16 of 32 bytes")
}

impl Invitation {
    /// A new invitation from `issuer` for `agreement`, with a fresh secret, valid for
    /// [`VALID_HOURS`] from `now`.
    pub fn issue(
        issuer: &DeviceIdentity,
        agreement: &AgreementId,
        relay: Option<Audience>,
        now: Timestamp,
    ) -> Self {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system's random source is unavailable");
        Self::reissue(
            issuer,
            agreement,
            secret,
            relay,
            now.plus_hours(VALID_HOURS),
        )
    }

    /// The invitation `issuer` issued with `secret`, again: its signature is
    /// deterministic (Ed25519), so the line is the same as when it was first shown.
    pub fn reissue(
        issuer: &DeviceIdentity,
        agreement: &AgreementId,
        secret: [u8; 32],
        relay: Option<Audience>,
        expires_at: Timestamp,
    ) -> Self {
        let mut invitation = Self {
            agreement: agreement.clone(),
            issuer: issuer.role,
            issuer_identity: issuer.public_key(),
            issuer_sync: issuer.sync_public_key(),
            secret,
            expires_at,
            relay,
            signature: [0; 64],
        };
        invitation.signature = issuer.sign_bytes(&invitation.signed_message());
        invitation
    }

    pub fn psk_id(&self) -> [u8; 16] {
        psk_id(&self.secret)
    }

    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }

    fn signed_part(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(SIGNED_BYTES);
        bytes.extend_from_slice(&agreement_bytes(&self.agreement));
        bytes.extend_from_slice(&self.issuer_identity);
        bytes.extend_from_slice(&self.issuer_sync);
        bytes.extend_from_slice(&self.secret);
        bytes.extend_from_slice(&self.expires_at.millis().to_be_bytes());
        if let Some(relay) = &self.relay {
            let url = relay.as_str().as_bytes();
            bytes.push(u8::try_from(url.len()).expect("a relay URL is at most 120 bytes"));
            bytes.extend_from_slice(url);
        }
        bytes
    }

    fn signed_message(&self) -> Vec<u8> {
        [
            signature_tag(self.issuer, self.relay.is_some()),
            &self.signed_part(),
        ]
        .concat()
    }

    /// The line to show or send.
    pub fn to_line(&self) -> String {
        let mut bytes = self.signed_part();
        bytes.extend_from_slice(&self.signature);
        let prefix = match self.relay {
            Some(_) => PREFIX_WITH_RELAY,
            None => PREFIX,
        };
        format!("{prefix}{}", data_encoding::BASE32_NOPAD.encode(&bytes))
    }

    /// Reads a line issued by a device of role `issuer`, refusing anything malformed
    /// and anything whose signature does not verify as that role's. (Whether it has
    /// expired is for the caller to decide, at its `now`.)
    pub fn parse(line: &str, issuer: Role) -> Result<Self> {
        let malformed = || Error::InvitationRefused(InvitationProblem::Malformed);
        let line = line.trim();
        let after = |prefix: &str| {
            line.get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .and_then(|_| line.get(prefix.len()..))
        };
        let (body, with_relay) = match (after(PREFIX), after(PREFIX_WITH_RELAY)) {
            (Some(body), _) => (body, false),
            (None, Some(body)) => (body, true),
            (None, None) => return Err(malformed()),
        };
        let bytes = data_encoding::BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| malformed())?;
        let relay = match with_relay {
            false if bytes.len() == PAYLOAD_BYTES => None,
            true if bytes.len() > PAYLOAD_BYTES => {
                let len = usize::from(bytes[SIGNED_BYTES]);
                let url = bytes
                    .get(SIGNED_BYTES + 1..SIGNED_BYTES + 1 + len)
                    .filter(|_| bytes.len() == PAYLOAD_BYTES + 1 + len)
                    .ok_or_else(malformed)?;
                let url = std::str::from_utf8(url).map_err(|_| malformed())?;
                Some(Audience::of_url(url).map_err(|_| malformed())?)
            }
            _ => return Err(malformed()),
        };
        let signature_at = bytes.len() - 64;
        let field = |from: usize, to: usize| &bytes[from..to];
        let array32 = |from: usize| -> [u8; 32] { field(from, from + 32).try_into().expect("32") };
        let invitation = Self {
            agreement: AgreementId::parse(&hex::encode(field(0, 16)))?,
            issuer,
            issuer_identity: array32(16),
            issuer_sync: array32(48),
            secret: array32(80),
            expires_at: Timestamp::from_millis(i64::from_be_bytes(
                field(112, 120).try_into().expect("8"),
            )),
            relay,
            signature: field(signature_at, bytes.len()).try_into().expect("64"),
        };
        let signed = invitation.signed_message();
        if !identity::verify_bytes(&invitation.issuer_identity, &signed, &invitation.signature) {
            return Err(Error::InvitationRefused(InvitationProblem::Forged));
        }
        Ok(invitation)
    }
}

/// The 16 bytes of an agreement id (its 32 hex characters).
pub fn agreement_bytes(id: &AgreementId) -> [u8; 16] {
    hex::decode(id.as_str())
        .expect("an agreement id is hexadecimal")
        .try_into()
        .expect("an agreement id is 16 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued() -> (DeviceIdentity, Invitation) {
        let therapist = DeviceIdentity::generate(Role::Therapist, "T").unwrap();
        let invitation = Invitation::issue(
            &therapist,
            &AgreementId::random(),
            None,
            Timestamp::from_millis(1_800_000_000_000),
        );
        (therapist, invitation)
    }

    fn with_relay(therapist: &DeviceIdentity) -> Invitation {
        let relay = Audience::of_url("https://relay.example.org:8470").unwrap();
        Invitation::issue(
            therapist,
            &AgreementId::random(),
            Some(relay),
            Timestamp::from_millis(1_800_000_000_000),
        )
    }

    #[test]
    fn a_line_names_the_relay_and_fits_a_qr_code() {
        let (therapist, _) = issued();
        let invitation = with_relay(&therapist);
        let line = invitation.to_line();
        assert!(line.starts_with(PREFIX_WITH_RELAY));
        assert_eq!(line.len(), 355);
        assert!(line
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ':'));
        let back = Invitation::parse(&line.to_lowercase(), Role::Therapist).unwrap();
        assert_eq!(
            back.relay.as_ref().map(Audience::as_str),
            Some("https://relay.example.org:8470")
        );
        assert_eq!(back.secret, invitation.secret);
        assert!(Invitation::parse(&line, Role::Client).is_err());
    }

    #[test]
    fn the_relay_is_signed_and_cannot_be_dropped_or_changed() {
        let (therapist, _) = issued();
        let invitation = with_relay(&therapist);
        let problem = |text: &str| match Invitation::parse(text, Role::Therapist) {
            Err(Error::InvitationRefused(problem)) => problem,
            other => panic!("{other:?}"),
        };
        let mut moved = invitation.clone();
        moved.relay = Some(Audience::of_url("https://elsewhere.example.org").unwrap());
        assert_eq!(problem(&moved.to_line()), InvitationProblem::Forged);
        let mut dropped = invitation.clone();
        dropped.relay = None;
        assert_eq!(problem(&dropped.to_line()), InvitationProblem::Forged);
        let line = invitation.to_line();
        assert_eq!(
            problem(&line.replace(PREFIX_WITH_RELAY, PREFIX)),
            InvitationProblem::Malformed
        );
        assert_eq!(
            problem(&line[..line.len() - 8]),
            InvitationProblem::Malformed
        );
    }

    #[test]
    fn a_line_round_trips_and_fits_a_qr_code() {
        let (therapist, invitation) = issued();
        let line = invitation.to_line();
        assert_eq!(line.len(), LINE_CHARS);
        assert_eq!(LINE_CHARS, 306);
        assert!(line
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ':'));
        let back =
            Invitation::parse(&format!("  {}\n", line.to_lowercase()), Role::Therapist).unwrap();
        assert_eq!(back.agreement, invitation.agreement);
        assert_eq!(back.issuer_identity, therapist.public_key());
        assert_eq!(back.issuer_sync, therapist.sync_public_key());
        assert_eq!(back.secret, invitation.secret);
        assert_eq!(back.expires_at, invitation.expires_at);
        assert!(!back.is_expired(invitation.expires_at.plus_minutes(-1)));
        assert!(back.is_expired(invitation.expires_at));
        assert!(!format!("{back:?}").contains(&hex::encode(back.secret)));
    }

    #[test]
    fn malformed_and_altered_lines_are_refused() {
        let (_, invitation) = issued();
        let line = invitation.to_line();
        let problem = |text: &str| match Invitation::parse(text, Role::Therapist) {
            Err(Error::InvitationRefused(problem)) => problem,
            other => panic!("{other:?}"),
        };
        assert_eq!(problem(""), InvitationProblem::Malformed);
        assert_eq!(problem("hello"), InvitationProblem::Malformed);
        assert_eq!(
            problem(&line[..line.len() - 8]),
            InvitationProblem::Malformed
        );
        assert_eq!(
            problem(&line.replace("COACHLINE1", "COACHLINE2")),
            InvitationProblem::Malformed
        );
        assert_eq!(
            problem(&line.replace("COACHLINE1", "COACHLINE3")),
            InvitationProblem::Malformed
        );
        assert_eq!(problem(&format!("{line}1")), InvitationProblem::Malformed);
        // Every changed character is caught by the signature.
        for i in PREFIX.len()..line.len() - 1 {
            let mut chars: Vec<char> = line.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let altered: String = chars.into_iter().collect();
            assert_eq!(problem(&altered), InvitationProblem::Forged, "position {i}");
        }
        // A therapist's invitation never reads as a client's handover, nor back.
        assert!(Invitation::parse(&line, Role::Client).is_err());
    }
}
