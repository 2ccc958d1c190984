//! The files of `sanku link`: links.csv and links.parquet (each link with its weight and
//! match probability), review.csv (pairs for a person to decide, with every field's
//! level), candidates.parquet (every compared pair), explain.csv (the fitted model: m, u
//! and weight of every field's levels, with how many candidates fell at each),
//! clusters.csv for a deduplication, rejects.csv and manifest.json. Records are named by
//! their key column (or line number), never by their values; rows are sorted by keys.

use std::path::Path;

use polars::prelude::*;
use serde::Serialize;

use crate::filelink::block::BlockCounts;
use crate::filelink::run::Linked;
use crate::filelink::score::{Shares, field_weight};
use crate::filelink::{LinkSpec, Sides};
use crate::ground::reject::Reject;
use crate::ground::schema::files;
use crate::ground::timer::StageRecord;
use crate::pipeline::load::InputInfo;
use crate::rundir::atomic::{write_atomic, write_parquet, write_parquet_batches};
use crate::rundir::csv::write_csv;

/// A match weight's probability (the weight is log-odds in bits).
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// One output row: a pair and how it was decided.
struct Row<'a> {
    left: &'a str,
    right: &'a str,
    weight: Option<f64>,
    how: &'static str,
    /// The scored pair, when there is one.
    pair: Option<usize>,
}

fn rows<'a>(linked: &'a Linked, sides: &Sides<'a>, chosen: &[usize], exact: bool) -> Vec<Row<'a>> {
    // Deduplicating, a pair's smaller key is on the left, whatever the order of the rows.
    let key = |p: u64| {
        let pair = (
            sides.left.keys[(p >> 32) as usize].as_str(),
            sides.right.keys[(p & 0xffff_ffff) as usize].as_str(),
        );
        if sides.dedupe && pair.1 < pair.0 {
            (pair.1, pair.0)
        } else {
            pair
        }
    };
    let mut rows: Vec<Row> = chosen
        .iter()
        .map(|&i| {
            let (left, right) = key(linked.pairs[i]);
            Row {
                left,
                right,
                weight: Some(linked.weights[i]),
                how: "fuzzy",
                pair: Some(i),
            }
        })
        .collect();
    if exact {
        rows.extend(linked.exact.iter().map(|&(l, r)| Row {
            left: sides.left.keys[l as usize].as_str(),
            right: sides.right.keys[r as usize].as_str(),
            weight: None,
            how: "exact",
            pair: None,
        }));
    }
    rows.sort_by(|a, b| (a.left, a.right).cmp(&(b.left, b.right)));
    rows
}

fn weight_text(weight: Option<f64>) -> [String; 2] {
    weight.map_or([String::new(), "1".into()], |w| {
        [format!("{w:.4}"), format!("{:.6}", probability(w))]
    })
}

/// Writes every file of a link into `dir`.
pub fn write_link(
    dir: &Path,
    linked: &Linked,
    inputs: &[InputInfo],
    rejects: &[Reject],
    config_sha256: &str,
    stages: &[StageRecord],
) -> anyhow::Result<()> {
    let sides = linked.sides();
    let spec = &linked.spec;
    let links = linked.decision.links.len() + linked.exact.len();
    let (candidates, rest) = rayon::join(
        || write_candidates(dir, linked, &sides),
        || {
            write_links_and_review(dir, linked, &sides)?;
            write_explain(dir, linked)?;
            if sides.dedupe {
                write_clusters(dir, linked, &sides)?;
            }
            anyhow::Ok(())
        },
    );
    candidates?;
    rest?;
    let mut sorted: Vec<&Reject> = rejects.iter().collect();
    sorted.sort();
    let writer = crate::rundir::writer(dir, None, crate::ground::vocab::Lang::En);
    crate::rundir::rejects::write_rejects(&writer, &sorted)?;
    let manifest = LinkManifest {
        sanku_version: env!("CARGO_PKG_VERSION"),
        command: if sides.dedupe {
            "link --dedupe"
        } else {
            "link"
        },
        config_sha256,
        threads: rayon::current_num_threads(),
        inputs,
        spec,
        counts: Counts {
            left_records: sides.left.len(),
            right_records: linked.right.as_ref().map(|r| r.len()),
            rejected: rejects.len(),
            exact_links: linked.exact.len(),
            blocking: &linked.blocks,
            candidates_written: kept_candidates(linked).len(),
            links,
            review: linked.decision.review.len(),
            clusters: sides.dedupe.then(|| {
                let (clusters, records) = cluster_counts(&linked.decision.clusters);
                ClusterCounts {
                    clusters,
                    records,
                    splits: linked.decision.splits,
                }
            }),
        },
        lambda: linked.model.lambda,
        prior: linked.model.prior(),
        em_iterations: linked.model.em_iterations,
        stages,
    };
    write_atomic(dir, files::MANIFEST_JSON, |out| {
        serde_json::to_writer_pretty(&mut *out, &manifest)?;
        Ok(())
    })?;
    Ok(())
}

