//! The Fellegi–Sunter weight model, one for the registers' linkage (`link/weights.rs`)
//! and for `sanku link` (`filelink/score.rs`); each says only which levels its fields have
//! and what to weigh.
//!
//! Each compared field has levels from the strongest agreement to disagreement. A level
//! has an m probability (its chance for a true match) and a u probability (for a random
//! non-match); u comes from random pairs ([`estimate_u`]), m and the match share λ by EM
//! on the candidate pairs ([`fit`], in [`em`]). A pair whose field `f` is at level `l`
//! weighs
//!
//! ```text
//! W = P + Σ_f w_f(l_f), the fields summed in order, starting from P
//!
//! w_f(l) = log2(m_f(l) / share(value))    l is f's exact agreement, f is weighed by its
//!                                         value's frequency and the value's share is known
//!        = 0                              else, l is neutral (a missing value, or a level
//!                                         the model says weighs nothing)
//!        = log2(m_f(l) / u_f(l))          otherwise; with the ceiling, no more than any
//!                                         stronger level's (the running minimum)
//!
//! P = log2(λ / (1 − λ))  with the prior; −0.0 without
//! ```
//!
//! The share is floored at [`SHARE_FLOOR`]. The ceiling keeps a level the candidates never
//! reach (its m at the floor, against a tiny u) from weighing more than exact agreement.
//!
//! `sanku link` includes the prior and the ceiling, so that a weight reads as the log-odds
//! of a match. The registers' run weighs without either (prior 0): its thresholds
//! (accept, review, the candidate floor, every deployment's settings) are on that scale,
//! and adding the prior would change every weight written to review.csv and
//! candidates.parquet and the decisions made on them.
//!
//! Floating-point sums depend on their order, so every weight of a pair is summed by
//! [`Weigher::weight`]: from the start (the prior, or −0.0 as `Iterator::sum` starts),
//! then each field in order (the registers' name first). The per-field×level [`Table`] is
//! computed once per fit; a pair then costs one lookup per field, and a share only when a
//! frequency-weighed field agrees exactly.

pub mod em;

pub use em::{Fitted, M_FLOOR, estimate_u, fit};

/// The least share of a value: a share of zero would weigh infinitely.
pub const SHARE_FLOOR: f64 = 1e-9;

/// log2(m/u): the weight of one level.
pub fn level_weight(m: f64, u: f64) -> f64 {
    (m / u).log2()
}

/// The weight of exact agreement on a value held by `share` of records, in place of u.
pub fn exact_weight(m_exact: f64, share: f64) -> f64 {
    (m_exact / share.max(SHARE_FLOOR)).log2()
}

/// log2(λ/(1−λ)): the log-odds of a match before any field is compared.
pub fn prior(lambda: f64) -> f64 {
    (lambda / (1.0 - lambda)).log2()
}

/// A fitted model and how it weighs: borrowed from its user, which keeps m and u in its
/// own form.
pub struct Model<'a> {
    /// m and u per field and level, strongest agreement first.
    pub m: &'a [Vec<f64>],
    pub u: &'a [Vec<f64>],
    /// The share of matches among candidate pairs.
    pub lambda: f64,
    /// The levels that weigh nothing.
    pub neutral: &'a dyn Fn(usize, u8) -> bool,
    /// Per field, the level of exact agreement whose u the value's share replaces;
    /// `None` for a field not weighed by frequency.
    pub by_share: &'a dyn Fn(usize) -> Option<u8>,
    /// Whether a pair's weight starts from the prior (else from −0.0).
    pub prior: bool,
    /// Whether no level weighs more than a stronger one.
    pub ceiling: bool,
}

