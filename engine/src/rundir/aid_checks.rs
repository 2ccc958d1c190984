//! The aid register's checks (checks/poor_enrolled_without_aid.csv,
//! checks/poor_enrolled_aid_in_review.csv, checks/aid_unmatched.csv): written on every run,
//! with a header only when no aid register was given.

use super::table::{DeclaredColumn, Field, declared, header, sorted_cells, text};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::{Aid, Person, Registers, Student};
use crate::pipeline::verify::Findings;

/// A poor enrolled child with no aid for the current term.
struct WithoutAid<'a> {
    child: &'a Person,
    age: i32,
    household_no: &'a str,
    student: Option<&'a Student>,
    /// The terms of the aid paid for the child in other terms.
    other_terms: String,
}

fn without_aid<'a>() -> [Field<WithoutAid<'a>>; 12] {
    type R<'a> = WithoutAid<'a>;
    [
        text!(R, "division_code", Code, |r: &R| r
            .child
            .division
            .to_string()),
        text!(R, "division_name", Code, |r: &R| {
            crate::ground::divisions::full_name(&r.child.division)
        }),
        text!(R, "id_number", Id, |r: &R| r.child.id.text.to_string()),
        text!(R, "name", Name, |r: &R| r.child.name.to_string()),
        text!(R, "sex", Code, |r: &R| r.child.sex.key().to_string()),
        text!(R, "birth_date", Date, |r: &R| r.child.birth.to_string()),
        text!(R, "age", Count, |r: &R| r.age.to_string()),
        text!(R, "household_no", Id, |r: &R| r.household_no.to_string()),
        text!(R, "student_no", Id, |r: &R| r
            .student
            .map_or(String::new(), |s| s.student_no.to_string())),
        text!(R, "school_code", Code, |r: &R| r
            .student
            .map_or(String::new(), |s| s.school_code.to_string())),
        text!(R, "grade", Code, |r: &R| r
            .student
            .map_or(String::new(), |s| s.grade.to_string())),
        text!(R, "other_terms", Code, |r: &R| r.other_terms.clone()),
    ]
}

/// A payment linked to no child, with the children it may belong to (for one in review).
struct Payment<'a> {
    aid: &'a Aid,
    may_belong_to: String,
}

fn unmatched<'a>() -> Vec<Field<Payment<'a>>> {
    type R<'a> = Payment<'a>;
    vec![
        text!(R, "id_number", Id, |r: &R| r.aid.id.text.to_string()),
        text!(R, "id_class", Code, |r: &R| r
            .aid
            .id
            .class
            .key()
            .to_string()),
        text!(R, "student_no", Id, |r: &R| r.aid.student_no.to_string()),
        text!(R, "name", Name, |r: &R| r.aid.name.to_string()),
        text!(R, "programme", Code, |r: &R| r.aid.programme.to_string()),
        text!(R, "amount", Count, |r: &R| r.aid.amount.to_string()),
        text!(R, "term", Code, |r: &R| r
            .aid
            .term
            .map_or(String::new(), |t| t.to_string())),
        text!(R, "line", Count, |r: &R| r.aid.line.to_string()),
    ]
}

/// A payment in review: the unmatched columns, and the ID numbers of the children it may
/// belong to.
fn in_review<'a>() -> Vec<Field<Payment<'a>>> {
    let mut columns = unmatched();
    columns.push(text!(Payment, "may_belong_to", Ids, |r: &Payment| r
        .may_belong_to
        .clone()));
    columns
}

/// The files of `checks/` this module writes, with their columns.
pub(super) fn declared_files() -> Vec<(&'static str, Vec<DeclaredColumn>)> {
    vec![
        (
            files::POOR_ENROLLED_WITHOUT_AID_CSV,
            declared(&without_aid()),
        ),
        (
            files::POOR_ENROLLED_AID_IN_REVIEW_CSV,
            declared(&without_aid()),
        ),
        (files::AID_UNMATCHED_CSV, declared(&unmatched())),
        (files::AID_IN_REVIEW_CSV, declared(&in_review())),
    ]
}

/// Writes the aid checks into the run's checks folder.
pub fn write_aid_checks(
    out: &Writer,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    findings: &Findings,
) -> anyhow::Result<()> {
    let students = &registers.students.rows;
    let poverty = &registers.poverty.rows;
    let find = |list: &[crate::pipeline::link::Link], child: usize| {
        list.binary_search_by_key(&child, |l| l.child)
            .ok()
            .map(|k| list[k].record)
    };
    let schema = without_aid();
    for (name, children) in [
        (
            files::POOR_ENROLLED_WITHOUT_AID_CSV,
            &findings.poor_enrolled_without_aid,
        ),
        (
            files::POOR_ENROLLED_AID_IN_REVIEW_CSV,
            &findings.poor_enrolled_aid_in_review,
        ),
    ] {
        let rows: Vec<WithoutAid> = match &registers.aid {
            None => Vec::new(),
            Some(aid) => children
                .iter()
                .map(|&i| {
                    let first = links.aid.partition_point(|l| l.child < i);
                    let mut terms: Vec<String> = links.aid[first..]
                        .iter()
                        .take_while(|l| l.child == i)
                        .filter_map(|l| aid.rows[l.record].term.map(|t| t.to_string()))
                        .collect();
                    terms.sort();
                    terms.dedup();
                    let child = &cohort.children[i];
                    WithoutAid {
                        child,
                        age: cohort.window.age(child.birth),
                        household_no: find(&links.poverty, i)
                            .map_or("", |r| poverty[r].household_no.as_str()),
                        student: find(&links.students, i).map(|r| &students[r]),
                        other_terms: terms.join(";"),
                    }
                })
                .collect(),
        };
        out.csv(
            &files::in_checks(name),
            &header(&schema),
            sorted_cells(&schema, &rows, &["division_code", "id_number"]),
        )?;
    }

    // Payments linked to no child: in review for some (checks/aid_in_review.csv, with the
    // ID numbers of the children they may belong to), or for none (aid_unmatched.csv).
    let mut may_belong_to: rustc_hash::FxHashMap<usize, Vec<&str>> = Default::default();
    for l in &links.aid_review {
        let id = cohort.children[l.child].id.text.as_str();
        may_belong_to.entry(l.record).or_default().push(id);
    }
    for (name, list, schema) in [
        (
            files::AID_UNMATCHED_CSV,
            &findings.aid_unmatched,
            unmatched(),
        ),
        (
            files::AID_IN_REVIEW_CSV,
            &findings.aid_in_review,
            in_review(),
        ),
    ] {
        let rows: Vec<Payment> = match &registers.aid {
            None => Vec::new(),
            Some(aid) => list
                .iter()
                .map(|&j| {
                    let mut children = may_belong_to.get(&j).cloned().unwrap_or_default();
                    children.sort_unstable();
                    children.dedup();
                    Payment {
                        aid: &aid.rows[j],
                        may_belong_to: children.join(";"),
                    }
                })
                .collect(),
        };
        out.csv(
            &files::in_checks(name),
            &header(&schema),
            sorted_cells(&schema, &rows, &["student_no", "id_number", "line#"]),
        )?;
    }
    Ok(())
}
