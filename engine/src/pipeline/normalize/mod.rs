//! `normalize`: turns each loaded table into typed records (clean ID numbers with
//! their class, names, dates, sex, statuses), rejecting the rows that are unusable for any
//! purpose. A row whose ID is merely invalid (bad check, bad date, bad length) is kept with
//! its class recorded. Rows are normalised in parallel; results keep the input order.

pub mod date;
pub mod disability;
pub(crate) mod field;
pub mod grade;
pub mod id;
pub mod id_set;
pub mod name;
pub(crate) mod name_key;
pub(crate) mod population;
pub mod term;
pub mod values;

use rayon::prelude::*;

use self::date::Date;
use self::field::Row;
use self::id::IdNumber;
use self::values::{PersonStatus, Sex, StudentStatus, Vocabulary};
use crate::ground::reject::Reject;
use crate::ground::schema::Field;
pub use crate::ground::text::Text;
use crate::pipeline::load::Table;
use population::Population;

/// A population register row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    /// The row's number in the register: its line, past the lines of the register's
    /// earlier files when it comes in several.
    pub line: u64,
    pub id: IdNumber,
    pub name: Text,
    pub sex: Sex,
    pub birth: Date,
    pub division: Text,
    pub status: PersonStatus,
}

/// A student register row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Student {
    /// The row's number in the register (see [`Person::line`]).
    pub line: u64,
    pub student_no: Text,
    pub id: IdNumber,
    pub name: Text,
    pub sex: Sex,
    pub birth: Option<Date>,
    pub school_code: Text,
    pub school_division: Text,
    pub grade: Text,
    pub status: StudentStatus,
}

impl Student {
    /// The ID the national student number (G + the 18-digit ID) carries, when it is usable
    /// and differs from the record's ID: a second, independent copy of the ID. Derived when
    /// asked, so that a province's records do not carry it.
    pub fn other_id(&self) -> Option<IdNumber> {
        student_no_id(&self.student_no).filter(|g| g.text != self.id.text)
    }
}

/// A poverty register member.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PovertyMember {
    /// The row's number in the register (see [`Person::line`]).
    pub line: u64,
    pub household_no: Text,
    pub id: IdNumber,
    pub name: Text,
    pub sex: Sex,
    pub birth: Option<Date>,
    pub relation: Text,
    pub division: Text,
    pub poverty_status: Text,
}

/// An exemption from compulsory attendance.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exemption {
    pub line: u64,
    pub id: IdNumber,
    pub reason: Text,
    pub valid_until: Option<Date>,
}

/// A holder of a disability certificate (残疾人证).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Disability {
    pub line: u64,
    pub id: IdNumber,
    pub name: Text,
    /// The category's key (`vision` … `multiple`), or the word as written when it is none
    /// of the seven; empty when not given.
    pub category: Text,
    /// 1 (一级, the most severe) to 4.
    pub level: Option<u8>,
    pub certificate_date: Option<Date>,
}

/// An aid payment to a student (资助).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Aid {
    pub line: u64,
    pub id: IdNumber,
    pub name: Text,
    pub sex: Sex,
    pub birth: Option<Date>,
    /// The student number the aid system keeps (it draws its students from the student
    /// register); empty when not given.
    pub student_no: Text,
    pub programme: Text,
    pub amount: Text,
    /// The term paid for; `None` when not given (taken as the current term) or not
    /// readable (a warning).
    pub term: Option<term::Term>,
    /// Whether a term was written.
    pub term_given: bool,
}

/// The normalised records of one source, with the rows rejected so far.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(bound(deserialize = "T: serde::Deserialize<'de>"))]
pub struct Records<T> {
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    pub rows: Vec<T>,
    pub rejects: Vec<Reject>,
    /// Rows used with a field lost (a damaged ID): reported, not rejected.
    pub warnings: Vec<Reject>,
    /// Rows read from the file (used plus rejected).
    pub rows_in: u64,
}

