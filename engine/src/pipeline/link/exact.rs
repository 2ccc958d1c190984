//! Exact linkage (docs/matching.md): a record links to the cohort child with the same
//! usable (valid or upgraded) ID number, once its name, birth date and sex are found not to
//! contradict that child (`identity`). A student registration tries each of its IDs: every
//! row's ID column, then the student number's copy. When one child has several records in a
//! source, one is chosen by a fixed preference (for students, an in-school record first)
//! and the others are kept aside as duplicates. Choices depend on content only, never on
//! row order.

use rayon::prelude::*;

use super::identity::{IdIndex, Verifier, split_verdicts};
use super::{Links, exact_link, first_of_each};
use crate::pipeline::normalize::id::IdNumber;
use crate::pipeline::normalize::values::StudentStatus;
use crate::pipeline::normalize::{PovertyMember, Student};

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

/// Links each student registration exactly, by the first of its IDs that is not doubted;
/// a child's preferred registration goes to `links.students`, the others to
/// `links.extra_students`, the doubted ones to `links.doubted_students`.
pub fn link_students(
    verifier: &Verifier,
    students: &[Student],
    links: &mut Links,
    in_school: impl Fn(StudentStatus) -> bool,
) {
    let registrations = &links.registrations;
    let verdicts = (0..students.len())
        .into_par_iter()
        .filter(|&j| registrations.stands(j))
        .filter_map(|j| {
            let s = &students[j];
            let rows = std::iter::once(j).chain(registrations.followers_of(j));
            // IDs are inline text: taken by value, nothing is allocated.
            let ids = rows.flat_map(|r| {
                let row = &students[r];
                std::iter::once(row.id.clone()).chain(row.other_id())
            });
            let verdict = verifier.verdict(j, ids, (&s.name, s.birth, s.sex));
            (verdict != (None, None)).then_some((j, verdict))
        });
    let (pairs, doubted) = split_verdicts(verdicts);
    let pairs = verifier.across(pairs, |o| &o.students);
    links.doubted_students = doubted;
    let preference = |s: &Student| {
        (
            !in_school(s.status),
            s.status,
            s.student_no.clone(),
            s.school_code.clone(),
            s.name.clone(),
        )
    };
    for group in order_by_child(pairs, students, preference).chunk_by(|a, b| a.0 == b.0) {
        let mut records = group
            .iter()
            .map(|&(child, record)| exact_link(child, record));
        links.students.extend(records.next());
        links.extra_students.extend(records);
    }
}

/// Links each poverty member exactly unless doubted; one member per child.
pub fn link_poverty(verifier: &Verifier, members: &[PovertyMember], links: &mut Links) {
    let verdicts = members.par_iter().enumerate().filter_map(|(j, p)| {
        let verdict = verifier.verdict(j, std::iter::once(&p.id), (&p.name, p.birth, p.sex));
        (verdict != (None, None)).then_some((j, verdict))
    });
    let (pairs, doubted) = split_verdicts(verdicts);
    let pairs = verifier.across(pairs, |o| &o.poverty);
    links.doubted_poverty = doubted;
    let preference =
        |p: &PovertyMember| (p.household_no.clone(), p.name.clone(), p.relation.clone());
    links.poverty = first_of_each(order_by_child(pairs, members, preference));
}
