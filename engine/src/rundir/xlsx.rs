//! ledger.xlsx: the ledger as a workbook a county clerk opens in Excel without damage. ID
//! and student numbers are text cells (typed into a number cell, Excel shows 5.30111E+17
//! and destroys the last digits on save); the header row is frozen and filtered, columns
//! are as wide as their contents. Ages, flags and weights are number cells on every row
//! (a flag 0 or 1, a weight with two decimals; no weight, no cell), every other column
//! text. Written from the rows ledger.csv gets, made final (pseudonymised when asked), so
//! that the two always hold the same rows.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use super::atomic::write_atomic;
use super::table::Kind;
use crate::pipeline::normalize::date::Date;

/// Rows of one sheet below its header: Excel's limit, less the header row.
pub(super) const SHEET_ROWS: usize = 1_048_575;
/// The widest a column is made, in characters.
pub(super) const MAX_WIDTH: usize = 40;

/// Writes `dir/xlsx_name` from a table's `header` and its `rows` (`len` of them, their
/// cells as its CSV file holds them), each column's cells as `kinds` says: one sheet per
/// million rows, the header repeated on each. The workbook's creation date is `created`,
/// so that the same run writes the same bytes. (A workbook of many rows is written by
/// `xlsx_stream` instead, in the CSV file's pass.)
pub fn write_workbook(
    dir: &Path,
    xlsx_name: &str,
    sheet: &str,
    created: Date,
    header: &[&str],
    (mut rows, len): (impl Iterator<Item = Vec<String>>, usize),
    kinds: &[Kind],
) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    let day = ExcelDateTime::from_ymd(created.year as u16, created.month, created.day.max(1))?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&day));
    let bold = Format::new().set_bold();
    let pages = len.div_ceil(SHEET_ROWS).max(1);
    for page in 0..pages {
        let sheet_name = if pages == 1 {
            sheet.to_string()
        } else {
            format!("{sheet} {}", page + 1)
        };
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet_name)?;
        let page_len = SHEET_ROWS.min(len - page * SHEET_ROWS);
        write_sheet(
            worksheet,
            header,
            (rows.by_ref().take(page_len), page_len),
            kinds,
            &bold,
        )?;
    }
    anyhow::ensure!(
        rows.next().is_none(),
        "more than {len} rows for the workbook"
    );
    let buffer = workbook.save_to_buffer()?;
    write_atomic(dir, xlsx_name, |out| {
        std::io::Write::write_all(out, &buffer)?;
        Ok(())
    })?;
    Ok(())
}

fn write_sheet(
    worksheet: &mut Worksheet,
    header: &[&str],
    (rows, len): (impl Iterator<Item = Vec<String>>, usize),
    kinds: &[Kind],
    bold: &Format,
) -> anyhow::Result<()> {
    let weight = Format::new().set_num_format("0.00");
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for (c, name) in header.iter().enumerate() {
        worksheet.write_string_with_format(0, c as u16, *name, bold)?;
    }
    let mut written = 0;
    for (r, record) in rows.enumerate() {
        written += 1;
        let row = r as u32 + 1;
        for (c, value) in record.iter().enumerate() {
            let value = value.as_str();
            let col = c as u16;
            if value.is_empty() {
                continue;
            }
            let kind = kinds.get(c).copied().unwrap_or(Kind::Text);
            match (kind, value.parse::<f64>()) {
                (Kind::Text, _) => worksheet.write_string(row, col, value)?,
                (Kind::Weight, Ok(n)) if n.is_finite() => {
                    worksheet.write_number_with_format(row, col, n, &weight)?
                }
                (Kind::Int | Kind::Flag, Ok(n)) if n.is_finite() => {
                    worksheet.write_number(row, col, n)?
                }
                // sanku writes every cell of these columns as a number; one that is not
                // is kept as it came.
                _ => worksheet.write_string(row, col, value)?,
            };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(display_width(value));
            }
        }
    }
    for (c, width) in widths.iter().enumerate() {
        worksheet.set_column_width(c as u16, (width.min(&MAX_WIDTH) + 2) as f64)?;
    }
    // The rows come a second time, after the CSV file's pass: they must be as many.
    anyhow::ensure!(written == len, "{len} rows for the sheet, {written} given");
    worksheet.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        worksheet.autofilter(0, 0, len as u32, header.len() as u16 - 1)?;
    }
    Ok(())
}

