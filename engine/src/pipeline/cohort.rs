//! `cohort`: the school-age children (docs/usage.md, "The cohort"). A child is in the
//! cohort when active and aged `entry_age..=max_age` on the cutoff day (by default August
//! 31 before the as-of date). Every other population row is counted, by why it is out.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::pipeline::normalize::Person;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::population::Population;
use crate::pipeline::normalize::values::PersonStatus;

/// The dates that define the cohort for one as-of date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CohortWindow {
    pub cutoff: Date,
    /// Earliest birth date in the cohort.
    pub born_from: Date,
    /// Latest birth date in the cohort.
    pub born_to: Date,
}

/// The school-age rule (docs/usage.md, "The cohort").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortRule {
    pub entry_age: i32,
    pub max_age: i32,
    pub cutoff_month: u8,
    pub cutoff_day: u8,
}

impl Default for CohortRule {
    fn default() -> Self {
        CohortRule {
            entry_age: 6,
            max_age: 15,
            cutoff_month: 8,
            cutoff_day: 31,
        }
    }
}

impl CohortRule {
    /// The cohort window for `as_of`: the cutoff is the last cutoff day on or before it.
    pub fn window(&self, as_of: Date) -> CohortWindow {
        let on = |year: i32| {
            Date::new(year, self.cutoff_month, self.cutoff_day).expect("validated cutoff")
        };
        let cutoff = if on(as_of.year) <= as_of {
            on(as_of.year)
        } else {
            on(as_of.year - 1)
        };
        CohortWindow {
            cutoff,
            born_from: on(cutoff.year - self.max_age - 1).add_days(1),
            born_to: on(cutoff.year - self.entry_age),
        }
    }
}

impl CohortWindow {
    pub fn contains(&self, birth: Date) -> bool {
        (self.born_from..=self.born_to).contains(&birth)
    }

    pub fn age(&self, birth: Date) -> i32 {
        birth.age_on(self.cutoff)
    }

    /// The age at which children enter grade one: the youngest age of the cohort.
    pub fn entry_age(&self) -> i32 {
        self.cutoff.year - self.born_to.year
    }
}

/// Why population rows are or are not in the cohort.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortCounts {
    pub population_used: u64,
    pub in_cohort: u64,
    pub outside_age: u64,
    pub school_age_not_active: u64,
}

/// The school-age children, sorted by ID number (then every other field) so that the order
/// never depends on input order.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Cohort {
    pub window: CohortWindow,
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    pub children: Vec<Person>,
    /// ID numbers and statuses of the school-age rows not active (deceased, moved out,
    /// cancelled): why a child of an earlier ledger left the cohort.
    pub inactive: Vec<(crate::pipeline::normalize::Text, PersonStatus)>,
    pub counts: CohortCounts,
}

/// Selects the cohort from the population, taking its school-age rows.
pub fn select_cohort(population: &mut Population, rule: &CohortRule, as_of: Date) -> Cohort {
    let window = rule.window(as_of);
    let mut counts = CohortCounts {
        population_used: population.rows_used(),
        outside_age: population.rows_used() - population.school_age.len() as u64,
        ..Default::default()
    };
    // Filtered in place: at province scale a second vector of children would cost
    // gigabytes.
    let mut children = std::mem::take(&mut population.school_age);
    let mut inactive = Vec::new();
    children.retain(|person| {
        if !window.contains(person.birth) {
            counts.outside_age += 1;
            false
        } else if person.status != PersonStatus::Active {
            counts.school_age_not_active += 1;
            inactive.push((person.id.text.clone(), person.status));
            false
        } else {
            true
        }
    });
    counts.in_cohort = children.len() as u64;
    // Every field is a key, so that rows differing in any of them never swap places
    // with the input order.
    children.par_sort_unstable_by(|a, b| {
        (&a.id.text, &a.name, a.birth, &a.division, a.sex, a.id.class).cmp(&(
            &b.id.text,
            &b.name,
            b.birth,
            &b.division,
            b.sex,
            b.id.class,
        ))
    });
    inactive.sort_unstable();
    Cohort {
        window,
        children,
        inactive,
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn boundaries_for_as_of_2026_09_01() {
        let w = CohortRule::default().window(d(2026, 9, 1));
        assert_eq!(w.cutoff, d(2026, 8, 31));
        assert!(!w.contains(d(2010, 8, 31)));
        assert!(w.contains(d(2010, 9, 1)));
        assert!(w.contains(d(2020, 8, 31)));
        assert!(!w.contains(d(2020, 9, 1)));
        assert_eq!(w.age(d(2010, 9, 1)), 15);
        assert_eq!(w.age(d(2020, 8, 31)), 6);
    }

    #[test]
    fn window_agrees_with_age_rule_every_day() {
        let rule = CohortRule::default();
        let w = rule.window(d(2026, 9, 1));
        let mut day = d(2008, 1, 1);
        while day < d(2023, 1, 1) {
            let age = w.age(day);
            assert_eq!(
                w.contains(day),
                (rule.entry_age..=rule.max_age).contains(&age),
                "{day}"
            );
            day = day.add_days(1);
        }
    }

    #[test]
    fn cutoff_before_the_as_of_date_in_spring() {
        let w = CohortRule::default().window(d(2027, 3, 1));
        assert_eq!(w.cutoff, d(2026, 8, 31));
    }

    #[test]
    fn entry_at_seven_moves_the_young_end() {
        let rule = CohortRule {
            entry_age: 7,
            ..CohortRule::default()
        };
        let w = rule.window(d(2026, 9, 1));
        assert_eq!(w.born_to, d(2019, 8, 31));
        assert_eq!(w.born_from, d(2010, 9, 1));
    }
}
