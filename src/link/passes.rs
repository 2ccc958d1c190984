//! The plumbing of the fuzzy passes: each source's records as comparison views (names
//! folded to simplified once per record), which records and children take part, and the
//! fuzzy links that result.

use rayon::prelude::*;

use super::compare::CompareView;
use std::sync::Arc;

use super::fuzzy::{FuzzyOutcome, NameShares, ScoredPair, Side, fuzzy_link, name_shares};
use super::weights::Params;
use super::{Link, Links, Method};
use crate::cohort::Cohort;
use crate::config::Config;
use crate::normalize::Registers;
use crate::normalize::name_key::simplified;

/// Names folded to simplified characters, in order; where `wanted` is false the name is
/// left empty (the record takes no part in fuzzy linkage).
pub fn simplified_names<'a>(
    names: impl Iterator<Item = &'a str>,
    wanted: impl Fn(usize) -> bool + Sync,
) -> Vec<String> {
    let names: Vec<&str> = names.collect();
    names
        .par_iter()
        .enumerate()
        .map(|(i, n)| {
            if wanted(i) {
                simplified(n)
            } else {
                String::new()
            }
        })
        .collect()
}

/// What fuzzy linkage needs of one source: its records as comparison views, a stable key
/// per record for tie breaks, and which records are already used (or set aside).
pub struct FuzzySource<'a> {
    pub records: Vec<CompareView<'a>>,
    pub key: Box<dyn Fn(usize) -> String + Sync + 'a>,
    pub used: Vec<bool>,
}

/// The folded name if there is one, else the name as normalised.
fn matching_name<'a>(folded: &'a str, name: &'a str) -> &'a str {
    if folded.is_empty() { name } else { folded }
}

/// Student records for fuzzy linkage, compared against the school's division.
pub fn student_source<'a>(
    registers: &'a Registers,
    names: &'a [String],
    links: &Links,
) -> FuzzySource<'a> {
    let students = &registers.students.rows;
    let mut used = vec![false; students.len()];
    for l in links.students.iter().chain(&links.extra_students) {
        used[l.record] = true;
    }
    FuzzySource {
        records: students
            .iter()
            .zip(names)
            .map(|(s, folded)| CompareView {
                id: &s.id,
                name: matching_name(folded, &s.name),
                birth: s.birth,
                sex: s.sex,
                division: &s.school_division,
            })
            .collect(),
        key: Box::new(move |j| students[j].student_no.to_string()),
        used,
    }
}

/// Poverty members for fuzzy linkage, keyed by ID number and household.
pub fn poverty_source<'a>(
    registers: &'a Registers,
    names: &'a [String],
    links: &Links,
) -> FuzzySource<'a> {
    let members = &registers.poverty.rows;
    let mut used = vec![false; members.len()];
    for l in &links.poverty {
        used[l.record] = true;
    }
    FuzzySource {
        records: members
            .iter()
            .zip(names)
            .map(|(m, folded)| CompareView {
                id: &m.id,
                name: matching_name(folded, &m.name),
                birth: m.birth,
                sex: m.sex,
                division: &m.division,
            })
            .collect(),
        key: Box::new(move |j| {
            let m = &members[j];
            format!("{}|{}|{}", m.id.text, m.household_no, m.name)
        }),
        used,
    }
}

/// The cohort side, shared by every pass.
pub struct Context<'a> {
    registers: &'a Registers,
    config: &'a Config,
    children: Vec<CompareView<'a>>,
    child_keys: Vec<&'a str>,
    name_shares: Arc<NameShares>,
}

impl<'a> Context<'a> {
    /// `names` are the children's names folded to simplified, in cohort order.
    pub fn new(
        cohort: &'a Cohort,
        names: &'a [String],
        registers: &'a Registers,
        config: &'a Config,
    ) -> Self {
        let children = cohort
            .children
            .iter()
            .zip(names)
            .map(|(c, name)| CompareView {
                id: &c.id,
                name,
                birth: Some(c.birth),
                sex: c.sex,
                division: &c.division,
            })
            .collect();
        Context {
            registers,
            config,
            children,
            child_keys: cohort.children.iter().map(|c| c.id.text.as_str()).collect(),
            name_shares: Arc::new(name_shares(names)),
        }
    }

    /// Fuzzy linkage among the children not `excluded` and the records of `source` neither
    /// used nor carrying the valid ID of someone in the population. Weights are fitted
    /// unless `fitted` gives them.
    pub fn link_fuzzily(
        &self,
        source: &FuzzySource,
        excluded: &[bool],
        fitted: Option<&Params>,
    ) -> FuzzyOutcome {
        let records = &source.records;
        let child_pool: Vec<usize> = (0..self.children.len()).filter(|&i| !excluded[i]).collect();
        // A leftover record with the valid ID of someone in the population (not in the
        // cohort) belongs to that person.
        let population = &self.registers.population;
        let record_pool: Vec<usize> = (0..records.len())
            .filter(|&j| !source.used[j] && !population.has_id(records[j].id))
            .collect();
        fuzzy_link(
            Side {
                views: &self.children,
                pool: &child_pool,
                key: &|i| self.child_keys[i].to_string(),
            },
            Side {
                views: records,
                pool: &record_pool,
                key: &source.key,
            },
            &self.name_shares,
            &self.config.fuzzy,
            fitted,
        )
    }

    /// Runs fuzzy linkage for one source among the children not `settled`, and adds its
    /// links to `list` (kept sorted by child). A fuzzy link replaces the child's earlier
    /// link, which is returned. Weights are fitted unless `fitted` gives them.
    pub fn fuzzy_pass(
        &self,
        source: &FuzzySource,
        list: &mut Vec<Link>,
        settled: &[bool],
        fitted: Option<&Params>,
    ) -> (FuzzyOutcome, Vec<Link>) {
        let outcome = self.link_fuzzily(source, settled, fitted);
        let mut fuzzy_child = vec![false; self.children.len()];
        for p in &outcome.links {
            fuzzy_child[p.child] = true;
        }
        let (displaced, kept): (Vec<Link>, Vec<Link>) =
            list.drain(..).partition(|l| fuzzy_child[l.child]);
        *list = kept;
        list.extend(outcome.links.iter().map(fuzzy_link_of));
        list.sort_by_key(|l| l.child);
        (outcome, displaced)
    }
}

/// A fuzzy pair as a link.
pub fn fuzzy_link_of(p: &ScoredPair) -> Link {
    Link {
        child: p.child,
        record: p.record,
        method: Method::Fuzzy,
        weight: Some(p.weight),
    }
}
