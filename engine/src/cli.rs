//! The command line (clap derive). Doc comments here are the `--help` text. Nothing past
//! `config.rs` sees these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Finds school-age children missing from the enrollment register by comparing the
/// population, student and poverty registers.
///
/// Exit codes: 0 success; 1 runtime failure; 2 bad input or usage; 3 the run looks wrong
/// (a guard tripped: most rows rejected, no child enrolled …) and nothing was written.
#[derive(Debug, Parser)]
#[command(name = "sanku", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the comparison: load, normalise, find the cohort, link, classify, write the run.
    ///
    /// Night after night, --previous names the last run (or the folder of the runs). County
    /// staff add their columns (责任人, 跟进情况 …) to that run's ledger.xlsx and hand the
    /// worked ledgers back in its returned/ folder (PREV_RUN_DIR/returned/: workbooks or
    /// CSV files, one per county is fine), or save them in place, or give them with --worked;
    /// tonight's ledger carries their columns by case. A run never replaces a run
    /// directory whose returned/ folder holds files (exit 2).
    Run(RunArgs),
    /// Validate the config and the inputs: write rejects.csv and manifest.json, link nothing.
    Check(InputArgs),
    /// Write synthetic registers with ground truth (DIR/truth/) that `run` can read.
    Generate(GenerateArgs),
    /// Score a run against the ground truth of generated registers.
    Evaluate(EvaluateArgs),
    /// Explain why a child (ID number or case number) or a student record (student number)
    /// was or was not linked in a run.
    Explain(ExplainArgs),
    /// List the children whose class (flagged and why, exempt, enrolled) changed between
    /// two runs, as CSV on standard output; a summary line on standard error.
    Diff(DiffArgs),
    /// Finish a run again with other thresholds or m and u values, from the pairs it
    /// compared (its rescore.state), without reading the registers: the same files as a
    /// full run with those settings.
    Rescore(RescoreArgs),
    /// Link every province's flagged children against the other provinces' leftover
    /// records (the runs' residuals.parquet, from `run --residuals`, or their encodings,
    /// from `encode`) and write the national ledger: the provincial ledgers less the
    /// children found in school elsewhere.
    Reconcile(ReconcileArgs),
    /// Encode a province's residuals (`run --residuals`) at home for a reconcile that sees
    /// no name or ID number in clear: ID numbers as keyed tokens, names and birth dates as
    /// Bloom filters under keys derived from KEYFILE (docs/privacy.md).
    Encode(EncodeArgs),
    /// Link any two files (or deduplicate one) with the registers' engine, as a link
    /// config (link.toml) describes their fields, blocking and thresholds.
    Link(LinkArgs),
    /// Write a shell completion script to standard output.
    ///
    /// bash: `sanku completions bash > ~/.local/share/bash-completion/completions/sanku`;
    /// zsh: `sanku completions zsh > _sanku` in a folder of $fpath; fish: `sanku
    /// completions fish > ~/.config/fish/completions/sanku.fish`; PowerShell: `sanku
    /// completions powershell | Out-String | Invoke-Expression` in $PROFILE.
    Completions(CompletionsArgs),
    /// Write the manual page of sanku or of one of its commands (roff) to standard output,
    /// or every page to a folder.
    ///
    /// `sanku man run | man -l -` shows the page of `sanku run`; `sanku man --out DIR`
    /// writes sanku.1, sanku-run.1, sanku-check.1 … into DIR (for /usr/local/share/man/man1).
    Man(ManArgs),
}

/// Threads and logging, for the commands that run without a config's inputs.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No closing summary line.
    #[arg(long, short)]
    pub quiet: bool,

    /// More log lines on stderr (stage timings).
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Options of `link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The left file (CSV, workbook or Parquet).
    pub left: PathBuf,

    /// The right file; omitted with --dedupe.
    pub right: Option<PathBuf>,

    /// The link config: fields and comparison kinds, blocking rules, thresholds.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    /// Find the records of one file that are the same (the left file; no right file).
    #[arg(long)]
    pub dedupe: bool,

    /// Match weight (bits, log-odds with the prior) at or above which a pair links
    /// (default: the config's, else 4).
    #[arg(long, value_name = "BITS")]
    pub accept: Option<f64>,

    /// Match weight at or above which a pair goes to review (default: the config's, else 0).
    #[arg(long, value_name = "BITS")]
    pub review: Option<f64>,

    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub job: JobArgs,
}

/// Options of `rescore`.
#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// The run directory to rescore.
    pub run: PathBuf,

    /// Match weight (bits) at or above which a fuzzy pair links (default: the run's).
    #[arg(long, value_name = "BITS")]
    pub accept: Option<f64>,

    /// Match weight (bits) at or above which a fuzzy pair goes to review (default: the
    /// run's).
    #[arg(long, value_name = "BITS")]
    pub review: Option<f64>,

    /// A config file whose [linkage] section (thresholds, tie margin, candidate floor, m
    /// and u values) replaces the run's; its other sections are not read.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output directory of the rescored run.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub job: JobArgs,
}

/// Options of `reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The provinces' run directories, each made with `sanku run --residuals`, one per
    /// province, of one as-of date and one version of sanku; or their encodings (`sanku
    /// encode`, every one under one key), never some of each.
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<PathBuf>,

    /// Match weight (bits) at or above which a fuzzy pair links (default: the runs').
    #[arg(long, value_name = "BITS")]
    pub accept: Option<f64>,

    /// Match weight (bits) at or above which a fuzzy pair goes to review (default: the
    /// runs').
    #[arg(long, value_name = "BITS")]
    pub review: Option<f64>,

    /// Output directory of the national result, replaced whole.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub job: JobArgs,
}

