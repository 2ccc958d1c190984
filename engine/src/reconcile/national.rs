//! The national result: each province's flagged children less those found in school in
//! another province, the others' reasons as the whole country's records give them; the
//! children found elsewhere; and the leftover records now tied to a child of another
//! province.

use super::inputs::ProvinceRun;
use super::pool::{Pool, Source};
use crate::pipeline::classify::{Ledger, Outcome};
use crate::pipeline::link::{Link, Links};
use crate::rundir::ledger::column_names;

/// A child of one province found in school in another.
pub struct Elsewhere {
    /// The child's run and residual row.
    pub child: Source,
    /// The student record's run and residual row.
    pub record: Source,
    pub method: &'static str,
    pub weight: Option<f64>,
}

/// A leftover record of one province tied to a child of another.
pub struct Identified {
    pub source: &'static str,
    pub record: Source,
    pub child: Source,
    pub method: &'static str,
    pub weight: Option<f64>,
}

/// A child's record not in school, at home or elsewhere, as the ranking of a run sees it.
pub struct Record<'a> {
    pub method: &'a str,
    pub weight: Option<f64>,
    pub student_no: &'a str,
    pub status: &'a str,
}

impl Record<'_> {
    /// Whether a run over the whole country would make this record the child's rather than
    /// `other`: between two exact links, the status first in the order of statuses (dropped
    /// out before transferred out), then the student number; else an exact link before a
    /// fuzzy one, then the greater weight, then the student number.
    fn ranks_before(&self, other: &Record) -> bool {
        use crate::pipeline::normalize::values::StudentStatus;
        let status = |r: &Record| StudentStatus::from_key(r.status);
        if self.method == "exact" && other.method == "exact" {
            return (status(self), self.student_no) < (status(other), other.student_no);
        }
        let key = |r: &Record<'_>| {
            (
                r.method != "exact",
                std::cmp::Reverse(r.weight.map(f64::to_bits)),
            )
        };
        (key(self), self.student_no) < (key(other), other.student_no)
    }
}

/// The national result.
pub struct National {
    /// The national ledger: each row's province (run index) and its cells in the ledger's
    /// columns, provinces in order and rows as the national ledger sorts them.
    pub ledger: Vec<(usize, Vec<String>)>,
    pub elsewhere: Vec<Elsewhere>,
    pub identified: Vec<Identified>,
}

/// Decides the national ledger from the reconcile's `ledger` (of the pool's cohort) and
/// `links`.
pub fn decide(runs: &[ProvinceRun], pool: &Pool, links: &Links, there: &Ledger) -> National {
    let names = column_names();
    let at = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .expect("ledger column")
    };
    let mut by_source = std::collections::HashMap::new();
    for (i, s) in pool.children.iter().enumerate() {
        by_source.insert(*s, i);
    }
    let reconciled: std::collections::HashMap<usize, &crate::pipeline::classify::LedgerRow> =
        there.rows.iter().map(|r| (r.child, r)).collect();
    let method = |l: &Link| l.method.key();
    let mut ledger = Vec::new();
    let mut elsewhere = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        let cells = &run.residuals;
        for row in 0..cells.len() {
            let source = Source { run: r, row };
            let Some(&child) = by_source.get(&source) else {
                continue;
            };
            // Sorted by child: each child's standing link.
            let first = links.students.partition_point(|l| l.child < child);
            let standing = links.students.get(first).filter(|l| l.child == child);
            if let (Outcome::Enrolled, Some(link)) = (&there.outcomes[child], standing) {
                elsewhere.push(Elsewhere {
                    child: source,
                    record: pool.students[link.record],
                    method: method(link),
                    weight: link.weight,
                });
                continue;
            }
            let mut out: Vec<String> = names
                .iter()
                .map(|n| cells.get(row, n).to_string())
                .collect();
            if let Some(t) = reconciled.get(&child) {
                let home = Record {
                    method: cells.get(row, "record_method"),
                    weight: cells.get(row, "record_weight").parse().ok(),
                    student_no: cells.get(row, "record_student_no"),
                    status: cells.get(row, "record_status"),
                };
                let elsewhere = standing.map(|l| Record {
                    method: l.method.key(),
                    weight: l.weight,
                    student_no: pool.registers.students.rows[l.record].student_no.as_str(),
                    status: t.record_status,
                });
                amend(&mut out, t, (&home, elsewhere.as_ref()), &at);
            }
            ledger.push((r, out));
        }
    }
    let (poor, division, id, name) = (at("poor"), at("division_code"), at("id_number"), at("name"));
    ledger.sort_by(|(_, a), (_, b)| {
        (a[poor] != "1", &a[division], &a[id], &a[name]).cmp(&(
            b[poor] != "1",
            &b[division],
            &b[id],
            &b[name],
        ))
    });
    let mut identified: Vec<Identified> = links
        .students
        .iter()
        .chain(&links.extra_students)
        .map(|l| Identified {
            source: "students",
            record: pool.students[l.record],
            child: pool.children[l.child],
            method: method(l),
            weight: l.weight,
        })
        .chain(links.poverty.iter().map(|l| Identified {
            source: "poverty",
            record: pool.poverty[l.record],
            child: pool.children[l.child],
            method: method(l),
            weight: l.weight,
        }))
        .collect();
    identified.sort_by_key(|i| (i.record.run, i.source, i.record.row));
    elsewhere.sort_by_key(|e| (e.child.run, e.child.row));
    National {
        ledger,
        elsewhere,
        identified,
    }
}

/// Amends a province's ledger row by what the other provinces' records say of the child
/// (`there`, its row in the reconcile's ledger): as one whole-country run would classify
/// it. A record linked elsewhere whose status is not in school gives the reason where the
/// province had no record (or only an expired exemption, or only a pair in review); a
/// pair in review elsewhere makes a child with no record review-only; a poverty member
/// elsewhere makes the child poor; a better candidate elsewhere becomes its best.
fn amend(
    out: &mut [String],
    there: &crate::pipeline::classify::LedgerRow,
    (home, elsewhere): (&Record, Option<&Record>),
    at: &dyn Fn(&str) -> usize,
) {
    let (reason, status) = (at("reason"), at("record_status"));
    let takes = match (out[reason].as_str(), there.reason.as_str()) {
        (_, "no_record") => false,
        ("no_record" | "exemption_expired", _) => true,
        ("review_only", t) => t.starts_with("status_"),
        (h, t) if h.starts_with("status_") && t.starts_with("status_") => {
            elsewhere.is_some_and(|e| e.ranks_before(home))
        }
        _ => false,
    };
    if takes {
        out[reason] = there.reason.clone();
        out[status] = there.record_status.to_string();
        // A child with a record has no best candidate, as in a run.
        out[at("best_candidate")].clear();
        out[at("best_weight")].clear();
    }
    if there.poor && out[at("poor")] != "1" {
        out[at("poor")] = "1".into();
        out[at("household_no")] = there.household_no.clone();
    }
    let home_weight: Option<f64> = out[at("best_weight")].parse().ok();
    if let Some(w) = there.best_weight
        && home_weight.is_none_or(|h| w > h)
        && out[status].is_empty()
    {
        out[at("best_candidate")] = there.best_candidate.clone();
        out[at("best_weight")] = crate::rundir::csv::format_weight(Some(w));
    }
}
