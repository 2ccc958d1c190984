//! The TOML config file as written: every section and key, unknown keys refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::ground::error::bad_input;
use crate::pipeline::link::priors::LevelValues;

/// The TOML config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    pub(super) as_of: Option<String>,
    pub(super) max_undecodable_share: Option<f64>,
    pub(super) in_school_statuses: Option<Vec<String>>,
    #[serde(default)]
    pub(super) monitored_counties: Vec<String>,
    #[serde(default)]
    pub(super) cohort: CohortFile,
    #[serde(default)]
    pub(super) sex: SexFile,
    #[serde(default)]
    pub(super) exemption_reasons: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) linkage: LinkageFile,
    #[serde(default)]
    pub(super) guards: GuardsFile,
    #[serde(default)]
    pub(super) output: OutputFile,
    pub(super) risk: Option<super::risk::RiskFile>,
    pub(super) population: Option<SourceFile>,
    pub(super) students: Option<SourceFile>,
    pub(super) poverty: Option<SourceFile>,
    pub(super) exemptions: Option<SourceFile>,
    pub(super) disability: Option<SourceFile>,
    pub(super) aid: Option<SourceFile>,
}

/// `[output]`: how the run's files are written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OutputFile {
    /// `en` (default) or `zh`.
    pub(super) lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CohortFile {
    pub(super) entry_age: Option<i32>,
    pub(super) max_age: Option<i32>,
    /// Cutoff day as MM-DD.
    pub(super) cutoff: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkageFile {
    pub(super) accept: Option<f64>,
    pub(super) review: Option<f64>,
    pub(super) tie_margin: Option<f64>,
    pub(super) block_cap: Option<u64>,
    pub(super) candidate_floor: Option<f64>,
    pub(super) id_doubt: Option<f64>,
    #[serde(default)]
    pub(super) m: LevelValues,
    #[serde(default)]
    pub(super) u: LevelValues,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GuardsFile {
    pub(super) max_rejected_share: Option<f64>,
    pub(super) as_of_years: Option<f64>,
    pub(super) empty_cohort: Option<bool>,
    pub(super) no_enrolled: Option<bool>,
    pub(super) unmatched_columns: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SexFile {
    #[serde(default)]
    pub(super) male: Vec<String>,
    #[serde(default)]
    pub(super) female: Vec<String>,
    #[serde(default)]
    pub(super) unknown: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SourceFile {
    pub(super) file: Option<OneOrMany>,
    pub(super) sheet: Option<String>,
    pub(super) encoding: Option<String>,
    pub(super) delimiter: Option<String>,
    pub(super) header_row: Option<u64>,
    #[serde(default)]
    pub(super) columns: BTreeMap<String, String>,
    /// Status words of this source mapped to logical statuses.
    #[serde(default)]
    pub(super) status: BTreeMap<String, String>,
}

/// A path, or a list of them; each may be a file, a folder or a pattern.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl OneOrMany {
    pub(super) fn paths(&self) -> &[PathBuf] {
        match self {
            OneOrMany::One(p) => std::slice::from_ref(p),
            OneOrMany::Many(list) => list,
        }
    }
}

/// Reads and parses a TOML file (the run's config or a link config), with its SHA-256;
/// unknown keys and bad values are bad input naming the file.
pub(crate) fn read_config_file<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> anyhow::Result<(T, String)> {
    let bytes = std::fs::read(path)
        .map_err(|e| bad_input(format!("config {}: cannot read: {e}", path.display())))?;
    let hash = crate::ground::text::hex(&Sha256::digest(&bytes));
    let text = String::from_utf8(bytes)
        .map_err(|_| bad_input(format!("config {}: not UTF-8 text", path.display())))?;
    let parsed = toml::from_str(&text).map_err(|e| {
        bad_input(format!(
            "config {}: {}",
            path.display(),
            e.to_string().trim_end()
        ))
    })?;
    Ok((parsed, hash))
}
