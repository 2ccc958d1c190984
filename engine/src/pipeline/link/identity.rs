//! Exact links verified (docs/matching.md): an ID agreement is evidence, not proof. Clerks
//! type a parent's or a sibling's ID into a child's record; such a record's name and birth
//! date contradict the person the ID belongs to. Before an exact link is made, the record
//! is weighed against that person on name, birth date and sex with fixed weights (the bits
//! that fitted weights give at two million people, rounded; docs/matching.md); below the
//! doubt threshold the ID is taken as someone else's: the record is released to the fuzzy
//! pass without it, and the pair is reported as a conflict (`id_owner`).
//!
//! A person outside the cohort is known only by the ID itself, which carries the birth
//! date and sex: a pupil's record holding a parent's ID (born 1985) contradicts it there.
//! A homophone, a traditional form, a one-day slip, or a changed name on a matching birth
//! date weigh well above the threshold and link.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::Link;
use super::compare::{DateLevel, NameLevel, SexLevel, compare_dates, compare_sex};
use crate::pipeline::cohort::Cohort;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdNumber, check_char, id_code};
use crate::pipeline::normalize::name_key::{same_family, simplified};
use crate::pipeline::normalize::values::Sex;
use crate::pipeline::normalize::{Person, Registers};

/// Indexes cohort children by usable ID number.
pub struct IdIndex {
    by_id: FxHashMap<u64, u32>,
}

impl IdIndex {
    pub fn new(children: &[Person]) -> Self {
        let by_id = children
            .iter()
            .enumerate()
            .filter_map(|(i, c)| id_code(&c.id).map(|code| (code, i as u32)))
            .collect();
        IdIndex { by_id }
    }

    pub fn child_of(&self, id: &IdNumber) -> Option<usize> {
        id_code(id).and_then(|code| self.by_id.get(&code).map(|&i| i as usize))
    }
}

/// Fixed weights (bits) of name, birth-date and sex agreement for verifying an exact ID.
pub const fn name_bits(level: NameLevel) -> f64 {
    match level {
        NameLevel::Exact => 8.0,
        NameLevel::SamePinyin => 7.0,
        NameLevel::SameGivenName | NameLevel::OneCharOff | NameLevel::Similar => 1.0,
        NameLevel::Different => -8.0,
    }
}

pub const fn birth_bits(level: DateLevel) -> f64 {
    match level {
        DateLevel::Exact => 13.0,
        DateLevel::DayMonthSwapped => 6.5,
        DateLevel::OneDayOff | DateLevel::YearOffByOne | DateLevel::MonthOffByOne => 3.0,
        DateLevel::SameYearMonth => -0.5,
        DateLevel::Different => -5.5,
        DateLevel::Missing => 0.0,
    }
}

pub const fn sex_bits(level: SexLevel) -> f64 {
    match level {
        SexLevel::Same => 1.0,
        SexLevel::Different => -6.5,
        SexLevel::Missing => 0.0,
    }
}

/// The bits of a different name with another surname, in verification.
pub const OTHER_SURNAME_BITS: f64 = -15.0;

/// Bits taken off a valid ID number ending in 000: as likely a spreadsheet's rounding of
/// another number (whose child was born the same day) as a real one.
pub const ROUNDED_PENALTY: f64 = 8.0;

/// Below this many bits an ID agreement is doubted (default of `[linkage] id_doubt`).
pub const DEFAULT_ID_DOUBT: f64 = 0.0;

/// Whom an ID number in a record belongs to.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Owner {
    /// A cohort child, by index.
    Child(usize),
    /// Someone in the population outside the cohort, by ID code.
    Outside(u64),
}

/// A record whose ID was doubted: it belongs to `owner`, whom the record contradicts.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Doubted {
    pub record: usize,
    pub owner: Owner,
    /// The verification weight (bits) of name, birth date and sex.
    pub weight: f64,
}

/// The verification weight of a record's name, birth date and sex against a cohort child's.
pub fn child_weight(child: (&str, Date, Sex), record: (&str, Option<Date>, Sex)) -> f64 {
    let name = super::compare::compare_names(child.0, record.0);
    // A name with nothing in common, not even the surname, outweighs a birth date and sex
    // that agree: one mistyped digit of an ID whose check a form recomputed lands on a
    // child born the same day in the neighbouring county as often as not (order codes are
    // low and handed out in sequence), and that child shares both. A changed given name
    // (改名) keeps the surname.
    let bits = if name == NameLevel::Different
        && !same_family(&simplified(child.0), &simplified(record.0))
    {
        OTHER_SURNAME_BITS
    } else {
        name_bits(name)
    };
    bits + birth_bits(compare_dates(Some(child.1), record.1))
        + sex_bits(compare_sex(child.2, record.2))
}

