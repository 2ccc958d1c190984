//! The writer every table of a run directory goes through. Each table is made final as it
//! is written: pseudonymised when asked (`--pseudonymize`: each column as its declaration
//! in `contents` says) and, for CSV, in the run's language (`--lang`). Nothing is
//! rewritten after it is written, and a workbook is made from the rows its CSV file got.
//!
//! Before the run is put in place, [`Writer::close`] refuses a pseudonymised
//! run holding a file with no declaration, or a table not written here, so that a new
//! output cannot leak by going round the writer.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, anyhow};
use polars::prelude::DataFrame;

use super::atomic::{create_subdir, write_atomic, write_parquet_batches};
use super::csv::{escaped, visit_files, write_csv};
use super::pseudonym::Pseudonymizer;
use super::table::{Content, Kind, Sensitivity};
use super::{xlsx, xlsx_stream};
use crate::ground::schema::files;
use crate::ground::vocab::{Lang, column};
use crate::pipeline::normalize::date::Date;

/// A run directory being written.
pub struct Writer<'a> {
    root: &'a Path,
    pseudonymizer: Option<&'a Pseudonymizer>,
    lang: Lang,
    /// What the file at a path inside the run directory holds, if sanku writes it.
    declarations: fn(&str) -> Option<Content>,
    /// The tables written, by their paths inside the run directory.
    written: Mutex<BTreeSet<String>>,
}

/// The proof that a run directory's writer checked its files: a run is put in place only
/// with it.
#[must_use]
pub struct Closed(());

/// A workbook made from a CSV table's final rows.
pub struct Workbook<'a> {
    pub name: &'a str,
    /// The sheet's name in English and in Chinese.
    pub sheet: (&'a str, &'a str),
    /// The workbook's creation date, so that the same run writes the same bytes.
    pub created: Date,
    /// How each column's cells are written (see [`super::table::kinds`]).
    pub kinds: Vec<Kind>,
    /// Written in the pass that writes its CSV file, each row compressed as it comes and
    /// only the compressed rows held (strings inline, not shared): for a sheet of many
    /// rows.
    pub streamed: bool,
}

/// What becomes of each column of a table as it is written.
struct Treatment {
    /// Each column's declared sensitivity, when pseudonymising.
    sensitivities: Option<Vec<Sensitivity>>,
    /// The position of the `field` column, whose value says what a `FieldValue` holds.
    field: Option<usize>,
}

impl<'a> Writer<'a> {
    /// A writer of the run directory `root` whose files hold what `declarations` says.
    pub fn new(
        root: &'a Path,
        pseudonymizer: Option<&'a Pseudonymizer>,
        lang: Lang,
        declarations: fn(&str) -> Option<Content>,
    ) -> Self {
        Writer {
            root,
            pseudonymizer,
            lang,
            declarations,
            written: Mutex::new(BTreeSet::new()),
        }
    }

    /// Writes the file at `path` that is not a table (summary.json, report.html) through
    /// `write`, noting it.
    pub fn file(
        &self,
        path: &str,
        write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.note(path);
        let (dir, name) = self.place(path);
        write_atomic(&dir, name, write)?;
        Ok(())
    }

    /// Creates the subdirectory `name` of the run.
    pub fn subdir(&self, name: &str) -> anyhow::Result<()> {
        create_subdir(&self.root.join(name))
    }

