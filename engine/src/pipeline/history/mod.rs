//! `history`: the ledger as a case list carried from night to night
//! (`run --previous PREV_RUN_DIR`). Each flagged child keeps the case number, the date
//! first flagged and the staff's notes of the previous ledger, or opens a new case; each
//! case of the previous ledger whose child is not flagged tonight is closed, with why:
//! returned to school, exempted, left the cohort, or no longer in the population.
//!
//! A child is the same child when the ID number is the same (the token of it, when the
//! previous run was pseudonymised). A row staff deleted from a worked ledger closes
//! nothing: the cases come from the previous run's own ledger.parquet, never from what
//! came back.

mod handback;
pub mod previous;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::ground::divisions::county_of;
use crate::pipeline::classify::{Case, Change, Ledger, Outcome};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::parse_id;
pub use handback::{SkippedFile, UntiedRow, is_ledger_header};
pub use previous::{Previous, PreviousCase, Return, Sheet, clean_cell};

/// Why a case of the previous ledger is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closure {
    /// Enrolled now (with the school).
    Returned,
    /// A valid exemption now.
    Exempted,
    /// Still in the population, out of the cohort: aged out, moved out, deceased.
    LeftCohort,
    /// The ID number is in no population row tonight.
    NoLongerInPopulation,
}

impl Closure {
    pub const fn key(self) -> &'static str {
        match self {
            Closure::Returned => "returned",
            Closure::Exempted => "exempted",
            Closure::LeftCohort => "left_cohort",
            Closure::NoLongerInPopulation => "no_longer_in_population",
        }
    }
}

/// A case closed tonight, as closed.csv shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedCase {
    /// Its index among the previous cases.
    previous: usize,
    pub case: previous::PreviousCase,
    pub closure: Closure,
    /// The exemption's reason; `aged_out`, `deceased`, `moved_out`, `cancelled`,
    /// `outside_cohort` for a child who left the cohort; empty otherwise.
    pub detail: String,
    /// The school and student number of a returned child.
    pub school_code: String,
    pub student_no: String,
    pub notes: Vec<String>,
}

/// What tonight's run found against the previous one, for summary.json and the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HistoryFacts {
    /// The previous run directory, as given.
    pub previous_run: String,
    /// The previous run's run date.
    pub previous_run_date: String,
    pub previous_cases: u64,
    pub new: u64,
    pub still_out: u64,
    pub reason_changed: u64,
    pub returned: u64,
    pub exempted: u64,
    pub left_cohort: u64,
    pub no_longer_in_population: u64,
    /// The worked ledgers read that carried staff columns.
    pub worked_files: Vec<String>,
    pub staff_columns: Vec<String>,
    /// Previous cases with no row in any worked ledger (deleted or filtered out there):
    /// kept open or closed on tonight's registers alone, with no notes to carry.
    pub cases_missing_from_worked: u64,
    /// Rows of worked ledgers tied to no previous case (neither case_id nor ID number
    /// known) although they hold notes.
    pub worked_rows_untied: u64,
    /// Files in the previous run's `returned/` that are not ledgers: skipped, with why.
    pub returned_files_skipped: Vec<SkippedFile>,
    /// Notes given differently for one case in two worked ledgers (the later one kept).
    pub conflicting_notes: u64,
    /// Staff columns not carried: a pseudonymised run carries no free text.
    pub notes_dropped: bool,
}

/// A division's cases against the previous run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub previous_flagged: u64,
    pub new: u64,
    pub closed: u64,
    pub returned: u64,
}

/// The case history of a run.
#[derive(Debug, Default)]
pub struct History {
    /// Columns staff added to the previous ledger, carried into the ledger and closed.csv.
    pub staff_columns: Vec<String>,
    /// Cases closed tonight: by closure, division and case number.
    pub closed: Vec<ClosedCase>,
    /// Per county: previous flagged, new, returned and closed.
    pub by_county: FxHashMap<String, ChangeCounts>,
    /// `None` without `--previous`.
    pub facts: Option<HistoryFacts>,
    /// The previous history.csv's rows, in the order of `rundir::cases::TREND_COLUMNS`.
    pub trend: Vec<Vec<String>>,
    /// Rows of worked ledgers with notes tied to no case (worked_untied.csv).
    pub untied: Vec<UntiedRow>,
    /// The children brought back to school after a case within the last months
    /// (returns.csv): the previous run's that are not flagged again, and tonight's.
    pub returns: Vec<Return>,
}

