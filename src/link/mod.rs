//! Stage 4, `link`: links student records, poverty members and exemptions to cohort
//! children, one-to-one per source: exactly on ID numbers, then fuzzily (student records
//! and poverty members) among what the exact pass left on both sides.

pub mod assign;
pub mod block;
pub mod compare;
pub mod exact;
pub mod fuzzy;
pub mod priors;
pub mod weights;

use rustc_hash::FxHashSet;

use crate::cohort::Cohort;
use crate::config::Config;
use crate::normalize::Registers;
use compare::CompareView;
use exact::{IdIndex, group_by_child};
use fuzzy::fuzzy_link;

/// How a link was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Exact,
    Fuzzy,
}

impl Method {
    pub const fn key(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Fuzzy => "fuzzy",
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
    /// Fuzzy linkage of student records: candidates, review pairs, fitted parameters.
    pub student_fuzzy: Option<fuzzy::FuzzyOutcome>,
    /// Fuzzy linkage of poverty members.
    pub poverty_fuzzy: Option<fuzzy::FuzzyOutcome>,
}

impl Links {
    /// Each fuzzily linked source's name and outcome.
    pub fn fuzzy_outcomes(&self) -> impl Iterator<Item = (&'static str, &fuzzy::FuzzyOutcome)> {
        [
            ("students", &self.student_fuzzy),
            ("poverty", &self.poverty_fuzzy),
        ]
        .into_iter()
        .filter_map(|(source, outcome)| outcome.as_ref().map(|o| (source, o)))
    }
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

    let source = student_source(registers, &links);
    links.student_fuzzy = Some(fuzzy_pass(
        cohort,
        registers,
        &source,
        &mut links.students,
        config,
    ));
    let source = poverty_source(registers, &links);
    links.poverty_fuzzy = Some(fuzzy_pass(
        cohort,
        registers,
        &source,
        &mut links.poverty,
        config,
    ));

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

/// What fuzzy linkage needs of one source: its records as comparison views, a stable key
/// per record for tie breaks, and which records the exact pass already used.
struct FuzzySource<'a> {
    records: Vec<CompareView<'a>>,
    keys: Vec<String>,
    used: Vec<bool>,
}

/// Fuzzy linkage of what the exact pass left: children with no link in this source, and
/// records neither used nor carrying a valid ID of someone in the population.
fn link_fuzzily(
    cohort: &Cohort,
    registers: &Registers,
    source: &FuzzySource,
    linked_child: &[bool],
    config: &Config,
) -> fuzzy::FuzzyOutcome {
    let records = &source.records;
    let child_pool: Vec<usize> = (0..cohort.children.len())
        .filter(|&i| !linked_child[i])
        .collect();
    // A leftover record with the valid ID of someone in the population (not in the cohort)
    // belongs to that person; the few such IDs are looked up in one pass.
    let leftover_ids: FxHashSet<&str> = (0..records.len())
        .filter(|&j| !source.used[j] && records[j].id.class.is_usable())
        .map(|j| records[j].id.text.as_str())
        .collect();
    let known: FxHashSet<&str> = registers
        .population
        .rows
        .iter()
        .map(|p| p.id.text.as_str())
        .filter(|id| leftover_ids.contains(id))
        .collect();
    let record_pool: Vec<usize> = (0..records.len())
        .filter(|&j| !source.used[j])
        .filter(|&j| {
            !(records[j].id.class.is_usable() && known.contains(records[j].id.text.as_str()))
        })
        .collect();
    let children: Vec<CompareView> = cohort
        .children
        .iter()
        .map(|c| CompareView {
            id: &c.id,
            name: &c.name,
            birth: Some(c.birth),
            sex: c.sex,
            division: &c.division,
        })
        .collect();
    fuzzy_link(
        &children,
        &child_pool,
        records,
        &record_pool,
        &|i| cohort.children[i].id.text.clone(),
        &|j| source.keys[j].clone(),
        &config.fuzzy,
    )
}

/// Student records for fuzzy linkage, compared against the school's division.
fn student_source<'a>(registers: &'a Registers, links: &Links) -> FuzzySource<'a> {
    let students = &registers.students.rows;
    let mut used = vec![false; students.len()];
    for l in links.students.iter().chain(&links.extra_students) {
        used[l.record] = true;
    }
    FuzzySource {
        records: students
            .iter()
            .map(|s| CompareView {
                id: &s.id,
                name: &s.name,
                birth: s.birth,
                sex: s.sex,
                division: &s.school_division,
            })
            .collect(),
        keys: students.iter().map(|s| s.student_no.clone()).collect(),
        used,
    }
}

/// Poverty members for fuzzy linkage, keyed by ID number and household.
fn poverty_source<'a>(registers: &'a Registers, links: &Links) -> FuzzySource<'a> {
    let members = &registers.poverty.rows;
    let mut used = vec![false; members.len()];
    for l in &links.poverty {
        used[l.record] = true;
    }
    FuzzySource {
        records: members
            .iter()
            .map(|m| CompareView {
                id: &m.id,
                name: &m.name,
                birth: m.birth,
                sex: m.sex,
                division: &m.division,
            })
            .collect(),
        keys: members
            .iter()
            .map(|m| format!("{}|{}|{}", m.id.text, m.household_no, m.name))
            .collect(),
        used,
    }
}

/// Runs fuzzy linkage for one source and adds its links to `list` (kept sorted by child).
fn fuzzy_pass(
    cohort: &Cohort,
    registers: &Registers,
    source: &FuzzySource,
    list: &mut Vec<Link>,
    config: &Config,
) -> fuzzy::FuzzyOutcome {
    let mut linked = vec![false; cohort.children.len()];
    for l in list.iter() {
        linked[l.child] = true;
    }
    let outcome = link_fuzzily(cohort, registers, source, &linked, config);
    list.extend(outcome.links.iter().map(|p| Link {
        child: p.child,
        record: p.record,
        method: Method::Fuzzy,
        weight: Some(p.weight),
    }));
    list.sort_by_key(|l| l.child);
    outcome
}
