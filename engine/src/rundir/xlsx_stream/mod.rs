//! A workbook of many rows (risk.xlsx) written as its CSV file's rows come, in the same
//! pass: each row's XML goes into its sheet's deflate stream at once, so that only the
//! compressed rows are held (about 115 bytes a row of the list); the sheet's head, which
//! holds the columns' widths, is written before them when the last row is in. Cells are as `xlsx` writes them: text inline, numbers for the number columns, the
//! header bold, frozen and filtered, columns as wide as their widest cell. The rows are
//! compressed fast (deflate level 2: about a fifth larger than the default level's, at
//! a third of its time).

mod package;
#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::DeflateEncoder;

use self::package::{Package, package_parts};
use super::atomic::write_atomic;
use super::table::Kind;
use super::xlsx::{MAX_WIDTH, SHEET_ROWS, display_width};
use crate::pipeline::normalize::date::Date;

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
/// The deflate level of a sheet's rows.
const SHEET_LEVEL: u32 = 2;
/// Cell styles (`s`, as styles.xml lists them): 0 plain, 1 the bold header, 2 a weight
/// with two decimals (built-in number format 2, `0.00`).
/// The most characters a spreadsheet cell holds.
const MAX_CELL_CHARS: usize = 32_767;
const HEADER_STYLE: &[u8] = b" s=\"1\"";
const WEIGHT_STYLE: &[u8] = b" s=\"2\"";

/// A workbook being written, a row at a time.
pub struct StreamedBook<'a> {
    kinds: &'a [Kind],
    /// Rows of a sheet below its header: Excel's limit.
    sheet_rows: usize,
    header: Vec<String>,
    /// Each column's widest cell so far, in characters (a Chinese character counting two).
    widths: Vec<usize>,
    /// The sheets filled, and the one filling.
    done: Vec<SheetBody>,
    body: SheetBody,
    /// A row's XML, reused.
    row: Vec<u8>,
}

/// The compressed rows of one sheet (its `<sheetData>`, the header row first).
struct SheetBody {
    encoder: DeflateEncoder<Vec<u8>>,
    crc: crc32fast::Hasher,
    /// Uncompressed bytes.
    len: u64,
    /// Rows below the header.
    rows: usize,
}

impl SheetBody {
    fn new() -> SheetBody {
        SheetBody {
            encoder: DeflateEncoder::new(Vec::new(), Compression::new(SHEET_LEVEL)),
            crc: crc32fast::Hasher::new(),
            len: 0,
            rows: 0,
        }
    }

    fn write(&mut self, xml: &[u8]) -> std::io::Result<()> {
        self.crc.update(xml);
        self.len += xml.len() as u64;
        self.encoder.write_all(xml)
    }
}

impl<'a> StreamedBook<'a> {
    /// A workbook under `header`, each column's cells written as `kinds` says.
    pub fn new(header: &[&str], kinds: &'a [Kind]) -> std::io::Result<StreamedBook<'a>> {
        let mut book = StreamedBook {
            kinds,
            sheet_rows: SHEET_ROWS,
            header: header.iter().map(|h| h.to_string()).collect(),
            widths: header.iter().map(|h| display_width(h)).collect(),
            done: Vec::new(),
            body: SheetBody::new(),
            row: Vec::with_capacity(4096),
        };
        book.header_row()?;
        Ok(book)
    }

    fn header_row(&mut self) -> std::io::Result<()> {
        self.row.clear();
        let header = self.header.iter().map(String::as_str);
        push_row(&mut self.row, 1, header, |_| Kind::Text, HEADER_STYLE);
        self.body.write(&self.row)
    }

    /// Adds a row of cells (escaped as the CSV file's are), in a new sheet after a
    /// million. A cell longer than a spreadsheet's cell holds is an error.
    pub fn push<'c>(
        &mut self,
        cells: impl Iterator<Item = &'c str> + Clone,
    ) -> std::io::Result<()> {
        if let Some((c, _)) = cells
            .clone()
            .enumerate()
            .find(|(_, cell)| cell.len() > MAX_CELL_CHARS && cell.chars().count() > MAX_CELL_CHARS)
        {
            let column = self.header.get(c).map_or("?", String::as_str);
            return Err(std::io::Error::other(format!(
                "row {}, column {column}: more than {MAX_CELL_CHARS} characters, more than a spreadsheet cell holds",
                self.done.iter().map(|b| b.rows).sum::<usize>() + self.body.rows + 1
            )));
        }
        if self.body.rows == self.sheet_rows {
            let full = std::mem::replace(&mut self.body, SheetBody::new());
            self.done.push(full);
            self.header_row()?;
        }
        for (width, cell) in self.widths.iter_mut().zip(cells.clone()) {
            *width = (*width).max(display_width(cell));
        }
        self.body.rows += 1;
        self.row.clear();
        let kinds = self.kinds;
        let kind = |c: usize| kinds.get(c).copied().unwrap_or(Kind::Text);
        push_row(&mut self.row, self.body.rows + 1, cells, kind, b"");
        self.body.write(&self.row)
    }

