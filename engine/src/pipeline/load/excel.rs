//! Excel (.xlsx, .xlsm, .xls) and OpenDocument (.ods) extracts, read natively: the first
//! sheet, or the one the config names; title and blank rows above the header skipped as
//! in CSV. Each cell is read as the text the user saw: a number as its digits, a date as
//! YYYY-MM-DD (a time part dropped), and a number too long for a spreadsheet's 15
//! significant digits in scientific notation, so that an ID number stored as a number is
//! recognised as damaged and never "repaired". Row numbers are the sheet's.

use calamine::{Data, Reader, open_workbook_auto};

use super::header::{Aliases, HeaderSearch, record_columns};
use super::rows::{RowKind, row_kind};
use super::table::{InputInfo, Table};
use super::{ChunkSink, InputFile, SourceOptions};
use crate::ground::error::bad_input;
use crate::ground::schema::SourceKind;

/// The file extensions read as workbooks.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xls", "xlsb", "ods"];

/// Whether `path` names a workbook.
pub fn is_workbook(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Reads one sheet of a workbook in chunks of `chunk_rows` rows, handing each to
/// `on_chunk` as a [`Table`]; at least one chunk, possibly empty. A sheet holds at most a
/// million rows, so it is read whole and then handed on in chunks.
pub fn read_excel_chunks(
    source: SourceKind,
    options: &SourceOptions,
    file: &InputFile,
    chunk_rows: usize,
    on_chunk: &mut ChunkSink,
) -> anyhow::Result<InputInfo> {
    let (path, name) = (&file.path, file.name.as_str());
    let (bytes, sha256) = super::hash_file(file)?;
    let where_sheet = format!("the [{source}] section of the config");
    let (range, sheet) = open_sheet(path, name, options.sheet.as_deref(), &where_sheet)?;
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row));
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first_row + i as u64 + 1, cells));

    let mut search = HeaderSearch::new(name, Aliases { source, options });
    let header = loop {
        let Some((line, cells)) = rows.next() else {
            return Err(search.end());
        };
        let cells: Vec<String> = cells.iter().map(cell_text).collect();
        if row_kind(&cells) == RowKind::Blank {
            continue;
        }
        if let Some(header) = search.offer(line, Ok(cells))? {
            break header;
        }
    };
    let fields: Vec<_> = header.mapping.iter().map(|&(f, _)| f).collect();
    let mut info = InputInfo {
        source: source.key().to_string(),
        path: path.to_path_buf(),
        name: name.to_string(),
        line_base: file.line_base,
        format: format_of(path),
        encoding: None,
        sheet: Some(sheet),
        bytes,
        sha256,
        undecodable_rows: 0,
        rows_above_header: header.lines_above,
        ..InputInfo::default()
    };
    record_columns(&mut info, source, &header.cells, &header.mapping);
    let chunk_info = info.clone();
    let new_chunk = || Table::new(source, chunk_info.clone(), name.to_string(), &fields);
    let mut table = new_chunk();
    let mut cells: Vec<String> = Vec::new();
    for (line, row) in rows {
        cells.clear();
        cells.extend(row.iter().map(cell_text));
        match row_kind(&cells) {
            RowKind::Blank => continue,
            RowKind::Total => {
                info.total_rows += 1;
                continue;
            }
            RowKind::Data => {}
        }
        if table.is_full(chunk_rows) {
            let full = std::mem::replace(&mut table, new_chunk());
            if let Some(reused) = on_chunk(full)? {
                table = reused;
            }
        }
        let empty = String::new();
        table.push_row(
            line,
            header
                .mapping
                .iter()
                .map(|&(_, i)| cells.get(i).unwrap_or(&empty).as_str()),
        );
    }
    on_chunk(table)?;
    Ok(info)
}

/// The cells of a workbook's sheet `wanted` (the first when `None`), with the sheet's
/// name. A sheet that is not there is bad input naming the sheets there are and where to
/// name another (`config_place`).
pub(crate) fn open_sheet(
    path: &std::path::Path,
    name: &str,
    wanted: Option<&str>,
    config_place: &str,
) -> anyhow::Result<(calamine::Range<Data>, String)> {
    let unreadable = |e: &dyn std::fmt::Display| {
        bad_input(format!(
            "{name}: not a readable Excel or OpenDocument workbook: {e}"
        ))
    };
    let mut workbook = open_workbook_auto(path).map_err(|e| unreadable(&e))?;
    let sheets = workbook.sheet_names();
    let sheet = match wanted {
        Some(wanted) => sheets
            .iter()
            .find(|s| s.trim() == wanted.trim())
            .cloned()
            .ok_or_else(|| {
                bad_input(format!(
                    "{name}: no sheet named `{wanted}` (sheets: {}); fix `sheet` in {config_place}",
                    sheets.join(", ")
                ))
            })?,
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| bad_input(format!("{name}: the workbook has no sheet")))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| unreadable(&e))?;
    Ok((range, sheet))
}

pub(crate) fn format_of(path: &std::path::Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map_or("xlsx".to_string(), str::to_ascii_lowercase)
}

/// The largest integer a spreadsheet stores exactly: past 15 significant digits the
/// digits it shows are rounded.
const EXACT_DIGITS_BELOW: f64 = 1e15;

/// A cell as the text the user saw.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => d
            .as_datetime()
            .map_or_else(|| d.as_f64().to_string(), |t| t.date().to_string()),
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or("").to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as a spreadsheet shows it: whole numbers as digits while they are exact, longer
/// ones in scientific notation (4.30102200901012E+17), fractions as they are.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < EXACT_DIGITS_BELOW {
        return format!("{}", f as i64);
    }
    if f.is_finite() && f.abs() >= EXACT_DIGITS_BELOW {
        let text = format!("{f:E}");
        return match text.split_once('E') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}E+{exp}"),
            _ => text,
        };
    }
    f.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_user_saw_them() {
        assert_eq!(number_text(20120315.0), "20120315");
        assert_eq!(number_text(530102.0), "530102");
        assert_eq!(number_text(2.5), "2.5");
        // An 18-digit ID number stored as a number: its last digits are gone.
        assert_eq!(number_text(530406200910240000.0), "5.3040620091024E+17");
    }

    #[test]
    fn a_damaged_id_from_a_number_cell_is_recognised() {
        let text = number_text(530406200910241234.0);
        let id = crate::pipeline::normalize::id::parse_id(&text).unwrap();
        assert_eq!(id.class, crate::pipeline::normalize::id::IdClass::Damaged);
    }
}
