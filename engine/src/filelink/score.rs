//! Comparing and weighing pairs: every candidate pair's level per field; u per level from
//! random pairs; m and the match share by EM on the candidates' distinct patterns
//! ([`crate::pipeline::link::fs`]); a pair's weight is log2(λ/(1−λ)) plus each field's log2(m/u),
//! with a missing value weighing nothing, so that it reads as log-odds of a match. Exact
//! agreement on a term-frequency field weighs log2(m/share of records with that value):
//! two Smiths agreeing say less than two Zyskowskis.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{LinkSpec, Side, Sides, compare_records};
use crate::ground::rng::Rng;
use crate::pipeline::link::fs;

/// The fitted model, per field and level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Model {
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// log2(m/u) per field and level; 0 for `missing`.
    pub weights: Vec<Vec<f64>>,
    /// The share of matches among candidate pairs, and its log-odds.
    pub lambda: f64,
    pub prior: f64,
    pub em_iterations: u32,
}

/// Pairs compared per parallel task.
const CHUNK: usize = 1 << 14;

/// The levels of each pair, `fields` per pair, in the pairs' order.
pub fn compare_pairs(spec: &LinkSpec, sides: &Sides, pairs: &[u64]) -> Vec<u8> {
    let n = spec.fields.len();
    let mut levels = vec![0u8; pairs.len() * n];
    levels
        .par_chunks_mut(CHUNK * n)
        .zip(pairs.par_chunks(CHUNK))
        .for_each(|(out, pairs)| {
            let right = |k: usize| pairs.get(k).map(|&p| (p & 0xffff_ffff) as usize);
            for (k, (slot, &p)) in out.chunks_mut(n).zip(pairs).enumerate() {
                // The right records come in no order: each is asked for ahead of its turn,
                // its start 16 pairs ahead and its bytes 8.
                if let Some(r) = right(k + 16) {
                    sides.right.packed.prefetch_start(r);
                }
                if let Some(r) = right(k + 8) {
                    sides.right.packed.prefetch_record(r);
                }
                compare_records(
                    spec,
                    sides,
                    (p >> 32) as usize,
                    (p & 0xffff_ffff) as usize,
                    slot,
                );
            }
        });
    levels
}

/// The levels of `count` random pairs, drawn from a fixed seed.
pub fn random_levels(spec: &LinkSpec, sides: &Sides) -> Vec<u8> {
    let (nl, nr) = (sides.left.len() as u64, sides.right.len() as u64);
    if nl == 0 || nr == 0 || (sides.dedupe && nl < 2) {
        return Vec::new();
    }
    // Records are drawn by their rank in key order, so that the sample (and so u) does
    // not depend on the order of the rows.
    let (left, right) = (sides.left.key_order(), sides.right.key_order());
    let mut rng = Rng::new(0x5a4e_4b55);
    let pairs: Vec<u64> = (0..spec.random_pairs)
        .map(|_| {
            loop {
                let (l, r) = (rng.below(nl), rng.below(nr));
                if !sides.dedupe || l != r {
                    break u64::from(left[l as usize]) << 32 | u64::from(right[r as usize]);
                }
            }
        })
        .collect();
    compare_pairs(spec, sides, &pairs)
}

/// Fits m by EM on the candidates' patterns, u on the random pairs.
pub fn fit(spec: &LinkSpec, levels: &[u8], random: &[u8]) -> Model {
    let n = spec.fields.len();
    let counts = spec.level_counts();
    let u = fs::estimate_u(random.chunks(n), &counts);
    let mut patterns: FxHashMap<&[u8], u64> = FxHashMap::default();
    for pattern in levels.chunks(n) {
        *patterns.entry(pattern).or_default() += 1;
    }
    let mut patterns: Vec<(&[u8], u64)> = patterns.into_iter().collect();
    patterns.sort_unstable();
    let missing = |f: usize, level: u8| level == spec.fields[f].kind.missing();
    let iterations = if patterns.is_empty() {
        0
    } else {
        spec.em_iterations
    };
    let fitted = fs::fit(&patterns, &u, iterations, missing, |_| {});
    // Levels go from strongest agreement to disagreement, and no level weighs more than
    // a stronger one: a level the candidates never reach keeps the floor m against a
    // tiny u and would otherwise weigh more than agreeing exactly.
    let weights = (0..n)
        .map(|f| {
            let mut ceiling = f64::INFINITY;
            (0..counts[f])
                .map(|l| {
                    if missing(f, l as u8) {
                        return 0.0;
                    }
                    ceiling = (fitted.m[f][l] / u[f][l]).log2().min(ceiling);
                    ceiling
                })
                .collect()
        })
        .collect();
    let lambda = fitted.lambda;
    Model {
        m: fitted.m,
        u,
        weights,
        lambda,
        prior: (lambda / (1.0 - lambda)).log2(),
        em_iterations: fitted.iterations,
    }
}

