//! Children who study in another province of a generated country (随迁子女 across a
//! provincial border). A family's move is drawn from the household's own random stream,
//! at the rates of `provinces.rs`: the whole family's school-age children go, or one of
//! them. Their population rows stay in the home province (the hukou does not move), and so
//! do the household's poverty records, exemptions and disability certificates; the child's
//! student records — with the errors any record carries — are written into the extract of
//! the province it studies in. A migrant child out of school has no record anywhere, and
//! aid (paid where a child studies) is not generated for migrant children.
//!
//! The truth differs by who looks. The home province's run cannot see the record: the
//! child is not a dropout (the home truth does not list it), and its link, its record's
//! errors and conflicts are the national truth's only. The study province sees a record no
//! child of its own takes: registry-only there, by where its ID points. Each province's
//! truth/migrants.csv lists the children crossing its border either way.

use std::collections::HashSet;

use super::Sinks;
use super::World;
use super::files::cells;
use super::household::Household;
use super::provinces::{self, Province};
use sanku::pipeline::cohort::CohortWindow;
use sanku::pipeline::normalize::id::{parse_record_id, rounded};
use sanku::pipeline::normalize::student_no_id;

/// The province of a generated country being written, and where its children may go.
pub(super) struct Place {
    pub province: &'static Province,
    pub destinations: Vec<Destination>,
}

/// Another province of the country: its index, counties and the probability that a child
/// of the home province studies there.
pub(super) struct Destination {
    pub index: usize,
    pub province: &'static Province,
    pub counties: Vec<String>,
    pub rate: f64,
}

/// Where a migrating household's child studies.
#[derive(Clone, Debug)]
pub(super) struct Move {
    destination: usize,
    county: String,
    whole: bool,
}

/// The province the child being written studies in.
pub(super) struct Abroad {
    index: usize,
    code: &'static str,
    county: String,
    counties: Vec<String>,
    /// Records written there: the student number and the ID number as written.
    pub records: Vec<(String, String)>,
}

/// The reason a home province's run flags a migrant child for: it sees no record (an
/// expired exemption is at home, and seen there).
pub(super) fn home_reason(reason: &str) -> &'static str {
    match reason {
        "exemption_expired" => "exemption_expired",
        _ => "no_record",
    }
}

/// How the study province's run tells a migrant's record apart, as `registry_only.csv`
/// names it, by where the record's ID points — the ID column, or the copy its national
/// student number carries when the column is unusable or a rounding of it: an ID of
/// another province (`migrant`), one of its own that nobody has (`population_gap`), or no
/// usable ID.
fn origin_there(no: &str, written: &str, province: &str) -> &'static str {
    let column = parse_record_id(written);
    let id = match student_no_id(no) {
        Some(g) if !column.class.is_usable() => g,
        Some(g) if rounded(&g.text).is_some_and(|r| r == column.text.as_str()) => g,
        _ => column,
    };
    match id.class.is_usable() {
        true if id.text.starts_with(province) => "population_gap",
        true => "migrant",
        false => "invalid_id",
    }
}

