//! The run's two dates: the run date (the night the run stands for, today by default) and
//! the as-of date (the cohort's reference, September 1 of the run date's school year by
//! default), as given and checked.

use std::path::Path;

use crate::ground::error::bad_input;
use crate::pipeline::normalize::date::Date;

/// The years a run's dates may fall in: the workbooks and the cases' numbers write four
/// digits.
const RUN_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// A date given for the run (`what` names where), checked before any work.
pub(super) fn run_day(text: &str, what: &str) -> anyhow::Result<Date> {
    let date = Date::parse(text)
        .ok_or_else(|| bad_input(format!("{what} `{text}` is not a date (YYYY-MM-DD)")))?;
    if !RUN_YEARS.contains(&date.year) {
        return Err(bad_input(format!(
            "{what} `{text}`: the year must lie between {} and {}",
            RUN_YEARS.start(),
            RUN_YEARS.end()
        )));
    }
    Ok(date)
}

/// Today, by the machine's clock in its time zone.
pub(super) fn today() -> Date {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    Date::new(today.year(), today.month() as u8, today.day() as u8).expect("a calendar day")
}

/// September 1 of the school year `day` falls in.
pub(super) fn school_year_start(day: Date) -> Date {
    let year = if day.month >= 9 {
        day.year
    } else {
        day.year - 1
    };
    Date::new(year, 9, 1).expect("September 1 exists")
}

/// A `--out` named for a night (`runs/2026-12-02`) must be the run date's: a rerun of a
/// past night without `--run-date`, or a clock in another time zone than the shell's,
/// would date its cases by another night than its folder, and split the chain of nights.
pub(super) fn check_out_name(out: &Path, run_date: Date) -> anyhow::Result<()> {
    let named = out.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if named.len() == 10
        && named.as_bytes()[4] == b'-'
        && let Some(day) = Date::parse(named)
        && day != run_date
    {
        return Err(bad_input(format!(
            "--out {} is named for the night {day}, but the run date is {run_date}; give --run-date {day} to rerun that night",
            out.display()
        )));
    }
    Ok(())
}
