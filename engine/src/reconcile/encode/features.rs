//! What is encoded of a record: a name's features for its Bloom filter, a birth date's,
//! and an ID number's fragments. Every feature is a fact the clear comparison uses
//! (docs/privacy.md): the characters of the name folded to simplified and their pairs (an
//! exact name, one character off), the toneless pinyin of every reading of every
//! character and its letter pairs (the same sound: 曾 read zeng or ceng, 张伟 and 张玮), the
//! parts of the date (the same year and month, one day off, day and month swapped), the
//! ID's first 14 characters (the same place and birth) and its one-character deletions
//! (one typo).

use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::name_key::{readings, simplified};

/// The features of a name: `c:` a character, `b:` two neighbouring characters (the ends
/// marked `^` and `$`), `s:` a reading of a character, `p:` two neighbouring letters of a
/// reading (its ends marked). Sorted, without repeats.
pub fn name_features(name: &str) -> Vec<String> {
    let folded = simplified(name).to_lowercase();
    let chars: Vec<char> = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    let mut features = Vec::new();
    if chars.is_empty() {
        return features;
    }
    // A name written in pinyin (ZHANG·WEI, Zhang Wei): its words are its readings, so
    // that it shares the pinyin features of 张伟 as the clear comparison reads them alike.
    if !chars.iter().any(|&c| c > '\u{2E7F}') {
        for word in folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            push_reading(&mut features, word);
        }
    }
    let marked: Vec<String> = std::iter::once("^".to_string())
        .chain(chars.iter().map(|c| c.to_string()))
        .chain(std::iter::once("$".to_string()))
        .collect();
    for pair in marked.windows(2) {
        features.push(format!("b:{}{}", pair[0], pair[1]));
    }
    for &c in &chars {
        features.push(format!("c:{c}"));
        let mut buf = [0u8; 4];
        let (readings, n) = readings(c, &mut buf);
        if c > '\u{2E7F}' {
            for reading in &readings[..n] {
                push_reading(&mut features, reading);
            }
        }
    }
    features.sort_unstable();
    features.dedup();
    features
}

/// A reading (`s:`) and its letter pairs, ends marked (`p:`).
fn push_reading(features: &mut Vec<String>, reading: &str) {
    features.push(format!("s:{reading}"));
    let letters: Vec<char> = std::iter::once('^')
        .chain(reading.chars())
        .chain(std::iter::once('$'))
        .collect();
    for pair in letters.windows(2) {
        features.push(format!("p:{}{}", pair[0], pair[1]));
    }
}

/// The features of a birth date: its year, month and day alone and in pairs, the whole
/// date, and the month and day as an unordered pair (a date with day and month swapped
/// shares it).
pub fn date_features(date: Date) -> Vec<String> {
    let (y, m, d) = (date.year, date.month, date.day);
    // Known to the month only: its year and month, which a full date of that month shares.
    if date.is_month_only() {
        return vec![format!("y:{y}"), format!("m:{m}"), format!("ym:{y}-{m}")];
    }
    let (low, high) = (m.min(d), m.max(d));
    vec![
        format!("y:{y}"),
        format!("m:{m}"),
        format!("d:{d}"),
        format!("ym:{y}-{m}"),
        format!("md:{m}-{d}"),
        format!("yd:{y}-{d}"),
        format!("ymd:{y}-{m}-{d}"),
        format!("pair:{low}-{high}"),
    ]
}

/// An ID number's fragments (an ID of 18 characters).
pub struct IdFragments {
    /// Its first 14 characters: address and birth date.
    pub place_birth: String,
    /// Its first 17 characters with each left out in turn, followed by the check
    /// character: two numbers one substitution or one swap of neighbours apart with the
    /// same check character share one (a typo leaves the check in place, while twins'
    /// numbers differ in it as a rule).
    pub edits: Vec<String>,
    /// The same without the check character: two valid numbers one typo apart (the check
    /// recomputed by a form that insists) share one.
    pub near: Vec<String>,
}

/// An ID number's fragments; `None` for a number of another length.
pub fn id_fragments(id: &str) -> Option<IdFragments> {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return None;
    }
    let near: Vec<String> = (0..17)
        .map(|skip| {
            chars[..17]
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect();
    Some(IdFragments {
        place_birth: chars[..14].iter().collect(),
        edits: near.iter().map(|n| format!("{n}{}", chars[17])).collect(),
        near,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_in_traditional_characters_has_the_features_of_its_simplified_form() {
        assert_eq!(name_features("張偉"), name_features("张伟"));
        let f = name_features("张伟");
        for expected in [
            "b:^张", "b:张伟", "b:伟$", "c:张", "c:伟", "s:zhang", "s:wei",
        ] {
            assert!(f.contains(&expected.to_string()), "{expected} in {f:?}");
        }
        assert!(f.contains(&"p:zh".to_string()) && f.contains(&"p:g$".to_string()));
    }

    #[test]
    fn a_name_written_in_pinyin_has_the_pinyin_features_of_the_chinese_name() {
        let chinese = name_features("张伟");
        let pinyin = name_features("ZHANG·WEI");
        assert_eq!(pinyin, name_features("Zhang Wei"));
        let sounds: Vec<&String> = chinese
            .iter()
            .filter(|f| f.starts_with(['s', 'p']))
            .collect();
        assert!(sounds.len() > 8);
        assert!(
            sounds.iter().all(|f| pinyin.contains(f)),
            "{sounds:?} in {pinyin:?}"
        );
    }

    #[test]
    fn a_polyphonic_character_gives_every_reading() {
        let f = name_features("曾");
        assert!(f.contains(&"s:zeng".to_string()) && f.contains(&"s:ceng".to_string()));
    }

    #[test]
    fn a_date_known_to_the_month_has_the_features_of_its_year_and_month() {
        let month = date_features(Date::month_only(2015, 3).unwrap());
        let day = date_features(Date::new(2015, 3, 12).unwrap());
        assert_eq!(month.len(), 3);
        assert!(
            month.iter().all(|f| day.contains(f)),
            "{month:?} in {day:?}"
        );
    }

    #[test]
    fn dates_with_day_and_month_swapped_share_their_unordered_pair() {
        let a = date_features(Date::new(2015, 3, 12).unwrap());
        let swapped = date_features(Date::new(2015, 12, 3).unwrap());
        let other = date_features(Date::new(2015, 3, 14).unwrap());
        let pair = "pair:3-12".to_string();
        assert!(a.contains(&pair) && swapped.contains(&pair) && !other.contains(&pair));
    }

    #[test]
    fn ids_one_typo_apart_share_a_deletion() {
        let a = id_fragments("530111201501011234").unwrap();
        let f = |id| id_fragments(id).unwrap();
        let shares = |x: &[String], y: &[String]| x.iter().any(|t| y.contains(t));
        assert_eq!(a.place_birth, "53011120150101");
        for typo in ["530111201501011734", "530111201501012134"] {
            assert!(shares(&a.edits, &f(typo).edits), "{typo}");
        }
        assert!(!shares(&a.edits, &f("530111201501019876").edits));
        assert!(!shares(&a.near, &f("530111201501019876").near));
        // Another order code and its own check character: another child by its edits,
        // one typo apart by its first 17 characters.
        let twin = f("530111201501011245");
        assert!(!shares(&a.edits, &twin.edits));
        assert!(shares(&a.near, &twin.near));
        assert!(id_fragments("5301112015").is_none());
    }
}
