//! The ID pass, by lookup: the other side's numbers are grouped by their first 17 digits,
//! and each anchor looks up its own and every body one substitution or one adjacent swap
//! away (at most 170), instead of both sides hashing 33 deletion keys each. The pairs are
//! the same; a province's children are read once, not probed 33 times each against a
//! table too large for the cache.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{PassIndex, PassStats};
use crate::pipeline::link::compare::Views;
use crate::pipeline::normalize::id::IdNumber;

/// Powers of ten by position in the 17-digit body, most significant first.
const PLACE: [u64; 17] = {
    let mut place = [1u64; 17];
    let mut i = 15;
    loop {
        place[i] = place[i + 1] * 10;
        if i == 0 {
            break;
        }
        i -= 1;
    }
    place
};

/// The first 17 digits as a number, for a number that has its parts.
fn body(id: &IdNumber) -> Option<u64> {
    if !id.has_parts() {
        return None;
    }
    let digits = &id.text.as_bytes()[..17];
    Some(
        digits
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')),
    )
}

/// The digit at position `i` of a body.
fn digit(body: u64, i: usize) -> u64 {
    body / PLACE[i] % 10
}

/// The body itself and every body one substitution or one swap of two adjacent (and
/// different) digits away, each once.
fn neighbours(body: u64, out: &mut Vec<u64>) {
    out.clear();
    out.push(body);
    for (i, &place) in PLACE.iter().enumerate() {
        let d = digit(body, i);
        let zeroed = body - d * place;
        out.extend((0..10).filter(|&e| e != d).map(|e| zeroed + e * place));
    }
    for i in 0..16 {
        let (d, e) = (digit(body, i), digit(body, i + 1));
        if d != e {
            out.push(body - d * PLACE[i] - e * PLACE[i + 1] + e * PLACE[i] + d * PLACE[i + 1]);
        }
    }
}

/// The most neighbours a body has: itself, 17 × 9 substitutions, 16 swaps.
const MOST_NEIGHBOURS: usize = 1 + 17 * 9 + 16;

/// The blocks of the ID pass. Few anchors (a few thousand records against a province's
/// children) are looked up by their neighbours as the other side streams past; otherwise
/// the other side's numbers are grouped and each anchor looks up its neighbours there.
pub(super) fn index(anchors: Views, others: Views, cap: u64, stats: &mut PassStats) -> PassIndex {
    let numbered = (0..anchors.len)
        .into_par_iter()
        .filter(|&a| anchors.get(a).id.has_parts())
        .count();
    if numbered.saturating_mul(MOST_NEIGHBOURS) < others.len {
        by_neighbours(anchors, others, cap, stats)
    } else {
        by_bodies(anchors, others, cap, stats)
    }
}

/// One block per neighbour body of some anchor (its anchors those it neighbours), whose
/// members are the others with that body.
fn by_neighbours(anchors: Views, others: Views, cap: u64, stats: &mut PassStats) -> PassIndex {
    let mut near = Vec::new();
    let mut pairs: Vec<(u64, u32)> = Vec::new();
    for a in 0..anchors.len {
        if let Some(b) = body(anchors.get(a).id) {
            neighbours(b, &mut near);
            pairs.extend(near.iter().map(|&v| (v, a as u32)));
        }
    }
    if pairs.is_empty() {
        return PassIndex::empty(anchors.len);
    }
    pairs.sort_unstable();
    let mut group_of: FxHashMap<u64, u32> = FxHashMap::default();
    let mut groups_of_anchor: Vec<Vec<u32>> = vec![Vec::new(); anchors.len];
    for (i, &(v, a)) in pairs.iter().enumerate() {
        if i == 0 || pairs[i - 1].0 != v {
            group_of.insert(v, group_of.len() as u32);
        }
        groups_of_anchor[a as usize].push(group_of.len() as u32 - 1);
    }
    let mut anchor_count = vec![0u64; group_of.len()];
    let (mut anchor_offsets, mut anchor_blocks) = (vec![0u32], Vec::new());
    for groups in &groups_of_anchor {
        for &g in groups {
            anchor_count[g as usize] += 1;
        }
        anchor_blocks.extend_from_slice(groups);
        anchor_offsets.push(anchor_blocks.len() as u32);
    }
    let mut hits: Vec<(u32, u32)> = (0..others.len)
        .into_par_iter()
        .filter_map(|o| {
            let b = body(others.get(o).id)?;
            group_of.get(&b).map(|&g| (g, o as u32))
        })
        .collect();
    hits.par_sort_unstable();
    PassIndex::of_hits(
        (&anchor_offsets, &anchor_blocks),
        &anchor_count,
        hits,
        (cap, stats),
    )
}

