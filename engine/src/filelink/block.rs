//! Blocking: only pairs that agree on every part of at least one rule are compared. A
//! rule's parts take a field's value whole, its Soundex code, or its first or last
//! characters; a record with any part empty takes no part in that rule. A block that
//! would give more than `max_block_pairs` pairs (a default value everyone shares) is
//! left out and counted, never silently.

use rayon::prelude::*;
use std::hash::Hasher;

use rustc_hash::FxHasher;
use serde::Serialize;

use super::{KeyPart, LinkSpec, Side, Sides, Transform};

/// What blocking did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BlockCounts {
    /// Distinct pairs to compare.
    pub pairs: u64,
    /// Pairs each rule gave, repeats across rules included.
    pub per_rule: Vec<u64>,
    /// Blocks left out for their size, and the pairs they held.
    pub blocks_skipped: u64,
    pub pairs_skipped: u64,
}

/// A record's key under `rule`, hashed, or `None` when a part is empty. Two keys that
/// collide only merge two blocks: more pairs are compared, none is lost.
fn key(side: &Side, rule: &[KeyPart], r: usize) -> Option<u64> {
    let mut hasher = FxHasher::default();
    for part in rule {
        let column = &side.columns[part.field];
        let text = column.text[r].as_str();
        if text.is_empty() {
            return None;
        }
        match part.transform {
            Transform::Value => hasher.write(text.as_bytes()),
            Transform::Soundex => hasher.write(column.sound.get(r)?),
            Transform::First(n) => {
                let end = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
                hasher.write(&text.as_bytes()[..end]);
            }
            Transform::Last(n) => {
                let count = text.chars().count();
                let start = text
                    .char_indices()
                    .nth(count.saturating_sub(n))
                    .map_or(0, |(i, _)| i);
                hasher.write(&text.as_bytes()[start..]);
            }
        }
        hasher.write_u8(0x1f);
    }
    Some(hasher.finish())
}

/// Each record's key, with the record, sorted by key then record: a block is a run of
/// one key. Settled records and records with an empty part are left out.
fn keyed(side: &Side, rule: &[KeyPart], settled: &[bool]) -> Vec<(u64, u32)> {
    let mut keys: Vec<(u64, u32)> = (0..side.len())
        .into_par_iter()
        .filter(|&r| !settled[r])
        .filter_map(|r| key(side, rule, r).map(|k| (k, r as u32)))
        .collect();
    keys.par_sort_unstable();
    keys
}

/// The runs of equal keys in a sorted list, as ranges.
fn runs(keys: &[(u64, u32)]) -> impl Iterator<Item = (u64, std::ops::Range<usize>)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        let &(key, _) = keys.get(start)?;
        let end = start + keys[start..].partition_point(|&(k, _)| k == key);
        let run = (key, start..end);
        start = end;
        Some(run)
    })
}

