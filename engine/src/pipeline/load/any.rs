//! Any table, for `sanku link`: a CSV file (UTF-8 with or without BOM, GB18030/GBK or
//! UTF-16; comma or tab), a workbook sheet or a Parquet file, read whole into the columns a link config
//! names. The header is the first of the first twenty rows that are not blank to hold
//! every column asked for (titles and notes above it are skipped); columns are found by
//! their header, ignoring case, spaces, full-width forms and notes in brackets. A row with the
//! wrong number of fields, a quote never closed or bytes not valid in the encoding is a
//! reject naming its line; reading goes on.

use std::fs::File;
use std::path::Path;

use super::encoding::Encoding;
use super::excel::{cell_text, format_of, is_workbook, open_sheet};
use super::header::{Header, HeaderSearch, Named};
use super::records::Next;
use super::rows::{RowKind, row_kind};
use super::table::{InputInfo, TextColumn};
use super::text::{Fields, TextFile, TextOptions, decoded, open_text, record_fields};
use super::{InputFile, hash_file, is_parquet};
use crate::ground::error::bad_input;
use crate::ground::reject::Reject;

/// How to read a file; unset means detected.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnyOptions {
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
}

/// The asked-for columns of one file, as text, trimmed.
#[derive(Debug)]
pub struct AnyTable {
    pub info: InputInfo,
    /// The asked-for columns, in the order asked.
    pub columns: Vec<TextColumn>,
    /// Each kept row's line number (the sheet's row number in a workbook).
    pub lines: Vec<u64>,
    pub rejects: Vec<Reject>,
}

impl AnyTable {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The text of column `c` (an index into the asked-for columns) in `row`.
    pub fn value(&self, row: usize, c: usize) -> &str {
        self.columns[c].get(row)
    }
}

/// Reads `path` (shown as `name`), keeping the columns headed `wanted`. A wanted column
/// the header lacks is bad input naming the file, the column and the headers found.
pub fn read_any(
    path: &Path,
    name: &str,
    wanted: &[String],
    options: &AnyOptions,
) -> anyhow::Result<AnyTable> {
    let file = InputFile {
        path: path.to_path_buf(),
        name: name.to_string(),
        line_base: 0,
    };
    let (bytes, sha256) = hash_file(&file)?;
    let info = InputInfo {
        source: name.to_string(),
        path: path.to_path_buf(),
        name: name.to_string(),
        bytes,
        sha256,
        ..InputInfo::default()
    };
    let mut reader = Reader {
        name,
        wanted,
        info,
        picks: Vec::new(),
        header: None,
        table: None,
        search: HeaderSearch::new(name, Named { wanted }),
    };
    if is_workbook(path) {
        read_workbook(path, options, &mut reader)?;
    } else if is_parquet(path) {
        read_parquet(path, &mut reader)?;
    } else {
        read_csv(path, options, &mut reader)?;
    }
    reader.finish()
}

/// Fills a table row by row once the header is known.
struct Reader<'a> {
    name: &'a str,
    wanted: &'a [String],
    info: InputInfo,
    /// The column of each wanted header.
    picks: Vec<usize>,
    /// The header's width.
    header: Option<usize>,
    table: Option<AnyTable>,
    /// The header, looked for among the first rows (titles and notes above it skipped).
    search: HeaderSearch<'a, Named<'a>>,
}

