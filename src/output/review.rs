//! review.csv: the pairs in the review band (and near-ties), with every field's level and
//! weight, sorted by the child's ID number and the record's key.

use std::path::Path;

use super::csv::{format_weight, write_csv};
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::weights::FIELDS;
use crate::normalize::Registers;
use crate::schema::files;

/// Writes review.csv for the student records' fuzzy linkage.
pub fn write_review(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let mut header = vec![
        "id_number",
        "name",
        "student_no",
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
    if let Some(outcome) = &links.student_fuzzy {
        for pair in &outcome.review {
            let child = &cohort.children[pair.child];
            let record = &registers.students.rows[pair.record];
            let mut row = vec![
                child.id.text.clone(),
                child.name.clone(),
                record.student_no.clone(),
                record.id.text.clone(),
                record.name.clone(),
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
