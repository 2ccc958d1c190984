//! ledger.csv and ledger.parquet: one row per flagged child, in ledger order.

use std::path::Path;

use polars::prelude::Column;

use super::table::{Cell, Field, Kind, Sensitivity, csv_cells, frame, header, text};
use super::writer::{Workbook, Writer};
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::classify::{Ledger, LedgerRow};
use crate::pipeline::load::parquet::{read_frame, text_column};
use crate::pipeline::normalize::date::Date;

/// The names of the ledger's columns that are read back (see [`read_ledger`]).
pub mod col {
    pub const ID_NUMBER: &str = "id_number";
    pub const NAME: &str = "name";
    pub const SEX: &str = "sex";
    pub const BIRTH_DATE: &str = "birth_date";
    pub const DIVISION_CODE: &str = "division_code";
    pub const POOR: &str = "poor";
    pub const REASON: &str = "reason";
    pub const RECORD_STATUS: &str = "record_status";
    pub const CASE_ID: &str = "case_id";
    pub const CHANGE: &str = "change";
    pub const FIRST_FLAGGED: &str = "first_flagged";
    pub const AIDED_THIS_TERM: &str = "aided_this_term";
}

/// The ledger's columns (docs/usage.md).
pub(super) const LEDGER: [Field<LedgerRow>; 21] = [
    text!(LedgerRow, col::ID_NUMBER, Id, |r: &LedgerRow| r
        .id_number
        .clone()),
    text!(LedgerRow, col::NAME, Name, |r: &LedgerRow| r.name.clone()),
    text!(LedgerRow, col::SEX, Code, |r: &LedgerRow| r.sex.to_string()),
    text!(LedgerRow, col::BIRTH_DATE, Date, |r: &LedgerRow| r
        .birth_date
        .to_string()),
    Field {
        name: "age",
        kind: Kind::Int,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Int(r.age),
    },
    text!(LedgerRow, col::DIVISION_CODE, Code, |r: &LedgerRow| r
        .division_code
        .clone()),
    text!(LedgerRow, "division_name", Code, |r: &LedgerRow| {
        crate::ground::divisions::full_name(&r.division_code)
    }),
    Field {
        name: col::POOR,
        kind: Kind::Flag,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Flag(r.poor),
    },
    text!(LedgerRow, col::REASON, Code, |r: &LedgerRow| r
        .reason
        .clone()),
    text!(LedgerRow, "household_no", Id, |r: &LedgerRow| r
        .household_no
        .clone()),
    text!(LedgerRow, col::RECORD_STATUS, Code, |r: &LedgerRow| r
        .record_status
        .to_string()),
    text!(LedgerRow, "best_candidate", Id, |r: &LedgerRow| r
        .best_candidate
        .clone()),
    Field {
        name: "best_weight",
        kind: Kind::Weight,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Weight(r.best_weight),
    },
    text!(LedgerRow, col::CASE_ID, Code, |r: &LedgerRow| r
        .case
        .case_id
        .clone()),
    text!(LedgerRow, col::CHANGE, Code, |r: &LedgerRow| r
        .case
        .change
        .key()
        .to_string()),
    text!(LedgerRow, col::FIRST_FLAGGED, Date, |r: &LedgerRow| r
        .case
        .first_flagged
        .clone()),
    text!(LedgerRow, "previous_reason", Code, |r: &LedgerRow| r
        .case
        .previous_reason
        .clone()),
    Field {
        name: "disabled",
        kind: Kind::Flag,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Flag(r.disability.is_some()),
    },
    text!(
        LedgerRow,
        "disability_category",
        Code,
        LedgerRow::disability_category
    ),
    text!(
        LedgerRow,
        "disability_level",
        Code,
        LedgerRow::disability_level
    ),
    Field {
        name: col::AIDED_THIS_TERM,
        kind: Kind::Flag,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Flag(r.aided),
    },
];

/// The ledger's columns named `names`, in that order (for files that show ledger rows).
pub fn columns(names: &[&str]) -> Vec<Field<LedgerRow>> {
    names
        .iter()
        .map(|name| {
            *LEDGER
                .iter()
                .find(|f| f.name == *name)
                .unwrap_or_else(|| panic!("no ledger column `{name}`"))
        })
        .collect()
}

/// How a ledger workbook's columns `names` (in English or in Chinese) are written: as the
/// ledger's schema declares them, a staff column as text.
pub fn workbook_kinds(names: &[&str]) -> Vec<super::table::Kind> {
    let names: Vec<&str> = names
        .iter()
        .map(|n| crate::ground::vocab::canonical_column(n))
        .collect();
    super::table::kinds(&LEDGER, &names)
}

/// The names of the columns sanku writes in a ledger; any other column of a ledger that
/// comes back is the staff's.
pub fn column_names() -> Vec<&'static str> {
    header(&LEDGER)
}

