//! The disability register's own facts. The second-generation disability certificate
//! (第二代残疾人证) is numbered with its holder's 18-character ID number followed by two
//! digits: the category (1 视力 vision, 2 听力 hearing, 3 言语 speech, 4 肢体 physical,
//! 5 智力 intellectual, 6 精神 mental, 7 多重 multiple) and the level (1, the most severe,
//! to 4). A register giving only the certificate number is read through it.

use super::field::Row;
use super::id::{IdClass, IdNumber, parse_id};
use crate::ground::reject::Reject;
use crate::ground::schema::Field;

/// The seven categories: key, digit, the words registers write.
const CATEGORIES: [(&str, char, &[&str]); 7] = [
    (
        "vision",
        '1',
        &["视力", "视力残疾", "视力障碍", "视障", "盲"],
    ),
    (
        "hearing",
        '2',
        &["听力", "听力残疾", "听力障碍", "听障", "聋"],
    ),
    ("speech", '3', &["言语", "言语残疾", "言语障碍", "语言残疾"]),
    ("physical", '4', &["肢体", "肢体残疾", "肢残"]),
    (
        "intellectual",
        '5',
        &["智力", "智力残疾", "智障", "智力障碍"],
    ),
    ("mental", '6', &["精神", "精神残疾", "精神障碍"]),
    ("multiple", '7', &["多重", "多重残疾"]),
];

/// The key of a category word or digit; a word that is none of them is kept as written.
pub fn category_key(word: &str) -> String {
    let word = word.trim();
    CATEGORIES
        .iter()
        .find(|(key, digit, words)| {
            word.eq_ignore_ascii_case(key)
                || word.chars().eq([*digit])
                || words.contains(&word)
                || word.strip_suffix("类").is_some_and(|w| words.contains(&w))
        })
        .map_or_else(|| word.to_string(), |(key, ..)| key.to_string())
}

/// A level written as 1, 1级, 一级, 一, 壹级 …; `None` when it is none of 1 to 4.
pub fn level(word: &str) -> Option<u8> {
    let word = word.trim().trim_end_matches(['级', '等']).trim();
    match word {
        "1" | "一" | "壹" | "I" => Some(1),
        "2" | "二" | "贰" | "II" => Some(2),
        "3" | "三" | "叁" | "III" => Some(3),
        "4" | "四" | "肆" | "IV" => Some(4),
        _ => None,
    }
}

/// The category key and level a certificate number gives.
pub type FromNumber = Option<(&'static str, u8)>;

/// The row's ID number, and the category key and level its certificate number gives when
/// the ID column holds one (twenty characters: a valid ID, a category digit, a level digit).
pub fn id_and_number(row: &Row) -> Result<(IdNumber, FromNumber), Reject> {
    let raw = row.raw(Field::IdNumber).trim();
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() == 20 {
        let id: String = chars[..18].iter().collect();
        let (category, level) = (chars[18], chars[19]);
        let key = CATEGORIES.iter().find(|c| c.1 == category).map(|c| c.0);
        if let (Ok(parsed), Some(key), Some(level)) = (
            parse_id(&id),
            key,
            level.to_digit(10).filter(|l| (1..=4).contains(l)),
        ) && parsed.class == IdClass::Valid
        {
            return Ok((parsed, Some((key, level as u8))));
        }
    }
    row.required_id().map(|id| (id, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_levels_in_the_words_registers_use() {
        assert_eq!(category_key("智力残疾"), "intellectual");
        assert_eq!(category_key("5"), "intellectual");
        assert_eq!(category_key("肢体类"), "physical");
        assert_eq!(category_key("Vision"), "vision");
        assert_eq!(category_key("其他"), "其他");
        assert_eq!(level("一级"), Some(1));
        assert_eq!(level("4级"), Some(4));
        assert_eq!(level("叁级"), Some(3));
        assert_eq!(level("五级"), None);
    }
}
