//! Clusters of one deduplicated file. Every joining pair (a fuzzy pair at or above the
//! accept threshold, or an exact-key link) joins its two records, and the joined records
//! form clusters, however many records a person has. Chaining is guarded against: a
//! cluster is kept only when every two of its records are alike (the caller's test: they
//! weigh at least the review threshold with each other, or share an exact key); else it is
//! split at its weakest link and each part is tested again.
//!
//! The weakest link is found on the cluster's strongest tree: joining pairs taken
//! strongest first (equal weights in the order of their records' ranks) and kept when
//! they join two records not yet joined. Splitting drops the last pair kept (the weakest,
//! the latest in that order among equals), which parts the cluster in two: the same
//! parts as dropping the cluster's joining pairs weakest first until it falls apart.
//! Each cluster is named by its first record in rank order. Nothing depends on the order
//! of the records or the pairs, nor on the number of threads.

use rayon::prelude::*;

/// A pair that joins two records' clusters; `f64::INFINITY` for an exact-key link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Join {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
}

/// The clusters of a file.
#[derive(Debug, Default, PartialEq)]
pub struct Clusters {
    /// Each record's cluster, named by its first record in rank order (a record alone
    /// names its own).
    pub of: Vec<u32>,
    /// How many times a cluster was split.
    pub splits: u64,
}

/// Sets of records joined so far (union–find with path halving).
struct Sets {
    parent: Vec<u32>,
}

impl Sets {
    fn new(records: usize) -> Sets {
        Sets {
            parent: (0..records as u32).collect(),
        }
    }

    fn root(&mut self, mut r: u32) -> u32 {
        while self.parent[r as usize] != r {
            let grand = self.parent[self.parent[r as usize] as usize];
            self.parent[r as usize] = grand;
            r = grand;
        }
        r
    }

    /// Joins the sets of `a` and `b`; false when they were one already.
    fn join(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return false;
        }
        self.parent[ra.max(rb) as usize] = ra.min(rb);
        true
    }
}

/// One cluster as it is tested: its records and its tree's joins, strongest first.
struct Part {
    records: Vec<u32>,
    tree: Vec<Join>,
}

/// Clusters `records` records joined by `joins`. `rank` orders the records by a key that
/// does not depend on their position; `alike(a, b)` says whether two records may stay
/// in one cluster.
pub fn cluster(
    records: usize,
    joins: &[Join],
    rank: &[u32],
    alike: impl Fn(u32, u32) -> bool + Sync,
) -> Clusters {
    let ranked = |a: u32, b: u32| {
        let (x, y) = (rank[a as usize], rank[b as usize]);
        (x.min(y), x.max(y))
    };
    let mut order: Vec<Join> = joins.to_vec();
    order.sort_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then_with(|| ranked(x.a, x.b).cmp(&ranked(y.a, y.b)))
    });
    let mut sets = Sets::new(records);
    let tree: Vec<Join> = order.into_iter().filter(|j| sets.join(j.a, j.b)).collect();
    // The trees, one per cluster of two or more; each cluster's records in index order.
    let mut slot = vec![u32::MAX; records];
    let mut parts: Vec<Part> = Vec::new();
    for r in 0..records as u32 {
        let root = sets.root(r) as usize;
        if slot[root] == u32::MAX {
            slot[root] = parts.len() as u32;
            parts.push(Part {
                records: Vec::new(),
                tree: Vec::new(),
            });
        }
        parts[slot[root] as usize].records.push(r);
    }
    for j in tree {
        let root = sets.root(j.a) as usize;
        parts[slot[root] as usize].tree.push(j);
    }
    let tested: Vec<(Vec<Vec<u32>>, u64)> = parts
        .into_par_iter()
        .filter(|p| p.records.len() > 1)
        .map(|p| split(p, &alike))
        .collect();
    let mut of: Vec<u32> = (0..records as u32).collect();
    let mut splits = 0;
    for (kept, cut) in tested {
        splits += cut;
        for members in kept {
            let first = *members
                .iter()
                .min_by(|&&a, &&b| rank[a as usize].cmp(&rank[b as usize]).then(a.cmp(&b)))
                .expect("a cluster has records");
            for r in members {
                of[r as usize] = first;
            }
        }
    }
    Clusters { of, splits }
}

/// Whether every two records of `records` are alike.
fn all_alike(records: &[u32], alike: &impl Fn(u32, u32) -> bool) -> bool {
    records
        .iter()
        .enumerate()
        .all(|(i, &a)| records[i + 1..].iter().all(|&b| alike(a, b)))
}

