//! CSV extracts in UTF-8 (with or without BOM), GB18030/GBK or UTF-16: detected or
//! declared encoding, sniffed or declared delimiter, header mapping, and a reject for every
//! row that cannot be read — the wrong number of fields, a quote never closed, bytes not
//! valid in the encoding — with reading going on at the next row. Past the allowed share
//! of undecodable rows the encoding is taken to be wrong and the file refused.

use std::fs::File;
use std::io::{self, Read};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::encoding::{Encoding, decode_field};
use super::header::{Aliases, Header, HeaderSearch, record_columns};
use super::records::{Next, Splitter};
use super::rows::{RowKind, row_kind};
use super::table::{InputInfo, Table};
use super::text::{Fields, TextFile, TextOptions, decoded, open_text, record_fields};
use super::{ChunkSink, InputFile, SourceOptions};
use crate::ground::error::bad_input;
use crate::ground::progress::Progress;
use crate::ground::reject::Reject;
use crate::ground::schema::{Field, SourceKind};
use crate::ground::text::hex;

/// Hashes and counts the bytes that pass through it.
struct HashingReader<'a, R> {
    inner: R,
    hasher: &'a mut Sha256,
    bar: &'a ProgressBar,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Reads a CSV file in chunks of at most `chunk_rows` rows, handing each to `on_chunk` as
