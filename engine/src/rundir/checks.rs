//! checks/*.csv: the findings of mutual verification (docs/usage.md, "Mutual
//! verification"), one file per check, each written from its schema (column, cell) and
//! sorted by named columns. Column meanings are in docs/usage.md.

use super::links::linked_record;
use super::table::{DeclaredColumn, Field, csv_cells, declared, header, sorted_cells, text};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::classify::{Ledger, LedgerRow};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::link::identity::Owner;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{birth_of, id_text};
use crate::pipeline::normalize::{Exemption, Person, PovertyMember, Registers, Student};
use crate::pipeline::verify::conflicts::claims;
use crate::pipeline::verify::{Findings, Unmatched};

/// A date as text, or empty.
fn date(d: Option<Date>) -> String {
    d.map_or(String::new(), |d| d.to_string())
}

/// A student record found in no population row.
struct RegistryOnly<'a> {
    u: &'a Unmatched,
    s: &'a Student,
}

/// The school a student record `r.s` names, and its status.
macro_rules! school_columns {
    ($row:ty) => {
        [
            text!($row, "school_code", Code, |r: &$row| r
                .s
                .school_code
                .to_string()),
            text!($row, "school_division", Code, |r: &$row| r
                .s
                .school_division
                .to_string()),
            text!($row, "school_division_name", Code, |r: &$row| {
                crate::ground::divisions::full_name(&r.s.school_division)
            }),
            text!($row, "grade", Code, |r: &$row| r.s.grade.to_string()),
            text!($row, "status", Code, |r: &$row| r
                .s
                .status
                .key()
                .to_string()),
        ]
    };
}
pub(super) use school_columns;

fn registry_only<'a>() -> Vec<Field<RegistryOnly<'a>>> {
    type R<'a> = RegistryOnly<'a>;
    let mut columns = vec![
        text!(R, "origin", Code, |r: &R| r.u.origin.key().to_string()),
        text!(R, "id_number", Id, |r: &R| r.s.id.text.to_string()),
        text!(R, "id_class", Code, |r: &R| r.s.id.class.key().to_string()),
        text!(R, "student_no", Id, |r: &R| r.s.student_no.to_string()),
        text!(R, "name", Name, |r: &R| r.s.name.to_string()),
        text!(R, "sex", Code, |r: &R| r.s.sex.key().to_string()),
        text!(R, "birth_date", Date, |r: &R| date(r.s.birth)),
    ];
    columns.extend(school_columns!(R));
    columns
}

/// A field on which a linked record contradicts the child's population row.
struct Conflict {
    id_number: String,
    name: String,
    division_code: String,
    register: String,
    record_key: String,
    method: String,
    field: String,
    population_value: String,
    register_value: String,
}

const CONFLICTS: [Field<Conflict>; 10] = [
    text!(Conflict, "id_number", Id, |r: &Conflict| r
        .id_number
        .clone()),
    text!(Conflict, "name", Name, |r: &Conflict| r.name.clone()),
    text!(Conflict, "division_code", Code, |r: &Conflict| r
        .division_code
        .clone()),
    text!(Conflict, "division_name", Code, |r: &Conflict| {
        crate::ground::divisions::full_name(&r.division_code)
    }),
    text!(Conflict, "register", Code, |r: &Conflict| r
        .register
        .clone()),
    text!(Conflict, "record_key", Id, |r: &Conflict| r
        .record_key
        .clone()),
    text!(Conflict, "method", Code, |r: &Conflict| r.method.clone()),
    text!(Conflict, "field", Code, |r: &Conflict| r.field.clone()),
    text!(Conflict, "population_value", FieldValue, |r: &Conflict| r
        .population_value
        .clone()),
    text!(Conflict, "register_value", FieldValue, |r: &Conflict| r
        .register_value
        .clone()),
];

/// One of a child's several in-school registrations.
struct Duplicate<'a> {
    child: &'a Person,
    records: usize,
    s: &'a Student,
    method: &'static str,
}

