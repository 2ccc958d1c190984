//! Parquet extracts: lazy slice scans that project only the mapped columns and cast them
//! to text, chunk by chunk, so that the normalisers see Parquet and CSV rows alike.

use polars::prelude::{
    DataFrame, DataType, Expr, LazyFrame, PlRefPath, PolarsError, PolarsResult, ScanArgsParquet,
    col,
};

use super::header::{map_headers, record_columns};
use super::table::{InputInfo, Table};
use super::{ChunkSink, InputFile, SourceOptions};
use crate::ground::error::bad_input;
use crate::ground::schema::SourceKind;

/// Reads a Parquet extract in chunks of `chunk_rows` rows (each a slice scan, so that
/// only the row groups it covers are read), handing each to `on_chunk` as a [`Table`]; at
/// least one chunk, possibly empty. Row numbers start at 1. A file polars cannot read
/// (corrupt pages, a column that is not text or numbers, invalid UTF-8) is bad input.
pub fn read_parquet_chunks(
    source: SourceKind,
    options: &SourceOptions,
    file: &InputFile,
    chunk_rows: usize,
    on_chunk: &mut ChunkSink,
) -> anyhow::Result<InputInfo> {
    let (path, name) = (&file.path, file.name.as_str());
    let (bytes, sha256) = super::hash_file(file)?;

    let unreadable = |e: PolarsError| unreadable(name, &e);
    let scan_path = PlRefPath::try_from_path(path).map_err(unreadable)?;
    let mut frame =
        LazyFrame::scan_parquet(scan_path, ScanArgsParquet::default()).map_err(unreadable)?;
    let schema = frame.collect_schema().map_err(unreadable)?;
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
    let projected = frame.select(projection);

    let fields: Vec<_> = mapping.iter().map(|&(f, _)| f).collect();
    let mut info = InputInfo {
        source: source.key().to_string(),
        path: path.clone(),
        name: name.to_string(),
        line_base: file.line_base,
        format: "parquet".into(),
        bytes,
        sha256,
        ..InputInfo::default()
    };
    record_columns(&mut info, source, &headers, &mapping);
    let chunk_rows = chunk_rows.clamp(1, u32::MAX as usize);
    let mut offset = 0;
    let new_chunk = || Table::new(source, info.clone(), name.to_string(), &fields);
    let mut reused: Option<Table> = None;
    loop {
        let data = projected
            .clone()
            .slice(offset as i64, chunk_rows as u32)
            .collect()
            .map_err(unreadable)?;
        let mut table = reused.take().unwrap_or_else(new_chunk);
        let columns = fields
            .iter()
            .map(|f| data.column(f.key()).and_then(|c| c.str()))
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(unreadable)?;
        let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
        for row in 0..data.height() {
            if table.is_full(usize::MAX) {
                let full = std::mem::replace(&mut table, new_chunk());
                table = on_chunk(full)?.unwrap_or_else(new_chunk);
            }
            let values: Vec<&str> = iters
                .iter_mut()
                .map(|it| it.next().flatten().unwrap_or(""))
                .collect();
            table.push_row((offset + row) as u64 + 1, values);
        }
        if data.height() > 0 || offset == 0 {
            reused = on_chunk(table)?;
        }
        if data.height() < chunk_rows {
            return Ok(info);
        }
        offset += data.height();
    }
}

/// A Parquet file polars cannot read, as one line of bad input.
fn unreadable(name: &str, e: &PolarsError) -> anyhow::Error {
    let text = e.to_string();
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    bad_input(format!(
        "{name}: not a readable Parquet extract: {}",
        first.trim()
    ))
}

/// The column names of a Parquet file (shown as `name`), as its header.
pub fn column_names(path: &std::path::Path, name: &str) -> anyhow::Result<Vec<String>> {
    let unreadable = |e: PolarsError| unreadable(name, &e);
    let scan_path = PlRefPath::try_from_path(path).map_err(unreadable)?;
    let mut frame =
        LazyFrame::scan_parquet(scan_path, ScanArgsParquet::default()).map_err(unreadable)?;
    let schema = frame.collect_schema().map_err(unreadable)?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
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
    read_columns_where(path, None, predicate)
}

