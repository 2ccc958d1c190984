//! Comparing and weighing pairs: every candidate pair's level per field; u per level from
//! random pairs; m and the match share by EM on the candidates' distinct patterns
//! ([`crate::pipeline::link::fellegi_sunter`]); a pair's weight is log2(λ/(1−λ)) plus each
//! field's log2(m/u), with a missing value weighing nothing and no level weighing more than
//! a stronger one, so that it reads as log-odds of a match. Exact agreement on a
//! term-frequency field weighs log2(m/share of records with that value): two Smiths
//! agreeing say less than two Zyskowskis. The arithmetic is the shared model's
//! ([`fellegi_sunter::Model`], with the prior and the ceiling); this module says what the
//! fields are.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{LinkSpec, Side, Sides, compare_records};
use crate::ground::rng::Rng;
use crate::pipeline::link::fellegi_sunter;

/// The fitted model, per field and level, on the shared model ([`fellegi_sunter`]) with the
/// prior and the ceiling.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// The share of matches among candidate pairs.
    pub lambda: f64,
    pub em_iterations: u32,
    /// Every field level's weight, the prior, and the term-frequency fields' exact m.
    pub weigher: fellegi_sunter::Weigher,
}

impl Model {
    /// The model of m and u for `spec`'s fields: `missing` weighs nothing, exact agreement
    /// on a term-frequency field weighs by the value's share, no level weighs more than a
    /// stronger one, and a pair's weight starts from the prior.
    pub fn new(
        spec: &LinkSpec,
        (m, u): (Vec<Vec<f64>>, Vec<Vec<f64>>),
        lambda: f64,
        em_iterations: u32,
    ) -> Model {
        let weigher = fellegi_sunter::Model {
            m: &m,
            u: &u,
            lambda,
            neutral: &|f: usize, level: u8| level == spec.fields[f].kind.missing(),
            by_share: &|f: usize| spec.fields[f].tf.then_some(0),
            prior: true,
            ceiling: true,
        }
        .weigher();
        Model {
            m,
            u,
            lambda,
            em_iterations,
            weigher,
        }
    }

    /// log2(λ/(1−λ)), where every pair's weight starts.
    pub fn prior(&self) -> f64 {
        self.weigher.start()
    }

    /// Field `f`'s weight at `level`, without a value's share: log2(m/u) under the
    /// ceiling, 0 for `missing`.
    pub fn level_weight(&self, f: usize, level: u8) -> f64 {
        self.weigher.table().get(f, level)
    }
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
    let u = fellegi_sunter::estimate_u(random.chunks(n), &counts);
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
    let fitted = fellegi_sunter::fit(&patterns, &u, iterations, missing, |_| {});
    Model::new(spec, (fitted.m, u), fitted.lambda, fitted.iterations)
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
    model
        .weigher
        .field_weight(f, level, || shares.share(f, left))
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
    model.weigher.weight(&levels, |f| shares.share(f, l))
}

