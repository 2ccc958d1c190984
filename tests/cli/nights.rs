//! Three nights of a series (fixtures/nights: the same people on 2026-08-30, 08-31 and
//! 09-01; between nights some dropouts return and some pupils drop out, and on August 31 a
//! year of births ages in and the oldest out). Staff work each ledger in between — notes
//! typed into ledger.xlsx, a row deleted, rows re-sorted, a county's CSV saved by Excel in
//! GB18030 — and each night's run, given the previous one, must carry every case, close
//! exactly the children the truth says left the list, and carry the notes.

use std::collections::{BTreeMap, BTreeSet};

use calamine::{Reader, open_workbook_auto};

use crate::workdir::{Csv, Workdir, fixtures, table};

/// The ID numbers of a truth file's `column`.
fn truth_ids(night: u32, file: &str, column: &str) -> BTreeSet<String> {
    Csv::read(&night_dir(night).join("truth").join(file))
        .column(column)
        .into_iter()
        .collect()
}

/// A night's registers in the fixture (read in place: a run writes nothing there).
fn night_dir(night: u32) -> std::path::PathBuf {
    fixtures().join(format!("nights/night-{night}"))
}

/// Staff's notes for a case: what the test types, so that it can check them later.
fn note(case_id: &str) -> String {
    format!("家访 {}", &case_id[case_id.len() - 3..])
}

