//! Guards: the signs that a run is almost surely wrong — most of a register rejected, a
//! column the data clearly has that no header matched, an as-of date years away from the
//! data, no child of school age, no child enrolled. A guard that trips stops the run with
//! exit 3 before anything is written (the previous run stays in place), unless `--force`.
//! `check` runs the same guards on what it reads.

use crate::ground::reject::Reject;
use crate::pipeline::cohort::{Cohort, CohortRule};
use crate::pipeline::ingest::InputRecord;
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::values::InSchool;

/// Which guards run and their limits; each can be turned off in `[guards]`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GuardRule {
    /// Off with `--force`: every guard.
    pub enabled: bool,
    /// The share of a file's rows that may be rejected.
    pub max_rejected_share: f64,
    /// How far (in years) the median age of the enrolled students at the as-of date may
    /// lie from the middle of the school ages.
    pub as_of_years: f64,
    pub empty_cohort: bool,
    pub no_enrolled: bool,
    pub unmatched_columns: bool,
}

impl Default for GuardRule {
    fn default() -> Self {
        GuardRule {
            enabled: true,
            max_rejected_share: 0.2,
            as_of_years: 3.0,
            empty_cohort: true,
            no_enrolled: true,
            unmatched_columns: true,
        }
    }
}

/// Fewer rejected rows than this never trip the rejected-share guard: a tiny file with
/// two bad rows is not a wrong run.
const MIN_REJECTED: u64 = 10;
/// The enrolled students needed to judge the as-of date by their ages.
const MIN_STUDENTS_FOR_AGE: usize = 30;

/// What the guards found: one plain sentence each, saying what to fix.
#[derive(Debug, Default)]
pub struct Alarms(pub Vec<String>);

impl Alarms {
    /// The error that stops the run, when any guard tripped.
    pub fn into_result(self) -> anyhow::Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(crate::ground::error::suspect(format!(
            "the run looks wrong, so nothing was written:\n{}\nFix the inputs or the config ([guards] turns a guard off), or rerun with --force to write it anyway",
            self.0
                .iter()
                .map(|a| format!("  - {a}"))
                .collect::<Vec<_>>()
                .join("\n")
        )))
    }
}

/// The guards on what was read: rejected shares, unmatched columns, the as-of date and
/// the cohort.
pub fn inputs(
    rule: &GuardRule,
    records: &[InputRecord],
    registers: &Registers,
    cohort: &Cohort,
    cohort_rule: &CohortRule,
    as_of: Date,
    in_school: &InSchool,
) -> Alarms {
    let mut alarms = Alarms::default();
    if !rule.enabled {
        return alarms;
    }
    for record in records {
        let name = &record.info.name;
        let rejected = record.rows_rejected;
        if rejected >= MIN_REJECTED
            && rejected as f64 > rule.max_rejected_share * record.rows_in as f64
        {
            alarms.0.push(format!(
                "{name}: {rejected} of {} rows rejected ({:.0}%), mostly: {}; see `sanku check --force` and its rejects.csv",
                record.rows_in,
                100.0 * rejected as f64 / record.rows_in as f64,
                top_reasons(
                    crate::ground::schema::SourceKind::from_key(&record.info.source)
                        .map_or(&[][..], |kind| registers.rejects_of(kind))
                        .iter()
                        .filter(|r| &r.file == name)
                )
            ));
        }
        if rule.unmatched_columns {
            for column in &record.info.unmatched_columns {
                alarms.0.push(format!(
                    "{name}: the column `{}` looks like `{}`, but no header sanku knows matched it; name it in the config: [{}.columns] {} = \"{}\"",
                    column.header, column.field, record.info.source, column.field, column.header
                ));
            }
        }
    }
    if rule.as_of_years > 0.0 {
        alarms
            .0
            .extend(as_of_alarm(rule, registers, cohort_rule, as_of, in_school));
    }
    let used = registers.population.rows_used();
    if rule.empty_cohort && used > 0 && cohort.children.is_empty() {
        alarms.0.push(format!(
            "no child of school age (born {} to {}) among {used} population rows: is the as-of date ({as_of}) right, and do the birth dates read right?",
            cohort.window.born_from, cohort.window.born_to
        ));
    }
    alarms
}

