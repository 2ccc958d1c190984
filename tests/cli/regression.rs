//! One test per defect found in sanku, named after it: each reproduces the input or the
//! hostile setting that once lost rows, leaked personal data or mixed two runs, and checks
//! what sanku does now.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};

use crate::workdir::{Workdir, csv_lines, csv_text};

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The manifest's `rows_in`, `rows_used`, `rows_rejected` of one source.
fn accounting(wd: &Workdir, out: &str, source: &str) -> (u64, u64, u64) {
    let manifest: serde_json::Value =
        serde_json::from_str(&wd.read(&format!("{out}/manifest.json"))).unwrap();
    let input = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"] == source)
        .unwrap_or_else(|| panic!("no {source} in the manifest"));
    let n = |k: &str| input[k].as_u64().unwrap();
    (n("rows_in"), n("rows_used"), n("rows_rejected"))
}

/// The rows of rejects.csv naming `file`, as maps from column to cell.
fn rejects_of(wd: &Workdir, out: &str, file: &str) -> Vec<BTreeMap<String, String>> {
    wd.csv(&format!("{out}/rejects.csv"))
        .maps()
        .into_iter()
        .filter(|r| r["file"] == file)
        .collect()
}

/// Asserts that `out/rejects.csv` rejects line `line` of `file` in `field` (empty: the
/// whole line) for a reason that contains `word`.
fn assert_rejected(wd: &Workdir, out: &str, (file, line, field): (&str, u32, &str), word: &str) {
    let rejects = rejects_of(wd, out, file);
    assert!(
        rejects.iter().any(|r| r["line"] == line.to_string()
            && r["field"] == field
            && r["reason"].contains(word)),
        "no reject of {file} line {line} field `{field}` for `{word}` in {rejects:?}"
    );
}

/// Names of the entries of a directory, sorted.
fn entries(wd: &Workdir, rel: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(wd.path(rel))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_symlink_planted_at_a_temp_name_is_not_followed() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    wd.write("victim.txt", "untouched");
    symlink(wd.path("victim.txt"), wd.path("out/.ledger.csv.tmp")).unwrap();
    fs::create_dir(wd.path("victim-dir")).unwrap();
    fs::remove_dir_all(wd.path("out/checks")).unwrap();
    symlink(wd.path("victim-dir"), wd.path("out/checks")).unwrap();
    wd.write("out/.summary.csv.tmp", "stale");
    fs::set_permissions(
        wd.path("out/.summary.csv.tmp"),
        fs::Permissions::from_mode(0o666),
    )
    .unwrap();

    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_eq!(wd.read("victim.txt"), "untouched");
    assert!(entries(&wd, "victim-dir").is_empty());
    for file in ["ledger.csv", "summary.csv", "checks"] {
        let meta = fs::symlink_metadata(wd.path(&format!("out/{file}"))).unwrap();
        assert!(!meta.file_type().is_symlink(), "{file} is a link");
        assert_eq!(meta.permissions().mode() & 0o077, 0, "{file} is private");
    }
    assert!(
        entries(&wd, "out").iter().all(|n| !n.starts_with('.')),
        "{:?}",
        entries(&wd, "out")
    );
}

#[test]
fn a_failed_run_leaves_the_previous_run_whole_and_no_temp_files() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let before = wd.read("out/ledger.csv");
    let manifest = wd.read("out/manifest.json");
    let students = wd.read("input/students.csv").replace("学籍状态", "备注");
    wd.write("input/students.csv", students);
    wd.expect_error(
        &["run", "input", "--out", "out", "-q"],
        2,
        &[
            "students.csv: no column for `status`",
            "found headers: 全国学籍号",
        ],
    );
    assert_eq!(wd.read("out/ledger.csv"), before);
    assert_eq!(wd.read("out/manifest.json"), manifest);
    assert_eq!(entries(&wd, "."), ["input", "out"]);
}

#[test]
fn an_unclosed_quote_rejects_its_line_and_keeps_the_rest() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "clean", "-q"], 0);
    let students = wd.read("input/students.csv");
    let mut lines: Vec<String> = students.lines().map(str::to_string).collect();
    // A stray quote opening the name field of the third record.
    lines[3] = lines[3].replacen(",", ",\"", 2).replacen(",\"", ",", 1);
    wd.write("input/students.csv", lines.join("\n") + "\n");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let (rows_in, used, rejected) = accounting(&wd, "out", "students");
    let (clean_in, clean_used, _) = accounting(&wd, "clean", "students");
    assert_eq!((rows_in, used + rejected), (clean_in, clean_in));
    assert_eq!(used, clean_used - 1);
    assert_rejected(&wd, "out", ("students.csv", 4, ""), "quote");
}

