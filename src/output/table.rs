//! An output file as a schema: one list of (column, cell) drives the CSV header and
//! cells and the Parquet columns and their types, so that a column and its value can
//! never drift apart.

use polars::prelude::{Column, DataFrame, PolarsResult};

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

/// A column: its name, its type and how a row gives its cell.
pub struct Field<R> {
    pub name: &'static str,
    pub kind: Kind,
    pub cell: fn(&R) -> Cell,
}

impl<R> Clone for Field<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Field<R> {}

/// A text column of rows of type `$row`: `text!(Row, "name", |r: &Row| value)`.
macro_rules! text {
    ($row:ty, $name:literal, $value:expr) => {
        $crate::output::table::Field {
            name: $name,
            kind: $crate::output::table::Kind::Text,
            cell: |r: &$row| $crate::output::table::Cell::Text(($value)(r)),
        }
    };
}
pub(crate) use text;

/// The names of a schema's columns, for the CSV header.
pub fn header<R>(schema: &[Field<R>]) -> Vec<&'static str> {
    schema.iter().map(|f| f.name).collect()
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

/// The rows as a frame, one typed column per field.
pub fn frame<R>(schema: &[Field<R>], rows: &[R]) -> PolarsResult<DataFrame> {
    let columns = schema
        .iter()
        .map(|f| {
            let cells = rows.iter().map(|r| (f.cell)(r));
            let name = f.name.into();
            match f.kind {
                Kind::Text => Column::new(name, cells.map(Cell::text).collect::<Vec<_>>()),
                Kind::Int => Column::new(
                    name,
                    cells
                        .map(|c| if let Cell::Int(n) = c { n } else { 0 })
                        .collect::<Vec<i32>>(),
                ),
                Kind::Flag => Column::new(
                    name,
                    cells
                        .map(|c| matches!(c, Cell::Flag(true)))
                        .collect::<Vec<bool>>(),
                ),
                Kind::Weight => Column::new(
                    name,
                    cells
                        .map(|c| if let Cell::Weight(w) = c { w } else { None })
                        .collect::<Vec<Option<f64>>>(),
                ),
            }
        })
        .collect();
    DataFrame::new(rows.len(), columns)
}
