//! Linkage of encoded rows: the blocked pairs compared by Dice levels, weighed by the
//! shared Fellegi–Sunter model (u from random pairs, m by EM on the candidates, in the two
//! sessions a run fits in so that a field blocked on is not mistaken for matching), then
//! assigned one-to-one with a review band, as a run assigns.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::block::{BIRTH_PASS, BlockStats, NAME_PASS, candidates};
use super::compare::{
    BIRTH_FIELD, FIELDS, ID_FIELD, LEVELS, Levels, NAME_FIELD, another_persons, compare, is_missing,
};
use super::pool::Entry;
use crate::ground::rng::Rng;
use crate::pipeline::link::assign::{PerChild, Scored, Thresholds, assign};
use crate::pipeline::link::fellegi_sunter::{self, Model};
use crate::pipeline::link::priors::MIN_EM_PAIRS;

/// Settings of the encoded linkage.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub thresholds: Thresholds,
    pub name_bits: usize,
    pub block_cap: u64,
    pub random_pairs: usize,
    pub em_iterations: u32,
}

/// A weighed pair, by index into the children and the records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weighed {
    pub child: u32,
    pub record: u32,
    pub levels: Levels,
    pub weight: f64,
}

/// The fitted model, as the manifest records it.
#[derive(Clone, Debug, Serialize)]
pub struct Fit {
    pub fields: [&'static str; 5],
    pub levels: [&'static [&'static str]; 5],
    /// m and u per level; those of the levels that are there are shares of the pairs
    /// where the field is there.
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// The random pairs u was estimated from (0 when it was given).
    pub random_pairs: usize,
    pub lambda: f64,
    pub em_iterations: u32,
    /// `em`, or `default` when the candidates were too few to fit on.
    pub m_source: &'static str,
}

/// What linking one side of records found.
pub struct Linked {
    pub links: Vec<Weighed>,
    pub review: Vec<Weighed>,
    pub compared: u64,
    pub fit: Fit,
    pub blocking: BlockStats,
}

/// Links `children` to `records` (`per_child`: how many records a child may take), with
/// u estimated here or `given` (another side's, when this one has too few records to
/// draw random pairs from).
pub fn link(
    children: &[Entry],
    records: &[Entry],
    settings: &Settings,
    (per_child, given): (PerChild, Option<&[Vec<f64>]>),
) -> Linked {
    let (blocked, blocking) = candidates(
        (children, records),
        settings.name_bits,
        settings.block_cap,
        |child, record| !another_persons(child, record),
    );
    let compared: Vec<(Levels, u8)> = blocked
        .par_iter()
        .map(|c| {
            (
                compare(&children[c.child as usize], &records[c.record as usize]),
                c.passes,
            )
        })
        .collect();
    let fit = fit(children, records, &compared, (settings, given));
    let neutral = super::compare::is_neutral;
    let model = Model {
        m: &fit.m,
        u: &fit.u,
        lambda: fit.lambda,
        neutral: &neutral,
        by_share: &|_| None,
        prior: false,
        ceiling: false,
    };
    let weigher = model.weigher();
    let weighed: Vec<Weighed> = blocked
        .iter()
        .zip(&compared)
        .map(|(c, (levels, _))| Weighed {
            child: c.child,
            record: c.record,
            levels: *levels,
            weight: weigher.weight(levels, |_| None),
        })
        .collect();
    let scored: Vec<Scored> = weighed
        .iter()
        .map(|w| Scored {
            child: w.child,
            record: w.record,
            weight: w.weight,
        })
        .collect();
    // Sides are in content order: their indices are stable keys.
    let assignment = assign(&scored, settings.thresholds, per_child, |a, b| {
        (a.child, a.record).cmp(&(b.child, b.record))
    });
    let pick = |indices: &[usize]| -> Vec<Weighed> {
        let mut v: Vec<Weighed> = indices.iter().map(|&i| weighed[i]).collect();
        v.sort_by_key(|w| (w.child, w.record));
        v
    };
    Linked {
        links: pick(&assignment.links),
        review: pick(&assignment.review),
        compared: weighed.len() as u64,
        fit,
        blocking,
    }
}

