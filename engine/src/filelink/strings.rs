//! String measures for comparing pairs, without allocating: Jaro–Winkler similarity
//! (Winkler's 1990 definition: Jaro similarity, then a bonus of 0.1 per agreeing leading
//! character, at most four, when Jaro exceeds 0.7) and "within k edits" under optimal
//! string alignment (substitution, insertion, deletion, adjacent transposition). Short
//! ASCII strings, the common case, are worked on bytes with bit masks; anything else goes
//! through `strsim`, which gives the same values.

/// Longest string handled on the fast path.
const FAST: usize = 64;

/// Jaro–Winkler similarity in [0, 1].
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() && a.len() <= FAST && b.len() <= FAST {
        ascii_jaro_winkler(a.as_bytes(), b.as_bytes())
    } else {
        strsim::jaro_winkler(a, b)
    }
}

fn ascii_jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_matched, mut b_matched) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let (start, end) = (i.saturating_sub(window), (i + window + 1).min(b.len()));
        for (j, &cb) in b.iter().enumerate().take(end).skip(start) {
            if b_matched >> j & 1 == 0 && ca == cb {
                a_matched |= 1 << i;
                b_matched |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Half the matched characters out of order.
    let mut transpositions = 0usize;
    let mut rest = b_matched;
    for (i, &ca) in a.iter().enumerate() {
        if a_matched >> i & 1 == 1 {
            let j = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            transpositions += usize::from(ca != b[j]);
        }
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + 0.1 * prefix as f64 * (1.0 - jaro)
}

/// Whether `a` and `b` (UTF-8) are at most `k` edits apart (optimal string alignment).
pub fn within_edits(a: &[u8], b: &[u8], k: usize) -> bool {
    if a == b {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        if a.len().abs_diff(b.len()) > k {
            return false;
        }
        if k == 1 {
            return one_edit(a, b);
        }
        if byte_count_gap(a, b) > 2 * k {
            return false;
        }
        if a.len() <= FAST && b.len() <= FAST {
            return ascii_osa(a, b) <= k;
        }
    }
    let text = |t| std::str::from_utf8(t).unwrap_or_default();
    strsim::osa_distance(text(a), text(b)) <= k
}

/// How far apart the two strings' byte counts are: a substitution moves two units, an
/// insertion or deletion one and a transposition none, so the edit distance is at least
/// half of it. Most different identifiers are told apart here, without the table.
fn byte_count_gap(a: &[u8], b: &[u8]) -> usize {
    let mut counts = [0i16; 128];
    for &c in a {
        counts[usize::from(c & 127)] += 1;
    }
    for &c in b {
        counts[usize::from(c & 127)] -= 1;
    }
    counts.iter().map(|c| c.unsigned_abs() as usize).sum()
}

/// The optimal-string-alignment distance of two short byte strings, on the stack.
fn ascii_osa(a: &[u8], b: &[u8]) -> usize {
    let n = b.len();
    let (mut before, mut prev, mut cur) = ([0u8; FAST + 1], [0u8; FAST + 1], [0u8; FAST + 1]);
    for (j, cell) in prev.iter_mut().enumerate().take(n + 1) {
        *cell = j as u8;
    }
    for i in 1..=a.len() {
        cur[0] = i as u8;
        for j in 1..=n {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(before[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    usize::from(prev[n])
}

/// Exactly one substitution, insertion, deletion or adjacent transposition apart, for
/// different strings.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            a[1..] == b[1..] || (a.len() >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        std::cmp::Ordering::Less => a == &b[1..],
        std::cmp::Ordering::Greater => &a[1..] == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.961_111).abs() < 1e-6);
        assert!((jaro_winkler("dwayne", "duane") - 0.84).abs() < 1e-9);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.813_333).abs() < 1e-6);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert!(within_edits(b"5304218", b"5304281", 1));
        assert!(within_edits(b"5304218", b"530418", 1));
        assert!(within_edits(b"5304218", b"53042186", 1));
        assert!(!within_edits(b"5304218", b"5305281", 1));
        assert!(within_edits(b"5304218", b"5305281", 2));
        assert!(within_edits("张三丰".as_bytes(), "张丰".as_bytes(), 1));
    }

    proptest! {
        #[test]
        fn the_fast_paths_agree_with_strsim(a in "[abc ]{0,12}", b in "[abc ]{0,12}") {
            let fast = jaro_winkler(&a, &b);
            prop_assert!((fast - strsim::jaro_winkler(&a, &b)).abs() < 1e-12, "{} {}", a, b);
            for k in 1..=3 {
                prop_assert_eq!(within_edits(a.as_bytes(), b.as_bytes(), k), strsim::osa_distance(&a, &b) <= k);
            }
            prop_assert_eq!(ascii_osa(a.as_bytes(), b.as_bytes()), strsim::osa_distance(&a, &b));
        }
    }
}
