//! `sanku diff`: the children whose class changed between two runs.

use crate::workdir::{Csv, Workdir, assert_same_text, fixtures, table};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ledger_ids(wd: &Workdir, run: &str) -> Vec<String> {
    wd.csv(&format!("{run}/ledger.csv")).column("id_number")
}

#[test]
fn stricter_thresholds_show_as_children_newly_flagged_and_counts_per_county_add_up() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    let data = data.to_str().unwrap();
    wd.expect_code(&["run", data, "--out", "a", "-q"], 0);
    wd.expect_code(
        &[
            "run", data, "--out", "b", "-q", "--accept", "22", "--review", "15",
        ],
        0,
    );
    let (before, after) = (ledger_ids(&wd, "a"), ledger_ids(&wd, "b"));

    let same = stdout(&wd.expect_code(&["diff", "a", "a"], 0));
    assert_eq!(same.lines().count(), 1, "{same}");

    let out = wd.expect_code(&["diff", "a", "b"], 0);
    let list = stdout(&out);
    let rows = Csv::parse(&list).maps();
    let newly: Vec<&str> = after
        .iter()
        .filter(|id| !before.contains(id))
        .map(String::as_str)
        .collect();
    assert!(!newly.is_empty(), "the stricter run flags no one more");
    for id in &newly {
        let row = rows
            .iter()
            .find(|r| r["id_number"] == *id)
            .expect("a newly flagged child listed");
        assert!(
            row["after"].starts_with("flagged:") && !row["before"].starts_with("flagged:"),
            "{row:?}"
        );
    }
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains(&format!("flagged {} → {}", before.len(), after.len())),
        "{summary}"
    );

    let counts = Csv::parse(&stdout(
        &wd.expect_code(&["diff", "a", "b", "--by-county"], 0),
    ));
    assert!(counts.rows.len() > 1, "{:?}", counts.rows);
    let column = |name: &str| -> usize {
        counts
            .column(name)
            .iter()
            .map(|n| n.parse::<usize>().unwrap())
            .sum()
    };
    assert_eq!(column("flagged_before"), before.len());
    assert_eq!(column("flagged_after"), after.len());
    assert_eq!(column("newly_flagged"), newly.len());
}

#[test]
fn a_folder_that_is_not_a_run_is_bad_input() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "a", "-q"], 0);
    wd.expect_error(
        &["diff", "a", "input"],
        2,
        &["input/manifest.json", "is this a run directory?"],
    );
}

#[test]
fn pseudonymised_runs_diff_as_plain_ones_do_token_for_id() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    let data = data.to_str().unwrap();
    wd.write("key", "0123456789abcdef0123456789abcdef");
    for (out, extra) in [
        ("a", vec![]),
        ("b", vec!["--accept", "22", "--review", "15"]),
        ("pa", vec!["--pseudonymize", "key"]),
        (
            "pb",
            vec!["--accept", "22", "--review", "15", "--pseudonymize", "key"],
        ),
    ] {
        let mut args = vec!["run", data, "--out", out, "-q"];
        args.extend(extra);
        wd.expect_code(&args, 0);
    }
    let (plain, pseudo) = (
        wd.expect_code(&["diff", "a", "b"], 0),
        wd.expect_code(&["diff", "pa", "pb"], 0),
    );
    assert_eq!(plain.stderr, pseudo.stderr, "the same counts");
    let classes = |out: &std::process::Output| -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = table(&stdout(out))
            .into_iter()
            .map(|r| (r["before"].clone(), r["after"].clone()))
            .collect();
        rows.sort();
        rows
    };
    assert!(!classes(&plain).is_empty(), "{}", stdout(&plain));
    assert_eq!(classes(&plain), classes(&pseudo));
    let tokens = Csv::parse(&stdout(&pseudo)).column("id_number");
    assert!(!tokens.is_empty());
    assert!(tokens.iter().all(|t| t.starts_with('P')), "{tokens:?}");
    // A token never equals an ID number: a plain run against a pseudonymised one is
    // refused, naming the pseudonymised run's manifest, not listed as every child changed.
    for (x, y) in [("a", "pb"), ("pa", "b")] {
        let out = wd.expect_code(&["diff", x, y], 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("manifest.json") && stderr.contains("pseudonymised"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn ledgers_staff_saved_from_excel_diff_as_the_runs_wrote_them() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    let data = data.to_str().unwrap();
    wd.expect_code(&["run", data, "--out", "a", "-q"], 0);
    let stricter = ["--accept", "22", "--review", "15"];
    let mut args = vec!["run", data, "--out", "b", "-q"];
    args.extend(stricter);
    wd.expect_code(&args, 0);
    let diff = |more: &[&str]| {
        let mut args = vec!["diff", "a", "b"];
        args.extend(more);
        wd.expect_code(&args, 0)
    };
    let (list, counts) = (diff(&[]), diff(&["--by-county"]));
    assert!(
        stdout(&list).lines().count() > 1,
        "the runs differ in no child"
    );

    // County staff work both ledgers in Excel and save them over ledger.csv.
    for run in ["a", "b"] {
        wd.save_as_excel(&format!("{run}/ledger.csv"), true);
    }
    let saved = std::fs::read(wd.path("a/ledger.csv")).unwrap();
    assert!(std::str::from_utf8(&saved).is_err(), "saved in GB18030");
    let (list_after, counts_after) = (diff(&[]), diff(&["--by-county"]));
    assert_same_text("diff", &stdout(&list), &stdout(&list_after));
    assert_same_text("diff --by-county", &stdout(&counts), &stdout(&counts_after));
    assert_eq!(list.stderr, list_after.stderr, "the same summary line");

    // A directory without ledger.parquet (only a check, or the file removed) is named.
    std::fs::remove_file(wd.path("b/ledger.parquet")).unwrap();
    let out = wd.expect_code(&["diff", "a", "b"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ledger.parquet"), "{stderr}");
}
