//! The report's charts as inline SVG: bars, a histogram of weights with the thresholds,
//! the flagged count night by night.

use std::fmt::Write as _;

use super::words::{fill, phrase};
use super::{Bar, escape};
use crate::ground::vocab::Lang;

/// Horizontal bars, longest to scale, each with its label and note. The labels' column is
/// as wide as the widest label, and at least 260 px.
pub(super) fn bar_chart(bars: &[Bar]) -> String {
    const WIDTH: f64 = 420.0;
    const ROW: f64 = 20.0;
    let label_width = bars
        .iter()
        .map(|b| text_width(&b.label))
        .fold(0.0, f64::max);
    let label = (label_width + 12.0).max(260.0).ceil();
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let height = ROW * bars.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\">",
        label + WIDTH + 200.0
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
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label}\" y=\"{}\" width=\"{length:.1}\" height=\"{}\" fill=\"#4a78b5\"/><text x=\"{}\" y=\"{}\">{}</text>",
            label - 6.0,
            y + 14.0,
            escape(&bar.label),
            y + 3.0,
            ROW - 6.0,
            label + length + 6.0,
            y + 14.0,
            escape(&bar.note)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A histogram of weights in one-bit bins, with the review and accept thresholds drawn
/// and labelled above the bars (see [`place_labels`]).
pub(super) fn histogram(weights: &[f64], review: f64, accept: f64, lang: Lang) -> String {
    let t = |en: &'static str| phrase(lang, en);
    if weights.is_empty() {
        return format!("<p class=\"note\">{}</p>", t("No fuzzy candidate pairs."));
    }
    const WIDTH: f64 = 700.0;
    const HEIGHT: f64 = 200.0;
    const TOP: f64 = 36.0;
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
    let edge = WIDTH + 80.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{edge}\" height=\"{}\" role=\"img\">",
        TOP + HEIGHT + 40.0
    );
    for (i, &n) in counts.iter().enumerate() {
        // Square-root scale: the few pairs near the thresholds stay visible.
        let h = HEIGHT * (n as f64 / max).sqrt();
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#4a78b5\"><title>{}</title></rect>",
            x(low + i as f64),
            TOP + HEIGHT - h,
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
    let thresholds = [
        (review, format!("{} {review}", t("review")), "#d08a00"),
        (accept, format!("{} {accept}", t("accept")), "#b03030"),
    ];
    let places = place_labels(
        [
            (x(review), text_width(&thresholds[0].1)),
            (x(accept), text_width(&thresholds[1].1)),
        ],
        edge,
    );
    for (w, _, colour) in &thresholds {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{1}\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            x(*w),
            TOP + HEIGHT
        );
    }
    // The labels over both lines, each on a white halo.
    for ((w, label, colour), place) in thresholds.iter().zip(places) {
        let (from, to) = place.span(x(*w), text_width(label));
        let _ = write!(
            svg,
            "<text class=\"threshold\" x=\"{:.1}\" y=\"{}\" text-anchor=\"{}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            if place.right { from } else { to },
            LABEL_ROWS[place.row],
            if place.right { "start" } else { "end" },
            escape(label)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"40\" y=\"{0}\">{1}</text><text x=\"{2}\" y=\"{0}\" text-anchor=\"end\">{3}</text></svg>",
        TOP + HEIGHT + 20.0,
        fill(t("{} bits"), &[&low.to_string()]),
        WIDTH + 40.0,
        fill(
            t("{} bits ({} pairs, square-root scale)"),
            &[&high.to_string(), &weights.len().to_string()]
        )
    );
    svg
}

/// The histogram's room for the thresholds' labels above the bars: two rows.
const LABEL_ROWS: [f64; 2] = [13.0, 29.0];
/// Space between a threshold's line and its label.
const LABEL_GAP: f64 = 4.0;

/// How wide `text` is drawn at the charts' 12 px, generously: a Latin letter or digit at
/// most 7.6 px, a Chinese character 12.5 px.
pub(super) fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 7.6 } else { 12.5 })
        .sum()
}

