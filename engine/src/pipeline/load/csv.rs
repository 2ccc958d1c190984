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
use memchr::{memchr, memchr_iter, memchr2};
use rayon::prelude::*;

use super::blocks::{Block, Blocks};
use super::records::{Broken, Next, Splitter};
use super::rows::{RowKind, row_kind};
use super::table::{InputInfo, Table};
use super::text::{Fields, TextFile, TextOptions, decoded, open_text, record_fields};
use super::{ChunkWork, InputFile, Mapped, SourceOptions};
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

/// Bytes of text a block holds (about): small enough that a block's table stays in a
/// core's cache while it is normalised, large enough that handing blocks round costs
/// nothing.
pub const BLOCK_BYTES: usize = 2 << 20;
/// Blocks read and normalised at once, one batch after another.
const BATCH_BLOCKS: usize = 16;

/// What the reader knows of a file once its header is found: all a block needs.
struct Layout<'a> {
    source: SourceKind,
    name: &'a str,
    encoding: Encoding,
    delimiter: u8,
    info: InputInfo,
    headers: usize,
    mapping: Vec<(Field, usize)>,
    fields: Vec<Field>,
    /// Rows without a full ID number are looked at whole: they may be blank (bare
    /// delimiters) or a total row.
    id_column: Option<usize>,
    /// Tables done with, emptied, kept for the next blocks with their memory.
    spare: std::sync::Mutex<Vec<Table>>,
}

impl Layout<'_> {
    fn spare_table(&self) -> Table {
        let spare = self
            .spare
            .lock()
            .expect("no thread panics holding it")
            .pop();
        spare.unwrap_or_else(|| {
            let (info, name) = (self.info.clone(), self.name.to_string());
            Table::new(self.source, info, name, &self.fields)
        })
    }

    fn give_back(&self, mut table: Table) {
        table.clear();
        self.spare
            .lock()
            .expect("no thread panics holding it")
            .push(table);
    }
}

/// One block read: its rows handed to `map`, and what the file's accounting needs.
struct BlockRead<P> {
    part: P,
    block: Block,
    ran_out: bool,
    rows_in: u64,
    last_line: u64,
    /// Rows read as data, and of them those holding bytes not valid in the encoding.
    rows: u64,
    undecodable: u64,
    total_rows: u64,
}

/// Reads a CSV file in blocks of about [`BLOCK_BYTES`] and at most `chunk_rows` lines:
/// the header is found on this thread, then one thread reads the text ahead (hashing it)
/// while every core splits, decodes and `map`s a batch of blocks at once. The results
/// reach `reduce` in the file's order. Returns what the manifest records of the file,
/// with its SHA-256.
pub fn read_csv_chunks<P: Send>(
    source: SourceKind,
    options: &SourceOptions,
    file: &InputFile,
    progress: &Progress,
    chunk_rows: usize,
    work: ChunkWork<P>,
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
        delimiter,
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
    let layout = Layout {
        source,
        name,
        encoding,
        delimiter,
        info: info.clone(),
        headers: headers.len(),
        fields: mapping.iter().map(|&(f, _)| f).collect(),
        id_column: mapping
            .iter()
            .find(|&&(f, _)| f == Field::IdNumber)
            .map(|&(_, i)| i),
        mapping,
        spare: Default::default(),
    };
    let (text, rest, line, eof) = splitter.into_rest();
    let mut blocks = Blocks::new(text, rest, line, eof, BLOCK_BYTES, chunk_rows);
    let (rows, undecodable) = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Block>(BATCH_BLOCKS);
        let (give_back, take_back) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = scope.spawn(move || -> io::Result<()> {
            while let Some(block) = blocks.next_block()? {
                if send.send(block).is_err() {
                    break;
                }
                while let Ok(buffer) = take_back.try_recv() {
                    blocks.give_back(buffer);
                }
            }
            Ok(())
        });
        // Dropping the receiver (on an error) stops the reader at its next block.
        let read = read_blocks(receive, &layout, work, &give_back, &mut info);
        drop(give_back);
        let text = reader.join().expect("the reader thread does not panic");
        let read = read?;
        text.map_err(read_error)?;
        Ok::<_, anyhow::Error>(read)
    })?;
    if undecodable > options.max_undecodable.allowed(rows) {
        return Err(bad_input(format!(
            "{name}: {undecodable} of {rows} rows hold bytes that are not valid {} text (allowed: {}); is the encoding right? Set `encoding` in the [{source}] section of the config",
            encoding.key(),
            options.max_undecodable.allowed(rows)
        )));
    }
    bar.finish_and_clear();
    info.sha256 = hex(&hasher.finalize());
    info.undecodable_rows = undecodable;
    Ok(info)
}

