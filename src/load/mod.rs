//! Stage 1, `load`: reads each register (CSV or Parquet) into a [`Table`] of mapped text
//! columns, with the rows that could not be read as rejects. Only this module and
//! `output` touch the filesystem.

pub mod csv;
pub mod encoding;
pub mod header;
pub mod parquet;
pub mod table;

use std::path::Path;

pub use table::{InputInfo, Table};

use crate::config::{Config, SourceOptions};
use crate::progress::Progress;
use crate::schema::SourceKind;

/// The raw registers of one run but the population, which is streamed (see
/// [`stream_table`]).
#[derive(Debug)]
pub struct Extracts {
    pub students: Table,
    pub poverty: Table,
    pub exemptions: Option<Table>,
}

impl Extracts {
    /// Every loaded table, in source order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        [&self.students, &self.poverty]
            .into_iter()
            .chain(self.exemptions.as_ref())
    }
}

/// Loads every source the config names but the population.
pub fn load_extracts(config: &Config, progress: &Progress) -> anyhow::Result<Extracts> {
    let load = |kind: SourceKind| -> anyhow::Result<Option<Table>> {
        config
            .sources
            .get(&kind)
            .map(|o| load_table(kind, o, progress))
            .transpose()
    };
    let required = |kind: SourceKind| -> anyhow::Result<Table> {
        load(kind)?.ok_or_else(|| crate::error::bad_input(format!("no {kind} file given")))
    };
    Ok(Extracts {
        students: required(SourceKind::Students)?,
        poverty: required(SourceKind::Poverty)?,
        exemptions: load(SourceKind::Exemptions)?,
    })
}

/// Reads a source in chunks of about `chunk_rows` rows and hands each to `on_chunk`, so
/// that a whole province's population is never held as text at once. A CSV file is read
/// on its own thread while the caller works on the previous chunk; a Parquet file comes
/// as one chunk.
pub fn stream_table(
    kind: SourceKind,
    options: &SourceOptions,
    progress: &Progress,
    chunk_rows: usize,
    on_chunk: &mut dyn FnMut(Table) -> anyhow::Result<()>,
) -> anyhow::Result<InputInfo> {
    let name = display_name(&options.path);
    if is_parquet(&options.path) {
        let mut table = parquet::read_parquet(kind, options, &name)?;
        let info = table.input.clone();
        table.input.sha256.clear();
        on_chunk(table)?;
        return Ok(info);
    }
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Table>(1);
        let reader = scope.spawn(move || {
            csv::read_csv_chunks(kind, options, &name, progress, chunk_rows, &mut |chunk| {
                send.send(chunk)
                    .map_err(|_| anyhow::anyhow!("the chunk consumer stopped"))
            })
        });
        let mut consumed = Ok(());
        for chunk in receive {
            consumed = on_chunk(chunk);
            if consumed.is_err() {
                // Dropping the receiver stops the reader at its next chunk.
                break;
            }
        }
        let read = reader.join().expect("the reader thread does not panic");
        consumed?;
        read
    })
}

/// Loads one source, choosing the reader by file extension.
pub fn load_table(
    kind: SourceKind,
    options: &SourceOptions,
    progress: &Progress,
) -> anyhow::Result<Table> {
    let name = display_name(&options.path);
    if is_parquet(&options.path) {
        parquet::read_parquet(kind, options, &name)
    } else {
        csv::read_csv(kind, options, &name, progress)
    }
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
