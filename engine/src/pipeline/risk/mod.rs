//! `risk`: the enrolled school-age children most likely to leave school, for one-to-one
//! care (docs/risk.md). Every factor is a fact of the registers sanku reads or of its case
//! history: the grade against the age, the aid register, the statuses of the child's
//! registration rows, the cases closed as returned, the poverty household's other
//! children on the ledger, the disability register, the school's county. The list holds
//! one row per enrolled child with at least one factor, by score, poor first, then by
//! division and ID number.

mod rule;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

pub use self::rule::{Factor, Factors, RiskRule};
use crate::ground::divisions::county_of;
use crate::pipeline::classify::{Ledger, Outcome};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::history::History;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::grade::school_year;
use crate::pipeline::normalize::values::StudentStatus;
use crate::pipeline::normalize::{Registers, Student};

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
    /// 休学 rows and 转出 rows on the child's registrations, a row exported twice (the same
    /// school and grade) counted once.
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
        key: key_of,
    } = *context;
    let n = cohort.children.len();
    let students = &registers.students.rows;
    // Every factor switched off: no list.
    if Factor::ALL.into_iter().all(|f| !rule.assessed(f)) {
        return Risk::default();
    }
    let facts = Facts::gather(n, registers, links, ledger);
    let returned: FxHashMap<&str, &str> = history
        .returns
        .iter()
        .map(|r| (r.id_number.as_str(), r.returned_on.as_str()))
        .collect();
    let entry_age = cohort.window.entry_age();
    let mut rows: Vec<RiskRow> = (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let child = &cohort.children[i];
            if ledger.outcomes[i] != Outcome::Enrolled || facts.standing[i] == NONE {
                return None;
            }
            let standing = facts.standing[i] as usize;
            let row = facts.rows[standing];
            let household = facts.household[i];
            let household_no = (household != NONE).then(|| {
                registers.poverty.rows[household as usize]
                    .household_no
                    .as_str()
            });
            let (suspended_rows, transfers) = facts.marks[i];
            let (suspended_rows, transfers) = (u32::from(suspended_rows), u32::from(transfers));
            let flagged_siblings = household_no.map_or(0, |h| {
                facts
                    .flagged_in_household
                    .get(h)
                    .copied()
                    .unwrap_or_default()
            });
            // The grade of the registration in school: its usual age is the entry age in
            // grade one, a year more each grade after.
            let school_year = row.school_year();
            let years_over_age = school_year
                .map(|year| cohort.window.age(child.birth) - (entry_age + i32::from(year) - 1));
            // Aid: only with the aid register, only for the poor.
            let aid = match (&ledger.aided, ledger.poor[i]) {
                (Some(aided), true) if !aided[i] => {
                    let in_review = ledger.aid_in_review.as_ref().is_some_and(|r| r[i]);
                    Some(if in_review {
                        AidGap::InReview
                    } else {
                        AidGap::None
                    })
                }
                _ => None,
            };
            let returned_on = match returned.is_empty() {
                true => None,
                false => returned.get(key_of(&child.id.text).as_str()).copied(),
            };
            // The record itself is read only when assessed (it is off by default).
            let far = rule.assessed(Factor::FarFromHome) && {
                let record = &students[standing];
                record.school_division.len() >= 6
                    && child.division.len() >= 6
                    && county_of(&record.school_division) != county_of(&child.division)
            };
            let mut factors = Factors::default();
            for (factor, present) in [
                (
                    Factor::OverAge,
                    years_over_age.is_some_and(|y| y >= rule.over_age_years),
                ),
                (Factor::Unaided, aid.is_some()),
                (Factor::Suspended, suspended_rows > 0),
                (Factor::Returned, returned_on.is_some()),
                (Factor::Transfers, transfers >= rule.min_transfers),
                (Factor::Sibling, flagged_siblings > 0),
                (
                    Factor::Disability,
                    ledger.disabled[i] || row.home_delivered(),
                ),
                (Factor::FarFromHome, far),
            ] {
                if present && rule.assessed(factor) {
                    factors.insert(factor);
                }
            }
            (!factors.is_empty()).then(|| RiskRow {
                child: i,
                factors,
                score: rule.score(factors),
                poor: ledger.poor[i],
                household_no: household_no.unwrap_or_default().to_string(),
                student: standing,
                school_year,
                years_over_age,
                aid,
                suspended_rows,
                transfers,
                returned_on: returned_on.unwrap_or_default().to_string(),
                flagged_siblings,
                certificate: (facts.certificate[i] != NONE)
                    .then_some(facts.certificate[i] as usize),
            })
        })
        .collect();
    let children = &cohort.children;
    // The keys are copied out of the children (short text is held inline), so that the
    // comparisons do not go back to them.
    rows.par_sort_by_cached_key(|row| {
        let child = &children[row.child];
        (
            std::cmp::Reverse(row.score),
            !row.poor,
            child.division.clone(),
            child.id.text.clone(),
        )
    });
    Risk { rows }
}

/// No student row.
const NONE: u32 = u32::MAX;