/// The candidate pairs (left, right) as `left << 32 | right`, sorted and distinct; in a
/// deduplication each pair once, the lower record on the left. Records in `settled` (one
/// flag per side) take no part. Blocks are found by sorting each side's keys and walking
/// the two lists together.
pub fn candidate_pairs(
    spec: &LinkSpec,
    sides: &Sides,
    settled: [&[bool]; 2],
) -> (Vec<u64>, BlockCounts) {
    let mut counts = BlockCounts::default();
    // Each rule's pairs apart, then laid end to end once: growing one list rule by rule
    // copied it again at every rule.
    let mut per_rule: Vec<Vec<u64>> = Vec::new();
    for rule in &spec.rules {
        let left = keyed(sides.left, rule, settled[0]);
        let right_keys;
        let right = if sides.dedupe {
            &left
        } else {
            right_keys = keyed(sides.right, rule, settled[1]);
            &right_keys
        };
        // Blocks present on both sides, with their sizes.
        let mut blocks = Vec::new();
        let mut right_runs = runs(right).peekable();
        for (key, ls) in runs(&left) {
            while right_runs.peek().is_some_and(|(k, _)| *k < key) {
                right_runs.next();
            }
            if let Some((_, rs)) = right_runs.peek().filter(|(k, _)| *k == key) {
                blocks.push((ls, rs.clone()));
            }
        }
        let size = |(ls, rs): &(std::ops::Range<usize>, std::ops::Range<usize>)| {
            if sides.dedupe {
                (ls.len() as u64 * ls.len().saturating_sub(1) as u64) / 2
            } else {
                ls.len() as u64 * rs.len() as u64
            }
        };
        let (kept, skipped): (Vec<_>, Vec<_>) = blocks
            .into_iter()
            .partition(|b| size(b) <= spec.max_block_pairs);
        counts.blocks_skipped += skipped.len() as u64;
        counts.pairs_skipped += skipped.iter().map(size).sum::<u64>();
        let mut pairs = Vec::with_capacity(kept.iter().map(size).sum::<u64>() as usize);
        for (ls, rs) in kept {
            let (ls, rs) = (&left[ls], &right[rs]);
            for (i, &(_, l)) in ls.iter().enumerate() {
                let others = if sides.dedupe { &ls[i + 1..] } else { rs };
                pairs.extend(
                    others
                        .iter()
                        .map(|&(_, r)| u64::from(l) << 32 | u64::from(r)),
                );
            }
        }
        counts.per_rule.push(pairs.len() as u64);
        per_rule.push(pairs);
    }
    let mut pairs = Vec::with_capacity(per_rule.iter().map(Vec::len).sum());
    for rule in per_rule {
        pairs.extend_from_slice(&rule);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    counts.pairs = pairs.len() as u64;
    (pairs, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filelink::kinds::Kind;
    use crate::filelink::testing::{self, side};

    fn spec(rules: Vec<Vec<KeyPart>>, max: u64) -> LinkSpec {
        testing::spec(Kind::LatinName, rules, max)
    }

    const SOUND: KeyPart = KeyPart {
        field: 0,
        transform: Transform::Soundex,
    };
    const FIRST2: KeyPart = KeyPart {
        field: 0,
        transform: Transform::First(2),
    };

    #[test]
    fn rules_are_united_and_pairs_distinct() {
        let (l, r) = (
            side(&["robert", "smith", ""]),
            side(&["rupert", "smyth", "roberts", "x"]),
        );
        let sides = Sides {
            left: &l,
            right: &r,
            dedupe: false,
        };
        let none = [&[false; 3][..], &[false; 4][..]];
        let (pairs, counts) =
            candidate_pairs(&spec(vec![vec![SOUND], vec![FIRST2]], 100), &sides, none);
        let pairs: Vec<(u64, u64)> = pairs.iter().map(|p| (p >> 32, p & 0xffff_ffff)).collect();
        // robert~rupert and robert~roberts (R163, and ro), smith~smyth (S530 and sm).
        assert_eq!(pairs, vec![(0, 0), (0, 2), (1, 1)]);
        assert_eq!(counts.per_rule, vec![3, 2]);
        let settled = [&[true, false, false][..], &[false; 4][..]];
        let (pairs, _) = candidate_pairs(&spec(vec![vec![SOUND]], 100), &sides, settled);
        assert_eq!(pairs, vec![1 << 32 | 1]);
    }

    #[test]
    fn an_oversized_block_is_counted_not_compared() {
        let l = side(&["ann", "ann", "bo"]);
        let sides = Sides {
            left: &l,
            right: &l,
            dedupe: true,
        };
        let none = [&[false; 3][..], &[false; 3][..]];
        let value = KeyPart {
            field: 0,
            transform: Transform::Value,
        };
        let (pairs, counts) = candidate_pairs(&spec(vec![vec![value]], 1), &sides, none);
        assert_eq!(pairs, vec![1]);
        let (pairs, counts2) = candidate_pairs(&spec(vec![vec![value]], 0), &sides, none);
        assert!(pairs.is_empty());
        assert_eq!(
            (
                counts.blocks_skipped,
                counts2.blocks_skipped,
                counts2.pairs_skipped
            ),
            (0, 1, 1)
        );
    }
}
