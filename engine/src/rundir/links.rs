//! links.parquet: every link, with both keys, the method and the weight, sorted by source,
//! population ID and record key.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::table::{DeclaredColumn, Sensitivity, names};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::{Link, Links};
use crate::pipeline::load::parquet::{
    number_column, read_columns_where, read_frame_where, required_text_column,
};
use crate::pipeline::normalize::Registers;

/// The columns of links.parquet.
pub(super) const LINKS: [DeclaredColumn; 5] = [
    DeclaredColumn::new("source", Sensitivity::Code),
    DeclaredColumn::new("population_id", Sensitivity::Id),
    DeclaredColumn::new("record_key", Sensitivity::Id),
    DeclaredColumn::new("method", Sensitivity::Code),
    DeclaredColumn::new("weight", Sensitivity::Count),
];

/// What the outputs show of one record of a fuzzily linked source.
pub struct LinkedRecord<'a> {
    /// The record's key in links.parquet: the student number, or the poverty member's ID
    /// number (its household number when the ID is missing).
    pub key: String,
    pub id: &'a str,
    pub name: &'a str,
}

/// The key of record `r` of `source` ("students" or "poverty"), borrowed where it can be.
pub fn record_key<'a>(registers: &'a Registers, source: &str, r: usize) -> Cow<'a, str> {
    if source == "students" {
        Cow::Borrowed(registers.students.rows[r].student_no.as_str())
    } else {
        let m = &registers.poverty.rows[r];
        if m.id.text.is_empty() {
            Cow::Owned(format!("household {}", m.household_no))
        } else {
            Cow::Borrowed(m.id.text.as_str())
        }
    }
}

/// Record `r` of `source` ("students" or "poverty").
pub fn linked_record<'a>(registers: &'a Registers, source: &str, r: usize) -> LinkedRecord<'a> {
    let key = record_key(registers, source, r).into_owned();
    if source == "students" {
        let s = &registers.students.rows[r];
        LinkedRecord {
            key,
            id: &s.id.text,
            name: &s.name,
        }
    } else {
        let m = &registers.poverty.rows[r];
        LinkedRecord {
            key,
            id: &m.id.text,
            name: &m.name,
        }
    }
}

