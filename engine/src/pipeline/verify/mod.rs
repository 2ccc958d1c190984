//! `verify`: the three registers check each other (docs/usage.md, "Mutual verification"),
//! on the links that exact and fuzzy linkage made. Findings are not rejects: every row here
//! was used.
//!
//! - records that link to no population row: student records (registry-only), poverty
//!   members and exemptions, each split by where its ID number points;
//! - conflicts: a linked record whose name, birth date or sex disagrees with the
//!   population row;
//! - duplicate registrations: a child linked to two or more in-school records, or to one
//!   registration in school at two schools;
//! - the priority list: school-age poor children who are not enrolled.

pub(crate) mod conflicts;
pub(crate) mod unmatched;

use serde::{Deserialize, Serialize};

use crate::pipeline::classify::{Ledger, Outcome};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::identity::Doubted;
use crate::pipeline::link::{Link, Links};
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::values::InSchool;
pub use conflicts::Conflict;
pub use unmatched::{IdOrigin, Unmatched};

/// Everything the registers say about each other.
#[derive(Debug, Default)]
pub struct Findings {
    /// Student records (any status) that link to no population row.
    pub registry_only: Vec<Unmatched>,
    pub conflicts: Vec<Conflict>,
    /// Records ("students" or "poverty") carrying the ID of someone their name and birth
    /// date contradict, by source and record.
    pub id_owners: Vec<(&'static str, Doubted)>,
    /// Children with two or more in-school records, and those records' links.
    pub duplicates: Vec<Vec<Link>>,
    /// Poverty members that link to no population row.
    pub poverty_unmatched: Vec<Unmatched>,
    /// Exemptions whose ID number matches no one in the population.
    pub exemptions_unmatched: Vec<Unmatched>,
    /// Indices into `Ledger::rows` of flagged poor children.
    pub poor_not_enrolled: Vec<usize>,
    /// Flagged children whose only record was transferred out.
    pub transferred_without_arrival: u64,
    /// Indices into `Ledger::rows` of flagged children holding a disability certificate,
    /// the most severe level first, then by division and ID number.
    pub disabled_flagged: Vec<usize>,
    /// Poor enrolled children with no aid paid for the current term (cohort order); empty
    /// without the aid register.
    pub poor_enrolled_without_aid: Vec<usize>,
    /// Poor enrolled children with no aid for the current term whom a payment in the
    /// review band may belong to: not said to be without aid.
    pub poor_enrolled_aid_in_review: Vec<usize>,
    /// Aid payments linked to no cohort child and in review for none.
    pub aid_unmatched: Vec<usize>,
    /// Aid payments linked to no child that are in review for some (the review band, a
    /// tie between namesakes born the same day): one of theirs, not a stranger's.
    pub aid_in_review: Vec<usize>,
}

/// How many findings of each kind, for summary.json and the manifest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckCounts {
    pub registry_only: u64,
    pub registry_only_outside_divisions: u64,
    pub registry_only_population_gap: u64,
    pub registry_only_invalid_id: u64,
    pub conflicts: u64,
    /// Of the conflicts: records carrying someone else's ID.
    pub conflicts_id_owner: u64,
    pub duplicate_registrations: u64,
    pub poverty_unmatched: u64,
    pub poor_not_enrolled: u64,
    pub transferred_without_arrival: u64,
    pub exemptions_unmatched: u64,
    #[serde(default)]
    pub disabled_flagged: u64,
    #[serde(default)]
    pub poor_enrolled_without_aid: u64,
    #[serde(default)]
    pub aid_unmatched: u64,
    #[serde(default)]
    pub poor_enrolled_aid_in_review: u64,
    #[serde(default)]
    pub aid_in_review: u64,
}

/// Aid payments linked to no child, in review for some (`in_review`) or for none.
fn unlinked_payments(registers: &Registers, links: &Links, in_review: bool) -> Vec<usize> {
    let Some(aid) = &registers.aid else {
        return Vec::new();
    };
    let (mut linked, mut reviewed) = (vec![false; aid.rows.len()], vec![false; aid.rows.len()]);
    for l in &links.aid {
        linked[l.record] = true;
    }
    for l in &links.aid_review {
        reviewed[l.record] = true;
    }
    (0..aid.rows.len())
        .filter(|&j| !linked[j] && reviewed[j] == in_review)
        .collect()
}

/// The transfer reason in the ledger.
pub const TRANSFERRED_WITHOUT_ARRIVAL: &str = "status_transferred_without_arrival";