/// Reads the blocks `receive` gives, a batch at a time on every core, and hands their
/// results on in order. A block that ran out inside a quoted field is read again joined
/// to the blocks after it, until its quote closes or the text ends. Returns the rows read
/// as data and those undecodable.
fn read_blocks<P: Send>(
    receive: std::sync::mpsc::Receiver<Block>,
    layout: &Layout,
    work: ChunkWork<P>,
    give_back: &std::sync::mpsc::Sender<Vec<u8>>,
    info: &mut InputInfo,
) -> anyhow::Result<(u64, u64)> {
    let ChunkWork { map, reduce } = work;
    let (mut rows, mut undecodable) = (0, 0);
    loop {
        let batch: Vec<Block> = receive.iter().take(BATCH_BLOCKS).collect();
        if batch.is_empty() {
            return Ok((rows, undecodable));
        }
        let read: Vec<BlockRead<P>> = batch
            .into_par_iter()
            .map(|block| read_block(block, layout, map))
            .collect();
        let mut read = std::collections::VecDeque::from(read);
        while let Some(mut done) = read.pop_front() {
            while done.ran_out && !done.block.last {
                let next = match read.pop_front() {
                    Some(next) => next.block,
                    None => match receive.recv() {
                        Ok(next) => next,
                        Err(_) => break,
                    },
                };
                if next.too_long {
                    read.push_front(read_block(next, layout, map));
                    break;
                }
                let mut joined = done.block;
                joined.bytes.extend_from_slice(&next.bytes);
                joined.last = next.last;
                let _ = give_back.send(next.bytes);
                done = read_block(joined, layout, map);
            }
            rows += done.rows;
            undecodable += done.undecodable;
            info.total_rows += done.total_rows;
            let _ = give_back.send(done.block.bytes);
            reduce(Mapped {
                part: done.part,
                rows_in: done.rows_in,
                last_line: done.last_line,
            })?;
        }
    }
}

/// The counts of one block's reading, beside its table.
#[derive(Default)]
struct Counts {
    rows: u64,
    undecodable: u64,
    total_rows: u64,
}