impl World<'_> {
    /// The county a child's school is in: its home county, or the one its family moved to.
    pub(super) fn study_county(&self, home: u32) -> String {
        match &self.abroad {
            Some(a) => a.county.clone(),
            None => self.counties[home as usize].clone(),
        }
    }

    /// A county of the province the child being written studies in, at random.
    pub(super) fn any_county(&mut self) -> String {
        let counties = match &self.abroad {
            Some(a) => &a.counties,
            None => &self.counties,
        };
        counties[self.rng.below(counties.len() as u64) as usize].clone()
    }

    /// Where the local student numbers of a child studying elsewhere start: apart from
    /// the study province's own.
    pub(super) fn number_range(&self) -> u64 {
        match (&self.abroad, &self.place) {
            (Some(_), Some(place)) => {
                500_000_000_000 + place.province.code.parse::<u64>().unwrap_or(0) * 1_000_000_000
            }
            _ => 0,
        }
    }

    /// The share of the children being written who drop out.
    pub(super) fn dropout_rate(&self) -> f64 {
        let rate = self.options.rates.dropout;
        match self.abroad {
            Some(_) => (rate * provinces::MIGRANT_DROPOUT_FACTOR).min(1.0),
            None => rate,
        }
    }

    /// Which of a household's school-age children (first night's or tonight's) study in
    /// another province of the country, and where.
    pub(super) fn moves(
        &self,
        h: &Household,
        household_no: &str,
        windows: [&CohortWindow; 2],
    ) -> Vec<Option<Move>> {
        let mut moves = vec![None; h.members.len()];
        let Some(place) = &self.place else {
            return moves;
        };
        let school_age: Vec<usize> = (0..h.members.len())
            .filter(|&k| {
                let m = &h.members[k];
                m.status == "正常" && windows.iter().any(|w| w.contains(m.birth))
            })
            .collect();
        if school_age.is_empty() {
            return moves;
        }
        // A family that takes one child of several: as many children leave as the rates say.
        let n = school_age.len() as f64;
        let whole = provinces::WHOLE_HOUSEHOLD;
        let per_family = n / (whole * n + 1.0 - whole);
        let mut rng = self.child_rng(household_no, 14);
        let u = rng.unit();
        let mut below = 0.0;
        let Some(destination) = place.destinations.iter().position(|d| {
            below += d.rate * per_family;
            u < below
        }) else {
            return moves;
        };
        let counties = &place.destinations[destination].counties;
        let county = counties[rng.below(counties.len() as u64) as usize].clone();
        let all = rng.chance(whole);
        let one = school_age[rng.below(school_age.len() as u64) as usize];
        for k in school_age {
            if all || k == one {
                moves[k] = Some(Move {
                    destination,
                    county: county.clone(),
                    whole: all,
                });
            }
        }
        moves
    }

    /// Starts writing a migrant child: its records go into the study province's students
    /// file, its truth is kept to be routed by [`World::arrive`].
    pub(super) fn leave(&mut self, m: &Move, s: &mut Sinks) {
        let place = self.place.as_ref().expect("a province of a country");
        let d = &place.destinations[m.destination];
        self.abroad = Some(Abroad {
            index: d.index,
            code: d.province.code,
            county: m.county.clone(),
            counties: d.counties.clone(),
            records: Vec::new(),
        });
        let there = s
            .country
            .as_mut()
            .and_then(|c| c.others[d.index].as_mut())
            .expect("the study province's files");
        std::mem::swap(&mut s.students, &mut there.students);
        s.capture();
    }

    /// Ends writing a migrant child: puts each truth row where the province that sees it
    /// keeps it, lists the child in both provinces' migrants.csv and the records in the
    /// study province's registry_only.csv.
    pub(super) fn arrive(
        &mut self,
        m: &Move,
        (id, poor): (&str, bool),
        (enrolled, counted): (bool, bool),
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        let abroad = self.abroad.take().expect("a child abroad");
        let home = self.place.as_ref().expect("a country").province.code;
        let rows = s.release();
        let mut country = s.country.take().expect("a country");
        let there = country.others[abroad.index]
            .as_mut()
            .expect("the study province's files");
        std::mem::swap(&mut s.students, &mut there.students);
        let (mut link, mut left_cohort) = (String::new(), HashSet::new());
        for (file, row) in rows {
            match file {
                "dropouts.csv" => {
                    let seen_reason = home_reason(&row[2]);
                    if seen_reason == row[2] {
                        s.dropouts.row(&cells(&row))?;
                    } else {
                        let seen = vec![row[0].clone(), row[1].clone(), seen_reason.into()];
                        s.dropouts.row(&cells(&seen))?;
                        country.routed.provincial(file, seen);
                        country.routed.national(file, row);
                    }
                }
                "student_links.csv" => {
                    link.clone_from(&row[1]);
                    country.routed.national(file, row);
                }
                "errors.csv" | "duplicates.csv" | "conflicts.csv" => {
                    country.routed.national(file, row);
                }
                // A record of a child who has left tonight's cohort, with a broken ID.
                "registry_only.csv" => {
                    left_cohort.insert(row[0].clone());
                    there.registry_only.row(&cells(&row))?;
                }
                _ => s.fact(file).row(&cells(&row))?,
            }
        }
        let mut listed = HashSet::new();
        for (no, written) in &abroad.records {
            if left_cohort.contains(no) || !listed.insert(no) {
                continue;
            }
            let row = vec![
                no.clone(),
                origin_there(no, written, abroad.code).to_string(),
            ];
            there.registry_only.row(&cells(&row))?;
            country.routed.provincial("registry_only.csv", row);
        }
        if counted {
            // Enrolled, poor and paid nothing: the national run sees it.
            if poor && enrolled {
                let row = vec![id.to_string()];
                country
                    .routed
                    .national("poor_enrolled_without_aid.csv", row);
            }
            let moved = if m.whole { "household" } else { "child" };
            let row: Vec<String> = [id, home, abroad.code, &link, moved]
                .iter()
                .map(|f| f.to_string())
                .collect();
            country.migrants.row(&cells(&row))?;
            there.migrants.row(&cells(&row))?;
            country.routed.provincial("migrants.csv", row);
            self.report.migrants += 1;
        }
        s.country = Some(country);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_there_is_told_apart_by_where_its_id_points() {
        let first17 = "34010220150301182";
        let check = sanku::pipeline::normalize::id::check_char(first17.as_bytes()) as char;
        let id = format!("{first17}{check}");
        let wrong = if check == '0' { '1' } else { '0' };
        let bad = format!("{first17}{wrong}");
        let local = "J440103000000000001";
        assert_eq!(origin_there(local, &id, "44"), "migrant");
        assert_eq!(origin_there(local, &format!(" {id} "), "44"), "migrant");
        assert_eq!(origin_there(local, &id, "34"), "population_gap");
        assert_eq!(origin_there(local, "", "44"), "invalid_id");
        assert_eq!(origin_there(local, "3.40102E+17", "44"), "invalid_id");
        assert_eq!(origin_there(local, &bad, "44"), "invalid_id");
        // The national number stands in for an unusable ID column.
        let national = format!("G{id}");
        assert_eq!(origin_there(&national, "", "44"), "migrant");
        assert_eq!(origin_there(&national, &bad, "44"), "migrant");
        assert_eq!(origin_there(&format!("G{bad}"), "", "44"), "invalid_id");
    }

    #[test]
    fn the_home_province_sees_no_record() {
        assert_eq!(home_reason("status_dropped_out"), "no_record");
        assert_eq!(home_reason("no_record"), "no_record");
        assert_eq!(home_reason("exemption_expired"), "exemption_expired");
    }
}
