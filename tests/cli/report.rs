//! report.html: one self-contained page — no script, no network — with the headline
//! counts, counties, ages, reasons, match weights and checks, and no ID number or name.

use crate::workdir::{Workdir, fixtures};

#[test]
fn the_report_is_self_contained_and_holds_counts_not_people() {
    let wd = Workdir::new();
    let data = fixtures().join("synthetic-small");
    wd.expect_code(&["run", data.to_str().unwrap(), "--out", "out", "-q"], 0);
    let html = wd.read("out/report.html");
    for section in [
        "headline", "counties", "ages", "reasons", "weights", "checks",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\"")),
            "no {section}"
        );
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // Nothing fetched from anywhere, nothing run.
    let own = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for outside in ["http:", "https:", "<script", "src=", "@import", "url("] {
        assert!(!own.contains(outside), "{outside} in the report");
    }
    // The thresholds are drawn on the weight histogram.
    assert!(
        html.contains(">review 10<") && html.contains(">accept 13<"),
        "no thresholds"
    );
    // The headline and the county table agree with summary.csv.
    let summary = wd.csv("out/summary.csv").maps();
    let all = &summary[0];
    assert_eq!(all["level"], "all");
    assert!(html.contains(&format!(
        "<div class=\"value\">{}</div><div class=\"label\">flagged</div>",
        all["flagged"]
    )));
    let counties = summary.iter().filter(|r| r["level"] == "county").count();
    assert!(counties > 1, "{summary:?}");
    let start = html.find("<section id=\"counties\"").unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert_eq!(section.matches("<tr><td>").count(), counties);
    // No child's ID number or name.
    let ledger = wd.csv("out/ledger.csv").maps();
    assert!(!ledger.is_empty(), "no child flagged");
    for row in &ledger {
        assert!(
            !html.contains(&row["id_number"]) && !html.contains(&row["name"]),
            "a child in the report"
        );
    }
}
