//! `sanku explain`: the waterfall of a fuzzy link, and clear answers for the rest.

use crate::workdir::{Csv, Workdir, assert_same_text, fixtures};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn explains_a_fuzzy_link_field_by_field() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    wd.expect_code(
        &["run", data.to_str().unwrap(), "--out", "run", "--quiet"],
        0,
    );
    // A record whose ID was left empty by the generator (truth/errors.csv), under a local
    // student number that carries no ID either.
    let record = Csv::read(&data.join("truth/errors.csv"))
        .maps()
        .into_iter()
        .filter(|r| r["kind"] == "id_missing")
        .map(|r| r["record_key"].clone())
        .find(|key| key.starts_with('J'))
        .unwrap();
    let out = wd.expect_code(&["explain", "run", &record], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("linked (fuzzy with weight"), "{text}");
    for field in [
        "name",
        "birth_date",
        "id_number",
        "sex",
        "division",
        "total",
    ] {
        assert!(text.contains(field), "{field} missing from\n{text}");
    }
    assert!(text.contains("id_number    missing"), "{text}");
    // Asked about the child, the answer starts with how the child is enrolled.
    let child = text
        .lines()
        .find_map(|l| l.strip_prefix("linked (fuzzy with weight "))
        .and_then(|rest| rest.split("child ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_string();
    let out = wd.expect_code(&["explain", "run", &child], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "{child}: enrolled — student record {record}, linked by name, birth date, sex and division with weight"
        )),
        "{text}"
    );

    // A key in no link, candidate or ledger row is bad input, named masked.
    let out = wd.expect_code(&["explain", "run", "S00000000000000"], 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in no link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wd.expect_error(
        &["explain", "nowhere", "S1"],
        2,
        &["nowhere/manifest.json", "is this a run directory?"],
    );
}

#[test]
fn a_manifest_without_thresholds_is_refused_not_read_as_infinity() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "run", "-q"], 0);
    let manifest = wd.read("run/manifest.json");
    let mut value: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    value["results"]["fuzzy_options"]
        .as_object_mut()
        .unwrap()
        .remove("thresholds");
    wd.write("run/manifest.json", value.to_string());
    let out = wd.expect_code(&["explain", "run", "530102201203150117"], 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("manifest"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn explain_says_first_that_a_child_is_flagged_and_cleans_the_key() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "run", "-q"], 0);
    // 林涛, flagged as dropped out, poor; asked for with spaces around.
    let out = wd.expect_code(&["explain", "run", " 530111201808080912 "], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("530111201808080912: flagged in the ledger (status_dropped_out, poor, its record dropped_out)"),
        "{text}"
    );
    // 宋佳's ID ends in 1; 吴倩's in X, asked for with a lowercase x.
    let out = wd.expect_code(&["explain", "run", "53010220200831028x"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("53010220200831028X: flagged"), "{text}");
    // 张伟, enrolled through his record G5301020001 linked on the ID number.
    let out = wd.expect_code(&["explain", "run", "530102201203150117"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("530102201203150117: enrolled — student record G5301020001, linked exactly on the ID number"),
        "{text}"
    );
}

#[test]
fn ledgers_staff_saved_from_excel_explain_as_the_run_wrote_them() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "night-1", "-q"], 0);
    // 冯雪's ID number is corrected in the population register: her old case closes
    // tonight and a new one opens.
    let (old, new) = wd.correct_an_id_number();
    crate::history::second_night(&wd);
    let case_of = |file: &str, id: &str| -> String {
        let rows = wd.csv(&format!("night-2/{file}")).maps();
        let mut found = rows.iter().filter(|r| r["id_number"] == id);
        let case = found.next().unwrap()["case_id"].clone();
        assert!(found.next().is_none(), "{id} twice in {file}");
        assert!(case.starts_with("C2026"), "{case}");
        case
    };
    let (closed_case, open_case) = (case_of("closed.csv", old), case_of("ledger.csv", &new));
    let keys = [
        closed_case.as_str(),
        open_case.as_str(),
        // 林涛, flagged and poor; 吴倩, asked for with a lowercase x; 张伟, enrolled.
        "530111201808080912",
        "53010220200831028x",
        "530102201203150117",
        new.as_str(),
    ];
    let explain = |key: &str| stdout(&wd.expect_code(&["explain", "night-2", key], 0));
    let before: Vec<String> = keys.iter().map(|k| explain(k)).collect();
    assert!(
        before[0].starts_with(&format!(
            "case {closed_case}: closed tonight (no_longer_in_population"
        )),
        "{}",
        before[0]
    );
    assert!(before[2].contains("flagged in the ledger (status_dropped_out, poor"));

    // Staff save the ledger from Excel (ID numbers and division codes destroyed) and
    // closed.csv with the ID column kept as text: every answer is the same.
    let closed = wd.read("night-2/closed.csv");
    wd.save_as_excel("night-2/ledger.csv", true);
    wd.save_as_excel("night-2/closed.csv", false);
    for (key, said) in keys.iter().zip(&before) {
        assert_same_text(&format!("explain {key}"), said, &explain(key));
    }

    // closed.csv has no Parquet twin: a closed case whose ID number the spreadsheet
    // destroyed is refused, naming the file, never the number.
    wd.write("night-2/closed.csv", closed);
    wd.save_as_excel("night-2/closed.csv", true);
    let out = wd.expect_code(&["explain", "night-2", &closed_case], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("closed.csv") && stderr.contains("damaged") && !stderr.contains(old),
        "{stderr}"
    );
}

