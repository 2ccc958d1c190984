//! Subcommands other than the nightly run. Each reuses the pipeline's stages.

pub mod diff;
pub mod evaluate;
pub mod explain;
pub mod explain_link;
pub mod generate;
pub mod link;
pub mod rescore;
