//! ID numbers compared by their parts (see the module above): one typo keeps the check
//! character; two people's numbers are two people; a valid number that belongs to no one
//! is compared by its edits.

use super::IdLevel;
use crate::pipeline::normalize::id::IdNumber;

/// Compares two ID numbers by their parts; each comes with whether it belongs to a person
/// of the population.
pub fn compare_ids((a, a_owned): (&IdNumber, bool), (b, b_owned): (&IdNumber, bool)) -> IdLevel {
    // Empty, wrong-length, damaged and legacy numbers with impossible dates have no parts
    // to compare.
    if !a.has_parts() || !b.has_parts() {
        return IdLevel::Missing;
    }
    let (x, y) = (a.text.as_bytes(), b.text.as_bytes());
    if x == y {
        return IdLevel::Exact;
    }
    // A number a spreadsheet rounded to 15 significant digits (the last three zeroed)
    // passes its check one time in eleven: it is still the other's address and birth date.
    let rounded = |p: &IdNumber, q: &IdNumber| {
        q.maybe_rounded()
            && crate::pipeline::normalize::id::rounded(&p.text).is_some_and(|r| r == q.text)
    };
    let damaged = rounded(a, b) || rounded(b, a);
    let same_birth_and_place = x[..14] == y[..14];
    // Two different numbers that are both people's are two people, whatever parts they
    // share.
    let nobodys = |id: &IdNumber, owned: bool| !id.class.is_usable() || !owned;
    if !nobodys(a, a_owned) && !nobodys(b, b_owned) {
        return if damaged && same_birth_and_place {
            IdLevel::SameBirthAndPlace
        } else {
            IdLevel::Different
        };
    }
    if !a.class.is_usable() || !b.class.is_usable() {
        // One fails its check: a typo kept the original check character.
        return if x[17] == y[17] && one_typo(&x[..17], &y[..17]) {
            IdLevel::Typo
        } else if same_birth_and_place {
            IdLevel::SameBirthAndPlace
        } else {
            IdLevel::Different
        };
    }
    // Both validate, and one is no one's: a typo whose check a form recomputed, or two
    // digit errors that cancel. That says nothing for the child: children born the same
    // day in neighbouring counties often share the order code, so such a number is
    // another real child's as often as a typo (`missing`, no evidence either way). In the
    // order code it is a classmate's, or a child the population register lacks born that
    // day in that county, more often than a typo (`different`; the name, birth date and
    // division still carry a true typo). Further off, the number is another person's, and
    // a pair showing it is no candidate (`fuzzy::compare_blocked`).
    if damaged && same_birth_and_place {
        IdLevel::SameBirthAndPlace
    } else if within_one_typo(a, b) && !same_birth_and_place {
        IdLevel::Missing
    } else {
        IdLevel::Different
    }
}

/// Whether two valid numbers are one typo apart: one substitution or adjacent swap among
/// the first 17 characters with the check recomputed, or two substituted digits with the
/// same check (two errors that cancel).
pub fn within_one_typo(a: &IdNumber, b: &IdNumber) -> bool {
    let (x, y) = (a.text.as_bytes(), b.text.as_bytes());
    if x.len() != 18 || y.len() != 18 || x == y {
        return false;
    }
    if x[17] == y[17] {
        two_subs(x, y)
    } else {
        one_typo(&x[..17], &y[..17])
    }
}

/// Two substituted characters among the first 17 (neither an adjacent swap).
fn two_subs(a: &[u8], b: &[u8]) -> bool {
    (0..17).filter(|&i| a[i] != b[i]).count() == 2 && !one_typo(&a[..17], &b[..17])
}

