//! `sanku evaluate --truth DIR RUN_DIR`: scores a run against generated ground truth —
//! precision, recall and F1 of the flagged set, the flagged-poor subset, student links,
//! poverty links and every verification check — and breaks the misses down by injected
//! error kind, and each risk factor of the at-risk list. Reads the run's manifest.json,
//! ledger.parquet, links.parquet, risk.parquet and checks/ (in whatever encoding a
//! spreadsheet saved them); never the ledger.csv staff edit.

mod checks;
mod national;
mod risk;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use sanku::ground::error::bad_input;
use sanku::ground::schema::files;
use sanku::rundir::atomic::write_atomic;
pub(crate) use sanku::rundir::csv::read_columns as read_csv;
use sanku::rundir::ledger::{col, read_ledger};
use sanku::rundir::links::{LinkFilter, read_links};
use sanku::rundir::manifest::read_manifest;

/// Precision, recall and F1 of one predicted set against its truth.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Score {
    /// Scores `predicted` against `truth`. An empty prediction has precision 1; an empty
    /// truth has recall 1.
    pub fn of<T: Eq + std::hash::Hash>(predicted: &HashSet<T>, truth: &HashSet<T>) -> Score {
        let tp = predicted.intersection(truth).count() as u64;
        let fp = predicted.len() as u64 - tp;
        let fn_ = truth.len() as u64 - tp;
        let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Score {
            true_positives: tp,
            false_positives: fp,
            false_negatives: fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// The evaluation of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub flagged: Score,
    pub flagged_poor: Score,
    pub student_links: Score,
    pub poverty_links: Score,
    /// True student links the run missed, by the error injected into the record.
    pub missed_links_by_error: BTreeMap<String, u64>,
    /// Children flagged though enrolled, by the error injected into their record.
    pub false_flags_by_error: BTreeMap<String, u64>,
    /// True dropouts the run did not flag, by the error injected into their record.
    pub missed_dropouts_by_error: BTreeMap<String, u64>,
    /// Each verification check against its truth.
    pub checks: BTreeMap<String, Score>,
    /// Each risk factor the run assessed against its truth (`risk_<factor>`).
    pub risk: BTreeMap<String, Score>,
}

/// Evaluates `run` against `truth`, writes `run/evaluation.json` and returns the result.
///
/// A reconcile's directory (`sanku reconcile`) is scored on its national ledger, and its
/// links on the true links across provinces: those of the children of a generated country
/// who study in another province (its poverty records stay at home); it has no checks.
pub fn evaluate(truth: &Path, run: &Path) -> anyhow::Result<Evaluation> {
    let national = national::is_national(run);
    if national {
        national::check_match(truth, run)?;
    } else {
        check_match(truth, run)?;
    }
    let dropouts = read_csv(&truth.join("dropouts.csv"), &["id_number", "poor"])?;
    let ledger = read_ledger(&run.join(files::LEDGER_PARQUET), &[col::POOR])?;
    let true_flags: HashSet<String> = dropouts.iter().map(|r| r[0].clone()).collect();
    let true_poor: HashSet<String> = dropouts
        .iter()
        .filter(|r| r[1] == "1")
        .map(|r| r[0].clone())
        .collect();
    let flags: HashSet<String> = ledger.iter().map(|r| r.id_number.clone()).collect();
    let poor: HashSet<String> = ledger
        .iter()
        .filter(|r| r.poor)
        .map(|r| r.id_number.clone())
        .collect();

    let links = read_links(&run.join(files::LINKS_PARQUET), LinkFilter::All)?;
    let pairs = |source: &str| -> HashSet<(String, String)> {
        links
            .iter()
            .filter(|l| l.source == source)
            .map(|l| (l.population_id.clone(), l.record_key.clone()))
            .collect()
    };
    let truth_pairs = |name: &str, key: &str| -> anyhow::Result<HashSet<(String, String)>> {
        Ok(read_csv(&truth.join(name), &["population_id", key])?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect())
    };
    let mut true_students = truth_pairs("student_links.csv", "student_no")?;
    let mut true_poverty = truth_pairs("poverty_links.csv", "record_key")?;
    if national {
        national::across_provinces(truth, &mut true_students, &mut true_poverty)?;
    }
    let students = pairs("students");

    let errors = read_csv(
        &truth.join("errors.csv"),
        &["record_key", "population_id", "kind"],
    )?;
    let by_record: HashMap<&str, &str> = errors
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str()))
        .collect();
    // A child of a generated country studying in another province: the error of its
    // record, else `enrolled_elsewhere` (a province's own run cannot see the record).
    let migrants = match truth.join("migrants.csv") {
        path if path.is_file() => read_csv(&path, &["id_number", "student_no"])?,
        _ => Vec::new(),
    };
    let elsewhere = migrants
        .iter()
        .filter(|r| !r[1].is_empty())
        .map(|r| (r[0].as_str(), "enrolled_elsewhere"));
    let by_person: HashMap<&str, &str> = elsewhere
        .chain(errors.iter().map(|r| (r[1].as_str(), r[2].as_str())))
        .collect();
    let tally = |keys: Vec<&str>, kinds: &HashMap<&str, &str>| -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for key in keys {
            *out.entry(kinds.get(key).copied().unwrap_or("none").to_string())
                .or_insert(0) += 1;
        }
        out
    };

    let evaluation = Evaluation {
        flagged: Score::of(&flags, &true_flags),
        flagged_poor: Score::of(&poor, &true_poor),
        student_links: Score::of(&students, &true_students),
        poverty_links: Score::of(&pairs("poverty"), &true_poverty),
        missed_links_by_error: tally(
            true_students
                .difference(&students)
                .map(|p| p.1.as_str())
                .collect(),
            &by_record,
        ),
        false_flags_by_error: tally(
            flags.difference(&true_flags).map(String::as_str).collect(),
            &by_person,
        ),
        missed_dropouts_by_error: tally(
            true_flags.difference(&flags).map(String::as_str).collect(),
            &by_person,
        ),
        checks: if national {
            BTreeMap::new()
        } else {
            checks::score_checks(
                truth,
                run,
                pairs("exemptions").into_iter().map(|p| p.0).collect(),
            )?
        },
        risk: if national {
            BTreeMap::new()
        } else {
            risk::score_risk(truth, run)?
        },
    };
    write_atomic(run, "evaluation.json", |out| {
        serde_json::to_writer_pretty(&mut *out, &evaluation)?;
        std::io::Write::write_all(out, b"\n")?;
        Ok(())
    })?;
    Ok(evaluation)
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<28} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7}",
            "set", "precision", "recall", "f1", "tp", "fp", "fn"
        )?;
        let sets = [
            ("flagged", &self.flagged),
            ("flagged_poor", &self.flagged_poor),
            ("student_links", &self.student_links),
            ("poverty_links", &self.poverty_links),
        ];
        let checks = self.checks.iter().chain(&self.risk);
        for (name, s) in sets.into_iter().chain(checks.map(|(k, s)| (k.as_str(), s))) {
            writeln!(
                f,
                "{name:<28} {:>9.4} {:>9.4} {:>9.4} {:>7} {:>7} {:>7}",
                s.precision, s.recall, s.f1, s.true_positives, s.false_positives, s.false_negatives
            )?;
        }
        for (label, map) in [
            ("missed links", &self.missed_links_by_error),
            ("false flags", &self.false_flags_by_error),
            ("missed dropouts", &self.missed_dropouts_by_error),
        ] {
            if !map.is_empty() {
                let parts: Vec<String> = map.iter().map(|(k, n)| format!("{n} {k}")).collect();
                writeln!(f, "{label}: {}", parts.join(", "))?;
            }
        }
        Ok(())
    }
}

