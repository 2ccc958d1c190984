//! closed.csv, the cases of the previous ledger closed tonight and why, with the staff's
//! columns; and history.csv, one row per run and county, the previous run's rows kept and
//! tonight's appended, so that a centre can chart how the list shrinks over months; and
//! worked_untied.csv, the rows of worked ledgers whose notes tie to no case.

use super::table::{DeclaredColumn, Field, Sensitivity, csv_cells, header, names, text};
use super::writer::{Workbook, Writer};
use crate::ground::schema::files;
use crate::pipeline::history::{ClosedCase, History, Return, UntiedRow};
use crate::pipeline::normalize::date::Date;
use crate::pipeline::summary::{Level, Summary, SummaryRow};

/// The names of closed.csv's columns that are read back (see [`read_closed`]).
pub mod closed_col {
    pub const CASE_ID: &str = "case_id";
    pub const ID_NUMBER: &str = "id_number";
    pub const FIRST_FLAGGED: &str = "first_flagged";
    pub const CLOSED_REASON: &str = "closed_reason";
    pub const DETAIL: &str = "detail";
    pub const SCHOOL_CODE: &str = "school_code";
}

/// The columns of closed.csv, before the staff's.
pub(super) const CLOSED: [Field<ClosedCase>; 13] = [
    text!(ClosedCase, closed_col::CASE_ID, Code, |r: &ClosedCase| r
        .case
        .case_id
        .clone()),
    text!(ClosedCase, closed_col::ID_NUMBER, Id, |r: &ClosedCase| r
        .case
        .id_number
        .clone()),
    text!(ClosedCase, "name", Name, |r: &ClosedCase| r
        .case
        .name
        .clone()),
    text!(ClosedCase, "sex", Code, |r: &ClosedCase| r.case.sex.clone()),
    text!(ClosedCase, "birth_date", Date, |r: &ClosedCase| r
        .case
        .birth_date
        .clone()),
    text!(ClosedCase, "division_code", Code, |r: &ClosedCase| r
        .case
        .division_code
        .clone()),
    text!(ClosedCase, "division_name", Code, |r: &ClosedCase| {
        crate::ground::divisions::full_name(&r.case.division_code)
    }),
    text!(
        ClosedCase,
        closed_col::FIRST_FLAGGED,
        Date,
        |r: &ClosedCase| r.case.first_flagged.clone()
    ),
    text!(ClosedCase, "last_reason", Code, |r: &ClosedCase| r
        .case
        .reason
        .clone()),
    text!(
        ClosedCase,
        closed_col::CLOSED_REASON,
        Code,
        |r: &ClosedCase| r.closure.key().to_string()
    ),
    text!(
        ClosedCase,
        closed_col::DETAIL,
        FreeText,
        |r: &ClosedCase| r.detail.clone()
    ),
    text!(
        ClosedCase,
        closed_col::SCHOOL_CODE,
        Code,
        |r: &ClosedCase| r.school_code.clone()
    ),
    text!(ClosedCase, "student_no", Id, |r: &ClosedCase| r
        .student_no
        .clone()),
];

/// The columns of worked_untied.csv: the rows of worked ledgers that hold notes and tie to
/// no case, with where they are, for staff to tie by hand.
pub(super) const UNTIED: [Field<UntiedRow>; 6] = [
    // As staff wrote them: a file or sheet name, or a case number cell, may name a child.
    text!(UntiedRow, "file", FreeText, |r: &UntiedRow| r.file.clone()),
    Field {
        name: "line",
        kind: super::table::Kind::Int,
        sensitivity: Sensitivity::Count,
        cell: |r: &UntiedRow| super::table::Cell::Int(i32::try_from(r.line).unwrap_or(i32::MAX)),
    },
    text!(UntiedRow, "case_id", FreeText, |r: &UntiedRow| r
        .case_id
        .clone()),
    text!(UntiedRow, "id_number", Id, |r: &UntiedRow| r
        .id_number
        .clone()),
    text!(UntiedRow, "name", Name, |r: &UntiedRow| r.name.clone()),
    text!(UntiedRow, "staff_notes", FreeText, |r: &UntiedRow| r
        .notes
        .clone()),
];

/// The names of returns.csv's columns, read back by the next night.
pub mod returns_col {
    pub const CASE_ID: &str = "case_id";
    pub const ID_NUMBER: &str = "id_number";
    pub const NAME: &str = "name";
    pub const DIVISION_CODE: &str = "division_code";
    pub const FIRST_FLAGGED: &str = "first_flagged";
    pub const RETURNED_ON: &str = "returned_on";
    pub const SCHOOL_CODE: &str = "school_code";
    pub const STUDENT_NO: &str = "student_no";
}

/// The columns of returns.csv: the children brought back to school after a case lately.
pub(super) const RETURNS: [Field<Return>; 8] = [
    text!(Return, returns_col::CASE_ID, Code, |r: &Return| r
        .case_id
        .clone()),
    text!(Return, returns_col::ID_NUMBER, Id, |r: &Return| r
        .id_number
        .clone()),
    text!(Return, returns_col::NAME, Name, |r: &Return| r.name.clone()),
    text!(Return, returns_col::DIVISION_CODE, Code, |r: &Return| r
        .division_code
        .clone()),
    text!(Return, returns_col::FIRST_FLAGGED, Date, |r: &Return| r
        .first_flagged
        .clone()),
    text!(Return, returns_col::RETURNED_ON, Date, |r: &Return| r
        .returned_on
        .clone()),
    text!(Return, returns_col::SCHOOL_CODE, Code, |r: &Return| r
        .school_code
        .clone()),
    text!(Return, returns_col::STUDENT_NO, Id, |r: &Return| r
        .student_no
        .clone()),
];

