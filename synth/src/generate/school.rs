//! A school-age child's registrations as the student register holds them: the main one
//! under a national number (G + the ID) or a local one (J …), with an injected error and
//! the history rows an extract carries under the same number; a former school's record,
//! a second registration.

use super::disability::Schooling;
use super::household::{Household, Member};
use super::{Sinks, World, corrupt};

/// Which registration a student record is, for its number and its errors.
#[derive(Clone, Copy)]
pub(super) enum Record<'k> {
    /// A school-age child's main registration: national number, errors injected, history
    /// rows.
    Main(&'k Kin),
    /// Another registration with a national number (a child from elsewhere, a 16-year-old).
    National,
    /// A registration under a local number (a second registration, a former school's).
    Local,
}

/// The ID numbers of a household member's parents and of siblings born on another day,
/// and whether the population row lags the child's name.
pub(super) struct Kin {
    parents: Vec<String>,
    siblings: Vec<String>,
    pub(super) name_lags: bool,
    /// In tonight's cohort: its errors and conflicts go into the truth.
    pub(super) counted: bool,
}

impl Kin {
    pub(super) fn of(h: &Household, ids: &[String], k: usize) -> Kin {
        let me = &h.members[k];
        let is_child = |m: &Member| matches!(m.relation, "之子" | "之女");
        let pick = |want: &dyn Fn(&Member) -> bool| -> Vec<String> {
            h.members
                .iter()
                .zip(ids)
                .enumerate()
                .filter(|(j, (m, _))| *j != k && want(m))
                .map(|(_, (_, id))| id.clone())
                .collect()
        };
        if !is_child(me) {
            return Kin {
                parents: Vec::new(),
                siblings: Vec::new(),
                name_lags: false,
                counted: true,
            };
        }
        Kin {
            parents: pick(&|m| matches!(m.relation, "户主" | "配偶")),
            siblings: pick(&|m| is_child(m) && m.birth != me.birth),
            name_lags: false,
            counted: true,
        }
    }
}

/// Rows a registration's history adds under its student number, per main registration.
#[derive(Clone, Debug)]
pub struct HistoryRates {
    /// A junior-secondary pupil's 毕业 row from primary school.
    pub graduated: f64,
    /// A 转出 row from an earlier school.
    pub transferred: f64,
    /// The current row exported twice.
    pub repeated: f64,
    /// The current in-school row under the same number at another school too: one number
    /// in school at two schools (a ghost enrolment, 人籍分离).
    pub two_schools: f64,
}

impl Default for HistoryRates {
    fn default() -> Self {
        HistoryRates {
            graduated: 0.6,
            transferred: 0.03,
            repeated: 0.003,
            two_schools: 0.002,
        }
    }
}

