//! Fuzzy linkage (SPEC §5.2–5.3) among what the exact pass left on both sides: blocking,
//! per-field comparison, Fellegi–Sunter weights with u from random pairs and m by EM, then
//! one-to-one assignment with a review band. Comparison and scoring run in parallel; the
//! result does not depend on the thread count or on row order.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::assign::{PerChild, Scored, Thresholds, assign};
use super::block::{
    BIRTH_DATE_PASS, Blocking, DEFAULT_BLOCK_CAP, NAME_PASS, PairCounts, PassStats, tally,
};
use super::compare::{Views, compare};
use super::priors::{MIN_EM_PAIRS, Overrides, default_m};
use super::weights::{Levels, MSource, Params, estimate_u, fit_m};
use crate::normalize::Text;
use crate::normalize::name_key::simplified;
use crate::rng::Rng;

/// Fuzzy linkage settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FuzzyOptions {
    pub thresholds: Thresholds,
    pub block_cap: u64,
    /// Candidate pairs weighing less are dropped after scoring (bits; at most the review
    /// threshold, so assignment never misses them).
    pub candidate_floor: f64,
    /// An exact ID agreement whose name, birth date and sex weigh less (bits) is doubted:
    /// the ID is taken as someone else's (`link::identity`).
    pub id_doubt: f64,
    pub random_pairs: usize,
    pub em_iterations: u32,
    /// Fixed m and u values from the config.
    pub fixed: Overrides,
}

impl Default for FuzzyOptions {
    fn default() -> Self {
        FuzzyOptions {
            thresholds: Thresholds {
                accept: 13.0,
                review: 10.0,
                tie_margin: 3.0,
            },
            block_cap: DEFAULT_BLOCK_CAP,
            candidate_floor: 0.0,
            id_doubt: super::identity::DEFAULT_ID_DOUBT,
            random_pairs: 50_000,
            em_iterations: 100,
            fixed: Overrides::default(),
        }
    }
}

/// A record pool at least this big gives the random pairs for u.
const MIN_SAMPLE_POOL: usize = 1000;

/// A scored candidate pair, by index into the cohort and into the source's records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    pub child: usize,
    pub record: usize,
    pub levels: Levels,
    pub weight: f64,
}

/// What fuzzy linkage found for one source.
#[derive(Clone, Debug)]
pub struct FuzzyOutcome {
    pub links: Vec<ScoredPair>,
    pub review: Vec<ScoredPair>,
    /// The scored pairs at or above the candidate floor, sorted by child then record.
    pub candidates: Vec<ScoredPair>,
    /// Pairs compared and scored.
    pub compared: u64,
    pub params: Params,
    pub blocking: Vec<PassStats>,
    /// Share of cohort children carrying each simplified name.
    pub name_shares: Arc<NameShares>,
}

impl FuzzyOutcome {
    /// The name-frequency share used for a child's exact name agreement.
    pub fn name_share(&self, name: &str) -> Option<f64> {
        self.name_shares.get(simplified(name).as_str()).copied()
    }
}

/// Share of cohort children carrying each simplified name.
pub type NameShares = FxHashMap<Text, f64>;

