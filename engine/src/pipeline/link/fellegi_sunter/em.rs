//! Expectation–maximisation for Fellegi–Sunter models, for any number of fields and
//! levels: u from the levels of random pairs, m and the match share from the distinct
//! comparison patterns of the candidate pairs, without labels. The registers' linkage and
//! `sanku link` both fit through here.

/// What EM fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    /// m per field and level, floored at [`M_FLOOR`] and normalised.
    pub m: Vec<Vec<f64>>,
    /// The share of matches among the candidate pairs.
    pub lambda: f64,
    pub iterations: u32,
}

/// The least m probability of any level. Errors that an exact pass already absorbed
/// (a homophone in a record with a good ID) are rare among the candidates, so EM alone
/// would call them impossible.
pub const M_FLOOR: f64 = 0.005;

/// u probabilities per field from the comparison levels of random pairs, smoothed so that
/// no level is impossible. `level_counts[f]` is the number of levels of field `f`.
pub fn estimate_u<'a>(
    samples: impl IntoIterator<Item = &'a [u8]> + Clone,
    level_counts: &[usize],
) -> Vec<Vec<f64>> {
    level_counts
        .iter()
        .enumerate()
        .map(|(f, &n)| {
            let mut counts = vec![0.5; n];
            for s in samples.clone() {
                counts[usize::from(s[f])] += 1.0;
            }
            let total: f64 = counts.iter().sum();
            counts.iter().map(|c| c / total).collect()
        })
        .collect()
}

fn normalise(rows: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    rows.into_iter()
        .map(|row| {
            let sum: f64 = row.iter().sum();
            row.iter().map(|v| v / sum).collect()
        })
        .collect()
}

/// Fits m (and the match share) by EM on `patterns` (distinct level vectors with their
/// counts). The non-match distribution starts at `u` and is fitted alongside (candidate
/// pairs agree on their blocking keys far more often than random pairs do, so holding it
/// at the random-pair u would explain every candidate as a match); the caller weighs with
/// m from here and u from random pairs. A field at a level for which `skip(field, level)`
/// holds takes no part in a pattern's likelihood (a missing value, a field blocked on).
/// `fix_m` pins the m values a user fixed, after every step.
pub fn fit<P: AsRef<[u8]>>(
    patterns: &[(P, u64)],
    u: &[Vec<f64>],
    iterations: u32,
    skip: impl Fn(usize, u8) -> bool,
    fix_m: impl Fn(&mut [Vec<f64>]),
) -> Fitted {
    let fields = u.len();
    let mut m: Vec<Vec<f64>> = u
        .iter()
        .map(|row| {
            let n = row.len();
            (0..n)
                .map(|l| if l == 0 { 0.9 } else { 0.1 / (n - 1) as f64 })
                .collect()
        })
        .collect();
    let mut non_match = u.to_vec();
    let mut lambda = 0.1;
    let mut done = 0;
    for _ in 0..iterations {
        done += 1;
        let mut expected_m: Vec<Vec<f64>> = u.iter().map(|row| vec![1e-3; row.len()]).collect();
        let mut expected_u = expected_m.clone();
        let (mut matched, mut total) = (0.0, 0.0);
        for (levels, count) in patterns {
            let levels = levels.as_ref();
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for f in 0..fields {
                if skip(f, levels[f]) {
                    continue;
                }
                pm *= m[f][usize::from(levels[f])];
                pu *= non_match[f][usize::from(levels[f])];
            }
            let p = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            let n = *count as f64;
            matched += p * n;
            total += n;
            for f in 0..fields {
                expected_m[f][usize::from(levels[f])] += p * n;
                expected_u[f][usize::from(levels[f])] += (1.0 - p) * n;
            }
        }
        let mut new_m = normalise(expected_m);
        fix_m(&mut new_m);
        let new_lambda = if total > 0.0 {
            (matched / total).clamp(1e-6, 1.0 - 1e-6)
        } else {
            lambda
        };
        let change = (new_lambda - lambda).abs()
            + new_m
                .iter()
                .flatten()
                .zip(m.iter().flatten())
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>();
        m = new_m;
        non_match = normalise(expected_u);
        lambda = new_lambda;
        if change < 1e-7 {
            break;
        }
    }
    for row in &mut m {
        for v in row.iter_mut() {
            *v = v.max(M_FLOOR);
        }
    }
    let mut m = normalise(m);
    fix_m(&mut m);
    Fitted {
        m,
        lambda,
        iterations: done,
    }
}
