//! The reconcile's registers, made from the provinces' residuals: their flagged children
//! as a population (and its cohort), their leftover student records and poverty members
//! as the registers to link, each row with the province it came from, so that linkage
//! pairs only a child and a record of two provinces.

use std::path::Path;

use super::inputs::{ProvinceRun, Residuals};
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::cohort::{Cohort, CohortRule, select_cohort};
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdClass, IdNumber};
use crate::pipeline::normalize::name_key::simplified;
use crate::pipeline::normalize::population::Population;
use crate::pipeline::normalize::values::{PersonStatus, Sex, StudentStatus};
use crate::pipeline::normalize::{
    Origins, Person, PovertyMember, Records, Registers, Student, Text,
};
use crate::rundir::residuals::{CHILD, POVERTY, STUDENT};

/// Where a row of the reconcile came from: the run (by index, provinces in order) and the
/// row of its residuals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    pub run: usize,
    pub row: usize,
}

/// The reconcile's registers and cohort, and where each child and record came from.
pub struct Pool {
    pub registers: Registers,
    pub cohort: Cohort,
    /// Per cohort child.
    pub children: Vec<Source>,
    /// Per student row.
    pub students: Vec<Source>,
    /// Per poverty row.
    pub poverty: Vec<Source>,
}

/// Builds the pool from `runs` for the cohort `rule` on `as_of`.
pub fn pool(runs: &[ProvinceRun], rule: &CohortRule, as_of: Date) -> anyhow::Result<Pool> {
    let (mut people, mut students, mut poverty) = (Vec::new(), Vec::new(), Vec::new());
    let (mut child_sources, mut student_sources, mut poverty_sources) =
        (Vec::new(), Vec::new(), Vec::new());
    for (r, run) in runs.iter().enumerate() {
        let path = run.dir.join(files::RESIDUALS_PARQUET);
        for i in 0..run.residuals.len() {
            let cell = Cell {
                path: &path,
                row: i,
                table: &run.residuals,
            };
            let source = Source { run: r, row: i };
            match cell.get("kind") {
                CHILD => {
                    // The line is the child's place in the pool: unique across provinces.
                    people.push(cell.person(child_sources.len() as u64)?);
                    child_sources.push(source);
                }
                STUDENT => {
                    students.push(cell.student(student_sources.len() as u64)?);
                    student_sources.push(source);
                }
                POVERTY => {
                    poverty.push(cell.member(poverty_sources.len() as u64)?);
                    poverty_sources.push(source);
                }
                other => return Err(cell.bad("kind", other, "child, student or poverty")),
            }
        }
    }
    let mut population = Population::of_children(people);
    let cohort = select_cohort(&mut population, rule, as_of);
    let children: Vec<Source> = cohort
        .children
        .iter()
        .map(|c| child_sources[c.line as usize])
        .collect();
    let province = |s: &Source| s.run as u8 + 1;
    let origins = Origins {
        children: children.iter().map(province).collect(),
        students: student_sources.iter().map(province).collect(),
        poverty: poverty_sources.iter().map(province).collect(),
        name_shares: name_shares(runs, &cohort, &children),
    };
    let records = |rows_in: usize| rows_in as u64;
    let registers = Registers {
        population,
        students: Records {
            rows_in: records(students.len()),
            rows: students,
            rejects: Vec::new(),
            warnings: Vec::new(),
        },
        poverty: Records {
            rows_in: records(poverty.len()),
            rows: poverty,
            rejects: Vec::new(),
            warnings: Vec::new(),
        },
        exemptions: None,
        disability: None,
        aid: None,
        origins: Some(origins),
    };
    Ok(Pool {
        registers,
        cohort,
        children,
        students: student_sources,
        poverty: poverty_sources,
    })
}