/// For each term-frequency field, each left record's share of the records (both sides)
/// with its value; `None` for the other fields. Exact agreement means the right record
/// has the same value, so the left's share is the pair's.
pub struct Shares {
    left: Vec<Option<Vec<f64>>>,
}

impl Shares {
    pub fn new(spec: &LinkSpec, sides: &Sides) -> Shares {
        let per_field = |side: &Side, f: usize, counts: &FxHashMap<&str, u64>, total: u64| {
            side.columns[f]
                .text
                .iter()
                .map(|t| {
                    counts
                        .get(t.as_str())
                        .map_or(0.0, |&c| c as f64 / total as f64)
                })
                .collect::<Vec<f64>>()
        };
        let mut left = Vec::new();
        for (f, field) in spec.fields.iter().enumerate() {
            if !field.tf {
                left.push(None);
                continue;
            }
            let mut counts: FxHashMap<&str, u64> = FxHashMap::default();
            let both: &[&Side] = if sides.dedupe {
                &[sides.left]
            } else {
                &[sides.left, sides.right]
            };
            for side in both {
                for t in side.columns[f].text.iter().filter(|t| !t.is_empty()) {
                    *counts.entry(t.as_str()).or_default() += 1;
                }
            }
            let total = counts.values().sum::<u64>().max(1);
            left.push(Some(per_field(sides.left, f, &counts, total)));
        }
        Shares { left }
    }

    /// The share of records whose field `f` has left record `l`'s value.
    fn share(&self, f: usize, l: usize) -> Option<f64> {
        self.left[f].as_ref().map(|s| s[l])
    }
}

/// One field's part of a pair's weight.
pub fn field_weight(model: &Model, shares: &Shares, f: usize, level: u8, left: usize) -> f64 {
    match shares.share(f, left) {
        Some(share) if level == 0 => (model.m[f][0] / share.max(1e-9)).log2(),
        _ => model.weights[f][usize::from(level)],
    }
}

/// The weight of records `l` and `r` compared now, on every field: what [`weigh`] gives
/// them as a candidate pair, to the last bit.
pub fn weigh_records(
    spec: &LinkSpec,
    sides: &Sides,
    model: &Model,
    shares: &Shares,
    l: usize,
    r: usize,
) -> f64 {
    let mut levels = vec![0u8; spec.fields.len()];
    compare_records(spec, sides, l, r, &mut levels);
    let mut w = model.prior;
    for (f, &level) in levels.iter().enumerate() {
        w += field_weight(model, shares, f, level, l);
    }
    w
}

/// Each pair's weight: the prior plus every field's, summed in field order. The same
/// values as [`field_weight`], from a flat table; a term-frequency field's share is looked
/// up only when it agrees exactly.
pub fn weigh(model: &Model, shares: &Shares, pairs: &[u64], levels: &[u8]) -> Vec<f64> {
    let n = model.m.len();
    let width = model.weights.iter().map(Vec::len).max().unwrap_or(0);
    let mut table = vec![0.0; n * width];
    for (f, row) in model.weights.iter().enumerate() {
        table[f * width..f * width + row.len()].copy_from_slice(row);
    }
    let by_value: Vec<usize> = (0..n).filter(|&f| shares.left[f].is_some()).collect();
    pairs
        .par_iter()
        .zip(levels.par_chunks(n))
        .map(|(&p, levels)| {
            let mut w = model.prior;
            for (f, &level) in levels.iter().enumerate() {
                w += if level == 0 && by_value.contains(&f) {
                    field_weight(model, shares, f, 0, (p >> 32) as usize)
                } else {
                    table[f * width + usize::from(level)]
                };
            }
            w
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rare_value_agreeing_outweighs_a_common_one() {
        let model = Model {
            m: vec![vec![0.9, 0.05, 0.05]],
            u: vec![vec![0.1, 0.1, 0.8]],
            weights: vec![vec![(0.9f64 / 0.1).log2(), (0.05f64 / 0.1).log2(), 0.0]],
            lambda: 0.5,
            prior: 0.0,
            em_iterations: 0,
        };
        let shares = Shares {
            left: vec![Some(vec![0.2, 0.001])],
        };
        let common = field_weight(&model, &shares, 0, 0, 0);
        let rare = field_weight(&model, &shares, 0, 0, 1);
        assert!((common - (0.9f64 / 0.2).log2()).abs() < 1e-12);
        assert!(rare > common + 7.0, "{rare} vs {common}");
        assert_eq!(
            field_weight(&model, &shares, 0, 2, 1),
            0.0,
            "missing weighs nothing"
        );
        assert_eq!(
            weigh(&model, &shares, &[1 << 32], &[1]),
            vec![(0.5f64).log2()]
        );
    }
}
