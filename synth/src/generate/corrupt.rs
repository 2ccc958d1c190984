//! Error injection: the mistakes real student records carry, each applied to a record that
//! should link, so that linkage can be scored on what it recovers. Rates are per record;
//! docs/usage.md lists each kind with its default rate and the fact it imitates.

use super::names::{
    NameBook, given_changed, homophone_variant, pinyin_written, surname_changed,
    traditional_variant,
};
use sanku::ground::rng::{Rng, cumulative};
use sanku::pipeline::normalize::date::Date;

/// A kind of injected error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    IdSubstitution,
    IdTransposition,
    IdMissing,
    IdFormat,
    /// Excel stored the ID as a number: scientific notation, or the last digits zeroed.
    IdDamaged,
    /// A parent's ID typed into the child's record.
    IdParent,
    /// A brother's or sister's ID (not a twin's) typed into the child's record.
    IdSibling,
    /// A mistyped ID whose check character still validates: the check recomputed by a form
    /// that insists after a digit or a swap went wrong (sometimes in the province's code),
    /// or two digit errors that cancel.
    IdValidTypo,
    NameHomophone,
    NameTraditional,
    /// The name typed in pinyin letters (`ZHANG WEI`, `Zhang Wei`).
    NamePinyin,
    /// The given name changed since the record was made (改名).
    NameGivenChange,
    /// The other parent's surname.
    NameSurnameChange,
    /// A mistyped ID digit and a homophone in the same record.
    IdTypoHomophone,
    BirthSwap,
    BirthOffByOne,
    /// Birth year one off.
    BirthYearOff,
    /// Birth month one off.
    BirthMonthOff,
    WrongSex,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 19] = [
        ErrorKind::IdSubstitution,
        ErrorKind::IdTransposition,
        ErrorKind::IdMissing,
        ErrorKind::IdFormat,
        ErrorKind::IdDamaged,
        ErrorKind::IdParent,
        ErrorKind::IdSibling,
        ErrorKind::IdValidTypo,
        ErrorKind::NameHomophone,
        ErrorKind::NameTraditional,
        ErrorKind::NamePinyin,
        ErrorKind::NameGivenChange,
        ErrorKind::NameSurnameChange,
        ErrorKind::IdTypoHomophone,
        ErrorKind::BirthSwap,
        ErrorKind::BirthOffByOne,
        ErrorKind::BirthYearOff,
        ErrorKind::BirthMonthOff,
        ErrorKind::WrongSex,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            ErrorKind::IdSubstitution => "id_substitution",
            ErrorKind::IdTransposition => "id_transposition",
            ErrorKind::IdMissing => "id_missing",
            ErrorKind::IdFormat => "id_format",
            ErrorKind::IdDamaged => "id_damaged",
            ErrorKind::IdParent => "id_parent",
            ErrorKind::IdSibling => "id_sibling",
            ErrorKind::IdValidTypo => "id_valid_typo",
            ErrorKind::NameHomophone => "name_homophone",
            ErrorKind::NameTraditional => "name_traditional",
            ErrorKind::NamePinyin => "name_pinyin",
            ErrorKind::NameGivenChange => "name_given_change",
            ErrorKind::NameSurnameChange => "name_surname_change",
            ErrorKind::IdTypoHomophone => "id_typo_homophone",
            ErrorKind::BirthYearOff => "birth_year_off",
            ErrorKind::BirthMonthOff => "birth_month_off",
            ErrorKind::BirthSwap => "birth_swap",
            ErrorKind::BirthOffByOne => "birth_off_by_one",
            ErrorKind::WrongSex => "wrong_sex",
        }
    }

    /// The field a record with this error disagrees on with the population row, once
    /// linked: a homophone is another name, a traditional form is not.
    pub const fn conflicting_field(self) -> Option<&'static str> {
        match self {
            ErrorKind::NameHomophone
            | ErrorKind::NamePinyin
            | ErrorKind::NameGivenChange
            | ErrorKind::NameSurnameChange
            | ErrorKind::IdTypoHomophone => Some("name"),
            ErrorKind::BirthSwap
            | ErrorKind::BirthOffByOne
            | ErrorKind::BirthYearOff
            | ErrorKind::BirthMonthOff => Some("birth_date"),
            ErrorKind::WrongSex => Some("sex"),
            ErrorKind::IdParent | ErrorKind::IdSibling => Some("id_owner"),
            _ => None,
        }
    }

    /// Whether the error was made when the student was registered, so that the national
    /// student number (G + the ID) copies it half the time; other ID errors are the
    /// extract's own and leave the student number right.
    pub const fn made_at_registration(self) -> bool {
        matches!(
            self,
            ErrorKind::IdSubstitution
                | ErrorKind::IdTransposition
                | ErrorKind::IdTypoHomophone
                | ErrorKind::IdValidTypo
                | ErrorKind::IdParent
                | ErrorKind::IdSibling
        )
    }

    /// Default rate per record that should link.
    pub const fn default_rate(self) -> f64 {
        match self {
            ErrorKind::IdSubstitution => 0.005,
            ErrorKind::IdTransposition => 0.003,
            ErrorKind::IdMissing => 0.01,
            ErrorKind::IdFormat => 0.01,
            ErrorKind::IdDamaged => 0.01,
            ErrorKind::IdParent => 0.003,
            ErrorKind::IdSibling => 0.002,
            ErrorKind::IdValidTypo => 0.003,
            ErrorKind::NameHomophone => 0.005,
            ErrorKind::NameTraditional => 0.003,
            ErrorKind::NamePinyin => 0.002,
            ErrorKind::NameGivenChange => 0.002,
            ErrorKind::NameSurnameChange => 0.001,
            ErrorKind::IdTypoHomophone => 0.001,
            ErrorKind::BirthYearOff => 0.002,
            ErrorKind::BirthMonthOff => 0.002,
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
    /// ID numbers of the child's parents and of siblings born on another day.
    pub parents: Vec<String>,
    pub siblings: Vec<String>,
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
    pub fn apply(
        &self,
        book: &NameBook,
        rng: &mut Rng,
        fields: &mut RecordFields,
    ) -> Option<ErrorKind> {
        let total: f64 = self.rates.iter().sum();
        if !rng.chance(total) {
            return None;
        }
        let kind = ErrorKind::ALL[rng.pick_cumulative(&self.cumulative)];
        corrupt(book, rng, kind, fields).then_some(kind)
    }
}

/// Replaces one of the first 17 ID digits by another.
fn substitute_digit(rng: &mut Rng, f: &mut RecordFields) {
    let mut digits: Vec<u8> = f.id.bytes().collect();
    let at = rng.below(17) as usize;
    let old = digits[at];
    digits[at] = b'0' + ((old - b'0' + 1 + rng.below(9) as u8) % 10);
    f.id = String::from_utf8(digits).expect("ASCII");
}

/// Mistypes the ID so that its check character still validates: one digit or one swap of
/// two adjacent digits (a fifth of the time in the province's two digits) with the check
/// recomputed, or two digits whose errors cancel; false when no such number is found.
fn valid_typo(rng: &mut Rng, f: &mut RecordFields) -> bool {
    use sanku::pipeline::normalize::id::{IdClass, check_char, parse_id};
    let first17: Vec<u8> = f.id.bytes().take(17).collect();
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let digit = |rng: &mut Rng, old: u8| b'0' + ((old - b'0' + 1 + rng.below(9) as u8) % 10);
    // Two errors cancel one time in eleven: the kind is drawn once, and tried until it fits.
    let kind = rng.below(5);
    for _ in 0..200 {
        let mut d = first17.clone();
        let recomputed = match kind {
            0 => {
                let at = rng.below(2) as usize;
                d[at] = digit(rng, d[at]);
                true
            }
            1 | 2 => {
                let at = rng.below(17) as usize;
                d[at] = digit(rng, d[at]);
                true
            }
            3 => {
                let at = rng.below(16) as usize;
                d.swap(at, at + 1);
                true
            }
            _ => {
                let (a, b) = (rng.below(17) as usize, rng.below(17) as usize);
                if a.abs_diff(b) < 2 {
                    continue;
                }
                d[a] = digit(rng, d[a]);
                d[b] = digit(rng, d[b]);
                false
            }
        };
        let check = if recomputed {
            check_char(&d)
        } else {
            f.id.as_bytes()[17]
        };
        let id = format!("{}{}", String::from_utf8(d).expect("ASCII"), check as char);
        if id != f.id && parse_id(&id).is_ok_and(|i| i.class == IdClass::Valid) {
            f.id = id;
            return true;
        }
    }
    false
}

/// Applies `kind`; false when it cannot apply to these fields (e.g. no homophone).
pub fn corrupt(book: &NameBook, rng: &mut Rng, kind: ErrorKind, f: &mut RecordFields) -> bool {
    let name = |f: &mut RecordFields, changed: Option<String>| match changed {
        Some(n) => {
            f.name = n;
            true
        }
        None => false,
    };
    let date = |f: &mut RecordFields, changed: Option<Date>| match changed {
        Some(d) if d != f.birth => {
            f.birth = d;
            true
        }
        _ => false,
    };
    match kind {
        ErrorKind::IdSubstitution => substitute_digit(rng, f),
        ErrorKind::IdValidTypo => return valid_typo(rng, f),
        ErrorKind::IdTypoHomophone => {
            let homophone = homophone_variant(rng, &f.name);
            if !name(f, homophone) {
                return false;
            }
            substitute_digit(rng, f);
        }
        ErrorKind::NamePinyin => return name(f, pinyin_written(rng, &f.name)),
        ErrorKind::NameGivenChange => return name(f, given_changed(book, rng, &f.name)),
        ErrorKind::NameSurnameChange => return name(f, surname_changed(book, rng, &f.name)),
        ErrorKind::BirthYearOff => {
            let year = f.birth.year + if rng.chance(0.5) { 1 } else { -1 };
            return date(f, Date::new(year, f.birth.month, f.birth.day));
        }
        ErrorKind::BirthMonthOff => {
            let month = match f.birth.month {
                1 => 2,
                12 => 11,
                m if rng.chance(0.5) => m + 1,
                m => m - 1,
            };
            return date(f, Date::new(f.birth.year, month, f.birth.day));
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
        ErrorKind::IdDamaged => {
            // A number ending in X is text to Excel and survives.
            if f.id.ends_with('X') {
                return false;
            }
            let damaged = if rng.chance(0.5) {
                // The General format shows six significant digits.
                format!("{}.{}E+17", &f.id[..1], &f.id[1..6])
            } else {
                // Stored as a double: rounded to 15 significant digits.
                let n: u64 = f.id.parse().expect("digits");
                format!("{}", (n + 500) / 1000 * 1000)
            };
            if damaged == f.id {
                return false;
            }
            f.id = damaged;
        }
        ErrorKind::IdParent | ErrorKind::IdSibling => {
            let from = if kind == ErrorKind::IdParent {
                &f.parents
            } else {
                &f.siblings
            };
            if from.is_empty() {
                return false;
            }
            f.id = rng.pick(from).clone();
        }
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
            parents: vec!["530102198501011234".to_string()],
            siblings: vec!["530102201201011238".to_string()],
        }
    }

    #[test]
    fn each_kind_changes_its_field() {
        let mut rng = Rng::new(9);
        let book = NameBook::default();
        for kind in ErrorKind::ALL {
            let mut f = fields();
            if kind == ErrorKind::IdDamaged {
                // An ID ending in X is text to Excel and survives.
                assert!(!corrupt(&book, &mut rng, kind, &mut f));
                f.id = "530102201503011823".to_string();
            }
            let before = f.clone();
            assert!(corrupt(&book, &mut rng, kind, &mut f), "{kind:?}");
            assert_ne!(f, before, "{kind:?}");
        }
    }

    #[test]
    fn a_valid_typo_validates_and_is_another_number() {
        use sanku::pipeline::normalize::id::{IdClass, parse_id};
        let valid = || RecordFields {
            id: "530102201503011821".to_string(),
            ..fields()
        };
        assert_eq!(parse_id(&valid().id).unwrap().class, IdClass::Valid);
        let mut rng = Rng::new(5);
        let (mut province, mut cancelled) = (0, 0);
        for _ in 0..400 {
            let mut f = valid();
            assert!(corrupt(
                &NameBook::default(),
                &mut rng,
                ErrorKind::IdValidTypo,
                &mut f
            ));
            assert_ne!(f.id, valid().id);
            assert_eq!(parse_id(&f.id).unwrap().class, IdClass::Valid);
            let (new, old) = (f.id.as_bytes(), valid().id);
            let diffs = new[..17].iter().zip(old.as_bytes()).filter(|(a, b)| a != b);
            province += usize::from(new[..2] != old.as_bytes()[..2]);
            cancelled += usize::from(diffs.count() == 2 && new[17] == old.as_bytes()[17]);
        }
        assert!(province > 40 && cancelled > 40, "{province} {cancelled}");
    }

    #[test]
    fn substitution_changes_exactly_one_digit() {
        let mut rng = Rng::new(2);
        for _ in 0..100 {
            let mut f = fields();
            corrupt(
                &NameBook::default(),
                &mut rng,
                ErrorKind::IdSubstitution,
                &mut f,
            );
            let diff =
                f.id.bytes()
                    .zip(fields().id.bytes())
                    .filter(|(a, b)| a != b)
                    .count();
            assert_eq!(diff, 1);
        }
    }
}
