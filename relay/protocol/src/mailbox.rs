//! Mailboxes, named by their owner's identity key.

use std::fmt;
use std::str::FromStr;

/// A device's mailbox: its Ed25519 identity key, written as 64 lower-case hex digits
/// in paths. The whole key, not a hash of it, so that no key can be ground to collide
/// with another device's mailbox, and so that the relay can check the owner of a
/// mailbox by comparing it with the key that signed the request.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox([u8; 32]);

impl Mailbox {
    pub fn of_key(identity_key: &[u8; 32]) -> Self {
        Self(*identity_key)
    }

    pub fn key(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Only a prefix: a mailbox names a device, which logs and errors must not.
impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({}…)", &hex::encode(&self.0[..2]))
    }
}

/// Not 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a mailbox is 64 hex digits")]
pub struct BadMailbox;

impl FromStr for Mailbox {
    type Err = BadMailbox;

    fn from_str(s: &str) -> Result<Self, BadMailbox> {
        if s.len() != 64
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(BadMailbox);
        }
        let bytes = hex::decode(s).map_err(|_| BadMailbox)?;
        Ok(Self(bytes.try_into().map_err(|_| BadMailbox)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailbox_reads_back_from_its_path_segment() {
        let m = Mailbox::of_key(&[0xab; 32]);
        assert_eq!(m.to_string().parse::<Mailbox>(), Ok(m));
        assert_eq!(format!("{m:?}"), "Mailbox(abab…)");
        for bad in [
            "",
            "AB".repeat(32).as_str(),
            &"a".repeat(63),
            &"g".repeat(64),
        ] {
            assert_eq!(bad.parse::<Mailbox>(), Err(BadMailbox), "{bad}");
        }
    }
}