impl ReconcileArgs {
    /// What the reconcile takes from the command line.
    pub fn options(&self) -> crate::reconcile::Options {
        crate::reconcile::Options {
            runs: self.runs.clone(),
            accept: self.accept,
            review: self.review,
            out: self.out.clone(),
            threads: self.job.threads,
            verbose: self.job.verbose > 0,
        }
    }
}

/// Options of `encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The province's run directory, made with `sanku run --residuals`, in clear.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,

    /// The key file (at least 16 bytes; `head -c 32 /dev/urandom > KEYFILE`): every
    /// province encodes with the one key, which the reconciling authority never holds.
    #[arg(long, value_name = "KEYFILE")]
    pub key: PathBuf,

    /// Output directory of the encoded residuals, replaced whole.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub job: JobArgs,
}

impl EncodeArgs {
    /// What the encoding takes from the command line.
    pub fn options(&self) -> crate::reconcile::encode::Options {
        crate::reconcile::encode::Options {
            run: self.run.clone(),
            key: self.key.clone(),
            out: self.out.clone(),
            threads: self.job.threads,
        }
    }
}

/// Options of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run directory.
    pub before: PathBuf,

    /// The later run directory.
    pub after: PathBuf,

    /// Counts per county instead of the list of children.
    #[arg(long)]
    pub by_county: bool,
}

/// Options of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The run directory.
    pub run: PathBuf,

    /// A child's ID number, a student number or a case number (C20261130-000012).
    pub key: String,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete sanku's commands and options in.
    pub shell: clap_complete::Shell,
}

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to write (run, check, rescore …); none: sanku's own page.
    #[arg(conflicts_with = "out")]
    pub command: Option<String>,

    /// Write every page (sanku.1 and one per command) into DIR, created if absent.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Options of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of population rows (of each province, with --provinces).
    #[arg(long, value_name = "N")]
    pub population: u64,

    /// Writes a country of K provinces, 1 to 31 (1: one province's registers in DIR).
    ///
    /// DIR/<code>/ holds each province's registers and truth as --provinces 1 writes them,
    /// with children who study in another province of the country (their population row
    /// at home, their student records where they study); DIR/truth/ the national truth;
    /// DIR/country/ every province's registers as one input folder (links, not copies) for
    /// a whole-country `sanku run DIR/country`. --population is per province. Provinces
    /// join in the order 44 广东, 51 四川, 34 安徽, 33 浙江, 41 河南, 52 贵州 … (docs/usage.md).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub provinces: usize,

    /// Random seed: the same seed and options give byte-identical files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// As-of date the registers are made for, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", default_value = "2026-09-01")]
    pub as_of: String,

    /// Header language: zh (default) or en.
    #[arg(long, value_name = "LANG", default_value = "zh")]
    pub headers: String,

    /// Text encoding: utf-8 (default) or gb18030.
    #[arg(long, value_name = "ENC", default_value = "utf-8")]
    pub encoding: String,

    /// Data file format: csv (default) or parquet.
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    pub format: String,

    /// Rate of one injected error kind, e.g. `--error-rate id_missing=0.02` (repeatable).
    /// Kinds: id_substitution, id_transposition, id_missing, id_format, name_homophone,
    /// name_traditional, birth_swap, birth_off_by_one, wrong_sex.
    #[arg(long, value_name = "KIND=RATE")]
    pub error_rate: Vec<String>,

    /// Share of school-age children who dropped out.
    #[arg(long, value_name = "RATE")]
    pub dropout_rate: Option<f64>,

    /// Share of households in the poverty register.
    #[arg(long, value_name = "RATE")]
    pub poverty_rate: Option<f64>,

    /// Multiplies every injected error rate (0 for clean registers).
    #[arg(long, value_name = "FACTOR")]
    pub error_scale: Option<f64>,

    /// Writes the registers as they stand on night K of a series (1, the default, is the
    /// set --as-of describes): the same people, each night --night-days later; between
    /// nights some dropouts return, some pupils drop out, and crossing August 31 a year
    /// of births ages into the cohort and the oldest out.
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub night: u32,

    /// Days between two nights of a series.
    #[arg(long, value_name = "DAYS", default_value_t = 1)]
    pub night_days: u32,

    /// No closing summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The truth directory written by `generate` (DIR/truth).
    #[arg(long, value_name = "DIR")]
    pub truth: PathBuf,

    /// The run directory to score.
    pub run: PathBuf,
}

