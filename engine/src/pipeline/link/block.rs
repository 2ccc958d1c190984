//! Blocking for fuzzy linkage: several cheap passes whose union gives the candidate pairs
//! among the records the exact pass left unlinked on both sides.
//!
//! Passes: same birth date; same toneless pinyin name (any reading), birth year and sex, and
//! the same with birth month and day instead of year (a year typed one off); ID
//! number within one substitution or one adjacent transposition over the first 17
//! characters (looked up, see `id_edits`); and same simplified name and county for records
//! with no birth date (the cohort side always has one); for a record whose valid number is
//! no one's, birth date and first character instead of birth date alone. A block whose pairs would exceed
//! the cap is skipped and counted, so one pathological key (a common name in a big county)
//! cannot exhaust memory.
//!
//! The blocks are indexed, not expanded: pairs are produced record by record of the smaller
//! side, each once with the passes that found it, and whoever walks them keeps what it
//! needs (pattern counts for EM, pairs above a weight floor). The pairs of a province grow
//! with the square of the leftover records and are never all held.

use std::hash::Hasher;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use super::compare::{CompareView, Views};
use crate::pipeline::normalize::name_key::pinyin_key_hashes;
use crate::pipeline::normalize::values::Sex;

/// One blocking pass's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassStats {
    pub pass: String,
    /// Pairs the pass produced (before the union removes repeats).
    pub pairs: u64,
    /// Left × right size of the largest block kept.
    pub largest_block: u64,
    /// Blocks skipped because they exceeded the cap.
    pub capped_blocks: u64,
}

/// The blocks of every pass, indexed but not expanded: the pairs are produced anchor by
/// anchor (a record of the smaller side), so a province's candidate pairs never need to be
/// held at once.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Blocking {
    passes: Vec<PassIndex>,
    /// Whether the anchors are the left side.
    left_anchors: bool,
    anchors: usize,
    /// Figures per pass; `pairs` is filled in by [`Blocking::count_pairs`].
    pub stats: Vec<PassStats>,
}

/// One pass's kept blocks: each anchor's blocks and each block's members on the other side,
/// both as offsets into a flat list.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PassIndex {
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    anchor_offsets: Vec<u32>,
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    anchor_blocks: Vec<u32>,
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    member_offsets: Vec<u32>,
    #[serde(deserialize_with = "crate::ground::binary::exact_vec")]
    members: Vec<u32>,
}

/// The bit of the same-birth-date pass in a pair's `found_by`.
pub const BIRTH_DATE_PASS: u8 = 1;
/// The bit of the same-pinyin-name-and-year pass in a pair's `found_by`.
pub const NAME_PASS: u8 = 1 << 1;
/// The passes of the registers' linkage (all but the last).
pub const ALL_PASSES: u8 = (1 << 5) - 1;
/// The bit of the same-birth-date-and-first-character pass: for a few records against a
/// province's children, where same-day blocks would hold thousands.
pub const BIRTH_DATE_SURNAME_PASS: u8 = 1 << 5;

/// Pairs at most in one block before it is skipped.
pub const DEFAULT_BLOCK_CAP: u64 = 250_000;

/// A pass's keys for one record (`left` tells the cohort side from the records' side),
/// pushed as 64-bit hashes: a collision only adds a pair that scoring then rejects.
type KeyFn = fn(&CompareView, bool, &mut Vec<u64>);

/// How a pass finds its blocks: by hashed keys both sides share, or (the ID pass) by
/// looking up each anchor's number's neighbours among the other side's (`id_edits`).
#[derive(Clone, Copy)]
enum Keys {
    Hashed(KeyFn),
    IdEdits,
}

const PASSES: [(&str, Keys); 6] = [
    ("birth_date", Keys::Hashed(birth_date_keys)),
    ("pinyin_name_year", Keys::Hashed(pinyin_year_keys)),
    ("id_one_edit", Keys::IdEdits),
    ("name_county_no_birth", Keys::Hashed(name_county_keys)),
    ("pinyin_name_month_day", Keys::Hashed(pinyin_month_day_keys)),
    ("birth_date_surname", Keys::Hashed(birth_date_surname_keys)),
];

