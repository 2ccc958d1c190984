//! Maps a file's header row to logical fields: the config's column name when given, else
//! the common Chinese and English header words. Matching ignores spaces, case,
//! full-width/half-width differences, notes in brackets (身份证号码（18位）, 性别(男/女))
//! and the stars templates put on required columns (*姓名).

use std::collections::BTreeMap;

use super::SourceOptions;
use super::table::{InputInfo, UnmatchedColumn};
use crate::ground::error::bad_input;
use crate::ground::mask::mask_name;
use crate::ground::schema::{Field, SourceKind};
use crate::ground::text::{half_width, is_space};

/// Folds a header for comparison.
pub(crate) fn fold_header(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut depth = 0u32;
    for c in raw.chars().map(half_width) {
        match c {
            '(' | '【' | '[' => depth += 1,
            ')' | '】' | ']' => depth = depth.saturating_sub(1),
            '*' => {}
            c if depth == 0 && !is_space(c) => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
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
    let mut missing: Vec<String> = Vec::new();
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
            let columns: Vec<usize> = (0..folded.len())
                .filter(|&i| folded[i] == c && !taken(i))
                .collect();
            (!columns.is_empty()).then_some(columns)
        });
        match found.as_deref() {
            Some(&[i]) => mapped.push((field, i)),
            Some(columns) => {
                let numbers: Vec<String> = columns.iter().map(|i| (i + 1).to_string()).collect();
                return Err(bad_input(format!(
                    "{file}: columns {} are all headed `{}`: which one is `{field}`? Rename the others, or name it in the [{source}] columns section of the config",
                    numbers.join(" and "),
                    headers[columns[0]].trim()
                )));
            }
            None if required || overrides.contains_key(&field) => {
                let configured = if overrides.contains_key(&field) {
                    " (named in the config)"
                } else {
                    ""
                };
                missing.push(format!(
                    "`{field}`{configured} (looked for: {})",
                    candidates.join(", ")
                ));
            }
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(bad_input(format!(
            "{file}: no column for {}; found headers: {}{}",
            missing.join("; "),
            shown_headers(source, headers),
            if looks_like_data(headers) {
                "; the first row looks like data: does the file lack its header row?"
            } else {
                ""
            }
        )));
    }
    Ok(mapped)
}

/// The header row found: its cells, what the policy made of them (for a register, the
/// field each mapped column feeds), and the lines above it.
pub(crate) struct Header<M> {
    pub cells: Vec<String>,
    pub mapping: M,
    pub lines_above: u64,
}

/// Rows a header is looked for in: title rows (XX县2026年秋季学期学籍信息表), notes and
/// blank rows above it are skipped.
const HEADER_SEARCH_ROWS: u64 = 20;

/// What makes a row the header: the policy maps its cells (or says why they are not the
/// header), and may name the header's row.
pub(crate) trait HeaderPolicy {
    type Mapping;
    /// Maps the cells of the row at `line`, or says why they are not the header.
    fn map(&self, name: &str, line: u64, cells: &[String]) -> anyhow::Result<Self::Mapping>;
    /// The header's line, when the user names it.
    fn forced_row(&self) -> Option<u64> {
        None
    }
}

/// A register's header: every required field maps, by the default header words or the
/// config's `columns`; `header_row` names its line.
pub(crate) struct Aliases<'a> {
    pub source: SourceKind,
    pub options: &'a SourceOptions,
}

impl HeaderPolicy for Aliases<'_> {
    type Mapping = Vec<(Field, usize)>;

    fn map(&self, name: &str, _line: u64, cells: &[String]) -> anyhow::Result<Self::Mapping> {
        map_headers(name, self.source, cells, &self.options.columns)
    }

    fn forced_row(&self) -> Option<u64> {
        self.options.header_row
    }
}

/// A header holding every column a link config names (compared folded: case, spaces,
/// full-width forms and notes in brackets aside); maps to each named column's position.
pub(crate) struct Named<'a> {
    pub wanted: &'a [String],
}

