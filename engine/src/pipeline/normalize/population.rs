//! The population register, streamed: each chunk of rows is normalised in parallel and
//! only what later stages need is kept — every school-age row in full, and of every row
//! its usable ID number (as an integer, for lookups and duplicate detection) and its
//! province. A province of 100 million people never sits in memory as text or as typed
//! rows.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::{FxHashSet, FxHasher};

use super::date::Date;
use super::field::Row;
use super::id::{IdNumber, id_code, id_text};
use super::id_set::IdSet;
use super::person;
use super::values::Vocabulary;
use crate::ground::reject::Reject;
use crate::ground::schema::Field;
use crate::pipeline::load::Table;

/// What the run keeps of the population register.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Population {
    /// Rows born inside the cohort window, in any status, in no particular order.
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    pub school_age: Vec<super::Person>,
    /// Usable ID numbers of every row used, as [`id_code`]s.
    ids: IdSet,
    /// Which two-digit province codes the rows' divisions carry.
    provinces: Vec<bool>,
    pub rejects: Vec<Reject>,
    /// Rows used with a field lost (an unreadable birth date, the ID's used instead).
    pub warnings: Vec<Reject>,
    pub rows_in: u64,
}

impl Population {
    /// Rows used: read and not rejected.
    pub fn rows_used(&self) -> u64 {
        self.rows_in - self.rejects.len() as u64
    }

    /// Whether someone in the population carries this (usable) ID number.
    pub fn has_id(&self, id: &IdNumber) -> bool {
        id_code(id).is_some_and(|code| self.ids.contains(code))
    }

    /// A population of these school-age people only (a reconcile's flagged children).
    pub fn of_children(people: Vec<super::Person>) -> Population {
        let mut codes: Vec<u64> = people.iter().filter_map(|p| id_code(&p.id)).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut provinces = vec![false; 100];
        for p in &people {
            if let Some(code) = p.division.get(..2).and_then(|c| c.parse::<usize>().ok()) {
                provinces[code] = true;
            }
        }
        Population {
            rows_in: people.len() as u64,
            school_age: people,
            ids: IdSet::from_sorted(&codes),
            provinces,
            ..Population::default()
        }
    }

    /// Whether any row's division lies in the province of this ID number or division code.
    pub fn covers_province(&self, code: &str) -> bool {
        code.get(..2)
            .and_then(|p| p.parse::<usize>().ok())
            .is_some_and(|p| self.provinces.get(p).copied().unwrap_or(false))
    }
}

/// Collects the population chunk by chunk.
pub struct PopulationBuilder<'a> {
    normaliser: PopulationNormaliser<'a>,
    /// The ID code and the rank of every row with a usable ID, side by side: the lowest
    /// rank per ID is kept. Kept as the pieces the chunks produced, so that a growing
    /// vector is never copied over and over.
    keys: Vec<Keys>,
    school_age: Vec<Vec<super::Person>>,
    population: Population,
    /// (line base, name) of each file read, in order.
    files: Vec<(u64, String)>,
}

/// Normalises chunks of the population, on any core.
#[derive(Clone, Copy)]
pub struct PopulationNormaliser<'a> {
    vocabulary: &'a Vocabulary,
    /// Whether a row born on this day is kept whole (the school-age rule).
    keep_whole: &'a (dyn Fn(Date) -> bool + Sync),
}

/// One chunk of the population, normalised: what its rows leave behind, in row order.
pub struct PopulationChunk {
    /// (line base, name) of the chunk's file.
    file: (u64, String),
    parts: Vec<Part>,
    /// Rows that could not be read.
    unread: Vec<Reject>,
    rows_in: u64,
}

/// The [`id_code`] and [`rank`] of rows with a usable ID, in row order.
#[derive(Default)]
struct Keys {
    codes: Vec<u64>,
    ranks: Vec<u64>,
}

/// What a run of rows leaves behind, in row order.
#[derive(Default)]
struct Part {
    keys: Keys,
    school_age: Vec<super::Person>,
    rejects: Vec<Reject>,
    warnings: Vec<Reject>,
    /// One bit per two-digit province code.
    provinces: u128,
}