fn duplicates<'a>() -> Vec<Field<Duplicate<'a>>> {
    type R<'a> = Duplicate<'a>;
    let mut columns = vec![
        text!(R, "id_number", Id, |r: &R| r.child.id.text.to_string()),
        text!(R, "name", Name, |r: &R| r.child.name.to_string()),
        text!(R, "division_code", Code, |r: &R| r
            .child
            .division
            .to_string()),
        text!(R, "division_name", Code, |r: &R| {
            crate::ground::divisions::full_name(&r.child.division)
        }),
        text!(R, "records", Count, |r: &R| r.records.to_string()),
        text!(R, "student_no", Id, |r: &R| r.s.student_no.to_string()),
    ];
    columns.extend(school_columns!(R));
    columns.push(text!(R, "method", Code, |r: &R| r.method.to_string()));
    columns
}

/// A poverty member found in no population row.
struct PovertyUnmatched<'a> {
    u: &'a Unmatched,
    m: &'a PovertyMember,
}

fn poverty_unmatched<'a>() -> [Field<PovertyUnmatched<'a>>; 11] {
    type R<'a> = PovertyUnmatched<'a>;
    [
        text!(R, "origin", Code, |r: &R| r.u.origin.key().to_string()),
        text!(R, "id_number", Id, |r: &R| r.m.id.text.to_string()),
        text!(R, "id_class", Code, |r: &R| r.m.id.class.key().to_string()),
        text!(R, "household_no", Id, |r: &R| r.m.household_no.to_string()),
        text!(R, "name", Name, |r: &R| r.m.name.to_string()),
        text!(R, "sex", Code, |r: &R| r.m.sex.key().to_string()),
        text!(R, "birth_date", Date, |r: &R| date(r.m.birth)),
        text!(R, "division_code", Code, |r: &R| r.m.division.to_string()),
        text!(R, "division_name", Code, |r: &R| {
            crate::ground::divisions::full_name(&r.m.division)
        }),
        text!(R, "relation", Code, |r: &R| r.m.relation.to_string()),
        text!(R, "poverty_status", Code, |r: &R| r
            .m
            .poverty_status
            .to_string()),
    ]
}

/// A flagged poor child, with the poverty member it was linked to if any.
struct PoorNotEnrolled<'a> {
    row: &'a LedgerRow,
    member: Option<&'a PovertyMember>,
}

fn poor_not_enrolled<'a>() -> [Field<PoorNotEnrolled<'a>>; 12] {
    type R<'a> = PoorNotEnrolled<'a>;
    [
        text!(R, "division_code", Code, |r: &R| r
            .row
            .division_code
            .clone()),
        text!(R, "division_name", Code, |r: &R| {
            crate::ground::divisions::full_name(&r.row.division_code)
        }),
        text!(R, "id_number", Id, |r: &R| r.row.id_number.clone()),
        text!(R, "name", Name, |r: &R| r.row.name.clone()),
        text!(R, "sex", Code, |r: &R| r.row.sex.to_string()),
        text!(R, "birth_date", Date, |r: &R| r.row.birth_date.to_string()),
        text!(R, "age", Count, |r: &R| r.row.age.to_string()),
        text!(R, "household_no", Id, |r: &R| r.row.household_no.clone()),
        text!(R, "relation", Code, |r: &R| r
            .member
            .map_or(String::new(), |m| m.relation.to_string())),
        text!(R, "poverty_status", Code, |r: &R| r
            .member
            .map_or(String::new(), |m| m.poverty_status.to_string())),
        text!(R, "reason", Code, |r: &R| r.row.reason.clone()),
        text!(R, "record_status", Code, |r: &R| r
            .row
            .record_status
            .to_string()),
    ]
}

/// An exemption matching no cohort child.
struct ExemptionUnmatched<'a> {
    u: &'a Unmatched,
    e: &'a Exemption,
}

