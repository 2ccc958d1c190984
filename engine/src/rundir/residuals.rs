//! residuals.parquet (`sanku run --residuals`): what a province's run leaves for the
//! national reconcile (docs/national.md). One row per flagged child, with its ledger row,
//! and one per student record and poverty member no child of the province took and no one
//! of its population holds the ID of, each with every field linkage needs. Every cell is
//! text. docs/national.md lists the columns.

use super::ledger::LEDGER;
use super::table::{DeclaredColumn, Sensitivity, csv_cells, declared, text_frame};
use super::writer::Writer;
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::id::IdNumber;
use crate::pipeline::normalize::{Person, Registers};

/// The kinds of residual rows.
pub const CHILD: &str = "child";
pub const STUDENT: &str = "student";
pub const POVERTY: &str = "poverty";

/// The columns before the ledger's.
const HEAD: [DeclaredColumn; 3] = [
    DeclaredColumn::new("kind", Sensitivity::Code),
    DeclaredColumn::new("province", Sensitivity::Code),
    DeclaredColumn::new("line", Sensitivity::Count),
];

/// The columns after the ledger's: what linkage needs beyond it, and the records' fields.
/// A child's `name_count` is how many children of its province's cohort carry its name
/// (folded to simplified), which weighs a name's agreement by how common it is. A child
/// with a record not in school has its record's student number, link method and weight,
/// so that a record not in school elsewhere is weighed against it as one run would.
const TAIL: [DeclaredColumn; 11] = [
    DeclaredColumn::new("id_class", Sensitivity::Code),
    DeclaredColumn::new("status", Sensitivity::Code),
    DeclaredColumn::new("name_count", Sensitivity::Count),
    DeclaredColumn::new("record_student_no", Sensitivity::Id),
    DeclaredColumn::new("record_method", Sensitivity::Code),
    DeclaredColumn::new("record_weight", Sensitivity::Count),
    DeclaredColumn::new("student_no", Sensitivity::Id),
    DeclaredColumn::new("school_code", Sensitivity::Code),
    DeclaredColumn::new("grade", Sensitivity::Code),
    DeclaredColumn::new("relation", Sensitivity::Code),
    DeclaredColumn::new("poverty_status", Sensitivity::Code),
];

/// Every column of residuals.parquet, in order.
pub fn declared_columns() -> Vec<DeclaredColumn> {
    HEAD.iter()
        .copied()
        .chain(declared(&LEDGER))
        .chain(TAIL.iter().copied())
        .collect()
}

/// The names of every column, in order.
pub fn column_names() -> Vec<&'static str> {
    declared_columns().iter().map(|c| c.name).collect()
}

