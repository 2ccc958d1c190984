//! `sanku reconcile`: the reduce of the national comparison (docs/national.md). Every
//! province's flagged children are linked against every other province's leftover records
//! with the engine of a run (exact, then fuzzy with the same comparison levels, blocking
//! and model), and the national ledger is the provincial ledgers less the children found in
//! school in another province.
//!
//! ```text
//! inputs (run dirs → residuals) → pool (registers, cohort) → link → classify → national → write
//! ```

pub mod encode;
mod encoded;
mod inputs;
mod national;
mod pool;
mod write;

use std::path::PathBuf;

use serde::Serialize;

use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::values::{InSchool, StudentStatus};
use crate::rundir::staging::RunDir;

/// What a reconcile reports on its closing line.
pub struct ReconcileReport {
    pub provinces: usize,
    pub flagged_in_provinces: u64,
    pub enrolled_elsewhere: u64,
    pub flagged: u64,
    pub seconds: f64,
}

impl std::fmt::Display for ReconcileReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reconciled {} provinces: flagged {} by their own runs, {} of them in school in another province, {} flagged nationally, {:.2}s",
            self.provinces,
            self.flagged_in_provinces,
            self.enrolled_elsewhere,
            self.flagged,
            self.seconds
        )
    }
}

/// The record of a reconcile (manifest.json).
#[derive(Serialize)]
struct ReconcileManifest {
    sanku_version: String,
    command: &'static str,
    as_of: String,
    thresholds: crate::pipeline::link::assign::Thresholds,
    threads: usize,
    runs: Vec<RunRecord>,
    provinces: Vec<write::ProvinceCounts>,
    fuzzy_students: Option<crate::pipeline::link::weights::Params>,
    /// Seconds per stage.
    stages: Vec<crate::ground::timer::StageRecord>,
    seconds: f64,
}

/// One province's run as the reconcile read it.
#[derive(Serialize)]
struct RunRecord {
    province: String,
    dir: String,
    run_date: Option<String>,
    residuals_sha256: String,
    residual_rows: usize,
    /// Rows of the province's population register.
    population_rows: u64,
}

/// What `sanku reconcile` is given.
#[derive(Clone, Debug)]
pub struct Options {
    /// The provinces' run directories.
    pub runs: Vec<std::path::PathBuf>,
    /// Thresholds in place of the runs'.
    pub accept: Option<f64>,
    pub review: Option<f64>,
    /// The national result's directory.
    pub out: std::path::PathBuf,
    /// Worker threads (none: one per core).
    pub threads: Option<usize>,
    /// Stage timings on stderr.
    pub verbose: bool,
}

