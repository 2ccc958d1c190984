//! links.parquet: every link, with both keys, the method and the weight, sorted by source,
//! population ID and record key.

use std::path::Path;

use polars::prelude::*;

use super::atomic::write_atomic;
use crate::cohort::Cohort;
use crate::link::{Link, Links};
use crate::normalize::Registers;
use crate::schema::{columns, files};

struct LinkRow {
    source: &'static str,
    population_id: String,
    record_key: String,
    method: &'static str,
    weight: Option<f64>,
}

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
            key: s.student_no.clone(),
            id: &s.id.text,
            name: &s.name,
        }
    } else {
        let m = &registers.poverty.rows[r];
        let key = if m.id.text.is_empty() {
            format!("household {}", m.household_no)
        } else {
            m.id.text.clone()
        };
        LinkedRecord {
            key,
            id: &m.id.text,
            name: &m.name,
        }
    }
}

/// Writes links.parquet.
pub fn write_links(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut add = |source: &'static str, list: &[Link], key: &dyn Fn(usize) -> String| {
        rows.extend(list.iter().map(|l| LinkRow {
            source,
            population_id: cohort.children[l.child].id.text.clone(),
            record_key: key(l.record),
            method: l.method.key(),
            weight: l.weight,
        }));
    };
    add("students", &links.students, &|r| {
        linked_record(registers, "students", r).key
    });
    add("poverty", &links.poverty, &|r| {
        linked_record(registers, "poverty", r).key
    });
    if let Some(exemptions) = &registers.exemptions {
        add("exemptions", &links.exemptions, &|r| {
            exemptions.rows[r].id.text.clone()
        });
    }
    rows.sort_by(|a, b| {
        (a.source, &a.population_id, &a.record_key).cmp(&(
            b.source,
            &b.population_id,
            &b.record_key,
        ))
    });

    let c = &columns::LINKS;
    let mut frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                c[0].into(),
                rows.iter().map(|r| r.source).collect::<Vec<_>>(),
            ),
            Column::new(
                c[1].into(),
                rows.iter()
                    .map(|r| r.population_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c[2].into(),
                rows.iter()
                    .map(|r| r.record_key.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c[3].into(),
                rows.iter().map(|r| r.method).collect::<Vec<_>>(),
            ),
            Column::new(
                c[4].into(),
                rows.iter().map(|r| r.weight).collect::<Vec<Option<f64>>>(),
            ),
        ],
    )?;
    write_atomic(dir, files::LINKS_PARQUET, |out| {
        ParquetWriter::new(out).finish(&mut frame)?;
        Ok(())
    })?;
    Ok(())
}
