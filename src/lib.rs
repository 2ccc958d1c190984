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

pub(crate) mod binary;
pub(crate) mod classify;
pub mod cli;
pub mod cmd;
pub(crate) mod cohort;
pub mod config;
pub(crate) mod divisions;
pub mod error;
pub(crate) mod guard;
pub(crate) mod history;
pub(crate) mod ingest;
pub mod link;
pub mod load;
pub mod mask;
pub mod normalize;
pub(crate) mod output;
pub mod pairlink;
pub mod progress;
pub mod reconcile;
pub(crate) mod reject;
pub mod rng;
pub mod run;
pub mod schema;
pub(crate) mod summary;
pub(crate) mod text;
pub(crate) mod timer;
pub(crate) mod verify;
pub mod vocab;

use crate::config::Config;
use crate::load::InputInfo;
use crate::normalize::Registers;
use crate::output::manifest::{Manifest, RunResults};
use crate::progress::Progress;
pub use crate::run::{Run, RunReport};
use crate::timer::Timer;

/// What the stages after linkage and the run directory take from the config. The rescore
/// state keeps it, so that `sanku rescore` finishes a run as the run itself would have.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunSettings {
    /// The cohort's reference date.
    pub as_of: normalize::date::Date,
    /// The night the run stands for.
    pub run_date: normalize::date::Date,
    pub in_school: normalize::values::InSchool,
    pub monitored_counties: Vec<String>,
    pub guards: guard::GuardRule,
    /// Not kept in the rescore state (a rescored run shares its run's): the manifest holds
    /// the linkage settings a run directory was made with.
    #[serde(skip)]
    pub fuzzy: link::fuzzy::FuzzyOptions,
    pub lang: vocab::Lang,
    /// Whether the run writes residuals.parquet (not kept in the rescore state: a rescore
    /// writes none).
    #[serde(skip)]
    pub residuals: bool,
    /// The manifest's record of the settings.
    pub manifest: output::manifest::Settings,
}

/// The nightly run: every stage in data-flow order, then the run directory.
pub fn run(config: &Config) -> anyhow::Result<RunReport> {
    let out = prepare_out(config)?;
    let mut timer = Timer::new(config.verbose > 0);
    let previous = match config.previous {
        Some(_) => timer.stage("previous", || read_previous(config, &out))?,
        None => None,
    };
    with_threads(config.threads, move || {
        let progress = Progress::new(config.quiet);
        let (inputs, mut registers) = ingest_registers(config, &progress, &mut timer)?;
        let cohort = timer.stage("cohort", || {
            cohort::select_cohort(&mut registers.population, &config.cohort, config.as_of)
        });
        guard_inputs(config, &inputs, &registers, &cohort)?;
        let spinner = progress.spinner("linking");
        let (links, state) = timer.stage("link", || {
            link::link(&cohort, &registers, &config.fuzzy, &config.in_school)
        });
        spinner.finish_and_clear();
        // A pseudonymised run keeps no state: it would hold what the run leaves out.
        let keep = config.keep_state && out.pseudonymizer.is_none();
        let linked = Linked {
            inputs,
            registers,
            cohort,
            links,
            previous,
        };
        let state = if keep {
            Keep::Write(Box::new(state))
        } else {
            Keep::Nothing
        };
        finish_run(&config.run_settings(), out, linked, state, timer)
    })
}

/// A run linked: the stages before, and what the later ones need.
pub(crate) struct Linked {
    pub inputs: Vec<InputInfo>,
    pub registers: Registers,
    pub cohort: cohort::Cohort,
    pub links: link::Links,
    pub previous: Option<history::Previous>,
}

/// What a run directory keeps for a later rescore.
pub(crate) enum Keep {
    Nothing,
    /// The state of this run, written.
    Write(Box<link::LinkState>),
    /// The state of the run directory a rescore started from, which is this one's too.
    Share(std::path::PathBuf),
}

