//! `classify`: every cohort child is enrolled, exempt or flagged (docs/usage.md, "Linkage
//! and classification"), and the flagged ones form the ledger, poor children first, then by
//! division and ID number.
//!
//! Rules, in order: a linked record whose status counts as in school → enrolled; an
//! exemption valid on the as-of date → exempt; otherwise flagged, with the reason taken
//! from the linked record's status (`status_dropped_out`, `status_suspended`,
//! `status_transferred_without_arrival` …), else `review_only` when its only candidates
//! are in the fuzzy review band, else `exemption_expired` when the only exemption has
//! lapsed, else `no_record`. A flagged child with no linked record carries its best fuzzy
//! candidate and that pair's weight, if any. Its case (number, date first flagged, change
//! since the previous run) is filled in by `history`.

use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::values::{InSchool, StudentStatus};
use crate::pipeline::normalize::{Person, Registers};

/// The flag reason of a child whose only candidates are in the review band.
pub const REVIEW_ONLY: &str = "review_only";

/// How a flagged child's case stands against the previous run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Change {
    /// Not in the previous ledger (or no previous run).
    #[default]
    New,
    /// In the previous ledger for the same reason.
    StillOut,
    /// In the previous ledger for another reason.
    ReasonChanged,
}

impl Change {
    pub const fn key(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::StillOut => "still_out",
            Change::ReasonChanged => "reason_changed",
        }
    }
}

/// A flagged child's case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Case {
    /// `C` + the as-of date of the run that opened it + a sequence number.
    pub case_id: String,
    /// The as-of date of the first run that flagged the child, YYYY-MM-DD.
    pub first_flagged: String,
    pub change: Change,
    /// The reason of the previous ledger; empty for a new case.
    pub previous_reason: String,
    /// The staff's columns carried from the previous ledger, in [`History::staff_columns`]
    /// order; empty when nothing was carried.
    pub notes: Vec<String>,
}

/// What happened to one cohort child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Enrolled,
    Exempt { reason: String },
    Flagged { reason: String },
}

/// One row of the ledger: a child someone will go and find.
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerRow {
    pub child: usize,
    pub id_number: String,
    pub name: String,
    pub sex: &'static str,
    pub birth_date: Date,
    pub age: i32,
    pub division_code: String,
    pub poor: bool,
    pub reason: String,
    pub household_no: String,
    /// Status of the linked student record, if any.
    pub record_status: &'static str,
    pub best_candidate: String,
    pub best_weight: Option<f64>,
    /// The child's disability certificate, if any.
    pub disability: Option<crate::pipeline::normalize::Disability>,
    /// Whether aid was paid for the child in the current term (the aid register, when
    /// given).
    pub aided: bool,
    /// The child's case, from night to night (filled in by `history`).
    pub case: Case,
}

impl LedgerRow {
    /// The disability category's key, or empty.
    pub fn disability_category(&self) -> String {
        self.disability
            .as_ref()
            .map_or(String::new(), |d| d.category.to_string())
    }

    /// The disability level (1 to 4), or empty.
    pub fn disability_level(&self) -> String {
        self.disability
            .as_ref()
            .and_then(|d| d.level)
            .map_or(String::new(), |l| l.to_string())
    }
}

/// Every child's outcome, and the ledger of flagged children.
#[derive(Debug)]
pub struct Ledger {
    /// Per cohort child, in cohort order.
    pub outcomes: Vec<Outcome>,
    /// Per cohort child: linked to the poverty register.
    pub poor: Vec<bool>,
    /// Per cohort child: holds a disability certificate.
    pub disabled: Vec<bool>,
    /// Per cohort child: aid was paid for the current term; `None` without the aid
    /// register.
    pub aided: Option<Vec<bool>>,
    /// Per cohort child: a payment for the current term may be theirs (it is in the
    /// review band for them); `None` without the aid register.
    pub aid_in_review: Option<Vec<bool>>,
    /// Flagged children, poor first, then by division code and ID number.
    pub rows: Vec<LedgerRow>,
}

