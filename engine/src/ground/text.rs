//! Character-level folding shared by the field normalisers: full-width to half-width; and
//! the string type of register fields.

/// A register field's text: IDs, names and codes are short, so up to 24 bytes are kept
/// inline without a heap allocation of their own.
pub type Text = compact_str::CompactString;

/// Folds a full-width ASCII variant (U+FF01..U+FF5E) or the ideographic space to its
/// half-width form; every other character is returned unchanged.
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether `c` is white space of any width, including the no-break and ideographic spaces.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{00A0}' || c == '\u{3000}' || c == '\u{FEFF}'
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_digits_letters_and_space() {
        let folded: String = "１２３ＡｂＸ\u{3000}".chars().map(half_width).collect();
        assert_eq!(folded, "123AbX ");
        assert_eq!(half_width('王'), '王');
    }
}
