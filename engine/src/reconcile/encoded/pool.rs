//! The encodings' rows as the reconcile links them: the provinces' flagged children, and
//! their leftover student records and poverty members, each with the province it came from
//! (so that only a child and a record of two provinces pair), its tokens hashed for
//! blocking and its filters as bits. Each side is ordered by its rows' content, so that
//! nothing downstream depends on the order of the rows in the files.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::inputs::Encoding;
use crate::ground::error::bad_input;
use crate::pipeline::normalize::id::IdClass;
use crate::pipeline::normalize::values::{Sex, StudentStatus};
use crate::reconcile::encode::from_hex;
use crate::rundir::residuals::{CHILD, POVERTY, STUDENT};

/// One encoded row.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The encoding (provinces in order) and the row of its encoded.parquet.
    pub run: u8,
    pub row: u32,
    /// The ID number's token, hashed, when the number is usable (valid); else 0.
    pub id: u64,
    /// The token of a number of 18 characters (valid, or failing its check or its date),
    /// hashed; 0 for none: two equal numbers agree exactly, as in a run, whether they
    /// validate or not.
    pub token: u64,
    /// Whether the record's encoding marked its valid ID as someone else's (by the birth
    /// date and sex the number carries).
    pub doubted: bool,
    /// Whether a child of the pool holds the record's ID: the number is a person's.
    pub held: bool,
    /// A student row's second ID: the one its national student number carries, when it
    /// may stand in for the row's (hashed token; 0 when none).
    pub stand_in: u64,
    /// The token of its first 14 characters, hashed; 0 when none.
    pub place_birth: u64,
    /// The tokens of its one-character deletions with the check character, hashed and
    /// sorted.
    pub edits: Vec<u64>,
    /// The same without the check character.
    pub near: Vec<u64>,
    /// The name's filters, each with the year it is salted with: the birth year's first,
    /// then the ID number's year's when the two differ.
    pub names: Vec<(u16, Vec<u64>)>,
    pub birth: Option<Vec<u64>>,
    /// The birth year (the ID's when there is no birth date); 0 when neither.
    pub year: u16,
    pub sex: Sex,
    pub division: String,
    /// A student record's status.
    pub status: Option<StudentStatus>,
}

#[cfg(test)]
impl Entry {
    /// A row of encoding `run` with the usable ID `id` (0: none), its token the same, a
    /// male born in 2015 in division 530102, and nothing else known: what tests start from.
    pub fn bare(run: u8, id: u64) -> Entry {
        Entry {
            run,
            row: 0,
            id,
            token: id,
            doubted: false,
            held: false,
            stand_in: 0,
            place_birth: 0,
            edits: Vec::new(),
            near: Vec::new(),
            names: Vec::new(),
            birth: None,
            year: 2015,
            sex: Sex::Male,
            division: "530102".into(),
            status: None,
        }
    }
}

/// The reconcile's three sides.
pub struct Pool {
    pub children: Vec<Entry>,
    pub students: Vec<Entry>,
    pub poverty: Vec<Entry>,
}

/// Builds the pool from the encodings; a cell that is not what `sanku encode` writes is bad
/// input naming the file, the row and the column.
pub fn pool(encodings: &[Encoding]) -> anyhow::Result<Pool> {
    let mut sides: [Vec<(String, Entry)>; 3] = Default::default();
    for (run, encoding) in encodings.iter().enumerate() {
        let rows: Vec<(usize, String, Entry)> = (0..encoding.rows.len())
            .into_par_iter()
            .map(|row| {
                let (side, key) = side_and_key(encoding, row)?;
                Ok((side, key, entry(encoding, run, row)?))
            })
            .collect::<Vec<anyhow::Result<_>>>()
            // The first bad row in the file's order, whatever the threads.
            .into_iter()
            .collect::<anyhow::Result<_>>()?;
        for (side, key, entry) in rows {
            sides[side].push((key, entry));
        }
    }
    let [children, mut students, mut poverty]: [Vec<Entry>; 3] = sides.map(|mut side| {
        side.par_sort_by(|a, b| a.0.cmp(&b.0));
        side.into_iter().map(|(_, e)| e).collect()
    });
    // A record whose ID is someone else's is compared without it, as in a run, unless a
    // child holds that ID (the record is then that child's, whatever its birth date).
    let held: rustc_hash::FxHashSet<u64> = children.iter().map(|c| c.token).collect();
    for record in students.iter_mut().chain(poverty.iter_mut()) {
        record.held = record.token != 0 && held.contains(&record.token);
        if record.doubted && !record.held {
            record.id = 0;
            record.token = 0;
            record.place_birth = 0;
            record.edits.clear();
            record.near.clear();
        }
    }
    Ok(Pool {
        children,
        students,
        poverty,
    })
}

