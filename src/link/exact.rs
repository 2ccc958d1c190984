//! Exact linkage (SPEC §5.1): a record links to the cohort child with the same usable
//! (valid or upgraded) ID number. When one child has several records in a source, one is
//! chosen by a fixed preference (for students, an in-school record first) and the others
//! are kept aside as duplicates. Choices depend on content only, never on row order.

use rustc_hash::FxHashMap;

use crate::normalize::Person;
use crate::normalize::id::IdNumber;

/// Indexes cohort children by usable ID number.
pub struct IdIndex<'a> {
    by_id: FxHashMap<&'a str, usize>,
}

impl<'a> IdIndex<'a> {
    pub fn new(children: &'a [Person]) -> Self {
        let by_id = children
            .iter()
            .enumerate()
            .filter(|(_, c)| c.id.class.is_usable())
            .map(|(i, c)| (c.id.text.as_str(), i))
            .collect();
        IdIndex { by_id }
    }

    pub fn child_of(&self, id: &IdNumber) -> Option<usize> {
        if !id.class.is_usable() {
            return None;
        }
        self.by_id.get(id.text.as_str()).copied()
    }
}

/// For each record with a usable ID of a cohort child, groups record indices by child and
/// orders each group by `preference` (best first). Returns (child, records) sorted by child.
pub fn group_by_child<T, K: Ord>(
    index: &IdIndex,
    records: &[T],
    id_of: impl Fn(&T) -> &IdNumber,
    preference: impl Fn(&T) -> K,
) -> Vec<(usize, Vec<usize>)> {
    let mut groups: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (r, record) in records.iter().enumerate() {
        if let Some(child) = index.child_of(id_of(record)) {
            groups.entry(child).or_default().push(r);
        }
    }
    let mut groups: Vec<(usize, Vec<usize>)> = groups.into_iter().collect();
    for (_, members) in &mut groups {
        members.sort_by_cached_key(|&r| preference(&records[r]));
    }
    groups.sort_unstable_by_key(|(child, _)| *child);
    groups
}
