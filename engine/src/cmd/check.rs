//! `sanku check`: the registers read and normalised, rejects and the manifest's input
//! section written, nothing linked.

use crate::cmd::run::out::prepare_out;
use crate::cmd::run::{guard_inputs, ingest_registers};
use crate::config::Config;
use crate::ground::threads::with_threads;
use crate::ground::vocab::Lang;
use crate::ground::{progress::Progress, timer::Timer};
use crate::pipeline::{cohort, guard};
use crate::rundir;
use crate::rundir::manifest::Manifest;

/// `sanku check`: loads and normalises every input, writes rejects and the manifest's
/// input section, links nothing. Returns the number of rejected rows.
pub fn check(config: &Config) -> anyhow::Result<u64> {
    rundir::manifest::check_not_a_run(&config.out)?;
    let out = prepare_out(config)?;
    with_threads(config.threads, || {
        let progress = Progress::new(config.quiet);
        let mut timer = Timer::new(config.verbose > 0);
        let (inputs, mut registers) = ingest_registers(config, &progress, &mut timer)?;
        let cohort = cohort::select_cohort(&mut registers.population, &config.cohort, config.as_of);
        guard_inputs(config, &inputs, &registers, &cohort)?;
        guard::shared_ids(&config.guards, &registers, &cohort).into_result()?;
        let rejects = registers.rejects();
        let writer = out.writer(Lang::En);
        rundir::rejects::write_rejects(&writer, &rejects)?;
        rundir::rejects::write_warnings(&writer, &registers.warnings())?;
        let manifest = Manifest::new(
            "check",
            config.settings(),
            &inputs,
            &registers,
            None,
            timer.stages(),
        );
        rundir::manifest::write_manifest(out.path(), &manifest)?;
        let closed = writer.close()?;
        out.commit(closed)?;
        Ok(rejects.len() as u64)
    })
}
