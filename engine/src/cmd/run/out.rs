//! The run directory a run or a rescore is writing.

use crate::config::Config;
use crate::rundir;
use crate::rundir::settings::RunSettings;

/// A run directory being written, and the pseudonymiser its files pass through before
/// it is put in place.
pub(crate) struct Out {
    pub(crate) dir: rundir::staging::RunDir,
    pub(crate) pseudonymizer: Option<rundir::pseudonym::Pseudonymizer>,
    /// The run directory a rescore started from.
    pub(crate) rescored_from: Option<std::path::PathBuf>,
}

impl Out {
    pub(crate) fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// How a run with `settings` makes its files final.
    pub(crate) fn finish<'a>(&'a self, settings: &'a RunSettings) -> rundir::Finish<'a> {
        rundir::Finish {
            pseudonymizer: self.pseudonymizer.as_ref(),
            lang: settings.lang,
            run_date: settings.run_date,
            thresholds: &settings.fuzzy.thresholds,
        }
    }

    /// Makes the files final (a run's as `finish` says; `check`'s pseudonymised when
    /// asked) and puts the run in place.
    pub(crate) fn commit(self, run: Option<&RunSettings>) -> anyhow::Result<()> {
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
pub(crate) fn prepare_out(config: &Config) -> anyhow::Result<Out> {
    let pseudonymizer = config
        .pseudonymize
        .as_deref()
        .map(rundir::pseudonym::Pseudonymizer::load)
        .transpose()?;
    let inputs: Vec<_> = config
        .inputs
        .sources
        .values()
        .flat_map(|s| s.files.iter().map(std::path::PathBuf::as_path))
        .collect();
    rundir::manifest::check_ledgers_unedited(&config.out)?;
    let dir = rundir::staging::RunDir::prepare(&config.out, &inputs)?;
    Ok(Out {
        dir,
        pseudonymizer,
        rescored_from: None,
    })
}