/// Splits and decodes one block into a table, and maps it. Text that is valid UTF-8 once
/// decoded is read line by line, its values left where they lie, up to the first line
/// holding a quote or a lone CR; from there, and for text holding bytes not valid in its
/// encoding, records are split and decoded one by one and their values copied.
fn read_block<P>(
    mut block: Block,
    layout: &Layout,
    map: &(dyn Fn(&Table) -> P + Sync),
) -> BlockRead<P> {
    let mut counts = Counts::default();
    let name = layout.name;
    let mut table = layout.spare_table();
    let mut own_length = None;
    let ran_out = match utf8_text(&mut block, layout.encoding, table.take_text()) {
        Ok((text, own)) => {
            if own {
                own_length = Some(text.len());
            }
            let rest = read_lines(&text, &mut table, layout, block.line, &mut counts);
            table.set_text(text);
            rest.is_some_and(|(at, line)| {
                let rest = table.text().as_bytes()[at..].to_vec();
                let mut splitter =
                    Splitter::over_block(rest, line, layout.delimiter, layout.headers);
                split_records(
                    &mut splitter,
                    Encoding::Utf8,
                    layout,
                    &mut table,
                    &mut counts,
                );
                splitter.ran_out()
            })
        }
        Err(spare) => {
            table.set_text(spare);
            let bytes = std::mem::take(&mut block.bytes);
            let mut splitter =
                Splitter::over_block(bytes, block.line, layout.delimiter, layout.headers);
            split_records(
                &mut splitter,
                layout.encoding,
                layout,
                &mut table,
                &mut counts,
            );
            let ran_out = splitter.ran_out();
            block.bytes = splitter.into_block();
            ran_out
        }
    };
    if block.too_long {
        counts.rows += 1;
        let reason = Broken::TooLong.reason();
        table
            .rejects
            .push(Reject::new(name, block.line, "", reason, ""));
    }
    let part = map(&table);
    let (rows_in, last_line) = (table.rows_in(), table.last_line());
    if let Some(length) = own_length {
        // The table read the block's own bytes: they go back to the reader as they were.
        block.bytes = table.take_text().into_bytes();
        block.bytes.truncate(length);
    }
    layout.give_back(table);
    BlockRead {
        part,
        block,
        ran_out,
        rows_in,
        last_line,
        rows: counts.rows,
        undecodable: counts.undecodable,
        total_rows: counts.total_rows,
    }
}

/// The block as UTF-8 text, and whether that text is the block's own bytes (moved out of
/// it) rather than decoded from them into `spare`; `spare` back when the block holds
/// bytes not valid in `encoding` (or is UTF-16, decoded on the way in with replacement
/// characters to be found field by field). GB18030 is decoded a block at a time: no byte
/// of a multi-byte character is a delimiter, quote or line end, so each field decodes
/// alike alone.
fn utf8_text(
    block: &mut Block,
    encoding: Encoding,
    mut spare: String,
) -> Result<(String, bool), String> {
    match encoding {
        Encoding::Gb18030 if !block.bytes.is_ascii() => {
            let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
            let most = decoder.max_utf8_buffer_length_without_replacement(block.bytes.len());
            spare.reserve(most.unwrap_or(block.bytes.len() * 3));
            let (result, _) =
                decoder.decode_to_string_without_replacement(&block.bytes, &mut spare, true);
            match result {
                encoding_rs::DecoderResult::InputEmpty => Ok((spare, false)),
                _ => {
                    spare.clear();
                    Err(spare)
                }
            }
        }
        Encoding::Utf8 | Encoding::Gb18030 => {
            match String::from_utf8(std::mem::take(&mut block.bytes)) {
                Ok(text) => {
                    // The table's own buffer is not needed: it goes back with the table.
                    drop(spare);
                    Ok((text, true))
                }
                Err(e) => {
                    block.bytes = e.into_bytes();
                    Err(spare)
                }
            }
        }
        Encoding::Utf16Le | Encoding::Utf16Be => Err(spare),
    }
}

/// Reads `text` line by line from its start (on `line`) into the table, which is to hold
/// `text` ([`Table::set_text`]): each value is left where it lies. Stops at the first
/// line holding a quote or a CR other than its last byte, returning where that line
/// starts and its number; `None` once every line is read.
fn read_lines(
    text: &str,
    table: &mut Table,
    layout: &Layout,
    mut line: u64,
    counts: &mut Counts,
) -> Option<(usize, u64)> {
    let bytes = text.as_bytes();
    let mut cells: Vec<[u32; 2]> = Vec::with_capacity(layout.headers + 1);
    let mut start = 0;
    while start < bytes.len() {
        let end = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |k| start + k);
        let content = end - usize::from(end > start && bytes[end - 1] == b'\r');
        let record = &bytes[start..content];
        if memchr2(b'"', b'\r', record).is_some() {
            return Some((start, line));
        }
        let (at, this_line) = (start, line);
        start = end + 1;
        line += 1;
        if record.is_empty() {
            continue;
        }
        cells.clear();
        let mut from = at;
        for k in memchr_iter(layout.delimiter, record) {
            cells.push([from as u32, (at + k) as u32]);
            from = at + k + 1;
        }
        cells.push([from as u32, content as u32]);
        let cell = |i: usize| &bytes[cells[i][0] as usize..cells[i][1] as usize];
        if not_data(layout, Encoding::Utf8, cells.len(), cell, counts) {
            continue;
        }
        counts.rows += 1;
        if cells.len() != layout.headers {
            let reject = wrong_width(layout.name, this_line, layout.headers, cells.len());
            table.rejects.push(reject);
            continue;
        }
        table.push_spans(this_line, layout.mapping.iter().map(|&(_, i)| cells[i]));
    }
    None
}

