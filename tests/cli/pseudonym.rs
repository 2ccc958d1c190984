//! `--pseudonymize KEYFILE`: no ID number or name of any input survives anywhere in the
//! run directory, and the same child has the same token in every run with the same key.

use std::fs;
use std::path::Path;

use crate::workdir::Workdir;

/// Every text in the run directory: CSV and JSON files as they are, Parquet files cell by
/// cell (their pages are compressed).
fn run_texts(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.display().to_string();
        if path.is_dir() {
            out.extend(run_texts(&path));
        } else if name.ends_with(".parquet") {
            let frame = sanku::load::parquet::read_frame(&path).unwrap();
            out.push((name.clone(), format!("{frame:?}")));
            for column_name in frame.get_column_names() {
                let column = frame.column(column_name).unwrap();
                if let Ok(values) = column.str() {
                    let cells: Vec<&str> = values.iter().flatten().collect();
                    out.push((format!("{name}:{}", column.name()), cells.join("\n")));
                }
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

/// The ID numbers (and the ID inside G student numbers) and names of every input row,
/// found by their columns' headers.
fn personal_values(input: &Path) -> Vec<String> {
    let mut values = Vec::new();
    for file in [
        "population.csv",
        "students.csv",
        "poverty.csv",
        "exemptions.csv",
    ] {
        let bytes = fs::read(input.join(file)).unwrap();
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
            Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
        };
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let personal: Vec<usize> = (0..header.len())
            .filter(|&i| {
                ["姓名", "身份", "证件号", "学籍号"]
                    .iter()
                    .any(|w| header[i].contains(w))
            })
            .collect();
        assert!(!personal.is_empty(), "{file}: {header:?}");
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
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
    let mut found = Vec::new();
    for (file, text) in run_texts(&wd.path(run)) {
        for value in &personal {
            if text.contains(value.as_str()) {
                found.push((value.clone(), file.clone()));
            }
        }
    }
    found
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
        if plain.lines().count() > 1 {
            assert_ne!(wd.read("p3/ledger.csv"), pseudo);
        }
    }
}

#[test]
fn a_missing_or_short_key_exits_2_before_any_work() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(
        &["run", "input", "--out", "out", "--pseudonymize", "nowhere"],
        2,
    );
    wd.write("key", "short");
    wd.expect_code(
        &["run", "input", "--out", "out", "--pseudonymize", "key"],
        2,
    );
    assert!(!wd.path("out").exists());
}
