//! Comparison levels of two encoded rows (docs/privacy.md): the name and the birth date by
//! the Dice coefficient of their Bloom filters, in bands, in place of the clear levels; the
//! ID number by its tokens (the same number, one typo apart, the same address and birth);
//! sex and division in clear, as a run compares them.

use super::pool::Entry;
use crate::pipeline::link::compare::{DivisionLevel, SexLevel, compare_divisions, compare_sex};
use crate::reconcile::encode::dice;

/// The compared fields, in weight order.
pub const FIELDS: [&str; 5] = ["name", "birth_date", "id_number", "sex", "division"];

/// The name filters' Dice over chance (see [`over_chance`]) at or above which each band
/// starts, after `exact` (the same filter): one character of three another, or the same
/// sound in another character, about 0.6 to 0.8; the same surname alone about 0.3; two
/// names of one year with nothing in common about 0.1. (A long name sets many bits, and two
/// long names share many by chance: their plain Dice is 0.6 to 0.7 with nothing in
/// common.)
pub const NAME_BANDS: [f64; 3] = [0.72, 0.52, 0.32];

/// Dice of the birth-date filters at or above which each band starts, after `exact`: of a
/// date's eight features, three shared (the same year and month, the same year and day)
/// give about 0.4, two (the year and the unordered month-day pair: day and month swapped)
/// about 0.3, the year alone under 0.2.
pub const BIRTH_BANDS: [f64; 2] = [0.36, 0.25];

/// Level names per field, strongest first; the last of each is "missing".
pub const LEVELS: [&[&str]; 5] = [
    &[
        "exact",
        "dice_72",
        "dice_52",
        "dice_32",
        "different",
        "missing",
    ],
    &["exact", "dice_36", "dice_25", "different", "missing"],
    &[
        "exact",
        "one_typo",
        "same_place_birth",
        "different",
        "missing",
    ],
    SexLevel::KEYS,
    DivisionLevel::KEYS,
];

/// A pair's level per field, as indices into [`LEVELS`].
pub type Levels = [u8; 5];

const NAME: usize = 0;
const BIRTH: usize = 1;
const ID: usize = 2;
/// The ID level that weighs nothing: the same address and birth date, which the birth
/// date and the division already count (and a classmate born the same day shares).
const SAME_PLACE_BIRTH: u8 = 2;

/// Whether a field's level is its last, "missing".
pub fn is_missing(field: usize, level: u8) -> bool {
    usize::from(level) == LEVELS[field].len() - 1
}

/// The levels that weigh nothing.
pub fn is_neutral(field: usize, level: u8) -> bool {
    is_missing(field, level) || (field == ID && level == SAME_PLACE_BIRTH)
}

/// Whether the record's number says it is another person's than the child: a valid number
/// no child holds, other than the child's and not one typo from it (as in a run). However
/// alike their names and birthdays, the pair is no candidate. A number another child
/// holds (a sibling's, copied) leaves the pair to be weighed with the ID `different`,
/// where a run links such a record to its holder exactly, sets it aside, or compares it
/// without its ID; one record to a child keeps it from both.
pub fn another_persons(child: &Entry, record: &Entry) -> bool {
    child.id != 0
        && record.id != 0
        && !record.held
        && child.id != record.id
        && child.id != record.stand_in
        && !shares(&child.near, &record.near)
}

/// Whether two sorted lists of tokens share one.
fn shares(a: &[u64], b: &[u64]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Compares two encoded rows.
pub fn compare(a: &Entry, b: &Entry) -> Levels {
    [
        name_level(a, b),
        filter_level(a.birth.as_deref(), b.birth.as_deref(), &BIRTH_BANDS),
        id_level(a, b),
        compare_sex(a.sex, b.sex).index(),
        compare_divisions(&a.division, &b.division).index(),
    ]
}

/// The names' level: the best of their filters under one salt (a name mistyped in one
/// register's birth year still meets under the ID number's year); `missing` when they
/// share no salt (filters under two salts share only chance bits) or either has none.
fn name_level(a: &Entry, b: &Entry) -> u8 {
    let same_year = a.names.iter().flat_map(|(ya, fa)| {
        b.names
            .iter()
            .filter(move |(yb, _)| yb == ya)
            .map(move |(_, fb)| band(fa, fb, over_chance(fa, fb), &NAME_BANDS))
    });
    same_year.min().unwrap_or(NAME_BANDS.len() as u8 + 2)
}

/// Two filters' Dice over what chance gives filters of their bit counts: (Dice − c) /
/// (1 − c), where c is the Dice two filters setting as many bits at random would have.
pub fn over_chance(a: &[u64], b: &[u64]) -> f64 {
    let ones = |f: &[u64]| f.iter().map(|w| f64::from(w.count_ones())).sum::<f64>();
    let (na, nb, bits) = (ones(a), ones(b), (a.len() * 64) as f64);
    if na + nb == 0.0 || bits == 0.0 {
        return 0.0;
    }
    let chance = 2.0 * na * nb / bits / (na + nb);
    if chance >= 1.0 {
        return 0.0;
    }
    (dice(a, b) - chance) / (1.0 - chance)
}

/// The band of two filters' Dice: `exact` for the same filter, then each band of `bands`,
/// then `different`; `missing` when either has none.
fn filter_level(a: Option<&[u64]>, b: Option<&[u64]>, bands: &[f64]) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return bands.len() as u8 + 2;
    };
    band(a, b, dice(a, b), bands)
}

