//! An output file as a schema: one list of (column, sensitivity, cell) drives the CSV
//! header and cells, the Parquet columns and their types, and what a pseudonymised run
//! makes of each column, so that a column, its value and its treatment can never drift
//! apart. A column cannot be declared without its sensitivity: `Field` has no default.

use polars::prelude::{
    BooleanChunkedBuilder, ChunkedBuilder, Column, DataFrame, Float64Type, Int32Type, IntoColumn,
    PolarsResult, PrimitiveChunkedBuilder, StringChunkedBuilder,
};

use super::csv::format_weight;

/// One cell, typed as its Parquet column is.
pub enum Cell {
    Text(String),
    Int(i32),
    /// `1` or `0` in CSV.
    Flag(bool),
    /// Bits with two decimals in CSV; empty when there is none.
    Weight(Option<f64>),
}

impl Cell {
    /// The cell as CSV text.
    pub fn text(self) -> String {
        match self {
            Cell::Text(s) => s,
            Cell::Int(n) => n.to_string(),
            Cell::Flag(b) => u8::from(b).to_string(),
            Cell::Weight(w) => format_weight(w),
        }
    }
}

/// The Parquet type of a column.
#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Int,
    Flag,
    Weight,
}

/// What a column holds, and so what a pseudonymised run (`--pseudonymize`) makes of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sensitivity {
    /// Identifies a person, a household or a record: an ID, student or household number,
    /// a record key. Replaced by its token.
    Id,
    /// Identifiers joined by `;`: each replaced by its own token.
    Ids,
    /// A person's name, or text holding one. Dropped.
    Name,
    /// Text no list bounds: a value quoted from an input, the staff's notes. Dropped.
    FreeText,
    /// A register's value of the field the row's `field` column names: kept for sex,
    /// birth date and division, dropped for any other field.
    FieldValue,
    /// A date: kept.
    Date,
    /// A code or a word of a known list: division, sex, status, reason, method, level,
    /// case number, input file name. Kept.
    Code,
    /// A count, an age, a line number, a flag, a weight or a rate. Kept.
    Count,
}

impl Sensitivity {
    /// Whether a pseudonymised run keeps the column as it is.
    pub const fn kept(self) -> bool {
        matches!(
            self,
            Sensitivity::Date | Sensitivity::Code | Sensitivity::Count
        )
    }
}

/// A column declared without its cell (a file not written through a [`Field`] list, or a
/// schema seen from outside): its name and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeclaredColumn {
    pub name: &'static str,
    pub sensitivity: Sensitivity,
}

impl DeclaredColumn {
    pub const fn new(name: &'static str, sensitivity: Sensitivity) -> DeclaredColumn {
        DeclaredColumn { name, sensitivity }
    }
}

/// The names of declared columns, in a constant.
pub const fn names<const N: usize>(columns: &[DeclaredColumn; N]) -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = columns[i].name;
        i += 1;
    }
    names
}

/// What a file of a run directory holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// A table (CSV or Parquet) of these columns, in this order. With `staff`, the columns
    /// staff added to a ledger follow them, free text.
    Table {
        columns: Vec<DeclaredColumn>,
        staff: bool,
    },
    /// Made by the writer from what it wrote or from counts: a workbook from the final rows
    /// of its CSV file, the report from the run's counts and weights (no ID or name).
    Derived,
    /// A record of the run: settings, the inputs' names, checksums and row counts, counts
    /// and parameters; no value of any row (manifest.json, summary.json).
    Record,
    /// The normalised registers whole (rescore.state): never in a pseudonymised run.
    Registers,
}

impl Content {
    pub(super) fn table(columns: Vec<DeclaredColumn>) -> Content {
        Content::Table {
            columns,
            staff: false,
        }
    }

    /// What each column of a table with `header` holds, by its declaration; an undeclared
    /// column is an error.
    pub fn sensitivities<S: AsRef<str>>(&self, header: &[S]) -> anyhow::Result<Vec<Sensitivity>> {
        header
            .iter()
            .enumerate()
            .map(|(at, name)| {
                let name = name.as_ref();
                self.sensitivity(at, name)
                    .ok_or_else(|| anyhow::anyhow!("column {} (`{name}`) is not declared", at + 1))
            })
            .collect()
    }

    /// What the column `name` of this table holds, if declared: one of its columns, or a
    /// staff column after them (`at` is the column's position).
    pub fn sensitivity(&self, at: usize, name: &str) -> Option<Sensitivity> {
        let Content::Table { columns, staff } = self else {
            return None;
        };
        match columns.get(at) {
            Some(c) if c.name == name => Some(c.sensitivity),
            None if *staff => Some(Sensitivity::FreeText),
            _ => None,
        }
    }
}

/// The kind of each column of `names`: its field's in `schema`, text for a column the
/// schema lacks (the staff's).
pub fn kinds<R>(schema: &[Field<R>], names: &[&str]) -> Vec<Kind> {
    names
        .iter()
        .map(|name| {
            schema
                .iter()
                .find(|f| f.name == *name)
                .map_or(Kind::Text, |f| f.kind)
        })
        .collect()
}

/// A column: its name, its type, what it holds and how a row gives its cell.
pub struct Field<R> {
    pub name: &'static str,
    pub kind: Kind,
    pub sensitivity: Sensitivity,
    pub cell: fn(&R) -> Cell,
}

impl<R> Clone for Field<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Field<R> {}

/// A text column of rows of type `$row` holding a [`Sensitivity`]:
/// `text!(Row, "name", Name, |r: &Row| value)`.
macro_rules! text {
    ($row:ty, $name:expr, $sensitivity:ident, $value:expr) => {
        $crate::rundir::table::Field {
            name: $name,
            kind: $crate::rundir::table::Kind::Text,
            sensitivity: $crate::rundir::table::Sensitivity::$sensitivity,
            cell: |r: &$row| $crate::rundir::table::Cell::Text(($value)(r)),
        }
    };
}
pub(crate) use text;

