//! The plumbing of the fuzzy passes: each source's records as comparison views (names
//! folded to simplified once per record), which records and children take part, and the
//! fuzzy links that result.

use rayon::prelude::*;

use super::compare::{CompareView, Views};
use std::sync::Arc;

use super::fuzzy::{FuzzyOutcome, NameShares, ScoredPair, Side, fuzzy_link, name_shares};
use super::weights::Params;
use super::{Link, Links, Method};
use crate::cohort::Cohort;
use crate::config::Config;
use crate::normalize::name_key::simplified;
use crate::normalize::{Registers, Text};

/// The names of `records` folded to simplified characters, in order, as inline text; where
/// `wanted` is false the name is left empty (the record takes no part in fuzzy linkage).
pub fn simplified_names<T: Sync>(
    records: &[T],
    name: impl Fn(&T) -> &str + Sync,
    wanted: impl Fn(usize) -> bool + Sync,
) -> Vec<Text> {
    records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            if wanted(i) {
                Text::from(simplified(name(r)))
            } else {
                Text::default()
            }
        })
        .collect()
}

/// What fuzzy linkage needs of one source: its records as comparison views (made on
/// demand), a stable key per record for tie breaks, and which records are already used (or
/// set aside).
pub struct FuzzySource<'a> {
    pub len: usize,
    pub view: Box<dyn Fn(usize) -> CompareView<'a> + Sync + 'a>,
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
    names: &'a [Text],
    links: &Links,
) -> FuzzySource<'a> {
    let students = &registers.students.rows;
    let mut used = vec![false; students.len()];
    for l in links.students.iter().chain(&links.extra_students) {
        used[l.record] = true;
    }
    FuzzySource {
        len: students.len(),
        view: Box::new(move |j| {
            let s = &students[j];
            CompareView {
                id: &s.id,
                name: matching_name(&names[j], &s.name),
                birth: s.birth,
                sex: s.sex,
                division: &s.school_division,
            }
        }),
        key: Box::new(move |j| students[j].student_no.to_string()),
        used,
    }
}

/// Poverty members for fuzzy linkage, keyed by ID number and household.
pub fn poverty_source<'a>(
    registers: &'a Registers,
    names: &'a [Text],
    links: &Links,
) -> FuzzySource<'a> {
    let members = &registers.poverty.rows;
    let mut used = vec![false; members.len()];
    for l in &links.poverty {
        used[l.record] = true;
    }
    FuzzySource {
        len: members.len(),
        view: Box::new(move |j| {
            let m = &members[j];
            CompareView {
                id: &m.id,
                name: matching_name(&names[j], &m.name),
                birth: m.birth,
                sex: m.sex,
                division: &m.division,
            }
        }),
        key: Box::new(move |j| {
            let m = &members[j];
            format!("{}|{}|{}", m.id.text, m.household_no, m.name)
        }),
        used,
    }
}

/// The cohort side, shared by every pass.
pub struct Context<'a> {
    cohort: &'a Cohort,
    names: &'a [Text],
    registers: &'a Registers,
    config: &'a Config,
    name_shares: Arc<NameShares>,
}

impl<'a> Context<'a> {
    /// `names` are the children's names folded to simplified, in cohort order.
    pub fn new(
        cohort: &'a Cohort,
        names: &'a [Text],
        registers: &'a Registers,
        config: &'a Config,
    ) -> Self {
        Context {
            cohort,
            names,
            registers,
            config,
            name_shares: Arc::new(name_shares(names)),
        }
    }

    fn child_view(&self, i: usize) -> CompareView<'a> {
        let c = &self.cohort.children[i];
        CompareView {
            id: &c.id,
            name: &self.names[i],
            birth: Some(c.birth),
            sex: c.sex,
            division: &c.division,
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
        let children = self.cohort.children.len();
        let child_pool: Vec<usize> = (0..children).filter(|&i| !excluded[i]).collect();
        // A leftover record with the valid ID of someone in the population (not in the
        // cohort) belongs to that person.
        let population = &self.registers.population;
        let record_pool: Vec<usize> = (0..source.len)
            .into_par_iter()
            .filter(|&j| !source.used[j] && !population.has_id((source.view)(j).id))
            .collect();
        let child_view = |i| self.child_view(i);
        fuzzy_link(
            Side {
                views: Views {
                    len: children,
                    view: &child_view,
                },
                pool: &child_pool,
                key: &|i| self.cohort.children[i].id.text.to_string(),
            },
            Side {
                views: Views {
                    len: source.len,
                    view: &source.view,
                },
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
        let mut fuzzy_child = vec![false; self.cohort.children.len()];
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
