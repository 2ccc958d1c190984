//! Maps a file's header row to logical fields: the config's column name when given, else
//! the common Chinese and English header words. Matching ignores surrounding spaces, case
//! and full-width/half-width differences.

use std::collections::BTreeMap;

use crate::error::bad_input;
use crate::normalize::text::{half_width, is_space};
use crate::schema::{Field, SourceKind};

/// Folds a header for comparison.
fn fold_header(raw: &str) -> String {
    raw.chars()
        .map(half_width)
        .filter(|&c| !is_space(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// For each logical field of `source` found in `headers`, the index of its column.
/// A required field with no column is a bad-input error naming the file, the field, the
/// words looked for and the headers found.
pub fn map_headers(
    file: &str,
    source: SourceKind,
    headers: &[String],
    overrides: &BTreeMap<Field, String>,
) -> anyhow::Result<Vec<(Field, usize)>> {
    let folded: Vec<String> = headers.iter().map(|h| fold_header(h)).collect();
    let mut mapped = Vec::new();
    for &(field, required) in source.fields() {
        let candidates: Vec<&str> = match overrides.get(&field) {
            Some(name) => vec![name.as_str()],
            None => field
                .default_headers(source)
                .iter()
                .copied()
                .chain(std::iter::once(field.key()))
                .collect(),
        };
        let taken = |i: usize| mapped.iter().any(|&(_, j)| j == i);
        let found = candidates.iter().find_map(|c| {
            let c = fold_header(c);
            (0..folded.len()).find(|&i| folded[i] == c && !taken(i))
        });
        match found {
            Some(i) => mapped.push((field, i)),
            None if required => {
                return Err(bad_input(format!(
                    "{file}: no column for required field `{field}` (looked for: {}; found headers: {})",
                    candidates.join(", "),
                    headers.join(", ")
                )));
            }
            None => {}
        }
    }
    Ok(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_headers_map_by_default() {
        let h = headers(&[
            "序号",
            " 公民身份号码 ",
            "姓名",
            "性别",
            "出生日期",
            "户籍地行政区划代码",
        ]);
        let m = map_headers("p.csv", SourceKind::Population, &h, &BTreeMap::new()).unwrap();
        assert_eq!(
            m,
            vec![
                (Field::IdNumber, 1),
                (Field::Name, 2),
                (Field::Sex, 3),
                (Field::BirthDate, 4),
                (Field::DivisionCode, 5)
            ]
        );
    }

    #[test]
    fn full_width_and_english_headers_match() {
        let h = headers(&["ID_Number", "ｎａｍｅ"]);
        let m = map_headers("p.csv", SourceKind::Population, &h, &BTreeMap::new()).unwrap();
        assert_eq!(m, vec![(Field::IdNumber, 0), (Field::Name, 1)]);
    }

    #[test]
    fn config_names_override_defaults() {
        let h = headers(&["身份证号", "证件号", "姓名"]);
        let overrides = BTreeMap::from([(Field::IdNumber, "证件号".to_string())]);
        let m = map_headers("p.csv", SourceKind::Population, &h, &overrides).unwrap();
        assert_eq!(m[0], (Field::IdNumber, 1));
    }

    #[test]
    fn a_missing_required_column_names_file_field_and_headers() {
        let h = headers(&["身份证号", "性别"]);
        let err =
            map_headers("人口.csv", SourceKind::Population, &h, &BTreeMap::new()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("人口.csv") && msg.contains("`name`") && msg.contains("身份证号, 性别"),
            "{msg}"
        );
    }
}