/// a [`Table`] (with the rows of that chunk that could not be read as rejects); at least
/// one chunk, possibly empty. `on_chunk` may hand back an emptied table to fill next, so
/// that its memory is reused. Returns what the manifest records of the file, with its
/// SHA-256.
pub fn read_csv_chunks(
    source: SourceKind,
    options: &SourceOptions,
    file: &InputFile,
    progress: &Progress,
    chunk_rows: usize,
    on_chunk: &mut ChunkSink,
) -> anyhow::Result<InputInfo> {
    let (path, name) = (&file.path, file.name.as_str());
    let opened = File::open(path).map_err(|e| bad_input(format!("{name}: cannot open: {e}")))?;
    let bytes = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress.bytes(bytes, source.key());
    let mut hasher = Sha256::new();
    let raw = HashingReader {
        inner: opened,
        hasher: &mut hasher,
        bar: &bar,
    };

    let TextFile {
        encoding,
        mut splitter,
    } = open_text(
        raw,
        &TextOptions {
            encoding: options.encoding,
            delimiter: options.delimiter,
            name,
            fix: &format!("set `encoding` in the [{source}] section of the config"),
        },
        |e| anyhow::Error::new(e).context(format!("reading {}", path.display())),
    )?;
    let read_error =
        |e: io::Error| anyhow::Error::new(e).context(format!("reading {}", path.display()));

    let found = find_header(&mut splitter, encoding, source, options, name);
    let Header {
        cells: headers,
        mapping,
        lines_above: above_header,
    } = found.map_err(|e| match e.downcast::<io::Error>() {
        Ok(io) => read_error(io),
        Err(e) => e,
    })?;
    splitter.expect_fields(headers.len());
    let fields: Vec<_> = mapping.iter().map(|&(f, _)| f).collect();

    let mut info = InputInfo {
        rows_above_header: above_header,
        source: source.key().to_string(),
        path: path.clone(),
        name: name.to_string(),
        line_base: file.line_base,
        format: "csv".into(),
        encoding: Some(encoding.key().into()),
        bytes,
        ..InputInfo::default()
    };
    record_columns(&mut info, source, &headers, &mapping);
    // Rows without a full ID number are looked at whole: they may be blank (bare
    // delimiters) or a total row.
    let id_column = mapping
        .iter()
        .find(|&&(f, _)| f == Field::IdNumber)
        .map(|&(_, i)| i);
    let cell_text = |bytes: &[u8]| match encoding {
        Encoding::Gb18030 => encoding.decode_lossy(bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    let new_chunk = |info: &InputInfo| Table::new(source, info.clone(), name.to_string(), &fields);
    let mut table = new_chunk(&info);
    let mut text = String::new();
    let mut ends: Vec<usize> = Vec::with_capacity(mapping.len());
    let (mut rows, mut undecodable) = (0u64, 0u64);
    loop {
        let next = splitter.next_record().map_err(read_error)?;
        if next == Next::End {
            break;
        }
        if table.rows_in() as usize >= chunk_rows {
            let full = std::mem::replace(&mut table, new_chunk(&info));
            if let Some(reused) = on_chunk(full)? {
                table = reused;
            }
        }
        let record = matches!(next, Next::Record { .. });
        if record && id_column.is_none_or(|i| i >= splitter.len() || splitter.field(i).len() < 15) {
            let cells: Vec<String> = (0..splitter.len())
                .map(|i| cell_text(splitter.field(i)))
                .collect();
            match row_kind(&cells) {
                RowKind::Blank => continue,
                RowKind::Total => {
                    info.total_rows += 1;
                    continue;
                }
                _ => {}
            }
        }
        rows += 1;
        let line = match next {
            Next::Record { line } => line,
            Next::Broken { line, reason } => {
                table
                    .rejects
                    .push(Reject::new(name, line, "", reason.reason(), ""));
                continue;
            }
            Next::End => unreachable!("handled above"),
        };
        if splitter.len() != headers.len() {
            let reason = format!(
                "expected {} fields, found {}",
                headers.len(),
                splitter.len()
            );
            table.rejects.push(Reject::new(name, line, "", reason, ""));
            continue;
        }
        let columns = mapping.iter().map(|&(_, i)| i);
        match record_fields(&splitter, encoding, columns, &mut text, &mut ends) {
            Fields::Plain(all) => {
                table.push_row(line, mapping.iter().map(|&(_, i)| &all[splitter.range(i)]));
            }
            Fields::Decoded => table.push_row(line, decoded(&text, &ends)),
            Fields::Undecodable(at) => {
                let (field, index) = mapping[at];
                undecodable += 1;
                let raw = String::from_utf8_lossy(splitter.field(index));
                let reason = format!("bytes that are not valid {} text", encoding.key());
                table
                    .rejects
                    .push(Reject::new(name, line, field.key(), reason, &raw));
            }
        }
    }
    if undecodable > options.max_undecodable.allowed(rows) {
        return Err(bad_input(format!(
            "{name}: {undecodable} of {rows} rows hold bytes that are not valid {} text (allowed: {}); is the encoding right? Set `encoding` in the [{source}] section of the config",
            encoding.key(),
            options.max_undecodable.allowed(rows)
        )));
    }
    on_chunk(table)?;
    drop(splitter);
    bar.finish_and_clear();
    info.sha256 = hex(&hasher.finalize());
    info.undecodable_rows = undecodable;
    Ok(info)
}

/// The header row: records are decoded and offered to a [`HeaderSearch`] until it finds
/// the header; a record that cannot be read or decoded is offered as its error.
fn find_header<R: Read>(
    splitter: &mut Splitter<R>,
    encoding: Encoding,
    source: SourceKind,
    options: &SourceOptions,
    name: &str,
) -> anyhow::Result<Header<Vec<(Field, usize)>>> {
    let mut search = HeaderSearch::new(name, Aliases { source, options });
    loop {
        let (line, cells) = match splitter.next_record()? {
            Next::End => return Err(search.end()),
            Next::Broken { line, reason } => (
                line,
                Err(bad_input(format!(
                    "{name}: line {line}: the header row cannot be read: {}",
                    reason.reason()
                ))),
            ),
            Next::Record { line } => {
                let mut headers = Vec::with_capacity(splitter.len());
                let mut readable = true;
                for i in 0..splitter.len() {
                    let mut text = String::new();
                    readable &= decode_field(encoding, splitter.field(i), &mut text);
                    headers.push(text);
                }
                let cells = if readable {
                    Ok(headers)
                } else {
                    Err(bad_input(format!(
                        "{name}: line {line}: the header row is not valid {} text; set `encoding` in the [{source}] section of the config",
                        encoding.key()
                    )))
                };
                (line, cells)
            }
        };
        if let Some(header) = search.offer(line, cells)? {
            return Ok(header);
        }
    }
}
