//! The result of a reconcile of encodings, with tokens in place of ID and student numbers
//! and no names: ledger.csv and ledger.parquet (the provinces' flagged children less those
//! found in school elsewhere, by province, case ID and token), per province
//! `provinces/CODE/enrolled_elsewhere.csv` and `identified_records.csv` (each record by its
//! row in the province's residuals, which the province holds in clear), review.csv,
//! links.parquet, summary.csv and summary.json.

use std::path::Path;

use serde::Serialize;

use super::compare::LEVELS;
use super::inputs::Encoding;
use super::link::Weighed;
use super::national::National;
use super::pool::{Entry, Pool};
use crate::ground::schema::files;
use crate::reconcile::write::{ENROLLED_ELSEWHERE_CSV, IDENTIFIED_RECORDS_CSV};
use crate::rundir::atomic::{create_subdir, write_atomic, write_parquet};
use crate::rundir::csv::{format_weight, write_csv};
use crate::rundir::table::text_frame;

/// The counts of one province (or of the country, `province` "total").
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    pub province: String,
    pub cohort: u64,
    pub flagged_in_province: u64,
    pub enrolled_elsewhere: u64,
    pub flagged: u64,
    /// Flagged children linked to a poverty member of another province.
    pub poor_elsewhere: u64,
    /// Student rows no child of the province took.
    pub student_rows_left: u64,
    /// Of those, tied to a child of another province.
    pub student_rows_identified: u64,
    pub poverty_identified: u64,
}

const SUMMARY: [&str; 9] = [
    "province",
    "cohort",
    "flagged_in_province",
    "enrolled_elsewhere",
    "flagged",
    "poor_elsewhere",
    "student_rows_left",
    "student_rows_identified",
    "poverty_identified",
];

/// Counts by province, then the total.
pub fn counts(encodings: &[Encoding], pool: &Pool, national: &National) -> Vec<Counts> {
    let mut rows: Vec<Counts> = encodings
        .iter()
        .map(|e| Counts {
            province: e.province.clone(),
            cohort: e.manifest.settings.cohort,
            ..Default::default()
        })
        .collect();
    for (c, child) in pool.children.iter().enumerate() {
        let row = &mut rows[usize::from(child.run)];
        row.flagged_in_province += 1;
        match national.elsewhere(c) {
            true => row.enrolled_elsewhere += 1,
            false => {
                row.flagged += 1;
                row.poor_elsewhere += u64::from(national.poor[c].is_some());
            }
        }
    }
    for s in &pool.students {
        rows[usize::from(s.run)].student_rows_left += 1;
    }
    for l in &national.students.links {
        rows[usize::from(pool.students[l.record as usize].run)].student_rows_identified += 1;
    }
    for l in &national.poverty.links {
        rows[usize::from(pool.poverty[l.record as usize].run)].poverty_identified += 1;
    }
    let mut total = Counts {
        province: "total".into(),
        ..Default::default()
    };
    for r in &rows {
        total.cohort += r.cohort;
        total.flagged_in_province += r.flagged_in_province;
        total.enrolled_elsewhere += r.enrolled_elsewhere;
        total.flagged += r.flagged;
        total.poor_elsewhere += r.poor_elsewhere;
        total.student_rows_left += r.student_rows_left;
        total.student_rows_identified += r.student_rows_identified;
        total.poverty_identified += r.poverty_identified;
    }
    rows.push(total);
    rows
}

