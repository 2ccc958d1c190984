//! Coded values: sex, register statuses and exemption reasons. Each source word (男, 在读,
//! 辍学 …) maps to one logical value; the defaults know the common Chinese and English
//! words and the config can add more.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::ground::text::half_width;

/// Sex, as the registers record it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

impl Sex {
    pub const fn key(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "",
        }
    }

    /// The sex of a key as [`Sex::key`] writes it; anything else is unknown.
    pub fn from_key(key: &str) -> Sex {
        [Sex::Male, Sex::Female]
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or(Sex::Unknown)
    }
}

/// A population row's residence status.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum PersonStatus {
    Active,
    Deceased,
    MovedOut,
    Cancelled,
}

/// The student statuses that count as enrolled (config `in_school_statuses`; by default
/// in school and home-delivered).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InSchool(pub Vec<StudentStatus>);

impl Default for InSchool {
    fn default() -> Self {
        InSchool(vec![StudentStatus::InSchool, StudentStatus::HomeDelivered])
    }
}

impl InSchool {
    /// Whether a record of this status counts as enrolled.
    pub fn contains(&self, status: StudentStatus) -> bool {
        self.0.contains(&status)
    }
}

/// A student record's status.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum StudentStatus {
    InSchool,
    HomeDelivered,
    Suspended,
    DroppedOut,
    TransferredOut,
    Graduated,
    Deceased,
    Other,
}

impl StudentStatus {
    pub const ALL: [StudentStatus; 8] = [
        StudentStatus::InSchool,
        StudentStatus::HomeDelivered,
        StudentStatus::Suspended,
        StudentStatus::DroppedOut,
        StudentStatus::TransferredOut,
        StudentStatus::Graduated,
        StudentStatus::Deceased,
        StudentStatus::Other,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            StudentStatus::InSchool => "in_school",
            StudentStatus::HomeDelivered => "home_delivered",
            StudentStatus::Suspended => "suspended",
            StudentStatus::DroppedOut => "dropped_out",
            StudentStatus::TransferredOut => "transferred_out",
            StudentStatus::Graduated => "graduated",
            StudentStatus::Deceased => "deceased",
            StudentStatus::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Option<StudentStatus> {
        StudentStatus::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl PersonStatus {
    pub const ALL: [PersonStatus; 4] = [
        PersonStatus::Active,
        PersonStatus::Deceased,
        PersonStatus::MovedOut,
        PersonStatus::Cancelled,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            PersonStatus::Active => "active",
            PersonStatus::Deceased => "deceased",
            PersonStatus::MovedOut => "moved_out",
            PersonStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_key(key: &str) -> Option<PersonStatus> {
        PersonStatus::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Folds a source word for lookup: trimmed, half-width, lowercase.
pub fn fold_word(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(half_width)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Source words for each logical value, looked up after [`fold_word`].
#[derive(Clone, Debug)]
pub struct WordMap<T> {
    words: FxHashMap<String, T>,
}

impl<T: Copy> WordMap<T> {
    pub fn new(pairs: &[(&str, T)]) -> Self {
        let mut map = WordMap {
            words: FxHashMap::default(),
        };
        for &(word, value) in pairs {
            map.insert(word, value);
        }
        map
    }

    pub fn insert(&mut self, word: &str, value: T) {
        self.words.insert(fold_word(word), value);
    }

    pub fn get(&self, raw: &str) -> Option<T> {
        // Most values are already in their folded form: look them up without folding.
        self.words
            .get(raw.trim())
            .or_else(|| self.words.get(&fold_word(raw)))
            .copied()
    }
}

/// The word maps a run uses.
#[derive(Clone, Debug)]
pub struct Vocabulary {
    pub sex: WordMap<Sex>,
    pub person_status: WordMap<PersonStatus>,
    pub student_status: WordMap<StudentStatus>,
    /// Exemption reasons map to a reason key; unknown words are kept as written.
    pub reason: HashMap<String, String>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        use PersonStatus as P;
        use StudentStatus as S;
        let sex = WordMap::new(&[
            ("男", Sex::Male),
            ("男性", Sex::Male),
            ("1", Sex::Male),
            ("m", Sex::Male),
            ("male", Sex::Male),
            ("女", Sex::Female),
            ("女性", Sex::Female),
            ("2", Sex::Female),
            ("f", Sex::Female),
            ("female", Sex::Female),
            // GB/T 2261.1: 0 not known, 9 not stated.
            ("0", Sex::Unknown),
            ("9", Sex::Unknown),
            ("未知", Sex::Unknown),
            ("未知的性别", Sex::Unknown),
            ("未说明", Sex::Unknown),
            ("未说明的性别", Sex::Unknown),
            ("不详", Sex::Unknown),
            ("unknown", Sex::Unknown),
        ]);
        let mut person_status = WordMap::new(&[
            ("正常", P::Active),
            ("在册", P::Active),
            ("在籍", P::Active),
            ("有效", P::Active),
            ("死亡", P::Deceased),
            ("已死亡", P::Deceased),
            ("迁出", P::MovedOut),
            ("已迁出", P::MovedOut),
            ("注销", P::Cancelled),
            ("已注销", P::Cancelled),
        ]);
        for s in P::ALL {
            person_status.insert(s.key(), s);
        }
        let mut student_status = WordMap::new(&[
            ("在读", S::InSchool),
            ("在校", S::InSchool),
            ("在籍", S::InSchool),
            ("正常", S::InSchool),
            ("送教上门", S::HomeDelivered),
            ("休学", S::Suspended),
            ("辍学", S::DroppedOut),
            ("转出", S::TransferredOut),
            ("毕业", S::Graduated),
            ("已毕业", S::Graduated),
            ("死亡", S::Deceased),
            ("其他", S::Other),
        ]);
        for s in S::ALL {
            student_status.insert(s.key(), s);
        }
        let reason = [
            ("缓学", "deferred"),
            ("免学", "exempt"),
            ("死亡", "deceased"),
            ("出国", "abroad"),
            ("出境", "abroad"),
            ("境外", "abroad"),
        ]
        .into_iter()
        .map(|(w, k)| (fold_word(w), k.to_string()))
        .collect();
        Vocabulary {
            sex,
            person_status,
            student_status,
            reason,
        }
    }
}

impl Vocabulary {
    /// The reason key for an exemption word: mapped when known, else the word itself.
    pub fn reason_key(&self, raw: &str) -> String {
        let folded = fold_word(raw);
        self.reason.get(&folded).cloned().unwrap_or(folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_words_map_to_logical_values() {
        let v = Vocabulary::default();
        assert_eq!(v.sex.get(" 男 "), Some(Sex::Male));
        assert_eq!(v.sex.get("Ｆ"), Some(Sex::Female));
        assert_eq!(v.sex.get("x"), None);
        assert_eq!(v.sex.get("未知"), Some(Sex::Unknown));
        assert_eq!(
            v.student_status.get("辍学"),
            Some(StudentStatus::DroppedOut)
        );
        assert_eq!(
            v.student_status.get("home_delivered"),
            Some(StudentStatus::HomeDelivered)
        );
        assert_eq!(v.person_status.get("迁出"), Some(PersonStatus::MovedOut));
        assert_eq!(v.reason_key("缓学"), "deferred");
        assert_eq!(v.reason_key("病休"), "病休");
    }
}
