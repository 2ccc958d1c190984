//! `sanku explain LINK_DIR KEY` for a `sanku link` directory: the record's links, and
//! every candidate pair it took part in with each field's level and weight, the prior, the
//! total and the decision.

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{DataFrame, col, lit};

use crate::ground::schema::files;
use crate::pipeline::load::parquet::read_frame_where;

/// Whether `manifest` (manifest.json's text) is a link's.
pub fn is_link(manifest: &serde_json::Value) -> bool {
    manifest["command"]
        .as_str()
        .is_some_and(|c| c.starts_with("link"))
}

fn text(frame: &DataFrame, column: &str, row: usize) -> String {
    frame
        .column(column)
        .ok()
        .and_then(|c| c.str().ok().and_then(|s| s.get(row).map(str::to_string)))
        .unwrap_or_default()
}

fn number(frame: &DataFrame, column: &str, row: usize) -> Option<f64> {
    frame
        .column(column)
        .ok()
        .and_then(|c| c.f64().ok().and_then(|s| s.get(row)))
}

/// The explanation of record `key` (a left or right id) in link directory `run`.
pub fn explain_link(run: &Path, key: &str, manifest: &serde_json::Value) -> anyhow::Result<String> {
    let about = || Some(col("left_id").eq(lit(key)).or(col("right_id").eq(lit(key))));
    let links = read_frame_where(&run.join(files::LINKS_PARQUET), about())?;
    let candidates = read_frame_where(&run.join(files::CANDIDATES_PARQUET), about())?;
    let fields: Vec<String> = manifest["settings"]["fields"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|f| f["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let setting = |name: &str| manifest["settings"][name].as_f64().unwrap_or(f64::NAN);
    let (accept, review) = (setting("accept"), setting("review"));

    let mut out = String::new();
    let other = |frame: &DataFrame, r: usize| {
        let (left, right) = (text(frame, "left_id", r), text(frame, "right_id", r));
        if left == key { right } else { left }
    };
    for r in 0..links.height() {
        let how = match number(&links, "weight", r) {
            Some(w) => format!("fuzzy with weight {w:.2}"),
            None => "exact key".to_string(),
        };
        writeln!(out, "{key}: linked ({how}) to {}", other(&links, r))?;
    }
    if links.height() == 0 {
        writeln!(out, "{key}: not linked")?;
    }
    if candidates.height() == 0 {
        writeln!(
            out,
            "no candidate pair at or above the candidate floor: no blocking rule brought \
             this record together with another, or every pair weighed less"
        )?;
    }
    for r in 0..candidates.height() {
        let total = number(&candidates, "weight", r).unwrap_or(f64::NAN);
        writeln!(
            out,
            "\ncandidate: {} — {} ({})",
            text(&candidates, "left_id", r),
            text(&candidates, "right_id", r),
            text(&candidates, "decision", r)
        )?;
        let parts: Vec<(String, String, f64)> = fields
            .iter()
            .map(|f| {
                let level = text(&candidates, &format!("{f}_level"), r);
                let weight = number(&candidates, &format!("{f}_weight"), r).unwrap_or(0.0);
                (f.clone(), level, weight)
            })
            .collect();
        let prior = total - parts.iter().map(|p| p.2).sum::<f64>();
        let mut running = prior;
        writeln!(
            out,
            "  {:<14} {:<20} {prior:+8.2}  → {running:8.2}",
            "(prior)", ""
        )?;
        for (field, level, weight) in parts {
            running += weight;
            writeln!(
                out,
                "  {field:<14} {level:<20} {weight:+8.2}  → {running:8.2}"
            )?;
        }
        writeln!(
            out,
            "  total {total:.2} (accept at {accept}, review at {review})"
        )?;
    }
    Ok(out)
}