/// Where a threshold's label sits: right or left of its line, on one of the label rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LabelPlace {
    right: bool,
    row: usize,
}

impl LabelPlace {
    /// The label's extent along x beside a line at `x`.
    fn span(self, x: f64, width: f64) -> (f64, f64) {
        if self.right {
            (x + LABEL_GAP, x + LABEL_GAP + width)
        } else {
            (x - LABEL_GAP - width, x - LABEL_GAP)
        }
    }
}

/// Places the labels of two threshold lines, each `(x, label width)`, within `0..edge`
/// so that they never overlap: both on the right of their lines while they fit, then
/// back to back (the first on the left, the second on the right), then on two rows. A
/// label crosses the other line only when nothing else fits.
fn place_labels(lines: [(f64, f64); 2], edge: f64) -> [LabelPlace; 2] {
    let place = |right, row| LabelPlace { right, row };
    let mut candidates = Vec::with_capacity(8);
    for rows in [(0, 0), (0, 1)] {
        for (first, second) in [(true, true), (false, true), (false, false), (true, false)] {
            candidates.push([place(first, rows.0), place(second, rows.1)]);
        }
    }
    let spans = |p: [LabelPlace; 2]| {
        [
            p[0].span(lines[0].0, lines[0].1),
            p[1].span(lines[1].0, lines[1].1),
        ]
    };
    let fits = |p: [LabelPlace; 2], may_cross: bool| {
        let s = spans(p);
        let inside = s.iter().all(|&(a, b)| a >= 0.0 && b <= edge);
        let apart =
            p[0].row != p[1].row || s[0].1 + LABEL_GAP <= s[1].0 || s[1].1 + LABEL_GAP <= s[0].0;
        let crosses = |(a, b): (f64, f64), x: f64| a < x && x < b;
        let clear = may_cross || !(crosses(s[0], lines[1].0) || crosses(s[1], lines[0].0));
        inside && apart && clear
    };
    [false, true]
        .into_iter()
        .find_map(|may_cross| candidates.iter().copied().find(|&p| fits(p, may_cross)))
        .unwrap_or([place(true, 0), place(true, 1)])
}

/// Flagged children per night (history.csv's totals): a line with a point per night, a
/// value axis with ruled ticks, the dates of the first, last and a few nights between, and
/// the first and last night's counts beside their points.
pub(super) fn trend_chart(nights: &[&Vec<String>], lang: Lang) -> String {
    const LEFT: f64 = 64.0;
    const WIDTH: f64 = 680.0;
    const TOP: f64 = 22.0;
    const HEIGHT: f64 = 170.0;
    /// Dates written under the axis, at most.
    const DATES: usize = 6;
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
    let ticks = value_ticks(
        flagged.iter().copied().fold(f64::INFINITY, f64::min),
        flagged.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let (bottom, top) = (ticks[0], ticks[ticks.len() - 1]);
    let last = nights.len() - 1;
    let x = |i: usize| LEFT + WIDTH * i as f64 / last as f64;
    let y = |v: f64| TOP + HEIGHT * (top - v) / (top - bottom);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\">",
        LEFT + WIDTH + 70.0,
        TOP + HEIGHT + 30.0
    );
    for &v in &ticks {
        let at = y(v);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{right}\" y1=\"{at:.1}\" y2=\"{at:.1}\" stroke=\"#ddd\"/><text class=\"tick\" x=\"{label}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            at + 4.0,
            right = LEFT + WIDTH,
            label = LEFT - 6.0,
        );
    }
    // Evenly spread, rounded to the nearest night.
    let spaces = DATES.min(nights.len()) - 1;
    let dated: std::collections::BTreeSet<usize> = (0..=spaces)
        .map(|k| (k * last + spaces / 2) / spaces)
        .collect();
    for &i in &dated {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#999\"/><text class=\"date\" x=\"{0:.1}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
            x(i),
            TOP + HEIGHT,
            TOP + HEIGHT + 4.0,
            TOP + HEIGHT + 18.0,
            escape(&nights[i][0])
        );
    }
    let points: Vec<String> = flagged
        .iter()
        .enumerate()
        .map(|(i, &v)| format!("{:.1},{:.1}", x(i), y(v)))
        .collect();
    let _ = write!(
        svg,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#4a78b5\" stroke-width=\"2\"/>",
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
    // The first night's count above its point, tonight's to the right of its own.
    let _ = write!(
        svg,
        "<text class=\"point\" x=\"{:.1}\" y=\"{:.1}\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text><text class=\"point\" x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text></svg>",
        x(0) + 6.0,
        y(flagged[0]) - 8.0,
        escape(&nights[0][2]),
        x(last) + 8.0,
        y(flagged[last]) + 4.0,
        escape(&nights[last][2])
    );
    svg
}

