//! The previous run, as `rundir::previous` reads it for `--previous`: its run date and key,
//! its cases, the case numbers it gave, its history, and the staff's columns of the worked
//! ledgers, tied to the cases here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rustc_hash::FxHashMap;

use super::handback::{SkippedFile, UntiedRow};
use crate::pipeline::normalize::date::Date;

/// A case of the previous ledger, as ledger.parquet holds it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PreviousCase {
    /// Empty when the previous run predates case numbers.
    pub case_id: String,
    /// The ID number, or its token in a pseudonymised run.
    pub id_number: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub division_code: String,
    pub reason: String,
    pub first_flagged: String,
}

/// A child brought back to school after a case, as returns.csv keeps it for the months
/// the child stays at risk.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Return {
    pub case_id: String,
    /// The ID number, or its token in a pseudonymised run.
    pub id_number: String,
    pub name: String,
    pub division_code: String,
    pub first_flagged: String,
    /// The night the case was closed as returned, YYYY-MM-DD.
    pub returned_on: String,
    pub school_code: String,
    pub student_no: String,
}

/// What is carried from the previous run.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Previous {
    /// The directory, as given.
    pub dir: PathBuf,
    /// The night it stood for (its as-of date, for a run made before run dates).
    pub run_date: Date,
    pub pseudonymized: bool,
    /// The fingerprint of its pseudonymisation key.
    pub key_fingerprint: Option<String>,
    pub cases: Vec<PreviousCase>,
    /// Columns staff added, in the order first met.
    pub staff_columns: Vec<String>,
    /// Per case, its values of the staff columns; empty when it has none.
    notes: Vec<Vec<String>>,
    /// The worked ledgers that carried staff columns.
    pub worked_files: Vec<String>,
    pub missing_from_worked: u64,
    /// Rows of worked ledgers that hold notes and tie to no case.
    pub untied: Vec<UntiedRow>,
    /// Files in `returned/` that are not ledgers, each with why: skipped.
    pub skipped_files: Vec<SkippedFile>,
    pub conflicting_notes: u64,
    /// The highest sequence number used per case-number prefix (`C20261130`).
    sequences: FxHashMap<String, u64>,
    /// history.csv's rows, in today's column order.
    pub trend: Vec<Vec<String>>,
    /// returns.csv's rows: the children it had brought back to school lately.
    pub returns: Vec<Return>,
}

impl Previous {
    /// No previous run: every case is new.
    pub fn empty() -> Previous {
        Previous {
            dir: PathBuf::new(),
            run_date: Date::new(1970, 1, 1).expect("a date"),
            pseudonymized: false,
            key_fingerprint: None,
            cases: Vec::new(),
            staff_columns: Vec::new(),
            notes: Vec::new(),
            worked_files: Vec::new(),
            missing_from_worked: 0,
            untied: Vec::new(),
            skipped_files: Vec::new(),
            conflicting_notes: 0,
            sequences: FxHashMap::default(),
            trend: Vec::new(),
            returns: Vec::new(),
        }
    }

    /// The previous run's cases as read (`cases`), with a list of notes each.
    pub fn with_cases(mut self, cases: Vec<PreviousCase>) -> Previous {
        self.notes = vec![Vec::new(); cases.len()];
        self.cases = cases;
        self
    }

    /// Counts the case numbers the previous run gave (its ledger's and its closed
    /// cases'), so that tonight's new ones continue their sequences.
    pub fn count_case_ids(&mut self, case_ids: impl IntoIterator<Item = String>) {
        for id in case_ids {
            if let Some((prefix, seq)) = id.split_once('-')
                && let Ok(seq) = seq.parse::<u64>()
            {
                let top = self.sequences.entry(prefix.to_string()).or_default();
                *top = (*top).max(seq);
            }
        }
    }

    /// The next sequence number of a case opened on `run_date`.
    pub fn next_sequence(&self, run_date: Date) -> u64 {
        let prefix = format!("C{}", run_date.compact());
        self.sequences.get(&prefix).copied().unwrap_or(0) + 1
    }

    /// A case's values of the staff columns (empty values when it has none).
    pub fn notes_of(&self, case: usize) -> Vec<String> {
        let mut notes = self.notes.get(case).cloned().unwrap_or_default();
        notes.resize(self.staff_columns.len(), String::new());
        notes
    }

