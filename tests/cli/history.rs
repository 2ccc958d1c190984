//! `--previous` and `--worked` given wrongly stop the run before any work, with exit 2 and
//! a message naming what is wrong; a pseudonymised night carries on only under its key.

use crate::workdir::Workdir;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs the second night into `night-2/`, carrying on `night-1/`.
pub(crate) fn second_night(wd: &Workdir) {
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "night-2",
            "-q",
            "--previous",
            "night-1",
            "--run-date",
            "2026-09-02",
        ],
        0,
    );
}

/// Runs the first night into `night-1/` and returns its case numbers in ledger order.
fn first_night(wd: &Workdir) -> Vec<String> {
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    let cases = wd.csv("night-1/ledger.csv").column("case_id");
    assert!(!cases.is_empty(), "night 1 opens no case");
    cases
}

#[test]
fn a_wrong_previous_run_or_worked_ledger_is_exit_2_naming_it() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    let cases = [
        (vec!["--worked", "notes.xlsx"], "--worked needs --previous"),
        (vec!["--previous", "nowhere"], "nowhere: no such directory"),
        (vec!["--previous", "input"], "neither a run directory"),
        (vec!["--previous", "night-2"], "also --out"),
        (
            vec!["--previous", "night-1", "--worked", "missing.csv"],
            "missing.csv",
        ),
        (
            vec!["--previous", "night-1", "--worked", "bad.xlsx"],
            "bad.xlsx",
        ),
        (
            vec!["--previous", "night-1", "--worked", "plain.csv"],
            "case_id",
        ),
        (
            vec!["--previous", "night-1", "--run-date", "2026-08-31"],
            "after this run's night 2026-08-31",
        ),
        (
            vec!["--previous", "night-1", "--run-date", "2026-09-01"],
            "the same night as this run",
        ),
    ];
    wd.write("bad.xlsx", "not a workbook");
    wd.write("plain.csv", "姓名,备注\n张三,无\n");
    std::fs::create_dir_all(wd.path("night-2")).unwrap();
    for (extra, names) in cases {
        let mut args = vec!["run", "input", "--out", "night-2", "-q"];
        args.extend(extra.iter().copied());
        if !extra.contains(&"--run-date") {
            args.extend(["--run-date", "2026-09-02"]);
        }
        let out = wd.expect_code(&args, 2);
        assert!(stderr(&out).contains(names), "{extra:?}: {}", stderr(&out));
    }
    assert!(
        !wd.path("night-2/manifest.json").exists(),
        "nothing written"
    );
}

#[test]
fn a_pseudonymised_night_is_carried_on_only_with_the_same_key() {
    let wd = Workdir::with_fixture("demo");
    wd.write("key", "0123456789abcdef0123456789abcdef");
    wd.write("other-key", "fedcba9876543210fedcba9876543210");
    let pseudo = ["--pseudonymize", "key"];
    let mut first = vec!["run", "input", "--out", "p1", "-q"];
    first.extend(pseudo);
    wd.expect_code(&first, 0);
    let mut second = vec![
        "run",
        "input",
        "--out",
        "p2",
        "-q",
        "--previous",
        "p1",
        "--run-date",
        "2026-09-02",
    ];
    let out = wd.expect_code(&second, 2);
    assert!(stderr(&out).contains("--pseudonymize"), "{}", stderr(&out));
    second.extend(pseudo);
    wd.expect_code(&second, 0);
    let changes = wd.csv("p2/ledger.csv").column("change");
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c == "still_out"), "{changes:?}");
    // Under another key no token would match: every case would close and open again.
    // Refused, naming why; nothing written.
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "p3",
            "-q",
            "--previous",
            "p1",
            "--run-date",
            "2026-09-02",
            "--pseudonymize",
            "other-key",
        ],
        2,
    );
    assert!(stderr(&out).contains("another key"), "{}", stderr(&out));
    assert!(!wd.path("p3").exists(), "nothing written");
    // The manifest keeps the key's fingerprint, the same for the same key, never the key.
    let fingerprint = |run: &str| -> String {
        let manifest: serde_json::Value =
            serde_json::from_str(&wd.read(&format!("{run}/manifest.json"))).unwrap();
        manifest["settings"]["key_fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(fingerprint("p1"), fingerprint("p2"));
    assert_eq!(fingerprint("p1").len(), 33);
    assert!(!wd.read("p1/manifest.json").contains("0123456789abcdef"));
}

#[test]
fn a_worked_ledger_gives_the_same_night_in_any_row_order_and_keeps_disagreeing_notes() {
    let wd = Workdir::with_fixture("demo");
    let cases = first_night(&wd);
    // A copied row edited: two notes for the first case.
    let rows = [
        format!("{},甲", cases[0]),
        format!("{},乙", cases[0]),
        format!("{},丙", cases[1]),
    ];
    wd.write("a.csv", format!("case_id,劝返措施\n{}\n", rows.join("\n")));
    let reversed: Vec<&String> = rows.iter().rev().collect();
    let reversed: Vec<&str> = reversed.iter().map(|r| r.as_str()).collect();
    wd.write(
        "b.csv",
        format!("case_id,劝返措施\n{}\n", reversed.join("\n")),
    );
    for (worked, out) in [("a.csv", "night-2a"), ("b.csv", "night-2b")] {
        wd.expect_code(
            &[
                "run",
                "input",
                "--out",
                out,
                "-q",
                "--previous",
                "night-1",
                "--run-date",
                "2026-09-02",
                "--worked",
                worked,
            ],
            0,
        );
    }
    let (a, b) = (
        wd.read("night-2a/ledger.csv"),
        wd.read("night-2b/ledger.csv"),
    );
    assert_eq!(a, b);
    assert!(a.contains(",乙 | 甲") && a.contains(",丙"), "{a}");
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("night-2a/summary.json")).unwrap();
    assert_eq!(summary["history"]["conflicting_notes"], 1);
    assert_eq!(
        summary["history"]["cases_missing_from_worked"],
        cases.len() as u64 - 2
    );
}

