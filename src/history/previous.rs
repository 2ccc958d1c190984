//! The previous run, read for `--previous`: its as-of date from manifest.json, its cases
//! from ledger.parquet (which staff never edit), the case numbers of its closed.csv, its
//! history.csv, and the staff's columns from the worked ledgers — the run's own
//! ledger.csv and ledger.xlsx as edited in place, and any `--worked` file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;
use rustc_hash::FxHashMap;

use super::worked::{Sheet, clean_cell, read_sheets};
use crate::error::bad_input;
use crate::load::parquet::read_frame;
use crate::normalize::date::Date;
use crate::schema::files;

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

/// What is carried from the previous run.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Previous {
    /// The directory, as given.
    pub dir: PathBuf,
    pub as_of: Date,
    pub pseudonymized: bool,
    pub cases: Vec<PreviousCase>,
    /// Columns staff added, in the order first met.
    pub staff_columns: Vec<String>,
    /// Per case, its values of the staff columns; empty when it has none.
    notes: Vec<Vec<String>>,
    /// The worked ledgers that carried staff columns.
    pub worked_files: Vec<String>,
    pub missing_from_worked: u64,
    pub untied_rows: u64,
    pub conflicting_notes: u64,
    /// The highest sequence number used per case-number prefix (`C20261130`).
    sequences: FxHashMap<String, u64>,
    /// history.csv's rows, in today's column order.
    pub trend: Vec<Vec<String>>,
}

impl Previous {
    /// No previous run: every case is new.
    pub fn empty() -> Previous {
        Previous {
            dir: PathBuf::new(),
            as_of: Date::new(1970, 1, 1).expect("a date"),
            pseudonymized: false,
            cases: Vec::new(),
            staff_columns: Vec::new(),
            notes: Vec::new(),
            worked_files: Vec::new(),
            missing_from_worked: 0,
            untied_rows: 0,
            conflicting_notes: 0,
            sequences: FxHashMap::default(),
            trend: Vec::new(),
        }
    }

    /// Reads the previous run directory `dir` and the worked ledgers `worked`.
    /// `ledger_columns` are the columns sanku writes in a ledger (any other is the
    /// staff's), `trend_columns` those of history.csv.
    pub fn read(
        dir: &Path,
        worked: &[PathBuf],
        ledger_columns: &[&str],
        trend_columns: &[&str],
    ) -> anyhow::Result<Previous> {
        let shown = dir.display();
        if !dir.is_dir() {
            return Err(bad_input(format!(
                "--previous {shown}: not a directory; give the previous night's run directory"
            )));
        }
        let (as_of, pseudonymized) = read_manifest(dir)?;
        let mut previous = Previous {
            dir: dir.to_path_buf(),
            as_of,
            pseudonymized,
            cases: read_cases(&dir.join(files::LEDGER_PARQUET))?,
            ..Previous::empty()
        };
        previous.notes = vec![Vec::new(); previous.cases.len()];
        let mut case_ids: Vec<String> = previous.cases.iter().map(|c| c.case_id.clone()).collect();
        let closed = dir.join(files::CLOSED_CSV);
        if closed.is_file() {
            for sheet in read_sheets(&closed, &|h| h.iter().any(|c| c == "case_id"))? {
                let at = sheet.header.iter().position(|c| c == "case_id");
                case_ids.extend(sheet.rows.iter().filter_map(|(_, cells)| {
                    at.and_then(|c| cells.get(c))
                        .map(|v| clean_cell(v).to_string())
                }));
            }
        }
        for id in case_ids {
            if let Some((prefix, seq)) = id.split_once('-')
                && let Ok(seq) = seq.parse::<u64>()
            {
                let top = previous.sequences.entry(prefix.to_string()).or_default();
                *top = (*top).max(seq);
            }
        }
        previous.trend = read_trend(&dir.join(files::HISTORY_CSV), trend_columns)?;
        let mut views: Vec<PathBuf> = [files::LEDGER_CSV, files::LEDGER_XLSX]
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .collect();
        views.extend(returned_files(&dir.join(files::RETURNED_DIR))?);
        views.extend(worked.iter().cloned());
        let mut present = vec![false; previous.cases.len()];
        for path in &views {
            for sheet in read_sheets(path, &|h| is_ledger_header(h))? {
                previous.take_notes(&sheet, ledger_columns, &mut present);
            }
        }
        if !previous.worked_files.is_empty() {
            previous.missing_from_worked = present.iter().filter(|p| !**p).count() as u64;
        }
        Ok(previous)
    }