    /// Takes the staff columns of one worked sheet, tying each row to its case by case
    /// number, else by ID number.
    pub fn take_notes(&mut self, sheet: &Sheet, known: &[&str], present: &mut [bool]) {
        let at = |name: &str| sheet.header.iter().position(|h| h == name);
        let (case_col, id_col, name_col) = (at("case_id"), at("id_number"), at("name"));
        // (sheet column, staff column) of each column sanku does not write.
        let mut staff = Vec::new();
        for (c, name) in sheet.header.iter().enumerate() {
            if known.contains(&name.as_str()) {
                continue;
            }
            let used = sheet
                .rows
                .iter()
                .any(|(_, cells)| cells.get(c).is_some_and(|v| !v.trim().is_empty()));
            if name.is_empty() && !used {
                continue;
            }
            let name = if name.is_empty() {
                format!("column_{}", c + 1)
            } else {
                name.clone()
            };
            let index = match self.staff_columns.iter().position(|s| *s == name) {
                Some(i) => i,
                None => {
                    self.staff_columns.push(name);
                    self.staff_columns.len() - 1
                }
            };
            staff.push((c, index));
        }
        if staff.is_empty() {
            return;
        }
        self.worked_files.push(sheet.name.clone());
        let by_case: FxHashMap<&str, usize> = self
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.case_id.is_empty())
            .map(|(i, c)| (c.case_id.as_str(), i))
            .collect();
        let by_id: FxHashMap<&str, usize> = self
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id_number.as_str(), i))
            .collect();
        let cell = |cells: &[String], c: Option<usize>| -> String {
            c.and_then(|c| cells.get(c))
                .map(|v| clean_cell(v).to_ascii_uppercase())
                .unwrap_or_default()
        };
        let mut taken: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
        for (line, cells) in &sheet.rows {
            let case = by_case
                .get(cell(cells, case_col).as_str())
                .or_else(|| by_id.get(cell(cells, id_col).as_str()))
                .copied();
            let Some(case) = case else {
                let notes: Vec<String> = staff
                    .iter()
                    .filter_map(|&(c, index)| {
                        let value = cells.get(c).map_or("", |v| v.trim());
                        (!value.is_empty())
                            .then(|| format!("{}: {value}", self.staff_columns[index]))
                    })
                    .collect();
                if !notes.is_empty() {
                    let written = |c: Option<usize>| {
                        c.and_then(|c| cells.get(c))
                            .map_or("", |v| clean_cell(v))
                            .to_string()
                    };
                    self.untied.push(UntiedRow {
                        file: sheet.name.clone(),
                        line: *line,
                        case_id: written(case_col),
                        id_number: written(id_col),
                        name: written(name_col),
                        notes: notes.join("; "),
                    });
                }
                continue;
            };
            present[case] = true;
            for &(c, index) in &staff {
                let value = cells.get(c).map_or("", |v| v.trim());
                if !value.is_empty() {
                    taken
                        .entry((case, index))
                        .or_default()
                        .insert(value.to_string());
                }
            }
        }
        // Rows of one case that disagree (a row copied and edited) keep every value, in
        // order of the values, so that re-sorting the sheet changes nothing; a later file
        // replaces an earlier one's value.
        for ((case, index), values) in taken {
            let several = values.len() > 1;
            let value = values.into_iter().collect::<Vec<_>>().join(" | ");
            let notes = &mut self.notes[case];
            notes.resize(self.staff_columns.len(), String::new());
            if several || (!notes[index].is_empty() && notes[index] != value) {
                self.conflicting_notes += 1;
            }
            notes[index] = value;
        }
    }
}

/// One sheet (or the CSV file) of a worked ledger: its header and rows, with each row's
/// line or sheet row number.
pub struct Sheet {
    /// The file and, for a workbook, the sheet: for messages and the summary.
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// A cell without surrounding spaces or the leading `'` that marks text.
pub fn clean_cell(cell: &str) -> &str {
    let cell = cell.trim_start_matches('\u{FEFF}').trim();
    cell.strip_prefix('\'').unwrap_or(cell).trim()
}
