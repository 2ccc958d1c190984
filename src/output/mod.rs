//! Stage 8, `output`: writes the run directory. The run is written into a staging
//! directory swapped into place whole (see `run_dir`); every file is written privately
//! (see `atomic`), sorted by stable keys so that two runs diff cleanly; the
//! manifest is written last.

pub(crate) mod atomic;
pub(crate) mod candidates;
pub(crate) mod checks;
pub(crate) mod csv;
pub(crate) mod ledger;
pub(crate) mod links;
pub(crate) mod manifest;
pub(crate) mod pseudonym;
pub(crate) mod rejects;
pub(crate) mod review;
pub(crate) mod run_dir;
pub(crate) mod summary;
