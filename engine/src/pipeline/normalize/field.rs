//! Field-level parsing of one table row into typed values. Each parser either returns the
//! value or the `Reject` that names the file, line, field and reason.

use super::Text;
use super::date::Date;
use super::id::{IdClass, IdNumber, parse_id, parse_record_id};
use super::name::{MAX_NAME_CHARS, normalize_name};
use super::values::{Sex, WordMap};
use crate::ground::reject::Reject;
use crate::ground::schema::Field;
use crate::pipeline::load::Table;

/// One row of a table, being normalised.
pub struct Row<'a> {
    pub table: &'a Table,
    pub index: usize,
}

impl<'a> Row<'a> {
    /// The row's line in its file.
    pub fn line(&self) -> u64 {
        self.table.lines[self.index]
    }

    /// The row's number in its register: its line past the lines of the register's
    /// earlier files.
    pub fn ordinal(&self) -> u64 {
        self.table.input.line_base + self.line()
    }

    pub fn raw(&self, field: Field) -> &'a str {
        self.table.value(self.index, field)
    }

    pub fn reject(&self, field: Field, reason: impl Into<String>) -> Reject {
        Reject::new(
            &self.table.name,
            self.line(),
            field.key(),
            reason,
            self.raw(field),
        )
    }

    /// Trimmed text; empty when absent.
    pub fn text(&self, field: Field) -> Text {
        Text::from(self.raw(field).trim())
    }

    /// Trimmed text that must not be empty.
    pub fn required_text(&self, field: Field) -> Result<Text, Reject> {
        let text = self.text(field);
        if text.is_empty() {
            return Err(self.reject(field, "required field is empty"));
        }
        Ok(text)
    }

    /// The normalised name, which must hold more than separators and be no longer than
    /// any real name.
    pub fn name(&self) -> Result<Text, Reject> {
        let raw = self.raw(Field::Name).trim();
        if raw.is_empty() {
            return Err(self.reject(Field::Name, "required field is empty"));
        }
        let name = normalize_name(raw);
        if name.is_empty() {
            return Err(self.reject(Field::Name, "the name holds only separators or spaces"));
        }
        // No more bytes than the longest name's characters: no need to count them.
        if name.len() > MAX_NAME_CHARS && name.chars().count() > MAX_NAME_CHARS {
            return Err(self.reject(
                Field::Name,
                format!("the name is longer than {MAX_NAME_CHARS} characters"),
            ));
        }
        Ok(name)
    }

    /// The ID number of a record that keeps its row without one (a student record, a
    /// poverty member): empty, invalid or damaged, the row stays and links by its other
    /// fields; damage is reported as a warning.
    pub fn record_id(&self) -> IdNumber {
        parse_record_id(self.raw(Field::IdNumber))
    }

    /// The ID number that gives a row its identity (a population row, an exemption):
    /// empty, damaged or garbage rejects the row.
    pub fn required_id(&self) -> Result<IdNumber, Reject> {
        let id = parse_id(self.raw(Field::IdNumber))
            .map_err(|g| self.reject(Field::IdNumber, g.reason()))?;
        if id.class == IdClass::Empty {
            return Err(self.reject(Field::IdNumber, "required field is empty"));
        }
        if let Some(damage) = id.damage() {
            return Err(self.reject(Field::IdNumber, damage));
        }
        Ok(id)
    }

    /// A date in one of the accepted formats, or `None` when empty.
    pub fn date(&self, field: Field) -> Result<Option<Date>, Reject> {
        let raw = self.raw(field).trim();
        if raw.is_empty() {
            return Ok(None);
        }
        Date::parse(raw).map(Some).ok_or_else(|| {
            self.reject(
                field,
                "not a date in an accepted format (YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYYMMDD, YYYY年M月D日, with or without a time)",
            )
        })
    }

    /// The birth date: the field when given, else from a valid ID. A field sanku cannot
    /// read falls back to a valid ID's birth date, with a warning; without one the row is
    /// rejected.
    ///
    /// A year and month only (2012-03, 201203, 2012年3月) takes the day from a valid ID of
    /// that month, silently; without a valid ID the date is kept to the month (a warning),
    /// so that a record is compared at the month and never on a guessed day.
    pub fn birth_date(&self, id: &IdNumber) -> Result<(Option<Date>, Option<Reject>), Reject> {
        match self.date(Field::BirthDate) {
            Ok(date) => Ok((date.or_else(|| id.birth_date()), None)),
            Err(reject) => {
                let month = Date::parse_year_month(self.raw(Field::BirthDate));
                match (id.birth_date(), month) {
                    (Some(date), Some(month)) if month == (date.year, date.month) => {
                        Ok((Some(date), None))
                    }
                    (Some(date), _) => {
                        let warning = self.reject(
                            Field::BirthDate,
                            "not a date sanku reads; the ID number's birth date is used",
                        );
                        Ok((Some(date), Some(warning)))
                    }
                    (None, Some((year, month))) => {
                        let warning = self.reject(
                            Field::BirthDate,
                            "year and month only, and no valid ID number to give the day: compared at the month",
                        );
                        Ok((Date::month_only(year, month), Some(warning)))
                    }
                    (None, None) => Err(reject),
                }
            }
        }
    }

    /// Sex: the field when given and known, else from a valid ID, else unknown.
    pub fn sex(&self, words: &WordMap<Sex>, id: &IdNumber) -> Result<Sex, Reject> {
        let raw = self.raw(Field::Sex).trim();
        let said = if raw.is_empty() {
            Sex::Unknown
        } else {
            words.get(raw).ok_or_else(|| {
                self.reject(
                    Field::Sex,
                    "unknown sex value (map it under [sex] in the config: male, female or unknown)",
                )
            })?
        };
        Ok(match (said, id.is_male()) {
            (Sex::Unknown, Some(true)) => Sex::Male,
            (Sex::Unknown, Some(false)) => Sex::Female,
            (said, _) => said,
        })
    }

    /// A division code of 6, 9 or 12 digits; when empty, the address code of a valid ID.
    pub fn division(&self, field: Field, id: Option<&IdNumber>) -> Result<Text, Reject> {
        let raw = self.raw(field);
        // Most codes are plain digits of a right length, kept as they are.
        if matches!(raw.len(), 6 | 9 | 12) && raw.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Text::from(raw));
        }
        let text: Text = if raw.bytes().all(|b| b.is_ascii_digit()) {
            Text::from(raw)
        } else {
            raw.chars().filter(|c| !c.is_whitespace()).collect()
        };
        if text.is_empty() {
            return Ok(Text::from(
                id.and_then(IdNumber::address_code).unwrap_or(""),
            ));
        }
        if !matches!(text.len(), 6 | 9 | 12) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.reject(field, "division code must be 6, 9 or 12 digits"));
        }
        Ok(text)
    }

    /// A coded value that must be known to `words`; `None` when empty.
    pub fn coded<T: Copy>(
        &self,
        field: Field,
        words: &WordMap<T>,
        section: &str,
    ) -> Result<Option<T>, Reject> {
        let raw = self.raw(field).trim();
        if raw.is_empty() {
            return Ok(None);
        }
        words.get(raw).map(Some).ok_or_else(|| {
            self.reject(
                field,
                format!("unknown status value (map it under [{section}.status] in the config)"),
            )
        })
    }
}
