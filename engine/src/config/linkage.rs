//! The `[linkage]` settings: from the config file and the flags for a run, and what a
//! rescore may change of a run's.

use std::path::Path;

use super::file::{LinkageFile, read_config_file};
use crate::ground::error::bad_input;
use crate::pipeline::link::fuzzy::FuzzyOptions;
use crate::pipeline::link::priors::Overrides;

pub(super) fn fuzzy_options(
    accept: Option<f64>,
    review: Option<f64>,
    file: &LinkageFile,
) -> anyhow::Result<FuzzyOptions> {
    let mut options = FuzzyOptions::default();
    let t = &mut options.thresholds;
    t.accept = accept.or(file.accept).unwrap_or(t.accept);
    t.review = review.or(file.review).unwrap_or(t.review);
    t.tie_margin = file.tie_margin.unwrap_or(t.tie_margin);
    options.block_cap = file.block_cap.unwrap_or(options.block_cap);
    options.candidate_floor = file.candidate_floor.unwrap_or(options.candidate_floor);
    options.id_doubt = file.id_doubt.unwrap_or(options.id_doubt);
    if !options.id_doubt.is_finite() {
        return Err(bad_input(format!(
            "linkage id_doubt ({}) must be a finite number of bits",
            options.id_doubt
        )));
    }
    options.fixed = Overrides {
        m: file.m.clone(),
        u: file.u.clone(),
    };
    options.fixed.validate().map_err(bad_input)?;
    check_thresholds(&options)?;
    Ok(options)
}

/// The linkage settings of `sanku rescore`: the run's (`run`), or the `[linkage]` section of
/// the config file `config` (its other sections describe how the registers were read, which
/// a rescore does not do), with the flags over either. What decided which pairs were
/// compared (block_cap, id_doubt) must stay as the run had it.
pub fn rescore_linkage(
    run: &FuzzyOptions,
    config: Option<&Path>,
    accept: Option<f64>,
    review: Option<f64>,
) -> anyhow::Result<FuzzyOptions> {
    let options = match config {
        Some(path) => fuzzy_options(
            accept,
            review,
            &read_config_file::<super::file::ConfigFile>(path)?.0.linkage,
        )?,
        None => {
            let mut options = run.clone();
            let t = &mut options.thresholds;
            t.accept = accept.unwrap_or(t.accept);
            t.review = review.unwrap_or(t.review);
            check_thresholds(&options)?;
            options
        }
    };
    for (key, was, now) in [
        ("block_cap", run.block_cap as f64, options.block_cap as f64),
        ("id_doubt", run.id_doubt, options.id_doubt),
    ] {
        if was != now {
            return Err(bad_input(format!(
                "linkage {key} {now} differs from the run's ({was}): it changes which pairs are \
                 compared, so rescore cannot apply it; run again with it"
            )));
        }
    }
    Ok(options)
}

/// The thresholds and the candidate floor, in order.
fn check_thresholds(options: &FuzzyOptions) -> anyhow::Result<()> {
    let t = &options.thresholds;
    if t.review > t.accept
        || t.review.is_nan()
        || !t.accept.is_finite()
        || !t.review.is_finite()
        || !(t.tie_margin >= 0.0 && t.tie_margin.is_finite())
    {
        return Err(bad_input(format!(
            "linkage thresholds: review ({}) must not exceed accept ({}), and the tie margin ({}) must not be negative",
            t.review, t.accept, t.tie_margin
        )));
    }
    if !options.candidate_floor.is_finite() || options.candidate_floor > t.review {
        return Err(bad_input(format!(
            "linkage candidate_floor ({}) must be a number not above review ({})",
            options.candidate_floor, t.review
        )));
    }
    Ok(())
}
