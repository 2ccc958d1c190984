//! links.parquet: every link, with both keys, the method and the weight, sorted by source,
//! population ID and record key.

use std::path::Path;

use std::borrow::Cow;

use polars::prelude::*;
use rayon::prelude::*;

use super::atomic::write_parquet;
use crate::cohort::Cohort;
use crate::link::{Link, Links};
use crate::normalize::Registers;
use crate::schema::{columns, files};

/// One link: source, child (cohort order is ID order), record key, method, weight.
type LinkRow<'a> = (&'static str, usize, Cow<'a, str>, &'static str, Option<f64>);

/// What the outputs show of one record of a fuzzily linked source.
pub struct LinkedRecord<'a> {
    /// The record's key in links.parquet: the student number, or the poverty member's ID
    /// number (its household number when the ID is missing).
    pub key: String,
    pub id: &'a str,
    pub name: &'a str,
}

/// Record `r` of `source` ("students" or "poverty").
pub fn linked_record<'a>(registers: &'a Registers, source: &str, r: usize) -> LinkedRecord<'a> {
    if source == "students" {
        let s = &registers.students.rows[r];
        LinkedRecord {
            key: s.student_no.to_string(),
            id: &s.id.text,
            name: &s.name,
        }
    } else {
        let m = &registers.poverty.rows[r];
        let key = if m.id.text.is_empty() {
            format!("household {}", m.household_no)
        } else {
            m.id.text.to_string()
        };
        LinkedRecord {
            key,
            id: &m.id.text,
            name: &m.name,
        }
    }
}

fn link_rows<'a>(
    source: &'static str,
    list: &[Link],
    key: impl Fn(usize) -> Cow<'a, str> + Sync,
) -> Vec<LinkRow<'a>> {
    list.par_iter()
        .map(|l| (source, l.child, key(l.record), l.method.key(), l.weight))
        .collect()
}

/// Writes links.parquet.
pub fn write_links(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let students = &registers.students.rows;
    let mut rows: Vec<LinkRow> = link_rows("students", &links.students, |r| {
        Cow::Borrowed(students[r].student_no.as_str())
    });
    rows.extend(link_rows("poverty", &links.poverty, |r| {
        Cow::Owned(linked_record(registers, "poverty", r).key)
    }));
    if let Some(exemptions) = &registers.exemptions {
        rows.extend(link_rows("exemptions", &links.exemptions, |r| {
            Cow::Borrowed(exemptions.rows[r].id.text.as_str())
        }));
    }
    rows.par_sort_unstable_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));

    let c = &columns::LINKS;
    let mut frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new(c[0].into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new(
                c[1].into(),
                rows.iter()
                    .map(|r| cohort.children[r.1].id.text.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c[2].into(),
                rows.iter().map(|r| r.2.as_ref()).collect::<Vec<_>>(),
            ),
            Column::new(c[3].into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
            Column::new(
                c[4].into(),
                rows.iter().map(|r| r.4).collect::<Vec<Option<f64>>>(),
            ),
        ],
    )?;
    write_parquet(dir, files::LINKS_PARQUET, &mut frame)
}