#[test]
fn a_pseudonymised_run_asked_for_an_id_number_says_it_names_children_by_token() {
    let wd = Workdir::with_fixture("demo");
    wd.write("key", "0123456789abcdef0123456789abcdef");
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "run",
            "-q",
            "--pseudonymize",
            "key",
        ],
        0,
    );
    let out = wd.expect_code(&["explain", "run", "530111201808080912"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("manifest.json") && stderr.contains("token"),
        "{stderr}"
    );
    assert!(!stderr.contains("530111201808080912"), "{stderr}");
    // The token from its ledger explains the child.
    let ledger = wd.csv("run/ledger.csv");
    let token = ledger.column("id_number")[0].clone();
    let token = token.as_str();
    let said = stdout(&wd.expect_code(&["explain", "run", token], 0));
    assert!(
        said.starts_with(&format!("{token}: flagged in the ledger")),
        "{said}"
    );
}

#[test]
fn a_flagged_child_no_student_record_resembles_is_explained_with_the_keys_tried() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "run", "-q"], 0);
    // 陈静 is flagged (no_record); her poverty row and disability certificate link, no
    // student record comes near her.
    let out = wd.expect_code(&["explain", "run", "530111201501300247"], 0);
    let text = stdout(&out);
    assert!(
        text.contains("530111201501300247: no student record resembles it"),
        "{text}"
    );
    for key in [
        "id_number ",
        "birth_date             none was born on 2015-01-30",
        "pinyin_name_year       none has the sound of its name, born in 2015, female",
        "pinyin_name_month_day  none has the sound of its name, born on 01-30 of any year, female",
        "name_county_no_birth   none without a birth date has its name in county 530111",
        "below the candidate floor (0 bits)",
    ] {
        assert!(text.contains(key), "{key}: {text}");
    }
    // A flagged child with a candidate shows it, and no such line.
    let text = stdout(&wd.expect_code(&["explain", "run", "530102201302140512"], 0));
    assert!(text.contains("candidate: child"), "{text}");
    assert!(!text.contains("resembles"), "{text}");
}

#[test]
fn a_child_outside_the_cohort_is_explained_by_its_age_or_its_status() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "run", "-q"], 0);
    wd.expect_code(
        &["run", "input", "--out", "no-state", "-q", "--no-state"],
        0,
    );
    let said = |run: &str, id: &str| stdout(&wd.expect_code(&["explain", run, id], 0));
    // 周杰, born the day before the window opens.
    assert!(
        said("run", "530402201008310193").contains(
            "not in the cohort — born 2010-08-31 by its ID number, 16 on 2026-08-31, not of school age (school age: born 2010-09-01 … 2020-08-31)"
        )
    );
    // 高峰 moved out, 何敏 died: the population row's status, from rescore.state.
    assert!(
        said("run", "530111201409091112")
            .contains("not in the cohort — its population row's status is moved_out")
    );
    assert!(
        said("run", "530102201305051021")
            .contains("not in the cohort — its population row's status is deceased")
    );
    // Without rescore.state the run cannot tell which, and says so.
    let text = said("no-state", "530111201409091112");
    assert!(
        text.contains("of school age") && text.contains("kept no rescore.state to tell which"),
        "{text}"
    );
    // A valid number of school age that no population row holds.
    let first17 = "53011120140101002";
    let id = format!(
        "{first17}{}",
        sanku::pipeline::normalize::id::check_char(first17.as_bytes()) as char
    );
    assert!(said("run", &id).contains("no population row holds this ID number"));
}
