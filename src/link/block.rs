//! Blocking for fuzzy linkage: several cheap passes whose union gives the candidate pairs
//! among the records the exact pass left unlinked on both sides.
//!
//! Passes: same birth date; same toneless pinyin name (any reading) and birth year; ID
//! number within one substitution or one adjacent transposition (deletion-neighbourhood
//! keys over the first 17 characters); and same simplified name and county for records
//! with no birth date (the cohort side always has one). A block whose pairs would exceed the cap is skipped and counted, so
//! one pathological key (a common name in a big county) cannot exhaust memory.

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::normalize::date::Date;
use crate::normalize::id::{IdClass, IdNumber};
use crate::normalize::name_key::{pinyin_keys, simplified};

/// What blocking needs to know of a record.
#[derive(Clone, Copy, Debug)]
pub struct BlockingRecord<'a> {
    pub id: &'a IdNumber,
    pub name: &'a str,
    pub birth: Option<Date>,
    pub division: &'a str,
}

/// One blocking pass's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PassStats {
    pub pass: &'static str,
    /// Pairs the pass produced (before the union removes repeats).
    pub pairs: u64,
    /// Left × right size of the largest block kept.
    pub largest_block: u64,
    /// Blocks skipped because they exceeded the cap.
    pub capped_blocks: u64,
}

/// The candidate pairs (left index, right index), sorted and unique, and per-pass figures.
#[derive(Clone, Debug, Default)]
pub struct Blocking {
    pub pairs: Vec<(u32, u32)>,
    pub passes: Vec<PassStats>,
}

/// Pairs at most in one block before it is skipped.
pub const DEFAULT_BLOCK_CAP: u64 = 250_000;

/// Keys of a record; the flag says whether it is on the left (cohort) side.
type KeyFn = fn(&BlockingRecord, bool) -> Vec<String>;

const PASSES: [(&str, KeyFn); 4] = [
    ("birth_date", birth_date_keys),
    ("pinyin_name_year", pinyin_year_keys),
    ("id_one_edit", id_edit_keys),
    ("name_county_no_birth", name_county_keys),
];

/// Runs every pass and unites their pairs.
pub fn block(left: &[BlockingRecord], right: &[BlockingRecord], cap: u64) -> Blocking {
    let mut all = Vec::new();
    let mut passes = Vec::new();
    for (pass, keys) in PASSES {
        let (pairs, stats) = run_pass(pass, keys, left, right, cap);
        all.extend(pairs);
        passes.push(stats);
    }
    all.sort_unstable();
    all.dedup();
    Blocking { pairs: all, passes }
}

fn run_pass(
    pass: &'static str,
    keys: KeyFn,
    left: &[BlockingRecord],
    right: &[BlockingRecord],
    cap: u64,
) -> (Vec<(u32, u32)>, PassStats) {
    let mut stats = PassStats {
        pass,
        ..PassStats::default()
    };
    if left.is_empty() || right.is_empty() {
        return (Vec::new(), stats);
    }
    // Index the smaller side, probe with the larger: the cohort side can be a whole
    // province's children while the leftover records are few.
    let left_smaller = left.len() <= right.len();
    let (small, large) = if left_smaller {
        (left, right)
    } else {
        (right, left)
    };
    let mut blocks: FxHashMap<String, (Vec<u32>, Vec<u32>)> = FxHashMap::default();
    for (i, r) in small.iter().enumerate() {
        for key in keys(r, left_smaller) {
            blocks.entry(key).or_default().0.push(i as u32);
        }
    }
    for (j, r) in large.iter().enumerate() {
        for key in keys(r, !left_smaller) {
            if let Some(block) = blocks.get_mut(&key) {
                block.1.push(j as u32);
            }
        }
    }
    let mut pairs = Vec::new();
    for (a, b) in blocks.values() {
        let size = (a.len() * b.len()) as u64;
        if size == 0 {
            continue;
        }
        if size > cap {
            stats.capped_blocks += 1;
            continue;
        }
        stats.largest_block = stats.largest_block.max(size);
        let (l, r) = if left_smaller { (a, b) } else { (b, a) };
        pairs.extend(l.iter().flat_map(|&i| r.iter().map(move |&j| (i, j))));
    }
    stats.pairs = pairs.len() as u64;
    (pairs, stats)
}

