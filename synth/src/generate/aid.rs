//! The student aid register (资助), drawn from each person's own random stream so that
//! every other register stays as it was. Assumptions, set from how aid is paid: a poor
//! household's enrolled child is paid each term (living allowance, 营养改善计划 …) but
//! for a few whom the payment misses (the coverage gap the check looks for); some other
//! enrolled children are paid as identified by their school; a poor child who dropped out is
//! sometimes still paid. The aid system takes its students from the student register, so a
//! payment carries the child's student number and the ID as registered, mostly; some
//! payments (paid by the county) carry no student number, and the ID of a few is mistyped
//! the ways any register's is.

use super::corrupt::RecordFields;
use super::disability::Schooling;
use super::household::{Household, Member};
use super::{Sinks, World};
use sanku::ground::rng::Rng;
use sanku::pipeline::normalize::id::check_char;
use sanku::pipeline::normalize::term::Term;

/// Programmes and their amount per term (yuan).
const PROGRAMMES: [(&str, &str); 3] = [
    ("义务教育家庭经济困难学生生活补助", "625"),
    ("农村义务教育学生营养改善计划", "400"),
    ("国家助学金", "1000"),
];

/// A term as aid registers write it, in one of their forms.
fn term_text(rng: &mut Rng, term: Term) -> String {
    let school_year = if term.autumn {
        term.year
    } else {
        term.year - 1
    };
    let (season, which) = if term.autumn {
        ("秋季", "第一")
    } else {
        ("春季", "第二")
    };
    match rng.below(3) {
        0 => format!("{}年{season}学期", term.year),
        1 => format!("{school_year}-{}学年{which}学期", school_year + 1),
        _ => format!("{}{}", term.year, &season[..3]),
    }
}

/// The term before `term`.
fn previous(term: Term) -> Term {
    if term.autumn {
        Term {
            year: term.year,
            autumn: false,
        }
    } else {
        Term {
            year: term.year - 1,
            autumn: true,
        }
    }
}

impl World<'_> {
    /// A school-age child's aid payments, this term's and maybe last term's; the truth
    /// when `counted`. Returns whether this term's was paid.
    pub(super) fn child_aid(
        &mut self,
        h: &Household,
        member: &Member,
        (id, student_no): (&str, Option<String>),
        (schooling, counted): (Schooling, bool),
        s: &mut Sinks,
    ) -> anyhow::Result<bool> {
        let mut rng = self.child_rng(id, 12);
        let enrolled = matches!(schooling, Schooling::Enrolled | Schooling::HomeDelivered);
        let share = match (h.poor, schooling) {
            (true, Schooling::Enrolled | Schooling::HomeDelivered) => 0.95,
            (true, Schooling::Out) => 0.3,
            (false, Schooling::Enrolled | Schooling::HomeDelivered) => 0.08,
            _ => 0.0,
        };
        let this_term = Term::of(self.options.night_as_of);
        let paid = rng.chance(share);
        if paid {
            self.payment(&mut rng, member, (id, student_no.as_deref()), this_term, s)?;
        }
        // Last term's payment, kept in the extract beside this term's (or alone: the
        // child this term's payment missed).
        if (h.poor || paid) && enrolled && rng.chance(0.6) {
            let before = previous(this_term);
            self.payment(&mut rng, member, (id, student_no.as_deref()), before, s)?;
        }
        if counted {
            if paid {
                s.aided.row(&[id])?;
            } else if h.poor && enrolled {
                s.poor_enrolled_without_aid.row(&[id])?;
            }
        }
        Ok(paid)
    }

    /// One payment row.
    fn payment(
        &mut self,
        rng: &mut Rng,
        member: &Member,
        (id, student_no): (&str, Option<&str>),
        term: Term,
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        let mut fields = RecordFields {
            id: id.to_string(),
            name: member.name.clone(),
            birth: member.birth,
            male: member.male,
            parents: Vec::new(),
            siblings: Vec::new(),
        };
        // The ID as registered: the errors of any register, at their rates.
        self.corrupter.apply(&self.names, rng, &mut fields);
        let no = match student_no {
            Some(no) if rng.chance(0.9) => no.to_string(),
            _ => String::new(),
        };
        let (programme, amount) = *rng.pick(&PROGRAMMES);
        let term = term_text(rng, term);
        s.aid.row(&[
            &fields.id,
            &fields.name,
            if fields.male { "男" } else { "女" },
            &fields.birth.to_string(),
            &no,
            programme,
            amount,
            &term,
        ])?;
        self.report.aid += 1;
        Ok(())
    }

    /// Now and then a payment for a valid ID number nobody in the population has (a child
    /// the population register does not hold): drawn from the household's own stream.
    pub(super) fn unmatched_aid(
        &mut self,
        household_no: &str,
        county: u32,
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        let mut rng = self.child_rng(household_no, 13);
        if !rng.chance(0.002) {
            return Ok(());
        }
        let age = 6 + rng.below(9) as i64;
        let birth = self
            .options
            .as_of
            .add_days(-(age * 365 + rng.below(360) as i64));
        let first17 = format!(
            "{}{}{:03}",
            self.counties[county as usize],
            birth.compact(),
            990 + rng.below(10)
        );
        let id = format!("{first17}{}", check_char(first17.as_bytes()) as char);
        let name = format!(
            "{}{}",
            self.names.surname(&mut rng),
            self.names.given(&mut rng)
        );
        let (programme, amount) = *rng.pick(&PROGRAMMES);
        let term = term_text(&mut rng, Term::of(self.options.night_as_of));
        let sex = if male_of(&first17) { "男" } else { "女" };
        s.aid.row(&[
            &id,
            &name,
            sex,
            &birth.to_string(),
            "",
            programme,
            amount,
            &term,
        ])?;
        s.aid_unmatched.row(&[&id])?;
        self.report.aid += 1;
        Ok(())
    }
}

/// The sex an ID's order code gives (odd: male).
fn male_of(first17: &str) -> bool {
    first17.as_bytes()[16] % 2 == 1
}