/// Reconciles the provinces' runs into `args.out`.
pub fn reconcile(args: &Options) -> anyhow::Result<ReconcileReport> {
    let encodings = args.runs.iter().filter(|d| encoded::is_encoding(d)).count();
    if encodings > 0 && encodings == args.runs.len() {
        return encoded::reconcile(args);
    }
    if encodings > 0 {
        let shown = |encoded: bool| {
            args.runs
                .iter()
                .find(|d| encoded::is_encoding(d) == encoded)
                .map_or(String::new(), |d| d.display().to_string())
        };
        return Err(bad_input(format!(
            "{} is an encoding (`sanku encode`) and {} is not (a run in clear, or no sanku directory): encodings and runs in clear cannot be compared with each other; give every province's encoding, or every province's run",
            shown(true),
            shown(false)
        )));
    }
    let started = std::time::Instant::now();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let runs = inputs::read_runs(&args.runs)?;
    crate::rundir::manifest::refuse_to_replace(&args.out, "reconcile")?;
    let first = runs
        .first()
        .ok_or_else(|| bad_input("give the run directories"))?;
    let settings = &first.manifest.settings;
    let as_of = Date::parse(&settings.as_of)
        .ok_or_else(|| bad_input(format!("{}: no as-of date", first.dir.display())))?;
    let mut fuzzy = inputs::linkage(&first.manifest);
    if let Some(a) = args.accept {
        fuzzy.thresholds.accept = a;
    }
    if let Some(r) = args.review {
        fuzzy.thresholds.review = r;
    }
    given_u(&runs, &mut fuzzy.fixed);
    if fuzzy.thresholds.review > fuzzy.thresholds.accept {
        return Err(bad_input(format!(
            "--review {} is above --accept {}",
            fuzzy.thresholds.review, fuzzy.thresholds.accept
        )));
    }
    let in_school = InSchool(
        settings
            .in_school_statuses
            .iter()
            .filter_map(|s| StudentStatus::from_key(s))
            .collect(),
    );
    let run_date = runs
        .iter()
        .filter_map(|r| {
            r.manifest
                .settings
                .run_date
                .as_deref()
                .and_then(Date::parse)
        })
        .max()
        .unwrap_or(as_of);
    let mut timer = crate::ground::timer::Timer::new(args.verbose);
    let (timer, runs) = (&mut timer, &runs);
    crate::ground::threads::with_threads(threads, move || {
        // Every residual row is read before anything is written.
        let pool = timer.stage("pool", || pool::pool(runs, &settings.cohort, as_of))?;
        let inputs: Vec<&std::path::Path> = runs.iter().map(|r| r.dir.as_path()).collect();
        let out = RunDir::prepare_for(&args.out, &inputs, Some("reconcile"))?;
        let links = timer.stage("link", || {
            crate::pipeline::link::link(&pool.cohort, &pool.registers, &fuzzy, &in_school).decide()
        });
        let there = timer.stage("classify", || {
            crate::pipeline::classify::classify(
                &pool.cohort,
                &pool.registers,
                &links,
                run_date,
                &in_school,
            )
        });
        let national = national::decide(runs, &pool, &links, &there);
        let counts = write::counts(runs, (&pool, &links), &national);
        check_counts(&counts)?;
        timer.stage("output", || {
            write::write_national(
                out.path(),
                runs,
                (&pool, &links),
                &national,
                (&counts, run_date),
            )
        })?;
        let total = counts.last().cloned().unwrap_or_default();
        let seconds = started.elapsed().as_secs_f64();
        let manifest = ReconcileManifest {
            sanku_version: env!("CARGO_PKG_VERSION").to_string(),
            command: "reconcile",
            as_of: as_of.to_string(),
            thresholds: fuzzy.thresholds,
            threads: rayon::current_num_threads(),
            runs: runs
                .iter()
                .map(|r| RunRecord {
                    province: r.province.clone(),
                    dir: display(&r.dir),
                    run_date: r.manifest.settings.run_date.clone(),
                    residuals_sha256: r.residuals_sha256.clone(),
                    residual_rows: r.residuals.len(),
                    population_rows: r
                        .manifest
                        .inputs
                        .iter()
                        .filter(|i| i.info.source == "population")
                        .map(|i| i.rows_in)
                        .sum(),
                })
                .collect(),
            provinces: counts,
            fuzzy_students: links.student_fuzzy.as_ref().map(|o| o.params.clone()),
            stages: timer.stages().to_vec(),
            seconds,
        };
        crate::rundir::atomic::write_json(out.path(), files::MANIFEST_JSON, &manifest)?;
        out.commit()?;
        Ok(ReconcileReport {
            provinces: runs.len(),
            flagged_in_provinces: total.flagged_in_province,
            enrolled_elsewhere: total.enrolled_elsewhere,
            flagged: total.flagged,
            seconds,
        })
    })
}

/// The provinces' u (how often two different children agree on a field by chance), as
/// their runs estimated it on their whole cohorts, weighted by cohort, for every level the
/// config did not fix: the reconcile's children and records are few and rich in true
/// pairs, so that chance agreement among them says little of the country's. m is still
/// fitted on the reconcile's own pairs, where a true pair's division differs as a rule.
fn given_u(runs: &[inputs::ProvinceRun], fixed: &mut crate::pipeline::link::priors::Overrides) {
    use crate::pipeline::link::compare::{FIELDS, LEVELS};
    let fitted: Vec<(f64, &crate::pipeline::link::weights::Params)> = runs
        .iter()
        .filter_map(|r| {
            let results = r.manifest.results.as_ref()?;
            let f = results.fuzzy_students.as_ref()?;
            Some((r.cohort_size() as f64, &f.parameters))
        })
        .collect();
    let total: f64 = fitted.iter().map(|(n, _)| n).sum();
    if fitted.is_empty() || total == 0.0 {
        return;
    }
    for (f, field) in FIELDS.iter().enumerate() {
        let levels = fixed.u.entry(field.to_string()).or_default();
        for (l, level) in LEVELS[f]
            .iter()
            .enumerate()
            .filter(|(_, l)| **l != "missing")
        {
            let mean = fitted
                .iter()
                .map(|(n, p)| n * p.u[f].get(l).copied().unwrap_or(0.0))
                .sum::<f64>()
                / total;
            levels.entry(level.to_string()).or_insert(mean);
        }
    }
}

/// Every child a province flagged is either in the national ledger or enrolled elsewhere.
fn check_counts(counts: &[write::ProvinceCounts]) -> anyhow::Result<()> {
    for c in counts {
        if c.flagged + c.enrolled_elsewhere != c.flagged_in_province {
            anyhow::bail!(
                "province {}: {} flagged by its run, but {} flagged nationally and {} enrolled elsewhere",
                c.province,
                c.flagged_in_province,
                c.flagged,
                c.enrolled_elsewhere
            );
        }
    }
    Ok(())
}

/// A run directory as the manifest records it.
fn display(dir: &std::path::Path) -> String {
    PathBuf::from(dir).display().to_string()
}
