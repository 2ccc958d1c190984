//! The aid register's checks (checks/poor_enrolled_without_aid.csv,
//! checks/poor_enrolled_aid_in_review.csv, checks/aid_unmatched.csv): written on every run,
//! with a header only when no aid register was given.

use std::path::Path;

use super::csv::write_csv;
use super::table::{Field, header, sorted_cells, text};
use crate::cohort::Cohort;
use crate::link::Links;
use crate::normalize::{Aid, Person, Registers, Student};
use crate::schema::files;
use crate::verify::Findings;

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
        text!(R, "division_code", |r: &R| r.child.division.to_string()),
        text!(R, "division_name", |r: &R| crate::divisions::full_name(
            &r.child.division
        )),
        text!(R, "id_number", |r: &R| r.child.id.text.to_string()),
        text!(R, "name", |r: &R| r.child.name.to_string()),
        text!(R, "sex", |r: &R| r.child.sex.key().to_string()),
        text!(R, "birth_date", |r: &R| r.child.birth.to_string()),
        text!(R, "age", |r: &R| r.age.to_string()),
        text!(R, "household_no", |r: &R| r.household_no.to_string()),
        text!(R, "student_no", |r: &R| r
            .student
            .map_or(String::new(), |s| s.student_no.to_string())),
        text!(R, "school_code", |r: &R| r
            .student
            .map_or(String::new(), |s| s.school_code.to_string())),
        text!(R, "grade", |r: &R| r
            .student
            .map_or(String::new(), |s| s.grade.to_string())),
        text!(R, "other_terms", |r: &R| r.other_terms.clone()),
    ]
}

fn unmatched<'a>() -> [Field<(usize, &'a Aid)>; 8] {
    type R<'a> = (usize, &'a Aid);
    [
        text!(R, "id_number", |r: &R| r.1.id.text.to_string()),
        text!(R, "id_class", |r: &R| r.1.id.class.key().to_string()),
        text!(R, "student_no", |r: &R| r.1.student_no.to_string()),
        text!(R, "name", |r: &R| r.1.name.to_string()),
        text!(R, "programme", |r: &R| r.1.programme.to_string()),
        text!(R, "amount", |r: &R| r.1.amount.to_string()),
        text!(R, "term", |r: &R| r
            .1
            .term
            .map_or(String::new(), |t| t.to_string())),
        text!(R, "line", |r: &R| r.1.line.to_string()),
    ]
}

/// Writes both files into `dir` (the run's checks folder).
pub fn write_aid_checks(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    findings: &Findings,
) -> anyhow::Result<()> {
    let students = &registers.students.rows;
    let poverty = &registers.poverty.rows;
    let find = |list: &[crate::link::Link], child: usize| {
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
        write_csv(
            dir,
            name,
            &header(&schema),
            sorted_cells(&schema, &rows, &["division_code", "id_number"]),
        )?;
    }

    let rows: Vec<(usize, &Aid)> = match &registers.aid {
        None => Vec::new(),
        Some(aid) => findings
            .aid_unmatched
            .iter()
            .map(|&j| (j, &aid.rows[j]))
            .collect(),
    };
    let schema = unmatched();
    write_csv(
        dir,
        files::AID_UNMATCHED_CSV,
        &header(&schema),
        sorted_cells(&schema, &rows, &["student_no", "id_number", "line#"]),
    )
}
