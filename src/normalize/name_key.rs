//! Matching forms of a name, for fuzzy linkage: traditional characters folded to
//! simplified, and toneless pinyin that knows every reading of polyphonic characters, so
//! that 張偉, 张伟 and 张玮 (typed through a pinyin input method) agree, and so do 曾 read
//! zeng or ceng and 单 read shan or dan. The name shown in outputs is never changed.

use pinyin::{ToPinyin, ToPinyinMulti};

/// Most pinyin keys kept per name (polyphonic names multiply their readings).
pub const MAX_KEYS: usize = 16;

/// The name with traditional characters folded to simplified.
pub fn simplified(name: &str) -> String {
    fast2s::convert(name)
}

/// Every toneless reading of each character; a character with no reading (a letter, the
/// middle dot) stands for itself.
pub fn readings(name: &str) -> Vec<Vec<String>> {
    name.chars()
        .map(|c| {
            let mut all: Vec<String> = match c.to_pinyin_multi() {
                Some(multi) => multi.into_iter().map(|p| p.plain().to_string()).collect(),
                None => vec![c.to_lowercase().collect()],
            };
            // The most common reading first, then the rest without repeats.
            if let Some(first) = c.to_pinyin() {
                all.retain(|r| r != first.plain());
                all.insert(0, first.plain().to_string());
            }
            dedup_keep_order(&mut all);
            all
        })
        .collect()
}

fn dedup_keep_order(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|r| seen.insert(r.clone()));
}

/// The main pinyin key: the most common reading of each character, joined.
pub fn pinyin_key(name: &str) -> String {
    readings(name).into_iter().map(|r| r[0].clone()).collect()
}

/// All pinyin keys of a name (every combination of readings), at most [`MAX_KEYS`], the
/// main key first.
pub fn pinyin_keys(name: &str) -> Vec<String> {
    let mut keys = vec![String::new()];
    for options in readings(name) {
        let mut next = Vec::with_capacity(keys.len() * options.len());
        for key in &keys {
            for reading in &options {
                if next.len() < MAX_KEYS {
                    next.push(format!("{key}{reading}"));
                }
            }
        }
        keys = next;
    }
    dedup_keep_order(&mut keys);
    keys
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
        assert_eq!(pinyin_key("张伟"), "zhangwei");
    }

    #[test]
    fn polyphonic_surnames_keep_every_reading() {
        let zeng = pinyin_keys("曾志");
        assert!(
            zeng.contains(&"zengzhi".to_string()) && zeng.contains(&"cengzhi".to_string()),
            "{zeng:?}"
        );
        let shan = pinyin_keys("单丽");
        assert!(
            shan.contains(&"shanli".to_string()) && shan.contains(&"danli".to_string()),
            "{shan:?}"
        );
        assert!(same_pinyin("曾伟", "层伟"));
    }

    #[test]
    fn keys_are_capped() {
        assert!(pinyin_keys("长长长长长长").len() <= MAX_KEYS);
    }

    proptest::proptest! {
        #[test]
        fn same_pinyin_is_symmetric(a in "[张章李伟玮为曾层单丹]{1,3}", b in "[张章李伟玮为曾层单丹]{1,3}") {
            proptest::prop_assert_eq!(same_pinyin(&a, &b), same_pinyin(&b, &a));
        }

        #[test]
        fn folding_twice_equals_once(a in "[張张偉伟陳陈麗丽王芳]{0,4}") {
            let once = simplified(&a);
            proptest::prop_assert_eq!(simplified(&once), once.clone());
        }
    }
}
