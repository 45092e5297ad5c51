//! How large an incoming Automerge document may become once decompressed.
//!
//! Automerge compresses with DEFLATE in two places: the columns of a document chunk
//! (chunk type 0, each column whose spec has the deflate bit), and whole change
//! chunks (chunk type 2). Loading inflates them without any bound, and DEFLATE
//! expands up to about 1032-fold: an import file, or a sync message (up to 64 MiB,
//! [`crate::sync::envelope::MAX_FRAGMENTS`] fragments), could ask for tens of GiB of
//! memory. Neither form declares its uncompressed length (a document's column
//! metadata gives only the compressed lengths; a compressed change only its compressed
//! one), so the only way to know is to inflate. [`inflated_size`] walks the chunks as
//! Automerge's own parser frames them and inflates each compressed part into nothing,
//! stopping as soon as the total passes the limit: one extra decompression pass over
//! what is then loaded, in constant memory. Incoming bytes are checked with it before
//! Automerge sees them (`Store::import`, `Store::sync_receive`).
//!
//! What it does not bound: Automerge's run-length encoded columns can also describe
//! more operations than their bytes suggest; that is Automerge's own validation's to
//! refuse, and the fuzz targets exercise it (`fuzz/README.md`).

use std::io::Read;

/// The most a document or a sync message's changes may take once decompressed: the
/// bytes as given plus everything their compressed parts inflate to. An agreement
/// with years of calls takes well under 1 MiB (see the README's figures).
pub const MAX_INFLATED: usize = 64 * 1024 * 1024;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;
/// The bit of a column spec that marks its data as DEFLATE-compressed.
const DEFLATE_BIT: u64 = 0b1000;

/// Why bytes were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// They would take more than the limit once decompressed.
    TooLarge,
    /// They are not Automerge chunks (Automerge would refuse them too).
    Malformed,
}

/// The size of `bytes` once every compressed part is inflated, if it is at most
/// `limit`. Inflates no more than `limit + 1` bytes in all, into no buffer.
pub fn inflated_size(bytes: &[u8], limit: usize) -> Result<usize, Problem> {
    let mut total = bytes.len();
    if total > limit {
        return Err(Problem::TooLarge);
    }
    let mut input = Reader(bytes);
    while !input.0.is_empty() {
        if input.take(4)? != MAGIC {
            return Err(Problem::Malformed);
        }
        input.take(4)?; // checksum
        let kind = input.take(1)?[0];
        let len = input.length()?;
        let mut data = Reader(input.take(len)?);
        match kind {
            DOCUMENT => {
                for column in data.document_columns()? {
                    total += inflate(column, limit - total)?;
                }
            }
            COMPRESSED_CHANGE => total += inflate(data.0, limit - total)?,
            // Automerge refuses compressed columns in these.
            CHANGE | BUNDLE => {}
            _ => return Err(Problem::Malformed),
        }
    }
    Ok(total)
}

/// Refuses a file to import that would inflate past [`MAX_INFLATED`], before
/// Automerge loads it.
pub fn check_import(bytes: &[u8]) -> crate::Result<()> {
    match inflated_size(bytes, MAX_INFLATED) {
        Ok(_) => Ok(()),
        Err(Problem::TooLarge) => Err(crate::Error::NotAnAgreement(
            "the file would take more than 64 MiB once decompressed".into(),
        )),
        Err(Problem::Malformed) => Err(crate::Error::NotAnAgreement(
            "the file is not an Automerge document".into(),
        )),
    }
}

