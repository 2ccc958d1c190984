//! The nightly job as a data centre schedules it: the first night's command and the
//! crontab line of docs/usage.md typed as the shell gets them, night after night on a fixed
//! clock; reruns, wrong previous runs and
//! dates refused; hand-backs that hold stray files or notes tied to no case.

use std::collections::BTreeMap;
use std::fs;

use crate::workdir::{Workdir, fixtures, table};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(wd: &Workdir, file: &str) -> serde_json::Value {
    serde_json::from_str(&wd.read(file)).unwrap()
}

/// The first night's command and the crontab line of docs/usage.md's nightly operation,
/// as the shell gets them: the crontab's five schedule fields off and `\%` read as `%`, as
/// cron does.
fn documented_commands() -> (String, String) {
    let usage = fs::read_to_string(fixtures().join("../docs/usage.md")).unwrap();
    let first = usage
        .lines()
        .find(|l| l.starts_with("cd /data/sanku && "))
        .expect("docs/usage.md shows the first night's command");
    let line = usage
        .lines()
        .find(|l| l.starts_with("0 2 * * * "))
        .expect("docs/usage.md shows a crontab line");
    let command = line.splitn(6, ' ').nth(5).unwrap();
    assert!(
        !command.ends_with('\\'),
        "a crontab entry is one line: cron knows no continuation lines"
    );
    (first.to_string(), command.replace("\\%", "%"))
}

/// The demo registers without his one student record: 张伟 is out of school that night.
const ZHANG_WEI_RECORD: &str = "G5301020001,";
const ZHANG_WEI_ID: &str = "530102201203150117";

