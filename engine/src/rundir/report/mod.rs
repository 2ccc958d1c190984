//! report.html: one self-contained page a director opens — no script, no network, charts
//! as inline SVG. Made from the run's final files (summary, ledger, candidates), so it
//! holds counts only: no ID number or name.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::atomic::write_atomic;
use super::csv::read_columns;
use crate::ground::divisions::{self, UNKNOWN_DIVISION};
use crate::ground::schema::files;
use crate::ground::vocab::{Lang, word};
use crate::pipeline::load::parquet::read_columns_where;
use change::change_cards;
use svg::{bar_chart, histogram, trend_chart};
use words::{CHECKS, fill, phrase};

mod change;
mod svg;
mod words;

/// Counties shown in the county chart (the table lists them all).
const CHART_COUNTIES: usize = 30;

/// The columns of summary.csv the report reads, in the order its rows index them.
const SUMMARY_COLUMNS: [&str; 11] = [
    "level",
    "division_code",
    "division_name",
    "monitored",
    "cohort",
    "enrolled",
    "flagged",
    "flagged_poor",
    "exempt",
    "new",
    "returned",
];

/// What the report needs besides the run's files.
pub struct ReportContext {
    /// The night of the run.
    pub run_date: String,
    pub accept: f64,
    pub review: f64,
    pub lang: Lang,
}

/// One bar of a chart.
struct Bar {
    label: String,
    value: f64,
    /// Shown after the bar.
    note: String,
}

