//! ledger.csv and ledger.parquet: one row per flagged child, in ledger order.

use std::path::Path;

use polars::prelude::Column;

use super::atomic::write_parquet;
use super::csv::write_csv;
use super::table::{Cell, Field, Kind, Sensitivity, csv_cells, frame, header, text};
use crate::ground::schema::files;
use crate::pipeline::classify::{Ledger, LedgerRow};

/// The ledger's columns (docs/usage.md).
pub(super) const LEDGER: [Field<LedgerRow>; 21] = [
    text!(LedgerRow, "id_number", Id, |r: &LedgerRow| r
        .id_number
        .clone()),
    text!(LedgerRow, "name", Name, |r: &LedgerRow| r.name.clone()),
    text!(LedgerRow, "sex", Code, |r: &LedgerRow| r.sex.to_string()),
    text!(LedgerRow, "birth_date", Date, |r: &LedgerRow| r
        .birth_date
        .to_string()),
    Field {
        name: "age",
        kind: Kind::Int,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Int(r.age),
    },
    text!(LedgerRow, "division_code", Code, |r: &LedgerRow| r
        .division_code
        .clone()),
    text!(LedgerRow, "division_name", Code, |r: &LedgerRow| {
        crate::ground::divisions::full_name(&r.division_code)
    }),
    Field {
        name: "poor",
        kind: Kind::Flag,
        sensitivity: Sensitivity::Count,
        cell: |r| Cell::Flag(r.poor),
    },
    text!(LedgerRow, "reason", Code, |r: &LedgerRow| r.reason.clone()),
    text!(LedgerRow, "household_no", Id, |r: &LedgerRow| r
        .household_no
        .clone()),
    text!(LedgerRow, "record_status", Code, |r: &LedgerRow| r
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
    text!(LedgerRow, "case_id", Code, |r: &LedgerRow| r
        .case
        .case_id
        .clone()),
    text!(LedgerRow, "change", Code, |r: &LedgerRow| r
        .case
        .change
        .key()
        .to_string()),
    text!(LedgerRow, "first_flagged", Date, |r: &LedgerRow| r
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
        name: "aided_this_term",
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

/// The names of the columns sanku writes in a ledger; any other column of a ledger that
/// comes back is the staff's.
pub fn column_names() -> Vec<&'static str> {
    header(&LEDGER)
}

/// Writes the ledger in both formats: sanku's columns, then the staff's columns carried
/// from the previous ledger.
pub fn write_ledger(dir: &Path, ledger: &Ledger, staff_columns: &[String]) -> anyhow::Result<()> {
    let mut names = header(&LEDGER);
    names.extend(staff_columns.iter().map(String::as_str));
    write_csv(
        dir,
        files::LEDGER_CSV,
        &names,
        ledger.rows.iter().map(|row| {
            let mut cells = csv_cells(&LEDGER, row);
            cells.extend(
                (0..staff_columns.len())
                    .map(|i| row.case.notes.get(i).cloned().unwrap_or_default()),
            );
            cells
        }),
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
    write_parquet(dir, files::LEDGER_PARQUET, &frame)
}
