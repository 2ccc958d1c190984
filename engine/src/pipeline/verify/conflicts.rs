//! Conflicts: a record linked to a cohort child (exactly or fuzzily) whose name, birth date
//! or sex disagrees with the population row. Names are compared after normalisation and
//! traditional → simplified folding, so 張偉 and 张伟 agree; a missing birth date or sex
//! disagrees with nothing.

use rayon::prelude::*;

use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::{Link, Links};
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::name_key::simplified;
use crate::pipeline::normalize::values::Sex;
use crate::pipeline::normalize::{Person, Registers};

/// The field two registers disagree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConflictField {
    Name,
    BirthDate,
    Sex,
}

impl ConflictField {
    pub const fn key(self) -> &'static str {
        match self {
            ConflictField::Name => "name",
            ConflictField::BirthDate => "birth_date",
            ConflictField::Sex => "sex",
        }
    }
}

/// One disagreement between the population row and a linked record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conflict {
    /// "students" or "poverty".
    pub source: &'static str,
    pub link: Link,
    pub field: ConflictField,
}

/// What a linked record says about a person.
pub struct Claims<'a> {
    pub name: &'a str,
    pub birth: Option<Date>,
    pub sex: Sex,
}

/// What record `record` of `source` ("students" or "poverty") says.
pub fn claims<'a>(registers: &'a Registers, source: &str, record: usize) -> Claims<'a> {
    if source == "students" {
        let s = &registers.students.rows[record];
        Claims {
            name: &s.name,
            birth: s.birth,
            sex: s.sex,
        }
    } else {
        let p = &registers.poverty.rows[record];
        Claims {
            name: &p.name,
            birth: p.birth,
            sex: p.sex,
        }
    }
}

impl ConflictField {
    /// The population row's value and the record's, as written in checks/conflicts.csv.
    pub fn values(self, person: &Person, record: &Claims) -> (String, String) {
        match self {
            ConflictField::Name => (person.name.to_string(), record.name.to_string()),
            ConflictField::BirthDate => (
                person.birth.to_string(),
                record.birth.map_or(String::new(), |d| d.to_string()),
            ),
            ConflictField::Sex => (person.sex.key().to_string(), record.sex.key().to_string()),
        }
    }
}

/// Every conflict, by source, child and record.
pub fn find(cohort: &Cohort, registers: &Registers, links: &Links) -> Vec<Conflict> {
    let lists: [(&'static str, &[Link]); 3] = [
        ("students", &links.students),
        ("students", &links.extra_students),
        ("poverty", &links.poverty),
    ];
    let mut out: Vec<Conflict> = lists
        .into_par_iter()
        .flat_map(|(source, list)| {
            list.par_iter().flat_map_iter(move |link| {
                let child = &cohort.children[link.child];
                let record = claims(registers, source, link.record);
                let name =
                    child.name != record.name && simplified(&child.name) != simplified(record.name);
                let birth = record.birth.is_some_and(|b| b != child.birth);
                let sex = record.sex != Sex::Unknown
                    && child.sex != Sex::Unknown
                    && record.sex != child.sex;
                [
                    (name, ConflictField::Name),
                    (birth, ConflictField::BirthDate),
                    (sex, ConflictField::Sex),
                ]
                .into_iter()
                .filter(|&(differs, _)| differs)
                .map(move |(_, field)| Conflict {
                    source,
                    link: *link,
                    field,
                })
            })
        })
        .collect();
    // Each conflict has its own key, so the order is the same however it was gathered.
    out.par_sort_unstable_by_key(|c| (c.source, c.link.child, c.link.record, c.field));
    out
}