    /// Writes `dir/xlsx_name`, its sheets named `sheet` (then `sheet 2` …), created on
    /// `created` so that the same rows write the same bytes.
    pub fn finish(
        mut self,
        dir: &Path,
        xlsx_name: &str,
        sheet: &str,
        created: Date,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            sheet.chars().count() <= 28 && !sheet.contains(['[', ']', ':', '*', '?', '/', '\\']),
            "sheet name {sheet:?}: at most 28 characters (31 with a page number), none of []:*?/\\"
        );
        self.done.push(self.body);
        let bodies = self.done;
        let names: Vec<String> = (0..bodies.len())
            .map(|p| match bodies.len() {
                1 => sheet.to_string(),
                _ => format!("{sheet} {}", p + 1),
            })
            .collect();
        let columns = self.header.len();
        let rows: Vec<usize> = bodies.iter().map(|b| b.rows).collect();
        let parts = package_parts(&names, columns, &rows, created);
        let widths = self.widths;
        write_atomic(dir, xlsx_name, |out| {
            let mut zip = Package::new(out);
            for (path, xml) in &parts {
                zip.part(path, xml.as_bytes())?;
            }
            for (page, body) in bodies.into_iter().enumerate() {
                let head = sheet_head(page == 0, columns, body.rows, &widths);
                let tail = sheet_tail(columns, body.rows);
                let path = format!("xl/worksheets/sheet{}.xml", page + 1);
                zip.sheet(&path, head.as_bytes(), body, tail.as_bytes())?;
            }
            zip.finish()
        })?;
        Ok(())
    }
}

/// Everything of a sheet before its rows: the frozen header, the columns' widths. Only
/// the `first` sheet is selected (several selected sheets open grouped, where sorting and
/// filtering are off).
fn sheet_head(first: bool, columns: usize, rows: usize, widths: &[usize]) -> String {
    let last = column_name(columns.max(1) - 1);
    let selected = match first {
        true => " tabSelected=\"1\"",
        false => "",
    };
    let mut head = format!(
        "{XML_HEAD}<worksheet xmlns=\"{MAIN}\" xmlns:r=\"{RELS}\">\
         <dimension ref=\"A1:{last}{}\"/>\
         <sheetViews><sheetView{selected} workbookViewId=\"0\">\
         <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
         <selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>\
         <sheetFormatPr defaultRowHeight=\"15\"/>",
        rows + 1
    );
    if columns > 0 {
        head.push_str("<cols>");
        for c in 0..columns {
            // Excel's stored width: characters plus the cell's padding (5 pixels of a
            // 7-pixel digit), in 256ths.
            let chars = widths.get(c).copied().unwrap_or(0).min(MAX_WIDTH) + 2;
            let width = ((chars as f64 + 5.0 / 7.0) * 256.0).trunc() / 256.0;
            head.push_str(&format!(
                "<col min=\"{k}\" max=\"{k}\" width=\"{width}\" customWidth=\"1\"/>",
                k = c + 1
            ));
        }
        head.push_str("</cols>");
    }
    head.push_str("<sheetData>");
    head
}

/// Everything of a sheet after its rows: the header's filter.
fn sheet_tail(columns: usize, rows: usize) -> String {
    let mut tail = "</sheetData>".to_string();
    if columns > 0 {
        let last = column_name(columns - 1);
        tail.push_str(&format!("<autoFilter ref=\"A1:{last}{}\"/>", rows + 1));
    }
    tail.push_str(
        "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>",
    );
    tail
}

