//! Each record's compared values in one contiguous run of bytes, so that comparing a
//! pair reads two short runs instead of one scattered value per field: at 500 000 records
//! a side, reading ten columns at random cost a cache miss per field and dominated the
//! comparisons. Per field, in the config's order: the text's length (u16), then what its
//! kind compares besides the text (a letter mask for the Jaro–Winkler bound, the Soundex
//! code, the number), then the text.

use super::kinds::{Kind, View, letter_mask};
use super::{Column, LinkSpec};
use crate::pipeline::normalize::id_set::prefetch;

/// Longest text kept per field; longer values are compared on their first bytes.
const MAX_TEXT: usize = u16::MAX as usize;

#[derive(Debug, Default)]
pub struct Packed {
    bytes: Vec<u8>,
    /// Where each record starts in `bytes`, and one past the last.
    starts: Vec<usize>,
    kinds: Vec<Kind>,
}

/// Appends record `r`'s value of one field.
fn pack(out: &mut Vec<u8>, column: &Column, kind: Kind, r: usize) {
    let text = column.text[r].as_bytes();
    let text = &text[..text.len().min(MAX_TEXT)];
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    if has_mask(kind) {
        out.extend_from_slice(&letter_mask(text).to_le_bytes());
    }
    if kind == Kind::LatinName {
        out.extend_from_slice(&column.sound[r]);
    }
    if kind == Kind::Numeric {
        out.extend_from_slice(&column.number[r].to_le_bytes());
    }
    out.extend_from_slice(text);
}

fn has_mask(kind: Kind) -> bool {
    matches!(kind, Kind::LatinName | Kind::Text)
}

impl Packed {
    pub fn new(spec: &LinkSpec, columns: &[Column], records: usize) -> Packed {
        use rayon::prelude::*;
        let kinds: Vec<Kind> = spec.fields.iter().map(|f| f.kind).collect();
        // Chunks packed in parallel, then laid end to end.
        let chunks: Vec<(Vec<u8>, Vec<usize>)> = (0..records)
            .collect::<Vec<_>>()
            .par_chunks(1 << 15)
            .map(|rs| {
                let (mut bytes, mut starts) = (Vec::new(), Vec::with_capacity(rs.len()));
                for &r in rs {
                    starts.push(bytes.len());
                    for (column, &kind) in columns.iter().zip(&kinds) {
                        pack(&mut bytes, column, kind, r);
                    }
                }
                (bytes, starts)
            })
            .collect();
        let total = chunks.iter().map(|(b, _)| b.len()).sum();
        let mut packed = Packed {
            bytes: Vec::with_capacity(total),
            starts: Vec::with_capacity(records + 1),
            kinds,
        };
        for (bytes, starts) in chunks {
            let base = packed.bytes.len();
            packed.starts.extend(starts.iter().map(|s| base + s));
            packed.bytes.extend_from_slice(&bytes);
        }
        packed.starts.push(packed.bytes.len());
        packed
    }

    /// Asks for record `r`'s start (to fetch it a few pairs ahead).
    pub fn prefetch_start(&self, r: usize) {
        prefetch(&self.starts, r);
    }

    /// Asks for record `r`'s bytes, whose start should be in the cache by now.
    pub fn prefetch_record(&self, r: usize) {
        let start = self.starts[r];
        prefetch(&self.bytes, start);
        prefetch(&self.bytes, start + 64);
    }

    /// Record `r`'s packed bytes.
    pub fn bytes_of(&self, r: usize) -> &[u8] {
        &self.bytes[self.starts[r]..self.starts[r + 1]]
    }

    /// Record `r`'s fields, in order.
    pub fn record(&self, r: usize) -> Fields<'_> {
        Fields {
            bytes: &self.bytes[self.starts[r]..self.starts[r + 1]],
            kinds: self.kinds.iter(),
        }
    }
}

/// The fields of one packed record.
pub struct Fields<'a> {
    bytes: &'a [u8],
    kinds: std::slice::Iter<'a, Kind>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = View<'a>;

    fn next(&mut self) -> Option<View<'a>> {
        let &kind = self.kinds.next()?;
        let mut take = |n: usize| {
            let (head, rest) = self.bytes.split_at(n);
            self.bytes = rest;
            head
        };
        let len = usize::from(u16::from_le_bytes(take(2).try_into().expect("2 bytes")));
        let mask = if has_mask(kind) {
            u64::from_le_bytes(take(8).try_into().expect("8 bytes"))
        } else {
            u64::MAX
        };
        let sound = if kind == Kind::LatinName {
            take(4).try_into().expect("4 bytes")
        } else {
            [0; 4]
        };
        let number = if kind == Kind::Numeric {
            f64::from_le_bytes(take(8).try_into().expect("8 bytes"))
        } else {
            f64::NAN
        };
        Some(View {
            text: take(len),
            mask,
            sound,
            number,
        })
    }
}