/// Reads every record the splitter gives into the table, decoding its values from
/// `encoding`: a row of the wrong number of fields, a broken line or an undecodable value
/// is rejected; blank and total rows are passed over.
fn split_records(
    splitter: &mut Splitter<io::Empty>,
    encoding: Encoding,
    layout: &Layout,
    table: &mut Table,
    counts: &mut Counts,
) {
    let (name, mapping, headers) = (layout.name, &layout.mapping, layout.headers);
    let (mut text, mut ends) = (String::new(), Vec::with_capacity(mapping.len()));
    loop {
        let next = splitter
            .next_record()
            .expect("a block in memory reads without error");
        let line = match next {
            Next::End => return,
            Next::Broken { line, reason } => {
                counts.rows += 1;
                table
                    .rejects
                    .push(Reject::new(name, line, "", reason.reason(), ""));
                continue;
            }
            Next::Record { line } => line,
        };
        let cells = |i| splitter.field(i);
        if not_data(layout, encoding, splitter.len(), cells, counts) {
            continue;
        }
        counts.rows += 1;
        if splitter.len() != headers {
            table
                .rejects
                .push(wrong_width(name, line, headers, splitter.len()));
            continue;
        }
        let columns = mapping.iter().map(|&(_, i)| i);
        match record_fields(splitter, encoding, columns, &mut text, &mut ends) {
            Fields::Plain(all) => {
                table.push_row(line, mapping.iter().map(|&(_, i)| &all[splitter.range(i)]));
            }
            Fields::Decoded => table.push_row(line, decoded(&text, &ends)),
            Fields::Undecodable(at) => {
                let (field, index) = mapping[at];
                counts.undecodable += 1;
                let raw = String::from_utf8_lossy(splitter.field(index));
                let reason = format!("bytes that are not valid {} text", encoding.key());
                table
                    .rejects
                    .push(Reject::new(name, line, field.key(), reason, &raw));
            }
        }
    }
}

/// Whether a record of `width` cells is not data: blank (bare delimiters) or a total row
/// (counted). Only a record without a full ID number is looked at whole.
fn not_data<'c>(
    layout: &Layout,
    encoding: Encoding,
    width: usize,
    cell: impl Fn(usize) -> &'c [u8],
    counts: &mut Counts,
) -> bool {
    if layout
        .id_column
        .is_some_and(|i| i < width && cell(i).len() >= 15)
    {
        return false;
    }
    let cells: Vec<String> = (0..width)
        .map(|i| match encoding {
            Encoding::Gb18030 => encoding.decode_lossy(cell(i)),
            _ => String::from_utf8_lossy(cell(i)).into_owned(),
        })
        .collect();
    match row_kind(&cells) {
        RowKind::Blank => true,
        RowKind::Total => {
            counts.total_rows += 1;
            true
        }
        RowKind::Data => false,
    }
}

fn wrong_width(name: &str, line: u64, headers: usize, found: usize) -> Reject {
    let reason = format!("expected {headers} fields, found {found}");
    Reject::new(name, line, "", reason, "")
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