/// The guard on what was linked: no child enrolled while the student register has rows.
pub fn results(rule: &GuardRule, cohort: u64, enrolled: u64, students: u64) -> Alarms {
    let mut alarms = Alarms::default();
    if rule.enabled && rule.no_enrolled && cohort > 0 && students > 0 && enrolled == 0 {
        alarms.0.push(format!(
            "no child of the {cohort} of school age is enrolled, though the student register has {students} rows: are its ID numbers and statuses in columns sanku reads (see `columns` in manifest.json of `sanku check --force`)?"
        ));
    }
    alarms
}

/// For `check`, which links nothing: the "nobody enrolled" guard on what it can see — no
/// student record carries (in its ID or its student number) the ID number of a child of
/// school age, while both registers have rows.
pub fn shared_ids(rule: &GuardRule, registers: &Registers, cohort: &Cohort) -> Alarms {
    let mut alarms = Alarms::default();
    let students = &registers.students.rows;
    if !(rule.enabled && rule.no_enrolled) || students.is_empty() || cohort.children.is_empty() {
        return alarms;
    }
    let children: rustc_hash::FxHashSet<&str> =
        cohort.children.iter().map(|c| c.id.text.as_str()).collect();
    let shared = students.iter().any(|s| {
        children.contains(s.id.text.as_str())
            || s.other_id()
                .is_some_and(|id| children.contains(id.text.as_str()))
    });
    if !shared {
        alarms.0.push(format!(
            "none of the {} student records carries the ID number of any of the {} children of school age: is the student register of the same place and year, and are its ID numbers in a column sanku reads?",
            students.len(),
            cohort.children.len()
        ));
    }
    alarms
}

/// The median age of the enrolled students at the as-of date, against the middle of the
/// school ages: an as-of date years after (or before) the data moves it by as many years.
fn as_of_alarm(
    rule: &GuardRule,
    registers: &Registers,
    cohort_rule: &CohortRule,
    as_of: Date,
    in_school: &InSchool,
) -> Option<String> {
    let mut ages: Vec<i32> = registers
        .students
        .rows
        .iter()
        .filter(|s| in_school.contains(s.status))
        .filter_map(|s| s.birth)
        .map(|birth| birth.age_on(as_of))
        .collect();
    if ages.len() < MIN_STUDENTS_FOR_AGE {
        return None;
    }
    let middle = ages.len() / 2;
    let median = *ages.select_nth_unstable(middle).1;
    let expected = f64::from(cohort_rule.entry_age + cohort_rule.max_age) / 2.0;
    let off = f64::from(median) - expected;
    (off.abs() > rule.as_of_years).then(|| {
        format!(
            "at the as-of date {as_of} the enrolled students' median age is {median}, {:.0} years {} the middle of the school ages ({expected}): is the as-of date right (--as-of, or as_of in the config)?",
            off.abs(),
            if off > 0.0 { "above" } else { "below" }
        )
    })
}

/// The three commonest reasons among `rejects`, with counts.
fn top_reasons<'a>(rejects: impl Iterator<Item = &'a Reject>) -> String {
    let mut counts: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for r in rejects {
        // A note in brackets (the line of the row kept) is left out, so that like reasons
        // count together.
        let reason = r.reason.split(" (the row at").next().unwrap_or(&r.reason);
        *counts
            .entry((r.field.clone(), reason.to_string()))
            .or_default() += 1;
    }
    let mut sorted: Vec<_> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted
        .iter()
        .take(3)
        .map(|((field, reason), n)| {
            if field.is_empty() {
                format!("{n} × {reason}")
            } else {
                format!("{n} × {field}: {reason}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
