//! The nightly run: every stage in data-flow order, then the run directory. `finish_run`
//! is the end of a run from classification on, shared with `sanku rescore`.

pub(crate) mod out;

use crate::cmd::run::out::{Out, prepare_out};
use crate::config::Config;
use crate::ground::threads::with_threads;
use crate::ground::{error, progress::Progress, schema, timer::Timer};
use crate::pipeline::load::InputInfo;
use crate::pipeline::normalize::Registers;
use crate::pipeline::outcome::{Run, RunReport};
use crate::pipeline::{
    classify, cohort, guard, history, ingest, link, normalize, risk, summary, verify,
};
use crate::rundir;
use crate::rundir::manifest::{Manifest, RunResults};
use crate::rundir::settings::RunSettings;

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
        let linking = timer.stage("link", || {
            link::link(&cohort, &registers, &config.fuzzy, &config.in_school)
        });
        // The state is written before the pairs are decided, which then let go of them
        // pass by pass. A pseudonymised run keeps none: it would hold what the run leaves
        // out.
        if config.keep_state && out.pseudonymizer.is_none() {
            timer.stage("state", || {
                rundir::state::write(
                    out.path(),
                    &rundir::state::StateRef {
                        settings: &config.run_settings(),
                        inputs: &inputs,
                        registers: &registers,
                        cohort: &cohort,
                        links: &linking.kept(),
                        previous: previous.as_ref(),
                    },
                )
            })?;
        }
        let links = timer.stage("decide", || linking.decide());
        spinner.finish_and_clear();
        let linked = Linked {
            inputs,
            registers,
            cohort,
            links,
            previous,
        };
        finish_run(&config.run_settings(), out, linked, None, timer)
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

/// The stages after linkage, the run directory and its manifest: the end of `run`, and of
/// `rescore`, whose run directory's rescore.state (`shared_state`) this one shares.
pub(crate) fn finish_run(
    settings: &RunSettings,
    out: Out,
    linked: Linked,
    shared_state: Option<std::path::PathBuf>,
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
    // What the case history holds for an ID number: the number, or its token when the
    // previous run was pseudonymised.
    let key = |id: &str| match &out.pseudonymizer {
        Some(p) if previous.as_ref().is_some_and(|p| p.pseudonymized) => p.token(id),
        _ => id.to_string(),
    };
    let history = timer.stage("history", || {
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
                returned_months: settings.risk.returned_months,
            },
        )
    });
    let risk = timer.stage("risk", || {
        let context = risk::Context {
            ledger: &ledger,
            history: &history,
            key: &key,
        };
        risk::assess(&cohort, &registers, &links, &context, &settings.risk)
    });
    let summary = timer.stage("summary", || {
        summary::summarize(
            &cohort,
            &ledger,
            &findings,
            &history,
            &risk,
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
        risk,
        summary,
        run_date: settings.run_date,
    };
    let total = run.summary.total();
    let students = run.registers.students.rows.len() as u64;
    guard::results(&settings.guards, total.cohort, total.enrolled, students).into_result()?;
    let writer = out.writer(settings.lang);
    let report = rundir::report::ReportContext {
        run_date: settings.run_date.to_string(),
        accept: settings.fuzzy.thresholds.accept,
        review: settings.fuzzy.thresholds.review,
        lang: settings.lang,
        risk_factors: risk::Factor::ALL
            .into_iter()
            .filter(|&f| settings.risk.assessed(f))
            .collect(),
    };
    timer.stage("output", || rundir::write_run(&writer, &run, &report))?;
    if settings.residuals {
        timer.stage("residuals", || {
            let shares = run.links.student_fuzzy.as_ref();
            let cohort = run.cohort.children.len() as f64;
            let name_count = |child: &normalize::Person| {
                shares
                    .and_then(|o| o.name_share(&child.name))
                    .map_or(1, |share| (share * cohort).round() as u64)
            };
            rundir::residuals::write_residuals(
                &writer,
                (&run.cohort, &run.registers, &run.links),
                &run.ledger,
                &name_count,
            )
        })?;
    }
    if let Some(run_dir) = &shared_state {
        rundir::state::share(run_dir, out.path())?;
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
    manifest.ledger_sha256 = rundir::manifest::ledger_hashes(out.path());
    rundir::manifest::write_manifest(out.path(), &manifest)?;
    let closed = writer.close()?;
    out.commit(closed)?;
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
        rundir::previous::latest_run(given, config.run_date, &config.out)?
    } else {
        given.clone()
    };
    let previous = rundir::previous::read(dir, &config.worked)?;
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
        .and_then(|parent| rundir::previous::latest_before(parent, tonight, &config.out).ok()?)
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
pub(crate) fn guard_inputs(
    config: &Config,
    inputs: &[InputInfo],
    registers: &Registers,
    cohort: &cohort::Cohort,
) -> anyhow::Result<()> {
    let records = ingest::input_records(inputs, registers);
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

/// Reads and normalises the registers, keeping whole the population rows of school age.
pub(crate) fn ingest_registers(
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
