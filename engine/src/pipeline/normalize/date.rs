//! Calendar dates: the accepted input formats (YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYYMMDD,
//! YYYY年M月D日, each optionally followed by a time of day as Excel writes datetimes),
//! validation against the real calendar, and the arithmetic the cohort rule needs.

use std::fmt;

/// A calendar date. Ordering is chronological.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A date, if it exists in the Gregorian calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// A birth date known to the month only (2012-03): day 0, which agrees with no day.
    /// Compared, it can only be `same_year_month` or `different`; shown as YYYY-MM.
    pub fn month_only(year: i32, month: u8) -> Option<Date> {
        (1..=12).contains(&month).then_some(Date {
            year,
            month,
            day: 0,
        })
    }

    /// Whether the day is unknown (see [`Date::month_only`]).
    pub fn is_month_only(self) -> bool {
        self.day == 0
    }

    /// Parses one of the accepted formats; anything else is `None`. A time of day after
    /// the date (`2012-3-15 00:00:00`, `2012/3/15 0:00`, `2012-03-15T00:00:00`) is
    /// ignored.
    pub fn parse(raw: &str) -> Option<Date> {
        let s = without_time(raw.trim());
        if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Date::parse_compact(s);
        }
        if let Some(date) = s.strip_suffix('日') {
            let (y, rest) = date.split_once('年')?;
            let (m, d) = rest.split_once('月')?;
            return Date::from_parts(y.trim(), m.trim(), d.trim());
        }
        let sep = s.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
        let mut parts = s.split(sep);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Date::from_parts(y, m, d)
    }

    /// A date as sanku writes it in its files: YYYY-MM-DD, or YYYY-MM for a date known to
    /// the month only ([`Date::month_only`]).
    pub fn parse_written(raw: &str) -> Option<Date> {
        Date::parse(raw).or_else(|| {
            let (year, month) = Date::parse_year_month(raw)?;
            Date::month_only(year, month)
        })
    }

    /// A year and month without a day: 2012-03, 2012/3, 2012.3, 201203, 2012年3月.
    pub fn parse_year_month(raw: &str) -> Option<(i32, u8)> {
        let s = raw.trim();
        let (y, m) = if let Some(rest) = s.strip_suffix('月') {
            rest.split_once('年')?
        } else if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.split_at(4)
        } else {
            s.split_once(['-', '/', '.'])?
        };
        let (y, m) = (y.trim(), m.trim());
        if y.len() != 4 || !(1..=2).contains(&m.len()) {
            return None;
        }
        let (year, month) = (number(y)?, number(m)?);
        (1..=12).contains(&month).then_some((year, month as u8))
    }

    /// A date from a four-digit year and a one- or two-digit month and day.
    fn from_parts(y: &str, m: &str, d: &str) -> Option<Date> {
        if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
            return None;
        }
        Date::new(number(y)?, number(m)? as u8, number(d)? as u8)
    }

    /// Parses YYYYMMDD.
    pub fn parse_compact(s: &str) -> Option<Date> {
        if s.len() != 8 {
            return None;
        }
        Date::new(
            number(&s[..4])?,
            number(&s[4..6])? as u8,
            number(&s[6..])? as u8,
        )
    }

    /// YYYYMMDD.
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// Whole years of age on `on` for someone born on `self`.
    pub fn age_on(self, on: Date) -> i32 {
        let had_birthday = (on.month, on.day) >= (self.month, self.day);
        on.year - self.year - if had_birthday { 0 } else { 1 }
    }

    /// The same day `months` months earlier, or the month's last day when it has no such
    /// day (three months before May 31 is February 28 or 29).
    pub fn months_before(self, months: u32) -> Date {
        let total = self.year * 12 + i32::from(self.month) - 1 - months as i32;
        let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
        (1..=self.day)
            .rev()
            .find_map(|day| Date::new(year, month, day))
            .expect("every month has a first day")
    }

    /// The date `days` later (or earlier, when negative).
    pub fn add_days(self, days: i64) -> Date {
        from_day_number(self.day_number() + days)
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn day_number(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn from_day_number(n: i64) -> Date {
    let z = n + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

/// The date part of a datetime: what comes before a time of day (digits, colons and a
/// fraction after a space or a `T`).
fn without_time(s: &str) -> &str {
    let is_time = |t: &str| {
        !t.is_empty()
            && t.contains(':')
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
    };
    match s.split_once([' ', 'T']) {
        Some((date, time)) if is_time(time.trim()) => date.trim_end(),
        _ => s,
    }
}

fn number(s: &str) -> Option<i32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_month_only() {
            return write!(f, "{:04}-{:02}", self.year, self.month);
        }
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn months_before_keeps_the_day_or_takes_the_month_end() {
        assert_eq!(d(2026, 9, 1).months_before(12), d(2025, 9, 1));
        assert_eq!(d(2026, 3, 15).months_before(3), d(2025, 12, 15));
        assert_eq!(d(2026, 5, 31).months_before(3), d(2026, 2, 28));
        assert_eq!(d(2024, 5, 31).months_before(3), d(2024, 2, 29));
        assert_eq!(d(2026, 1, 31).months_before(0), d(2026, 1, 31));
    }

    #[test]
    fn accepts_the_listed_formats() {
        for raw in [
            "2015-03-04",
            "2015/3/4",
            "2015/03/04",
            "2015.3.4",
            "20150304",
            " 2015-03-04 ",
        ] {
            assert_eq!(Date::parse(raw), Some(d(2015, 3, 4)), "{raw}");
        }
    }

    #[test]
    fn reads_chinese_dates_and_excel_datetimes() {
        let d = Date::new(2015, 3, 4);
        for raw in [
            "2015-3-4",
            "2015年3月4日",
            "2015年03月04日",
            "2015-03-04 00:00:00",
            "2015/3/4 0:00",
            "2015-03-04T00:00:00",
            "2015.3.4 12:30:00.000",
        ] {
            assert_eq!(Date::parse(raw), d, "{raw}");
        }
    }

    #[test]
    fn reads_a_year_and_month_without_a_day() {
        for raw in [
            "2015-03",
            "2015/3",
            "2015.03",
            "201503",
            "2015年3月",
            " 2015 年 3 月",
        ] {
            assert_eq!(Date::parse_year_month(raw), Some((2015, 3)), "{raw}");
            assert_eq!(Date::parse(raw), None, "{raw}");
        }
        for raw in ["2015-13", "15-03", "2015-03-04", "2015", "201513", "2015年"] {
            assert_eq!(Date::parse_year_month(raw), None, "{raw}");
        }
        // As sanku writes dates, a month only among them.
        let month = Date::parse_written("2012-03").unwrap();
        assert!(month.is_month_only() && month.year == 2012 && month.month == 3);
        assert_eq!(month.to_string(), "2012-03");
        assert_eq!(Date::parse_written("2012-03-15"), Date::new(2012, 3, 15));
        for raw in ["", "2012", "2012-13"] {
            assert_eq!(Date::parse_written(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_month_only_date_shows_its_month_and_orders_before_the_first() {
        let month = Date::month_only(2015, 3).unwrap();
        assert_eq!(month.to_string(), "2015-03");
        assert!(month < d(2015, 3, 1) && month > d(2015, 2, 28));
        assert!(Date::month_only(2015, 13).is_none());
    }

    #[test]
    fn rejects_everything_else() {
        for raw in [
            "04/03/2015",
            "2015-02-30",
            "20151304",
            "15-03-04",
            "2015/3/4/1",
            "2015-03-04 morning",
            "2015年3月",
            "年3月4日",
            "",
            "43891",
        ] {
            assert_eq!(Date::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn leap_days() {
        assert!(Date::new(2020, 2, 29).is_some());
        assert!(Date::new(2019, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
    }

    #[test]
    fn age_counts_whole_years() {
        let cutoff = d(2026, 8, 31);
        assert_eq!(d(2010, 8, 31).age_on(cutoff), 16);
        assert_eq!(d(2010, 9, 1).age_on(cutoff), 15);
        assert_eq!(d(2020, 8, 31).age_on(cutoff), 6);
        assert_eq!(d(2020, 9, 1).age_on(cutoff), 5);
    }

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(d(1970, 1, 1).day_number(), 0);
        assert_eq!(d(2000, 3, 1).add_days(-1), d(2000, 2, 29));
        for n in (-50_000..50_000).step_by(7) {
            assert_eq!(from_day_number(n).day_number(), n);
        }
    }
}
