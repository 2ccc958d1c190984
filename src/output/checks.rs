//! checks/*.csv: the findings of mutual verification (SPEC §7), one file per check, each
//! sorted by stable keys. Column meanings are in docs/usage.md.

use std::path::Path;

use super::atomic::create_subdir;
use super::csv::{sort_rows, write_csv};
use super::links::linked_record;
use crate::classify::Ledger;
use crate::cohort::Cohort;
use crate::link::Links;
use crate::link::identity::Owner;
use crate::normalize::date::Date;
use crate::normalize::id::{IdNumber, id_text};
use crate::normalize::{PovertyMember, Registers, Student};
use crate::schema::{columns, files};
use crate::verify::conflicts::claims;
use crate::verify::{Findings, Unmatched};

/// Writes every checks file into `dir/checks/`.
pub fn write_checks(
    dir: &Path,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    ledger: &Ledger,
    findings: &Findings,
) -> anyhow::Result<()> {
    let dir = dir.join(files::CHECKS_DIR);
    create_subdir(&dir)?;
    let students = &registers.students.rows;
    let poverty = &registers.poverty.rows;
    let date = |d: Option<Date>| d.map_or(String::new(), |d| d.to_string());
    let id_cells = |u: &Unmatched, id: &IdNumber| {
        [
            u.origin.key().to_string(),
            id.text.to_string(),
            id.class.key().to_string(),
        ]
    };

    let mut rows: Vec<Vec<String>> = findings
        .registry_only
        .iter()
        .map(|u| {
            let s = &students[u.record];
            let mut row = id_cells(u, &s.id).to_vec();
            row.extend([
                s.student_no.to_string(),
                s.name.to_string(),
                s.sex.key().to_string(),
            ]);
            row.extend([date(s.birth)]);
            row.extend(school_cells(s));
            row
        })
        .collect();
    sort_rows(
        &mut rows,
        &columns::REGISTRY_ONLY,
        &["origin", "school_division", "student_no"],
    );
    write_csv(
        &dir,
        files::REGISTRY_ONLY_CSV,
        &columns::REGISTRY_ONLY,
        rows,
    )?;

    let mut rows: Vec<Vec<String>> = findings
        .conflicts
        .iter()
        .map(|c| {
            let child = &cohort.children[c.link.child];
            let record = claims(registers, c.source, c.link.record);
            let (population_value, register_value) = c.field.values(child, &record);
            vec![
                child.id.text.to_string(),
                child.name.to_string(),
                child.division.to_string(),
                c.source.to_string(),
                linked_record(registers, c.source, c.link.record).key,
                c.link.method.key().to_string(),
                c.field.key().to_string(),
                population_value,
                register_value,
            ]
        })
        .collect();
    rows.extend(findings.id_owners.iter().map(|&(source, d)| {
        let said = claims(registers, source, d.record);
        let (id, name, division, owner) = match d.owner {
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
                let birth = crate::normalize::id::birth_of(id.as_bytes());
                let division = id[..6].to_string();
                (id, String::new(), division, date(birth))
            }
        };
        vec![
            id,
            name,
            division,
            source.to_string(),
            linked_record(registers, source, d.record).key,
            "exact".to_string(),
            "id_owner".to_string(),
            owner,
            format!("{} {}", said.name, date(said.birth))
                .trim()
                .to_string(),
        ]
    }));
    rows.sort();
    write_csv(&dir, files::CONFLICTS_CSV, &columns::CONFLICTS, rows)?;

    let mut rows: Vec<Vec<String>> = Vec::new();
    for group in &findings.duplicates {
        let child = &cohort.children[group[0].child];
        for link in group {
            let s = &students[link.record];
            let mut row = vec![
                child.id.text.to_string(),
                child.name.to_string(),
                child.division.to_string(),
                group.len().to_string(),
                s.student_no.to_string(),
            ];
            row.extend(school_cells(s));
            row.push(link.method.key().to_string());
            rows.push(row);
        }
    }
    rows.sort();
    write_csv(
        &dir,
        files::DUPLICATE_REGISTRATIONS_CSV,
        &columns::DUPLICATE_REGISTRATIONS,
        rows,
    )?;

    let mut rows: Vec<Vec<String>> = findings
        .poverty_unmatched
        .iter()
        .map(|u| {
            let m = &poverty[u.record];
            let mut row = id_cells(u, &m.id).to_vec();
            row.extend([
                m.household_no.to_string(),
                m.name.to_string(),
                m.sex.key().to_string(),
                date(m.birth),
            ]);
            row.extend(household_cells(m));
            row
        })
        .collect();
    sort_rows(
        &mut rows,
        &columns::POVERTY_UNMATCHED,
        &["origin", "division_code", "household_no", "id_number"],
    );
    write_csv(
        &dir,
        files::POVERTY_UNMATCHED_CSV,
        &columns::POVERTY_UNMATCHED,
        rows,
    )?;

    let mut rows: Vec<Vec<String>> = findings
        .poor_not_enrolled
        .iter()
        .map(|&i| {
            let row = &ledger.rows[i];
            let member = links
                .poverty
                .binary_search_by_key(&row.child, |l| l.child)
                .ok()
                .map(|k| &poverty[links.poverty[k].record]);
            let mut cells = vec![
                row.division_code.to_string(),
                row.id_number.to_string(),
                row.name.to_string(),
                row.sex.to_string(),
                row.birth_date.to_string(),
                row.age.to_string(),
                row.household_no.to_string(),
            ];
            cells.extend(
                member.map_or([const { String::new() }; 3], household_cells)[1..]
                    .iter()
                    .cloned(),
            );
            cells.extend([row.reason.to_string(), row.record_status.to_string()]);
            cells
        })
        .collect();
    sort_rows(
        &mut rows,
        &columns::POOR_NOT_ENROLLED,
        &["division_code", "id_number"],
    );
    write_csv(
        &dir,
        files::POOR_NOT_ENROLLED_CSV,
        &columns::POOR_NOT_ENROLLED,
        rows,
    )?;

    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Some(exemptions) = &registers.exemptions {
        rows.extend(findings.exemptions_unmatched.iter().map(|u| {
            let e = &exemptions.rows[u.record];
            let mut row = id_cells(u, &e.id).to_vec();
            row.extend([
                e.reason.to_string(),
                date(e.valid_until),
                e.line.to_string(),
            ]);
            row
        }));
    }
    sort_rows(
        &mut rows,
        &columns::EXEMPTIONS_UNMATCHED,
        &["origin", "id_number", "line#"],
    );
    write_csv(
        &dir,
        files::EXEMPTIONS_UNMATCHED_CSV,
        &columns::EXEMPTIONS_UNMATCHED,
        rows,
    )
}

/// school_code, school_division, grade, status.
fn school_cells(s: &Student) -> [String; 4] {
    [
        s.school_code.to_string(),
        s.school_division.to_string(),
        s.grade.to_string(),
        s.status.key().to_string(),
    ]
}

/// division_code, relation, poverty_status.
fn household_cells(m: &PovertyMember) -> [String; 3] {
    [
        m.division.to_string(),
        m.relation.to_string(),
        m.poverty_status.to_string(),
    ]
}
