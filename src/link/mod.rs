//! Stage 4, `link`: links student records, poverty members and exemptions to cohort
//! children, one-to-one per source. Today: exact linkage on ID numbers.

pub mod assign;
pub mod block;
pub mod compare;
pub mod exact;
pub mod weights;

use crate::cohort::Cohort;
use crate::config::Config;
use crate::normalize::Registers;
use exact::{IdIndex, group_by_child};

/// How a link was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Exact,
}

impl Method {
    pub const fn key(self) -> &'static str {
        match self {
            Method::Exact => "exact",
        }
    }
}

/// A cohort child linked to one record of a source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    /// Index into `Cohort::children`.
    pub child: usize,
    /// Index into the source's records.
    pub record: usize,
    pub method: Method,
    /// Match weight; `None` for exact links.
    pub weight: Option<f64>,
}

/// Every link of a run, each list sorted by child.
#[derive(Debug, Default)]
pub struct Links {
    pub students: Vec<Link>,
    /// Further student records of an already linked child (duplicate registrations).
    pub extra_students: Vec<Link>,
    pub poverty: Vec<Link>,
    pub exemptions: Vec<Link>,
}

/// Links the registers to the cohort.
pub fn link(cohort: &Cohort, registers: &Registers, config: &Config) -> Links {
    let index = IdIndex::new(&cohort.children);
    let mut links = Links::default();

    let students = &registers.students.rows;
    let preference = |s: &crate::normalize::Student| {
        (
            !config.is_in_school(s.status),
            s.status,
            s.student_no.clone(),
            s.school_code.clone(),
            s.name.clone(),
        )
    };
    for (child, records) in group_by_child(&index, students, |s| &s.id, preference) {
        let mut records = records.into_iter().map(|record| exact_link(child, record));
        links.students.extend(records.next());
        links.extra_students.extend(records);
    }

    let poverty = &registers.poverty.rows;
    let preference = |p: &crate::normalize::PovertyMember| {
        (p.household_no.clone(), p.name.clone(), p.relation.clone())
    };
    for (child, records) in group_by_child(&index, poverty, |p| &p.id, preference) {
        links.poverty.push(exact_link(child, records[0]));
    }

    if let Some(exemptions) = &registers.exemptions {
        // The exemption lasting longest wins; no end date lasts forever.
        let preference = |e: &crate::normalize::Exemption| {
            (
                std::cmp::Reverse(e.valid_until.is_none()),
                std::cmp::Reverse(e.valid_until),
                e.reason.clone(),
            )
        };
        for (child, records) in group_by_child(&index, &exemptions.rows, |e| &e.id, preference) {
            links.exemptions.push(exact_link(child, records[0]));
        }
    }
    links
}

fn exact_link(child: usize, record: usize) -> Link {
    Link {
        child,
        record,
        method: Method::Exact,
        weight: None,
    }
}
