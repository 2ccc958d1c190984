//! Per-field comparison levels for fuzzy linkage (docs/matching.md). Each comparison of two
//! values gives a level, from strongest agreement to disagreement; weights come later. All
//! comparisons are symmetric.
//!
//! ID numbers are compared by their parts, not by a generic edit distance: a typo (one
//! substituted digit, or two adjacent digits swapped, among the first 17) leaves the
//! original check character in place, so a number that is invalid by its check and one
//! typo away from a valid number with the same check character is strong evidence. Two
//! different children born on the same day in the same county share the first 14
//! characters and differ in the order code and check, which says almost nothing.
//!
//! A check character that validates is not proof: a number that belongs to no one in the
//! population (a digit typed wrong and the check "fixed" by a form that insists, or two
//! errors that cancel) is a typo like any other. Only a number that is a person's says
//! "another person"; one that is no one's is compared by its edits.

use crate::pipeline::normalize::date::Date;
use crate::pipeline::normalize::id::IdNumber;
use crate::pipeline::normalize::name::MAX_NAME_CHARS;
use crate::pipeline::normalize::name_key::{
    fathers_name, given_name, same_pinyin, simplified, unlike_fathers,
};
use crate::pipeline::normalize::values::Sex;

mod id;
pub use id::{compare_ids, within_one_typo};

/// Declares a level enum together with its level names, in one list: the names are the
/// variants' keys in output files and in the config, strongest first.
macro_rules! levels {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The names of the levels, in variant order.
            pub const KEYS: &'static [&'static str] = &[$($key),+];

            /// The level's index among [`Self::KEYS`], as pairs store it.
            pub const fn index(self) -> u8 {
                self as u8
            }
        }
    };
}

levels!(
    /// The compared fields, in weight order.
    CompareField {
        Name = "name",
        BirthDate = "birth_date",
        IdNumber = "id_number",
        Sex = "sex",
        Division = "division",
    }
);

impl CompareField {
    /// The field's position in [`FIELDS`], [`LEVELS`] and every per-field table.
    pub const fn at(self) -> usize {
        self as usize
    }
}

levels!(NameLevel {
    Exact = "exact",
    SamePinyin = "same_pinyin",
    /// Another surname before the same given name (a child under the other parent's
    /// surname).
    SameGivenName = "same_given_name",
    OneCharOff = "one_char_off",
    Similar = "similar",
    Different = "different",
});

levels!(DateLevel {
    Exact = "exact",
    DayMonthSwapped = "day_month_swapped",
    OneDayOff = "one_day_off",
    /// Same month and day, the year one off.
    YearOffByOne = "year_off_by_one",
    /// Same year and day, the month one off.
    MonthOffByOne = "month_off_by_one",
    SameYearMonth = "same_year_month",
    Different = "different",
    Missing = "missing",
});

levels!(IdLevel {
    Exact = "exact",
    /// One side fails its check and is one typo from the other: one substitution or
    /// adjacent transposition among the first 17 characters, the same check character. (A
    /// valid number that belongs to no one and is one typo from the other is `missing`:
    /// see `id.rs`.)
    Typo = "typo",
    /// Same address and birth date (first 14 characters), different order code, one side
    /// failing its check (or a spreadsheet's rounding of the other).
    SameBirthAndPlace = "same_birth_and_place",
    Different = "different",
    Missing = "missing",
});

levels!(SexLevel {
    Same = "same",
    Different = "different",
    Missing = "missing",
});

levels!(DivisionLevel {
    SameCounty = "same_county",
    SamePrefecture = "same_prefecture",
    Different = "different",
    Missing = "missing",
});

/// Field names in weight order.
pub const FIELDS: &[&str] = CompareField::KEYS;

/// Level names per field, strongest first; the last level of every field but the name is
/// "missing".
pub const LEVELS: [&[&str]; 5] = [
    NameLevel::KEYS,
    DateLevel::KEYS,
    IdLevel::KEYS,
    SexLevel::KEYS,
    DivisionLevel::KEYS,
];

/// The levels of one compared pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Comparison {
    pub name: NameLevel,
    pub birth: DateLevel,
    pub id: IdLevel,
    pub sex: SexLevel,
    pub division: DivisionLevel,
}

/// What a comparison needs to know of either side.
#[derive(Clone, Copy, Debug)]
pub struct CompareView<'a> {
    pub id: &'a IdNumber,
    /// Whether `id` belongs to a person of the population. A cohort child's always does; a
    /// record's in a fuzzy pass never does (a record whose ID is someone's links exactly,
    /// is set aside as that person's, or shows no ID once doubted).
    pub id_owned: bool,
    /// The normalised name folded to simplified characters.
    pub name: &'a str,
    pub birth: Option<Date>,
    pub sex: Sex,
    pub division: &'a str,
    /// The name's pinyin keys (`name_key::pinyin_key_hashes` seeded with 0), when made
    /// once for a side that blocking keys pass after pass (a province's children).
    pub pinyin: Option<&'a [u64]>,
    /// In a reconcile, the province the row came from (see
    /// [`crate::pipeline::normalize::Origins`]); 0 in a run. Two views of one province are
    /// never paired: that province linked its own.
    pub origin: u8,
}

