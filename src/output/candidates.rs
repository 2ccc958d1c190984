//! candidates.parquet: every kept fuzzy pair (at or above the candidate floor) of every
//! source with each field's level and weight, so that later commands can explain and
//! rescore without recomputing. Sorted by source, the child's ID number and the record's
//! key; written in batches.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::atomic::write_parquet_batches;
use super::links::linked_record;
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::fuzzy::FuzzyOutcome;
use crate::link::weights::{FIELDS, LEVELS};
use crate::normalize::{Registers, Text};
use crate::schema::files;

/// Writes candidates.parquet.
pub fn write_candidates(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    // Cohort children are sorted by ID number, so child order is ID order. Rows are
    // (source, which outcome, pair index, record key), the key inline.
    let outcomes: Vec<(&str, &FuzzyOutcome)> = links.fuzzy_outcomes().collect();
    let mut rows: Vec<(&str, u8, u32, Text)> = Vec::new();
    for (o, (source, outcome)) in outcomes.iter().enumerate() {
        rows.par_extend(outcome.candidates.par_iter().enumerate().map(|(i, p)| {
            let key = Text::from(linked_record(registers, source, p.record).key);
            (*source, o as u8, i as u32, key)
        }));
    }
    let pair = |r: &(&str, u8, u32, Text)| &outcomes[usize::from(r.1)].1.candidates[r.2 as usize];
    rows.par_sort_unstable_by(|a, b| (a.0, pair(a).child, &a.3).cmp(&(b.0, pair(b).child, &b.3)));

    write_parquet_batches(dir, files::CANDIDATES_PARQUET, rows.len(), |range| {
        let rows = &rows[range];
        // Each field's weight per pair; a child's name share is looked up once per child.
        let mut weights: Vec<[f64; 5]> = Vec::with_capacity(rows.len());
        let mut share: Option<((u8, usize), Option<f64>)> = None;
        for r in rows {
            let (outcome, p) = (outcomes[usize::from(r.1)].1, pair(r));
            let s = match share {
                Some((at, s)) if at == (r.1, p.child) => s,
                _ => {
                    let s = outcome.name_share(&cohort.children[p.child].name);
                    share = Some(((r.1, p.child), s));
                    s
                }
            };
            weights.push(outcome.params.contributions(&p.levels, s).map(|c| c.weight));
        }
        let mut columns = vec![
            Column::new(
                "source".into(),
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "id_number".into(),
                rows.iter()
                    .map(|r| cohort.children[pair(r).child].id.text.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "record_key".into(),
                rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "weight".into(),
                rows.iter().map(|r| pair(r).weight).collect::<Vec<f64>>(),
            ),
        ];
        for (f, field) in FIELDS.iter().enumerate() {
            let levels: Vec<&str> = rows
                .iter()
                .map(|r| LEVELS[f][usize::from(pair(r).levels[f])])
                .collect();
            columns.push(Column::new(format!("{field}_level").into(), levels));
            let field_weights: Vec<f64> = weights.iter().map(|w| w[f]).collect();
            columns.push(Column::new(format!("{field}_weight").into(), field_weights));
        }
        Ok(DataFrame::new(rows.len(), columns)?)
    })
}
