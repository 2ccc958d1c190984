//! What puts an enrolled child at risk of leaving school, generated with its truth
//! (truth/risk.csv: one row per child and factor, docs/risk.md). Each draw comes from the
//! child's own random stream, so that no other person's records change:
//!
//! - late entry and repeated grades: 6 % of pupils a year behind, 2 % two years, 0.5 %
//!   three (over-age is two years or more);
//! - a 休学 the pupil came back from, on 1 % of in-school registrations' histories;
//! - repeated transfers: 0.4 % of registrations carry two more 转出 rows, beside the 3 % with
//!   one and the 1 % with a former school's record of their own; a 转出 row is exported
//!   twice in 5 % of the registrations that have one (one transfer, not two);
//! - grades written as registers write them: 3年级, 三年级, 三年级(2)班, 初二(3)班, the code 13,
//!   小学三年级, 初一, 高一;
//! - the unaided, the disabled, the siblings of a dropout and the children back in school
//!   come from what the generator already draws (aid gaps, certificates and 送教上门,
//!   poverty households, nights of a series).

use std::collections::BTreeSet;

use super::{Sinks, World};

/// The school facts of the child being written, gathered as its records are written.
#[derive(Default)]
pub(super) struct Schooled {
    /// The current row's grade and school county of its main registration.
    pub grade: Option<i32>,
    pub school_county: String,
    /// 休学 rows, and the (school, grade) of its 转出 rows, on all its registrations.
    pub suspended: u32,
    pub transfers: BTreeSet<(String, i32)>,
    /// Whether the child was out of school on the series' first night.
    pub first_out: Option<bool>,
}

/// What the risk truth needs of a household's school-age children: each child's ID, and
/// whether it is enrolled or flagged tonight (counted in tonight's cohort only).
#[derive(Default)]
pub(super) struct Household {
    pub enrolled: Vec<String>,
    pub flagged: u32,
}

/// A child's factors, as its truth rows name them.
pub(super) struct Facts<'a> {
    pub id: &'a str,
    pub age: i32,
    pub residence: &'a str,
    pub poor_unaided: bool,
    pub disabled: bool,
}

const CHINESE: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];

impl World<'_> {
    /// Years a pupil is behind the usual grade for their age (late entry, repeated grades).
    pub(super) fn grade_lag(&self, id: &str) -> i32 {
        let u = self.child_rng(id, 8).unit();
        match u {
            u if u < 0.005 => 3,
            u if u < 0.025 => 2,
            u if u < 0.085 => 1,
            _ => 0,
        }
    }

    /// Grade `grade` as a register writes it, the form drawn for the child: 3年级 (four in
    /// ten), 三年级, 三年级(2)班 or 初二(3)班, the system's code 13, 小学三年级, 初一, 高一.
    pub(super) fn grade_word(&self, id: &str, grade: i32) -> String {
        let mut rng = self.child_rng(id, 9);
        let form = rng.below(10);
        let cn = |n: i32| CHINESE[(n - 1) as usize];
        match (form, grade) {
            (_, g) if !(1..=12).contains(&g) => format!("{g}年级"),
            (4, g @ 1..=9) => format!("{}年级", cn(g)),
            (5, g @ 1..=6) => format!("{}年级({})班", cn(g), 1 + rng.below(6)),
            (5, g @ 7..=9) => format!("初{}({})班", cn(g - 6), 1 + rng.below(6)),
            (6, g @ 1..=6) => format!("1{g}"),
            (6, g @ 7..=9) => format!("2{}", g - 6),
            (6, g) => format!("3{}", g - 9),
            (7, g @ 1..=6) => format!("小学{}年级", cn(g)),
            (7..=9, g @ 7..=9) => format!("初{}", cn(g - 6)),
            (7..=9, g @ 10..=12) => format!("高{}", cn(g - 9)),
            (_, g) => format!("{g}年级"),
        }
    }

    /// The history rows a risk adds to a main registration of `status` at grade `grade`:
    /// a 休学 it came back from, two more transfers, a 转出 row exported twice.
    pub(super) fn risk_history(&self, id: &str, rows: &mut Vec<(&str, String, i32, u64)>) {
        let mut rng = self.child_rng(id, 10);
        let (status, county, grade, school) = rows[0].clone();
        if matches!(status, "在读" | "送教上门") && rng.chance(0.01) {
            rows.push(("休学", county.clone(), grade.max(2) - 1, school));
        }
        if rng.chance(0.004) {
            rows.push(("转出", county.clone(), grade.max(2) - 1, (school + 3) % 20));
            rows.push(("转出", county, grade.max(3) - 2, (school + 7) % 20));
        }
        if let Some(row) = rows.iter().find(|r| r.0 == "转出").cloned()
            && rng.chance(0.05)
        {
            rows.push(row);
        }
    }

    /// Notes a student row of the child being written.
    pub(super) fn note_row(&mut self, status: &str, school: &str, grade: i32) {
        match status {
            "休学" => self.schooled.suspended += 1,
            "转出" => {
                self.schooled.transfers.insert((school.to_string(), grade));
            }
            _ => {}
        }
    }

    /// Writes the truth rows of an enrolled child of tonight's cohort but the sibling's
    /// (see [`World::sibling_truth`]).
    pub(super) fn risk_truth(&mut self, facts: &Facts, s: &mut Sinks) -> anyhow::Result<()> {
        let schooled = std::mem::take(&mut self.schooled);
        let over = schooled.grade.is_some_and(|g| facts.age - (g + 5) >= 2);
        let back = schooled
            .first_out
            .is_some_and(|first| self.back_tonight(facts.id, first));
        let far = schooled.school_county.get(..6) != facts.residence.get(..6);
        for (factor, present) in [
            ("over_age", over),
            ("unaided", facts.poor_unaided),
            ("suspended", schooled.suspended > 0),
            ("returned", back),
            ("transfers", schooled.transfers.len() >= 2),
            ("disability", facts.disabled),
            ("far_from_home", far),
        ] {
            if present {
                s.risk.row(&[facts.id, factor])?;
            }
        }
        Ok(())
    }

    /// Writes the sibling rows of a poor household's enrolled children when a brother or
    /// sister is flagged tonight.
    pub(super) fn sibling_truth(&mut self, poor: bool, s: &mut Sinks) -> anyhow::Result<()> {
        let household = std::mem::take(&mut self.household_kids);
        if poor && household.flagged > 0 {
            for id in &household.enrolled {
                s.risk.row(&[id, "sibling"])?;
            }
        }
        Ok(())
    }
}
