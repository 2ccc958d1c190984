//! rejects.csv: every input row not used; warnings.csv: every row used with a field lost
//! (an ID number damaged by a spreadsheet). Both sorted by file, line and field.

use std::path::Path;

use super::csv::write_csv;
use crate::reject::Reject;
use crate::schema::{columns, files};

/// Writes rejects.csv.
pub fn write_rejects(dir: &Path, rejects: &[&Reject]) -> anyhow::Result<()> {
    write_rows(dir, files::REJECTS_CSV, rejects)
}

/// Writes warnings.csv.
pub fn write_warnings(dir: &Path, warnings: &[&Reject]) -> anyhow::Result<()> {
    write_rows(dir, files::WARNINGS_CSV, warnings)
}

fn write_rows(dir: &Path, file: &str, rejects: &[&Reject]) -> anyhow::Result<()> {
    let mut sorted = rejects.to_vec();
    sorted.sort();
    let rows = sorted.iter().map(|r| {
        vec![
            r.file.clone(),
            r.line.to_string(),
            r.field.clone(),
            r.reason.clone(),
            r.value.clone(),
        ]
    });
    write_csv(dir, file, &columns::REJECTS, rows)
}
