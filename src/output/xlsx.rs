//! ledger.xlsx: the ledger as a workbook a county clerk opens in Excel without damage. ID
//! and student numbers are text cells (typed into a number cell, Excel shows 5.30111E+17
//! and destroys the last digits on save); the header row is frozen and filtered, columns
//! are as wide as their contents. Written from ledger.csv once the run's files are final
//! (pseudonymised when asked), so that the two always hold the same rows.

use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};

use super::atomic::write_atomic;
use crate::normalize::date::Date;

/// Rows of one sheet below its header: Excel's limit, less the header row.
const SHEET_ROWS: usize = 1_048_575;
/// The widest a column is made, in characters.
const MAX_WIDTH: usize = 40;

/// Columns written as numbers; every other column is text.
const NUMBER_COLUMNS: [&str; 3] = ["age", "poor", "best_weight"];

/// Writes `dir/xlsx_name` from `dir/csv_name`: one sheet per million rows, the header
/// repeated on each. The workbook's creation date is `created`, so that the same run
/// writes the same bytes.
pub fn write_workbook(
    dir: &Path,
    csv_name: &str,
    xlsx_name: &str,
    sheet: &str,
    created: Date,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(dir.join(csv_name))
        .with_context(|| format!("reading {}", dir.join(csv_name).display()))?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;

    let mut workbook = Workbook::new();
    let day = ExcelDateTime::from_ymd(created.year as u16, created.month, created.day.max(1))?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&day));
    let bold = Format::new().set_bold();
    let numeric: Vec<bool> = header
        .iter()
        .map(|h| NUMBER_COLUMNS.contains(&crate::vocab::canonical_column(h)))
        .collect();
    let pages: Vec<&[csv::StringRecord]> = if rows.is_empty() {
        vec![&rows[..]]
    } else {
        rows.chunks(SHEET_ROWS).collect()
    };
    for (page, chunk) in pages.iter().enumerate() {
        let sheet_name = if pages.len() == 1 {
            sheet.to_string()
        } else {
            format!("{sheet} {}", page + 1)
        };
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet_name)?;
        write_sheet(worksheet, &header, chunk, &numeric, &bold)?;
    }
    let buffer = workbook.save_to_buffer()?;
    write_atomic(dir, xlsx_name, |out| {
        std::io::Write::write_all(out, &buffer)?;
        Ok(())
    })?;
    Ok(())
}

fn write_sheet(
    worksheet: &mut Worksheet,
    header: &[String],
    rows: &[csv::StringRecord],
    numeric: &[bool],
    bold: &Format,
) -> anyhow::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for (c, name) in header.iter().enumerate() {
        worksheet.write_string_with_format(0, c as u16, name, bold)?;
    }
    for (r, record) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, value) in record.iter().enumerate() {
            let col = c as u16;
            if value.is_empty() {
                continue;
            }
            match value.parse::<f64>() {
                Ok(n) if numeric.get(c) == Some(&true) && n.is_finite() => {
                    worksheet.write_number(row, col, n)?;
                }
                _ => {
                    worksheet.write_string(row, col, value)?;
                }
            }
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(display_width(value));
            }
        }
    }
    for (c, width) in widths.iter().enumerate() {
        worksheet.set_column_width(c as u16, (width.min(&MAX_WIDTH) + 2) as f64)?;
    }
    worksheet.set_freeze_panes(1, 0)?;
    if !header.is_empty() {
        worksheet.autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)?;
    }
    Ok(())
}

/// Characters as wide as Excel shows them: a Chinese character takes two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}
