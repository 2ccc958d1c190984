//! ledger.csv and ledger.parquet: one row per flagged child, in ledger order.

use std::path::Path;

use super::atomic::write_parquet;
use super::csv::write_csv;
use super::table::{Cell, Field, Kind, csv_cells, frame, header};
use crate::classify::{Ledger, LedgerRow};
use crate::schema::files;

/// A text column of the ledger.
macro_rules! text {
    ($name:literal, $value:expr) => {
        Field {
            name: $name,
            kind: Kind::Text,
            cell: |r: &LedgerRow| Cell::Text($value(r)),
        }
    };
}

/// The ledger's columns (docs/usage.md).
const LEDGER: [Field<LedgerRow>; 12] = [
    text!("id_number", |r: &LedgerRow| r.id_number.clone()),
    text!("name", |r: &LedgerRow| r.name.clone()),
    text!("sex", |r: &LedgerRow| r.sex.to_string()),
    text!("birth_date", |r: &LedgerRow| r.birth_date.to_string()),
    Field {
        name: "age",
        kind: Kind::Int,
        cell: |r| Cell::Int(r.age),
    },
    text!("division_code", |r: &LedgerRow| r.division_code.clone()),
    Field {
        name: "poor",
        kind: Kind::Flag,
        cell: |r| Cell::Flag(r.poor),
    },
    text!("reason", |r: &LedgerRow| r.reason.clone()),
    text!("household_no", |r: &LedgerRow| r.household_no.clone()),
    text!("record_status", |r: &LedgerRow| r.record_status.to_string()),
    text!("best_candidate", |r: &LedgerRow| r.best_candidate.clone()),
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
