//! summary.csv and summary.json.

use std::path::Path;

use super::atomic::write_atomic;
use super::csv::write_csv;
use crate::schema::{columns, files};
use crate::summary::Summary;

/// Writes the summary in both formats.
pub fn write_summary(dir: &Path, summary: &Summary) -> anyhow::Result<()> {
    let rows = summary.rows.iter().map(|r| {
        vec![
            r.level.key().to_string(),
            r.division_code.clone(),
            u8::from(r.monitored).to_string(),
            r.counts.cohort.to_string(),
            r.counts.enrolled.to_string(),
            r.counts.flagged.to_string(),
            r.counts.flagged_poor.to_string(),
            r.counts.flagged_review_only.to_string(),
            r.counts.exempt.to_string(),
            r.coverage_rate.map_or(String::new(), |c| format!("{c:.4}")),
        ]
    });
    write_csv(dir, files::SUMMARY_CSV, &columns::SUMMARY, rows)?;
    write_atomic(dir, files::SUMMARY_JSON, |out| {
        serde_json::to_writer_pretty(&mut *out, summary)?;
        std::io::Write::write_all(out, b"\n")?;
        Ok(())
    })?;
    Ok(())
}
