//! Blocking: each pass, the cap, the pairs whichever side anchors.
use super::*;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::{IdNumber, check_char, parse_id};

fn id(first17: &str) -> IdNumber {
    let c = check_char(first17.as_bytes()) as char;
    parse_id(&format!("{first17}{c}")).unwrap()
}

#[derive(Clone)]
struct Owned(IdNumber, String, Option<Date>, String);

/// A view whose number is a person's (as the cohort side's are) or not (`owned`).
fn record(o: &Owned, owned: bool) -> CompareView<'_> {
    CompareView {
        id: &o.0,
        id_owned: owned,
        name: &o.1,
        birth: o.2,
        sex: Sex::Unknown,
        division: &o.3,
        pinyin: None,
        origin: 0,
    }
}

/// Views of test records whose numbers are people's (the closure is leaked: tests only).
fn views<'o>(records: &'o [Owned]) -> Views<'o, 'o> {
    views_owned(records, true)
}

/// Views of test records, their numbers people's or no one's.
fn views_owned<'o>(records: &'o [Owned], owned: bool) -> Views<'o, 'o> {
    let view: &(dyn Fn(usize) -> CompareView<'o> + Sync) =
        Box::leak(Box::new(move |i: usize| record(&records[i], owned)));
    Views {
        len: records.len(),
        view,
    }
}

fn owned(id: IdNumber, name: &str, birth: Option<Date>, division: &str) -> Owned {
    Owned(id, name.to_string(), birth, division.to_string())
}

/// The pairs, sorted, and the figures per pass.
fn block(left: &[Owned], right: &[Owned], cap: u64) -> (Vec<(u32, u32)>, Vec<PassStats>) {
    let mut blocking = Blocking::new(views(left), views(right), cap);
    let mut found: Vec<(u32, u32, u8)> = blocking.pairs().collect();
    found.sort_unstable();
    let mut counts = PairCounts::default();
    found.iter().for_each(|p| tally(&mut counts, p.2));
    blocking.set_pair_counts(counts);
    let pairs = found.into_iter().map(|(i, j, _)| (i, j)).collect();
    (pairs, blocking.stats)
}

#[test]
fn each_pass_finds_what_it_is_for() {
    let birth = Date::new(2015, 3, 1);
    let child = id("53010220150301123");
    let left = vec![owned(child.clone(), "张伟", birth, "530102")];
    let typo_id = parse_id(&format!("53010220150301183{}", &child.text[17..])).unwrap();
    let right = vec![
        // A mistyped ID, another birth date and name: only the ID pass finds it.
        owned(typo_id, "李强", Date::new(2016, 1, 1), "530102"),
        // A homophone with a different birthday in the same year.
        owned(
            parse_id("").unwrap(),
            "张玮",
            Date::new(2015, 7, 7),
            "530102",
        ),
        // No birth date: same name and county.
        owned(parse_id("").unwrap(), "张伟", None, "530102001"),
        // Nothing in common.
        owned(
            parse_id("").unwrap(),
            "王芳",
            Date::new(2012, 1, 1),
            "440106",
        ),
    ];
    let (pairs, stats) = block(&left, &right, DEFAULT_BLOCK_CAP);
    assert_eq!(pairs, vec![(0, 0), (0, 1), (0, 2)]);
    let by_pass: Vec<(&str, u64)> = stats.iter().map(|p| (p.pass.as_str(), p.pairs)).collect();
    assert_eq!(
        by_pass,
        vec![
            ("birth_date", 0),
            ("pinyin_name_year", 1),
            ("id_one_edit", 1),
            ("name_county_no_birth", 1),
            ("pinyin_name_month_day", 0),
            ("birth_date_surname", 0)
        ]
    );
}

#[test]
fn the_birth_date_and_first_character_pass_finds_only_those_sharing_both() {
    let birth = Date::new(2015, 3, 1);
    let left = vec![
        owned(parse_id("").unwrap(), "张伟", birth, "530102"),
        owned(parse_id("").unwrap(), "李伟", birth, "530102"),
        owned(
            parse_id("").unwrap(),
            "张伟",
            Date::new(2015, 3, 2),
            "530102",
        ),
    ];
    let right = vec![owned(parse_id("").unwrap(), "张玮", birth, "")];
    let blocking = Blocking::with_passes(
        views(&left),
        views(&right),
        DEFAULT_BLOCK_CAP,
        BIRTH_DATE_SURNAME_PASS,
    );
    let pairs: Vec<(u32, u32, u8)> = blocking.pairs().collect();
    assert_eq!(pairs, vec![(0, 0, BIRTH_DATE_SURNAME_PASS)]);
}

#[test]
fn each_pair_comes_once_with_every_pass_that_found_it_whichever_side_anchors() {
    let birth = Date::new(2015, 3, 1);
    let child = id("53010220150301123");
    let left = vec![
        owned(child.clone(), "张伟", birth, "530102"),
        owned(parse_id("").unwrap(), "李娜", birth, "530102"),
        owned(
            parse_id("").unwrap(),
            "王芳",
            Date::new(2012, 1, 1),
            "440106",
        ),
    ];
    // Same birth date, same name and the same ID: four passes, one pair.
    let right = vec![owned(child, "张伟", birth, "530103")];
    let mut found: Vec<(u32, u32, u8)> = Blocking::new(views(&left), views(&right), 100)
        .pairs()
        .collect();
    found.sort_unstable();
    let all_four = BIRTH_DATE_PASS | NAME_PASS | 1 << 2 | 1 << 4;
    assert_eq!(found, vec![(0, 0, all_four), (1, 0, BIRTH_DATE_PASS)]);
    let mut swapped: Vec<(u32, u32, u8)> = Blocking::new(views(&right), views(&left), 100)
        .pairs()
        .map(|(i, j, by)| (j, i, by))
        .collect();
    swapped.sort_unstable();
    assert_eq!(swapped, found);
}

#[test]
fn the_key_filter_never_turns_away_a_key_it_holds() {
    let mut rng = crate::ground::rng::Rng::new(3);
    let held: Vec<u64> = (0..10_000).map(|_| rng.below(u64::MAX)).collect();
    let filter = KeyFilter::new(held.iter());
    assert!(held.iter().all(|&k| filter.may_hold(k)));
    let others = (0..10_000).filter(|_| filter.may_hold(rng.below(u64::MAX)));
    assert!(others.count() < 1_000, "about one in sixteen may pass");
}

#[test]
fn a_transposition_shares_a_key() {
    let child = id("53010220150301123");
    let swapped = parse_id(&format!("53010220150301213{}", &child.text[17..])).unwrap();
    let (pairs, _) = block(
        &[owned(child, "甲", None, "")],
        &[owned(swapped, "乙", None, "")],
        DEFAULT_BLOCK_CAP,
    );
    assert_eq!(pairs, vec![(0, 0)]);
}

#[test]
fn pathological_blocks_are_capped_and_counted() {
    let birth = Date::new(2015, 3, 1);
    let many: Vec<Owned> = (0..20)
        .map(|_| owned(parse_id("").unwrap(), "王伟", birth, "530102"))
        .collect();
    let (pairs, stats) = block(&many, &many, 100);
    assert!(pairs.is_empty());
    assert_eq!(stats[0].capped_blocks, 1);
    let (pairs, stats) = block(&many, &many, 400);
    assert_eq!(pairs.len(), 400);
    assert_eq!(stats[0].largest_block, 400);
}

/// Pairs with the passes that found them, in the full sides' indices, and the figures.
fn walked(
    mut blocking: Blocking,
    left: &[usize],
    right: &[usize],
) -> (Vec<(u32, u32, u8)>, Vec<PassStats>) {
    let mut found: Vec<(u32, u32, u8)> = blocking
        .pairs()
        .map(|(a, b, by)| (left[a as usize] as u32, right[b as usize] as u32, by))
        .collect();
    found.sort_unstable();
    let mut counts = PairCounts::default();
    found.iter().for_each(|p| tally(&mut counts, p.2));
    blocking.set_pair_counts(counts);
    (found, blocking.stats)
}

#[test]
fn a_blocking_restricted_to_parts_of_both_sides_is_that_of_the_parts() {
    // Random records over a few names, days and IDs (some one edit apart), so that every
    // pass has blocks, some over the cap once restricted and some not.
    let mut rng = crate::ground::rng::Rng::new(11);
    let names = ["张伟", "王芳", "李娜", "張偉", "刘洋"];
    let mut make = |n: usize| -> Vec<Owned> {
        (0..n)
            .map(|_| {
                let id_number = match rng.below(4) {
                    0 => parse_id("").unwrap(),
                    k => id(&format!("5301022015030112{k}")),
                };
                let birth = match rng.below(5) {
                    0 => None,
                    k => Date::new(2015, 3, k as u8),
                };
                let division = if rng.below(2) == 0 {
                    "530102"
                } else {
                    "530103"
                };
                owned(id_number, names[rng.below(5) as usize], birth, division)
            })
            .collect()
    };
    let (left, right) = (make(60), make(25));
    let all = |n: usize| (0..n).collect::<Vec<usize>>();
    let wide = Blocking::new(views(&left), views(&right), u64::MAX);
    for (seed, cap) in [(1, 12), (2, 40), (3, u64::MAX)] {
        let mut pick = crate::ground::rng::Rng::new(seed);
        let left_in: Vec<bool> = (0..left.len()).map(|_| pick.below(3) > 0).collect();
        let right_in: Vec<bool> = (0..right.len()).map(|_| pick.below(2) > 0).collect();
        let part = |from: &[Owned], taken: &[bool]| -> (Vec<Owned>, Vec<usize>) {
            let at: Vec<usize> = (0..from.len()).filter(|&i| taken[i]).collect();
            let kept = at
                .iter()
                .map(|&i| {
                    let o = &from[i];
                    Owned(o.0.clone(), o.1.clone(), o.2, o.3.clone())
                })
                .collect();
            (kept, at)
        };
        let ((l, l_at), (r, r_at)) = (part(&left, &left_in), part(&right, &right_in));
        let fresh = walked(Blocking::new(views(&l), views(&r), cap), &l_at, &r_at);
        let restricted = walked(
            wide.restricted(&left_in, &right_in, cap),
            &all(left.len()),
            &all(right.len()),
        );
        assert!(!fresh.0.is_empty(), "cap {cap}: the parts share blocks");
        let capped: u64 = fresh.1.iter().map(|s| s.capped_blocks).sum();
        assert_eq!(
            capped > 0,
            cap != u64::MAX,
            "cap {cap}: capped blocks {capped}"
        );
        assert_eq!(restricted, fresh, "cap {cap}");
    }
}

/// Whether two numbers' first 17 characters are equal, or one substitution or one swap of
/// adjacent characters apart.
fn one_edit(a: &IdNumber, b: &IdNumber) -> bool {
    let (x, y) = (&a.text.as_bytes()[..17], &b.text.as_bytes()[..17]);
    let diffs: Vec<usize> = (0..17).filter(|&i| x[i] != y[i]).collect();
    match diffs.as_slice() {
        [] | [_] => true,
        [i, j] => *j == i + 1 && x[*i] == y[*j] && x[*j] == y[*i],
        _ => false,
    }
}

#[test]
fn the_id_pass_finds_every_pair_one_edit_apart_and_no_other_whichever_way_it_looks_up() {
    // Numbers from a small alphabet, so that many are one edit apart; checks of all kinds.
    let mut rng = crate::ground::rng::Rng::new(7);
    let number = |rng: &mut crate::ground::rng::Rng| {
        let body: String = (0..17)
            .map(|i| {
                if i < 14 {
                    '1'
                } else {
                    (b'0' + rng.below(3) as u8) as char
                }
            })
            .collect();
        let check = (b'0' + rng.below(10) as u8) as char;
        owned(parse_id(&format!("{body}{check}")).unwrap(), "", None, "")
    };
    let few: Vec<Owned> = (0..2).map(|_| number(&mut rng)).collect();
    let many: Vec<Owned> = (0..400).map(|_| number(&mut rng)).collect();
    let some: Vec<Owned> = (0..60).map(|_| number(&mut rng)).collect();
    const ID_PASS: u8 = 1 << 2;
    for (left, right) in [(&few, &many), (&many, &few), (&some, &many)] {
        let blocking = Blocking::with_passes(views(left), views(right), u64::MAX, ID_PASS);
        let mut found: Vec<(u32, u32)> = blocking.pairs().map(|(a, b, _)| (a, b)).collect();
        found.sort_unstable();
        let mut expected = Vec::new();
        for (a, l) in left.iter().enumerate() {
            for (b, r) in right.iter().enumerate() {
                if one_edit(&l.0, &r.0) {
                    expected.push((a as u32, b as u32));
                }
            }
        }
        assert!(!expected.is_empty());
        assert_eq!(found, expected);
    }
}

#[test]
fn a_record_whose_valid_number_is_no_ones_meets_same_day_children_of_its_first_character() {
    let birth = Date::new(2015, 3, 1);
    let children = vec![
        owned(id("53010220150301123"), "张伟", birth, "530102"),
        owned(id("53010220150301145"), "李娜", birth, "530102"),
    ];
    // Another province's pupil born that day, a 张, whose number is no one's here.
    let pupil = vec![owned(id("44010620150301331"), "张强", birth, "440106")];
    let pairs = |records: &[Owned]| -> Vec<(u32, u32, u8)> {
        let records: &'static [Owned] = Box::leak(records.to_vec().into_boxed_slice());
        let children: &'static [Owned] = Box::leak(children.clone().into_boxed_slice());
        let mut p: Vec<_> = Blocking::new(views(children), views_owned(records, false), 100)
            .pairs()
            .collect();
        p.sort_unstable();
        p
    };
    assert_eq!(pairs(&pupil), vec![(0, 0, BIRTH_DATE_PASS)]);
    // A number that fails its check is a typo of someone's: every child born that day.
    let typo = vec![owned(
        parse_id("440106201503013311").unwrap(),
        "张强",
        birth,
        "440106",
    )];
    assert_eq!(
        typo[0].0.class,
        crate::pipeline::normalize::id::IdClass::BadCheck
    );
    assert_eq!(
        pairs(&typo),
        vec![(0, 0, BIRTH_DATE_PASS), (1, 0, BIRTH_DATE_PASS)]
    );
}
