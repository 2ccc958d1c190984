//! report.html: one self-contained page a director opens — no script, no network, charts
//! as inline SVG. Made from the run's values (the summary, the history's rows, the flagged
//! children's ages and reasons, the candidate pairs' weights), so it holds counts only: no
//! ID number or name.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::cases::TREND_COLUMNS;
use super::writer::Writer;
use crate::ground::divisions::{self, UNKNOWN_DIVISION};
use crate::ground::schema::files;
use crate::ground::vocab::{Lang, word};
use crate::pipeline::summary::{Level, Summary, SummaryRow};
use change::change_cards;
use svg::{bar_chart, histogram, trend_chart};
use words::{CHECKS, fill, phrase};

mod change;
mod risk;
mod svg;
mod words;

/// Counties shown in the county chart (the table lists them all).
const CHART_COUNTIES: usize = 30;

/// The columns of history.csv the trend chart draws, in the order it indexes them.
const TREND_CHART_COLUMNS: [&str; 6] =
    ["run_date", "level", "flagged", "new", "returned", "closed"];

/// What the report needs besides the run's values.
pub struct ReportContext {
    /// The night of the run.
    pub run_date: String,
    pub accept: f64,
    pub review: f64,
    pub lang: Lang,
    /// The risk factors the run assessed: the report shows no column for one switched off.
    pub risk_factors: Vec<crate::pipeline::risk::Factor>,
}

/// The run's values the report shows.
pub struct ReportData<'a> {
    pub summary: &'a Summary,
    /// history.csv's rows, in the order of its columns.
    pub trend: &'a [Vec<String>],
    /// Each flagged child's age and reason.
    pub flagged: Vec<(i32, &'a str)>,
    /// The weights of the fuzzy candidate pairs (finite ones).
    pub weights: Vec<f64>,
}

/// One bar of a chart.
struct Bar {
    label: String,
    value: f64,
    /// Shown after the bar.
    note: String,
}

