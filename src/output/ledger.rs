//! ledger.csv and ledger.parquet: one row per flagged child, in ledger order.

use std::path::Path;

use polars::prelude::*;

use super::atomic::write_parquet;
use super::csv::{format_weight, write_csv};
use crate::classify::{Ledger, LedgerRow};
use crate::schema::{columns, files};

fn cells(row: &LedgerRow) -> Vec<String> {
    vec![
        row.id_number.clone(),
        row.name.clone(),
        row.sex.to_string(),
        row.birth_date.to_string(),
        row.age.to_string(),
        row.division_code.clone(),
        u8::from(row.poor).to_string(),
        row.reason.clone(),
        row.household_no.clone(),
        row.record_status.to_string(),
        row.best_candidate.clone(),
        format_weight(row.best_weight),
    ]
}

/// Writes the ledger in both formats.
pub fn write_ledger(dir: &Path, ledger: &Ledger) -> anyhow::Result<()> {
    write_csv(
        dir,
        files::LEDGER_CSV,
        &columns::LEDGER,
        ledger.rows.iter().map(cells),
    )?;
    let frame = ledger_frame(&ledger.rows)?;
    write_parquet(dir, files::LEDGER_PARQUET, &frame)
}

fn ledger_frame(rows: &[LedgerRow]) -> PolarsResult<DataFrame> {
    let c = &columns::LEDGER;
    let text = |name: &str, f: &dyn Fn(&LedgerRow) -> String| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
    };
    DataFrame::new(
        rows.len(),
        vec![
            text(c[0], &|r| r.id_number.clone()),
            text(c[1], &|r| r.name.clone()),
            text(c[2], &|r| r.sex.to_string()),
            text(c[3], &|r| r.birth_date.to_string()),
            Column::new(
                c[4].into(),
                rows.iter().map(|r| r.age).collect::<Vec<i32>>(),
            ),
            text(c[5], &|r| r.division_code.clone()),
            Column::new(
                c[6].into(),
                rows.iter().map(|r| r.poor).collect::<Vec<bool>>(),
            ),
            text(c[7], &|r| r.reason.clone()),
            text(c[8], &|r| r.household_no.clone()),
            text(c[9], &|r| r.record_status.to_string()),
            text(c[10], &|r| r.best_candidate.clone()),
            Column::new(
                c[11].into(),
                rows.iter()
                    .map(|r| r.best_weight)
                    .collect::<Vec<Option<f64>>>(),
            ),
        ],
    )
}
