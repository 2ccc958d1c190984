//! review.csv: the pairs in the review band (and near-ties) of every fuzzily linked
//! source, with every field's level and weight, sorted by source, the child's ID number and
//! the record's key.

use std::path::Path;

use super::csv::{format_weight, write_csv};
use super::links::linked_record;
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::weights::FIELDS;
use crate::normalize::Registers;
use crate::schema::files;

/// Writes review.csv.
pub fn write_review(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let mut header = vec![
        "source",
        "id_number",
        "name",
        "record_key",
        "record_id",
        "record_name",
        "weight",
    ];
    let level_columns: Vec<String> = FIELDS
        .iter()
        .flat_map(|f| [format!("{f}_level"), format!("{f}_weight")])
        .collect();
    header.extend(level_columns.iter().map(String::as_str));
    let mut rows = Vec::new();
    for (source, outcome) in links.fuzzy_outcomes() {
        for pair in &outcome.review {
            let child = &cohort.children[pair.child];
            let record = linked_record(registers, source, pair.record);
            let mut row = vec![
                source.to_string(),
                child.id.text.to_string(),
                child.name.to_string(),
                record.key,
                record.id.to_string(),
                record.name.to_string(),
                format_weight(Some(pair.weight)),
            ];
            for c in outcome
                .params
                .contributions(&pair.levels, outcome.name_share(&child.name))
            {
                row.push(c.level.to_string());
                row.push(format_weight(Some(c.weight)));
            }
            rows.push(row);
        }
    }
    rows.sort();
    write_csv(dir, files::REVIEW_CSV, &header, rows)
}