/// u from random pairs of a child and a record of two provinces, but those with the same
/// ID number: among the reconcile's few children and records, a random pair is the same
/// child one time in a few thousand, which would make agreeing on the ID or the name seem
/// that common by chance; m by EM, on the pairs a
/// birth-date pass found without the birth date (m of the name) and on those a name pass
/// found without the name (m of the birth date), the other fields' m the mean of the two;
/// the defaults when a session has too few pairs.
fn fit(
    children: &[Entry],
    records: &[Entry],
    compared: &[(Levels, u8)],
    (s, given): (&Settings, Option<&[Vec<f64>]>),
) -> Fit {
    let counts: Vec<usize> = LEVELS.iter().map(|l| l.len()).collect();
    let (u, random_pairs) = match given {
        Some(u) => (u.to_vec(), 0),
        None => {
            let random = random_levels(children, records, s.random_pairs);
            let mut u = fellegi_sunter::estimate_u(random.iter().map(|l| &l[..]), &counts);
            over_present(&mut u);
            (u, random.len())
        }
    };
    let session = |pass: u8, ignored: usize| -> Option<fellegi_sunter::Fitted> {
        let mut patterns: FxHashMap<Levels, u64> = FxHashMap::default();
        for (levels, passes) in compared {
            if passes & pass != 0 {
                *patterns.entry(*levels).or_default() += 1;
            }
        }
        if patterns.values().sum::<u64>() < MIN_EM_PAIRS as u64 {
            return None;
        }
        let mut patterns: Vec<(Levels, u64)> = patterns.into_iter().collect();
        patterns.sort_unstable();
        Some(fellegi_sunter::fit(
            &patterns,
            &u,
            s.em_iterations,
            |f, level| is_missing(f, level) || f == ignored,
            |_| {},
        ))
    };
    let by_birth = session(BIRTH_PASS, BIRTH_FIELD);
    let by_name = session(NAME_PASS, NAME_FIELD);
    let mut m = default_m();
    for (f, row) in m.iter_mut().enumerate() {
        let from: Vec<&fellegi_sunter::Fitted> = match f {
            NAME_FIELD => by_birth.iter().collect(),
            BIRTH_FIELD => by_name.iter().collect(),
            _ => by_birth.iter().chain(by_name.iter()).collect(),
        };
        if !from.is_empty() {
            *row = (0..row.len())
                .map(|l| from.iter().map(|p| p.m[f][l]).sum::<f64>() / from.len() as f64)
                .collect();
        }
    }
    over_present(&mut m);
    // Disagreement never counts for a match: a level rare among random pairs (an ID that
    // shares nothing with a child's, which only a number failing its check can show)
    // would otherwise weigh for one by the smoothing of its u.
    for (f, levels) in LEVELS.iter().enumerate() {
        if let Some(l) = levels.iter().position(|l| *l == "different") {
            m[f][l] = m[f][l].min(u[f][l]);
        }
    }
    let fitted: Vec<&fellegi_sunter::Fitted> = by_birth.iter().chain(by_name.iter()).collect();
    Fit {
        fields: FIELDS,
        levels: LEVELS,
        m,
        u,
        random_pairs,
        lambda: fitted.first().map_or(0.0, |f| f.lambda),
        em_iterations: fitted.iter().map(|f| f.iterations).max().unwrap_or(0),
        m_source: if fitted.is_empty() { "default" } else { "em" },
    }
}

/// Each field's probabilities of the levels that are there made shares of the pairs where
/// the field is there (the last level, missing, left as it is). A missing value weighs
/// nothing; counted in, missing values would make every level that is there look rare:
/// among random pairs most names are missing (two birth years, no salt in common).
fn over_present(rows: &mut [Vec<f64>]) {
    for row in rows {
        let last = row.len() - 1;
        let there = (1.0 - row[last]).max(f64::MIN_POSITIVE);
        for p in &mut row[..last] {
            *p /= there;
        }
    }
}

/// m per field and level when EM has too little to fit on: what it finds on generated
/// countries, rounded. A true pair's division differs as a rule (the child studies in
/// another province).
fn default_m() -> Vec<Vec<f64>> {
    vec![
        vec![0.88, 0.05, 0.03, 0.02, 0.015, 0.005],
        vec![0.93, 0.03, 0.02, 0.01, 0.01],
        vec![0.6, 0.05, 0.05, 0.05, 0.25],
        vec![0.98, 0.01, 0.01],
        vec![0.03, 0.02, 0.9, 0.05],
    ]
}

