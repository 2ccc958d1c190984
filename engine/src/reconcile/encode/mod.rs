//! `sanku encode`: a province's residuals (residuals.parquet of `sanku run --residuals`)
//! encoded at home for a reconcile that never sees a name or an ID number in clear
//! (docs/privacy.md). The ID numbers become keyed tokens (HMAC-SHA256, as
//! `--pseudonymize` makes them) with keyed tokens of their fragments; names and birth dates
//! become Bloom filters keyed by keys derived from the same key; of the other columns only
//! those the reconcile needs are kept, identifiers as tokens. The birth date is dropped:
//! its year stays for blocking. The encoding's parameters go to manifest.json.

mod bloom;
mod features;
mod row;

use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;
use serde::Serialize;

pub use self::bloom::{FieldFilter, dice, from_hex};
use super::inputs::{self, ProvinceRun};
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::rundir::pseudonym::Pseudonymizer;
use crate::rundir::staging::RunDir;

/// The encoded residuals' file.
pub const ENCODED_PARQUET: &str = "encoded.parquet";
/// The encoding's name and version, in the manifest: a reconcile compares only encodings
/// of one scheme under one key.
pub const SCHEME: &str = "sanku-fbf-1";

/// The residual columns an encoding keeps (identifiers as tokens): what the reconcile
/// links and writes on, and what a province needs to find its rows in the national
/// result. Everything else is left out: the name and the birth date (their filters stand
/// for them), how many children carry the name, age, poverty, aid and disability, the
/// household, the grade, relation and status words as the registers wrote them, the line
/// of the register.
pub const KEPT: [&str; 14] = [
    "kind",
    "province",
    "id_number",
    "id_class",
    "sex",
    "division_code",
    "reason",
    "record_status",
    "case_id",
    "status",
    "record_student_no",
    "record_method",
    "record_weight",
    "student_no",
];

/// The columns an encoding adds to the [`KEPT`] ones.
pub const ENCODED: [&str; 10] = [
    "id_place_birth",
    "id_edits",
    "id_near",
    "name_filter",
    "birth_filter",
    "birth_year",
    "name_filter_id_year",
    "id_year",
    "student_no_id",
    "id_doubted",
];

/// What `sanku encode` is given.
#[derive(Clone, Debug)]
pub struct Options {
    pub run: PathBuf,
    pub key: PathBuf,
    pub out: PathBuf,
    pub threads: Option<usize>,
}

/// What it reports on its closing line.
pub struct EncodeReport {
    pub province: String,
    pub rows: usize,
    pub seconds: f64,
}

impl std::fmt::Display for EncodeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "encoded {} residual rows of province {}, {:.2}s",
            self.rows, self.province, self.seconds
        )
    }
}

/// The encoding's parameters.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct Parameters {
    pub scheme: String,
    pub name_bits: usize,
    pub name_hashes: usize,
    pub birth_bits: usize,
    pub birth_hashes: usize,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            scheme: SCHEME.to_string(),
            name_bits: 1024,
            name_hashes: 15,
            birth_bits: 1024,
            birth_hashes: 8,
        }
    }
}

/// The encoded directory's manifest.json.
#[derive(Serialize, serde::Deserialize)]
pub struct EncodeManifest {
    pub sanku_version: String,
    pub command: String,
    pub province: String,
    /// The run encoded, and the SHA-256 of its residuals.
    pub run: String,
    pub residuals_sha256: String,
    pub as_of: String,
    pub key_fingerprint: String,
    pub parameters: Parameters,
    /// What the reconcile of encodings takes from the run.
    pub settings: RunSettings,
    /// How each field is encoded, in words.
    pub fields: Vec<(String, String)>,
    pub rows: usize,
}

/// The run's settings a reconcile of encodings needs, as the run's manifest gives them.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct RunSettings {
    pub run_date: Option<String>,
    /// The student statuses that count as in school.
    pub in_school_statuses: Vec<String>,
    pub thresholds: crate::pipeline::link::assign::Thresholds,
    /// How far a record's ID may disagree with its birth date and sex (bits) before it is
    /// taken as someone else's (`id_doubted`).
    pub id_doubt: f64,
    /// The school-age rule, as the run's manifest gives it.
    pub cohort_rule: serde_json::Value,
    /// The children of the province's cohort.
    pub cohort: u64,
}

