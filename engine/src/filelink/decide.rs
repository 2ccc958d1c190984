//! Which pairs link. Exact keys first: records agreeing on every exact-key field link
//! when that key is unique on each side (a key shared by two records on one side decides
//! nothing and is left to scoring). Then, linking two files, scored pairs are assigned
//! one-to-one by the registers' assignment (best weight first, ties within the margin to
//! review, ties broken by record keys, never by position). Deduplicating one file,
//! every pair at or above the accept threshold joins its two records' clusters, which are
//! split where two of their records are not alike ([`super::cluster`]).

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use super::cluster::{Join, cluster};
use super::{LinkSpec, Side, Sides};
use crate::pipeline::link::assign::{PerChild, Scored, Thresholds, assign};

/// The decisions, as indices into the scored pairs.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    pub links: Vec<usize>,
    pub review: Vec<usize>,
    /// Deduplicating, each record's cluster (named by its first record in key order) and
    /// how many clusters were split; empty linking two files.
    pub clusters: Vec<u32>,
    pub splits: u64,
}

/// The exact-key value of record `r`, or `None` when a key field is empty.
fn exact_key(spec: &LinkSpec, side: &Side, r: usize) -> Option<String> {
    let mut key = String::new();
    for &f in &spec.exact {
        let text = side.columns[f].text[r].as_str();
        if text.is_empty() {
            return None;
        }
        key.push_str(text);
        key.push('\u{1f}');
    }
    Some(key)
}

fn by_key(spec: &LinkSpec, side: &Side) -> FxHashMap<String, Vec<u32>> {
    let mut map: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    if spec.exact.is_empty() {
        return map;
    }
    for r in 0..side.len() {
        if let Some(k) = exact_key(spec, side, r) {
            map.entry(k).or_default().push(r as u32);
        }
    }
    map
}

/// Links on the exact keys; returns the links, sorted, and which records they settled
/// on each side.
pub fn exact_links(spec: &LinkSpec, sides: &Sides) -> (Vec<(u32, u32)>, [Vec<bool>; 2]) {
    let mut settled = [
        vec![false; sides.left.len()],
        vec![false; sides.right.len()],
    ];
    let mut links = Vec::new();
    let left = by_key(spec, sides.left);
    if sides.dedupe {
        for group in left.values().filter(|g| g.len() > 1) {
            links.extend(group[1..].iter().map(|&r| (group[0], r)));
            for &r in group {
                settled[0][r as usize] = true;
                settled[1][r as usize] = true;
            }
        }
    } else {
        let right = by_key(spec, sides.right);
        for (k, ls) in &left {
            if let (1, Some(rs)) = (ls.len(), right.get(k)) {
                if rs.len() == 1 {
                    links.push((ls[0], rs[0]));
                    settled[0][ls[0] as usize] = true;
                    settled[1][rs[0] as usize] = true;
                }
            }
        }
    }
    links.sort_unstable();
    (links, settled)
}

/// Orders two records of a side by key, then line.
fn record_order(side: &Side, a: usize, b: usize) -> Ordering {
    side.keys[a]
        .cmp(&side.keys[b])
        .then(side.lines[a].cmp(&side.lines[b]))
}

/// Decides the scored pairs of two files.
pub fn decide(spec: &LinkSpec, sides: &Sides, pairs: &[u64], weights: &[f64]) -> Decision {
    let split = |p: u64| ((p >> 32) as usize, (p & 0xffff_ffff) as usize);
    // Only pairs in the review band or above take part; most candidates are far below.
    let kept: Vec<usize> = (0..pairs.len())
        .filter(|&i| weights[i] >= spec.review)
        .collect();
    let scored: Vec<Scored> = kept
        .iter()
        .map(|&i| {
            let (l, r) = split(pairs[i]);
            Scored {
                child: l as u32,
                record: r as u32,
                weight: weights[i],
            }
        })
        .collect();
    let thresholds = Thresholds {
        accept: spec.accept,
        review: spec.review,
        tie_margin: spec.tie_margin,
    };
    let assignment = assign(&scored, thresholds, PerChild::One, |a, b| {
        record_order(sides.left, a.child as usize, b.child as usize)
            .then_with(|| record_order(sides.right, a.record as usize, b.record as usize))
    });
    Decision {
        links: assignment.links.iter().map(|&i| kept[i]).collect(),
        review: assignment.review.iter().map(|&i| kept[i]).collect(),
        ..Decision::default()
    }
}