/// The columns of history.csv: counts per night and county.
pub(super) const TREND: [DeclaredColumn; 14] = {
    use Sensitivity::{Code, Count, Date};
    [
        DeclaredColumn::new("run_date", Date),
        DeclaredColumn::new("level", Code),
        DeclaredColumn::new("division_code", Code),
        DeclaredColumn::new("division_name", Code),
        DeclaredColumn::new("cohort", Count),
        DeclaredColumn::new("enrolled", Count),
        DeclaredColumn::new("flagged", Count),
        DeclaredColumn::new("flagged_poor", Count),
        DeclaredColumn::new("exempt", Count),
        DeclaredColumn::new("previous_flagged", Count),
        DeclaredColumn::new("new", Count),
        DeclaredColumn::new("returned", Count),
        DeclaredColumn::new("closed", Count),
        DeclaredColumn::new("coverage_rate", Count),
    ]
};

/// The names of history.csv's columns.
pub const TREND_COLUMNS: [&str; 14] = names(&TREND);

/// Writes closed.csv (with a header only when nothing closed), worked_untied.csv (the
/// same) and history.csv, whose rows are `trend` (see [`trend`]).
pub fn write_cases(
    out: &Writer,
    history: &History,
    trend: &[Vec<String>],
    run_date: Date,
) -> anyhow::Result<()> {
    let mut names = header(&CLOSED);
    names.extend(history.staff_columns.iter().map(String::as_str));
    let width = history.staff_columns.len();
    out.csv_and_workbook(
        files::CLOSED_CSV,
        &names,
        || {
            history.closed.iter().map(|row| {
                let mut cells = csv_cells(&CLOSED, row);
                cells.extend((0..width).map(|i| row.notes.get(i).cloned().unwrap_or_default()));
                cells
            })
        },
        &Workbook {
            name: files::CLOSED_XLSX,
            sheet: ("closed", "已销号"),
            created: run_date,
            kinds: super::table::kinds(&CLOSED, &names),
            streamed: false,
        },
    )?;
    out.csv(
        files::WORKED_UNTIED_CSV,
        &header(&UNTIED),
        history.untied.iter().map(|row| csv_cells(&UNTIED, row)),
    )?;
    out.csv(
        files::RETURNS_CSV,
        &header(&RETURNS),
        history.returns.iter().map(|row| csv_cells(&RETURNS, row)),
    )?;
    out.csv(files::HISTORY_CSV, &TREND_COLUMNS, trend.iter().cloned())
}

/// history.csv's rows ([`TREND_COLUMNS`]): the previous run's, and tonight's totals and
/// counties from `summary`.
pub fn trend(history: &History, summary: &Summary, run_date: Date) -> Vec<Vec<String>> {
    let night = run_date.to_string();
    // A rerun of the same night replaces that night's rows.
    let kept = history.trend.iter().filter(|r| r.first() != Some(&night));
    let tonight = summary
        .rows
        .iter()
        .filter(|r| matches!(r.level, Level::All | Level::County))
        .map(|r| trend_row(&night, r));
    let mut rows: Vec<Vec<String>> = kept.cloned().chain(tonight).collect();
    // By night, then the total before the counties, as the summary orders them.
    rows.sort_by(|a, b| (&a[0], a[1] != "all", &a[2]).cmp(&(&b[0], b[1] != "all", &b[2])));
    rows
}

fn trend_row(night: &str, r: &SummaryRow) -> Vec<String> {
    let c = &r.counts;
    vec![
        night.to_string(),
        r.level.key().to_string(),
        r.division_code.clone(),
        crate::ground::divisions::name(&r.division_code).to_string(),
        c.cohort.to_string(),
        c.enrolled.to_string(),
        c.flagged.to_string(),
        c.flagged_poor.to_string(),
        c.exempt.to_string(),
        c.previous_flagged.to_string(),
        c.new.to_string(),
        c.returned.to_string(),
        c.closed.to_string(),
        r.coverage_rate.map_or(String::new(), |c| format!("{c:.4}")),
    ]
}

/// A case of a closed.csv read back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClosedEntry {
    pub case_id: String,
    pub id_number: String,
    pub closed_reason: String,
    pub detail: String,
    pub school_code: String,
    pub first_flagged: String,
}

/// Reads the closed.csv at `path`, as sanku wrote it or as a spreadsheet saved it again
/// (see [`super::csv::read_columns`]).
pub fn read_closed(path: &std::path::Path) -> anyhow::Result<Vec<ClosedEntry>> {
    use closed_col::*;
    let columns = [
        CASE_ID,
        ID_NUMBER,
        CLOSED_REASON,
        DETAIL,
        SCHOOL_CODE,
        FIRST_FLAGGED,
    ];
    Ok(super::csv::read_columns(path, &columns)?
        .into_iter()
        .map(|row| {
            let [
                case_id,
                id_number,
                closed_reason,
                detail,
                school_code,
                first_flagged,
            ]: [String; 6] = row.try_into().expect("six columns");
            ClosedEntry {
                case_id,
                id_number,
                closed_reason,
                detail,
                school_code,
                first_flagged,
            }
        })
        .collect())
}
