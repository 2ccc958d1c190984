//! `summary`: counts per county, rolled up to prefecture, province and the whole run:
//! cohort, enrolled, flagged, flagged poor, flagged review-only, exempt and the coverage
//! rate enrolled / (cohort − exempt), and the children at risk with each factor. Monitored
//! counties are marked and listed right after the total; the counts of every verification
//! check ride along.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::pipeline::classify::{Ledger, Outcome, REVIEW_ONLY};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::history::{History, HistoryFacts};
use crate::pipeline::risk::{Factor, Risk};
use crate::pipeline::verify::{CheckCounts, Findings};

/// The level of a summary row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    All,
    Province,
    Prefecture,
    County,
}

impl Level {
    pub const fn key(self) -> &'static str {
        match self {
            Level::All => "all",
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
        }
    }
}

/// One row of the summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub cohort: u64,
    pub enrolled: u64,
    pub flagged: u64,
    pub flagged_poor: u64,
    /// Of the flagged: children whose only candidates are in the review band.
    pub flagged_review_only: u64,
    pub exempt: u64,
    /// Of the flagged, and of the exempt: children holding a disability certificate.
    pub disabled_flagged: u64,
    pub disabled_exempt: u64,
    /// Poor and enrolled; of them, with no aid paid for the current term (the aid
    /// register); and flagged children aid was paid for this term.
    pub poor_enrolled: u64,
    pub poor_enrolled_without_aid: u64,
    pub aided_flagged: u64,
    /// Cases of the previous run's ledger in this division.
    pub previous_flagged: u64,
    /// Flagged tonight, not in the previous ledger.
    pub new: u64,
    /// Cases of the previous ledger closed tonight, and of those, children back in school.
    pub closed: u64,
    pub returned: u64,
    /// Enrolled children at risk of leaving school, and of them, those with each factor.
    #[serde(default)]
    pub at_risk: u64,
    #[serde(default)]
    pub risk_over_age: u64,
    #[serde(default)]
    pub risk_unaided: u64,
    #[serde(default)]
    pub risk_suspended: u64,
    #[serde(default)]
    pub risk_returned: u64,
    #[serde(default)]
    pub risk_transfers: u64,
    #[serde(default)]
    pub risk_sibling: u64,
    #[serde(default)]
    pub risk_disability: u64,
    #[serde(default)]
    pub risk_far_from_home: u64,
}

impl Counts {
    /// The count of at-risk children with `factor`.
    pub fn at_risk_with(&self, factor: Factor) -> u64 {
        *{ self.clone() }.with_factor(factor)
    }

    fn with_factor(&mut self, factor: Factor) -> &mut u64 {
        match factor {
            Factor::OverAge => &mut self.risk_over_age,
            Factor::Unaided => &mut self.risk_unaided,
            Factor::Suspended => &mut self.risk_suspended,
            Factor::Returned => &mut self.risk_returned,
            Factor::Transfers => &mut self.risk_transfers,
            Factor::Sibling => &mut self.risk_sibling,
            Factor::Disability => &mut self.risk_disability,
            Factor::FarFromHome => &mut self.risk_far_from_home,
        }
    }

    fn add(&mut self, other: &Counts) {
        self.at_risk += other.at_risk;
        for f in Factor::ALL {
            *self.with_factor(f) += other.at_risk_with(f);
        }
        self.previous_flagged += other.previous_flagged;
        self.new += other.new;
        self.closed += other.closed;
        self.returned += other.returned;
        self.cohort += other.cohort;
        self.enrolled += other.enrolled;
        self.flagged += other.flagged;
        self.flagged_poor += other.flagged_poor;
        self.flagged_review_only += other.flagged_review_only;
        self.exempt += other.exempt;
        self.disabled_flagged += other.disabled_flagged;
        self.disabled_exempt += other.disabled_exempt;
        self.poor_enrolled += other.poor_enrolled;
        self.poor_enrolled_without_aid += other.poor_enrolled_without_aid;
        self.aided_flagged += other.aided_flagged;
    }

    /// enrolled / (cohort − exempt), or `None` when nobody is to be enrolled.
    pub fn coverage_rate(&self) -> Option<f64> {
        let base = self.cohort - self.exempt;
        (base > 0).then(|| self.enrolled as f64 / base as f64)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    pub level: Level,
    pub division_code: String,
    /// A county under key monitoring.
    pub monitored: bool,
    #[serde(flatten)]
    pub counts: Counts,
    pub coverage_rate: Option<f64>,
}

/// The summary, sorted: the total first, then the monitored counties, then by division
/// code (province, its prefectures, their counties).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub rows: Vec<SummaryRow>,
    /// The monitored county codes from the config, whether or not they have children.
    pub monitored_counties: Vec<String>,
    /// How many findings each verification check made.
    pub checks: CheckCounts,
    /// What changed since the previous run (`--previous`); `null` without one.
    pub history: Option<HistoryFacts>,
}

