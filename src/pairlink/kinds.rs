//! The comparison kinds a link config may give a field, each with its levels (strongest
//! agreement first, `missing` last, which weighs nothing) and its normalisation. The
//! Chinese person name is compared as the registers compare names; the others are
//! general-purpose: Jaro–Winkler and Soundex for Latin-script names, digit typos and
//! day–month swaps for dates, edit distance for identifiers, word overlap for free text.

use serde::{Deserialize, Serialize};

use crate::link::compare::compare_names;
use crate::normalize::date::Date;
use crate::normalize::name::normalize_name;

/// How a field's two values are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A person's name in Chinese characters (traditional folded to simplified, pinyin
    /// homophones, the given name, one character off).
    ChineseName,
    /// A name in Latin script: Jaro–Winkler similarity and Soundex.
    LatinName,
    /// A calendar date in any common form.
    Date,
    /// A number or code that names something (ID, account, social security number).
    Identifier,
    /// One of a few values (sex, state, type).
    Categorical,
    /// Free text (an address line, a place).
    Text,
    /// A number or a numeric code (street number, postcode).
    Numeric,
}

const LATIN_LEVELS: &[&str] = &[
    "exact",
    "jaro_winkler_95",
    "jaro_winkler_88",
    "same_sound",
    "different",
    "missing",
];
const DATE_LEVELS: &[&str] = &[
    "exact",
    "one_digit",
    "day_month_swapped",
    "different",
    "missing",
];
const IDENTIFIER_LEVELS: &[&str] = &["exact", "one_edit", "two_edits", "different", "missing"];
const CATEGORICAL_LEVELS: &[&str] = &["exact", "different", "missing"];
const TEXT_LEVELS: &[&str] = &[
    "exact",
    "jaro_winkler_90",
    "shared_words",
    "different",
    "missing",
];
const NUMERIC_LEVELS: &[&str] = &["exact", "one_digit", "near", "different", "missing"];
/// [`NameLevel::KEYS`] and `missing`.
const CHINESE_NAME_LEVELS: &[&str] = &[
    "exact",
    "same_pinyin",
    "same_given_name",
    "one_char_off",
    "similar",
    "different",
    "missing",
];

impl Kind {
    /// The level names, strongest first; the last is `missing`.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Kind::ChineseName => CHINESE_NAME_LEVELS,
            Kind::LatinName => LATIN_LEVELS,
            Kind::Date => DATE_LEVELS,
            Kind::Identifier => IDENTIFIER_LEVELS,
            Kind::Categorical => CATEGORICAL_LEVELS,
            Kind::Text => TEXT_LEVELS,
            Kind::Numeric => NUMERIC_LEVELS,
        }
    }

    /// The `missing` level.
    pub fn missing(self) -> u8 {
        (self.levels().len() - 1) as u8
    }

    /// The value as compared: empty when missing.
    pub fn normalize(self, raw: &str) -> String {
        let raw = raw.trim();
        match self {
            Kind::ChineseName => normalize_name(raw).to_string(),
            Kind::LatinName => raw
                .chars()
                .filter(|c| c.is_alphabetic())
                .flat_map(char::to_lowercase)
                .collect(),
            Kind::Date => match Date::parse(raw) {
                Some(date) if !date.is_month_only() => date.compact(),
                _ => raw.chars().filter(char::is_ascii_digit).collect(),
            },
            Kind::Identifier => raw
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect(),
            Kind::Categorical | Kind::Text => raw
                .split_whitespace()
                .flat_map(|w| w.chars().flat_map(char::to_lowercase).chain([' ']))
                .collect::<String>()
                .trim_end()
                .to_string(),
            Kind::Numeric => {
                let digits: String = raw
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                digits.trim_start_matches('0').to_string()
            }
        }
    }
}

/// A field's value prepared for comparison.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    pub text: &'a str,
    /// The Soundex code of a Latin-script name.
    pub sound: [u8; 4],
    /// A numeric value, NaN when none.
    pub number: f64,
}