/// Writes links.parquet. Each source's links are sorted by child (cohort order is ID
/// order), so the sources in name order are the file's order.
pub fn write_links(
    out: &Writer,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let students = &registers.students.rows;
    let student_no = |r: usize| Cow::Borrowed(students[r].student_no.as_str());
    let member_key = |r: usize| record_key(registers, "poverty", r);
    let exemption_id = |r: usize| {
        let exemptions = registers.exemptions.as_ref().expect("exemption links");
        Cow::Borrowed(exemptions.rows[r].id.text.as_str())
    };
    let certificate_id = |r: usize| {
        let disability = registers.disability.as_ref().expect("disability links");
        Cow::Borrowed(disability.rows[r].id.text.as_str())
    };
    // A payment by its student number, else its ID, else its line.
    let payment_key = |r: usize| {
        let a = &registers.aid.as_ref().expect("aid links").rows[r];
        match (a.student_no.is_empty(), a.id.text.is_empty()) {
            (false, _) => Cow::Borrowed(a.student_no.as_str()),
            (true, false) => Cow::Borrowed(a.id.text.as_str()),
            (true, true) => Cow::Owned(format!("line {}", a.line)),
        }
    };
    let sources: [Source; 5] = [
        ("aid", &links.aid, &payment_key),
        ("disability", &links.disability, &certificate_id),
        ("exemptions", &links.exemptions, &exemption_id),
        ("poverty", &links.poverty, &member_key),
        ("students", &links.students, &student_no),
    ];
    let total = sources.iter().map(|(_, list, _)| list.len()).sum();
    let [source, population_id, record_key, method, weight] = names(&LINKS);
    out.parquet_batches(files::LINKS_PARQUET, total, |range| {
        let rows = rows_in(&sources, range);
        debug_assert!(rows.is_sorted_by_key(|(s, l, _)| (*s, l.child)));
        let keys: Vec<Cow<str>> = rows.par_iter().map(|(_, l, key)| key(l.record)).collect();
        Ok(DataFrame::new(
            rows.len(),
            vec![
                Column::new(source.into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
                Column::new(
                    population_id.into(),
                    rows.iter()
                        .map(|r| cohort.children[r.1.child].id.text.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    record_key.into(),
                    keys.iter().map(|k| k.as_ref()).collect::<Vec<_>>(),
                ),
                Column::new(
                    method.into(),
                    rows.iter().map(|r| r.1.method.key()).collect::<Vec<_>>(),
                ),
                Column::new(
                    weight.into(),
                    rows.iter()
                        .map(|r| r.1.weight)
                        .collect::<Vec<Option<f64>>>(),
                ),
            ],
        )?)
    })
}

/// The key of a source's record `r` in the file.
type RecordKey<'a> = &'a (dyn Fn(usize) -> Cow<'a, str> + Sync);

/// A source's name, its links and its record keys.
type Source<'a> = (&'static str, &'a [Link], RecordKey<'a>);

/// The rows at `range` of the sources' links laid end to end.
fn rows_in<'a>(
    sources: &[Source<'a>],
    range: Range<usize>,
) -> Vec<(&'static str, &'a Link, RecordKey<'a>)> {
    let mut rows = Vec::with_capacity(range.len());
    let mut start = 0;
    for &(source, list, key) in sources {
        let end = start + list.len();
        let (from, to) = (range.start.max(start), range.end.min(end));
        if from < to {
            rows.extend(
                list[from - start..to - start]
                    .iter()
                    .map(|l| (source, l, key)),
            );
        }
        start = end;
    }
    rows
}

/// A row of links.parquet read back.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkEntry {
    pub source: String,
    pub population_id: String,
    pub record_key: String,
    pub method: String,
    /// The pair's weight; none for an exact link.
    pub weight: Option<f64>,
}

/// The source and the child of each link to `sources` in links.parquet at `path`: what
/// `sanku diff` needs of a province's links, read without the other columns.
pub fn read_linked_children(
    path: &Path,
    sources: &[&str],
) -> anyhow::Result<Vec<(String, String)>> {
    let [source, population_id, ..] = names(&LINKS);
    let predicate = sources
        .iter()
        .map(|s| col(source).eq(lit(*s)))
        .reduce(|a, b| a.or(b));
    let frame = read_columns_where(path, Some(&[source, population_id]), predicate)?;
    let text = |name: &str| required_text_column(&frame, name, path, "a run's links");
    Ok(text(source)?
        .into_iter()
        .zip(text(population_id)?)
        .collect())
}

/// Which links [`read_links`] reads.
#[derive(Clone, Copy, Debug)]
pub enum LinkFilter<'a> {
    All,
    /// The links of this child or record.
    About(&'a str),
}

/// Reads the links of links.parquet at `path` that `filter` keeps, filtered while
/// scanning.
pub fn read_links(path: &Path, filter: LinkFilter) -> anyhow::Result<Vec<LinkEntry>> {
    let [source, population_id, record_key, method, weight] = names(&LINKS);
    let predicate = match filter {
        LinkFilter::All => None,
        LinkFilter::About(key) => Some(
            col(population_id)
                .eq(lit(key))
                .or(col(record_key).eq(lit(key))),
        ),
    };
    let frame = read_frame_where(path, predicate)?;
    let text = |name: &str| required_text_column(&frame, name, path, "a run's links");
    let weights = number_column(&frame, weight);
    Ok(text(source)?
        .into_iter()
        .zip(text(population_id)?)
        .zip(text(record_key)?)
        .zip(text(method)?)
        .zip(weights)
        .map(
            |((((source, population_id), record_key), method), weight)| LinkEntry {
                source,
                population_id,
                record_key,
                method,
                weight,
            },
        )
        .collect())
}
