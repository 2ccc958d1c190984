//! `sanku reconcile` on encodings (docs/privacy.md): on a generated country it finds the
//! children the reconcile in clear finds in school in another province; no file it reads
//! or writes holds a name or an ID number of the registers; its result does not depend on
//! the thread count or on the order of the rows; encodings under two keys are refused.

use std::collections::BTreeSet;

use crate::encode::{country, parquet_rows, personal_of_country};
use crate::pseudonym::found_in;
use crate::workdir::Workdir;

/// Encodes every province's run under `key` into `enc/CODE`.
fn encode_all(wd: &Workdir, provinces: &[String], key: &str) {
    for p in provinces {
        let (run, out) = (format!("runs/{p}"), format!("enc/{p}"));
        wd.expect_code(&["encode", &run, "--key", key, "--out", &out, "-q"], 0);
    }
}

/// The encodings' directories, in the order given.
fn encodings(provinces: &[String]) -> Vec<String> {
    provinces.iter().map(|p| format!("enc/{p}")).collect()
}

/// Reconciles `dirs` into `out` with further `args`.
fn reconcile(wd: &Workdir, dirs: &[String], out: &str, args: &[&str]) {
    let mut all = vec!["reconcile"];
    all.extend(dirs.iter().map(String::as_str));
    all.extend(["--out", out, "-q"]);
    all.extend(args);
    wd.expect_code(&all, 0);
}

/// The children of a national ledger, by province and case ID.
fn ledger_children(wd: &Workdir, dir: &str) -> BTreeSet<(String, String)> {
    wd.csv(&format!("{dir}/ledger.csv"))
        .maps()
        .into_iter()
        .map(|r| (r["province"].clone(), r["case_id"].clone()))
        .collect()
}

#[test]
fn the_encoded_reconcile_finds_the_children_the_clear_one_finds() {
    let wd = Workdir::new();
    let provinces = country(&wd);
    let runs: Vec<String> = provinces.iter().map(|p| format!("runs/{p}")).collect();
    reconcile(&wd, &runs, "national", &[]);
    encode_all(&wd, &provinces, "key");
    reconcile(&wd, &encodings(&provinces), "encoded", &[]);

    let clear = ledger_children(&wd, "national");
    let encoded = ledger_children(&wd, "encoded");
    let flagged: BTreeSet<(String, String)> = provinces
        .iter()
        .flat_map(|p| {
            wd.csv(&format!("runs/{p}/ledger.csv"))
                .column("case_id")
                .into_iter()
                .map(move |c| (p.clone(), c))
        })
        .collect();
    let (found_clear, found_encoded) = (
        flagged.difference(&clear).count(),
        flagged.difference(&encoded).count(),
    );
    assert!(found_clear > 30, "{found_clear} found elsewhere in clear");
    assert_eq!(
        clear.symmetric_difference(&encoded).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "{found_clear} found elsewhere in clear, {found_encoded} encoded"
    );
    // Every province's children found elsewhere, each by its token and case ID, with the
    // province it studies in.
    for p in &provinces {
        let elsewhere = wd.csv(&format!("encoded/provinces/{p}/enrolled_elsewhere.csv"));
        let in_clear = wd.csv(&format!("national/provinces/{p}/enrolled_elsewhere.csv"));
        let by_case = |csv: &crate::workdir::Csv| -> BTreeSet<(String, String)> {
            csv.maps()
                .into_iter()
                .map(|r| (r["case_id"].clone(), r["study_province"].clone()))
                .collect()
        };
        assert_eq!(by_case(&elsewhere), by_case(&in_clear), "province {p}");
        assert!(
            elsewhere
                .column("id_number")
                .iter()
                .all(|t| t.starts_with('P') && t.len() == 33)
        );
    }
    let summary = wd.csv("encoded/summary.csv").maps();
    let total = summary.last().unwrap();
    assert_eq!(total["province"], "total");
    assert_eq!(total["flagged_in_province"], flagged.len().to_string());
    assert_eq!(total["enrolled_elsewhere"], found_clear.to_string());
    // Its result holds no ID numbers to explain or to score by: both say where to go.
    let case = encoded.iter().next().unwrap().1.clone();
    wd.expect_error(
        &["explain", "encoded", &case],
        2,
        &["national result of encodings", "province's run"],
    );
    wd.expect_error(
        &["evaluate", "--truth", "gen/truth", "encoded"],
        2,
        &["national result of encodings", "runs in clear"],
    );
    let manifest = wd.read("encoded/manifest.json");
    for said in ["\"inputs\": \"encodings\"", "sanku-fbf-1", "\"m_source\""] {
        assert!(manifest.contains(said), "{said} in {manifest}");
    }
}

