//! Output never depends on the thread count or on the order of input rows.

use std::fs;

use crate::workdir::{CHECK_FILES, Workdir};

/// Every output whose bytes must not depend on the thread count.
fn deterministic() -> Vec<&'static str> {
    let mut names = ORDER_FREE.to_vec();
    names.extend(["rejects.csv", CHECK_FILES[5]]);
    names
}

#[test]
fn one_and_two_threads_write_identical_bytes() {
    runs_on_one_and_two_threads("demo");
}

/// Runs a fixture with 1 and with 2 threads (into t1/ and t2/) and compares the outputs.
fn runs_on_one_and_two_threads(fixture: &str) -> Workdir {
    let wd = Workdir::with_fixture(fixture);
    for threads in ["1", "2"] {
        let out = format!("t{threads}");
        wd.expect_code(
            &[
                "run",
                "input",
                "--out",
                &out,
                "--threads",
                threads,
                "--quiet",
            ],
            0,
        );
    }
    assert_same_outputs(&wd, "t1", "t2", &deterministic(), "between 1 and 2 threads");
    wd
}

/// Outputs that must not move when input rows do: all but rejects.csv and
/// checks/exemptions_unmatched.csv, whose line numbers move with the rows.
const ORDER_FREE: [&str; 12] = [
    "ledger.csv",
    CHECK_FILES[0],
    CHECK_FILES[1],
    CHECK_FILES[2],
    CHECK_FILES[3],
    CHECK_FILES[4],
    "review.csv",
    "candidates.parquet",
    "ledger.parquet",
    "links.parquet",
    "summary.csv",
    "summary.json",
];

/// Asserts that run directories `a` and `b` hold byte-identical `names`.
fn assert_same_outputs(wd: &Workdir, a: &str, b: &str, names: &[&str], why: &str) {
    for name in names {
        let x = fs::read(wd.path(&format!("{a}/{name}"))).unwrap();
        let y = fs::read(wd.path(&format!("{b}/{name}"))).unwrap();
        assert!(x == y, "{name} differs {why}");
    }
}

/// Reverses the data rows of a CSV file, keeping the header first.
fn reverse_rows(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    lines.join("\n") + "\n"
}

#[test]
fn shuffled_input_rows_give_identical_outputs() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "a", "--quiet"], 0);
    for file in ["students.csv", "poverty.csv", "exemptions.csv"] {
        let text = wd.read(&format!("input/{file}"));
        wd.write(&format!("input/{file}"), reverse_rows(&text));
    }
    let population = fs::read(wd.path("input/population.csv")).unwrap();
    let population = encoding_rs::GB18030.decode(&population).0.into_owned();
    let shuffled = reverse_rows(&population);
    wd.write(
        "input/population.csv",
        encoding_rs::GB18030.encode(&shuffled).0,
    );
    wd.expect_code(&["run", "input", "--out", "b", "--quiet"], 0);
    assert_same_outputs(&wd, "a", "b", &ORDER_FREE, "after shuffling input rows");
}

#[test]
fn fuzzy_linkage_writes_identical_bytes_on_one_and_two_threads() {
    let wd = runs_on_one_and_two_threads("synthetic-small");
    let links = fs::read(wd.path("t1/candidates.parquet")).unwrap();
    assert!(
        links.len() > 1000,
        "the fixture should produce fuzzy candidates"
    );
}

#[test]
fn fuzzy_linkage_does_not_depend_on_row_order() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.expect_code(&["run", "input", "--out", "a", "--quiet"], 0);
    for file in [
        "population.csv",
        "students.csv",
        "poverty.csv",
        "exemptions.csv",
    ] {
        let path = wd.path(&format!("input/{file}"));
        let text = encoding_rs::GB18030
            .decode(&fs::read(&path).unwrap())
            .0
            .into_owned();
        fs::write(&path, encoding_rs::GB18030.encode(&reverse_rows(&text)).0).unwrap();
    }
    wd.expect_code(&["run", "input", "--out", "b", "--quiet"], 0);
    assert_same_outputs(&wd, "a", "b", &ORDER_FREE, "after shuffling input rows");
}