/// Tonight's run, as history sees it.
pub struct Tonight<'a> {
    /// The night of this run: new cases are numbered and dated by it.
    pub run_date: Date,
    /// Whether the staff's columns are carried (not in a pseudonymised run).
    pub carry_notes: bool,
    /// Turns an ID number into what the previous ledger holds for it (itself, or its
    /// token).
    pub key: &'a (dyn Fn(&str) -> String + Sync),
    /// How long a child brought back to school stays in returns.csv, in months.
    pub returned_months: u32,
}

/// Gives each ledger row its case and closes the previous cases no longer flagged.
pub fn track(
    previous: Option<&Previous>,
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    ledger: &mut Ledger,
    tonight: &Tonight,
) -> History {
    let Tonight {
        run_date,
        carry_notes,
        key,
        returned_months,
    } = *tonight;
    let mut history = History::default();
    let empty = Previous::empty();
    let prev = previous.unwrap_or(&empty);
    if carry_notes {
        history.staff_columns.clone_from(&prev.staff_columns);
    }
    let index: FxHashMap<&str, usize> = prev
        .cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id_number.as_str(), i))
        .collect();
    let mut seen = vec![false; prev.cases.len()];
    let mut next = prev.next_sequence(run_date);
    let mut facts = HistoryFacts::default();
    let county = |division: &str| county_of(division).to_string();
    let mut flagged = FxHashSet::default();
    for row in &mut ledger.rows {
        let k = key(&row.id_number);
        flagged.insert(k.clone());
        let carried = index.get(k.as_str()).copied();
        row.case = match carried {
            Some(i) => {
                seen[i] = true;
                let c = &prev.cases[i];
                let change = if c.reason == row.reason {
                    facts.still_out += 1;
                    Change::StillOut
                } else {
                    facts.reason_changed += 1;
                    Change::ReasonChanged
                };
                Case {
                    case_id: if c.case_id.is_empty() {
                        new_case_id(run_date, &mut next)
                    } else {
                        c.case_id.clone()
                    },
                    first_flagged: if c.first_flagged.is_empty() {
                        prev.run_date.to_string()
                    } else {
                        c.first_flagged.clone()
                    },
                    change,
                    previous_reason: c.reason.clone(),
                    notes: if carry_notes {
                        prev.notes_of(i)
                    } else {
                        Vec::new()
                    },
                }
            }
            None => {
                facts.new += 1;
                let entry = history.by_county.entry(county(&row.division_code));
                entry.or_default().new += 1;
                Case {
                    case_id: new_case_id(run_date, &mut next),
                    first_flagged: run_date.to_string(),
                    change: Change::New,
                    previous_reason: String::new(),
                    notes: vec![String::new(); history.staff_columns.len()],
                }
            }
        };
    }
    for case in &prev.cases {
        history
            .by_county
            .entry(county(&case.division_code))
            .or_default()
            .previous_flagged += 1;
    }
    let unseen: Vec<usize> = (0..prev.cases.len()).filter(|&i| !seen[i]).collect();
    history.closed = close(prev, &unseen, cohort, registers, links, ledger, key);
    point_to_new_cases(&mut history.closed, ledger);
    if carry_notes {
        for closed in &mut history.closed {
            closed.notes = prev.notes_of(closed.previous);
        }
    }
    for closed in &history.closed {
        let c = history
            .by_county
            .entry(county(&closed.case.division_code))
            .or_default();
        c.closed += 1;
        match closed.closure {
            Closure::Returned => {
                c.returned += 1;
                facts.returned += 1;
            }
            Closure::Exempted => facts.exempted += 1,
            Closure::LeftCohort => facts.left_cohort += 1,
            Closure::NoLongerInPopulation => facts.no_longer_in_population += 1,
        }
    }
    let since = run_date.months_before(returned_months);
    history.returns = returns(prev, &history.closed, &flagged, since, run_date);
    if let Some(p) = previous {
        facts.previous_run = p.dir.display().to_string();
        facts.previous_run_date = p.run_date.to_string();
        facts.previous_cases = p.cases.len() as u64;
        // A pseudonymised run names no worked file either (see below), only counts them.
        facts.worked_files = if carry_notes {
            p.worked_files.clone()
        } else {
            (1..=p.worked_files.len())
                .map(|i| format!("worked ledger {i}"))
                .collect()
        };
        facts.staff_columns = p.staff_columns.clone();
        facts.cases_missing_from_worked = p.missing_from_worked;
        facts.worked_rows_untied = p.untied.len() as u64;
        // A pseudonymised run names no file (staff name files after children) and lists no
        // untied row: it carries no notes, so there is nothing to tie.
        facts.returned_files_skipped = p
            .skipped_files
            .iter()
            .map(|f| if carry_notes { f.clone() } else { f.by_kind() })
            .collect();
        // Untied notes are listed (and counted) only where notes are carried.
        if !carry_notes {
            facts.worked_rows_untied = 0;
        }
        if carry_notes {
            history.untied = p.untied.clone();
        }
        facts.conflicting_notes = p.conflicting_notes;
        facts.notes_dropped = !carry_notes && !p.staff_columns.is_empty();
        history.trend = p.trend.clone();
        history.facts = Some(facts);
    }
    history
}

