//! Error injection: the mistakes real student records carry, each applied to a record that
//! should link, so that linkage can be scored on what it recovers.

use super::names::{homophone_variant, traditional_variant};
use crate::normalize::date::Date;
use crate::rng::{Rng, cumulative};

/// A kind of injected error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    IdSubstitution,
    IdTransposition,
    IdMissing,
    IdFormat,
    NameHomophone,
    NameTraditional,
    BirthSwap,
    BirthOffByOne,
    WrongSex,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::IdSubstitution,
        ErrorKind::IdTransposition,
        ErrorKind::IdMissing,
        ErrorKind::IdFormat,
        ErrorKind::NameHomophone,
        ErrorKind::NameTraditional,
        ErrorKind::BirthSwap,
        ErrorKind::BirthOffByOne,
        ErrorKind::WrongSex,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            ErrorKind::IdSubstitution => "id_substitution",
            ErrorKind::IdTransposition => "id_transposition",
            ErrorKind::IdMissing => "id_missing",
            ErrorKind::IdFormat => "id_format",
            ErrorKind::NameHomophone => "name_homophone",
            ErrorKind::NameTraditional => "name_traditional",
            ErrorKind::BirthSwap => "birth_swap",
            ErrorKind::BirthOffByOne => "birth_off_by_one",
            ErrorKind::WrongSex => "wrong_sex",
        }
    }

    /// Default rate per record that should link.
    /// The field a record with this error disagrees on with the population row, once
    /// linked: a homophone is another name, a traditional form is not.
    pub const fn conflicting_field(self) -> Option<&'static str> {
        match self {
            ErrorKind::NameHomophone => Some("name"),
            ErrorKind::BirthSwap | ErrorKind::BirthOffByOne => Some("birth_date"),
            ErrorKind::WrongSex => Some("sex"),
            _ => None,
        }
    }

    pub const fn default_rate(self) -> f64 {
        match self {
            ErrorKind::IdSubstitution => 0.005,
            ErrorKind::IdTransposition => 0.003,
            ErrorKind::IdMissing => 0.01,
            ErrorKind::IdFormat => 0.01,
            ErrorKind::NameHomophone => 0.005,
            ErrorKind::NameTraditional => 0.003,
            ErrorKind::BirthSwap => 0.002,
            ErrorKind::BirthOffByOne => 0.003,
            ErrorKind::WrongSex => 0.002,
        }
    }
}

/// The fields of a student record that errors touch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFields {
    pub id: String,
    pub name: String,
    pub birth: Date,
    pub male: bool,
}

/// Draws at most one error per record, with the configured rates.
pub struct Corrupter {
    rates: Vec<f64>,
    cumulative: Vec<f64>,
}

impl Corrupter {
    pub fn new(rates: &[(ErrorKind, f64)]) -> Corrupter {
        let ordered: Vec<f64> = ErrorKind::ALL
            .iter()
            .map(|k| {
                rates
                    .iter()
                    .find(|(r, _)| r == k)
                    .map_or(k.default_rate(), |(_, v)| *v)
            })
            .collect();
        Corrupter {
            cumulative: cumulative(ordered.iter().copied()),
            rates: ordered,
        }
    }

    /// Maybe corrupts `fields`; returns the kind applied.
    pub fn apply(&self, rng: &mut Rng, fields: &mut RecordFields) -> Option<ErrorKind> {
        let total: f64 = self.rates.iter().sum();
        if !rng.chance(total) {
            return None;
        }
        let kind = ErrorKind::ALL[rng.pick_cumulative(&self.cumulative)];
        corrupt(rng, kind, fields).then_some(kind)
    }
}

/// Applies `kind`; false when it cannot apply to these fields (e.g. no homophone).
pub fn corrupt(rng: &mut Rng, kind: ErrorKind, f: &mut RecordFields) -> bool {
    match kind {
        ErrorKind::IdSubstitution => {
            let mut digits: Vec<u8> = f.id.bytes().collect();
            let at = rng.below(17) as usize;
            let old = digits[at];
            digits[at] = b'0' + ((old - b'0' + 1 + rng.below(9) as u8) % 10);
            f.id = String::from_utf8(digits).expect("ASCII");
        }
        ErrorKind::IdTransposition => {
            let mut digits: Vec<u8> = f.id.bytes().collect();
            let spots: Vec<usize> = (0..16).filter(|&i| digits[i] != digits[i + 1]).collect();
            if spots.is_empty() {
                return false;
            }
            let at = *rng.pick(&spots);
            digits.swap(at, at + 1);
            f.id = String::from_utf8(digits).expect("ASCII");
        }
        ErrorKind::IdMissing => f.id.clear(),
        ErrorKind::IdFormat => {
            f.id = match rng.below(3) {
                0 if f.id.ends_with('X') => f.id.to_lowercase(),
                0 | 1 => {
                    f.id.chars()
                        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
                        .collect()
                }
                _ => format!(" {} {} ", &f.id[..6], &f.id[6..]),
            }
        }
        ErrorKind::NameHomophone => match homophone_variant(rng, &f.name) {
            Some(n) => f.name = n,
            None => return false,
        },
        ErrorKind::NameTraditional => match traditional_variant(rng, &f.name) {
            Some(n) => f.name = n,
            None => return false,
        },
        ErrorKind::BirthSwap => match Date::new(f.birth.year, f.birth.day, f.birth.month) {
            Some(d) if d != f.birth => f.birth = d,
            _ => return false,
        },
        ErrorKind::BirthOffByOne => {
            f.birth = f.birth.add_days(if rng.chance(0.5) { 1 } else { -1 })
        }
        ErrorKind::WrongSex => f.male = !f.male,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> RecordFields {
        RecordFields {
            id: "53010220150301182X".to_string(),
            name: "张伟".to_string(),
            birth: Date::new(2015, 3, 1).unwrap(),
            male: true,
        }
    }

    #[test]
    fn each_kind_changes_its_field() {
        let mut rng = Rng::new(9);
        for kind in ErrorKind::ALL {
            let mut f = fields();
            assert!(corrupt(&mut rng, kind, &mut f), "{kind:?}");
            assert_ne!(f, fields(), "{kind:?}");
        }
    }

    #[test]
    fn substitution_changes_exactly_one_digit() {
        let mut rng = Rng::new(2);
        for _ in 0..100 {
            let mut f = fields();
            corrupt(&mut rng, ErrorKind::IdSubstitution, &mut f);
            let diff =
                f.id.bytes()
                    .zip(fields().id.bytes())
                    .filter(|(a, b)| a != b)
                    .count();
            assert_eq!(diff, 1);
        }
    }
}