/// (休学 rows, distinct 转出 rows) of each child's linked registrations, as many as a u16
/// holds.
fn marks(n: usize, students: &[Student], rows: &[RowFacts], links: &Links) -> Vec<(u16, u16)> {
    // The child each registration's standing row belongs to.
    let mut owner = vec![NONE; students.len()];
    for link in links.students.iter().chain(&links.extra_students) {
        owner[link.record] = link.child as u32;
    }
    // (child, row) of every 休学 or 转出 row of a linked registration.
    let mut noted: Vec<(u32, usize)> = owner
        .iter()
        .enumerate()
        .filter(|&(r, &c)| c != NONE && rows[r].marked())
        .map(|(r, &c)| (c, r))
        .collect();
    noted.extend(
        links
            .registrations
            .pairs()
            .filter(|&(r, j)| owner[r] != NONE && rows[j].marked())
            .map(|(r, j)| (owner[r], j)),
    );
    drop(owner);
    // A transfer is a school left in a grade, a suspension one taken in a grade: a row
    // exported twice is one.
    let fields = |j: usize| {
        let s = &students[j];
        (
            s.status == StudentStatus::Suspended,
            s.school_code.as_str(),
            s.grade.as_str(),
        )
    };
    noted.sort_unstable_by(|&(c, a), &(d, b)| (c, fields(a), a).cmp(&(d, fields(b), b)));
    let mut marks = vec![(0u16, 0u16); n];
    let mut last: Option<(u32, (bool, &str, &str))> = None;
    for &(c, j) in &noted {
        let f = fields(j);
        if last != Some((c, f)) {
            let entry = &mut marks[c as usize];
            if f.0 {
                entry.0 = entry.0.saturating_add(1);
            } else {
                entry.1 = entry.1.saturating_add(1);
            }
        }
        last = Some((c, f));
    }
    marks
}

/// What the list reads of a student row, in a byte: its grade's year of schooling (the
/// low four bits, 0 when the grade could not be read), whether it is enrolled as 送教上门,
/// and whether it is a 休学 or 转出 row.
#[derive(Clone, Copy)]
struct RowFacts(u8);

impl RowFacts {
    const YEAR: u8 = 0x0f;
    const HOME_DELIVERED: u8 = 0x80;
    const MARKED: u8 = 0x40;

    /// Every row's, in the register's order: a few dozen grade words stand for millions of
    /// pupils, so each thread reads each word once.
    fn of(students: &[Student]) -> Vec<RowFacts> {
        students
            .par_iter()
            .map_init(FxHashMap::<&str, u8>::default, |years, s| {
                let grade = s.grade.as_str();
                let year = match years.get(grade) {
                    Some(&year) => year,
                    None => {
                        let year = school_year(grade).unwrap_or(0);
                        // A register writing its grades free-hand is read row by row.
                        if years.len() < 4096 {
                            years.insert(grade, year);
                        }
                        year
                    }
                };
                let status = match s.status {
                    StudentStatus::HomeDelivered => Self::HOME_DELIVERED,
                    StudentStatus::Suspended | StudentStatus::TransferredOut => Self::MARKED,
                    _ => 0,
                };
                RowFacts(year | status)
            })
            .collect()
    }

    fn school_year(self) -> Option<u8> {
        Some(self.0 & Self::YEAR).filter(|&y| y > 0)
    }

    fn marked(self) -> bool {
        self.0 & Self::MARKED != 0
    }

    fn home_delivered(self) -> bool {
        self.0 & Self::HOME_DELIVERED != 0
    }
}

/// What the registers say of each child, gathered once: the student row standing for its
/// registration, the 休学 and distinct 转出 rows of all its registrations, its poverty
/// household and certificate, and each household's children on the ledger.
/// Each is a column by child, read in the children's order.
struct Facts<'a> {
    standing: Vec<u32>,
    /// By student row.
    rows: Vec<RowFacts>,
    /// (休学 rows, distinct 转出 rows), as many as a u16 holds.
    marks: Vec<(u16, u16)>,
    /// The child's poverty register row, with a household number.
    household: Vec<u32>,
    flagged_in_household: FxHashMap<&'a str, u32>,
    /// The child's disability register row.
    certificate: Vec<u32>,
}

impl<'a> Facts<'a> {
    fn gather(n: usize, registers: &'a Registers, links: &Links, ledger: &Ledger) -> Facts<'a> {
        let students = &registers.students.rows;
        let rows = RowFacts::of(students);
        let ((standing, marks), (household, flagged_in_household, certificate)) = rayon::join(
            || {
                let mut standing = vec![NONE; n];
                for link in &links.students {
                    standing[link.child] = link.record as u32;
                }
                (standing, marks(n, students, &rows, links))
            },
            || {
                let mut household = vec![NONE; n];
                let mut flagged: FxHashMap<&str, u32> = FxHashMap::default();
                for link in &links.poverty {
                    let no = registers.poverty.rows[link.record].household_no.as_str();
                    if no.is_empty() {
                        continue;
                    }
                    household[link.child] = link.record as u32;
                    if matches!(ledger.outcomes[link.child], Outcome::Flagged { .. }) {
                        *flagged.entry(no).or_default() += 1;
                    }
                }
                let mut certificate = vec![NONE; n];
                for link in &links.disability {
                    certificate[link.child] = link.record as u32;
                }
                (household, flagged, certificate)
            },
        );
        Facts {
            standing,
            rows,
            marks,
            household,
            flagged_in_household,
            certificate,
        }
    }
}
