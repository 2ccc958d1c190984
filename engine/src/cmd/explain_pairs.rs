//! What a run's (or a reconcile's) ledger, links.parquet and candidates.parquet say of
//! one key: the ledger row, every link, and every fuzzy candidate as a waterfall against
//! the thresholds; shared by `sanku explain` on a run and on a reconcile.

use std::fmt::Write as _;
use std::path::Path;

use crate::ground::schema::files;
use crate::pipeline::link::weights::FIELDS;
use crate::rundir::candidates::{CandidateEntry, read_candidates};
use crate::rundir::ledger::{col, read_ledger};
use crate::rundir::links::{LinkEntry, LinkFilter, read_links};

/// What the ledger, links.parquet and candidates.parquet of `run` say of `key`, after
/// `out`: the ledger row, every link, and every fuzzy candidate as a waterfall against the
/// thresholds (`accept`, `review`). With a run's `results`, a child in none of them is
/// told why it is not in the cohort, or what was looked for.
pub fn pairs(
    run: &Path,
    key: &str,
    (accept, review): (f64, f64),
    results: Option<&crate::rundir::manifest::RunResults>,
    mut out: String,
) -> anyhow::Result<String> {
    let links = read_links(&run.join(files::LINKS_PARQUET), LinkFilter::About(key))?;
    let candidates = read_candidates(&run.join(files::CANDIDATES_PARQUET), key)?;

    let ledger = read_ledger(
        &run.join(files::LEDGER_PARQUET),
        &[col::POOR, col::RECORD_STATUS, col::SEX],
    )?;
    let flagged = ledger.iter().find(|row| row.id_number == key);
    let exempt = links
        .iter()
        .any(|l| l.source == "exemptions" && l.population_id == key);
    if let Some(row) = flagged {
        let poor = if row.poor { ", poor" } else { "" };
        let status = if row.record_status.is_empty() {
            String::new()
        } else {
            format!(", its record {}", row.record_status)
        };
        writeln!(
            out,
            "{key}: flagged in the ledger ({}{poor}{status})",
            row.reason
        )?;
    } else if exempt {
        writeln!(out, "{key}: exempt (a valid exemption record)")?;
    }
    let link_rows: Vec<&LinkEntry> = links
        .iter()
        .filter(|l| l.source != "exemptions")
        .filter(|l| l.population_id == key || l.record_key == key)
        .collect();
    // A child of the cohort neither flagged nor exempt is enrolled: say through which
    // record and how it was linked.
    let enrolled_via: Vec<&LinkEntry> = link_rows
        .iter()
        .copied()
        .filter(|l| l.source == "students" && l.population_id == key)
        .collect();
    if let (None, false, Some(first)) = (flagged, exempt, enrolled_via.first()) {
        let how = match first.weight {
            Some(w) => format!(
                "linked by name, birth date, sex and division with weight {w:.2} (accept {accept})"
            ),
            None => "linked exactly on the ID number".to_string(),
        };
        let more = match enrolled_via.len() {
            1 => String::new(),
            n => format!("; {} more records linked", n - 1),
        };
        writeln!(
            out,
            "{key}: enrolled — student record {}, {how}{more}",
            first.record_key
        )?;
    }
    for l in &link_rows {
        let weight = l
            .weight
            .map_or(String::new(), |w| format!(" with weight {w:.2}"));
        writeln!(
            out,
            "linked ({}{weight}): child {} — {} {}",
            l.method,
            l.population_id,
            record_kind(&l.source),
            l.record_key
        )?;
    }
    let rows: Vec<&CandidateEntry> = candidates
        .iter()
        .filter(|c| c.id_number == key || c.record_key == key)
        .collect();
    if rows.is_empty() && link_rows.is_empty() {
        // A closed case's child may be in nothing tonight (left the cohort, gone from
        // the population): the case line says why.
        if flagged.is_none() && !exempt && !out.is_empty() {
            writeln!(
                out,
                "the child is in no link, candidate or ledger row tonight"
            )?;
            if let Some(Ok(why)) =
                results.map(|r| super::explain_absent::outside_cohort(run, key, r))
            {
                out.push_str(&why);
            }
            return Ok(out);
        }
        if flagged.is_none() && !exempt {
            return match results {
                Some(r) => super::explain_absent::outside_cohort(run, key, r),
                None => Err(crate::ground::error::bad_input(format!(
                    "{}: no child, record or case {} in its ledger, links or candidates",
                    run.display(),
                    crate::ground::mask::mask_id(key)
                ))),
            };
        }
        if flagged.is_none() {
            writeln!(out, "{key}: no link and no fuzzy candidate in this run")?;
        }
    }
    // A flagged child with no student record to show: say what was looked for.
    if let (Some(row), Some(results)) = (flagged, results)
        && !rows.iter().any(|c| c.source == "students")
        && !link_rows.iter().any(|l| l.source == "students")
    {
        out.push_str(&super::explain_absent::no_candidate(
            key,
            &super::explain_absent::Flagged {
                sex: &row.sex,
                birth_date: &row.birth_date,
                division_code: &row.division_code,
            },
            results,
        ));
    }
    for c in rows {
        let (source, child, record) = (&c.source, &c.id_number, &c.record_key);
        writeln!(
            out,
            "\ncandidate: child {child} — {} {record}",
            record_kind(source)
        )?;
        let mut running = 0.0;
        for (field, (level, weight)) in FIELDS.iter().zip(&c.fields) {
            running += weight;
            writeln!(
                out,
                "  {field:<12} {level:<22} {weight:>+7.2}  → {running:>7.2}"
            )?;
        }
        let total = c.weight.unwrap_or(running);
        let linked = link_rows
            .iter()
            .any(|l| &l.source == source && &l.population_id == child && &l.record_key == record);
        let decision = if linked {
            "linked".to_string()
        } else if total >= accept {
            format!(
                "not linked: at or above accept ({accept}) but a better or near-tied pair took the child or the record (see review.csv)"
            )
        } else if total >= review {
            format!("review: between review ({review}) and accept ({accept})")
        } else {
            format!("not linked: below review ({review})")
        };
        writeln!(out, "  {:<35} {total:>7.2}  {decision}", "total")?;
    }
    Ok(out)
}

fn record_kind(source: &str) -> &'static str {
    match source {
        "poverty" => "poverty member",
        "aid" => "aid payment",
        "disability" => "disability certificate",
        _ => "student record",
    }
}