#[test]
fn one_latin1_byte_does_not_read_a_utf8_file_as_gbk() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "clean", "-q"], 0);
    let mut bytes = fs::read(wd.path("input/students.csv")).unwrap();
    // "é" in Latin-1 inside the school code of the first record.
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let comma = at + bytes[at..].iter().position(|&b| b == b',').unwrap();
    bytes.insert(comma, 0xE9);
    fs::write(wd.path("input/students.csv"), bytes).unwrap();
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let manifest: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    let students = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"] == "students")
        .unwrap()
        .clone();
    assert_eq!(students["encoding"], "utf-8");
    let (rows_in, used, rejected) = accounting(&wd, "out", "students");
    assert_eq!((rows_in, used + 1, rejected), {
        let (clean_in, clean_used, clean_rejected) = accounting(&wd, "clean", "students");
        (clean_in, clean_used, clean_rejected + 1)
    });
    assert_rejected(
        &wd,
        "out",
        ("students.csv", 2, "student_no"),
        "not valid utf-8",
    );
    // The names still read as Chinese: read as GBK, every name would conflict.
    assert!(
        wd.read("out/checks/conflicts.csv").lines().count()
            <= wd.read("clean/checks/conflicts.csv").lines().count()
    );
}

#[test]
fn an_undecodable_gbk_byte_rejects_only_its_row() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "clean", "-q"], 0);
    let mut bytes = fs::read(wd.path("input/population.csv")).unwrap();
    bytes.extend_from_slice(b"530102201203150999,\xFF\xFF,1,2012-03-15,530102,1\n");
    fs::write(wd.path("input/population.csv"), bytes).unwrap();
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let (rows_in, used, rejected) = accounting(&wd, "out", "population");
    let (clean_in, clean_used, clean_rejected) = accounting(&wd, "clean", "population");
    assert_eq!(
        (rows_in, used, rejected),
        (clean_in + 1, clean_used, clean_rejected + 1)
    );
    assert_rejected(&wd, "out", ("population.csv", 30, "name"), "gb18030");
    let manifest: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["inputs"][0]["undecodable_rows"], 1);
}

#[test]
fn a_file_mostly_in_another_encoding_exits_2() {
    let wd = Workdir::with_fixture("demo");
    let text = wd.read("input/students.csv");
    let (header, rows) = text.split_once('\n').unwrap();
    let mut bytes = format!("{header}\n").into_bytes();
    for _ in 0..2 {
        bytes.extend_from_slice(&encoding_rs::GB18030.encode(rows).0);
    }
    fs::write(wd.path("input/students.csv"), bytes).unwrap();
    let mut config = wd.read("input/sanku.toml");
    config.push_str("\n[students]\nencoding = \"utf-8\"\n");
    wd.write("input/sanku.toml", config);
    let out = wd.expect_code(&["run", "input", "--out", "out", "-q"], 2);
    let err = stderr_of(&out);
    assert!(
        err.contains("students.csv") && err.contains("rows hold bytes") && err.contains("encoding"),
        "{err}"
    );
}

#[test]
fn cr_only_line_endings_number_every_line() {
    let wd = Workdir::with_fixture("demo");
    let text = wd.read("input/students.csv");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, "too,few");
    wd.write("input/students.csv", lines.join("\r") + "\r");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_rejected(
        &wd,
        "out",
        ("students.csv", 4, ""),
        "expected 9 fields, found 2",
    );
    let (rows_in, used, rejected) = accounting(&wd, "out", "students");
    assert_eq!(rows_in, (lines.len() - 1) as u64);
    assert_eq!(used + rejected, rows_in);
}

#[test]
fn an_output_directory_holding_an_input_is_refused() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    fs::copy(wd.path("input/students.csv"), wd.path("out/students.csv")).unwrap();
    let out = wd.expect_code(
        &[
            "run",
            "input",
            "--students",
            "out/students.csv",
            "--out",
            "out",
        ],
        2,
    );
    assert!(
        stderr_of(&out).contains("inside --out"),
        "{}",
        stderr_of(&out)
    );
    assert!(wd.path("out/students.csv").is_file());
}

