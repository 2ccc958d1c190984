//! A worked ledger as it comes back from county staff: the workbook sanku wrote, saved by
//! Excel or WPS with columns added, or a CSV saved by them (UTF-8 with a byte-order mark,
//! GB18030, tab-separated Unicode text), rows re-sorted or filtered. Read as text, cell by
//! cell as the user saw it.

use std::path::Path;

use calamine::{Reader, open_workbook_auto};

use crate::ground::error::bad_input;
use crate::pipeline::history::{Sheet, clean_cell};
use crate::pipeline::load::excel::{cell_text, is_workbook};
use crate::pipeline::load::text::read_records;

/// Rows searched for the header row (staff may add a title above it).
const HEADER_SEARCH_ROWS: usize = 20;

/// Reads every sheet of `path` that has a header row `is_header` accepts; a file with
/// none is bad input.
pub fn read_sheets(
    path: &Path,
    is_header: &dyn Fn(&[String]) -> bool,
) -> anyhow::Result<Vec<Sheet>> {
    let shown = path.display().to_string();
    let tables = if is_workbook(path) {
        read_workbook(path, &shown)?
    } else {
        vec![(shown.clone(), read_records(path)?)]
    };
    let mut sheets = Vec::new();
    for (name, rows) in tables {
        let found = rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|cells| is_header(&clean_header(cells)));
        if let Some(at) = found {
            let mut rows = rows.into_iter().enumerate().skip(at);
            let header = clean_header(&rows.next().map(|(_, r)| r).unwrap_or_default());
            let rows = rows
                .map(|(i, cells)| (i as u64 + 1, cells))
                .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
                .collect();
            sheets.push(Sheet { name, header, rows });
        }
    }
    if sheets.is_empty() {
        return Err(bad_input(format!(
            "{shown}: no sheet has a case_id or id_number column in its first {HEADER_SEARCH_ROWS} rows; \
             is this a ledger sanku wrote?"
        )));
    }
    Ok(sheets)
}

/// Header cells trimmed, byte-order mark and Excel's text-marking quote removed, sanku's
/// Chinese column names in English.
fn clean_header(cells: &[String]) -> Vec<String> {
    cells
        .iter()
        .map(|c| crate::ground::vocab::canonical_column(clean_cell(c)).to_string())
        .collect()
}

fn read_workbook(path: &Path, shown: &str) -> anyhow::Result<Vec<(String, Vec<Vec<String>>)>> {
    let unreadable =
        |e: &dyn std::fmt::Display| bad_input(format!("{shown}: not a readable workbook: {e}"));
    let mut workbook = open_workbook_auto(path).map_err(|e| unreadable(&e))?;
    let mut tables = Vec::new();
    for sheet in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| unreadable(&e))?;
        let rows = range
            .rows()
            .map(|cells| cells.iter().map(cell_text).collect())
            .collect();
        tables.push((format!("{shown} [{sheet}]"), rows));
    }
    Ok(tables)
}
