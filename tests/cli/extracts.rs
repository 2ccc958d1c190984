//! Registers as extracts really arrive (`fixtures/extracts/`, made from
//! `fixtures/synthetic-small` by `cargo run --example extracts`): each shape holds the same
//! people as the clean registers and must give the same ledger with no config beyond the
//! clean one.

use serde_json::Value;

use crate::workdir::{Csv, Workdir, assert_same_text, fixtures};

/// Runs sanku on a fixture directory into `out/` of a fresh work dir.
fn run(fixture: &str) -> Workdir {
    let wd = Workdir::new();
    let input = fixtures().join(fixture);
    wd.expect_code(
        &["run", input.to_str().unwrap(), "--out", "out", "--quiet"],
        0,
    );
    wd
}

fn clean_ledger() -> String {
    run("synthetic-small").read("out/ledger.csv")
}

fn manifest_inputs(wd: &Workdir) -> Vec<Value> {
    let manifest: Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    manifest["inputs"].as_array().unwrap().clone()
}

fn input<'a>(inputs: &'a [Value], source: &str) -> &'a Value {
    inputs
        .iter()
        .find(|i| i["source"] == source)
        .unwrap_or_else(|| panic!("no {source} input"))
}

#[test]
fn excel_workbooks_with_titles_date_cells_and_totals_give_the_clean_ledger() {
    let wd = run("extracts/xlsx");
    assert_same_text("ledger", &clean_ledger(), &wd.read("out/ledger.csv"));
    let inputs = manifest_inputs(&wd);
    let population = input(&inputs, "population");
    assert_eq!(population["format"], "xlsx");
    assert_eq!(population["sheet"], "学生信息");
    assert_eq!(population["rows_above_header"], 2);
    assert_eq!(population["total_rows"], 1);
    assert_eq!(population["rows_in"], 5000);
    assert_eq!(population["rows_rejected"], 0);
}

#[test]
fn gbk_files_with_titles_template_headers_chinese_dates_blank_and_total_rows_give_the_clean_ledger()
{
    let wd = run("extracts/titled-gbk");
    assert_same_text("ledger", &clean_ledger(), &wd.read("out/ledger.csv"));
    let rejects = wd.read("out/rejects.csv");
    assert_eq!(rejects.lines().count(), 1, "{rejects}");
    for source in ["population", "students", "poverty"] {
        let inputs = manifest_inputs(&wd);
        let file = input(&inputs, source);
        assert_eq!(file["rows_above_header"], 2, "{source}");
        assert_eq!(file["total_rows"], 1, "{source}");
        assert_eq!(file["rows_rejected"], 0, "{source}");
    }
}