impl PopulationNormaliser<'_> {
    /// Normalises one chunk in parallel and keeps what later stages need.
    pub fn chunk(&self, table: &Table) -> PopulationChunk {
        let parts: Vec<Part> = (0..table.len())
            .into_par_iter()
            .fold(Part::default, |mut part, index| {
                self.keep(&Row { table, index }, &mut part);
                part
            })
            .collect();
        PopulationChunk {
            file: (table.input.line_base, table.name.clone()),
            parts,
            unread: table.rejects.clone(),
            rows_in: table.rows_in(),
        }
    }

    fn keep(&self, row: &Row, part: &mut Part) {
        let p = match person(row, self.vocabulary) {
            Ok((p, warnings)) => {
                part.warnings.extend(warnings);
                p
            }
            Err(reject) => return part.rejects.push(reject),
        };
        if let Some(code) = id_code(&p.id) {
            part.keys.codes.push(code);
            part.keys.ranks.push(rank(&p));
        }
        if let Some(province) = p.division.get(..2).and_then(|d| d.parse::<u32>().ok()) {
            part.provinces |= 1 << province;
        }
        if (self.keep_whole)(p.birth) {
            part.school_age.push(p);
        }
    }
}

impl<'a> PopulationBuilder<'a> {
    /// A builder keeping whole the rows whose birth date `keep_whole` accepts.
    pub fn new(vocabulary: &'a Vocabulary, keep_whole: &'a (dyn Fn(Date) -> bool + Sync)) -> Self {
        PopulationBuilder {
            normaliser: PopulationNormaliser {
                vocabulary,
                keep_whole,
            },
            keys: Vec::new(),
            school_age: Vec::new(),
            population: Population {
                provinces: vec![false; 100],
                ..Population::default()
            },
            files: Vec::new(),
        }
    }

    /// What normalises the chunks this builder is given.
    pub fn normaliser(&self) -> PopulationNormaliser<'a> {
        self.normaliser
    }

    /// Keeps a normalised chunk, in the order of the register's rows.
    pub fn add(&mut self, chunk: PopulationChunk) {
        if self
            .files
            .last()
            .is_none_or(|(_, name)| *name != chunk.file.1)
        {
            self.files.push(chunk.file);
        }
        let population = &mut self.population;
        population.rows_in += chunk.rows_in;
        population.rejects.extend(chunk.unread);
        for part in chunk.parts {
            self.keys.push(part.keys);
            self.school_age.push(part.school_age);
            population.rejects.extend(part.rejects);
            population.warnings.extend(part.warnings);
            for (p, seen) in population.provinces.iter_mut().enumerate() {
                *seen |= part.provinces >> p & 1 == 1;
            }
        }
    }

    /// Keeps one row per usable ID number and rejects the others (the row kept is chosen
    /// by content, so the result does not depend on row order).
    pub fn finish(self) -> Population {
        let files = &self.files;
        // Codes alone are sorted (half the bytes of code and rank together); the ranks of
        // the few codes that repeat are looked up after.
        let mut codes = Vec::with_capacity(self.keys.iter().map(|k| k.codes.len()).sum());
        for keys in &self.keys {
            codes.extend_from_slice(&keys.codes);
        }
        codes.par_sort_unstable();
        let repeated: FxHashSet<u64> = codes
            .windows(2)
            .filter(|pair| pair[0] == pair[1])
            .map(|pair| pair[0])
            .collect();
        let mut shared: Vec<(u64, u64)> = self
            .keys
            .par_iter()
            .flat_map_iter(|keys| {
                let rows = keys.codes.iter().zip(&keys.ranks);
                rows.filter(|(code, _)| repeated.contains(code))
                    .map(|(&code, &rank)| (code, rank))
            })
            .collect();
        shared.sort_unstable();
        let mut population = self.population;
        population.school_age = super::join(self.school_age);
        let mut dropped: FxHashSet<u64> = FxHashSet::default();
        for group in shared.chunk_by(|a, b| a.0 == b.0) {
            let (kept_file, kept_line) = place(files, group[0].1 & LINE_MASK);
            for &(code, rank) in &group[1..] {
                let ordinal = rank & LINE_MASK;
                dropped.insert(ordinal);
                let (file, line) = place(files, ordinal);
                let kept = if kept_file == file {
                    format!("line {kept_line}")
                } else {
                    format!("{kept_file} line {kept_line}")
                };
                population.rejects.push(Reject::new(
                    file,
                    line,
                    Field::IdNumber.key(),
                    format!("duplicate ID number (the row at {kept} is used)"),
                    &id_text(code),
                ));
            }
        }
        if !dropped.is_empty() {
            population.school_age.retain(|p| !dropped.contains(&p.line));
        }
        codes.dedup();
        population.ids = IdSet::from_sorted(&codes);
        population
    }
}

