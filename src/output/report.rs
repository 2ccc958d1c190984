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
use crate::vocab::{Lang, word};

/// Counties shown in the county chart (the table lists them all).
const CHART_COUNTIES: usize = 30;

/// What the report needs besides the run's files.
pub struct ReportContext {
    pub as_of: String,
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
            "new",
            "returned",
        ],
    )?;
    let trend = read_columns(
        &dir.join(files::HISTORY_CSV),
        &["as_of", "level", "flagged", "new", "returned", "closed"],
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
            &[&escape(&context.as_of)]
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
            label: format!("{}{} {}", if r[3] == "1" { "★ " } else { "" }, r[1], r[2]),
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
            escape(&r[2]),
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
        "<section id=\"checks\"><h2>{}</h2><table><tbody>",
        t("Checks")
    )?;
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

/// The change since the previous run, from summary.json's `history`.
fn change_cards(history: &serde_json::Value, lang: Lang) -> String {
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
            &[&escape(history["previous_as_of"].as_str().unwrap_or(""))]
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
    html
}

/// Flagged children per night (history.csv's totals): a line with a point per night.
fn trend_chart(nights: &[&Vec<String>], lang: Lang) -> String {
    const WIDTH: f64 = 700.0;
    const HEIGHT: f64 = 180.0;
    if nights.len() < 2 {
        return format!(
            "<p class=\"note\">{}</p>",
            phrase(
                lang,
                "One night so far; the trend starts with the next run given this one as --previous."
            )
        );
    }
    let flagged: Vec<f64> = nights.iter().map(|r| r[2].parse().unwrap_or(0.0)).collect();
    let max = flagged.iter().copied().fold(1.0, f64::max);
    let x = |i: usize| 50.0 + WIDTH * i as f64 / (nights.len() - 1) as f64;
    let y = |v: f64| 10.0 + HEIGHT * (1.0 - v / max);
    let points: Vec<String> = flagged
        .iter()
        .enumerate()
        .map(|(i, &v)| format!("{:.1},{:.1}", x(i), y(v)))
        .collect();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\"><polyline points=\"{}\" fill=\"none\" stroke=\"#4a78b5\" stroke-width=\"2\"/>",
        WIDTH + 100.0,
        HEIGHT + 50.0,
        points.join(" ")
    );
    for (i, r) in nights.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#4a78b5\"><title>{}</title></circle>",
            x(i),
            y(flagged[i]),
            fill(
                phrase(lang, "{}: {} flagged, {} new, {} returned, {} closed"),
                &[&escape(&r[0]), &r[2], &r[3], &r[4], &r[5]]
            )
        );
    }
    let _ = write!(
        svg,
        "<text x=\"50\" y=\"{0}\">{1}</text><text x=\"{2}\" y=\"{0}\" text-anchor=\"end\">{3}</text><text x=\"0\" y=\"{4:.1}\">{5}</text></svg>",
        HEIGHT + 30.0,
        escape(&nights[0][0]),
        WIDTH + 50.0,
        escape(&nights[nights.len() - 1][0]),
        y(max) + 4.0,
        max
    );
    svg
}

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
fn histogram(weights: &[f64], review: f64, accept: f64, lang: Lang) -> String {
    let t = |en: &'static str| phrase(lang, en);
    if weights.is_empty() {
        return format!("<p class=\"note\">{}</p>", t("No fuzzy candidate pairs."));
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
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4a78b5\"><title>{}</title></rect>",
            x(low + i as f64),
            HEIGHT - h,
            (WIDTH / bins as f64 - 1.0).max(1.0),
            fill(
                t("{} to {} bits: {} pairs"),
                &[
                    &(low + i as f64).to_string(),
                    &(low + i as f64 + 1.0).to_string(),
                    &n.to_string()
                ]
            )
        );
    }
    for (w, label, colour) in [
        (review, t("review"), "#d08a00"),
        (accept, t("accept"), "#b03030"),
    ] {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{HEIGHT}\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{1:.1}\" y=\"12\" fill=\"{colour}\">{label} {w}</text>",
            x(w),
            x(w) + 4.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"40\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        HEIGHT + 20.0,
        fill(t("{} bits"), &[&low.to_string()]),
        WIDTH + 40.0,
        HEIGHT + 20.0,
        fill(
            t("{} bits ({} pairs, square-root scale)"),
            &[&high.to_string(), &weights.len().to_string()]
        )
    );
    svg
}

