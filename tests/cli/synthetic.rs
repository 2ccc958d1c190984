//! Generated registers with ground truth: the committed small set is what `generate`
//! writes today, and a run on it scores what linkage reaches. The pinned figures
//! may only improve; change them deliberately.

use std::fs;
use std::path::Path;

use crate::workdir::{Csv, Workdir, assert_same_text, fixtures};

const GENERATE: [&str; 11] = [
    "generate",
    "--population",
    "5000",
    "--seed",
    "7",
    "--encoding",
    "gb18030",
    "--dropout-rate",
    "0.05",
    "--out",
    "gen",
];

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "truth"] {
        let mut entries: Vec<_> = fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries.into_iter().filter(|p| p.is_file()) {
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            out.push((name, fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn the_committed_small_set_is_what_generate_writes() {
    let wd = Workdir::new();
    wd.expect_code(&GENERATE, 0);
    let committed = files_under(&fixtures().join("synthetic-small"));
    let generated = files_under(&wd.path("gen"));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&committed), names(&generated));
    for ((name, a), (_, b)) in committed.iter().zip(&generated) {
        assert!(
            a == b,
            "{name} differs from a fresh `sanku {}`",
            GENERATE.join(" ")
        );
    }
}

fn score(evaluation: &serde_json::Value, set: &str) -> (u64, u64, u64) {
    let s = &evaluation[set];
    let n = |k: &str| s[k].as_u64().unwrap();
    (
        n("true_positives"),
        n("false_positives"),
        n("false_negatives"),
    )
}

#[test]
fn linkage_scores_are_pinned() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    let data = data.to_str().unwrap();
    wd.expect_code(&["run", data, "--out", "run", "--quiet"], 0);
    let truth = format!("{data}/truth");
    let out = wd.expect_code(&["evaluate", "--truth", &truth, "run"], 0);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains(&format!(
            "{:<28} {:>9} {:>9}",
            "flagged", "1.0000", "1.0000"
        )),
        "{printed}"
    );

    let evaluation: serde_json::Value =
        serde_json::from_str(&wd.read("run/evaluation.json")).unwrap();
    // Exact plus fuzzy linkage: every injected error is recovered, every dropout flagged,
    // no enrolled child flagged.
    assert_eq!(score(&evaluation, "flagged"), (43, 0, 0));
    assert_eq!(score(&evaluation, "flagged_poor"), (5, 0, 0));
    assert_eq!(score(&evaluation, "student_links"), (692, 0, 0));
    assert_eq!(score(&evaluation, "poverty_links"), (49, 0, 0));
    assert_eq!(evaluation["false_flags_by_error"], serde_json::json!({}));
    // Every check finds exactly what the generator put in.
    let checks = evaluation["checks"].as_object().unwrap();
    assert_eq!(checks.len(), 14);
    for (check, s) in checks {
        let errors = (&s["false_positives"], &s["false_negatives"]);
        assert_eq!(errors, (&0.into(), &0.into()), "{check}: {s}");
    }
    let found = |check: &str| score(&evaluation["checks"], check).0;
    assert_eq!(found("registry_only"), 8);
    assert_eq!(found("conflicts"), 9);
    assert_eq!(found("transferred_without_arrival"), 1);
    assert_eq!(found("disabled_flagged"), 3);
    assert_eq!(found("poor_enrolled_without_aid"), 2);
    assert_eq!(found("aid_unmatched"), 2);
    assert_eq!(found("duplicate_registrations_two_schools"), 3);
    // Every risk factor assessed by default marks exactly the children the truth holds
    // (far from home is off by default, and no return without a previous night).
    let risk = evaluation["risk"].as_object().unwrap();
    let scored: Vec<&str> = risk.keys().map(String::as_str).collect();
    assert_eq!(
        scored,
        [
            "risk_disability",
            "risk_over_age",
            "risk_sibling",
            "risk_suspended",
            "risk_transfers",
            "risk_unaided"
        ]
    );
    let at_risk = |factor: &str| score(&evaluation["risk"], factor);
    assert_eq!(at_risk("risk_over_age"), (19, 0, 0));
    assert_eq!(at_risk("risk_disability"), (6, 0, 0));
    assert_eq!(at_risk("risk_suspended"), (6, 0, 0));
    assert_eq!(at_risk("risk_transfers"), (4, 0, 0));
    assert_eq!(at_risk("risk_sibling"), (2, 0, 0));
    assert_eq!(at_risk("risk_unaided"), (2, 0, 0));
}

#[test]
fn evaluate_rejects_bad_paths_and_mismatched_truth() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "demo-run", "--quiet"], 0);
    let truth = fixtures().join("synthetic-small/truth");
    let out = wd.expect_code(
        &["evaluate", "--truth", truth.to_str().unwrap(), "demo-run"],
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match the truth"));
    wd.expect_error(
        &["evaluate", "--truth", "nowhere", "demo-run"],
        2,
        &["nowhere/generated.json: cannot read"],
    );
    wd.expect_error(
        &["evaluate", "--truth", truth.to_str().unwrap(), "no-run"],
        2,
        &["no-run/manifest.json", "is this a run directory?"],
    );
}

