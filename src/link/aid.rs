//! Aid payments to children. The student aid system takes its students from the student
//! register by student number, so a payment's student number names the child whose record
//! carries it, however that record was linked (exactly or fuzzily); failing that, the
//! payment's ID number; failing both, fuzzy linkage on name, birth date and sex with the
//! student records' weights, links only (no review band: a payment in doubt counts for no
//! one), and not to a child whose ID a valid one differs from beyond a typo.

use rustc_hash::FxHashMap;

use super::assign::PerChild;
use super::passes::{self, Context, FuzzySource};
use super::{Link, Links, exact_link};
use crate::cohort::Cohort;
use crate::link::compare::{CompareField, CompareView, IdLevel};
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
    let mut by_id: Vec<Option<usize>> = vec![None; aid.rows.len()];
    for l in &links.aid {
        by_id[l.record] = Some(l.child);
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

    let mut used = vec![false; aid.rows.len()];
    for l in &linked {
        used[l.record] = true;
    }
    let source = FuzzySource {
        len: aid.rows.len(),
        universe: (0..aid.rows.len()).collect(),
        view: Box::new(move |j| {
            let a = &aid.rows[j];
            CompareView {
                id: &a.id,
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
    };
    let everyone = vec![false; cohort.children.len()];
    let params = links.student_fuzzy.as_ref().map(|o| &o.params);
    let outcome = cx.link_fuzzily(&source, &everyone, (PerChild::Many, params));
    // A payment whose valid ID is no child's and not one typo from the child's belongs to
    // someone else (a child the population register does not hold), however alike
    // namesakes' names and birth dates are.
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
}
