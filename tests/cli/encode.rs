//! `sanku encode` (docs/privacy.md): a province's residuals encoded at home hold no name
//! and no ID number of its registers, every row and every encoded column filled; the
//! same child encoded by two provinces under one key meets itself (the same token, a
//! name filter alike), and under another key does not; what cannot be encoded is refused.

use std::collections::BTreeMap;

use crate::pseudonym::{found_in, personal_values};
use crate::workdir::Workdir;

/// A generated country of three provinces, each run with residuals, and a key.
pub(crate) fn country(wd: &Workdir) -> Vec<String> {
    crate::national::generate_country(wd);
    let mut provinces: Vec<String> = std::fs::read_dir(wd.path("gen"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    provinces.sort();
    assert_eq!(provinces.len(), 3);
    for p in &provinces {
        let (from, out) = (format!("gen/{p}"), format!("runs/{p}"));
        wd.expect_code(&["run", &from, "--out", &out, "--residuals", "-q"], 0);
    }
    wd.write("key", [7u8; 32]);
    wd.write("other-key", [8u8; 32]);
    provinces
}

/// Every name and identifier of every province's registers.
pub(crate) fn personal_of_country(wd: &Workdir, provinces: &[String]) -> Vec<String> {
    let personal: Vec<String> = provinces
        .iter()
        .flat_map(|p| personal_values(&wd.path(&format!("gen/{p}"))))
        .collect();
    assert!(personal.len() > 1000);
    personal
}

/// The encoded rows of `dir`, each as its cells by column.
fn encoded(wd: &Workdir, dir: &str) -> Vec<BTreeMap<String, String>> {
    parquet_rows(wd, &format!("{dir}/encoded.parquet"))
}

/// A frame's rows, each as its cells (as text) by column.
fn rows_of(frame: &polars::prelude::DataFrame) -> Vec<BTreeMap<String, String>> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let columns: Vec<Vec<String>> = names
        .iter()
        .map(|n| {
            let c = frame
                .column(n)
                .unwrap()
                .cast(&polars::prelude::DataType::String)
                .unwrap();
            c.str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect()
        })
        .collect();
    (0..frame.height())
        .map(|r| {
            names
                .iter()
                .zip(&columns)
                .map(|(n, c)| (n.clone(), c[r].clone()))
                .collect()
        })
        .collect()
}

/// The Dice coefficient of two filters in hex.
fn dice(a: &str, b: &str) -> f64 {
    let (a, b) = (
        sanku::reconcile::encode::from_hex(a).unwrap(),
        sanku::reconcile::encode::from_hex(b).unwrap(),
    );
    sanku::reconcile::encode::dice(&a, &b)
}

#[test]
fn encoded_residuals_hold_no_name_or_id_of_the_registers() {
    let wd = Workdir::new();
    let provinces = country(&wd);
    for p in &provinces {
        let (run, out) = (format!("runs/{p}"), format!("enc/{p}"));
        wd.expect_code(&["encode", &run, "--key", "key", "--out", &out, "-q"], 0);
        // Every kind of row, and every encoded column filled on some row: the search
        // below has something to search.
        let rows = encoded(&wd, &out);
        for kind in ["child", "student"] {
            assert!(rows.iter().any(|r| r["kind"] == kind), "{p}: no {kind} row");
        }
        for column in [
            "id_number",
            "id_place_birth",
            "id_edits",
            "id_near",
            "name_filter",
            "birth_filter",
            "birth_year",
        ] {
            assert!(
                rows.iter().filter(|r| !r[column].is_empty()).count() * 10 > rows.len() * 9,
                "{p}: {column} mostly empty"
            );
        }
        for gone in [
            "name",
            "birth_date",
            "name_count",
            "age",
            "poor",
            "household_no",
            "disability_category",
            "grade",
            "relation",
            "line",
        ] {
            assert!(!rows[0].contains_key(gone), "{p}: column {gone} kept");
        }
        // An ID's deletion tokens are sorted and distinct: in the ID's order, equal
        // neighbours would show equal digits.
        // Every number of 18 characters has 17 of each kind, whatever its digits.
        for row in &rows {
            for column in ["id_edits", "id_near"] {
                let tokens: Vec<&str> = row[column].split(';').collect();
                assert!(tokens.windows(2).all(|w| w[0] < w[1]), "{}", row[column]);
                if !row["id_place_birth"].is_empty() {
                    assert_eq!(tokens.len(), 17, "{column}");
                }
            }
        }
        let personal = personal_of_country(&wd, &provinces);
        let found = found_in(&wd.path(&out), &personal);
        assert!(found.is_empty(), "{p}: {:?}", &found[..found.len().min(5)]);
        let manifest = wd.read(&format!("{out}/manifest.json"));
        for said in [
            "\"command\": \"encode\"",
            "sanku-fbf-1",
            "\"name_bits\": 1024",
            "key_fingerprint",
        ] {
            assert!(manifest.contains(said), "{said} in {manifest}");
        }
    }
}

#[test]
fn a_child_encoded_by_two_provinces_under_one_key_meets_itself_and_not_under_another() {
    let wd = Workdir::new();
    let provinces = country(&wd);
    // Each province's encoded rows beside its residuals in clear, row for row.
    let mut rows = Vec::new();
    for p in &provinces {
        let run = format!("runs/{p}");
        for (key, out) in [
            ("key", format!("enc/{p}")),
            ("other-key", format!("other/{p}")),
        ] {
            wd.expect_code(&["encode", &run, "--key", key, "--out", &out, "-q"], 0);
        }
        let clear = parquet_rows(&wd, &format!("{run}/residuals.parquet"));
        let (encoded, other) = (
            encoded(&wd, &format!("enc/{p}")),
            encoded(&wd, &format!("other/{p}")),
        );
        assert_eq!(clear.len(), encoded.len());
        rows.push((clear, encoded, other));
    }
    // A child flagged at home whose ID number another province's student record holds.
    let (mut met, mut same_name, mut other_name) = (0, 0, 0);
    for (a, (clear_a, enc_a, other_a)) in rows.iter().enumerate() {
        for (b, (clear_b, enc_b, other_b)) in rows.iter().enumerate() {
            if a == b {
                continue;
            }
            for (i, child) in clear_a.iter().enumerate() {
                if child["kind"] != "child" || child["id_number"].is_empty() {
                    continue;
                }
                let Some(j) = clear_b
                    .iter()
                    .position(|r| r["kind"] == "student" && r["id_number"] == child["id_number"])
                else {
                    continue;
                };
                met += 1;
                let record = &clear_b[j];
                let (x, y) = (&enc_a[i], &enc_b[j]);
                assert_eq!(x["id_number"], y["id_number"], "one ID, one token");
                let year = |r: &BTreeMap<String, String>| r["birth_date"][..4].to_string();
                let name_dice = dice(&x["name_filter"], &y["name_filter"]);
                if child["name"] == record["name"] && year(child) == year(record) {
                    same_name += 1;
                    assert_eq!(name_dice, 1.0, "{} in one year", child["name"]);
                } else {
                    other_name += 1;
                }
                if child["birth_date"] == record["birth_date"] {
                    assert_eq!(dice(&x["birth_filter"], &y["birth_filter"]), 1.0);
                }
                // Under another key: another token, and filters no closer than chance.
                assert_ne!(other_a[i]["id_number"], x["id_number"]);
                assert_ne!(other_a[i]["id_number"], y["id_number"]);
                let chance = dice(&x["name_filter"], &other_b[j]["name_filter"]);
                assert!(chance < 0.6, "{chance}");
            }
        }
    }
    assert!(
        same_name >= 5,
        "{met} children met, {same_name} of one name and year"
    );
    eprintln!("{met} children met: {same_name} of one name and year, {other_name} not");
}

/// The rows of a Parquet file, each as its cells (as text) by column.
pub(crate) fn parquet_rows(wd: &Workdir, file: &str) -> Vec<BTreeMap<String, String>> {
    rows_of(&sanku::pipeline::load::parquet::read_frame(&wd.path(file)).unwrap())
}

#[test]
fn what_cannot_be_encoded_is_refused_naming_why() {
    let wd = Workdir::new();
    let provinces = country(&wd);
    let run = format!("runs/{}", provinces[0]);
    wd.write("short-key", [1u8; 8]);
    wd.expect_error(
        &["encode", &run, "--key", "short-key", "--out", "e"],
        2,
        &["--key", "fewer than 16"],
    );
    wd.expect_error(
        &["encode", &run, "--key", "no-such-key", "--out", "e"],
        2,
        &["--key", "cannot read the key"],
    );
    let plain = format!("plain-{}", provinces[0]);
    let from = format!("gen/{}", provinces[0]);
    wd.expect_code(&["run", &from, "--out", &plain, "-q"], 0);
    wd.expect_error(
        &["encode", &plain, "--key", "key", "--out", "e"],
        2,
        &["without --residuals"],
    );
    let pseudonymised = format!("p-{}", provinces[0]);
    wd.expect_code(
        &[
            "run",
            &from,
            "--out",
            &pseudonymised,
            "--residuals",
            "--pseudonymize",
            "key",
            "-q",
        ],
        0,
    );
    wd.expect_error(
        &["encode", &pseudonymised, "--key", "key", "--out", "e"],
        2,
        &["pseudonymised", "in clear"],
    );
    assert!(!wd.path("e").exists());
    // An --out that holds a run in clear, or the key, is not replaced.
    let before = wd.read(&format!("{run}/ledger.csv"));
    wd.expect_error(
        &["encode", &run, "--key", "key", "--out", &plain],
        2,
        &[
            "--out",
            "`sanku run` directory",
            "`sanku encode` would replace",
        ],
    );
    assert!(wd.path(&format!("{plain}/ledger.csv")).exists());
    wd.expect_code(&["encode", &run, "--key", "key", "--out", "enc"], 0);
    std::fs::copy(wd.path("key"), wd.path("enc/key")).unwrap();
    wd.expect_code(&["encode", &run, "--key", "enc/key", "--out", "enc"], 2);
    assert!(wd.path("enc/key").exists());
    // An encoding is not a run to encode, nor one to reconcile with runs in clear.
    wd.expect_error(
        &["encode", "enc", "--key", "key", "--out", "again"],
        2,
        &["encoded residuals", "not a run"],
    );
    wd.expect_error(
        &["reconcile", "enc", &run, "--out", "national"],
        2,
        &["encodings", "runs in clear", "cannot be compared"],
    );
    assert!(!wd.path("national").exists());
    assert_eq!(wd.read(&format!("{run}/ledger.csv")), before);
}
