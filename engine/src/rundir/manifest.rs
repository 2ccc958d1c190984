//! manifest.json: the audit record of a run — version, settings and config hash, every
//! input with its checksum and row accounting (rows in = used + rejected), the cohort
//! window, counts, stage timings and the thread count. One typed [`Manifest`] is written
//! here and read back by `explain` and `evaluate`.
//!
//! The objects under `settings` and `results` are written with their keys in alphabetical
//! order at every depth, as they always have been, so that manifests diff cleanly.

use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};

use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::ground::timer::StageRecord;
use crate::pipeline::cohort::{CohortCounts, CohortRule};
use crate::pipeline::ingest::InputRecord;
use crate::pipeline::link::block::PassStats;
use crate::pipeline::link::fuzzy::{FuzzyOptions, FuzzyOutcome};
use crate::pipeline::link::weights::Params;
use crate::pipeline::load::InputInfo;
use crate::pipeline::normalize::Registers;
use crate::pipeline::outcome::Run;
use crate::pipeline::summary::Counts;
use crate::pipeline::verify::CheckCounts;

/// The manifest of a run or check.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub sanku_version: String,
    pub command: String,
    #[serde(serialize_with = "sorted")]
    pub settings: Settings,
    pub threads: usize,
    pub inputs: Vec<InputRecord>,
    /// Present for `run`: cohort window and counts.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "sorted"
    )]
    pub results: Option<RunResults>,
    /// Seconds per stage, in pipeline order.
    pub stages: Vec<StageRecord>,
    /// The run directory a `rescore` started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescored_from: Option<String>,
    /// The SHA-256 of ledger.csv and ledger.xlsx as the run wrote them: a rerun into the
    /// directory refuses to replace a ledger staff edited in place.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub ledger_sha256: std::collections::BTreeMap<String, String>,
}

