//! Blocking on what stays comparable in encodings: the ID number's token and its fragments'
//! (the same number, one typo apart, the same address and birth), the birth-date filter
//! (the same date: one filter, as the salt is the year), the name filter (the same name
//! in the same year) and locality-sensitive hashing of the name filter within a birth year
//! (bands of sampled bits: names with most bits in common share a band, as the clear name
//! pass finds names of the same sound). A key held by more than `cap` pairs is passed
//! over, as a run's blocking does. Only a child and a record of two provinces pair.

use rayon::prelude::*;
use serde::Serialize;

use super::pool::Entry;
use crate::ground::rng::Rng;

/// Which passes found a pair.
pub const ID_PASS: u8 = 1;
pub const BIRTH_PASS: u8 = 2;
pub const NAME_PASS: u8 = 4;

/// Bands of the name filters' locality-sensitive hashing, and bits sampled per band: two
/// filters differing in h of their 1024 bits share a band with probability 1 − (1 − (1 −
/// h/1024)^24)^24: 0.998 at h = 60 (two-character names one character apart), 0.88 at
/// 100, 0.42 at 150; two unrelated names of one year almost never.
pub const LSH_BANDS: usize = 24;
pub const LSH_BITS: usize = 24;

/// A pair of a child and a record (indices into their sides) and the passes that found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub child: u32,
    pub record: u32,
    pub passes: u8,
}

/// What blocking did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BlockStats {
    pub keys: u64,
    /// Keys passed over for holding more than the cap's pairs.
    pub keys_over_cap: u64,
    pub pairs: u64,
}