#[test]
fn the_documented_crontab_runs_three_nights_after_the_first_and_a_rerun_of_the_last() {
    let wd = Workdir::new();
    let root = wd.path("data/sanku");
    let demo = fixtures().join("demo");
    // sanku.toml as a centre keeps it: no as-of date, which follows the school year.
    let config: String = fs::read_to_string(demo.join("sanku.toml"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("as_of"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("sanku.toml"), config).unwrap();
    // The first night by hand, then three nights by cron; 张伟 is out on the third.
    let nights = ["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"];
    for (i, night) in nights.iter().enumerate() {
        let extract = root.join("extracts").join(night);
        fs::create_dir_all(&extract).unwrap();
        for file in ["population.csv", "students.csv", "poverty.csv", "aid.csv"] {
            let mut bytes = fs::read(demo.join(file)).unwrap();
            if i == 2 && file == "students.csv" {
                let text = String::from_utf8(bytes).unwrap();
                bytes = text
                    .lines()
                    .filter(|l| !l.starts_with(ZHANG_WEI_RECORD))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
                    .into_bytes();
            }
            fs::write(extract.join(file), bytes).unwrap();
        }
    }
    // The clock: `date +%F` says $TODAY; sanku's own clock is not used, the command gives
    // --run-date. `mail` keeps what it would send.
    let bin = wd.path("bin");
    fs::create_dir_all(&bin).unwrap();
    let script = |name: &str, body: &str| {
        let path = bin.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    };
    script(
        "date",
        "if [ \"$1\" = +%F ]; then echo \"$TODAY\"; else exec /bin/date \"$@\"; fi",
    );
    script("mail", &format!("cat >> {}", wd.path("mailed").display()));
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sanku"), bin.join("sanku")).unwrap();
    let (first, cron_line) = documented_commands();
    let here = |command: &str| command.replace("/data/sanku", &root.display().to_string());
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let shell = |command: &str, night: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(here(command))
            .env("PATH", &path)
            .env("TODAY", night)
            .env_remove("SANKU_RUN_DATE")
            .current_dir(wd.path("."))
            .output()
            .unwrap();
        assert!(out.status.success(), "{night}: {}", stderr(&out));
        assert!(
            !wd.path("mailed").exists(),
            "{night}: {}",
            fs::read_to_string(wd.path("mailed")).unwrap()
        );
    };
    let run = |night: &str, file: &str| format!("data/sanku/runs/{night}/{file}");
    shell(&first, nights[0]);
    for night in &nights[1..] {
        shell(&cron_line, night);
    }
    for night in nights {
        let manifest = json(&wd, &run(night, "manifest.json"));
        assert_eq!(manifest["settings"]["run_date"], night);
        assert_eq!(manifest["settings"]["as_of"], "2026-09-01");
    }

    // Night 1 opened every case; each night after carried on the one before.
    assert!(json(&wd, &run(nights[0], "summary.json"))["history"].is_null());
    let first = table(&wd.read(&run(nights[0], "ledger.csv")));
    assert!(!first.is_empty());
    assert!(first.iter().all(|r| r["case_id"].starts_with("C20261127-")
        && r["first_flagged"] == nights[0]
        && r["id_number"] != ZHANG_WEI_ID));
    for pair in nights.windows(2) {
        let summary = json(&wd, &run(pair[1], "summary.json"));
        assert_eq!(summary["history"]["previous_run_date"], pair[0]);
        let previous = summary["history"]["previous_run"].as_str().unwrap();
        assert!(previous.ends_with(pair[0]), "{previous}");
    }
    // Night 3 opened 张伟's case and kept the others with their first night.
    let third = table(&wd.read(&run(nights[2], "ledger.csv")));
    assert_eq!(third.len(), first.len() + 1);
    for row in &third {
        if row["id_number"] == ZHANG_WEI_ID {
            assert_eq!(row["change"], "new");
            assert_eq!(row["case_id"], "C20261129-000001");
            assert_eq!(row["first_flagged"], nights[2]);
        } else {
            assert_eq!(row["change"], "still_out", "{row:?}");
            assert_eq!(row["first_flagged"], nights[0]);
        }
    }
    // Night 4: his record is back, his case closes as returned; history has every night.
    let closed = table(&wd.read(&run(nights[3], "closed.csv")));
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(closed[0]["case_id"], "C20261129-000001");
    assert_eq!(closed[0]["closed_reason"], "returned");
    let totals = |night: &str| -> Vec<String> {
        table(&wd.read(&run(night, "history.csv")))
            .into_iter()
            .filter(|r| r["level"] == "all")
            .map(|r| r["run_date"].clone())
            .collect()
    };
    assert_eq!(totals(nights[3]), nights);

    // Tonight again, into tonight's directory: carried on from last night, as before.
    let ledger = wd.read(&run(nights[3], "ledger.csv"));
    shell(&cron_line, nights[3]);
    let summary = json(&wd, &run(nights[3], "summary.json"));
    let previous = summary["history"]["previous_run"].as_str().unwrap();
    assert!(previous.ends_with(nights[2]), "{previous}");
    assert_eq!(wd.read(&run(nights[3], "ledger.csv")), ledger);
    assert_eq!(totals(nights[3]), nights);
}

#[test]
fn a_folder_without_an_earlier_run_or_with_two_runs_of_one_night_is_refused() {
    let wd = Workdir::with_fixture("demo");
    let run = |run_date: &str, out: &str, extra: &[&str], code: i32| {
        let mut args = vec!["run", "input", "-q", "--run-date", run_date, "--out", out];
        args.extend(extra);
        stderr(&wd.expect_code(&args, code))
    };
    // The first night is run without --previous; a folder with nothing to carry on stops.
    let said = run("2026-09-01", "runs/2026-09-01", &["--previous", "runs"], 2);
    assert!(
        said.contains("on the first night leave out --previous"),
        "{said}"
    );
    assert!(!wd.path("runs/2026-09-01").exists());
    run("2026-09-01", "runs/2026-09-01", &[], 0);
    // A copy of night 1 kept aside: which one staff worked is not guessed.
    fs::create_dir_all(wd.path("runs/2026-09-01.bak")).unwrap();
    for entry in fs::read_dir(wd.path("runs/2026-09-01")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            fs::copy(
                entry.path(),
                wd.path("runs/2026-09-01.bak").join(entry.file_name()),
            )
            .unwrap();
        }
    }
    let said = run("2026-09-02", "runs/2026-09-02", &["--previous", "runs"], 2);
    assert!(
        said.contains("2 runs of the night 2026-09-01")
            && said.contains("runs/2026-09-01.bak")
            && said.contains("give the one to carry on"),
        "{said}"
    );
    run(
        "2026-09-02",
        "runs/2026-09-02",
        &["--previous", "runs/2026-09-01"],
        0,
    );
}

#[test]
fn a_night_s_out_named_for_another_night_than_the_run_date_is_refused() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "-q", "--out", "runs/2026-09-01"], 0);
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "-q",
            "--run-date",
            "2026-09-03",
            "--out",
            "runs/2026-09-02",
            "--previous",
            "runs",
        ],
        2,
    );
    assert!(
        stderr(&out).contains(
            "--out runs/2026-09-02 is named for the night 2026-09-02, but the run date is 2026-09-03; give --run-date 2026-09-02"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_rerun_never_replaces_a_ledger_staff_edited_in_place() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "-q", "--out", "night-1"], 0);
    // Rerunning an untouched night is fine.
    wd.expect_code(&["run", "input", "-q", "--out", "night-1"], 0);
    let ledger = wd.read("night-1/ledger.csv");
    let worked: String = ledger
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}\n", if i == 0 { "责任人" } else { "王五" }))
        .collect();
    wd.write("night-1/ledger.csv", &worked);
    let out = wd.expect_code(&["run", "input", "-q", "--out", "night-1"], 2);
    assert!(
        stderr(&out).contains("its ledger.csv was edited since the run wrote it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        wd.read("night-1/ledger.csv"),
        worked,
        "the worked ledger kept"
    );
}