#[test]
fn excel_datetimes_year_month_births_and_unknown_sex_give_the_clean_ledger() {
    let wd = run("extracts/dates-and-words");
    assert_same_text("ledger", &clean_ledger(), &wd.read("out/ledger.csv"));
    // A year and month that agree with the ID number are no cause for a warning.
    let warnings = wd.read("out/warnings.csv");
    assert!(
        !warnings.contains("birth_date"),
        "{}",
        warnings.lines().take(5).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn a_register_in_county_files_and_a_pattern_gives_the_clean_ledger_and_lists_every_file() {
    let wd = run("extracts/counties");
    assert_same_text("ledger", &clean_ledger(), &wd.read("out/ledger.csv"));
    let inputs = manifest_inputs(&wd);
    let population: Vec<&Value> = inputs
        .iter()
        .filter(|i| i["source"] == "population")
        .collect();
    let county_files = std::fs::read_dir(fixtures().join("extracts/counties/population"))
        .unwrap()
        .count();
    assert_eq!(population.len(), county_files);
    let rows: u64 = population
        .iter()
        .map(|i| i["rows_in"].as_u64().unwrap())
        .sum();
    assert_eq!(rows, 5000);
    let encodings: std::collections::BTreeSet<&str> = population
        .iter()
        .map(|i| i["encoding"].as_str().unwrap())
        .collect();
    assert_eq!(encodings.len(), 2, "{encodings:?}");
    let students = inputs.iter().filter(|i| i["source"] == "students").count();
    assert_eq!(students, 2);
}

#[test]
fn an_id_in_two_county_files_is_rejected_once_naming_its_file_and_line() {
    let wd = Workdir::with_fixture("demo");
    let text = wd.read_gb18030("input/population.csv");
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    // County B repeats county A's first row (a child registered in both).
    let a = format!("{header}\n{}\n", rows.join("\n"));
    let b = format!("{header}\n{}\n", rows[0]);
    std::fs::remove_file(wd.path("input/population.csv")).unwrap();
    wd.write("input/population/县A.csv", a);
    wd.write(
        "input/population/县B.csv",
        encoding_rs::GB18030.encode(&b).0,
    );
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let rejects = wd.read("out/rejects.csv");
    let duplicates: Vec<&str> = rejects
        .lines()
        .filter(|l| l.contains("duplicate ID"))
        .collect();
    assert_eq!(duplicates.len(), 1, "{rejects}");
    assert!(
        duplicates[0].starts_with(
            "县B.csv,2,id_number,duplicate ID number (the row at 县A.csv line 2 is used)"
        ) || duplicates[0].starts_with(
            "县A.csv,2,id_number,duplicate ID number (the row at 县B.csv line 2 is used)"
        ),
        "{rejects}"
    );
    let inputs = manifest_inputs(&wd);
    let population: Vec<&Value> = inputs
        .iter()
        .filter(|i| i["source"] == "population")
        .collect();
    assert_eq!(population.len(), 2);
    let rejected: u64 = population
        .iter()
        .map(|i| i["rows_rejected"].as_u64().unwrap())
        .sum();
    let used: u64 = population
        .iter()
        .map(|i| i["rows_used"].as_u64().unwrap())
        .sum();
    let rows_in: u64 = population
        .iter()
        .map(|i| i["rows_in"].as_u64().unwrap())
        .sum();
    assert_eq!(rows_in, rows.len() as u64 + 1);
    assert_eq!(used + rejected, rows_in);
}

#[test]
fn a_sheet_named_in_the_config_is_read_and_an_unknown_one_is_an_error() {
    let wd = Workdir::new();
    let input = fixtures().join("extracts/xlsx");
    for f in [
        "population.xlsx",
        "students.xlsx",
        "poverty.xlsx",
        "sanku.toml",
    ] {
        std::fs::copy(input.join(f), wd.path(f)).unwrap();
    }
    let config = wd.read("sanku.toml");
    wd.write(
        "sanku.toml",
        format!("{config}\n[students]\nsheet = \"学生信息\"\n"),
    );
    wd.expect_code(&["run", ".", "--out", "out", "-q"], 0);
    wd.write(
        "sanku.toml",
        format!("{config}\n[students]\nsheet = \"Sheet9\"\n"),
    );
    let out = wd.expect_code(&["run", ".", "--out", "out2", "-q"], 2);
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("students.xlsx: no sheet named `Sheet9` (sheets: 学生信息)"),
        "{message}"
    );
}

#[test]
fn ids_stored_as_numbers_are_damaged_not_repaired_and_every_clean_row_stays_in_the_ledger() {
    let wd = run("extracts/numeric-ids");
    let inputs = manifest_inputs(&wd);
    let students = input(&inputs, "students");
    assert_eq!(students["rows_rejected"], 0);
    let damaged = wd
        .csv("out/warnings.csv")
        .maps()
        .iter()
        .filter(|w| w["file"] == "students.xlsx" && w["reason"].contains("scientific notation"))
        .count();
    // Every ID too long for a spreadsheet number (16 digits or more, no X) lost digits.
    let clean_students = std::fs::read(fixtures().join("synthetic-small/students.csv")).unwrap();
    let clean_students = encoding_rs::GB18030.decode(&clean_students).0.into_owned();
    let long_numbers = Csv::parse(&clean_students)
        .column("身份证号")
        .iter()
        .filter(|id| id.len() >= 16 && id.bytes().all(|b| b.is_ascii_digit()))
        .count();
    assert!(
        damaged >= long_numbers && long_numbers > 750,
        "{damaged} of {long_numbers}"
    );
    // Linked on name, birth date, sex and the student number's ID instead, every child of
    // the clean ledger is still flagged; a record with a number that holds no ID and two
    // other errors may fail to link, adding a row, never losing one.
    let clean = clean_ledger();
    let ledger = wd.read("out/ledger.csv");
    // Rows as the child's facts, the columns before the case number (numbered in ledger
    // order, so an extra row shifts those after it).
    let facts = |text: &str| -> Vec<Vec<String>> {
        let csv = Csv::parse(text);
        let case = csv.at("case_id");
        let mut rows = vec![csv.header[..case].to_vec()];
        rows.extend(csv.rows.iter().map(|r| r[..case].to_vec()));
        rows
    };
    let (clean_rows, rows) = (facts(&clean), facts(&ledger));
    assert!(clean_rows.len() > 1, "the clean ledger flags no one");
    for row in &clean_rows {
        assert!(rows.contains(row), "missing: {row:?}");
    }
    assert!(
        rows.len() - clean_rows.len() <= clean_rows.len() / 20,
        "{} extra rows",
        rows.len() - clean_rows.len()
    );
}

#[test]
fn workbooks_and_county_files_read_in_small_chunks_write_the_same_bytes() {
    for shape in ["extracts/xlsx", "extracts/counties"] {
        let whole = run(shape);
        let wd = Workdir::new();
        let input = fixtures().join(shape);
        wd.expect_code(
            &[
                "run",
                input.to_str().unwrap(),
                "--out",
                "out",
                "--quiet",
                "--chunk-rows",
                "7",
            ],
            0,
        );
        for file in [
            "ledger.csv",
            "summary.csv",
            "rejects.csv",
            "warnings.csv",
            "review.csv",
        ] {
            assert_same_text(
                &format!("{shape} {file}"),
                &whole.read(&format!("out/{file}")),
                &wd.read(&format!("out/{file}")),
            );
        }
        let accounting = |wd: &Workdir| -> Vec<(Value, Value, Value)> {
            manifest_inputs(wd)
                .iter()
                .map(|i| {
                    (
                        i["path"].clone(),
                        i["rows_in"].clone(),
                        i["total_rows"].clone(),
                    )
                })
                .collect()
        };
        assert_eq!(accounting(&whole), accounting(&wd), "{shape}");
    }
}

#[test]
fn opendocument_spreadsheets_give_the_clean_ledger() {
    let wd = run("extracts/ods");
    assert_same_text("ledger", &clean_ledger(), &wd.read("out/ledger.csv"));
    let inputs = manifest_inputs(&wd);
    let population = input(&inputs, "population");
    assert_eq!(population["format"], "ods");
    assert_eq!(population["rows_above_header"], 1);
    assert_eq!(population["rows_rejected"], 0);
}
