//! Stage 8, `output`: writes the run directory. The run is written into a staging
//! directory swapped into place whole (see `run_dir`); every file is written privately
//! (see `atomic`), sorted by stable keys so that two runs diff cleanly; the
//! manifest is written last.

pub mod atomic;
pub mod candidates;
pub mod checks;
pub mod csv;
pub mod ledger;
pub mod links;
pub mod manifest;
pub mod pseudonym;
pub mod rejects;
pub mod review;
pub mod run_dir;
pub mod summary;

pub use manifest::{InputRecord, Manifest};