/// The children brought back to school on or after `since` who are not flagged tonight:
/// the previous run's list and the cases closed tonight as returned, by division, night and
/// case number. A child flagged again has a case again, and leaves the list.
fn returns(
    prev: &Previous,
    closed: &[ClosedCase],
    flagged: &FxHashSet<String>,
    since: Date,
    run_date: Date,
) -> Vec<Return> {
    let tonight = closed
        .iter()
        .filter(|c| c.closure == Closure::Returned)
        .map(|c| Return {
            case_id: c.case.case_id.clone(),
            id_number: c.case.id_number.clone(),
            name: c.case.name.clone(),
            division_code: c.case.division_code.clone(),
            first_flagged: c.case.first_flagged.clone(),
            returned_on: run_date.to_string(),
            school_code: c.school_code.clone(),
            student_no: c.student_no.clone(),
        });
    let earlier = prev.returns.iter().filter(|r| {
        Date::parse(&r.returned_on).is_some_and(|d| d >= since) && !flagged.contains(&r.id_number)
    });
    let mut list: Vec<Return> = tonight.chain(earlier.cloned()).collect();
    // One row a child: the latest return.
    list.sort_by(|a, b| (&a.id_number, &b.returned_on).cmp(&(&b.id_number, &a.returned_on)));
    list.dedup_by(|later, kept| later.id_number == kept.id_number);
    list.sort_by(|a, b| {
        (&a.division_code, &a.returned_on, &a.case_id, &a.id_number).cmp(&(
            &b.division_code,
            &b.returned_on,
            &b.case_id,
            &b.id_number,
        ))
    });
    list
}

/// A case closed because its ID number is in no population row may be the same child
/// under a corrected ID number: when exactly one new case tonight has the same name, birth
/// date and sex, its detail names that case (`new_case C…`) for staff to check. Never
/// merged: the ID number is the identity.
fn point_to_new_cases(closed: &mut [ClosedCase], ledger: &Ledger) {
    let mut new: FxHashMap<(&str, String, &str), Option<&str>> = FxHashMap::default();
    for row in ledger.rows.iter().filter(|r| r.case.change == Change::New) {
        new.entry((row.name.as_str(), row.birth_date.to_string(), row.sex))
            .and_modify(|c| *c = None)
            .or_insert(Some(row.case.case_id.as_str()));
    }
    for c in closed
        .iter_mut()
        .filter(|c| c.closure == Closure::NoLongerInPopulation && !c.case.name.is_empty())
    {
        let key = (
            c.case.name.as_str(),
            c.case.birth_date.clone(),
            c.case.sex.as_str(),
        );
        if let Some(Some(case_id)) = new.get(&key) {
            c.detail = format!("new_case {case_id}");
        }
    }
}

