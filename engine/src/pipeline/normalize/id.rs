//! Resident ID numbers (GB 11643-1999): cleaning, classification, the legacy 15-digit
//! upgrade, and the facts derived from a valid number (birth date, sex, address code).
//!
//! Cleaning repairs only what is unambiguous (spaces, hyphens, full-width characters, a
//! lowercase x, Excel's leading apostrophe). A value Excel has damaged — turned into
//! scientific notation (4.30102E+17), or stored as a number and so rounded to 15
//! significant digits (430102201203041000, failing its check) — is classed `damaged` and
//! never guessed at; one with letters is garbage.

use super::date::Date;
use crate::ground::text::{half_width, is_space};

/// What a cleaned ID value is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum IdClass {
    Valid,
    UpgradedLegacy,
    BadCheck,
    BadDate,
    BadLength,
    /// Damaged by a spreadsheet: scientific notation, or the last digits zeroed.
    Damaged,
    Empty,
}

impl IdClass {
    pub const fn key(self) -> &'static str {
        match self {
            IdClass::Valid => "valid",
            IdClass::UpgradedLegacy => "upgraded_legacy",
            IdClass::BadCheck => "bad_check",
            IdClass::BadDate => "bad_date",
            IdClass::BadLength => "bad_length",
            IdClass::Damaged => "damaged",
            IdClass::Empty => "empty",
        }
    }

    /// The class of a key as [`IdClass::key`] writes it.
    pub fn from_key(key: &str) -> Option<IdClass> {
        [
            IdClass::Valid,
            IdClass::UpgradedLegacy,
            IdClass::BadCheck,
            IdClass::BadDate,
            IdClass::BadLength,
            IdClass::Damaged,
            IdClass::Empty,
        ]
        .into_iter()
        .find(|c| c.key() == key)
    }

    /// Valid numbers, native or upgraded, are the ones exact linkage may use.
    pub const fn is_usable(self) -> bool {
        matches!(self, IdClass::Valid | IdClass::UpgradedLegacy)
    }
}

/// A cleaned ID number with its class. For `Valid` and `UpgradedLegacy` the text is the
/// canonical 18-character form; otherwise it is the cleaned input.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct IdNumber {
    pub text: super::Text,
    pub class: IdClass,
}

/// Why a value cannot be an ID number at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdGarbage {
    BadCharacters,
    TooLong,
}

impl IdGarbage {
    pub const fn reason(self) -> &'static str {
        match self {
            IdGarbage::BadCharacters => {
                "ID number contains characters other than digits and a final X"
            }
            IdGarbage::TooLong => "ID number longer than 24 characters",
        }
    }
}

