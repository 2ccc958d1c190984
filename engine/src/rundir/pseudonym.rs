//! Pseudonymised runs (`--pseudonymize KEYFILE`), for analysts outside the data centre:
//! every identifier in every output — ID numbers, student numbers, household numbers,
//! record keys — is replaced by a keyed token (HMAC-SHA256 under the key, so the same
//! child has the same token in every run with the same key and ledgers still diff), and
//! every name and every raw value quoted from an input (rejects, warnings, conflicting
//! values other than sex, birth date and division) is dropped.
//!
//! It rewrites the staging directory's files before the run is swapped into place, column
//! by column, so no writer can forget it. What becomes of a column is what the column
//! declares it holds (see `contents` and `table::Sensitivity`); a file or a column with no
//! declaration stops the run rather than be shared as it is.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use hmac::{Hmac, Mac};
use polars::prelude::{Column, DataFrame, DataType};
use sha2::Sha256;

use super::atomic::write_parquet;
use super::contents::{self, Content};
use super::csv::{read_header, rewrite_csv, visit_files};
use super::table::Sensitivity;
use crate::ground::error::bad_input;
use crate::pipeline::load::parquet::read_frame;

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

    /// Rewrites every file under `root` but those `done` names (paths inside `root`).
    pub fn apply(&self, root: &Path, done: &[&str]) -> anyhow::Result<()> {
        visit_files(root, &mut |dir, name| {
            let sub = dir.strip_prefix(root)?;
            let path = if sub.as_os_str().is_empty() {
                name.to_string()
            } else {
                format!("{}/{name}", sub.display())
            };
            if done.contains(&path.as_str()) {
                return Ok(());
            }
            self.apply_file(root, &path)
        })
    }

    /// Rewrites the file at `path` inside the run directory `root` as its declaration
    /// says: each column of a table by what it holds; nothing else is rewritten.
    pub fn apply_file(&self, root: &Path, path: &str) -> anyhow::Result<()> {
        let full = root.join(path);
        let content = contents::of(path).ok_or_else(|| {
            anyhow!(
                "pseudonymising {}: no declaration says what the file holds",
                full.display()
            )
        })?;
        match content {
            Content::Table { .. } if path.ends_with(".csv") => self.rewrite_csv(&full, &content),
            Content::Table { .. } if path.ends_with(".parquet") => {
                self.rewrite_parquet(&full, &content)
            }
            Content::Table { .. } => Err(anyhow!("a table neither CSV nor Parquet")),
            Content::MadeFromFinal | Content::Record => Ok(()),
            Content::Registers => Err(anyhow!("it holds the registers whole")),
        }
        .with_context(|| format!("pseudonymising {}", full.display()))
    }

    fn cell(&self, sensitivity: Sensitivity, field: Option<&str>, value: &str) -> String {
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

    fn rewrite_csv(&self, path: &Path, content: &Content) -> anyhow::Result<()> {
        let header = read_header(path)?;
        let sensitivities = declared(content, &header)?;
        let field = header.iter().position(|h| h == "field");
        let (dir, name) = split(path);
        rewrite_csv(dir, name, &|h| h.to_string(), &|_, record| {
            let field = field.and_then(|i| record.get(i));
            record
                .iter()
                .zip(&sensitivities)
                .map(|(value, &s)| self.cell(s, field, value))
                .collect()
        })
    }

    fn rewrite_parquet(&self, path: &Path, content: &Content) -> anyhow::Result<()> {
        let frame = read_frame(path)?;
        let names: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let sensitivities = declared(content, &names)?;
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
        let frame = DataFrame::new(frame.height(), columns)?;
        let (dir, name) = split(path);
        write_parquet(dir, name, &frame)
    }
}

/// What each of a table's columns holds, by its declaration; an undeclared column is an
/// error.
fn declared(content: &Content, header: &[String]) -> anyhow::Result<Vec<Sensitivity>> {
    header
        .iter()
        .enumerate()
        .map(|(at, name)| {
            content
                .sensitivity(at, name)
                .ok_or_else(|| anyhow!("column {} (`{name}`) is not declared", at + 1))
        })
        .collect()
}

/// A file's directory and name.
fn split(path: &Path) -> (&Path, &str) {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (dir, name)
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
