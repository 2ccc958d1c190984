//! Grades as student registers write them, read as the year of schooling: 一年级 … 九年级
//! (七年级 is 初一, the first year of junior secondary under the six-three system most
//! provinces follow), 初一 … 初三, 小学三年级, 初中二年级, 高一 … 高三 (years 10 to 12), the
//! grade with its class (三年级2班, 初二(3)班), a plain number (3, 3年级), and the two-digit grade
//! codes student systems export (11–16 primary, 21–23 junior secondary, 31–33 senior).

use super::values::fold_word;
use crate::ground::text::half_width;

/// The year of schooling a grade word names (1 for 一年级), or `None` when it names none
/// (学前班, a blank, a word of another kind).
pub fn school_year(word: &str) -> Option<u8> {
    // Folded only when there is something to fold: a grade is read for every pupil.
    let folded;
    let word = if word
        .chars()
        .any(|c| c.is_ascii_uppercase() || half_width(c) != c)
    {
        folded = fold_word(word);
        folded.as_str()
    } else {
        word
    };
    let word = word.trim();
    if word.is_empty() {
        return None;
    }
    if word.len() == 2 && word.bytes().all(|b| b.is_ascii_digit()) && !word.starts_with('0') {
        let (stage, year) = (word.as_bytes()[0] - b'0', word.as_bytes()[1] - b'0');
        return match (stage, year) {
            (1, 1..=6) => Some(year),
            (2, 1..=3) => Some(6 + year),
            (3, 1..=3) => Some(9 + year),
            _ => None,
        };
    }
    // The grade without its class: 三年级2班 → 三年级, 初二(3)班 → 初二, 初中二(3)班 → 初中二.
    let word = match (word.find('班'), word.find("年级")) {
        (None, _) => word,
        (Some(_), Some(at)) => &word[..at + "年级".len()],
        (Some(_), None) if word.starts_with(['初', '高']) => {
            let stage = if word.starts_with("初中") || word.starts_with("高中") {
                3
            } else {
                2
            };
            word.char_indices()
                .nth(stage)
                .map_or(word, |(at, _)| &word[..at])
        }
        (Some(_), None) => word,
    };
    let (offset, rest) = if let Some(rest) = word.strip_prefix("初中") {
        (6, rest)
    } else if let Some(rest) = word.strip_prefix("高中") {
        (9, rest)
    } else if let Some(rest) = word.strip_prefix('初') {
        (6, rest)
    } else if let Some(rest) = word.strip_prefix('高') {
        (9, rest)
    } else if let Some(rest) = word.strip_prefix("小学") {
        (0, rest)
    } else if let Some(rest) = word.strip_prefix("grade") {
        (0, rest)
    } else {
        (0, word)
    };
    let number = rest.trim().strip_suffix("年级").unwrap_or(rest).trim();
    let year = number_word(number)?;
    let limit = if offset == 0 { 9 } else { 3 };
    (1..=limit).contains(&year).then_some(offset + year)
}

/// 1 to 9 written as a digit or a Chinese numeral.
fn number_word(word: &str) -> Option<u8> {
    const NUMERALS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if let Some(k) = NUMERALS.iter().position(|n| *n == word) {
        return Some(k as u8 + 1);
    }
    match word {
        "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" => Some(word.as_bytes()[0] - b'0'),
        "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" => {
            Some(word.as_bytes()[1] - b'0')
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_in_the_words_registers_use() {
        for (word, year) in [
            ("一年级", 1),
            ("九年级", 9),
            ("七年级", 7),
            ("初一", 7),
            ("初三", 9),
            ("初中二年级", 8),
            ("小学三年级", 3),
            ("三年级2班", 3),
            ("初二(3)班", 8),
            ("高一1班", 10),
            ("初三（2）班", 9),
            ("初中二(3)班", 8),
            ("高中一1班", 10),
            (" 4年级 ", 4),
            ("４年级", 4),
            ("5", 5),
            ("06", 6),
            ("11", 1),
            ("16", 6),
            ("21", 7),
            ("23", 9),
            ("高一", 10),
            ("Grade 3", 3),
        ] {
            assert_eq!(school_year(word), Some(year), "{word}");
        }
        for word in [
            "",
            "学前班",
            "十年级",
            "17",
            "24",
            "0",
            "初四",
            "班",
            "三班",
        ] {
            assert_eq!(school_year(word), None, "{word}");
        }
    }
}
