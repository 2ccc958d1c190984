//! Bad input exits with code 2 and a message naming the file (and field), never a full
//! ID number.

use crate::workdir::Workdir;

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_file_exits_2() {
    let wd = Workdir::with_fixture("demo");
    std::fs::remove_file(wd.path("input/poverty.csv")).unwrap();
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    assert!(
        stderr_of(&out).contains("no poverty file"),
        "{}",
        stderr_of(&out)
    );
    let out = wd.expect_code(&["run", "--population", "nowhere.csv", "--out", "out"], 2);
    assert!(
        stderr_of(&out).contains("nowhere.csv"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_missing_required_column_names_file_field_and_headers() {
    let wd = Workdir::with_fixture("demo");
    let students = wd.read("input/students.csv").replace("学籍状态", "备注");
    wd.write("input/students.csv", students);
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    let err = stderr_of(&out);
    assert!(
        err.contains("students.csv") && err.contains("`status`") && err.contains("备注"),
        "{err}"
    );
}

#[test]
fn an_unreadable_encoding_exits_2() {
    let wd = Workdir::with_fixture("demo");
    wd.write(
        "input/exemptions.csv",
        [0x81u8, 0x20, 0xFF, 0xFE, 0x0A, 0x80, 0xFF],
    );
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    let err = stderr_of(&out);
    assert!(
        err.contains("exemptions.csv") && err.contains("encoding"),
        "{err}"
    );
}

#[test]
fn a_bad_config_exits_2() {
    let wd = Workdir::with_fixture("demo");
    wd.write(
        "input/sanku.toml",
        "as_of = \"2026-09-01\"\nthreshold = 3\n",
    );
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    assert!(
        stderr_of(&out).contains("sanku.toml"),
        "{}",
        stderr_of(&out)
    );
    wd.write("input/sanku.toml", "[cohort]\ncutoff = \"02-30\"\n");
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    assert!(stderr_of(&out).contains("cutoff"), "{}", stderr_of(&out));
}

#[test]
fn a_gbk_file_read_as_utf8_names_the_line_and_hides_ids() {
    let wd = Workdir::with_fixture("demo");
    wd.write(
        "input/sanku.toml",
        "as_of = \"2026-09-01\"\n[population]\nencoding = \"utf-8\"\n",
    );
    let out = wd.expect_code(&["run", "input", "--out", "out"], 2);
    let err = stderr_of(&out);
    assert!(
        err.contains("population.csv") && err.contains("line 1"),
        "{err}"
    );
    assert!(!err.contains("530102201203150117"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let wd = Workdir::new();
    wd.expect_error(
        &["run", "--threads", "many"],
        2,
        &["invalid value 'many' for '--threads <N>'"],
    );
    wd.expect_error(
        &["frobnicate"],
        2,
        &["unrecognized subcommand 'frobnicate'"],
    );
}

#[test]
fn template_headers_with_notes_and_stars_map() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "clean", "-q"], 0);
    let students = wd
        .read("input/students.csv")
        .replacen("学生姓名", "*学生姓名", 1)
        .replacen("身份证件号", "身份证件号（18位）", 1)
        .replacen("性别", "性别(男/女)", 1);
    wd.write("input/students.csv", students);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_eq!(wd.read("out/ledger.csv"), wd.read("clean/ledger.csv"));
}

#[test]
fn a_title_row_and_blank_rows_above_the_header_are_skipped_and_counted() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "clean", "-q"], 0);
    let students = wd.read("input/students.csv");
    let (header, rows) = students.split_once('\n').unwrap();
    let mut lines: Vec<&str> = rows.lines().collect();
    lines.insert(5, "");
    let titled = format!(
        "XX县2026年秋季学期学籍信息表,,,,,,,,\n\n制表单位：XX县教育局\n{header}\n{}\n",
        lines.join("\n")
    );
    wd.write("input/students.csv", &titled);
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    assert_eq!(wd.read("out/ledger.csv"), wd.read("clean/ledger.csv"));
    let manifest: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    assert_eq!(manifest["inputs"][1]["rows_above_header"], 3);
    // Rejects name the file's own lines: the short row (line 19 of the clean file) is
    // four lines further down (three above the header, one blank line before it).
    assert!(
        wd.read("out/rejects.csv").contains("students.csv,23,"),
        "{}",
        wd.read("out/rejects.csv")
    );

    // header_row forces the line; a wrong one is an error naming the columns.
    let mut config = wd.read("input/sanku.toml");
    config.push_str("\n[students]\nheader_row = 2\n");
    wd.write("input/sanku.toml", &config);
    let out = wd.expect_code(&["run", "input", "--out", "forced"], 2);
    assert!(
        stderr_of(&out).contains("students.csv"),
        "{}",
        stderr_of(&out)
    );
    wd.write(
        "input/sanku.toml",
        config.replace("header_row = 2", "header_row = 4"),
    );
    wd.expect_code(&["run", "input", "--out", "forced", "-q"], 0);
    assert_eq!(wd.read("forced/ledger.csv"), wd.read("clean/ledger.csv"));
}

#[test]
fn check_help_lists_no_linkage_options() {
    let wd = Workdir::new();
    let check = wd.expect_code(&["check", "--help"], 0);
    let run = wd.expect_code(&["run", "--help"], 0);
    let (check, run) = (
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&run.stdout),
    );
    assert!(
        !check.contains("--accept") && !check.contains("--review"),
        "{check}"
    );
    assert!(
        run.contains("--accept") && run.contains("--review"),
        "{run}"
    );
    wd.expect_error(
        &["check", "--accept", "12"],
        2,
        &["unexpected argument '--accept' found", "Usage: sanku check"],
    );
}