/// The verification weight of a record's birth date and sex against what a usable ID says
/// of its owner.
pub fn id_weight(id: &IdNumber, record: (Option<Date>, Sex)) -> f64 {
    let sex = match id.is_male() {
        Some(true) => Sex::Male,
        Some(false) => Sex::Female,
        None => Sex::Unknown,
    };
    birth_bits(compare_dates(id.birth_date(), record.0)) + sex_bits(compare_sex(sex, record.1))
}

/// Whether a record's valid number is, by the birth date and sex it carries, someone
/// else's than the record's: a parent's, or a sibling's (registered in another province,
/// so no one's in this population). Such a number says nothing of whose the record is,
/// and the record is compared without it, as one whose number was doubted. A number that
/// agrees with the record's birth date and sex is the record's own, or a typo of it.
pub fn someone_elses(id: &IdNumber, record: (Option<Date>, Sex), doubt: f64) -> bool {
    // Born another year: a parent, a sibling. A birth date typed wrong within the year is
    // more often the record's than a sibling's, and the number, the pupil's own, keeps the
    // record off children it is no typo of.
    let another_year = id
        .birth_date()
        .zip(record.0)
        .is_some_and(|(own, said)| own.year != said.year);
    id.class.is_usable() && another_year && id_weight(id, record) < doubt
}

/// The owner code of a usable ID outside the cohort.
pub fn outside(id: &IdNumber) -> Option<Owner> {
    id_code(id).map(Owner::Outside)
}

/// Verifies exact ID agreements against the person each ID belongs to.
pub struct Verifier<'a> {
    pub index: &'a IdIndex,
    pub cohort: &'a Cohort,
    pub registers: &'a Registers,
    pub doubt: f64,
}

impl Verifier<'_> {
    /// The exact pairs (child, record) a linkage may make: in a reconcile, only those of
    /// two provinces (each province linked its own); in a run, all.
    pub fn across(
        &self,
        mut pairs: Vec<(usize, usize)>,
        records: impl Fn(&crate::pipeline::normalize::Origins) -> &[u8],
    ) -> Vec<(usize, usize)> {
        if let Some(o) = &self.registers.origins {
            pairs.retain(|&(child, record)| o.children[child] != records(o)[record]);
        }
        pairs
    }

    /// The cohort child record `record` links to exactly: of the owners of `ids` its name,
    /// birth date and sex do not contradict, the one they agree with best (the first on a
    /// tie) — none when no usable ID belongs to anyone in the population, or when the best
    /// is someone outside the cohort. A registration's ID column and its student number
    /// may carry two numbers, one mistyped into another real child's; each is evidence.
    /// Also the first owner it does contradict, met before that one.
    pub fn verdict<B: std::borrow::Borrow<IdNumber>>(
        &self,
        record: usize,
        ids: impl Iterator<Item = B>,
        said: (&str, Option<Date>, Sex),
    ) -> Verdict {
        let mut doubted = None;
        // (child or none for someone outside the cohort, weight), best so far.
        let mut best: Option<(Option<usize>, f64)> = None;
        for id in ids {
            let id = id.borrow();
            if !id.class.is_usable() {
                continue;
            }
            // A valid number ending in 000 is as likely a spreadsheet's rounding of another
            // child's number (one rounded number in eleven passes the check) as a real one.
            let rounded = if id.maybe_rounded() {
                ROUNDED_PENALTY
            } else {
                0.0
            };
            let (owner, mut weight) = if let Some(child) = self.index.child_of(id) {
                let c = &self.cohort.children[child];
                let weight = child_weight((&c.name, c.birth, c.sex), said) - rounded;
                (Owner::Child(child), weight)
            } else if self.registers.population.has_id(id) {
                let weight = id_weight(id, (said.1, said.2)) - rounded;
                match outside(id) {
                    Some(owner) => (owner, weight),
                    None => continue,
                }
            } else {
                continue;
            };
            if id.maybe_rounded() && self.rounded_from_another(id, owner, said.0) {
                weight -= ROUNDED_FROM_ANOTHER;
            }
            if weight >= self.doubt {
                let child = match owner {
                    Owner::Child(child) => Some(child),
                    Owner::Outside(_) => None,
                };
                if best.is_none_or(|(_, w)| weight > w) {
                    best = Some((child, weight));
                }
            } else if best.is_none() {
                doubted.get_or_insert(Doubted {
                    record,
                    owner,
                    weight,
                });
            }
        }
        (best.and_then(|(child, _)| child), doubted)
    }
}

