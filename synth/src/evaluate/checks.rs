//! Scores of the mutual-verification checks (checks/*.csv, and the ledger's transfer and
//! exemption reasons) against the generator's truth. The checks are read as a spreadsheet
//! may have saved them, the ledger from ledger.parquet.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::{Score, read_csv};
use sanku::ground::error::bad_input;
use sanku::ground::schema::files;
use sanku::pipeline::normalize::id::{IdClass, parse_id};
use sanku::rundir::ledger::{col, read_ledger};

/// One score per check, by check name.
pub fn score_checks(
    truth: &Path,
    run: &Path,
    exemption_links: HashSet<String>,
) -> anyhow::Result<BTreeMap<String, Score>> {
    let set = |path: &Path, columns: &[&str]| -> anyhow::Result<HashSet<Vec<String>>> {
        Ok(read_csv(path, columns)?.into_iter().collect())
    };
    // A check saved from a spreadsheet may have lost its ID numbers (5.30102E+17): refused,
    // not scored as misses.
    let found = |file: &str, columns: &[&str]| -> anyhow::Result<HashSet<Vec<String>>> {
        let path = run.join(files::CHECKS_DIR).join(file);
        let rows = set(&path, columns)?;
        let damaged = columns
            .iter()
            .position(|c| *c == "id_number")
            .is_some_and(|at| {
                rows.iter()
                    .any(|r| parse_id(&r[at]).is_ok_and(|id| id.class == IdClass::Damaged))
            });
        if damaged {
            return Err(bad_input(format!(
                "{}: ID numbers damaged, as a spreadsheet saves long numbers; \
                 evaluate the run as it wrote the file",
                path.display()
            )));
        }
        Ok(rows)
    };
    let known = |file: &str, columns: &[&str]| set(&truth.join(file), columns);
    // The generator names a record's origin by what happened; the run by where its ID points.
    let origin = |rows: HashSet<Vec<String>>| -> HashSet<Vec<String>> {
        rows.into_iter()
            .map(|mut r| {
                if r[1] == "migrant" {
                    r[1] = "outside_divisions".into();
                }
                r
            })
            .collect()
    };
    let ids = |rows: &[Vec<String>], want: &dyn Fn(&[String]) -> bool| -> HashSet<Vec<String>> {
        rows.iter()
            .filter(|r| want(r))
            .map(|r| vec![r[0].clone()])
            .collect()
    };
    let dropouts = read_csv(
        &truth.join("dropouts.csv"),
        &["id_number", "poor", "reason"],
    )?;
    // The ledger's ID number, reason and aid this term, as rows of text.
    let ledger: Vec<Vec<String>> =
        read_ledger(&run.join(files::LEDGER_PARQUET), &[col::AIDED_THIS_TERM])?
            .into_iter()
            .map(|r| {
                let aided = if r.aided_this_term { "1" } else { "0" };
                vec![r.id_number, r.reason, aided.to_string()]
            })
            .collect();
    let reason = |r: &'static str| {
        (
            ids(&ledger, &move |row: &[String]| row[1] == r),
            ids(&dropouts, &move |row: &[String]| row[2] == r),
        )
    };
    let flagged = ids(&ledger, &|_| true);
    let exempt: HashSet<Vec<String>> = exemption_links
        .into_iter()
        .map(|id| vec![id])
        .filter(|id| !flagged.contains(id))
        .collect();

    let mut scores = BTreeMap::new();
    let mut add = |name: &str, (predicted, truth): (HashSet<Vec<String>>, HashSet<Vec<String>>)| {
        scores.insert(name.to_string(), Score::of(&predicted, &truth));
    };
    // A record of a child who left the cohort since the series' first night, with a broken
    // ID, may or may not be tied back to its owner: scored neither way.
    let (either, known_only): (HashSet<Vec<String>>, HashSet<Vec<String>>) =
        known("registry_only.csv", &["student_no", "kind"])?
            .into_iter()
            .partition(|r| r[1] == "left_cohort");
    let either: HashSet<&String> = either.iter().map(|r| &r[0]).collect();
    let found_only = found("registry_only.csv", &["student_no", "origin"])?
        .into_iter()
        .filter(|r| !either.contains(&r[0]))
        .collect();
    add("registry_only", (found_only, origin(known_only)));
    add(
        "conflicts",
        (
            found("conflicts.csv", &["id_number", "register", "field"])?,
            known("conflicts.csv", &["population_id", "register", "field"])?,
        ),
    );
    add(
        "duplicate_registrations",
        (
            found("duplicate_registrations.csv", &["id_number"])?,
            known("duplicates.csv", &["population_id"])?,
        ),
    );
    // One number in school at two schools: a child listed with one student number twice
    // (scored against a truth that tells the kinds of duplicates apart).
    let duplicates = truth.join("duplicates.csv");
    if sanku::rundir::csv::read_header(&duplicates)?
        .iter()
        .any(|h| h == "kind")
    {
        let listed = read_csv(
            &run.join("checks").join("duplicate_registrations.csv"),
            &["id_number", "student_no"],
        )?;
        let mut seen = HashSet::new();
        let two_schools: HashSet<Vec<String>> = listed
            .into_iter()
            .filter(|r| !seen.insert(r.clone()))
            .map(|r| vec![r[0].clone()])
            .collect();
        let kinds = read_csv(&duplicates, &["population_id", "kind"])?;
        add(
            "duplicate_registrations_two_schools",
            (two_schools, ids(&kinds, &|r| r[1] == "two_schools")),
        );
    }
    add(
        "poverty_unmatched",
        (
            found("poverty_unmatched.csv", &["id_number", "origin"])?,
            known("poverty_unmatched.csv", &["record_key", "kind"])?,
        ),
    );
    add(
        "poor_not_enrolled",
        (
            found("poor_not_enrolled.csv", &["id_number"])?,
            ids(&dropouts, &|r| r[1] == "1"),
        ),
    );
    add(
        "transferred_without_arrival",
        reason("status_transferred_without_arrival"),
    );
    add(
        "exempt",
        (
            exempt,
            ids(
                &read_csv(&truth.join("exemptions.csv"), &["id_number", "valid"])?,
                &|r| r[1] == "true",
            ),
        ),
    );
    add("exemption_expired", reason("exemption_expired"));
    add(
        "exemptions_unmatched",
        (
            found("exemptions_unmatched.csv", &["id_number"])?,
            known("exemptions_unmatched.csv", &["id_number"])?,
        ),
    );
    // Flagged children holding a certificate, with its category and level; sets generated
    // before the disability register have no truth for it.
    if truth.join("disabled.csv").is_file() {
        let out: HashSet<&String> = dropouts.iter().map(|r| &r[0]).collect();
        let columns = ["id_number", "disability_category", "disability_level"];
        add(
            "disabled_flagged",
            (
                found("disabled_flagged.csv", &columns)?,
                known("disabled.csv", &["id_number", "category", "level"])?
                    .into_iter()
                    .filter(|r| out.contains(&r[0]))
                    .collect(),
            ),
        );
    }
    // The aid register's checks; sets generated before it have no truth for them.
    if truth.join("aided.csv").is_file() {
        add(
            "poor_enrolled_without_aid",
            (
                found("poor_enrolled_without_aid.csv", &["id_number"])?,
                known("poor_enrolled_without_aid.csv", &["id_number"])?,
            ),
        );
        add(
            "aid_unmatched",
            (
                found("aid_unmatched.csv", &["id_number"])?,
                known("aid_unmatched.csv", &["id_number"])?,
            ),
        );
        let out: HashSet<&String> = dropouts.iter().map(|r| &r[0]).collect();
        add(
            "aided_flagged",
            (
                ids(&ledger, &|r| r[2] == "1"),
                known("aided.csv", &["id_number"])?
                    .into_iter()
                    .filter(|r| out.contains(&r[0]))
                    .collect(),
            ),
        );
    }
    Ok(scores)
}