impl Reader<'_> {
    /// Offers one decoded row: the header if none was seen yet, else data.
    fn offer<S: AsRef<str>>(&mut self, line: u64, cells: &[S]) -> anyhow::Result<()> {
        if row_kind(cells) == RowKind::Blank {
            return Ok(());
        }
        self.offer_record(line, cells)
    }

    /// Offers one row that is a record even when its cells are empty (a Parquet row).
    fn offer_record<S: AsRef<str>>(&mut self, line: u64, cells: &[S]) -> anyhow::Result<()> {
        let Some(width) = self.header else {
            let cells = cells.iter().map(|c| c.as_ref().to_string()).collect();
            if let Some(header) = self.search.offer(line, Ok(cells))? {
                self.set_header(header);
            }
            return Ok(());
        };
        let table = self.table.as_mut().expect("set with the header");
        if cells.len() != width && !is_workbook(&self.info.path) {
            let reason = format!("expected {width} fields, found {}", cells.len());
            table
                .rejects
                .push(Reject::new(self.name, line, "", reason, ""));
            return Ok(());
        }
        for (column, &i) in table.columns.iter_mut().zip(&self.picks) {
            column.push(cells.get(i).map_or("", |c| c.as_ref().trim()));
        }
        table.lines.push(line);
        self.info.rows_read += 1;
        Ok(())
    }

    fn set_header(&mut self, header: Header<Vec<usize>>) {
        let Header {
            cells,
            mapping,
            lines_above,
        } = header;
        for (want, &i) in self.wanted.iter().zip(&mapping) {
            self.info
                .columns
                .insert(want.clone(), cells[i].trim().to_string());
        }
        self.picks = mapping;
        self.info.rows_above_header = lines_above;
        self.header = Some(cells.len());
        self.table = Some(AnyTable {
            info: InputInfo::default(),
            columns: vec![TextColumn::default(); self.wanted.len()],
            lines: Vec::new(),
            rejects: Vec::new(),
        });
    }

    fn reject(&mut self, line: u64, reason: String) -> anyhow::Result<()> {
        match self.table.as_mut() {
            Some(table) => {
                table
                    .rejects
                    .push(Reject::new(self.name, line, "", reason, ""));
                Ok(())
            }
            None => {
                let unreadable = bad_input(format!(
                    "{}: line {line}: the header row cannot be read: {reason}",
                    self.name
                ));
                self.search.offer(line, Err(unreadable)).map(|_| ())
            }
        }
    }

    fn finish(mut self) -> anyhow::Result<AnyTable> {
        let Some(mut table) = self.table else {
            return Err(self.search.end());
        };
        table.info = self.info;
        table.info.rows_read += table.rejects.len() as u64;
        Ok(table)
    }
}

fn read_csv(path: &Path, options: &AnyOptions, reader: &mut Reader) -> anyhow::Result<()> {
    let name = reader.name;
    let opened = File::open(path).map_err(|e| bad_input(format!("{name}: cannot open: {e}")))?;
    let TextFile {
        encoding,
        mut splitter,
        ..
    } = open_text(
        opened,
        &TextOptions {
            encoding: options.encoding,
            delimiter: options.delimiter,
            name,
            fix: "set `encoding` for this file in the link config",
        },
        |e| bad_input(format!("{name}: cannot read: {e}")),
    )?;
    reader.info.format = "csv".into();
    reader.info.encoding = Some(encoding.key().into());
    let (mut text, mut ends) = (String::new(), Vec::new());
    loop {
        let next = splitter
            .next_record()
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let line = match next {
            Next::End => return Ok(()),
            Next::Broken { line, reason } => {
                reader.reject(line, reason.reason().to_string())?;
                continue;
            }
            Next::Record { line } => line,
        };
        let columns = 0..splitter.len();
        let had_header = reader.header.is_some();
        match record_fields(&splitter, encoding, columns.clone(), &mut text, &mut ends) {
            Fields::Plain(all) => {
                let fields: Vec<&str> = columns.map(|i| &all[splitter.range(i)]).collect();
                reader.offer(line, &fields)?;
            }
            Fields::Decoded => {
                let fields: Vec<&str> = decoded(&text, &ends).collect();
                reader.offer(line, &fields)?;
            }
            Fields::Undecodable(_) => {
                // Counted among the rows once there is a table (a title line is not a row).
                reader.info.undecodable_rows += u64::from(reader.table.is_some());
                let reason = format!("bytes that are not valid {} text", encoding.key());
                reader.reject(line, reason)?;
            }
        }
        // Once the header is known, a quoted field may span lines only in a record of the
        // header's width, as in a register: a stray quote costs one line, not the next 63.
        if let (false, Some(width)) = (had_header, reader.header) {
            splitter.expect_fields(width);
        }
    }
}

fn read_workbook(path: &Path, options: &AnyOptions, reader: &mut Reader) -> anyhow::Result<()> {
    let (range, sheet) = open_sheet(
        path,
        reader.name,
        options.sheet.as_deref(),
        "the link config",
    )?;
    reader.info.format = format_of(path);
    reader.info.sheet = Some(sheet);
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row));
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        reader.offer(first_row + i as u64 + 1, &cells)?;
    }
    Ok(())
}