#[test]
fn a_previous_run_of_the_same_night_or_a_later_one_is_refused_naming_the_run_to_give() {
    let wd = Workdir::with_fixture("demo");
    let night = |run_date: &str, extra: &[&str]| {
        let out = format!("runs/{run_date}");
        let mut args = vec!["run", "input", "-q", "--run-date", run_date, "--out", &out];
        args.extend(extra);
        wd.expect_code(&args, 0);
    };
    night("2026-09-01", &[]);
    night("2026-09-02", &["--previous", "runs"]);
    night("2026-09-03", &["--previous", "runs"]);
    let history_before = wd.read("runs/2026-09-02/history.csv");
    for (previous, says) in [
        (
            "runs/2026-09-02",
            "is the run of 2026-09-02, the same night as this run",
        ),
        (
            "runs/2026-09-03",
            "is the run of 2026-09-03, after this run's night 2026-09-02",
        ),
    ] {
        let out = wd.expect_code(
            &[
                "run",
                "input",
                "-q",
                "--run-date",
                "2026-09-02",
                "--out",
                "runs/2026-09-02-again",
                "--previous",
                previous,
            ],
            2,
        );
        let message = stderr(&out);
        assert!(message.contains(says), "{message}");
        assert!(
            message.contains("give the run of an earlier night: runs/2026-09-01"),
            "{message}"
        );
    }
    assert!(!wd.path("runs/2026-09-02-again").exists());
    assert_eq!(wd.read("runs/2026-09-02/history.csv"), history_before);
}

#[test]
fn a_previous_that_does_not_exist_says_so() {
    let wd = Workdir::with_fixture("demo");
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "night-2",
            "-q",
            "--previous",
            "night-1",
        ],
        2,
    );
    assert!(
        stderr(&out).contains("--previous night-1: no such directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_as_of_or_run_date_outside_the_years_1900_to_9999_is_exit_2_before_any_work() {
    let wd = Workdir::with_fixture("demo");
    for (flag, date) in [
        ("--as-of", "0000-09-01"),
        ("--as-of", "1899-09-01"),
        ("--run-date", "0001-01-01"),
    ] {
        let out = wd.expect_code(
            &["run", "input", "--out", "out", "-q", "--force", flag, date],
            2,
        );
        assert!(
            stderr(&out).contains("the year must lie between 1900 and 9999"),
            "{flag} {date}: {}",
            stderr(&out)
        );
        assert!(!wd.path("out").exists(), "{flag} {date}: nothing written");
    }
}

/// Night 1 of the demo into `night-1/`, and its ledger's rows.
fn first_night(wd: &Workdir) -> Vec<BTreeMap<String, String>> {
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    table(&wd.read("night-1/ledger.csv"))
}

/// Night 2, carrying on night 1; its closing line.
fn second_night(wd: &Workdir) -> String {
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "night-2",
            "--previous",
            "night-1",
            "--run-date",
            "2026-09-02",
        ],
        0,
    );
    stderr(&out)
}