impl Model<'_> {
    /// Where a pair's weight starts.
    pub fn start(&self) -> f64 {
        if self.prior { prior(self.lambda) } else { -0.0 }
    }

    /// Field `f`'s weight at each of its levels, strongest first.
    fn row(&self, f: usize) -> impl Iterator<Item = f64> + '_ {
        let mut ceiling = f64::INFINITY;
        (0..self.m[f].len()).map(move |l| {
            if (self.neutral)(f, l as u8) {
                return 0.0;
            }
            let weight = level_weight(self.m[f][l], self.u[f][l]);
            if !self.ceiling {
                return weight;
            }
            ceiling = weight.min(ceiling);
            ceiling
        })
    }

    /// Field `f`'s weight at `level`, without the value's share.
    pub fn level_weight(&self, f: usize, level: u8) -> f64 {
        let (neutral, l) = ((self.neutral)(f, level), usize::from(level));
        match (neutral, self.ceiling) {
            (true, _) => 0.0,
            (false, false) => level_weight(self.m[f][l], self.u[f][l]),
            (false, true) => self.row(f).nth(l).unwrap_or(0.0),
        }
    }

    /// Field `f`'s weight at `level`; `share` gives the share of the value, asked for
    /// only when the field is weighed by frequency and agrees exactly.
    pub fn field_weight(&self, f: usize, level: u8, share: impl FnOnce() -> Option<f64>) -> f64 {
        match (self.by_share)(f) {
            Some(exact) if exact == level => share().map_or_else(
                || self.level_weight(f, level),
                |share| exact_weight(self.m[f][usize::from(exact)], share),
            ),
            _ => self.level_weight(f, level),
        }
    }

    /// Every field's weight at every level.
    pub fn table(&self) -> Table {
        let counts: Vec<usize> = self.m.iter().map(Vec::len).collect();
        let width = counts.iter().copied().max().unwrap_or(0);
        let mut weights = vec![0.0; self.m.len() * width];
        for (f, row) in weights
            .chunks_mut(width.max(1))
            .enumerate()
            .take(self.m.len())
        {
            for (slot, weight) in row.iter_mut().zip(self.row(f)) {
                *slot = weight;
            }
        }
        Table {
            weights,
            width,
            counts,
        }
    }

    /// The table and what weighing a pair from it needs.
    pub fn weigher(&self) -> Weigher {
        Weigher {
            table: self.table(),
            start: self.start(),
            by_share: (0..self.m.len())
                .map(|f| (self.by_share)(f).map(|l| (l, self.m[f][usize::from(l)])))
                .collect(),
        }
    }
}

/// Every field's weight at every level, in one flat table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    weights: Vec<f64>,
    /// Most levels any field has: a row's length.
    width: usize,
    /// Each field's number of levels.
    counts: Vec<usize>,
}

impl Table {
    /// Field `f`'s weight at `level`.
    #[inline]
    pub fn get(&self, f: usize, level: u8) -> f64 {
        self.weights[f * self.width + usize::from(level)]
    }

    /// Field `f`'s weights, strongest level first.
    pub fn row(&self, f: usize) -> &[f64] {
        &self.weights[f * self.width..f * self.width + self.counts[f]]
    }
}

/// Weighs pairs from a model's [`Table`]: the same weights as the [`Model`], to the bit.
#[derive(Clone, Debug, PartialEq)]
pub struct Weigher {
    table: Table,
    start: f64,
    /// Per field weighed by frequency, its exact level and that level's m.
    by_share: Vec<Option<(u8, f64)>>,
}

impl Weigher {
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Where a pair's weight starts: the prior, or −0.0.
    pub fn start(&self) -> f64 {
        self.start
    }

    /// Field `f`'s weight at `level`; `share` is asked for only when the field is weighed
    /// by frequency and agrees exactly.
    #[inline]
    pub fn field_weight(&self, f: usize, level: u8, share: impl FnOnce() -> Option<f64>) -> f64 {
        match self.by_share[f] {
            Some((exact, m)) if exact == level => {
                share().map_or_else(|| self.table.get(f, level), |s| exact_weight(m, s))
            }
            _ => self.table.get(f, level),
        }
    }

    /// A pair's weight: the start, then each field's weight in field order. `share(f)` is
    /// asked for only when field `f` is weighed by frequency and agrees exactly.
    #[inline]
    pub fn weight(&self, levels: &[u8], mut share: impl FnMut(usize) -> Option<f64>) -> f64 {
        let mut weight = self.start;
        for (f, &level) in levels.iter().enumerate() {
            weight += self.field_weight(f, level, || share(f));
        }
        weight
    }
}

#[cfg(test)]
mod tests;