/// The four registers, normalised.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Registers {
    pub population: Population,
    pub students: Records<Student>,
    pub poverty: Records<PovertyMember>,
    pub exemptions: Option<Records<Exemption>>,
    pub disability: Option<Records<Disability>>,
    pub aid: Option<Records<Aid>>,
    /// In a reconcile, the province each child and record came from; `None` in a run.
    #[serde(skip)]
    pub origins: Option<Origins>,
}

/// The province each row of a reconcile came from, as an index from 1 (0 is no province):
/// the children by cohort index, the student records and the poverty members by row.
/// Linkage never pairs a child with a record of its own province, whose run weighed them.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    pub children: Vec<u8>,
    pub students: Vec<u8>,
    pub poverty: Vec<u8>,
    /// Each child's name's share among the country's children (by cohort index), in place
    /// of its share among the reconcile's few.
    pub name_shares: Vec<f64>,
}

impl Origins {
    /// The origin of row `i` of `list`; 0 when there are no origins.
    pub fn of(origins: Option<&Origins>, list: impl Fn(&Origins) -> &[u8], i: usize) -> u8 {
        origins.map_or(0, |o| list(o)[i])
    }
}

impl Registers {
    /// The rows not used from one register.
    pub fn rejects_of(&self, kind: crate::ground::schema::SourceKind) -> &[Reject] {
        use crate::ground::schema::SourceKind;
        match kind {
            SourceKind::Population => &self.population.rejects,
            SourceKind::Students => &self.students.rejects,
            SourceKind::Poverty => &self.poverty.rejects,
            SourceKind::Exemptions => self.exemptions.as_ref().map_or(&[], |e| &e.rejects),
            SourceKind::Disability => self.disability.as_ref().map_or(&[], |d| &d.rejects),
            SourceKind::Aid => self.aid.as_ref().map_or(&[], |a| &a.rejects),
        }
    }

    /// The rows not used, from every register.
    pub fn rejects(&self) -> Vec<&Reject> {
        let mut all: Vec<&Reject> = Vec::new();
        all.extend(&self.population.rejects);
        all.extend(&self.students.rejects);
        all.extend(&self.poverty.rejects);
        if let Some(e) = &self.exemptions {
            all.extend(&e.rejects);
        }
        if let Some(d) = &self.disability {
            all.extend(&d.rejects);
        }
        if let Some(a) = &self.aid {
            all.extend(&a.rejects);
        }
        all
    }

    /// Rows used with a field lost, from every register.
    pub fn warnings(&self) -> Vec<&Reject> {
        let mut all: Vec<&Reject> = Vec::new();
        all.extend(&self.population.warnings);
        all.extend(&self.students.warnings);
        all.extend(&self.poverty.warnings);
        if let Some(d) = &self.disability {
            all.extend(&d.warnings);
        }
        if let Some(a) = &self.aid {
            all.extend(&a.warnings);
        }
        all
    }
}

/// A normalised row, and the warnings it carries for the fields it lost.
pub type Converted<T> = Result<(T, Vec<Reject>), Reject>;

/// The pieces laid end to end in one exact allocation, each freed once copied.
pub(crate) fn join<T>(pieces: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for piece in pieces {
        all.extend(piece);
    }
    all
}

/// One chunk normalised: its rows (in pieces, in row order), its rejects (those of
/// reading first) and its warnings.
pub(crate) struct Normalized<T> {
    pieces: Vec<Vec<T>>,
    rejects: Vec<Reject>,
    warnings: Vec<Reject>,
    rows_in: u64,
}

