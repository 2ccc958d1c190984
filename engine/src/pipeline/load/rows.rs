//! What a row of an extract is before it is read as data: a blank row (a spreadsheet's
//! empty line, or a line of bare delimiters), a total row (合计, 总计, 小计 — counted in the
//! manifest, not rejected) or data.

use crate::ground::text::is_space;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Data,
    Blank,
    Total,
}

/// The words a total row starts with.
const TOTAL_WORDS: [&str; 6] = ["合计", "总计", "小计", "共计", "总数", "total"];

/// Blank when every cell is empty or spaces; a total row when a cell starts with a total
/// word (合计, 合 计：, Total) and no cell holds as many digits as an ID number.
pub fn row_kind<S: AsRef<str>>(cells: &[S]) -> RowKind {
    let mut blank = true;
    let mut total = false;
    for cell in cells {
        let cell = cell.as_ref();
        if cell.chars().all(is_space) {
            continue;
        }
        blank = false;
        if cell.bytes().filter(u8::is_ascii_digit).count() >= 15 {
            return RowKind::Data;
        }
        let folded: String = cell
            .chars()
            .filter(|&c| !is_space(c))
            .take(5)
            .flat_map(char::to_lowercase)
            .collect();
        total |= TOTAL_WORDS.iter().any(|w| folded.starts_with(w));
    }
    match (blank, total) {
        (true, _) => RowKind::Blank,
        (false, true) => RowKind::Total,
        (false, false) => RowKind::Data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_total_and_data_rows() {
        assert_eq!(row_kind(&["", " ", "\u{3000}"]), RowKind::Blank);
        assert_eq!(row_kind(&["合计", "", "1234"]), RowKind::Total);
        assert_eq!(row_kind(&["", "合 计：", "12"]), RowKind::Total);
        assert_eq!(row_kind(&["Total", "3"]), RowKind::Total);
        assert_eq!(row_kind(&["530102201203150117", "合计"]), RowKind::Data);
        assert_eq!(row_kind(&["530102201203150117", "张伟"]), RowKind::Data);
        // A name that only contains a total word further in is data.
        assert_eq!(row_kind(&["", "王合计"]), RowKind::Data);
    }
}