/// Writes `dir/report.html`.
pub fn write_report(dir: &Path, context: &ReportContext) -> anyhow::Result<()> {
    let summary = read_columns(&dir.join(files::SUMMARY_CSV), &SUMMARY_COLUMNS)?;
    let trend = read_columns(
        &dir.join(files::HISTORY_CSV),
        &["run_date", "level", "flagged", "new", "returned", "closed"],
    )?;
    let ledger = read_columns(&dir.join(files::LEDGER_CSV), &["age", "reason"])?;
    let weights = read_columns_where(
        &dir.join(files::CANDIDATES_PARQUET),
        Some(&["weight"]),
        None,
    )?;
    let weights: Vec<f64> = weights
        .column("weight")?
        .f64()?
        .iter()
        .flatten()
        .filter(|w| w.is_finite())
        .collect();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(files::SUMMARY_JSON))?)?;
    let checks: BTreeMap<String, serde_json::Value> = {
        json.get("checks")
            .and_then(|c| c.as_object())
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let number = |s: &str| s.parse::<f64>().unwrap_or(0.0);

    let lang = context.lang;
    let t = |en: &'static str| phrase(lang, en);
    let mut html = String::new();
    html.push_str(&HEAD.replace("lang=\"en\"", &format!("lang=\"{}\"", lang.key())));
    writeln!(
        html,
        "<h1>{}</h1>",
        fill(
            t("Children out of school — as of {}"),
            &[&escape(&context.run_date)]
        )
    )?;
    if let Some(all) = summary.iter().find(|r| r[0] == "all") {
        let rate = |n: f64| {
            let base = number(&all[4]) - number(&all[8]);
            if base > 0.0 {
                format!("{:.2}%", 100.0 * n / base)
            } else {
                "—".into()
            }
        };
        writeln!(html, "<section id=\"headline\"><div class=\"cards\">")?;
        for (label, value) in [
            (t("school age"), all[4].clone()),
            (
                t("enrolled"),
                format!("{} ({})", all[5], rate(number(&all[5]))),
            ),
            (t("flagged"), all[6].clone()),
            (t("flagged and poor"), all[7].clone()),
            (t("exempt"), all[8].clone()),
        ] {
            writeln!(
                html,
                "<div class=\"card\"><div class=\"value\">{}</div><div class=\"label\">{label}</div></div>",
                escape(&value)
            )?;
        }
        writeln!(html, "</div>")?;
        html.push_str(&change_cards(&json["history"], lang));
        writeln!(html, "</section>")?;
    }

    let mut counties: Vec<&Vec<String>> = summary.iter().filter(|r| r[0] == "county").collect();
    let flagged_rate = |r: &Vec<String>| {
        let cohort = number(&r[4]);
        if cohort > 0.0 {
            number(&r[6]) / cohort
        } else {
            0.0
        }
    };
    counties.sort_by(|a, b| {
        flagged_rate(b)
            .total_cmp(&flagged_rate(a))
            .then_with(|| a[1].cmp(&b[1]))
    });
    let bars: Vec<Bar> = counties
        .iter()
        .take(CHART_COUNTIES)
        .map(|r| Bar {
            label: format!(
                "{}{} {}",
                if r[3] == "1" { "★ " } else { "" },
                r[1],
                county_name(&r[1], &r[2], lang)
            ),
            value: 100.0 * flagged_rate(r),
            note: fill(
                t("{}% ({} flagged, {} poor)"),
                &[&format!("{:.2}", 100.0 * flagged_rate(r)), &r[6], &r[7]],
            ),
        })
        .collect();
    writeln!(
        html,
        "<section id=\"counties\"><h2>{}</h2>{}",
        t("Flagged by county (share of the school-age children; ★ monitored)"),
        bar_chart(&bars)
    )?;
    html.push_str("<table><thead><tr>");
    for head in [
        "county",
        "name",
        "monitored",
        "school age",
        "enrolled",
        "flagged",
        "flagged poor",
        "exempt",
        "flagged share",
        "new",
        "returned",
    ] {
        write!(html, "<th>{}</th>", t(head))?;
    }
    writeln!(html, "</tr></thead><tbody>")?;
    for r in &counties {
        writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}%</td><td>{}</td><td>{}</td></tr>",
            escape(&r[1]),
            escape(&county_name(&r[1], &r[2], lang)),
            if r[3] == "1" { "★" } else { "" },
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            100.0 * flagged_rate(r),
            r[9],
            r[10]
        )?;
    }
    writeln!(html, "</tbody></table></section>")?;
    let nights: Vec<&Vec<String>> = trend.iter().filter(|r| r[1] == "all").collect();
    writeln!(
        html,
        "<section id=\"trend\"><h2>{}</h2>{}</section>",
        t("Flagged night by night"),
        trend_chart(&nights, lang)
    )?;

    let mut by_age: BTreeMap<i64, usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for row in &ledger {
        *by_age.entry(row[0].parse().unwrap_or(-1)).or_default() += 1;
        *by_reason.entry(row[1].clone()).or_default() += 1;
    }
    let count_bars = |items: Vec<(String, usize)>| -> Vec<Bar> {
        items
            .into_iter()
            .map(|(label, n)| Bar {
                label,
                value: n as f64,
                note: n.to_string(),
            })
            .collect()
    };
    let ages = count_bars(
        by_age
            .into_iter()
            .map(|(a, n)| (fill(t("age {}"), &[&a.to_string()]), n))
            .collect(),
    );
    let mut reasons: Vec<(String, usize)> = by_reason
        .into_iter()
        .map(|(r, n)| (word("reason", &r, lang).to_string(), n))
        .collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    writeln!(
        html,
        "<section id=\"ages\"><h2>{}</h2>{}</section>",
        t("Flagged by age"),
        bar_chart(&ages)
    )?;
    writeln!(
        html,
        "<section id=\"reasons\"><h2>{}</h2>{}</section>",
        t("Flagged by reason"),
        bar_chart(&count_bars(reasons))
    )?;
    writeln!(
        html,
        "<section id=\"weights\"><h2>{}</h2>{}</section>",
        t("Fuzzy match weights of the candidate pairs"),
        histogram(&weights, context.review, context.accept, lang)
    )?;
    writeln!(
        html,
        "<section id=\"checks\"><h2>{}</h2><p class=\"note\">{}</p>{}</section></body></html>",
        t("Checks"),
        t(
            "Findings of the registers checking each other; their rows are in the run's checks folder."
        ),
        checks_table(&checks, lang)
    )?;
    write_atomic(dir, files::REPORT_HTML, |out| {
        std::io::Write::write_all(out, html.as_bytes())?;
        Ok(())
    })?;
    Ok(())
}

