//! The disability register (残疾人证 holders), drawn from each person's own random stream
//! so that every other register stays as it was. The shares are assumptions set from public
//! figures: about 2.7 % of China's people hold a certificate (37.8 M of 1.41 G), children
//! fewer; a child taught at home (送教上门) holds one by definition, most exemptions from
//! attendance are granted for a disability, and a disabled child is likelier than others to
//! be out of school.

use super::household::Member;
use super::{Sinks, World};
use sanku::ground::rng::Rng;

/// How a school-age child stands tonight, as far as the disability register cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Schooling {
    Enrolled,
    HomeDelivered,
    Exempt,
    /// Flagged tonight (no record, dropped out, an expired exemption …).
    Out,
}

/// Category digit (1 视力 … 7 多重), its words, and its share among children.
const CHILD_CATEGORIES: [(char, &str, f64); 7] = [
    ('5', "智力", 0.40),
    ('4', "肢体", 0.20),
    ('7', "多重", 0.15),
    ('2', "听力", 0.10),
    ('3', "言语", 0.05),
    ('1', "视力", 0.05),
    ('6', "精神", 0.05),
];

/// The levels' words (一级, the most severe … 四级).
const LEVELS: [&str; 4] = ["一级", "二级", "三级", "四级"];

impl World<'_> {
    /// A school-age child's certificate, if they hold one; its truth when `counted`.
    /// Returns its category key and level (1 to 4).
    pub(super) fn child_disability(
        &mut self,
        member: &Member,
        id: &str,
        schooling: Schooling,
        counted: bool,
        s: &mut Sinks,
    ) -> anyhow::Result<Option<(String, String)>> {
        let mut rng = self.child_rng(id, 11);
        let share = match schooling {
            Schooling::HomeDelivered => 1.0,
            Schooling::Exempt => 0.5,
            Schooling::Out => 0.05,
            Schooling::Enrolled => 0.006,
        };
        if !rng.chance(share) {
            return Ok(None);
        }
        let severe = matches!(schooling, Schooling::HomeDelivered);
        let u = rng.unit();
        let mut acc = 0.0;
        let &(digit, word, _) = CHILD_CATEGORIES
            .iter()
            .find(|c| {
                acc += c.2;
                u < acc
            })
            .unwrap_or(&CHILD_CATEGORIES[0]);
        let level = if severe {
            rng.below(2) as usize
        } else {
            rng.below(4) as usize
        };
        self.certificate(&mut rng, member, id, (digit, word, level), s)?;
        let key = sanku::pipeline::normalize::disability::category_key(word);
        let level = (level + 1).to_string();
        if counted {
            s.disabled.row(&[id, &key, &level])?;
        }
        Ok(Some((key, level)))
    }

    /// An adult's or an older child's certificate, if they hold one (no truth: they are in
    /// no cohort).
    pub(super) fn other_disability(
        &mut self,
        member: &Member,
        id: &str,
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        let mut rng = self.child_rng(id, 11);
        if !rng.chance(0.02) {
            return Ok(());
        }
        let &(digit, word, _) = rng.pick(&CHILD_CATEGORIES);
        let level = rng.below(4) as usize;
        self.certificate(&mut rng, member, id, (digit, word, level), s)
    }

    /// Writes one holder's row: the ID number (or, in some extracts, the 20-digit
    /// certificate number in its place), the name, the category and level in the words
    /// registers use, the date issued.
    fn certificate(
        &mut self,
        rng: &mut Rng,
        member: &Member,
        id: &str,
        (digit, word, level): (char, &str, usize),
        s: &mut Sinks,
    ) -> anyhow::Result<()> {
        let number = if rng.chance(0.15) {
            format!("{id}{digit}{}", level + 1)
        } else {
            id.to_string()
        };
        let category = match rng.below(3) {
            0 => word.to_string(),
            1 => format!("{word}残疾"),
            _ => digit.to_string(),
        };
        let level_word = if rng.chance(0.5) {
            LEVELS[level].to_string()
        } else {
            (level + 1).to_string()
        };
        let days = self.options.as_of.day_number() - member.birth.day_number();
        let issued = member
            .birth
            .add_days(365.min(days) + rng.below(days.max(366) as u64 - 365) as i64);
        s.disability.row(&[
            &number,
            &member.name,
            &category,
            &level_word,
            &issued.to_string(),
        ])?;
        self.report.disability += 1;
        Ok(())
    }
}
