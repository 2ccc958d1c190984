//! The national result directory: ledger.csv, ledger.parquet and ledger.xlsx (the provincial ledgers
//! less the children found in school elsewhere, with a `province` column first), per
//! province `provinces/CODE/enrolled_elsewhere.csv` and `identified_records.csv`,
//! summary.csv and summary.json by province, review.csv, links.parquet and
//! candidates.parquet of the reconcile's own linkage, and manifest.json.

use std::path::Path;

use serde::Serialize;

use super::inputs::ProvinceRun;
use super::national::National;
use super::pool::{Pool, Source};
use crate::ground::schema::files;
use crate::ground::vocab::Lang;
use crate::pipeline::link::Links;
use crate::rundir::atomic::{create_subdir, write_atomic};
use crate::rundir::csv::{format_weight, write_csv};
use crate::rundir::table::text_frame;
use crate::rundir::writer::{Workbook, Writer};

pub const ENROLLED_ELSEWHERE_CSV: &str = "enrolled_elsewhere.csv";
pub const IDENTIFIED_RECORDS_CSV: &str = "identified_records.csv";

/// The counts of one province (or of the country, `province` "total").
#[derive(Clone, Debug, Default, Serialize)]
pub struct ProvinceCounts {
    pub province: String,
    pub cohort: u64,
    /// Flagged by the province's own run.
    pub flagged_in_province: u64,
    /// Of those, found in school in another province.
    pub enrolled_elsewhere: u64,
    /// Flagged in the national ledger.
    pub flagged: u64,
    pub flagged_poor: u64,
    /// Student registrations (rows of one student number and one child) no child of the
    /// province took.
    pub registrations_left: u64,
    /// Of those, tied to a child of another province.
    pub registrations_identified: u64,
    /// Poverty members no child of the province took, tied to a child of another.
    pub poverty_identified: u64,
}

/// Counts by province, then the total.
pub fn counts(
    runs: &[ProvinceRun],
    (pool, links): (&Pool, &Links),
    national: &National,
) -> Vec<ProvinceCounts> {
    let mut rows: Vec<ProvinceCounts> = runs
        .iter()
        .map(|run| ProvinceCounts {
            province: run.province.clone(),
            cohort: run.cohort_size(),
            flagged_in_province: kind_count(run, "child"),
            ..Default::default()
        })
        .collect();
    for (j, source) in pool.students.iter().enumerate() {
        if links.registrations.stands(j) {
            rows[source.run].registrations_left += 1;
        }
    }
    for e in &national.elsewhere {
        rows[e.child.run].enrolled_elsewhere += 1;
    }
    for (run, cells) in &national.ledger {
        rows[*run].flagged += 1;
        let poor = crate::rundir::ledger::column_names()
            .iter()
            .position(|n| *n == "poor")
            .expect("poor");
        rows[*run].flagged_poor += u64::from(cells[poor] == "1");
    }
    for i in &national.identified {
        match i.source {
            "students" => rows[i.record.run].registrations_identified += 1,
            _ => rows[i.record.run].poverty_identified += 1,
        }
    }
    let mut total = ProvinceCounts {
        province: "total".into(),
        ..Default::default()
    };
    for r in &rows {
        total.cohort += r.cohort;
        total.flagged_in_province += r.flagged_in_province;
        total.enrolled_elsewhere += r.enrolled_elsewhere;
        total.flagged += r.flagged;
        total.flagged_poor += r.flagged_poor;
        total.registrations_left += r.registrations_left;
        total.registrations_identified += r.registrations_identified;
        total.poverty_identified += r.poverty_identified;
    }
    rows.push(total);
    rows
}

fn kind_count(run: &ProvinceRun, kind: &str) -> u64 {
    let residuals = &run.residuals;
    (0..residuals.len())
        .filter(|&r| residuals.get(r, "kind") == kind)
        .count() as u64
}

/// Writes every file of the national result into `dir` but the manifest.
pub fn write_national(
    dir: &Path,
    runs: &[ProvinceRun],
    (pool, links): (&Pool, &Links),
    national: &National,
    (counts, run_date): (&[ProvinceCounts], crate::pipeline::normalize::date::Date),
) -> anyhow::Result<()> {
    let out = crate::rundir::writer(dir, None, Lang::En);
    write_ledger(&out, runs, national, run_date)?;
    let provinces = dir.join("provinces");
    create_subdir(&provinces)?;
    for (r, run) in runs.iter().enumerate() {
        let sub = provinces.join(&run.province);
        create_subdir(&sub)?;
        write_elsewhere(&sub, runs, national, r)?;
        write_identified(&sub, runs, national, r)?;
    }
    write_summary(dir, counts)?;
    crate::rundir::review::write_review(&out, &pool.cohort, &pool.registers, links)?;
    crate::rundir::links::write_links(&out, &pool.cohort, &pool.registers, links)?;
    crate::rundir::candidates::write_candidates(&out, &pool.cohort, &pool.registers, links)
}