/// The named columns (all when `None`) of the rows `predicate` keeps, projected and
/// filtered while scanning.
pub fn read_columns_where(
    path: &std::path::Path,
    columns: Option<&[&str]>,
    predicate: Option<Expr>,
) -> anyhow::Result<DataFrame> {
    let bad = |e: PolarsError| unreadable(&path.display().to_string(), &e);
    if !path.is_file() {
        return Err(bad_input(format!(
            "{}: no such file; is this a run directory?",
            path.display()
        )));
    }
    let mut frame = LazyFrame::scan_parquet(
        PlRefPath::try_from_path(path).map_err(bad)?,
        ScanArgsParquet::default(),
    )
    .map_err(bad)?;
    if let Some(columns) = columns {
        frame = frame.select(columns.iter().map(|c| col(*c)).collect::<Vec<_>>());
    }
    if let Some(p) = predicate {
        frame = frame.filter(p);
    }
    frame.collect().map_err(bad)
}

/// The column `name` of a frame read from a file sanku wrote, each cell as text as its CSV
/// twin shows it (a flag as `1` or `0`, a missing value empty); `None` without the column
/// (or with one no text can be made of).
pub fn text_column(frame: &DataFrame, name: &str) -> Option<Vec<String>> {
    let column = frame.column(name).ok()?;
    Some(match column.dtype() {
        DataType::Boolean => column
            .bool()
            .ok()?
            .iter()
            .map(|v| v.map_or("", |b| if b { "1" } else { "0" }).to_string())
            .collect(),
        _ => column
            .cast(&DataType::String)
            .ok()?
            .str()
            .ok()?
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect(),
    })
}

/// [`text_column`], or bad input naming the file at `path` and what it should be (`what`:
/// "a run's links").
pub fn required_text_column(
    frame: &DataFrame,
    name: &str,
    path: &std::path::Path,
    what: &str,
) -> anyhow::Result<Vec<String>> {
    text_column(frame, name).ok_or_else(|| {
        bad_input(format!(
            "{}: no column `{name}`; is this {what}?",
            path.display()
        ))
    })
}

/// The number column `name` of a frame, a missing value or column as none.
pub fn number_column(frame: &DataFrame, name: &str) -> Vec<Option<f64>> {
    match frame.column(name).map(|c| c.f64()) {
        Ok(Ok(values)) => values.iter().collect(),
        _ => vec![None; frame.height()],
    }
}

/// The named columns of a Parquet file that sanku wrote, row by row, each cell as text as
/// its CSV twin shows it (a flag as `1` or `0`, a missing value empty). A missing file or
/// column is bad input naming it.
pub fn read_text_rows(
    path: &std::path::Path,
    columns: &[&str],
) -> anyhow::Result<Vec<Vec<String>>> {
    // Only the named columns are scanned (a missing one is named below; a missing file by
    // `read_frame`).
    let frame = match path.is_file() {
        true => {
            let schema = column_names(path, &path.display().to_string())?;
            let present: Vec<&str> = columns
                .iter()
                .copied()
                .filter(|c| schema.iter().any(|s| s == c))
                .collect();
            read_columns_where(path, Some(&present), None)?
        }
        false => read_frame(path)?,
    };
    let mut cells = Vec::with_capacity(columns.len());
    for name in columns {
        let text = text_column(&frame, name).ok_or_else(|| {
            bad_input(format!(
                "{}: no column `{name}`; written by an older sanku? run it again",
                path.display()
            ))
        })?;
        cells.push(text.into_iter());
    }
    Ok((0..frame.height())
        .map(|_| {
            cells
                .iter_mut()
                .map(|c| c.next().unwrap_or_default())
                .collect()
        })
        .collect())
}