impl IdNumber {
    /// Why a `damaged` number is damaged, for rejects and warnings.
    pub fn damage(&self) -> Option<&'static str> {
        (self.class == IdClass::Damaged).then(|| {
            if looks_scientific(&self.text) {
                "ID number in scientific notation (digits lost in a spreadsheet)"
            } else if self.maybe_rounded() {
                "ID number with its last digits zeroed by a spreadsheet (fails its check)"
            } else {
                IdGarbage::BadCharacters.reason()
            }
        })
    }

    /// Whether the number may be a spreadsheet's rounding of another: 18 characters ending
    /// in 000 (the rounding passes the check one time in eleven).
    pub fn maybe_rounded(&self) -> bool {
        self.text.len() == 18 && self.text.ends_with("000")
    }

    /// Whether the number has its 18 characters to compare part by part: valid, upgraded,
    /// or invalid by its check or date only.
    pub fn has_parts(&self) -> bool {
        self.text.len() == 18
            && matches!(
                self.class,
                IdClass::Valid | IdClass::UpgradedLegacy | IdClass::BadCheck | IdClass::BadDate
            )
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The GB 11643-1999 check character for the first 17 digits of an ID.
pub fn check_char(first17: &[u8]) -> u8 {
    debug_assert_eq!(first17.len(), 17);
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Cleans and classifies a raw ID value.
pub fn parse_id(raw: &str) -> Result<IdNumber, IdGarbage> {
    let cleaned = clean(raw);
    // Longer than any ID number, even in a spreadsheet's scientific notation.
    if cleaned.len() > 24 && cleaned.chars().count() > 24 {
        return Err(IdGarbage::TooLong);
    }
    if cleaned.is_empty() {
        return Ok(IdNumber {
            text: cleaned,
            class: IdClass::Empty,
        });
    }
    let plain = cleaned.bytes().all(|b| b.is_ascii_digit() || b == b'X');
    if !plain && looks_scientific(&cleaned) {
        return Ok(IdNumber {
            text: cleaned,
            class: IdClass::Damaged,
        });
    }
    let bytes = cleaned.as_bytes();
    let body_ok = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let last_ok = |c: u8| c.is_ascii_digit() || c == b'X';
    let (head, last) = bytes.split_at(bytes.len() - 1);
    if !body_ok(head) || !last_ok(last[0]) {
        return Err(IdGarbage::BadCharacters);
    }
    let class = match bytes.len() {
        18 => classify18(bytes),
        15 if last[0] != b'X' => return Ok(upgrade15(&cleaned)),
        _ => IdClass::BadLength,
    };
    Ok(IdNumber {
        text: cleaned,
        class,
    })
}

fn classify18(bytes: &[u8]) -> IdClass {
    if birth_of(bytes).is_none() {
        IdClass::BadDate
    } else if check_char(&bytes[..17]) != bytes[17] {
        // A number stored as a number keeps 15 significant digits: the last three become
        // zeros. A typo ends in 000 one time in a thousand; a spreadsheet almost always.
        if bytes[15..] == *b"000" {
            IdClass::Damaged
        } else {
            IdClass::BadCheck
        }
    } else {
        IdClass::Valid
    }
}

/// Upgrades a legacy 15-digit number: "19" goes before its YYMMDD and a check is added.
fn upgrade15(legacy: &str) -> IdNumber {
    let mut up = Vec::with_capacity(18);
    up.extend_from_slice(&legacy.as_bytes()[..6]);
    up.extend_from_slice(b"19");
    up.extend_from_slice(&legacy.as_bytes()[6..]);
    if birth_of(&up).is_none() {
        return IdNumber {
            text: legacy.into(),
            class: IdClass::BadDate,
        };
    }
    up.push(check_char(&up));
    let text = String::from_utf8(up).expect("digits are ASCII");
    IdNumber {
        text: text.into(),
        class: IdClass::UpgradedLegacy,
    }
}

fn clean(raw: &str) -> super::Text {
    // Most values are plain digits, perhaps ending in X, perhaps padded with spaces.
    let plain = raw.trim_ascii();
    if plain.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
        return super::Text::from(plain);
    }
    let trimmed = raw.trim_matches(is_space);
    let trimmed = trimmed.trim_start_matches(['\'', '\u{2018}', '\u{FF07}', '`']);
    trimmed
        .chars()
        .map(half_width)
        .filter(|&c| !is_space(c) && !matches!(c, '-' | '\u{2010}' | '\u{2013}' | '\u{2014}'))
        .map(|c| if c == 'x' { 'X' } else { c })
        .collect()
}

fn looks_scientific(s: &str) -> bool {
    s.contains('.')
        || s.as_bytes()
            .windows(2)
            .any(|w| (w[0] | 0x20) == b'e' && matches!(w[1], b'+' | b'-'))
}

/// The birth date encoded in an 18-digit number (positions 7..14), if it is a real date.
pub fn birth_of(id18: &[u8]) -> Option<Date> {
    let digits = id18.get(6..14)?;
    let text = std::str::from_utf8(digits).ok()?;
    Date::parse_compact(text).filter(|d| d.year >= 1800)
}

impl IdNumber {
    /// Birth date from a usable number.
    pub fn birth_date(&self) -> Option<Date> {
        self.class
            .is_usable()
            .then(|| birth_of(self.text.as_bytes()))
            .flatten()
    }

    /// Sex from a usable number: the 17th digit is odd for men, even for women.
    pub fn is_male(&self) -> Option<bool> {
        if !self.class.is_usable() {
            return None;
        }
        self.text.as_bytes().get(16).map(|d| (d - b'0') % 2 == 1)
    }

    /// The 6-digit address code of a usable number.
    pub fn address_code(&self) -> Option<&str> {
        self.class.is_usable().then(|| &self.text[..6])
    }
}

/// A usable ID number as one integer: the 17 digits times 11 plus the check character
/// (X = 10). Sorting codes sorts the ID numbers.
pub fn id_code(id: &IdNumber) -> Option<u64> {
    let bytes = id.text.as_bytes();
    if !id.class.is_usable() || bytes.len() != 18 {
        return None;
    }
    let mut code = 0u64;
    for &b in &bytes[..17] {
        code = code * 10 + u64::from(b.wrapping_sub(b'0'));
    }
    let check = match bytes[17] {
        b'X' => 10,
        b => u64::from(b - b'0'),
    };
    Some(code * 11 + check)
}

/// The ID number an [`id_code`] stands for.
pub fn id_text(code: u64) -> String {
    let check = match code % 11 {
        10 => 'X',
        c => char::from(b'0' + c as u8),
    };
    format!("{:017}{check}", code / 11)
}

/// An 18-digit number as a spreadsheet keeps it: rounded to 15 significant digits.
pub fn rounded(id18: &str) -> Option<String> {
    let n: u64 = id18.parse().ok().filter(|_| id18.len() == 18)?;
    Some(format!("{}", (n + 500) / 1000 * 1000))
}

/// Parses a raw ID of a record that stays without it (a student record, a poverty
/// member): garbage becomes a `damaged` number, kept (at most 40 characters) so that the
/// damage can be reported.
pub fn parse_record_id(raw: &str) -> IdNumber {
    parse_id(raw).unwrap_or_else(|_| IdNumber {
        text: raw.trim().chars().take(40).collect(),
        class: IdClass::Damaged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_codes_round_trip_and_sort_like_the_text() {
        let ids: Vec<IdNumber> = [
            "11010519491231002X",
            "530102201203150117",
            "530102201203150125",
        ]
        .iter()
        .map(|t| parse_id(t).unwrap())
        .collect();
        let codes: Vec<u64> = ids.iter().map(|id| id_code(id).unwrap()).collect();
        for (id, &code) in ids.iter().zip(&codes) {
            assert_eq!(id_text(code), id.text);
        }
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(id_code(&parse_id("").unwrap()), None);
    }

    fn class(raw: &str) -> IdClass {
        parse_id(raw).expect("not garbage").class
    }

    /// Builds a valid ID from its first 17 digits.
    fn with_check(first17: &str) -> String {
        let c = check_char(first17.as_bytes()) as char;
        format!("{first17}{c}")
    }

    #[test]
    fn known_good_numbers_validate() {
        // Examples published with the standard; the second was born in 1880.
        assert_eq!(class("11010519491231002X"), IdClass::Valid);
        assert_eq!(class("440524188001010014"), IdClass::Valid);
        assert_eq!(class(&with_check("53010220150301123")), IdClass::Valid);
    }

    #[test]
    fn check_digit_x_is_computed_and_lowercase_repaired() {
        assert_eq!(check_char(b"11010519491231002"), b'X');
        let id = parse_id("11010519491231002x").unwrap();
        assert_eq!(id.text, "11010519491231002X");
        assert_eq!(id.class, IdClass::Valid);
    }

    #[test]
    fn known_bad_numbers_are_classified() {
        assert_eq!(class("110105194912310021"), IdClass::BadCheck);
        assert_eq!(class("110105194913310028"), IdClass::BadDate);
        assert_eq!(class("11010519491231002"), IdClass::BadLength);
        assert_eq!(class("   "), IdClass::Empty);
    }

    #[test]
    fn legacy_fifteen_digit_numbers_upgrade() {
        let id = parse_id("130503670401001").unwrap();
        assert_eq!(id.class, IdClass::UpgradedLegacy);
        assert_eq!(id.text, with_check("13050319670401001"));
        assert_eq!(id.birth_date(), Some(Date::new(1967, 4, 1).unwrap()));
        assert_eq!(class("130503671301001"), IdClass::BadDate);
    }

    #[test]
    fn cleaning_repairs_full_width_spaces_hyphens_and_apostrophe() {
        let valid = with_check("53010220150301123");
        let full: String = valid
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(parse_id(&full).unwrap().text, valid);
        assert_eq!(parse_id(&format!("'{valid}")).unwrap().text, valid);
        let spaced = format!(" {} {}-{} ", &valid[..6], &valid[6..14], &valid[14..]);
        assert_eq!(parse_id(&spaced).unwrap().text, valid);
    }

    #[test]
    fn spreadsheet_damage_is_classed_not_guessed() {
        assert_eq!(class("4.30102E+17"), IdClass::Damaged);
        assert_eq!(class("430102200901011234.0"), IdClass::Damaged);
        // 430102201203041567 stored as a number: 15 significant digits survive.
        assert_eq!(class("430102201203042000"), IdClass::Damaged);
        let damaged = parse_id("4.30102E+17").unwrap();
        assert!(damaged.damage().unwrap().contains("scientific"));
        assert!(!damaged.has_parts());
        assert_eq!(damaged.birth_date(), None);
        assert_eq!(
            rounded("430102201203041567").as_deref(),
            Some("430102201203042000")
        );
        assert_eq!(rounded("43010220120304156X"), None);
        let zeroed = parse_id("430102201203042000").unwrap();
        assert!(zeroed.damage().unwrap().contains("zeroed"));
        assert!(!zeroed.has_parts());
        // A valid number that happens to end in 000 is valid.
        let first17 = (1..=28)
            .flat_map(|day| (0..10).map(move |h| format!("430102201203{day:02}{h}00")))
            .find(|f| check_char(f.as_bytes()) == b'0')
            .unwrap();
        assert_eq!(class(&format!("{first17}0")), IdClass::Valid);
    }

    #[test]
    fn garbage_is_rejected_not_guessed() {
        assert_eq!(
            parse_id("43010220090101ABCD"),
            Err(IdGarbage::BadCharacters)
        );
        assert_eq!(
            parse_id("X30102200901011234"),
            Err(IdGarbage::BadCharacters)
        );
    }

    #[test]
    fn sex_and_birth_come_from_a_valid_number() {
        let id = parse_id(&with_check("53010220150301123")).unwrap();
        assert_eq!(id.is_male(), Some(true));
        assert_eq!(id.birth_date(), Some(Date::new(2015, 3, 1).unwrap()));
        assert_eq!(id.address_code(), Some("530102"));
        let bad = parse_id("530102201503011230").unwrap();
        assert_ne!(bad.class, IdClass::Valid);
        assert_eq!(bad.is_male(), None);
    }

    proptest::proptest! {
        #[test]
        fn every_valid_id_round_trips(addr in 110000u32..660000, days in 0u32..36500, order in 0u32..1000) {
            let birth = Date::new(1920, 1, 1).unwrap().add_days(days as i64);
            let first17 = format!("{addr:06}{}{order:03}", birth.compact());
            let id = with_check(&first17);
            let parsed = parse_id(&id).unwrap();
            proptest::prop_assert_eq!(parsed.class, IdClass::Valid);
            proptest::prop_assert_eq!(&parsed.text, &id);
            proptest::prop_assert_eq!(parse_id(&parsed.text).unwrap(), parsed.clone());
            proptest::prop_assert_eq!(parsed.birth_date(), Some(birth));
        }
    }
}