/// Writes the ledger in both formats and its workbook, dated `created`: sanku's columns,
/// then the staff's columns carried from the previous ledger.
pub fn write_ledger(
    out: &Writer,
    ledger: &Ledger,
    staff_columns: &[String],
    created: Date,
) -> anyhow::Result<()> {
    let mut names = header(&LEDGER);
    names.extend(staff_columns.iter().map(String::as_str));
    out.csv_and_workbook(
        files::LEDGER_CSV,
        &names,
        || {
            ledger.rows.iter().map(|row| {
                let mut cells = csv_cells(&LEDGER, row);
                cells.extend(
                    (0..staff_columns.len())
                        .map(|i| row.case.notes.get(i).cloned().unwrap_or_default()),
                );
                cells
            })
        },
        &Workbook {
            name: files::LEDGER_XLSX,
            sheet: ("ledger", "疑似失学辍学台账"),
            created,
            kinds: workbook_kinds(&names),
            streamed: false,
        },
    )?;
    let mut frame = frame(&LEDGER, &ledger.rows)?;
    for (i, name) in staff_columns.iter().enumerate() {
        let values: Vec<String> = ledger
            .rows
            .iter()
            .map(|r| r.case.notes.get(i).cloned().unwrap_or_default())
            .collect();
        frame.with_column(Column::new(name.as_str().into(), values))?;
    }
    out.parquet(files::LEDGER_PARQUET, &frame)
}

/// A row of a ledger.parquet read back: the columns the commands use. The ID number, the
/// birth date, the division and the reason are always required, and the columns the
/// reader names; any other column a ledger written by an older sanku lacks reads empty
/// (a flag, false).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id_number: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub division_code: String,
    pub poor: bool,
    pub reason: String,
    pub record_status: String,
    pub case_id: String,
    pub change: String,
    pub first_flagged: String,
    pub aided_this_term: bool,
}

/// Reads the ledger.parquet at `path`, whose columns `required` (of [`col`]) the caller
/// uses; a missing file or required column is bad input.
pub fn read_ledger(path: &Path, required: &[&str]) -> anyhow::Result<Vec<LedgerEntry>> {
    let frame = read_frame(path)?;
    let always = [
        col::ID_NUMBER,
        col::BIRTH_DATE,
        col::DIVISION_CODE,
        col::REASON,
    ];
    let column = |name: &str| -> anyhow::Result<std::vec::IntoIter<String>> {
        match text_column(&frame, name) {
            Some(cells) => Ok(cells.into_iter()),
            None if always.contains(&name) => Err(bad_input(format!(
                "{}: no column `{name}`; is this a ledger sanku wrote?",
                path.display()
            ))),
            None if required.contains(&name) => Err(bad_input(format!(
                "{}: no column `{name}`; written by an older sanku? run it again",
                path.display()
            ))),
            None => Ok(vec![String::new(); frame.height()].into_iter()),
        }
    };
    let mut id_number = column(col::ID_NUMBER)?;
    let mut name = column(col::NAME)?;
    let mut sex = column(col::SEX)?;
    let mut birth_date = column(col::BIRTH_DATE)?;
    let mut division_code = column(col::DIVISION_CODE)?;
    let mut poor = column(col::POOR)?;
    let mut reason = column(col::REASON)?;
    let mut record_status = column(col::RECORD_STATUS)?;
    let mut case_id = column(col::CASE_ID)?;
    let mut change = column(col::CHANGE)?;
    let mut first_flagged = column(col::FIRST_FLAGGED)?;
    let mut aided_this_term = column(col::AIDED_THIS_TERM)?;
    let next = |cells: &mut std::vec::IntoIter<String>| cells.next().unwrap_or_default();
    Ok((0..frame.height())
        .map(|_| LedgerEntry {
            id_number: next(&mut id_number),
            name: next(&mut name),
            sex: next(&mut sex),
            birth_date: next(&mut birth_date),
            division_code: next(&mut division_code),
            poor: next(&mut poor) == "1",
            reason: next(&mut reason),
            record_status: next(&mut record_status),
            case_id: next(&mut case_id),
            change: next(&mut change),
            first_flagged: next(&mut first_flagged),
            aided_this_term: next(&mut aided_this_term) == "1",
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_reads_back_as_written_and_an_older_one_by_what_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let frame = polars::df!(
            col::ID_NUMBER => ["530102201203150117"],
            col::BIRTH_DATE => ["2012-03-15"],
            col::DIVISION_CODE => ["530102"],
            col::REASON => ["no_record"],
            col::POOR => [true],
            col::CASE_ID => ["C20260901-000001"],
        )
        .unwrap();
        crate::rundir::atomic::write_parquet(dir.path(), "ledger.parquet", &frame).unwrap();
        let path = dir.path().join("ledger.parquet");
        let rows = read_ledger(&path, &[col::POOR, col::CASE_ID]).unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (row.id_number.as_str(), row.reason.as_str(), row.poor),
            ("530102201203150117", "no_record", true)
        );
        assert_eq!(row.case_id, "C20260901-000001");
        // A column the reader does not need and the ledger lacks reads empty.
        assert_eq!((row.change.as_str(), row.aided_this_term), ("", false));
        // One it needs is bad input naming it.
        let error = read_ledger(&path, &[col::AIDED_THIS_TERM]).unwrap_err();
        assert!(
            format!("{error}").contains("no column `aided_this_term`; written by an older sanku"),
            "{error}"
        );
    }
}