/// A Parquet file: its column names are the header (offered as line 1), each row's cells
/// the text of its values in the columns the config names (a missing value empty; the
/// other columns, of whatever type, are not read), rows numbered from 1. Every row is a
/// record, even one whose named columns are all empty: a CSV row is blank only when all
/// its cells are, which a Parquet row read by its named columns cannot tell.
fn read_parquet(path: &Path, reader: &mut Reader) -> anyhow::Result<()> {
    let header = super::parquet::column_names(path, reader.name)?;
    reader.info.format = "parquet".into();
    reader.offer(1, &header)?;
    let picks = reader.picks.clone();
    let names: Vec<&str> = picks.iter().map(|&i| header[i].as_str()).collect();
    let mut cells = vec![String::new(); header.len()];
    for (i, row) in super::parquet::read_text_rows(path, &names)?
        .into_iter()
        .enumerate()
    {
        for (&at, value) in picks.iter().zip(row) {
            cells[at] = value;
        }
        reader.offer_record(i as u64 + 1, &cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], wanted: &[&str]) -> anyhow::Result<AnyTable> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("left.csv");
        std::fs::write(&path, bytes).unwrap();
        let wanted: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
        read_any(&path, "left.csv", &wanted, &AnyOptions::default())
    }

    #[test]
    fn columns_are_found_by_header_and_cells_trimmed() {
        let table = read(
            b"\n rec_id, Given Name, surname\nr1, ann , lee\nr2,bo,\n",
            &["surname", "rec_id", "given_name"],
        );
        // "given_name" is not "Given Name" folded ("givenname"): named exactly as in the file.
        let err = table.unwrap_err().to_string();
        assert!(err.contains("`given_name`"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let table = read(
            b"\n rec_id, Given Name, surname\nr1, ann , lee\nr2,bo,\n",
            &["surname", "rec_id", "given name"],
        )
        .unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.value(0, 0), "lee");
        assert_eq!(table.value(0, 2), "ann");
        assert_eq!(table.value(1, 0), "");
        assert_eq!(table.lines, vec![3, 4]);
        assert_eq!(table.info.rows_above_header, 1);
    }

    #[test]
    fn gbk_text_is_decoded_and_a_short_row_is_a_reject() {
        let (bytes, _, _) = encoding_rs::GBK.encode("编号,姓名\n1,张三\n2\n3,李四\n");
        let table = read(&bytes, &["姓名"]).unwrap();
        assert_eq!(table.info.encoding.as_deref(), Some("gb18030"));
        assert_eq!(table.len(), 2);
        assert_eq!(table.value(1, 0), "李四");
        assert_eq!(table.rejects.len(), 1);
        assert_eq!(table.rejects[0].line, 3);
        assert_eq!(table.info.rows_read, 3);
    }

    #[test]
    fn a_title_that_cannot_be_read_is_passed_over_as_the_registers_do() {
        // A title line with a quote never closed, then the header: the header search goes
        // on past it, as it does in a register.
        let table = read(b"\"2026 list\n\nid,name\n1,ann\n", &["name"]).unwrap();
        assert_eq!(table.info.rows_above_header, 2);
        assert_eq!(table.value(0, 0), "ann");
        let none = read(b"x,y\n1,2\n", &["name"]).unwrap_err().to_string();
        assert!(none.contains("line 1: no column headed `name`"), "{none}");
    }

    #[test]
    fn a_file_without_a_header_shows_no_id_or_name_in_the_error() {
        let err = read(
            b"530111201203050117,\xe5\xbc\xa0\xe4\xbc\x9f,2012-03-05\n",
            &["name"],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no column headed `name`"), "{err}");
        assert!(
            !err.contains("530111201203050117") && !err.contains("张伟"),
            "{err}"
        );
    }

    #[test]
    fn a_stray_quote_costs_one_line_once_the_header_is_known() {
        let table = read(b"id,name\n1,\"ann\n2,bo\n3,cy\n", &["id", "name"]).unwrap();
        assert_eq!(table.rejects.len(), 1, "{:?}", table.rejects);
        assert_eq!(table.rejects[0].line, 2);
        assert_eq!(table.lines, vec![3, 4]);
        assert_eq!(table.value(1, 1), "cy");
    }

    #[test]
    fn a_parquet_row_is_a_record_even_with_its_named_columns_empty() {
        use polars::prelude::{Column, DataFrame, ParquetWriter};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("right.parquet");
        let mut frame = DataFrame::new(
            3,
            vec![
                Column::new("id".into(), [Some("r1"), None, Some("r3")]),
                Column::new("name".into(), [Some("ann"), None, Some("cy")]),
                Column::new("note".into(), ["a", "b", "c"]),
            ],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut frame)
            .unwrap();
        let wanted = vec!["id".to_string(), "name".to_string()];
        let table = read_any(&path, "right.parquet", &wanted, &AnyOptions::default()).unwrap();
        assert_eq!(table.lines, vec![1, 2, 3]);
        assert_eq!((table.value(1, 0), table.value(2, 1)), ("", "cy"));
        assert_eq!(table.info.format, "parquet");
    }
}
