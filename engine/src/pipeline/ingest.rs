//! Stages 1 and 2 fused, `ingest`: each register is read (`load`) chunk by chunk and each
//! chunk normalised (`normalize`) while the next is read; of the population only what
//! later stages need is kept, the rule for what is kept whole passed in (the school-age
//! rule of `cohort`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ground::progress::Progress;
use crate::ground::schema::SourceKind;
use crate::ground::timer::Timer;
use crate::pipeline::load::{self, ChunkWork, InputInfo, SourceOptions};
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::field::Row;
use crate::pipeline::normalize::population::{Population, PopulationBuilder};
use crate::pipeline::normalize::values::Vocabulary;
use crate::pipeline::normalize::{
    Converted, Records, Registers, aid, disability, exemption, join, normalize_table,
    poverty_member, student,
};

/// Rows per chunk: large enough to keep every thread busy, small enough that the text of
/// one chunk (and the next, being read) stays within a few hundred megabytes.
pub const CHUNK_ROWS: usize = 1 << 20;

/// What ingestion reads and how.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub sources: BTreeMap<SourceKind, SourceOptions>,
    pub vocabulary: Vocabulary,
    /// Rows read per chunk of an input file.
    pub chunk_rows: usize,
}

fn required<T>(loaded: Option<T>, kind: SourceKind) -> anyhow::Result<T> {
    loaded.ok_or_else(|| crate::ground::error::bad_input(format!("no {kind} file given")))
}

/// Streams one source (students, poverty, exemptions) through `convert`, chunk by chunk:
/// each chunk is normalised in parallel while the next is read.
fn load_records<T: Send>(
    kind: SourceKind,
    inputs: &Inputs,
    progress: &Progress,
    convert: impl Fn(&Row) -> Converted<T> + Sync,
) -> anyhow::Result<Option<(Vec<InputInfo>, Records<T>)>> {
    let Some(options) = inputs.sources.get(&kind) else {
        return Ok(None);
    };
    let mut records = Records {
        rows: Vec::new(),
        rejects: Vec::new(),
        warnings: Vec::new(),
        rows_in: 0,
    };
    let mut pieces = Vec::new();
    let work = ChunkWork {
        map: &|table| normalize_table(table, &convert),
        reduce: &mut |chunk| {
            records.absorb(chunk.part, &mut pieces);
            Ok(())
        },
    };
    let info = load::stream_table(kind, options, progress, inputs.chunk_rows, work)?;
    records.rows = join(pieces);
    Ok(Some((info, records)))
}

/// Reads and normalises every register: the population streamed down to what later stages
/// need (every row's ID, and whole only the rows whose birth date `keep_whole` accepts),
/// the others whole. Returns what the manifest records of each input file, in source
/// order.
pub fn ingest(
    inputs: &Inputs,
    keep_whole: &(dyn Fn(Date) -> bool + Sync),
    progress: &Progress,
    timer: &mut Timer,
) -> anyhow::Result<(Vec<InputInfo>, Registers)> {
    let vocabulary = &inputs.vocabulary;
    let (population_info, population) = timer.stage("population", || {
        load_population(inputs, keep_whole, progress)
    })?;
    let (students_info, students) = timer.stage("students", || {
        let loaded = load_records(SourceKind::Students, inputs, progress, |row| {
            student(row, vocabulary)
        })?;
        required(loaded, SourceKind::Students)
    })?;
    let (poverty_info, poverty) = timer.stage("poverty", || {
        let loaded = load_records(SourceKind::Poverty, inputs, progress, |row| {
            poverty_member(row, vocabulary)
        })?;
        required(loaded, SourceKind::Poverty)
    })?;
    let exemptions = timer.stage("exemptions", || {
        load_records(SourceKind::Exemptions, inputs, progress, |row| {
            exemption(row, vocabulary)
        })
    })?;
    let disability = timer.stage("disability", || {
        load_records(SourceKind::Disability, inputs, progress, disability)
    })?;
    let aid = timer.stage("aid", || {
        load_records(SourceKind::Aid, inputs, progress, |row| {
            aid(row, vocabulary)
        })
    })?;
    let mut inputs = population_info;
    inputs.extend(students_info);
    inputs.extend(poverty_info);
    let exemptions = optional(exemptions, &mut inputs);
    let disability = optional(disability, &mut inputs);
    let aid = optional(aid, &mut inputs);
    Ok((
        inputs,
        Registers {
            population,
            students,
            poverty,
            exemptions,
            disability,
            aid,
            origins: None,
        },
    ))
}

/// An optional register's records, its files' records added to `inputs`.
fn optional<T>(
    loaded: Option<(Vec<InputInfo>, Records<T>)>,
    inputs: &mut Vec<InputInfo>,
) -> Option<Records<T>> {
    loaded.map(|(info, records)| {
        inputs.extend(info);
        records
    })
}

/// Streams the population file through a [`PopulationBuilder`].
fn load_population(
    inputs: &Inputs,
    keep_whole: &(dyn Fn(Date) -> bool + Sync),
    progress: &Progress,
) -> anyhow::Result<(Vec<InputInfo>, Population)> {
    let options = inputs
        .sources
        .get(&SourceKind::Population)
        .ok_or_else(|| crate::ground::error::bad_input("no population file given"))?;
    let mut builder = PopulationBuilder::new(&inputs.vocabulary, keep_whole);
    let normaliser = builder.normaliser();
    let work = ChunkWork {
        map: &|table| normaliser.chunk(table),
        reduce: &mut |chunk| {
            builder.add(chunk.part);
            Ok(())
        },
    };
    let info = load::stream_table(
        SourceKind::Population,
        options,
        progress,
        inputs.chunk_rows,
        work,
    )?;
    let population = builder.finish();
    Ok((info, population))
}

/// Row accounting of one input file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputRecord {
    #[serde(flatten)]
    pub info: InputInfo,
    pub rows_in: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
}

/// The accounting of one input file: the rows it gave, less those rejected from it.
fn input_record(info: &InputInfo, rejects: &[crate::ground::reject::Reject]) -> InputRecord {
    let rejected = rejects.iter().filter(|r| r.file == info.name).count() as u64;
    InputRecord {
        info: info.clone(),
        rows_in: info.rows_read,
        rows_used: info.rows_read - rejected,
        rows_rejected: rejected,
    }
}

/// The accounting of every input file read into `registers`.
pub fn input_records(inputs: &[InputInfo], registers: &Registers) -> Vec<InputRecord> {
    inputs
        .iter()
        .map(|info| {
            let rejects = SourceKind::from_key(&info.source)
                .map_or(&[][..], |kind| registers.rejects_of(kind));
            input_record(info, rejects)
        })
        .collect()
}
