//! CSV for people: UTF-8 with a BOM so that Excel opens Chinese text cleanly, and every
//! text cell that a spreadsheet would run as a formula (= + - @, tab, carriage return)
//! escaped with a leading apostrophe. Numbers are left alone.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::atomic::write_atomic;
use crate::ground::error::bad_input;
use crate::ground::vocab::{canonical_column, canonical_word};

/// Escapes a cell against formula injection.
pub fn escape_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `cell` as [`escape_cell`] writes it, taken over when it needs no escape.
pub fn escaped(cell: String) -> String {
    match escape_cell(&cell) {
        std::borrow::Cow::Owned(escaped) => Some(escaped),
        std::borrow::Cow::Borrowed(_) => None,
    }
    .unwrap_or(cell)
}

/// A signed decimal number written with digits (not `inf`, `NaN` or `1e9`, which a
/// spreadsheet may read otherwise).
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Writes `dir/name` atomically: BOM, header, rows.
pub fn write_csv<I, R>(dir: &Path, name: &str, header: &[&str], rows: I) -> anyhow::Result<()>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    write_atomic(dir, name, |out| {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row.into_iter().map(escaped))?;
        }
        writer.flush()?;
        Ok(())
    })?;
    Ok(())
}

/// Sorts the rows of a table with columns `header` by the columns named in `keys`, in
/// order (stable); a key ending in `#` sorts its column as a number.
pub fn sort_rows(rows: &mut [Vec<String>], header: &[&str], keys: &[&str]) {
    let keys: Vec<(usize, bool)> = keys
        .iter()
        .map(|key| {
            let name = key.trim_end_matches('#');
            let at = header.iter().position(|h| *h == name);
            (
                at.unwrap_or_else(|| panic!("no column `{name}` to sort by")),
                key.ends_with('#'),
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        keys.iter()
            .map(|&(i, numeric)| {
                if numeric {
                    a[i].parse::<u64>().ok().cmp(&b[i].parse::<u64>().ok())
                } else {
                    a[i].cmp(&b[i])
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// Calls `visit(dir, name)` for every file under `dir`, sorted by name, subdirectories
/// first visited in place.
pub fn visit_files(
    dir: &Path,
    visit: &mut dyn FnMut(&Path, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            visit_files(&entry.path(), visit)?;
        } else {
            visit(dir, &name)?;
        }
    }
    Ok(())
}

/// The header of `path`, a CSV file sanku wrote (BOM removed).
pub fn read_header(path: &Path) -> anyhow::Result<Vec<String>> {
    let file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut reader = csv::Reader::from_reader(file);
    let header = reader
        .headers()
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(header
        .iter()
        .map(|h| h.trim_start_matches('\u{FEFF}').to_string())
        .collect())
}

/// Reads the named columns of a CSV file written by sanku, as written or as a spreadsheet
/// saved it again (any encoding the registers are read in, comma or tab, columns added or
/// moved); BOM and formula escapes removed, sanku's Chinese words in English.
pub fn read_columns(path: &Path, columns: &[&str]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut records = crate::pipeline::load::text::read_records(path)?.into_iter();
    let headers: Vec<String> = records
        .next()
        .unwrap_or_default()
        .iter()
        .map(|h| canonical_column(h.trim_start_matches('\u{FEFF}')).to_string())
        .collect();
    let index: Vec<usize> = columns
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| h == c)
                .ok_or_else(|| bad_input(format!("{}: no column `{c}`", path.display())))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(records
        .map(|record| {
            index
                .iter()
                .zip(columns)
                .map(|(&i, column)| {
                    let value = record.get(i).map_or("", |v| v.trim_start_matches('\''));
                    canonical_word(column, value).to_string()
                })
                .collect()
        })
        .collect())
}

/// A weight as text: two decimals, or empty.
pub fn format_weight(weight: Option<f64>) -> String {
    weight.map_or(String::new(), |w| format!("{w:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_formulas_but_not_numbers() {
        assert_eq!(escape_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(escape_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_cell("+86 123"), "'+86 123");
        assert_eq!(escape_cell("-3.25"), "-3.25");
        for cell in ["-inf", "+NaN", "-1e9", "-.5", "+", "-1.2.3"] {
            assert_eq!(escape_cell(cell), format!("'{cell}"), "{cell}");
        }
        assert_eq!(escape_cell("王小明"), "王小明");
    }

    #[test]
    fn rows_sort_by_named_columns_numbers_as_numbers() {
        let mut rows: Vec<Vec<String>> = [["b", "10"], ["a", "9"], ["b", "9"]]
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        sort_rows(&mut rows, &["key", "line"], &["key", "line#"]);
        let firsts: Vec<String> = rows.iter().map(|r| r.join(" ")).collect();
        assert_eq!(firsts, ["a 9", "b 9", "b 10"]);
    }
}