/// The names of a schema's columns, for the CSV header.
pub fn header<R>(schema: &[Field<R>]) -> Vec<&'static str> {
    schema.iter().map(|f| f.name).collect()
}

/// A schema's columns with what each holds, without their cells.
pub fn declared<R>(schema: &[Field<R>]) -> Vec<DeclaredColumn> {
    schema
        .iter()
        .map(|f| DeclaredColumn {
            name: f.name,
            sensitivity: f.sensitivity,
        })
        .collect()
}

/// A row's cells as CSV text.
pub fn csv_cells<R>(schema: &[Field<R>], row: &R) -> Vec<String> {
    schema.iter().map(|f| (f.cell)(row).text()).collect()
}

/// The rows' cells as CSV text, sorted by the columns named in `keys` (see
/// [`super::csv::sort_rows`]).
pub fn sorted_cells<R>(schema: &[Field<R>], rows: &[R], keys: &[&str]) -> Vec<Vec<String>> {
    let mut cells: Vec<Vec<String>> = rows.iter().map(|r| csv_cells(schema, r)).collect();
    super::csv::sort_rows(&mut cells, &header(schema), keys);
    cells
}

/// A frame of text columns `names`, from rows of cells in that order.
pub fn text_frame(names: &[&str], rows: &[Vec<String>]) -> PolarsResult<DataFrame> {
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(at, name)| {
            let values: Vec<&str> = rows.iter().map(|r| r[at].as_str()).collect();
            Column::new((*name).into(), values)
        })
        .collect();
    DataFrame::new(rows.len(), columns)
}

/// The rows as a frame, one typed column per field.
pub fn frame<R>(schema: &[Field<R>], rows: &[R]) -> PolarsResult<DataFrame> {
    // Row by row: a row's cells read the same records (a child, a student row), which a
    // column-by-column pass would fetch again for every column.
    let mut frame = FrameBuilder::new(schema, rows.len());
    for row in rows {
        frame.push(&row_cells(schema, row));
    }
    frame.finish()
}

/// A row's cells, typed.
pub fn row_cells<R>(schema: &[Field<R>], row: &R) -> Vec<Cell> {
    schema.iter().map(|f| (f.cell)(row)).collect()
}

/// A frame filled a row at a time, one typed column per field.
pub struct FrameBuilder {
    columns: Vec<ColumnBuilder>,
    rows: usize,
}

impl FrameBuilder {
    /// An empty frame of `schema`'s columns, room made for `capacity` rows.
    pub fn new<R>(schema: &[Field<R>], capacity: usize) -> FrameBuilder {
        FrameBuilder {
            columns: schema
                .iter()
                .map(|f| ColumnBuilder::new(f.name, f.kind, capacity))
                .collect(),
            rows: 0,
        }
    }

    /// Adds a row, its cells in the schema's order.
    pub fn push(&mut self, cells: &[Cell]) {
        debug_assert_eq!(
            cells.len(),
            self.columns.len(),
            "a row as wide as its schema"
        );
        for (column, cell) in self.columns.iter_mut().zip(cells) {
            column.push(cell);
        }
        self.rows += 1;
    }

    pub fn finish(self) -> PolarsResult<DataFrame> {
        let columns = self
            .columns
            .into_iter()
            .map(ColumnBuilder::finish)
            .collect();
        DataFrame::new(self.rows, columns)
    }
}

/// A typed Parquet column being filled.
enum ColumnBuilder {
    Text(StringChunkedBuilder),
    Int(PrimitiveChunkedBuilder<Int32Type>),
    Flag(BooleanChunkedBuilder),
    Weight(PrimitiveChunkedBuilder<Float64Type>),
}

impl ColumnBuilder {
    fn new(name: &str, kind: Kind, rows: usize) -> ColumnBuilder {
        let name = name.into();
        match kind {
            Kind::Text => ColumnBuilder::Text(StringChunkedBuilder::new(name, rows)),
            Kind::Int => ColumnBuilder::Int(PrimitiveChunkedBuilder::new(name, rows)),
            Kind::Flag => ColumnBuilder::Flag(BooleanChunkedBuilder::new(name, rows)),
            Kind::Weight => ColumnBuilder::Weight(PrimitiveChunkedBuilder::new(name, rows)),
        }
    }

    /// Adds a cell as the column's type holds it: an Int column's other cells as 0, a
    /// Flag column's as false, a Weight column's as none.
    fn push(&mut self, cell: &Cell) {
        match self {
            ColumnBuilder::Text(b) => match cell {
                Cell::Text(s) => b.append_value(s),
                Cell::Int(n) => b.append_value(n.to_string()),
                Cell::Flag(f) => b.append_value(u8::from(*f).to_string()),
                Cell::Weight(w) => b.append_value(format_weight(*w)),
            },
            ColumnBuilder::Int(b) => b.append_value(match cell {
                Cell::Int(n) => *n,
                _ => 0,
            }),
            ColumnBuilder::Flag(b) => b.append_value(matches!(cell, Cell::Flag(true))),
            ColumnBuilder::Weight(b) => b.append_option(match cell {
                Cell::Weight(w) => *w,
                _ => None,
            }),
        }
    }

    fn finish(self) -> Column {
        match self {
            ColumnBuilder::Text(b) => b.finish().into_column(),
            ColumnBuilder::Int(b) => b.finish().into_column(),
            ColumnBuilder::Flag(b) => b.finish().into_column(),
            ColumnBuilder::Weight(b) => b.finish().into_column(),
        }
    }
}