/// Normalises one chunk in parallel.
pub(crate) fn normalize_table<T: Send>(
    table: &Table,
    convert: impl Fn(&Row) -> Converted<T> + Sync,
) -> Normalized<T> {
    type Part<T> = (Vec<T>, Vec<Reject>, Vec<Reject>);
    let parts: Vec<Part<T>> = (0..table.len())
        .into_par_iter()
        .fold(
            || (Vec::new(), Vec::new(), Vec::new()),
            |(mut rows, mut rejects, mut warnings), index| {
                match convert(&Row { table, index }) {
                    Ok((row, warning)) => {
                        rows.push(row);
                        warnings.extend(warning);
                    }
                    Err(reject) => rejects.push(reject),
                }
                (rows, rejects, warnings)
            },
        )
        .collect();
    let mut chunk = Normalized {
        pieces: Vec::with_capacity(parts.len()),
        rejects: table.rejects.clone(),
        warnings: Vec::new(),
        rows_in: table.rows_in(),
    };
    for (rows, rejects, warnings) in parts {
        chunk.pieces.push(rows);
        chunk.rejects.extend(rejects);
        chunk.warnings.extend(warnings);
    }
    chunk
}

impl<T> Records<T> {
    /// Appends a normalised chunk: its rejects and warnings, and its rows to `pieces`
    /// (joined once at the end).
    pub(crate) fn absorb(&mut self, chunk: Normalized<T>, pieces: &mut Vec<Vec<T>>) {
        pieces.extend(chunk.pieces);
        self.rejects.extend(chunk.rejects);
        self.warnings.extend(chunk.warnings);
        self.rows_in += chunk.rows_in;
    }
}

/// The warning a kept row carries when its ID column was damaged.
fn id_warning(row: &Row, id: &IdNumber) -> Option<Reject> {
    id.damage().map(|damage| {
        row.reject(
            Field::IdNumber,
            format!("{damage}; the row is kept and links by its other fields"),
        )
    })
}

/// The ID number a national student number carries: "G" followed by the 18-digit ID
/// (docs/matching.md). "J" and "L" numbers, and anything else, carry none.
pub fn student_no_id(student_no: &str) -> Option<IdNumber> {
    let digits = student_no.strip_prefix(['G', 'g'])?;
    if digits.len() != 18 {
        return None;
    }
    id::parse_id(digits).ok().filter(|id| id.class.is_usable())
}

pub(crate) fn person(row: &Row, vocabulary: &Vocabulary) -> Converted<Person> {
    let id = row.required_id()?;
    let name = row.name()?;
    let (birth, warning) = row.birth_date(&id)?;
    let birth = birth.ok_or_else(|| {
        row.reject(
            Field::BirthDate,
            "no birth date and no valid ID number to derive it from",
        )
    })?;
    // The school-age rule needs the day: a month alone is not enough for the population.
    if birth.is_month_only() {
        return Err(row.reject(
            Field::BirthDate,
            "year and month only, and no valid ID number to give the day",
        ));
    }
    let person = Person {
        line: row.ordinal(),
        sex: row.sex(&vocabulary.sex, &id)?,
        division: row.division(Field::DivisionCode, Some(&id))?,
        status: row
            .coded(Field::Status, &vocabulary.person_status, "population")?
            .unwrap_or(PersonStatus::Active),
        birth,
        name,
        id,
    };
    Ok((person, warning.into_iter().collect()))
}

pub(crate) fn student(row: &Row, vocabulary: &Vocabulary) -> Converted<Student> {
    let student_no = row.required_text(Field::StudentNo)?;
    let column = row.record_id();
    let warning = id_warning(row, &column);
    // The student number's copy of the ID stands in for an unusable ID column; beside a
    // usable one it disagrees with, it is evidence too (`Student::other_id`).
    let (id, warning) = match student_no_id(&student_no) {
        Some(g) if !column.class.is_usable() => (g, warning),
        // A valid column that is the student number's ID rounded to 15 digits is damaged.
        Some(g)
            if g.text != column.text
                && id::rounded(&g.text).is_some_and(|r| r == column.text.as_str()) =>
        {
            let warning = Some(row.reject(
                Field::IdNumber,
                "ID number rounded by a spreadsheet (the student number carries it whole); the row links by the student number",
            ));
            (g, warning)
        }
        _ => (column, warning),
    };
    let name = row.name()?;
    let status = row
        .coded(Field::Status, &vocabulary.student_status, "students")?
        .ok_or_else(|| row.reject(Field::Status, "required field is empty"))?;
    let (birth, birth_warning) = row.birth_date(&id)?;
    let student = Student {
        line: row.ordinal(),
        sex: row.sex(&vocabulary.sex, &id)?,
        birth,
        school_code: row.text(Field::SchoolCode),
        school_division: row.division(Field::SchoolDivisionCode, None)?,
        grade: row.text(Field::Grade),
        student_no,
        name,
        status,
        id,
    };
    Ok((student, warning.into_iter().chain(birth_warning).collect()))
}

