//! School terms, as aid registers write them. A school year runs from September: its first
//! term is the autumn term (秋季学期), its second the spring term (春季学期) of the next
//! calendar year. Registers write a term as 2026年秋季学期, 2026秋, 2026-2027学年第一学期,
//! 2026-2027-1, 2027年春季 …

use super::date::Date;

/// A school term: the calendar year it starts in and whether it is the autumn term.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Term {
    pub year: i32,
    pub autumn: bool,
}

impl Term {
    /// The term a day falls in: autumn from September to January, spring from February to
    /// August (the summer holiday belongs to the spring term just ended).
    pub fn of(day: Date) -> Term {
        match day.month {
            9..=12 => Term {
                year: day.year,
                autumn: true,
            },
            1 => Term {
                year: day.year - 1,
                autumn: true,
            },
            _ => Term {
                year: day.year,
                autumn: false,
            },
        }
    }

    /// Reads a term; `None` when it is none of the accepted forms.
    pub fn parse(text: &str) -> Option<Term> {
        let folded: String = text
            .chars()
            .map(crate::ground::text::half_width)
            .filter(|c| !c.is_whitespace())
            .collect();
        let years: Vec<i32> = folded
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| s.len() == 4)
            .filter_map(|s| s.parse().ok())
            .collect();
        let first = *years.first()?;
        if !(1990..=2100).contains(&first) {
            return None;
        }
        if folded.contains('秋') {
            return Some(Term {
                year: first,
                autumn: true,
            });
        }
        if folded.contains('春') {
            return Some(Term {
                year: first,
                autumn: false,
            });
        }
        // A school year and its first or second term: 2026-2027学年第一学期, 2026-2027-2.
        let second_year = years.get(1).is_some_and(|&y| y == first + 1);
        let which = if folded.contains("第一") || folded.contains("上学期") {
            Some(1)
        } else if folded.contains("第二") || folded.contains("下学期") {
            Some(2)
        } else if second_year {
            let rest = folded.rsplit(|c: char| !c.is_ascii_digit()).next()?;
            match rest {
                "1" => Some(1),
                "2" => Some(2),
                _ => folded
                    .trim_end_matches("学期")
                    .chars()
                    .last()
                    .and_then(|c| c.to_digit(10))
                    .filter(|d| (1..=2).contains(d))
                    .map(|d| d as u8),
            }
        } else {
            None
        };
        match (which?, second_year || years.len() == 1) {
            (1, true) => Some(Term {
                year: first,
                autumn: true,
            }),
            (2, true) => Some(Term {
                year: first + 1,
                autumn: false,
            }),
            _ => None,
        }
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.year,
            if self.autumn { "autumn" } else { "spring" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(year: i32, autumn: bool) -> Option<Term> {
        Some(Term { year, autumn })
    }

    #[test]
    fn terms_in_the_forms_registers_write() {
        assert_eq!(Term::parse("2026年秋季学期"), t(2026, true));
        assert_eq!(Term::parse("2026秋"), t(2026, true));
        assert_eq!(Term::parse("2027年春季"), t(2027, false));
        assert_eq!(Term::parse("2026-2027学年第一学期"), t(2026, true));
        assert_eq!(Term::parse("2026-2027学年第二学期"), t(2027, false));
        assert_eq!(Term::parse("2026-2027-1"), t(2026, true));
        assert_eq!(Term::parse("2026-2027-2"), t(2027, false));
        assert_eq!(Term::parse("２０２６年秋季"), t(2026, true));
        assert_eq!(Term::parse("秋季"), None);
        assert_eq!(Term::parse("2026-2028-1"), None);
    }

    #[test]
    fn the_term_of_a_day() {
        let d = |y, m, day| Date::new(y, m, day).unwrap();
        assert_eq!(
            Term::of(d(2026, 9, 1)),
            Term {
                year: 2026,
                autumn: true
            }
        );
        assert_eq!(
            Term::of(d(2027, 1, 20)),
            Term {
                year: 2026,
                autumn: true
            }
        );
        assert_eq!(
            Term::of(d(2027, 3, 1)),
            Term {
                year: 2027,
                autumn: false
            }
        );
        assert_eq!(
            Term::of(d(2026, 8, 30)),
            Term {
                year: 2026,
                autumn: false
            }
        );
    }
}