impl HeaderPolicy for Named<'_> {
    type Mapping = Vec<usize>;

    fn map(&self, name: &str, line: u64, cells: &[String]) -> anyhow::Result<Self::Mapping> {
        let folded: Vec<String> = cells.iter().map(|c| fold_header(c)).collect();
        let (mut picks, mut missing) = (Vec::new(), Vec::new());
        for want in self.wanted {
            let key = fold_header(want);
            match folded.iter().position(|h| *h == key) {
                Some(i) => picks.push(i),
                None => missing.push(format!("`{want}`")),
            }
        }
        if missing.is_empty() {
            return Ok(picks);
        }
        // A row of data taken for the header (a file without one) shows no ID or name.
        let wanted: Vec<String> = self.wanted.iter().map(|w| fold_header(w)).collect();
        let data = looks_like_data(cells);
        let found: Vec<String> = cells
            .iter()
            .map(|c| match data && !wanted.contains(&fold_header(c)) {
                true => mask_name(c.trim()),
                false => c.trim().to_string(),
            })
            .collect();
        Err(bad_input(format!(
            "{name}: line {line}: no column headed {} (the header row has: {})",
            missing.join(", "),
            found.join(", ")
        )))
    }
}

/// Looks for the header row among the first rows of a file, whatever its format: the
/// first of the first [`HEADER_SEARCH_ROWS`] rows the policy maps, or the row the policy
/// names. Rows are offered one by one.
pub(crate) struct HeaderSearch<'a, P> {
    name: &'a str,
    policy: P,
    first_error: Option<anyhow::Error>,
    looked: u64,
}

impl<'a, P: HeaderPolicy> HeaderSearch<'a, P> {
    pub fn new(name: &'a str, policy: P) -> Self {
        HeaderSearch {
            name,
            policy,
            first_error: None,
            looked: 0,
        }
    }

    /// Offers the row at `line`: its cells, or why they cannot be read. Returns the header
    /// when this row is it, `None` to be offered the next row, or the error that ends the
    /// search (the first row's, when no row maps).
    pub fn offer(
        &mut self,
        line: u64,
        cells: anyhow::Result<Vec<String>>,
    ) -> anyhow::Result<Option<Header<P::Mapping>>> {
        let forced = self.policy.forced_row();
        match forced {
            Some(n) if line < n => return Ok(None),
            Some(n) if line > n => return Err(self.end()),
            _ => {}
        }
        let mapped = cells.and_then(|cells| {
            self.policy
                .map(self.name, line, &cells)
                .map(|mapping| (cells, mapping))
        });
        match mapped {
            Ok((cells, mapping)) => Ok(Some(Header {
                cells,
                mapping,
                lines_above: line - 1,
            })),
            Err(e) if forced.is_some() => Err(e),
            Err(e) => {
                self.first_error.get_or_insert(e);
                self.looked += 1;
                if self.looked >= HEADER_SEARCH_ROWS {
                    return Err(self.end());
                }
                Ok(None)
            }
        }
    }

    /// The error when the rows ran out (or the search gave up) without a header.
    pub fn end(&mut self) -> anyhow::Error {
        self.first_error.take().unwrap_or_else(|| {
            bad_input(match self.policy.forced_row() {
                Some(n) => format!("{}: the file has no row {n} for `header_row`", self.name),
                None => format!("{}: the file is empty (no header row)", self.name),
            })
        })
    }
}

/// Words that, inside a header no default matched, say the column holds a field: a
/// column headed 出生年月日期 or 学生性别 is almost surely the birth date or the sex.
fn field_words(field: Field) -> &'static [&'static str] {
    match field {
        Field::IdNumber => &["身份证", "证件号", "idnumber", "idno"],
        Field::Name => &["姓名"],
        Field::Sex => &["性别", "sex", "gender"],
        Field::BirthDate => &["出生", "生日", "birth"],
        Field::DivisionCode => &["区划", "户籍地", "户口", "division"],
        Field::SchoolDivisionCode => &["学校所在", "区划"],
        Field::Status => &["状态", "在籍", "status"],
        Field::PovertyStatus => &["脱贫", "贫困"],
        Field::StudentNo => &["学籍号", "学号"],
        Field::SchoolCode => &["学校代码", "学校标识", "学校编码"],
        Field::Grade => &["年级", "grade"],
        Field::HouseholdNo => &["户编号", "户号", "户编码"],
        Field::Relation => &["关系", "relation"],
        Field::Reason => &["原因", "reason"],
        Field::ValidUntil => &["有效期", "截止"],
        Field::Category => &["类别", "类型"],
        Field::Level => &["等级", "级别"],
        Field::CertificateDate => &["发证", "持证", "办证"],
        Field::Programme => &["资助项目", "项目"],
        Field::Amount => &["金额"],
        Field::Term => &["学期"],
    }
}

