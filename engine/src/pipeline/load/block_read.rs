//! One block of a CSV file read into a table: decoded, split line by line with each value
//! left where it lies when no quote calls for unquoting, record by record (values decoded
//! and copied) from the first line that does, and handed to the chunk's `map`.

use std::io;

use memchr::{memchr, memchr_iter, memchr2};

use super::blocks::Block;
use super::encoding::Encoding;
use super::records::{Broken, Next, Splitter};
use super::rows::{RowKind, row_kind};
use super::table::{InputInfo, Table};
use super::text::{Fields, decoded, record_fields};
use crate::ground::reject::Reject;
use crate::ground::schema::{Field, SourceKind};

/// What the reader knows of a file once its header is found: all a block needs.
pub(super) struct Layout<'a> {
    pub(super) source: SourceKind,
    pub(super) name: &'a str,
    pub(super) encoding: Encoding,
    pub(super) delimiter: u8,
    pub(super) info: InputInfo,
    pub(super) headers: usize,
    pub(super) mapping: Vec<(Field, usize)>,
    pub(super) fields: Vec<Field>,
    /// Rows without a full ID number are looked at whole: they may be blank (bare
    /// delimiters) or a total row.
    pub(super) id_column: Option<usize>,
    /// Tables done with, emptied, kept for the next blocks with their memory.
    pub(super) spare: std::sync::Mutex<Vec<Table>>,
}

impl Layout<'_> {
    pub(super) fn spare_table(&self) -> Table {
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

    pub(super) fn give_back(&self, mut table: Table) {
        table.clear();
        self.spare
            .lock()
            .expect("no thread panics holding it")
            .push(table);
    }
}

/// One block read: its rows handed to `map`, and what the file's accounting needs.
pub(super) struct BlockRead<P> {
    pub(super) part: P,
    pub(super) block: Block,
    /// The line where reading stopped: a record there ran on past the block.
    pub(super) ran_out: Option<u64>,
    pub(super) rows_in: u64,
    pub(super) last_line: u64,
    /// Rows read as data, and of them those holding bytes not valid in the encoding.
    pub(super) rows: u64,
    pub(super) undecodable: u64,
    pub(super) total_rows: u64,
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
pub(super) fn read_block<P>(
    mut block: Block,
    layout: &Layout,
    map: &(dyn Fn(&Table) -> P + Sync),
) -> BlockRead<P> {
    let mut counts = Counts::default();
    let name = layout.name;
    let mut table = layout.spare_table();
    let mut own_length = None;
    let ran_out = match utf8_text(&mut block, layout, table.take_text()) {
        Ok((text, own)) => {
            if own {
                own_length = Some(text.len());
            }
            let rest = read_lines(&text, &mut table, layout, block.line, &mut counts);
            table.set_text(text);
            rest.and_then(|(at, line)| {
                let rest = table.text().as_bytes()[at..].to_vec();
                let more = !block.last;
                let mut splitter =
                    Splitter::over_block(rest, line, layout.delimiter, layout.headers, more);
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
            let (line, more) = (block.line, !block.last);
            let mut splitter =
                Splitter::over_block(bytes, line, layout.delimiter, layout.headers, more);
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
/// of a multi-byte character is a comma, tab, semicolon, quote or line end, so each
/// field decodes alike alone.
fn utf8_text(
    block: &mut Block,
    layout: &Layout,
    mut spare: String,
) -> Result<(String, bool), String> {
    match layout.encoding {
        // A delimiter that may be the second byte of a two-byte character (0x40 to 0x7E:
        // `|`, `^`, `~`, `@`) or of a four-byte one (a digit) is found field by field.
        Encoding::Gb18030 if matches!(layout.delimiter, 0x30..=0x39 | 0x40..=0x7E) => Err(spare),
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
    // Measured in the file's own bytes, as the cell was before any decoding.
    let file_bytes = |cell: &[u8]| match layout.encoding {
        Encoding::Gb18030 if encoding == Encoding::Utf8 && !cell.is_ascii() => {
            let text = String::from_utf8_lossy(cell);
            encoding_rs::GB18030.encode(&text).0.len()
        }
        _ => cell.len(),
    };
    if layout
        .id_column
        .is_some_and(|i| i < width && file_bytes(cell(i)) >= 15)
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