const LINE_MASK: u64 = (1 << 32) - 1;

/// The file and line of a row numbered across the register's files.
fn place(files: &[(u64, String)], ordinal: u64) -> (&str, u64) {
    let at = files
        .partition_point(|(base, _)| *base < ordinal)
        .saturating_sub(1);
    files.get(at).map_or(("", ordinal), |(base, name)| {
        (name.as_str(), ordinal - base)
    })
}

/// Orders the rows sharing an ID: by status (an active row first), then by a hash of the
/// content, then by line; packed into one integer, the line in the low 32 bits.
fn rank(p: &super::Person) -> u64 {
    let mut h = FxHasher::default();
    (&p.name, p.birth, &p.division, p.sex).hash(&mut h);
    let content = h.finish() & ((1 << 29) - 1);
    (u64::from(p.status as u8) << 61) | (content << 32) | (p.line & LINE_MASK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ground::schema::SourceKind;
    use crate::pipeline::cohort::CohortRule;
    use crate::pipeline::load::InputInfo;
    use crate::pipeline::normalize::id::parse_id;

    fn build(rows: &[(u64, &str, &str)]) -> Population {
        let fields = [
            Field::IdNumber,
            Field::Name,
            Field::Sex,
            Field::BirthDate,
            Field::DivisionCode,
        ];
        let info = InputInfo {
            source: "population".into(),
            path: "population.csv".into(),
            name: "population.csv".into(),
            format: "csv".into(),
            ..InputInfo::default()
        };
        let mut table = Table::new(
            SourceKind::Population,
            info,
            "population.csv".into(),
            &fields,
        );
        for &(line, id, name) in rows {
            table.push_row(line, [id, name, "女", "2015-03-01", "530102"]);
        }
        let vocabulary = Vocabulary::default();
        let window = CohortRule::default().window(Date::new(2026, 9, 1).unwrap());
        let school_age = |birth| window.contains(birth);
        let mut builder = PopulationBuilder::new(&vocabulary, &school_age);
        builder.add(builder.normaliser().chunk(&table));
        builder.finish()
    }

    #[test]
    fn a_repeated_id_keeps_one_row_chosen_by_content() {
        let id = "530102201503011821";
        let other = "530102201203150117";
        let a = build(&[(2, id, "王芳"), (3, other, "张伟"), (4, id, "李芳")]);
        let b = build(&[(2, id, "李芳"), (3, other, "张伟"), (4, id, "王芳")]);
        let kept = |p: &Population| {
            let mut names: Vec<String> = p.school_age.iter().map(|c| c.name.to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(kept(&a), kept(&b), "the same row wins whatever the order");
        assert_eq!(kept(&a).len(), 2);
        assert_eq!(a.rejects.len(), 1);
        let line = a.rejects[0].line;
        let other_line = if line == 2 { 4 } else { 2 };
        assert!(
            a.rejects[0].reason.contains(&format!("line {other_line}")),
            "{}",
            a.rejects[0].reason
        );
        assert_eq!(a.rows_used() + a.rejects.len() as u64, a.rows_in);
        assert!(a.has_id(&parse_id(id).unwrap()) && a.has_id(&parse_id(other).unwrap()));
        assert!(!a.has_id(&parse_id("530102201203150125").unwrap()));
        assert!(a.covers_province("53") && !a.covers_province("44"));
    }
}
