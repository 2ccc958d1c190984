//! report.html: one self-contained page a director opens — no script, no network, charts
//! as inline SVG. Made from the run's final files (summary, ledger, candidates), so it
//! holds counts only: no ID number or name.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::atomic::write_atomic;
use super::csv::read_columns;
use crate::load::parquet::read_columns_where;
use crate::schema::files;

/// Counties shown in the county chart (the table lists them all).
const CHART_COUNTIES: usize = 30;

/// What the report needs besides the run's files.
pub struct ReportContext {
    pub as_of: String,
    pub accept: f64,
    pub review: f64,
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
    let summary = read_columns(
        &dir.join(files::SUMMARY_CSV),
        &[
            "level",
            "division_code",
            "division_name",
            "monitored",
            "cohort",
            "enrolled",
            "flagged",
            "flagged_poor",
            "exempt",
        ],
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
    let checks: BTreeMap<String, serde_json::Value> = {
        let text = std::fs::read_to_string(dir.join(files::SUMMARY_JSON))?;
        let json: serde_json::Value = serde_json::from_str(&text)?;
        json.get("checks")
            .and_then(|c| c.as_object())
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let number = |s: &str| s.parse::<f64>().unwrap_or(0.0);

    let mut html = String::new();
    html.push_str(HEAD);
    writeln!(
        html,
        "<h1>Children out of school — as of {}</h1>",
        escape(&context.as_of)
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
            ("school age", all[4].clone()),
            (
                "enrolled",
                format!("{} ({})", all[5], rate(number(&all[5]))),
            ),
            ("flagged", all[6].clone()),
            ("flagged and poor", all[7].clone()),
            ("exempt", all[8].clone()),
        ] {
            writeln!(
                html,
                "<div class=\"card\"><div class=\"value\">{}</div><div class=\"label\">{label}</div></div>",
                escape(&value)
            )?;
        }
        writeln!(
            html,
            "</div><p class=\"note\">Change since the last run and the trend need a previous run; none is known to this run.</p></section>"
        )?;
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
            label: format!("{}{} {}", if r[3] == "1" { "★ " } else { "" }, r[1], r[2]),
            value: 100.0 * flagged_rate(r),
            note: format!(
                "{:.2}% ({} flagged, {} poor)",
                100.0 * flagged_rate(r),
                r[6],
                r[7]
            ),
        })
        .collect();
    writeln!(
        html,
        "<section id=\"counties\"><h2>Flagged by county (share of the school-age children; ★ monitored)</h2>{}",
        bar_chart(&bars)
    )?;
    writeln!(
        html,
        "<table><thead><tr><th>county</th><th>name</th><th>monitored</th><th>school age</th><th>enrolled</th><th>flagged</th><th>flagged poor</th><th>exempt</th><th>flagged share</th></tr></thead><tbody>"
    )?;
    for r in &counties {
        writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}%</td></tr>",
            escape(&r[1]),
            escape(&r[2]),
            if r[3] == "1" { "★" } else { "" },
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            100.0 * flagged_rate(r)
        )?;
    }
    writeln!(html, "</tbody></table></section>")?;

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
            .map(|(a, n)| (format!("age {a}"), n))
            .collect(),
    );
    let mut reasons: Vec<(String, usize)> = by_reason.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    writeln!(
        html,
        "<section id=\"ages\"><h2>Flagged by age</h2>{}</section>",
        bar_chart(&ages)
    )?;
    writeln!(
        html,
        "<section id=\"reasons\"><h2>Flagged by reason</h2>{}</section>",
        bar_chart(&count_bars(reasons))
    )?;
    writeln!(
        html,
        "<section id=\"weights\"><h2>Fuzzy match weights of the candidate pairs</h2>{}</section>",
        histogram(&weights, context.review, context.accept)
    )?;
    writeln!(html, "<section id=\"checks\"><h2>Checks</h2><table><tbody>")?;
    for (name, value) in &checks {
        writeln!(html, "<tr><td>{}</td><td>{value}</td></tr>", escape(name))?;
    }
    writeln!(html, "</tbody></table></section></body></html>")?;
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
td:nth-child(2),th:nth-child(2){text-align:left}svg text{font-size:12px}\
</style></head><body>\n";

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars, longest to scale, each with its label and note.
fn bar_chart(bars: &[Bar]) -> String {
    const LABEL: f64 = 260.0;
    const WIDTH: f64 = 420.0;
    const ROW: f64 = 20.0;
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let height = ROW * bars.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\">",
        LABEL + WIDTH + 200.0
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = ROW * i as f64;
        let length = if max > 0.0 {
            WIDTH * bar.value / max
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{LABEL}\" y=\"{}\" width=\"{length:.1}\" height=\"{}\" fill=\"#4a78b5\"/><text x=\"{}\" y=\"{}\">{}</text>",
            LABEL - 6.0,
            y + 14.0,
            escape(&bar.label),
            y + 3.0,
            ROW - 6.0,
            LABEL + length + 6.0,
            y + 14.0,
            escape(&bar.note)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A histogram of weights in one-bit bins, with the review and accept thresholds drawn.
fn histogram(weights: &[f64], review: f64, accept: f64) -> String {
    if weights.is_empty() {
        return "<p class=\"note\">No fuzzy candidate pairs.</p>".into();
    }
    const WIDTH: f64 = 700.0;
    const HEIGHT: f64 = 200.0;
    let low = weights
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .floor()
        .min(review.floor());
    let high = weights
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil()
        .max(accept.ceil())
        + 1.0;
    let bins = ((high - low) as usize).max(1);
    let mut counts = vec![0usize; bins];
    for &w in weights {
        let bin = (((w - low).floor()) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    let max = *counts.iter().max().unwrap_or(&1) as f64;
    let x = |w: f64| 40.0 + WIDTH * (w - low) / (high - low);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\">",
        WIDTH + 80.0,
        HEIGHT + 40.0
    );
    for (i, &n) in counts.iter().enumerate() {
        // Square-root scale: the few pairs near the thresholds stay visible.
        let h = HEIGHT * (n as f64 / max).sqrt();
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4a78b5\"><title>{} to {} bits: {n} pairs</title></rect>",
            x(low + i as f64),
            HEIGHT - h,
            (WIDTH / bins as f64 - 1.0).max(1.0),
            low + i as f64,
            low + i as f64 + 1.0
        );
    }
    for (w, label, colour) in [(review, "review", "#d08a00"), (accept, "accept", "#b03030")] {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{HEIGHT}\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{1:.1}\" y=\"12\" fill=\"{colour}\">{label} {w}</text>",
            x(w),
            x(w) + 4.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"40\" y=\"{}\">{low} bits</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{high} bits ({} pairs, square-root scale)</text></svg>",
        HEIGHT + 20.0,
        WIDTH + 40.0,
        HEIGHT + 20.0,
        weights.len()
    );
    svg
}
