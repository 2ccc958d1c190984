//! The hand-made demo: its ledger, summary, rejects, warnings, checks and review are
//! checked by hand and pinned byte for byte, and so are the Parquet outputs' columns and
//! types (fixtures/demo/expected): a change of format shows as a diff there.

use std::fs;

use crate::workdir::{CHECK_FILES, Csv, Workdir, assert_same_text, fixtures};

fn run_demo() -> Workdir {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    wd
}

#[test]
fn demo_outputs_match_the_expected_files() {
    let wd = run_demo();
    for name in [
        "ledger.csv",
        "summary.csv",
        "risk.csv",
        "rejects.csv",
        "warnings.csv",
    ]
    .into_iter()
    .chain(CHECK_FILES)
    {
        let expected = fs::read_to_string(fixtures().join("demo/expected").join(name)).unwrap();
        assert_same_text(name, &expected, &wd.read(&format!("out/{name}")));
    }
}

#[test]
fn check_counts_reach_the_summary_and_the_manifest() {
    let wd = run_demo();
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_str(&wd.read(&format!("out/{name}"))).unwrap()
    };
    let (summary, manifest) = (json("summary.json"), json("manifest.json"));
    let checks = &summary["checks"];
    assert_eq!(checks, &manifest["results"]["checks"]);
    let rows = |file: &str| wd.read(&format!("out/checks/{file}.csv")).lines().count() as u64 - 1;
    for check in [
        "registry_only",
        "conflicts",
        "poverty_unmatched",
        "poor_not_enrolled",
        "exemptions_unmatched",
        "disabled_flagged",
        "poor_enrolled_without_aid",
        "poor_enrolled_aid_in_review",
        "aid_unmatched",
    ] {
        assert_eq!(checks[check], rows(check), "{check}");
    }
    // 马超's record lost its ID to Excel and links to no one but a review pair: one more
    // record with no valid ID.
    for (origin, n) in [
        ("outside_divisions", 1),
        ("population_gap", 1),
        ("invalid_id", 2),
    ] {
        assert_eq!(checks[format!("registry_only_{origin}")], n, "{origin}");
    }
    // 李娜 has two in-school records: one child, two rows.
    assert_eq!(checks["duplicate_registrations"], 1);
    assert_eq!(rows("duplicate_registrations"), 2);
    // 胡军's only record was transferred out.
    assert_eq!(checks["transferred_without_arrival"], 1);
    assert_eq!(summary["monitored_counties"], serde_json::json!(["530111"]));
    assert_eq!(summary["rows"][1]["division_code"], "530111");
    assert_eq!(summary["rows"][1]["monitored"], true);
}

#[test]
fn every_input_row_is_used_or_rejected() {
    let wd = run_demo();
    let manifest: serde_json::Value = serde_json::from_str(&wd.read("out/manifest.json")).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 6);
    let data_lines = |file: &str| {
        let bytes = fs::read(wd.path(&format!("input/{file}"))).unwrap();
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count() as u64
            - 1
    };
    for input in inputs {
        let rows_in = input["rows_in"].as_u64().unwrap();
        let used = input["rows_used"].as_u64().unwrap();
        let rejected = input["rows_rejected"].as_u64().unwrap();
        assert_eq!(rows_in, used + rejected, "{input}");
        let file = input["path"].as_str().unwrap().rsplit('/').next().unwrap();
        assert_eq!(rows_in, data_lines(file), "{file}");
    }
    assert_eq!(inputs[0]["encoding"], "gb18030");
    assert_eq!(inputs[2]["encoding"], "utf-8");
}

