//! The report's section on the enrolled children at risk: how many per county, and with
//! each factor (the rows are in risk.xlsx).

use std::fmt::Write;

use super::words::phrase;
use super::{county_name, escape};
use crate::ground::vocab::Lang;
use crate::pipeline::risk::Factor;
use crate::pipeline::summary::{Counts, Level, Summary};

/// A factor's heading in the report.
fn heading(factor: Factor) -> &'static str {
    match factor {
        Factor::OverAge => "over-age",
        Factor::Unaided => "poor, unaided",
        Factor::Suspended => "suspended",
        Factor::Returned => "returned lately",
        Factor::Transfers => "repeated transfers",
        Factor::Sibling => "sibling flagged",
        Factor::Disability => "disability",
        Factor::FarFromHome => "far from home",
    }
}

/// The section, with the whole run's row first and then every county with a child at
/// risk, a column for each factor `assessed`.
pub(super) fn section(summary: &Summary, lang: Lang, assessed: &[Factor]) -> String {
    let t = |en: &'static str| phrase(lang, en);
    let mut html = String::new();
    let _ = write!(
        html,
        "<section id=\"risk\"><h2>{}</h2><p class=\"note\">{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th>",
        t("Enrolled children at risk of leaving school"),
        t(
            "One row per enrolled child with at least one risk factor is in risk.xlsx, the highest scores first; a child may have several factors."
        ),
        t("county"),
        t("name"),
        t("at risk"),
    );
    for &f in assessed {
        let _ = write!(html, "<th>{}</th>", t(heading(f)));
    }
    html.push_str("</tr></thead><tbody>");
    let row = |html: &mut String, code: &str, name: &str, c: &Counts| {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            escape(code),
            escape(name),
            c.at_risk
        );
        for &f in assessed {
            let _ = write!(html, "<td>{}</td>", c.at_risk_with(f));
        }
        html.push_str("</tr>");
    };
    for r in &summary.rows {
        match r.level {
            Level::All => row(&mut html, "", t("all"), &r.counts),
            Level::County if r.counts.at_risk > 0 => row(
                &mut html,
                &r.division_code,
                &county_name(&r.division_code, lang),
                &r.counts,
            ),
            _ => {}
        }
    }
    html.push_str("</tbody></table></section>\n");
    html
}
