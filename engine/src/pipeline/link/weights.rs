//! The registers' Fellegi–Sunter weights, on the shared model ([`super::fellegi_sunter`]):
//! five fields ([`FIELDS`]), each level's weight log2(m/u) bits, a pair's weight their sum.
//! u comes from random pairs; m is fitted by EM on the candidate pairs without labels. A
//! missing value weighs nothing. Exact name agreement is adjusted for the name's frequency:
//! 王伟 agreeing says less than 欧阳子涵 agreeing. No prior and no ceiling: the thresholds are on
//! this scale (see [`super::fellegi_sunter`]).

use serde::{Deserialize, Serialize};

use super::compare::{CompareField, Comparison, IdLevel, NameLevel};
pub use super::compare::{FIELDS, LEVELS};
use super::fellegi_sunter;
use super::priors::Overrides;

/// A pair's comparison level per field, as indices into [`LEVELS`].
pub type Levels = [u8; 5];

impl Comparison {
    pub fn levels(&self) -> Levels {
        let mut levels = [0; 5];
        levels[CompareField::Name.at()] = self.name.index();
        levels[CompareField::BirthDate.at()] = self.birth.index();
        levels[CompareField::IdNumber.at()] = self.id.index();
        levels[CompareField::Sex.at()] = self.sex.index();
        levels[CompareField::Division.at()] = self.division.index();
        levels
    }
}

// The name is weighed first (its exact level depends on the name's frequency).
const _: () = assert!(CompareField::Name.at() == 0);

/// The name is never missing; every other field's last level is.
fn is_missing(field: usize, level: u8) -> bool {
    field != CompareField::Name.at() && usize::from(level) == LEVELS[field].len() - 1
}

/// The level whose agreement the name's frequency adjusts: the names' exact agreement.
fn by_share(field: usize) -> Option<u8> {
    (field == CompareField::Name.at()).then_some(NameLevel::Exact.index())
}

/// Levels that weigh nothing: missing values, and an ID that shares only its address and
/// birth date with the other — the birth-date and division fields already count those
/// parts, and a classmate born the same day in the same county shares them too.
fn is_neutral(field: usize, level: u8) -> bool {
    is_missing(field, level)
        || (field == CompareField::IdNumber.at() && level == IdLevel::SameBirthAndPlace.index())
}

/// m and u per field and level, and the share of matches among candidate pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub lambda: f64,
    pub em_iterations: u32,
    /// Where m came from.
    pub m_source: MSource,
}

/// Where a fit's m probabilities came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MSource {
    /// Fitted by EM on the candidate pairs.
    Em,
    /// The defaults: too few candidate pairs to fit.
    Default,
}

/// One field's part of a pair's weight.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Contribution {
    pub field: &'static str,
    pub level: &'static str,
    pub weight: f64,
}

impl Params {
    /// The shared model on these parameters: no prior, no ceiling.
    pub fn model(&self) -> fellegi_sunter::Model<'_> {
        fellegi_sunter::Model {
            m: &self.m,
            u: &self.u,
            lambda: self.lambda,
            neutral: &is_neutral,
            by_share: &by_share,
            prior: false,
            ceiling: false,
        }
    }

    /// The weight of one field at one level, in bits.
    pub fn field_weight(&self, field: usize, level: u8) -> f64 {
        self.model().level_weight(field, level)
    }

    /// Each field's contribution; `name_share` is the share of people with this exact
    /// name, which replaces u when the names agree exactly.
    pub fn contributions(&self, levels: &Levels, name_share: Option<f64>) -> [Contribution; 5] {
        let model = self.model();
        std::array::from_fn(|f| Contribution {
            field: FIELDS[f],
            level: LEVELS[f][usize::from(levels[f])],
            weight: model.field_weight(f, levels[f], || name_share),
        })
    }

    /// A pair's total weight, as [`Weigher::weight`] sums it.
    pub fn weight(&self, levels: &Levels, name_share: Option<f64>) -> f64 {
        let contributions = self.contributions(levels, name_share);
        let mut weight = self.model().start();
        for c in contributions {
            weight += c.weight;
        }
        weight
    }

    /// The weights of every field level, made once per fit.
    pub fn weigher(&self) -> Weigher {
        Weigher(self.model().weigher())
    }
}

/// Scores pairs from a table of every field level's weight, made once per fit: a pair
/// costs five lookups, and the name's share only when the names agree exactly. Gives the
/// same weights as [`Params::weight`], to the bit.
pub struct Weigher(fellegi_sunter::Weigher);

impl Weigher {
    /// A pair's total weight, summed from −0.0 in field order, the name first;
    /// `name_share` is asked for only when the names agree exactly.
    pub fn weight(&self, levels: &Levels, name_share: impl FnOnce() -> Option<f64>) -> f64 {
        let mut name_share = Some(name_share);
        self.0
            .weight(levels, |_| name_share.take().and_then(|share| share()))
    }
}

/// u probabilities from the comparison levels of random pairs, smoothed so that no level
/// is impossible.
pub fn estimate_u(samples: &[Levels]) -> Vec<Vec<f64>> {
    let counts: Vec<usize> = LEVELS.iter().map(|l| l.len()).collect();
    fellegi_sunter::estimate_u(samples.iter().map(|s| &s[..]), &counts)
}

pub use fellegi_sunter::M_FLOOR;

