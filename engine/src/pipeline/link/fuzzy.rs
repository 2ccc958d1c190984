//! Fuzzy linkage (docs/matching.md) among what the exact pass left on both sides: blocking,
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
use super::compare::{CompareView, IdLevel, Views, compare, compare_ids, within_one_typo};
use super::priors::{MIN_EM_PAIRS, Overrides, default_m};
use super::weights::{Levels, MSource, Params, estimate_u, fit_m};
use crate::ground::rng::Rng;
use crate::pipeline::normalize::Text;
use crate::pipeline::normalize::name_key::simplified;

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
        self.name_shares.get(simplified(name).as_str())
    }
}

/// Share of cohort children carrying each simplified name, in maps each holding the names
/// of one range of hashes (so that they are counted on every core).
#[derive(Debug, Default)]
pub struct NameShares {
    shards: Vec<FxHashMap<Text, f64>>,
}

/// How many maps the name shares are spread over: a fixed number, whatever the threads.
const NAME_SHARDS: u64 = 8;

/// The map of a name's hash (bits that hash tables do not index by).
fn name_shard(hash: u64) -> usize {
    ((hash >> 32) % NAME_SHARDS) as usize
}

fn name_hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(name)
}

impl NameShares {
    /// The share of children named `name` (folded), if any is.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.shards[name_shard(name_hash(name))].get(name).copied()
    }

    /// Shares given with the names (simplified), the first of a name standing: a
    /// reconcile's, each child's name's share in the country as its province's run found.
    pub fn given<'n>(names: impl Iterator<Item = (&'n str, f64)>) -> NameShares {
        let mut shards = vec![FxHashMap::default(); NAME_SHARDS as usize];
        for (name, share) in names {
            let shard: &mut FxHashMap<Text, f64> = &mut shards[name_shard(name_hash(name))];
            shard.entry(Text::from(name)).or_insert(share);
        }
        NameShares { shards }
    }
}

/// The name shares of `len` children's simplified names (`name` gives each).
pub fn name_shares<'n>(len: usize, name: impl Fn(usize) -> &'n str + Sync) -> NameShares {
    let shards: Vec<u8> = (0..len)
        .into_par_iter()
        .map(|i| name_shard(name_hash(name(i))) as u8)
        .collect();
    let total = len.max(1) as f64;
    let shards = (0..NAME_SHARDS as usize)
        .into_par_iter()
        .map(|k| {
            // Counted as floats: exact far beyond any cohort's size.
            let mut counts: FxHashMap<Text, f64> = FxHashMap::default();
            for (i, _) in shards
                .iter()
                .enumerate()
                .filter(|(_, s)| usize::from(**s) == k)
            {
                let name = name(i);
                match counts.get_mut(name) {
                    Some(n) => *n += 1.0,
                    None => {
                        counts.insert(Text::from(name), 1.0);
                    }
                }
            }
            for n in counts.values_mut() {
                *n /= total;
            }
            counts
        })
        .collect();
    NameShares { shards }
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

/// Every pair blocking finds between the pooled children and the pooled records, with its
/// comparison levels: what the weights are fitted on and the pairs are scored from. Nothing
/// here depends on the thresholds or on m and u, so `sanku rescore` keeps it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Compared {
    /// Sorted by child, then record.
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    pub pairs: Vec<ComparedPair>,
    /// How often each pattern occurs among the pairs of each EM session, sorted.
    by_birth: Vec<(Levels, u64)>,
    by_name: Vec<(Levels, u64)>,
    /// The levels of the random pairs u is estimated from (none when the weights are
    /// given).
    random: Vec<Levels>,
    pub blocking: Vec<PassStats>,
    /// Both sides' sizes (children, records), for the prior when EM has nothing to fit.
    sides: (u64, u64),
}

/// A compared pair, by index into the cohort and into the source's records.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparedPair {
    pub child: u32,
    pub record: u32,
    pub levels: Levels,
}

impl Compared {
    /// Pairs compared.
    pub fn compared(&self) -> u64 {
        self.pairs.len() as u64
    }
}

/// Blocks the pooled children and records and compares every pair found, once; the random
/// pairs for u are compared too when the weights are to be fitted (`fit`).
pub fn compare_sides(
    children: &Side,
    records: &Side,
    options: &FuzzyOptions,
    (fit, passes): (bool, u8),
) -> Compared {
    let blocking = block_sides(children, records, options.block_cap, passes);
    compare_blocked(children, records, options, (fit, blocking))
}

