//! A rejected input row: which file, which line, which field and why. Loading and
//! normalisation produce them; `rundir` writes them to rejects.csv.

use crate::ground::mask::{mask_id, mask_name};

/// One input row that was not used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    /// The input file's name, as the run names it.
    pub file: String,
    /// CSV line number (the header is line 1), or 1-based row number in Parquet.
    pub line: u64,
    /// The logical field at fault, or empty when the row as a whole is.
    pub field: String,
    pub reason: String,
    /// The offending value: personal ones masked so that no full ID number or name leaks
    /// (a name keeps its first character, a number its first six and last four of more
    /// than ten), the words and codes a user maps or fixes (status, sex, dates, divisions,
    /// grades, reasons) in clear.
    pub value: String,
}

impl Reject {
    pub fn new(
        file: &str,
        line: u64,
        field: &str,
        reason: impl Into<String>,
        value: &str,
    ) -> Reject {
        Reject {
            file: file.to_string(),
            line,
            field: field.to_string(),
            reason: reason.into(),
            value: shown_value(field, value.trim()),
        }
    }
}

/// Fields whose values identify no one: shown in rejects as they are (at most 40
/// characters), so that the word to map or the date to fix can be read.
const CLEAR_FIELDS: [&str; 17] = [
    "sex",
    "birth_date",
    "status",
    "division_code",
    "school_division_code",
    "school_code",
    "grade",
    "reason",
    "valid_until",
    "poverty_status",
    "relation",
    "category",
    "level",
    "certificate_date",
    "programme",
    "amount",
    "term",
];

/// A rejected value as rejects.csv shows it.
fn shown_value(field: &str, value: &str) -> String {
    if field == "name" {
        mask_name(value)
    } else if CLEAR_FIELDS.contains(&field) {
        match value.char_indices().nth(40) {
            Some((end, _)) => format!("{}…", &value[..end]),
            None => value.to_string(),
        }
    } else {
        mask_id(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_to_map_are_shown_and_personal_values_masked() {
        let shown = |field: &str, value: &str| Reject::new("f.csv", 2, field, "r", value).value;
        assert_eq!(shown("status", "休学中"), "休学中");
        assert_eq!(shown("sex", "未知"), "未知");
        assert_eq!(shown("birth_date", "2012年13月"), "2012年13月");
        assert_eq!(shown("name", "欧阳子涵"), "欧***");
        assert_eq!(shown("id_number", "53010220120315011"), "530102*******5011");
        assert_eq!(shown("", "whatever"), "********");
    }
}