const HEAD: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sanku report</title><style>\
body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}\
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:.8em 1.2em}\
.value{font-size:1.6em;font-weight:bold}.label,.note{color:#666}\
table{border-collapse:collapse;margin-top:1em}td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:right}\
td:nth-child(2),th:nth-child(2){text-align:left}td:nth-child(2){white-space:nowrap}svg text{font-size:12px}\
table.checks td:first-child{text-align:left}table.checks td:nth-child(2){text-align:right}table.checks .part td:first-child{padding-left:2em;color:#555}\
</style></head><body>\n";

/// The checks' counts, each under its words in `lang`, in the order of [`CHECKS`]; a
/// count the report has no words for (from a newer run) keeps its key, after the rest.
fn checks_table(checks: &BTreeMap<String, serde_json::Value>, lang: Lang) -> String {
    let mut html = String::from("<table class=\"checks\"><tbody>");
    let known = CHECKS.iter().filter_map(|&(key, part, en)| {
        checks
            .get(key)
            .map(|value| (phrase(lang, en).to_string(), part, value))
    });
    let unknown = checks
        .iter()
        .filter(|(key, _)| CHECKS.iter().all(|(k, _, _)| k != key))
        .map(|(key, value)| (key.clone(), false, value));
    for (label, part, value) in known.chain(unknown) {
        let _ = writeln!(
            html,
            "<tr{}><td>{}</td><td>{value}</td></tr>",
            if part { " class=\"part\"" } else { "" },
            escape(&label)
        );
    }
    html.push_str("</tbody></table>");
    html
}

/// A county's name as the report shows it: its name in the division table, or for a
/// code the table lacks, the prefecture or province it lies in.
fn county_name(code: &str, name: &str, lang: Lang) -> String {
    if !name.is_empty() {
        return name.to_string();
    }
    if code == UNKNOWN_DIVISION {
        return phrase(lang, "division unknown").to_string();
    }
    match divisions::parent_name(code) {
        "" => phrase(lang, "county not in the division table").to_string(),
        parent => fill(phrase(lang, "unlisted county of {}"), &[parent]),
    }
}

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rundir::csv::write_csv;
    use polars::prelude::{Column, DataFrame};

    /// A year of nightly runs over every county of China (about 2 850) stays a page a
    /// director can open: the report grows with counties and nights, never with people.
    #[test]
    fn a_year_of_nights_over_every_county_of_china_stays_under_two_megabytes() {
        const COUNTIES: usize = 2_850;
        const NIGHTS: usize = 365;
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let county =
            |i: usize| format!("{:02}{:02}{:02}", 11 + i / 400, 1 + i / 20 % 20, 1 + i % 20);
        let summary_header = SUMMARY_COLUMNS;
        let row = |level: &str, code: String, n: usize| -> Vec<String> {
            [
                level.to_string(),
                code,
                "某某县".into(),
                if n % 7 == 0 { "1" } else { "0" }.into(),
            ]
            .into_iter()
            .chain(
                [40_000 + n, 39_000 + n, 900, 300, 20, 50, 40]
                    .iter()
                    .map(|v| v.to_string()),
            )
            .collect()
        };
        let rows = std::iter::once(row("all", String::new(), 0))
            .chain((0..COUNTIES).map(|i| row("county", county(i), i)));
        write_csv(dir, files::SUMMARY_CSV, &summary_header, rows).unwrap();
        let nights = (0..NIGHTS).flat_map(|night| {
            let as_of = crate::pipeline::normalize::date::Date::new(2026, 1, 1)
                .unwrap()
                .add_days(night as i64)
                .to_string();
            // The report draws the totals; a few county rows stand for the rest.
            (0..=10).map(move |i| {
                let level = if i == 0 { "all" } else { "county" };
                vec![
                    as_of.clone(),
                    level.into(),
                    "900".into(),
                    "50".into(),
                    "40".into(),
                    "60".into(),
                ]
            })
        });
        write_csv(
            dir,
            files::HISTORY_CSV,
            &["run_date", "level", "flagged", "new", "returned", "closed"],
            nights,
        )
        .unwrap();
        let ledger = (0..10_000).map(|i| vec![(6 + i % 10).to_string(), "no_record".into()]);
        write_csv(dir, files::LEDGER_CSV, &["age", "reason"], ledger).unwrap();
        let weights: Vec<f64> = (0..100_000).map(|i| f64::from(i % 40) - 10.0).collect();
        let frame =
            DataFrame::new(weights.len(), vec![Column::new("weight".into(), weights)]).unwrap();
        crate::rundir::atomic::write_parquet(dir, files::CANDIDATES_PARQUET, &frame).unwrap();
        let json = serde_json::json!({
            "checks": {"registry_only": 12, "conflicts": 3},
            "history": {"previous_run_date": "2026-12-30", "new": 50, "still_out": 850, "returned": 40},
        });
        std::fs::write(dir.join(files::SUMMARY_JSON), json.to_string()).unwrap();

        for lang in [Lang::En, Lang::Zh] {
            let context = ReportContext {
                run_date: "2026-12-31".into(),
                accept: 13.0,
                review: 10.0,
                lang,
            };
            write_report(dir, &context).unwrap();
            let html = std::fs::read_to_string(dir.join(files::REPORT_HTML)).unwrap();
            assert!(html.len() < 2_000_000, "{lang:?}: {} bytes", html.len());
            assert_eq!(
                html.matches("<tr><td>").count(),
                COUNTIES + 2,
                "counties and checks"
            );
            assert_eq!(html.matches("<circle").count(), NIGHTS);
            // Nothing fetched: no script, no link, no image source.
            assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
        }
    }

    /// A run directory with the files the report reads: the total and `counties`
    /// (code, name) in summary.csv, one night of history, a few ledger rows and weights,
    /// and `checks` in summary.json.
    fn small_run(dir: &Path, counties: &[(&str, &str)], checks: serde_json::Value) {
        let row = |level: &str, code: &str, name: &str| -> Vec<String> {
            [
                level, code, name, "0", "1000", "950", "40", "12", "10", "40", "0",
            ]
            .map(String::from)
            .to_vec()
        };
        let rows = std::iter::once(row("all", "", "")).chain(
            counties
                .iter()
                .map(|(code, name)| row("county", code, name)),
        );
        write_csv(dir, files::SUMMARY_CSV, &SUMMARY_COLUMNS, rows).unwrap();
        write_csv(
            dir,
            files::HISTORY_CSV,
            &["run_date", "level", "flagged", "new", "returned", "closed"],
            [["2026-09-01", "all", "40", "40", "0", "0"]
                .map(String::from)
                .to_vec()],
        )
        .unwrap();
        let ledger = (0..40).map(|i| vec![(6 + i % 10).to_string(), "no_record".into()]);
        write_csv(dir, files::LEDGER_CSV, &["age", "reason"], ledger).unwrap();
        let weights: Vec<f64> = (0..200).map(|i| f64::from(i % 30) - 8.0).collect();
        let frame =
            DataFrame::new(weights.len(), vec![Column::new("weight".into(), weights)]).unwrap();
        crate::rundir::atomic::write_parquet(dir, files::CANDIDATES_PARQUET, &frame).unwrap();
        let json = serde_json::json!({"checks": checks, "history": null});
        std::fs::write(dir.join(files::SUMMARY_JSON), json.to_string()).unwrap();
    }

    /// The report of `dir` in `lang`, and the part of it between `<section id="{id}"` and
    /// its end.
    fn report_section(dir: &Path, lang: Lang, id: &str) -> (String, String) {
        let context = ReportContext {
            run_date: "2026-09-01".into(),
            accept: 13.0,
            review: 10.0,
            lang,
        };
        write_report(dir, &context).unwrap();
        let html = std::fs::read_to_string(dir.join(files::REPORT_HTML)).unwrap();
        let start = html.find(&format!("<section id=\"{id}\"")).unwrap();
        let section = html[start..start + html[start..].find("</section>").unwrap()].to_string();
        (html, section)
    }

    #[test]
    fn the_chinese_checks_table_names_every_check_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        // Every count summary.json holds, each a different number.
        let keys: Vec<String> =
            serde_json::to_value(crate::pipeline::verify::CheckCounts::default())
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
        let checks: serde_json::Map<String, serde_json::Value> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), serde_json::json!(101 + i)))
            .collect();
        small_run(dir.path(), &[("530111", "官渡区")], checks.into());
        let (_, zh) = report_section(dir.path(), Lang::Zh, "checks");
        let (_, en) = report_section(dir.path(), Lang::En, "checks");
        for (i, key) in keys.iter().enumerate() {
            assert!(
                !zh.contains(key.as_str()),
                "{key} in the Chinese checks table"
            );
            assert!(
                !en.contains(key.as_str()),
                "{key} in the English checks table"
            );
            let (_, _, label) = CHECKS.iter().find(|(k, _, _)| k == key).unwrap();
            for (html, label) in [(&zh, phrase(Lang::Zh, label)), (&en, *label)] {
                let row = format!(">{}</td><td>{}</td></tr>", escape(label), 101 + i);
                assert!(html.contains(&row), "no {row}");
            }
        }
        // Nothing in the Chinese table is a word in snake_case.
        let snake = zh
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| w.contains('_'));
        assert_eq!(snake, None);
        // The parts of a check sit under it: registry_only, then its three origins.
        let at = |label: &str| en.find(&format!(">{label}<")).unwrap();
        assert!(
            at("Student records linking to no population row")
                < at("of which without a valid ID number")
        );
        assert_eq!(en.matches("<tr class=\"part\">").count(), 4);
    }

    #[test]
    fn a_county_the_division_table_lacks_is_named_by_its_prefecture() {
        let dir = tempfile::tempdir().unwrap();
        small_run(
            dir.path(),
            &[
                ("520199", ""),
                ("520102", "南明区"),
                ("999999", ""),
                ("unknown", ""),
            ],
            serde_json::json!({}),
        );
        let (_, en) = report_section(dir.path(), Lang::En, "counties");
        assert!(
            en.contains("<td>520199</td><td>unlisted county of 贵阳市</td>"),
            "{en}"
        );
        assert!(en.contains(">520199 unlisted county of 贵阳市</text>"));
        assert!(en.contains("<td>520102</td><td>南明区</td>"));
        assert!(en.contains("<td>999999</td><td>county not in the division table</td>"));
        assert!(en.contains("<td>unknown</td><td>division unknown</td>"));
        let (_, zh) = report_section(dir.path(), Lang::Zh, "counties");
        assert!(zh.contains("<td>520199</td><td>贵阳市下辖县（区划表未收录）</td>"));
        assert!(zh.contains("<td>unknown</td><td>户籍地不详</td>"));
    }
}