/// Writes `dir/report.html`.
pub fn write_report(
    out: &Writer,
    data: &ReportData,
    context: &ReportContext,
) -> anyhow::Result<()> {
    let summary = data.summary;
    let checks: BTreeMap<String, serde_json::Value> = match serde_json::to_value(&summary.checks)? {
        serde_json::Value::Object(o) => o.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    let history = serde_json::to_value(&summary.history)?;
    let trend: Vec<Vec<String>> = {
        let at: Vec<usize> = TREND_CHART_COLUMNS
            .iter()
            .map(|c| {
                TREND_COLUMNS
                    .iter()
                    .position(|t| t == c)
                    .expect("a trend column")
            })
            .collect();
        data.trend
            .iter()
            .map(|r| at.iter().map(|&i| r[i].clone()).collect())
            .collect()
    };
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
    if let Some(all) = summary.rows.iter().find(|r| r.level == Level::All) {
        let all = &all.counts;
        let rate = |n: u64| {
            let base = all.cohort as f64 - all.exempt as f64;
            if base > 0.0 {
                format!("{:.2}%", 100.0 * n as f64 / base)
            } else {
                "—".into()
            }
        };
        writeln!(html, "<section id=\"headline\"><div class=\"cards\">")?;
        for (label, value) in [
            (t("school age"), all.cohort.to_string()),
            (
                t("enrolled"),
                format!("{} ({})", all.enrolled, rate(all.enrolled)),
            ),
            (t("flagged"), all.flagged.to_string()),
            (t("flagged and poor"), all.flagged_poor.to_string()),
            (t("exempt"), all.exempt.to_string()),
        ] {
            writeln!(
                html,
                "<div class=\"card\"><div class=\"value\">{}</div><div class=\"label\">{label}</div></div>",
                escape(&value)
            )?;
        }
        writeln!(html, "</div>")?;
        html.push_str(&change_cards(&history, lang));
        writeln!(html, "</section>")?;
    }

    let mut counties: Vec<&SummaryRow> = summary
        .rows
        .iter()
        .filter(|r| r.level == Level::County)
        .collect();
    let flagged_rate = |r: &SummaryRow| {
        if r.counts.cohort > 0 {
            r.counts.flagged as f64 / r.counts.cohort as f64
        } else {
            0.0
        }
    };
    counties.sort_by(|a, b| {
        flagged_rate(b)
            .total_cmp(&flagged_rate(a))
            .then_with(|| a.division_code.cmp(&b.division_code))
    });
    let bars: Vec<Bar> = counties
        .iter()
        .take(CHART_COUNTIES)
        .map(|r| Bar {
            label: format!(
                "{}{} {}",
                if r.monitored { "★ " } else { "" },
                r.division_code,
                county_name(&r.division_code, lang)
            ),
            value: 100.0 * flagged_rate(r),
            note: fill(
                t("{}% ({} flagged, {} poor)"),
                &[
                    &format!("{:.2}", 100.0 * flagged_rate(r)),
                    &r.counts.flagged.to_string(),
                    &r.counts.flagged_poor.to_string(),
                ],
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
        let c = &r.counts;
        writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}%</td><td>{}</td><td>{}</td></tr>",
            escape(&r.division_code),
            escape(&county_name(&r.division_code, lang)),
            if r.monitored { "★" } else { "" },
            c.cohort,
            c.enrolled,
            c.flagged,
            c.flagged_poor,
            c.exempt,
            100.0 * flagged_rate(r),
            c.new,
            c.returned
        )?;
    }
    writeln!(html, "</tbody></table></section>")?;
    html.push_str(&risk::section(summary, lang, &context.risk_factors));
    let nights: Vec<&Vec<String>> = trend.iter().filter(|r| r[1] == "all").collect();
    writeln!(
        html,
        "<section id=\"trend\"><h2>{}</h2>{}</section>",
        t("Flagged night by night"),
        trend_chart(&nights, lang)
    )?;

    let mut by_age: BTreeMap<i32, usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for &(age, reason) in &data.flagged {
        *by_age.entry(age).or_default() += 1;
        *by_reason.entry(reason).or_default() += 1;
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
        .map(|(r, n)| (word("reason", r, lang).to_string(), n))
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
        histogram(&data.weights, context.review, context.accept, lang)
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
    out.file(files::REPORT_HTML, |out| {
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
fn county_name(code: &str, lang: Lang) -> String {
    let name = divisions::name(code);
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
    use crate::pipeline::summary::Counts;
    use crate::pipeline::verify::CheckCounts;
    use std::path::Path;

    /// A summary row of `level` for `code`, its counts from `n`.
    fn summary_row(level: Level, code: &str, monitored: bool, n: u64) -> SummaryRow {
        SummaryRow {
            level,
            division_code: code.to_string(),
            monitored,
            counts: Counts {
                cohort: 40_000 + n,
                enrolled: 39_000 + n,
                flagged: 900,
                flagged_poor: 300,
                exempt: 20,
                new: 50,
                returned: 40,
                at_risk: 700,
                risk_over_age: 300,
                risk_unaided: 120,
                ..Counts::default()
            },
            coverage_rate: None,
        }
    }

    fn summary(rows: Vec<SummaryRow>, checks: CheckCounts) -> Summary {
        Summary {
            rows,
            monitored_counties: Vec::new(),
            checks,
            history: None,
        }
    }

    /// A history.csv row: the night, the level, and the flagged, new, returned and closed
    /// counts; the other columns empty.
    fn trend_row(night: &str, level: &str, counts: [u64; 4]) -> Vec<String> {
        let mut row = vec![String::new(); TREND_COLUMNS.len()];
        let mut set = |column: &str, value: String| {
            row[TREND_COLUMNS.iter().position(|c| *c == column).unwrap()] = value;
        };
        set("run_date", night.to_string());
        set("level", level.to_string());
        for (column, n) in ["flagged", "new", "returned", "closed"].iter().zip(counts) {
            set(column, n.to_string());
        }
        row
    }

    /// The report of `data` in `lang`, written into `dir` and read back.
    fn report(dir: &Path, data: &ReportData, lang: Lang) -> String {
        let context = ReportContext {
            run_date: "2026-09-01".into(),
            accept: 13.0,
            review: 10.0,
            lang,
            risk_factors: crate::pipeline::risk::Factor::ALL.to_vec(),
        };
        let out = crate::rundir::writer(dir, None, lang);
        write_report(&out, data, &context).unwrap();
        std::fs::read_to_string(dir.join(files::REPORT_HTML)).unwrap()
    }

    /// A year of nightly runs over every county of China (about 2 850) stays a page a
    /// director can open: the report grows with counties and nights, never with people.
    #[test]
    fn a_year_of_nights_over_every_county_of_china_stays_under_two_megabytes() {
        const COUNTIES: usize = 2_850;
        const NIGHTS: usize = 365;
        let dir = tempfile::tempdir().unwrap();
        let county =
            |i: usize| format!("{:02}{:02}{:02}", 11 + i / 400, 1 + i / 20 % 20, 1 + i % 20);
        let rows = std::iter::once(summary_row(Level::All, "", false, 0))
            .chain(
                (0..COUNTIES).map(|i| summary_row(Level::County, &county(i), i % 7 == 0, i as u64)),
            )
            .collect();
        let checks = CheckCounts {
            registry_only: 12,
            conflicts: 3,
            ..CheckCounts::default()
        };
        let summary = summary(rows, checks);
        let trend: Vec<Vec<String>> = (0..NIGHTS)
            .flat_map(|night| {
                let as_of = crate::pipeline::normalize::date::Date::new(2026, 1, 1)
                    .unwrap()
                    .add_days(night as i64)
                    .to_string();
                // The report draws the totals; a few county rows stand for the rest.
                (0..=10).map(move |i| {
                    let level = if i == 0 { "all" } else { "county" };
                    trend_row(&as_of, level, [900, 50, 40, 60])
                })
            })
            .collect();
        let data = ReportData {
            summary: &summary,
            trend: &trend,
            flagged: (0..10_000).map(|i| (6 + i % 10, "no_record")).collect(),
            weights: (0..100_000).map(|i| f64::from(i % 40) - 10.0).collect(),
        };
        for lang in [Lang::En, Lang::Zh] {
            let html = report(dir.path(), &data, lang);
            assert!(html.len() < 2_000_000, "{lang:?}: {} bytes", html.len());
            let checks = serde_json::to_value(CheckCounts::default()).unwrap();
            // A row per county in the county table and in the risk table (with the total).
            assert_eq!(
                html.matches("<tr><td>").count() + html.matches("<tr class=\"part\">").count(),
                2 * COUNTIES + 1 + checks.as_object().unwrap().len(),
                "counties and checks"
            );
            assert_eq!(html.matches("<circle").count(), NIGHTS);
            // Nothing fetched: no script, no link, no image source.
            assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
        }
    }

    /// The report of a small run (the total and `counties`, one night of history, a few
    /// flagged children and weights, `checks`) in `lang`, and the part of it between
    /// `<section id="{id}"` and its end.
    fn report_section(
        dir: &Path,
        counties: &[&str],
        checks: CheckCounts,
        lang: Lang,
        id: &str,
    ) -> (String, String) {
        let rows = std::iter::once(summary_row(Level::All, "", false, 0))
            .chain(
                counties
                    .iter()
                    .map(|code| summary_row(Level::County, code, false, 0)),
            )
            .collect();
        let summary = summary(rows, checks);
        let trend = vec![trend_row("2026-09-01", "all", [40, 40, 0, 0])];
        let data = ReportData {
            summary: &summary,
            trend: &trend,
            flagged: (0..40).map(|i| (6 + i % 10, "no_record")).collect(),
            weights: (0..200).map(|i| f64::from(i % 30) - 8.0).collect(),
        };
        let html = report(dir, &data, lang);
        let start = html.find(&format!("<section id=\"{id}\"")).unwrap();
        let section = html[start..start + html[start..].find("</section>").unwrap()].to_string();
        (html, section)
    }

    #[test]
    fn the_chinese_checks_table_names_every_check_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        // Every count summary.json holds, each a different number.
        let keys: Vec<String> = serde_json::to_value(CheckCounts::default())
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
        let checks: CheckCounts = serde_json::from_value(checks.into()).unwrap();
        let (_, zh) = report_section(dir.path(), &["530111"], checks.clone(), Lang::Zh, "checks");
        let (_, en) = report_section(dir.path(), &["530111"], checks, Lang::En, "checks");
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
        let counties = ["520199", "520102", "999999", "unknown"];
        let section = |lang| {
            report_section(
                dir.path(),
                &counties,
                CheckCounts::default(),
                lang,
                "counties",
            )
            .1
        };
        let en = section(Lang::En);
        assert!(
            en.contains("<td>520199</td><td>unlisted county of 贵阳市</td>"),
            "{en}"
        );
        assert!(en.contains(">520199 unlisted county of 贵阳市</text>"));
        assert!(en.contains("<td>520102</td><td>南明区</td>"));
        assert!(en.contains("<td>999999</td><td>county not in the division table</td>"));
        assert!(en.contains("<td>unknown</td><td>division unknown</td>"));
        let zh = section(Lang::Zh);
        assert!(zh.contains("<td>520199</td><td>贵阳市下辖县（区划表未收录）</td>"));
        assert!(zh.contains("<td>unknown</td><td>户籍地不详</td>"));
    }
}