fn birth_date_keys(r: &BlockingRecord, _left: bool) -> Vec<String> {
    r.birth.map(|d| d.compact()).into_iter().collect()
}

fn pinyin_year_keys(r: &BlockingRecord, _left: bool) -> Vec<String> {
    match r.birth {
        Some(d) => pinyin_keys(&simplified(r.name))
            .into_iter()
            .map(|k| format!("{k}|{}", d.year))
            .collect(),
        None => Vec::new(),
    }
}

/// For each of the first 17 positions, the number with that position masked (one
/// substitution away shares a key); for each adjacent pair, the number with the pair
/// sorted and marked (one transposition away shares a key).
fn id_edit_keys(r: &BlockingRecord, _left: bool) -> Vec<String> {
    let text = r.id.text.as_bytes();
    if text.len() != 18 || matches!(r.id.class, IdClass::Empty | IdClass::BadLength) {
        return Vec::new();
    }
    let body = &text[..17];
    let mut keys = Vec::with_capacity(33);
    for i in 0..17 {
        let mut k = body.to_vec();
        k[i] = b'*';
        keys.push(String::from_utf8(k).expect("ASCII"));
    }
    for i in 0..16 {
        let mut k = body.to_vec();
        if k[i] > k[i + 1] {
            k.swap(i, i + 1);
        }
        keys.push(format!("{}|t{i}", String::from_utf8(k).expect("ASCII")));
    }
    keys
}

/// Every cohort child has this key; a record only when it has no birth date.
fn name_county_keys(r: &BlockingRecord, left: bool) -> Vec<String> {
    if (!left && r.birth.is_some()) || r.division.len() < 6 {
        return Vec::new();
    }
    vec![format!("{}|{}", simplified(r.name), &r.division[..6])]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::id::{check_char, parse_id};

    fn id(first17: &str) -> IdNumber {
        let c = check_char(first17.as_bytes()) as char;
        parse_id(&format!("{first17}{c}")).unwrap()
    }

    struct Owned(IdNumber, String, Option<Date>, String);

    fn record(o: &Owned) -> BlockingRecord<'_> {
        BlockingRecord {
            id: &o.0,
            name: &o.1,
            birth: o.2,
            division: &o.3,
        }
    }

    fn owned(id: IdNumber, name: &str, birth: Option<Date>, division: &str) -> Owned {
        Owned(id, name.to_string(), birth, division.to_string())
    }

    fn pairs_of(left: &[Owned], right: &[Owned], cap: u64) -> Blocking {
        let l: Vec<_> = left.iter().map(record).collect();
        let r: Vec<_> = right.iter().map(record).collect();
        block(&l, &r, cap)
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
        let b = pairs_of(&left, &right, DEFAULT_BLOCK_CAP);
        assert_eq!(b.pairs, vec![(0, 0), (0, 1), (0, 2)]);
        let by_pass: Vec<(&str, u64)> = b.passes.iter().map(|p| (p.pass, p.pairs)).collect();
        assert_eq!(
            by_pass,
            vec![
                ("birth_date", 0),
                ("pinyin_name_year", 1),
                ("id_one_edit", 1),
                ("name_county_no_birth", 1)
            ]
        );
    }

    #[test]
    fn a_transposition_shares_a_key() {
        let child = id("53010220150301123");
        let swapped = parse_id(&format!("53010220150301213{}", &child.text[17..])).unwrap();
        let b = pairs_of(
            &[owned(child, "甲", None, "")],
            &[owned(swapped, "乙", None, "")],
            DEFAULT_BLOCK_CAP,
        );
        assert_eq!(b.pairs, vec![(0, 0)]);
    }

    #[test]
    fn pathological_blocks_are_capped_and_counted() {
        let birth = Date::new(2015, 3, 1);
        let many: Vec<Owned> = (0..20)
            .map(|_| owned(parse_id("").unwrap(), "王伟", birth, "530102"))
            .collect();
        let b = pairs_of(&many, &many, 100);
        assert!(b.pairs.is_empty());
        assert_eq!(b.passes[0].capped_blocks, 1);
        let b = pairs_of(&many, &many, 400);
        assert_eq!(b.pairs.len(), 400);
        assert_eq!(b.passes[0].largest_block, 400);
    }
}
