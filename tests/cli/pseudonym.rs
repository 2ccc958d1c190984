//! `--pseudonymize KEYFILE`: no ID, student or household number or name of any input
//! survives anywhere in the run directory — checked on a run whose every file holds rows —
//! and the same child has the same token in every run with the same key.

use std::fs;
use std::io::Read;
use std::path::Path;

use calamine::Reader;

use crate::workdir::{CHECK_FILES, Csv, Workdir, csv_lines, csv_text};

/// Every text in the run directory: CSV, JSON and HTML files as they are, Parquet files
/// cell by cell (their pages are compressed), workbooks part by part (zip archives).
pub(crate) fn run_texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.display().to_string();
        if path.is_dir() {
            out.extend(run_texts(&path));
        } else if name.ends_with(".parquet") {
            let frame = sanku::pipeline::load::parquet::read_frame(&path).unwrap();
            out.push((name.clone(), format!("{frame:?}")));
            for column_name in frame.get_column_names() {
                let column = frame.column(column_name).unwrap();
                if let Ok(values) = column.str() {
                    let cells: Vec<&str> = values.iter().flatten().collect();
                    out.push((format!("{name}:{}", column.name()), cells.join("\n")));
                }
            }
        } else if name.ends_with(".xlsx") {
            let mut zip = zip::ZipArchive::new(fs::File::open(&path).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut part = zip.by_index(i).unwrap();
                let mut xml = String::new();
                part.read_to_string(&mut xml).unwrap();
                out.push((format!("{name}:{}", part.name()), xml));
            }
        } else {
            out.push((
                name,
                String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned(),
            ));
        }
    }
    out
}

