//! What every layer shares: the registers' fields and the run directory's file names
//! (`schema`), the Chinese words and column names (`vocab`), rejects, masking of ID numbers
//! and names in messages, errors and their exit codes, progress, stage timers, the seeded
//! random numbers, the division name table, and the long vectors of the rescore state.

pub(crate) mod binary;
pub mod divisions;
pub mod error;
pub mod mask;
pub mod progress;
pub(crate) mod reject;
pub mod rng;
pub mod schema;
pub(crate) mod text;
pub mod threads;
pub(crate) mod timer;
pub mod vocab;
