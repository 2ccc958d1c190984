//! rejects.csv: every input row not used, sorted by file, line and field.

use std::path::Path;

use super::csv::write_csv;
use crate::reject::Reject;
use crate::schema::{columns, files};

/// Writes rejects.csv.
pub fn write_rejects(dir: &Path, rejects: &[&Reject]) -> anyhow::Result<()> {
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
    write_csv(dir, files::REJECTS_CSV, &columns::REJECTS, rows)
}
