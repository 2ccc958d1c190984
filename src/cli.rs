//! The command line (clap derive). Doc comments here are the `--help` text. Nothing past
//! `config.rs` sees these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Finds school-age children missing from the enrollment register by comparing the
/// population, student and poverty registers.
///
/// Exit codes: 0 success; 1 runtime failure; 2 bad input or usage.
#[derive(Debug, Parser)]
#[command(name = "sanku", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the comparison: load, normalise, find the cohort, link, classify, write the run.
    Run(RunArgs),
    /// Validate the config and the inputs: write rejects.csv and manifest.json, link nothing.
    Check(RunArgs),
}

/// Options shared by `run` and `check`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Directory holding population.*, students.*, poverty.*, optional exemptions.* and
    /// optional sanku.toml (.csv, .txt, .tsv or .parquet).
    pub dir: Option<PathBuf>,

    /// Population register file (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub population: Option<PathBuf>,

    /// Student enrollment register file (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub students: Option<PathBuf>,

    /// Poverty household register file (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub poverty: Option<PathBuf>,

    /// Exemptions file (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub exemptions: Option<PathBuf>,

    /// Config file (default: DIR/sanku.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output directory of the run.
    #[arg(long, value_name = "DIR", default_value = "sanku-out")]
    pub out: PathBuf,

    /// As-of date, YYYY-MM-DD (default: September 1 of the current school year).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bars and no closing summary line.
    #[arg(long, short)]
    pub quiet: bool,

    /// More log lines on stderr (stage timings).
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
}
