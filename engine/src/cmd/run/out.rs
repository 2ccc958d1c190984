//! The run directory a run or a rescore is writing.

use crate::config::Config;
use crate::ground::vocab::Lang;
use crate::rundir;

/// A run directory being written, and the pseudonymiser its tables pass through as they
/// are written.
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

    /// The writer of the run's tables, in `lang`.
    pub(crate) fn writer(&self, lang: Lang) -> rundir::Writer<'_> {
        rundir::writer(self.dir.path(), self.pseudonymizer.as_ref(), lang)
    }

    /// Puts the run in place: only once the writer of its files has checked them
    /// ([`rundir::Writer::close`] gives the proof).
    pub(crate) fn commit(self, _closed: rundir::writer::Closed) -> anyhow::Result<()> {
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