/// Row `number` (1 the header) as XML: text inline (styled `text_style`), a number
/// column's numbers as numbers, empty cells left out.
fn push_row<'c>(
    out: &mut Vec<u8>,
    number: usize,
    cells: impl Iterator<Item = &'c str>,
    kind: impl Fn(usize) -> Kind,
    text_style: &[u8],
) {
    let mut digits = [0; 20];
    let number = decimal(&mut digits, number);
    out.extend_from_slice(b"<row r=\"");
    out.extend_from_slice(number);
    out.extend_from_slice(b"\">");
    for (c, value) in cells.enumerate() {
        if value.is_empty() {
            continue;
        }
        out.extend_from_slice(b"<c r=\"");
        push_column_letters(out, c);
        out.extend_from_slice(number);
        out.push(b'"');
        let kind = kind(c);
        let number = match kind {
            Kind::Text => None,
            Kind::Int | Kind::Flag | Kind::Weight => number_text(value),
        };
        match number {
            Some(n) => {
                if matches!(kind, Kind::Weight) {
                    out.extend_from_slice(WEIGHT_STYLE);
                }
                out.extend_from_slice(b"><v>");
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(b"</v></c>");
            }
            // Text, and a number column's cell that is not a number, kept as it came.
            None => {
                out.extend_from_slice(text_style);
                out.extend_from_slice(b" t=\"inlineStr\"><is><t");
                if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
                    out.extend_from_slice(b" xml:space=\"preserve\"");
                }
                out.push(b'>');
                push_escaped(out, value);
                out.extend_from_slice(b"</t></is></c>");
            }
        }
    }
    out.extend_from_slice(b"</row>");
}

/// A cell of a number column as the number a sheet holds: an integer as written, any
/// other finite number in its shortest decimal form; `None` when it is not a number.
fn number_text(value: &str) -> Option<std::borrow::Cow<'_, str>> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.into());
    }
    let n = value.parse::<f64>().ok().filter(|n| n.is_finite())?;
    Some(n.to_string().into())
}

/// `n` in decimal digits, written at the end of `buffer`.
fn decimal(buffer: &mut [u8; 20], mut n: usize) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buffer[at..]
}

/// The letters of column `c` (0 is A, 26 is AA).
fn column_name(c: usize) -> String {
    let mut name = Vec::new();
    push_column_letters(&mut name, c);
    String::from_utf8(name).expect("letters")
}

fn push_column_letters(out: &mut Vec<u8>, c: usize) {
    let start = out.len();
    let mut n = c + 1;
    while n > 0 {
        out.insert(start, b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
}

/// Text as XML: `&`, `<` and `>` escaped; characters XML cannot carry (controls but tab
/// and newline) and an underscore that would read as one of them (`_x0041_`) written as
/// Excel writes them, `_xHHHH_`.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    // U+FFFE and U+FFFF (EF BF BE, EF BF BF), which XML cannot carry either.
    if text.contains(['\u{FFFE}', '\u{FFFF}']) {
        let escaped = text
            .replace('\u{FFFE}', "_xFFFE_")
            .replace('\u{FFFF}', "_xFFFF_");
        return push_escaped(out, &escaped);
    }
    let bytes = text.as_bytes();
    let mut plain = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: std::borrow::Cow<'static, [u8]> = match b {
            b'&' => b"&amp;".into(),
            b'<' => b"&lt;".into(),
            b'>' => b"&gt;".into(),
            b'\t' | b'\n' => continue,
            0..=0x1f => format!("_x{b:04X}_").into_bytes().into(),
            b'_' if looks_escaped(&bytes[i..]) => b"_x005F_".into(),
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain..i]);
        out.extend_from_slice(&escaped);
        plain = i + 1;
    }
    out.extend_from_slice(&bytes[plain..]);
}

/// `_xHHHH_` at the start of `bytes`.
fn looks_escaped(bytes: &[u8]) -> bool {
    bytes.len() >= 7
        && bytes[1] == b'x'
        && bytes[2..6].iter().all(u8::is_ascii_hexdigit)
        && bytes[6] == b'_'
}

/// Text in an attribute written whole (a sheet's name).
fn escape(text: &str) -> String {
    let mut out = Vec::new();
    push_escaped(&mut out, text);
    String::from_utf8(out)
        .expect("escaped UTF-8 is UTF-8")
        .replace('"', "&quot;")
}