#[test]
fn a_folder_of_nightly_runs_carries_on_the_latest_before_tonight() {
    let wd = Workdir::with_fixture("demo");
    let night = |run_date: &str, extra: &[&str]| {
        let mut args = vec!["run", "input", "--run-date", run_date, "-q"];
        args.extend(extra);
        wd.expect_code(&args, 0)
    };
    night("2026-09-01", &["--out", "runs/2026-09-01"]);
    night("2026-09-03", &["--out", "runs/2026-09-03"]);
    // The night of 09-02 failed and left nothing; 09-04 carries on from 09-03.
    night(
        "2026-09-04",
        &["--out", "runs/2026-09-04", "--previous", "runs"],
    );
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("runs/2026-09-04/summary.json")).unwrap();
    assert_eq!(summary["history"]["previous_run_date"], "2026-09-03");
    assert!(
        summary["history"]["previous_run"]
            .as_str()
            .unwrap()
            .ends_with("2026-09-03")
    );
    // A rerun of 09-03 carries on from 09-01, never from itself or a later night.
    night(
        "2026-09-03",
        &["--out", "runs/2026-09-03", "--previous", "runs"],
    );
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("runs/2026-09-03/summary.json")).unwrap();
    assert_eq!(summary["history"]["previous_run_date"], "2026-09-01");
    // The first night has nothing to carry on.
    std::fs::create_dir_all(wd.path("empty")).unwrap();
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "first",
            "-q",
            "--previous",
            "empty",
        ],
        2,
    );
    assert!(stderr(&out).contains("first night"), "{}", stderr(&out));
}

#[test]
fn a_case_closed_for_an_id_no_longer_in_the_population_points_to_the_child_under_a_corrected_id() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    // 冯雪's ID number is corrected in the population register (another order code).
    let (old, new) = wd.correct_an_id_number();
    second_night(&wd);
    let ledger = wd.csv("night-2/ledger.csv").maps();
    let row = ledger
        .iter()
        .find(|r| r["id_number"] == new)
        .expect("flagged under the new ID");
    let case = row["case_id"].as_str();
    assert!(case.starts_with("C2026"), "{row:?}");
    assert_eq!(row["change"], "new", "{row:?}");
    let closed = wd.csv("night-2/closed.csv").maps();
    let closed_row = closed
        .iter()
        .find(|r| r["id_number"] == old)
        .expect("the old case closed");
    assert_eq!(
        (
            closed_row["closed_reason"].as_str(),
            closed_row["detail"].as_str()
        ),
        (
            "no_longer_in_population",
            format!("new_case {case}").as_str()
        ),
        "{closed_row:?}"
    );
    // explain takes a case number: the case, then its child.
    let old_case = closed_row["case_id"].as_str();
    let said =
        String::from_utf8_lossy(&wd.expect_code(&["explain", "night-2", old_case], 0).stdout)
            .into_owned();
    assert!(
        said.starts_with(&format!(
            "case {old_case}: closed tonight (no_longer_in_population, new_case {case})"
        )),
        "{said}"
    );
    let said = String::from_utf8_lossy(&wd.expect_code(&["explain", "night-2", case], 0).stdout)
        .into_owned();
    assert!(
        said.starts_with(&format!("case {case}: open, flagged since")),
        "{said}"
    );
    assert!(said.contains("flagged in the ledger"), "{said}");
    wd.expect_error(
        &["explain", "night-2", "C20990101-000001"],
        2,
        &["no case C20990101-000001 in its ledger or closed.csv"],
    );
}

#[test]
fn ledgers_handed_back_into_the_run_directory_are_read_and_never_lost() {
    let wd = Workdir::with_fixture("demo");
    let cases = first_night(&wd);
    // Two counties hand back their rows into night-1/returned/, one as GB18030 CSV, one
    // as UTF-8 with a BOM; the lock file Excel leaves beside an open workbook is no ledger.
    wd.write(
        "night-1/returned/county-a.csv",
        encoding_rs::GB18030
            .encode(&format!("case_id,责任人\n{},李老师\n", cases[0]))
            .0,
    );
    wd.write(
        "night-1/returned/county-b.csv",
        format!("\u{feff}case_id,责任人\n{},赵老师\n", cases[1]),
    );
    wd.write("night-1/returned/~$county-c.xlsx", "lock");
    second_night(&wd);
    let night2 = wd.read("night-2/ledger.csv");
    assert!(
        night2.contains(",李老师") && night2.contains(",赵老师"),
        "{night2}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("night-2/summary.json")).unwrap();
    assert_eq!(
        summary["history"]["worked_files"].as_array().unwrap().len(),
        2
    );
    // A rerun into night-1 would replace the folder whole: refused, the ledgers kept.
    let out = wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 2);
    assert!(stderr(&out).contains("returned"), "{}", stderr(&out));
    assert!(wd.path("night-1/returned/county-a.csv").is_file());
    // --worked takes a folder or files too; one holding no ledger is bad input.
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "night-3",
            "-q",
            "--previous",
            "night-1",
            "--run-date",
            "2026-09-02",
            "--worked",
            "nothing-here",
        ],
        2,
    );
    assert!(stderr(&out).contains("nothing-here"), "{}", stderr(&out));
}
