//! The previous run read back for `--previous`: its run date and key from manifest.json, its
//! cases from ledger.parquet (which staff never edit), the case numbers of its closed.csv,
//! its history.csv and returns.csv, and the staff's columns from the worked ledgers — the run's own
//! ledger.csv and ledger.xlsx as edited in place, the files staff put in `returned/`, and
//! any `--worked` file. The history stage ties them to tonight's cases.

mod handback;
mod worked;

use std::path::{Path, PathBuf};

use self::handback::{returned_files, returned_sheets};
use self::worked::read_sheets;
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::history::{
    Previous, PreviousCase, Return, SkippedFile, clean_cell, is_ledger_header,
};
use crate::pipeline::normalize::date::Date;

/// Reads the previous run directory `dir` and the worked ledgers `worked`.
pub fn read(dir: &Path, worked: &[PathBuf]) -> anyhow::Result<Previous> {
    let ledger_columns = &super::ledger::column_names();
    let trend_columns = &super::cases::TREND_COLUMNS;
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(bad_input(format!(
            "--previous {shown}: not a directory; give the previous night's run directory"
        )));
    }
    let stamp = read_manifest(dir)?;
    let mut previous = Previous::empty().with_cases(read_cases(&dir.join(files::LEDGER_PARQUET))?);
    previous.dir = dir.to_path_buf();
    previous.run_date = stamp.run_date;
    previous.pseudonymized = stamp.pseudonymized;
    previous.key_fingerprint = stamp.key_fingerprint;
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
    previous.count_case_ids(case_ids);
    previous.trend = read_trend(&dir.join(files::HISTORY_CSV), trend_columns)?;
    previous.returns = read_returns(
        &dir.join(files::RETURNS_CSV),
        &dir.join(files::CLOSED_CSV),
        previous.run_date,
    )?;
    let views: Vec<PathBuf> = [files::LEDGER_CSV, files::LEDGER_XLSX]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    let mut present = vec![false; previous.cases.len()];
    for path in &views {
        for sheet in read_sheets(path, &|h| is_ledger_header(h))? {
            previous.take_notes(&sheet, ledger_columns, &mut present);
        }
    }
    // A stray file handed back with the ledgers (a salary sheet, a 说明.txt) is skipped
    // and listed; a file named with --worked was meant as a ledger and must be one.
    for path in returned_files(&dir.join(files::RETURNED_DIR))? {
        if path.is_dir() {
            previous.skipped_files.push(SkippedFile {
                file: path.display().to_string(),
                why: "a folder: put the ledgers in returned/ itself".to_string(),
            });
            continue;
        }
        match returned_sheets(&path) {
            Ok(sheets) => {
                for sheet in sheets {
                    previous.take_notes(&sheet, ledger_columns, &mut present);
                }
            }
            Err(why) => previous.skipped_files.push(SkippedFile {
                file: path.display().to_string(),
                why,
            }),
        }
    }
    for path in worked {
        for sheet in read_sheets(path, &|h| is_ledger_header(h))? {
            previous.take_notes(&sheet, ledger_columns, &mut present);
        }
    }
    if !previous.worked_files.is_empty() {
        previous.missing_from_worked = present.iter().filter(|p| !**p).count() as u64;
    }
    Ok(previous)
}

/// The run directory to carry on when `--previous` names the folder of the nightly runs
/// rather than one run: the one of the latest run date before `run_date` (by name among
/// equals), other than `out`. None there is bad input: on the first night, leave out
/// `--previous`.
pub fn latest_run(parent: &Path, run_date: Date, out: &Path) -> anyhow::Result<PathBuf> {
    let shown = parent.display();
    latest_before(parent, run_date, out)?.ok_or_else(|| {
        bad_input(format!(
            "--previous {shown}: neither a run directory nor a folder holding one from before {run_date}; \
             on the first night leave out --previous"
        ))
    })
}

