//! A temporary working directory with the demo fixtures copied in, and a runner for the
//! built binary that shows stdout and stderr when an expectation fails.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    dir: tempfile::TempDir,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A work dir holding a copy of `fixtures/<name>` as `input/`.
    pub fn with_fixture(name: &str) -> Workdir {
        let wd = Workdir::new();
        let input = wd.path("input");
        fs::create_dir_all(&input).unwrap();
        for entry in fs::read_dir(fixtures().join(name)).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                fs::copy(entry.path(), input.join(entry.file_name())).unwrap();
            }
        }
        wd
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    /// Appends `lines` to a UTF-8 file of the work dir.
    pub fn append(&self, rel: &str, lines: &str) {
        let mut text = self.read(rel);
        text.push_str(lines);
        self.write(rel, text);
    }

    /// Appends `lines` to a GB18030 file of the work dir.
    pub fn append_gb18030(&self, rel: &str, lines: &str) {
        let path = self.path(rel);
        let mut bytes = fs::read(&path).unwrap();
        bytes.extend_from_slice(&encoding_rs::GB18030.encode(lines).0);
        fs::write(path, bytes).unwrap();
    }

    /// The text of a GB18030 file of the work dir.
    pub fn read_gb18030(&self, rel: &str) -> String {
        let bytes = fs::read(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"));
        encoding_rs::GB18030.decode(&bytes).0.into_owned()
    }

    /// Corrects 冯雪's ID number in the demo population register of `input/` (another order
    /// code): the next night closes her case and opens another. Returns the old and the new
    /// number.
    pub fn correct_an_id_number(&self) -> (&'static str, String) {
        let old = "530102201403011824";
        let first17 = "53010220140301192";
        let new = format!(
            "{first17}{}",
            sanku::pipeline::normalize::id::check_char(first17.as_bytes()) as char
        );
        let population = self.read_gb18030("input/population.csv");
        assert!(population.contains(old));
        self.write(
            "input/population.csv",
            encoding_rs::GB18030
                .encode(&population.replace(old, &new))
                .0,
        );
        (old, new)
    }

    /// Saves CSV file `rel` of a run as county staff do in Excel on Chinese Windows: a
    /// column 走访情况 added with notes, rows sorted by name (descending), dates shown as
    /// 2026/9/1, GB18030 without a byte-order mark, CRLF line ends; with `damage_numbers`
    /// every number of more than 11 digits (ID numbers, division codes) as Excel shows it,
    /// 5.30102E+17.
    pub fn save_as_excel(&self, rel: &str, damage_numbers: bool) {
        let bytes = fs::read(self.path(rel)).unwrap();
        let text = std::str::from_utf8(&bytes).expect("a file sanku wrote, in UTF-8");
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
        let mut header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        header.push("走访情况".into());
        let excel_cell = |cell: &str| -> String {
            let digits = cell.bytes().all(|b| b.is_ascii_digit());
            if damage_numbers && digits && cell.len() > 11 {
                return format!("{}.{}E+{}", &cell[..1], &cell[1..6], cell.len() - 1);
            }
            let date: Vec<&str> = cell.split('-').collect();
            if cell.len() == 10 && date.len() == 3 && date.iter().all(|p| p.parse::<u32>().is_ok())
            {
                let n = |p: &str| p.parse::<u32>().unwrap();
                return format!("{}/{}/{}", date[0], n(date[1]), n(date[2]));
            }
            cell.to_string()
        };
        let mut rows: Vec<Vec<String>> = reader
            .records()
            .enumerate()
            .map(|(i, r)| {
                let mut row: Vec<String> = r.unwrap().iter().map(excel_cell).collect();
                row.push(
                    if i % 2 == 0 {
                        "已走访，家长称在外打工"
                    } else {
                        "未联系上"
                    }
                    .into(),
                );
                row
            })
            .collect();
        rows.sort_by(|a, b| b[2..].cmp(&a[2..]));
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer.write_record(&header).unwrap();
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let saved = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        fs::write(self.path(rel), encoding_rs::GB18030.encode(&saved).0).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    /// CSV file `rel` of the work dir (UTF-8, a byte-order mark or not), parsed.
    pub fn csv(&self, rel: &str) -> Csv {
        Csv::parse(&self.read(rel))
    }

    /// Runs `sanku` with `args` inside the work dir, on a fixed clock: today is
    /// [`TODAY`] unless `--run-date` says otherwise.
    pub fn sanku(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sanku"))
            .args(args)
            .env("SANKU_RUN_DATE", TODAY)
            .current_dir(self.dir.path())
            .output()
            .expect("running sanku")
    }

    /// Runs `sanku` and expects exit code `code`.
    pub fn expect_code(&self, args: &[&str], code: i32) -> Output {
        let out = self.sanku(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "sanku {args:?}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `sanku`, expects exit code `code` and a stderr that contains each of `says`;
    /// returns the stderr.
    pub fn expect_error(&self, args: &[&str], code: i32, says: &[&str]) -> String {
        let out = self.expect_code(args, code);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        for said in says {
            assert!(
                stderr.contains(said),
                "sanku {args:?}: `{said}` not in stderr\n{stderr}"
            );
        }
        stderr
    }
}

/// A CSV text parsed with quoting honoured (a cell may hold a comma): its header and its
/// rows, every row as wide as the header.
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Parses `text`, with or without a byte-order mark; panics on malformed CSV.
    pub fn parse(text: &str) -> Csv {
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header = reader
            .headers()
            .unwrap_or_else(|e| panic!("CSV header: {e}\n{text}"))
            .iter()
            .map(String::from)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                r.unwrap_or_else(|e| panic!("CSV row: {e}\n{text}"))
                    .iter()
                    .map(String::from)
                    .collect()
            })
            .collect();
        Csv { header, rows }
    }

    /// Reads and parses the CSV file at `path`.
    pub fn read(path: &Path) -> Csv {
        Csv::parse(&fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path:?}: {e}")))
    }

    /// The position of column `name`; panics naming the columns there are.
    pub fn at(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// The cells of column `name`, top to bottom.
    pub fn column(&self, name: &str) -> Vec<String> {
        let at = self.at(name);
        self.rows.iter().map(|r| r[at].clone()).collect()
    }

    /// The rows as maps from column name to cell.
    pub fn maps(&self) -> Vec<BTreeMap<String, String>> {
        self.rows
            .iter()
            .map(|r| self.header.iter().cloned().zip(r.iter().cloned()).collect())
            .collect()
    }
}

/// Every line of a CSV text (the header too, if it has one) as its cells, quoting
/// honoured; lines may differ in width.
pub fn csv_lines(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("CSV line: {e}\n{text}"))
                .iter()
                .map(String::from)
                .collect()
        })
        .collect()
}

