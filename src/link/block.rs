//! Blocking for fuzzy linkage: several cheap passes whose union gives the candidate pairs
//! among the records the exact pass left unlinked on both sides.
//!
//! Passes: same birth date; same toneless pinyin name (any reading), birth year and sex; ID
//! number within one substitution or one adjacent transposition (deletion-neighbourhood
//! keys over the first 17 characters); and same simplified name and county for records
//! with no birth date (the cohort side always has one). A block whose pairs would exceed the cap is skipped and counted, so
//! one pathological key (a common name in a big county) cannot exhaust memory.

use std::hash::Hasher;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;

use super::compare::CompareView;
use crate::normalize::id::IdClass;
use crate::normalize::name_key::pinyin_key_hashes;
use crate::normalize::values::Sex;

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

/// The candidate pairs (left index, right index), sorted and unique, which passes found
/// each, and per-pass figures.
#[derive(Clone, Debug, Default)]
pub struct Blocking {
    pub pairs: Vec<(u32, u32)>,
    /// Per pair, one bit per pass that found it ([`BIRTH_DATE_PASS`], [`NAME_PASS`], …).
    pub found_by: Vec<u8>,
    pub passes: Vec<PassStats>,
}

/// The bit of the same-birth-date pass in [`Blocking::found_by`].
pub const BIRTH_DATE_PASS: u8 = 1;
/// The bit of the same-pinyin-name-and-year pass in [`Blocking::found_by`].
pub const NAME_PASS: u8 = 1 << 1;

/// Pairs at most in one block before it is skipped.
pub const DEFAULT_BLOCK_CAP: u64 = 250_000;

/// A pass's keys for one record (`left` tells the cohort side from the records' side),
/// pushed as 64-bit hashes: a collision only adds a pair that scoring then rejects.
type KeyFn = fn(&CompareView, bool, &mut Vec<u64>);

const PASSES: [(&str, KeyFn); 4] = [
    ("birth_date", birth_date_keys),
    ("pinyin_name_year", pinyin_year_keys),
    ("id_one_edit", id_edit_keys),
    ("name_county_no_birth", name_county_keys),
];

/// Candidate pairs (left index, right index), sorted and without repeats, and figures per
/// pass.
pub fn block(left: &[CompareView], right: &[CompareView], cap: u64) -> Blocking {
    let mut all: Vec<(u32, u32, u8)> = Vec::new();
    let mut passes = Vec::new();
    for (bit, (pass, keys)) in PASSES.into_iter().enumerate() {
        let (pairs, stats) = run_pass(pass, keys, left, right, cap);
        all.extend(pairs.into_iter().map(|(i, j)| (i, j, 1 << bit)));
        passes.push(stats);
    }
    all.par_sort_unstable();
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(all.len());
    let mut found_by: Vec<u8> = Vec::with_capacity(all.len());
    for (i, j, bit) in all {
        if pairs.last() == Some(&(i, j)) {
            *found_by.last_mut().expect("in step with pairs") |= bit;
        } else {
            pairs.push((i, j));
            found_by.push(bit);
        }
    }
    Blocking {
        pairs,
        found_by,
        passes,
    }
}