fn exemptions_unmatched<'a>() -> [Field<ExemptionUnmatched<'a>>; 6] {
    type R<'a> = ExemptionUnmatched<'a>;
    [
        text!(R, "origin", Code, |r: &R| r.u.origin.key().to_string()),
        text!(R, "id_number", Id, |r: &R| r.e.id.text.to_string()),
        text!(R, "id_class", Code, |r: &R| r.e.id.class.key().to_string()),
        text!(R, "reason", FreeText, |r: &R| r.e.reason.to_string()),
        text!(R, "valid_until", Date, |r: &R| date(r.e.valid_until)),
        text!(R, "line", Count, |r: &R| r.e.line.to_string()),
    ]
}

/// The files of `checks/` this module writes (the aid register's aside), with their
/// columns.
pub(super) fn declared_files() -> Vec<(&'static str, Vec<DeclaredColumn>)> {
    vec![
        (files::REGISTRY_ONLY_CSV, declared(&registry_only())),
        (files::CONFLICTS_CSV, declared(&CONFLICTS)),
        (files::DUPLICATE_REGISTRATIONS_CSV, declared(&duplicates())),
        (files::POVERTY_UNMATCHED_CSV, declared(&poverty_unmatched())),
        (files::POOR_NOT_ENROLLED_CSV, declared(&poor_not_enrolled())),
        (
            files::EXEMPTIONS_UNMATCHED_CSV,
            declared(&exemptions_unmatched()),
        ),
        (files::DISABLED_FLAGGED_CSV, declared(&disabled_flagged())),
    ]
}

/// Writes every checks file into the run's checks folder.
pub fn write_checks(
    out: &Writer,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    ledger: &Ledger,
    findings: &Findings,
) -> anyhow::Result<()> {
    out.subdir(files::CHECKS_DIR)?;
    let students = &registers.students.rows;
    let poverty = &registers.poverty.rows;
    let write = |name: &str, columns: &[&str], rows: Vec<Vec<String>>| {
        out.csv(&files::in_checks(name), columns, rows)
    };

    let rows: Vec<RegistryOnly> = findings
        .registry_only
        .iter()
        .map(|u| RegistryOnly {
            u,
            s: &students[u.record],
        })
        .collect();
    let schema = registry_only();
    let keys = ["origin", "school_division", "student_no"];
    write(
        files::REGISTRY_ONLY_CSV,
        &header(&schema),
        sorted_cells(&schema, &rows, &keys),
    )?;

    let rows = conflicts(cohort, registers, findings);
    let every: Vec<&str> = header(&CONFLICTS);
    write(
        files::CONFLICTS_CSV,
        &every,
        sorted_cells(&CONFLICTS, &rows, &every),
    )?;

    let mut rows = Vec::new();
    for group in &findings.duplicates {
        let child = &cohort.children[group[0].child];
        rows.extend(group.iter().map(|link| Duplicate {
            child,
            records: group.len(),
            s: &students[link.record],
            method: link.method.key(),
        }));
    }
    let schema = duplicates();
    let every = header(&schema);
    write(
        files::DUPLICATE_REGISTRATIONS_CSV,
        &every,
        sorted_cells(&schema, &rows, &every),
    )?;

    let rows: Vec<PovertyUnmatched> = findings
        .poverty_unmatched
        .iter()
        .map(|u| PovertyUnmatched {
            u,
            m: &poverty[u.record],
        })
        .collect();
    let schema = poverty_unmatched();
    let keys = ["origin", "division_code", "household_no", "id_number"];
    write(
        files::POVERTY_UNMATCHED_CSV,
        &header(&schema),
        sorted_cells(&schema, &rows, &keys),
    )?;

    let rows: Vec<PoorNotEnrolled> = findings
        .poor_not_enrolled
        .iter()
        .map(|&i| {
            let row = &ledger.rows[i];
            let member = links
                .poverty
                .binary_search_by_key(&row.child, |l| l.child)
                .ok()
                .map(|k| &poverty[links.poverty[k].record]);
            PoorNotEnrolled { row, member }
        })
        .collect();
    let schema = poor_not_enrolled();
    write(
        files::POOR_NOT_ENROLLED_CSV,
        &header(&schema),
        sorted_cells(&schema, &rows, &["division_code", "id_number"]),
    )?;

    let rows: Vec<ExemptionUnmatched> = match &registers.exemptions {
        Some(exemptions) => findings
            .exemptions_unmatched
            .iter()
            .map(|u| ExemptionUnmatched {
                u,
                e: &exemptions.rows[u.record],
            })
            .collect(),
        None => Vec::new(),
    };
    let schema = exemptions_unmatched();
    write(
        files::EXEMPTIONS_UNMATCHED_CSV,
        &header(&schema),
        sorted_cells(&schema, &rows, &["origin", "id_number", "line#"]),
    )?;

    super::aid_checks::write_aid_checks(out, cohort, registers, links, findings)?;

    // In the order verify gives: the most severe first, for 送教上门 decisions.
    let schema = disabled_flagged();
    write(
        files::DISABLED_FLAGGED_CSV,
        &header(&schema),
        findings
            .disabled_flagged
            .iter()
            .map(|&i| csv_cells(&schema, &ledger.rows[i]))
            .collect(),
    )
}