/// One side's comparison views, made on demand from the records they borrow, so that a
/// province's worth of views is never held at once.
#[derive(Clone, Copy)]
pub struct Views<'s, 'a> {
    pub len: usize,
    pub view: &'s (dyn Fn(usize) -> CompareView<'a> + Sync),
}

impl<'a> Views<'_, 'a> {
    pub fn get(&self, i: usize) -> CompareView<'a> {
        (self.view)(i)
    }
}

/// Compares two records field by field.
pub fn compare(a: &CompareView, b: &CompareView) -> Comparison {
    Comparison {
        name: compare_simplified_names(a.name, b.name),
        birth: compare_dates(a.birth, b.birth),
        id: compare_ids((a.id, a.id_owned), (b.id, b.id_owned)),
        sex: compare_sex(a.sex, b.sex),
        division: compare_divisions(a.division, b.division),
    }
}

/// Jaro-Winkler similarity of the simplified names at or above which names are `Similar`.
pub const SIMILAR_NAME: f64 = 0.8;

/// Compares two normalised names.
pub fn compare_names(a: &str, b: &str) -> NameLevel {
    if a == b {
        return NameLevel::Exact;
    }
    compare_simplified_names(&simplified(a), &simplified(b))
}

/// Compares two names already folded to simplified characters. Only the first
/// [`MAX_NAME_CHARS`] characters are compared: the edit and similarity measures are
/// quadratic in the length.
pub fn compare_simplified_names(sa: &str, sb: &str) -> NameLevel {
    if sa == sb {
        return NameLevel::Exact;
    }
    let (sa, sb) = (capped(sa), capped(sb));
    if sa == sb {
        return NameLevel::Exact;
    }
    if same_pinyin(sa, sb) {
        return NameLevel::SamePinyin;
    }
    // Two names in the Uyghur manner (given name · father's name) whose fathers' names have
    // nothing in common are two children, however alike their given names: a school has
    // several 米热古丽 and 阿依古丽, and their shared given name is most of the name.
    // (A father's name transliterated two ways, 吐尔逊 and 图尔荪, is one name.)
    if let (Some(fa), Some(fb)) = (fathers_name(sa), fathers_name(sb))
        && compare_simplified_names(fa, fb) == NameLevel::Different
        && unlike_fathers(fa, fb)
    {
        return NameLevel::Different;
    }
    if given_name(sa).is_some_and(|g| Some(g) == given_name(sb)) {
        return NameLevel::SameGivenName;
    }
    let (ca, cb): (Vec<char>, Vec<char>) = (sa.chars().collect(), sb.chars().collect());
    if one_char_off(&ca, &cb) {
        return NameLevel::OneCharOff;
    }
    if strsim::jaro_winkler(sa, sb) >= SIMILAR_NAME {
        NameLevel::Similar
    } else {
        NameLevel::Different
    }
}

/// The first [`MAX_NAME_CHARS`] characters of a name.
fn capped(name: &str) -> &str {
    match name.char_indices().nth(MAX_NAME_CHARS) {
        Some((end, _)) => &name[..end],
        None => name,
    }
}

/// One character substituted, inserted or deleted.
fn one_char_off(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => a.iter().zip(b).filter(|(x, y)| x != y).count() == 1,
        1 => (0..long.len()).any(|skip| {
            long.iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .eq(short.iter())
        }),
        _ => false,
    }
}

/// Compares two birth dates.
pub fn compare_dates(a: Option<Date>, b: Option<Date>) -> DateLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return DateLevel::Missing;
    };
    if a == b {
        DateLevel::Exact
    } else if a.year == b.year && a.month == b.day && a.day == b.month {
        DateLevel::DayMonthSwapped
    } else if (a.day_number() - b.day_number()).abs() == 1 {
        DateLevel::OneDayOff
    } else if (a.month, a.day) == (b.month, b.day) && (a.year - b.year).abs() == 1 {
        DateLevel::YearOffByOne
    } else if a.year == b.year && a.day == b.day && a.month.abs_diff(b.month) == 1 {
        DateLevel::MonthOffByOne
    } else if (a.year, a.month) == (b.year, b.month) {
        DateLevel::SameYearMonth
    } else {
        DateLevel::Different
    }
}

pub fn compare_sex(a: Sex, b: Sex) -> SexLevel {
    match (a, b) {
        (Sex::Unknown, _) | (_, Sex::Unknown) => SexLevel::Missing,
        _ if a == b => SexLevel::Same,
        _ => SexLevel::Different,
    }
}

