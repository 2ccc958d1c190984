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
    let summary = wd.read("out/summary.csv");
    let all: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(all[0], "all");
    assert!(html.contains(&format!(
        "<div class=\"value\">{}</div><div class=\"label\">flagged</div>",
        all[6]
    )));
    let counties = summary.lines().filter(|l| l.starts_with("county,")).count();
    let start = html.find("<section id=\"counties\"").unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert_eq!(section.matches("<tr><td>").count(), counties);
    // No child's ID number or name.
    let ledger = wd.read("out/ledger.csv");
    for row in ledger.lines().skip(1) {
        let fields: Vec<&str> = row.split(',').collect();
        assert!(
            !html.contains(fields[0]) && !html.contains(fields[1]),
            "a child in the report"
        );
    }
}
