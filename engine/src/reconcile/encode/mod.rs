//! `sanku encode`: a province's residuals (residuals.parquet of `sanku run --residuals`)
//! encoded at home for a reconcile that never sees a name or an ID number in clear
//! (docs/privacy.md). The ID numbers become keyed tokens (HMAC-SHA256, as
//! `--pseudonymize` makes them) with keyed tokens of their fragments; names and birth dates
//! become Bloom filters keyed by keys derived from the same key; of the other columns only
//! those the reconcile needs are kept, identifiers as tokens. The birth date is dropped:
//! its year stays for blocking. The encoding's parameters go to manifest.json.

mod bloom;
mod features;

use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;
use serde::Serialize;

pub use self::bloom::{FieldFilter, dice, from_hex};
use super::inputs::{self, ProvinceRun};
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::normalize::date::Date;
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
const KEPT: [&str; 14] = [
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
            birth_bits: 256,
            birth_hashes: 8,
        }
    }
}

/// The encoded directory's manifest.json.
#[derive(Serialize)]
struct EncodeManifest {
    sanku_version: String,
    command: &'static str,
    province: String,
    /// The run encoded, and the SHA-256 of its residuals.
    run: String,
    residuals_sha256: String,
    as_of: String,
    key_fingerprint: String,
    parameters: Parameters,
    /// How each field is encoded, in words.
    fields: Vec<(&'static str, &'static str)>,
    rows: usize,
}

/// The manifest's words on each encoded column.
const FIELDS: [(&str, &str); 7] = [
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
        "tokens of the first 17 characters with each left out in turn, under a derived key, sorted, distinct, `;`-joined",
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
    let frame =
        crate::ground::threads::with_threads(threads, || encoded_frame(&run, &key, &parameters))?;
    refuse_to_replace(&options.out)?;
    let out = RunDir::prepare(
        &options.out,
        &[options.run.as_path(), options.key.as_path()],
    )?;
    crate::rundir::atomic::write_parquet(out.path(), ENCODED_PARQUET, &frame)?;
    let manifest = EncodeManifest {
        sanku_version: env!("CARGO_PKG_VERSION").to_string(),
        command: "encode",
        province: run.province.clone(),
        run: display(&options.run),
        residuals_sha256: run.residuals_sha256.clone(),
        as_of: run.manifest.settings.as_of.clone(),
        key_fingerprint: key.fingerprint(),
        parameters,
        fields: FIELDS.to_vec(),
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

/// Refuses an `--out` that holds anything but an earlier encoding: a run directory in
/// clear, another command's output, or files sanku did not write.
fn refuse_to_replace(out: &Path) -> anyhow::Result<()> {
    let is_encoding = crate::rundir::manifest::command_of(out).as_deref() == Some("encode");
    let empty = std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
    if out.exists() && !is_encoding && !empty {
        return Err(bad_input(format!(
            "--out {}: holds something other than an encoding (a run directory?); give a new directory or an earlier encoding's",
            out.display()
        )));
    }
    Ok(())
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
    let name_filter = FieldFilter::new(
        &key.derived_key("name filter"),
        parameters.name_bits,
        parameters.name_hashes,
    );
    let birth_filter = FieldFilter::new(
        &key.derived_key("birth filter"),
        parameters.birth_bits,
        parameters.birth_hashes,
    );
    let tokens = FragmentKeys {
        place_birth: Keyed::new(key.derived_key("id place and birth")),
        edit: Keyed::new(key.derived_key("id edit")),
    };
    let residuals = &run.residuals;
    let rows: Vec<[String; 5]> = (0..residuals.len())
        .into_par_iter()
        .map(|r| {
            let birth = Date::parse(residuals.get(r, "birth_date"));
            // Without a birth date, the year of the ID number's (its 7th to 10th
            // characters), so that the name's salt still meets the child's.
            let id_year = residuals
                .get(r, "id_number")
                .get(6..10)
                .filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
            let year = birth.map_or(id_year.unwrap_or("").to_string(), |b| b.year.to_string());
            let id = residuals.get(r, "id_number");
            let (place_birth, edits) = match features::id_fragments(id) {
                Some((place, deletions)) => {
                    // Sorted and without repeats: in the ID's order, two equal tokens side
                    // by side would say two equal digits side by side.
                    let mut edits: Vec<String> =
                        deletions.iter().map(|d| tokens.edit.token(d)).collect();
                    edits.sort_unstable();
                    edits.dedup();
                    (tokens.place_birth.token(&place), edits.join(";"))
                }
                None => (String::new(), String::new()),
            };
            let name = residuals.get(r, "name");
            let name = match name.is_empty() {
                true => String::new(),
                false => {
                    let features = features::name_features(name);
                    bloom::to_hex(&name_filter.encode(&year, features.iter().map(String::as_str)))
                }
            };
            let birth = birth.map_or(String::new(), |b| {
                let features = features::date_features(b);
                bloom::to_hex(&birth_filter.encode(&year, features.iter().map(String::as_str)))
            });
            [place_birth, edits, name, birth, year]
        })
        .collect();
    let names = [
        "id_place_birth",
        "id_edits",
        "name_filter",
        "birth_filter",
        "birth_year",
    ];
    for (at, name) in names.iter().enumerate() {
        let cells: Vec<&str> = rows.iter().map(|r| r[at].as_str()).collect();
        frame.with_column(Column::new((*name).into(), cells))?;
    }
    Ok(frame)
}

/// The keys of an ID number's fragments, each derived for its own purpose.
struct FragmentKeys {
    place_birth: Keyed,
    edit: Keyed,
}

/// Tokens under a derived key: `F` and the first 128 bits of the HMAC-SHA256, in hex.
struct Keyed(hmac::Hmac<sha2::Sha256>);

impl Keyed {
    fn new(key: [u8; 32]) -> Keyed {
        use hmac::Mac;
        Keyed(hmac::Hmac::new_from_slice(&key).expect("HMAC takes any key"))
    }

    fn token(&self, value: &str) -> String {
        use hmac::Mac;
        let mut mac = self.0.clone();
        mac.update(value.as_bytes());
        format!(
            "F{}",
            crate::ground::text::hex(&mac.finalize().into_bytes()[..16])
        )
    }
}

/// A directory as the manifest records it.
fn display(dir: &Path) -> String {
    dir.display().to_string()
}