/// Refuses to replace a run whose ledger.csv or ledger.xlsx staff edited in place (they
/// differ from what the run wrote, by the manifest's hashes): a rerun would lose the notes.
pub fn check_ledgers_unedited(out: &Path) -> anyhow::Result<()> {
    if !out.join(files::MANIFEST_JSON).is_file() {
        return Ok(());
    }
    let Ok(manifest) = read_manifest(out) else {
        return Ok(());
    };
    let now = ledger_hashes(out);
    for (name, written) in &manifest.ledger_sha256 {
        if now.get(name).is_some_and(|hash| hash != written) {
            return Err(bad_input(format!(
                "--out {}: its {name} was edited since the run wrote it (a ledger staff \
                 worked in place), which a run replacing the directory would lose; move it \
                 out of the directory (and give it with --worked), or choose another --out",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Refuses to let `sanku check` replace a run directory: a night's ledger and cases would
/// be lost, and the next night's `--previous` would pass over a directory holding a check.
pub fn check_not_a_run(out: &Path) -> anyhow::Result<()> {
    match read_manifest(out) {
        Ok(manifest) if manifest.command != "check" => Err(bad_input(format!(
            "--out {} holds a `sanku {}` directory, which `sanku check` would replace; give check its own --out",
            out.display(),
            manifest.command
        ))),
        _ => Ok(()),
    }
}

/// The SHA-256 of the ledgers staff may edit in place in `dir` (ledger.csv, ledger.xlsx),
/// those present.
pub fn ledger_hashes(dir: &Path) -> std::collections::BTreeMap<String, String> {
    use sha2::Digest;
    [files::LEDGER_CSV, files::LEDGER_XLSX]
        .into_iter()
        .filter_map(|name| {
            let bytes = std::fs::read(dir.join(name)).ok()?;
            Some((
                name.to_string(),
                crate::ground::text::hex(&sha2::Sha256::digest(&bytes)),
            ))
        })
        .collect()
}

/// The settings that decide the output.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// The cohort's reference date.
    pub as_of: String,
    /// The night the run stands for; absent from runs made before run dates, whose as-of
    /// date served as both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_date: Option<String>,
    pub cohort: CohortRule,
    pub config_file: Option<String>,
    pub config_sha256: Option<String>,
    pub in_school_statuses: Vec<String>,
    pub monitored_counties: Vec<String>,
    #[serde(default)]
    pub pseudonymized: bool,
    /// A pseudonymised run's key fingerprint: HMAC-SHA256 under the key of a fixed text,
    /// which tells two keys apart and reveals nothing of either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// The language of the CSV files, workbooks and report (`en`, `zh`).
    #[serde(default)]
    pub lang: String,
    /// The previous run whose cases this one carries on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// How the children at risk were found; absent from runs made before the risk list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<crate::pipeline::risk::RiskRule>,
}

/// What a run found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResults {
    pub checks: CheckCounts,
    pub cohort_window: CohortWindowDates,
    pub fuzzy_options: FuzzyOptions,
    pub fuzzy_poverty: Option<FuzzyFigures>,
    pub fuzzy_student_second: Option<FuzzyFigures>,
    pub fuzzy_students: Option<FuzzyFigures>,
    pub links: LinkCounts,
    /// Population rows by why they are in or out of the cohort.
    pub population: CohortCounts,
    /// The two-digit province code most of the cohort's divisions start with.
    #[serde(default)]
    pub province: String,
    pub summary: Counts,
}

/// The cohort window as dates.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CohortWindowDates {
    pub born_from: String,
    pub born_to: String,
    pub cutoff: String,
}

/// What one fuzzy pass did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FuzzyFigures {
    pub blocking: Vec<PassStats>,
    pub candidate_pairs: usize,
    pub compared_pairs: u64,
    pub links: usize,
    pub parameters: Params,
    pub review_pairs: usize,
}

/// How many links of each kind.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkCounts {
    pub doubted_ids: usize,
    pub exemptions: usize,
    pub poverty: usize,
    pub student_rows_following_their_registration: usize,
    /// Of those, rows that repeat another of their registration field for field (a row
    /// exported twice): counted here, not reported as duplicate registrations.
    #[serde(default)]
    pub student_rows_repeated: usize,
    pub students: usize,
    pub students_further: usize,
}

impl Manifest {
    /// The manifest of a `command` with `settings`, over the input files `inputs` (in
    /// source order) read into `registers`.
    pub fn new(
        command: &str,
        settings: Settings,
        inputs: &[InputInfo],
        registers: &Registers,
        results: Option<RunResults>,
        stages: &[StageRecord],
    ) -> Manifest {
        let records = crate::pipeline::ingest::input_records(inputs, registers);
        Manifest {
            sanku_version: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            settings,
            threads: rayon::current_num_threads(),
            inputs: records,
            results,
            stages: stages.to_vec(),
            rescored_from: None,
            ledger_sha256: Default::default(),
        }
    }
}

impl RunResults {
    /// The results of `run`, linked with `fuzzy`.
    pub fn of(run: &Run, fuzzy: &FuzzyOptions) -> RunResults {
        let (cohort, links) = (&run.cohort, &run.links);
        RunResults {
            cohort_window: CohortWindowDates {
                cutoff: cohort.window.cutoff.to_string(),
                born_from: cohort.window.born_from.to_string(),
                born_to: cohort.window.born_to.to_string(),
            },
            population: cohort.counts,
            province: super::residuals::province_of(&cohort.children),
            fuzzy_options: fuzzy.clone(),
            fuzzy_students: links.student_fuzzy.as_ref().map(FuzzyFigures::of),
            fuzzy_student_second: links.student_second_fuzzy.as_ref().map(FuzzyFigures::of),
            fuzzy_poverty: links.poverty_fuzzy.as_ref().map(FuzzyFigures::of),
            links: LinkCounts {
                students: links.students.len(),
                students_further: links.extra_students.len(),
                student_rows_following_their_registration: links.registrations.followers(),
                student_rows_repeated: links.registrations.repeated(),
                doubted_ids: links.doubted_students.len() + links.doubted_poverty.len(),
                poverty: links.poverty.len(),
                exemptions: links.exemptions.len(),
            },
            checks: run.summary.checks.clone(),
            summary: run.summary.total().clone(),
        }
    }
}

impl FuzzyFigures {
    fn of(f: &FuzzyOutcome) -> FuzzyFigures {
        FuzzyFigures {
            blocking: f.blocking.clone(),
            compared_pairs: f.compared,
            candidate_pairs: f.candidates.len(),
            links: f.links.len(),
            review_pairs: f.review.len(),
            parameters: f.params.clone(),
        }
    }
}

/// Serialises through a JSON value, whose objects keep their keys sorted.
fn sorted<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value)
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
}

/// Writes manifest.json.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    super::atomic::write_json(dir, files::MANIFEST_JSON, manifest)
}

/// Whether a manifest is a reconcile's of encodings (`sanku reconcile ENC_DIR...`).
pub fn of_encodings(manifest: &serde_json::Value) -> bool {
    manifest["command"] == "reconcile" && manifest["inputs"] == "encodings"
}

use super::staging::command_in;
pub use super::staging::{command_of, refuse_to_replace};

/// Reads the manifest of a run directory; missing or of another shape is bad input.
pub fn read_manifest(run: &Path) -> anyhow::Result<Manifest> {
    let path = run.join(files::MANIFEST_JSON);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        bad_input(format!(
            "{}: cannot read: {e}; is this a run directory?",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        match command_in(&text).as_deref() {
            Some("reconcile") => bad_input(format!(
                "{}: a `sanku reconcile` directory (the national result), not a run; give a run directory",
                run.display()
            )),
            Some("encode") => bad_input(format!(
                "{} holds encoded residuals (`sanku encode`), not a run; give the run directory `sanku run --residuals` wrote",
                run.display()
            )),
            _ => bad_input(format!(
                "{}: not a manifest this version of sanku reads: {e}",
                path.display()
            )),
        }
    })
}