impl World<'_> {
    /// The records of a school-age child: enrolled, dropped out or exempt, as they stand
    /// on the series' night; returns how the child stands. Only a child `counted` in
    /// tonight's cohort goes into the truth.
    pub(super) fn school_child(
        &mut self,
        h: &Household,
        m: &Member,
        id: &str,
        kin: &Kin,
        counted: bool,
        s: &mut Sinks,
    ) -> anyhow::Result<(Schooling, Option<String>)> {
        let rates = &self.options.rates;
        let county = self.study_county(h.county);
        let poor = if h.poor { "1" } else { "0" };
        if self.rng.chance(rates.exemption) {
            let valid = self.rng.chance(0.8);
            let until = self.options.as_of.add_days(if valid { 365 } else { -60 });
            let reason = self.rng.pick_word(&["缓学", "免学"]);
            s.exemptions.row(&[id, reason, &until.to_string()])?;
            if counted {
                s.exemption_truth
                    .row(&[id, if valid { "true" } else { "false" }])?;
            }
            self.report.exemptions += 1;
            if !valid && counted {
                self.flag(s, id, poor, "exemption_expired")?;
            }
            let schooling = if valid {
                Schooling::Exempt
            } else {
                Schooling::Out
            };
            return Ok((schooling, None));
        }
        if self.rng.chance(self.dropout_rate()) {
            let (status, reason) = match self.rng.below(10) {
                // A migrant child out of school has no record anywhere.
                _ if self.abroad.is_some() => (None, "no_record"),
                0..=4 => (None, "no_record"),
                5..=7 => (Some("辍学"), "status_dropped_out"),
                8 => (Some("休学"), "status_suspended"),
                _ => (Some("转出"), "status_transferred_without_arrival"),
            };
            let out = self.out_tonight(id, true);
            self.schooled.first_out = Some(true);
            if out && counted {
                self.flag(s, id, poor, reason)?;
            }
            // A dropout who returned is 在读 again: on the same record, or on a record of
            // their own when they had none.
            let mut number = None;
            let status = match (status, out) {
                (status, true) => status,
                (Some(_), false) => Some("在读"),
                (None, false) => {
                    let mut own = self.child_rng(id, 2);
                    std::mem::swap(&mut self.rng, &mut own);
                    let no = self.student(m, id, &county, "在读", s, Record::Main(kin));
                    std::mem::swap(&mut self.rng, &mut own);
                    let no = no?;
                    if counted {
                        s.student_links.row(&[id, &no])?;
                    }
                    number = Some(no);
                    None
                }
            };
            if let Some(status) = status {
                let no = self.student(m, id, &county, status, s, Record::Main(kin))?;
                if counted {
                    s.student_links.row(&[id, &no])?;
                }
                number = Some(no);
            }
            let schooling = if out {
                Schooling::Out
            } else {
                Schooling::Enrolled
            };
            return Ok((schooling, number));
        }
        if self.rng.chance(rates.transfer) {
            // The former school's record under a local number; the new school's follows.
            self.student(m, id, &county, "转出", s, Record::Local)?;
        }
        let status = if self.rng.chance(rates.home_delivered) {
            "送教上门"
        } else {
            "在读"
        };
        // A pupil who dropped out since the first night: 辍学 or 休学 on their records.
        let dropped = self.out_tonight(id, false);
        self.schooled.first_out = Some(false);
        let status = match dropped {
            false => status,
            true => {
                let (status, reason) = if self.child_rng(id, 3).chance(0.75) {
                    ("辍学", "status_dropped_out")
                } else {
                    ("休学", "status_suspended")
                };
                if counted {
                    self.flag(s, id, poor, reason)?;
                }
                status
            }
        };
        let no = self.student(m, id, &county, status, s, Record::Main(kin))?;
        if counted {
            s.student_links.row(&[id, &no])?;
        }
        if self.rng.chance(rates.duplicate_registration) {
            let extra_status = if dropped { status } else { "在读" };
            let extra = self.student(m, id, &county, extra_status, s, Record::Local)?;
            if counted {
                s.duplicates.row(&[id, &extra, "second_registration"])?;
            }
        }
        let schooling = match (dropped, status) {
            (true, _) => Schooling::Out,
            (false, "送教上门") => Schooling::HomeDelivered,
            (false, _) => Schooling::Enrolled,
        };
        Ok((schooling, Some(no)))
    }

    /// A local student number (学籍辅号): J, the county, a sequence number (in a range of
    /// the home province's own for a child studying in another province).
    fn local_number(&mut self, county: &str) -> String {
        self.student_seq += 1;
        format!("J{county}{:012}", self.student_seq + self.number_range())
    }

    /// Writes a child's row of truth/dropouts.csv: flagged tonight for `reason`.
    fn flag(
        &mut self,
        s: &mut Sinks,
        id: &str,
        poor: &str,
        reason: &'static str,
    ) -> anyhow::Result<()> {
        self.report.dropouts += 1;
        self.flagged = Some(reason);
        s.dropouts.row(&[id, poor, reason])
    }

    /// Writes one registration of a student — its current row and, for a child's main
    /// registration, the history rows an extract carries under the same student number —
    /// maybe with an injected error; returns its student number.
    pub(super) fn student(
        &mut self,
        m: &Member,
        id: &str,
        county: &str,
        status: &str,
        s: &mut Sinks,
        record: Record,
    ) -> anyhow::Result<String> {
        let mut fields = corrupt::RecordFields {
            id: id.to_string(),
            name: m.name.clone(),
            birth: m.birth,
            male: m.male,
            parents: Vec::new(),
            siblings: Vec::new(),
        };
        let mut injected = None;
        let lags = matches!(record, Record::Main(kin) if kin.name_lags);
        let counted = !matches!(record, Record::Main(kin) if !kin.counted);
        if let Record::Main(kin) = record {
            fields.parents.clone_from(&kin.parents);
            fields.siblings.clone_from(&kin.siblings);
            injected = self
                .corrupter
                .apply(&self.names, &mut self.rng, &mut fields);
        }
        // Most children had an ID when registered: their national number is G + that ID,
        // which copies an error made at registration half the time; a registration
        // blocked under someone else's ID got a local number.
        let no = match record {
            Record::Local => self.local_number(county),
            _ if !self.rng.chance(0.9) => self.local_number(county),
            _ => match injected {
                // A sibling's ID makes the sibling's number: two children under one number
                // when the sibling is registered too. A parent's is refused (an adult's ID).
                Some(kind) if kind.made_at_registration() && self.rng.chance(0.5) => {
                    if kind == corrupt::ErrorKind::IdParent {
                        self.local_number(county)
                    } else {
                        format!("G{}", fields.id)
                    }
                }
                _ => format!("G{id}"),
            },
        };
        // A record under someone else's ID conflicts with that person whoever the child
        // is; every other error is truth only for a child in tonight's cohort.
        if let Some(kind) = injected
            && kind.conflicting_field() == Some("id_owner")
            && !counted
        {
            s.conflicts.row(&[&fields.id, "students", "id_owner"])?;
        }
        if let Some(kind) = injected.filter(|_| counted) {
            s.errors.row(&["students", &no, id, kind.key()])?;
            self.report.errors += 1;
            match kind.conflicting_field() {
                Some("id_owner") => s.conflicts.row(&[&fields.id, "students", "id_owner"])?,
                Some("name") if lags => {}
                Some(field) => s.conflicts.row(&[id, "students", field])?,
                None => {}
            }
        }
        if lags && counted {
            s.conflicts.row(&[id, "students", "name"])?;
        }
        let school_county = if self.rng.chance(0.9) {
            county.to_string()
        } else {
            self.any_county()
        };
        let age = sanku::pipeline::cohort::CohortRule::default()
            .window(self.options.as_of)
            .age(m.birth);
        let grade = (age - 5 - self.grade_lag(id)).clamp(1, 12);
        let school_no = self.rng.below(20);
        let mut rows = vec![(status, school_county.clone(), grade, school_no)];
        if matches!(record, Record::Main(_)) {
            self.schooled.grade = Some(grade);
            self.schooled.school_county.clone_from(&school_county);
        }
        if matches!(record, Record::Main(_)) {
            // Junior-secondary pupils keep the primary school's 毕业 row; some keep a 转出
            // row from an earlier school; a few rows are exported twice.
            let h = &self.options.rates.history;
            // Drawn as for a pupil at the usual grade, so that no other draw moves.
            if age - 5 >= 7 && self.rng.chance(h.graduated) && grade >= 7 {
                rows.push(("毕业", county.to_string(), 6, (school_no + 1) % 20));
            }
            if self.rng.chance(h.transferred) {
                let at = self.any_county();
                rows.push(("转出", at, grade.max(2) - 1, school_no));
            }
            if self.rng.chance(h.repeated) {
                rows.push((status, school_county.clone(), grade, school_no));
            }
            self.risk_history(id, &mut rows);
            let in_school = matches!(status, "在读" | "送教上门");
            if in_school && self.child_rng(id, 5).chance(h.two_schools) {
                let at = (school_no + 1 + self.child_rng(id, 6).below(19)) % 20;
                rows.push((status, school_county, grade, at));
                if counted {
                    s.duplicates.row(&[id, &no, "two_schools"])?;
                }
            }
        }
        // The record of a child who has left tonight's cohort is weighed against no one:
        // with a broken ID it stands alone in the register unless the ID can be repaired
        // to its owner's, so either answer is right (`evaluate` scores it neither way).
        // A valid typo belongs to no one: as broken as an invalid ID.
        let usable = sanku::pipeline::normalize::id::parse_id(&fields.id)
            .is_ok_and(|i| i.class.is_usable())
            && injected != Some(corrupt::ErrorKind::IdValidTypo);
        if !counted && !usable {
            s.registry_only.row(&[&no, "left_cohort"])?;
        }
        let sex = if fields.male { "男" } else { "女" };
        let birth = fields.birth.to_string();
        for (status, school_county, grade, school_no) in &rows {
            let school = format!("21{school_county}{school_no:02}");
            self.note_row(status, &school, *grade);
            s.students.row(&[
                &no,
                &fields.id,
                &fields.name,
                sex,
                &birth,
                &school,
                school_county,
                &self.grade_word(id, *grade),
                status,
            ])?;
            self.report.students += 1;
        }
        if let Some(abroad) = &mut self.abroad {
            abroad.records.push((no.clone(), fields.id.clone()));
        }
        Ok(no)
    }
}