impl Blocking {
    /// Indexes every pass's blocks of `left` × `right`, skipping (and counting) blocks of
    /// more than `cap` pairs.
    #[cfg(test)]
    pub fn new<'a>(left: Views<'_, 'a>, right: Views<'_, 'a>, cap: u64) -> Blocking {
        Blocking::with_passes(left, right, cap, ALL_PASSES)
    }

    /// As [`Blocking::new`], with only the passes whose bits `passes` holds.
    pub fn with_passes<'a>(
        left: Views<'_, 'a>,
        right: Views<'_, 'a>,
        cap: u64,
        passes: u8,
    ) -> Blocking {
        // The smaller side anchors: the cohort side can be a whole province's children
        // while the leftover records are few, or the other way round.
        let left_anchors = left.len <= right.len;
        let (anchors, others) = if left_anchors {
            (left, right)
        } else {
            (right, left)
        };
        let mut blocking = Blocking {
            left_anchors,
            anchors: anchors.len,
            ..Blocking::default()
        };
        for (bit, (pass, keys)) in PASSES.into_iter().enumerate() {
            let mut stats = PassStats {
                pass: pass.to_string(),
                ..PassStats::default()
            };
            let index = if others.len == 0 || passes >> bit & 1 == 0 {
                PassIndex::empty(anchors.len)
            } else {
                match keys {
                    Keys::Hashed(keys) => {
                        PassIndex::new(keys, anchors, others, left_anchors, cap, &mut stats)
                    }
                    Keys::IdEdits => id_edits::index(anchors, others, cap, &mut stats),
                }
            };
            blocking.passes.push(index);
            blocking.stats.push(stats);
        }
        blocking
    }

    /// Every candidate pair as (left index, right index, one bit per pass that found it),
    /// in parallel, anchor by anchor; each pair once.
    pub fn pairs(&self) -> impl ParallelIterator<Item = (u32, u32, u8)> + '_ {
        (0..self.anchors as u32)
            .into_par_iter()
            .flat_map_iter(move |a| self.pairs_of(a))
    }

    /// One anchor's pairs, sorted by the other side's index.
    fn pairs_of(&self, anchor: u32) -> Vec<(u32, u32, u8)> {
        let mut found: Vec<(u32, u8)> = Vec::new();
        for (bit, pass) in self.passes.iter().enumerate() {
            for &block in pass.blocks_of(anchor) {
                found.extend(pass.members_of(block).iter().map(|&o| (o, 1 << bit)));
            }
        }
        found.sort_unstable();
        let mut pairs: Vec<(u32, u32, u8)> = Vec::with_capacity(found.len());
        for (other, bit) in found {
            match pairs.last_mut() {
                Some(last) if last.1 == other => last.2 |= bit,
                _ => pairs.push((anchor, other, bit)),
            }
        }
        if !self.left_anchors {
            pairs.iter_mut().for_each(|p| *p = (p.1, p.0, p.2));
        }
        pairs
    }

    /// Sets each pass's pair count, as tallied by [`tally`] over [`Blocking::pairs`].
    /// The blocking of a part of both sides (`left[i]`, `right[j]`: whether that record
    /// takes part), with blocks of more than `cap` pairs skipped and counted: what
    /// [`Blocking::with_passes`] gives for the records taking part, with the sides' indices
    /// unchanged, when `self` was made with no cap. Nothing is keyed again, so a pass over a
    /// part of a province's children that a run already keyed costs a walk of its blocks.
    pub fn restricted(&self, left: &[bool], right: &[bool], cap: u64) -> Blocking {
        let (anchor_in, other_in) = if self.left_anchors {
            (left, right)
        } else {
            (right, left)
        };
        let mut restricted = Blocking {
            left_anchors: self.left_anchors,
            anchors: self.anchors,
            ..Blocking::default()
        };
        for (pass, stats) in self.passes.iter().zip(&self.stats) {
            let mut stats = PassStats {
                pass: stats.pass.clone(),
                ..PassStats::default()
            };
            restricted
                .passes
                .push(pass.restricted(anchor_in, other_in, cap, &mut stats));
            restricted.stats.push(stats);
        }
        restricted
    }

    pub fn set_pair_counts(&mut self, counts: PairCounts) {
        for (stats, count) in self.stats.iter_mut().zip(counts) {
            stats.pairs = count;
        }
    }
}

