//! The comparison kinds a link config may give a field, each with its levels (strongest
//! agreement first, `missing` last, which weighs nothing) and its normalisation. The
//! Chinese person name is compared as the registers compare names; the others are
//! general-purpose: Jaro–Winkler and Soundex for Latin-script names, digit typos and
//! day–month swaps for dates, edit distance for identifiers, word overlap for free text.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::strings;
use crate::pipeline::link::compare::compare_names;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::name::normalize_name;

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
    pub fn normalize(self, raw: &str) -> CompactString {
        let raw = raw.trim();
        // Values are short: built in place (inline up to 24 bytes), one character at a
        // time, without an intermediate string.
        let keep = |keep: fn(char) -> bool, case: fn(char) -> char| {
            let mut out = CompactString::default();
            out.extend(raw.chars().filter(|&c| keep(c)).map(case));
            out
        };
        match self {
            Kind::ChineseName => CompactString::from(normalize_name(raw).as_str()),
            Kind::LatinName => keep(char::is_alphabetic, lower),
            Kind::Date => match Date::parse(raw) {
                Some(date) if !date.is_month_only() => CompactString::from(date.compact()),
                _ => keep(|c| c.is_ascii_digit(), |c| c),
            },
            Kind::Identifier => keep(char::is_alphanumeric, upper),
            Kind::Categorical | Kind::Text => {
                let mut out = CompactString::default();
                for word in raw.split_whitespace() {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.extend(word.chars().map(lower));
                }
                out
            }
            Kind::Numeric => {
                let digits = raw
                    .trim_start_matches(|c: char| !c.is_ascii_digit() || c == '0')
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '.');
                let mut out = CompactString::default();
                out.extend(digits);
                out
            }
        }
    }
}

/// A character's lower case, when it has a single one (ASCII at once).
fn lower(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        single(c, c.to_lowercase())
    }
}

/// A character's upper case, when it has a single one.
fn upper(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_uppercase()
    } else {
        single(c, c.to_uppercase())
    }
}

/// The one character a case mapping gives, or `c` when it gives several.
fn single(c: char, mut mapped: impl Iterator<Item = char>) -> char {
    match (mapped.next(), mapped.next()) {
        (Some(m), None) => m,
        _ => c,
    }
}

/// A field's value prepared for comparison.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The normalised text (valid UTF-8).
    pub text: &'a [u8],
    /// [`letter_mask`] of the text, or all bits.
    pub mask: u64,
    /// The Soundex code of a Latin-script name.
    pub sound: [u8; 4],
    /// A numeric value, NaN when none.
    pub number: f64,
}

impl View<'_> {
    fn str(&self) -> &str {
        std::str::from_utf8(self.text).unwrap_or_default()
    }
}

/// Which bytes a text holds, one bit per byte value modulo 64; all bits for text that is
/// not ASCII (no bound is drawn from it).
pub fn letter_mask(text: &[u8]) -> u64 {
    if !text.is_ascii() {
        return u64::MAX;
    }
    text.iter().fold(0, |m, &b| m | 1 << (b & 63))
}

/// Whether the Jaro similarity of `a` and `b` may reach `least`: each matched character
/// of one must occur in the other, so the bytes of each whose value the other's mask
/// holds bound the matches. Cheap, and it rules out most pairs of different words.
fn jaro_may_reach(a: &View, b: &View, least: f64) -> bool {
    if a.mask == u64::MAX || b.mask == u64::MAX {
        return true;
    }
    let within = |t: &[u8], mask: u64| t.iter().filter(|&&c| mask >> (c & 63) & 1 == 1).count();
    let m = within(a.text, b.mask).min(within(b.text, a.mask)) as f64;
    (m / a.text.len() as f64 + m / b.text.len() as f64 + 1.0) / 3.0 >= least
}

/// Jaro–Winkler adds at most 0.4 × (1 − Jaro): a Jaro–Winkler of `least` needs a Jaro of
/// (least − 0.4) / 0.6.
fn jaro_needed(least_jaro_winkler: f64) -> f64 {
    (least_jaro_winkler - 0.4) / 0.6
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
    let similarity = |least: f64| {
        if jaro_may_reach(a, b, jaro_needed(least)) {
            strings::jaro_winkler(a.str(), b.str())
        } else {
            0.0
        }
    };
    match kind {
        Kind::ChineseName => compare_names(a.str(), b.str()).index(),
        Kind::LatinName => {
            let similarity = similarity(0.88);
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
            if strings::within_edits(a.text, b.text, 1) {
                1
            } else if swapped_day_month(a.text, b.text) {
                2
            } else {
                3
            }
        }
        Kind::Identifier => {
            if strings::within_edits(a.text, b.text, 1) {
                1
            } else if a.text.len().min(b.text.len()) >= 5
                && strings::within_edits(a.text, b.text, 2)
            {
                2
            } else {
                3
            }
        }
        Kind::Categorical => 1,
        Kind::Text => {
            if similarity(0.9) >= 0.9 {
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
            } else if strings::within_edits(a.text, b.text, 1) {
                1
            } else if (a.number - b.number).abs() <= tolerance {
                2
            } else {
                3
            }
        }
    }
}

/// YYYYMMDD against YYYYDDMM.
fn swapped_day_month(a: &[u8], b: &[u8]) -> bool {
    a.len() == 8 && b.len() == 8 && a[..4] == b[..4] && a[4..6] == b[6..8] && a[6..8] == b[4..6]
}

/// Half or more of the words of the text with fewer words are in the other (words are
/// split on single spaces, as normalised).
fn shared_words(a: &[u8], b: &[u8]) -> bool {
    let words = |t: &[u8]| t.iter().filter(|&&c| c == b' ').count() + 1;
    let (wa, wb) = (words(a), words(b));
    if wa == 1 && wb == 1 {
        return false;
    }
    let (short, long) = if wa <= wb { (a, b) } else { (b, a) };
    let mut shared = 0;
    for w in short.split(|&c| c == b' ') {
        shared += usize::from(long.split(|&c| c == b' ').any(|x| x == w));
    }
    shared > 0 && shared * 2 >= wa.min(wb)
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
            text: text.as_bytes(),
            mask: letter_mask(text.as_bytes()),
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
        use crate::pipeline::link::compare::NameLevel;
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