    /// The next sequence number of a case opened on `as_of`.
    pub fn next_sequence(&self, as_of: Date) -> u64 {
        let prefix = format!("C{}", as_of.compact());
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
    fn take_notes(&mut self, sheet: &Sheet, known: &[&str], present: &mut [bool]) {
        let at = |name: &str| sheet.header.iter().position(|h| h == name);
        let (case_col, id_col) = (at("case_id"), at("id_number"));
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
        for (_, cells) in &sheet.rows {
            let case = by_case
                .get(cell(cells, case_col).as_str())
                .or_else(|| by_id.get(cell(cells, id_col).as_str()))
                .copied();
            let Some(case) = case else {
                let has_notes = staff
                    .iter()
                    .any(|&(c, _)| cells.get(c).is_some_and(|v| !v.trim().is_empty()));
                self.untied_rows += u64::from(has_notes);
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

/// The run directory to carry on when `--previous` names the folder of the nightly runs
/// rather than one run: the one of the latest as-of date before `as_of` (by name among
/// equals), other than `out`. None there is bad input: on the first night, leave out
/// `--previous`.
pub fn latest_run(parent: &Path, as_of: Date, out: &Path) -> anyhow::Result<PathBuf> {
    let shown = parent.display();
    let out = std::fs::canonicalize(out).ok();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(parent)
        .map_err(|e| bad_input(format!("--previous {shown}: cannot read: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.join(files::MANIFEST_JSON).is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .filter(|p| out.is_none() || std::fs::canonicalize(p).ok() != out)
        .collect();
    entries.sort();
    let mut best: Option<(Date, PathBuf)> = None;
    for path in entries {
        if let Ok((date, _)) = read_manifest(&path)
            && date < as_of
            && best.as_ref().is_none_or(|(d, _)| date >= *d)
        {
            best = Some((date, path));
        }
    }
    best.map(|(_, p)| p).ok_or_else(|| {
        bad_input(format!(
            "--previous {shown}: neither a run directory nor a folder holding one from before {as_of}; \
             on the first night leave out --previous"
        ))
    })
}

/// The as-of date of a run directory's manifest.json, and whether the run was
/// pseudonymised.
fn read_manifest(dir: &Path) -> anyhow::Result<(Date, bool)> {
    let path = dir.join(files::MANIFEST_JSON);
    let shown = path.display();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        bad_input(format!(
            "--previous {}: cannot read {shown}: {e}; give the previous night's run directory",
            dir.display()
        ))
    })?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| bad_input(format!("{shown}: not a manifest: {e}")))?;
    if manifest["command"] != "run" {
        return Err(bad_input(format!(
            "--previous {}: not written by `sanku run` ({shown})",
            dir.display()
        )));
    }
    let as_of = manifest["settings"]["as_of"]
        .as_str()
        .and_then(Date::parse)
        .ok_or_else(|| bad_input(format!("{shown}: no as-of date")))?;
    Ok((as_of, manifest["settings"]["pseudonymized"] == true))
}

/// The ledgers staff put in a run directory's `returned/` folder, by name: workbooks and
/// CSV files, not hidden, not Excel's `~$` lock files.
fn returned_files(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            crate::load::is_table_file(p, &["xlsx", "xlsm", "xls", "ods", "csv", "txt", "tsv"])
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A header row of a ledger: it names the case number or the ID number.
fn is_ledger_header(cells: &[String]) -> bool {
    cells.iter().any(|c| c == "case_id" || c == "id_number")
}

/// The cases of the previous ledger.parquet.
fn read_cases(path: &Path) -> anyhow::Result<Vec<PreviousCase>> {
    let frame = read_frame(path)?;
    let column = |name: &str, required: bool| -> anyhow::Result<Vec<String>> {
        strings(&frame, name).map_or_else(
            || {
                if required {
                    Err(bad_input(format!(
                        "{}: no column `{name}`; is this a ledger sanku wrote?",
                        path.display()
                    )))
                } else {
                    Ok(vec![String::new(); frame.height()])
                }
            },
            Ok,
        )
    };
    let ids = column("id_number", true)?;
    let mut case_id = column("case_id", false)?.into_iter();
    let mut name = column("name", false)?.into_iter();
    let mut sex = column("sex", false)?.into_iter();
    let mut birth = column("birth_date", true)?.into_iter();
    let mut division = column("division_code", true)?.into_iter();
    let mut reason = column("reason", true)?.into_iter();
    let mut first = column("first_flagged", false)?.into_iter();
    let next = |it: &mut std::vec::IntoIter<String>| it.next().unwrap_or_default();
    Ok(ids
        .into_iter()
        .map(|id_number| PreviousCase {
            case_id: next(&mut case_id),
            id_number,
            name: next(&mut name),
            sex: next(&mut sex),
            birth_date: next(&mut birth),
            division_code: next(&mut division),
            reason: next(&mut reason),
            first_flagged: next(&mut first),
        })
        .collect())
}

/// A text column of a frame, nulls as empty strings; `None` when there is no such column.
fn strings(frame: &DataFrame, name: &str) -> Option<Vec<String>> {
    let column = frame.column(name).ok()?;
    let text = column.str().ok()?;
    Some(
        text.iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect(),
    )
}

/// history.csv's rows in the order of `columns` (a column it lacks is empty); no file, no
/// rows.
fn read_trend(path: &Path, columns: &[&str]) -> anyhow::Result<Vec<Vec<String>>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    for sheet in read_sheets(path, &|h| h.iter().any(|c| c == "as_of"))? {
        let index: Vec<Option<usize>> = columns
            .iter()
            .map(|c| sheet.header.iter().position(|h| h == c))
            .collect();
        rows.extend(sheet.rows.iter().map(|(_, cells)| {
            index
                .iter()
                .zip(columns)
                .map(|(i, c)| {
                    let value = i.and_then(|i| cells.get(i)).map_or("", |v| clean_cell(v));
                    crate::vocab::canonical_word(c, value).to_string()
                })
                .collect::<Vec<String>>()
        }));
    }
    Ok(rows)
}