/// A flagged child holding a disability certificate: the ledger's columns, with the
/// certificate's date.
fn disabled_flagged() -> Vec<Field<LedgerRow>> {
    let mut columns = super::ledger::columns(&[
        "id_number",
        "name",
        "sex",
        "birth_date",
        "age",
        "division_code",
        "division_name",
        "disability_category",
        "disability_level",
    ]);
    columns.push(text!(
        LedgerRow,
        "certificate_date",
        Date,
        |r: &LedgerRow| date(r.disability.as_ref().and_then(|d| d.certificate_date))
    ));
    columns.extend(super::ledger::columns(&["reason", "poor"]));
    columns
}

/// The conflicts of linked records, and the records carrying someone else's ID.
fn conflicts(cohort: &Cohort, registers: &Registers, findings: &Findings) -> Vec<Conflict> {
    let mut rows: Vec<Conflict> = findings
        .conflicts
        .iter()
        .map(|c| {
            let child = &cohort.children[c.link.child];
            let record = claims(registers, c.source, c.link.record);
            let (population_value, register_value) = c.field.values(child, &record);
            Conflict {
                id_number: child.id.text.to_string(),
                name: child.name.to_string(),
                division_code: child.division.to_string(),
                register: c.source.to_string(),
                record_key: linked_record(registers, c.source, c.link.record).key,
                method: c.link.method.key().to_string(),
                field: c.field.key().to_string(),
                population_value,
                register_value,
            }
        })
        .collect();
    rows.extend(findings.id_owners.iter().map(|&(source, d)| {
        let said = claims(registers, source, d.record);
        let (id_number, name, division_code, owner) = match d.owner {
            Owner::Child(i) => {
                let c = &cohort.children[i];
                (
                    c.id.text.to_string(),
                    c.name.to_string(),
                    c.division.to_string(),
                    format!("{} {}", c.name, c.birth),
                )
            }
            Owner::Outside(code) => {
                let id = id_text(code);
                let birth = birth_of(id.as_bytes());
                let division = id[..6].to_string();
                (id, String::new(), division, date(birth))
            }
        };
        Conflict {
            id_number,
            name,
            division_code,
            register: source.to_string(),
            record_key: linked_record(registers, source, d.record).key,
            method: "exact".to_string(),
            field: "id_owner".to_string(),
            population_value: owner,
            register_value: format!("{} {}", said.name, date(said.birth))
                .trim()
                .to_string(),
        }
    }));
    rows
}
