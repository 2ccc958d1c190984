//! Stage 4, `link`: links student registrations, poverty members and exemptions to cohort
//! children: exactly on ID numbers (verified against name, birth date and sex), then
//! fuzzily (registrations and poverty members) among what the exact pass left on both
//! sides. A registration or member links to one child; a child may take several
//! registrations.

pub mod assign;
pub mod block;
pub mod compare;
pub mod exact;
pub mod fuzzy;
pub mod identity;
mod passes;
pub mod priors;
pub mod registration;
pub mod weights;

use rayon::prelude::*;

use crate::cohort::Cohort;
use crate::config::Config;
use crate::normalize::Registers;
use assign::PerChild;
use exact::{IdIndex, group_by_child, order_by_child};
use identity::{Doubted, Owner};
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
pub fn link(cohort: &Cohort, registers: &Registers, config: &Config) -> Links {
    let index = IdIndex::new(&cohort.children);
    let students = &registers.students.rows;
    let mut links = Links {
        registrations: Registrations::new(students, |s| config.is_in_school(s)),
        ..Links::default()
    };
    let doubt = config.fuzzy.id_doubt;
    let verify = Verifier {
        index: &index,
        cohort,
        registers,
        doubt,
    };

    // Each registration links by the first of its IDs (each row's ID column, then its
    // student number's copy) that its name and birth date do not contradict.
    let registrations = &links.registrations;
    let verdicts: Vec<(usize, Verdict)> = (0..students.len())
        .into_par_iter()
        .filter(|&j| registrations.stands(j))
        .filter_map(|j| {
            let s = &students[j];
            let rows = std::iter::once(j).chain(registrations.followers_of(j));
            let ids = rows.flat_map(|r| {
                let row = &students[r];
                std::iter::once(&row.id).chain(row.other_id.as_deref())
            });
            let verdict = verify.verdict(j, ids, (&s.name, s.birth, s.sex));
            (verdict != (None, None)).then_some((j, verdict))
        })
        .collect();
    let (pairs, doubted) = split_verdicts(verdicts);
    links.doubted_students = doubted;
    let preference = |s: &crate::normalize::Student| {
        (
            !config.is_in_school(s.status),
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

    let poverty = &registers.poverty.rows;
    let verdicts: Vec<(usize, Verdict)> = poverty
        .par_iter()
        .enumerate()
        .filter_map(|(j, p)| {
            let verdict = verify.verdict(j, std::iter::once(&p.id), (&p.name, p.birth, p.sex));
            (verdict != (None, None)).then_some((j, verdict))
        })
        .collect();
    let (pairs, doubted) = split_verdicts(verdicts);
    links.doubted_poverty = doubted;
    let preference = |p: &crate::normalize::PovertyMember| {
        (p.household_no.clone(), p.name.clone(), p.relation.clone())
    };
    links.poverty = first_of_each(order_by_child(pairs, poverty, preference));

    // Names are folded for every child, and for the records no exact link used.
    let child_names = passes::simplified_names(&cohort.children, |c| &c.name, |_| true);
    let cx = passes::Context::new(cohort, &child_names, registers, config);
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
            v[l.child] = config.is_in_school(students[l.record].status);
        }
        v
    };
    let rank = |l: &Link| {
        (
            !config.is_in_school(students[l.record].status),
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
        not_enrolled[l.child] = !config.is_in_school(students[l.record].status);
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
    links.doubted_students = restore_doubted(
        std::mem::take(&mut links.doubted_students),
        &mut links.students,
        &links.extra_students,
        |j| students[j].student_no.clone(),
    );

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
    links.doubted_poverty = restore_doubted(
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

/// Verifies exact ID agreements against the person each ID belongs to.
struct Verifier<'a> {
    index: &'a IdIndex,
    cohort: &'a Cohort,
    registers: &'a Registers,
    doubt: f64,
}

impl Verifier<'_> {
    /// The cohort child record `record` links to exactly, by the first of `ids` its name,
    /// birth date and sex do not contradict (none when no usable ID belongs to anyone in the
    /// population, or one belongs, uncontradicted, to someone outside the cohort); and the
    /// first owner it does contradict, met before that.
    fn verdict<'i>(
        &self,
        record: usize,
        ids: impl Iterator<Item = &'i crate::normalize::id::IdNumber>,
        said: (
            &str,
            Option<crate::normalize::date::Date>,
            crate::normalize::values::Sex,
        ),
    ) -> Verdict {
        let mut doubted = None;
        for id in ids.filter(|id| id.class.is_usable()) {
            // A valid number ending in 000 is as likely a spreadsheet's rounding of another
            // child's number (one rounded number in eleven passes the check) as a real one.
            let rounded = if id.text.ends_with("000") {
                identity::ROUNDED_PENALTY
            } else {
                0.0
            };
            let (owner, weight) = if let Some(child) = self.index.child_of(id) {
                let c = &self.cohort.children[child];
                let weight = identity::child_weight((&c.name, c.birth, c.sex), said) - rounded;
                if weight >= self.doubt {
                    return (Some(child), doubted);
                }
                (Owner::Child(child), weight)
            } else if self.registers.population.has_id(id) {
                let weight = identity::id_weight(id, (said.1, said.2)) - rounded;
                if weight >= self.doubt {
                    return (None, doubted);
                }
                match identity::outside(id) {
                    Some(owner) => (owner, weight),
                    None => continue,
                }
            } else {
                continue;
            };
            doubted.get_or_insert(Doubted {
                record,
                owner,
                weight,
            });
        }
        (None, doubted)
    }
}

/// The child a record links to exactly, and the owner of an ID it contradicts.
type Verdict = (Option<usize>, Option<Doubted>);

/// Exact pairs (child, record), and the doubted records, in record order.
fn split_verdicts(verdicts: Vec<(usize, Verdict)>) -> (Vec<(usize, usize)>, Vec<Doubted>) {
    let mut pairs = Vec::new();
    let mut doubted = Vec::new();
    for (record, (child, doubt)) in verdicts {
        pairs.extend(child.map(|c| (c, record)));
        doubted.extend(doubt);
    }
    (pairs, doubted)
}

/// A doubted record that linked to no one else goes back to the cohort child its ID
/// belongs to, when that child has no record of the source yet: the contradiction was not
/// someone else's record after all. The others stay doubted (reported as conflicts).
fn restore_doubted<K: Ord>(
    mut doubted: Vec<Doubted>,
    list: &mut Vec<Link>,
    further: &[Link],
    key: impl Fn(usize) -> K,
) -> Vec<Doubted> {
    // Best first, by content, so that the choice never depends on row order.
    doubted.sort_by(|a, b| {
        (a.owner, b.weight, key(a.record))
            .partial_cmp(&(b.owner, a.weight, key(b.record)))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut linked_records: rustc_hash::FxHashSet<usize> =
        list.iter().chain(further).map(|l| l.record).collect();
    let mut linked_children: rustc_hash::FxHashSet<usize> = list.iter().map(|l| l.child).collect();
    let mut kept = Vec::new();
    for d in doubted {
        match d.owner {
            Owner::Child(child)
                if !linked_records.contains(&d.record) && !linked_children.contains(&child) =>
            {
                list.push(exact_link(child, d.record));
                linked_records.insert(d.record);
                linked_children.insert(child);
            }
            _ => kept.push(d),
        }
    }
    list.sort_by_key(|l| l.child);
    kept.sort_by_key(|d| d.record);
    kept
}

/// The exact link of each child's preferred record.
fn first_of_each(pairs: Vec<(usize, usize)>) -> Vec<Link> {
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| exact_link(group[0].0, group[0].1))
        .collect()
}

fn exact_link(child: usize, record: usize) -> Link {
    Link {
        child,
        record,
        method: Method::Exact,
        weight: None,
    }
}