/// Runs every check.
pub fn verify(
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    ledger: &Ledger,
    in_school: &InSchool,
) -> Findings {
    // The three checks over every record, side by side.
    let (unmatched, (conflicts, duplicates)) = rayon::join(
        || unmatched::find(registers, links),
        || {
            rayon::join(
                || conflicts::find(cohort, registers, links),
                || duplicates(registers, links, in_school),
            )
        },
    );
    let poor_not_enrolled = ledger
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.poor)
        .map(|(i, _)| i)
        .collect();
    let mut disabled_flagged: Vec<usize> = ledger
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.disability.is_some())
        .map(|(i, _)| i)
        .collect();
    disabled_flagged.sort_by_key(|&i| {
        let row = &ledger.rows[i];
        let level = row.disability.as_ref().and_then(|d| d.level);
        (level.unwrap_or(u8::MAX), &row.division_code, &row.id_number)
    });
    Findings {
        registry_only: unmatched.students,
        conflicts,
        id_owners: links
            .doubted_students
            .iter()
            .map(|&d| ("students", d))
            .chain(links.doubted_poverty.iter().map(|&d| ("poverty", d)))
            .collect(),
        duplicates,
        poverty_unmatched: unmatched.poverty,
        exemptions_unmatched: unmatched.exemptions,
        poor_not_enrolled,
        disabled_flagged,
        poor_enrolled_without_aid: unaided(ledger, cohort, false),
        poor_enrolled_aid_in_review: unaided(ledger, cohort, true),
        aid_unmatched: unlinked_payments(registers, links, false),
        aid_in_review: unlinked_payments(registers, links, true),
        transferred_without_arrival: ledger
            .rows
            .iter()
            .filter(|r| r.reason == TRANSFERRED_WITHOUT_ARRIVAL)
            .count() as u64,
    }
}

/// Poor enrolled children with no aid paid for the current term: those a payment in the
/// review band may belong to (`in_review`), or the others.
fn unaided(ledger: &Ledger, cohort: &Cohort, in_review: bool) -> Vec<usize> {
    let (Some(aided), Some(review)) = (&ledger.aided, &ledger.aid_in_review) else {
        return Vec::new();
    };
    (0..cohort.children.len())
        .filter(|&i| ledger.poor[i] && !aided[i] && ledger.outcomes[i] == Outcome::Enrolled)
        .filter(|&i| review[i] == in_review)
        .collect()
}

/// Children linked to two or more in-school records (two registrations, or one in school
/// at two schools), each with those links sorted by student number and school; children
/// in cohort order.
fn duplicates(registers: &Registers, links: &Links, in_school: &InSchool) -> Vec<Vec<Link>> {
    let students = &registers.students.rows;
    // Each in-school registration, and the rows of one at other schools: one number in
    // school at two schools is a duplicate registration too.
    let mut in_school: Vec<Link> = links
        .students
        .iter()
        .chain(&links.extra_students)
        .filter(|l| in_school.contains(students[l.record].status))
        .flat_map(|&l| {
            let elsewhere = links.registrations.in_school_elsewhere(l.record);
            std::iter::once(l).chain(elsewhere.map(move |record| Link { record, ..l }))
        })
        .collect();
    // By child, then (only where a child has several) by student number.
    in_school.sort_by_key(|l| l.child);
    in_school
        .chunk_by(|a, b| a.child == b.child)
        .filter(|group| group.len() > 1)
        .map(|group| {
            let mut group = group.to_vec();
            group.sort_by(|a, b| {
                let (x, y) = (&students[a.record], &students[b.record]);
                (&x.student_no, &x.school_code).cmp(&(&y.student_no, &y.school_code))
            });
            group
        })
        .collect()
}

impl Findings {
    pub fn counts(&self) -> CheckCounts {
        let origin =
            |o: IdOrigin| self.registry_only.iter().filter(|u| u.origin == o).count() as u64;
        CheckCounts {
            registry_only: self.registry_only.len() as u64,
            registry_only_outside_divisions: origin(IdOrigin::OutsideDivisions),
            registry_only_population_gap: origin(IdOrigin::PopulationGap),
            registry_only_invalid_id: origin(IdOrigin::InvalidId),
            conflicts: (self.conflicts.len() + self.id_owners.len()) as u64,
            conflicts_id_owner: self.id_owners.len() as u64,
            duplicate_registrations: self.duplicates.len() as u64,
            poverty_unmatched: self.poverty_unmatched.len() as u64,
            poor_not_enrolled: self.poor_not_enrolled.len() as u64,
            transferred_without_arrival: self.transferred_without_arrival,
            exemptions_unmatched: self.exemptions_unmatched.len() as u64,
            disabled_flagged: self.disabled_flagged.len() as u64,
            poor_enrolled_without_aid: self.poor_enrolled_without_aid.len() as u64,
            aid_unmatched: self.aid_unmatched.len() as u64,
            poor_enrolled_aid_in_review: self.poor_enrolled_aid_in_review.len() as u64,
            aid_in_review: self.aid_in_review.len() as u64,
        }
    }
}
