//! Matching forms of a name, for fuzzy linkage: traditional characters folded to
//! simplified, and toneless pinyin that knows every reading of polyphonic characters, so
//! that 張偉, 张伟 and 张玮 (typed through a pinyin input method) agree, and so do 曾 read
//! zeng or ceng and 单 read shan or dan. The name shown in outputs is never changed.

use pinyin::ToPinyinMulti;

/// Most pinyin keys kept per name (polyphonic names multiply their readings).
pub const MAX_KEYS: usize = 16;

/// Compound surnames (复姓): the surname is their first two characters.
const COMPOUND_SURNAMES: [&str; 44] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "令狐", "慕容", "司徒", "公孙", "长孙",
    "夏侯", "轩辕", "端木", "宇文", "澹台", "公冶", "宗政", "濮阳", "太叔", "申屠", "钟离", "闻人",
    "呼延", "南宫", "独孤", "百里", "东郭", "西门", "万俟", "赫连", "拓跋", "左丘", "谷梁", "亓官",
    "单于", "乐正", "漆雕", "公良", "梁丘", "司空", "司寇", "第五",
];

/// Two fathers' names whose sounds are less alike than this (Jaro-Winkler over their
/// toneless pinyin) cannot be one name transliterated twice: 吐尔逊 and 图尔荪 (0.94),
/// 玉苏甫 and 尤素福 (0.96), 艾力 and 阿里 (0.83) are one name; 艾力 and 库尔班 (0),
/// 玉苏甫 and 吾斯曼 (0.54), 阿布来提 and 阿布都 (0.79) are two.
const LIKE_FATHERS: f64 = 0.8;

/// Of a name in the Uyghur manner (given name · father's name, perhaps · grandfather's
/// name), the father's name.
pub fn fathers_name(name: &str) -> Option<&str> {
    name.split(super::name::NAME_SEPARATOR)
        .nth(1)
        .filter(|father| !father.is_empty())
}

/// Whether two fathers' names cannot be one name spelt two ways: their sounds are far
/// apart.
pub fn unlike_fathers(a: &str, b: &str) -> bool {
    a != b && strsim::jaro_winkler(&sound(a), &sound(b)) < LIKE_FATHERS
}

/// Whether two names (folded to simplified) share the part relatives share: the surname's
/// first character; of two names in the Uyghur manner, the father's name (spelt alike or
/// two ways), which siblings share, while a class holds several 米热古丽 and 阿依古丽.
pub fn same_family(a: &str, b: &str) -> bool {
    match (fathers_name(a), fathers_name(b)) {
        (Some(fa), Some(fb)) => !unlike_fathers(fa, fb),
        _ => a.chars().next() == b.chars().next(),
    }
}

/// A name's sound: each character's first toneless pinyin reading (any other character as
/// itself, lower-cased), run together.
fn sound(name: &str) -> String {
    name.chars()
        .filter(|&c| c != super::name::NAME_SEPARATOR)
        .map(|c| match c.to_pinyin_multi() {
            Some(multi) => multi
                .into_iter()
                .next()
                .map_or(String::new(), |p| p.plain().to_string()),
            None => c.to_lowercase().collect(),
        })
        .collect()
}

/// The given name of a Han name (the name without its surname, one character or a
/// compound surname's two); `None` for a name with a separator or too short to have one.
pub fn given_name(name: &str) -> Option<&str> {
    if name.contains(super::name::NAME_SEPARATOR) || !name.chars().all(|c| c > '\u{2E7F}') {
        return None;
    }
    let first = name.chars().next()?.len_utf8();
    let second = name[first..].chars().next().map_or(0, char::len_utf8);
    let surname = if COMPOUND_SURNAMES.contains(&&name[..first + second]) {
        first + second
    } else {
        first
    };
    Some(&name[surname..]).filter(|g| !g.is_empty())
}

/// The name with traditional characters folded to simplified.
pub fn simplified(name: &str) -> String {
    fast2s::convert(name)
}

/// The toneless readings of a character (at most 8, without repeats) and how many: a Han
/// character's pinyin, a letter or any other character itself in lower case (written in
/// `buf`), none for a separator, which carries no sound.
pub fn readings(c: char, buf: &mut [u8; 4]) -> ([&str; 8], usize) {
    let mut readings: [&str; 8] = [""; 8];
    let mut n = 0;
    match c.to_pinyin_multi() {
        Some(multi) => {
            for p in multi {
                if n < readings.len() && !readings[..n].contains(&p.plain()) {
                    readings[n] = p.plain();
                    n += 1;
                }
            }
        }
        None if c == super::name::NAME_SEPARATOR => {}
        None => {
            readings[0] = c.to_lowercase().next().unwrap_or(c).encode_utf8(buf);
            n = 1;
        }
    }
    (readings, n)
}

