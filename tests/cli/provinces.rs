//! A generated country (`generate --provinces K`): the same seed writes the same bytes,
//! `--provinces 1` is the single province's output, provinces share no one, each migrant
//! child's record lies in another province's extract and its population row at home, every
//! true link names rows that exist, and a whole-country run does not flag the children a
//! province-only run must.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;

use crate::workdir::Workdir;

/// The codes of a country of three provinces.
const THREE: [&str; 3] = ["44", "51", "34"];

/// Every file under `dir` (links as their target's text), by path relative to `dir`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let kind = fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap().display().to_string();
                out.insert(name, format!("-> {target}").into_bytes());
            } else if kind.is_dir() {
                stack.push(path);
            } else {
                out.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// The rows of a CSV file (UTF-8, as generated) as maps from column to value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The values of `column` in a CSV file.
fn column(path: &Path, column: &str) -> Vec<String> {
    rows(path).into_iter().map(|r| r[column].clone()).collect()
}

fn generate_country(wd: &Workdir, out: &str, seed: &str, extra: &[&str]) {
    let mut args = vec![
        "generate",
        "--provinces",
        "3",
        "--population",
        "4000",
        "--seed",
        seed,
        "--headers",
        "en",
        "--out",
        out,
        "-q",
    ];
    args.extend(extra);
    wd.expect_code(&args, 0);
}

#[test]
fn a_country_is_written_the_same_from_the_same_seed_and_one_province_as_ever() {
    let wd = Workdir::new();
    generate_country(&wd, "a", "9", &[]);
    generate_country(&wd, "b", "9", &[]);
    generate_country(&wd, "c", "10", &[]);
    let (a, b, c) = (
        tree(&wd.path("a")),
        tree(&wd.path("b")),
        tree(&wd.path("c")),
    );
    assert!(a.contains_key("44/population.csv") && a.contains_key("truth/ledger.csv"));
    assert_eq!(a["country/students/51.csv"], b"-> ../../51/students.csv");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(
            *bytes == b[name],
            "{name} differs between two runs of one seed"
        );
    }
    assert_ne!(a["44/population.csv"], c["44/population.csv"]);

    // --provinces 1 is the register folder a single province has always been.
    for (out, provinces) in [("one", None), ("one-k1", Some("1"))] {
        let mut args = vec!["generate", "--population", "3000", "--out", out, "-q"];
        args.extend(provinces.map(|k| ["--provinces", k]).into_iter().flatten());
        wd.expect_code(&args, 0);
    }
    assert_eq!(tree(&wd.path("one")), tree(&wd.path("one-k1")));
    assert!(!wd.path("one/country").exists() && !wd.path("one/truth/migrants.csv").exists());
}

