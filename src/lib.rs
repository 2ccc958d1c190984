//! sanku (三库) compares the population, student enrollment and poverty registers and
//! writes a ledger of every school-age child who appears in no enrollment record, poor
//! children first.
//!
//! Data flows one way; each stage is a module that takes the previous stage's type:
//!
//! ```text
//! ingest (load → normalize) → cohort → link → classify → verify → summary → output
//!            Registers         Cohort   Links   Ledger    Findings Summary   run directory
//! ```
//!
//! Each stage takes its own options, never the whole [`config::Config`]; see
//! docs/architecture.md.

pub(crate) mod classify;
pub mod cli;
pub mod cmd;
pub(crate) mod cohort;
pub mod config;
pub mod error;
pub(crate) mod ingest;
pub mod link;
pub mod load;
pub mod mask;
pub mod normalize;
pub(crate) mod output;
pub mod progress;
pub(crate) mod reject;
pub mod rng;
pub mod schema;
pub(crate) mod summary;
pub(crate) mod text;
pub(crate) mod timer;
pub(crate) mod verify;

use crate::config::Config;
use crate::load::InputInfo;
use crate::normalize::{Records, Registers};
use crate::output::manifest::{
    CohortWindowDates, FuzzyFigures, InputRecord, LinkCounts, Manifest, RunResults,
};
use crate::progress::Progress;
use crate::timer::Timer;

/// What a finished run reports on its closing line.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    pub cohort: u64,
    pub enrolled: u64,
    pub flagged: u64,
    pub flagged_poor: u64,
    pub exempt: u64,
    pub rejected: u64,
    pub seconds: f64,
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cohort {}, enrolled {}, flagged {} ({} poor), exempt {}, rejected rows {}, {:.2}s",
            self.cohort,
            self.enrolled,
            self.flagged,
            self.flagged_poor,
            self.exempt,
            self.rejected,
            self.seconds
        )
    }
}

/// What the manifest says of one fuzzy pass.
fn fuzzy_figures(f: &link::fuzzy::FuzzyOutcome) -> FuzzyFigures {
    FuzzyFigures {
        blocking: f.blocking.clone(),
        compared_pairs: f.compared,
        candidate_pairs: f.candidates.len(),
        links: f.links.len(),
        review_pairs: f.review.len(),
        parameters: f.params.clone(),
    }
}

/// The nightly run: every stage in data-flow order, then the run directory.
pub fn run(config: &Config) -> anyhow::Result<RunReport> {
    let run_dir = prepare_out(config)?;
    with_threads(config, || {
        let progress = Progress::new(config.quiet);
        let mut timer = Timer::new(config.verbose > 0);
        let (inputs, mut registers) = ingest_registers(config, &progress, &mut timer)?;
        let cohort = timer.stage("cohort", || {
            cohort::select_cohort(&mut registers.population, &config.cohort, config.as_of)
        });
        let spinner = progress.spinner("linking");
        let links = timer.stage("link", || {
            link::link(&cohort, &registers, &config.fuzzy, &config.in_school)
        });
        spinner.finish_and_clear();
        let ledger = timer.stage("classify", || {
            classify::classify(&cohort, &registers, &links, config.as_of, &config.in_school)
        });
        let findings = timer.stage("verify", || {
            verify::verify(&cohort, &registers, &links, &ledger, &config.in_school)
        });
        let summary = timer.stage("summary", || {
            summary::summarize(&cohort, &ledger, &findings, &config.monitored_counties)
        });

        let dir = run_dir.path();
        timer.stage("output", || -> anyhow::Result<()> {
            output::ledger::write_ledger(dir, &ledger)?;
            output::links::write_links(dir, &cohort, &registers, &links)?;
            output::summary::write_summary(dir, &summary)?;
            output::review::write_review(dir, &cohort, &registers, &links)?;
            output::checks::write_checks(dir, &cohort, &registers, &links, &ledger, &findings)?;
            output::candidates::write_candidates(dir, &cohort, &registers, &links)?;
            output::rejects::write_rejects(dir, &all_rejects(&registers))?;
            output::rejects::write_warnings(dir, &all_warnings(&registers))?;
            Ok(())
        })?;

        let total = summary.total();
        let report = RunReport {
            cohort: total.cohort,
            enrolled: total.enrolled,
            flagged: total.flagged,
            flagged_poor: total.flagged_poor,
            exempt: total.exempt,
            rejected: all_rejects(&registers).len() as u64,
            seconds: timer.elapsed(),
        };
        let results = RunResults {
            cohort_window: CohortWindowDates {
                cutoff: cohort.window.cutoff.to_string(),
                born_from: cohort.window.born_from.to_string(),
                born_to: cohort.window.born_to.to_string(),
            },
            population: cohort.counts,
            fuzzy_options: config.fuzzy.clone(),
            fuzzy_students: links.student_fuzzy.as_ref().map(fuzzy_figures),
            fuzzy_student_second: links.student_second_fuzzy.as_ref().map(fuzzy_figures),
            fuzzy_poverty: links.poverty_fuzzy.as_ref().map(fuzzy_figures),
            links: LinkCounts {
                students: links.students.len(),
                students_further: links.extra_students.len(),
                student_rows_following_their_registration: links.registrations.followers(),
                doubted_ids: links.doubted_students.len() + links.doubted_poverty.len(),
                poverty: links.poverty.len(),
                exemptions: links.exemptions.len(),
            },
            checks: summary.checks.clone(),
            summary: total.clone(),
        };
        let manifest = manifest("run", config, &inputs, &registers, Some(results), &timer);
        output::manifest::write_manifest(dir, &manifest)?;
        run_dir.commit()?;
        Ok(report)
    })
}

