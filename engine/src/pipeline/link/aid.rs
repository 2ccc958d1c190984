//! Aid payments to children. The student aid system takes its students from the student
//! register by student number, so a payment's student number names the child whose record
//! carries it, however that record was linked (exactly or fuzzily); failing that, the
//! payment's ID number; failing both, for a payment whose ID is unusable, belongs to no one
//! in the population (a typo), or may be a spreadsheet's rounding, fuzzy linkage on name, birth date and sex with the student
//! records' weights, links only (no review band: a payment in doubt counts for no one).

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::assign::PerChild;
use super::block::BIRTH_DATE_SURNAME_PASS;
use super::folded::Folded;
use super::identity::{ROUNDED_PENALTY, child_weight, someone_elses};
use super::passes::{self, Context, FuzzySource, KeptBlocks, NO_ID};
use super::{Link, Links, exact_link};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::compare::{CompareField, CompareView, DateLevel, IdLevel, NameLevel};
use crate::pipeline::normalize::population::Population;
use crate::pipeline::normalize::{Aid, Registers, Student};

/// What the exact pass settles of the payments, whatever the thresholds.
struct ById {
    /// Per payment: the child its ID names, verified.
    child: Vec<Option<usize>>,
    /// Per payment: whether its ID was doubted.
    doubted: Vec<bool>,
}

/// An ID agreement is verified as the other registers' are: a payment whose name, birth
/// date and sex contradict the child its ID points to (a sibling's ID, or a spreadsheet's
/// rounding that is another child's) is not that child's, and goes to fuzzy linkage
/// without its ID. `exact` are the exact pass's links.
fn by_id(
    exact: &Links,
    id_doubt: f64,
    (cohort, registers, aid): (&Cohort, &Registers, &[Aid]),
) -> ById {
    let mut child: Vec<Option<usize>> = vec![None; aid.len()];
    // A valid number of no one's that says it is someone else's (a parent's) is doubted too.
    let mut doubted: Vec<bool> = aid
        .par_iter()
        .map(|a| {
            someone_elses(&a.id, (a.birth, a.sex), id_doubt) && !registers.population.has_id(&a.id)
        })
        .collect();
    for l in &exact.aid {
        let (c, a) = (&cohort.children[l.child], &aid[l.record]);
        let rounded = if a.id.maybe_rounded() {
            ROUNDED_PENALTY
        } else {
            0.0
        };
        let weight = child_weight((&c.name, c.birth, c.sex), (&a.name, a.birth, a.sex));
        if weight - rounded >= id_doubt {
            child[l.record] = Some(l.child);
        } else {
            doubted[l.record] = true;
        }
    }
    ById { child, doubted }
}

/// Per payment: whether it is set aside from fuzzy linkage whatever else links it: a
/// payment with the valid ID of someone in the `population` who is no child of the cohort
/// is that person's, however alike namesakes' names and birth dates are. Left for fuzzy
/// linkage are payments without a usable ID, those whose valid ID belongs to no one (a
/// typo whose check a form recomputed), and those whose valid ID ends in 000 (a
/// spreadsheet may have rounded it and the check passed).
fn set_aside(aid: &[Aid], by_id: &ById, population: &Population) -> Vec<bool> {
    aid.par_iter()
        .zip(&by_id.doubted)
        .map(|(a, &doubted)| !a.id.maybe_rounded() && !doubted && population.has_id(&a.id))
        .collect()
}

/// The payments the fuzzy pass may ever see, whatever the thresholds: neither set aside
/// nor linked by a verified ID (the student numbers' links, which follow the student
/// passes, only take more away).
pub(super) struct Open<'a> {
    aid: &'a [Aid],
    by_id: ById,
    /// Sorted.
    pub records: Vec<usize>,
}

/// The payments the fuzzy pass may ever see; none without an aid register.
pub(super) fn open<'a>(
    exact: &Links,
    id_doubt: f64,
    (cohort, registers): (&Cohort, &'a Registers),
) -> Option<Open<'a>> {
    let aid = &registers.aid.as_ref()?.rows;
    let by_id = by_id(exact, id_doubt, (cohort, registers, aid));
    let aside = set_aside(aid, &by_id, &registers.population);
    let records = (0..aid.len())
        .filter(|&j| !aside[j] && by_id.child[j].is_none())
        .collect();
    Some(Open {
        aid,
        by_id,
        records,
    })
}

impl Open<'_> {
    /// The fuzzy pass's blocks at their widest: every child against every open payment,
    /// whose `names` are folded.
    pub(super) fn blocks(self, cx: &Context, names: &Folded) -> KeptBlocks {
        let unused = vec![false; self.aid.len()];
        let source = source(self.aid, names, self.by_id.doubted, unused);
        cx.kept_blocks(&source, self.records)
    }
}

