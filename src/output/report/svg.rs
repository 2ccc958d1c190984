//! The report's charts as inline SVG: bars, a histogram of weights with the thresholds,
//! the flagged count night by night.

use std::fmt::Write as _;

use super::words::{fill, phrase};
use super::{Bar, escape};
use crate::vocab::Lang;

/// Horizontal bars, longest to scale, each with its label and note.
pub(super) fn bar_chart(bars: &[Bar]) -> String {
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
pub(super) fn histogram(weights: &[f64], review: f64, accept: f64, lang: Lang) -> String {
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

/// Flagged children per night (history.csv's totals): a line with a point per night.
pub(super) fn trend_chart(nights: &[&Vec<String>], lang: Lang) -> String {
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