/// The blocks of the pooled children and records (indices into the pools).
pub fn block_sides(children: &Side, records: &Side, cap: u64, passes: u8) -> Blocking {
    let (child_pool, record_pool) = (children.pool, records.pool);
    let (child_views, record_views) = (&children.views, &records.views);
    let left = |a: usize| child_views.get(child_pool[a]);
    let right = |b: usize| record_views.get(record_pool[b]);
    Blocking::with_passes(
        Views {
            len: child_pool.len(),
            view: &left,
        },
        Views {
            len: record_pool.len(),
            view: &right,
        },
        cap,
        passes,
    )
}

/// Compares every pair `blocking` (of the sides' pools) finds, once; the random pairs for
/// u are compared too when the weights are to be fitted (`fit`).
pub fn compare_blocked(
    children: &Side,
    records: &Side,
    options: &FuzzyOptions,
    (fit, mut blocking): (bool, Blocking),
) -> Compared {
    let (child_pool, record_pool) = (children.pool, records.pool);
    let (child_views, record_views) = (&children.views, &records.views);
    let mut walked = blocking
        .pairs()
        .fold(Walked::default, |mut w, (a, b, found_by)| {
            tally(&mut w.by_pass, found_by);
            let (child, record) = (child_pool[a as usize], record_pool[b as usize]);
            let (child_view, record_view) = (child_views.get(child), record_views.get(record));
            if another_persons(&child_view, &record_view) {
                return w;
            }
            let comparison = compare(&child_view, &record_view);
            let levels = comparison.levels();
            if found_by & BIRTH_DATE_PASS != 0 {
                *w.by_birth.entry(levels).or_default() += 1;
            }
            if found_by & NAME_PASS != 0 {
                *w.by_name.entry(levels).or_default() += 1;
            }
            w.pairs.push(ComparedPair {
                child: child as u32,
                record: record as u32,
                levels,
            });
            w
        })
        .reduce(Walked::default, Walked::merge);
    walked
        .pairs
        .par_sort_unstable_by_key(|p| (p.child, p.record));
    blocking.set_pair_counts(walked.by_pass);
    let random = if fit && !walked.pairs.is_empty() {
        random_levels(children, records, options)
    } else {
        Vec::new()
    };
    let sorted = |map: FxHashMap<Levels, u64>| {
        let mut v: Vec<(Levels, u64)> = map.into_iter().collect();
        v.sort_unstable();
        v
    };
    Compared {
        pairs: walked.pairs,
        by_birth: sorted(walked.by_birth),
        by_name: sorted(walked.by_name),
        random,
        blocking: blocking.stats,
        sides: (child_views.len as u64, record_views.len as u64),
    }
}

/// Whether the record's number says it is another person's than the child: a valid
/// number that belongs to no one and is no typo of the child's (a child the population
/// register lacks, one from elsewhere). However alike their names and birthdays, the pair
/// is no candidate, and it tells the weights nothing. In a reconcile, a child and a record
/// of one province are no pair either: that province's own run weighed them.
fn another_persons(child: &CompareView, record: &CompareView) -> bool {
    (child.origin != 0 && child.origin == record.origin)
        || record.id.class.is_usable()
            && !record.id_owned
            && compare_ids((child.id, child.id_owned), (record.id, record.id_owned))
                == IdLevel::Different
            && !within_one_typo(child.id, record.id)
}

/// A side's stable key of a record, by index, for tie breaks.
type Key<'k> = &'k (dyn Fn(usize) -> String + Sync);

/// Weighs the compared pairs (with the weights given, or fitted on them), keeps those at
/// or above the candidate floor and assigns them. `keys` are the children's and the
/// records' stable keys for tie breaks and each child's name share.
pub fn decide(
    compared: &Compared,
    (child_key, record_key, name_share): (Key, Key, &(dyn Fn(usize) -> Option<f64> + Sync)),
    name_shares: &Arc<NameShares>,
    options: &FuzzyOptions,
    (per_child, fitted): (PerChild, Option<&Params>),
) -> FuzzyOutcome {
    let params = match fitted {
        Some(params) => params.clone(),
        None => fit(compared, options),
    };
    let weigher = params.weigher();
    let candidates: Vec<ScoredPair> = compared
        .pairs
        .par_iter()
        .filter_map(|p| {
            let (child, record) = (p.child as usize, p.record as usize);
            let weight = weigher.weight(&p.levels, || name_share(child));
            (weight >= options.candidate_floor).then_some(ScoredPair {
                child,
                record,
                levels: p.levels,
                weight,
            })
        })
        .collect();

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
        compared: compared.compared(),
        params,
        blocking: compared.blocking.clone(),
        name_shares: Arc::clone(name_shares),
    }
}