pub use crate::ground::divisions::UNKNOWN_DIVISION;

/// Counts the cohort by division.
pub fn summarize(
    cohort: &Cohort,
    ledger: &Ledger,
    findings: &Findings,
    history: &History,
    risk: &Risk,
    monitored_counties: &[String],
) -> Summary {
    // Counted per county first, then rolled up.
    let mut by_county: FxHashMap<&str, Counts> = FxHashMap::default();
    for (county, change) in &history.by_county {
        let c = by_county.entry(county).or_default();
        c.previous_flagged += change.previous_flagged;
        c.new += change.new;
        c.closed += change.closed;
        c.returned += change.returned;
    }
    for (i, child) in cohort.children.iter().enumerate() {
        let county = crate::ground::divisions::county_of(&child.division);
        let c = by_county.entry(county).or_default();
        c.cohort += 1;
        // A child a payment in review may belong to is not said to be without aid.
        let in_review = ledger.aid_in_review.as_ref().is_some_and(|r| r[i]);
        let aided = ledger.aided.as_ref().map(|a| a[i] || in_review);
        match &ledger.outcomes[i] {
            Outcome::Enrolled => {
                c.enrolled += 1;
                c.poor_enrolled += u64::from(ledger.poor[i]);
                c.poor_enrolled_without_aid += u64::from(ledger.poor[i] && aided == Some(false));
            }
            Outcome::Exempt { .. } => {
                c.exempt += 1;
                c.disabled_exempt += u64::from(ledger.disabled[i]);
            }
            Outcome::Flagged { reason } => {
                c.flagged += 1;
                c.disabled_flagged += u64::from(ledger.disabled[i]);
                c.aided_flagged += u64::from(aided == Some(true));
                c.flagged_poor += u64::from(ledger.poor[i]);
                c.flagged_review_only += u64::from(reason == REVIEW_ONLY);
            }
        }
    }
    for row in &risk.rows {
        let county = crate::ground::divisions::county_of(&cohort.children[row.child].division);
        let c = by_county.entry(county).or_default();
        c.at_risk += 1;
        for f in row.factors.iter() {
            *c.with_factor(f) += 1;
        }
    }
    let mut counts: BTreeMap<(String, Level), Counts> = BTreeMap::new();
    for (county, c) in by_county {
        for key in division_keys(county) {
            counts.entry(key).or_default().add(&c);
        }
    }
    let mut rows: Vec<SummaryRow> = counts
        .into_iter()
        .map(|((division_code, level), counts)| SummaryRow {
            level,
            monitored: level == Level::County
                && monitored_counties.binary_search(&division_code).is_ok(),
            division_code,
            coverage_rate: counts.coverage_rate(),
            counts,
        })
        .collect();
    rows.sort_by(|a, b| {
        (
            a.level != Level::All,
            !a.monitored,
            &a.division_code,
            a.level,
        )
            .cmp(&(
                b.level != Level::All,
                !b.monitored,
                &b.division_code,
                b.level,
            ))
    });
    if rows.is_empty() {
        rows.push(SummaryRow {
            level: Level::All,
            division_code: String::new(),
            monitored: false,
            counts: Counts::default(),
            coverage_rate: None,
        });
    }
    Summary {
        rows,
        monitored_counties: monitored_counties.to_vec(),
        checks: findings.counts(),
        history: history.facts.clone(),
    }
}

/// The summary keys a child counts under: the whole run, and its province, prefecture and
/// county when its division code is known.
fn division_keys(division: &str) -> Vec<(String, Level)> {
    let mut keys = vec![(String::new(), Level::All)];
    if division.len() >= 6 {
        keys.push((format!("{}0000", &division[..2]), Level::Province));
        keys.push((format!("{}00", &division[..4]), Level::Prefecture));
        keys.push((division[..6].to_string(), Level::County));
    } else {
        keys.push((UNKNOWN_DIVISION.to_string(), Level::County));
    }
    keys
}

impl Summary {
    /// The whole-run row.
    pub fn total(&self) -> &Counts {
        &self.rows[0].counts
    }
}