/// The level of two filters alike by `d`: `exact` for the same filter, then each band of
/// `bands`, then `different`.
fn band(a: &[u64], b: &[u64], d: f64, bands: &[f64]) -> u8 {
    if a == b {
        return 0;
    }
    let band = bands
        .iter()
        .position(|&low| d >= low)
        .unwrap_or(bands.len());
    band as u8 + 1
}

/// The ID level, as a run's (`link::compare::id`): the same number, valid or not (the
/// record's, or the one its student number carries: the child's when the ID column holds
/// a parent's); two valid numbers, one of them another child's, `different` (see
/// [`another_persons`]); two valid
/// numbers one typo apart, the check recomputed, say nothing
/// (`missing`: as often another real child's as a typo) unless they share the address
/// and birth date, when the order code differs (`different`: a classmate's or a twin's);
/// one typo apart with the same check character, one side failing it (a deletion token
/// shared); the same address and birth date; `different` when both are 18 characters and
/// share nothing; `missing` when either is no number.
fn id_level(a: &Entry, b: &Entry) -> u8 {
    if (a.token != 0 && a.token == b.token) || (a.id != 0 && a.id == b.stand_in) {
        return 0;
    }
    if a.id != 0 && b.id != 0 {
        return match a.held || b.held || a.place_birth == b.place_birth {
            true => DIFFERENT_ID,
            false => MISSING_ID,
        };
    }
    if shares(&a.edits, &b.edits) {
        return 1;
    }
    if a.place_birth == 0 || b.place_birth == 0 {
        return MISSING_ID;
    }
    if a.place_birth == b.place_birth {
        SAME_PLACE_BIRTH
    } else {
        DIFFERENT_ID
    }
}

const DIFFERENT_ID: u8 = 3;
const MISSING_ID: u8 = 4;

