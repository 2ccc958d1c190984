//! `risk`: the enrolled school-age children most likely to leave school, for one-to-one
//! care (docs/risk.md). Every factor is a fact of the registers sanku reads or of its case
//! history: the grade against the age, the aid register, the statuses of the child's
//! registration rows, the cases closed as returned, the poverty household's other
//! children on the ledger, the disability register, the school's county. The list holds
//! one row per enrolled child with at least one factor, by score, poor first, then by
//! division and ID number.

mod rule;

use rustc_hash::{FxHashMap, FxHashSet};

pub use self::rule::{Factor, Factors, RiskRule};
use crate::ground::divisions::county_of;
use crate::pipeline::classify::{Ledger, Outcome};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::history::History;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::grade::school_year;
use crate::pipeline::normalize::values::StudentStatus;

/// How a poor child's aid stands this term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AidGap {
    /// No payment for the current term.
    None,
    /// Only a payment in the review band for the child.
    InReview,
}

impl AidGap {
    pub const fn key(self) -> &'static str {
        match self {
            AidGap::None => "none",
            AidGap::InReview => "in_review",
        }
    }
}

/// One child at risk, with what each factor saw.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskRow {
    /// Index into `Cohort::children`.
    pub child: usize,
    pub factors: Factors,
    pub score: u32,
    pub poor: bool,
    pub household_no: String,
    /// The student row standing for the child's registration (the school and grade shown).
    pub student: usize,
    /// The grade's year of schooling, when the grade could be read.
    pub school_year: Option<u8>,
    /// Age at the cohort's cutoff day minus the grade's usual age.
    pub years_over_age: Option<i32>,
    pub aid: Option<AidGap>,
    /// 休学 rows and distinct 转出 rows on the child's registrations.
    pub suspended_rows: u32,
    pub transfers: u32,
    /// The night the child's last case was closed as returned, within the months the rule
    /// keeps.
    pub returned_on: String,
    /// Brothers and sisters (the same poverty household) on tonight's ledger.
    pub flagged_siblings: u32,
    /// The child's disability certificate, an index into the disability register.
    pub certificate: Option<usize>,
}

/// The children at risk.
#[derive(Clone, Debug, Default)]
pub struct Risk {
    /// By score, poor first, then by division and ID number.
    pub rows: Vec<RiskRow>,
}

/// What the risk stage reads besides the registers and links.
pub struct Context<'a> {
    pub ledger: &'a Ledger,
    pub history: &'a History,
    /// Turns an ID number into what the case history holds for it (itself, or its token).
    pub key: &'a (dyn Fn(&str) -> String + Sync),
}

/// Finds the enrolled children at risk.
pub fn assess(
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    context: &Context,
    rule: &RiskRule,
) -> Risk {
    let Context {
        ledger,
        history,
        key,
    } = *context;
    let n = cohort.children.len();
    let students = &registers.students.rows;
    // Each child's registrations: the linked one first, then any further ones.
    let mut registrations: Vec<Vec<usize>> = vec![Vec::new(); n];
    for link in links.students.iter().chain(&links.extra_students) {
        registrations[link.child].push(link.record);
    }
    let mut household: Vec<Option<&str>> = vec![None; n];
    let mut flagged_in_household: FxHashMap<&str, u32> = FxHashMap::default();
    for link in &links.poverty {
        let no = registers.poverty.rows[link.record].household_no.as_str();
        if no.is_empty() {
            continue;
        }
        household[link.child] = Some(no);
        if matches!(ledger.outcomes[link.child], Outcome::Flagged { .. }) {
            *flagged_in_household.entry(no).or_default() += 1;
        }
    }
    let returned: FxHashMap<&str, &str> = history
        .returns
        .iter()
        .map(|r| (r.id_number.as_str(), r.returned_on.as_str()))
        .collect();
    let entry_age = cohort.window.entry_age();
    let mut rows = Vec::new();
    for (i, child) in cohort.children.iter().enumerate() {
        if ledger.outcomes[i] != Outcome::Enrolled {
            continue;
        }
        let Some(&standing) = registrations[i].first() else {
            continue;
        };
        let record = &students[standing];
        let mut row = RiskRow {
            child: i,
            factors: Factors::default(),
            score: 0,
            poor: ledger.poor[i],
            household_no: household[i].unwrap_or_default().to_string(),
            student: standing,
            school_year: school_year(&record.grade),
            years_over_age: None,
            aid: None,
            suspended_rows: 0,
            transfers: 0,
            returned_on: String::new(),
            flagged_siblings: 0,
            certificate: links
                .disability
                .binary_search_by_key(&i, |l| l.child)
                .ok()
                .map(|k| links.disability[k].record),
        };
        let mut mark = |factor: Factor, present: bool| {
            if present && rule.assessed(factor) {
                row.factors.insert(factor);
            }
        };
        // The grade of the registration in school: its usual age is the entry age in
        // grade one, a year more each grade after.
        row.years_over_age = row
            .school_year
            .map(|year| cohort.window.age(child.birth) - (entry_age + i32::from(year) - 1));
        mark(
            Factor::OverAge,
            row.years_over_age.is_some_and(|y| y >= rule.over_age_years),
        );

        // Aid: only with the aid register, only for the poor.
        if row.poor
            && let Some(aided) = &ledger.aided
        {
            let in_review = ledger.aid_in_review.as_ref().is_some_and(|r| r[i]);
            row.aid = match (aided[i], in_review) {
                (true, _) => None,
                (false, true) => Some(AidGap::InReview),
                (false, false) => Some(AidGap::None),
            };
        }
        mark(Factor::Unaided, row.aid.is_some());

        // The statuses of every row of the child's registrations: a registration's history
        // holds the 休学 it came back from and the schools it left. A row exported twice
        // is one transfer.
        let mut left: FxHashSet<(&str, &str)> = FxHashSet::default();
        for &r in &registrations[i] {
            for j in std::iter::once(r).chain(links.registrations.followers_of(r)) {
                let s = &students[j];
                match s.status {
                    StudentStatus::Suspended => row.suspended_rows += 1,
                    StudentStatus::TransferredOut => {
                        left.insert((s.school_code.as_str(), s.grade.as_str()));
                    }
                    _ => {}
                }
            }
        }
        row.transfers = left.len() as u32;
        mark(Factor::Suspended, row.suspended_rows > 0);
        mark(Factor::Transfers, row.transfers >= rule.min_transfers);

        if let Some(on) = returned.get(key(&child.id.text).as_str()) {
            row.returned_on = (*on).to_string();
        }
        mark(Factor::Returned, !row.returned_on.is_empty());

        row.flagged_siblings = household[i].map_or(0, |h| {
            flagged_in_household.get(h).copied().unwrap_or_default()
        });
        mark(Factor::Sibling, row.flagged_siblings > 0);

        let home_delivered = record.status == StudentStatus::HomeDelivered;
        mark(Factor::Disability, ledger.disabled[i] || home_delivered);

        let school_county = county_of(&record.school_division);
        mark(
            Factor::FarFromHome,
            record.school_division.len() >= 6
                && child.division.len() >= 6
                && school_county != county_of(&child.division),
        );

        if !row.factors.is_empty() {
            row.score = rule.score(row.factors);
            rows.push(row);
        }
    }
    let children = &cohort.children;
    rows.sort_by(|a, b| {
        let (x, y) = (&children[a.child], &children[b.child]);
        (b.score, !a.poor, &x.division, &x.id.text).cmp(&(
            a.score,
            !b.poor,
            &y.division,
            &y.id.text,
        ))
    });
    Risk { rows }
}