/// Each pair's weight: the prior plus every field's, summed in field order, from the
/// model's table; a term-frequency field's share is looked up only when it agrees exactly.
pub fn weigh(model: &Model, shares: &Shares, pairs: &[u64], levels: &[u8]) -> Vec<f64> {
    let n = model.m.len();
    pairs
        .par_iter()
        .zip(levels.par_chunks(n))
        .map(|(&p, levels)| {
            let left = (p >> 32) as usize;
            model.weigher.weight(levels, |f| shares.share(f, left))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filelink::kinds::Kind;
    use crate::filelink::testing;
    use crate::pipeline::link::weights::{LEVELS, MSource, Params};

    #[test]
    fn a_rare_value_agreeing_outweighs_a_common_one() {
        let mut spec = testing::spec(Kind::Categorical, Vec::new(), 0);
        spec.fields[0].tf = true;
        let model = Model::new(
            &spec,
            (vec![vec![0.9, 0.05, 0.05]], vec![vec![0.1, 0.1, 0.8]]),
            0.5,
            0,
        );
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

    /// The registers' weights and `sanku link`'s are the shared model's: given the same m
    /// and u, the registers' name and sex and a link's `chinese_name` (weighed by
    /// frequency) and `categorical` field weigh every level alike, to the bit, but where
    /// `sanku link`'s ceiling holds a level down; a pair's weight starts from −0.0 for the
    /// registers and from the prior for `sanku link`.
    #[test]
    fn the_registers_and_sanku_link_weigh_the_same_m_and_u_alike() {
        // The registers' name has no `missing` level; `sanku link`'s has, last.
        // The name's level 4 (`similar`) is likelier among matches, for its u, than level
        // 3 (`one_char_off`): the ceiling holds it at level 3's weight.
        let name_m = [0.6, 0.12, 0.1, 0.05, 0.08, 0.05];
        let name_u = [0.001, 0.004, 0.01, 0.02, 0.02, 0.945];
        let (sex_m, sex_u) = ([0.95, 0.04, 0.01], [0.5, 0.49, 0.01]);
        let mut params = Params {
            m: LEVELS.iter().map(|l| vec![0.5; l.len()]).collect(),
            u: LEVELS.iter().map(|l| vec![0.25; l.len()]).collect(),
            lambda: 0.2,
            em_iterations: 0,
            m_source: MSource::Default,
        };
        (params.m[0], params.u[0]) = (name_m.to_vec(), name_u.to_vec());
        (params.m[3], params.u[3]) = (sex_m.to_vec(), sex_u.to_vec());

        let mut spec = testing::spec(Kind::ChineseName, Vec::new(), 0);
        spec.fields[0].tf = true;
        let mut sex = spec.fields[0].clone();
        (sex.kind, sex.tf) = (Kind::Categorical, false);
        spec.fields.push(sex);
        let with_missing = |row: &[f64]| row.iter().copied().chain([0.01]).collect::<Vec<_>>();
        let model = Model::new(
            &spec,
            (
                vec![with_missing(&name_m), sex_m.to_vec()],
                vec![with_missing(&name_u), sex_u.to_vec()],
            ),
            0.2,
            0,
        );
        let share = 0.003;
        let shares = Shares {
            left: vec![Some(vec![share]), None],
        };

        // The registers' other fields at `missing`, which weighs nothing.
        let registers = |name: u8, sex: u8| [name, 7, 4, sex, 3];
        let weigher = params.weigher();
        for name in 0..6u8 {
            for sex in 0..3u8 {
                let ours = params.contributions(&registers(name, sex), Some(share));
                let theirs = [
                    field_weight(&model, &shares, 0, name, 0),
                    field_weight(&model, &shares, 1, sex, 0),
                ];
                if name == 4 {
                    assert!(ours[0].weight > theirs[0]);
                    assert_eq!(theirs[0], model.level_weight(0, 3), "the ceiling");
                } else {
                    assert_eq!(ours[0].weight.to_bits(), theirs[0].to_bits(), "name {name}");
                }
                assert_eq!(ours[3].weight.to_bits(), theirs[1].to_bits(), "sex {sex}");
                if name == 0 {
                    assert_eq!(theirs[0], (0.6f64 / share).log2(), "the name's share");
                }

                let registers_weight = -0.0 + ours[0].weight + 0.0 + 0.0 + ours[3].weight + 0.0;
                let got = weigher.weight(&registers(name, sex), || Some(share));
                assert_eq!(got.to_bits(), registers_weight.to_bits());
                assert_eq!(
                    got.to_bits(),
                    params.weight(&registers(name, sex), Some(share)).to_bits()
                );

                let prior = (0.2f64 / 0.8).log2();
                assert_eq!(model.prior(), prior);
                let link_weight = prior + theirs[0] + theirs[1];
                let got = weigh(&model, &shares, &[0], &[name, sex]);
                assert_eq!(got[0].to_bits(), link_weight.to_bits());
            }
        }
        // `missing` weighs nothing on both sides.
        assert_eq!(field_weight(&model, &shares, 0, 6, 0), 0.0);
        assert_eq!(params.field_weight(3, 2), 0.0);
    }
}
