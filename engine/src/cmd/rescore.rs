//! `sanku rescore RUN_DIR --accept A --review R [--config FILE] --out DIR`: a run finished
//! again with other thresholds or m and u values, from the state it kept (rescore.state),
//! without reading the registers. The exact links and the pairs the first student pass and
//! the poverty pass compared are taken as they were; the weights are refitted when m or u
//! are fixed differently; the second-registration pass, whose pools follow the first pass's
//! links, is compared again; then every later stage runs as in a full run, so the files are
//! those of a full run with the same settings. A `[risk]` section in the config file gives
//! the at-risk list's rule; without one the run's stands.

use crate::cli::RescoreArgs;
use crate::cmd::run::out::Out;
use crate::cmd::run::{Linked, finish_run};
use crate::config;
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::ground::threads::with_threads;
use crate::ground::timer::Timer;
use crate::pipeline::link;
use crate::pipeline::outcome::RunReport;
use crate::rundir;
use crate::rundir::staging::RunDir;

/// Rescores `args.run` into `args.out`.
pub fn rescore(args: &RescoreArgs) -> anyhow::Result<RunReport> {
    let threads = config::threads(args.job.threads)?;
    let state_file = args.run.join(files::RESCORE_STATE);
    // The run read is an input: --out must not be it, nor hold it.
    crate::rundir::manifest::check_ledgers_unedited(&args.out)?;
    let dir = RunDir::prepare(&args.out, &[&state_file])?;
    let mut timer = Timer::new(args.job.verbose > 0);
    let state = timer.stage("state", || rundir::state::read(&args.run))?;
    let mut settings = state.settings;
    let made_with = rundir::manifest::read_manifest(&args.run)?
        .results
        .ok_or_else(|| bad_input(format!("{} holds no run's results", args.run.display())))?
        .fuzzy_options;
    settings.fuzzy =
        config::rescore_linkage(&made_with, args.config.as_deref(), args.accept, args.review)?;
    if let Some(rule) = config::rescore_risk(args.config.as_deref())? {
        settings.manifest.risk = Some(rule.clone());
        settings.risk = rule;
    }
    let out = Out {
        dir,
        pseudonymizer: None,
        rescored_from: Some(args.run.clone()),
    };
    let (registers, cohort, kept) = (state.registers, state.cohort, state.links);
    with_threads(threads, move || {
        let links = timer.stage("decide", || {
            link::relink(
                kept,
                &cohort,
                &registers,
                &settings.fuzzy,
                &settings.in_school,
            )
            .map(link::Linking::decide)
        })?;
        let linked = Linked {
            inputs: state.inputs,
            registers,
            cohort,
            links,
            previous: state.previous,
        };
        finish_run(&settings, out, linked, Some(args.run.clone()), timer)
    })
}