/// One residual row: its cells by column name, the others empty.
struct Row(Vec<(&'static str, String)>);

impl Row {
    fn cells(self, names: &[&'static str]) -> Vec<String> {
        let mut cells = vec![String::new(); names.len()];
        for (name, value) in self.0 {
            let at = names.iter().position(|n| *n == name).expect("declared");
            cells[at] = value;
        }
        cells
    }
}

fn id_cells(id: &IdNumber) -> [(&'static str, String); 2] {
    [
        ("id_number", id.text.to_string()),
        ("id_class", id.class.key().to_string()),
    ]
}

/// The province a run stands for: the two-digit code most of its cohort's divisions (or,
/// without one, ID numbers) start with, the smallest on a tie; empty with no cohort.
pub fn province_of(children: &[Person]) -> String {
    let mut counts = [0u64; 100];
    for c in children {
        let code = if c.division.len() >= 2 {
            &c.division[..2]
        } else {
            c.id.text.get(..2).unwrap_or("")
        };
        if let Ok(p) = code.parse::<usize>() {
            counts[p] += 1;
        }
    }
    match counts.iter().enumerate().rev().max_by_key(|(_, n)| **n) {
        Some((p, n)) if *n > 0 => format!("{p:02}"),
        _ => String::new(),
    }
}

/// Writes residuals.parquet for the run's `ledger` rows (cells as the ledger shows them,
/// `ledger_cells`, in ledger order) and its leftover records.
pub fn write_residuals(
    out: &Writer,
    (cohort, registers, links): (&Cohort, &Registers, &Links),
    ledger: &crate::pipeline::classify::Ledger,
    name_count: &dyn Fn(&Person) -> u64,
) -> anyhow::Result<()> {
    let province = province_of(&cohort.children);
    let names = column_names();
    let ledger_names = super::table::header(&LEDGER);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in &ledger.rows {
        let child = &cohort.children[r.child];
        let mut cells: Vec<(&'static str, String)> = ledger_names
            .iter()
            .copied()
            .zip(csv_cells(&LEDGER, r))
            .collect();
        let at = links.students.partition_point(|l| l.child < r.child);
        if let Some(l) = links.students.get(at).filter(|l| l.child == r.child) {
            cells.extend([
                (
                    "record_student_no",
                    registers.students.rows[l.record].student_no.to_string(),
                ),
                ("record_method", l.method.key().to_string()),
                (
                    "record_weight",
                    l.weight.map(|w| w.to_string()).unwrap_or_default(),
                ),
            ]);
        }
        cells.extend([
            ("kind", CHILD.to_string()),
            ("province", province.clone()),
            ("line", child.line.to_string()),
            ("id_class", child.id.class.key().to_string()),
            ("status", child.status.key().to_string()),
            ("name_count", name_count(child).to_string()),
        ]);
        rows.push(Row(cells).cells(&names));
    }
    for j in leftover_students(registers, links) {
        let s = &registers.students.rows[j];
        let mut cells = vec![
            ("kind", STUDENT.to_string()),
            ("province", province.clone()),
            ("line", s.line.to_string()),
            ("name", s.name.to_string()),
            ("sex", s.sex.key().to_string()),
            (
                "birth_date",
                s.birth.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("division_code", s.school_division.to_string()),
            ("status", s.status.key().to_string()),
            ("student_no", s.student_no.to_string()),
            ("school_code", s.school_code.to_string()),
            ("grade", s.grade.to_string()),
        ];
        cells.extend(id_cells(&s.id));
        rows.push(Row(cells).cells(&names));
    }
    for j in leftover_poverty(registers, links, &cohort.window) {
        let m = &registers.poverty.rows[j];
        let mut cells = vec![
            ("kind", POVERTY.to_string()),
            ("province", province.clone()),
            ("line", m.line.to_string()),
            ("name", m.name.to_string()),
            ("sex", m.sex.key().to_string()),
            (
                "birth_date",
                m.birth.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("division_code", m.division.to_string()),
            ("household_no", m.household_no.to_string()),
            ("relation", m.relation.to_string()),
            ("poverty_status", m.poverty_status.to_string()),
        ];
        cells.extend(id_cells(&m.id));
        rows.push(Row(cells).cells(&names));
    }
    out.parquet(files::RESIDUALS_PARQUET, &text_frame(&names, &rows)?)
}

/// The student rows of every registration no child took whose IDs no one of the
/// population holds: every row of such a registration, so that the reconcile groups them
/// again.
fn leftover_students(registers: &Registers, links: &Links) -> Vec<usize> {
    let students = &registers.students.rows;
    let population = &registers.population;
    let mut taken = vec![false; students.len()];
    for l in links.students.iter().chain(&links.extra_students) {
        taken[l.record] = true;
    }
    let regs = &links.registrations;
    let mut rows = Vec::new();
    for j in (0..students.len()).filter(|&j| regs.stands(j) && !taken[j]) {
        let members: Vec<usize> = std::iter::once(j).chain(regs.followers_of(j)).collect();
        if members.iter().any(|&r| population.has_id(&students[r].id)) {
            continue;
        }
        rows.extend(members);
    }
    rows.sort_unstable();
    rows
}

/// The poverty members no child took whose ID no one of the population holds and who may
/// be a child of the cohort (born inside its window, or of unknown birth date).
fn leftover_poverty(
    registers: &Registers,
    links: &Links,
    window: &crate::pipeline::cohort::CohortWindow,
) -> Vec<usize> {
    let members = &registers.poverty.rows;
    let mut taken = vec![false; members.len()];
    for l in &links.poverty {
        taken[l.record] = true;
    }
    (0..members.len())
        .filter(|&j| {
            let m = &members[j];
            !taken[j]
                && !registers.population.has_id(&m.id)
                && m.birth.is_none_or(|b| window.contains(b))
        })
        .collect()
}
