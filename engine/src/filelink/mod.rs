//! `sanku link`: the registers' linkage engine on any two files (or one, deduplicated).
//! A link config names the fields and how each is compared ([`kinds`]), optional exact
//! keys, blocking rules and thresholds. Stages: prepare each side's values, link exact
//! keys ([`decide`]), block ([`block`]), compare and weigh with u from random pairs, m by
//! EM and term-frequency adjustment ([`score`]), assign one-to-one ([`decide`]) or
//! cluster ([`cluster`]). Output does not depend on the number of threads or the order of rows:
//! pairs are sorted, and ties are broken by record keys.

pub mod block;
pub mod cluster;
pub mod decide;
pub mod kinds;
pub mod output;
pub mod packed;
pub mod run;
pub mod score;
pub mod strings;

use compact_str::CompactString;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::pipeline::load::any::{AnyOptions, AnyTable};
use kinds::{Kind, soundex};
use packed::Packed;

/// One compared field of a link config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    pub kind: Kind,
    /// Its column in the left file and in the right.
    pub columns: [String; 2],
    /// Exact agreement weighs by how rare the value is.
    pub tf: bool,
    /// The largest difference of two `near` numbers.
    pub tolerance: f64,
}

/// How a blocking key takes a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    Value,
    Soundex,
    First(usize),
    Last(usize),
}

/// One part of a blocking rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPart {
    pub field: usize,
    pub transform: Transform,
}

/// Thresholds, the model's sizes and the blocking rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkSpec {
    pub fields: Vec<FieldSpec>,
    /// The column that names a record on each side (its line number when `None`).
    pub ids: [Option<String>; 2],
    /// Fields that link two records when all agree and the key is unique on each side.
    pub exact: Vec<usize>,
    /// Pairs agreeing on every part of any rule are compared.
    pub rules: Vec<Vec<KeyPart>>,
    /// A block that would give more pairs than this is not compared (and counted).
    pub max_block_pairs: u64,
    pub accept: f64,
    pub review: f64,
    pub tie_margin: f64,
    /// Pairs weighing less are not written to candidates.parquet.
    pub candidate_floor: f64,
    pub em_iterations: u32,
    pub random_pairs: u64,
    #[serde(skip)]
    pub read: [AnyOptions; 2],
}

impl LinkSpec {
    /// The columns to read from side `s`: the record key first, then each field's.
    pub fn columns(&self, s: usize) -> Vec<String> {
        self.ids[s]
            .iter()
            .cloned()
            .chain(self.fields.iter().map(|f| f.columns[s].clone()))
            .collect()
    }

    pub fn level_counts(&self) -> Vec<usize> {
        self.fields.iter().map(|f| f.kind.levels().len()).collect()
    }
}

/// One field's prepared values on one side.
#[derive(Debug, Default)]
pub struct Column {
    pub text: Vec<CompactString>,
    pub sound: Vec<[u8; 4]>,
    pub number: Vec<f64>,
}

/// One side's records, prepared.
#[derive(Debug)]
pub struct Side {
    /// The file's name as messages give it.
    pub name: String,
    /// Each record's key: the id column's value, else its line number.
    pub keys: Vec<CompactString>,
    pub lines: Vec<u64>,
    pub columns: Vec<Column>,
    /// The same values record by record, for comparing.
    pub packed: Packed,
}

impl Side {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The records in the order of their keys (then of their values): the same whatever
    /// the order of the rows.
    pub fn key_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            self.keys[a]
                .cmp(&self.keys[b])
                .then_with(|| self.packed.bytes_of(a).cmp(self.packed.bytes_of(b)))
        });
        order
    }

    /// Normalises the fields of a table read for side `s`.
    pub fn prepare(spec: &LinkSpec, s: usize, table: &AnyTable) -> Side {
        let offset = usize::from(spec.ids[s].is_some());
        let keys = (0..table.len())
            .map(|r| match spec.ids[s] {
                Some(_) => CompactString::from(table.value(r, 0)),
                None => CompactString::from(table.lines[r].to_string()),
            })
            .collect();
        let columns = spec
            .fields
            .par_iter()
            .enumerate()
            .map(|(f, field)| {
                let text: Vec<CompactString> = (0..table.len())
                    .map(|r| field.kind.normalize(table.value(r, offset + f)))
                    .collect();
                let sound = match field.kind {
                    Kind::LatinName => text.iter().map(|t| soundex(t)).collect(),
                    _ => Vec::new(),
                };
                let number = match field.kind {
                    Kind::Numeric => text.iter().map(|t| t.parse().unwrap_or(f64::NAN)).collect(),
                    _ => Vec::new(),
                };
                Column {
                    text,
                    sound,
                    number,
                }
            })
            .collect::<Vec<Column>>();
        Side {
            name: table.info.name.clone(),
            keys,
            lines: table.lines.clone(),
            packed: Packed::new(spec, &columns, table.len()),
            columns,
        }
    }
}

/// The two sides of a link; in a deduplication both are the one file.
pub struct Sides<'a> {
    pub left: &'a Side,
    pub right: &'a Side,
    pub dedupe: bool,
}

/// Compares record `l` of the left side with record `r` of the right on every field.
pub fn compare_records(spec: &LinkSpec, sides: &Sides, l: usize, r: usize, out: &mut [u8]) {
    let pairs = sides
        .left
        .packed
        .record(l)
        .zip(sides.right.packed.record(r));
    for ((slot, field), (a, b)) in out.iter_mut().zip(&spec.fields).zip(pairs) {
        *slot = kinds::compare(field.kind, field.tolerance, &a, &b);
    }
}

/// One-field sides and specs for the stages' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A side whose records hold `values` in their one field (and their Soundex codes).
    pub fn side(values: &[&str]) -> Side {
        let text: Vec<CompactString> = values.iter().map(|&v| CompactString::from(v)).collect();
        Side {
            name: "t".into(),
            keys: (0..values.len())
                .map(|i| CompactString::from(format!("r{i}")))
                .collect(),
            lines: (0..values.len() as u64).collect(),
            columns: vec![Column {
                sound: text.iter().map(|t| soundex(t)).collect(),
                text,
                number: Vec::new(),
            }],
            packed: Packed::default(),
        }
    }

    /// A spec comparing that one field as `kind`.
    pub fn spec(kind: Kind, rules: Vec<Vec<KeyPart>>, max_block_pairs: u64) -> LinkSpec {
        LinkSpec {
            fields: vec![FieldSpec {
                name: "value".into(),
                kind,
                columns: ["value".into(), "value".into()],
                tf: false,
                tolerance: 0.0,
            }],
            ids: [None, None],
            exact: Vec::new(),
            rules,
            max_block_pairs,
            accept: 0.0,
            review: 0.0,
            tie_margin: 0.0,
            candidate_floor: 0.0,
            em_iterations: 1,
            random_pairs: 1,
            read: Default::default(),
        }
    }
}
