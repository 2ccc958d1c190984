//! Pseudonymised runs (`--pseudonymize KEYFILE`), for analysts outside the data centre:
//! every identifier in every output — ID numbers, student numbers, household numbers,
//! record keys — is replaced by a keyed token (HMAC-SHA256 under the key, so the same
//! child has the same token in every run with the same key and ledgers still diff), and
//! every name and every raw value quoted from an input (rejects, warnings, conflicting
//! values other than sex, birth date and division) is dropped.
//!
//! It rewrites the staging directory's files before the run is swapped into place, column
//! by column, so no writer can forget it; a column it does not know is kept, and the test
//! of the whole run directory catches any that would leak.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use hmac::{Hmac, Mac};
use polars::prelude::{Column, DataFrame, DataType};
use sha2::Sha256;

use super::atomic::write_parquet;
use super::csv::{rewrite_csv, visit_files};
use crate::error::bad_input;
use crate::load::parquet::read_frame;

/// The shortest key accepted, in bytes.
const MIN_KEY_BYTES: usize = 16;

/// What becomes of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Treatment {
    Keep,
    Token,
    Drop,
    /// Conflicting values: kept for fields that identify no one, else dropped.
    ByField,
}

fn treatment(column: &str) -> Treatment {
    match column {
        "id_number" | "population_id" | "record_key" | "record_id" | "student_no"
        | "household_no" | "best_candidate" => Treatment::Token,
        "name" | "record_name" | "value" => Treatment::Drop,
        "population_value" | "register_value" => Treatment::ByField,
        _ => Treatment::Keep,
    }
}

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
    /// Reads the key file: its bytes as they are, at least 16 of them.
    pub fn load(path: &Path) -> anyhow::Result<Pseudonymizer> {
        let mut key = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut key))
            .map_err(|e| {
                bad_input(format!(
                    "--pseudonymize {}: cannot read the key: {e}",
                    path.display()
                ))
            })?;
        if key.len() < MIN_KEY_BYTES {
            return Err(bad_input(format!(
                "--pseudonymize {}: the key has {} bytes, fewer than {MIN_KEY_BYTES}; make one with `head -c 32 /dev/urandom > KEYFILE`",
                path.display(),
                key.len()
            )));
        }
        Ok(Pseudonymizer { key })
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
        format!("P{}", crate::text::hex(&digest[..16]))
    }

    /// Rewrites every CSV and Parquet file under `root` but those `done` names.
    pub fn apply(&self, root: &Path, done: &[&str]) -> anyhow::Result<()> {
        visit_files(root, &mut |dir, name| {
            if dir == root && done.contains(&name) {
                return Ok(());
            }
            self.apply_file(dir, name)
        })
    }

    /// Rewrites `dir/name` if it is a CSV or Parquet file.
    pub fn apply_file(&self, dir: &Path, name: &str) -> anyhow::Result<()> {
        let path = dir.join(name);
        if name.ends_with(".csv") {
            self.rewrite_csv(dir, name)
                .with_context(|| format!("pseudonymising {}", path.display()))?;
        } else if name.ends_with(".parquet") {
            self.rewrite_parquet(dir, name)
                .with_context(|| format!("pseudonymising {}", path.display()))?;
        }
        Ok(())
    }

    fn cell(&self, treatment: Treatment, field: Option<&str>, value: &str) -> String {
        match treatment {
            Treatment::Keep => value.to_string(),
            Treatment::Token => self.token(value),
            Treatment::Drop => String::new(),
            Treatment::ByField if field.is_some_and(|f| SHOWN_FIELDS.contains(&f)) => {
                value.to_string()
            }
            Treatment::ByField => String::new(),
        }
    }

    fn rewrite_csv(&self, dir: &Path, name: &str) -> anyhow::Result<()> {
        rewrite_csv(dir, name, &|h| h.to_string(), &|header, record| {
            let field = header
                .iter()
                .position(|h| h == "field")
                .and_then(|i| record.get(i));
            record
                .iter()
                .zip(header)
                .map(|(value, h)| self.cell(treatment(h), field, value))
                .collect()
        })
    }

    fn rewrite_parquet(&self, dir: &Path, name: &str) -> anyhow::Result<()> {
        let mut frame = read_frame(&dir.join(name))?;
        let names: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut columns: Vec<Column> = Vec::with_capacity(names.len());
        for column_name in &names {
            let column = frame.column(column_name)?;
            let t = treatment(column_name);
            if t == Treatment::Keep || column.dtype() != &DataType::String {
                columns.push(column.clone());
                continue;
            }
            let values: Vec<Option<String>> = column
                .str()?
                .iter()
                .map(|v| v.map(|v| self.cell(t, None, v)))
                .collect();
            columns.push(Column::new(column_name.as_str().into(), values));
        }
        frame = DataFrame::new(frame.height(), columns)?;
        write_parquet(dir, name, &frame)
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
    fn short_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "short").unwrap();
        assert!(Pseudonymizer::load(&path).is_err());
    }
}
