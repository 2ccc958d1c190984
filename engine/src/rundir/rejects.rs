//! rejects.csv: every input row not used; warnings.csv: every row used with a field lost
//! (an ID number damaged by a spreadsheet). Both sorted by file, line and field.

use super::table::{Field, csv_cells, header, text};
use super::writer::Writer;
use crate::ground::reject::Reject;
use crate::ground::schema::files;

/// The columns of rejects.csv and warnings.csv: the value is quoted from the input (masked,
/// but still a piece of it).
pub(super) const REJECTS: [Field<Reject>; 5] = [
    text!(Reject, "file", Code, |r: &Reject| r.file.clone()),
    text!(Reject, "line", Count, |r: &Reject| r.line.to_string()),
    text!(Reject, "field", Code, |r: &Reject| r.field.clone()),
    text!(Reject, "reason", Code, |r: &Reject| r.reason.clone()),
    text!(Reject, "value", FreeText, |r: &Reject| r.value.clone()),
];

/// Writes rejects.csv.
pub fn write_rejects(out: &Writer, rejects: &[&Reject]) -> anyhow::Result<()> {
    write_rows(out, files::REJECTS_CSV, rejects)
}

/// Writes warnings.csv.
pub fn write_warnings(out: &Writer, warnings: &[&Reject]) -> anyhow::Result<()> {
    write_rows(out, files::WARNINGS_CSV, warnings)
}

fn write_rows(out: &Writer, file: &str, rejects: &[&Reject]) -> anyhow::Result<()> {
    let mut sorted = rejects.to_vec();
    sorted.sort();
    let rows = sorted.iter().map(|r| csv_cells(&REJECTS, *r));
    out.csv(file, &header(&REJECTS), rows)
}