/// Records in `info` which header fed each field, the optional fields with no column,
/// and the unmapped columns whose header names one of those fields.
pub(crate) fn record_columns(
    info: &mut InputInfo,
    source: SourceKind,
    headers: &[String],
    mapping: &[(Field, usize)],
) {
    for &(field, i) in mapping {
        info.columns
            .insert(field.key().to_string(), headers[i].trim().to_string());
    }
    for &(field, _) in source.fields() {
        if mapping.iter().any(|&(f, _)| f == field) {
            continue;
        }
        info.missing_fields.push(field.key().to_string());
        let unmapped = (0..headers.len()).filter(|i| !mapping.iter().any(|&(_, j)| j == *i));
        for i in unmapped {
            let folded = fold_header(&headers[i]);
            if field_words(field).iter().any(|w| folded.contains(w)) {
                info.unmatched_columns.push(UnmatchedColumn {
                    field: field.key().to_string(),
                    header: headers[i].trim().to_string(),
                });
            }
        }
    }
}

/// The headers as an error message shows them. When the row looks like data (a file
/// without its header row), every cell but a header word sanku knows is masked after its
/// first character, so that no child's ID number or name is printed.
fn shown_headers(source: SourceKind, headers: &[String]) -> String {
    if !looks_like_data(headers) {
        return headers.join(", ");
    }
    let known: Vec<String> = source
        .fields()
        .iter()
        .flat_map(|&(f, _)| {
            f.default_headers(source)
                .iter()
                .copied()
                .chain(std::iter::once(f.key()))
        })
        .map(fold_header)
        .collect();
    headers
        .iter()
        .map(|h| {
            if known.contains(&fold_header(h)) {
                h.trim().to_string()
            } else {
                mask_name(h.trim())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a header row holds what looks like an ID number or a date.
fn looks_like_data(headers: &[String]) -> bool {
    headers
        .iter()
        .any(|h| h.chars().filter(char::is_ascii_digit).count() >= 6)
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

    #[test]
    fn a_file_without_its_header_row_shows_no_id_or_name() {
        let h = headers(&["530102201203150117", "张伟", "男", "2012-03-15"]);
        let err = map_headers("p.csv", SourceKind::Population, &h, &BTreeMap::new()).unwrap_err();
        let msg = err.to_string();
        assert!(
            !msg.contains("530102201203150117") && !msg.contains("张伟"),
            "{msg}"
        );
        assert!(
            msg.contains("5********…, 张*") && msg.contains("looks like data"),
            "{msg}"
        );
    }

    #[test]
    fn notes_in_brackets_and_stars_are_ignored() {
        let h = headers(&[
            "*公民身份号码（18位）",
            "姓名",
            "性别(男/女)",
            "出生日期【YYYY-MM-DD】",
        ]);
        let m = map_headers("p.csv", SourceKind::Population, &h, &BTreeMap::new()).unwrap();
        assert_eq!(
            m,
            vec![
                (Field::IdNumber, 0),
                (Field::Name, 1),
                (Field::Sex, 2),
                (Field::BirthDate, 3)
            ]
        );
    }

    #[test]
    fn every_missing_column_is_named_at_once_and_a_configured_one_must_exist() {
        let h = headers(&["学生姓名", "性别"]);
        let err = map_headers("s.csv", SourceKind::Students, &h, &BTreeMap::new()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`student_no`") && msg.contains("`status`"),
            "{msg}"
        );
        let overrides = BTreeMap::from([(Field::Grade, "所在年级".to_string())]);
        let h = headers(&["学籍号", "姓名", "学籍状态", "年级"]);
        let err = map_headers("s.csv", SourceKind::Students, &h, &overrides).unwrap_err();
        assert!(
            err.to_string().contains("`grade` (named in the config)"),
            "{err}"
        );
    }

    #[test]
    fn a_duplicated_column_is_refused_not_guessed() {
        let h = headers(&["身份证号", "姓名", "身份证号"]);
        let err = map_headers("p.csv", SourceKind::Population, &h, &BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("columns 1 and 3"), "{err}");
    }
}