/// The side of a row (0 children, 1 students, 2 poverty) and its key: its province, then
/// every cell the reconcile reads, in a fixed order.
fn side_and_key(encoding: &Encoding, row: usize) -> anyhow::Result<(usize, String)> {
    let cell = |name: &str| -> &str { encoding.rows.get(row, name) };
    let side = match cell("kind") {
        CHILD => 0,
        STUDENT => 1,
        POVERTY => 2,
        _ => {
            return Err(bad(
                encoding,
                row,
                "kind",
                "is not child, student or poverty",
            ));
        }
    };
    let key = [
        "province",
        "case_id",
        "student_no",
        "id_number",
        "name_filter",
        "birth_filter",
        "sex",
        "division_code",
        "status",
    ]
    .iter()
    .map(|n| cell(n))
    .collect::<Vec<_>>()
    .join("\u{1f}");
    Ok((side, key))
}

fn entry(encoding: &Encoding, run: usize, row: usize) -> anyhow::Result<Entry> {
    let cell = |name: &str| -> &str { encoding.rows.get(row, name) };
    let filter = |name: &str| -> anyhow::Result<Option<Vec<u64>>> {
        match cell(name) {
            "" => Ok(None),
            hex => from_hex(hex)
                .map(Some)
                .ok_or_else(|| bad(encoding, row, name, "is not a filter in hex")),
        }
    };
    let class = cell("id_class");
    let class = IdClass::from_key(class)
        .ok_or_else(|| bad(encoding, row, "id_class", "is not an ID class"))?;
    let status = match (cell("kind"), cell("status")) {
        (STUDENT, status) => Some(
            StudentStatus::from_key(status)
                .ok_or_else(|| bad(encoding, row, "status", "is not a student status"))?,
        ),
        _ => None,
    };
    let year_of = |column: &str| -> anyhow::Result<u16> {
        match cell(column) {
            "" => Ok(0),
            y => y
                .parse()
                .map_err(|_| bad(encoding, row, column, "is not a year")),
        }
    };
    let year = year_of("birth_year")?;
    let names = [
        ("name_filter", year),
        ("name_filter_id_year", year_of("id_year")?),
    ]
    .into_iter()
    .filter_map(|(column, year)| filter(column).map(|f| f.map(|f| (year, f))).transpose())
    .collect::<anyhow::Result<Vec<_>>>()?;
    let split = |name: &str| -> Vec<u64> {
        let mut tokens: Vec<u64> = cell(name)
            .split(';')
            .filter(|t| !t.is_empty())
            .map(hashed)
            .collect();
        tokens.sort_unstable();
        tokens
    };
    Ok(Entry {
        run: run as u8,
        row: row as u32,
        id: if class.is_usable() {
            hashed(cell("id_number"))
        } else {
            0
        },
        // As a run compares numbers: two equal numbers of 18 characters agree, whether
        // they validate or not; a number without its parts (too short, rounded by a
        // spreadsheet, a placeholder) agrees with nothing.
        token: match class {
            IdClass::Valid | IdClass::UpgradedLegacy | IdClass::BadCheck | IdClass::BadDate
                if !cell("id_place_birth").is_empty() =>
            {
                hashed(cell("id_number"))
            }
            _ => 0,
        },
        doubted: cell("id_doubted") == "1",
        held: false,
        stand_in: hashed(cell("student_no_id")),
        place_birth: hashed(cell("id_place_birth")),
        edits: split("id_edits"),
        near: split("id_near"),
        names,
        birth: filter("birth_filter")?,
        year,
        sex: Sex::from_key(cell("sex")),
        division: cell("division_code").to_string(),
        status,
    })
}

/// A token's hash; 0 for no token.
pub fn hashed(token: &str) -> u64 {
    if token.is_empty() {
        return 0;
    }
    let mut h = rustc_hash::FxHasher::default();
    token.hash(&mut h);
    h.finish().max(1)
}

/// Bad input naming the file, the row and the column; the cell itself is never shown.
fn bad(encoding: &Encoding, row: usize, column: &str, what: &str) -> anyhow::Error {
    bad_input(format!(
        "{} row {}: {column} {what}; encode the province's run again",
        encoding
            .dir
            .join(crate::reconcile::encode::ENCODED_PARQUET)
            .display(),
        row + 1
    ))
}