/// `lines` written as CSV text, cells quoted where they must be.
pub fn csv_text(lines: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for line in lines {
        writer.write_record(line).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// A CSV text as rows of named cells.
pub fn table(text: &str) -> Vec<BTreeMap<String, String>> {
    Csv::parse(text).maps()
}

/// The day the tests' runs take for today (`SANKU_RUN_DATE`): the fixtures' as-of date, so
/// that a test's outputs do not depend on the day it runs.
pub const TODAY: &str = "2026-09-01";

/// The checks files of a run directory; the last three name input lines.
pub const CHECK_FILES: [&str; 11] = [
    "checks/registry_only.csv",
    "checks/conflicts.csv",
    "checks/duplicate_registrations.csv",
    "checks/poverty_unmatched.csv",
    "checks/poor_not_enrolled.csv",
    "checks/disabled_flagged.csv",
    "checks/poor_enrolled_without_aid.csv",
    "checks/poor_enrolled_aid_in_review.csv",
    "checks/aid_unmatched.csv",
    "checks/exemptions_unmatched.csv",
    "checks/aid_in_review.csv",
];

/// `first17` with its check character.
pub fn with_check(first17: &str) -> String {
    let check = sanku::pipeline::normalize::id::check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

/// Asserts two texts are equal, showing both in full when they are not.
pub fn assert_same_text(what: &str, expected: &str, got: &str) {
    if expected != got {
        panic!("{what} differs\n--- expected\n{expected}\n--- got\n{got}");
    }
}