pub fn compare_divisions(a: &str, b: &str) -> DivisionLevel {
    if a.len() < 6 || b.len() < 6 {
        DivisionLevel::Missing
    } else if a[..6] == b[..6] {
        DivisionLevel::SameCounty
    } else if a[..4] == b[..4] {
        DivisionLevel::SamePrefecture
    } else {
        DivisionLevel::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(y: i32, m: u8, day: u8) -> Option<Date> {
        Date::new(y, m, day)
    }

    #[test]
    fn a_huge_name_is_compared_in_bounded_time() {
        let long: String = "张".repeat(2_000_000);
        let other = format!("{long}伟");
        assert_eq!(compare_simplified_names(&long, &other), NameLevel::Exact);
    }

    #[test]
    fn name_levels() {
        assert_eq!(compare_names("张伟", "张伟"), NameLevel::Exact);
        assert_eq!(compare_names("張偉", "张伟"), NameLevel::Exact);
        assert_eq!(compare_names("张伟", "张玮"), NameLevel::SamePinyin);
        assert_eq!(compare_names("曾伟", "层伟"), NameLevel::SamePinyin);
        assert_eq!(compare_names("张伟", "张强"), NameLevel::OneCharOff);
        assert_eq!(compare_names("张伟", "李伟"), NameLevel::SameGivenName);
        // One given name, two fathers: two Uyghur children.
        assert_eq!(
            compare_names("帕尔哈提·吾斯曼", "帕尔哈提·玉苏甫"),
            NameLevel::Different
        );
        assert_eq!(
            compare_names("艾合买提·帕尔哈提", "艾合买提·托合提"),
            NameLevel::Different
        );
        // One father's name spelt two ways, or one character off, is still alike; so is
        // a name with the grandfather's name added.
        for (a, b) in [
            ("阿依古丽·买买提", "阿依古丽·麦麦提"),
            ("米热古丽·吐尔逊", "米热古丽·图尔荪"),
            ("帕尔哈提·玉苏甫", "帕尔哈提·尤素福"),
            ("米热古丽·艾力", "米热古丽·阿里"),
            ("阿依古丽·吐尔逊·买买提", "阿依古丽·吐尔逊"),
        ] {
            assert_ne!(compare_names(a, b), NameLevel::Different, "{a} {b}");
        }
        assert_ne!(
            compare_names("阿依古丽·吐尔逊", "阿依古丽·吐尔洪"),
            NameLevel::Different
        );
        assert_eq!(
            compare_names("欧阳子涵", "李子涵"),
            NameLevel::SameGivenName
        );
        assert_eq!(compare_names("张伟", "张小伟"), NameLevel::OneCharOff);
        assert_eq!(compare_names("欧阳子涵", "欧阳紫寒"), NameLevel::SamePinyin);
        assert_eq!(
            compare_names("买买提·艾力", "买买提·艾力江"),
            NameLevel::OneCharOff
        );
        assert_eq!(
            compare_names("买买提·艾力", "买买提·艾力买江"),
            NameLevel::Similar
        );
        assert_eq!(compare_names("张伟", "李强"), NameLevel::Different);
    }

    #[test]
    fn date_levels() {
        use DateLevel::*;
        let cases = [
            ((2015, 3, 4), (2015, 3, 4), Exact),
            ((2015, 3, 4), (2015, 4, 3), DayMonthSwapped),
            ((2015, 2, 28), (2015, 3, 1), OneDayOff),
            ((2015, 3, 4), (2015, 3, 20), SameYearMonth),
            ((2015, 3, 4), (2016, 3, 4), YearOffByOne),
            ((2015, 3, 4), (2015, 4, 4), MonthOffByOne),
            ((2015, 3, 4), (2017, 3, 4), Different),
            ((2015, 3, 4), (2016, 3, 5), Different),
        ];
        for ((ya, ma, da), (yb, mb, db), level) in cases {
            assert_eq!(compare_dates(d(ya, ma, da), d(yb, mb, db)), level);
        }
        assert_eq!(compare_dates(None, d(2016, 3, 4)), Missing);
    }

    #[test]
    fn sex_and_division_levels() {
        assert_eq!(compare_sex(Sex::Male, Sex::Male), SexLevel::Same);
        assert_eq!(compare_sex(Sex::Male, Sex::Female), SexLevel::Different);
        assert_eq!(compare_sex(Sex::Unknown, Sex::Female), SexLevel::Missing);
        assert_eq!(
            compare_divisions("530102", "530102001"),
            DivisionLevel::SameCounty
        );
        assert_eq!(
            compare_divisions("530102", "530111"),
            DivisionLevel::SamePrefecture
        );
        assert_eq!(
            compare_divisions("530102", "440106"),
            DivisionLevel::Different
        );
        assert_eq!(compare_divisions("", "440106"), DivisionLevel::Missing);
    }

    proptest::proptest! {
        #[test]
        fn comparing_a_with_b_equals_comparing_b_with_a(
            na in "[张章李伟玮强曾层]{1,3}", nb in "[张章李伟玮强曾层]{1,3}",
            da in 0i64..800, db in 0i64..800,
        ) {
            proptest::prop_assert_eq!(compare_names(&na, &nb), compare_names(&nb, &na));
            let base = Date::new(2014, 1, 1).unwrap();
            let (x, y) = (Some(base.add_days(da)), Some(base.add_days(db)));
            proptest::prop_assert_eq!(compare_dates(x, y), compare_dates(y, x));
        }
    }
}