/// The ID, student, household and certificate numbers (and the digits inside G student
/// numbers) and names of every input row, found by their columns' headers.
pub(crate) fn personal_values(input: &Path) -> Vec<String> {
    let mut values = Vec::new();
    for file in [
        "population.csv",
        "students.csv",
        "poverty.csv",
        "exemptions.csv",
        "disability.csv",
        "aid.csv",
    ] {
        let bytes = fs::read(input.join(file)).unwrap();
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
            Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
        };
        let lines = csv_lines(&text);
        let (header, lines) = lines.split_first().unwrap();
        let personal: Vec<usize> = (0..header.len())
            .filter(|&i| {
                ["姓名", "身份", "证件号", "学籍号", "户编号", "证号"]
                    .iter()
                    .any(|w| header[i].contains(w))
            })
            .collect();
        assert!(!personal.is_empty(), "{file}: {header:?}");
        for cells in lines {
            for &i in &personal {
                let cell = cells
                    .get(i)
                    .map_or("", |c| c.trim().trim_start_matches(['G', 'g']));
                if cell.chars().count() >= 2 {
                    values.push(cell.to_string());
                }
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

/// Every (value, file) of an input ID number or name found in a run directory.
fn personal_found(wd: &Workdir, run: &str) -> Vec<(String, String)> {
    let personal = personal_values(&wd.path("input"));
    assert!(personal.len() > 20, "{personal:?}");
    found_in(&wd.path(run), &personal)
}

/// Every (value, file) of `values` found in the run directory `dir`.
pub(crate) fn found_in(dir: &Path, values: &[String]) -> Vec<(String, String)> {
    let searcher = aho_corasick::AhoCorasick::new(values).unwrap();
    let mut found = Vec::new();
    for (file, text) in run_texts(dir) {
        let mut matched: Vec<usize> = searcher
            .find_overlapping_iter(&text)
            .map(|m| m.pattern().as_usize())
            .collect();
        matched.sort_unstable();
        matched.dedup();
        found.extend(
            matched
                .into_iter()
                .map(|v| (values[v].clone(), file.clone())),
        );
    }
    found
}

/// The columns of a plain run's CSV files that hold identifiers and names as normalised
/// (canonical ID numbers, simplified names), and `may_belong_to`'s list.
const PERSONAL_COLUMNS: [&str; 7] = [
    "id_number",
    "name",
    "student_no",
    "household_no",
    "record_id",
    "record_name",
    "may_belong_to",
];

/// The identifiers and names a plain run directory's CSV files show: each ID of a list,
/// names of two characters or more, numbers of eight or more (so that no count or hex
/// digits of a token match one by chance).
fn personal_in_run(dir: &Path) -> Vec<String> {
    let mut values = Vec::new();
    for (file, text) in run_texts(dir) {
        if !file.ends_with(".csv") {
            continue;
        }
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        for record in reader.records() {
            let record = record.unwrap();
            for (cell, name) in record.iter().zip(&header) {
                if !PERSONAL_COLUMNS.contains(&name.as_str()) {
                    continue;
                }
                for value in cell.split(';') {
                    let digits = value.bytes().filter(u8::is_ascii_digit).count();
                    let long_enough = if digits > 0 {
                        value.len() >= 8
                    } else {
                        value.chars().count() >= 2
                    };
                    if long_enough {
                        values.push(value.to_string());
                    }
                }
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

/// Every file of a run directory with a previous night and every register given.
fn run_files() -> Vec<&'static str> {
    let mut files = vec![
        "candidates.parquet",
        "closed.csv",
        "closed.xlsx",
        "history.csv",
        "ledger.csv",
        "ledger.parquet",
        "ledger.xlsx",
        "links.parquet",
        "manifest.json",
        "rejects.csv",
        "report.html",
        "residuals.parquet",
        "returns.csv",
        "review.csv",
        "risk.csv",
        "risk.parquet",
        "risk.xlsx",
        "summary.csv",
        "summary.json",
        "warnings.csv",
        "worked_untied.csv",
    ];
    files.extend(CHECK_FILES);
    files.sort_unstable();
    files
}

/// The files under `dir`, by their paths inside it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            files.extend(
                files_under(&entry.path())
                    .into_iter()
                    .map(|f| format!("{name}/{f}")),
            );
        } else {
            files.push(name);
        }
    }
    files.sort();
    files
}

/// Asserts that the run directory `run` holds exactly [`run_files`], each with rows — but
/// worked_untied.csv in a pseudonymised run, which carries no notes and so ties none: its
/// header only.
fn assert_every_file_filled(wd: &Workdir, run: &str) {
    let dir = wd.path(run);
    assert_eq!(files_under(&dir), run_files(), "{run}: its files");
    let pseudonymised = wd
        .read(&format!("{run}/manifest.json"))
        .contains("\"key_fingerprint\"");
    for file in run_files() {
        if pseudonymised && file == "worked_untied.csv" {
            let untied = wd.read(&format!("{run}/{file}"));
            assert_eq!(untied.lines().count(), 1, "{run}/{file}: {untied}");
            continue;
        }
        let path = dir.join(file);
        let rows = if file.ends_with(".csv") {
            wd.read(&format!("{run}/{file}")).lines().count() - 1
        } else if file.ends_with(".parquet") {
            sanku::pipeline::load::parquet::read_frame(&path)
                .unwrap()
                .height()
        } else if file.ends_with(".xlsx") {
            let mut book = calamine::open_workbook_auto(&path).unwrap();
            let first = book.sheet_names()[0].clone();
            book.worksheet_range(&first).unwrap().height() - 1
        } else {
            fs::metadata(&path).unwrap().len() as usize
        };
        assert!(rows > 0, "{run}/{file} is empty");
    }
}

/// Runs a second night into `run`, carrying on `previous`, with `extra` options, and its
/// residuals for the national reconcile.
fn second_night(wd: &Workdir, run: &str, previous: &str, extra: &[&str]) {
    let mut args = vec![
        "run",
        "input",
        "--out",
        run,
        "-q",
        "--previous",
        previous,
        "--run-date",
        "2026-09-02",
        "--residuals",
    ];
    args.extend(extra);
    wd.expect_code(&args, 0);
}

#[test]
fn a_pseudonymised_run_with_every_file_filled_holds_no_identifier_or_name() {
    // The demo gives every register and a row to every file (rejects, warnings, review
    // pairs, conflicts, duplicates, disabled children, payments unmatched); a payment two
    // namesakes may own fills the aid checks in review, and a second night the closed
    // cases.
    let wd = Workdir::with_fixture("demo");
    wd.write("key", [7u8; 32]);
    let namesake = crate::demo::add_a_payment_two_namesakes_may_own(&wd);
    // A payment to no one (an ID no child holds, a student number no record has).
    wd.append(
        "input/aid.csv",
        "530102201299990000,王小明,男,2012-09-09,G5301029999,国家助学金,500,2026秋\n",
    );
    let pseudo = ["--pseudonymize", "key"];
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "p-night-1",
            "-q",
            pseudo[0],
            pseudo[1],
        ],
        0,
    );
    // A worked ledger: every case with a note naming the child.
    let ledger = wd.csv("night-1/ledger.csv");
    assert!(!ledger.rows.is_empty(), "night 1 flags no one");
    let name = ledger.at("name");
    let mut worked = vec![ledger.header.clone()];
    worked[0].push("备注".into());
    for row in &ledger.rows {
        let mut row = row.clone();
        row.push(format!("家访 {}", row[name]));
        worked.push(row);
    }
    // A row whose notes tie to no case: 张伟 is enrolled, his ID number is no case's.
    let untied = |header: &[String]| -> Vec<String> {
        let mut row = vec![String::new(); header.len()];
        let at = |column: &str| header.iter().position(|h| h == column).unwrap();
        row[at("id_number")] = "530102201203150117".into();
        row[at("name")] = "张伟".into();
        row[at("备注")] = "家访 张伟".into();
        row
    };
    worked.push(untied(&worked[0]));
    wd.write("worked.csv", csv_text(&worked));
    // Handed back into the pseudonymised night too: the header of its ledger, then the row.
    let mut p_header = wd.csv("p-night-1/ledger.csv").header;
    p_header.push("备注".into());
    let p_untied = untied(&p_header);
    wd.write(
        "p-night-1/returned/county.csv",
        csv_text(&[p_header, p_untied]),
    );
    // 王芳, flagged last night, is enrolled tonight: her case closes.
    wd.append(
        "input/students.csv",
        "G5301020099,530102201411200326,王芳,女,2014-11-20,2153000001,530102,六年级,在读\n",
    );
    let worked = ["--worked", "worked.csv"];
    second_night(
        &wd,
        "night-2",
        "night-1",
        &[&worked[..], &["--no-state"]].concat(),
    );
    let runs: [(&str, &str, Vec<&str>); 3] = [
        ("p-night-2", "p-night-1", pseudo.to_vec()),
        (
            "p-night-2-plain-previous",
            "night-1",
            [pseudo, worked].concat(),
        ),
        (
            "p-night-2-zh",
            "p-night-1",
            [&pseudo[..], &["--lang", "zh"]].concat(),
        ),
    ];
    for (run, previous, extra) in &runs {
        second_night(&wd, run, previous, extra);
    }

    assert_every_file_filled(&wd, "night-2");
    let mut personal = personal_values(&wd.path("input"));
    personal.extend(personal_in_run(&wd.path("night-2")));
    personal.sort();
    personal.dedup();
    for value in [
        namesake.as_str(),
        "G5301020099",
        "H530102009",
        "530102201411200326",
    ] {
        assert!(personal.iter().any(|p| p == value), "{value} is looked for");
    }
    assert!(!found_in(&wd.path("night-2"), &personal).is_empty());
    assert!(wd.read("night-2/closed.csv").contains("家访 王芳"));
    for (run, _, _) in &runs {
        assert_every_file_filled(&wd, run);
        let found = found_in(&wd.path(run), &personal);
        assert!(found.is_empty(), "{run}: {found:?}");
        assert!(!wd.read(&format!("{run}/closed.csv")).contains("家访"));
    }
    // Each child a payment may belong to is a token of its own, the one the child has in
    // the other files.
    let payments = wd.read("p-night-2/checks/aid_in_review.csv");
    let owners = Csv::parse(&payments).column("may_belong_to");
    assert_eq!(owners.len(), 1, "{payments}");
    let tokens: Vec<String> = owners[0].split(';').map(String::from).collect();
    assert_eq!(tokens.len(), 2, "{payments}");
    let elsewhere: Vec<(String, String)> = run_texts(&wd.path("p-night-2"))
        .into_iter()
        .filter(|(file, _)| !file.ends_with("aid_in_review.csv"))
        .collect();
    for token in &tokens {
        assert!(token.starts_with('P') && token.len() == 33, "{payments}");
        assert!(
            elsewhere
                .iter()
                .any(|(_, text)| text.contains(token.as_str())),
            "{token}"
        );
    }
}