/// Every pair of a child and a record of two provinces that share a key and that `admit`
/// takes.
pub fn candidates(
    (children, records): (&[Entry], &[Entry]),
    name_bits: usize,
    cap: u64,
    admit: impl Fn(&Entry, &Entry) -> bool + Sync,
) -> (Vec<Candidate>, BlockStats) {
    let lsh = Lsh::new(name_bits);
    let keyed = |side: u8, entries: &[Entry]| -> Vec<(u64, u8, u8, u32)> {
        entries
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, e)| {
                keys(e, &lsh)
                    .into_iter()
                    .map(move |(key, pass)| (key, side, pass, i as u32))
            })
            .collect()
    };
    let mut all = keyed(0, children);
    all.extend(keyed(1, records));
    all.par_sort_unstable();
    // The sorted keys in slices that no key straddles, one slice per task: groups are
    // walked in each without a list of them all.
    let slices = slices_at_key_bounds(&all, rayon::current_num_threads() * 8);
    let over_cap = |g: &[(u64, u8, u8, u32)]| {
        let left = g.partition_point(|k| k.1 == 0) as u64;
        left * (g.len() as u64 - left) > cap
    };
    let (keys, keys_over_cap) = slices
        .par_iter()
        .map(|slice| {
            slice
                .chunk_by(|a, b| a.0 == b.0)
                .fold((0u64, 0u64), |(k, o), g| {
                    (k + 1, o + u64::from(over_cap(g)))
                })
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut stats = BlockStats {
        keys,
        keys_over_cap,
        ..Default::default()
    };
    let admit = &admit;
    let mut pairs: Vec<Candidate> = slices
        .par_iter()
        .flat_map_iter(|slice| slice.chunk_by(|a, b| a.0 == b.0).filter(|g| !over_cap(g)))
        .flat_map_iter(|g| {
            let split = g.partition_point(|k| k.1 == 0);
            let (left, right) = g.split_at(split);
            left.iter().flat_map(move |&(_, _, pass, c)| {
                right.iter().filter_map(move |&(_, _, _, r)| {
                    let (child, record) = (&children[c as usize], &records[r as usize]);
                    (child.run != record.run && admit(child, record)).then_some(Candidate {
                        child: c,
                        record: r,
                        passes: pass,
                    })
                })
            })
        })
        .collect();
    pairs.par_sort_unstable();
    let mut merged: Vec<Candidate> = Vec::with_capacity(pairs.len());
    for p in pairs {
        match merged.last_mut() {
            Some(last) if (last.child, last.record) == (p.child, p.record) => {
                last.passes |= p.passes
            }
            _ => merged.push(p),
        }
    }
    stats.pairs = merged.len() as u64;
    (merged, stats)
}

/// `sorted` cut into about `n` slices, each ending where a key does.
fn slices_at_key_bounds<T: Copy>(
    sorted: &[(u64, T, T, u32)],
    n: usize,
) -> Vec<&[(u64, T, T, u32)]> {
    let step = sorted.len().div_ceil(n.max(1)).max(1);
    let mut slices = Vec::with_capacity(n + 1);
    let mut start = 0;
    while start < sorted.len() {
        let mut end = (start + step).min(sorted.len());
        while end < sorted.len() && sorted[end].0 == sorted[end - 1].0 {
            end += 1;
        }
        slices.push(&sorted[start..end]);
        start = end;
    }
    slices
}

/// An entry's blocking keys, each with its pass; a key is the hash of its kind and value,
/// so that keys of two kinds never meet.
fn keys(e: &Entry, lsh: &Lsh) -> Vec<(u64, u8)> {
    let mut keys =
        Vec::with_capacity(4 + e.edits.len() + e.near.len() + e.names.len() * (1 + LSH_BANDS));
    let mut push = |kind: u64, value: u64, pass: u8| keys.push((mix(kind, value), pass));
    for id in [e.token, e.stand_in] {
        if id != 0 {
            push(1, id, ID_PASS);
        }
    }
    if e.place_birth != 0 {
        push(2, e.place_birth, ID_PASS);
    }
    for &edit in &e.edits {
        push(3, edit, ID_PASS);
    }
    for &near in &e.near {
        push(4, near, ID_PASS);
    }
    let year = u64::from(e.year);
    if let Some(birth) = &e.birth {
        push(5, words_hash(year, birth), BIRTH_PASS);
    }
    for (salt, name) in &e.names {
        let salt = u64::from(*salt);
        push(6, words_hash(salt, name), NAME_PASS);
        for (band, bits) in lsh.bands(name).enumerate() {
            push(7 + band as u64, mix(salt, bits), NAME_PASS);
        }
    }
    keys
}

/// Bands of sampled bit positions, the same for every filter of a length.
struct Lsh {
    positions: Vec<[u32; LSH_BITS]>,
}

impl Lsh {
    fn new(bits: usize) -> Lsh {
        let mut rng = Rng::new(0x015B_0A4D_5EED);
        let positions = (0..LSH_BANDS)
            .map(|_| std::array::from_fn(|_| rng.below(bits as u64) as u32))
            .collect();
        Lsh { positions }
    }

    /// Each band's sampled bits of `words`, packed.
    fn bands<'a>(&'a self, words: &'a [u64]) -> impl Iterator<Item = u64> + 'a {
        self.positions.iter().map(move |band| {
            band.iter().fold(0u64, |acc, &p| {
                let bit = words
                    .get(p as usize / 64)
                    .map_or(0, |w| (w >> (p % 64)) & 1);
                (acc << 1) | bit
            })
        })
    }
}

fn words_hash(seed: u64, words: &[u64]) -> u64 {
    words.iter().fold(seed, |h, &w| mix(h, w))
}

/// Mixes two words into one (SplitMix64's finaliser over their combination).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(31)
        ^ b.wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(run: u8, id: u64, name: Vec<u64>) -> Entry {
        Entry {
            names: vec![(2015, name)],
            division: String::new(),
            ..Entry::bare(run, id)
        }
    }

    #[test]
    fn a_child_and_a_record_pair_only_across_provinces_and_once() {
        let name = vec![0xF0F0_1234_5678_9ABC; 16];
        let children = [entry(0, 5, name.clone())];
        let records = [
            entry(1, 5, name.clone()),
            entry(0, 5, name.clone()),
            entry(1, 6, vec![0; 16]),
        ];
        let (pairs, stats) = candidates((&children, &records), 1024, 1000, |_, _| true);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].child, pairs[0].record), (0, 0));
        assert_eq!(pairs[0].passes, ID_PASS | NAME_PASS);
        assert_eq!(stats.pairs, 1);
    }

    #[test]
    fn names_with_most_bits_alike_share_a_band() {
        let mut rng = Rng::new(3);
        let a: Vec<u64> = (0..16).map(|_| rng.next_u64() & rng.next_u64()).collect();
        let mut b = a.clone();
        // One bit in about twenty of those set turned off.
        for w in b.iter_mut().step_by(4) {
            *w &= !(*w & w.wrapping_neg());
        }
        let other: Vec<u64> = (0..16).map(|_| rng.next_u64() & rng.next_u64()).collect();
        let lsh = Lsh::new(1024);
        let shared = |x: &[u64], y: &[u64]| {
            lsh.bands(x)
                .zip(lsh.bands(y))
                .filter(|(p, q)| p == q)
                .count()
        };
        assert!(shared(&a, &b) > LSH_BANDS / 2, "{}", shared(&a, &b));
        assert_eq!(shared(&a, &other), 0);
    }

    #[test]
    fn a_key_over_the_cap_is_passed_over() {
        let name = vec![1u64; 16];
        let children: Vec<Entry> = (0..3).map(|_| entry(0, 0, name.clone())).collect();
        let records: Vec<Entry> = (0..3).map(|_| entry(1, 0, name.clone())).collect();
        let (pairs, stats) = candidates((&children, &records), 1024, 4, |_, _| true);
        assert!(pairs.is_empty());
        assert!(stats.keys_over_cap > 0);
    }
}
