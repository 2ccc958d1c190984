//! candidates.parquet: every scored fuzzy pair of every source with each field's level
//! and weight, so that later commands can explain and rescore without recomputing. Sorted
//! by source, the child's ID number and the record's key.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::atomic::write_parquet;
use super::links::linked_record;
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::fuzzy::{FuzzyOutcome, ScoredPair};
use crate::link::weights::{FIELDS, LEVELS};
use crate::normalize::Registers;
use crate::schema::files;

/// Writes candidates.parquet.
pub fn write_candidates(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    // Cohort children are sorted by ID number, so child order is ID order.
    let outcomes: Vec<(&str, &FuzzyOutcome)> = links.fuzzy_outcomes().collect();
    // (source, which outcome, pair, record key)
    let mut rows: Vec<(&str, usize, &ScoredPair, String)> = Vec::new();
    for (o, (source, outcome)) in outcomes.iter().enumerate() {
        rows.par_extend(outcome.candidates.par_iter().map(|p| {
            let key = linked_record(registers, source, p.record).key;
            (*source, o, p, key)
        }));
    }
    rows.par_sort_unstable_by(|a, b| (a.0, a.2.child, &a.3).cmp(&(b.0, b.2.child, &b.3)));

    // Each field's weight per pair; a child's name share is looked up once per child.
    let mut weights: Vec<[f64; 5]> = Vec::with_capacity(rows.len());
    let mut share: Option<((usize, usize), Option<f64>)> = None;
    for &(_, o, p, _) in &rows {
        let outcome = outcomes[o].1;
        let s = match share {
            Some((at, s)) if at == (o, p.child) => s,
            _ => {
                let s = outcome.name_share(&cohort.children[p.child].name);
                share = Some(((o, p.child), s));
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
                .map(|r| cohort.children[r.2.child].id.text.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "record_key".into(),
            rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "weight".into(),
            rows.iter().map(|r| r.2.weight).collect::<Vec<f64>>(),
        ),
    ];
    for (f, field) in FIELDS.iter().enumerate() {
        let levels: Vec<&str> = rows
            .iter()
            .map(|r| LEVELS[f][usize::from(r.2.levels[f])])
            .collect();
        columns.push(Column::new(format!("{field}_level").into(), levels));
        let field_weights: Vec<f64> = weights.iter().map(|w| w[f]).collect();
        columns.push(Column::new(format!("{field}_weight").into(), field_weights));
    }
    let mut frame = DataFrame::new(rows.len(), columns)?;
    write_parquet(dir, files::CANDIDATES_PARQUET, &mut frame)
}
