//! candidates.parquet: every scored fuzzy pair with each field's level and weight, so
//! that later commands can explain and rescore without recomputing. Sorted by the child's
//! ID number and the student number.

use std::path::Path;

use polars::prelude::*;

use super::atomic::write_atomic;
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::weights::{FIELDS, LEVELS};
use crate::normalize::Registers;
use crate::schema::files;

/// One row: child ID, student number, weight, levels and per-field weights.
type CandidateRow<'a> = (&'a str, &'a str, f64, [u8; 5], [f64; 5]);

/// Writes candidates.parquet.
pub fn write_candidates(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let pairs = links
        .student_fuzzy
        .as_ref()
        .map_or(&[][..], |f| &f.candidates[..]);
    let Some(fuzzy) = &links.student_fuzzy else {
        return Ok(());
    };
    let mut rows: Vec<CandidateRow> = pairs
        .iter()
        .map(|p| {
            let child = &cohort.children[p.child];
            let record = registers.students.rows[p.record].student_no.as_str();
            let parts = fuzzy
                .params
                .contributions(&p.levels, fuzzy.name_share(&child.name));
            (
                child.id.text.as_str(),
                record,
                p.weight,
                p.levels,
                parts.map(|c| c.weight),
            )
        })
        .collect();
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut columns = vec![
        Column::new(
            "id_number".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "student_no".into(),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ),
        Column::new(
            "weight".into(),
            rows.iter().map(|r| r.2).collect::<Vec<f64>>(),
        ),
    ];
    for (f, field) in FIELDS.iter().enumerate() {
        let levels: Vec<&str> = rows
            .iter()
            .map(|r| LEVELS[f][usize::from(r.3[f])])
            .collect();
        columns.push(Column::new(format!("{field}_level").into(), levels));
        let weights: Vec<f64> = rows.iter().map(|r| r.4[f]).collect();
        columns.push(Column::new(format!("{field}_weight").into(), weights));
    }
    let mut frame = DataFrame::new(rows.len(), columns)?;
    write_atomic(dir, files::CANDIDATES_PARQUET, |out| {
        ParquetWriter::new(out).finish(&mut frame)?;
        Ok(())
    })?;
    Ok(())
}
