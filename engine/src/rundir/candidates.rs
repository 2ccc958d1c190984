//! candidates.parquet: every kept fuzzy pair (at or above the candidate floor) of every
//! source with each field's level and weight, so that later commands can explain and
//! rescore without recomputing. Sorted by source, the child's ID number and the record's
//! key; written in batches.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::links::record_key;
use super::table::{DeclaredColumn, Sensitivity, names};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::link::fuzzy::FuzzyOutcome;
use crate::pipeline::link::weights::{FIELDS, LEVELS};
use crate::pipeline::load::parquet::{number_column, read_frame_where, required_text_column};
use crate::pipeline::normalize::Registers;

/// The columns of candidates.parquet: the pair, then each compared field's level and weight
/// in the order of [`FIELDS`].
pub(super) const CANDIDATES: [DeclaredColumn; 14] = {
    use Sensitivity::{Code, Count, Id};
    [
        DeclaredColumn::new("source", Code),
        DeclaredColumn::new("id_number", Id),
        DeclaredColumn::new("record_key", Id),
        DeclaredColumn::new("weight", Count),
        DeclaredColumn::new("name_level", Code),
        DeclaredColumn::new("name_weight", Count),
        DeclaredColumn::new("birth_date_level", Code),
        DeclaredColumn::new("birth_date_weight", Count),
        DeclaredColumn::new("id_number_level", Code),
        DeclaredColumn::new("id_number_weight", Count),
        DeclaredColumn::new("sex_level", Code),
        DeclaredColumn::new("sex_weight", Count),
        DeclaredColumn::new("division_level", Code),
        DeclaredColumn::new("division_weight", Count),
    ]
};

/// Writes candidates.parquet.
pub fn write_candidates(
    out: &Writer,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    // Cohort children are sorted by ID number, so child order is ID order. Rows are
    // (which outcome, pair index): eight bytes each, the sort keys looked up as compared
    // (at 130 M people there are tens of millions of rows).
    let outcomes: Vec<(&str, &FuzzyOutcome)> = links.fuzzy_outcomes().collect();
    let mut rows: Vec<(u8, u32)> = Vec::new();
    for (o, (_, outcome)) in outcomes.iter().enumerate() {
        rows.extend((0..outcome.candidates.len()).map(|i| (o as u8, i as u32)));
    }
    let source = |r: &(u8, u32)| outcomes[usize::from(r.0)].0;
    let pair = |r: &(u8, u32)| &outcomes[usize::from(r.0)].1.candidates[r.1 as usize];
    let key = |r: &(u8, u32)| record_key(registers, source(r), pair(r).record);
    rows.par_sort_unstable_by(|a, b| {
        (source(a), pair(a).child, key(a), a).cmp(&(source(b), pair(b).child, key(b), b))
    });

    let declared = names(&CANDIDATES);
    let [source_name, id_number, record_key_name, weight] =
        [declared[0], declared[1], declared[2], declared[3]];
    out.parquet_batches(files::CANDIDATES_PARQUET, rows.len(), |range| {
        let rows = &rows[range];
        // Each field's weight per pair; a child's name share is looked up once per child.
        let mut weights: Vec<[f64; 5]> = Vec::with_capacity(rows.len());
        let mut share: Option<((u8, usize), Option<f64>)> = None;
        for r in rows {
            let (outcome, p) = (outcomes[usize::from(r.0)].1, pair(r));
            let s = match share {
                Some((at, s)) if at == (r.0, p.child) => s,
                _ => {
                    let s = outcome.name_share(&cohort.children[p.child].name);
                    share = Some(((r.0, p.child), s));
                    s
                }
            };
            weights.push(outcome.params.contributions(&p.levels, s).map(|c| c.weight));
        }
        let mut columns = vec![
            Column::new(
                source_name.into(),
                rows.iter().map(source).collect::<Vec<_>>(),
            ),
            Column::new(
                id_number.into(),
                rows.iter()
                    .map(|r| cohort.children[pair(r).child].id.text.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                record_key_name.into(),
                rows.iter().map(|r| key(r).into_owned()).collect::<Vec<_>>(),
            ),
            Column::new(
                weight.into(),
                rows.iter().map(|r| pair(r).weight).collect::<Vec<f64>>(),
            ),
        ];
        for f in 0..FIELDS.len() {
            let levels: Vec<&str> = rows
                .iter()
                .map(|r| LEVELS[f][usize::from(pair(r).levels[f])])
                .collect();
            columns.push(Column::new(declared[4 + 2 * f].into(), levels));
            let field_weights: Vec<f64> = weights.iter().map(|w| w[f]).collect();
            columns.push(Column::new(declared[5 + 2 * f].into(), field_weights));
        }
        Ok(DataFrame::new(rows.len(), columns)?)
    })
}

/// A row of candidates.parquet read back.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateEntry {
    pub source: String,
    pub id_number: String,
    pub record_key: String,
    pub weight: Option<f64>,
    /// Each compared field's level and weight, in the order of [`FIELDS`].
    pub fields: Vec<(String, f64)>,
}

/// Reads the candidate pairs of the child or record `about` from candidates.parquet at
/// `path`, filtered while scanning so that a province's candidates are never read whole.
pub fn read_candidates(path: &Path, about: &str) -> anyhow::Result<Vec<CandidateEntry>> {
    let declared = names(&CANDIDATES);
    let [source, id_number, record_key, weight] =
        [declared[0], declared[1], declared[2], declared[3]];
    let predicate = col(id_number)
        .eq(lit(about))
        .or(col(record_key).eq(lit(about)));
    let frame = read_frame_where(path, Some(predicate))?;
    let text = |name: &str| required_text_column(&frame, name, path, "a run's candidates");
    let numbers = |name: &str| number_column(&frame, name);
    let fields: Vec<(Vec<String>, Vec<Option<f64>>)> = (0..FIELDS.len())
        .map(|f| Ok((text(declared[4 + 2 * f])?, numbers(declared[5 + 2 * f]))))
        .collect::<anyhow::Result<_>>()?;
    let (sources, ids, keys, weights) = (
        text(source)?,
        text(id_number)?,
        text(record_key)?,
        numbers(weight),
    );
    Ok((0..frame.height())
        .map(|r| CandidateEntry {
            source: sources[r].clone(),
            id_number: ids[r].clone(),
            record_key: keys[r].clone(),
            weight: weights[r],
            fields: fields
                .iter()
                .map(|(levels, weights)| (levels[r].clone(), weights[r].unwrap_or(0.0)))
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_columns_follow_the_compared_fields() {
        let levels: Vec<String> = FIELDS
            .iter()
            .flat_map(|f| [format!("{f}_level"), format!("{f}_weight")])
            .collect();
        assert_eq!(names(&CANDIDATES)[4..], levels);
    }
}
