//! Which pairs link. Exact keys first: records agreeing on every exact-key field link
//! when that key is unique on each side (a key shared by two records on one side decides
//! nothing and is left to scoring). Then, linking two files, scored pairs are assigned
//! one-to-one by the registers' assignment (best weight first, ties within the margin to
//! review, ties broken by record keys, never by position). Deduplicating one file,
//! every pair at or above the accept threshold joins its two records' clusters.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use super::{LinkSpec, Side, Sides};
use crate::link::assign::{PerChild, Scored, Thresholds, assign};

/// The decisions, as indices into the scored pairs.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    pub links: Vec<usize>,
    pub review: Vec<usize>,
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

/// Decides the scored pairs.
pub fn decide(spec: &LinkSpec, sides: &Sides, pairs: &[u64], weights: &[f64]) -> Decision {
    let split = |p: u64| ((p >> 32) as usize, (p & 0xffff_ffff) as usize);
    if sides.dedupe {
        return dedupe(spec, sides.left.len(), pairs, weights);
    }
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
    }
}

/// Decides the pairs of one file. A pair at or above the accept threshold links when it
/// is, within the tie margin, the best pair of both its records; otherwise it goes to
/// review. Copies of one record are each other's best; a twin (everything equal but one
/// character of the name) is less like either copy than they are like each other, so it
/// joins neither's cluster by way of them.
fn dedupe(spec: &LinkSpec, records: usize, pairs: &[u64], weights: &[f64]) -> Decision {
    let split = |p: u64| ((p >> 32) as usize, (p & 0xffff_ffff) as usize);
    let mut best = vec![f64::NEG_INFINITY; records];
    for (&p, &w) in pairs.iter().zip(weights) {
        let (a, b) = split(p);
        best[a] = best[a].max(w);
        best[b] = best[b].max(w);
    }
    let mut decision = Decision::default();
    for (i, (&p, &w)) in pairs.iter().zip(weights).enumerate() {
        let (a, b) = split(p);
        let best_of_both = w >= best[a] - spec.tie_margin && w >= best[b] - spec.tie_margin;
        if w >= spec.accept && best_of_both {
            decision.links.push(i);
        } else if w >= spec.review {
            decision.review.push(i);
        }
    }
    decision
}

/// Clusters of a deduplicated file: each record's cluster, named by the smallest record
/// index in it, from the exact links and the linked pairs.
pub fn clusters(records: usize, links: impl IntoIterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..records as u32).collect();
    fn root(parent: &mut [u32], mut r: u32) -> u32 {
        while parent[r as usize] != r {
            parent[r as usize] = parent[parent[r as usize] as usize];
            r = parent[r as usize];
        }
        r
    }
    for (a, b) in links {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        let (low, high) = (ra.min(rb), ra.max(rb));
        parent[high as usize] = low;
    }
    (0..records as u32).map(|r| root(&mut parent, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairlink::kinds::Kind;
    use crate::pairlink::testing::{self, side};

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

    #[test]
    fn clusters_join_chains_and_are_named_by_their_first_record() {
        assert_eq!(
            clusters(6, [(4, 2), (2, 5), (0, 1)]),
            vec![0, 0, 2, 3, 2, 2]
        );
        assert_eq!(clusters(3, []), vec![0, 1, 2]);
    }
}
