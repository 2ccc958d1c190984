//! `sanku explain RUN_DIR KEY`: why a child (by ID number), a student record (by student
//! number) or a poverty member (by its record key) was or was not linked — its exact links
//! if any, and every fuzzy candidate with each field's level and weight, the total, and the
//! decision, as a waterfall. Reads the run's manifest.json, ledger.parquet, links.parquet
//! and candidates.parquet (and risk.parquet: an enrolled child's risk factors), and for a
//! closed case closed.csv in whatever encoding a spreadsheet saved it; never the
//! ledger.csv staff edit.

use std::path::Path;

use crate::ground::error::bad_input;
use crate::ground::mask::mask_id;
use crate::ground::schema::files;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdClass, parse_id};
use crate::rundir::cases::read_closed;
use crate::rundir::ledger::{col, read_ledger};
use crate::rundir::manifest::read_manifest;
use crate::rundir::pseudonym::is_token;

/// The explanation, as text for a terminal.
pub fn explain(run: &Path, key: &str) -> anyhow::Result<String> {
    // A `sanku link` directory: its records are explained by their ids.
    if let Ok(text) = std::fs::read_to_string(run.join(files::MANIFEST_JSON)) {
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if super::explain_link::is_link(&manifest) {
            return super::explain_link::explain_link(run, key.trim(), &manifest);
        }
        if crate::rundir::manifest::of_encodings(&manifest) {
            return Err(crate::ground::error::bad_input(format!(
                "{}: the national result of encodings holds tokens and case IDs, no names or ID numbers; explain a child in its province's run (`sanku explain RUN_DIR CASE_ID`, the case ID the national ledger gives)",
                run.display()
            )));
        }
        if super::explain_reconcile::is_reconcile(&manifest) {
            return super::explain_reconcile::explain_reconcile(run, &clean_key(key), &manifest);
        }
    }
    // A case number stands for its child: the case's state first, then the child's.
    let (case, key) = match case_of(run, key.trim())? {
        Some((line, id)) => (line, id),
        None => (String::new(), key.to_string()),
    };
    let cleaned = clean_key(&key);
    let key = cleaned.as_str();
    let manifest = read_manifest(run)?;
    if case.is_empty() && manifest.settings.pseudonymized && !is_token(key) {
        return Err(bad_input(format!(
            "{}: a pseudonymised run names children and records by token (P and 32 hex \
             digits); give the token from its files, or a case number",
            run.join(files::MANIFEST_JSON).display()
        )));
    }
    let results = manifest.results.ok_or_else(|| {
        bad_input(format!(
            "{}: the manifest of a `check`, not of a run",
            run.display()
        ))
    })?;
    let thresholds = (
        results.fuzzy_options.thresholds.accept,
        results.fuzzy_options.thresholds.review,
    );
    let mut out = super::explain_pairs::pairs(run, key, thresholds, Some(&results), case)?;
    out.push_str(&super::explain_risk::risk_lines(run, key)?);
    Ok(out)
}

/// A key cleaned as the inputs are: 530102…x, full-width digits, spaces and hyphens.
fn clean_key(key: &str) -> String {
    parse_id(key)
        .ok()
        .filter(|id| id.class.is_usable())
        .map_or_else(|| key.trim().to_string(), |id| id.text.to_string())
}

/// For a case number (`C20261130-000012`): a line on the case, from the ledger or
/// closed.csv, and its child's ID number; `None` for any other key.
fn case_of(run: &Path, key: &str) -> anyhow::Result<Option<(String, String)>> {
    let is_case = key.len() > 10
        && key.starts_with('C')
        && key[1..9].bytes().all(|b| b.is_ascii_digit())
        && key.as_bytes()[9] == b'-'
        && key[10..].bytes().all(|b| b.is_ascii_digit());
    if !is_case {
        return Ok(None);
    }
    let ledger = read_ledger(
        &run.join(files::LEDGER_PARQUET),
        &[col::CASE_ID, col::CHANGE, col::FIRST_FLAGGED],
    )?;
    if let Some(row) = ledger.into_iter().find(|r| r.case_id == key) {
        let line = format!(
            "case {key}: open, flagged since {} ({}, tonight {})\n",
            row.first_flagged, row.reason, row.change
        );
        return Ok(Some((line, row.id_number)));
    }
    // closed.csv has no Parquet twin: read as a spreadsheet may have saved it, its dates
    // as sanku writes them, and its ID number only when the spreadsheet left it whole.
    let closed = run.join(files::CLOSED_CSV);
    if closed.is_file() {
        let rows = read_closed(&closed)?;
        if let Some(row) = rows.into_iter().find(|r| r.case_id == key) {
            let mut why = row.closed_reason.clone();
            for extra in [&row.detail, &row.school_code]
                .into_iter()
                .filter(|v| !v.is_empty())
            {
                why += &format!(", {extra}");
            }
            let id = &row.id_number;
            if parse_id(id).is_ok_and(|id| id.class == IdClass::Damaged) {
                return Err(bad_input(format!(
                    "{}: case {key}: the ID number {} is damaged, as a spreadsheet saves a long \
                     number; explain the child by the ID number in closed.xlsx",
                    closed.display(),
                    mask_id(id)
                )));
            }
            let since = Date::parse(&row.first_flagged)
                .map_or_else(|| row.first_flagged.clone(), |d| d.to_string());
            let line = format!("case {key}: closed tonight ({why}), flagged since {since}\n");
            return Ok(Some((line, id.clone())));
        }
    }
    Err(bad_input(format!(
        "{}: no case {key} in its ledger or closed.csv",
        run.display()
    )))
}
