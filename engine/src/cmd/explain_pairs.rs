//! What a run's (or a reconcile's) ledger, links.parquet and candidates.parquet say of
//! one key: the ledger row, every link, and every fuzzy candidate as a waterfall against
//! the thresholds; shared by `sanku explain` on a run and on a reconcile.

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{DataFrame, col, lit};

use crate::ground::schema::files;
use crate::pipeline::link::weights::FIELDS;
use crate::pipeline::load::parquet::{read_frame_where, read_text_rows};

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
    let about = |child_column: &str| {
        Some(
            col(child_column)
                .eq(lit(key))
                .or(col("record_key").eq(lit(key))),
        )
    };
    let links = read_frame_where(&run.join(files::LINKS_PARQUET), about("population_id"))?;
    let candidates = read_frame_where(&run.join(files::CANDIDATES_PARQUET), about("id_number"))?;

    let text = |frame: &DataFrame, column: &str, row: usize| -> String {
        frame
            .column(column)
            .ok()
            .and_then(|c| c.str().ok().and_then(|s| s.get(row).map(str::to_string)))
            .unwrap_or_default()
    };
    let number = |frame: &DataFrame, column: &str, row: usize| -> Option<f64> {
        frame
            .column(column)
            .ok()
            .and_then(|c| c.f64().ok().and_then(|s| s.get(row)))
    };

    let ledger = read_text_rows(
        &run.join(files::LEDGER_PARQUET),
        &[
            "id_number",
            "reason",
            "poor",
            "record_status",
            "sex",
            "birth_date",
            "division_code",
        ],
    )?;
    let flagged = ledger.iter().find(|row| row[0] == key);
    let exempt = (0..links.height()).any(|r| {
        text(&links, "source", r) == "exemptions" && text(&links, "population_id", r) == key
    });
    if let Some(row) = flagged {
        let poor = if row[2] == "1" { ", poor" } else { "" };
        let status = if row[3].is_empty() {
            String::new()
        } else {
            format!(", its record {}", row[3])
        };
        writeln!(
            out,
            "{key}: flagged in the ledger ({}{poor}{status})",
            row[1]
        )?;
    } else if exempt {
        writeln!(out, "{key}: exempt (a valid exemption record)")?;
    }
    let link_rows: Vec<usize> = (0..links.height())
        .filter(|&r| text(&links, "source", r) != "exemptions")
        .filter(|&r| {
            text(&links, "population_id", r) == key || text(&links, "record_key", r) == key
        })
        .collect();
    // A child of the cohort neither flagged nor exempt is enrolled: say through which
    // record and how it was linked.
    let enrolled_via: Vec<usize> = link_rows
        .iter()
        .copied()
        .filter(|&r| {
            text(&links, "source", r) == "students" && text(&links, "population_id", r) == key
        })
        .collect();
    if let (None, false, Some(&first)) = (flagged, exempt, enrolled_via.first()) {
        let how = match number(&links, "weight", first) {
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
            text(&links, "record_key", first)
        )?;
    }
    for &r in &link_rows {
        let method = text(&links, "method", r);
        let weight =
            number(&links, "weight", r).map_or(String::new(), |w| format!(" with weight {w:.2}"));
        writeln!(
            out,
            "linked ({method}{weight}): child {} — {} {}",
            text(&links, "population_id", r),
            record_kind(&text(&links, "source", r)),
            text(&links, "record_key", r)
        )?;
    }
    let rows: Vec<usize> = (0..candidates.height())
        .filter(|&r| {
            text(&candidates, "id_number", r) == key || text(&candidates, "record_key", r) == key
        })
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
    let of_students = |source: String| source == "students";
    if let (Some(row), Some(results)) = (flagged, results)
        && !rows
            .iter()
            .any(|&r| of_students(text(&candidates, "source", r)))
        && !link_rows
            .iter()
            .any(|&r| of_students(text(&links, "source", r)))
    {
        out.push_str(&super::explain_absent::no_candidate(
            key,
            &super::explain_absent::Flagged {
                sex: &row[4],
                birth_date: &row[5],
                division_code: &row[6],
            },
            results,
        ));
    }
    for r in rows {
        let (source, child, record) = (
            text(&candidates, "source", r),
            text(&candidates, "id_number", r),
            text(&candidates, "record_key", r),
        );
        writeln!(
            out,
            "\ncandidate: child {child} — {} {record}",
            record_kind(&source)
        )?;
        let mut running = 0.0;
        for field in FIELDS {
            let level = text(&candidates, &format!("{field}_level"), r);
            let weight = number(&candidates, &format!("{field}_weight"), r).unwrap_or(0.0);
            running += weight;
            writeln!(
                out,
                "  {field:<12} {level:<22} {weight:>+7.2}  → {running:>7.2}"
            )?;
        }
        let total = number(&candidates, "weight", r).unwrap_or(running);
        let linked = link_rows.iter().any(|&l| {
            text(&links, "source", l) == source
                && text(&links, "population_id", l) == child
                && text(&links, "record_key", l) == record
        });
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
