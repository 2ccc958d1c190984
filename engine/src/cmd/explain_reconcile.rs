//! `sanku explain NATIONAL_DIR KEY` on a reconcile's directory: whether a child (by ID
//! number) was found in school in another province, through which record and how, or
//! what a leftover record (by student number or ID number) was tied to; then, as for a
//! run, the national ledger's row, the reconcile's links and every candidate it weighed,
//! as a waterfall against the thresholds.

use std::fmt::Write as _;
use std::path::Path;

use crate::ground::error::bad_input;
use crate::rundir::csv::read_columns;

/// Whether a manifest is a reconcile's.
pub fn is_reconcile(manifest: &serde_json::Value) -> bool {
    manifest["command"].as_str() == Some("reconcile")
}

/// The explanation of `key` in the reconcile directory `run`.
pub fn explain_reconcile(
    run: &Path,
    key: &str,
    manifest: &serde_json::Value,
) -> anyhow::Result<String> {
    let threshold = |name: &str| {
        manifest["thresholds"][name].as_f64().ok_or_else(|| {
            bad_input(format!(
                "{}: no {name} threshold in its manifest",
                run.display()
            ))
        })
    };
    let (accept, review) = (threshold("accept")?, threshold("review")?);
    let how = |method: &str, weight: &str| match method {
        "exact" => "exactly on the ID number".to_string(),
        _ => {
            format!("by name, birth date, sex and division with weight {weight} (accept {accept})")
        }
    };
    let mut out = String::new();
    for (province, dir) in provinces(run)? {
        let elsewhere = read_columns(
            &dir.join("enrolled_elsewhere.csv"),
            &[
                "id_number",
                "reason_in_province",
                "study_province",
                "student_no",
                "school_code",
                "school_division_code",
                "method",
                "weight",
            ],
        )?;
        for r in elsewhere.iter().filter(|r| r[0] == key || r[3] == key) {
            writeln!(
                out,
                "{}: flagged by province {province}'s run ({}); in school in province {}: \
                 student record {} at school {} ({}), linked {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                how(&r[6], &r[7])
            )?;
        }
        let identified = read_columns(
            &dir.join("identified_records.csv"),
            &[
                "source",
                "student_no",
                "household_no",
                "id_number",
                "child_province",
                "child_id_number",
                "method",
                "weight",
            ],
        )?;
        for r in identified
            .iter()
            .filter(|r| r[1] == key || r[3] == key || r[5] == key)
        {
            let record = match r[0].as_str() {
                "students" => format!("student record {}", r[1]),
                _ if r[3].is_empty() => format!("poverty member of household {}", r[2]),
                _ => format!("poverty member {}", r[3]),
            };
            writeln!(
                out,
                "{record}, left over in province {province}: tied to child {} of province {}, {}",
                r[5],
                r[4],
                how(&r[6], &r[7])
            )?;
        }
    }
    let mut out = super::explain_pairs::pairs(run, key, (accept, review), None, out)?;
    if out.contains(": flagged in the ledger") && !out.contains("candidate:") {
        writeln!(
            out,
            "no leftover record of another province was weighed against it (none shares its \
             birth date, its name with its birth year, or its ID number within a typo)"
        )?;
    }
    Ok(out)
}

/// The provinces of a reconcile, with their folders, in order.
fn provinces(run: &Path) -> anyhow::Result<Vec<(String, std::path::PathBuf)>> {
    let root = run.join("provinces");
    let entries = std::fs::read_dir(&root)
        .map_err(|e| bad_input(format!("{}: cannot read: {e}", root.display())))?;
    let mut found: Vec<(String, std::path::PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    found.sort();
    Ok(found)
}