/// The ruled values of an axis showing counts from `min` to `max`: round steps (1, 2, 2.5
/// or 5 times a power of ten, whole children, three to six of them) from a multiple of the step at or below
/// the lower end to one at or above `max`. The axis starts at zero unless the counts all
/// lie above half the largest, where zero would flatten the line.
fn value_ticks(min: f64, max: f64) -> Vec<f64> {
    let max = max.max(0.0);
    let (mut low, mut high) = (if min > max / 2.0 { min } else { 0.0 }, max);
    if high - low < 1.0 {
        low = (low - 1.0).max(0.0);
        high = low + 2.0;
    }
    let raw = (high - low) / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .filter(|s| s.fract() == 0.0 || *s < 1.0)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power)
        .max(1.0);
    let first = (low / step).floor() as i64;
    let last = (high / step).ceil() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `<text>` elements of `svg` whose opening tag holds `class="{class}"`: their
    /// x, y, anchor and text.
    fn texts(svg: &str, class: &str) -> Vec<(f64, f64, String, String)> {
        let attribute = |tag: &str, name: &str| -> String {
            let Some(at) = tag.find(&format!(" {name}=\"")) else {
                return "start".into();
            };
            let start = at + name.len() + 3;
            tag[start..start + tag[start..].find('"').unwrap()].to_string()
        };
        svg.split("<text ")
            .skip(1)
            .filter(|part| part.starts_with(&format!("class=\"{class}\"")))
            .map(|part| {
                let (tag, rest) = part.split_once('>').unwrap();
                (
                    attribute(tag, "x").parse().unwrap(),
                    attribute(tag, "y").parse().unwrap(),
                    attribute(tag, "text-anchor"),
                    rest[..rest.find("</text>").unwrap()].to_string(),
                )
            })
            .collect()
    }

    /// The x extent of a drawn text.
    fn extent((x, _, anchor, text): &(f64, f64, String, String)) -> (f64, f64) {
        let width = text_width(text);
        match anchor.as_str() {
            "end" => (x - width, *x),
            "middle" => (x - width / 2.0, x + width / 2.0),
            _ => (*x, x + width),
        }
    }

    #[test]
    fn the_threshold_labels_never_overlap_however_close_the_thresholds() {
        // Weights over a wide range, and weights that put a threshold at either edge.
        let wide: Vec<f64> = (0..400).map(|i| f64::from(i % 50) - 20.0).collect();
        let from_review: Vec<f64> = (0..100).map(|i| 10.0 + f64::from(i % 3)).collect();
        let to_accept: Vec<f64> = (0..100).map(|i| f64::from(i % 20) - 9.0).collect();
        for weights in [&wide, &from_review, &to_accept] {
            for (review, accept) in [
                (10.0, 16.0),
                (10.0, 13.0),
                (10.0, 11.0),
                (10.0, 10.5),
                (10.0, 10.0),
            ] {
                for lang in [Lang::En, Lang::Zh] {
                    let svg = histogram(weights, review, accept, lang);
                    let labels = texts(&svg, "threshold");
                    assert_eq!(labels.len(), 2, "{svg}");
                    let case = format!("{review}/{accept} {lang:?} over {:?}", &weights[..3]);
                    let (a, b) = (extent(&labels[0]), extent(&labels[1]));
                    for (from, to) in [a, b] {
                        assert!(
                            from >= 0.0 && to <= 780.0,
                            "{case}: a label outside the chart"
                        );
                    }
                    if labels[0].1 == labels[1].1 {
                        assert!(a.1 <= b.0 || b.1 <= a.0, "{case}: {a:?} and {b:?} overlap");
                    }
                }
            }
        }
    }

    #[test]
    fn labels_far_apart_stay_right_of_their_lines_and_close_ones_go_back_to_back() {
        let weights: Vec<f64> = (0..400).map(|i| f64::from(i % 50) - 20.0).collect();
        let svg = histogram(&weights, 0.0, 20.0, Lang::En);
        let labels = texts(&svg, "threshold");
        assert_eq!(labels[0].2, "start");
        assert_eq!(labels[1].2, "start");
        assert_eq!(labels[0].1, labels[1].1);
        let svg = histogram(&weights, 10.0, 11.0, Lang::En);
        let labels = texts(&svg, "threshold");
        assert_eq!(
            (labels[0].2.as_str(), labels[1].2.as_str()),
            ("end", "start")
        );
        assert_eq!(labels[0].3, "review 10");
        assert_eq!(labels[1].3, "accept 11");
    }

    #[test]
    fn the_trend_is_labelled_with_its_values_and_dates() {
        let nights: Vec<Vec<String>> = [900, 950, 870, 910, 905, 890, 880, 930]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                vec![
                    format!("2026-09-{:02}", i + 1),
                    "all".into(),
                    n.to_string(),
                    "5".into(),
                    "4".into(),
                    "6".into(),
                ]
            })
            .collect();
        let rows: Vec<&Vec<String>> = nights.iter().collect();
        let svg = trend_chart(&rows, Lang::En);
        // Ruled every 20 from below the fewest (870) to above the most (950).
        let ticks: Vec<String> = texts(&svg, "tick").into_iter().map(|t| t.3).collect();
        assert_eq!(ticks, ["860", "880", "900", "920", "940", "960"]);
        // The first and last nights dated, and at most six dates in all.
        let dates: Vec<String> = texts(&svg, "date").into_iter().map(|t| t.3).collect();
        assert_eq!(dates.first().unwrap(), "2026-09-01");
        assert_eq!(dates.last().unwrap(), "2026-09-08");
        assert!(dates.len() <= 6 && dates.len() >= 4, "{dates:?}");
        // The first and the last night's counts beside their points.
        let values: Vec<String> = texts(&svg, "point").into_iter().map(|t| t.3).collect();
        assert_eq!(values, ["900", "930"]);
        // No label runs into another along the date axis.
        let spans: Vec<(f64, f64)> = texts(&svg, "date").iter().map(extent).collect();
        for pair in spans.windows(2) {
            assert!(pair[0].1 < pair[1].0, "{spans:?}");
        }
    }

    #[test]
    fn a_long_county_label_is_not_cut_off_on_the_left() {
        let bars: Vec<Bar> = [
            "650304 新疆维吾尔自治区下辖县（区划表未收录）",
            "530111 官渡区",
        ]
        .iter()
        .map(|label| Bar {
            label: label.to_string(),
            value: 2.0,
            note: "2".into(),
        })
        .collect();
        let svg = bar_chart(&bars);
        for bar in &bars {
            let end = svg.find(&format!(">{}</text>", bar.label)).unwrap();
            let tag = &svg[svg[..end].rfind("<text x=\"").unwrap() + 9..end];
            let x: f64 = tag[..tag.find('"').unwrap()].parse().unwrap();
            assert!(x - text_width(&bar.label) >= 0.0, "{}", bar.label);
        }
    }

    #[test]
    fn an_axis_of_counts_starts_at_zero_unless_that_flattens_the_line() {
        assert_eq!(
            value_ticks(10.0, 95.0),
            [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(
            value_ticks(12_000.0, 12_400.0),
            [12_000.0, 12_100.0, 12_200.0, 12_300.0, 12_400.0]
        );
        // A flat line still has an axis, in whole children.
        assert_eq!(value_ticks(3.0, 3.0), [2.0, 3.0, 4.0]);
        assert_eq!(value_ticks(0.0, 0.0), [0.0, 1.0, 2.0]);
    }
}