/// `sanku check`: loads and normalises every input, writes rejects and the manifest's
/// input section, links nothing. Returns the number of rejected rows.
pub fn check(config: &Config) -> anyhow::Result<u64> {
    let run_dir = prepare_out(config)?;
    with_threads(config, || {
        let progress = Progress::new(config.quiet);
        let mut timer = Timer::new(config.verbose > 0);
        let (inputs, registers) = ingest_registers(config, &progress, &mut timer)?;
        let rejects = all_rejects(&registers);
        let dir = run_dir.path();
        output::rejects::write_rejects(dir, &rejects)?;
        output::rejects::write_warnings(dir, &all_warnings(&registers))?;
        let manifest = manifest("check", config, &inputs, &registers, None, &timer);
        output::manifest::write_manifest(dir, &manifest)?;
        run_dir.commit()?;
        Ok(rejects.len() as u64)
    })
}

/// A run directory being written, and the pseudonymiser its files pass through before
/// it is put in place.
struct Out {
    dir: output::run_dir::RunDir,
    pseudonymizer: Option<output::pseudonym::Pseudonymizer>,
}

impl Out {
    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    fn commit(self) -> anyhow::Result<()> {
        if let Some(p) = &self.pseudonymizer {
            p.apply(self.dir.path())?;
        }
        self.dir.commit()
    }
}

/// Checks `--out` (and the pseudonymisation key) before any work and makes the run's
/// staging directory beside it.
fn prepare_out(config: &Config) -> anyhow::Result<Out> {
    let pseudonymizer = config
        .pseudonymize
        .as_deref()
        .map(output::pseudonym::Pseudonymizer::load)
        .transpose()?;
    let inputs: Vec<_> = config
        .inputs
        .sources
        .values()
        .map(|s| s.path.as_path())
        .collect();
    let dir = output::run_dir::RunDir::prepare(&config.out, &inputs)?;
    Ok(Out { dir, pseudonymizer })
}

/// Reads and normalises the registers, keeping whole the population rows of school age.
fn ingest_registers(
    config: &Config,
    progress: &Progress,
    timer: &mut Timer,
) -> anyhow::Result<(Vec<InputInfo>, Registers)> {
    let window = config.cohort.window(config.as_of);
    ingest::ingest(
        &config.inputs,
        &|birth| window.contains(birth),
        progress,
        timer,
    )
}

/// Runs `work` on a thread pool of the configured size.
fn with_threads<T: Send>(
    config: &Config,
    work: impl FnOnce() -> anyhow::Result<T> + Send,
) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    pool.install(work)
}

fn all_rejects(registers: &Registers) -> Vec<&reject::Reject> {
    let mut all: Vec<&reject::Reject> = Vec::new();
    all.extend(&registers.population.rejects);
    all.extend(&registers.students.rejects);
    all.extend(&registers.poverty.rejects);
    if let Some(e) = &registers.exemptions {
        all.extend(&e.rejects);
    }
    all
}

/// Rows used with a field lost, from every register.
fn all_warnings(registers: &Registers) -> Vec<&reject::Reject> {
    let mut all: Vec<&reject::Reject> = Vec::new();
    all.extend(&registers.students.warnings);
    all.extend(&registers.poverty.warnings);
    all
}

fn input_record<T>(info: &InputInfo, records: &Records<T>) -> InputRecord {
    InputRecord {
        info: info.clone(),
        rows_in: records.rows_in,
        rows_used: records.rows.len() as u64,
        rows_rejected: records.rejects.len() as u64,
    }
}

fn manifest(
    command: &'static str,
    config: &Config,
    inputs: &[InputInfo],
    registers: &Registers,
    results: Option<RunResults>,
    timer: &Timer,
) -> Manifest {
    let population = &registers.population;
    let mut records = vec![
        InputRecord {
            info: inputs[0].clone(),
            rows_in: population.rows_in,
            rows_used: population.rows_used(),
            rows_rejected: population.rejects.len() as u64,
        },
        input_record(&inputs[1], &registers.students),
        input_record(&inputs[2], &registers.poverty),
    ];
    if let (Some(info), Some(e)) = (inputs.get(3), &registers.exemptions) {
        records.push(input_record(info, e));
    }
    Manifest {
        sanku_version: env!("CARGO_PKG_VERSION").to_string(),
        command: command.to_string(),
        settings: config.settings(),
        threads: rayon::current_num_threads(),
        inputs: records,
        results,
        stages: timer.stages().to_vec(),
    }
}
