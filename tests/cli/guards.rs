//! Guards: a run that is almost surely wrong stops with exit 3, writes nothing and says
//! what to fix; `--force` writes it anyway; `check` runs the same guards.

use std::fs;

use crate::workdir::{Workdir, fixtures};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The synthetic registers in `input/`, with `edit` applied to the text of one file.
fn synthetic_with(file: &str, edit: impl Fn(&str) -> String) -> Workdir {
    let wd = Workdir::with_fixture("synthetic-small");
    let path = wd.path(&format!("input/{file}"));
    let text = encoding_rs::GB18030
        .decode(&fs::read(&path).unwrap())
        .0
        .into_owned();
    fs::write(&path, encoding_rs::GB18030.encode(&edit(&text)).0).unwrap();
    wd
}

fn expect_stopped(wd: &Workdir, args: &[&str], says: &[&str]) {
    let out = wd.expect_code(args, 3);
    let message = stderr(&out);
    for words in says {
        assert!(message.contains(words), "{words:?} not in:\n{message}");
    }
    assert!(message.contains("--force"), "{message}");
    assert!(
        !wd.path("out").exists(),
        "a stopped run wrote its directory"
    );
}

#[test]
fn a_student_register_of_another_place_enrolls_no_one_and_stops_the_run() {
    let wd = Workdir::with_fixture("demo");
    let students = fixtures().join("synthetic-small/students.csv");
    fs::copy(students, wd.path("input/students.csv")).unwrap();
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out"],
        &[
            "no child of the",
            "is enrolled",
            "student register has 898 rows",
        ],
    );
    // check, which links nothing, sees that no student record carries a child's ID.
    expect_stopped(
        &wd,
        &["check", "input", "--out", "out"],
        &["none of the 898 student records carries the ID number of any of the"],
    );
    wd.expect_code(&["run", "input", "--out", "out", "--force", "-q"], 0);
    assert!(wd.path("out/ledger.csv").is_file());
}

#[test]
fn most_rows_rejected_stops_the_run_and_names_the_commonest_reason() {
    let wd = synthetic_with("population.csv", |text| {
        text.replace(",男,", ",甲,").replace(",女,", ",乙,")
    });
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out"],
        &[
            "population.csv: 5000 of 5000 rows rejected (100%)",
            "sex: unknown sex value",
        ],
    );
    // check stops the same way, and --force writes its rejects to look at.
    expect_stopped(&wd, &["check", "input", "--out", "out"], &["5000 of 5000"]);
    wd.expect_code(&["check", "input", "--out", "out", "--force", "-q"], 0);
    assert!(wd.read("out/rejects.csv").contains("unknown sex value"));
}

#[test]
fn a_column_the_data_has_but_no_header_matched_stops_the_run() {
    let wd = synthetic_with("students.csv", |text| {
        text.replacen("身份证号", "学生身份证件编号", 1)
    });
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out"],
        &[
            "`学生身份证件编号` looks like `id_number`",
            "[students.columns] id_number = \"学生身份证件编号\"",
        ],
    );
    // Named in the config, the run goes through.
    let config = wd.read("input/sanku.toml");
    wd.write(
        "input/sanku.toml",
        format!("{config}\n[students.columns]\nid_number = \"学生身份证件编号\"\n"),
    );
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
}

#[test]
fn an_as_of_date_years_from_the_data_stops_the_run() {
    let wd = Workdir::with_fixture("synthetic-small");
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out", "--as-of", "2032-09-01"],
        &["median age is", "years above", "is the as-of date right"],
    );
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out", "--as-of", "2001-09-01"],
        &["years below"],
    );
    // A mistyped year: nobody is of school age.
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out", "--as-of", "2062-09-01"],
        &[
            "no child of school age (born 2046-09-01 to 2056-08-31)",
            "years above",
        ],
    );
    // A year either way is a real choice of school year, not a mistake.
    for as_of in ["2025-09-01", "2027-09-01"] {
        wd.expect_code(&["run", "input", "--out", as_of, "-q", "--as-of", as_of], 0);
    }
}

#[test]
fn a_guard_turned_off_in_the_config_lets_the_run_through() {
    let wd = Workdir::with_fixture("synthetic-small");
    let config = wd.read("input/sanku.toml");
    wd.write(
        "input/sanku.toml",
        format!("{config}\n[guards]\nas_of_years = 0\nempty_cohort = false\nno_enrolled = false\n"),
    );
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "out",
            "-q",
            "--as-of",
            "1990-09-01",
        ],
        0,
    );
    wd.write(
        "input/sanku.toml",
        format!("{config}\n[guards]\nmax_rejected_share = 2\n"),
    );
    let out = wd.expect_code(&["run", "input", "--out", "out", "-q"], 2);
    assert!(
        stderr(&out).contains("max_rejected_share"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_population_whose_ids_a_spreadsheet_rounded_stops_the_run_naming_the_damage() {
    // Saved through Excel: every ID number kept 15 digits and ends in 000.
    let wd = synthetic_with("population.csv", |text| {
        text.lines()
            .map(|line| match line.split_once(',') {
                Some((id, rest)) if id.len() == 18 && id.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("{}000,{rest}\n", &id[..15])
                }
                _ => format!("{line}\n"),
            })
            .collect()
    });
    expect_stopped(
        &wd,
        &["run", "input", "--out", "out"],
        &[
            "population.csv:",
            "id_number: ID number with its last digits zeroed by a spreadsheet",
        ],
    );
}