#[test]
fn a_stray_file_in_returned_is_skipped_and_listed_and_the_night_goes_on() {
    let wd = Workdir::with_fixture("demo");
    let cases = first_night(&wd);
    let case = &cases[0]["case_id"];
    wd.write(
        "night-1/returned/county-a.csv",
        format!("case_id,劝返措施\n{case},已家访\n"),
    );
    wd.write("night-1/returned/说明.txt", "请各县于周五前交回台账。\n");
    wd.write("night-1/returned/scan.pdf", b"%PDF-1.4\n".as_slice());
    let mut salaries = rust_xlsxwriter::Workbook::new();
    let sheet = salaries.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(0, 1, "工资").unwrap();
    sheet.write_string(1, 0, "赵六").unwrap();
    sheet.write_number(1, 1, 3200).unwrap();
    salaries
        .save(wd.path("night-1/returned/工资表.xlsx"))
        .unwrap();
    // A county's folder, and a note named after the child it is about.
    wd.write("night-1/returned/五华区/ledger.csv", "case_id,劝返措施\n");
    wd.write("night-1/returned/530111201501300247陈静.txt", "家访记录\n");
    wd.write("night-1/returned/家访记录.陈静", "家访记录\n");
    let closing = second_night(&wd);
    assert!(
        closing.contains(
            "6 files in returned/ skipped, not ledgers (.pdf, 2 × .txt, .xlsx, folder, other; listed in summary.json)"
        ),
        "{closing}"
    );
    assert!(
        !closing.contains("530111201501300247") && !closing.contains("陈静"),
        "{closing}"
    );
    let summary = json(&wd, "night-2/summary.json");
    let skipped = summary["history"]["returned_files_skipped"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = skipped
        .iter()
        .map(|f| f["file"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "530111201501300247陈静.txt",
            "scan.pdf",
            "五华区",
            "家访记录.陈静",
            "工资表.xlsx",
            "说明.txt"
        ]
    );
    assert_eq!(skipped[1]["why"], "not a workbook or CSV file");
    assert_eq!(
        skipped[2]["why"],
        "a folder: put the ledgers in returned/ itself"
    );
    assert!(
        skipped[5]["why"]
            .as_str()
            .unwrap()
            .contains("no sheet has a case_id"),
        "{skipped:?}"
    );
    // The ledger handed back beside them is read.
    let ledger = table(&wd.read("night-2/ledger.csv"));
    let row = ledger.iter().find(|r| &r["case_id"] == case).unwrap();
    assert_eq!(row["劝返措施"], "已家访");
    let report = wd.read("night-2/report.html");
    assert!(report.contains("id=\"skipped\"") && report.contains("2 × .txt"));
    assert!(!report.contains("陈静") && !report.contains("工资表"));
}

#[test]
fn notes_tied_to_no_case_go_to_worked_untied_csv_with_file_and_row() {
    let wd = Workdir::with_fixture("demo");
    let cases = first_night(&wd);
    let case = &cases[0]["case_id"];
    // As Excel saves it: one row's case number cleared and its ID number mangled.
    wd.write(
        "night-1/returned/county-a.csv",
        format!(
            "case_id,id_number,name,劝返措施,责任人\n{case},,,已家访,王五\n,5.30102E+17,{},已电话联系,李四\n",
            cases[1]["name"]
        ),
    );
    let closing = second_night(&wd);
    assert!(
        closing.contains("1 worked-ledger rows with notes tied to no case (see worked_untied.csv)"),
        "{closing}"
    );
    let untied = table(&wd.read("night-2/worked_untied.csv"));
    assert_eq!(untied.len(), 1, "{untied:?}");
    assert!(untied[0]["file"].ends_with("county-a.csv"), "{untied:?}");
    assert_eq!(untied[0]["line"], "3");
    assert_eq!(untied[0]["case_id"], "");
    assert_eq!(untied[0]["id_number"], "5.30102E+17");
    assert_eq!(untied[0]["name"], cases[1]["name"]);
    assert_eq!(
        untied[0]["staff_notes"],
        "劝返措施: 已电话联系; 责任人: 李四"
    );
    let summary = json(&wd, "night-2/summary.json");
    assert_eq!(summary["history"]["worked_rows_untied"], 1);
    assert!(wd.read("night-2/report.html").contains("id=\"untied\""));
}

#[test]
fn a_check_never_replaces_a_night_s_run_directory() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "-q", "--out", "runs/2026-09-01"], 0);
    let out = wd.expect_code(&["check", "input", "-q", "--out", "runs/2026-09-01"], 2);
    assert!(
        stderr(&out).contains("holds a `sanku run` directory, which `sanku check` would replace"),
        "{}",
        stderr(&out)
    );
    assert!(wd.path("runs/2026-09-01/ledger.csv").is_file());
    // A check replaces a check.
    wd.expect_code(&["check", "input", "-q", "--out", "checked"], 0);
    wd.expect_code(&["check", "input", "-q", "--out", "checked"], 0);
}

#[test]
fn an_exemption_is_valid_up_to_its_end_by_the_run_date_not_the_as_of_date() {
    // 宋佳's exemption runs to 2026-06-30; the demo's as-of date is 2026-09-01.
    let wd = Workdir::with_fixture("demo");
    let reason = |run_date: &str| -> Option<String> {
        let out = format!("run-{run_date}");
        wd.expect_code(
            &["run", "input", "-q", "--run-date", run_date, "--out", &out],
            0,
        );
        table(&wd.read(&format!("{out}/ledger.csv")))
            .into_iter()
            .find(|r| r["id_number"] == "530111201901011321")
            .map(|r| r["reason"].clone())
    };
    assert_eq!(reason("2026-06-30"), None, "exempt on its last day");
    assert_eq!(reason("2026-07-01").as_deref(), Some("exemption_expired"));
}
