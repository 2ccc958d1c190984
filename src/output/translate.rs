//! A run in Chinese (`--lang zh`): every CSV file's column names and sanku's words in it
//! rewritten once the run's files are final, before the workbooks and the report are made
//! from them. Parquet and JSON files stay in English.

use std::path::Path;

use anyhow::Context;

use super::csv::{rewrite_csv, visit_files};
use crate::vocab::{Lang, column, word};

/// Rewrites the CSV files under `dir` in `lang` (nothing to do for English).
pub fn translate(dir: &Path, lang: Lang) -> anyhow::Result<()> {
    if lang == Lang::En {
        return Ok(());
    }
    visit_files(dir, &mut |dir, name| {
        if !name.ends_with(".csv") {
            return Ok(());
        }
        rewrite_csv(
            dir,
            name,
            &|h| column(h, lang).to_string(),
            &|header, record| {
                record
                    .iter()
                    .zip(header)
                    .map(|(value, h)| word(h, value, lang).to_string())
                    .collect()
            },
        )
        .with_context(|| format!("translating {}", dir.join(name).display()))
    })
}