/// Writes the national ledger in both formats, and the workbook staff open (its ID
/// numbers are text, never numbers Excel rounds), dated `run_date`.
fn write_ledger(
    out: &Writer,
    runs: &[ProvinceRun],
    national: &National,
    run_date: crate::pipeline::normalize::date::Date,
) -> anyhow::Result<()> {
    let mut names = vec!["province"];
    names.extend(crate::rundir::ledger::column_names());
    let rows: Vec<Vec<String>> = national
        .ledger
        .iter()
        .map(|(run, cells)| {
            std::iter::once(runs[*run].province.clone())
                .chain(cells.iter().cloned())
                .collect()
        })
        .collect();
    let frame = text_frame(&names, &rows)?;
    out.csv_and_workbook(
        files::LEDGER_CSV,
        &names,
        || rows.iter().cloned(),
        &Workbook {
            name: files::LEDGER_XLSX,
            sheet: ("national ledger", "national ledger"),
            created: run_date,
            kinds: crate::rundir::ledger::workbook_kinds(&names),
            streamed: false,
        },
    )?;
    out.parquet(files::LEDGER_PARQUET, &frame)
}

/// A residual row's cell.
fn cell(runs: &[ProvinceRun], s: Source, name: &str) -> String {
    runs[s.run].residuals.get(s.row, name).to_string()
}

const ELSEWHERE: [&str; 15] = [
    "case_id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "division_code",
    "reason_in_province",
    "study_province",
    "school_code",
    "school_division_code",
    "student_no",
    "record_id_number",
    "record_status",
    "method",
    "weight",
];

fn write_elsewhere(
    sub: &Path,
    runs: &[ProvinceRun],
    national: &National,
    run: usize,
) -> anyhow::Result<()> {
    let rows = national
        .elsewhere
        .iter()
        .filter(|e| e.child.run == run)
        .map(|e| {
            let child = |n| cell(runs, e.child, n);
            let record = |n| cell(runs, e.record, n);
            vec![
                child("case_id"),
                child("id_number"),
                child("name"),
                child("sex"),
                child("birth_date"),
                child("division_code"),
                child("reason"),
                runs[e.record.run].province.clone(),
                record("school_code"),
                record("division_code"),
                record("student_no"),
                record("id_number"),
                record("status"),
                e.method.to_string(),
                format_weight(e.weight),
            ]
        });
    write_csv(sub, ENROLLED_ELSEWHERE_CSV, &ELSEWHERE, rows)
}

const IDENTIFIED: [&str; 14] = [
    "source",
    "student_no",
    "household_no",
    "id_number",
    "name",
    "school_code",
    "division_code",
    "record_status",
    "child_province",
    "child_id_number",
    "child_name",
    "child_division_code",
    "method",
    "weight",
];

fn write_identified(
    sub: &Path,
    runs: &[ProvinceRun],
    national: &National,
    run: usize,
) -> anyhow::Result<()> {
    let rows = national
        .identified
        .iter()
        .filter(|i| i.record.run == run)
        .map(|i| {
            let record = |n| cell(runs, i.record, n);
            let child = |n| cell(runs, i.child, n);
            vec![
                i.source.to_string(),
                record("student_no"),
                record("household_no"),
                record("id_number"),
                record("name"),
                record("school_code"),
                record("division_code"),
                record("status"),
                runs[i.child.run].province.clone(),
                child("id_number"),
                child("name"),
                child("division_code"),
                i.method.to_string(),
                format_weight(i.weight),
            ]
        });
    write_csv(sub, IDENTIFIED_RECORDS_CSV, &IDENTIFIED, rows)
}

fn write_summary(dir: &Path, counts: &[ProvinceCounts]) -> anyhow::Result<()> {
    let header = [
        "province",
        "cohort",
        "flagged_in_province",
        "enrolled_elsewhere",
        "flagged",
        "flagged_poor",
        "registrations_left",
        "registrations_identified",
        "poverty_identified",
    ];
    write_csv(
        dir,
        files::SUMMARY_CSV,
        &header,
        counts.iter().map(|c| {
            vec![
                c.province.clone(),
                c.cohort.to_string(),
                c.flagged_in_province.to_string(),
                c.enrolled_elsewhere.to_string(),
                c.flagged.to_string(),
                c.flagged_poor.to_string(),
                c.registrations_left.to_string(),
                c.registrations_identified.to_string(),
                c.poverty_identified.to_string(),
            ]
        }),
    )?;
    write_atomic(dir, files::SUMMARY_JSON, |out| {
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "provinces": counts }))?;
        std::io::Write::write_all(out, b"\n")?;
        Ok(())
    })?;
    Ok(())
}
