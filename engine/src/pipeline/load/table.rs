//! `Table`: the mapped columns of one input file as text, stored compactly (one buffer
//! and offsets per column), with each row's line number and the rows rejected on reading.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ground::reject::Reject;
use crate::ground::schema::{Field, SourceKind};

/// What the manifest records about an input file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InputInfo {
    pub source: String,
    pub path: PathBuf,
    pub format: String,
    pub encoding: Option<String>,
    pub bytes: u64,
    pub sha256: String,
    /// Rows rejected because they hold bytes not valid in the file's encoding.
    pub undecodable_rows: u64,
    /// Lines above the header row (titles, notes, blank lines), skipped.
    #[serde(default)]
    pub rows_above_header: u64,
    /// The sheet read, for a workbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Total rows (合计, 总计) below the header, counted and not read as data.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub total_rows: u64,
    /// The header that fed each field.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    /// Optional fields no column fed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_fields: Vec<String>,
    /// Columns no field took whose header names a missing field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_columns: Vec<UnmatchedColumn>,
    /// The file's name as rejects name it.
    #[serde(skip)]
    pub name: String,
    /// Rows read as data (used or rejected).
    #[serde(skip)]
    pub rows_read: u64,
    /// Added to the file's line numbers to number the rows of a register given as
    /// several files without repeats (each file's own numbers stay in rejects).
    #[serde(skip)]
    pub line_base: u64,
}

/// A column whose header names a field, though no header word of that field matched.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UnmatchedColumn {
    pub field: String,
    pub header: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One text column.
#[derive(Clone, Debug, Default)]
pub struct TextColumn {
    buf: String,
    ends: Vec<usize>,
}

impl TextColumn {
    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    pub fn push(&mut self, value: &str) {
        self.buf.push_str(value);
        self.ends.push(self.buf.len());
    }

    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.buf[start..self.ends[row]]
    }
}

/// The rows of one input file that could be read, by logical field.
#[derive(Debug)]
pub struct Table {
    pub source: SourceKind,
    pub input: InputInfo,
    /// The file name used in rejects and messages.
    pub name: String,
    columns: Vec<(Field, TextColumn)>,
    /// Line number of each kept row.
    pub lines: Vec<u64>,
    /// Rows that could not be read (wrong number of fields).
    pub rejects: Vec<Reject>,
}

impl Table {
    pub fn new(source: SourceKind, input: InputInfo, name: String, fields: &[Field]) -> Table {
        let columns = fields.iter().map(|&f| (f, TextColumn::default())).collect();
        Table {
            source,
            input,
            name,
            columns,
            lines: Vec::new(),
            rejects: Vec::new(),
        }
    }

    /// Appends a row; `values` are in the order of the fields given to [`Table::new`].
    /// Empties the table, keeping its allocations for the next chunk.
    pub fn clear(&mut self) {
        for (_, column) in &mut self.columns {
            column.clear();
        }
        self.lines.clear();
        self.rejects.clear();
    }

    pub fn push_row<'a>(&mut self, line: u64, values: impl IntoIterator<Item = &'a str>) {
        for ((_, column), value) in self.columns.iter_mut().zip(values) {
            column.push(value);
        }
        self.lines.push(line);
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Rows read from the file: kept plus rejected.
    pub fn rows_in(&self) -> u64 {
        (self.lines.len() + self.rejects.len()) as u64
    }

    /// The text of `field` in `row`; empty when the file has no such column.
    pub fn value(&self, row: usize, field: Field) -> &str {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, c)| c.get(row))
    }
}