    /// Writes the CSV table at `path` inside the run directory: header, then rows.
    pub fn csv<I>(&self, path: &str, header: &[&str], rows: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = Vec<String>>,
    {
        let treatment = self.treatment(path, header)?;
        let (dir, name) = self.place(path);
        let english = header;
        let header = self.header(english);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let rows = rows
            .into_iter()
            .map(|row| self.row(&treatment, english, row));
        write_csv(&dir, name, &header, rows)
    }

    /// Writes the CSV table at `path` and `book` from the same final rows. `rows` gives
    /// them once for each file, so that neither the rows nor the cells are ever all held
    /// here (the workbook's writer holds its own): it must give the same rows each time
    /// (a workbook given another count of rows is an error).
    pub fn csv_and_workbook<I: Iterator<Item = Vec<String>>>(
        &self,
        path: &str,
        header: &[&str],
        rows: impl Fn() -> I,
        book: &Workbook,
    ) -> anyhow::Result<()> {
        let treatment = self.treatment(path, header)?;
        let (dir, name) = self.place(path);
        let english = header;
        let header = self.header(english);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        if book.streamed {
            let place = (dir.as_path(), name);
            let table = (&treatment, english, header.as_slice());
            return self.csv_and_streamed_workbook(place, table, rows(), book);
        }
        let mut len = 0;
        let csv_rows = rows().map(|row| {
            len += 1;
            self.row(&treatment, english, row)
        });
        write_csv(&dir, name, &header, csv_rows)?;
        self.note(book.name);
        // The workbook holds each cell as the CSV file does, escaped.
        let cells = rows().map(|row| {
            self.row(&treatment, english, row)
                .into_iter()
                .map(escaped)
                .collect()
        });
        xlsx::write_workbook(
            &dir,
            book.name,
            self.sheet_name(book),
            book.created,
            &header,
            (cells, len),
            &book.kinds,
        )
    }

    /// Writes the CSV table `name` in `dir` and its workbook `book` in one pass over
    /// `rows`, each row's final cells going to both.
    fn csv_and_streamed_workbook(
        &self,
        (dir, name): (&Path, &str),
        (treatment, english, header): (&Treatment, &[&str], &[&str]),
        rows: impl Iterator<Item = Vec<String>>,
        book: &Workbook,
    ) -> anyhow::Result<()> {
        let mut sheet = xlsx_stream::StreamedBook::new(header, &book.kinds)?;
        let mut failed = None;
        let csv_rows = rows.map(|row| {
            let row: Vec<String> = self
                .row(treatment, english, row)
                .into_iter()
                .map(escaped)
                .collect();
            if failed.is_none()
                && let Err(e) = sheet.push(row.iter().map(String::as_str))
            {
                failed = Some(e);
            }
            row
        });
        write_csv(dir, name, header, csv_rows)?;
        if let Some(e) = failed {
            return Err(anyhow!("writing {}: {e}", dir.join(book.name).display()));
        }
        self.note(book.name);
        sheet.finish(dir, book.name, self.sheet_name(book), book.created)
    }

    /// The workbook's sheet's name in the run's language.
    fn sheet_name<'b>(&self, book: &Workbook<'b>) -> &'b str {
        match self.lang {
            Lang::En => book.sheet.0,
            Lang::Zh => book.sheet.1,
        }
    }

    /// Writes `frame` as the Parquet table at `path`.
    pub fn parquet(&self, path: &str, frame: &DataFrame) -> anyhow::Result<()> {
        self.parquet_batches(path, frame.height(), |rows| {
            Ok(frame.slice(rows.start as i64, rows.len()))
        })
    }

    /// Writes `rows` rows as the Parquet table at `path`, a batch at a time (see
    /// [`write_parquet_batches`]). Parquet files stay in English.
    pub fn parquet_batches(
        &self,
        path: &str,
        rows: usize,
        batch: impl Fn(Range<usize>) -> anyhow::Result<DataFrame>,
    ) -> anyhow::Result<()> {
        self.note(path);
        let content = self.content(path)?;
        let (dir, name) = self.place(path);
        write_parquet_batches(&dir, name, rows, |range| {
            let frame = batch(range)?;
            match (self.pseudonymizer, &content) {
                (Some(p), Some(content)) => p
                    .frame(frame, content)
                    .with_context(|| format!("pseudonymising {}", self.root.join(path).display())),
                _ => Ok(frame),
            }
        })
    }

    /// Ends the writing: refuses a pseudonymised run holding a file that no declaration
    /// says what it holds, the registers whole, or a file but the manifest not written
    /// through this writer.
    pub fn close(self) -> anyhow::Result<Closed> {
        if self.pseudonymizer.is_none() {
            return Ok(Closed(()));
        }
        let written = self.written.lock().expect("not poisoned");
        visit_files(self.root, &mut |dir, name| {
            let path = self.inside(dir, name)?;
            let full = dir.join(name);
            match (self.declarations)(&path) {
                None => Err(anyhow!("no declaration says what the file holds")),
                Some(Content::Registers) => Err(anyhow!("it holds the registers whole")),
                Some(_) if path != files::MANIFEST_JSON && !written.contains(&path) => {
                    Err(anyhow!("a file written around the pseudonymiser"))
                }
                Some(_) => Ok(()),
            }
            .with_context(|| format!("pseudonymising {}", full.display()))
        })?;
        Ok(Closed(()))
    }

    /// The path of `dir/name` inside the run directory.
    fn inside(&self, dir: &Path, name: &str) -> anyhow::Result<String> {
        let sub = dir.strip_prefix(self.root)?;
        Ok(if sub.as_os_str().is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", sub.display())
        })
    }

    /// Notes that the table at `path` is written here.
    fn note(&self, path: &str) {
        self.written
            .lock()
            .expect("not poisoned")
            .insert(path.to_string());
    }

    /// What the table at `path` holds; when pseudonymising, a table not declared is an
    /// error.
    fn content(&self, path: &str) -> anyhow::Result<Option<Content>> {
        if self.pseudonymizer.is_none() {
            return Ok(None);
        }
        (self.declarations)(path).map(Some).ok_or_else(|| {
            anyhow!(
                "pseudonymising {}: no declaration says what the file holds",
                self.root.join(path).display()
            )
        })
    }

    fn treatment(&self, path: &str, header: &[&str]) -> anyhow::Result<Treatment> {
        self.note(path);
        let sensitivities =
            match self.content(path)? {
                Some(content) => Some(content.sensitivities(header).with_context(|| {
                    format!("pseudonymising {}", self.root.join(path).display())
                })?),
                None => None,
            };
        Ok(Treatment {
            sensitivities,
            field: header.iter().position(|h| *h == "field"),
        })
    }

    /// The directory and the name of the file at `path`.
    fn place<'p>(&self, path: &'p str) -> (PathBuf, &'p str) {
        match path.rsplit_once('/') {
            Some((sub, name)) => (self.root.join(sub), name),
            None => (self.root.to_path_buf(), path),
        }
    }

    /// The header in the run's language.
    fn header(&self, header: &[&str]) -> Vec<String> {
        header
            .iter()
            .map(|h| column(h, self.lang).to_string())
            .collect()
    }

    /// A row made final: pseudonymised, then in the run's language (`header` in English).
    fn row(&self, treatment: &Treatment, header: &[&str], row: Vec<String>) -> Vec<String> {
        debug_assert_eq!(row.len(), header.len(), "a row as wide as its header");
        let row = match (self.pseudonymizer, &treatment.sensitivities) {
            (Some(p), Some(sensitivities)) => {
                let field = treatment.field.and_then(|i| row.get(i)).map(String::as_str);
                row.iter()
                    .zip(sensitivities)
                    .map(|(value, &s)| p.cell(s, field, value))
                    .collect()
            }
            _ => row,
        };
        if self.lang == Lang::En {
            return row;
        }
        row.into_iter()
            .zip(header)
            .map(|(value, h)| crate::ground::vocab::cell(h, &value, self.lang))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rundir::contents;

    /// A pseudonymised writer of `dir` under a fixed key, and the key.
    fn pseudonymizer(dir: &Path) -> Pseudonymizer {
        let key = dir.join("key");
        std::fs::write(&key, [7u8; 32]).unwrap();
        let p = Pseudonymizer::load(&key).unwrap();
        std::fs::remove_file(key).unwrap();
        p
    }

    #[test]
    fn a_table_is_pseudonymised_and_translated_as_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = pseudonymizer(dir.path());
        let out = Writer::new(dir.path(), Some(&p), Lang::Zh, contents::of);
        let header = ["file", "line", "field", "reason", "value"];
        let rows = [
            [
                "pop.csv",
                "3",
                "id_number",
                "bad_check_digit",
                "530102201203150117",
            ],
            ["pop.csv", "4", "sex", "unknown_sex", "male"],
        ];
        out.csv(
            files::REJECTS_CSV,
            &header,
            rows.iter().map(|r| r.map(String::from).to_vec()),
        )
        .unwrap();
        let _closed = out.close().unwrap();
        let text = std::fs::read_to_string(dir.path().join(files::REJECTS_CSV)).unwrap();
        assert!(!text.contains("530102201203150117"), "{text}");
        assert!(!text.contains("file,line"), "the header in Chinese: {text}");
        // The quoted value dropped, the codes kept.
        assert_eq!(
            text.lines().nth(1),
            Some("pop.csv,3,id_number,bad_check_digit,"),
            "{text}"
        );
    }

    #[test]
    fn a_pseudonymised_run_refuses_a_file_written_around_the_writer() {
        let parquet = |dir: &Path| {
            let frame = polars::df!("id_number" => ["530102201203150117"]).unwrap();
            crate::rundir::atomic::write_parquet(dir, files::LEDGER_PARQUET, &frame).unwrap();
        };
        type Plant<'a> = &'a dyn Fn(&Path);
        let cases: [(&str, Plant); 3] = [
            ("no declaration", &|dir| {
                std::fs::write(dir.join("notes.csv"), "a\n").unwrap()
            }),
            ("written around", &parquet),
            ("registers whole", &|dir| {
                std::fs::write(dir.join(files::RESCORE_STATE), "x").unwrap()
            }),
        ];
        for (why, plant) in cases {
            let dir = tempfile::tempdir().unwrap();
            let p = pseudonymizer(dir.path());
            let out = Writer::new(dir.path(), Some(&p), Lang::En, contents::of);
            out.file(files::SUMMARY_JSON, |w| {
                Ok(std::io::Write::write_all(w, b"{}")?)
            })
            .unwrap();
            plant(dir.path());
            let error = format!("{:#}", out.close().err().expect(why));
            assert!(error.contains(why), "{why}: {error}");
            // Without a key there is nothing to check.
            let out = Writer::new(dir.path(), None, Lang::En, contents::of);
            assert!(out.close().is_ok());
        }
    }
}