fn run_pass(
    pass: &'static str,
    keys: KeyFn,
    left: &[CompareView],
    right: &[CompareView],
    cap: u64,
) -> (Vec<(u32, u32)>, PassStats) {
    let mut stats = PassStats {
        pass,
        ..PassStats::default()
    };
    if left.is_empty() || right.is_empty() {
        return (Vec::new(), stats);
    }
    // Index the smaller side, probe with the larger in parallel: the cohort side can be a
    // whole province's children while the leftover records are few.
    let left_smaller = left.len() <= right.len();
    let (small, large) = if left_smaller {
        (left, right)
    } else {
        (right, left)
    };
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut small_blocks: Vec<Vec<u32>> = Vec::new();
    let mut buf = Vec::new();
    for (i, r) in small.iter().enumerate() {
        buf.clear();
        keys(r, left_smaller, &mut buf);
        for &key in &buf {
            let block = *index.entry(key).or_insert_with(|| {
                small_blocks.push(Vec::new());
                small_blocks.len() as u32 - 1
            });
            small_blocks[block as usize].push(i as u32);
        }
    }
    let hits: Vec<(u32, u32)> = large
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |buf, (j, r)| {
            buf.clear();
            keys(r, !left_smaller, buf);
            buf.iter()
                .filter_map(|key| index.get(key).map(|&block| (block, j as u32)))
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect();
    let mut large_blocks: Vec<Vec<u32>> = vec![Vec::new(); small_blocks.len()];
    for (block, j) in hits {
        large_blocks[block as usize].push(j);
    }
    let mut pairs = Vec::new();
    for (a, b) in small_blocks.iter().zip(&large_blocks) {
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
    // A pair can share several keys (two readings, an unknown sex): count it once.
    pairs.par_sort_unstable();
    pairs.dedup();
    stats.pairs = pairs.len() as u64;
    (pairs, stats)
}

/// A 64-bit hash of a pass's key parts.
fn key_hash(parts: &[&[u8]]) -> u64 {
    let mut h = FxHasher::default();
    for part in parts {
        h.write(part);
        h.write_u8(0xFF);
    }
    h.finish()
}

fn birth_date_keys(r: &CompareView, _left: bool, out: &mut Vec<u64>) {
    if let Some(d) = r.birth {
        out.push(key_hash(&[b"b", &d.day_number().to_le_bytes()]));
    }
}

fn pinyin_year_keys(r: &CompareView, _left: bool, out: &mut Vec<u64>) {
    if let Some(d) = r.birth {
        // Sex splits the province-sized blocks of common names; an unknown sex meets both.
        let sexes: &[Sex] = match r.sex {
            Sex::Unknown => &[Sex::Male, Sex::Female],
            known => &[known][..],
        };
        for &sex in sexes {
            let seed = key_hash(&[b"p", &d.year.to_le_bytes(), sex.key().as_bytes()]);
            pinyin_key_hashes(r.name, seed, out);
        }
    }
}

/// One key per substituted position (the position blanked) and per adjacent pair (the
/// two characters in sorted order), over the first 17 characters. Each is a polynomial
/// hash of the body with one term changed, so all 33 cost a few multiplications.
fn id_edit_keys(r: &CompareView, _left: bool, out: &mut Vec<u64>) {
    const P: u64 = 0x0000_0100_0000_01B3;
    const BLANK: u8 = b'*';
    let text = r.id.text.as_bytes();
    if text.len() != 18 || matches!(r.id.class, IdClass::Empty | IdClass::BadLength) {
        return;
    }
    let mut powers = [1u64; 17];
    for i in 1..17 {
        powers[i] = powers[i - 1].wrapping_mul(P);
    }
    let term = |i: usize, b: u8| u64::from(b).wrapping_mul(powers[i]);
    let whole = (0..17).fold(0u64, |h, i| h.wrapping_add(term(i, text[i])));
    for (i, &b) in text[..17].iter().enumerate() {
        let key = whole.wrapping_sub(term(i, b)).wrapping_add(term(i, BLANK));
        out.push(finish(key, i as u64));
    }
    for i in 0..16 {
        let (lo, hi) = (text[i].min(text[i + 1]), text[i].max(text[i + 1]));
        let key = whole
            .wrapping_sub(term(i, text[i]))
            .wrapping_sub(term(i + 1, text[i + 1]))
            .wrapping_add(term(i, lo))
            .wrapping_add(term(i + 1, hi));
        out.push(finish(key, 17 + i as u64));
    }
}

/// Mixes a raw key with its kind so that keys of different kinds rarely meet.
fn finish(key: u64, kind: u64) -> u64 {
    let mut x = key ^ kind.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x
}

fn name_county_keys(r: &CompareView, left: bool, out: &mut Vec<u64>) {
    if (!left && r.birth.is_some()) || r.division.len() < 6 {
        return;
    }
    out.push(key_hash(&[
        b"n",
        r.name.as_bytes(),
        &r.division.as_bytes()[..6],
    ]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::date::Date;
    use crate::normalize::id::{IdNumber, check_char, parse_id};

    fn id(first17: &str) -> IdNumber {
        let c = check_char(first17.as_bytes()) as char;
        parse_id(&format!("{first17}{c}")).unwrap()
    }

    struct Owned(IdNumber, String, Option<Date>, String);

    fn record(o: &Owned) -> CompareView<'_> {
        CompareView {
            id: &o.0,
            name: &o.1,
            birth: o.2,
            sex: Sex::Unknown,
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
