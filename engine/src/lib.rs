//! sanku (三库) compares the population, student enrollment and poverty registers and
//! writes a ledger of every school-age child who appears in no enrollment record, poor
//! children first.
//!
//! The crate, from the commands down (docs/architecture.md draws it):
//!
//! ```text
//! cli, config, cmd      the command line, sanku.toml and one module per command
//! reconcile             the national comparison over the provinces' run directories
//! filelink              `sanku link`: any two files linked by a link config
//! rundir                the run directory: its files written, and read back
//! pipeline              the nightly run, its stages in data-flow order:
//!   load → normalize → ingest → cohort → guard → link → classify → verify → history
//!   → summary; `cmd/run` and `cmd/check` call them, `rescore` takes over after link
//! ground                what every layer shares: fields and file names, words, rejects,
//!                       masking, errors, progress, timers
//! ```

pub mod cli;
pub mod cmd;
pub mod config;
pub mod filelink;
pub mod ground;
pub mod pipeline;
pub mod reconcile;
pub mod rundir;
