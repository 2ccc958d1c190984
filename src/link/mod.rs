//! Stage 4, `link`: links student registrations, poverty members and exemptions to cohort
//! children: exactly on ID numbers (verified against name, birth date and sex), then
//! fuzzily (registrations and poverty members) among what the exact pass left on both
//! sides. A registration or member links to one child; a child may take several
//! registrations.

pub(crate) mod assign;
pub(crate) mod block;
pub mod compare;
pub(crate) mod exact;
pub(crate) mod fuzzy;
pub(crate) mod identity;
mod passes;
pub(crate) mod priors;
pub(crate) mod registration;
pub mod weights;

use crate::cohort::Cohort;
use crate::normalize::Registers;
use crate::normalize::values::InSchool;
use assign::PerChild;
use exact::group_by_child;
use fuzzy::FuzzyOptions;
use identity::Doubted;
use identity::IdIndex;
pub use registration::Registrations;

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
    /// Which student row stands for each registration; links name standing rows only.
    pub registrations: Registrations,
    /// Student records whose ID belongs to someone their name and birth date contradict,
    /// and which did not link to that person.
    pub doubted_students: Vec<Doubted>,
    /// Poverty members likewise.
    pub doubted_poverty: Vec<Doubted>,
    pub students: Vec<Link>,
    /// Further student records of an already linked child (duplicate registrations).
    pub extra_students: Vec<Link>,
    pub poverty: Vec<Link>,
    pub exemptions: Vec<Link>,
    /// Fuzzy linkage of student records: candidates, review pairs, fitted parameters.
    pub student_fuzzy: Option<fuzzy::FuzzyOutcome>,
    /// Fuzzy linkage of leftover student records to enrolled children (second
    /// registrations).
    pub student_second_fuzzy: Option<fuzzy::FuzzyOutcome>,
    /// Fuzzy linkage of poverty members.
    pub poverty_fuzzy: Option<fuzzy::FuzzyOutcome>,
}

impl Links {
    /// Each fuzzily linked source's name and outcome.
    pub fn fuzzy_outcomes(&self) -> impl Iterator<Item = (&'static str, &fuzzy::FuzzyOutcome)> {
        [
            ("students", &self.student_fuzzy),
            ("students", &self.student_second_fuzzy),
            ("poverty", &self.poverty_fuzzy),
        ]
        .into_iter()
        .filter_map(|(source, outcome)| outcome.as_ref().map(|o| (source, o)))
    }
}