pub(crate) fn poverty_member(row: &Row, vocabulary: &Vocabulary) -> Converted<PovertyMember> {
    let id = row.record_id();
    let warning = id_warning(row, &id);
    let name = row.name()?;
    let (birth, birth_warning) = row.birth_date(&id)?;
    let member = PovertyMember {
        line: row.ordinal(),
        household_no: row.text(Field::HouseholdNo),
        sex: row.sex(&vocabulary.sex, &id)?,
        birth,
        relation: row.text(Field::Relation),
        division: row.division(Field::DivisionCode, Some(&id))?,
        poverty_status: row.text(Field::PovertyStatus),
        name,
        id,
    };
    Ok((member, warning.into_iter().chain(birth_warning).collect()))
}

pub(crate) fn disability(row: &Row) -> Converted<Disability> {
    let (id, from_number) = disability::id_and_number(row)?;
    let mut warnings = Vec::new();
    let category = match row.raw(Field::Category).trim() {
        "" => from_number.map_or_else(Text::default, |(c, _)| Text::from(c)),
        word => Text::from(disability::category_key(word)),
    };
    let level = match row.raw(Field::Level).trim() {
        "" => from_number.map(|(_, level)| level),
        word => {
            let level = disability::level(word);
            if level.is_none() {
                warnings
                    .push(row.reject(Field::Level, "not a level 1 to 4 (一级 … 四级); left out"));
            }
            level
        }
    };
    let record = Disability {
        line: row.line(),
        name: row.text(Field::Name),
        category,
        level,
        certificate_date: row.date(Field::CertificateDate)?,
        id,
    };
    Ok((record, warnings))
}

pub(crate) fn aid(row: &Row, vocabulary: &Vocabulary) -> Converted<Aid> {
    let id = row.record_id();
    let mut warnings: Vec<Reject> = id_warning(row, &id).into_iter().collect();
    let (birth, birth_warning) = row.birth_date(&id)?;
    warnings.extend(birth_warning);
    let written = row.raw(Field::Term).trim();
    let term = term::Term::parse(written);
    if term.is_none() && !written.is_empty() {
        warnings.push(row.reject(
            Field::Term,
            "not a school term (2026年秋季学期, 2026-2027学年第一学期 …); the aid counts in no term",
        ));
    }
    let aid = Aid {
        line: row.line(),
        name: row.name()?,
        sex: row.sex(&vocabulary.sex, &id)?,
        birth,
        student_no: row.text(Field::StudentNo),
        programme: row.required_text(Field::Programme)?,
        amount: row.text(Field::Amount),
        term,
        term_given: !written.is_empty(),
        id,
    };
    Ok((aid, warnings))
}

pub(crate) fn exemption(row: &Row, vocabulary: &Vocabulary) -> Converted<Exemption> {
    let id = row.required_id()?;
    let exemption = Exemption {
        line: row.line(),
        reason: vocabulary
            .reason_key(&row.required_text(Field::Reason)?)
            .into(),
        valid_until: row.date(Field::ValidUntil)?,
        id,
    };
    Ok((exemption, Vec::new()))
}
