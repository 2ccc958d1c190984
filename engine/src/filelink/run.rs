//! The stages of `sanku link` after reading, in order, each timed.

use super::block::{BlockCounts, candidate_pairs};
use super::decide::{Decision, decide, dedupe, exact_links};
use super::score::{Model, Shares, compare_pairs, fit, random_levels, weigh, weigh_records};
use super::{LinkSpec, Side, Sides};
use crate::ground::timer::Timer;
use crate::pipeline::load::any::AnyTable;

/// Everything a link decided, for the outputs.
pub struct Linked {
    pub spec: LinkSpec,
    pub left: Side,
    /// `None` when one file was deduplicated.
    pub right: Option<Side>,
    /// Exact-key links (left, right).
    pub exact: Vec<(u32, u32)>,
    /// Candidate pairs as `left << 32 | right`, sorted; their levels, `fields` per pair;
    /// their weights.
    pub pairs: Vec<u64>,
    pub levels: Vec<u8>,
    pub weights: Vec<f64>,
    pub decision: Decision,
    pub model: Model,
    pub blocks: BlockCounts,
}

impl Linked {
    pub fn sides(&self) -> Sides<'_> {
        Sides {
            left: &self.left,
            right: self.right.as_ref().unwrap_or(&self.left),
            dedupe: self.right.is_none(),
        }
    }

    /// The levels of pair `i`.
    pub fn levels_of(&self, i: usize) -> &[u8] {
        let n = self.spec.fields.len();
        &self.levels[i * n..(i + 1) * n]
    }
}

/// Links the tables read (one table: deduplicates it).
pub fn link_tables(spec: LinkSpec, tables: &[AnyTable], timer: &mut Timer) -> Linked {
    let (left, right) = timer.stage("prepare", || {
        rayon::join(
            || Side::prepare(&spec, 0, &tables[0]),
            || tables.get(1).map(|t| Side::prepare(&spec, 1, t)),
        )
    });
    let sides = Sides {
        left: &left,
        right: right.as_ref().unwrap_or(&left),
        dedupe: right.is_none(),
    };
    let (exact, settled) = timer.stage("exact", || exact_links(&spec, &sides));
    let (pairs, blocks) = timer.stage("block", || {
        candidate_pairs(&spec, &sides, [&settled[0], &settled[1]])
    });
    let levels = timer.stage("compare", || compare_pairs(&spec, &sides, &pairs));
    let model = timer.stage("fit", || {
        let random = random_levels(&spec, &sides);
        fit(&spec, &levels, &random)
    });
    let (weights, decision) = timer.stage("decide", || {
        let shares = Shares::new(&spec, &sides);
        let weights = weigh(&model, &shares, &pairs, &levels);
        let decision = if sides.dedupe {
            let weigh = |a: u32, b: u32| {
                weigh_records(&spec, &sides, &model, &shares, a as usize, b as usize)
            };
            dedupe(&spec, sides.left, &exact, &pairs, &weights, weigh)
        } else {
            decide(&spec, &sides, &pairs, &weights)
        };
        (weights, decision)
    });
    Linked {
        spec,
        left,
        right,
        exact,
        pairs,
        levels,
        weights,
        decision,
        model,
        blocks,
    }
}