/// The fields a blocking pass makes agree among its pairs, whether they match or not: EM
/// on the pairs a birth-date pass found leaves the birth date out, on a name pass's the
/// name.
pub const BIRTH_FIELD: usize = BIRTH;
pub const NAME_FIELD: usize = NAME;
pub const ID_FIELD: usize = ID;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::normalize::values::Sex;

    fn sorted(tokens: &[u64]) -> Vec<u64> {
        let mut v = tokens.to_vec();
        v.sort_unstable();
        v
    }

    fn entry(id: u64, edits: &[u64], names: Vec<(u16, Vec<u64>)>) -> Entry {
        Entry {
            place_birth: 7,
            edits: sorted(edits),
            near: sorted(edits),
            names,
            sex: Sex::Female,
            ..Entry::bare(0, id)
        }
    }

    #[test]
    fn filters_fall_in_bands_and_a_missing_one_is_missing() {
        let a = vec![0b1111u64, 0];
        let same = a.clone();
        let three_of_four = vec![0b0111u64, 0];
        let none = vec![0b1111_0000u64, 0];
        assert_eq!(filter_level(Some(&a), Some(&same), &NAME_BANDS), 0);
        // Dice 6/7.
        assert_eq!(filter_level(Some(&a), Some(&three_of_four), &NAME_BANDS), 1);
        assert_eq!(filter_level(Some(&a), Some(&none), &NAME_BANDS), 4);
        assert_eq!(filter_level(None, Some(&a), &NAME_BANDS), 5);
        assert_eq!(LEVELS[NAME][5], "missing");
        assert_eq!(filter_level(Some(&a), None, &BIRTH_BANDS), 4);
        assert_eq!(LEVELS[BIRTH][4], "missing");
    }

    #[test]
    fn long_names_alike_by_chance_are_different() {
        let mut rng = crate::ground::rng::Rng::new(1);
        // Two filters of half their bits set, nothing in common but chance: plain Dice
        // about 0.5.
        let mut half = || -> Vec<u64> { (0..16).map(|_| rng.next_u64()).collect() };
        let (a, b) = (half(), half());
        assert!(dice(&a, &b) > 0.45);
        assert!(over_chance(&a, &b).abs() < 0.1);
        let (x, y) = (
            entry(0, &[], vec![(2015, a)]),
            entry(0, &[], vec![(2015, b)]),
        );
        assert_eq!(LEVELS[NAME][usize::from(name_level(&x, &y))], "different");
    }

    #[test]
    fn names_meet_under_either_salt() {
        let (a, b) = (vec![0b1111u64, 0], vec![0b1111_0000u64, 0]);
        let child = entry(11, &[], vec![(2011, a.clone())]);
        // Born 2012 by the record, 2011 by its ID: the name meets under the ID's year.
        let record = entry(11, &[], vec![(2012, b.clone()), (2011, a.clone())]);
        assert_eq!(name_level(&child, &record), 0);
        // Under two salts the filters share only chance bits: nothing is known.
        let only_2012 = entry(11, &[], vec![(2012, b.clone())]);
        assert_eq!(
            LEVELS[NAME][usize::from(name_level(&child, &only_2012))],
            "missing"
        );
        let other = entry(11, &[], vec![(2011, b)]);
        assert_eq!(
            LEVELS[NAME][usize::from(name_level(&child, &other))],
            "different"
        );
        assert_eq!(
            LEVELS[NAME][usize::from(name_level(&child, &entry(11, &[], vec![])))],
            "missing"
        );
    }

    #[test]
    fn ids_compare_by_token_then_fragments() {
        let child = entry(11, &[1, 2, 3], vec![]);
        assert_eq!(id_level(&child, &entry(11, &[1, 2, 3], vec![])), 0);
        // Two valid numbers are the same person's, one typo apart, or two people's.
        let near = entry(12, &[3, 9], vec![]);
        assert!(!another_persons(&child, &near));
        // One typo apart, the same address and birth: a classmate's order code.
        assert_eq!(
            LEVELS[ID][usize::from(id_level(&child, &near))],
            "different"
        );
        let mut elsewhere = near.clone();
        elsewhere.place_birth = 8;
        assert_eq!(
            LEVELS[ID][usize::from(id_level(&child, &elsewhere))],
            "missing"
        );
        // Two equal numbers that fail their check agree exactly too.
        let (mut a, mut b) = (entry(0, &[4], vec![]), entry(0, &[4], vec![]));
        (a.token, b.token) = (21, 21);
        assert_eq!(id_level(&a, &b), 0);
        assert!(another_persons(&child, &entry(12, &[8, 9], vec![])));
        // A sibling's number, another child's: weighed, and different.
        let mut siblings = entry(12, &[8, 9], vec![]);
        siblings.held = true;
        assert!(!another_persons(&child, &siblings));
        assert_eq!(
            LEVELS[ID][usize::from(id_level(&child, &siblings))],
            "different"
        );
        assert!(!another_persons(&child, &entry(0, &[8, 9], vec![])));
        // A parent's ID in the ID column, the child's in the student number.
        let mut parents = entry(12, &[8, 9], vec![]);
        parents.stand_in = 11;
        assert!(!another_persons(&child, &parents));
        assert_eq!(id_level(&child, &parents), 0);
        assert_eq!(id_level(&child, &entry(0, &[3, 9], vec![])), 1);
        assert_eq!(
            id_level(&child, &entry(0, &[8, 9], vec![])),
            SAME_PLACE_BIRTH
        );
        let mut other = entry(0, &[8, 9], vec![]);
        other.place_birth = 5;
        assert_eq!(
            LEVELS[ID][usize::from(id_level(&child, &other))],
            "different"
        );
        other.place_birth = 0;
        other.edits.clear();
        assert_eq!(LEVELS[ID][usize::from(id_level(&child, &other))], "missing");
        assert!(is_neutral(ID, SAME_PLACE_BIRTH) && !is_neutral(ID, 1));
    }
}
