//! What `sanku explain` says of a child it has no pair to show for: a flagged child no
//! record resembles (the blocking keys that were tried, with the child's values), and a
//! child outside the cohort (why: its age on the cutoff day, or its status in the
//! population — moved out, deceased, cancelled — or no population row at all).

use std::path::Path;

use crate::ground::mask::mask_id;
use crate::ground::schema::files;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdClass, parse_id};
use crate::rundir::manifest::RunResults;

/// The child's values of the ledger that blocking keys on.
pub struct Flagged<'a> {
    pub sex: &'a str,
    pub birth_date: &'a str,
    pub division_code: &'a str,
}

/// Why a flagged child has no student record to show: none shares any blocking key with
/// it, or every pair found weighed below the candidate floor.
pub fn no_candidate(key: &str, child: &Flagged, results: &RunResults) -> String {
    let birth = Date::parse(child.birth_date);
    let sex = match child.sex {
        "" => "any sex".to_string(),
        s => s.to_string(),
    };
    let mut keys = vec![
        "  id_number              no record holds its ID number, and none one typo from it (id_one_edit)"
            .to_string(),
        match birth {
            Some(b) => format!("  birth_date             none was born on {b}"),
            None => "  birth_date             (the child's birth date is unknown)".to_string(),
        },
    ];
    if let Some(b) = birth {
        keys.push(format!(
            "  pinyin_name_year       none has the sound of its name, born in {}, {sex}",
            b.year
        ));
        keys.push(format!(
            "  pinyin_name_month_day  none has the sound of its name, born on {:02}-{:02} of any year, {sex}",
            b.month, b.day
        ));
    }
    if !child.division_code.is_empty() {
        keys.push(format!(
            "  name_county_no_birth   none without a birth date has its name in county {}",
            crate::ground::divisions::county_of(child.division_code)
        ));
    }
    format!(
        "{key}: no student record resembles it — none was found by any blocking key tried:\n{}\n\
         or every pair found weighed below the candidate floor ({} bits); a record already \
         linked to another child by its ID number is not compared again\n",
        keys.join("\n"),
        results.fuzzy_options.candidate_floor
    )
}

/// Why `key` is in no link, candidate or ledger row: outside the cohort, and why, as far
/// as the run directory tells.
pub fn outside_cohort(run: &Path, key: &str, results: &RunResults) -> anyhow::Result<String> {
    let window = &results.cohort_window;
    let ages = format!("school age: born {} … {}", window.born_from, window.born_to);
    let Some(id) = parse_id(key).ok().filter(|id| id.class == IdClass::Valid) else {
        return Err(crate::ground::error::bad_input(format!(
            "{}: in no link, fuzzy candidate or ledger row of this run, and not a valid ID \
             number to look for in the population",
            mask_id(key)
        )));
    };
    let birth = id.birth_date();
    let in_window = birth.is_some_and(|b| {
        let on = |s: &str| Date::parse(s);
        on(&window.born_from).is_none_or(|from| b >= from)
            && on(&window.born_to).is_none_or(|to| b <= to)
    });
    let born = birth.map_or_else(|| "on an unknown day".to_string(), |b| b.to_string());
    if !in_window {
        let age = match (birth, Date::parse(&window.cutoff)) {
            (Some(b), Some(cutoff)) => format!(", {} on {cutoff}", b.age_on(cutoff)),
            _ => String::new(),
        };
        return Ok(format!(
            "{key}: not in the cohort — born {born} by its ID number{age}, not of school age ({ages})\n"
        ));
    }
    // Of school age by its number: the population says why it is not in the cohort.
    let state = run.join(files::RESCORE_STATE);
    if !state.is_file() {
        return Ok(format!(
            "{key}: not in the cohort — born {born} by its ID number, of school age ({ages}), \
             so its population row is not active (moved out, deceased or cancelled), or \
             no population row holds the number, or the row gives another birth date; \
             the run kept no rescore.state to tell which\n"
        ));
    }
    let state = crate::rundir::state::read(run)?;
    let why = if let Some((_, status)) = state
        .cohort
        .inactive
        .iter()
        .find(|(id, _)| id.as_str() == key)
    {
        format!("its population row's status is {} ({ages})", status.key())
    } else if state.registers.population.has_id(&id) {
        format!("its population row gives a birth date outside school age ({ages})")
    } else {
        "no population row holds this ID number (a child of another province, or a number \
         the population register does not know)"
            .to_string()
    };
    Ok(format!("{key}: not in the cohort — {why}\n"))
}