/// Pairs per pass.
pub type PairCounts = [u64; PASSES.len()];

/// Counts a pair in each pass that found it.
pub fn tally(counts: &mut PairCounts, found_by: u8) {
    for (bit, count) in counts.iter_mut().enumerate() {
        *count += u64::from(found_by >> bit & 1);
    }
}

impl PassIndex {
    fn empty(anchors: usize) -> PassIndex {
        PassIndex {
            anchor_offsets: vec![0; anchors + 1],
            member_offsets: vec![0],
            ..PassIndex::default()
        }
    }

    fn new(
        keys: KeyFn,
        anchors: Views,
        others: Views,
        left_anchors: bool,
        cap: u64,
        stats: &mut PassStats,
    ) -> PassIndex {
        // Each anchor's distinct keys become blocks, in anchor order.
        let mut index: FxHashMap<u64, u32> = FxHashMap::default();
        let mut anchor_count: Vec<u64> = Vec::new();
        let mut anchor_offsets = Vec::with_capacity(anchors.len + 1);
        let mut anchor_blocks: Vec<u32> = Vec::new();
        let mut buf = Vec::new();
        anchor_offsets.push(0);
        for a in 0..anchors.len {
            buf.clear();
            keys(&anchors.get(a), left_anchors, &mut buf);
            buf.sort_unstable();
            buf.dedup();
            for &key in &buf {
                let block = *index.entry(key).or_insert_with(|| {
                    anchor_count.push(0);
                    anchor_count.len() as u32 - 1
                });
                anchor_count[block as usize] += 1;
                anchor_blocks.push(block);
            }
            anchor_offsets.push(anchor_blocks.len() as u32);
        }
        if index.is_empty() {
            return PassIndex::empty(anchors.len);
        }
        // The other side probes in parallel, through a bit filter that fits in cache: most
        // of its keys meet no block.
        let filter = KeyFilter::new(index.keys());
        let mut hits: Vec<(u32, u32)> = (0..others.len)
            .into_par_iter()
            .map_init(Vec::new, |buf, o| {
                buf.clear();
                keys(&others.get(o), !left_anchors, buf);
                let mut blocks: Vec<(u32, u32)> = buf
                    .iter()
                    .filter(|&&key| filter.may_hold(key))
                    .filter_map(|key| index.get(key).map(|&block| (block, o as u32)))
                    .collect();
                blocks.sort_unstable();
                blocks.dedup();
                blocks
            })
            .flatten_iter()
            .collect();
        hits.par_sort_unstable();
        PassIndex::of_hits(
            (&anchor_offsets, &anchor_blocks),
            &anchor_count,
            hits,
            (cap, stats),
        )
    }

    /// The index of blocks found: each anchor's blocks (offsets into a flat list), the
    /// anchors in each block, and each block's other members (`hits`, sorted by block);
    /// blocks without pairs or over the cap are dropped and the rest renumbered in order.
    fn of_hits(
        (anchor_offsets, anchor_blocks): (&[u32], &[u32]),
        anchor_count: &[u64],
        hits: Vec<(u32, u32)>,
        (cap, stats): (u64, &mut PassStats),
    ) -> PassIndex {
        let mut other_count = vec![0u64; anchor_count.len()];
        for &(block, _) in &hits {
            other_count[block as usize] += 1;
        }
        // Blocks with pairs and within the cap are kept, renumbered densely.
        let mut kept: Vec<Option<u32>> = vec![None; anchor_count.len()];
        let mut member_offsets = vec![0u32];
        let mut members = Vec::new();
        let mut hits = hits.into_iter().peekable();
        for (block, (&a, &o)) in anchor_count.iter().zip(&other_count).enumerate() {
            let size = a * o;
            let in_block = std::iter::from_fn(|| hits.next_if(|&(b, _)| b as usize == block));
            if !stats.keeps(size, cap) {
                in_block.for_each(drop);
                continue;
            }
            kept[block] = Some(member_offsets.len() as u32 - 1);
            members.extend(in_block.map(|(_, o)| o));
            member_offsets.push(members.len() as u32);
        }
        let (anchor_offsets, anchor_blocks) =
            kept_blocks_of_anchors((anchor_offsets, anchor_blocks), &kept, |_| true);
        PassIndex {
            anchor_offsets,
            anchor_blocks,
            member_offsets,
            members,
        }
    }

