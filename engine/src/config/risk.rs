//! The `[risk]` section: which risk factors are assessed and how much each weighs, and the
//! thresholds (docs/risk.md).
//!
//! ```toml
//! [risk]
//! over_age_years = 2     # years over the grade's usual age
//! min_transfers = 2      # 转出 rows
//! returned_months = 12   # how long a child brought back stays at risk
//!
//! [risk.factors]
//! returned = 5           # a weight
//! far_from_home = true   # on, with its usual weight
//! transfers = false      # off (as is a weight of 0)
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ground::error::bad_input;
use crate::pipeline::risk::{Factor, RiskRule};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RiskFile {
    over_age_years: Option<i32>,
    min_transfers: Option<u32>,
    returned_months: Option<u32>,
    #[serde(default)]
    factors: BTreeMap<String, FactorSetting>,
}

/// A factor switched on or off, or given a weight.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FactorSetting {
    On(bool),
    Weight(i64),
}

/// The most a factor may weigh: scores stay readable.
const MAX_WEIGHT: i64 = 100;

pub(super) fn risk_rule(file: &RiskFile) -> anyhow::Result<RiskRule> {
    let mut rule = RiskRule::default();
    if let Some(years) = file.over_age_years {
        if !(1..=9).contains(&years) {
            return Err(bad_input(format!(
                "config: [risk] over_age_years ({years}) must be 1 to 9 years"
            )));
        }
        rule.over_age_years = years;
    }
    if let Some(n) = file.min_transfers {
        if n == 0 {
            return Err(bad_input(
                "config: [risk] min_transfers must be at least 1 (switch the factor off with transfers = false in [risk.factors])",
            ));
        }
        rule.min_transfers = n;
    }
    if let Some(months) = file.returned_months {
        if !(1..=120).contains(&months) {
            return Err(bad_input(format!(
                "config: [risk] returned_months ({months}) must be 1 to 120 months"
            )));
        }
        rule.returned_months = months;
    }
    for (name, setting) in &file.factors {
        let Some(factor) = Factor::from_key(name.trim()) else {
            let known: Vec<&str> = Factor::ALL.iter().map(|f| f.key()).collect();
            return Err(bad_input(format!(
                "config: [risk.factors] `{name}` is no risk factor; the factors are {}",
                known.join(", ")
            )));
        };
        let weight = match *setting {
            FactorSetting::On(true) => factor.on_weight(),
            FactorSetting::On(false) => 0,
            FactorSetting::Weight(w) if (0..=MAX_WEIGHT).contains(&w) => w as u32,
            FactorSetting::Weight(w) => {
                return Err(bad_input(format!(
                    "config: [risk.factors] {name} = {w}: a weight is 0 (off) to {MAX_WEIGHT}, or true / false"
                )));
            }
        };
        rule.weights.set(factor, weight);
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<RiskRule> {
        #[derive(Deserialize)]
        struct Wrapper {
            risk: RiskFile,
        }
        let wrapper: Wrapper = toml::from_str(text)?;
        risk_rule(&wrapper.risk)
    }

    #[test]
    fn factors_are_weighted_switched_on_and_off() {
        let rule = parse(
            "[risk]\nreturned_months = 6\n[risk.factors]\nreturned = 5\nfar_from_home = true\ntransfers = false\n",
        )
        .unwrap();
        assert_eq!(rule.returned_months, 6);
        assert_eq!(rule.weight(Factor::Returned), 5);
        assert_eq!(rule.weight(Factor::FarFromHome), 1);
        assert!(!rule.assessed(Factor::Transfers));
        assert_eq!(
            rule.weight(Factor::OverAge),
            2,
            "untouched factors keep theirs"
        );
    }

    #[test]
    fn unknown_factors_and_bad_values_are_refused_with_what_is_allowed() {
        let e = parse("[risk.factors]\nover_aged = 2\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`over_aged` is no risk factor") && e.contains("over_age,"),
            "{e}"
        );
        let e = parse("[risk.factors]\nover_age = -1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("0 (off) to 100"), "{e}");
        let e = parse("[risk]\nmin_transfers = 0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least 1"), "{e}");
        assert!(parse("[risk]\nmonths = 3\n").is_err());
    }
}