/// Decides the pairs of one file. Every pair at or above the accept threshold and every
/// exact link joins two records' clusters; two records are alike when they share an exact
/// key or weigh at least the review threshold with each other (`weigh`, on every field,
/// whether or not blocking paired them). The links are the joining pairs whose records
/// stay in one cluster; review, the pairs at or above the review threshold whose records
/// end in two (an accepted pair cut by a split among them).
pub fn dedupe(
    spec: &LinkSpec,
    side: &Side,
    exact: &[(u32, u32)],
    pairs: &[u64],
    weights: &[f64],
    weigh: impl Fn(u32, u32) -> f64 + Sync,
) -> Decision {
    let split = |p: u64| ((p >> 32) as u32, (p & 0xffff_ffff) as u32);
    // Exact links join each record of a key to the key's first record.
    let mut key_group = vec![u32::MAX; side.len()];
    for &(first, r) in exact {
        key_group[first as usize] = first;
        key_group[r as usize] = first;
    }
    let mut joins: Vec<Join> = exact
        .iter()
        .map(|&(a, b)| Join {
            a,
            b,
            weight: f64::INFINITY,
        })
        .collect();
    joins.extend(
        pairs
            .iter()
            .zip(weights)
            .filter(|&(_, &w)| w >= spec.accept)
            .map(|(&p, &weight)| {
                let (a, b) = split(p);
                Join { a, b, weight }
            }),
    );
    let mut rank = vec![0u32; side.len()];
    for (i, r) in side.key_order().into_iter().enumerate() {
        rank[r as usize] = i as u32;
    }
    let alike = |a: u32, b: u32| {
        let group = key_group[a as usize];
        (group != u32::MAX && group == key_group[b as usize])
            || weigh(a.min(b), a.max(b)) >= spec.review
    };
    let clusters = cluster(side.len(), &joins, &rank, alike);
    let mut decision = Decision::default();
    for (i, (&p, &w)) in pairs.iter().zip(weights).enumerate() {
        let (a, b) = split(p);
        let together = clusters.of[a as usize] == clusters.of[b as usize];
        if together && w >= spec.accept {
            decision.links.push(i);
        } else if !together && w >= spec.review {
            decision.review.push(i);
        }
    }
    decision.clusters = clusters.of;
    decision.splits = clusters.splits;
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filelink::kinds::Kind;
    use crate::filelink::testing::{self, side};

    #[test]
    fn an_exact_key_links_only_when_unique_on_both_sides() {
        let mut spec = testing::spec(Kind::Identifier, Vec::new(), 1);
        spec.exact = vec![0];
        // A7 is unique on both sides; B2 twice on the right; an empty key decides nothing.
        let (left, right) = (
            side(&["A7", "B2", "", "C9"]),
            side(&["B2", "C8", "A7", "B2", ""]),
        );
        let sides = Sides {
            left: &left,
            right: &right,
            dedupe: false,
        };
        let (links, settled) = exact_links(&spec, &sides);
        assert_eq!(links, vec![(0, 2)]);
        assert_eq!(settled[0], vec![true, false, false, false]);
        assert_eq!(settled[1], vec![false, false, true, false, false]);
        // Deduplicating, every record sharing a key joins the first.
        let one = side(&["B2", "A7", "B2", "B2", ""]);
        let sides = Sides {
            left: &one,
            right: &one,
            dedupe: true,
        };
        let (links, _) = exact_links(&spec, &sides);
        assert_eq!(links, vec![(0, 2), (0, 3)]);
    }
}