/// links.csv, links.parquet and review.csv.
fn write_links_and_review(dir: &Path, linked: &Linked, sides: &Sides) -> anyhow::Result<()> {
    let spec = &linked.spec;
    let links = rows(linked, sides, &linked.decision.links, true);
    let header = ["left_id", "right_id", "weight", "probability", "how"];
    write_csv(
        dir,
        files::LINKS_CSV,
        &header,
        links.iter().map(|r| {
            let [w, p] = weight_text(r.weight);
            [
                r.left.to_string(),
                r.right.to_string(),
                w,
                p,
                r.how.to_string(),
            ]
        }),
    )?;
    let frame = DataFrame::new(
        links.len(),
        vec![
            Column::new(
                "left_id".into(),
                links.iter().map(|r| r.left).collect::<Vec<_>>(),
            ),
            Column::new(
                "right_id".into(),
                links.iter().map(|r| r.right).collect::<Vec<_>>(),
            ),
            Column::new(
                "weight".into(),
                links.iter().map(|r| r.weight).collect::<Vec<_>>(),
            ),
            Column::new(
                "probability".into(),
                links
                    .iter()
                    .map(|r| r.weight.map_or(1.0, probability))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "how".into(),
                links.iter().map(|r| r.how).collect::<Vec<_>>(),
            ),
        ],
    )?;
    write_parquet(dir, files::LINKS_PARQUET, &frame)?;

    let review = rows(linked, sides, &linked.decision.review, false);
    let mut header: Vec<&str> = vec!["left_id", "right_id", "weight", "probability"];
    header.extend(spec.fields.iter().map(|f| f.name.as_str()));
    write_csv(
        dir,
        files::REVIEW_CSV,
        &header,
        review.iter().map(|r| {
            let [w, p] = weight_text(r.weight);
            let levels = linked.levels_of(r.pair.expect("review pairs are scored"));
            [r.left.to_string(), r.right.to_string(), w, p]
                .into_iter()
                .chain(level_names(spec, levels).map(str::to_string))
                .collect::<Vec<_>>()
        }),
    )?;
    Ok(())
}

fn level_names<'a>(
    spec: &'a LinkSpec,
    levels: &'a [u8],
) -> impl Iterator<Item = &'static str> + 'a {
    spec.fields
        .iter()
        .zip(levels)
        .map(|(f, &l)| f.kind.levels()[usize::from(l)])
}

/// candidates.parquet: every compared pair at or above the candidate floor, sorted by
/// keys, with its decision, weight and every field's level and weight, as the registers'
/// candidates are written; in batches.
fn write_candidates(dir: &Path, linked: &Linked, sides: &Sides) -> anyhow::Result<()> {
    let spec = &linked.spec;
    let mut decided = vec!["none"; linked.pairs.len()];
    for &i in &linked.decision.links {
        decided[i] = "link";
    }
    for &i in &linked.decision.review {
        decided[i] = "review";
    }
    let kept = kept_candidates(linked);
    let rows = rows(linked, sides, &kept, false);
    let shares = Shares::new(spec, sides);
    write_parquet_batches(dir, files::CANDIDATES_PARQUET, rows.len(), |range| {
        let rows = &rows[range];
        let index = |r: &Row| r.pair.expect("scored");
        let mut columns = vec![
            Column::new(
                "left_id".into(),
                rows.iter().map(|r| r.left).collect::<Vec<_>>(),
            ),
            Column::new(
                "right_id".into(),
                rows.iter().map(|r| r.right).collect::<Vec<_>>(),
            ),
            Column::new(
                "weight".into(),
                rows.iter().map(|r| r.weight).collect::<Vec<_>>(),
            ),
            Column::new(
                "decision".into(),
                rows.iter().map(|r| decided[index(r)]).collect::<Vec<_>>(),
            ),
        ];
        for (f, field) in spec.fields.iter().enumerate() {
            let keys = field.kind.levels();
            let level = |r: &Row| linked.levels_of(index(r))[f];
            columns.push(Column::new(
                format!("{}_level", field.name).into(),
                rows.iter()
                    .map(|r| keys[usize::from(level(r))])
                    .collect::<Vec<_>>(),
            ));
            columns.push(Column::new(
                format!("{}_weight", field.name).into(),
                rows.iter()
                    .map(|r| {
                        let left = (linked.pairs[index(r)] >> 32) as usize;
                        field_weight(&linked.model, &shares, f, level(r), left)
                    })
                    .collect::<Vec<f64>>(),
            ));
        }
        Ok(DataFrame::new(rows.len(), columns)?)
    })
}