/// The run directory in `parent` of the latest run date before `run_date`, other than
/// `out`, if any.
pub fn latest_before(parent: &Path, run_date: Date, out: &Path) -> anyhow::Result<Option<PathBuf>> {
    let out = std::fs::canonicalize(out).ok();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(parent)
        .map_err(|e| bad_input(format!("--previous {}: cannot read: {e}", parent.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.join(files::MANIFEST_JSON).is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .filter(|p| out.is_none() || std::fs::canonicalize(p).ok() != out)
        .collect();
    entries.sort();
    let mut best: Option<(Date, Vec<PathBuf>)> = None;
    for path in entries {
        let Ok(stamp) = read_manifest(&path) else {
            continue;
        };
        if stamp.run_date >= run_date {
            continue;
        }
        match &mut best {
            Some((d, paths)) if stamp.run_date == *d => paths.push(path),
            Some((d, _)) if stamp.run_date < *d => {}
            _ => best = Some((stamp.run_date, vec![path])),
        }
    }
    match best {
        None => Ok(None),
        Some((_, mut paths)) if paths.len() == 1 => Ok(paths.pop()),
        // Two runs of one night (a copy kept aside, a rerun into another folder): which
        // one staff worked is not for sanku to guess.
        Some((date, paths)) => Err(bad_input(format!(
            "--previous {}: {} runs of the night {date} ({}); give the one to carry on",
            parent.display(),
            paths.len(),
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What a run directory's manifest.json says of the run, for carrying it on.
pub struct RunStamp {
    /// Its run date; a run made before run dates stood for its as-of date.
    pub run_date: Date,
    pub pseudonymized: bool,
    pub key_fingerprint: Option<String>,
}

/// Reads a run directory's manifest.json.
pub fn read_manifest(dir: &Path) -> anyhow::Result<RunStamp> {
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
    let settings = &manifest["settings"];
    let run_date = settings["run_date"]
        .as_str()
        .or(settings["as_of"].as_str())
        .and_then(Date::parse)
        .ok_or_else(|| bad_input(format!("{shown}: no run date")))?;
    Ok(RunStamp {
        run_date,
        pseudonymized: settings["pseudonymized"] == true,
        key_fingerprint: settings["key_fingerprint"].as_str().map(str::to_string),
    })
}

/// The cases of the previous ledger.parquet.
fn read_cases(path: &Path) -> anyhow::Result<Vec<PreviousCase>> {
    Ok(super::ledger::read_ledger(path, &[])?
        .into_iter()
        .map(|row| PreviousCase {
            case_id: row.case_id,
            id_number: row.id_number,
            name: row.name,
            sex: row.sex,
            birth_date: row.birth_date,
            division_code: row.division_code,
            reason: row.reason,
            first_flagged: row.first_flagged,
        })
        .collect())
}

/// The children returns.csv lists. A run made before the list has none: the cases its
/// closed.csv closed as returned, on its night, stand for it. A column missing from either
/// reads empty.
fn read_returns(path: &Path, closed: &Path, night: Date) -> anyhow::Result<Vec<Return>> {
    use super::cases::returns_col as col;
    let (file, marker) = match (path.is_file(), closed.is_file()) {
        (true, _) => (path, col::RETURNED_ON),
        (false, true) => (closed, super::cases::closed_col::CLOSED_REASON),
        (false, false) => return Ok(Vec::new()),
    };
    let from_closed = file == closed;
    let mut returns = Vec::new();
    for sheet in read_sheets(file, &|h| h.iter().any(|c| c == marker))? {
        let at = |name: &str| sheet.header.iter().position(|h| h == name);
        let columns = [
            col::CASE_ID,
            col::ID_NUMBER,
            col::NAME,
            col::DIVISION_CODE,
            col::FIRST_FLAGGED,
            col::RETURNED_ON,
            col::SCHOOL_CODE,
            col::STUDENT_NO,
        ]
        .map(at);
        let reason = at(super::cases::closed_col::CLOSED_REASON);
        for (_, cells) in &sheet.rows {
            let value = |c: Option<usize>| {
                c.and_then(|c| cells.get(c))
                    .map_or(String::new(), |v| clean_cell(v).to_string())
            };
            let closure = value(reason);
            if from_closed
                && crate::ground::vocab::canonical_word("closed_reason", &closure) != "returned"
            {
                continue;
            }
            let [
                case_id,
                id_number,
                name,
                division_code,
                first_flagged,
                returned_on,
                school_code,
                student_no,
            ] = columns.map(value);
            if id_number.is_empty() {
                continue;
            }
            returns.push(Return {
                case_id,
                id_number,
                name,
                division_code,
                first_flagged,
                returned_on: if from_closed {
                    night.to_string()
                } else {
                    returned_on
                },
                school_code,
                student_no,
            });
        }
    }
    Ok(returns)
}

/// history.csv's rows in the order of `columns` (a column it lacks is empty); no file, no
/// rows.
fn read_trend(path: &Path, columns: &[&str]) -> anyhow::Result<Vec<Vec<String>>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    let night = |h: &String| h == "run_date" || h == "as_of";
    for sheet in read_sheets(path, &|h| h.iter().any(night))? {
        // A history.csv written before run dates names its nights in `as_of`.
        let index: Vec<Option<usize>> = columns
            .iter()
            .map(|c| {
                let at = sheet.header.iter().position(|h| h == c);
                at.or_else(|| (*c == "run_date").then(|| sheet.header.iter().position(night))?)
            })
            .collect();
        rows.extend(sheet.rows.iter().map(|(_, cells)| {
            index
                .iter()
                .zip(columns)
                .map(|(i, c)| {
                    let value = i.and_then(|i| cells.get(i)).map_or("", |v| clean_cell(v));
                    crate::ground::vocab::canonical_word(c, value).to_string()
                })
                .collect::<Vec<String>>()
        }));
    }
    Ok(rows)
}
