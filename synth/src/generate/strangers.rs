//! Records of people the population register does not hold: students from other
//! provinces, exemptions for an ID number nobody has.

use super::household::Member;
use super::provinces;
use super::school::Record;
use super::{Sinks, World};
use sanku::pipeline::normalize::id::check_char;

impl World<'_> {
    /// An exemption for a valid ID number that nobody has: an order code past any the
    /// county's births use.
    pub(super) fn unmatched_exemption(&mut self, county: u32, s: &mut Sinks) -> anyhow::Result<()> {
        let age = 6 + self.rng.below(10) as i64;
        let birth = self
            .options
            .as_of
            .add_days(-(age * 365 + self.rng.below(360) as i64));
        let first17 = format!(
            "{}{}{:03}",
            self.counties[county as usize],
            birth.compact(),
            990 + self.rng.below(10)
        );
        let id = format!("{first17}{}", check_char(first17.as_bytes()) as char);
        let until = self.options.as_of.add_days(365);
        s.exemptions.row(&[&id, "缓学", &until.to_string()])?;
        s.exemptions_unmatched.row(&[&id])?;
        self.report.exemptions += 1;
        Ok(())
    }

    /// A student from another province (outside the country, in a generated country),
    /// with no population row.
    pub(super) fn migrant(&mut self, s: &mut Sinks) -> anyhow::Result<()> {
        let province = self.rng.pick_word(&self.elsewhere);
        let county = match self.place {
            None => format!(
                "{province}{:02}{:02}",
                1 + self.rng.below(5),
                2 + self.rng.below(5)
            ),
            Some(_) => provinces::elsewhere_county(province, self.rng.next_u64()),
        };
        let age = 6 + self.rng.below(10) as i64;
        let birth = self
            .options
            .as_of
            .add_days(-(age * 365 + age / 4 + 1 + self.rng.below(360) as i64));
        let male = self.rng.chance(0.5);
        let first17 = format!(
            "{county}{}{:03}",
            birth.compact(),
            2 * self.rng.below(500) + u64::from(male)
        );
        let id = format!("{first17}{}", check_char(first17.as_bytes()) as char);
        let member = Member {
            name: format!(
                "{}{}",
                self.names.surname(&mut self.rng),
                self.names.given(&mut self.rng)
            ),
            male,
            birth,
            relation: "",
            status: "正常",
            legacy: false,
        };
        let no = self.student(&member, &id, &county, "在读", s, Record::National)?;
        s.registry_only.row(&[&no, "migrant"])?;
        Ok(())
    }
}
