//! The files staff hand back in a run directory's `returned/` folder, each read as a ledger
//! or skipped with why.

use std::path::{Path, PathBuf};

use super::worked::read_sheets;
use crate::pipeline::history::{Sheet, is_ledger_header};

/// The files (and folders) staff put in a run directory's `returned/` folder, by name: not
/// hidden, not Excel's `~$` lock files.
pub(super) fn returned_files(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                !n.starts_with('.') && !n.starts_with("~$")
            })
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The ledger sheets of a file in `returned/`, or why it is not a ledger.
pub(super) fn returned_sheets(path: &Path) -> Result<Vec<Sheet>, String> {
    if !crate::pipeline::load::is_table_file(
        path,
        &["xlsx", "xlsm", "xls", "ods", "csv", "txt", "tsv"],
    ) {
        return Err("not a workbook or CSV file".to_string());
    }
    read_sheets(path, &|h| is_ledger_header(h)).map_err(|e| {
        let message = e.to_string();
        let prefix = format!("{}: ", path.display());
        message
            .strip_prefix(&prefix)
            .unwrap_or(&message)
            .to_string()
    })
}
