//! ledger.csv and ledger.parquet: one row per flagged child, in ledger order.

use std::path::Path;

use super::atomic::write_parquet;
use super::csv::write_csv;
use super::table::{Cell, Field, Kind, csv_cells, frame, header, text};
use crate::classify::{Ledger, LedgerRow};
use crate::schema::files;

/// The ledger's columns (docs/usage.md).
const LEDGER: [Field<LedgerRow>; 13] = [
    text!(LedgerRow, "id_number", |r: &LedgerRow| r.id_number.clone()),
    text!(LedgerRow, "name", |r: &LedgerRow| r.name.clone()),
    text!(LedgerRow, "sex", |r: &LedgerRow| r.sex.to_string()),
    text!(LedgerRow, "birth_date", |r: &LedgerRow| r
        .birth_date
        .to_string()),
    Field {
        name: "age",
        kind: Kind::Int,
        cell: |r| Cell::Int(r.age),
    },
    text!(LedgerRow, "division_code", |r: &LedgerRow| r
        .division_code
        .clone()),
    text!(LedgerRow, "division_name", |r: &LedgerRow| {
        crate::divisions::full_name(&r.division_code)
    }),
    Field {
        name: "poor",
        kind: Kind::Flag,
        cell: |r| Cell::Flag(r.poor),
    },
    text!(LedgerRow, "reason", |r: &LedgerRow| r.reason.clone()),
    text!(LedgerRow, "household_no", |r: &LedgerRow| r
        .household_no
        .clone()),
    text!(LedgerRow, "record_status", |r: &LedgerRow| r
        .record_status
        .to_string()),
    text!(LedgerRow, "best_candidate", |r: &LedgerRow| r
        .best_candidate
        .clone()),
    Field {
        name: "best_weight",
        kind: Kind::Weight,
        cell: |r| Cell::Weight(r.best_weight),
    },
];

/// Writes the ledger in both formats.
pub fn write_ledger(dir: &Path, ledger: &Ledger) -> anyhow::Result<()> {
    write_csv(
        dir,
        files::LEDGER_CSV,
        &header(&LEDGER),
        ledger.rows.iter().map(|row| csv_cells(&LEDGER, row)),
    )?;
    write_parquet(dir, files::LEDGER_PARQUET, &frame(&LEDGER, &ledger.rows)?)
}
