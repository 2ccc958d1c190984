//! A run in Chinese (`--lang zh`): every CSV file's column names and sanku's words in it
//! rewritten once the run's files are final, before the workbooks and the report are made
//! from them. Parquet and JSON files stay in English.

use std::path::Path;

use anyhow::Context;

use super::csv::{rewrite_csv, visit_files};
use crate::ground::vocab::{Lang, column, word};

/// Rewrites the CSV files under `root` in `lang` (nothing to do for English), but those
/// `done` names.
pub fn translate(root: &Path, lang: Lang, done: &[&str]) -> anyhow::Result<()> {
    if lang == Lang::En {
        return Ok(());
    }
    visit_files(root, &mut |dir, name| {
        if dir == root && done.contains(&name) {
            return Ok(());
        }
        translate_file(dir, name, lang)
    })
}

/// Rewrites `dir/name` in `lang` if it is a CSV file.
pub fn translate_file(dir: &Path, name: &str, lang: Lang) -> anyhow::Result<()> {
    if lang == Lang::En || !name.ends_with(".csv") {
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
}
