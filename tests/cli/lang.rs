//! `--lang zh`: Chinese column names and words in every CSV file, the workbooks and the
//! report, while every command that reads a run reads a Chinese one as an English one.

use calamine::{Data, Reader, open_workbook_auto};

use crate::workdir::{Csv, Workdir, fixtures};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The synthetic set run in English (`en`) and in Chinese (`zh`).
fn both() -> Workdir {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    let data = data.to_str().unwrap();
    wd.expect_code(&["run", data, "--out", "en", "-q"], 0);
    wd.expect_code(&["run", data, "--out", "zh", "-q", "--lang", "zh"], 0);
    wd
}

#[test]
fn a_chinese_run_names_columns_and_words_in_chinese_and_holds_the_same_rows() {
    let wd = both();
    let (en, zh) = (wd.read("en/ledger.csv"), wd.read("zh/ledger.csv"));
    assert!(
        zh.starts_with("\u{feff}身份证号,姓名,性别,出生日期,年龄,"),
        "{zh}"
    );
    let (en, zh) = (Csv::parse(&en), Csv::parse(&zh));
    assert_eq!(en.header.len(), zh.header.len());
    assert_eq!(en.rows.len(), zh.rows.len());
    assert!(!en.rows.is_empty(), "no child flagged");
    assert_eq!(
        en.column("id_number"),
        zh.column("身份证号"),
        "the same children in the same order"
    );
    for (e, z) in en.column("reason").iter().zip(zh.column("原因")) {
        let expected = match e.as_str() {
            "no_record" => "无学籍记录",
            "status_dropped_out" => "辍学",
            "status_suspended" => "休学",
            "status_transferred_without_arrival" => "转出未转入",
            "review_only" => "待人工复核",
            "exemption_expired" => "缓学免学已到期",
            other => panic!("a reason the test does not know: {other}"),
        };
        assert_eq!(z, expected);
    }
    for (e, z) in en.column("sex").iter().zip(zh.column("性别")) {
        assert_eq!(z, if e == "male" { "男" } else { "女" });
    }
    assert!(wd.read("zh/summary.csv").contains("\n全部,"));
    assert!(
        wd.read("zh/checks/registry_only.csv")
            .starts_with("\u{feff}类别,身份证号")
    );
    // Parquet and JSON stay in English, for programs.
    assert_eq!(wd.read("en/summary.json"), wd.read("zh/summary.json"));

    let mut book = open_workbook_auto(wd.path("zh/ledger.xlsx")).unwrap();
    let sheet = book.sheet_names()[0].clone();
    assert_eq!(sheet, "疑似失学辍学台账");
    let range = book.worksheet_range(&sheet).unwrap();
    assert_eq!(range.get((0, 0)), Some(&Data::String("身份证号".into())));
    let first_id = zh.column("身份证号")[0].clone();
    assert_eq!(range.get((1, 0)), Some(&Data::String(first_id)));

    let report = wd.read("zh/report.html");
    assert!(report.contains("<html lang=\"zh\">") && report.contains("疑似失学辍学儿童"));
    assert!(
        report.contains("无学籍记录"),
        "reasons in Chinese in the report"
    );
}

#[test]
fn explain_diff_and_evaluate_read_a_chinese_run_as_an_english_one() {
    let wd = both();
    let first = wd.csv("en/ledger.csv").column("id_number")[0].clone();
    for args in [
        vec!["explain", "RUN", first.as_str()],
        vec!["diff", "en", "RUN"],
    ] {
        let run = |dir: &str| -> String {
            let args: Vec<&str> = args
                .iter()
                .map(|a| if *a == "RUN" { dir } else { a })
                .collect();
            stdout(&wd.expect_code(&args, 0))
        };
        assert_eq!(run("en"), run("zh"), "{args:?}");
    }
    let truth = fixtures().join("synthetic-small/truth");
    let truth = truth.to_str().unwrap();
    let score = |run: &str| stdout(&wd.expect_code(&["evaluate", "--truth", truth, run], 0));
    assert_eq!(score("en"), score("zh"));
}

#[test]
fn a_chinese_night_carries_on_into_an_english_one_and_the_config_chooses_the_language() {
    let wd = Workdir::with_fixture("demo");
    wd.write(
        "input/sanku.toml",
        format!("{}\n[output]\nlang = \"zh\"\n", wd.read("input/sanku.toml")),
    );
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    let zh = wd.read("night-1/ledger.csv");
    assert!(
        zh.contains("案件编号"),
        "[output] lang = \"zh\" is a Chinese run"
    );
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "night-2",
            "-q",
            "--lang",
            "en",
            "--previous",
            "night-1",
            "--run-date",
            "2026-09-02",
        ],
        0,
    );
    let en = wd.read("night-2/ledger.csv");
    assert!(en.contains("case_id"), "--lang en overrides the config");
    assert_eq!(en.matches(",still_out,").count(), zh.lines().count() - 1);
    let history = wd.read("night-2/history.csv");
    assert!(
        !history.contains("全部") && history.contains(",all,"),
        "{history}"
    );
    wd.expect_error(
        &["run", "input", "--out", "x", "--lang", "fr"],
        2,
        &["--lang `fr`: expected en or zh"],
    );
}
