//! risk.csv, risk.xlsx and risk.parquet: the enrolled children at risk of leaving school,
//! by score, poor first (docs/risk.md). `risk_factors` lists the child's factors (in
//! Chinese each word translated), the columns after it what each factor saw; the Parquet
//! file adds a flag per factor for programs.

use std::cell::RefCell;

use super::table::{
    Cell, DeclaredColumn, Field, FrameBuilder, Kind, Sensitivity, declared, header, row_cells, text,
};
use super::writer::{Workbook, Writer};
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::{Disability, Person, Registers, Student};
use crate::pipeline::risk::{Factor, Risk, RiskRow};

/// A row of the list: the child, their standing student record and certificate.
pub(super) struct AtRisk<'a> {
    row: &'a RiskRow,
    child: &'a Person,
    /// The student row standing for the child's registration.
    s: &'a Student,
    age: i32,
    certificate: Option<&'a Disability>,
}

/// A factor's flag column.
macro_rules! factor {
    ($factor:expr) => {
        Field {
            name: $factor.column(),
            kind: Kind::Flag,
            sensitivity: Sensitivity::Count,
            cell: |r: &AtRisk| Cell::Flag(r.row.factors.contains($factor)),
        }
    };
}

/// A count or number column, empty when there is none.
fn number(n: Option<impl ToString>) -> String {
    n.map_or(String::new(), |n| n.to_string())
}

/// A count, empty when 0 (most rows): the sheet stays light.
fn count(n: u32) -> String {
    number((n > 0).then_some(n))
}

/// The list's columns.
pub(super) fn columns<'a>() -> Vec<Field<AtRisk<'a>>> {
    type R<'a> = AtRisk<'a>;
    let mut columns = vec![
        text!(R, "id_number", Id, |r: &R| r.child.id.text.to_string()),
        text!(R, "name", Name, |r: &R| r.child.name.to_string()),
        text!(R, "sex", Code, |r: &R| r.child.sex.key().to_string()),
        text!(R, "birth_date", Date, |r: &R| r.child.birth.to_string()),
        Field {
            name: "age",
            kind: Kind::Int,
            sensitivity: Sensitivity::Count,
            cell: |r: &R| Cell::Int(r.age),
        },
        text!(R, "division_code", Code, |r: &R| r
            .child
            .division
            .to_string()),
        text!(R, "division_name", Code, |r: &R| {
            crate::ground::divisions::full_name(&r.child.division)
        }),
        Field {
            name: "poor",
            kind: Kind::Flag,
            sensitivity: Sensitivity::Count,
            cell: |r: &R| Cell::Flag(r.row.poor),
        },
        Field {
            name: "risk_score",
            kind: Kind::Int,
            sensitivity: Sensitivity::Count,
            cell: |r: &R| Cell::Int(r.row.score as i32),
        },
        text!(R, "risk_factors", Code, |r: &R| r
            .row
            .factors
            .iter()
            .map(Factor::key)
            .collect::<Vec<_>>()
            .join(";")),
        text!(R, "student_no", Id, |r: &R| r.s.student_no.to_string()),
    ];
    columns.extend(super::checks::school_columns!(R));
    columns.extend([
        text!(R, "years_over_age", Count, |r: &R| number(
            r.row.years_over_age.filter(|&y| y > 0)
        )),
        text!(R, "aid_gap", Code, |r: &R| r
            .row
            .aid
            .map_or(String::new(), |a| a.key().to_string())),
        text!(R, "suspended_rows", Count, |r: &R| count(
            r.row.suspended_rows
        )),
        text!(R, "returned_on", Date, |r: &R| r.row.returned_on.clone()),
        text!(R, "transfers", Count, |r: &R| count(r.row.transfers)),
        text!(R, "flagged_siblings", Count, |r: &R| count(
            r.row.flagged_siblings
        )),
        text!(R, "household_no", Id, |r: &R| r.row.household_no.clone()),
        text!(R, "disability_category", Code, |r: &R| r
            .certificate
            .map_or(String::new(), |d| d.category.to_string())),
        text!(R, "disability_level", Code, |r: &R| number(
            r.certificate.and_then(|d| d.level)
        )),
    ]);
    columns
}

/// The Parquet file's columns: the list's, and a flag per factor for programs.
fn parquet_columns<'a>() -> Vec<Field<AtRisk<'a>>> {
    let mut schema = columns();
    schema.extend([
        factor!(Factor::OverAge),
        factor!(Factor::Unaided),
        factor!(Factor::Suspended),
        factor!(Factor::Returned),
        factor!(Factor::Transfers),
        factor!(Factor::Sibling),
        factor!(Factor::Disability),
        factor!(Factor::FarFromHome),
    ]);
    schema
}

/// The columns of risk.csv, declared for the run directory's contents.
pub(super) fn declared_columns() -> Vec<DeclaredColumn> {
    declared(&columns())
}

/// The columns of risk.parquet, declared likewise.
pub(super) fn declared_parquet_columns() -> Vec<DeclaredColumn> {
    declared(&parquet_columns())
}

/// Writes the list in its three forms, dated `created`.
pub fn write_risk(
    out: &Writer,
    cohort: &Cohort,
    registers: &Registers,
    risk: &Risk,
    created: Date,
) -> anyhow::Result<()> {
    let certificates = registers.disability.as_ref();
    let rows: Vec<AtRisk> = risk
        .rows
        .iter()
        .map(|row| {
            let child = &cohort.children[row.child];
            AtRisk {
                row,
                child,
                s: &registers.students.rows[row.student],
                age: cohort.window.age(child.birth),
                certificate: row
                    .certificate
                    .and_then(|c| certificates.map(|d| &d.rows[c])),
            }
        })
        .collect();
    // The list's columns are the Parquet file's first: each row's cells are made once,
    // for the three files.
    let schema = parquet_columns();
    let listed = columns().len();
    let names = header(&schema[..listed]);
    let parquet = RefCell::new(FrameBuilder::new(&schema, rows.len()));
    out.csv_and_workbook(
        files::RISK_CSV,
        &names,
        || {
            rows.iter().map(|r| {
                let cells = row_cells(&schema, r);
                parquet.borrow_mut().push(&cells);
                cells.into_iter().take(listed).map(Cell::text).collect()
            })
        },
        &Workbook {
            name: files::RISK_XLSX,
            sheet: ("at risk", "重点关注学生"),
            created,
            kinds: super::table::kinds(&schema[..listed], &names),
            streamed: true,
        },
    )?;
    // A streamed workbook takes the rows once, with its CSV file.
    let frame = parquet.into_inner().finish()?;
    anyhow::ensure!(
        frame.height() == rows.len(),
        "{} rows for risk.parquet, {} on the list",
        frame.height(),
        rows.len()
    );
    out.parquet(files::RISK_PARQUET, &frame)
}