/// One block per distinct body of the other side that some anchor's body is within one
/// substitution or adjacent swap of.
fn by_bodies(anchors: Views, others: Views, cap: u64, stats: &mut PassStats) -> PassIndex {
    let mut bodies: Vec<(u64, u32)> = (0..others.len)
        .into_par_iter()
        .filter_map(|o| body(others.get(o).id).map(|b| (b, o as u32)))
        .collect();
    if bodies.is_empty() {
        return PassIndex::empty(anchors.len);
    }
    bodies.par_sort_unstable();
    // Each distinct body a group (a would-be block), by the index of its first member.
    let mut group_of: FxHashMap<u64, u32> =
        FxHashMap::with_capacity_and_hasher(bodies.len(), Default::default());
    let mut group_start: Vec<u32> = Vec::new();
    for (i, &(b, _)) in bodies.iter().enumerate() {
        if i == 0 || bodies[i - 1].0 != b {
            group_of.insert(b, group_start.len() as u32);
            group_start.push(i as u32);
        }
    }
    group_start.push(bodies.len() as u32);
    let per_anchor: Vec<Vec<u32>> = (0..anchors.len)
        .into_par_iter()
        .map_init(Vec::new, |near, a| {
            let Some(b) = body(anchors.get(a).id) else {
                return Vec::new();
            };
            neighbours(b, near);
            let mut groups: Vec<u32> = near
                .iter()
                .filter_map(|v| group_of.get(v).copied())
                .collect();
            groups.sort_unstable();
            groups
        })
        .collect();
    drop(group_of);
    let mut anchor_count = vec![0u64; group_start.len() - 1];
    let mut anchor_offsets = Vec::with_capacity(anchors.len + 1);
    let mut anchor_blocks = Vec::new();
    anchor_offsets.push(0);
    for groups in &per_anchor {
        for &g in groups {
            anchor_count[g as usize] += 1;
        }
        anchor_blocks.extend_from_slice(groups);
        anchor_offsets.push(anchor_blocks.len() as u32);
    }
    let hits: Vec<(u32, u32)> = anchor_count
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .flat_map(|(g, _)| {
            let members = &bodies[group_start[g] as usize..group_start[g + 1] as usize];
            members.iter().map(move |&(_, o)| (g as u32, o))
        })
        .collect();
    PassIndex::of_hits(
        (&anchor_offsets, &anchor_blocks),
        &anchor_count,
        hits,
        (cap, stats),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neighbours_are_every_substitution_and_adjacent_swap_once() {
        let b = 53010220150301123u64;
        let mut near = Vec::new();
        neighbours(b, &mut near);
        // Itself, 17 positions × 9 other digits, one swap per adjacent pair of different
        // digits.
        let differing = (0..16).filter(|&i| digit(b, i) != digit(b, i + 1)).count();
        assert_eq!(near.len(), 1 + 17 * 9 + differing);
        let mut sorted = near.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), near.len());
        assert!(near.contains(&53010220150307123));
        assert!(near.contains(&63010220150301123));
        assert!(near.contains(&53010220150301132));
        assert!(near.contains(&35010220150301123));
        assert!(!near.contains(&53010220150301321));
    }
}