/// Compares two prepared values of a field of `kind`; `tolerance` is the largest
/// difference of two numbers that are `near`.
pub fn compare(kind: Kind, tolerance: f64, a: &View, b: &View) -> u8 {
    if a.text.is_empty() || b.text.is_empty() {
        return kind.missing();
    }
    if a.text == b.text {
        return 0;
    }
    match kind {
        Kind::ChineseName => compare_names(a.text, b.text).index(),
        Kind::LatinName => {
            let similarity = strsim::jaro_winkler(a.text, b.text);
            if similarity >= 0.95 {
                1
            } else if similarity >= 0.88 {
                2
            } else if a.sound == b.sound {
                3
            } else {
                4
            }
        }
        Kind::Date => {
            if osa_at_most(a.text, b.text, 1) {
                1
            } else if swapped_day_month(a.text, b.text) {
                2
            } else {
                3
            }
        }
        Kind::Identifier => {
            if osa_at_most(a.text, b.text, 1) {
                1
            } else if a.text.len().min(b.text.len()) >= 5 && osa_at_most(a.text, b.text, 2) {
                2
            } else {
                3
            }
        }
        Kind::Categorical => 1,
        Kind::Text => {
            if strsim::jaro_winkler(a.text, b.text) >= 0.9 {
                1
            } else if shared_words(a.text, b.text) {
                2
            } else {
                3
            }
        }
        Kind::Numeric => {
            if a.number == b.number {
                0
            } else if osa_at_most(a.text, b.text, 1) {
                1
            } else if (a.number - b.number).abs() <= tolerance {
                2
            } else {
                3
            }
        }
    }
}

/// Whether the optimal-string-alignment distance (substitutions, insertions, deletions
/// and adjacent transpositions) is at most `k`; cheap when the lengths already say no.
fn osa_at_most(a: &str, b: &str, k: usize) -> bool {
    a.len().abs_diff(b.len()) <= k && strsim::osa_distance(a, b) <= k
}

/// YYYYMMDD against YYYYDDMM.
fn swapped_day_month(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == 8 && b.len() == 8 && a[..4] == b[..4] && a[4..6] == b[6..8] && a[6..8] == b[4..6]
}

/// Half or more of the words of the shorter text are in the other.
fn shared_words(a: &str, b: &str) -> bool {
    let (wa, wb): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    let shared = short.iter().filter(|w| long.contains(w)).count();
    shared * 2 >= short.len() && shared > 0
}

