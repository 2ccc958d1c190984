//! The at-risk list against truth/risk.csv: each factor the run assessed, scored on the
//! children it marks (docs/risk.md).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use sanku::ground::schema::files;
use sanku::pipeline::cohort::CohortRule;
use sanku::pipeline::load::parquet::{read_frame, text_column};
use sanku::pipeline::risk::{Factor, RiskRule};
use sanku::rundir::manifest::read_manifest;

use super::{Score, read_csv};

/// Each factor the run assessed, as `risk_<factor>`, against the truth; none when the truth
/// or the run predates the list. The truth holds the facts under the default rule: a run
/// with another over-age threshold or cohort rule, or another number of transfers, is not
/// scored on those factors. A return is scored only on a run that carried a previous
/// night (`--previous`): a first night knows no case history.
pub fn score_risk(truth: &Path, run: &Path) -> anyhow::Result<BTreeMap<String, Score>> {
    let truth_file = truth.join("risk.csv");
    let list = run.join(files::RISK_PARQUET);
    let settings = read_manifest(run)?.settings;
    let Some(rule) = settings
        .risk
        .filter(|_| truth_file.is_file() && list.is_file())
    else {
        return Ok(BTreeMap::new());
    };
    let rows = read_csv(&truth_file, &["id_number", "factor"])?;
    let frame = read_frame(&list)?;
    let ids = text_column(&frame, "id_number").unwrap_or_default();
    let mut scores = BTreeMap::new();
    for factor in Factor::ALL {
        let default = RiskRule::default();
        let comparable = match factor {
            Factor::OverAge => {
                rule.over_age_years == default.over_age_years
                    && settings.cohort == CohortRule::default()
            }
            Factor::Transfers => rule.min_transfers == default.min_transfers,
            Factor::Returned => settings.previous.is_some(),
            _ => true,
        };
        if !rule.assessed(factor) || !comparable {
            continue;
        }
        let marked = text_column(&frame, factor.column()).unwrap_or_default();
        let predicted: HashSet<String> = ids
            .iter()
            .zip(&marked)
            .filter(|(_, m)| *m == "1")
            .map(|(id, _)| id.clone())
            .collect();
        let expected: HashSet<String> = rows
            .iter()
            .filter(|r| r[1] == factor.key())
            .map(|r| r[0].clone())
            .collect();
        scores.insert(
            factor.column().to_string(),
            Score::of(&predicted, &expected),
        );
    }
    Ok(scores)
}