/// A new case number: `C`, the run date, a six-digit sequence number.
fn new_case_id(run_date: Date, next: &mut u64) -> String {
    let id = format!("C{}-{:06}", run_date.compact(), *next);
    *next += 1;
    id
}

/// Closes the previous cases `unseen` (not flagged tonight), each with why.
fn close(
    prev: &Previous,
    unseen: &[usize],
    cohort: &Cohort,
    registers: &Registers,
    links: &Links,
    ledger: &Ledger,
    key: &(dyn Fn(&str) -> String + Sync),
) -> Vec<ClosedCase> {
    use rayon::prelude::*;
    if unseen.is_empty() {
        return Vec::new();
    }
    let wanted: FxHashSet<&str> = unseen
        .iter()
        .map(|&i| prev.cases[i].id_number.as_str())
        .collect();
    // Tonight's cohort child and inactive status of each wanted ID (keys computed in
    // parallel: a token is an HMAC).
    let children: FxHashMap<String, usize> = cohort
        .children
        .par_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let k = key(&c.id.text);
            wanted.contains(k.as_str()).then_some((k, i))
        })
        .collect();
    let inactive: FxHashMap<String, &'static str> = cohort
        .inactive
        .iter()
        .filter_map(|(id, status)| {
            let k = key(id);
            wanted.contains(k.as_str()).then_some((k, status.key()))
        })
        .collect();
    let wanted_children: FxHashSet<usize> = children.values().copied().collect();
    let mut school: FxHashMap<usize, (String, String)> = FxHashMap::default();
    for link in &links.students {
        if wanted_children.contains(&link.child) {
            let record = &registers.students.rows[link.record];
            school.insert(
                link.child,
                (
                    record.school_code.to_string(),
                    record.student_no.to_string(),
                ),
            );
        }
    }
    let mut closed: Vec<ClosedCase> = unseen
        .iter()
        .map(|&i| {
            let case = prev.cases[i].clone();
            let mut detail = String::new();
            let (mut school_code, mut student_no) = (String::new(), String::new());
            let closure = match children.get(case.id_number.as_str()) {
                Some(&child) => match &ledger.outcomes[child] {
                    Outcome::Exempt { reason } => {
                        detail.clone_from(reason);
                        Closure::Exempted
                    }
                    _ => {
                        if let Some((s, n)) = school.get(&child) {
                            (school_code, student_no) = (s.clone(), n.clone());
                        }
                        Closure::Returned
                    }
                },
                None => {
                    let in_population = if prev.pseudonymized {
                        None
                    } else {
                        parse_id(&case.id_number)
                            .ok()
                            .map(|id| registers.population.has_id(&id))
                    };
                    let aged =
                        Date::parse(&case.birth_date).is_some_and(|b| !cohort.window.contains(b));
                    match (in_population, inactive.get(case.id_number.as_str())) {
                        (Some(false), _) => Closure::NoLongerInPopulation,
                        (_, Some(status)) => {
                            detail = (*status).to_string();
                            Closure::LeftCohort
                        }
                        (Some(true), None) | (None, None) if aged => {
                            detail = "aged_out".into();
                            Closure::LeftCohort
                        }
                        (Some(true), None) => {
                            detail = "outside_cohort".into();
                            Closure::LeftCohort
                        }
                        (None, None) => Closure::NoLongerInPopulation,
                    }
                }
            };
            ClosedCase {
                previous: i,
                case,
                closure,
                detail,
                school_code,
                student_no,
                notes: Vec::new(),
            }
        })
        .collect();
    closed.sort_by(|a, b| {
        (
            a.closure,
            &a.case.division_code,
            &a.case.case_id,
            &a.case.id_number,
        )
            .cmp(&(
                b.closure,
                &b.case.division_code,
                &b.case.case_id,
                &b.case.id_number,
            ))
    });
    closed
}
