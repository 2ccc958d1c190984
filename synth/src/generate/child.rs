//! A school-age child of a household: its student records, its disability certificate and
//! its aid, in its home province or — in a generated country — the one it studies in; and,
//! for a child flagged tonight in a generated country, its row of truth/ledger.csv: the
//! ledger a perfect run would write, in the columns of a run's ledger.csv (those a run
//! makes up — best candidate, case number, change, dates — left empty).

use std::collections::HashMap;

use super::disability::Schooling;
use super::files::cells;
use super::household::{Household, Member};
use super::migration::{Move, home_reason};
use super::school::Kin;
use super::{Sinks, World};

/// A school-age child as the population register holds it.
pub(super) struct Child<'c> {
    pub member: &'c Member,
    pub id: &'c str,
    pub kin: &'c Kin,
    /// The name on its population row.
    pub name: &'c str,
    /// Its 户籍 county.
    pub residence: &'c str,
    pub household_no: &'c str,
}

/// What tonight's truth says of a flagged child, beside its reason.
struct Flagged {
    reason: &'static str,
    certificate: Option<(String, String)>,
    aided: bool,
}

impl World<'_> {
    /// Writes a child of the first night's cohort (`in_cohort`) or one aged into tonight's
    /// (`counted` only): records, certificate and aid, abroad when it `moving`s.
    pub(super) fn child(
        &mut self,
        h: &Household,
        c: &Child,
        (in_cohort, counted): (bool, bool),
        moving: Option<&Move>,
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        if let Some(m) = moving {
            self.leave(m, s);
        }
        self.flagged = None;
        self.schooled = super::risk::Schooled::default();
        let (schooling, no) = if in_cohort {
            self.school_child(h, c.member, c.id, c.kin, counted, s)?
        } else {
            // Aged into the cohort since the first night: drawn apart, so that the
            // records of everyone else stay as they were.
            let mut own = self.child_rng(c.id, 0);
            std::mem::swap(&mut self.rng, &mut own);
            let written = self.school_child(h, c.member, c.id, c.kin, counted, s);
            std::mem::swap(&mut self.rng, &mut own);
            written?
        };
        let certificate = self.child_disability(c.member, c.id, schooling, counted, s)?;
        let aided = match moving {
            None => self.child_aid(h, c.member, (c.id, no), (schooling, counted), s)?,
            Some(m) => {
                let enrolled = matches!(schooling, Schooling::Enrolled | Schooling::HomeDelivered);
                self.arrive(m, (c.id, h.poor), (enrolled, counted), s)?;
                false
            }
        };
        let enrolled = matches!(schooling, Schooling::Enrolled | Schooling::HomeDelivered);
        if counted && moving.is_none() {
            match self.flagged {
                Some(_) => self.household_kids.flagged += 1,
                None if enrolled => {
                    self.household_kids.enrolled.push(c.id.to_string());
                    let age = sanku::pipeline::cohort::CohortRule::default()
                        .window(self.options.as_of)
                        .age(c.member.birth);
                    let facts = super::risk::Facts {
                        id: c.id,
                        age,
                        residence: c.residence,
                        poor_unaided: h.poor && !aided,
                        disabled: certificate.is_some() || schooling == Schooling::HomeDelivered,
                    };
                    self.risk_truth(&facts, s)?;
                }
                None => {}
            }
        }
        match self.flagged.take() {
            Some(reason) if counted => {
                let flagged = Flagged {
                    reason,
                    certificate,
                    aided,
                };
                self.ledger_row(h, c, &flagged, moving.is_some(), s)
            }
            _ => Ok(()),
        }
    }

    /// Writes a flagged child's row of truth/ledger.csv (a country's provinces only): the
    /// home province's view of a migrant child beside the national one when they differ.
    fn ledger_row(
        &self,
        h: &Household,
        c: &Child,
        flagged: &Flagged,
        abroad: bool,
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        let Some(country) = s.country.as_mut() else {
            return Ok(());
        };
        let national = self.ledger_cells(h, c, flagged, flagged.reason);
        let seen = home_reason(flagged.reason);
        if abroad && seen != flagged.reason {
            let home = self.ledger_cells(h, c, flagged, seen);
            country.ledger.row(&cells(&home))?;
            country.routed.provincial("ledger.csv", home);
            country.routed.national("ledger.csv", national);
            return Ok(());
        }
        country.ledger.row(&cells(&national))
    }

    /// A ledger row in the columns of a run's ledger.csv.
    fn ledger_cells(
        &self,
        h: &Household,
        c: &Child,
        flagged: &Flagged,
        reason: &str,
    ) -> Vec<String> {
        let flag = |b: bool| if b { "1" } else { "0" }.to_string();
        let birth = c.member.birth;
        let age = sanku::pipeline::cohort::CohortRule::default()
            .window(self.options.night_as_of)
            .age(birth);
        let status = match reason {
            "status_dropped_out" => "dropped_out",
            "status_suspended" => "suspended",
            "status_transferred_without_arrival" => "transferred_out",
            _ => "",
        };
        let (category, level) = flagged.certificate.clone().unwrap_or_default();
        let cells: HashMap<&str, String> = [
            ("id_number", c.id.to_string()),
            ("name", c.name.to_string()),
            ("sex", if c.member.male { "male" } else { "female" }.into()),
            ("birth_date", birth.to_string()),
            ("age", age.to_string()),
            ("division_code", c.residence.to_string()),
            (
                "division_name",
                sanku::ground::divisions::full_name(c.residence),
            ),
            ("poor", flag(h.poor)),
            ("reason", reason.to_string()),
            (
                "household_no",
                if h.poor { c.household_no } else { "" }.into(),
            ),
            ("record_status", status.into()),
            ("disabled", flag(flagged.certificate.is_some())),
            ("disability_category", category),
            ("disability_level", level),
            ("aided_this_term", flag(flagged.aided)),
        ]
        .into_iter()
        .collect();
        sanku::rundir::ledger::column_names()
            .iter()
            .map(|name| cells.get(name).cloned().unwrap_or_default())
            .collect()
    }
}