/// The levels of random pairs of rows of two provinces but those with the same ID,
/// drawn from the sides in their content order (so the sample does not depend on row
/// order).
fn random_levels(children: &[Entry], records: &[Entry], n: usize) -> Vec<Levels> {
    if children.is_empty() || records.is_empty() {
        return Vec::new();
    }
    let mut rng = Rng::new(0x0E0C_0DED_5EED);
    let mut picks = Vec::with_capacity(n);
    // A bounded number of draws: two sides of one province only draw nothing.
    for _ in 0..n * 4 {
        if picks.len() == n {
            break;
        }
        let (i, j) = (
            rng.below(children.len() as u64) as usize,
            rng.below(records.len() as u64) as usize,
        );
        if children[i].run != records[j].run {
            picks.push((i, j));
        }
    }
    picks
        .par_iter()
        .map(|&(i, j)| compare(&children[i], &records[j]))
        .filter(|levels| levels[ID_FIELD] != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::normalize::values::Sex;

    /// A filter of `words` words with about a quarter of its bits set.
    fn filter(rng: &mut Rng, words: usize) -> Vec<u64> {
        (0..words)
            .map(|_| rng.next_u64() & rng.next_u64())
            .collect()
    }

    fn entry(run: u8, row: u32, id: u64, name: Vec<u64>, birth: Vec<u64>) -> Entry {
        Entry {
            row,
            names: vec![(2015, name)],
            birth: Some(birth),
            sex: if row % 2 == 0 { Sex::Male } else { Sex::Female },
            division: format!("{}0102", 11 + run),
            ..Entry::bare(run, id)
        }
    }

    #[test]
    fn children_meet_their_records_by_token_or_by_filters_and_em_fits() {
        let mut rng = Rng::new(5);
        let n = 600;
        let children: Vec<Entry> = (0..n)
            .map(|i| {
                let (name, birth) = (filter(&mut rng, 16), filter(&mut rng, 16));
                entry(0, i, 1000 + u64::from(i), name, birth)
            })
            .collect();
        // Record i is child i: a third by its ID, a third without an ID, a third without
        // an ID and with a few bits of its name off; then as many records of no child.
        let mut records: Vec<Entry> = children
            .iter()
            .map(|c| {
                let mut r = entry(
                    1,
                    c.row,
                    c.id,
                    c.names[0].1.clone(),
                    c.birth.clone().unwrap(),
                );
                r.sex = c.sex;
                if c.row % 3 != 0 {
                    (r.id, r.token) = (0, 0);
                }
                if c.row % 3 == 2 {
                    for w in r.names[0].1.iter_mut().step_by(5) {
                        *w &= !(*w & w.wrapping_neg());
                    }
                }
                r
            })
            .collect();
        records.extend((0..n).map(|i| {
            let (name, birth) = (filter(&mut rng, 16), filter(&mut rng, 16));
            entry(1, n + i, 0, name, birth)
        }));
        let settings = Settings {
            thresholds: Thresholds {
                accept: 13.0,
                review: 10.0,
                tie_margin: 3.0,
            },
            name_bits: 1024,
            block_cap: 200_000,
            random_pairs: 20_000,
            em_iterations: 100,
        };
        let linked = link(&children, &records, &settings, (PerChild::Many, None));
        assert_eq!(linked.fit.m_source, "em");
        let pairs: Vec<(u32, u32)> = linked.links.iter().map(|l| (l.child, l.record)).collect();
        let expected: Vec<(u32, u32)> = (0..n).map(|i| (i, i)).collect();
        assert_eq!(pairs, expected);
        assert!(linked.review.is_empty());
        // No level of disagreement weighs for a match.
        for (f, levels) in LEVELS.iter().enumerate() {
            let l = levels.iter().position(|l| *l == "different").unwrap();
            assert!(linked.fit.m[f][l] <= linked.fit.u[f][l], "{}", FIELDS[f]);
        }
        // Poverty members, one a child, too few to draw u from: the students' u.
        let members: Vec<Entry> = records[..50].to_vec();
        let poor = link(
            &children,
            &members,
            &settings,
            (PerChild::One, Some(&linked.fit.u)),
        );
        assert_eq!(poor.fit.u, linked.fit.u);
        let pairs: Vec<(u32, u32)> = poor.links.iter().map(|l| (l.child, l.record)).collect();
        assert_eq!(pairs, (0..50).map(|i| (i, i)).collect::<Vec<_>>());
    }
}
