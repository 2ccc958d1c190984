//! candidates.parquet: every scored fuzzy pair of every source with each field's level
//! and weight, so that later commands can explain and rescore without recomputing. Sorted
//! by source, the child's ID number and the record's key.

use std::path::Path;

use polars::prelude::*;

use super::atomic::write_atomic;
use super::links::linked_record;
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::weights::{FIELDS, LEVELS};
use crate::normalize::Registers;
use crate::schema::files;

/// One row: source, child ID, record key, weight, levels and per-field weights.
type CandidateRow<'a> = (&'static str, &'a str, String, f64, [u8; 5], [f64; 5]);

/// Writes candidates.parquet.
pub fn write_candidates(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let mut rows: Vec<CandidateRow> = Vec::new();
    for (source, outcome) in links.fuzzy_outcomes() {
        rows.extend(outcome.candidates.iter().map(|p| {
            let child = &cohort.children[p.child];
            let parts = outcome
                .params
                .contributions(&p.levels, outcome.name_share(&child.name));
            (
                source,
                child.id.text.as_str(),
                linked_record(registers, source, p.record).key,
                p.weight,
                p.levels,
                parts.map(|c| c.weight),
            )
        }));
    }
    rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let mut columns = vec![
        Column::new(
            "source".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "id_number".into(),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ),
        Column::new(
            "record_key".into(),
            rows.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "weight".into(),
            rows.iter().map(|r| r.3).collect::<Vec<f64>>(),
        ),
    ];
    for (f, field) in FIELDS.iter().enumerate() {
        let levels: Vec<&str> = rows
            .iter()
            .map(|r| LEVELS[f][usize::from(r.4[f])])
            .collect();
        columns.push(Column::new(format!("{field}_level").into(), levels));
        let weights: Vec<f64> = rows.iter().map(|r| r.5[f]).collect();
        columns.push(Column::new(format!("{field}_weight").into(), weights));
    }
    let mut frame = DataFrame::new(rows.len(), columns)?;
    write_atomic(dir, files::CANDIDATES_PARQUET, |out| {
        ParquetWriter::new(out).finish(&mut frame)?;
        Ok(())
    })?;
    Ok(())
}
