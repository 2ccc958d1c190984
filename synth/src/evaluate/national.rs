//! Scoring a reconcile's directory: it must have been made from the provinces of the
//! generated country the truth describes, and its links are scored against the true links
//! that cross a provincial border.

use std::collections::HashSet;
use std::path::Path;

use super::read_csv;
use sanku::ground::error::bad_input;
use sanku::ground::schema::files;

/// The manifest of `run` if it is a reconcile's.
fn manifest(run: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(run.join(files::MANIFEST_JSON)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    sanku::cmd::explain_reconcile::is_reconcile(&value).then_some(value)
}

/// Whether `run` is a reconcile's directory.
pub fn is_national(run: &Path) -> bool {
    manifest(run).is_some()
}

/// The reconcile must have been made from the truth's registers: same as-of date and, over
/// its provinces' runs, the same population rows.
pub fn check_match(truth: &Path, run: &Path) -> anyhow::Result<()> {
    let manifest = manifest(run).ok_or_else(|| bad_input("not a reconcile"))?;
    if sanku::rundir::manifest::of_encodings(&manifest) {
        return Err(bad_input(format!(
            "{}: the national result of encodings holds ID tokens, which the truth's ID numbers cannot be compared with; evaluate the reconcile of the runs in clear, or map its case IDs through the provinces' ledgers (benches/anonlink_side_by_side.py does)",
            run.display()
        )));
    }
    let path = truth.join("generated.json");
    let facts: serde_json::Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| bad_input(format!("{}: cannot read it as JSON", path.display())))?;
    let population: u64 = manifest["runs"].as_array().map_or(0, |runs| {
        runs.iter()
            .filter_map(|r| r["population_rows"].as_u64())
            .sum()
    });
    if facts["as_of"] != manifest["as_of"] || facts["population"].as_u64() != Some(population) {
        return Err(bad_input(format!(
            "{} does not match the truth in {}: as-of {} vs {}, population rows {population} vs {}",
            run.display(),
            truth.display(),
            manifest["as_of"],
            facts["as_of"],
            facts["population"]
        )));
    }
    Ok(())
}

/// Keeps of the true links those a reconcile can make: a student record of a child who
/// studies in another province (`migrants.csv`); no poverty link crosses a border in a
/// generated country.
pub fn across_provinces(
    truth: &Path,
    students: &mut HashSet<(String, String)>,
    poverty: &mut HashSet<(String, String)>,
) -> anyhow::Result<()> {
    let path = truth.join("migrants.csv");
    if !path.is_file() {
        return Err(bad_input(format!(
            "{}: no migrants.csv; a reconcile is scored against the truth of a generated country (generate --provinces)",
            truth.display()
        )));
    }
    let crossing: HashSet<String> = read_csv(&path, &["student_no"])?
        .into_iter()
        .map(|r| r[0].clone())
        .filter(|s| !s.is_empty())
        .collect();
    students.retain(|(_, record)| crossing.contains(record));
    poverty.clear();
    Ok(())
}