/// Characters as wide as Excel shows them: a Chinese character takes two.
pub(super) fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook};

    /// Ledger rows as sanku writes them: flags both 0 and 1, a weight and none, a negative
    /// weight, an ID number and a household number that a number cell would round.
    fn ledger_rows() -> Vec<Vec<String>> {
        let names = super::super::ledger::column_names();
        let row = |i: usize| -> Vec<String> {
            names
                .iter()
                .map(|&name| match name {
                    "id_number" => format!("53011120150101{:04}", 1000 + i),
                    "household_no" => format!("5301110010010{:05}", i),
                    "best_candidate" if i % 3 != 0 => format!("G5301112015010{i:04}"),
                    "age" => (6 + i % 10).to_string(),
                    "poor" | "disabled" | "aided_this_term" => (i % 2).to_string(),
                    "best_weight" => match i % 3 {
                        0 => String::new(),
                        1 => "9.40".into(),
                        _ => "-3.25".into(),
                    },
                    "division_code" => "530111".into(),
                    "reason" => "no_record".into(),
                    _ => String::new(),
                })
                .collect()
        };
        (0..6).map(row).collect()
    }

    /// Writes `dir/ledger.xlsx` from `rows`, counted as `counted`, under `header`.
    fn write_ledger_book(
        dir: &Path,
        header: &[&str],
        rows: impl Iterator<Item = Vec<String>>,
        counted: usize,
    ) -> anyhow::Result<()> {
        let day = Date::new(2026, 9, 1).unwrap();
        let kinds = super::super::ledger::workbook_kinds(header);
        write_workbook(
            dir,
            "ledger.xlsx",
            "ledger",
            day,
            header,
            (rows, counted),
            &kinds,
        )
    }

    /// The workbook written from `rows` under `header`, read back: its header and rows.
    fn round_trip(header: &[String], rows: &[Vec<String>]) -> Vec<Vec<Data>> {
        let dir = tempfile::tempdir().unwrap();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        write_ledger_book(dir.path(), &header, rows.iter().cloned(), rows.len()).unwrap();
        let mut book: Xlsx<_> = open_workbook(dir.path().join("ledger.xlsx")).unwrap();
        let range = book.worksheet_range("ledger").unwrap();
        range.rows().map(<[Data]>::to_vec).collect()
    }

    #[test]
    fn rows_that_come_again_other_than_counted_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let rows = ledger_rows();
        let header = super::super::ledger::column_names();
        let write = |given: usize, counted: usize| {
            write_ledger_book(
                dir.path(),
                &header,
                rows.iter().take(given).cloned(),
                counted,
            )
        };
        assert!(write(rows.len(), rows.len()).is_ok());
        assert!(write(rows.len() - 1, rows.len()).is_err());
        assert!(write(rows.len(), rows.len() - 1).is_err());
    }

    #[test]
    fn every_column_is_numbers_or_text_on_every_row() {
        let rows = ledger_rows();
        for lang in [
            crate::ground::vocab::Lang::En,
            crate::ground::vocab::Lang::Zh,
        ] {
            let header: Vec<String> = super::super::ledger::column_names()
                .iter()
                .map(|c| crate::ground::vocab::column(c, lang).to_string())
                .collect();
            let cells = round_trip(&header, &rows);
            assert_eq!(cells.len(), rows.len() + 1);
            for (c, name) in super::super::ledger::column_names().iter().enumerate() {
                for (r, row) in rows.iter().enumerate() {
                    let (cell, value) = (&cells[r + 1][c], &row[c]);
                    let expected = match *name {
                        _ if value.is_empty() => Data::Empty,
                        "age" | "poor" | "disabled" | "aided_this_term" | "best_weight" => {
                            Data::Float(value.parse().unwrap())
                        }
                        _ => Data::String(value.clone()),
                    };
                    assert_eq!(*cell, expected, "{lang:?} {name}, row {r}");
                }
            }
        }
    }

    #[test]
    fn a_staff_column_is_text_whatever_it_holds() {
        let mut header: Vec<String> = super::super::ledger::column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        header.push("家访次数".into());
        let rows: Vec<Vec<String>> = ledger_rows()
            .into_iter()
            .map(|mut r| {
                r.push("2".into());
                r
            })
            .collect();
        let cells = round_trip(&header, &rows);
        let last = header.len() - 1;
        assert!(
            cells[1..]
                .iter()
                .all(|r| r[last] == Data::String("2".into()))
        );
    }
}