/// The payments as a fuzzy source.
fn source<'a>(
    aid: &'a [Aid],
    names: &'a Folded,
    doubted: Vec<bool>,
    used: Vec<bool>,
) -> FuzzySource<'a> {
    FuzzySource {
        len: aid.len(),
        universe: (0..aid.len()).collect(),
        view: Box::new(move |j| {
            let a = &aid[j];
            CompareView {
                id: if doubted[j] { &NO_ID } else { &a.id },
                id_owned: false,
                name: names.get(j, &a.name),
                birth: a.birth,
                sex: a.sex,
                division: "",
                pinyin: None,
                origin: 0,
            }
        }),
        key: Box::new(move |j| {
            let a = &aid[j];
            format!("{}|{}|{}|{}", a.student_no, a.id.text, a.name, a.line)
        }),
        used,
        // The payments left over are few against every child: found by birth date (the
        // aid system copies it from the student register) and the name's first character,
        // not by the name and ID passes, which would key every child's name and ID, nor by
        // birth date alone, whose blocks hold a province's children born that day.
        passes: BIRTH_DATE_SURNAME_PASS,
    }
}

/// Per payment: the child whose linked student record carries its student number; a number
/// two children's records carry names no one.
fn by_number(aid: &[Aid], students: &[Student], links: &Links) -> Vec<Option<usize>> {
    // The payments' numbers, each distinct one in a slot, looked up from every student
    // link (the links outnumber the payments: the map is kept to the payments' size).
    let mut slots: FxHashMap<&str, u32> =
        FxHashMap::with_capacity_and_hasher(aid.len(), Default::default());
    let slot_of: Vec<u32> = aid
        .iter()
        .map(|a| {
            let next = slots.len() as u32;
            *slots.entry(a.student_no.as_str()).or_insert(next)
        })
        .collect();
    let hits: Vec<(u32, usize)> = links
        .students
        .par_iter()
        .chain(links.extra_students.par_iter())
        .filter_map(|l| {
            let no = students[l.record].student_no.as_str();
            slots.get(no).map(|&slot| (slot, l.child))
        })
        .collect();
    // Per slot: unseen, one child, or several (None).
    let mut child: Vec<Option<Option<usize>>> = vec![None; slots.len()];
    for (slot, c) in hits {
        let entry = &mut child[slot as usize];
        match entry {
            None => *entry = Some(Some(c)),
            Some(Some(seen)) if *seen != c => *entry = Some(None),
            Some(_) => {}
        }
    }
    slot_of
        .iter()
        .map(|&s| child[s as usize].flatten())
        .collect()
}

/// Links every payment it can: by student number, by ID (the exact pass's), fuzzily,
/// within `blocks` (from [`kept_blocks`]).
pub(super) fn link_aid(
    links: &mut Links,
    cx: &Context,
    (names, blocks): (&Folded, Option<&KeptBlocks>),
    (cohort, registers): (&Cohort, &Registers),
) {
    let (Some(aid), Some(blocks)) = (&registers.aid, blocks) else {
        return;
    };
    let by_number = by_number(&aid.rows, &registers.students.rows, links);
    // `links.aid` holds the exact pass's links still.
    let by_id = by_id(links, cx.id_doubt(), (cohort, registers, &aid.rows));
    let mut linked: Vec<Link> = (0..aid.rows.len())
        .filter_map(|j| {
            by_number[j]
                .or(by_id.child[j])
                .map(|child| exact_link(child, j))
        })
        .collect();
    let mut used = set_aside(&aid.rows, &by_id, &registers.population);
    for l in &linked {
        used[l.record] = true;
    }
    let source = source(&aid.rows, names, by_id.doubted, used);
    let everyone = vec![false; cohort.children.len()];
    let params = links.student_fuzzy.as_ref().map(|o| &o.params);
    let outcome = cx.link_within(&source, &everyone, blocks, (PerChild::Many, params));

    // A valid ID (one ending in 000, one that belongs to no one) links only to a child it
    // is a rounding or a typo of: the payments carry no division to tell a namesake born
    // the same day elsewhere from the child.
    let id_field = CompareField::IdNumber.at();
    let different = IdLevel::Different.index();
    linked.extend(
        outcome
            .links
            .iter()
            .filter(|p| !aid.rows[p.record].id.class.is_usable() || p.levels[id_field] != different)
            .map(passes::fuzzy_link_of),
    );
    linked.sort_by_key(|l| (l.child, l.record));
    links.aid = linked;
    // Payments in the review band, or tied between namesakes: they may be these
    // children's, so none of them is said to be without aid on their account.
    let mut review: Vec<Link> = outcome
        .review
        .iter()
        .filter(|p| !aid.rows[p.record].id.class.is_usable() || p.levels[id_field] != different)
        .map(passes::fuzzy_link_of)
        .collect();
    // A payment that neither links nor goes to review, yet carries a child's name and
    // birth date exactly (namesakes born the same day tie, and with no usable ID and no
    // school on the payment nothing tells them apart, so the pair weighs below review):
    // it may be any of theirs, and none of them is said to be without aid on its account.
    let decided: FxHashSet<usize> = links.aid.iter().chain(&review).map(|l| l.record).collect();
    let (name, birth) = (CompareField::Name.at(), CompareField::BirthDate.at());
    review.extend(
        outcome
            .candidates
            .iter()
            .filter(|p| !decided.contains(&p.record))
            .filter(|p| p.levels[name] == NameLevel::Exact.index())
            .filter(|p| p.levels[birth] == DateLevel::Exact.index())
            .filter(|p| !aid.rows[p.record].id.class.is_usable() || p.levels[id_field] != different)
            .map(passes::fuzzy_link_of),
    );
    review.sort_by_key(|l| (l.child, l.record));
    links.aid_review = review;
}