/// The scored pairs at or above the candidate floor.
fn kept_candidates(linked: &Linked) -> Vec<usize> {
    let floor = linked.spec.candidate_floor;
    (0..linked.pairs.len())
        .filter(|&i| linked.weights[i] >= floor)
        .collect()
}

/// explain.csv: the model, one row per field and level.
fn write_explain(dir: &Path, linked: &Linked) -> anyhow::Result<()> {
    let (spec, model) = (&linked.spec, &linked.model);
    let n = spec.fields.len();
    let mut at_level: Vec<Vec<u64>> = spec.level_counts().iter().map(|&c| vec![0; c]).collect();
    for levels in linked.levels.chunks(n) {
        for (f, &l) in levels.iter().enumerate() {
            at_level[f][usize::from(l)] += 1;
        }
    }
    let mut rows = vec![vec![
        "(prior)".to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        format!("{:.4}", model.prior()),
        linked.pairs.len().to_string(),
    ]];
    for (f, field) in spec.fields.iter().enumerate() {
        for (l, level) in field.kind.levels().iter().enumerate() {
            let tf = if field.tf && l == 0 {
                " (by value)"
            } else {
                ""
            };
            rows.push(vec![
                field.name.clone(),
                format!("{}{tf}", kind_key(field.kind)),
                level.to_string(),
                format!("{:.6}", model.m[f][l]),
                format!("{:.6}", model.u[f][l]),
                format!("{:.4}", model.level_weight(f, l as u8)),
                at_level[f][l].to_string(),
            ]);
        }
    }
    write_csv(
        dir,
        files::EXPLAIN_CSV,
        &["field", "kind", "level", "m", "u", "weight", "candidates"],
        rows,
    )
}

fn kind_key(kind: crate::filelink::kinds::Kind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// clusters.csv: every record in a cluster of two or more, the cluster named by its
/// first record in key order (its smallest key), sorted by cluster and record.
fn write_clusters(dir: &Path, linked: &Linked, sides: &Sides) -> anyhow::Result<()> {
    let of = &linked.decision.clusters;
    let size = cluster_sizes(of);
    let keys = &sides.left.keys;
    let mut rows: Vec<[&str; 2]> = (0..of.len())
        .filter(|&r| size[of[r] as usize] > 1)
        .map(|r| [keys[of[r] as usize].as_str(), keys[r].as_str()])
        .collect();
    rows.sort_unstable();
    let rows = rows.into_iter().map(|row| row.map(str::to_string));
    write_csv(dir, files::CLUSTERS_CSV, &["cluster", "record_id"], rows)
}

/// How many records each cluster has, by the record that names it.
fn cluster_sizes(clusters: &[u32]) -> Vec<u32> {
    let mut size = vec![0u32; clusters.len()];
    for &c in clusters {
        size[c as usize] += 1;
    }
    size
}

/// The clusters of two or more records, and the records in them.
fn cluster_counts(clusters: &[u32]) -> (usize, usize) {
    let size = cluster_sizes(clusters);
    let many = size.iter().filter(|&&n| n > 1);
    (many.clone().count(), many.map(|&n| n as usize).sum())
}

#[derive(Serialize)]
struct Counts<'a> {
    left_records: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    right_records: Option<usize>,
    rejected: usize,
    exact_links: usize,
    blocking: &'a BlockCounts,
    /// Pairs at or above the candidate floor, in candidates.parquet.
    candidates_written: usize,
    links: usize,
    review: usize,
    /// Deduplicating: clusters of two or more records, the records in them, and how many
    /// times a cluster was split because two of its records were not alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    clusters: Option<ClusterCounts>,
}

#[derive(Serialize)]
struct ClusterCounts {
    clusters: usize,
    records: usize,
    splits: u64,
}

#[derive(Serialize)]
struct LinkManifest<'a> {
    sanku_version: &'static str,
    command: &'static str,
    config_sha256: &'a str,
    threads: usize,
    inputs: &'a [InputInfo],
    #[serde(rename = "settings")]
    spec: &'a LinkSpec,
    counts: Counts<'a>,
    lambda: f64,
    prior: f64,
    em_iterations: u32,
    stages: &'a [StageRecord],
}
