//! manifest.json: the audit record of a run — version, settings and config hash, every
//! input with its checksum and row accounting (rows in = used + rejected), the cohort
//! window, counts, stage timings and the thread count.

use std::path::Path;

use serde::Serialize;

use super::atomic::write_atomic;
use crate::load::InputInfo;
use crate::schema::files;

/// Row accounting of one input file.
#[derive(Clone, Debug, Serialize)]
pub struct InputRecord {
    #[serde(flatten)]
    pub info: InputInfo,
    pub rows_in: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
}

/// The manifest of a run or check.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    pub sanku_version: &'static str,
    pub command: &'static str,
    pub settings: serde_json::Value,
    pub threads: usize,
    pub inputs: Vec<InputRecord>,
    /// Present for `run`: cohort window and counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<serde_json::Value>,
    /// Seconds per stage, in pipeline order.
    pub stages: Vec<crate::timer::StageRecord>,
}

/// Writes manifest.json.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    write_atomic(dir, files::MANIFEST_JSON, |out| {
        serde_json::to_writer_pretty(&mut *out, manifest)?;
        std::io::Write::write_all(out, b"\n")?;
        Ok(())
    })?;
    Ok(())
}
