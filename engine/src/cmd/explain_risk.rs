//! What risk.parquet says of an enrolled child: the score, and each factor with what the
//! registers showed (docs/risk.md).

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{col, lit};

use crate::ground::schema::files;
use crate::pipeline::load::parquet::{read_columns_where, text_column};
use crate::pipeline::risk::Factor;

/// The lines on `key`'s risk factors, or none when the child is not on the list (or the
/// run predates it).
pub fn risk_lines(run: &Path, key: &str) -> anyhow::Result<String> {
    let path = run.join(files::RISK_PARQUET);
    if !path.is_file() {
        return Ok(String::new());
    }
    let frame = read_columns_where(&path, None, Some(col("id_number").eq(lit(key))))?;
    let Some(first) = (frame.height() > 0).then_some(0) else {
        return Ok(String::new());
    };
    let cell = |name: &str| {
        text_column(&frame, name)
            .and_then(|c| c.into_iter().nth(first))
            .unwrap_or_default()
    };
    let factors: Vec<Factor> = Factor::ALL
        .into_iter()
        .filter(|f| cell(f.column()) == "1")
        .collect();
    let mut out = String::new();
    writeln!(
        out,
        "{key}: at risk of leaving school, score {} ({} factors; risk.xlsx lists the highest scores first)",
        cell("risk_score"),
        factors.len()
    )?;
    for factor in factors {
        let why = match factor {
            Factor::OverAge => format!(
                "over-age: {} years older than the usual age of grade {}",
                cell("years_over_age"),
                cell("grade")
            ),
            Factor::Unaided => match cell("aid_gap").as_str() {
                "in_review" => "poor, and only a payment in review for this term (checks/poor_enrolled_aid_in_review.csv)".to_string(),
                _ => "poor, and no aid paid for this term (checks/poor_enrolled_without_aid.csv)".to_string(),
            },
            Factor::Suspended => format!(
                "suspended: {} 休学 row(s) on the child's registrations",
                cell("suspended_rows")
            ),
            Factor::Returned => format!(
                "returned to school after a case, closed on {} (returns.csv)",
                cell("returned_on")
            ),
            Factor::Transfers => format!(
                "repeated transfers: {} 转出 rows on the child's registrations",
                cell("transfers")
            ),
            Factor::Sibling => format!(
                "{} brother(s) or sister(s) of the same poverty household on tonight's ledger",
                cell("flagged_siblings")
            ),
            Factor::Disability => match cell("status").as_str() {
                "home_delivered" => "disability: taught at home (送教上门)".to_string(),
                _ => format!(
                    "disability: holds a certificate ({} level {}), no record of support at school in the registers",
                    cell("disability_category"),
                    cell("disability_level")
                ),
            },
            Factor::FarFromHome => format!(
                "far from home: school in county {}, hukou in {}",
                cell("school_division").get(..6).unwrap_or_default(),
                cell("division_code").get(..6).unwrap_or_default()
            ),
        };
        writeln!(out, "  {why}")?;
    }
    Ok(out)
}