/// Writes every file of the result into `dir` but the manifest.
pub fn write_national(
    dir: &Path,
    encodings: &[Encoding],
    pool: &Pool,
    national: &National,
    counts: &[Counts],
) -> anyhow::Result<()> {
    let cells = Cells { encodings, pool };
    write_ledger(dir, &cells, national)?;
    let provinces = dir.join("provinces");
    create_subdir(&provinces)?;
    for (run, encoding) in encodings.iter().enumerate() {
        let sub = provinces.join(&encoding.province);
        create_subdir(&sub)?;
        write_elsewhere(&sub, &cells, national, run)?;
        write_identified(&sub, &cells, national, run)?;
    }
    write_pairs(dir, &cells, national)?;
    write_csv(
        dir,
        files::SUMMARY_CSV,
        &SUMMARY,
        counts.iter().map(|c| {
            let numbers = [
                c.cohort,
                c.flagged_in_province,
                c.enrolled_elsewhere,
                c.flagged,
                c.poor_elsewhere,
                c.student_rows_left,
                c.student_rows_identified,
                c.poverty_identified,
            ];
            std::iter::once(c.province.clone())
                .chain(numbers.iter().map(u64::to_string))
                .collect::<Vec<_>>()
        }),
    )?;
    write_atomic(dir, files::SUMMARY_JSON, |out| {
        serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "provinces": counts }))?;
        std::io::Write::write_all(out, b"\n")?;
        Ok(())
    })?;
    Ok(())
}

/// The cells of the encoded rows.
struct Cells<'a> {
    encodings: &'a [Encoding],
    pool: &'a Pool,
}

impl Cells<'_> {
    fn get(&self, e: &Entry, name: &str) -> String {
        self.encodings[usize::from(e.run)]
            .rows
            .get(e.row as usize, name)
            .to_string()
    }

    fn province(&self, e: &Entry) -> String {
        self.encodings[usize::from(e.run)].province.clone()
    }

    /// The row's place in its province's residuals.parquet, from 1.
    fn residual_row(e: &Entry) -> String {
        (e.row + 1).to_string()
    }
}

const LEDGER: [&str; 12] = [
    "province",
    "case_id",
    "id_number",
    "id_class",
    "sex",
    "division_code",
    "reason",
    "record_status",
    "status",
    "record_elsewhere_province",
    "record_elsewhere_status",
    "poor_elsewhere_province",
];

/// The national ledger: every flagged child not found in school elsewhere, by province,
/// division and case ID.
fn write_ledger(dir: &Path, cells: &Cells, national: &National) -> anyhow::Result<()> {
    let pool = cells.pool;
    let mut rows: Vec<Vec<String>> = pool
        .children
        .iter()
        .enumerate()
        .filter(|(c, _)| !national.elsewhere(*c))
        .map(|(c, child)| {
            let mut row: Vec<String> = LEDGER[..9].iter().map(|n| cells.get(child, n)).collect();
            let other = national.not_in_school[c].map(|l| &pool.students[l.record as usize]);
            row.push(other.map_or(String::new(), |r| cells.province(r)));
            row.push(other.map_or(String::new(), |r| cells.get(r, "status")));
            let poor = national.poor[c].map(|l| &pool.poverty[l.record as usize]);
            row.push(poor.map_or(String::new(), |p| cells.province(p)));
            row
        })
        .collect();
    rows.sort_by(|a, b| (&a[0], &a[5], &a[1], &a[2]).cmp(&(&b[0], &b[5], &b[1], &b[2])));
    write_csv(dir, files::LEDGER_CSV, &LEDGER, rows.iter().cloned())?;
    write_parquet(dir, files::LEDGER_PARQUET, &text_frame(&LEDGER, &rows)?)
}

const ELSEWHERE: [&str; 10] = [
    "case_id",
    "id_number",
    "division_code",
    "reason_in_province",
    "study_province",
    "residual_row",
    "student_no",
    "record_id_number",
    "record_status",
    "weight",
];

