//! `sanku rescore RUN_DIR`: other thresholds, or m and u values, applied to what a run kept
//! (rescore.state), without the registers. The files must be those of a full run with the
//! same settings, byte for byte; only what says how the directory was made (the command,
//! the thread count, the stage timings, the run rescored) may differ.

use std::collections::BTreeMap;
use std::path::Path;

use crate::workdir::Workdir;

/// Every file under run directory `dir` but the manifest, by relative path.
fn files(wd: &Workdir, dir: &str) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, at: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                if rel != "manifest.json" {
                    out.insert(rel, std::fs::read(&path).unwrap());
                }
            }
        }
    }
    let root = wd.path(dir);
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The manifest without the command, the thread count, the stage timings and the run
/// rescored, and without `also_aside` keys of its settings.
fn manifest_facts(wd: &Workdir, dir: &str, also_aside: &[&str]) -> serde_json::Value {
    let mut m: serde_json::Value =
        serde_json::from_str(&wd.read(&format!("{dir}/manifest.json"))).unwrap();
    let top = m.as_object_mut().unwrap();
    for key in ["command", "threads", "stages", "rescored_from"] {
        top.remove(key);
    }
    let settings = top["settings"].as_object_mut().unwrap();
    for key in also_aside {
        settings.remove(*key);
    }
    m
}

/// Asserts that run directories `full` and `rescored` hold the same files, byte for byte,
/// and the same manifest facts; `aside` names files and settings not compared.
fn assert_same_run(wd: &Workdir, full: &str, rescored: &str, aside: &[&str]) {
    let (mut a, mut b) = (files(wd, full), files(wd, rescored));
    for name in aside {
        a.remove(*name);
        b.remove(*name);
    }
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{rescored} holds other files than {full}"
    );
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{name} of {rescored} differs from {full}'s"
        );
    }
    assert_eq!(
        manifest_facts(wd, full, aside),
        manifest_facts(wd, rescored, aside),
        "manifest of {rescored}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&wd.read(&format!("{rescored}/manifest.json"))).unwrap();
    assert_eq!(m["command"], "rescore");
}

#[test]
fn rescoring_with_other_thresholds_equals_a_full_run() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.expect_code(&["run", "input", "--out", "base", "-q"], 0);
    let base = files(&wd, "base");
    for (name, accept, review, threads) in [("mid", "16", "12", "1"), ("high", "30", "25", "2")] {
        let thresholds = ["--accept", accept, "--review", review, "-q"];
        let full = format!("full-{name}");
        let rescored = format!("re-{name}");
        let mut args = vec!["run", "input", "--out", &full];
        args.extend(thresholds);
        wd.expect_code(&args, 0);
        let mut args = vec!["rescore", "base", "--out", &rescored, "--threads", threads];
        args.extend(thresholds);
        wd.expect_code(&args, 0);
        assert_same_run(&wd, &full, &rescored, &[]);
        // The thresholds mattered: the links moved.
        let moved = ["review.csv", "links.parquet"]
            .iter()
            .any(|f| files(&wd, &rescored)[*f] != base[*f]);
        assert!(
            moved,
            "accept {accept}, review {review} linked as the default run"
        );
    }
}

#[test]
fn rescoring_with_m_and_u_from_a_config_equals_a_full_run_and_rescores_back() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.expect_code(&["run", "input", "--out", "base", "-q"], 0);
    // The fixture's config with a [linkage] section: fixed m and u, a narrower tie margin.
    let linkage = "\n[linkage]\ntie_margin = 1.5\naccept = 12.0\n\
                   [linkage.m.name]\nexact = 0.7\nsame_pinyin = 0.1\n\
                   [linkage.u.birth_date]\nexact = 0.01\n";
    wd.write("link.toml", wd.read("input/sanku.toml") + linkage);
    wd.expect_code(
        &[
            "run",
            "input",
            "--config",
            "link.toml",
            "--out",
            "full",
            "-q",
        ],
        0,
    );
    wd.expect_code(
        &[
            "rescore",
            "base",
            "--config",
            "link.toml",
            "--out",
            "re",
            "-q",
        ],
        0,
    );
    // The rescored run records the config its registers were read with (the run's); the
    // full run, link.toml. So does the state, which the rescore shares with its run.
    let aside = ["config_file", "config_sha256", "rescore.state"];
    assert_same_run(&wd, "full", "re", &aside);
    let weights = |dir: &str| {
        let m: serde_json::Value =
            serde_json::from_str(&wd.read(&format!("{dir}/manifest.json"))).unwrap();
        m["results"]["fuzzy_students"]["parameters"].clone()
    };
    assert_ne!(weights("base"), weights("re"), "m and u were not refitted");
    // A rescored run rescores back to the run it came from.
    wd.expect_code(
        &[
            "rescore",
            "re",
            "--config",
            "input/sanku.toml",
            "--out",
            "back",
            "-q",
        ],
        0,
    );
    assert_same_run(&wd, "base", "back", &[]);
}

