//! Writes `fixtures/extracts/`: the synthetic registers of `fixtures/synthetic-small`
//! reshaped the way government extracts really arrive — Excel workbooks with title rows
//! and date cells, GBK files with titles, blank and total rows and the header words of
//! real templates, Excel datetimes, year-month birth dates, registers split into county
//! files, ID numbers stored as spreadsheet numbers. Each shape holds the same people, so a
//! run on it should give the clean registers' ledger.
//!
//! `cargo run --example extracts -- fixtures/synthetic-small fixtures/extracts`

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// A register as text: its header and rows.
#[derive(Clone)]
struct Register {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Register {
    fn read(path: &Path) -> Register {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (text, _, _) = encoding_rs::GB18030.decode(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut records = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
        let header = records.next().expect("a header row");
        Register {
            header,
            rows: records.collect(),
        }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// Renames a column.
    fn rename(&mut self, from: &str, to: &str) {
        let i = self.column(from);
        self.header[i] = to.to_string();
    }

    /// Rewrites every value of a column.
    fn map(&mut self, name: &str, f: impl Fn(usize, &str) -> String) {
        let i = self.column(name);
        for (n, row) in self.rows.iter_mut().enumerate() {
            row[i] = f(n, &row[i]);
        }
    }

    fn lines(&self) -> Vec<Vec<String>> {
        std::iter::once(self.header.clone())
            .chain(self.rows.iter().cloned())
            .collect()
    }
}

/// CSV text of `lines`, quoting where needed.
fn csv_text(lines: &[Vec<String>]) -> String {
    let mut out = String::new();
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn write_gbk(path: &Path, text: &str) {
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    std::fs::write(path, bytes).unwrap();
}

fn write_utf8_bom(path: &Path, text: &str) {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(text.as_bytes());
    std::fs::write(path, bytes).unwrap();
}

/// How a cell is written to a workbook.
#[derive(Clone, Copy, PartialEq)]
enum CellKind {
    Text,
    /// A date cell (YYYY-MM-DD text written as an Excel date).
    Date,
    /// A number cell: an ID number loses its last digits.
    Number,
}

/// Writes a register as one sheet: an optional title row and a blank row above the
/// header, then the rows, then an optional total row.
fn write_xlsx(
    path: &Path,
    register: &Register,
    title: Option<&str>,
    kind_of: impl Fn(&str) -> CellKind,
) {
    let mut workbook = Workbook::new();
    // A fixed creation time: the same registers give the same bytes.
    let created = ExcelDateTime::from_ymd(2026, 9, 1).unwrap();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("yyyy/m/d");
    let sheet = workbook.add_worksheet();
    sheet.set_name("学生信息").unwrap();
    let mut row = 0u32;
    if let Some(title) = title {
        sheet.write_string(row, 0, title).unwrap();
        row += 2;
    }
    let kinds: Vec<CellKind> = register.header.iter().map(|h| kind_of(h)).collect();
    for (c, h) in register.header.iter().enumerate() {
        sheet.write_string(row, c as u16, h).unwrap();
    }
    for values in &register.rows {
        row += 1;
        for (c, value) in values.iter().enumerate() {
            let col = c as u16;
            match kinds[c] {
                _ if value.is_empty() => {}
                CellKind::Date => match ymd(value) {
                    Some((y, m, d)) => {
                        let date = ExcelDateTime::from_ymd(y, m, d).unwrap();
                        sheet.write_datetime_with_format(row, col, &date, &date_format)
                    }
                    None => sheet.write_string(row, col, value),
                }
                .map(|_| ())
                .unwrap(),
                CellKind::Number => match value.parse::<f64>() {
                    Ok(n) => sheet.write_number(row, col, n).map(|_| ()).unwrap(),
                    Err(_) => sheet.write_string(row, col, value).map(|_| ()).unwrap(),
                },
                CellKind::Text => sheet.write_string(row, col, value).map(|_| ()).unwrap(),
            }
        }
    }
    if title.is_some() {
        sheet.write_string(row + 1, 0, "合计").unwrap();
        sheet
            .write_number(row + 1, 1, register.rows.len() as f64)
            .unwrap();
    }
    workbook.save(path).unwrap();
}

fn ymd(value: &str) -> Option<(u16, u8, u8)> {
    let mut parts = value.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Some((y, m, d))
}

/// `2012-03-15` as 2012年3月15日.
fn chinese_date(value: &str) -> String {
    match ymd(value) {
        Some((y, m, d)) => format!("{y}年{m}月{d}日"),
        None => value.to_string(),
    }
}

/// The registers of the clean set.
struct Clean {
    population: Register,
    students: Register,
    poverty: Register,
    exemptions: Register,
    config: String,
}

/// A shape's folder, holding the disability and aid registers as the clean CSV (their
/// offices send them apart from the others).
fn dir(out: &Path, shape: &str) -> PathBuf {
    let dir = out.join(shape);
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["disability.csv", "aid.csv"] {
        std::fs::copy(Path::new(&clean_dir()).join(name), dir.join(name)).unwrap();
    }
    dir
}

/// Every register as an .xlsx workbook: a title row and a blank row above the header, a
/// total row below, birth dates as date cells, IDs as text.
fn xlsx(clean: &Clean, out: &Path) {
    let dir = dir(out, "xlsx");
    let kind = |h: &str| {
        if h.contains("日期") {
            CellKind::Date
        } else {
            CellKind::Text
        }
    };
    let title = Some("XX省2026年秋季学期信息表");
    write_xlsx(&dir.join("population.xlsx"), &clean.population, title, kind);
    write_xlsx(&dir.join("students.xlsx"), &clean.students, title, kind);
    write_xlsx(&dir.join("poverty.xlsx"), &clean.poverty, title, kind);
    write_xlsx(&dir.join("exemptions.xlsx"), &clean.exemptions, None, kind);
    std::fs::write(dir.join("sanku.toml"), &clean.config).unwrap();
}

/// GBK files with a title row and a blank line above the header, the header words of real
/// templates (身份证号码（18位）, 出生年月, 性别（男/女）, 户口所在地), 年月日 dates, a
/// blank line among the rows and a total row at the end.
fn titled_gbk(clean: &Clean, out: &Path) {
    let dir = dir(out, "titled-gbk");
    let mut population = clean.population.clone();
    population.rename("身份证号", "身份证号码（18位）");
    population.rename("性别", "性别（男/女）");
    population.rename("出生日期", "出生年月");
    population.rename("户籍地行政区划代码", "户口所在地");
    population.map("出生年月", |_, v| chinese_date(v));
    let mut students = clean.students.clone();
    students.rename("身份证号", "公民身份证号");
    students.rename("学籍状态", "在籍状态");
    students.map("出生日期", |_, v| chinese_date(v));
    for (name, register, title) in [
        ("population.csv", &population, "XX县2026年户籍人口信息表"),
        ("students.csv", &students, "XX县2026年秋季学期学籍信息表"),
        ("poverty.csv", &clean.poverty, "XX县脱贫户家庭成员信息"),
    ] {
        let mut lines = vec![vec![title.to_string()], vec![]];
        let mut body = register.lines();
        let middle = body.len() / 2;
        body.insert(middle, vec![]);
        lines.extend(body);
        lines.push(vec!["合计".to_string(), register.rows.len().to_string()]);
        write_gbk(&dir.join(name), &csv_text(&lines));
    }
    write_gbk(
        &dir.join("exemptions.csv"),
        &csv_text(&clean.exemptions.lines()),
    );
    std::fs::write(dir.join("sanku.toml"), &clean.config).unwrap();
}

/// UTF-8 with BOM: students' birth dates as Excel datetimes (`2012/3/15 0:00`,
/// `2012-3-15 00:00:00`), population birth dates as year and month only (2012-03, 201203,
/// 2012年3月) and some sexes 未知.
fn dates_and_words(clean: &Clean, out: &Path) {
    let dir = dir(out, "dates-and-words");
    let mut students = clean.students.clone();
    students.map("出生日期", |n, v| match ymd(v) {
        Some((y, m, d)) if n % 2 == 0 => format!("{y}/{m}/{d} 0:00"),
        Some((y, m, d)) => format!("{y}-{m}-{d} 00:00:00"),
        None => v.to_string(),
    });
    let mut population = clean.population.clone();
    population.map("出生日期", |n, v| match ymd(v) {
        Some((y, m, _)) => match n % 3 {
            0 => format!("{y}-{m:02}"),
            1 => format!("{y}{m:02}"),
            _ => format!("{y}年{m}月"),
        },
        None => v.to_string(),
    });
    population.map("性别", |n, v| {
        if n % 10 == 0 {
            "未知".to_string()
        } else {
            v.to_string()
        }
    });
    write_utf8_bom(&dir.join("population.csv"), &csv_text(&population.lines()));
    write_utf8_bom(&dir.join("students.csv"), &csv_text(&students.lines()));
    write_utf8_bom(&dir.join("poverty.csv"), &csv_text(&clean.poverty.lines()));
    write_utf8_bom(
        &dir.join("exemptions.csv"),
        &csv_text(&clean.exemptions.lines()),
    );
    std::fs::write(dir.join("sanku.toml"), &clean.config).unwrap();
}

/// The population as one file per county in `population/` (GBK and UTF-8 alternating),
/// the students as two files the config names by a pattern.
fn counties(clean: &Clean, out: &Path) {
    let dir = dir(out, "counties");
    let folder = dir.join("population");
    std::fs::create_dir_all(&folder).unwrap();
    let division = clean.population.column("户籍地行政区划代码");
    let mut counties: Vec<String> = clean
        .population
        .rows
        .iter()
        .map(|r| r[division].clone())
        .collect();
    counties.sort();
    counties.dedup();
    for (n, county) in counties.iter().enumerate() {
        let register = Register {
            header: clean.population.header.clone(),
            rows: clean
                .population
                .rows
                .iter()
                .filter(|r| &r[division] == county)
                .cloned()
                .collect(),
        };
        let path = folder.join(format!("{county}.csv"));
        let text = csv_text(&register.lines());
        if n % 2 == 0 {
            write_gbk(&path, &text);
        } else {
            std::fs::write(&path, text).unwrap();
        }
    }
    let students_folder = dir.join("学籍");
    std::fs::create_dir_all(&students_folder).unwrap();
    let half = clean.students.rows.len() / 2;
    for (name, rows) in [
        ("学籍-1.csv", &clean.students.rows[..half]),
        ("学籍-2.csv", &clean.students.rows[half..]),
    ] {
        let register = Register {
            header: clean.students.header.clone(),
            rows: rows.to_vec(),
        };
        write_gbk(&students_folder.join(name), &csv_text(&register.lines()));
    }
    write_gbk(&dir.join("poverty.csv"), &csv_text(&clean.poverty.lines()));
    write_gbk(
        &dir.join("exemptions.csv"),
        &csv_text(&clean.exemptions.lines()),
    );
    let config = format!(
        "{}\n[students]\nfile = \"学籍/*.csv\"\n",
        clean.config.trim_end()
    );
    std::fs::write(dir.join("sanku.toml"), config).unwrap();
}

/// The students as a workbook whose ID column holds numbers: every ID number has lost its
/// last digits (530406200910240000 shown as 5.30406E+17); the other registers clean.
fn numeric_ids(clean: &Clean, out: &Path) {
    let dir = dir(out, "numeric-ids");
    write_xlsx(&dir.join("students.xlsx"), &clean.students, None, |h| {
        if h == "身份证号" {
            CellKind::Number
        } else {
            CellKind::Text
        }
    });
    for name in ["population.csv", "poverty.csv", "exemptions.csv"] {
        std::fs::copy(Path::new(&clean_dir()).join(name), dir.join(name)).unwrap();
    }
    std::fs::write(dir.join("sanku.toml"), &clean.config).unwrap();
}

/// XML text with `&`, `<`, `>` and `"` escaped.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes a register as an OpenDocument spreadsheet: a title row above the header, birth
/// dates as date cells (`office:date-value`), everything else as text cells.
fn write_ods(path: &Path, register: &Register, title: &str) {
    use std::io::Write;
    let mut rows = String::new();
    let cell = |value: &str, date: bool| {
        if value.is_empty() {
            "<table:table-cell/>".to_string()
        } else if date && ymd(value).is_some() {
            format!(
                "<table:table-cell office:value-type=\"date\" office:date-value=\"{value}\"><text:p>{}</text:p></table:table-cell>",
                value.replace('-', "/")
            )
        } else {
            format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                xml_escape(value)
            )
        }
    };
    let row =
        |cells: Vec<String>| format!("<table:table-row>{}</table:table-row>\n", cells.concat());
    rows.push_str(&row(vec![cell(title, false)]));
    rows.push_str(&row(register
        .header
        .iter()
        .map(|h| cell(h, false))
        .collect()));
    let dates: Vec<bool> = register.header.iter().map(|h| h.contains("日期")).collect();
    for values in &register.rows {
        rows.push_str(&row(values
            .iter()
            .zip(&dates)
            .map(|(v, &d)| cell(v, d))
            .collect()));
    }
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet><table:table table:name=\"Sheet1\">\n{rows}</table:table></office:spreadsheet></office:body></office:document-content>\n"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>\n";
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    // A fixed time: the same registers give the same bytes.
    let time = zip::DateTime::from_date_and_time(2026, 9, 1, 0, 0, 0).unwrap();
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(time);
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap();
}

/// The population and students as OpenDocument spreadsheets (LibreOffice, WPS), with a
/// title row and date cells; the other registers as the clean CSV.
fn ods(clean: &Clean, out: &Path) {
    let dir = dir(out, "ods");
    write_ods(
        &dir.join("population.ods"),
        &clean.population,
        "户籍人口信息",
    );
    write_ods(&dir.join("students.ods"), &clean.students, "学籍信息");
    for name in ["poverty.csv", "exemptions.csv"] {
        std::fs::copy(Path::new(&clean_dir()).join(name), dir.join(name)).unwrap();
    }
    std::fs::write(dir.join("sanku.toml"), &clean.config).unwrap();
}

fn clean_dir() -> String {
    std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/synthetic-small".into())
}

fn main() {
    let source = PathBuf::from(clean_dir());
    let out = PathBuf::from(
        std::env::args()
            .nth(2)
            .unwrap_or_else(|| "fixtures/extracts".into()),
    );
    let clean = Clean {
        population: Register::read(&source.join("population.csv")),
        students: Register::read(&source.join("students.csv")),
        poverty: Register::read(&source.join("poverty.csv")),
        exemptions: Register::read(&source.join("exemptions.csv")),
        config: std::fs::read_to_string(source.join("sanku.toml")).unwrap(),
    };
    xlsx(&clean, &out);
    titled_gbk(&clean, &out);
    dates_and_words(&clean, &out);
    counties(&clean, &out);
    numeric_ids(&clean, &out);
    ods(&clean, &out);
    println!("wrote {}", out.display());
}
