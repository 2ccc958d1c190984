//! `load`: reads each register (CSV, Excel/OpenDocument or Parquet, in one file
//! or several) into [`Table`]s of mapped text columns, chunk by chunk, with the rows that
//! could not be read as rejects. Only this module and `rundir` touch the filesystem.

pub mod any;
mod block_read;
pub(crate) mod blocks;
pub mod csv;
pub mod encoding;
pub mod excel;
pub(crate) mod header;
pub mod parquet;
pub mod records;
pub(crate) mod rows;
pub(crate) mod table;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use table::{InputInfo, Table};

use self::encoding::{Encoding, UndecodableShare};
use crate::ground::progress::Progress;
use crate::ground::schema::{Field, SourceKind};

/// Where one source is and how to read it.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    /// The register's files, in the order they are read (sorted by path).
    pub files: Vec<PathBuf>,
    /// The sheet of a workbook; the first when not named.
    pub sheet: Option<String>,
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    pub max_undecodable: UndecodableShare,
    /// The line of the header row, when the config names it (`header_row`); else the
    /// first of the first twenty rows that maps the required fields.
    pub header_row: Option<u64>,
    /// Column names that override the default header words.
    pub columns: BTreeMap<Field, String>,
}

/// Where the Parquet and workbook readers hand their chunks: each full [`Table`] by
/// value, at least one per file (possibly empty); the sink may hand back an emptied table
/// to fill next, so that chunks reuse their memory.
pub(crate) type ChunkSink<'a> = dyn FnMut(Table) -> anyhow::Result<Option<Table>> + 'a;

/// What is made of each chunk of a register as it is read: `map` runs on the chunk's
/// table on whichever core read it, and its results reach `reduce` one by one in the
/// order of the file's rows.
pub struct ChunkWork<'w, P> {
    pub map: &'w (dyn Fn(&Table) -> P + Sync),
    pub reduce: &'w mut dyn FnMut(Mapped<P>) -> anyhow::Result<()>,
}

/// One chunk's result, and the chunk's accounting.
pub struct Mapped<P> {
    pub part: P,
    /// Rows read from the chunk: kept plus rejected.
    pub rows_in: u64,
    /// The chunk's last line, kept or rejected (0 when it has none).
    pub last_line: u64,
}

/// One file of a register, as a reader is given it.
pub struct InputFile {
    pub path: PathBuf,
    /// The name rejects and messages give it.
    pub name: String,
    /// Added to its line numbers to number the register's rows without repeats.
    pub line_base: u64,
}

/// A whole file's size and SHA-256, for the formats read whole (Parquet, workbooks).
pub(crate) fn hash_file(file: &InputFile) -> anyhow::Result<(u64, String)> {
    use sha2::Digest;
    let name = &file.name;
    let mut opened = std::fs::File::open(&file.path)
        .map_err(|e| crate::ground::error::bad_input(format!("{name}: cannot open: {e}")))?;
    let bytes = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut opened, &mut hasher)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.path.display()))?;
    Ok((bytes, crate::ground::text::hex(&hasher.finalize())))
}

/// Reads every file of a source in chunks and hands each to `work`, so that a whole
/// province's population is never held as text at once. Returns what the manifest
/// records of each file, in order.
pub fn stream_table<P: Send>(
    kind: SourceKind,
    options: &SourceOptions,
    progress: &Progress,
    chunk_rows: usize,
    work: ChunkWork<P>,
) -> anyhow::Result<Vec<InputInfo>> {
    let ChunkWork { map, reduce } = work;
    let names = display_names(&options.files);
    let mut infos = Vec::with_capacity(options.files.len());
    let mut line_base = 0;
    for (path, name) in options.files.iter().zip(names) {
        let file = InputFile {
            path: path.clone(),
            name,
            line_base,
        };
        let (mut rows_read, mut last_line) = (0, 0);
        let mut counted = |mapped: Mapped<P>| {
            rows_read += mapped.rows_in;
            last_line = last_line.max(mapped.last_line);
            reduce(mapped)
        };
        let work = ChunkWork {
            map,
            reduce: &mut counted,
        };
        let mut info = stream_file(kind, options, &file, progress, chunk_rows, work)?;
        info.rows_read = rows_read;
        line_base += last_line;
        infos.push(info);
    }
    Ok(infos)
}

/// Reads one file: a CSV file in blocks read ahead on their own thread and split on every
/// core; a Parquet file in slice scans of the chunk size; a workbook's sheet whole (at
/// most a million rows), handed on in chunks.
fn stream_file<P: Send>(
    kind: SourceKind,
    options: &SourceOptions,
    file: &InputFile,
    progress: &Progress,
    chunk_rows: usize,
    work: ChunkWork<P>,
) -> anyhow::Result<InputInfo> {
    let parquet = is_parquet(&file.path);
    if !parquet && !excel::is_workbook(&file.path) {
        return csv::read_csv_chunks(kind, options, file, progress, chunk_rows, work);
    }
    // Parquet slices and a workbook's sheet are read on this thread, each chunk handed
    // on and its table emptied for the next.
    let ChunkWork { map, reduce } = work;
    let mut in_turn = |mut table: Table| {
        reduce(Mapped {
            part: map(&table),
            rows_in: table.rows_in(),
            last_line: table.last_line(),
        })?;
        table.clear();
        Ok(Some(table))
    };
    match parquet {
        true => parquet::read_parquet_chunks(kind, options, file, chunk_rows, &mut in_turn),
        false => excel::read_excel_chunks(kind, options, file, chunk_rows, &mut in_turn),
    }
}

/// Whether `path` names a Parquet file (.parquet, .pq).
pub(crate) fn is_parquet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// The file's name, as rejects and messages show it.
pub fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The names of a register's files: each file's name, or with its folder when two files
/// share a name (县A/人口.csv, 县B/人口.csv), or the whole path when that too is shared.
fn display_names(files: &[PathBuf]) -> Vec<String> {
    let short: Vec<String> = files.iter().map(|p| display_name(p)).collect();
    let with_folder = |p: &Path| {
        let parent = p.parent().map(display_name).unwrap_or_default();
        if parent.is_empty() {
            display_name(p)
        } else {
            format!("{parent}/{}", display_name(p))
        }
    };
    let longer: Vec<String> = files.iter().map(|p| with_folder(p)).collect();
    let unique = |names: &[String]| {
        let mut sorted = names.to_vec();
        sorted.sort();
        sorted.windows(2).all(|w| w[0] != w[1])
    };
    if unique(&short) {
        short
    } else if unique(&longer) {
        longer
    } else {
        files.iter().map(|p| p.display().to_string()).collect()
    }
}

/// Whether `path` is a file a folder of extracts holds: one of `extensions` (any case), not
/// hidden, not the `~$` lock file Excel keeps beside an open workbook.
pub fn is_table_file(path: &std::path::Path, extensions: &[&str]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    path.is_file()
        && !name.starts_with('.')
        && !name.starts_with("~$")
        && extensions.contains(&extension.as_str())
}
