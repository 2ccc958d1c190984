//! rejects.csv: every input row not used; warnings.csv: every row used with a field lost
//! (an ID number damaged by a spreadsheet). Both sorted by file, line and field.

use std::path::Path;

use super::csv::write_csv;
use super::table::{Cell, Field, Kind, csv_cells, header};
use crate::reject::Reject;
use crate::schema::files;

/// The columns of rejects.csv and warnings.csv.
const REJECTS: [Field<Reject>; 5] = [
    Field {
        name: "file",
        kind: Kind::Text,
        cell: |r| Cell::Text(r.file.clone()),
    },
    Field {
        name: "line",
        kind: Kind::Text,
        cell: |r| Cell::Text(r.line.to_string()),
    },
    Field {
        name: "field",
        kind: Kind::Text,
        cell: |r| Cell::Text(r.field.clone()),
    },
    Field {
        name: "reason",
        kind: Kind::Text,
        cell: |r| Cell::Text(r.reason.clone()),
    },
    Field {
        name: "value",
        kind: Kind::Text,
        cell: |r| Cell::Text(r.value.clone()),
    },
];

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
    let rows = sorted.iter().map(|r| csv_cells(&REJECTS, *r));
    write_csv(dir, file, &header(&REJECTS), rows)
}