/// The run must have been made from these registers: same as-of date and population size.
fn check_match(truth: &Path, run: &Path) -> anyhow::Result<()> {
    let read_json = |path: PathBuf| -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad_input(format!("{}: cannot read: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| bad_input(format!("{}: not JSON: {e}", path.display())))
    };
    let facts = read_json(truth.join("generated.json"))?;
    let manifest = read_manifest(run)?;
    if manifest.settings.pseudonymized {
        return Err(bad_input(format!(
            "{}: a pseudonymised run, whose tokens match no ID number of the truth; \
             evaluate a run made without --pseudonymize",
            run.join(files::MANIFEST_JSON).display()
        )));
    }
    let run_as_of = &manifest.settings.as_of;
    let run_population: u64 = manifest
        .inputs
        .iter()
        .filter(|i| i.info.source == "population")
        .map(|i| i.rows_in)
        .sum();
    if facts["as_of"].as_str() != Some(run_as_of.as_str())
        || facts["population"].as_u64() != Some(run_population)
    {
        return Err(bad_input(format!(
            "{} does not match the truth in {}: as-of {run_as_of} vs {}, population rows {run_population} vs {}",
            run.display(),
            truth.display(),
            facts["as_of"],
            facts["population"]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> HashSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scores_a_hand_made_pair() {
        let s = Score::of(
            &set(&["a", "b", "c", "d"]),
            &set(&["b", "c", "d", "e", "f"]),
        );
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (3, 1, 2)
        );
        assert!((s.precision - 0.75).abs() < 1e-12);
        assert!((s.recall - 0.6).abs() < 1e-12);
        assert!((s.f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
    }

    #[test]
    fn empty_sets_score_one() {
        let s = Score::of(&set(&[]), &set(&[]));
        assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
    }
}