/// The inflated length of a raw DEFLATE stream, if at most `room`.
fn inflate(compressed: &[u8], room: usize) -> Result<usize, Problem> {
    let room = u64::try_from(room).map_err(|_| Problem::TooLarge)?;
    let mut inflater = flate2::bufread::DeflateDecoder::new(compressed).take(room + 1);
    let inflated =
        std::io::copy(&mut inflater, &mut std::io::sink()).map_err(|_| Problem::Malformed)?;
    if inflated > room {
        return Err(Problem::TooLarge);
    }
    usize::try_from(inflated).map_err(|_| Problem::TooLarge)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Problem> {
        let (first, rest) = self.0.split_at_checked(n).ok_or(Problem::Malformed)?;
        self.0 = rest;
        Ok(first)
    }

    /// An unsigned LEB128 number, as Automerge writes them (at most 10 bytes).
    fn uleb(&mut self) -> Result<u64, Problem> {
        let mut value = 0u64;
        for i in 0..10 {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f)
                .checked_shl(7 * i)
                .ok_or(Problem::Malformed)?;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Problem::Malformed)
    }

    /// A length or count that the remaining bytes can hold (each item taking at least
    /// `item` bytes): refuses a huge count before looping over it.
    fn count(&mut self, item: usize) -> Result<usize, Problem> {
        let n = usize::try_from(self.uleb()?).map_err(|_| Problem::Malformed)?;
        match n.checked_mul(item) {
            Some(bytes) if bytes <= self.0.len() => Ok(n),
            _ => Err(Problem::Malformed),
        }
    }

    fn length(&mut self) -> Result<usize, Problem> {
        self.count(1)
    }

    /// The compressed columns of a document chunk's data: actors, heads, change
    /// column metadata and op column metadata, then the columns in that order.
    fn document_columns(&mut self) -> Result<Vec<&'a [u8]>, Problem> {
        for _ in 0..self.count(1)? {
            let len = self.length()?;
            self.take(len)?;
        }
        let heads = self.count(32)?;
        self.take(heads * 32)?;
        let mut specs = Vec::new();
        for _ in 0..2 {
            for _ in 0..self.count(2)? {
                specs.push((self.uleb()?, self.uleb()?));
            }
        }
        let mut compressed = Vec::new();
        for (spec, len) in specs {
            let len = usize::try_from(len).map_err(|_| Problem::Malformed)?;
            let column = self.take(len)?;
            if spec & DEFLATE_BIT != 0 {
                compressed.push(column);
            }
        }
        Ok(compressed)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    use super::*;

    fn deflate_zeros(n: usize) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let block = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let now = left.min(block.len());
            encoder.write_all(&block[..now]).unwrap();
            left -= now;
        }
        encoder.finish().unwrap()
    }

    fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend([0, 0, 0, 0, kind]);
        uleb(&mut bytes, data.len() as u64);
        bytes.extend(data);
        bytes
    }

    fn uleb(out: &mut Vec<u8>, mut value: u64) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    /// A compressed change chunk that inflates to `n` zero bytes.
    pub(crate) fn compressed_change_bomb(n: usize) -> Vec<u8> {
        chunk(COMPRESSED_CHANGE, &deflate_zeros(n))
    }

    /// A document chunk with one compressed column that inflates to `n` zero bytes.
    pub(crate) fn document_bomb(n: usize) -> Vec<u8> {
        let column = deflate_zeros(n);
        let mut data = vec![0, 0]; // no actors, no heads
        uleb(&mut data, 1); // one change column...
        uleb(&mut data, (1 << 4) | DEFLATE_BIT); // ...compressed
        uleb(&mut data, column.len() as u64);
        uleb(&mut data, 0); // no op columns
        data.extend(&column);
        chunk(DOCUMENT, &data)
    }

    #[test]
    fn a_bomb_is_refused_after_inflating_no_more_than_the_limit() {
        let limit = 1 << 20;
        for bomb in [compressed_change_bomb(limit), document_bomb(limit)] {
            assert_eq!(inflated_size(&bomb, limit), Err(Problem::TooLarge));
            assert!(inflated_size(&bomb, 2 * limit).unwrap() > limit);
        }
    }

    #[test]
    fn a_crafted_bomb_inflates_about_a_thousand_fold() {
        // The ratio that makes a bound on input bytes alone useless: a sync message
        // of 64 MiB could ask for some 64 GiB.
        let size = 64 << 20;
        let bomb = compressed_change_bomb(size);
        let ratio = size / bomb.len();
        assert!(ratio > 1000, "{ratio}");
        assert_eq!(inflated_size(&bomb, MAX_INFLATED), Err(Problem::TooLarge));
    }

    #[test]
    fn real_documents_measure_their_inflated_size() {
        let mut doc = AutoCommit::new();
        let text: String = "a fairly repetitive note ".repeat(400);
        for i in 0..50 {
            doc.put(ROOT, format!("k{i}"), text.as_str()).unwrap();
            doc.commit();
        }
        let saved = doc.save();
        let size = inflated_size(&saved, MAX_INFLATED).unwrap();
        assert!(
            size > saved.len(),
            "compressed columns are counted inflated"
        );
        let incremental = doc.save_after(&[]);
        assert!(inflated_size(&incremental, MAX_INFLATED).is_ok());
        let mut both = saved.clone();
        both.extend(&incremental);
        assert!(inflated_size(&both, MAX_INFLATED).unwrap() > size);
        assert_eq!(inflated_size(&[], MAX_INFLATED), Ok(0));
    }

    #[test]
    fn malformed_chunks_are_refused_without_looping_over_their_counts() {
        let huge_count = {
            let mut data = Vec::new();
            uleb(&mut data, u64::MAX >> 1); // actors
            chunk(DOCUMENT, &data)
        };
        for bytes in [
            &b"not automerge"[..],
            &MAGIC[..],
            &chunk(9, b"")[..],
            &huge_count[..],
            &chunk(COMPRESSED_CHANGE, b"\xff\xff not deflate")[..],
            &[
                0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0x01,
            ][..],
        ] {
            assert_eq!(inflated_size(bytes, MAX_INFLATED), Err(Problem::Malformed));
        }
    }
}
