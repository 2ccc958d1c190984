//! Person names: trimmed, full-width folded to half-width, and the separators of minority
//! names (· • ‧ ・ . and inner spaces) unified to one middle dot "·".

use crate::ground::text::{half_width, is_space};

/// The longest name read: transliterated minority names with a father's and a
/// grandfather's name run to some thirty characters; a longer one is not a name.
pub const MAX_NAME_CHARS: usize = 100;

/// The one separator used inside normalised minority names.
pub const NAME_SEPARATOR: char = '·';

fn is_separator(c: char) -> bool {
    matches!(
        c,
        '·' | '•'
            | '‧'
            | '・'
            | '.'
            | '\u{2219}'
            | '\u{22C5}'
            | '\u{FF65}'
            | '\u{0387}'
            | '\u{16EB}'
    ) || is_space(c)
}

/// Normalises a name. Idempotent: normalising twice equals normalising once.
pub fn normalize_name(raw: &str) -> super::Text {
    // Most names need nothing but the copy.
    if raw.chars().all(|c| !is_separator(c) && half_width(c) == c) {
        return super::Text::from(raw);
    }
    let mut out = super::Text::with_capacity(raw.len());
    let mut pending_separator = false;
    for c in raw.chars().map(half_width) {
        if is_separator(c) {
            pending_separator = !out.is_empty();
            continue;
        }
        if pending_separator {
            out.push(NAME_SEPARATOR);
            pending_separator = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_folds_full_width() {
        assert_eq!(normalize_name("  王小明\u{3000}"), "王小明");
        assert_eq!(normalize_name("ＬＩ　Ｍｉｎｇ"), "LI·Ming");
    }

    #[test]
    fn unifies_minority_name_separators() {
        for raw in [
            "买买提·艾力",
            "买买提•艾力",
            "买买提‧艾力",
            "买买提・艾力",
            "买买提.艾力",
            "买买提 艾力",
            "买买提 · 艾力",
            "买买提．艾力",
        ] {
            assert_eq!(normalize_name(raw), "买买提·艾力", "{raw}");
        }
        assert_eq!(normalize_name("·阿依古丽·"), "阿依古丽");
    }

    proptest::proptest! {
        #[test]
        fn normalising_twice_equals_once(raw in "[ ·.•王李张伟芳ａ-ｚa-z\u{3000}]{0,12}") {
            let once = normalize_name(&raw);
            proptest::prop_assert_eq!(normalize_name(&once), once.clone());
        }
    }
}