/// Opens ledger.xlsx as staff would, adds 责任人 and 劝返措施, deletes the row of
/// `deleted`, sorts the rest by name, and saves it over the original.
fn work_the_workbook(path: &std::path::Path, deleted: &str) {
    let mut book = open_workbook_auto(path).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let mut rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let mut header = rows.remove(0);
    let case = header.iter().position(|h| h == "case_id").unwrap();
    let name = header.iter().position(|h| h == "name").unwrap();
    header.extend(["责任人".to_string(), "劝返措施".to_string()]);
    rows.retain(|r| r[case] != deleted);
    rows.sort_by(|a, b| a[name].cmp(&b[name]));
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let out = workbook.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        out.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let mut row = row.clone();
        row.extend([
            format!("王{}", &row[case][row[case].len() - 2..]),
            note(&row[case]),
        ]);
        for (c, v) in row.iter().enumerate() {
            out.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn the_fixture_is_what_the_generator_writes() {
    let wd = Workdir::new();
    for night in 1..=3 {
        let dir = format!("night-{night}");
        wd.expect_code(
            &[
                "generate",
                "--population",
                "6000",
                "--seed",
                "15",
                "--as-of",
                "2026-08-30",
                "--night",
                &night.to_string(),
                "--error-scale",
                "0",
                "--encoding",
                "gb18030",
                "--out",
                &dir,
                "-q",
            ],
            0,
        );
        for file in [
            "population.csv",
            "students.csv",
            "poverty.csv",
            "truth/dropouts.csv",
        ] {
            let fixture = std::fs::read(fixtures().join("nights").join(&dir).join(file)).unwrap();
            assert!(
                fixture == std::fs::read(wd.path(&format!("{dir}/{file}"))).unwrap(),
                "fixtures/nights/{dir}/{file} is not what `generate --night {night}` writes"
            );
        }
    }
}

#[test]
fn three_nights_carry_cases_and_notes_and_close_exactly_who_left() {
    let wd = Workdir::new();
    wd.expect_code(
        &[
            "run",
            &night_dir(1).display().to_string(),
            "--out",
            "run-1",
            "--run-date",
            "2026-08-30",
            "-q",
        ],
        0,
    );
    let night1 = table(&wd.read("run-1/ledger.csv"));
    let truth1 = truth_ids(1, "dropouts.csv", "id_number");
    let ids = |rows: &[BTreeMap<String, String>]| -> BTreeSet<String> {
        rows.iter().map(|r| r["id_number"].clone()).collect()
    };
    assert_eq!(
        ids(&night1),
        truth1,
        "night 1's ledger is the truth's dropouts"
    );
    assert!(!night1.is_empty(), "night 1 flags no one");
    assert!(night1.iter().all(|r| r["change"] == "new"));

    // Staff work night 1's workbook; one row is deleted there.
    let deleted = night1[0]["case_id"].clone();
    work_the_workbook(&wd.path("run-1/ledger.xlsx"), &deleted);
    wd.expect_code(
        &[
            "run",
            &night_dir(2).display().to_string(),
            "--out",
            "run-2",
            "--previous",
            "run-1",
            "--run-date",
            "2026-08-31",
            "-q",
        ],
        0,
    );
    let night2 = table(&wd.read("run-2/ledger.csv"));
    let closed2 = table(&wd.read("run-2/closed.csv"));
    let truth2 = truth_ids(2, "dropouts.csv", "id_number");
    let enrolled2 = truth_ids(2, "student_links.csv", "population_id");
    check_night(
        &night1,
        &night2,
        &closed2,
        &truth1,
        &truth2,
        &enrolled2,
        "2026-08-31",
    );
    // Notes follow their case; the deleted row's case stays open or closes on the
    // registers alone, with no notes, and the summary says so.
    assert!(
        night2.iter().filter(|r| r["change"] != "new").count() > 1,
        "night 2 carries no case on"
    );
    for row in night2.iter().filter(|r| r["change"] != "new") {
        let expected = if row["case_id"] == deleted {
            String::new()
        } else {
            note(&row["case_id"])
        };
        assert_eq!(row["劝返措施"], expected, "{}", row["case_id"]);
    }
    for row in &closed2 {
        if row["case_id"] != deleted {
            assert_eq!(row["劝返措施"], note(&row["case_id"]));
        }
    }
    let summary: serde_json::Value = serde_json::from_str(&wd.read("run-2/summary.json")).unwrap();
    assert_eq!(summary["history"]["cases_missing_from_worked"], 1);
    assert_eq!(
        summary["history"]["staff_columns"],
        serde_json::json!(["责任人", "劝返措施"])
    );
    let aged: Vec<_> = closed2
        .iter()
        .filter(|r| r["detail"] == "aged_out")
        .collect();
    assert!(
        !aged.is_empty(),
        "the night crossing August 31 ages no one out"
    );

    // A county hands back night 2's ledger as Excel saves CSV in China: GB18030, with a
    // new column, rows filtered to the county, ID numbers destroyed (4.40204E+17): rows
    // are tied to their cases by case number.
    let county = night2[0]["division_code"][..6].to_string();
    let mut worked = String::from("case_id,id_number,name,跟进情况\n");
    for row in night2
        .iter()
        .filter(|r| r["division_code"].starts_with(&county))
    {
        let id = &row["id_number"];
        let damaged = format!("{}.{}E+17", &id[..1], &id[1..6]);
        worked += &format!("{},{damaged},{},已联系\n", row["case_id"], row["name"]);
    }
    wd.write("worked-2.csv", encoding_rs::GB18030.encode(&worked).0);
    wd.expect_code(
        &[
            "run",
            &night_dir(3).display().to_string(),
            "--out",
            "run-3",
            "--previous",
            "run-2",
            "--run-date",
            "2026-09-01",
            "--worked",
            "worked-2.csv",
            "-q",
        ],
        0,
    );
    let night3 = table(&wd.read("run-3/ledger.csv"));
    let closed3 = table(&wd.read("run-3/closed.csv"));
    let truth3 = truth_ids(3, "dropouts.csv", "id_number");
    let enrolled3 = truth_ids(3, "student_links.csv", "population_id");
    check_night(
        &night2,
        &night3,
        &closed3,
        &truth2,
        &truth3,
        &enrolled3,
        "2026-09-01",
    );
    let by_case: BTreeMap<&str, &BTreeMap<String, String>> =
        night2.iter().map(|r| (r["case_id"].as_str(), r)).collect();
    assert!(
        night3.iter().any(|r| r["change"] != "new"),
        "night 3 carries no case on"
    );
    for row in night3.iter().filter(|r| r["change"] != "new") {
        let before = by_case[row["case_id"].as_str()];
        assert_eq!(
            row["劝返措施"], before["劝返措施"],
            "carried a second night"
        );
        let contacted = before["division_code"].starts_with(&county);
        assert_eq!(row["跟进情况"] == "已联系", contacted, "{}", row["case_id"]);
        assert_eq!(row["first_flagged"], before["first_flagged"]);
    }

    // history.csv holds the three nights; its totals are the ledgers'.
    let history = table(&wd.read("run-3/history.csv"));
    let totals: Vec<_> = history.iter().filter(|r| r["level"] == "all").collect();
    let nights: Vec<&str> = totals.iter().map(|r| r["run_date"].as_str()).collect();
    assert_eq!(nights, ["2026-08-30", "2026-08-31", "2026-09-01"]);
    for (total, ledger) in totals.iter().zip([&night1, &night2, &night3]) {
        assert_eq!(total["flagged"], ledger.len().to_string());
        let new = ledger.iter().filter(|r| r["change"] == "new").count();
        assert_eq!(total["new"], new.to_string());
    }
    assert_eq!(totals[2]["closed"], closed3.len().to_string());

    // The report shows the change since last night and one point per night.
    let report = wd.read("run-3/report.html");
    let change = &report[report.find("id=\"change\"").expect("a change section")..];
    let new3 = night3.iter().filter(|r| r["change"] == "new").count();
    assert!(change.contains(&format!(
        "<div class=\"value\">{new3}</div><div class=\"label\">new</div>"
    )));
    let trend = &report[report.find("id=\"trend\"").expect("a trend section")..];
    let trend = &trend[..trend.find("</section>").unwrap()];
    assert_eq!(trend.matches("<circle").count(), 3, "{trend}");
}

/// Tonight's ledger and closed cases against the truth of last night and tonight.
fn check_night(
    before: &[BTreeMap<String, String>],
    tonight: &[BTreeMap<String, String>],
    closed: &[BTreeMap<String, String>],
    truth_before: &BTreeSet<String>,
    truth: &BTreeSet<String>,
    enrolled: &BTreeSet<String>,
    as_of: &str,
) {
    let ids = |rows: &[BTreeMap<String, String>]| -> BTreeSet<String> {
        rows.iter().map(|r| r["id_number"].clone()).collect()
    };
    assert_eq!(
        &ids(tonight),
        truth,
        "{as_of}: the ledger is the truth's dropouts"
    );
    let with = |change: &str| -> BTreeSet<String> {
        tonight
            .iter()
            .filter(|r| r["change"] == change)
            .map(|r| r["id_number"].clone())
            .collect()
    };
    let new: BTreeSet<String> = truth.difference(truth_before).cloned().collect();
    assert_eq!(with("new"), new, "{as_of}: new cases");
    assert!(!new.is_empty(), "{as_of}: nobody dropped out");
    let still: BTreeSet<String> = truth.intersection(truth_before).cloned().collect();
    let carried: BTreeSet<String> = with("still_out")
        .union(&with("reason_changed"))
        .cloned()
        .collect();
    assert_eq!(carried, still, "{as_of}: cases still open");
    let gone: BTreeSet<String> = truth_before.difference(truth).cloned().collect();
    assert_eq!(ids(closed), gone, "{as_of}: closed cases");
    let returned: BTreeSet<String> = closed
        .iter()
        .filter(|r| r["closed_reason"] == "returned")
        .map(|r| r["id_number"].clone())
        .collect();
    assert!(!returned.is_empty(), "{as_of}: nobody returned");
    assert!(
        returned.is_subset(enrolled),
        "{as_of}: returned but not enrolled"
    );
    for row in closed {
        match row["closed_reason"].as_str() {
            "returned" => assert!(!row["school_code"].is_empty(), "{row:?}"),
            "left_cohort" => assert_eq!(row["detail"], "aged_out", "{row:?}"),
            other => panic!("{as_of}: closed as {other}: {row:?}"),
        }
    }
    let previous: BTreeMap<&str, &BTreeMap<String, String>> = before
        .iter()
        .map(|r| (r["id_number"].as_str(), r))
        .collect();
    for row in tonight {
        match previous.get(row["id_number"].as_str()) {
            Some(p) => assert_eq!(row["case_id"], p["case_id"], "{as_of}: case number kept"),
            None => {
                assert!(row["case_id"].starts_with(&format!("C{}", as_of.replace('-', ""))));
                assert_eq!(row["first_flagged"], as_of);
            }
        }
    }
}

#[test]
fn a_later_night_with_errors_scores_as_well_as_the_first() {
    let wd = Workdir::new();
    for night in ["1", "2"] {
        wd.expect_code(
            &[
                "generate",
                "--population",
                "30000",
                "--seed",
                "4",
                "--as-of",
                "2026-08-30",
                "--night",
                night,
                "--error-scale",
                "3",
                "--out",
                &format!("reg-{night}"),
                "-q",
            ],
            0,
        );
    }
    wd.expect_code(
        &[
            "run",
            "reg-1",
            "--out",
            "run-1",
            "--run-date",
            "2026-08-30",
            "-q",
        ],
        0,
    );
    wd.expect_code(
        &[
            "run",
            "reg-2",
            "--out",
            "run-2",
            "--previous",
            "run-1",
            "--run-date",
            "2026-08-31",
            "-q",
        ],
        0,
    );
    // Children who aged out keep their records, some with broken IDs: listed in the truth
    // as scored neither way, so that the checks score the night as they do the first.
    let truth = wd.read("reg-2/truth/registry_only.csv");
    assert!(truth.contains(",left_cohort"), "{truth}");
    let score = |night: &str| -> serde_json::Value {
        wd.expect_code(
            &[
                "evaluate",
                "--truth",
                &format!("reg-{night}/truth"),
                &format!("run-{night}"),
            ],
            0,
        );
        serde_json::from_str(&wd.read(&format!("run-{night}/evaluation.json"))).unwrap()
    };
    let (first, second) = (score("1"), score("2"));
    let of = |e: &serde_json::Value, set: &str, measure: &str| -> f64 {
        let s = if set == "flagged" {
            &e[set]
        } else {
            &e["checks"][set]
        };
        s[measure].as_f64().unwrap()
    };
    for set in ["flagged", "registry_only", "exempt", "conflicts"] {
        for measure in ["precision", "recall"] {
            let (a, b) = (of(&first, set, measure), of(&second, set, measure));
            assert!(
                b >= a.min(0.97),
                "{set} {measure}: night 1 {a}, night 2 {b}"
            );
        }
    }
}