#[test]
fn a_pseudonymised_run_holds_no_id_number_or_name() {
    for fixture in ["demo", "synthetic-small"] {
        let wd = Workdir::with_fixture(fixture);
        wd.write("key", [7u8; 32]);
        wd.expect_code(&["run", "input", "--out", "plain", "-q"], 0);
        for run in ["p1", "p2"] {
            wd.expect_code(
                &["run", "input", "--out", run, "-q", "--pseudonymize", "key"],
                0,
            );
        }
        assert!(!personal_found(&wd, "plain").is_empty());
        let found = personal_found(&wd, "p1");
        assert!(found.is_empty(), "{found:?}");
        // Same key, same tokens: two runs diff cleanly.
        assert_eq!(wd.read("p1/ledger.csv"), wd.read("p2/ledger.csv"));
        let plain = wd.read("plain/ledger.csv");
        let pseudo = wd.read("p1/ledger.csv");
        assert_eq!(plain.lines().count(), pseudo.lines().count());
        // Another key, other tokens.
        wd.write("key2", [8u8; 32]);
        wd.expect_code(
            &[
                "run",
                "input",
                "--out",
                "p3",
                "-q",
                "--pseudonymize",
                "key2",
            ],
            0,
        );
        assert!(plain.lines().count() > 1, "{fixture}: no child flagged");
        assert_ne!(wd.read("p3/ledger.csv"), pseudo);
    }
}

