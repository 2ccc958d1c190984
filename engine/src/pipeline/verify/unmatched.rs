//! Records that link to no population row: not linked to a cohort child, and not carrying
//! the valid ID number of anyone else in the population. Each is told apart by where its
//! ID points: a valid ID from a province the population register does not cover (a child
//! from elsewhere), a valid ID from one it covers (a gap in the population register), or
//! no valid ID at all.

use rayon::prelude::*;

use crate::pipeline::link::{Link, Links, Registrations};
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::id::IdNumber;

/// Where an unmatched record's ID number points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdOrigin {
    OutsideDivisions,
    PopulationGap,
    InvalidId,
}

impl IdOrigin {
    pub const fn key(self) -> &'static str {
        match self {
            IdOrigin::OutsideDivisions => "outside_divisions",
            IdOrigin::PopulationGap => "population_gap",
            IdOrigin::InvalidId => "invalid_id",
        }
    }
}

/// One record of a source, with where its ID points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unmatched {
    pub record: usize,
    pub origin: IdOrigin,
}

/// Unmatched records per source, in record order.
#[derive(Debug, Default)]
pub struct UnmatchedRecords {
    pub students: Vec<Unmatched>,
    pub poverty: Vec<Unmatched>,
    pub exemptions: Vec<Unmatched>,
}

/// Finds the unmatched records of every source.
pub fn find(registers: &Registers, links: &Links) -> UnmatchedRecords {
    let students: Vec<&IdNumber> = registers.students.rows.iter().map(|s| &s.id).collect();
    let poverty: Vec<&IdNumber> = registers.poverty.rows.iter().map(|p| &p.id).collect();
    let exemptions: Vec<&IdNumber> = registers
        .exemptions
        .iter()
        .flat_map(|e| e.rows.iter().map(|x| &x.id))
        .collect();
    // A student row following another of its registration is that registration's.
    let unlinked =
        |ids: &[&IdNumber], lists: &[&[Link]], rows: Option<&Registrations>| -> Vec<usize> {
            let mut linked: Vec<bool> = (0..ids.len())
                .map(|j| rows.is_some_and(|r| !r.stands(j)))
                .collect();
            for l in lists.iter().flat_map(|list| list.iter()) {
                linked[l.record] = true;
            }
            (0..ids.len()).filter(|&j| !linked[j]).collect()
        };
    let sources = [
        (
            &students,
            unlinked(
                &students,
                &[&links.students, &links.extra_students],
                Some(&links.registrations),
            ),
        ),
        (&poverty, unlinked(&poverty, &[&links.poverty], None)),
        (
            &exemptions,
            unlinked(&exemptions, &[&links.exemptions], None),
        ),
    ];

    let population = &registers.population;
    let [students, poverty, exemptions] = sources.map(|(ids, rows)| {
        rows.into_par_iter()
            .filter_map(|j| {
                let id = ids[j];
                let origin = if !id.class.is_usable() {
                    IdOrigin::InvalidId
                } else if population.has_id(id) {
                    return None;
                } else if population.covers_province(&id.text) {
                    IdOrigin::PopulationGap
                } else {
                    IdOrigin::OutsideDivisions
                };
                Some(Unmatched { record: j, origin })
            })
            .collect()
    });
    UnmatchedRecords {
        students,
        poverty,
        exemptions,
    }
}
