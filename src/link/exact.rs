//! Exact linkage (SPEC §5.1): a record links to the cohort child with the same usable
//! (valid or upgraded) ID number. When one child has several records in a source, one is
//! chosen by a fixed preference (for students, an in-school record first) and the others
//! are kept aside as duplicates. Choices depend on content only, never on row order.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::normalize::Person;
use crate::normalize::id::{IdNumber, id_code};

/// Indexes cohort children by usable ID number.
pub struct IdIndex {
    by_id: FxHashMap<u64, u32>,
}

impl IdIndex {
    pub fn new(children: &[Person]) -> Self {
        let by_id = children
            .iter()
            .enumerate()
            .filter_map(|(i, c)| id_code(&c.id).map(|code| (code, i as u32)))
            .collect();
        IdIndex { by_id }
    }

    pub fn child_of(&self, id: &IdNumber) -> Option<usize> {
        id_code(id).and_then(|code| self.by_id.get(&code).map(|&i| i as usize))
    }
}

/// For each record with a usable ID of a cohort child, the (child, record) pairs sorted by
/// child, each child's records ordered by `preference` (best first).
pub fn group_by_child<T: Sync, K: Ord>(
    index: &IdIndex,
    records: &[T],
    id_of: impl Fn(&T) -> &IdNumber + Sync,
    preference: impl Fn(&T) -> K,
) -> Vec<(usize, usize)> {
    let pairs: Vec<(usize, usize)> = records
        .par_iter()
        .enumerate()
        .filter_map(|(r, record)| index.child_of(id_of(record)).map(|child| (child, r)))
        .collect();
    order_by_child(pairs, records, preference)
}

/// (child, record) pairs sorted by child, each child's records ordered by `preference`
/// (best first).
pub fn order_by_child<T, K: Ord>(
    mut pairs: Vec<(usize, usize)>,
    records: &[T],
    preference: impl Fn(&T) -> K,
) -> Vec<(usize, usize)> {
    pairs.par_sort_unstable();
    // Only a child with several records needs the preference.
    let mut start = 0;
    while start < pairs.len() {
        let child = pairs[start].0;
        let end = start + pairs[start..].iter().take_while(|p| p.0 == child).count();
        if end - start > 1 {
            pairs[start..end].sort_by_cached_key(|&(_, r)| preference(&records[r]));
        }
        start = end;
    }
    pairs
}