/// The manifest's words on each encoded column.
const FIELDS: [(&str, &str); 11] = [
    (
        "id_number",
        "HMAC-SHA256 token of the ID number under the key (as --pseudonymize)",
    ),
    (
        "id_place_birth",
        "token of the ID number's first 14 characters (address and birth date), under a derived key",
    ),
    (
        "id_edits",
        "tokens of the first 17 characters with each left out in turn and the check character after them, under a derived key, sorted, distinct, `;`-joined",
    ),
    (
        "id_near",
        "tokens of the first 17 characters with each left out in turn, without the check character, under a derived key, sorted, distinct, `;`-joined",
    ),
    (
        "name_filter",
        "Bloom filter (hex) of the name's characters, character pairs, pinyin readings and their letter pairs, salted with the birth year",
    ),
    (
        "birth_filter",
        "Bloom filter (hex) of the birth date's year, month, day, their pairs, the date and the unordered month-day pair, salted with the birth year",
    ),
    ("birth_year", "in clear, for blocking"),
    (
        "name_filter_id_year, id_year",
        "when the ID number's year differs from the birth date's: the name's filter salted with the ID's year, and that year in clear",
    ),
    (
        "student_no_id",
        "of a student row whose national student number (G and an ID number) carries a usable ID other than its ID column's, agreeing with its birth date and sex: that ID's token under the key",
    ),
    (
        "id_doubted",
        "1 for a record whose valid ID number is, by the birth date and sex the number carries, someone else's (a parent's): the reconcile compares it without its ID, as a run does",
    ),
    (
        "kind, province, id_class, sex, division_code, reason, record_status, case_id, status, record_method, record_weight",
        "in clear; student_no and record_student_no as tokens",
    ),
];

/// Encodes the run `options.run` into `options.out`.
pub fn encode(options: &Options) -> anyhow::Result<EncodeReport> {
    let started = std::time::Instant::now();
    let run = inputs::read_run(&options.run)?;
    if run.manifest.settings.pseudonymized {
        return Err(bad_input(format!(
            "{}: a pseudonymised run: its residuals hold no names to encode; encode a run made in clear, at home",
            options.run.display()
        )));
    }
    let key = Pseudonymizer::load_given(&options.key, "--key")?;
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let parameters = Parameters::default();
    crate::rundir::manifest::refuse_to_replace(&options.out, "encode")?;
    let frame =
        crate::ground::threads::with_threads(threads, || encoded_frame(&run, &key, &parameters))?;
    let out = RunDir::prepare_for(
        &options.out,
        &[options.run.as_path(), options.key.as_path()],
        Some("encode"),
    )?;
    crate::rundir::atomic::write_parquet(out.path(), ENCODED_PARQUET, &frame)?;
    let manifest = EncodeManifest {
        sanku_version: env!("CARGO_PKG_VERSION").to_string(),
        command: "encode".to_string(),
        province: run.province.clone(),
        run: display(&options.run),
        residuals_sha256: run.residuals_sha256.clone(),
        as_of: run.manifest.settings.as_of.clone(),
        key_fingerprint: key.fingerprint(),
        parameters,
        settings: RunSettings {
            run_date: run.manifest.settings.run_date.clone(),
            in_school_statuses: run.manifest.settings.in_school_statuses.clone(),
            thresholds: inputs::linkage(&run.manifest).thresholds,
            id_doubt: inputs::linkage(&run.manifest).id_doubt,
            cohort_rule: serde_json::to_value(run.manifest.settings.cohort)?,
            cohort: run.cohort_size(),
        },
        fields: FIELDS
            .iter()
            .map(|(f, how)| (f.to_string(), how.to_string()))
            .collect(),
        rows: frame.height(),
    };
    crate::rundir::atomic::write_json(out.path(), files::MANIFEST_JSON, &manifest)?;
    out.commit()?;
    Ok(EncodeReport {
        province: run.province,
        rows: frame.height(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The residuals' [`KEPT`] columns as a pseudonymised run would write them, with the
/// encoded columns.
fn encoded_frame(
    run: &ProvinceRun,
    key: &Pseudonymizer,
    parameters: &Parameters,
) -> anyhow::Result<DataFrame> {
    let path = run.dir.join(files::RESIDUALS_PARQUET);
    let clear = crate::pipeline::load::parquet::read_frame(&path)?;
    let content = crate::rundir::contents::of(files::RESIDUALS_PARQUET)
        .ok_or_else(|| anyhow::anyhow!("residuals.parquet is not declared"))?;
    let mut frame = key
        .frame(clear, &content)
        .and_then(|f| Ok(f.select(KEPT)?))
        .map_err(|e| {
            bad_input(format!(
                "{}: {e}; run the province again with --residuals",
                path.display()
            ))
        })?;
    let encoder = row::Encoder::new(key, parameters, inputs::linkage(&run.manifest).id_doubt);
    let residuals = &run.residuals;
    let rows: Vec<[String; ENCODED.len()]> = (0..residuals.len())
        .into_par_iter()
        .map(|r| encoder.encode(residuals, (&path, r)))
        .collect::<Vec<anyhow::Result<_>>>()
        // The first bad row in the file's order, whatever the threads.
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    for (at, name) in ENCODED.iter().enumerate() {
        let cells: Vec<&str> = rows.iter().map(|r| r[at].as_str()).collect();
        frame.with_column(Column::new((*name).into(), cells))?;
    }
    Ok(frame)
}

/// A directory as the manifest records it.
fn display(dir: &Path) -> String {
    dir.display().to_string()
}