#[test]
fn migrants_study_in_another_province_and_every_true_link_names_rows_that_exist() {
    let wd = Workdir::new();
    generate_country(&wd, "gen", "3", &[]);
    let at = |rel: String| wd.path(&format!("gen/{rel}"));
    let people: HashMap<&str, HashSet<String>> = THREE
        .iter()
        .map(|p| {
            (
                *p,
                column(&at(format!("{p}/population.csv")), "id_number")
                    .into_iter()
                    .collect(),
            )
        })
        .collect();
    let numbers: HashMap<&str, HashSet<String>> = THREE
        .iter()
        .map(|p| {
            (
                *p,
                column(&at(format!("{p}/students.csv")), "student_no")
                    .into_iter()
                    .collect(),
            )
        })
        .collect();
    // Provinces share no one, and each one's people carry its code.
    for (p, ids) in &people {
        assert!(!ids.is_empty(), "{p} has no people");
        assert!(ids.iter().all(|id| id.starts_with(p)), "{p}");
        for (q, others) in &people {
            assert!(
                p == q || ids.is_disjoint(others),
                "{p} and {q} share people"
            );
        }
    }
    let everyone: HashSet<&String> = people.values().flatten().collect();
    let every_number: HashSet<&String> = numbers.values().flatten().collect();

    let migrants = rows(&at("truth/migrants.csv".into()));
    assert!(migrants.len() >= 10, "{} migrants", migrants.len());
    let moved: HashSet<&str> = migrants.iter().map(|m| m["moved"].as_str()).collect();
    assert_eq!(moved, HashSet::from(["household", "child"]));
    let home_dropouts: HashMap<&str, HashSet<String>> = THREE
        .iter()
        .map(|p| {
            (
                *p,
                column(&at(format!("{p}/truth/dropouts.csv")), "id_number")
                    .into_iter()
                    .collect(),
            )
        })
        .collect();
    let national_registry: HashSet<String> =
        column(&at("truth/registry_only.csv".into()), "student_no")
            .into_iter()
            .collect();
    for m in &migrants {
        let (id, home, there, no) = (
            &m["id_number"],
            &m["home_province"],
            &m["study_province"],
            &m["student_no"],
        );
        assert_ne!(home, there);
        assert!(
            people[home.as_str()].contains(id),
            "{home} lacks its migrant's row"
        );
        for p in [home, there] {
            let listed = column(&at(format!("{p}/truth/migrants.csv")), "id_number");
            assert!(
                listed.contains(id),
                "{p}/truth/migrants.csv lacks a migrant"
            );
        }
        if no.is_empty() {
            // No record anywhere: a dropout at home, or exempt there.
            let exempt = rows(&at(format!("{home}/truth/exemptions.csv")))
                .iter()
                .any(|e| &e["id_number"] == id && e["valid"] == "true");
            assert!(home_dropouts[home.as_str()].contains(id) || exempt);
            continue;
        }
        assert!(
            numbers[there.as_str()].contains(no),
            "{there} lacks a migrant's record"
        );
        assert!(!numbers[home.as_str()].contains(no));
        assert!(
            !home_dropouts[home.as_str()].contains(id),
            "an enrolled migrant is a dropout at home"
        );
        let there_registry = column(
            &at(format!("{there}/truth/registry_only.csv")),
            "student_no",
        );
        assert!(
            there_registry.contains(no),
            "{there} does not see a migrant's record as registry-only"
        );
        assert!(!national_registry.contains(no));
    }

    // Every true link of the national truth names a population row and a record.
    for (file, key) in [
        ("student_links.csv", "student_no"),
        ("poverty_links.csv", "record_key"),
    ] {
        for link in rows(&at(format!("truth/{file}"))) {
            assert!(everyone.contains(&link["population_id"]), "{file}");
            if key == "student_no" {
                assert!(every_number.contains(&link[key]), "{file}: {}", link[key]);
            }
        }
    }
    let national_links: HashSet<String> =
        column(&at("truth/student_links.csv".into()), "student_no")
            .into_iter()
            .collect();
    let mut provinces_links = 0;
    for p in THREE {
        let links = column(&at(format!("{p}/truth/student_links.csv")), "student_no");
        assert!(!links.is_empty(), "{p} links no record");
        assert!(
            links.iter().all(|no| numbers[p].contains(no)),
            "{p} links a record elsewhere"
        );
        assert!(links.iter().all(|no| national_links.contains(no)));
        provinces_links += links.len();
    }
    let enrolled_migrants = migrants
        .iter()
        .filter(|m| !m["student_no"].is_empty())
        .count();
    assert_eq!(national_links.len(), provinces_links + enrolled_migrants);
    let dropouts: HashSet<String> = column(&at("truth/dropouts.csv".into()), "id_number")
        .into_iter()
        .collect();
    assert!(!dropouts.is_empty());
    assert!(dropouts.iter().all(|id| everyone.contains(id)));
    let ledger: HashSet<String> = column(&at("truth/ledger.csv".into()), "id_number")
        .into_iter()
        .collect();
    assert_eq!(ledger, dropouts);
    let generated: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(at("truth/generated.json".into())).unwrap())
            .unwrap();
    assert_eq!(generated["population"], 12_000);
}

/// tp, fp and fn of a set in an evaluation.json.
fn score(evaluation: &serde_json::Value, set: &str) -> [u64; 3] {
    let s = &evaluation[set];
    ["true_positives", "false_positives", "false_negatives"].map(|k| s[k].as_u64().unwrap())
}

#[test]
fn a_province_run_flags_its_migrants_and_a_whole_country_run_does_not() {
    let wd = Workdir::new();
    generate_country(&wd, "gen", "5", &["--format", "parquet"]);
    let migrants = rows(&wd.path("gen/truth/migrants.csv"));
    let evaluate = |input: &str, truth: &str, run: &str| -> serde_json::Value {
        wd.expect_code(&["run", input, "--out", run, "--quiet"], 0);
        wd.expect_code(&["evaluate", "--truth", truth, run], 0);
        serde_json::from_str(&wd.read(&format!("{run}/evaluation.json"))).unwrap()
    };
    for p in THREE {
        let e = evaluate(
            &format!("gen/{p}"),
            &format!("gen/{p}/truth"),
            &format!("run-{p}"),
        );
        let away = migrants
            .iter()
            .filter(|m| m["home_province"] == p && !m["student_no"].is_empty())
            .count() as u64;
        assert_eq!(score(&e, "flagged")[1], away, "{p}: {e:#}");
        assert_eq!(score(&e, "flagged")[2], 0, "{p}");
        if away > 0 {
            assert_eq!(e["false_flags_by_error"]["enrolled_elsewhere"], away, "{p}");
        }
        for check in ["registry_only", "conflicts", "duplicate_registrations"] {
            assert_eq!(
                score(&e["checks"], check)[1..],
                [0, 0],
                "{p} {check}: {e:#}"
            );
        }
    }
    let e = evaluate("gen/country", "gen/truth", "run-country");
    assert_eq!(score(&e, "flagged")[1..], [0, 0], "{e:#}");
    assert_eq!(score(&e, "student_links")[1..], [0, 0], "{e:#}");
    assert_eq!(score(&e["checks"], "registry_only")[1..], [0, 0], "{e:#}");
    let away = migrants
        .iter()
        .filter(|m| !m["student_no"].is_empty())
        .count() as u64;
    assert!(away > 10, "{away}");
}

#[test]
fn generate_refuses_a_country_of_no_or_too_many_provinces() {
    let wd = Workdir::new();
    for k in ["0", "32", "three"] {
        let out = wd.expect_code(
            &[
                "generate",
                "--population",
                "10",
                "--provinces",
                k,
                "--out",
                "g",
            ],
            2,
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--provinces"),
            "{k}"
        );
    }
    assert!(!wd.path("g").exists());
}