/// Each child's name's share among the country's children: the children of its name in
/// every province that flagged one of that name, over every province's cohort.
fn name_shares(runs: &[ProvinceRun], cohort: &Cohort, children: &[Source]) -> Vec<f64> {
    use std::collections::BTreeMap;
    let total: u64 = runs.iter().map(ProvinceRun::cohort_size).sum();
    let mut counts: BTreeMap<(String, usize), u64> = BTreeMap::new();
    let names: Vec<String> = cohort
        .children
        .iter()
        .map(|c| simplified(&c.name))
        .collect();
    for (name, s) in names.iter().zip(children) {
        let count = runs[s.run]
            .residuals
            .get(s.row, "name_count")
            .parse()
            .unwrap_or(1);
        counts.insert((name.clone(), s.run), count);
    }
    let mut by_name: BTreeMap<&str, u64> = BTreeMap::new();
    for ((name, _), n) in &counts {
        *by_name.entry(name.as_str()).or_default() += n;
    }
    names
        .iter()
        .map(|n| by_name[n.as_str()] as f64 / total.max(1) as f64)
        .collect()
}

/// One residual row being read.
struct Cell<'a> {
    path: &'a Path,
    row: usize,
    table: &'a Residuals,
}

impl Cell<'_> {
    fn get(&self, name: &str) -> &str {
        self.table.get(self.row, name)
    }

    /// Bad input naming the file, the row and the field; the value is never shown whole.
    fn bad(&self, field: &str, value: &str, expected: &str) -> anyhow::Error {
        bad_input(format!(
            "{} row {}: {field} `{}` is not {expected}; was the file written by sanku run --residuals?",
            self.path.display(),
            self.row + 1,
            crate::ground::mask::mask_id(value)
        ))
    }

    fn id(&self) -> anyhow::Result<IdNumber> {
        let class = self.get("id_class");
        let class =
            IdClass::from_key(class).ok_or_else(|| self.bad("id_class", class, "an ID class"))?;
        Ok(IdNumber {
            text: Text::from(self.get("id_number")),
            class,
        })
    }

    fn birth(&self) -> anyhow::Result<Option<Date>> {
        match self.get("birth_date") {
            "" => Ok(None),
            text => Date::parse_written(text)
                .map(Some)
                .ok_or_else(|| self.bad("birth_date", text, "a date")),
        }
    }

    fn person(&self, line: u64) -> anyhow::Result<Person> {
        let birth = self
            .birth()?
            .ok_or_else(|| self.bad("birth_date", "", "a date"))?;
        let status = self.get("status");
        Ok(Person {
            line,
            id: self.id()?,
            name: Text::from(self.get("name")),
            sex: Sex::from_key(self.get("sex")),
            birth,
            division: Text::from(self.get("division_code")),
            status: PersonStatus::from_key(status)
                .ok_or_else(|| self.bad("status", status, "a residence status"))?,
        })
    }

    fn student(&self, line: u64) -> anyhow::Result<Student> {
        let status = self.get("status");
        Ok(Student {
            line,
            student_no: Text::from(self.get("student_no")),
            id: self.id()?,
            name: Text::from(self.get("name")),
            sex: Sex::from_key(self.get("sex")),
            birth: self.birth()?,
            school_code: Text::from(self.get("school_code")),
            school_division: Text::from(self.get("division_code")),
            grade: Text::from(self.get("grade")),
            status: StudentStatus::from_key(status)
                .ok_or_else(|| self.bad("status", status, "a student status"))?,
        })
    }

    fn member(&self, line: u64) -> anyhow::Result<PovertyMember> {
        Ok(PovertyMember {
            line,
            household_no: Text::from(self.get("household_no")),
            id: self.id()?,
            name: Text::from(self.get("name")),
            sex: Sex::from_key(self.get("sex")),
            birth: self.birth()?,
            relation: Text::from(self.get("relation")),
            division: Text::from(self.get("division_code")),
            poverty_status: Text::from(self.get("poverty_status")),
        })
    }
}
