//! A rejected input row: which file, which line, which field and why. Loading and
//! normalisation produce them; `output` writes them to rejects.csv.

use crate::mask::{mask_id, mask_name};

/// One input row that was not used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reject {
    /// The input file's name, as the run names it.
    pub file: String,
    /// CSV line number (the header is line 1), or 1-based row number in Parquet.
    pub line: u64,
    /// The logical field at fault, or empty when the row as a whole is.
    pub field: String,
    pub reason: String,
    /// The offending value, masked so that no full ID number or name leaks: a name keeps
    /// its first character, anything else its first six and last four of more than ten.
    pub value: String,
}

impl Reject {
    pub fn new(
        file: &str,
        line: u64,
        field: &str,
        reason: impl Into<String>,
        value: &str,
    ) -> Reject {
        Reject {
            file: file.to_string(),
            line,
            field: field.to_string(),
            reason: reason.into(),
            value: if field == "name" {
                mask_name(value.trim())
            } else {
                mask_id(value.trim())
            },
        }
    }
}
