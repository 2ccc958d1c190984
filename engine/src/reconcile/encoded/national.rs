//! What the encoded linkage says of each child: in school in another province (linked to a
//! student record whose status counts as in school: the record of greatest weight among
//! those), else a record elsewhere not in school (the one of greatest weight), and a
//! poverty member elsewhere.

use super::link::{Linked, Weighed};
use super::pool::Pool;
use crate::pipeline::normalize::values::InSchool;

/// Per child (in the pool's order), the links that decide it.
pub struct National<'l> {
    pub in_school: Vec<Option<&'l Weighed>>,
    pub not_in_school: Vec<Option<&'l Weighed>>,
    pub poor: Vec<Option<&'l Weighed>>,
    pub students: &'l Linked,
    pub poverty: &'l Linked,
}

impl National<'_> {
    /// Whether child `c` is found in school elsewhere.
    pub fn elsewhere(&self, c: usize) -> bool {
        self.in_school[c].is_some()
    }
}

pub fn decide<'l>(
    pool: &Pool,
    (students, poverty): (&'l Linked, &'l Linked),
    in_school: &InSchool,
) -> National<'l> {
    let n = pool.children.len();
    let (mut school, mut other, mut poor) = (vec![None; n], vec![None; n], vec![None; n]);
    let better = |slot: &mut Option<&'l Weighed>, link: &'l Weighed| {
        // Links come sorted by child and record: the first of the greatest weight stands.
        if slot.is_none_or(|s: &Weighed| link.weight > s.weight) {
            *slot = Some(link);
        }
    };
    for link in &students.links {
        let status = pool.students[link.record as usize].status;
        let slot = match status.is_some_and(|s| in_school.contains(s)) {
            true => &mut school[link.child as usize],
            false => &mut other[link.child as usize],
        };
        better(slot, link);
    }
    for link in &poverty.links {
        better(&mut poor[link.child as usize], link);
    }
    National {
        in_school: school,
        not_in_school: other,
        poor,
        students,
        poverty,
    }
}