/// What one walk over the blocked pairs gathers: every pair with its levels, the patterns
/// of each EM session, and the pairs per blocking pass.
#[derive(Default)]
struct Walked {
    pairs: Vec<ComparedPair>,
    by_birth: FxHashMap<Levels, u64>,
    by_name: FxHashMap<Levels, u64>,
    by_pass: PairCounts,
}

impl Walked {
    fn merge(mut self, other: Walked) -> Walked {
        self.pairs.extend(other.pairs);
        for (mine, theirs) in [
            (&mut self.by_birth, other.by_birth),
            (&mut self.by_name, other.by_name),
        ] {
            for (levels, n) in theirs {
                *mine.entry(levels).or_default() += n;
            }
        }
        for (a, b) in self.by_pass.iter_mut().zip(other.by_pass) {
            *a += b;
        }
        self
    }
}

/// The levels of random pairs of the whole cohort and the records, for u. Records are
/// drawn from their order by key, so the sample does not depend on row order.
fn random_levels(children: &Side, records: &Side, options: &FuzzyOptions) -> Vec<Levels> {
    let mut rng = Rng::new(0x005E_ED0F_5A4B);
    let (child_views, record_views) = (&children.views, &records.views);
    // Random records come from the pool when it is big enough to stand for the register
    // (which records the exact pass took says nothing of how names or dates agree at
    // random), else from every record standing for itself; in key order either way.
    let mut by_key: Vec<usize> = if records.pool.len() >= MIN_SAMPLE_POOL {
        records.pool.to_vec()
    } else {
        records.universe.to_vec()
    };
    // Ties of keys are broken by content, never by position.
    by_key.par_sort_by_cached_key(|&j| {
        let v = record_views.get(j);
        (
            (records.key)(j),
            v.id.text.clone(),
            v.name.to_string(),
            v.birth,
            v.sex,
            v.division.to_string(),
        )
    });
    let picks: Vec<(usize, usize)> = (0..options.random_pairs)
        .map(|_| {
            (
                rng.below(child_views.len as u64) as usize,
                by_key[rng.below(by_key.len() as u64) as usize],
            )
        })
        .collect();
    picks
        .par_iter()
        .map(|&(i, j)| compare(&child_views.get(i), &record_views.get(j)).levels())
        .collect()
}

/// u from the random pairs; m by EM on the compared pairs, or the defaults when there are
/// too few.
///
/// Blocking makes the field it blocks on agree among its pairs whether they match or not,
/// and EM on all candidates at once mistakes that agreement for matching (on a province,
/// pairs sharing a common name outnumber everything else). So EM runs twice, as Splink
/// does: on the pairs that share a birth date, not weighing the birth date, which gives m
/// for the name; and on the pairs that share a pinyin name and birth year, not weighing the
/// name, which gives m for the birth date. The other fields' m is the mean of the two.
fn fit(compared: &Compared, options: &FuzzyOptions) -> Params {
    let mut u = estimate_u(&compared.random);
    options.fixed.apply_u(&mut u);

    let session = |patterns: &[(Levels, u64)], ignored: usize| -> Option<Params> {
        if patterns.iter().map(|p| p.1).sum::<u64>() < MIN_EM_PAIRS as u64 {
            return None;
        }
        Some(fit_m(
            patterns,
            u.clone(),
            options.em_iterations,
            &options.fixed,
            Some(ignored),
        ))
    };
    const NAME: usize = 0;
    const BIRTH: usize = 1;
    let by_birth = session(&compared.by_birth, BIRTH);
    let by_name = session(&compared.by_name, NAME);

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
            compared.pairs.len() as f64 / (compared.sides.0 * compared.sides.1).max(1) as f64,
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