#[test]
fn no_file_the_encoded_reconcile_reads_or_writes_holds_a_name_or_id() {
    let wd = Workdir::new();
    let provinces = country(&wd);
    encode_all(&wd, &provinces, "key");
    // A high accept threshold leaves the weaker links in review: every file has rows.
    reconcile(
        &wd,
        &encodings(&provinces),
        "encoded",
        &["--accept", "30", "--review", "5"],
    );
    for file in ["ledger.csv", "review.csv", "summary.csv"] {
        assert!(
            !wd.csv(&format!("encoded/{file}")).rows.is_empty(),
            "{file} is empty"
        );
    }
    // Each province's files, in one province or another (not every province's children
    // study elsewhere).
    for file in ["enrolled_elsewhere.csv", "identified_records.csv"] {
        let rows: usize = provinces
            .iter()
            .map(|p| wd.csv(&format!("encoded/provinces/{p}/{file}")).rows.len())
            .sum();
        assert!(rows > 0, "every {file} is empty");
    }
    for file in ["encoded/ledger.parquet", "encoded/links.parquet"] {
        assert!(!parquet_rows(&wd, file).is_empty(), "{file} is empty");
    }
    let personal = personal_of_country(&wd, &provinces);
    for dir in ["enc", "encoded"] {
        let found = found_in(&wd.path(dir), &personal);
        assert!(
            found.is_empty(),
            "{dir}: {:?}",
            &found[..found.len().min(5)]
        );
    }
}

#[test]
fn the_encoded_result_does_not_depend_on_threads_or_row_order_and_keys_must_agree() {
    let wd = Workdir::new();
    let provinces = country(&wd);
    encode_all(&wd, &provinces, "key");
    let dirs = encodings(&provinces);
    reconcile(&wd, &dirs, "one", &["--threads", "1"]);
    reconcile(&wd, &dirs, "two", &["--threads", "2"]);
    reconcile(&wd, &dirs, "eight", &["--threads", "8"]);
    let files = [
        "ledger.csv",
        "review.csv",
        "summary.csv",
        "summary.json",
        "links.parquet",
        "ledger.parquet",
    ];
    for file in files {
        for other in ["two", "eight"] {
            assert_eq!(
                std::fs::read(wd.path(&format!("one/{file}"))).unwrap(),
                std::fs::read(wd.path(&format!("{other}/{file}"))).unwrap(),
                "{other}/{file}"
            );
        }
    }
    // The rows of every encoding reversed, and the provinces given in another order.
    for dir in &dirs {
        let path = wd.path(&format!("{dir}/encoded.parquet"));
        let mut frame = sanku::pipeline::load::parquet::read_frame(&path)
            .unwrap()
            .reverse();
        let mut out = std::fs::File::create(&path).unwrap();
        polars::prelude::ParquetWriter::new(&mut out)
            .finish(&mut frame)
            .unwrap();
    }
    let reversed: Vec<String> = dirs.iter().rev().cloned().collect();
    reconcile(&wd, &reversed, "reversed", &[]);
    for file in ["ledger.csv", "summary.csv"] {
        assert_eq!(
            wd.read(&format!("one/{file}")),
            wd.read(&format!("reversed/{file}")),
            "{file}"
        );
    }
    // The same children found, each with the same weight (the rows' places differ).
    let found = |dir: &str| -> BTreeSet<Vec<String>> {
        provinces
            .iter()
            .flat_map(|p| {
                wd.csv(&format!("{dir}/provinces/{p}/enrolled_elsewhere.csv"))
                    .maps()
            })
            .map(|r| {
                ["case_id", "study_province", "student_no", "weight"]
                    .iter()
                    .map(|c| r[*c].clone())
                    .collect()
            })
            .collect()
    };
    assert_eq!(found("one"), found("reversed"));
    // Every pair linked, with its weight and levels, but the rows' places.
    let pairs = |dir: &str| -> BTreeSet<Vec<String>> {
        parquet_rows(&wd, &format!("{dir}/links.parquet"))
            .into_iter()
            .map(|mut r| {
                r.remove("residual_row");
                r.into_values().collect()
            })
            .collect()
    };
    assert!(!pairs("one").is_empty());
    assert_eq!(pairs("one"), pairs("reversed"));
    // A province encoded under another key cannot be compared with the others.
    let (run, out) = (format!("runs/{}", provinces[0]), dirs[0].clone());
    wd.expect_code(
        &["encode", &run, "--key", "other-key", "--out", &out, "-q"],
        0,
    );
    let mut args = vec!["reconcile"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", "mixed"]);
    wd.expect_error(&args, 2, &["differ in key", "one key"]);
    assert!(!wd.path("mixed").exists());
    // Nor does a reconcile replace an encoding (or anything but a national result).
    let (a, b, target) = (dirs[1].clone(), dirs[2].clone(), dirs[0].clone());
    let before = std::fs::read(wd.path(&format!("{target}/encoded.parquet"))).unwrap();
    wd.expect_error(
        &["reconcile", &a, &b, "--out", &target],
        2,
        &[
            "`sanku encode` directory",
            "`sanku reconcile` would replace",
        ],
    );
    assert_eq!(
        std::fs::read(wd.path(&format!("{target}/encoded.parquet"))).unwrap(),
        before
    );
}
