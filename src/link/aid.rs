//! Aid payments to children. The student aid system takes its students from the student
//! register by student number, so a payment's student number names the child whose record
//! carries it, however that record was linked (exactly or fuzzily); failing that, the
//! payment's ID number; failing both, for a payment whose ID is unusable (or may be a
//! spreadsheet's rounding), fuzzy linkage on name, birth date and sex with the student
//! records' weights, links only (no review band: a payment in doubt counts for no one).

use rustc_hash::{FxHashMap, FxHashSet};

use super::assign::PerChild;
use super::block::BIRTH_DATE_SURNAME_PASS;
use super::identity::{ROUNDED_PENALTY, child_weight};
use super::passes::{self, Context, FuzzySource, NO_ID};
use super::{Link, Links, exact_link};
use crate::cohort::Cohort;
use crate::link::compare::{CompareField, CompareView, DateLevel, IdLevel, NameLevel};
use crate::normalize::{Registers, Text};

/// Links every payment it can: by student number, by ID (the exact pass's), fuzzily.
pub(super) fn link_aid(
    links: &mut Links,
    cx: &Context,
    names: &[Text],
    (cohort, registers): (&Cohort, &Registers),
) {
    let Some(aid) = &registers.aid else {
        return;
    };
    let students = &registers.students.rows;
    // Student number → child; a number two children's records carry names no one.
    let mut by_number: FxHashMap<&str, Option<usize>> = FxHashMap::default();
    for l in links.students.iter().chain(&links.extra_students) {
        let no = students[l.record].student_no.as_str();
        let entry = by_number.entry(no).or_insert(Some(l.child));
        if *entry != Some(l.child) {
            *entry = None;
        }
    }
    // An ID agreement is verified as the other registers' are: a payment whose name,
    // birth date and sex contradict the child its ID points to (a sibling's ID, or a
    // spreadsheet's rounding that is another child's) is not that child's, and goes to
    // fuzzy linkage without its ID.
    let mut by_id: Vec<Option<usize>> = vec![None; aid.rows.len()];
    let mut doubted = vec![false; aid.rows.len()];
    for l in &links.aid {
        let (c, a) = (&cohort.children[l.child], &aid.rows[l.record]);
        let rounded = if a.id.maybe_rounded() {
            ROUNDED_PENALTY
        } else {
            0.0
        };
        let weight = child_weight((&c.name, c.birth, c.sex), (&a.name, a.birth, a.sex));
        if weight - rounded >= cx.id_doubt() {
            by_id[l.record] = Some(l.child);
        } else {
            doubted[l.record] = true;
        }
    }
    let mut linked: Vec<Link> = aid
        .rows
        .iter()
        .enumerate()
        .filter_map(|(j, a)| {
            let by_no = by_number.get(a.student_no.as_str()).copied().flatten();
            by_no.or(by_id[j]).map(|child| exact_link(child, j))
        })
        .collect();

    // Left for fuzzy linkage: payments without a usable ID, and those whose valid ID ends
    // in 000 (a spreadsheet may have rounded it and the check passed). Any other valid ID
    // that is no child's is someone else's, however alike namesakes' names and birth dates
    // are.
    let mut used: Vec<bool> = aid
        .rows
        .iter()
        .zip(&doubted)
        .map(|(a, &doubted)| a.id.class.is_usable() && !a.id.maybe_rounded() && !doubted)
        .collect();
    for l in &linked {
        used[l.record] = true;
    }
    let source = FuzzySource {
        len: aid.rows.len(),
        universe: (0..aid.rows.len()).collect(),
        view: Box::new(move |j| {
            let a = &aid.rows[j];
            CompareView {
                id: if doubted[j] { &NO_ID } else { &a.id },
                name: if names[j].is_empty() {
                    &a.name
                } else {
                    &names[j]
                },
                birth: a.birth,
                sex: a.sex,
                division: "",
            }
        }),
        key: Box::new(move |j| {
            let a = &aid.rows[j];
            format!("{}|{}|{}|{}", a.student_no, a.id.text, a.name, a.line)
        }),
        used,
        // The payments left over are few against every child: found by birth date (the
        // aid system copies it from the student register) and the name's first character,
        // not by the name and ID passes, which would key every child's name and ID, nor by
        // birth date alone, whose blocks hold a province's children born that day.
        passes: BIRTH_DATE_SURNAME_PASS,
    };
    let everyone = vec![false; cohort.children.len()];
    let params = links.student_fuzzy.as_ref().map(|o| &o.params);
    let outcome = cx.link_fuzzily(&source, &everyone, (PerChild::Many, params));
    // A valid ID ending in 000 links only to the child it is a rounding of.
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
