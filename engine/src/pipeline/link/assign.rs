//! Assignment of scored pairs: best weight first, with deterministic tie breaks by stable
//! keys. Each record links to one child; a child takes one record, or — for student
//! registrations — several (a second registration is a finding, not an ambiguity). A pair
//! at or above the accept threshold links unless a rival candidate (another free child for
//! the record, or, one record per child, another free record for the child) comes within
//! the tie margin; then both go to review instead of a guess — the twins trap.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

/// A scored candidate pair, by index into the two sides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub child: u32,
    pub record: u32,
    pub weight: f64,
}

/// Thresholds, in bits of match weight.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    pub accept: f64,
    pub review: f64,
    pub tie_margin: f64,
}

/// How many records a child may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerChild {
    /// One record per child (poverty members: a member is a person).
    One,
    /// Several (student registrations: a child may be registered twice).
    Many,
}

/// Which pairs link and which go to review (indices into the scored pairs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assignment {
    pub links: Vec<usize>,
    pub review: Vec<usize>,
}

/// Assigns pairs one-to-one. `order` breaks weight ties: it compares two pairs by stable
/// keys (ID number, student number), never by position.
pub fn assign(
    pairs: &[Scored],
    t: Thresholds,
    per_child: PerChild,
    order: impl Fn(&Scored, &Scored) -> Ordering,
) -> Assignment {
    let one = per_child == PerChild::One;
    let mut ranked: Vec<usize> = (0..pairs.len())
        .filter(|&i| pairs[i].weight >= t.review)
        .collect();
    ranked.sort_by(|&a, &b| {
        pairs[b]
            .weight
            .total_cmp(&pairs[a].weight)
            .then_with(|| order(&pairs[a], &pairs[b]))
    });
    let children = 1 + pairs.iter().map(|p| p.child as usize).max().unwrap_or(0);
    let records = 1 + pairs.iter().map(|p| p.record as usize).max().unwrap_or(0);
    let (mut child_taken, mut record_taken) = (vec![false; children], vec![false; records]);
    // Only the pairs in the review band or above are indexed: at province scale they are a
    // few of the candidates, and a list per child and per record would cost gigabytes.
    let mut by_child: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    let mut by_record: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for &i in &ranked {
        by_child.entry(pairs[i].child).or_default().push(i);
        by_record.entry(pairs[i].record).or_default().push(i);
    }

    let mut out = Assignment::default();
    for &i in &ranked {
        let p = pairs[i];
        let (c, r) = (p.child as usize, p.record as usize);
        if p.weight < t.accept || (one && child_taken[c]) || record_taken[r] {
            continue;
        }
        let close = |j: &&usize| pairs[**j].weight >= p.weight - t.tie_margin && **j != i;
        let rivals: Vec<usize> = by_child[&p.child]
            .iter()
            .filter(|_| one)
            .filter(close)
            .filter(|&&j| !record_taken[pairs[j].record as usize])
            .chain(
                by_record[&p.record]
                    .iter()
                    .filter(close)
                    .filter(|&&j| !(one && child_taken[pairs[j].child as usize])),
            )
            .copied()
            .collect();
        child_taken[c] = true;
        record_taken[r] = true;
        if rivals.is_empty() {
            out.links.push(i);
        } else {
            out.review.push(i);
            for j in rivals {
                child_taken[pairs[j].child as usize] = true;
                record_taken[pairs[j].record as usize] = true;
                out.review.push(j);
            }
        }
    }
    for &i in &ranked {
        let p = pairs[i];
        if p.weight < t.accept && !child_taken[p.child as usize] && !record_taken[p.record as usize]
        {
            out.review.push(i);
        }
    }
    out.links.sort_unstable();
    out.review.sort_unstable();
    out.review.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds = Thresholds {
        accept: 20.0,
        review: 10.0,
        tie_margin: 3.0,
    };

    fn s(child: u32, record: u32, weight: f64) -> Scored {
        Scored {
            child,
            record,
            weight,
        }
    }

    fn by_index(a: &Scored, b: &Scored) -> Ordering {
        (a.child, a.record).cmp(&(b.child, b.record))
    }

    #[test]
    fn best_first_and_one_to_one() {
        let pairs = [s(0, 0, 30.0), s(0, 1, 22.0), s(1, 1, 25.0), s(1, 0, 21.0)];
        assert_eq!(assign(&pairs, T, PerChild::One, by_index).links, vec![0, 2]);
    }

    #[test]
    fn a_near_tie_goes_to_review() {
        // Twins: one record, two children within the margin.
        let pairs = [s(0, 0, 26.0), s(1, 0, 25.0)];
        let a = assign(&pairs, T, PerChild::One, by_index);
        assert!(a.links.is_empty());
        assert_eq!(a.review, vec![0, 1]);
    }

    #[test]
    fn the_review_band_is_reviewed_unless_taken() {
        let pairs = [s(0, 0, 30.0), s(0, 1, 15.0), s(2, 2, 12.0), s(3, 3, 5.0)];
        let a = assign(&pairs, T, PerChild::One, by_index);
        assert_eq!(a.links, vec![0]);
        assert_eq!(a.review, vec![2]);
    }

    #[test]
    fn a_child_may_take_two_registrations_but_a_record_one_child() {
        // Two records fitting one child equally: both link in `Many`, review in `One`.
        let pairs = [s(0, 0, 26.0), s(0, 1, 25.0)];
        assert_eq!(
            assign(&pairs, T, PerChild::Many, by_index).links,
            vec![0, 1]
        );
        assert!(assign(&pairs, T, PerChild::One, by_index).links.is_empty());
        // One record fitting two children is still a near-tie.
        let twins = [s(0, 0, 26.0), s(1, 0, 25.0)];
        let a = assign(&twins, T, PerChild::Many, by_index);
        assert!(a.links.is_empty());
        assert_eq!(a.review, vec![0, 1]);
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let pairs = [s(0, 0, 25.0), s(1, 1, 25.0), s(0, 1, 10.0)];
        let mut reversed = pairs;
        reversed.reverse();
        let a: Vec<(u32, u32)> = assign(&pairs, T, PerChild::One, by_index)
            .links
            .iter()
            .map(|&i| (pairs[i].child, pairs[i].record))
            .collect();
        let b: Vec<(u32, u32)> = {
            let mut v: Vec<_> = assign(&reversed, T, PerChild::One, by_index)
                .links
                .iter()
                .map(|&i| (reversed[i].child, reversed[i].record))
                .collect();
            v.sort();
            v
        };
        assert_eq!(a, b);
    }
}