#[test]
fn a_carried_on_night_rescores_like_a_full_night() {
    let wd = Workdir::with_fixture("synthetic-small");
    let night = |out: &str, more: &[&str]| {
        let mut args = vec!["run", "input", "--out", out, "-q"];
        args.extend(more);
        wd.expect_code(&args, 0);
    };
    night(
        "night-1",
        &["--as-of", "2026-08-20", "--run-date", "2026-08-20"],
    );
    night("night-2", &["--previous", "night-1"]);
    night("night-2-full", &["--previous", "night-1", "--accept", "10"]);
    // The previous night's cases were kept with night 2: gone now, they are not needed.
    std::fs::remove_dir_all(wd.path("night-1")).unwrap();
    wd.expect_code(
        &[
            "rescore",
            "night-2",
            "--accept",
            "10",
            "--out",
            "night-2-re",
            "-q",
        ],
        0,
    );
    assert_same_run(&wd, "night-2-full", "night-2-re", &[]);
    assert!(wd.read("night-2-re/ledger.csv").contains(",still_out,"));
}

#[test]
fn what_a_rescore_cannot_do_is_exit_2_saying_why() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.expect_code(&["run", "input", "--out", "base", "-q"], 0);
    wd.expect_code(&["run", "input", "--out", "bare", "-q", "--no-state"], 0);
    wd.write("key", [7u8; 32]);
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "pseudo",
            "-q",
            "--pseudonymize",
            "key",
        ],
        0,
    );
    assert!(!wd.path("pseudo/rescore.state").exists());
    wd.write("cap.toml", "[linkage]\nblock_cap = 1000\n");
    let cases: [(&[&str], &str); 6] = [
        (&["bare", "--out", "x"], "rescore.state"),
        (&["pseudo", "--out", "x"], "pseudonymised"),
        (&["input", "--out", "x"], "not a run directory"),
        (&["base", "--out", "base"], "inside --out"),
        (&["base", "--out", "x", "--config", "cap.toml"], "block_cap"),
        (
            &["base", "--out", "x", "--review", "14"],
            "must not exceed accept",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["rescore"];
        all.extend(args);
        let out = wd.expect_code(&all, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "rescore {args:?}: {stderr}");
        assert!(!wd.path("x").exists(), "rescore {args:?} wrote x");
    }
    // The run it refused to replace is whole.
    assert_eq!(files(&wd, "base").len(), files(&wd, "bare").len() + 1);
}

#[test]
fn a_ledger_staff_saved_from_excel_rescores_to_the_files_the_run_wrote() {
    let wd = Workdir::with_fixture("synthetic-small");
    wd.expect_code(&["run", "input", "--out", "base", "-q"], 0);
    let written = files(&wd, "base");
    // County staff work the run's ledger in Excel and save it over ledger.csv.
    wd.save_as_excel("base/ledger.csv", true);
    assert_ne!(files(&wd, "base")["ledger.csv"], written["ledger.csv"]);
    wd.expect_code(&["rescore", "base", "--out", "re", "-q"], 0);
    let rescored = files(&wd, "re");
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        rescored.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &written {
        assert!(bytes == &rescored[name], "{name} differs from the run's");
    }
}
