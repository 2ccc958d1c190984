//! Pseudonymised runs (`--pseudonymize KEYFILE`), for analysts outside the data centre:
//! every identifier in every output — ID numbers, student numbers, household numbers,
//! record keys — is replaced by a keyed token (HMAC-SHA256 under the key, so the same
//! child has the same token in every run with the same key and ledgers still diff), and
//! every name and every raw value quoted from an input (rejects, warnings, conflicting
//! values other than sex, birth date and division) is dropped.
//!
//! Every table is pseudonymised as it is written (see `writer`), so no writer can forget
//! it. What becomes of a column is what the column declares it holds (see `contents` and
//! `table::Sensitivity`); a file or a column with no declaration stops the run rather than
//! be shared as it is.

use std::io::Read;
use std::path::Path;

use anyhow::bail;
use hmac::{Hmac, Mac};
use polars::prelude::{Column, DataFrame, DataType};
use sha2::Sha256;

use super::table::{Content, Sensitivity};
use crate::ground::error::bad_input;

/// The shortest key accepted, in bytes.
const MIN_KEY_BYTES: usize = 16;

/// Whether `value` is a token: `P` and 32 lowercase hex digits.
pub(crate) fn is_token(value: &str) -> bool {
    value.len() == 33
        && value.starts_with('P')
        && value[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Fields whose conflicting values may be shown.
const SHOWN_FIELDS: [&str; 3] = ["sex", "birth_date", "division_code"];

/// The key and the tokens made with it.
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl Pseudonymizer {
    /// Reads the key file of `--pseudonymize`: its bytes as they are, at least 16 of them.
    pub fn load(path: &Path) -> anyhow::Result<Pseudonymizer> {
        Self::load_given(path, "--pseudonymize")
    }

    /// Reads the key file given as `option`.
    pub fn load_given(path: &Path, option: &str) -> anyhow::Result<Pseudonymizer> {
        let mut key = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut key))
            .map_err(|e| {
                bad_input(format!(
                    "{option} {}: cannot read the key: {e}",
                    path.display()
                ))
            })?;
        if key.len() < MIN_KEY_BYTES {
            return Err(bad_input(format!(
                "{option} {}: the key has {} bytes, fewer than {MIN_KEY_BYTES}; make one with `head -c 32 /dev/urandom > KEYFILE`",
                path.display(),
                key.len()
            )));
        }
        Ok(Pseudonymizer { key })
    }

    /// A key for `purpose` derived from this one (HMAC-SHA256 of the purpose under it), so
    /// that what is made with it never equals a token.
    pub fn derived_key(&self, purpose: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(b"sanku derived key: ");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The key's fingerprint, kept in the manifest so that a run carried on under another
    /// key is refused: HMAC-SHA256 of a fixed text under the key, never the key.
    pub fn fingerprint(&self) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(b"sanku key fingerprint");
        format!(
            "K{}",
            crate::ground::text::hex(&mac.finalize().into_bytes()[..16])
        )
    }

    /// The token of an identifier: `P` and the first 128 bits of its HMAC-SHA256, in hex;
    /// an empty value stays empty.
    pub fn token(&self, value: &str) -> String {
        // A token is kept: a case carried from a pseudonymised night is named by its token
        // already, and no identifier looks like one.
        if value.is_empty() || is_token(value) {
            return value.to_string();
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("P{}", crate::ground::text::hex(&digest[..16]))
    }

    /// The cell `value` of a column holding `sensitivity`; `field` is the row's `field`
    /// cell, which says what a `FieldValue` holds.
    pub(crate) fn cell(
        &self,
        sensitivity: Sensitivity,
        field: Option<&str>,
        value: &str,
    ) -> String {
        use Sensitivity::*;
        match sensitivity {
            Code | Count | Date => value.to_string(),
            Id => self.token(value),
            Ids => value
                .split(';')
                .map(|v| self.token(v))
                .collect::<Vec<_>>()
                .join(";"),
            Name | FreeText => String::new(),
            FieldValue if field.is_some_and(|f| SHOWN_FIELDS.contains(&f)) => value.to_string(),
            FieldValue => String::new(),
        }
    }

    /// A frame of the table `content` declares, each column as it declares.
    pub(crate) fn frame(&self, frame: DataFrame, content: &Content) -> anyhow::Result<DataFrame> {
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        let sensitivities = content.sensitivities(&names)?;
        let mut columns: Vec<Column> = Vec::with_capacity(names.len());
        for (column, &s) in frame.columns().iter().zip(&sensitivities) {
            if s.kept() {
                columns.push(column.clone());
                continue;
            }
            if column.dtype() != &DataType::String {
                bail!(
                    "column `{}` is declared {s:?} but holds no text",
                    column.name()
                );
            }
            let values: Vec<Option<String>> = column
                .str()?
                .iter()
                .map(|v| v.map(|v| self.cell(s, None, v)))
                .collect();
            columns.push(Column::new(column.name().clone(), values));
        }
        Ok(DataFrame::new(frame.height(), columns)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_key(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer { key: key.to_vec() }
    }

    #[test]
    fn tokens_are_keyed_and_stable() {
        let a = with_key(b"0123456789abcdef");
        let b = with_key(b"0123456789abcdeF");
        let id = "530102201203150117";
        assert_eq!(a.token(id), a.token(id));
        assert_ne!(a.token(id), b.token(id));
        assert_eq!(a.token(id).len(), 33);
        assert!(!a.token(id).contains(id));
        assert_eq!(a.token(""), "");
        assert_eq!(a.token(&b.token(id)), b.token(id), "a token stays itself");
    }

    #[test]
    fn each_column_is_treated_as_it_declares() {
        use Sensitivity::*;
        let p = with_key(b"0123456789abcdef");
        let (a, b) = ("530102201203150117", "530111201609090157");
        assert_eq!(
            p.cell(Ids, None, &format!("{a};{b}")),
            format!("{};{}", p.token(a), p.token(b))
        );
        assert_eq!(p.cell(Ids, None, ""), "");
        assert_eq!(p.cell(Id, None, a), p.token(a));
        for s in [Name, FreeText] {
            assert_eq!(p.cell(s, None, "张伟"), "");
        }
        assert_eq!(p.cell(FieldValue, Some("sex"), "male"), "male");
        assert_eq!(p.cell(FieldValue, Some("id_owner"), "张伟 2012-03-15"), "");
        assert_eq!(p.cell(FieldValue, None, "张伟"), "");
        for s in [Code, Count, Date] {
            assert_eq!(p.cell(s, None, "530102"), "530102");
        }
    }

    #[test]
    fn short_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "short").unwrap();
        assert!(Pseudonymizer::load(&path).is_err());
    }
}
