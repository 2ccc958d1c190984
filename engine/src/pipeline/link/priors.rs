//! What the weights start from when the data cannot say: default m probabilities, used
//! when too few candidate pairs remain to fit them by EM, and fixed m or u values from the
//! config (`[linkage.m.FIELD]`, `[linkage.u.FIELD]`, one key per level), which EM then
//! leaves alone. Levels a field's override does not list share the rest of its
//! probability in proportion to their fitted values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compare::{FIELDS, LEVELS};

/// Probabilities per field name and level name.
pub type LevelValues = BTreeMap<String, BTreeMap<String, f64>>;

/// Below this many candidate pairs, m comes from [`default_m`] instead of EM.
pub const MIN_EM_PAIRS: usize = 200;

/// Fixed m and u values from the config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overrides {
    #[serde(default)]
    pub m: LevelValues,
    #[serde(default)]
    pub u: LevelValues,
}

/// Default m per field and level, in the order of [`LEVELS`]: what EM finds on generated
/// registers of two million people, rounded. An exact ID never reaches fuzzy linkage, and
/// a missing value weighs nothing whatever its m.
pub fn default_m() -> Vec<Vec<f64>> {
    vec![
        vec![0.89, 0.04, 0.01, 0.03, 0.02, 0.01],
        vec![0.93, 0.01, 0.02, 0.005, 0.005, 0.01, 0.01, 0.01],
        vec![0.005, 0.45, 0.045, 0.49, 0.01],
        vec![0.98, 0.01, 0.01],
        vec![0.93, 0.02, 0.04, 0.01],
    ]
}

impl Overrides {
    /// Checks that every field and level exists, every value is a probability above zero,
    /// and no field's values add up to more than one.
    pub fn validate(&self) -> Result<(), String> {
        for (which, values) in [("m", &self.m), ("u", &self.u)] {
            for (field, levels) in values {
                let f = field_index(field).ok_or_else(|| {
                    format!(
                        "linkage.{which}: unknown field {field:?}; the fields are {}",
                        FIELDS.join(", ")
                    )
                })?;
                let mut sum = 0.0;
                for (level, &value) in levels {
                    if level_index(f, level).is_none() {
                        return Err(format!(
                            "linkage.{which}.{field}: unknown level {level:?}; the levels are {}",
                            weighed_levels(f).join(", ")
                        ));
                    }
                    if !(value > 0.0 && value <= 1.0) {
                        return Err(format!(
                            "linkage.{which}.{field}.{level} = {value}: a probability above 0 and at most 1 is needed"
                        ));
                    }
                    sum += value;
                }
                if sum > 1.0 + 1e-9 {
                    return Err(format!(
                        "linkage.{which}.{field}: the levels add up to {sum}, more than 1"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Fixes the config's m values in `m`.
    pub fn apply_m(&self, m: &mut [Vec<f64>]) {
        apply(&self.m, m);
    }

    /// Fixes the config's u values in `u`.
    pub fn apply_u(&self, u: &mut [Vec<f64>]) {
        apply(&self.u, u);
    }
}

fn field_index(name: &str) -> Option<usize> {
    FIELDS.iter().position(|f| *f == name)
}

/// Levels that carry a weight: all but "missing".
fn weighed_levels(field: usize) -> &'static [&'static str] {
    let levels = LEVELS[field];
    match levels.last() {
        Some(&"missing") => &levels[..levels.len() - 1],
        _ => levels,
    }
}

fn level_index(field: usize, name: &str) -> Option<usize> {
    weighed_levels(field).iter().position(|l| *l == name)
}

/// Sets the listed levels and scales the other weighed levels of the same field to share
/// what is left.
fn apply(values: &LevelValues, rows: &mut [Vec<f64>]) {
    for (field, levels) in values {
        let Some(f) = field_index(field) else {
            continue;
        };
        let weighed = weighed_levels(f).len();
        let mut fixed = vec![None; weighed];
        for (level, &value) in levels {
            if let Some(l) = level_index(f, level) {
                fixed[l] = Some(value);
            }
        }
        let fixed_sum: f64 = fixed.iter().flatten().sum();
        let rest = (1.0 - fixed_sum).max(0.0);
        let free_sum: f64 = (0..weighed)
            .filter(|&l| fixed[l].is_none())
            .map(|l| rows[f][l])
            .sum();
        let free_count = fixed.iter().filter(|v| v.is_none()).count();
        for (l, value) in fixed.iter().enumerate() {
            rows[f][l] = match value {
                Some(v) => *v,
                None if free_sum > 0.0 => rows[f][l] / free_sum * rest,
                None => rest / free_count as f64,
            }
            .max(1e-9);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(field: &str, pairs: &[(&str, f64)]) -> LevelValues {
        let levels = pairs.iter().map(|(l, v)| (l.to_string(), *v)).collect();
        BTreeMap::from([(field.to_string(), levels)])
    }

    #[test]
    fn listed_levels_are_fixed_and_the_others_share_the_rest() {
        let overrides = Overrides {
            m: values("sex", &[("same", 0.9)]),
            u: LevelValues::new(),
        };
        let mut m = default_m();
        overrides.apply_m(&mut m);
        assert_eq!(m[3][0], 0.9);
        assert!((m[3][1] - 0.1).abs() < 1e-12, "{:?}", m[3]);
        assert_eq!(m[0], default_m()[0], "other fields untouched");

        let overrides = Overrides {
            m: values("birth_date", &[("exact", 0.5), ("different", 0.3)]),
            u: LevelValues::new(),
        };
        let mut m = default_m();
        overrides.apply_m(&mut m);
        let weighed: f64 = m[1][..7].iter().sum();
        assert!((weighed - 1.0).abs() < 1e-12, "{:?}", m[1]);
        assert!(
            (m[1][1] / m[1][2] - 0.5).abs() < 1e-12,
            "shares keep their ratio"
        );
    }

    #[test]
    fn unknown_fields_levels_and_impossible_values_are_refused() {
        let bad = |m: LevelValues| {
            Overrides {
                m,
                u: LevelValues::new(),
            }
            .validate()
            .unwrap_err()
        };
        assert!(bad(values("school", &[("same", 0.5)])).contains("unknown field"));
        assert!(bad(values("sex", &[("missing", 0.5)])).contains("unknown level"));
        assert!(bad(values("sex", &[("same", 0.0)])).contains("above 0"));
        assert!(bad(values("sex", &[("same", 0.7), ("different", 0.6)])).contains("more than 1"));
        let fine = Overrides {
            m: values("name", &[("exact", 0.95)]),
            u: values("division", &[("same_county", 0.02)]),
        };
        assert_eq!(fine.validate(), Ok(()));
    }

    #[test]
    fn default_m_rows_are_probabilities_in_level_order() {
        for (f, row) in default_m().iter().enumerate() {
            assert_eq!(row.len(), LEVELS[f].len());
            assert!(
                (row.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                "{}",
                FIELDS[f]
            );
        }
    }
}