/// The stages after linkage, the run directory and its manifest: the end of `run`, and of
/// `rescore`.
pub(crate) fn finish_run(
    settings: &RunSettings,
    out: Out,
    linked: Linked,
    state: Keep,
    mut timer: Timer,
) -> anyhow::Result<RunReport> {
    let Linked {
        inputs,
        registers,
        cohort,
        links,
        previous,
    } = linked;
    let mut ledger = timer.stage("classify", || {
        classify::classify(
            &cohort,
            &registers,
            &links,
            settings.run_date,
            &settings.in_school,
        )
    });
    let findings = timer.stage("verify", || {
        verify::verify(&cohort, &registers, &links, &ledger, &settings.in_school)
    });
    let history = timer.stage("history", || {
        let key = |id: &str| match &out.pseudonymizer {
            Some(p) if previous.as_ref().is_some_and(|p| p.pseudonymized) => p.token(id),
            _ => id.to_string(),
        };
        history::track(
            previous.as_ref(),
            &cohort,
            &registers,
            &links,
            &mut ledger,
            &history::Tonight {
                run_date: settings.run_date,
                carry_notes: out.pseudonymizer.is_none(),
                key: &key,
            },
        )
    });
    let summary = timer.stage("summary", || {
        summary::summarize(
            &cohort,
            &ledger,
            &findings,
            &history,
            &settings.monitored_counties,
        )
    });
    let run = Run {
        registers,
        cohort,
        links,
        ledger,
        findings,
        history,
        summary,
        run_date: settings.run_date,
    };
    let total = run.summary.total();
    let students = run.registers.students.rows.len() as u64;
    guard::results(&settings.guards, total.cohort, total.enrolled, students).into_result()?;
    timer.stage("output", || {
        output::write_run(out.path(), &run, &out.finish(settings))
    })?;
    if settings.residuals {
        timer.stage("residuals", || {
            let shares = run.links.student_fuzzy.as_ref();
            let cohort = run.cohort.children.len() as f64;
            let name_count = |child: &normalize::Person| {
                shares
                    .and_then(|o| o.name_share(&child.name))
                    .map_or(1, |share| (share * cohort).round() as u64)
            };
            output::residuals::write_residuals(
                out.path(),
                (&run.cohort, &run.registers, &run.links),
                &run.ledger,
                &name_count,
            )
        })?;
    }
    match &state {
        Keep::Nothing => {}
        Keep::Write(links) => timer.stage("state", || {
            output::state::write(
                out.path(),
                &output::state::StateRef {
                    settings,
                    inputs: &inputs,
                    registers: &run.registers,
                    cohort: &run.cohort,
                    links,
                    previous: previous.as_ref(),
                },
            )
        })?,
        Keep::Share(run_dir) => output::state::share(run_dir, out.path())?,
    }
    let results = RunResults::of(&run, &settings.fuzzy);
    let mut manifest = Manifest::new(
        if out.rescored_from.is_some() {
            "rescore"
        } else {
            "run"
        },
        settings.manifest.clone(),
        &inputs,
        &run.registers,
        Some(results),
        timer.stages(),
    );
    manifest.rescored_from = out.rescored_from.as_ref().map(|p| p.display().to_string());
    manifest.ledger_sha256 = output::manifest::ledger_hashes(out.path());
    output::manifest::write_manifest(out.path(), &manifest)?;
    out.commit(Some(settings))?;
    let mut report = run.report(timer.elapsed());
    report.missing_columns = missing_columns(&inputs);
    Ok(report)
}

/// Optional fields no column fed, as `file: field`.
fn missing_columns(inputs: &[InputInfo]) -> Vec<String> {
    inputs
        .iter()
        .flat_map(|i| i.missing_fields.iter().map(|f| format!("{}: {f}", i.name)))
        .collect()
}

/// `sanku check`: loads and normalises every input, writes rejects and the manifest's
/// input section, links nothing. Returns the number of rejected rows.
pub fn check(config: &Config) -> anyhow::Result<u64> {
    output::manifest::check_not_a_run(&config.out)?;
    let out = prepare_out(config)?;
    with_threads(config.threads, || {
        let progress = Progress::new(config.quiet);
        let mut timer = Timer::new(config.verbose > 0);
        let (inputs, mut registers) = ingest_registers(config, &progress, &mut timer)?;
        let cohort = cohort::select_cohort(&mut registers.population, &config.cohort, config.as_of);
        guard_inputs(config, &inputs, &registers, &cohort)?;
        guard::shared_ids(&config.guards, &registers, &cohort).into_result()?;
        let rejects = registers.rejects();
        let dir = out.path();
        output::rejects::write_rejects(dir, &rejects)?;
        output::rejects::write_warnings(dir, &registers.warnings())?;
        let manifest = Manifest::new(
            "check",
            config.settings(),
            &inputs,
            &registers,
            None,
            timer.stages(),
        );
        output::manifest::write_manifest(dir, &manifest)?;
        out.commit(None)?;
        Ok(rejects.len() as u64)
    })
}

