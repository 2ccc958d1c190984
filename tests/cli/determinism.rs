//! Output never depends on the thread count or on the order of input rows.

use std::fs;

use crate::workdir::{CHECK_FILES, Workdir};

/// Every output whose bytes must not depend on the thread count.
fn deterministic() -> Vec<&'static str> {
    let mut names = ORDER_FREE.to_vec();
    names.extend([
        "rejects.csv",
        CHECK_FILES[8],
        CHECK_FILES[9],
        CHECK_FILES[10],
    ]);
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

/// Outputs that must not move when input rows do: all but rejects.csv,
/// checks/aid_unmatched.csv and checks/exemptions_unmatched.csv, whose line numbers move
/// with the rows.
const ORDER_FREE: [&str; 20] = [
    "ledger.csv",
    "ledger.xlsx",
    "closed.csv",
    "closed.xlsx",
    "history.csv",
    "report.html",
    CHECK_FILES[0],
    CHECK_FILES[1],
    CHECK_FILES[2],
    CHECK_FILES[3],
    CHECK_FILES[4],
    CHECK_FILES[5],
    CHECK_FILES[6],
    CHECK_FILES[7],
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

/// Every output of a run but the manifest (which records timings).
fn all_outputs() -> Vec<&'static str> {
    let mut names = deterministic();
    names.push("warnings.csv");
    names
}

/// Runs `fixture` with the default chunk size and with `--chunk-rows` 1, 3 and 1000, and
/// compares every output byte for byte: a row at a chunk boundary is neither lost nor
/// read twice.
fn chunk_sizes_write_identical_bytes(fixture: &str) {
    let wd = Workdir::with_fixture(fixture);
    wd.expect_code(&["run", "input", "--out", "whole", "--quiet"], 0);
    for rows in ["1", "3", "1000"] {
        let out = format!("chunks-{rows}");
        wd.expect_code(
            &[
                "run",
                "input",
                "--out",
                &out,
                "--chunk-rows",
                rows,
                "--quiet",
            ],
            0,
        );
        assert_same_outputs(
            &wd,
            "whole",
            &out,
            &all_outputs(),
            &format!("in chunks of {rows}"),
        );
        let manifest = |dir: &str| -> serde_json::Value {
            let text = wd.read(&format!("{dir}/manifest.json"));
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["inputs"].clone()
        };
        assert_eq!(
            manifest("whole"),
            manifest(&out),
            "row accounting in chunks of {rows}"
        );
    }
}

#[test]
fn the_demo_reads_alike_in_chunks_of_1_3_and_1000_rows() {
    chunk_sizes_write_identical_bytes("demo");
}

#[test]
fn the_synthetic_set_reads_alike_in_chunks_of_1_3_and_1000_rows() {
    chunk_sizes_write_identical_bytes("synthetic-small");
}

#[test]
fn rows_tied_on_every_key_but_one_keep_their_order_when_shuffled() {
    let wd = Workdir::with_fixture("demo");
    let population = fs::read(wd.path("input/population.csv")).unwrap();
    let mut text = encoding_rs::GB18030.decode(&population).0.into_owned();
    // The same bad ID, name and birth date, once male and once female.
    text.push_str("530102201203150118,赵一,男,2012-05-01,530102,正常\n");
    text.push_str("530102201203150118,赵一,女,2012-05-01,530102,正常\n");
    wd.write("input/population.csv", encoding_rs::GB18030.encode(&text).0);
    // Two rows under one student number, neither in school.
    let mut students = wd.read("input/students.csv");
    students.push_str("G5301029999,,钱二,男,2012-06-01,2153000001,530102,七年级,转出\n");
    students.push_str("G5301029999,,钱二,男,2012-06-01,2153000002,530102,七年级,毕业\n");
    wd.write("input/students.csv", &students);
    wd.expect_code(&["run", "input", "--out", "a", "--quiet"], 0);
    let population = encoding_rs::GB18030
        .decode(&fs::read(wd.path("input/population.csv")).unwrap())
        .0
        .into_owned();
    wd.write(
        "input/population.csv",
        encoding_rs::GB18030.encode(&reverse_rows(&population)).0,
    );
    wd.write("input/students.csv", reverse_rows(&students));
    wd.expect_code(&["run", "input", "--out", "b", "--quiet"], 0);
    assert_same_outputs(&wd, "a", "b", &ORDER_FREE, "after shuffling tied rows");
}

#[test]
fn a_night_carried_on_is_the_same_on_any_thread_count_and_row_order() {
    let wd = Workdir::with_fixture("nights/night-2");
    let first = crate::workdir::fixtures().join("nights/night-1");
    wd.expect_code(
        &["run", first.to_str().unwrap(), "--out", "night-1", "-q"],
        0,
    );
    for threads in ["1", "2"] {
        wd.expect_code(
            &[
                "run",
                "input",
                "--out",
                &format!("t{threads}"),
                "--threads",
                threads,
                "--previous",
                "night-1",
                "--run-date",
                "2026-09-02",
                "-q",
            ],
            0,
        );
    }
    assert_same_outputs(&wd, "t1", "t2", &ORDER_FREE, "between 1 and 2 threads");
    // Rows reversed, bytes as they are (GB18030 never puts a line end inside a character).
    for file in ["population.csv", "students.csv", "poverty.csv"] {
        let bytes = fs::read(wd.path(&format!("input/{file}"))).unwrap();
        let mut lines: Vec<&[u8]> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        lines[1..].reverse();
        let mut text = lines.join(&b'\n');
        text.push(b'\n');
        wd.write(&format!("input/{file}"), text);
    }
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "shuffled",
            "--previous",
            "night-1",
            "--run-date",
            "2026-09-02",
            "-q",
        ],
        0,
    );
    assert_same_outputs(
        &wd,
        "t1",
        "shuffled",
        &ORDER_FREE,
        "with input rows reversed",
    );
    assert!(wd.read("t1/closed.csv").lines().count() > 1, "cases closed");
}