#[test]
fn outputs_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let wd = run_demo();
    for name in [
        "ledger.csv",
        "ledger.parquet",
        "links.parquet",
        "summary.json",
        "manifest.json",
    ] {
        let mode = fs::metadata(wd.path(&format!("out/{name}")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{name} mode {mode:o}");
    }
    let leftovers: Vec<_> = fs::read_dir(wd.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn check_writes_rejects_and_links_nothing() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["check", "input", "--out", "checked", "--quiet"], 0);
    let expected = fs::read_to_string(fixtures().join("demo/expected/rejects.csv")).unwrap();
    assert_same_text("rejects.csv", &expected, &wd.read("checked/rejects.csv"));
    assert!(!wd.path("checked/ledger.csv").exists());
    let manifest: serde_json::Value =
        serde_json::from_str(&wd.read("checked/manifest.json")).unwrap();
    assert_eq!(manifest["command"], "check");
    assert!(manifest.get("results").is_none());
}

#[test]
fn a_formula_in_a_name_is_escaped_in_the_ledger() {
    let wd = Workdir::with_fixture("demo");
    let population = encoding_rs::GB18030
        .decode(&fs::read(wd.path("input/population.csv")).unwrap())
        .0
        .into_owned();
    let poisoned = population.replace(",王芳,", ",=HYPERLINK(\"x\"),");
    wd.write("input/population.csv", poisoned);
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    let ledger = wd.read("out/ledger.csv");
    assert!(ledger.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{ledger}");
}

#[test]
fn a_parquet_population_gives_the_same_ledger() {
    use polars::prelude::{Column, DataFrame, ParquetWriter};
    let wd = Workdir::with_fixture("demo");
    let bytes = fs::read(wd.path("input/population.csv")).unwrap();
    let text = encoding_rs::GB18030.decode(&bytes).0.into_owned();
    let Csv { header, rows } = Csv::parse(&text);
    let columns = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            Column::new(
                h.as_str().into(),
                rows.iter().map(|r| r[i].as_str()).collect::<Vec<_>>(),
            )
        })
        .collect();
    let mut frame = DataFrame::new(rows.len(), columns).unwrap();
    let file = fs::File::create(wd.path("input/population.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
    fs::remove_file(wd.path("input/population.csv")).unwrap();

    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    // Read in slices of 3 rows, each slice's table handed on and filled again.
    let small = [
        "run",
        "input",
        "--out",
        "small",
        "--quiet",
        "--chunk-rows",
        "3",
    ];
    wd.expect_code(&small, 0);
    for name in ["ledger.csv", "summary.csv"] {
        let expected = fs::read_to_string(fixtures().join("demo/expected").join(name)).unwrap();
        assert_same_text(name, &expected, &wd.read(&format!("out/{name}")));
        assert_same_text(name, &expected, &wd.read(&format!("small/{name}")));
    }
    // Every population row is used, as from the CSV (row 27's 2014年3月1日 included).
    let rejects = wd.read("out/rejects.csv");
    assert!(!rejects.contains("population.parquet"), "{rejects}");
}

#[test]
fn a_utf16_tab_separated_export_reads_like_csv() {
    let wd = Workdir::with_fixture("demo");
    let students = wd
        .read("input/students.csv")
        .replace(',', "\t")
        .replace('\n', "\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(students.encode_utf16().flat_map(u16::to_le_bytes));
    fs::remove_file(wd.path("input/students.csv")).unwrap();
    wd.write("input/students.txt", bytes);
    wd.expect_code(&["run", "input", "--out", "out", "--quiet"], 0);
    for name in ["ledger.csv", "summary.csv"] {
        let expected = fs::read_to_string(fixtures().join("demo/expected").join(name)).unwrap();
        assert_same_text(name, &expected, &wd.read(&format!("out/{name}")));
    }
    let expected = fs::read_to_string(fixtures().join("demo/expected/rejects.csv")).unwrap();
    assert_same_text(
        "rejects.csv",
        &expected.replace("students.csv", "students.txt"),
        &wd.read("out/rejects.csv"),
    );
}

/// Every column of the run's Parquet files with its type, one line each.
fn parquet_schemas(wd: &Workdir) -> String {
    let mut text = String::new();
    for name in ["ledger.parquet", "links.parquet", "candidates.parquet"] {
        let frame =
            sanku::pipeline::load::parquet::read_frame(&wd.path(&format!("out/{name}"))).unwrap();
        for column in frame.get_column_names() {
            let dtype = frame.column(column).unwrap().dtype().to_string();
            text.push_str(&format!("{name}\t{column}\t{dtype}\n"));
        }
    }
    text
}

#[test]
fn parquet_columns_and_types_are_pinned() {
    let wd = run_demo();
    let expected =
        fs::read_to_string(fixtures().join("demo/expected/parquet-schemas.tsv")).unwrap();
    assert_same_text("parquet schemas", &expected, &parquet_schemas(&wd));
    let review = fs::read_to_string(fixtures().join("demo/expected/review.csv")).unwrap();
    assert_same_text("review.csv", &review, &wd.read("out/review.csv"));
}

#[test]
fn the_closing_line_names_the_run_folder_and_the_rejects() {
    let wd = Workdir::with_fixture("demo");
    let out = wd.expect_code(&["run", "input", "--out", "out"], 0);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("written to out") && last.contains("out/rejects.csv"),
        "{last}"
    );
}

#[test]
fn disabled_children_are_flagged_with_their_certificate_the_most_severe_first() {
    let wd = run_demo();
    // disability.csv gives 冯雪 by her certificate number alone (ID, category 5, level 2),
    // 陈静 by certificate number and words (视力残疾, 一级: the words win), 赵敏 (exempt) by
    // her ID, 张伟 (enrolled) with a level that is none, and an adult outside the cohort.
    let checks = wd.csv("out/checks/disabled_flagged.csv").maps();
    let got: Vec<(&str, &str, &str)> = checks
        .iter()
        .map(|r| {
            (
                r["name"].as_str(),
                r["disability_category"].as_str(),
                r["disability_level"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [("陈静", "vision", "1"), ("冯雪", "intellectual", "2")],
        "{checks:?}"
    );
    let ledger = wd.csv("out/ledger.csv").maps();
    let disabled: Vec<(&str, &str, &str)> = ledger
        .iter()
        .filter(|r| r["disabled"] == "1")
        .map(|r| {
            (
                r["name"].as_str(),
                r["disability_category"].as_str(),
                r["disability_level"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        disabled,
        [("陈静", "vision", "1"), ("冯雪", "intellectual", "2")],
        "{ledger:?}"
    );
    let summary: serde_json::Value = serde_json::from_str(&wd.read("out/summary.json")).unwrap();
    let total = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["level"] == "all")
        .unwrap();
    assert_eq!(
        (
            total["disabled_flagged"].as_u64(),
            total["disabled_exempt"].as_u64()
        ),
        (Some(2), Some(1))
    );
    // The unreadable level is a warning, not a loss of the row.
    assert!(
        wd.read("out/warnings.csv")
            .contains("disability.csv,5,level,")
    );
    // In Chinese, the category is a word staff read.
    wd.expect_code(&["run", "input", "--out", "zh", "--lang", "zh", "-q"], 0);
    let zh = wd.read("zh/checks/disabled_flagged.csv");
    assert!(zh.contains("视力残疾") && zh.contains("残疾等级"), "{zh}");
}

#[test]
fn aid_is_tied_to_children_by_student_number_then_id_and_counted_for_the_current_term() {
    let wd = run_demo();
    // aid.csv: 杨磊 (poor, enrolled) paid this term; 唐诗 (poor, enrolled) paid last term
    // only, her row without an ID but with her student number; 林涛 (poor, dropped out)
    // paid this term by ID alone; 张伟 (not poor) paid; an invalid ID and an unknown student
    // number tie to no one, the latter's term unreadable.
    let without = wd.read("out/checks/poor_enrolled_without_aid.csv");
    let rows: Vec<&str> = without.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{without}");
    assert!(
        rows[0].contains(",唐诗,") && rows[0].ends_with(",2026-spring"),
        "{without}"
    );
    let unmatched = wd.read("out/checks/aid_unmatched.csv");
    assert_eq!(unmatched.lines().count(), 3, "{unmatched}");
    assert!(unmatched.contains("G5301029999") && unmatched.contains("王小明"));
    // 林涛 is flagged and was paid for this term: the ledger says so.
    let ledger = wd.read("out/ledger.csv");
    let lin = ledger.lines().find(|l| l.contains(",林涛,")).unwrap();
    assert!(lin.ends_with(",1"), "{lin}");
    let summary: serde_json::Value = serde_json::from_str(&wd.read("out/summary.json")).unwrap();
    let total = &summary["rows"][0];
    assert_eq!(total["level"], "all");
    let n = |k: &str| total[k].as_u64().unwrap();
    assert_eq!(
        (
            n("poor_enrolled"),
            n("poor_enrolled_without_aid"),
            n("aided_flagged")
        ),
        (2, 1, 1)
    );
    assert!(wd.read("out/warnings.csv").contains("aid.csv,7,term,"));
    // explain shows a child's payments among its links.
    let out = wd.expect_code(&["explain", "out", "530111201111111520"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("aid payment G5301110016"), "{text}");
}

#[test]
fn without_an_aid_register_no_child_is_listed_as_unaided() {
    let wd = Workdir::with_fixture("demo");
    std::fs::remove_file(wd.path("input/aid.csv")).unwrap();
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    for file in ["poor_enrolled_without_aid", "aid_unmatched"] {
        let text = wd.read(&format!("out/checks/{file}.csv"));
        assert_eq!(text.lines().count(), 1, "{file}: {text}");
    }
    let summary: serde_json::Value = serde_json::from_str(&wd.read("out/summary.json")).unwrap();
    assert_eq!(summary["rows"][0]["poor_enrolled_without_aid"], 0);
    assert_eq!(summary["rows"][0]["poor_enrolled"], 2);
}

/// Adds a second 杨磊 to the demo, born the same day, poor and enrolled, in another county,
/// and a payment with neither ID nor student number for 杨磊 born that day, which may be
/// either's; returns the second 杨磊's ID number.
pub fn add_a_payment_two_namesakes_may_own(wd: &Workdir) -> String {
    let first17 = "53010220160909003";
    let check = sanku::pipeline::normalize::id::check_char(first17.as_bytes()) as char;
    let id = format!("{first17}{check}");
    wd.append_gb18030(
        "input/population.csv",
        &format!("{id},杨磊,男,2016-09-09,530102,正常\n"),
    );
    wd.append(
        "input/poverty.csv",
        &format!("H530102009,{id},杨磊,男,之子,530102,脱贫不稳定户\n"),
    );
    wd.append(
        "input/students.csv",
        &format!("G{id},{id},杨磊,男,2016-09-09,2153000001,530102,四年级,在读\n"),
    );
    // The first 杨磊 is paid by ID and number; a payment with neither, for 杨磊 born that
    // day, may be either's. (The demo's few children weigh a same-name, same-day pair
    // low; the second run's thresholds put it in the review band.)
    wd.write(
        "input/aid.csv",
        "身份证号,姓名,性别,出生日期,学籍号,资助项目,资助金额,资助学期\n\
         530111201609090157,杨磊,男,2016-09-09,G5301110004,营养改善计划,400,2026秋\n\
         ,杨磊,男,2016-09-09,,营养改善计划,400,2026秋\n",
    );
    id
}

#[test]
fn a_payment_either_of_two_namesakes_may_own_leaves_neither_listed_as_unaided() {
    let wd = Workdir::with_fixture("demo");
    let id = add_a_payment_two_namesakes_may_own(&wd);
    // At the default thresholds the pair weighs below review and links no one; still, it
    // carries his name and birth date exactly, so he is not called unaided.
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let without = wd.read("out/checks/poor_enrolled_without_aid.csv");
    assert!(!without.contains(&id), "{without}");
    let review = wd.read("out/checks/poor_enrolled_aid_in_review.csv");
    assert!(review.contains(&id), "{review}");
    // The payment is one of the two 杨磊's, not a stranger's: listed apart, with both.
    let payment = wd.read("out/checks/aid_in_review.csv");
    assert!(
        payment.contains(&format!("{id};530111201609090157")),
        "{payment}"
    );
    let unmatched = wd.read("out/checks/aid_unmatched.csv");
    assert!(!unmatched.contains("杨"), "{unmatched}");
    let run = [
        "run", "input", "--out", "out", "-q", "--accept", "30", "--review", "1",
    ];
    wd.expect_code(&run, 0);
    let without = wd.read("out/checks/poor_enrolled_without_aid.csv");
    assert!(!without.contains(&id), "{without}");
    let review = wd.read("out/checks/poor_enrolled_aid_in_review.csv");
    assert!(review.contains(&id), "{review}");
    // With the second payment carrying his ID, he is paid, and neither list holds him.
    wd.append(
        "input/aid.csv",
        &format!("{id},杨磊,男,2016-09-09,,营养改善计划,400,2026秋\n"),
    );
    wd.expect_code(&run, 0);
    for file in ["poor_enrolled_without_aid", "poor_enrolled_aid_in_review"] {
        let text = wd.read(&format!("out/checks/{file}.csv"));
        assert!(!text.contains(&id), "{file}: {text}");
    }
}
