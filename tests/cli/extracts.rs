//! Registers as extracts really arrive (`fixtures/extracts/`, made from
//! `fixtures/synthetic-small` by `cargo run --example extracts`): each shape holds the same
//! people as the clean registers and must give the same ledger with no config beyond the
//! clean one.

use serde_json::Value;

use crate::workdir::{Workdir, assert_same_text, fixtures};

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
