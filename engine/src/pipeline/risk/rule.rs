//! The risk factors and the `[risk]` rule: which factors are assessed, their weights, and
//! the thresholds of the factors that have one.

use serde::{Deserialize, Serialize};

/// A reason an enrolled child may leave school (docs/risk.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Factor {
    /// Two years or more older than the grade's usual age.
    OverAge,
    /// Poor, and no aid paid for the current term (or a payment only in review).
    Unaided,
    /// A 休学 row on one of the child's registrations.
    Suspended,
    /// Brought back to school after a case, within the last months.
    Returned,
    /// Two or more 转出 rows on the child's registrations.
    Transfers,
    /// A brother or sister (the same poverty household) on tonight's ledger.
    Sibling,
    /// Enrolled as 送教上门, or holding a disability certificate.
    Disability,
    /// At a school in another county than the hukou's.
    FarFromHome,
}

impl Factor {
    pub const ALL: [Factor; 8] = [
        Factor::OverAge,
        Factor::Unaided,
        Factor::Suspended,
        Factor::Returned,
        Factor::Transfers,
        Factor::Sibling,
        Factor::Disability,
        Factor::FarFromHome,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            Factor::OverAge => "over_age",
            Factor::Unaided => "unaided",
            Factor::Suspended => "suspended",
            Factor::Returned => "returned",
            Factor::Transfers => "transfers",
            Factor::Sibling => "sibling",
            Factor::Disability => "disability",
            Factor::FarFromHome => "far_from_home",
        }
    }

    /// The factor's flag column in risk.csv and its count column in the summary.
    pub const fn column(self) -> &'static str {
        match self {
            Factor::OverAge => "risk_over_age",
            Factor::Unaided => "risk_unaided",
            Factor::Suspended => "risk_suspended",
            Factor::Returned => "risk_returned",
            Factor::Transfers => "risk_transfers",
            Factor::Sibling => "risk_sibling",
            Factor::Disability => "risk_disability",
            Factor::FarFromHome => "risk_far_from_home",
        }
    }

    pub fn from_key(key: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The weight a factor has unless the config gives another; 0 is off.
    pub const fn default_weight(self) -> u32 {
        match self {
            Factor::Returned | Factor::Suspended => 3,
            Factor::Unaided | Factor::Sibling | Factor::OverAge => 2,
            Factor::Transfers | Factor::Disability => 1,
            Factor::FarFromHome => 0,
        }
    }

    /// The weight a factor switched on with `true` takes.
    pub const fn on_weight(self) -> u32 {
        match self.default_weight() {
            0 => 1,
            w => w,
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of factors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factors(u8);

impl Factors {
    pub fn insert(&mut self, factor: Factor) {
        self.0 |= factor.bit();
    }

    pub const fn contains(self, factor: Factor) -> bool {
        self.0 & factor.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn iter(self) -> impl Iterator<Item = Factor> {
        Factor::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

/// The weight of each factor in a child's score; 0 is not assessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    pub over_age: u32,
    pub unaided: u32,
    pub suspended: u32,
    pub returned: u32,
    pub transfers: u32,
    pub sibling: u32,
    pub disability: u32,
    pub far_from_home: u32,
}

impl Weights {
    pub fn of(&self, factor: Factor) -> u32 {
        *{ *self }.slot(factor)
    }

    pub fn set(&mut self, factor: Factor, weight: u32) {
        *self.slot(factor) = weight;
    }

    fn slot(&mut self, factor: Factor) -> &mut u32 {
        match factor {
            Factor::OverAge => &mut self.over_age,
            Factor::Unaided => &mut self.unaided,
            Factor::Suspended => &mut self.suspended,
            Factor::Returned => &mut self.returned,
            Factor::Transfers => &mut self.transfers,
            Factor::Sibling => &mut self.sibling,
            Factor::Disability => &mut self.disability,
            Factor::FarFromHome => &mut self.far_from_home,
        }
    }
}

impl Default for Weights {
    fn default() -> Self {
        let mut weights = Weights {
            over_age: 0,
            unaided: 0,
            suspended: 0,
            returned: 0,
            transfers: 0,
            sibling: 0,
            disability: 0,
            far_from_home: 0,
        };
        for f in Factor::ALL {
            weights.set(f, f.default_weight());
        }
        weights
    }
}

/// How children at risk are found: the weight of each factor (0: not assessed) and the
/// thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskRule {
    pub weights: Weights,
    /// Years over the grade's usual age that make a child over-age.
    pub over_age_years: i32,
    /// 转出 rows that make repeated transfers.
    pub min_transfers: u32,
    /// How long a child brought back to school after a case stays at risk, in months.
    pub returned_months: u32,
}

impl Default for RiskRule {
    fn default() -> Self {
        RiskRule {
            weights: Weights::default(),
            over_age_years: 2,
            min_transfers: 2,
            returned_months: 12,
        }
    }
}

impl RiskRule {
    pub fn weight(&self, factor: Factor) -> u32 {
        self.weights.of(factor)
    }

    pub fn assessed(&self, factor: Factor) -> bool {
        self.weight(factor) > 0
    }

    /// The sum of the weights of `factors`.
    pub fn score(&self, factors: Factors) -> u32 {
        factors.iter().map(|f| self.weight(f)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_what_was_put_in_and_scores_by_the_weights() {
        let mut set = Factors::default();
        assert!(set.is_empty());
        set.insert(Factor::OverAge);
        set.insert(Factor::Returned);
        set.insert(Factor::OverAge);
        assert_eq!(set.len(), 2);
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Factor::OverAge, Factor::Returned]
        );
        assert!(!set.contains(Factor::FarFromHome));
        assert_eq!(RiskRule::default().score(set), 2 + 3);
        for f in Factor::ALL {
            assert_eq!(Factor::from_key(f.key()), Some(f));
        }
        assert!(!RiskRule::default().assessed(Factor::FarFromHome));
    }
}
