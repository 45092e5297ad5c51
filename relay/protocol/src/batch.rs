//! The binary bodies: a fetched batch of messages and a list of ids to acknowledge.
//! Binary because a message is already opaque bytes; base64 in JSON would add a
//! third to every message.
//!
//! A batch is one byte (1 when more messages wait beyond it, else 0), then for each
//! message, oldest first: its id (8 bytes, big-endian), its length (4 bytes,
//! big-endian) and its bytes. An acknowledgement's body is the ids, 8 bytes each,
//! big-endian.

use crate::{MAX_ACK, MAX_FETCH, MAX_MESSAGE_BYTES};

/// A message as a relay holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored {
    /// The relay's id for it: ids grow in the order messages were deposited.
    pub id: u64,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Stored {{ id: {}, {} bytes }}",
            self.id,
            self.bytes.len()
        )
    }
}

/// A fetch's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub messages: Vec<Stored>,
    /// More messages wait after the last one: fetch again after its id.
    pub more: bool,
}

/// A body that is not a batch or a list of ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the relay's answer is not a well-formed batch")]
pub struct BadBatch;

impl Batch {
    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self.messages.iter().map(|m| 12 + m.bytes.len()).sum();
        let mut out = Vec::with_capacity(1 + size);
        out.push(u8::from(self.more));
        for m in &self.messages {
            out.extend_from_slice(&m.id.to_be_bytes());
            let len = u32::try_from(m.bytes.len()).expect("a stored message is at most 64 KiB");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&m.bytes);
        }
        out
    }

    /// Reads a batch, refusing one with more than [`MAX_FETCH`] messages, a message
    /// over [`MAX_MESSAGE_BYTES`], or ids that do not grow.
    pub fn decode(bytes: &[u8]) -> Result<Self, BadBatch> {
        let (&more, mut rest) = bytes.split_first().ok_or(BadBatch)?;
        let more = match more {
            0 => false,
            1 => true,
            _ => return Err(BadBatch),
        };
        let mut messages: Vec<Stored> = Vec::new();
        while !rest.is_empty() {
            let (id, tail) = rest.split_at_checked(8).ok_or(BadBatch)?;
            let (len, tail) = tail.split_at_checked(4).ok_or(BadBatch)?;
            let id = u64::from_be_bytes(id.try_into().expect("8 bytes"));
            let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
            if len > MAX_MESSAGE_BYTES || messages.len() == MAX_FETCH {
                return Err(BadBatch);
            }
            if messages.last().is_some_and(|last| last.id >= id) {
                return Err(BadBatch);
            }
            let (message, tail) = tail.split_at_checked(len).ok_or(BadBatch)?;
            messages.push(Stored {
                id,
                bytes: message.to_vec(),
            });
            rest = tail;
        }
        Ok(Self { messages, more })
    }
}

/// The body of an acknowledgement.
pub fn encode_ids(ids: &[u64]) -> Vec<u8> {
    ids.iter().flat_map(|id| id.to_be_bytes()).collect()
}

/// Reads an acknowledgement's body: at least one id and at most [`MAX_ACK`].
pub fn decode_ids(bytes: &[u8]) -> Result<Vec<u64>, BadBatch> {
    if bytes.is_empty() || bytes.len() % 8 != 0 || bytes.len() / 8 > MAX_ACK {
        return Err(BadBatch);
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| u64::from_be_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_reads_back() {
        let batch = Batch {
            messages: vec![
                Stored {
                    id: 3,
                    bytes: b"one".to_vec(),
                },
                Stored {
                    id: 9,
                    bytes: vec![],
                },
            ],
            more: true,
        };
        assert_eq!(Batch::decode(&batch.encode()), Ok(batch));
        assert_eq!(Batch::decode(&[0]), Ok(Batch::default()));
    }

    #[test]
    fn a_damaged_batch_is_refused() {
        let good = Batch {
            messages: vec![Stored {
                id: 1,
                bytes: b"abc".to_vec(),
            }],
            more: false,
        }
        .encode();
        assert_eq!(Batch::decode(&good[..good.len() - 1]), Err(BadBatch));
        assert_eq!(Batch::decode(&[]), Err(BadBatch));
        assert_eq!(Batch::decode(&[2]), Err(BadBatch));
        let mut twice = good.clone();
        twice.extend_from_slice(&good[1..]);
        assert_eq!(Batch::decode(&twice), Err(BadBatch), "ids must grow");
    }

    #[test]
    fn ids_read_back_within_bounds() {
        assert_eq!(
            decode_ids(&encode_ids(&[1, u64::MAX])),
            Ok(vec![1, u64::MAX])
        );
        assert_eq!(decode_ids(&[]), Err(BadBatch));
        assert_eq!(decode_ids(&[0; 7]), Err(BadBatch));
        assert_eq!(decode_ids(&encode_ids(&[1; MAX_ACK + 1])), Err(BadBatch));
    }
}