fn write_elsewhere(
    sub: &Path,
    cells: &Cells,
    national: &National,
    run: usize,
) -> anyhow::Result<()> {
    let pool = cells.pool;
    let rows = pool
        .children
        .iter()
        .enumerate()
        .filter(|(_, child)| usize::from(child.run) == run)
        .filter_map(|(c, child)| national.in_school[c].map(|l| (child, l)))
        .map(|(child, link)| {
            let record = &pool.students[link.record as usize];
            vec![
                cells.get(child, "case_id"),
                cells.get(child, "id_number"),
                cells.get(child, "division_code"),
                cells.get(child, "reason"),
                cells.province(record),
                Cells::residual_row(record),
                cells.get(record, "student_no"),
                cells.get(record, "id_number"),
                cells.get(record, "status"),
                format_weight(Some(link.weight)),
            ]
        });
    write_csv(sub, ENROLLED_ELSEWHERE_CSV, &ELSEWHERE, rows)
}

const IDENTIFIED: [&str; 10] = [
    "source",
    "residual_row",
    "student_no",
    "id_number",
    "division_code",
    "record_status",
    "child_province",
    "child_case_id",
    "child_id_number",
    "weight",
];

fn write_identified(
    sub: &Path,
    cells: &Cells,
    national: &National,
    run: usize,
) -> anyhow::Result<()> {
    let pool = cells.pool;
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    for (source, side, links) in [
        ("students", &pool.students, &national.students.links),
        ("poverty", &pool.poverty, &national.poverty.links),
    ] {
        for link in links {
            let record = &side[link.record as usize];
            if usize::from(record.run) != run {
                continue;
            }
            let child = &pool.children[link.child as usize];
            rows.push((
                record.row,
                vec![
                    source.to_string(),
                    Cells::residual_row(record),
                    cells.get(record, "student_no"),
                    cells.get(record, "id_number"),
                    cells.get(record, "division_code"),
                    cells.get(record, "status"),
                    cells.province(child),
                    cells.get(child, "case_id"),
                    cells.get(child, "id_number"),
                    format_weight(Some(link.weight)),
                ],
            ));
        }
    }
    rows.sort();
    write_csv(
        sub,
        IDENTIFIED_RECORDS_CSV,
        &IDENTIFIED,
        rows.into_iter().map(|(_, r)| r),
    )
}

/// review.csv (the pairs in the review band) and links.parquet (the pairs linked), each
/// with its weight and its level per field.
fn write_pairs(dir: &Path, cells: &Cells, national: &National) -> anyhow::Result<()> {
    let mut header = vec![
        "source",
        "child_province",
        "case_id",
        "id_number",
        "record_province",
        "residual_row",
        "student_no",
        "record_id_number",
        "record_status",
        "weight",
    ];
    let level_names: Vec<String> = super::compare::FIELDS
        .iter()
        .map(|f| format!("{f}_level"))
        .collect();
    header.extend(level_names.iter().map(String::as_str));
    let pool = cells.pool;
    let rows = |pick: fn(&super::link::Linked) -> &[Weighed]| -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for (source, side, linked) in [
            ("students", &pool.students, national.students),
            ("poverty", &pool.poverty, national.poverty),
        ] {
            for pair in pick(linked) {
                let (child, record) = (
                    &pool.children[pair.child as usize],
                    &side[pair.record as usize],
                );
                let mut row = vec![
                    source.to_string(),
                    cells.province(child),
                    cells.get(child, "case_id"),
                    cells.get(child, "id_number"),
                    cells.province(record),
                    Cells::residual_row(record),
                    cells.get(record, "student_no"),
                    cells.get(record, "id_number"),
                    cells.get(record, "status"),
                    format_weight(Some(pair.weight)),
                ];
                row.extend(
                    pair.levels
                        .iter()
                        .enumerate()
                        .map(|(f, &l)| LEVELS[f][usize::from(l)].to_string()),
                );
                rows.push(row);
            }
        }
        rows
    };
    let review = rows(|l| &l.review);
    write_csv(dir, files::REVIEW_CSV, &header, review)?;
    let links = rows(|l| &l.links);
    write_parquet(dir, files::LINKS_PARQUET, &text_frame(&header, &links)?)
}
