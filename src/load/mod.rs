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

/// The raw registers of one run.
#[derive(Debug)]
pub struct Extracts {
    pub population: Table,
    pub students: Table,
    pub poverty: Table,
    pub exemptions: Option<Table>,
}

impl Extracts {
    /// Every loaded table, in source order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        [&self.population, &self.students, &self.poverty]
            .into_iter()
            .chain(self.exemptions.as_ref())
    }
}

/// Loads every source the config names.
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
        population: required(SourceKind::Population)?,
        students: required(SourceKind::Students)?,
        poverty: required(SourceKind::Poverty)?,
        exemptions: load(SourceKind::Exemptions)?,
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