#[test]
fn a_run_whose_ledger_and_checks_staff_saved_from_excel_scores_the_same() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    let data = data.to_str().unwrap();
    let truth = format!("{data}/truth");
    wd.expect_code(&["run", data, "--out", "run", "-q"], 0);
    let evaluate =
        |run: &str, code: i32| wd.expect_code(&["evaluate", "--truth", &truth, run], code);
    let printed = String::from_utf8_lossy(&evaluate("run", 0).stdout).into_owned();
    let written = wd.read("run/evaluation.json");

    // Staff save the ledger from Excel (ID numbers destroyed) and two checks with their
    // ID column kept as text: the same scores.
    let poor_not_enrolled = wd.read("run/checks/poor_not_enrolled.csv");
    wd.save_as_excel("run/ledger.csv", true);
    wd.save_as_excel("run/checks/poor_not_enrolled.csv", false);
    wd.save_as_excel("run/checks/conflicts.csv", false);
    let again = String::from_utf8_lossy(&evaluate("run", 0).stdout).into_owned();
    assert_same_text("evaluate", &printed, &again);
    assert_same_text("evaluation.json", &written, &wd.read("run/evaluation.json"));

    // A check whose ID numbers a spreadsheet destroyed is refused, naming it.
    wd.write("run/checks/poor_not_enrolled.csv", poor_not_enrolled);
    wd.save_as_excel("run/checks/poor_not_enrolled.csv", true);
    let stderr = String::from_utf8_lossy(&evaluate("run", 2).stderr).into_owned();
    assert!(stderr.contains("poor_not_enrolled.csv"), "{stderr}");

    // A pseudonymised run's tokens match no ID of the truth: refused, not scored 0.
    wd.write("key", "0123456789abcdef0123456789abcdef");
    wd.expect_code(
        &[
            "run",
            data,
            "--out",
            "pseudo",
            "-q",
            "--pseudonymize",
            "key",
        ],
        0,
    );
    let stderr = String::from_utf8_lossy(&evaluate("pseudo", 2).stderr).into_owned();
    assert!(
        stderr.contains("manifest.json") && stderr.contains("pseudonymised"),
        "{stderr}"
    );
    assert!(!wd.path("pseudo/evaluation.json").exists());
}

#[test]
fn parquet_registers_score_like_csv_ones() {
    let wd = Workdir::new();
    let mut args = GENERATE.to_vec();
    args.extend(["--format", "parquet", "--headers", "en"]);
    wd.expect_code(&args, 0);
    assert!(wd.path("gen/population.parquet").is_file());
    assert!(!wd.path("gen/population.csv").exists());
    wd.expect_code(&["run", "gen", "--out", "run", "--quiet"], 0);
    wd.expect_code(&["evaluate", "--truth", "gen/truth", "run"], 0);
    let data = fixtures().join("synthetic-small");
    wd.expect_code(
        &["run", data.to_str().unwrap(), "--out", "csv-run", "--quiet"],
        0,
    );
    // Parquet read in slices of 777 rows gives the same run.
    wd.expect_code(
        &[
            "run",
            "gen",
            "--out",
            "sliced",
            "--chunk-rows",
            "777",
            "--quiet",
        ],
        0,
    );
    for name in ["ledger.csv", "summary.csv", "links.parquet", "rejects.csv"] {
        let a = fs::read(wd.path(&format!("run/{name}"))).unwrap();
        let b = fs::read(wd.path(&format!("csv-run/{name}"))).unwrap();
        let c = fs::read(wd.path(&format!("sliced/{name}"))).unwrap();
        assert!(a == b, "{name} differs between Parquet and CSV registers");
        assert!(a == c, "{name} differs when Parquet is read in slices");
    }
}

#[test]
fn generate_rejects_bad_options() {
    let wd = Workdir::new();
    for (bad, says) in [
        (
            &["--format", "xlsx"][..],
            "--format `xlsx`: expected csv or parquet",
        ),
        (
            &["--error-rate", "id_missing"],
            "--error-rate `id_missing`: expected KIND=RATE",
        ),
        (
            &["--error-rate", "typo=0.1"],
            "--error-rate `typo=0.1`: unknown kind `typo`",
        ),
        (
            &["--dropout-rate", "1.5"],
            "--dropout-rate 1.5: expected a rate between 0 and 1",
        ),
        (&["--headers", "fr"], "--headers `fr`: expected zh or en"),
        (
            &["--as-of", "2026-02-30"],
            "as-of date `2026-02-30` is not a date (YYYY-MM-DD)",
        ),
    ] {
        let mut args = vec!["generate", "--population", "10", "--out", "g"];
        args.extend(bad);
        wd.expect_error(&args, 2, &[says]);
    }
}

#[test]
fn a_poverty_member_with_a_mistyped_id_still_marks_the_child_poor() {
    // The first poor dropout of the small set (truth/dropouts.csv, poor = 1).
    let wd = Workdir::with_fixture("synthetic-small");
    let dropouts = Csv::read(&fixtures().join("synthetic-small/truth/dropouts.csv")).maps();
    let child = dropouts
        .iter()
        .find(|r| r["poor"] == "1")
        .map(|r| r["id_number"].clone())
        .unwrap();
    let child = child.as_str();
    let path = wd.path("input/poverty.csv");
    let text = encoding_rs::GB18030
        .decode(&fs::read(&path).unwrap())
        .0
        .into_owned();
    assert!(text.contains(child));
    // One digit of the birth date part mistyped: the check character no longer fits.
    let digit = if &child[10..11] == "9" { '8' } else { '9' };
    let typo = format!("{}{digit}{}", &child[..10], &child[11..]);
    fs::write(
        &path,
        encoding_rs::GB18030.encode(&text.replace(child, &typo)).0,
    )
    .unwrap();
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    let ledger = wd.csv("out/ledger.csv").maps();
    let row = ledger
        .iter()
        .find(|r| r["id_number"] == child)
        .expect("the dropout is flagged");
    assert_eq!(row["poor"], "1", "{row:?}");
}