    /// The blocks with both an anchor and another member taking part and at most `cap`
    /// pairs, renumbered in order, with only the members taking part.
    fn restricted(
        &self,
        anchor_in: &[bool],
        other_in: &[bool],
        cap: u64,
        stats: &mut PassStats,
    ) -> PassIndex {
        let blocks = self.member_offsets.len().saturating_sub(1);
        let anchors = self.anchor_offsets.len().saturating_sub(1);
        let mut anchor_count = vec![0u64; blocks];
        for a in (0..anchors).filter(|&a| anchor_in[a]) {
            for &b in self.blocks_of(a as u32) {
                anchor_count[b as usize] += 1;
            }
        }
        let mut kept: Vec<Option<u32>> = vec![None; blocks];
        let mut member_offsets = vec![0u32];
        let mut members = Vec::new();
        for (b, &a) in anchor_count.iter().enumerate() {
            if a == 0 {
                continue;
            }
            let start = members.len();
            members.extend(
                self.members_of(b as u32)
                    .iter()
                    .filter(|&&o| other_in[o as usize]),
            );
            let size = a * (members.len() - start) as u64;
            if !stats.keeps(size, cap) {
                members.truncate(start);
                continue;
            }
            kept[b] = Some(member_offsets.len() as u32 - 1);
            member_offsets.push(members.len() as u32);
        }
        let (anchor_offsets, anchor_blocks) =
            kept_blocks_of_anchors((&self.anchor_offsets, &self.anchor_blocks), &kept, |a| {
                anchor_in[a]
            });
        PassIndex {
            anchor_offsets,
            anchor_blocks,
            member_offsets,
            members,
        }
    }

    fn blocks_of(&self, anchor: u32) -> &[u32] {
        let a = anchor as usize;
        &self.anchor_blocks[self.anchor_offsets[a] as usize..self.anchor_offsets[a + 1] as usize]
    }

    fn members_of(&self, block: u32) -> &[u32] {
        let b = block as usize;
        &self.members[self.member_offsets[b] as usize..self.member_offsets[b + 1] as usize]
    }
}

/// Each anchor's blocks that were kept, renumbered (`kept`), as offsets into a flat list;
/// an anchor not `taking_part` has none.
fn kept_blocks_of_anchors(
    (offsets, blocks): (&[u32], &[u32]),
    kept: &[Option<u32>],
    taking_part: impl Fn(usize) -> bool,
) -> (Vec<u32>, Vec<u32>) {
    let mut kept_offsets = Vec::with_capacity(offsets.len());
    let mut kept_blocks = Vec::new();
    kept_offsets.push(0);
    for (a, w) in offsets.windows(2).enumerate() {
        if taking_part(a) {
            kept_blocks.extend(
                blocks[w[0] as usize..w[1] as usize]
                    .iter()
                    .filter_map(|&b| kept[b as usize]),
            );
        }
        kept_offsets.push(kept_blocks.len() as u32);
    }
    (kept_offsets, kept_blocks)
}

impl PassStats {
    /// Whether a block of `size` pairs is kept: it has pairs and is within the cap. A block
    /// over the cap is counted, a kept one may be the largest.
    fn keeps(&mut self, size: u64, cap: u64) -> bool {
        if size == 0 || size > cap {
            self.capped_blocks += u64::from(size > cap);
            return false;
        }
        self.largest_block = self.largest_block.max(size);
        true
    }
}