/// Hashes of every pinyin key of a name (every combination of readings, at most
/// [`MAX_KEYS`]), pushed onto `out` sorted and without repeats, each mixed with `seed`.
/// The key is the readings' letters run together, so a name written in pinyin (`ZHANG WEI`,
/// `Zhang Wei`) has the key of 张伟; the same letters give the same hashes, so blocking can
/// compare them without building the strings; nothing is allocated beyond `out`.
pub fn pinyin_key_hashes(name: &str, seed: u64, out: &mut Vec<u64>) {
    const MIX: u64 = 0x517c_c1b7_2722_0a95;
    let fold = |h: u64, bytes: &[u8]| {
        bytes.iter().fold(h, |h, &b| {
            (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(MIX)
        })
    };
    let start = out.len();
    out.push(seed);
    for c in name.chars() {
        let mut buf = [0u8; 4];
        let (readings, n) = readings(c, &mut buf);
        if n == 0 {
            continue;
        }
        let keys = out.len() - start;
        for k in 0..keys {
            let base = out[start + k];
            for (r, reading) in readings[..n].iter().enumerate() {
                let mixed = fold(base, reading.as_bytes());
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

/// Whether two names can be read alike: same length and, position by position, the same
/// character or a reading in common; or one is written in pinyin letters (`ZHANG WEI`,
/// `zhangwei`) that spell a reading of the other. Symmetric.
pub fn same_pinyin(a: &str, b: &str) -> bool {
    match (romanized(a), romanized(b)) {
        (Some(_), Some(_)) | (None, None) => {}
        (Some(letters), None) => return spells(&letters, b),
        (None, Some(letters)) => return spells(&letters, a),
    }
    if a.chars().count() != b.chars().count() {
        return false;
    }
    a.chars()
        .zip(b.chars())
        .all(|(x, y)| x == y || share_reading(x, y))
}

/// The lowercase letters of a name written in Latin letters (with separators), if it is one.
fn romanized(name: &str) -> Option<String> {
    let written = name
        .chars()
        .all(|c| c.is_ascii_alphabetic() || c == super::name::NAME_SEPARATOR);
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (written && letters.len() >= 2).then_some(letters)
}

/// Whether `letters` spell, in order, one reading of each character of `name` (ü written
/// as v or u).
fn spells(letters: &str, name: &str) -> bool {
    let chars: Vec<char> = name
        .chars()
        .filter(|&c| c != super::name::NAME_SEPARATOR)
        .collect();
    fn from(letters: &str, chars: &[char]) -> bool {
        let Some((&c, rest)) = chars.split_first() else {
            return letters.is_empty();
        };
        let Some(multi) = c.to_pinyin_multi() else {
            return false;
        };
        multi.into_iter().any(|p| {
            let plain = p.plain();
            [plain.replace('ü', "v"), plain.replace('ü', "u")]
                .iter()
                .any(|r| {
                    letters
                        .strip_prefix(r.as_str())
                        .is_some_and(|l| from(l, rest))
                })
        })
    }
    from(letters, &chars)
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
    fn given_names_drop_the_surname_and_compound_ones_whole() {
        assert_eq!(given_name("张伟"), Some("伟"));
        assert_eq!(given_name("欧阳子涵"), Some("子涵"));
        assert_eq!(given_name("司马懿"), Some("懿"));
        assert_eq!(given_name("王"), None);
        assert_eq!(given_name("买买提·艾力"), None);
        assert_eq!(given_name("ZHANG·WEI"), None);
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
    fn a_name_written_in_pinyin_reads_as_the_chinese_name() {
        for written in ["ZHANG·WEI", "Zhang·Wei", "zhangwei", "ZHANGWEI"] {
            assert!(same_pinyin(written, "张伟"), "{written}");
            assert!(same_pinyin("张伟", written), "{written}");
            assert!(meet(written, "张伟"), "{written}");
        }
        assert!(same_pinyin("Zhang·Xiaoming", "张晓明"));
        assert!(same_pinyin("LV·LI", "吕丽"));
        assert!(!same_pinyin("ZHANG·WEI", "张伟华"));
        assert!(!same_pinyin("LI·WEI", "张伟"));
        assert!(!meet("LI·WEI", "张伟"));
        assert!(!same_pinyin("ZHANG·WEI", "LI·WEI"));
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