#[test]
fn a_bad_out_fails_before_any_work() {
    let wd = Workdir::with_fixture("demo");
    wd.write("taken", "a file");
    let out = wd.expect_code(&["run", "input", "--out", "taken"], 2);
    assert!(stderr_of(&out).contains("taken"), "{}", stderr_of(&out));
    wd.write("foreign/notes.txt", "mine");
    let out = wd.expect_code(&["run", "input", "--out", "foreign"], 2);
    assert!(
        stderr_of(&out).contains("not a sanku run directory"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(wd.read("foreign/notes.txt"), "mine");
    // Nothing was read: the progress of loading never started, and nothing was left.
    assert_eq!(entries(&wd, "."), ["foreign", "input", "taken"]);
}

#[test]
fn a_file_without_its_header_row_prints_no_id_or_name() {
    let wd = Workdir::with_fixture("demo");
    let students = wd.read("input/students.csv");
    let rows = students.split_once('\n').unwrap().1;
    wd.write("input/students.csv", rows);
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    let err = stderr_of(&out);
    let first = csv_lines(rows).swap_remove(0);
    assert!(first.len() > 5, "{first:?}");
    for cell in first.iter().filter(|c| c.chars().count() > 1) {
        assert!(!err.contains(cell), "{cell} printed: {err}");
    }
    assert!(err.contains("looks like data"), "{err}");
}

#[test]
fn a_duplicated_id_column_is_refused_not_resolved_to_the_first() {
    let wd = Workdir::with_fixture("demo");
    let students = wd
        .read("input/students.csv")
        .replacen("学籍状态", "身份证件号", 1);
    wd.write("input/students.csv", students);
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    let err = stderr_of(&out);
    assert!(
        err.contains("columns 2 and 9") && err.contains("students.csv"),
        "{err}"
    );
}

#[test]
fn absurd_threads_and_a_nan_tie_margin_exit_2() {
    let wd = Workdir::with_fixture("demo");
    let out = wd.expect_code(&["run", "input", "--out", "out", "--threads", "1000000"], 2);
    assert!(stderr_of(&out).contains("--threads"), "{}", stderr_of(&out));
    let mut config = wd.read("input/sanku.toml");
    config.push_str("\n[linkage]\ntie_margin = nan\n");
    wd.write("input/sanku.toml", config);
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    assert!(
        stderr_of(&out).contains("tie margin"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn names_of_separators_only_or_of_megabytes_are_rejected() {
    let wd = Workdir::with_fixture("demo");
    let mut students = wd.read("input/students.csv");
    let huge = "阿".repeat(20_000);
    students.push_str("G5301029001,,··,男,2012-06-01,2153000001,530102,七年级,在读\n");
    students.push_str(&format!(
        "G5301029002,,{huge},男,2012-06-01,2153000001,530102,七年级,在读\n"
    ));
    students.push_str(&format!(
        "G5301029003,,{huge}伟,男,2012-06-01,2153000001,530102,七年级,在读\n"
    ));
    wd.write("input/students.csv", &students);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_rejected(&wd, "out", ("students.csv", 23, "name"), "separators");
    let rejects = rejects_of(&wd, "out", "students.csv");
    for line in [24, 25] {
        let reject = rejects
            .iter()
            .find(|r| r["line"] == line.to_string() && r["field"] == "name")
            .unwrap_or_else(|| panic!("line {line} not rejected: {rejects:?}"));
        // A long name is masked as a name (its first character), not as an ID.
        assert!(
            reject["reason"].contains("longer than") && reject["value"] == "阿********…",
            "{reject:?}"
        );
    }
}

#[test]
fn a_huge_garbage_id_is_not_copied_whole_into_rejects() {
    let wd = Workdir::with_fixture("demo");
    let mut population = fs::read(wd.path("input/population.csv")).unwrap();
    let garbage = "9".repeat(10 << 20);
    population.extend_from_slice(format!("{garbage},x,1,2012-01-01,530102,1\n").as_bytes());
    fs::write(wd.path("input/population.csv"), population).unwrap();
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let rejects = wd.read("out/rejects.csv");
    assert!(
        rejects.len() < 10_000,
        "rejects.csv holds {} bytes",
        rejects.len()
    );
    assert!(rejects.contains("10485760 characters"), "{rejects}");
}

#[test]
fn explain_into_a_closed_pipe_does_not_panic() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sanku"))
        .args(["explain", "out", "530102201203150117"])
        .current_dir(wd.path("."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = stderr_of(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.code() == Some(0), "{:?} {err}", out.status);
}

#[test]
fn generate_writes_exactly_the_people_asked_for() {
    let wd = Workdir::new();
    for n in ["1", "7", "250"] {
        let out = format!("gen-{n}");
        wd.expect_code(&["generate", "--population", n, "--out", &out, "-q"], 0);
        let rows = wd.read(&format!("{out}/population.csv")).lines().count() - 1;
        assert_eq!(rows.to_string(), n);
    }
}

#[test]
fn an_unreadable_parquet_file_exits_2_with_one_message() {
    let wd = Workdir::with_fixture("demo");
    let mut bytes = b"PAR1".to_vec();
    bytes.extend_from_slice(&[0x15; 64]);
    bytes.extend_from_slice(b"\x10\x00\x00\x00PAR1");
    wd.write("input/poverty.parquet", bytes);
    fs::remove_file(wd.path("input/poverty.csv")).unwrap();
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    let err = stderr_of(&out);
    assert!(err.contains("poverty.parquet"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_utf16_file_ending_in_a_broken_unit_does_not_panic() {
    // Found by fuzzing: the UTF-16 decoder was called again after it had finished.
    let wd = Workdir::with_fixture("demo");
    wd.write(
        "input/exemptions.csv",
        [0xFF, 0xFE, 0, 0, 13, 10, 13, 0xFF, 13],
    );
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    assert!(
        stderr_of(&out).contains("exemptions.csv"),
        "{}",
        stderr_of(&out)
    );
}

/// Whether two run directories hold the same files, byte for byte (the manifest, which
/// records timings, only by its presence when `manifest` is false).
fn same_dirs(wd: &Workdir, a: &str, b: &str, manifest: bool) -> bool {
    let (x, y) = (entries(wd, a), entries(wd, b));
    x == y
        && x.iter().all(|name| {
            let (pa, pb) = (
                wd.path(&format!("{a}/{name}")),
                wd.path(&format!("{b}/{name}")),
            );
            if pa.is_dir() {
                return same_dirs(wd, &format!("{a}/{name}"), &format!("{b}/{name}"), manifest);
            }
            (name == "manifest.json" && !manifest) || fs::read(pa).ok() == fs::read(pb).ok()
        })
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_run_or_the_new_one() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "previous", "-q"], 0);
    let new_run = ["run", "input", "-q", "--as-of", "2025-09-01", "--out"];
    wd.expect_code(&[&new_run[..], &["new"]].concat(), 0);
    assert!(!same_dirs(&wd, "previous", "new", false));
    let copy = |from: &str, to: &str| {
        let _ = fs::remove_dir_all(wd.path(to));
        fs::create_dir_all(wd.path(&format!("{to}/checks"))).unwrap();
        for name in entries(&wd, from) {
            let (src, dst) = (format!("{from}/{name}"), format!("{to}/{name}"));
            if wd.path(&src).is_dir() {
                for inner in entries(&wd, &src) {
                    fs::copy(
                        wd.path(&format!("{src}/{inner}")),
                        wd.path(&format!("{dst}/{inner}")),
                    )
                    .unwrap();
                }
            } else {
                fs::copy(wd.path(&src), wd.path(&dst)).unwrap();
            }
        }
    };
    let (mut old, mut new) = (0, 0);
    for delay_ms in (0..120).step_by(4) {
        copy("previous", "out");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sanku"))
            .args([&new_run[..], &["out"]].concat())
            .env("SANKU_RUN_DATE", crate::workdir::TODAY)
            .current_dir(wd.path("."))
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if same_dirs(&wd, "out", "previous", true) {
            old += 1;
        } else {
            assert!(
                same_dirs(&wd, "out", "new", false),
                "killed after {delay_ms} ms: mixed"
            );
            new += 1;
        }
        // The next run clears whatever the killed one left beside the run directory.
        wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
        let left: Vec<String> = entries(&wd, ".")
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
    assert!(
        old > 0,
        "every kill came too late to test anything ({new} new)"
    );
}

#[test]
fn a_character_split_by_a_delimiter_rejects_its_row() {
    // Found by fuzzing: the two halves of "ϼ" (CF BC) on either side of a comma are valid
    // UTF-8 once the fields are joined, and slicing the row at the field boundary panicked.
    let wd = Workdir::with_fixture("demo");
    let mut bytes = fs::read(wd.path("input/students.csv")).unwrap();
    bytes.extend_from_slice(b"G5301029004,\xCF,\xBC,1,2012-06-01,2153000001,530102,7,x\n");
    fs::write(wd.path("input/students.csv"), bytes).unwrap();
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_rejected(
        &wd,
        "out",
        ("students.csv", 23, "id_number"),
        "not valid utf-8",
    );
}

#[test]
fn an_unreadable_birth_date_beside_a_valid_id_uses_the_id_and_warns() {
    let wd = Workdir::with_fixture("demo");
    let bytes = fs::read(wd.path("input/population.csv")).unwrap();
    let mut text = encoding_rs::GB18030.decode(&bytes).0.into_owned();
    // A month the ID number does not hold, an Excel datetime, and a month it holds.
    text.push_str("530102201405060021,陈一,女,2014年6月,530102,正常\n");
    text.push_str("530102201405070027,陈二,女,2014-05-07 00:00:00,530102,正常\n");
    text.push_str("530102201405080022,陈三,女,2014年5月,530102,正常\n");
    wd.write("input/population.csv", encoding_rs::GB18030.encode(&text).0);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let ledger = wd.read("out/ledger.csv");
    assert!(
        ledger.contains("530102201405060021") && ledger.contains("530102201405070027"),
        "{ledger}"
    );
    let warnings = wd.read("out/warnings.csv");
    assert!(
        warnings.contains("population.csv,30,birth_date,not a date sanku reads; the ID number's birth date is used,2014年6月"),
        "{warnings}"
    );
    assert_eq!(warnings.matches("population.csv").count(), 1, "{warnings}");
    assert!(!wd.read("out/rejects.csv").contains("population.csv"));
}

#[test]
fn sex_unknown_is_read_and_taken_from_a_valid_id() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "clean", "-q"], 0);
    let bytes = fs::read(wd.path("input/population.csv")).unwrap();
    let text = encoding_rs::GB18030.decode(&bytes).0.into_owned();
    // 张伟 (530102201203150117, male by his ID) with his sex 未知.
    let text = text.replacen(
        "530102201203150117,张伟,男",
        "530102201203150117,张伟,未知",
        1,
    );
    wd.write("input/population.csv", encoding_rs::GB18030.encode(&text).0);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_eq!(wd.read("out/ledger.csv"), wd.read("clean/ledger.csv"));
    assert_eq!(wd.read("out/rejects.csv"), wd.read("clean/rejects.csv"));
}

#[test]
fn a_student_birth_date_of_a_year_and_month_without_an_id_is_compared_at_the_month() {
    let wd = Workdir::with_fixture("synthetic-small");
    let text = wd.read_gb18030("input/students.csv");
    // A record with no ID and a local student number (no ID in it either): its birth
    // date can only come from the field.
    let lines = csv_lines(&text);
    assert_eq!(lines.len(), text.lines().count(), "a cell on two lines");
    let at = |column: &str| lines[0].iter().position(|h| h == column).unwrap();
    let (number, id, birth) = (at("学籍号"), at("身份证号"), at("出生日期"));
    let index = lines
        .iter()
        .position(|f| {
            f.len() == lines[0].len()
                && f[number].starts_with('J')
                && f[id].is_empty()
                && !f[birth].is_empty()
        })
        .expect("a record without an ID");
    // Line numbers count the header as line 1.
    let line = index + 1;
    let record = lines[index][number].clone();
    let (year, month) = {
        let mut p = lines[index][birth].split('-');
        (p.next().unwrap(), p.next().unwrap())
    };
    let month_only = format!("{year}年{}月", month.trim_start_matches('0'));
    let mut changed = lines[index].clone();
    changed[birth] = month_only.clone();
    let raw = text.lines().nth(index).unwrap();
    let text = text.replacen(raw, csv_text(&[changed]).trim_end(), 1);
    wd.write("input/students.csv", encoding_rs::GB18030.encode(&text).0);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let warnings = wd.csv("out/warnings.csv").maps();
    assert!(
        warnings.iter().any(|w| w["file"] == "students.csv"
            && w["line"] == line.to_string()
            && w["field"] == "birth_date"
            && w["reason"]
                == "year and month only, and no valid ID number to give the day: compared at the month"
            && w["value"] == month_only),
        "{warnings:?}"
    );
    let out = wd.expect_code(&["explain", "out", &record], 0);
    let explained = String::from_utf8_lossy(&out.stdout);
    assert!(
        explained.contains("birth_date   same_year_month"),
        "{explained}"
    );
}