/// One bit per slot of a power-of-two table, set for every key held: a clear bit proves a
/// key absent. Sixteen bits a key leave about one false "maybe" in sixteen.
struct KeyFilter {
    bits: Vec<u64>,
    shift: u32,
}

impl KeyFilter {
    fn new<'k>(keys: impl ExactSizeIterator<Item = &'k u64>) -> KeyFilter {
        let slots = (keys.len() * 16).next_power_of_two().max(1 << 12);
        let mut filter = KeyFilter {
            bits: vec![0; slots / 64],
            shift: 64 - slots.trailing_zeros(),
        };
        for &key in keys {
            let slot = filter.slot(key);
            filter.bits[slot / 64] |= 1 << (slot % 64);
        }
        filter
    }

    /// Keys are hashes already: their top bits pick the slot.
    fn slot(&self, key: u64) -> usize {
        (key >> self.shift) as usize
    }

    fn may_hold(&self, key: u64) -> bool {
        let slot = self.slot(key);
        self.bits[slot / 64] >> (slot % 64) & 1 == 1
    }
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

/// The birth date; a record whose valid number belongs to no one, the birth date with the
/// name's first character (the cohort side carries both keys). Such a record pairs only
/// with a child its number is one typo of (the ID pass finds those) or a rounding of, or
/// whose name it shares: the rest of a province's children born that day are pairs its
/// number rules out (`fuzzy::compare_blocked`), tens of millions of them in a province
/// where many pupils come from elsewhere.
fn birth_date_keys(r: &CompareView, left: bool, out: &mut Vec<u64>) {
    let Some(d) = r.birth else { return };
    // A record without a name has no first character to narrow its day by.
    let by_number = !left && found_by_number(r) && !r.name.is_empty();
    if left || !by_number {
        out.push(key_hash(&[b"b", &d.day_number().to_le_bytes()]));
    }
    if left || by_number {
        birth_date_surname_keys(r, left, out);
    }
}

/// Whether a record's valid number belongs to no one in the population (and is no
/// spreadsheet's rounding, which keeps only the address and birth date).
fn found_by_number(r: &CompareView) -> bool {
    r.id.class.is_usable() && !r.id_owned && !r.id.maybe_rounded()
}

/// The birth date and the name's first character (the surname's, for most names).
fn birth_date_surname_keys(r: &CompareView, _left: bool, out: &mut Vec<u64>) {
    if let (Some(d), Some(first)) = (r.birth, r.name.chars().next()) {
        let mut buf = [0; 4];
        out.push(key_hash(&[
            b"s",
            &d.day_number().to_le_bytes(),
            first.encode_utf8(&mut buf).as_bytes(),
        ]));
    }
}

fn pinyin_year_keys(r: &CompareView, _left: bool, out: &mut Vec<u64>) {
    if let Some(d) = r.birth {
        pinyin_sex_keys(r, &[b"p", &d.year.to_le_bytes()], out);
    }
}

/// The pinyin name with the birth month and day: finds a birth year typed one off.
fn pinyin_month_day_keys(r: &CompareView, _left: bool, out: &mut Vec<u64>) {
    if let Some(d) = r.birth {
        pinyin_sex_keys(r, &[b"m", &[d.month, d.day]], out);
    }
}

/// The pinyin keys of the name, seeded with `parts` and the sex. Sex splits the
/// province-sized blocks of common names; an unknown sex meets both.
fn pinyin_sex_keys(r: &CompareView, parts: &[&[u8]], out: &mut Vec<u64>) {
    let sexes: &[Sex] = match r.sex {
        Sex::Unknown => &[Sex::Male, Sex::Female],
        known => &[known][..],
    };
    let mut made = Vec::new();
    let names = match r.pinyin {
        Some(keys) => keys,
        None => {
            pinyin_key_hashes(r.name, 0, &mut made);
            &made
        }
    };
    for &sex in sexes {
        let mut all: Vec<&[u8]> = parts.to_vec();
        all.push(sex.key().as_bytes());
        let seed = key_hash(&all);
        out.extend(names.iter().map(|&name| finish(name ^ seed, 64)));
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

mod id_edits;
#[cfg(test)]
mod tests;
