//! Division names from the national code table (GB/T 2260 at province, prefecture and
//! county level), shipped as `data/divisions.tsv` with its source and date. Codes stay the
//! key everywhere; names are added beside them for the people who read the outputs.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// `code<TAB>name` lines; `#` lines and the header are skipped.
static TABLE_TEXT: &str = include_str!("../../../data/divisions.tsv");

fn table() -> &'static FxHashMap<&'static str, &'static str> {
    static TABLE: OnceLock<FxHashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        TABLE_TEXT
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The six-digit code a division code of 2, 4, 6, 9 or 12 digits names: its own level
/// padded with zeros (53 → 530000, 5301 → 530100), a township or village code cut to
/// its county.
fn six(code: &str) -> Option<Six> {
    let code = code.trim();
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut six = *b"000000";
    match code.len() {
        2 | 4 => six[..code.len()].copy_from_slice(code.as_bytes()),
        6 | 9 | 12 => six.copy_from_slice(&code.as_bytes()[..6]),
        _ => return None,
    }
    Some(Six(six))
}

/// Six digits of a division code: names are looked up for every row of the outputs.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Six([u8; 6]);

impl Six {
    /// The code of its level `digits` (2 the province, 4 the prefecture), zero-padded.
    fn level(self, digits: usize) -> Six {
        let mut six = *b"000000";
        six[..digits].copy_from_slice(&self.0[..digits]);
        Six(six)
    }

    /// The name the table holds for it.
    fn name(&self) -> Option<&'static str> {
        let code = std::str::from_utf8(&self.0).ok()?;
        table().get(code).copied()
    }
}

/// The name of the division a code names at its own level (云南省, 昆明市, 官渡区); empty
/// when the table does not hold it.
pub fn name(code: &str) -> &'static str {
    six(code).and_then(|c| c.name()).unwrap_or("")
}

/// The names from the province down to the county of a code (云南省 昆明市 官渡区),
/// leaving out levels the table lacks and the placeholders 市辖区 and 县 of the
/// municipalities; empty when the table holds none of them.
pub fn full_name(code: &str) -> String {
    let Some(county) = six(code) else {
        return String::new();
    };
    let mut name = String::new();
    let mut last = None;
    for level in [county.level(2), county.level(4), county] {
        if let Some(n) = level.name()
            && !is_placeholder(n)
            && last != Some(n)
        {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(n);
            last = Some(n);
        }
    }
    name
}

/// The name of the nearest division above a county that the table holds, for a county
/// it lacks: its prefecture (贵阳市 for 520199), or its province where the prefecture is
/// missing or a placeholder (北京市 for 110199); empty when neither is held.
pub fn parent_name(code: &str) -> &'static str {
    let Some(county) = six(code) else {
        return "";
    };
    [county.level(4), county.level(2)]
        .into_iter()
        .filter(|level| *level != county)
        .filter_map(|level| level.name())
        .find(|n| !is_placeholder(n))
        .unwrap_or("")
}

/// The county codes the table holds under a two-digit province code, in code order: the
/// districts, counties and county-level cities that issue ID numbers, not the development
/// zones statistics numbers 71 to 79 within a prefecture.
pub fn counties_of(province: &str) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = table()
        .keys()
        .copied()
        .filter(|c| c.len() == 6 && c.starts_with(province) && province.len() == 2)
        .filter(|c| &c[4..] != "00" && !c[4..].starts_with('7'))
        .collect();
    codes.sort_unstable();
    codes
}

/// The names the table gives a level that stands for no place of its own: the
/// municipalities' 市辖区 and 县, the provinces' directly administered counties.
fn is_placeholder(name: &str) -> bool {
    matches!(
        name,
        "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划"
    )
}

/// The code used for children whose division is unknown.
pub const UNKNOWN_DIVISION: &str = "unknown";

/// The county (six digits) of a division code, or [`UNKNOWN_DIVISION`].
pub fn county_of(division: &str) -> &str {
    division.get(..6).unwrap_or(UNKNOWN_DIVISION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_level_and_the_whole_path() {
        assert_eq!(name("53"), "云南省");
        assert_eq!(name("530000"), "云南省");
        assert_eq!(name("530100"), "昆明市");
        assert_eq!(name("530111"), "官渡区");
        assert_eq!(name("530111001"), "官渡区");
        assert_eq!(full_name("530111"), "云南省 昆明市 官渡区");
        assert_eq!(full_name("110101"), "北京市 东城区");
        assert_eq!(full_name("441900"), "广东省 东莞市");
        assert_eq!(full_name("530100"), "云南省 昆明市");
    }

    #[test]
    fn lists_a_provinces_counties_without_development_zones() {
        let anhui = counties_of("34");
        assert!(anhui.contains(&"340102") && anhui.contains(&"340181"));
        assert!(!anhui.contains(&"340176") && !anhui.contains(&"340100"));
        assert!(anhui.windows(2).all(|w| w[0] < w[1]));
        assert!(counties_of("81").is_empty());
        assert!(counties_of("3").is_empty());
    }

    #[test]
    fn an_unknown_or_malformed_code_has_no_name() {
        assert_eq!(name("999999"), "");
        assert_eq!(full_name("12345"), "");
        assert_eq!(full_name("53011X"), "");
        assert_eq!(full_name(""), "");
        // A county the table lacks keeps the levels it has.
        assert_eq!(full_name("530199"), "云南省 昆明市");
    }

    #[test]
    fn a_county_the_table_lacks_is_placed_under_its_prefecture_or_province() {
        assert_eq!(name("520199"), "");
        assert_eq!(parent_name("520199"), "贵阳市");
        assert_eq!(parent_name("520199001"), "贵阳市");
        // 110100 is the placeholder 市辖区: the municipality names it.
        assert_eq!(parent_name("110199"), "北京市");
        // A prefecture the table lacks too: its province.
        assert_eq!(parent_name("529999"), "贵州省");
        assert_eq!(parent_name("999999"), "");
        assert_eq!(parent_name("unknown"), "");
        // A prefecture's own code has its province above it.
        assert_eq!(parent_name("520100"), "贵州省");
    }
}