/// Tests a cluster and splits it at its weakest link until every part passes; returns the
/// parts and the number of splits.
fn split(whole: Part, alike: &impl Fn(u32, u32) -> bool) -> (Vec<Vec<u32>>, u64) {
    let (mut kept, mut splits) = (Vec::new(), 0);
    let mut todo = vec![whole];
    while let Some(mut part) = todo.pop() {
        if part.records.len() < 2 || all_alike(&part.records, alike) {
            kept.push(part.records);
            continue;
        }
        splits += 1;
        part.tree.pop();
        // The tree without its weakest join is two trees.
        let at = |r: u32| part.records.binary_search(&r).expect("a member") as u32;
        let mut sets = Sets::new(part.records.len());
        for j in &part.tree {
            sets.join(at(j.a), at(j.b));
        }
        let first = sets.root(0);
        let mut one = Part {
            records: Vec::new(),
            tree: Vec::new(),
        };
        let mut other = Part {
            records: Vec::new(),
            tree: Vec::new(),
        };
        for (i, &r) in part.records.iter().enumerate() {
            let to = if sets.root(i as u32) == first {
                &mut one
            } else {
                &mut other
            };
            to.records.push(r);
        }
        for &j in &part.tree {
            let to = if sets.root(at(j.a)) == first {
                &mut one
            } else {
                &mut other
            };
            to.tree.push(j);
        }
        todo.push(one);
        todo.push(other);
    }
    (kept, splits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(a: u32, b: u32, weight: f64) -> Join {
        Join { a, b, weight }
    }

    /// The clusters as sorted lists of records, each list named by its cluster.
    fn groups(found: &Clusters) -> Vec<(u32, Vec<u32>)> {
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        for (r, &c) in found.of.iter().enumerate() {
            match groups.iter_mut().find(|(name, _)| *name == c) {
                Some((_, members)) => members.push(r as u32),
                None => groups.push((c, vec![r as u32])),
            }
        }
        groups.retain(|(_, members)| members.len() > 1);
        groups.sort();
        groups
    }

    #[test]
    fn five_records_of_one_person_form_one_cluster_through_a_chain() {
        // Records 0 and 4 are joined only through 1, 2 and 3; all are alike.
        let joins = [
            join(3, 4, 12.0),
            join(0, 1, 20.0),
            join(2, 3, 15.0),
            join(1, 2, 18.0),
        ];
        let rank = [4, 3, 2, 1, 0, 5];
        let found = cluster(6, &joins, &rank, |_, _| true);
        // Named by record 4, first in rank order; record 5 is alone.
        assert_eq!(found.of, vec![4, 4, 4, 4, 4, 5]);
        assert_eq!(found.splits, 0);
    }

    #[test]
    fn a_chain_of_two_people_is_split_at_its_weakest_link() {
        // People {0, 1, 2} and {3, 4}: 2 and 3 look alike enough to be joined (weight 6),
        // but 0 is not alike 3 or 4. The strongest tree is 0-1, 3-4, 1-2, 2-3 (0-2 and 1-3
        // add nothing); the split drops 2-3.
        let person = [0, 0, 0, 1, 1];
        let joins = [
            join(0, 1, 20.0),
            join(1, 2, 9.0),
            join(0, 2, 8.0),
            join(2, 3, 6.0),
            join(1, 3, 5.0),
            join(3, 4, 15.0),
        ];
        let alike = |a: u32, b: u32| {
            person[a as usize] == person[b as usize] || (a.min(b), a.max(b)) == (2, 3)
        };
        let found = cluster(5, &joins, &[0, 1, 2, 3, 4], alike);
        assert_eq!(groups(&found), vec![(0, vec![0, 1, 2]), (3, vec![3, 4])]);
        assert_eq!(found.splits, 1);
        // Without the guard the five are one cluster.
        let chained = cluster(5, &joins, &[0, 1, 2, 3, 4], |_, _| true);
        assert_eq!(groups(&chained), vec![(0, vec![0, 1, 2, 3, 4])]);
    }

    #[test]
    fn parts_are_tested_again_until_every_part_passes() {
        // Three people in a row, each joined to the next by a weak pair: two splits, the
        // weakest first.
        let person = [0, 0, 1, 1, 2, 2];
        let joins = [
            join(0, 1, 20.0),
            join(1, 2, 5.0),
            join(2, 3, 20.0),
            join(3, 4, 7.0),
            join(4, 5, 20.0),
        ];
        let alike = |a: u32, b: u32| person[a as usize] == person[b as usize];
        let found = cluster(6, &joins, &[0, 1, 2, 3, 4, 5], alike);
        assert_eq!(
            groups(&found),
            vec![(0, vec![0, 1]), (2, vec![2, 3]), (4, vec![4, 5])]
        );
        assert_eq!(found.splits, 2);
    }

    #[test]
    fn equal_weights_are_split_by_rank_not_by_position() {
        // A ring 0-1-2-3-0 of equal weights where 0 and 2 are not alike: the strongest tree
        // keeps the joins in rank order of their records and drops the last one. The same
        // records listed in another order, with the same ranks, give the same clusters.
        let alike = |a: u32, b: u32| (a.min(b), a.max(b)) != (0, 2);
        let joins = [
            join(0, 1, 9.0),
            join(1, 2, 9.0),
            join(2, 3, 9.0),
            join(3, 0, 9.0),
        ];
        let found = cluster(4, &joins, &[0, 1, 2, 3], alike);
        // Tree: 0-1, 0-3, 1-2 (2-3 closes the ring); 1-2 is the last, so 2 leaves.
        assert_eq!(groups(&found), vec![(0, vec![0, 1, 3])]);
        // Records 0..3 at positions 3, 1, 0, 2 (record r now at position at[r]).
        let at = [3u32, 1, 0, 2];
        let moved: Vec<Join> = joins
            .iter()
            .rev()
            .map(|j| join(at[j.a as usize], at[j.b as usize], j.weight))
            .collect();
        let mut rank = [0u32; 4];
        for (r, &p) in at.iter().enumerate() {
            rank[p as usize] = r as u32;
        }
        let back = |p: u32| at.iter().position(|&q| q == p).unwrap() as u32;
        let found = cluster(4, &moved, &rank, |a, b| alike(back(a), back(b)));
        let mut members: Vec<u32> = (0..4u32)
            .filter(|&p| found.of[p as usize] == at[0])
            .map(back)
            .collect();
        members.sort();
        assert_eq!(members, vec![0, 1, 3]);
    }
}