/// Classifies the cohort.
pub fn classify(
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    run_date: Date,
    in_school: &InSchool,
) -> Ledger {
    let n = cohort.children.len();
    let mut student = vec![None; n];
    for link in &links.students {
        student[link.child] = Some(&registers.students.rows[link.record]);
    }
    let mut household = vec![None; n];
    for link in &links.poverty {
        household[link.child] = Some(&registers.poverty.rows[link.record]);
    }
    let mut exemption = vec![None; n];
    if let Some(exemptions) = &registers.exemptions {
        for link in &links.exemptions {
            exemption[link.child] = Some(&exemptions.rows[link.record]);
        }
    }

    let mut disability = vec![None; n];
    if let Some(register) = &registers.disability {
        for link in &links.disability {
            disability[link.child] = Some(&register.rows[link.record]);
        }
    }

    // A payment with no term written is taken as the current term's (an extract is
    // usually of one term); one whose term is unreadable counts in none.
    let this_term = |list: &[crate::pipeline::link::Link]| {
        registers.aid.as_ref().map(|aid| {
            let term = crate::pipeline::normalize::term::Term::of(run_date);
            let mut marked = vec![false; n];
            for link in list {
                let a = &aid.rows[link.record];
                if a.term == Some(term) || !a.term_given {
                    marked[link.child] = true;
                }
            }
            marked
        })
    };
    let aided = this_term(&links.aid);
    let aid_in_review = this_term(&links.aid_review);

    let (best, in_review) = fuzzy_evidence(n, registers, links);

    let mut outcomes = Vec::with_capacity(n);
    let mut rows = Vec::new();
    for (i, child) in cohort.children.iter().enumerate() {
        let status = student[i].map(|s| s.status);
        let valid_exemption = exemption[i].filter(|e| e.valid_until.is_none_or(|d| d >= run_date));
        let outcome = match (status, valid_exemption) {
            (Some(s), _) if in_school.contains(s) => Outcome::Enrolled,
            (_, Some(e)) => Outcome::Exempt {
                reason: e.reason.to_string(),
            },
            (Some(s), None) => Outcome::Flagged {
                reason: status_reason(s),
            },
            (None, None) if in_review[i] => Outcome::Flagged {
                reason: REVIEW_ONLY.into(),
            },
            (None, None) if exemption[i].is_some() => Outcome::Flagged {
                reason: "exemption_expired".into(),
            },
            (None, None) => Outcome::Flagged {
                reason: "no_record".into(),
            },
        };
        if let Outcome::Flagged { reason } = &outcome {
            let household_no = household[i].map(|h| h.household_no.to_string());
            let mut row = ledger_row(i, child, cohort, reason, household_no, status);
            if let (None, Some((record, weight))) = (status, best[i]) {
                row.best_candidate = registers.students.rows[record].student_no.to_string();
                row.best_weight = Some(weight);
            }
            row.disability = disability[i].cloned();
            row.aided = aided.as_ref().is_some_and(|a| a[i]);
            rows.push(row);
        }
        outcomes.push(outcome);
    }
    rows.sort_by(|a, b| {
        (!a.poor, &a.division_code, &a.id_number, &a.name).cmp(&(
            !b.poor,
            &b.division_code,
            &b.id_number,
            &b.name,
        ))
    });
    Ledger {
        outcomes,
        poor: household.iter().map(Option::is_some).collect(),
        disabled: disability.iter().map(Option::is_some).collect(),
        aided,
        aid_in_review,
        rows,
    }
}

/// Per child: the best-weighted fuzzy candidate (record, weight), ties broken by student
/// number; and whether any of its pairs is in review.
fn fuzzy_evidence(
    n: usize,
    registers: &Registers,
    links: &Links,
) -> (Vec<Option<(usize, f64)>>, Vec<bool>) {
    let mut best: Vec<Option<(usize, f64)>> = vec![None; n];
    let mut in_review = vec![false; n];
    let Some(fuzzy) = &links.student_fuzzy else {
        return (best, in_review);
    };
    let student_no = |r: usize| registers.students.rows[r].student_no.as_str();
    for p in &fuzzy.candidates {
        let better = match best[p.child] {
            None => true,
            Some((r, w)) => p.weight > w || (p.weight == w && student_no(p.record) < student_no(r)),
        };
        if better {
            best[p.child] = Some((p.record, p.weight));
        }
    }
    for p in &fuzzy.review {
        in_review[p.child] = true;
    }
    (best, in_review)
}

/// The flag reason for a record whose status does not count as in school.
fn status_reason(status: StudentStatus) -> String {
    match status {
        StudentStatus::TransferredOut => "status_transferred_without_arrival".into(),
        other => format!("status_{}", other.key()),
    }
}

fn ledger_row(
    index: usize,
    child: &Person,
    cohort: &Cohort,
    reason: &str,
    household_no: Option<String>,
    status: Option<StudentStatus>,
) -> LedgerRow {
    LedgerRow {
        child: index,
        id_number: child.id.text.to_string(),
        name: child.name.to_string(),
        sex: child.sex.key(),
        birth_date: child.birth,
        age: cohort.window.age(child.birth),
        division_code: child.division.to_string(),
        poor: household_no.is_some(),
        reason: reason.to_string(),
        household_no: household_no.unwrap_or_default(),
        record_status: status.map_or("", StudentStatus::key),
        best_candidate: String::new(),
        best_weight: None,
        disability: None,
        aided: false,
        case: Case::default(),
    }
}
