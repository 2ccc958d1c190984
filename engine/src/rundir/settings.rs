//! What the stages after linkage and the run directory take from the config.

use crate::ground::vocab;
use crate::pipeline::{guard, link, normalize};
use crate::rundir;

/// What the stages after linkage and the run directory take from the config. The rescore
/// state keeps it, so that `sanku rescore` finishes a run as the run itself would have.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunSettings {
    /// The cohort's reference date.
    pub as_of: normalize::date::Date,
    /// The night the run stands for.
    pub run_date: normalize::date::Date,
    pub in_school: normalize::values::InSchool,
    pub monitored_counties: Vec<String>,
    pub guards: guard::GuardRule,
    /// Not kept in the rescore state (a rescored run shares its run's): the manifest holds
    /// the linkage settings a run directory was made with.
    #[serde(skip)]
    pub fuzzy: link::fuzzy::FuzzyOptions,
    pub lang: vocab::Lang,
    /// Whether the run writes residuals.parquet (not kept in the rescore state: a rescore
    /// writes none).
    #[serde(skip)]
    pub residuals: bool,
    /// How the children at risk are found.
    #[serde(default)]
    pub risk: crate::pipeline::risk::RiskRule,
    /// The manifest's record of the settings.
    pub manifest: rundir::manifest::Settings,
}