/// American Soundex (the 1918 patent's rules as the US National Archives publish them):
/// the first letter, then up to three digits for the consonant groups, with letters of the
/// same group merged when adjacent or separated only by h or w. `[0; 4]` for no letters.
pub fn soundex(name: &str) -> [u8; 4] {
    fn digit(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let mut letters = name
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase());
    let Some(first) = letters.next() else {
        return [0; 4];
    };
    let mut code = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let (mut at, mut last) = (1, digit(first));
    for c in letters {
        let d = digit(c);
        if d == b'h' {
            continue;
        }
        if d != b'0' && d != last {
            code[at] = d;
            at += 1;
            if at == 4 {
                break;
            }
        }
        last = d;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> View<'_> {
        View {
            text,
            sound: soundex(text),
            number: text.parse().unwrap_or(f64::NAN),
        }
    }

    fn level(kind: Kind, a: &str, b: &str) -> &'static str {
        let (na, nb) = (kind.normalize(a), kind.normalize(b));
        let l = compare(kind, 10.0, &view(&na), &view(&nb));
        assert_eq!(l, compare(kind, 10.0, &view(&nb), &view(&na)), "symmetric");
        kind.levels()[usize::from(l)]
    }

    #[test]
    fn the_chinese_name_levels_are_the_registers() {
        use crate::link::compare::NameLevel;
        assert_eq!(
            &CHINESE_NAME_LEVELS[..NameLevel::KEYS.len()],
            NameLevel::KEYS
        );
        assert_eq!(level(Kind::ChineseName, " 张伟", "张伟"), "exact");
        assert_eq!(level(Kind::ChineseName, "陳偉", "陈伟"), "exact");
        assert_eq!(level(Kind::ChineseName, "张伟", "章伟"), "same_pinyin");
        assert_eq!(level(Kind::ChineseName, "张伟", ""), "missing");
    }

    #[test]
    fn soundex_follows_the_published_examples() {
        for (name, code) in [
            ("robert", "R163"),
            ("rupert", "R163"),
            ("rubin", "R150"),
            ("ashcraft", "A261"),
            ("tymczak", "T522"),
            ("pfister", "P236"),
            ("honeyman", "H555"),
            ("lee", "L000"),
        ] {
            assert_eq!(std::str::from_utf8(&soundex(name)).unwrap(), code, "{name}");
        }
        assert_eq!(soundex(""), [0; 4]);
    }

    #[test]
    fn latin_names() {
        assert_eq!(level(Kind::LatinName, "Mary-Ann", "mary ann"), "exact");
        assert_eq!(
            level(Kind::LatinName, "michaela", "michafla"),
            "jaro_winkler_95"
        );
        assert_eq!(level(Kind::LatinName, "jakimow", "neumann"), "different");
        assert_eq!(level(Kind::LatinName, "smith", "smyth"), "jaro_winkler_88");
        assert_eq!(level(Kind::LatinName, "catherine", "kathryn"), "different");
        assert_eq!(
            level(Kind::LatinName, "catherine", "katherine"),
            "jaro_winkler_88"
        );
        assert_eq!(
            level(Kind::LatinName, "ashcraft", "ashcroft"),
            "jaro_winkler_95"
        );
        assert_eq!(level(Kind::LatinName, "robert", "rupert"), "same_sound");
        assert_eq!(level(Kind::LatinName, "", "x"), "missing");
    }

    #[test]
    fn dates() {
        assert_eq!(level(Kind::Date, "2012-03-15", "20120315"), "exact");
        assert_eq!(level(Kind::Date, "2012/3/15", "2012年3月15日"), "exact");
        assert_eq!(level(Kind::Date, "19561409", "19561408"), "one_digit");
        assert_eq!(level(Kind::Date, "19560409", "19560490"), "one_digit");
        assert_eq!(
            level(Kind::Date, "19560409", "19560904"),
            "day_month_swapped"
        );
        assert_eq!(level(Kind::Date, "19560409", "19650101"), "different");
        assert_eq!(level(Kind::Date, "", "19650101"), "missing");
    }

    #[test]
    fn identifiers_text_numbers_and_categories() {
        assert_eq!(level(Kind::Identifier, "530-421 8", "5304218"), "exact");
        assert_eq!(level(Kind::Identifier, "5304218", "5304281"), "one_edit");
        assert_eq!(level(Kind::Identifier, "5304218", "5305281"), "two_edits");
        assert_eq!(level(Kind::Identifier, "5304218", "9239102"), "different");
        assert_eq!(
            level(Kind::Text, "Stanley  Street", "stanley street"),
            "exact"
        );
        assert_eq!(
            level(Kind::Text, "stanley street", "stanleykstreet"),
            "jaro_winkler_90"
        );
        assert_eq!(level(Kind::Text, "north ryde", "ryde"), "shared_words");
        assert_eq!(level(Kind::Text, "miami", "kela"), "different");
        assert_eq!(level(Kind::Numeric, "0905", "905"), "exact");
        assert_eq!(level(Kind::Numeric, "4223", "4233"), "one_digit");
        assert_eq!(level(Kind::Numeric, "4223", "4213"), "one_digit");
        assert_eq!(level(Kind::Numeric, "4223", "4230"), "near");
        assert_eq!(level(Kind::Numeric, "4223", "2135"), "different");
        assert_eq!(level(Kind::Categorical, "NSW", "nsw"), "exact");
        assert_eq!(level(Kind::Categorical, "nsw", "vic"), "different");
    }
}