impl Verifier<'_> {
    /// Whether `id` (a valid number ending in 000) is, by the record's `name`, the rounding
    /// of another cohort child's number rather than its `owner`'s own: a cohort child whose
    /// number a spreadsheet rounds to it bears the record's name (the same, or the same
    /// pinyin), and the owner does not (one outside the cohort is not known by name).
    fn rounded_from_another(&self, id: &IdNumber, owner: Owner, name: &str) -> bool {
        let agrees = |other: &str| {
            matches!(
                super::compare::compare_names(other, name),
                NameLevel::Exact | NameLevel::SamePinyin
            )
        };
        if name.is_empty()
            || matches!(owner, Owner::Child(child) if agrees(&self.cohort.children[child].name))
        {
            return false;
        }
        let Ok(value) = id.text.parse::<u64>() else {
            return false;
        };
        // A spreadsheet rounds to 15 significant digits (numbers within half a thousand
        // below or above) or cuts the rest off (up to a thousand above); those with a
        // valid check are someone's possible numbers.
        (value.saturating_sub(500)..value + 1000).any(|n| {
            let text = format!("{n:018}");
            let bytes = text.as_bytes();
            if text.len() != 18 || check_char(&bytes[..17]) != bytes[17] || text == id.text {
                return false;
            }
            crate::pipeline::normalize::id::parse_id(&text)
                .ok()
                .and_then(|other| self.index.child_of(&other))
                .is_some_and(|c| {
                    let other = &self.cohort.children[c].name;
                    !other.is_empty() && agrees(other)
                })
        })
    }
}

/// Bits taken off a valid number ending in 000 whose owner the record's name does not
/// fit, when another cohort child whose number rounds to it bears that name.
pub const ROUNDED_FROM_ANOTHER: f64 = 20.0;

/// The child a record links to exactly, and the owner of an ID it contradicts.
pub type Verdict = (Option<usize>, Option<Doubted>);

/// Exact pairs (child, record), and the doubted records in record order, of the records'
/// verdicts (record, verdict), gathered as they come: a province's verdicts are never all
/// held at once.
pub fn split_verdicts(
    verdicts: impl ParallelIterator<Item = (usize, Verdict)>,
) -> (Vec<(usize, usize)>, Vec<Doubted>) {
    type Split = (Vec<(usize, usize)>, Vec<Doubted>);
    let (pairs, mut doubted) = verdicts
        .fold(
            Split::default,
            |(mut pairs, mut doubted), (record, verdict)| {
                pairs.extend(verdict.0.map(|child| (child, record)));
                doubted.extend(verdict.1);
                (pairs, doubted)
            },
        )
        .reduce(
            Split::default,
            |(mut pairs, mut doubted), (more, more_doubted)| {
                pairs.extend(more);
                doubted.extend(more_doubted);
                (pairs, doubted)
            },
        );
    doubted.sort_unstable_by_key(|d| d.record);
    (pairs, doubted)
}