/// Fills each `{}` of `template` with the next of `args`.
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut parts = template.split("{}");
    out.push_str(parts.next().unwrap_or(""));
    for (part, arg) in parts.zip(args.iter().chain(std::iter::repeat(&""))) {
        out.push_str(arg);
        out.push_str(part);
    }
    out
}

/// A phrase of the report in `lang`.
fn phrase(lang: Lang, en: &'static str) -> &'static str {
    if lang == Lang::En {
        return en;
    }
    PHRASES
        .iter()
        .find(|(e, _)| *e == en)
        .map_or(en, |(_, zh)| zh)
}

/// The report's phrases in Chinese.
const PHRASES: &[(&str, &str)] = &[
    (
        "Children out of school — as of {}",
        "疑似失学辍学儿童 — 统计日期 {}",
    ),
    ("school age", "适龄儿童"),
    ("enrolled", "在籍"),
    ("flagged", "疑似失学辍学"),
    ("flagged and poor", "其中建档立卡"),
    ("flagged poor", "其中建档立卡"),
    ("exempt", "缓学免学"),
    ("Since {}", "与 {} 相比"),
    ("new", "新增"),
    ("still out", "仍未入学"),
    ("returned to school", "劝返复学"),
    ("returned", "劝返复学"),
    ("closed in all", "销号合计"),
    (
        "No previous run was given (--previous): every case is new tonight.",
        "未给出上一次运行（--previous）：本次所有案件均为新增。",
    ),
    (
        "{} cases had no row in the ledgers staff handed back (deleted or filtered out there): they were judged on tonight's registers alone, none closed for it.",
        "{} 个案件在交回的台账中没有对应行（被删除或筛除）：仅按本次数据判断，未因此销号。",
    ),
    (
        "Flagged by county (share of the school-age children; ★ monitored)",
        "各县疑似失学辍学（占适龄儿童比例；★ 重点监测县）",
    ),
    ("{}% ({} flagged, {} poor)", "{}%（疑似 {}，建档立卡 {}）"),
    ("county", "县"),
    ("name", "名称"),
    ("monitored", "重点监测"),
    ("flagged share", "疑似比例"),
    ("Flagged night by night", "疑似失学辍学人数变化"),
    (
        "One night so far; the trend starts with the next run given this one as --previous.",
        "目前只有一次运行；下次运行以本次为 --previous 后开始显示趋势。",
    ),
    (
        "{}: {} flagged, {} new, {} returned, {} closed",
        "{}：疑似 {}，新增 {}，劝返复学 {}，销号 {}",
    ),
    ("Flagged by age", "按年龄"),
    ("age {}", "{} 岁"),
    ("Flagged by reason", "按原因"),
    (
        "Fuzzy match weights of the candidate pairs",
        "候选记录对的模糊匹配权重",
    ),
    ("No fuzzy candidate pairs.", "没有模糊匹配候选对。"),
    ("{} to {} bits: {} pairs", "{} 至 {} 比特：{} 对"),
    ("review", "人工复核"),
    ("accept", "接受"),
    ("{} bits", "{} 比特"),
    (
        "{} bits ({} pairs, square-root scale)",
        "{} 比特（{} 对，平方根刻度）",
    ),
    ("Checks", "核查"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::csv::write_csv;
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
        let summary_header = [
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
        let row = |level: &str, code: String, n: usize| -> Vec<String> {
            [
                level.to_string(),
                code,
                "某某县".into(),
                (n % 7 == 0).then_some("1").unwrap_or("0").into(),
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
            let as_of = crate::normalize::date::Date::new(2026, 1, 1)
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
            &["as_of", "level", "flagged", "new", "returned", "closed"],
            nights,
        )
        .unwrap();
        let ledger = (0..10_000).map(|i| vec![(6 + i % 10).to_string(), "no_record".into()]);
        write_csv(dir, files::LEDGER_CSV, &["age", "reason"], ledger).unwrap();
        let weights: Vec<f64> = (0..100_000).map(|i| f64::from(i % 40) - 10.0).collect();
        let frame =
            DataFrame::new(weights.len(), vec![Column::new("weight".into(), weights)]).unwrap();
        crate::output::atomic::write_parquet(dir, files::CANDIDATES_PARQUET, &frame).unwrap();
        let json = serde_json::json!({
            "checks": {"registry_only": 12, "conflicts": 3},
            "history": {"previous_as_of": "2026-12-30", "new": 50, "still_out": 850, "returned": 40},
        });
        std::fs::write(dir.join(files::SUMMARY_JSON), json.to_string()).unwrap();

        for lang in [Lang::En, Lang::Zh] {
            let context = ReportContext {
                as_of: "2026-12-31".into(),
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
}