/// One substitution, or one swap of two adjacent characters.
fn one_typo(a: &[u8], b: &[u8]) -> bool {
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diffs.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::normalize::id::{IdClass, check_char, parse_id};

    fn id(first17: &str) -> IdNumber {
        let c = check_char(first17.as_bytes()) as char;
        parse_id(&format!("{first17}{c}")).unwrap()
    }

    fn raw(text: &str) -> IdNumber {
        parse_id(text).unwrap()
    }

    /// A person's number (a cohort child's).
    fn owned(id: &IdNumber) -> (&IdNumber, bool) {
        (id, true)
    }

    /// A record's number that belongs to no one in the population.
    fn nobodys(id: &IdNumber) -> (&IdNumber, bool) {
        (id, false)
    }

    #[test]
    fn a_digit_typo_keeps_the_check_and_is_strong_evidence() {
        let child = id("53010220150301123");
        let typo = raw(&format!("53010220150301183{}", &child.text[17..]));
        assert_eq!(typo.class, IdClass::BadCheck);
        assert_eq!(compare_ids(owned(&child), nobodys(&typo)), IdLevel::Typo);
        let swapped = raw(&format!("53010220150301213{}", &child.text[17..]));
        assert_eq!(compare_ids(owned(&child), nobodys(&swapped)), IdLevel::Typo);
    }

    #[test]
    fn a_valid_number_that_is_no_ones_is_compared_by_its_edits() {
        // One typo from the child's number (the check recomputed, or two errors that
        // cancel) is a candidate whose ID says nothing either way: a neighbouring county's
        // child born that day with the same order code has such a number as often.
        let child = id("53010220150301123");
        // A digit of the birth date mistyped, the check recomputed by a form.
        let rechecked = id("53010220150307123");
        assert_eq!(rechecked.class, IdClass::Valid);
        assert_eq!(
            compare_ids(owned(&child), nobodys(&rechecked)),
            IdLevel::Missing
        );
        // Another province's code, by one digit.
        let province = id("52010220150301123");
        assert_eq!(
            compare_ids(owned(&child), nobodys(&province)),
            IdLevel::Missing
        );
        // Two adjacent digits swapped, the check recomputed.
        let swapped = id("53001220150301123");
        assert_eq!(
            compare_ids(owned(&child), nobodys(&swapped)),
            IdLevel::Missing
        );
        // Two digit errors that cancel: the check is the child's and validates.
        let first17 = &child.text.as_bytes()[..17];
        let cancel = (2..6)
            .flat_map(|i| (i + 2..6).map(move |j| (i, j)))
            .flat_map(|(i, j)| {
                (b'0'..=b'9').flat_map(move |p| (b'0'..=b'9').map(move |q| (i, j, p, q)))
            })
            .map(|(i, j, p, q)| {
                let mut f = first17.to_vec();
                (f[i], f[j]) = (p, q);
                f
            })
            .find(|f| {
                let diffs = f.iter().zip(first17).filter(|(a, b)| a != b).count();
                diffs == 2 && check_char(f) == child.text.as_bytes()[17]
            })
            .map(|f| {
                raw(&format!(
                    "{}{}",
                    String::from_utf8(f).unwrap(),
                    &child.text[17..]
                ))
            })
            .unwrap();
        assert_eq!(cancel.class, IdClass::Valid);
        assert_eq!(
            compare_ids(owned(&child), nobodys(&cancel)),
            IdLevel::Missing
        );
        // Only a number that is a person's says "another person".
        assert_eq!(
            compare_ids(owned(&child), owned(&rechecked)),
            IdLevel::Different
        );
        assert_eq!(
            compare_ids(owned(&child), owned(&province)),
            IdLevel::Different
        );
        // An order-code digit changed and rechecked is a classmate's number, or that of a
        // child the population lacks born that day in that county, more often than a
        // typo: evidence against, yet still a candidate.
        let order = id("53010220150301125");
        assert_eq!(
            compare_ids(owned(&child), nobodys(&order)),
            IdLevel::Different
        );
        assert!(within_one_typo(&child, &order));
        // Two order-code digits off and the check recomputed: no typo, another person's (a
        // child the population register lacks, born the same day in the same county).
        let gap = id("53010220150301147");
        assert_ne!(gap.text[17..], child.text[17..]);
        assert_eq!(
            compare_ids(owned(&child), nobodys(&gap)),
            IdLevel::Different
        );
        // Far from the child's number, no one's or not.
        let elsewhere = id("44010620150301123");
        assert_eq!(
            compare_ids(owned(&child), nobodys(&elsewhere)),
            IdLevel::Different
        );
    }

    #[test]
    fn a_classmate_born_the_same_day_in_the_same_county_is_weak_evidence() {
        let child = id("53010220150301123");
        let classmate = raw("530102201503011250");
        assert_ne!(classmate.class, IdClass::Valid);
        assert_eq!(
            compare_ids(owned(&child), nobodys(&classmate)),
            IdLevel::SameBirthAndPlace
        );
        // Two people's numbers are two people, whatever they share.
        let other = id("53010220150301125");
        assert_eq!(
            compare_ids(owned(&child), owned(&other)),
            IdLevel::Different
        );
        let elsewhere = id("44010620150301123");
        assert_eq!(
            compare_ids(owned(&child), owned(&elsewhere)),
            IdLevel::Different
        );
        assert_eq!(
            compare_ids(owned(&child), nobodys(&raw(""))),
            IdLevel::Missing
        );
        assert_eq!(
            compare_ids(owned(&child), nobodys(&raw("130503671301001"))),
            IdLevel::Missing
        );
        assert_eq!(
            compare_ids(owned(&child), owned(&child.clone())),
            IdLevel::Exact
        );
    }

    #[test]
    fn a_rounded_id_that_still_passes_its_check_is_its_owners_address_and_birth() {
        // 41040420190316001 9 rounded by a spreadsheet: 410404201903160000, whose check
        // character happens to be 0.
        let child = crate::pipeline::normalize::id::parse_id("410404201903160019").unwrap();
        let rounded = crate::pipeline::normalize::id::parse_id("410404201903160000").unwrap();
        assert!(rounded.class.is_usable());
        for owner in [true, false] {
            assert_eq!(
                compare_ids(owned(&child), (&rounded, owner)),
                IdLevel::SameBirthAndPlace
            );
            assert_eq!(
                compare_ids((&rounded, owner), owned(&child)),
                IdLevel::SameBirthAndPlace
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn comparing_a_with_b_equals_comparing_b_with_a(
            ia in "5301022015030[0-9]{4}", ib in "5301022015030[0-9]{4}",
            ic in "5[23]010220[01][0-9]0[0-9]0[0-9]{4}", oa: bool, ob: bool,
        ) {
            let (a, b, c) = (raw(&format!("{ia}0")), id(&ib), id(&ic));
            for (p, q) in [(&a, &b), (&b, &c), (&a, &c)] {
                proptest::prop_assert_eq!(
                    compare_ids((p, oa), (q, ob)),
                    compare_ids((q, ob), (p, oa))
                );
            }
        }
    }
}