/// The name shares of children's simplified names.
pub fn name_shares(names: &[Text]) -> NameShares {
    let mut counts: FxHashMap<&str, u64> = FxHashMap::default();
    for name in names {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    let total = names.len().max(1) as f64;
    counts
        .into_iter()
        .map(|(name, n)| (Text::from(name), n as f64 / total))
        .collect()
}

/// One side of fuzzy linkage: every record's comparison view, the records taking part, and
/// a stable key per record for tie breaks.
pub struct Side<'s, 'a> {
    pub views: Views<'s, 'a>,
    pub pool: &'s [usize],
    pub key: &'s (dyn Fn(usize) -> String + Sync),
    /// The records that stand for themselves (not rows following another of their
    /// registration): what random pairs are drawn from when the pool is small.
    pub universe: &'s [usize],
}

/// Links the pooled records of `records` to the pooled children of `children`, each child
/// taking one record or several (`per_child`). The weights are fitted on these pairs unless
/// `fitted` gives them.
pub fn fuzzy_link(
    children: Side,
    records: Side,
    name_shares: &Arc<NameShares>,
    options: &FuzzyOptions,
    (per_child, fitted): (PerChild, Option<&Params>),
) -> FuzzyOutcome {
    let Side {
        views: children,
        pool: child_pool,
        key: child_key,
        ..
    } = children;
    let Side {
        views: records,
        pool: record_pool,
        key: record_key,
        universe,
    } = records;
    let left = |a: usize| children.get(child_pool[a]);
    let right = |b: usize| records.get(record_pool[b]);
    let mut blocking = Blocking::new(
        Views {
            len: child_pool.len(),
            view: &left,
        },
        Views {
            len: record_pool.len(),
            view: &right,
        },
        options.block_cap,
    );
    let compare_pair = |a: u32, b: u32| {
        let (i, j) = (child_pool[a as usize], record_pool[b as usize]);
        (i, j, compare(&children.get(i), &records.get(j)).levels())
    };

    let params = match fitted {
        Some(params) => params.clone(),
        None => {
            let sessions = count_patterns(&blocking, &compare_pair);
            fit(
                children,
                records,
                (record_pool, universe),
                record_key,
                &sessions,
                options,
            )
        }
    };
    // Pairs are scored as they are produced; only those at or above the floor are kept.
    let name_share = |i: usize| name_shares.get(children.get(i).name).copied();
    let weigher = params.weigher();
    let mut kept = blocking
        .pairs()
        .fold(Kept::default, |mut kept, (a, b, found_by)| {
            tally(&mut kept.by_pass, found_by);
            kept.compared += 1;
            let (child, record, levels) = compare_pair(a, b);
            let weight = weigher.weight(&levels, || name_share(child));
            if weight >= options.candidate_floor {
                kept.pairs.push(ScoredPair {
                    child,
                    record,
                    levels,
                    weight,
                });
            }
            kept
        })
        .reduce(Kept::default, Kept::merge);
    kept.pairs.par_sort_unstable_by_key(|p| (p.child, p.record));
    blocking.set_pair_counts(kept.by_pass);
    let candidates = kept.pairs;

    let scored: Vec<Scored> = candidates
        .iter()
        .map(|p| Scored {
            child: p.child as u32,
            record: p.record as u32,
            weight: p.weight,
        })
        .collect();
    let assignment = assign(&scored, options.thresholds, per_child, |a, b| {
        (child_key(a.child as usize), record_key(a.record as usize))
            .cmp(&(child_key(b.child as usize), record_key(b.record as usize)))
    });
    let pick = |indices: &[usize]| -> Vec<ScoredPair> {
        let mut v: Vec<ScoredPair> = indices.iter().map(|&i| candidates[i]).collect();
        v.sort_by_key(|p| (p.child, p.record));
        v
    };
    FuzzyOutcome {
        links: pick(&assignment.links),
        review: pick(&assignment.review),
        candidates,
        compared: kept.compared,
        params,
        blocking: blocking.stats,
        name_shares: Arc::clone(name_shares),
    }
}

/// The scored pairs kept, and how many were compared, in all and per pass.
#[derive(Default)]
struct Kept {
    pairs: Vec<ScoredPair>,
    compared: u64,
    by_pass: PairCounts,
}

impl Kept {
    fn merge(mut self, other: Kept) -> Kept {
        self.pairs.extend(other.pairs);
        self.compared += other.compared;
        for (a, b) in self.by_pass.iter_mut().zip(other.by_pass) {
            *a += b;
        }
        self
    }
}

/// How often each comparison pattern occurs among the pairs of the two EM sessions, and
/// how many pairs there are in all.
#[derive(Default)]
struct SessionPatterns {
    by_birth: FxHashMap<Levels, u64>,
    by_name: FxHashMap<Levels, u64>,
    pairs: u64,
}

impl SessionPatterns {
    fn merge(mut self, other: SessionPatterns) -> SessionPatterns {
        for (mine, theirs) in [
            (&mut self.by_birth, other.by_birth),
            (&mut self.by_name, other.by_name),
        ] {
            for (levels, n) in theirs {
                *mine.entry(levels).or_default() += n;
            }
        }
        self.pairs += other.pairs;
        self
    }
}

/// Counts the comparison patterns of the pairs each EM session fits on, walking the pairs
/// once.
fn count_patterns(
    blocking: &Blocking,
    compare_pair: &(dyn Fn(u32, u32) -> (usize, usize, Levels) + Sync),
) -> SessionPatterns {
    blocking
        .pairs()
        .fold(SessionPatterns::default, |mut s, (a, b, found_by)| {
            s.pairs += 1;
            if found_by & (BIRTH_DATE_PASS | NAME_PASS) != 0 {
                let (_, _, levels) = compare_pair(a, b);
                if found_by & BIRTH_DATE_PASS != 0 {
                    *s.by_birth.entry(levels).or_default() += 1;
                }
                if found_by & NAME_PASS != 0 {
                    *s.by_name.entry(levels).or_default() += 1;
                }
            }
            s
        })
        .reduce(SessionPatterns::default, SessionPatterns::merge)
}

/// u from random pairs of the whole cohort and the records; m by EM on the candidates, or
/// the defaults when there are too few. Records are drawn from their order by key, so the
/// sample does not depend on row order.
///
/// Blocking makes the field it blocks on agree among its pairs whether they match or not,
/// and EM on all candidates at once mistakes that agreement for matching (on a province,
/// pairs sharing a common name outnumber everything else). So EM runs twice, as Splink
/// does: on the pairs that share a birth date, not weighing the birth date, which gives m
/// for the name; and on the pairs that share a pinyin name and birth year, not weighing the
/// name, which gives m for the birth date. The other fields' m is the mean of the two.
fn fit(
    children: Views,
    records: Views,
    (record_pool, universe): (&[usize], &[usize]),
    record_key: &(dyn Fn(usize) -> String + Sync),
    patterns: &SessionPatterns,
    options: &FuzzyOptions,
) -> Params {
    let mut rng = Rng::new(0x005E_ED0F_5A4B);
    // Random records come from the pool when it is big enough to stand for the register
    // (which records the exact pass took says nothing of how names or dates agree at
    // random), else from every record standing for itself; in key order either way.
    let mut by_key: Vec<usize> = if record_pool.len() >= MIN_SAMPLE_POOL {
        record_pool.to_vec()
    } else {
        universe.to_vec()
    };
    // Ties of keys are broken by content, never by position.
    by_key.par_sort_by_cached_key(|&j| {
        let v = records.get(j);
        (
            record_key(j),
            v.id.text.clone(),
            v.name.to_string(),
            v.birth,
            v.sex,
            v.division.to_string(),
        )
    });
    // Nothing to weigh: no random pairs to sample.
    let picks: Vec<(usize, usize)> = if patterns.pairs == 0 {
        Vec::new()
    } else {
        (0..options.random_pairs)
            .map(|_| {
                (
                    rng.below(children.len as u64) as usize,
                    by_key[rng.below(by_key.len() as u64) as usize],
                )
            })
            .collect()
    };
    let random: Vec<Levels> = picks
        .par_iter()
        .map(|&(i, j)| compare(&children.get(i), &records.get(j)).levels())
        .collect();
    let mut u = estimate_u(&random);
    options.fixed.apply_u(&mut u);

    let session = |patterns: &FxHashMap<Levels, u64>, ignored: usize| -> Option<Params> {
        if patterns.values().sum::<u64>() < MIN_EM_PAIRS as u64 {
            return None;
        }
        let mut patterns: Vec<(Levels, u64)> =
            patterns.iter().map(|(&levels, &n)| (levels, n)).collect();
        patterns.sort_unstable();
        Some(fit_m(
            &patterns,
            u.clone(),
            options.em_iterations,
            &options.fixed,
            Some(ignored),
        ))
    };
    const NAME: usize = 0;
    const BIRTH: usize = 1;
    let by_birth = session(&patterns.by_birth, BIRTH);
    let by_name = session(&patterns.by_name, NAME);

    let mut m = default_m();
    let sessions = [&by_birth, &by_name];
    for (f, row) in m.iter_mut().enumerate() {
        let from: Vec<&Params> = match f {
            NAME => by_birth.iter().collect(),
            BIRTH => by_name.iter().collect(),
            _ => sessions.iter().filter_map(|s| s.as_ref()).collect(),
        };
        if !from.is_empty() {
            *row = (0..row.len())
                .map(|l| from.iter().map(|p| p.m[f][l]).sum::<f64>() / from.len() as f64)
                .collect();
        }
    }
    options.fixed.apply_m(&mut m);
    let fitted: Vec<&Params> = sessions.iter().filter_map(|s| s.as_ref()).collect();
    Params {
        m,
        u,
        lambda: fitted.first().map_or(
            patterns.pairs as f64 / (children.len * records.len).max(1) as f64,
            |p| p.lambda,
        ),
        em_iterations: fitted.iter().map(|p| p.em_iterations).max().unwrap_or(0),
        m_source: if fitted.is_empty() {
            MSource::Default
        } else {
            MSource::Em
        },
    }
}