/// Options of `run`: the inputs and the linkage thresholds.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub inputs: InputArgs,

    /// Match weight (bits) at or above which a fuzzy pair links (default 13).
    #[arg(long, value_name = "BITS")]
    pub accept: Option<f64>,

    /// Match weight (bits) at or above which a fuzzy pair goes to review (default 10).
    #[arg(long, value_name = "BITS")]
    pub review: Option<f64>,

    /// The previous night's run directory, or the folder of the nightly runs (the latest
    /// before tonight is taken): each flagged child keeps its case number, date first
    /// flagged and the staff's columns; cases no longer flagged go to closed.csv. The
    /// staff's columns are read from its ledger.csv and ledger.xlsx, the ledgers handed
    /// back in its returned/ folder, then the --worked files.
    #[arg(long, value_name = "PREV_RUN_DIR")]
    pub previous: Option<PathBuf>,

    /// A ledger worked by staff (.xlsx or .csv, as saved by Excel or WPS), a folder of
    /// them or a quoted pattern, whose added columns are carried by case; repeatable. The
    /// previous run's own ledger.csv, ledger.xlsx and returned/ folder are read first;
    /// where two files give a case's column differently, the later file's value is kept.
    #[arg(long, value_name = "FILE")]
    pub worked: Vec<PathBuf>,

    /// Language of the CSV files, workbooks and report: en (default) or zh (Chinese column
    /// names and words). Also `[output] lang` in the config.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,

    /// Keep no rescore.state (the normalised registers and compared pairs `sanku rescore`
    /// starts from). A pseudonymised run never keeps one.
    #[arg(long)]
    pub no_state: bool,

    /// Also write residuals.parquet: the flagged children and the records no child took,
    /// for `sanku reconcile` across provinces (docs/national.md).
    #[arg(long)]
    pub residuals: bool,
}

/// Options of `check`, and the inputs and output of `run`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Directory holding population.*, students.*, poverty.*, optional exemptions.*,
    /// disability.*, aid.* and sanku.toml (.csv, .txt, .tsv, .xlsx, .xls, .ods or .parquet), or a folder
    /// per register (DIR/population/ holding one file per county).
    pub dir: Option<PathBuf>,

    /// Population register: a file, a folder of files or a quoted pattern
    /// ("人口/*.xlsx"); repeat for several (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub population: Vec<PathBuf>,

    /// Student enrollment register, as for --population (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub students: Vec<PathBuf>,

    /// Poverty household register, as for --population (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub poverty: Vec<PathBuf>,

    /// Exemptions, as for --population (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub exemptions: Vec<PathBuf>,

    /// Disability certificate holders (残疾人证), as for --population (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub disability: Vec<PathBuf>,

    /// Student aid paid (资助), as for --population (overrides DIR).
    #[arg(long, value_name = "FILE")]
    pub aid: Vec<PathBuf>,

    /// Config file (default: DIR/sanku.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output directory of the run.
    #[arg(long, value_name = "DIR", default_value = "sanku-out")]
    pub out: PathBuf,

    /// The cohort's reference date, YYYY-MM-DD (default: September 1 of the run date's
    /// school year): who is of school age.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// The night this run stands for, YYYY-MM-DD (default: today): dates its new cases
    /// and its row of history.csv, decides which exemptions are still valid and which term
    /// aid is for, and picks the run `--previous` carries on (one of an earlier run date).
    #[arg(long, value_name = "DATE", env = "SANKU_RUN_DATE")]
    pub run_date: Option<String>,

    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Writes a run to share outside the data centre: ID, student and household numbers
    /// become keyed tokens (HMAC-SHA256 under the key in KEYFILE, stable across runs),
    /// names and quoted input values are dropped.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,

    /// Write the run even when it looks wrong (see the guards in docs/usage.md).
    #[arg(long)]
    pub force: bool,

    /// Rows read per chunk (for testing chunk boundaries). Output does not depend on it.
    #[arg(long, value_name = "N", hide = true)]
    pub chunk_rows: Option<usize>,

    /// No progress bars and no closing summary line.
    #[arg(long, short)]
    pub quiet: bool,

    /// More log lines on stderr (stage timings).
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
}