/// Reads the previous run (`--previous`) before any work, so that a wrong one stops the
/// run at once: it must exist, be another directory than `--out`, stand for an earlier
/// night, and have been pseudonymised (or not) as this run is, under the same key.
fn read_previous(config: &Config, out: &Out) -> anyhow::Result<Option<history::Previous>> {
    let Some(given) = &config.previous else {
        return Ok(None);
    };
    if !given.exists() {
        return Err(error::bad_input(format!(
            "--previous {}: no such directory; give the previous night's run directory, or the folder of the nightly runs",
            given.display()
        )));
    }
    if std::fs::canonicalize(given).ok() == std::fs::canonicalize(&config.out).ok() {
        return Err(error::bad_input(format!(
            "--previous {} is also --out; give each night its own run directory",
            given.display()
        )));
    }
    // A folder of nightly runs: the latest before tonight, other than --out.
    let dir = &if given.is_dir() && !given.join(schema::files::MANIFEST_JSON).is_file() {
        history::previous::latest_run(given, config.run_date, &config.out)?
    } else {
        given.clone()
    };
    let previous = history::Previous::read(
        dir,
        &config.worked,
        &output::ledger::column_names(),
        &output::cases::TREND_COLUMNS,
    )?;
    if previous.run_date >= config.run_date {
        return Err(error::bad_input(not_an_earlier_night(
            dir,
            previous.run_date,
            config,
        )));
    }
    if previous.pseudonymized && out.pseudonymizer.is_none() {
        return Err(error::bad_input(format!(
            "--previous {}: a pseudonymised run; carry it on with --pseudonymize and the same key",
            dir.display()
        )));
    }
    if previous.pseudonymized && previous.key_fingerprint != config.key_fingerprint {
        return Err(error::bad_input(match previous.key_fingerprint {
            Some(_) => format!(
                "--previous {}: pseudonymised under another key than --pseudonymize's (the key fingerprints in the manifests differ); carry it on with the key it was made with",
                dir.display()
            ),
            None => format!(
                "--previous {}: pseudonymised before runs recorded their key's fingerprint, so its key cannot be checked; start a new series from a run without --previous",
                dir.display()
            ),
        }));
    }
    Ok(Some(previous))
}

/// Why `--previous` (the run `dir` of `run_date`) cannot be carried on tonight, and which
/// run to give instead: a rerun never rewrites a night's history.
fn not_an_earlier_night(
    dir: &std::path::Path,
    run_date: normalize::date::Date,
    config: &Config,
) -> String {
    let tonight = config.run_date;
    let when = if run_date == tonight {
        "the same night as this run".to_string()
    } else {
        format!("after this run's night {tonight}")
    };
    let instead = dir
        .parent()
        .and_then(|parent| history::previous::latest_before(parent, tonight, &config.out).ok()?)
        .map_or_else(
            || "give the run of an earlier night".to_string(),
            |p| format!("give the run of an earlier night: {}", p.display()),
        );
    format!(
        "--previous {} is the run of {run_date}, {when} (--run-date {tonight}); {instead}",
        dir.display()
    )
}

/// The guards on what was read: a tripped one stops the run before anything is written.
fn guard_inputs(
    config: &Config,
    inputs: &[InputInfo],
    registers: &Registers,
    cohort: &cohort::Cohort,
) -> anyhow::Result<()> {
    let records = output::manifest::input_records(inputs, registers);
    guard::inputs(
        &config.guards,
        &records,
        registers,
        cohort,
        &config.cohort,
        config.as_of,
        &config.in_school,
    )
    .into_result()
}

/// A run directory being written, and the pseudonymiser its files pass through before
/// it is put in place.
pub(crate) struct Out {
    dir: output::run_dir::RunDir,
    pseudonymizer: Option<output::pseudonym::Pseudonymizer>,
    /// The run directory a rescore started from.
    rescored_from: Option<std::path::PathBuf>,
}

impl Out {
    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// How a run with `settings` makes its files final.
    fn finish<'a>(&'a self, settings: &'a RunSettings) -> output::Finish<'a> {
        output::Finish {
            pseudonymizer: self.pseudonymizer.as_ref(),
            lang: settings.lang,
            run_date: settings.run_date,
            thresholds: &settings.fuzzy.thresholds,
        }
    }

    /// Makes the files final (a run's as `finish` says; `check`'s pseudonymised when
    /// asked) and puts the run in place.
    fn commit(self, run: Option<&RunSettings>) -> anyhow::Result<()> {
        match run {
            Some(settings) => self.finish(settings).rest(self.dir.path())?,
            None => {
                if let Some(p) = &self.pseudonymizer {
                    p.apply(self.dir.path(), &[])?;
                }
            }
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
        .flat_map(|s| s.files.iter().map(std::path::PathBuf::as_path))
        .collect();
    output::manifest::check_ledgers_unedited(&config.out)?;
    let dir = output::run_dir::RunDir::prepare(&config.out, &inputs)?;
    Ok(Out {
        dir,
        pseudonymizer,
        rescored_from: None,
    })
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

/// Runs `work` on a thread pool of `threads` threads (0: one per core).
pub(crate) fn with_threads<T: Send>(
    threads: usize,
    work: impl FnOnce() -> anyhow::Result<T> + Send,
) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    pool.install(work)
}
