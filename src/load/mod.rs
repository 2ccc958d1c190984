//! Stage 1, `load`: reads each register (CSV or Parquet) into [`Table`]s of mapped text
//! columns, chunk by chunk, with the rows that could not be read as rejects. Only this
//! module and `output` touch the filesystem.

pub mod csv;
pub mod encoding;
pub(crate) mod header;
pub mod parquet;
pub mod records;
pub(crate) mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use table::{InputInfo, Table};

use self::encoding::{Encoding, UndecodableShare};
use crate::progress::Progress;
use crate::schema::{Field, SourceKind};

/// Where one source is and how to read it.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    pub path: PathBuf,
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    pub max_undecodable: UndecodableShare,
    /// The line of the header row, when the config names it (`header_row`); else the
    /// first of the first twenty rows that maps the required fields.
    pub header_row: Option<u64>,
    /// Column names that override the default header words.
    pub columns: BTreeMap<Field, String>,
}

/// Chunk tables a streamed file uses at most.
const TABLES_IN_FLIGHT: usize = 3;

/// Reads a source in chunks of about `chunk_rows` rows and hands each to `on_chunk`, so
/// that a whole province's population is never held as text at once. A CSV file is read
/// on its own thread while the caller works on the previous chunk; a Parquet file comes
/// in slice scans of the same size.
pub fn stream_table(
    kind: SourceKind,
    options: &SourceOptions,
    progress: &Progress,
    chunk_rows: usize,
    on_chunk: &mut dyn FnMut(&Table) -> anyhow::Result<()>,
) -> anyhow::Result<InputInfo> {
    let name = display_name(&options.path);
    if is_parquet(&options.path) {
        return parquet::read_parquet_chunks(kind, options, &name, chunk_rows, on_chunk);
    }
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Table>(1);
        // Emptied tables go back to the reader, so chunks reuse their memory: one being
        // filled, one waiting, one being normalised, and never a fresh one after that.
        let (give_back, take_back) = std::sync::mpsc::channel::<Table>();
        let reader = scope.spawn(move || {
            let mut tables = 1;
            csv::read_csv_chunks(kind, options, &name, progress, chunk_rows, &mut |chunk| {
                send.send(chunk)
                    .map_err(|_| anyhow::anyhow!("the chunk consumer stopped"))?;
                let reused = match take_back.try_recv() {
                    Ok(table) => Some(table),
                    Err(_) if tables >= TABLES_IN_FLIGHT => take_back.recv().ok(),
                    Err(_) => None,
                };
                tables += usize::from(reused.is_none());
                Ok(reused)
            })
        });
        let mut consumed = Ok(());
        for mut chunk in receive {
            consumed = on_chunk(&chunk);
            if consumed.is_err() {
                // Dropping the receiver stops the reader at its next chunk.
                break;
            }
            chunk.clear();
            let _ = give_back.send(chunk);
        }
        // A reader waiting for a table back must not wait for ever.
        drop(give_back);
        let read = reader.join().expect("the reader thread does not panic");
        consumed?;
        read
    })
}

fn is_parquet(path: &Path) -> bool {
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
