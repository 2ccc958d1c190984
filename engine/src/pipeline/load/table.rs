//! `Table`: the mapped columns of one input file as text, stored compactly (one buffer
//! and offsets per column), with each row's line number and the rows rejected on reading.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ground::reject::Reject;
use crate::ground::schema::{FIELD_COUNT, Field, SourceKind};

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

/// One text column (`sanku link`'s tables).
#[derive(Clone, Debug, Default)]
pub struct TextColumn {
    buf: String,
    ends: Vec<usize>,
}

impl TextColumn {
    pub fn push(&mut self, value: &str) {
        self.buf.push_str(value);
        self.ends.push(self.buf.len());
    }

    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.buf[start..self.ends[row]]
    }
}

/// The most text a table holds, so that every place in it fits in 32 bits. The readers
/// hand a chunk on before it grows past this ([`Table::is_full`]).
const MAX_TEXT: usize = 1 << 31;
/// The column of a field the table does not hold.
const ABSENT: u8 = u8::MAX;

/// The rows of one input file that could be read, by logical field: every value is a
/// span of one text, which is the chunk's own text as read when its records needed no
/// unquoting or decoding (nothing is copied), else the values copied into it.
#[derive(Debug)]
pub struct Table {
    pub source: SourceKind,
    pub input: InputInfo,
    /// The file name used in rejects and messages.
    pub name: String,
    fields: Vec<Field>,
    /// The column of each field (by its number), [`ABSENT`] for a field not read.
    columns: [u8; FIELD_COUNT],
    text: String,
    /// Where each value lies in `text`: row after row, one per field.
    spans: Vec<[u32; 2]>,
    /// Line number of each kept row.
    pub lines: Vec<u64>,
    /// Rows that could not be read (wrong number of fields).
    pub rejects: Vec<Reject>,
}

impl Table {
    pub fn new(source: SourceKind, input: InputInfo, name: String, fields: &[Field]) -> Table {
        Table {
            source,
            input,
            name,
            fields: fields.to_vec(),
            columns: column_of(fields),
            text: String::new(),
            spans: Vec::new(),
            lines: Vec::new(),
            rejects: Vec::new(),
        }
    }

    /// Empties the table, keeping its allocations for the next chunk.
    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
        self.lines.clear();
        self.rejects.clear();
    }

    /// Gives the table the text that the spans pushed so far lie in.
    pub fn set_text(&mut self, text: String) {
        assert!(self.text.is_empty(), "set before any value is copied in");
        assert!(text.len() < MAX_TEXT, "a chunk's text fits in 32 bits");
        self.text = text;
    }

    /// Takes the table's text away (its memory reused for the next), leaving it empty.
    pub fn take_text(&mut self) -> String {
        std::mem::take(&mut self.text)
    }

    /// Whether the table should be handed on before more rows are added.
    pub fn is_full(&self, max_rows: usize) -> bool {
        self.rows_in() as usize >= max_rows || self.text.len() >= MAX_TEXT / 2
    }

    /// Appends a row; `values` are in the order of the fields given to [`Table::new`].
    pub fn push_row<'a>(&mut self, line: u64, values: impl IntoIterator<Item = &'a str>) {
        for value in values.into_iter().take(self.fields.len()) {
            let start = self.text.len();
            self.text.push_str(value);
            assert!(self.text.len() < MAX_TEXT, "a chunk's text fits in 32 bits");
            self.spans.push([start as u32, self.text.len() as u32]);
        }
        self.lines.push(line);
    }

    /// Appends a row whose values already lie in the table's text, at these places, in
    /// the order of the fields.
    pub fn push_spans(&mut self, line: u64, spans: impl IntoIterator<Item = [u32; 2]>) {
        self.spans.extend(spans.into_iter().take(self.fields.len()));
        self.lines.push(line);
    }

    /// The text the table's values lie in.
    pub fn text(&self) -> &str {
        &self.text
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

    /// The last line of the table's rows, kept or rejected (0 when it has none).
    pub fn last_line(&self) -> u64 {
        let last_reject = self.rejects.iter().map(|r| r.line).max();
        let last_kept = self.lines.last().copied().unwrap_or(0);
        last_kept.max(last_reject.unwrap_or(0))
    }

    /// The text of `field` in `row`; empty when the file has no such column.
    pub fn value(&self, row: usize, field: Field) -> &str {
        match self.columns[field as usize] {
            ABSENT => "",
            column => {
                let [start, end] = self.spans[row * self.fields.len() + usize::from(column)];
                &self.text[start as usize..end as usize]
            }
        }
    }
}

/// Which column holds each field, by the field's number.
fn column_of(fields: &[Field]) -> [u8; FIELD_COUNT] {
    let mut columns = [ABSENT; FIELD_COUNT];
    for (column, &field) in fields.iter().enumerate() {
        columns[field as usize] = u8::try_from(column).expect("fewer columns than fields");
    }
    columns
}