#[test]
fn a_missing_or_short_key_exits_2_before_any_work() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_error(
        &["run", "input", "--out", "out", "--pseudonymize", "nowhere"],
        2,
        &["--pseudonymize nowhere: cannot read the key"],
    );
    wd.write("key", "short");
    wd.expect_error(
        &["run", "input", "--out", "out", "--pseudonymize", "key"],
        2,
        &["--pseudonymize key: the key has 5 bytes, fewer than 16"],
    );
    assert!(!wd.path("out").exists());
}

#[test]
fn a_pseudonymised_check_holds_no_identifier_or_name() {
    // `sanku check` writes rejects and warnings, which quote input values, through its own
    // commit: the demo gives both rows.
    let wd = Workdir::with_fixture("demo");
    wd.write("key", [7u8; 32]);
    wd.expect_code(&["check", "input", "--out", "plain", "-q"], 0);
    wd.expect_code(
        &[
            "check",
            "input",
            "--out",
            "pseudo",
            "-q",
            "--pseudonymize",
            "key",
        ],
        0,
    );
    let mut quoted = 0;
    for file in ["rejects.csv", "warnings.csv"] {
        let (plain, pseudo) = (
            wd.csv(&format!("plain/{file}")),
            wd.csv(&format!("pseudo/{file}")),
        );
        assert!(!plain.rows.is_empty(), "the demo gives {file} no row");
        assert_eq!(plain.rows.len(), pseudo.rows.len(), "{file}");
        let value = pseudo.at("value");
        quoted += plain.rows.iter().filter(|r| !r[value].is_empty()).count();
        assert!(pseudo.rows.iter().all(|r| r[value].is_empty()), "{file}");
    }
    assert!(quoted > 0, "no input value quoted in the plain check");
}
