//! Parquet extracts: a lazy scan that projects only the mapped columns and casts them to
//! text, so that the normalisers see Parquet and CSV rows alike.

use std::fs::File;
use std::io;

use anyhow::Context;
use polars::prelude::{
    DataFrame, DataType, Expr, LazyFrame, PlRefPath, PolarsError, PolarsResult, ScanArgsParquet,
    col,
};
use sha2::{Digest, Sha256};

use super::csv::hex;
use super::header::map_headers;
use super::table::{InputInfo, Table};
use crate::config::SourceOptions;
use crate::error::bad_input;
use crate::schema::SourceKind;

/// Reads a Parquet extract into a [`Table`]; row numbers start at 1.
pub fn read_parquet(
    source: SourceKind,
    options: &SourceOptions,
    name: &str,
) -> anyhow::Result<Table> {
    let path = &options.path;
    let mut file = File::open(path).map_err(|e| bad_input(format!("{name}: cannot open: {e}")))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).with_context(|| format!("reading {}", path.display()))?;

    let not_parquet =
        |e: PolarsError| bad_input(format!("{name}: not a readable Parquet file: {e}"));
    let scan_path = PlRefPath::try_from_path(path).map_err(not_parquet)?;
    let mut frame =
        LazyFrame::scan_parquet(scan_path, ScanArgsParquet::default()).map_err(not_parquet)?;
    let schema = frame.collect_schema().map_err(not_parquet)?;
    let headers: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let mapping = map_headers(name, source, &headers, &options.columns)?;
    let projection: Vec<Expr> = mapping
        .iter()
        .map(|&(field, i)| {
            col(headers[i].as_str())
                .cast(DataType::String)
                .alias(field.key())
        })
        .collect();
    let data = frame
        .select(projection)
        .collect()
        .with_context(|| format!("reading {name}"))?;

    let fields: Vec<_> = mapping.iter().map(|&(f, _)| f).collect();
    let info = InputInfo {
        source: source.key().to_string(),
        path: path.clone(),
        format: "parquet",
        encoding: None,
        bytes,
        sha256: hex(&hasher.finalize()),
    };
    let mut table = Table::new(source, info, name.to_string(), &fields);
    let columns = fields
        .iter()
        .map(|f| data.column(f.key()).and_then(|c| c.str()))
        .collect::<PolarsResult<Vec<_>>>()
        .with_context(|| format!("reading {name}"))?;
    let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
    for row in 0..data.height() {
        let values: Vec<&str> = iters
            .iter_mut()
            .map(|it| it.next().flatten().unwrap_or(""))
            .collect();
        table.push_row(row as u64 + 1, values);
    }
    Ok(table)
}

/// Reads a whole Parquet file that sanku wrote (a run's links or candidates); a missing or
/// unreadable file is bad input.
pub fn read_frame(path: &std::path::Path) -> anyhow::Result<DataFrame> {
    read_frame_where(path, None)
}

/// The rows of a Parquet file that `predicate` keeps (all when `None`), filtered while
/// scanning so that a province's candidates are never read whole to explain one child.
pub fn read_frame_where(
    path: &std::path::Path,
    predicate: Option<Expr>,
) -> anyhow::Result<DataFrame> {
    let bad = |e: PolarsError| bad_input(format!("{}: {e}", path.display()));
    if !path.is_file() {
        return Err(bad_input(format!(
            "{}: no such file; is this a run directory?",
            path.display()
        )));
    }
    LazyFrame::scan_parquet(
        PlRefPath::try_from_path(path).map_err(bad)?,
        ScanArgsParquet::default(),
    )
    .and_then(|f| match predicate {
        Some(p) => f.filter(p).collect(),
        None => f.collect(),
    })
    .map_err(bad)
}
