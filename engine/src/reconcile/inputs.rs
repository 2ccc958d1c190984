//! The provinces' run directories a reconcile reads: each a `sanku run --residuals` of one
//! province, all of one as-of date, one version of sanku, one linkage setting and one
//! treatment of identities (all in clear, or all pseudonymised under one key). Anything
//! else is bad input naming the directory and what to fix, before anything is written.

use std::path::{Path, PathBuf};

use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::load::parquet::read_columns_where;
use crate::rundir::manifest::{Manifest, read_manifest};
use crate::rundir::residuals;

/// One province's run, as the reconcile reads it.
pub struct ProvinceRun {
    pub dir: PathBuf,
    /// The two-digit province code.
    pub province: String,
    pub manifest: Manifest,
    /// The rows of residuals.parquet.
    pub residuals: Residuals,
    pub residuals_sha256: String,
}

impl ProvinceRun {
    /// The children of the province's cohort.
    pub fn cohort_size(&self) -> u64 {
        self.manifest
            .results
            .as_ref()
            .map_or(0, |r| r.population.in_cohort)
    }
}

/// A province's residual rows, column by column: each column's cells one after another
/// in one text, with where each ends, so that a country's residuals cost their text and
/// four bytes a cell (as rows of strings they cost six times that).
pub struct Residuals {
    names: Vec<&'static str>,
    columns: Vec<TextColumn>,
    len: usize,
}

struct TextColumn {
    text: String,
    ends: Vec<u32>,
}

impl Residuals {
    /// Reads residuals.parquet one column at a time; a missing column is bad input.
    fn read(path: &Path) -> anyhow::Result<Residuals> {
        Residuals::read_columns(
            path,
            residuals::column_names(),
            "run the province again with --residuals",
        )
    }