/// Links the registers to the cohort.
pub fn link(
    cohort: &Cohort,
    registers: &Registers,
    fuzzy: &FuzzyOptions,
    in_school: &InSchool,
) -> Links {
    let index = IdIndex::new(&cohort.children);
    let students = &registers.students.rows;
    let mut links = Links {
        registrations: Registrations::new(students, |s| in_school.contains(s)),
        ..Links::default()
    };
    let verifier = identity::Verifier {
        index: &index,
        cohort,
        registers,
        doubt: fuzzy.id_doubt,
    };
    let poverty = &registers.poverty.rows;
    exact::link_students(&verifier, students, &mut links, |s| in_school.contains(s));
    exact::link_poverty(&verifier, poverty, &mut links);

    // Names are folded for every child, and for the records no exact link used.
    let child_names = passes::simplified_names(&cohort.children, |c| &c.name, |_| true);
    let cx = passes::Context::new(cohort, &child_names, registers, fuzzy);
    let unlinked = |list: &[&[Link]], n: usize| {
        let mut free = vec![true; n];
        for l in list.iter().flat_map(|l| l.iter()) {
            free[l.record] = false;
        }
        free
    };
    let free = unlinked(&[&links.students, &links.extra_students], students.len());
    let student_names = passes::simplified_names(students, |s| &s.name, |j| free[j]);
    let free = unlinked(&[&links.poverty], poverty.len());
    let poverty_names = passes::simplified_names(poverty, |p| &p.name, |j| free[j]);

    // A child whose exact-linked records are none in school (transferred out, dropped out)
    // may still have an in-school record whose ID is wrong: it stays in the fuzzy pass, and
    // a fuzzy link to such a record makes it the child's record, the exact one a further
    // record. A child may take several registrations; an in-school one stands first.
    let source = passes::student_source(registers, &student_names, &links);
    let enrolled: Vec<bool> = {
        let mut v = vec![false; cohort.children.len()];
        for l in &links.students {
            v[l.child] = in_school.contains(students[l.record].status);
        }
        v
    };
    let rank = |l: &Link| {
        (
            !in_school.contains(students[l.record].status),
            l.method,
            std::cmp::Reverse(l.weight.map(f64::to_bits)),
            students[l.record].student_no.clone(),
        )
    };
    let (outcome, further) = cx.fuzzy_pass(
        &source,
        &mut links.students,
        &enrolled,
        (PerChild::Many, None),
        rank,
    );
    links.extra_students.extend(further);

    drop(source);

    // A record still unlinked and without a usable ID may be a second registration of a
    // child already enrolled: it is weighed against the enrolled children with the
    // weights just fitted, and a link makes it a further record of that child.
    let mut source = passes::student_source(registers, &student_names, &links);
    for p in &outcome.review {
        source.used[p.record] = true;
    }
    for (j, used) in source.used.iter_mut().enumerate() {
        *used |= (source.view)(j).id.class.is_usable();
    }
    let mut not_enrolled = vec![true; cohort.children.len()];
    for l in &links.students {
        not_enrolled[l.child] = !in_school.contains(students[l.record].status);
    }
    let second = cx.link_fuzzily(
        &source,
        &not_enrolled,
        (PerChild::Many, Some(&outcome.params)),
    );
    links
        .extra_students
        .extend(second.links.iter().map(passes::fuzzy_link_of));
    links.extra_students.sort_by_key(|l| (l.child, l.record));
    links.student_fuzzy = Some(outcome);
    links.student_second_fuzzy = Some(second);
    links.doubted_students = identity::restore_doubted(
        std::mem::take(&mut links.doubted_students),
        &mut links.students,
        &links.extra_students,
        |j| students[j].student_no.clone(),
    );

    drop(source);
    drop(student_names);

    let source = passes::poverty_source(registers, &poverty_names, &links);
    let mut settled = vec![false; cohort.children.len()];
    for l in &links.poverty {
        settled[l.child] = true;
    }
    // The poverty members the exact pass leaves are few and rarely anyone's: too few true
    // matches to fit on, so they are weighed with the student records' weights.
    let student_params = links.student_fuzzy.as_ref().map(|o| &o.params);
    let (outcome, _) = cx.fuzzy_pass(
        &source,
        &mut links.poverty,
        &settled,
        (PerChild::One, student_params),
        |l| l.record,
    );
    links.poverty_fuzzy = Some(outcome);
    links.doubted_poverty = identity::restore_doubted(
        std::mem::take(&mut links.doubted_poverty),
        &mut links.poverty,
        &[],
        |j| {
            let p = &poverty[j];
            (p.household_no.clone(), p.name.clone(), p.id.text.clone())
        },
    );

    if let Some(exemptions) = &registers.exemptions {
        // The exemption lasting longest wins; no end date lasts forever.
        let preference = |e: &crate::normalize::Exemption| {
            (
                std::cmp::Reverse(e.valid_until.is_none()),
                std::cmp::Reverse(e.valid_until),
                e.reason.clone(),
            )
        };
        links.exemptions = first_of_each(group_by_child(
            &index,
            &exemptions.rows,
            |e| &e.id,
            preference,
        ));
    }
    links
}

/// The exact link of each child's preferred record.
pub(crate) fn first_of_each(pairs: Vec<(usize, usize)>) -> Vec<Link> {
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| exact_link(group[0].0, group[0].1))
        .collect()
}

pub(crate) fn exact_link(child: usize, record: usize) -> Link {
    Link {
        child,
        record,
        method: Method::Exact,
        weight: None,
    }
}
