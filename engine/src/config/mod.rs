//! The validated run configuration: command-line arguments, the optional TOML file and the
//! defaults (common Chinese headers and status words) merged into one plain `Config`.
//! Precedence: command line, then config file, then defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod dates;
mod file;
pub mod filelink;
mod linkage;
mod risk;
use file::{CohortFile, ConfigFile, GuardsFile, SourceFile, read_config_file};
use linkage::fuzzy_options;
pub use linkage::rescore_linkage;

use crate::cli::{InputArgs, RunArgs};
use crate::ground::error::bad_input;
use crate::ground::schema::{Field, SourceKind};
use crate::ground::vocab::Lang;
use crate::pipeline::cohort::CohortRule;
use crate::pipeline::guard::GuardRule;
use crate::pipeline::ingest::{CHUNK_ROWS, Inputs};
use crate::pipeline::link::fuzzy::FuzzyOptions;
use crate::pipeline::load::SourceOptions;
use crate::pipeline::load::encoding::{Encoding, UndecodableShare};
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::values::{
    InSchool, PersonStatus, Sex, StudentStatus, Vocabulary, fold_word,
};
use crate::rundir::manifest::Settings;
use crate::rundir::settings::RunSettings;

/// Everything a run needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    /// The registers, how to read them and the words they use.
    pub inputs: Inputs,
    pub out: PathBuf,
    /// The cohort's reference date: who is of school age.
    pub as_of: Date,
    /// The night the run stands for: its cases' dates, its history row, the exemptions
    /// still valid and the current term.
    pub run_date: Date,
    pub cohort: CohortRule,
    /// Student statuses that count as enrolled.
    pub in_school: InSchool,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// The key file of a pseudonymised run, and the key's fingerprint.
    pub pseudonymize: Option<PathBuf>,
    pub key_fingerprint: Option<String>,
    pub quiet: bool,
    pub verbose: u8,
    /// The config file, if any, and the SHA-256 of its bytes.
    pub file: Option<(PathBuf, String)>,
    /// Fuzzy linkage thresholds and limits.
    pub fuzzy: FuzzyOptions,
    /// County codes (6 digits) under key monitoring: marked and listed first.
    pub monitored_counties: Vec<String>,
    /// The signs of a wrong run that stop it (exit 3).
    pub guards: GuardRule,
    /// The previous run whose cases this run carries on (`--previous`), and the worked
    /// ledgers that came back from staff (`--worked`).
    pub previous: Option<PathBuf>,
    pub worked: Vec<PathBuf>,
    /// The language of the CSV files, workbooks and report.
    pub lang: Lang,
    /// Whether the run keeps rescore.state for `sanku rescore`.
    pub keep_state: bool,
    /// Whether the run writes residuals.parquet for the national reconcile.
    pub residuals: bool,
    /// How the children at risk are found.
    pub risk: crate::pipeline::risk::RiskRule,
}

/// The file extensions of registers: looked for in an input directory, per source stem,
/// and read from a register's folder.
const EXTENSIONS: [&str; 9] = [
    "csv", "parquet", "txt", "tsv", "xlsx", "xls", "xlsm", "xlsb", "ods",
];

impl Config {
    /// Validates the arguments of `run` into a config.
    pub fn from_run(args: &RunArgs) -> anyhow::Result<Config> {
        let mut config = Config::from_args(&args.inputs, args.accept, args.review)?;
        if !args.worked.is_empty() && args.previous.is_none() {
            return Err(bad_input(
                "--worked needs --previous: the worked ledger's cases are the previous run's",
            ));
        }
        if args.lang.is_some() {
            config.lang = lang(args.lang.as_deref(), "--lang")?;
        }
        config.previous.clone_from(&args.previous);
        if config.previous.is_some() {
            dates::check_out_name(&config.out, config.run_date)?;
        }
        config.keep_state = !args.no_state;
        config.residuals = args.residuals;
        // Ledgers handed back: files, a folder of them, or a quoted pattern.
        if !args.worked.is_empty() {
            config.worked = expand_all(&"--worked", args.worked.iter().cloned())?;
        }
        Ok(config)
    }