    /// Reads the columns `names` of a Parquet file sanku wrote, one at a time; a missing
    /// column is bad input, told how to `fix` it.
    pub(super) fn read_columns(
        path: &Path,
        names: Vec<&'static str>,
        fix: &str,
    ) -> anyhow::Result<Residuals> {
        let mut columns = Vec::with_capacity(names.len());
        let mut len = None;
        for name in &names {
            let frame = read_columns_where(path, Some(&[name]), None).map_err(|_| {
                bad_input(format!(
                    "{}: no column `{name}`, or not a file sanku wrote; {fix}",
                    path.display()
                ))
            })?;
            let cells = frame
                .column(name)
                .and_then(|c| c.cast(&polars::prelude::DataType::String))
                .map_err(|e| bad_input(format!("{}: column `{name}`: {e}", path.display())))?;
            let mut column = TextColumn {
                text: String::new(),
                ends: Vec::with_capacity(cells.len()),
            };
            let cells = cells
                .str()
                .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
            for cell in cells.iter() {
                column.text.push_str(cell.unwrap_or(""));
                let end = u32::try_from(column.text.len()).map_err(|_| {
                    bad_input(format!(
                        "{}: column `{name}` holds over 4 GB",
                        path.display()
                    ))
                })?;
                column.ends.push(end);
            }
            if *len.get_or_insert(column.ends.len()) != column.ends.len() {
                return Err(bad_input(format!(
                    "{}: columns of unequal length",
                    path.display()
                )));
            }
            columns.push(column);
        }
        Ok(Residuals {
            names,
            columns,
            len: len.unwrap_or(0),
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Lets go of the cells of columns `names` (each cell then reads empty): what is
    /// no longer read need not be held.
    pub fn forget(&mut self, names: &[&str]) {
        for (name, column) in self.names.iter().zip(&mut self.columns) {
            if names.contains(name) {
                column.text = String::new();
                column.ends = vec![0; self.len];
            }
        }
    }

    /// The cell of column `name` in row `row`.
    pub fn get(&self, row: usize, name: &str) -> &str {
        let at = self
            .names
            .iter()
            .position(|n| *n == name)
            .expect("declared");
        let column = &self.columns[at];
        let start = if row == 0 {
            0
        } else {
            column.ends[row - 1] as usize
        };
        &column.text[start..column.ends[row] as usize]
    }
}

/// Orders the provinces' directories (runs or encodings, `what`) by province, so that
/// nothing depends on the order they were given in; a province given twice is bad input.
pub(super) fn by_province<T>(
    items: &mut [T],
    of: impl Fn(&T) -> (&String, &PathBuf),
    what: &str,
    hint: &str,
) -> anyhow::Result<()> {
    items.sort_by(|a, b| of(a).0.cmp(of(b).0));
    for pair in items.windows(2) {
        let ((pa, da), (pb, db)) = (of(&pair[0]), of(&pair[1]));
        if pa == pb {
            return Err(bad_input(format!(
                "{} and {} are both {what} of province {pa}; give each province once{hint}",
                da.display(),
                db.display()
            )));
        }
    }
    Ok(())
}

/// Reads and checks the run directories, ordered by province (so that nothing depends on
/// the order they were given in).
pub fn read_runs(dirs: &[PathBuf]) -> anyhow::Result<Vec<ProvinceRun>> {
    let mut runs = dirs
        .iter()
        .map(|dir| read_run(dir))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if runs.len() < 2 {
        return Err(bad_input(
            "give the run directories of at least two provinces: one province has no one to reconcile with",
        ));
    }
    by_province(
        &mut runs,
        |r| (&r.province, &r.dir),
        "runs",
        " (its latest run)",
    )?;
    if let Some(first) = runs.first() {
        for run in &runs[1..] {
            agree(first, run)?;
        }
        if first.manifest.settings.pseudonymized {
            return Err(bad_input(format!(
                "{} and the others are pseudonymised: their residuals carry tokens and no \
                 names, which neither exact linkage (on ID numbers) nor fuzzy linkage (on \
                 names) can use yet; reconcile runs made in clear",
                first.dir.display()
            )));
        }
    }
    Ok(runs)
}

pub(super) fn read_run(dir: &Path) -> anyhow::Result<ProvinceRun> {
    let shown = dir.display();
    if !dir.join(files::MANIFEST_JSON).is_file() {
        return Err(bad_input(format!(
            "{shown} is not a sanku run directory (no manifest.json); give the directories `sanku run --residuals` wrote"
        )));
    }
    let manifest = read_manifest(dir)?;
    if !matches!(manifest.command.as_str(), "run" | "rescore") || manifest.results.is_none() {
        return Err(bad_input(format!(
            "{shown} holds a `sanku {}` directory, not a run; give the directories `sanku run --residuals` wrote",
            manifest.command
        )));
    }
    let path = dir.join(files::RESIDUALS_PARQUET);
    if !path.is_file() {
        return Err(bad_input(format!(
            "{shown}: no {}: the run was made without --residuals; run the province again with --residuals",
            files::RESIDUALS_PARQUET
        )));
    }
    let bytes = std::fs::read(&path).map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
    let residuals_sha256 = {
        use sha2::Digest;
        crate::ground::text::hex(&sha2::Sha256::digest(&bytes))
    };
    let residuals = Residuals::read(&path)?;
    let province = manifest
        .results
        .as_ref()
        .map(|r| r.province.clone())
        .unwrap_or_default();
    if province.is_empty() {
        return Err(bad_input(format!(
            "{shown}: the run names no province (its cohort is empty, or it was made by a sanku without residuals); run the province again with --residuals"
        )));
    }
    // The code names a folder of the output: two digits, and the residuals' own.
    let two_digits = province.len() == 2 && province.bytes().all(|b| b.is_ascii_digit());
    if !two_digits || (0..residuals.len()).any(|r| residuals.get(r, "province") != province) {
        return Err(bad_input(format!(
            "{shown}: its manifest's province and its residuals' disagree or are not a two-digit code; run the province again with --residuals"
        )));
    }
    Ok(ProvinceRun {
        dir: dir.to_path_buf(),
        province,
        manifest,
        residuals,
        residuals_sha256,
    })
}

/// Refuses two runs the reconcile cannot put side by side.
fn agree(a: &ProvinceRun, b: &ProvinceRun) -> anyhow::Result<()> {
    let (ma, mb) = (&a.manifest, &b.manifest);
    let (sa, sb) = (&ma.settings, &mb.settings);
    let differ = |what: &str, va: &str, vb: &str, fix: &str| {
        Err(bad_input(format!(
            "{} and {} differ in {what} ({va} and {vb}); {fix}",
            a.dir.display(),
            b.dir.display()
        )))
    };
    if ma.sanku_version != mb.sanku_version {
        return differ(
            "sanku version",
            &ma.sanku_version,
            &mb.sanku_version,
            "run every province with one version of sanku",
        );
    }
    if sa.as_of != sb.as_of {
        return differ(
            "as-of date",
            &sa.as_of,
            &sb.as_of,
            "run every province with one --as-of",
        );
    }
    if sa.pseudonymized != sb.pseudonymized {
        let said = |p: bool| if p { "pseudonymised" } else { "in clear" };
        return differ(
            "identities",
            said(sa.pseudonymized),
            said(sb.pseudonymized),
            "run every province in clear, or every one with --pseudonymize and one key",
        );
    }
    if sa.key_fingerprint != sb.key_fingerprint {
        return differ(
            "pseudonymisation key",
            "one key",
            "another",
            "pseudonymise every province with the key the reconciling authority holds",
        );
    }
    let checks: [(&str, String, String); 3] = [
        ("school-age rule", json(&sa.cohort), json(&sb.cohort)),
        (
            "in-school statuses",
            sa.in_school_statuses.join(","),
            sb.in_school_statuses.join(","),
        ),
        ("linkage settings", json(&linkage(ma)), json(&linkage(mb))),
    ];
    for (what, va, vb) in checks {
        if va != vb {
            return differ(what, &va, &vb, "run every province with one config");
        }
    }
    Ok(())
}

/// The linkage settings of a run (thresholds, m and u given, blocking).
pub fn linkage(manifest: &Manifest) -> crate::pipeline::link::fuzzy::FuzzyOptions {
    manifest
        .results
        .as_ref()
        .map(|r| r.fuzzy_options.clone())
        .unwrap_or_default()
}

/// Settings compared as their JSON.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
