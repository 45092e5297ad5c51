//! Random identifiers. Both phones create entries offline, so ids are random rather
//! than sequential: two phones appending to the same collection never collide and
//! never conflict (collections are Automerge maps keyed by these ids).

use std::fmt;

use crate::error::{Error, Result};

fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    hex::encode(bytes)
}

fn parse_hex(field: &'static str, text: &str, len: usize) -> Result<String> {
    let text = text.trim();
    if text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(Error::invalid(
            field,
            format!("expected {len} hexadecimal characters"),
        ))
    }
}

/// An agreement: 128 random bits, as 32 hex characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct AgreementId(String);

impl AgreementId {
    pub fn random() -> Self {
        Self(random_hex::<16>())
    }

    pub fn parse(text: &str) -> Result<Self> {
        parse_hex("agreement id", text, 32).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgreementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An entry of one of an agreement's collections (a call, a report, a resource...):
/// 64 random bits, as 16 hex characters — short enough to type, and a collision
/// among the few thousand entries of one agreement is vanishingly unlikely.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct EntryId(String);

impl EntryId {
    pub fn random() -> Self {
        Self(random_hex::<8>())
    }

    /// Parses an id typed by a person; `field` names it in the error.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        parse_hex(field, text, 16).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 8 bytes the 16 hex characters stand for: how the store keeps an id. Every
    /// id has exactly one such form and every form one id, and the bytes sort as the
    /// characters do.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut bytes = [0u8; 8];
        hex::decode_to_slice(&self.0, &mut bytes).expect("an id is 16 hex characters");
        bytes
    }

    /// The id of [`EntryId::to_bytes`]'s form; `None` unless `bytes` holds exactly 8.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == 8).then(|| Self(hex::encode(bytes)))
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_parse_back() {
        let a = AgreementId::random();
        assert_eq!(AgreementId::parse(a.as_str()).unwrap(), a);
        let e = EntryId::random();
        assert_eq!(EntryId::parse("id", &e.as_str().to_uppercase()).unwrap(), e);
        assert_ne!(EntryId::random(), e);
    }

    #[test]
    fn ids_and_their_bytes_correspond_one_to_one_in_the_same_order() {
        let e = EntryId::parse("id", "00ff10a0b0c0d0e1").unwrap();
        assert_eq!(
            e.to_bytes(),
            [0x00, 0xff, 0x10, 0xa0, 0xb0, 0xc0, 0xd0, 0xe1]
        );
        assert_eq!(EntryId::from_bytes(&e.to_bytes()), Some(e.clone()));
        assert_eq!(EntryId::from_bytes(&[1; 7]), None);
        let mut ids: Vec<EntryId> = (0..50).map(|_| EntryId::random()).collect();
        ids.sort();
        let mut bytes: Vec<[u8; 8]> = ids.iter().map(EntryId::to_bytes).collect();
        bytes.sort();
        assert_eq!(bytes, ids.iter().map(EntryId::to_bytes).collect::<Vec<_>>());
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!(EntryId::parse("id", "xyz").is_err());
        assert!(AgreementId::parse("0123").is_err());
    }
}
