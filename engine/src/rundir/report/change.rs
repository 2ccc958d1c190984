//! The report's section on the change since the previous run, from summary.json's
//! `history`: new, still out, returned and closed cases, and what the ledgers handed back
//! left untied or were not.

use std::fmt::Write as _;

use super::escape;
use super::words::{fill, phrase};
use crate::ground::vocab::Lang;

/// The change since the previous run, from summary.json's `history`.
pub(super) fn change_cards(history: &serde_json::Value, lang: Lang) -> String {
    let t = |en: &'static str| phrase(lang, en);
    if history.is_null() {
        return format!(
            "<p class=\"note\">{}</p>",
            t("No previous run was given (--previous): every case is new tonight.")
        );
    }
    let n = |key: &str| history[key].as_u64().unwrap_or(0);
    let closed = n("returned") + n("exempted") + n("left_cohort") + n("no_longer_in_population");
    let mut html = format!(
        "<h2>{}</h2><div class=\"cards\" id=\"change\">",
        fill(
            t("Since {}"),
            &[&escape(history["previous_run_date"].as_str().unwrap_or(""))]
        )
    );
    for (label, value) in [
        (t("new"), n("new")),
        (t("still out"), n("still_out") + n("reason_changed")),
        (t("returned to school"), n("returned")),
        (t("closed in all"), closed),
    ] {
        let _ = write!(
            html,
            "<div class=\"card\"><div class=\"value\">{value}</div><div class=\"label\">{label}</div></div>"
        );
    }
    html.push_str("</div>");
    let missing = n("cases_missing_from_worked");
    if missing > 0 {
        let _ = write!(
            html,
            "<p class=\"note\">{}</p>",
            fill(
                t(
                    "{} cases had no row in the ledgers staff handed back (deleted or filtered out there): they were judged on tonight's registers alone, none closed for it."
                ),
                &[&missing.to_string()]
            )
        );
    }
    let untied = n("worked_rows_untied");
    if untied > 0 {
        let _ = write!(
            html,
            "<p class=\"note\" id=\"untied\">{}</p>",
            fill(
                t(
                    "{} rows of the ledgers handed back hold notes but tie to no case (no case number, and an ID number no case has): listed in worked_untied.csv for staff to tie by hand."
                ),
                &[&untied.to_string()]
            )
        );
    }
    if let Some(skipped) = history["returned_files_skipped"].as_array()
        && !skipped.is_empty()
    {
        let skipped: Vec<crate::pipeline::history::SkippedFile> = skipped
            .iter()
            .filter_map(|f| serde_json::from_value(f.clone()).ok())
            .collect();
        let _ = write!(
            html,
            "<p class=\"note\" id=\"skipped\">{}</p>",
            fill(
                t(
                    "{} files in returned/ are not ledgers and were skipped ({}; listed in summary.json)."
                ),
                &[
                    &skipped.len().to_string(),
                    &escape(&crate::pipeline::outcome::skipped_kinds(&skipped))
                ]
            )
        );
    }
    html
}