    /// Validates the arguments of `check` into a config (linkage thresholds from the
    /// config file, which `check` validates too).
    pub fn from_check(args: &InputArgs) -> anyhow::Result<Config> {
        Config::from_args(args, None, None)
    }

    /// Merges the flags, the config file and the defaults.
    fn from_args(
        args: &InputArgs,
        accept: Option<f64>,
        review: Option<f64>,
    ) -> anyhow::Result<Config> {
        let config_path = args.config.clone().or_else(|| {
            args.dir
                .as_ref()
                .map(|d| d.join("sanku.toml"))
                .filter(|p| p.is_file())
        });
        let (file, file_info) = match &config_path {
            Some(path) => {
                let (parsed, hash) = read_config_file(path)?;
                (parsed, Some((path.clone(), hash)))
            }
            None => (ConfigFile::default(), None),
        };
        let config_dir = config_path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();

        let run_date = match args.run_date.as_deref() {
            Some(text) => dates::run_day(text, "--run-date (or SANKU_RUN_DATE)")?,
            None => dates::today(),
        };
        let as_of = match (args.as_of.as_deref(), file.as_of.as_deref()) {
            (Some(text), _) => dates::run_day(text, "--as-of")?,
            (None, Some(text)) => dates::run_day(text, "config: as_of")?,
            (None, None) => dates::school_year_start(run_date),
        };
        let key_fingerprint = args
            .pseudonymize
            .as_deref()
            .map(|key| crate::rundir::pseudonym::Pseudonymizer::load(key).map(|p| p.fingerprint()))
            .transpose()?;
        let cohort = cohort_rule(&file.cohort)?;
        let mut vocabulary = Vocabulary::default();
        extend_vocabulary(&mut vocabulary, &file)?;
        let in_school = match &file.in_school_statuses {
            Some(list) => InSchool(
                list.iter()
                    .map(|s| {
                        StudentStatus::from_key(s).ok_or_else(|| {
                            bad_input(format!("config: in_school_statuses: unknown status `{s}`"))
                        })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?,
            ),
            None => InSchool::default(),
        };

        let max_undecodable = match file.max_undecodable_share {
            Some(share) if !(0.0..=1.0).contains(&share) => {
                return Err(bad_input(format!(
                    "config: max_undecodable_share ({share}) must be a share between 0 and 1"
                )));
            }
            share => share.map_or_else(UndecodableShare::default, UndecodableShare),
        };
        let mut sources = BTreeMap::new();
        for kind in SourceKind::ALL {
            let section = match kind {
                SourceKind::Population => &file.population,
                SourceKind::Students => &file.students,
                SourceKind::Poverty => &file.poverty,
                SourceKind::Exemptions => &file.exemptions,
                SourceKind::Disability => &file.disability,
                SourceKind::Aid => &file.aid,
            };
            let explicit = match kind {
                SourceKind::Population => &args.population,
                SourceKind::Students => &args.students,
                SourceKind::Poverty => &args.poverty,
                SourceKind::Exemptions => &args.exemptions,
                SourceKind::Disability => &args.disability,
                SourceKind::Aid => &args.aid,
            };
            let configured = section.as_ref().and_then(|s| s.file.as_ref());
            let files = match (explicit.is_empty(), configured) {
                (false, _) => expand_all(&kind, explicit.iter().cloned())?,
                (true, Some(paths)) => {
                    expand_all(&kind, paths.paths().iter().map(|p| config_dir.join(p)))?
                }
                (true, None) => match &args.dir {
                    Some(dir) => find_source(dir, kind)?,
                    None => Vec::new(),
                },
            };
            if files.is_empty() {
                if kind.required() {
                    let place = args.dir.as_ref().map_or(
                        "no input directory given".to_string(),
                        |d| {
                            format!(
                                "looked in {} for {kind}.csv, .xlsx, .parquet … or a {kind} folder",
                                d.display()
                            )
                        },
                    );
                    return Err(bad_input(format!(
                        "no {kind} file ({place}; or give --{kind} FILE)"
                    )));
                }
                continue;
            }
            let mut options = SourceOptions {
                files,
                max_undecodable,
                ..SourceOptions::default()
            };
            if let Some(section) = section {
                apply_source_section(kind, section, &mut options)?;
            }
            sources.insert(kind, options);
        }

        Ok(Config {
            inputs: Inputs {
                sources,
                vocabulary,
                chunk_rows: match args.chunk_rows {
                    Some(0) => return Err(bad_input("--chunk-rows must be at least 1")),
                    Some(n) => n,
                    None => CHUNK_ROWS,
                },
            },
            out: args.out.clone(),
            as_of,
            run_date,
            cohort,
            in_school,
            threads: threads(args.threads)?,
            pseudonymize: args.pseudonymize.clone(),
            key_fingerprint,
            quiet: args.quiet,
            verbose: args.verbose,
            fuzzy: fuzzy_options(accept, review, &file.linkage)?,
            monitored_counties: monitored_counties(&file.monitored_counties)?,
            guards: guard_rule(&file.guards, args.force)?,
            previous: None,
            worked: Vec::new(),
            lang: lang(file.output.lang.as_deref(), "[output] lang")?,
            keep_state: true,
            residuals: false,
            risk: risk::risk_rule(&file.risk.unwrap_or_default())?,
            file: file_info,
        })
    }

    /// What the stages after linkage and the run directory need.
    pub fn run_settings(&self) -> RunSettings {
        RunSettings {
            as_of: self.as_of,
            run_date: self.run_date,
            in_school: self.in_school.clone(),
            monitored_counties: self.monitored_counties.clone(),
            guards: self.guards.clone(),
            fuzzy: self.fuzzy.clone(),
            lang: self.lang,
            residuals: self.residuals,
            risk: self.risk.clone(),
            manifest: self.settings(),
        }
    }

    /// The settings that decide the output, for the manifest.
    pub fn settings(&self) -> Settings {
        Settings {
            as_of: self.as_of.to_string(),
            run_date: Some(self.run_date.to_string()),
            cohort: self.cohort,
            in_school_statuses: self
                .in_school
                .0
                .iter()
                .map(|s| s.key().to_string())
                .collect(),
            monitored_counties: self.monitored_counties.clone(),
            config_file: self.file.as_ref().map(|(p, _)| p.display().to_string()),
            config_sha256: self.file.as_ref().map(|(_, h)| h.clone()),
            pseudonymized: self.pseudonymize.is_some(),
            key_fingerprint: self.key_fingerprint.clone(),
            lang: self.lang.key().to_string(),
            previous: self.previous.as_ref().map(|p| p.display().to_string()),
            risk: Some(self.risk.clone()),
        }
    }
}

/// The `[risk]` section of the config file of `sanku rescore`, when it has one: the run's
/// rule stands otherwise.
pub fn rescore_risk(
    config: Option<&Path>,
) -> anyhow::Result<Option<crate::pipeline::risk::RiskRule>> {
    let Some(path) = config else {
        return Ok(None);
    };
    let file = read_config_file::<ConfigFile>(path)?.0;
    file.risk.as_ref().map(risk::risk_rule).transpose()
}

fn guard_rule(file: &GuardsFile, force: bool) -> anyhow::Result<GuardRule> {
    let mut rule = GuardRule {
        enabled: !force,
        ..GuardRule::default()
    };
    if let Some(share) = file.max_rejected_share {
        if !(0.0..=1.0).contains(&share) {
            return Err(bad_input(format!(
                "config: [guards] max_rejected_share ({share}) must be a share between 0 and 1"
            )));
        }
        rule.max_rejected_share = share;
    }
    if let Some(years) = file.as_of_years {
        if !(years >= 0.0 && years.is_finite()) {
            return Err(bad_input(format!(
                "config: [guards] as_of_years ({years}) must be a number of years, 0 to turn it off"
            )));
        }
        rule.as_of_years = years;
    }
    rule.empty_cohort = file.empty_cohort.unwrap_or(rule.empty_cohort);
    rule.no_enrolled = file.no_enrolled.unwrap_or(rule.no_enrolled);
    rule.unmatched_columns = file.unmatched_columns.unwrap_or(rule.unmatched_columns);
    Ok(rule)
}

/// The worker-thread count: 0 (the default) for one per core, else at most 1024.
/// A `--threads` value checked; 0 means one per core.
pub fn threads(asked: Option<usize>) -> anyhow::Result<usize> {
    const MAX_THREADS: usize = 1024;
    match asked.unwrap_or(0) {
        n if n > MAX_THREADS => Err(bad_input(format!(
            "--threads {n}: at most {MAX_THREADS} (0 for one per core)"
        ))),
        n => Ok(n),
    }
}

/// Six-digit county codes, sorted and without repeats.
/// The output language named by `key` (English when none).
fn lang(key: Option<&str>, what: &str) -> anyhow::Result<Lang> {
    key.map_or(Ok(Lang::En), |k| {
        Lang::from_key(k).ok_or_else(|| bad_input(format!("{what} `{k}`: expected en or zh")))
    })
}

fn monitored_counties(codes: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_input(format!(
                "monitored_counties: {code:?} is not a 6-digit county code"
            )));
        }
        out.push(code.to_string());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn cohort_rule(file: &CohortFile) -> anyhow::Result<CohortRule> {
    let mut rule = CohortRule::default();
    if let Some(age) = file.entry_age {
        rule.entry_age = age;
    }
    if let Some(age) = file.max_age {
        rule.max_age = age;
    }
    if !(0..=30).contains(&rule.entry_age) || rule.max_age < rule.entry_age || rule.max_age > 30 {
        return Err(bad_input(format!(
            "config: cohort ages {}..={} are not a valid range",
            rule.entry_age, rule.max_age
        )));
    }
    if let Some(cutoff) = &file.cutoff {
        let day = Date::parse(&format!("2001-{}", cutoff.trim())).ok_or_else(|| {
            bad_input(format!(
                "config: cohort.cutoff `{cutoff}` is not a day of the year (MM-DD)"
            ))
        })?;
        rule.cutoff_month = day.month;
        rule.cutoff_day = day.day;
    }
    Ok(rule)
}

fn extend_vocabulary(vocabulary: &mut Vocabulary, file: &ConfigFile) -> anyhow::Result<()> {
    for word in &file.sex.male {
        vocabulary.sex.insert(word, Sex::Male);
    }
    for word in &file.sex.female {
        vocabulary.sex.insert(word, Sex::Female);
    }
    for word in &file.sex.unknown {
        vocabulary.sex.insert(word, Sex::Unknown);
    }
    for (word, key) in &file.exemption_reasons {
        vocabulary.reason.insert(fold_word(word), key.clone());
    }
    if let Some(section) = &file.population {
        for (word, key) in &section.status {
            let status = PersonStatus::from_key(key).ok_or_else(|| {
                bad_input(format!(
                    "config: [population.status] `{word}`: unknown status `{key}`"
                ))
            })?;
            vocabulary.person_status.insert(word, status);
        }
    }
    if let Some(section) = &file.students {
        for (word, key) in &section.status {
            let status = StudentStatus::from_key(key).ok_or_else(|| {
                bad_input(format!(
                    "config: [students.status] `{word}`: unknown status `{key}`"
                ))
            })?;
            vocabulary.student_status.insert(word, status);
        }
    }
    for (kind, section) in [
        (SourceKind::Poverty, &file.poverty),
        (SourceKind::Exemptions, &file.exemptions),
        (SourceKind::Disability, &file.disability),
        (SourceKind::Aid, &file.aid),
    ] {
        if section.as_ref().is_some_and(|s| !s.status.is_empty()) {
            return Err(bad_input(format!(
                "config: [{kind}.status] is not used; status words belong to population and students"
            )));
        }
    }
    Ok(())
}

fn apply_source_section(
    kind: SourceKind,
    section: &SourceFile,
    options: &mut SourceOptions,
) -> anyhow::Result<()> {
    if let Some(sheet) = &section.sheet {
        options.sheet = Some(sheet.clone());
    }
    if let Some(n) = section.header_row {
        if n == 0 {
            return Err(bad_input(format!(
                "config: [{kind}] header_row counts lines from 1"
            )));
        }
        options.header_row = Some(n);
    }
    if let Some(enc) = &section.encoding {
        if !enc.trim().eq_ignore_ascii_case("auto") {
            options.encoding = Some(
                Encoding::from_key(enc)
                    .ok_or_else(|| bad_input(format!("config: [{kind}] encoding `{enc}` is not one of utf-8, gb18030, gbk, utf-16le, utf-16be, auto")))?,
            );
        }
    }
    if let Some(d) = &section.delimiter {
        options.delimiter = Some(match d.as_str() {
            "\\t" | "\t" | "tab" => b'\t',
            s if s.len() == 1 && !matches!(s, "\"" | "\n" | "\r") => s.as_bytes()[0],
            _ => {
                return Err(bad_input(format!(
                    "config: [{kind}] delimiter `{d}` must be one ASCII character or \"tab\""
                )));
            }
        });
    }
    for (key, column) in &section.columns {
        let field = Field::from_key(key)
            .filter(|f| kind.fields().iter().any(|(g, _)| g == f))
            .ok_or_else(|| {
                bad_input(format!(
                    "config: [{kind}.columns] `{key}` is not a field of {kind}"
                ))
            })?;
        options.columns.insert(field, column.clone());
    }
    Ok(())
}

/// Finds a source in an input directory: `DIR/<stem>.<ext>` or the folder `DIR/<stem>/`;
/// two candidates are an error.
fn find_source(dir: &Path, kind: SourceKind) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(bad_input(format!(
            "input directory {} does not exist",
            dir.display()
        )));
    }
    let folder = dir.join(kind.key());
    let found: Vec<PathBuf> = EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{}.{ext}", kind.key())))
        .filter(|p| p.is_file())
        .chain(folder.is_dir().then_some(folder))
        .collect();
    match found.as_slice() {
        [] => Ok(Vec::new()),
        [one] => expand_all(&kind, std::iter::once(one.clone())),
        many => Err(bad_input(format!(
            "{} has several {kind} files ({}); name one with --{kind}",
            dir.display(),
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The files a register is given as, sorted by path without repeats: each path a file, a
/// folder (its register files: hidden files and Excel's `~$` lock files left out) or a
/// pattern (`人口/*.csv`). A path that names nothing is an error.
fn expand_all(
    kind: &dyn std::fmt::Display,
    paths: impl Iterator<Item = PathBuf>,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let before = files.len();
        let text = path.to_string_lossy();
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).map_err(|e| {
                bad_input(format!(
                    "{kind} folder {}: cannot read: {e}",
                    path.display()
                ))
            })?;
            for entry in entries {
                let file = entry
                    .map_err(|e| {
                        bad_input(format!(
                            "{kind} folder {}: cannot read: {e}",
                            path.display()
                        ))
                    })?
                    .path();
                if is_register_file(&file) {
                    files.push(file);
                }
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else if text.contains(['*', '?', '[']) {
            let matches = glob::glob(&text)
                .map_err(|e| bad_input(format!("{kind} pattern `{text}`: {e}")))?;
            files.extend(matches.filter_map(Result::ok).filter(|p| p.is_file()));
        } else {
            return Err(bad_input(format!(
                "{kind} file {} does not exist",
                path.display()
            )));
        }
        if files.len() == before {
            return Err(bad_input(format!(
                "{kind}: {} holds no register file ({})",
                path.display(),
                EXTENSIONS.join(", ")
            )));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// A file a register folder holds: a known extension, not hidden, not a lock file.
fn is_register_file(path: &Path) -> bool {
    crate::pipeline::load::is_table_file(path, &EXTENSIONS)
}