/// A doubted record that linked to no one else goes back to the cohort child its ID
/// belongs to, when that child has no record of the source yet: the contradiction was not
/// someone else's record after all. The others stay doubted (reported as conflicts).
pub fn restore_doubted<K: Ord>(
    mut doubted: Vec<Doubted>,
    list: &mut Vec<Link>,
    further: &[Link],
    key: impl Fn(usize) -> K,
) -> Vec<Doubted> {
    // Best first, by content, so that the choice never depends on row order.
    doubted.sort_by(|a, b| {
        a.owner
            .cmp(&b.owner)
            .then(b.weight.total_cmp(&a.weight))
            .then_with(|| key(a.record).cmp(&key(b.record)))
    });
    let mut linked_records: rustc_hash::FxHashSet<usize> =
        list.iter().chain(further).map(|l| l.record).collect();
    let mut linked_children: rustc_hash::FxHashSet<usize> = list.iter().map(|l| l.child).collect();
    let mut kept = Vec::new();
    for d in doubted {
        match d.owner {
            Owner::Child(child)
                if !linked_records.contains(&d.record) && !linked_children.contains(&child) =>
            {
                list.push(super::exact_link(child, d.record));
                linked_records.insert(d.record);
                linked_children.insert(child);
            }
            _ => kept.push(d),
        }
    }
    list.sort_by_key(|l| l.child);
    kept.sort_by_key(|d| d.record);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::normalize::id::{check_char, parse_id};

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn a_parent_or_sibling_contradicts_and_a_slip_does_not() {
        let child = ("张伟", d(2014, 5, 6), Sex::Male);
        // A sibling born three years earlier.
        assert!(child_weight(child, ("张强", Some(d(2011, 2, 3)), Sex::Male)) < DEFAULT_ID_DOUBT);
        // The mother.
        assert!(
            child_weight(child, ("李秀英", Some(d(1986, 2, 3)), Sex::Female)) < DEFAULT_ID_DOUBT
        );
        // A homophone, a one-day slip, a changed given name on the right birth date.
        assert!(child_weight(child, ("张玮", Some(d(2014, 5, 6)), Sex::Male)) > DEFAULT_ID_DOUBT);
        assert!(child_weight(child, ("张伟", Some(d(2014, 5, 7)), Sex::Male)) > DEFAULT_ID_DOUBT);
        assert!(child_weight(child, ("张子轩", Some(d(2014, 5, 6)), Sex::Male)) > DEFAULT_ID_DOUBT);
        // Another child born the same day (another surname, another name).
        assert!(child_weight(child, ("李秀英", Some(d(2014, 5, 6)), Sex::Male)) < DEFAULT_ID_DOUBT);
        // A birth-date typo on the right name.
        assert!(child_weight(child, ("张伟", Some(d(2015, 5, 6)), Sex::Male)) > DEFAULT_ID_DOUBT);
    }

    #[test]
    fn two_uyghur_children_of_one_given_name_are_told_by_the_fathers_name() {
        let child = ("米热古丽·库尔班", d(2016, 3, 24), Sex::Female);
        // Another girl born that day, of another father.
        let other = ("米热古丽·艾力", Some(d(2016, 3, 24)), Sex::Female);
        assert!(child_weight(child, other) < DEFAULT_ID_DOUBT);
        // Another given name under the same father's name (spelt another way) is a changed
        // name, as a Han child's given name under the same surname.
        let renamed = ("祖丽胡玛尔·图尔班", Some(d(2016, 3, 24)), Sex::Female);
        assert_eq!(
            super::super::compare::compare_names(child.0, renamed.0),
            NameLevel::Different
        );
        assert!(child_weight(child, renamed) > DEFAULT_ID_DOUBT);
    }

    #[test]
    fn a_number_no_one_holds_is_someone_elses_when_its_birth_date_is_not_the_records() {
        let first17 = "53010219860203002";
        let parents = parse_id(&format!(
            "{first17}{}",
            check_char(first17.as_bytes()) as char
        ))
        .unwrap();
        let pupil = (Some(d(2014, 5, 6)), Sex::Male);
        assert!(someone_elses(&parents, pupil, DEFAULT_ID_DOUBT));
        // The mother's own record, and a record that gives no birth date.
        assert!(!someone_elses(
            &parents,
            (Some(d(1986, 2, 3)), Sex::Female),
            DEFAULT_ID_DOUBT
        ));
        assert!(!someone_elses(
            &parents,
            (None, Sex::Unknown),
            DEFAULT_ID_DOUBT
        ));
        // A birth date typed wrong within the year says the number is still the record's.
        assert!(!someone_elses(
            &parents,
            (Some(d(1986, 9, 13)), Sex::Female),
            DEFAULT_ID_DOUBT
        ));
        // A number that fails its check is a typo, not someone's.
        let typo = parse_id(&format!("{first17}0")).unwrap();
        assert_eq!(
            typo.class,
            crate::pipeline::normalize::id::IdClass::BadCheck
        );
        assert!(!someone_elses(&typo, pupil, DEFAULT_ID_DOUBT));
    }

    #[test]
    fn a_parents_id_contradicts_a_pupils_birth_date() {
        let first17 = "53010219860203002";
        let id = parse_id(&format!(
            "{first17}{}",
            check_char(first17.as_bytes()) as char
        ))
        .unwrap();
        assert!(id_weight(&id, (Some(d(2014, 5, 6)), Sex::Male)) < DEFAULT_ID_DOUBT);
        assert!(id_weight(&id, (None, Sex::Female)) >= DEFAULT_ID_DOUBT);
        assert!(id_weight(&id, (Some(d(1986, 2, 3)), Sex::Female)) > DEFAULT_ID_DOUBT);
    }
}
