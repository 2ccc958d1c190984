//! Blocking: only pairs that agree on every part of at least one rule are compared. A
//! rule's parts take a field's value whole, its Soundex code, or its first or last
//! characters; a record with any part empty takes no part in that rule. A block that
//! would give more than `max_block_pairs` pairs (a default value everyone shares) is
//! left out and counted, never silently.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
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

/// A record's key under `rule`, or `None` when a part is empty.
fn key(side: &Side, rule: &[KeyPart], r: usize) -> Option<String> {
    let mut out = String::new();
    for part in rule {
        let column = &side.columns[part.field];
        let text = column.text[r].as_str();
        if text.is_empty() {
            return None;
        }
        match part.transform {
            Transform::Value => out.push_str(text),
            Transform::Soundex => {
                out.extend(column.sound.get(r)?.iter().map(|&b| char::from(b)));
            }
            Transform::First(n) => out.extend(text.chars().take(n)),
            Transform::Last(n) => {
                let skip = text.chars().count().saturating_sub(n);
                out.extend(text.chars().skip(skip));
            }
        }
        out.push('\u{1f}');
    }
    Some(out)
}

/// Each key's records, in record order.
fn blocks(side: &Side, rule: &[KeyPart]) -> FxHashMap<String, Vec<u32>> {
    let keys: Vec<Option<String>> = (0..side.len())
        .into_par_iter()
        .map(|r| key(side, rule, r))
        .collect();
    let mut map: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    for (r, k) in keys.into_iter().enumerate() {
        if let Some(k) = k {
            map.entry(k).or_default().push(r as u32);
        }
    }
    map
}

/// The candidate pairs (left, right) as `left << 32 | right`, sorted and distinct; in a
/// deduplication each pair once, the lower record on the left. Records in `settled` (one
/// flag per side) take no part.
pub fn candidate_pairs(
    spec: &LinkSpec,
    sides: &Sides,
    settled: [&[bool]; 2],
) -> (Vec<u64>, BlockCounts) {
    let mut counts = BlockCounts::default();
    let mut pairs: Vec<u64> = Vec::new();
    for rule in &spec.rules {
        let before = pairs.len();
        let left = blocks(sides.left, rule);
        let right_blocks;
        let right = if sides.dedupe {
            &left
        } else {
            right_blocks = blocks(sides.right, rule);
            &right_blocks
        };
        let mut found: Vec<(&String, &Vec<u32>, &Vec<u32>)> = left
            .iter()
            .filter_map(|(k, ls)| right.get(k).map(|rs| (k, ls, rs)))
            .collect();
        found.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (_, ls, rs) in found {
            let ls: Vec<u32> = ls
                .iter()
                .copied()
                .filter(|&l| !settled[0][l as usize])
                .collect();
            let rs: Vec<u32> = rs
                .iter()
                .copied()
                .filter(|&r| !settled[1][r as usize])
                .collect();
            let size = if sides.dedupe {
                (ls.len() as u64 * ls.len().saturating_sub(1) as u64) / 2
            } else {
                ls.len() as u64 * rs.len() as u64
            };
            if size > spec.max_block_pairs {
                counts.blocks_skipped += 1;
                counts.pairs_skipped += size;
                continue;
            }
            for (i, &l) in ls.iter().enumerate() {
                if sides.dedupe {
                    pairs.extend(
                        ls[i + 1..]
                            .iter()
                            .map(|&r| u64::from(l) << 32 | u64::from(r)),
                    );
                } else {
                    pairs.extend(rs.iter().map(|&r| u64::from(l) << 32 | u64::from(r)));
                }
            }
        }
        counts.per_rule.push((pairs.len() - before) as u64);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    counts.pairs = pairs.len() as u64;
    (pairs, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairlink::kinds::Kind;
    use crate::pairlink::{Column, FieldSpec};
    use compact_str::CompactString;

    fn side(names: &[&str]) -> Side {
        let text: Vec<CompactString> = names.iter().map(|&n| CompactString::from(n)).collect();
        Side {
            name: "t".into(),
            keys: text.clone(),
            lines: (0..names.len() as u64).collect(),
            columns: vec![Column {
                sound: text
                    .iter()
                    .map(|t| super::super::kinds::soundex(t))
                    .collect(),
                text,
                number: Vec::new(),
            }],
        }
    }

    fn spec(rules: Vec<Vec<KeyPart>>, max: u64) -> LinkSpec {
        LinkSpec {
            fields: vec![FieldSpec {
                name: "name".into(),
                kind: Kind::LatinName,
                columns: ["name".into(), "name".into()],
                tf: false,
                tolerance: 0.0,
            }],
            ids: [None, None],
            exact: Vec::new(),
            rules,
            max_block_pairs: max,
            accept: 0.0,
            review: 0.0,
            tie_margin: 0.0,
            candidate_floor: 0.0,
            em_iterations: 1,
            random_pairs: 1,
            read: Default::default(),
        }
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
