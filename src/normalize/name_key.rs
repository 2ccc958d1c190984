//! Matching forms of a name, for fuzzy linkage: traditional characters folded to
//! simplified, and toneless pinyin that knows every reading of polyphonic characters, so
//! that 張偉, 张伟 and 张玮 (typed through a pinyin input method) agree, and so do 曾 read
//! zeng or ceng and 单 read shan or dan. The name shown in outputs is never changed.

use pinyin::ToPinyinMulti;

/// Most pinyin keys kept per name (polyphonic names multiply their readings).
pub const MAX_KEYS: usize = 16;

/// The name with traditional characters folded to simplified.
pub fn simplified(name: &str) -> String {
    fast2s::convert(name)
}

/// Hashes of every pinyin key of a name (every combination of readings, at most
/// [`MAX_KEYS`]), pushed onto `out` sorted and without repeats, each mixed with `seed`.
/// The same readings give the same hashes, so blocking can compare them without building
/// the strings; nothing is allocated beyond `out`.
pub fn pinyin_key_hashes(name: &str, seed: u64, out: &mut Vec<u64>) {
    const MIX: u64 = 0x517c_c1b7_2722_0a95;
    let start = out.len();
    out.push(seed);
    let mut readings = [0u64; 8];
    for c in name.chars() {
        let mut n = 0;
        match c.to_pinyin_multi() {
            Some(multi) => {
                for p in multi {
                    let h = str_hash(p.plain());
                    if n < readings.len() && !readings[..n].contains(&h) {
                        readings[n] = h;
                        n += 1;
                    }
                }
            }
            None => {
                let mut buf = [0u8; 4];
                readings[0] = str_hash(c.to_lowercase().next().unwrap_or(c).encode_utf8(&mut buf));
                n = 1;
            }
        }
        let keys = out.len() - start;
        for k in 0..keys {
            let base = out[start + k];
            for (r, &reading) in readings[..n].iter().enumerate() {
                let mixed = (base.rotate_left(5) ^ reading).wrapping_mul(MIX);
                if r == 0 {
                    out[start + k] = mixed;
                } else if out.len() - start < MAX_KEYS {
                    out.push(mixed);
                }
            }
        }
    }
    out[start..].sort_unstable();
    let mut kept = start;
    for i in start..out.len() {
        if i == start || out[i] != out[kept - 1] {
            out[kept] = out[i];
            kept += 1;
        }
    }
    out.truncate(kept);
}

fn str_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Whether two names can be read alike: same length and, position by position, the same
/// character or a reading in common. Symmetric. Allocates nothing.
pub fn same_pinyin(a: &str, b: &str) -> bool {
    if a.chars().count() != b.chars().count() {
        return false;
    }
    a.chars()
        .zip(b.chars())
        .all(|(x, y)| x == y || share_reading(x, y))
}

fn share_reading(x: char, y: char) -> bool {
    match (x.to_pinyin_multi(), y.to_pinyin_multi()) {
        (Some(rx), Some(ry)) => rx
            .into_iter()
            .any(|px| ry.into_iter().any(|py| px.plain() == py.plain())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_to_simplified() {
        assert_eq!(simplified("張偉"), "张伟");
        assert_eq!(simplified("陳麗華"), "陈丽华");
        assert_eq!(simplified("王芳"), "王芳");
        assert_eq!(simplified("买买提·艾力"), "买买提·艾力");
    }

    #[test]
    fn homophones_share_pinyin() {
        assert!(same_pinyin("张伟", "张玮"));
        assert!(same_pinyin("李静", "李婧"));
        assert!(same_pinyin(&simplified("張偉"), "张炜"));
        assert!(!same_pinyin("张伟", "李伟"));
        assert!(!same_pinyin("张伟", "张伟华"));
        assert!(meet("张伟", "张玮") && !meet("张伟", "李伟"));
    }

    fn meet(a: &str, b: &str) -> bool {
        let (mut ha, mut hb) = (Vec::new(), Vec::new());
        pinyin_key_hashes(a, 0, &mut ha);
        pinyin_key_hashes(b, 0, &mut hb);
        ha.iter().any(|h| hb.contains(h))
    }

    #[test]
    fn polyphonic_surnames_keep_every_reading() {
        assert!(meet("曾志", "层志"), "ceng");
        assert!(meet("曾志", "增志"), "zeng");
        assert!(meet("单丽", "丹丽"), "dan");
        assert!(meet("单丽", "山丽"), "shan");
        assert!(!meet("单丽", "单立华"));
        assert!(same_pinyin("曾伟", "层伟"));
    }

    #[test]
    fn keys_are_capped() {
        let mut keys = Vec::new();
        pinyin_key_hashes("长长长长长长", 0, &mut keys);
        assert!(keys.len() <= MAX_KEYS);
    }

    proptest::proptest! {
        #[test]
        fn same_pinyin_is_symmetric(a in "[张章李伟玮为曾层单丹]{1,3}", b in "[张章李伟玮为曾层单丹]{1,3}") {
            proptest::prop_assert_eq!(same_pinyin(&a, &b), same_pinyin(&b, &a));
        }

        #[test]
        fn key_hashes_meet_exactly_when_names_read_alike(
            a in "[张章李伟玮为曾层单丹]{1,2}",
            b in "[张章李伟玮为曾层单丹]{1,2}",
        ) {
            let (mut ha, mut hb) = (Vec::new(), Vec::new());
            pinyin_key_hashes(&a, 7, &mut ha);
            pinyin_key_hashes(&b, 7, &mut hb);
            let meet = ha.iter().any(|h| hb.contains(h));
            proptest::prop_assert_eq!(meet, same_pinyin(&a, &b));
        }

        #[test]
        fn folding_twice_equals_once(a in "[張张偉伟陳陈麗丽王芳]{0,4}") {
            let once = simplified(&a);
            proptest::prop_assert_eq!(simplified(&once), once.clone());
        }
    }
}