/// Fits m (and the match share) by EM on the distinct comparison patterns of the candidate
/// pairs ([`fellegi_sunter::fit`]); the weights then use m from EM and `u` from random
/// pairs. An `ignored` field takes no part: the pairs were blocked on it, so its agreement
/// says nothing about which pairs match.
pub fn fit_m(
    patterns: &[(Levels, u64)],
    u: Vec<Vec<f64>>,
    iterations: u32,
    fixed: &Overrides,
    ignored: Option<usize>,
) -> Params {
    let fitted = fellegi_sunter::fit(
        patterns,
        &u,
        iterations,
        |f, level| is_missing(f, level) || ignored == Some(f),
        |m| fixed.apply_m(m),
    );
    Params {
        m: fitted.m,
        u,
        lambda: fitted.lambda,
        em_iterations: fitted.iterations,
        m_source: MSource::Em,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ground::rng::Rng;

    /// Draws a comparison pattern from per-field level probabilities.
    fn draw(rng: &mut Rng, probs: &[Vec<f64>]) -> Levels {
        std::array::from_fn(|f| {
            rng.pick_cumulative(&crate::ground::rng::cumulative(probs[f].iter().copied())) as u8
        })
    }

    #[test]
    fn em_recovers_m_and_u_on_pairs_with_known_truth() {
        let true_m = vec![
            vec![0.84, 0.08, 0.01, 0.04, 0.02, 0.01],
            vec![0.88, 0.02, 0.03, 0.01, 0.01, 0.02, 0.02, 0.01],
            vec![0.0, 0.35, 0.05, 0.1, 0.5],
            vec![0.97, 0.02, 0.01],
            vec![0.85, 0.1, 0.04, 0.01],
        ];
        let true_u = vec![
            vec![0.002, 0.003, 0.005, 0.015, 0.075, 0.9],
            vec![0.3, 0.002, 0.005, 0.002, 0.002, 0.016, 0.663, 0.01],
            vec![0.0, 0.0005, 0.02, 0.4795, 0.5],
            vec![0.49, 0.5, 0.01],
            vec![0.3, 0.3, 0.39, 0.01],
        ];
        let mut rng = Rng::new(42);
        let mut counts = std::collections::HashMap::new();
        let matches = 20_000;
        for i in 0..100_000 {
            let levels = if i < matches {
                draw(&mut rng, &true_m)
            } else {
                draw(&mut rng, &true_u)
            };
            *counts.entry(levels).or_insert(0u64) += 1;
        }
        let mut patterns: Vec<(Levels, u64)> = counts.into_iter().collect();
        patterns.sort();
        let random: Vec<Levels> = (0..200_000).map(|_| draw(&mut rng, &true_u)).collect();
        let params = fit_m(
            &patterns,
            estimate_u(&random),
            200,
            &Overrides::default(),
            None,
        );
        assert!(
            (params.lambda - 0.2).abs() < 0.01,
            "lambda {}",
            params.lambda
        );
        for f in 0..FIELDS.len() {
            for l in 0..LEVELS[f].len() {
                if is_missing(f, l as u8) {
                    continue;
                }
                let (got, want) = (params.m[f][l], true_m[f][l]);
                assert!(
                    (got - want).abs() < 0.03,
                    "m[{}][{}] = {got}, want {want}",
                    FIELDS[f],
                    LEVELS[f][l]
                );
                assert!((params.u[f][l] - true_u[f][l]).abs() < 0.01);
            }
        }
    }

    #[test]
    fn a_common_name_agreeing_weighs_less_than_a_rare_one() {
        let params = Params {
            m: LEVELS.iter().map(|l| vec![0.9; l.len()]).collect(),
            u: LEVELS.iter().map(|l| vec![0.01; l.len()]).collect(),
            lambda: 0.5,
            em_iterations: 0,
            m_source: MSource::Default,
        };
        let exact = [0, 0, 3, 0, 0];
        assert!(params.weight(&exact, Some(0.01)) < params.weight(&exact, Some(0.00001)));
    }

    #[test]
    fn the_weigher_gives_the_weights_of_the_parameters_to_the_bit() {
        let params = Params {
            m: LEVELS
                .iter()
                .map(|l| (0..l.len()).map(|i| 0.9 / (i + 1) as f64).collect())
                .collect(),
            u: LEVELS
                .iter()
                .map(|l| (0..l.len()).map(|i| 0.003 * (i + 1) as f64).collect())
                .collect(),
            lambda: 0.5,
            em_iterations: 0,
            m_source: MSource::Default,
        };
        let weigher = params.weigher();
        let mut levels = [0u8; 5];
        let mut checked = 0;
        loop {
            for share in [None, Some(0.02), Some(1e-12)] {
                let expected = params.weight(&levels, share);
                let got = weigher.weight(&levels, || share);
                assert_eq!(got.to_bits(), expected.to_bits(), "{levels:?} {share:?}");
                checked += 1;
            }
            // The next combination of levels, odometer-wise.
            let Some(f) = (0..5).find(|&f| usize::from(levels[f]) + 1 < LEVELS[f].len()) else {
                break;
            };
            levels[f] += 1;
            levels[..f].iter_mut().for_each(|l| *l = 0);
        }
        assert_eq!(
            checked,
            3 * LEVELS.iter().map(|l| l.len()).product::<usize>()
        );
        assert_eq!(params.field_weight(1, 7), 0.0, "missing weighs nothing");
    }
}
