//! CSV extracts in UTF-8 (with or without BOM), GB18030/GBK or UTF-16: detected or
//! declared encoding, sniffed or declared delimiter, header mapping, and a reject for every
//! row that cannot be read — the wrong number of fields, a quote never closed, bytes not
//! valid in the encoding — with reading going on at the next row. Past the allowed share
//! of undecodable rows the encoding is taken to be wrong and the file refused.

use std::fs::File;
use std::io::{self, Read};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use rayon::prelude::*;

use super::block_read::{BlockRead, Layout, read_block};
use super::blocks::{Block, Blocks};
use super::encoding::{Encoding, decode_field};
use super::header::{Aliases, Header, HeaderSearch, record_columns};
use super::records::MAX_RECORD_BYTES;
use super::records::{Next, Splitter};
use super::table::InputInfo;
use super::text::{TextFile, TextOptions, open_text};
use super::{ChunkWork, InputFile, Mapped, SourceOptions};
use crate::ground::error::bad_input;
use crate::ground::progress::Progress;
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
        // A failure to read comes through the channel in its place, so that it is never
        // taken for the end of the text.
        let (send, receive) = std::sync::mpsc::sync_channel::<io::Result<Block>>(BATCH_BLOCKS);
        let (give_back, take_back) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = scope.spawn(move || {
            loop {
                let next = blocks.next_block().transpose();
                let failed = matches!(next, Some(Err(_)));
                let Some(next) = next else { break };
                if send.send(next).is_err() || failed {
                    break;
                }
                while let Ok(buffer) = take_back.try_recv() {
                    blocks.give_back(buffer);
                }
            }
        });
        // Dropping the receiver (on an error) stops the reader at its next block.
        let read = read_blocks(receive, &layout, work, &give_back, &mut info);
        drop(give_back);
        reader.join().expect("the reader thread does not panic");
        read
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
/// results on in order. A block whose last record's quoted field ran on to its end
/// stopped before that record: the record's lines are carried to the front of the next
/// block, which is read again (at most 64 lines are carried: a quote open longer is
/// never closed). Returns the rows read as data and those undecodable.
fn read_blocks<P: Send>(
    receive: std::sync::mpsc::Receiver<io::Result<Block>>,
    layout: &Layout,
    work: ChunkWork<P>,
    give_back: &std::sync::mpsc::Sender<Vec<u8>>,
    info: &mut InputInfo,
) -> anyhow::Result<(u64, u64)> {
    let ChunkWork { map, reduce } = work;
    let (mut rows, mut undecodable, mut chunks) = (0, 0, 0);
    loop {
        let read_error = |e: io::Error| {
            anyhow::Error::new(e).context(format!("reading {}", layout.info.path.display()))
        };
        let batch: io::Result<Vec<Block>> = receive.iter().take(BATCH_BLOCKS).collect();
        let mut batch = batch.map_err(read_error)?;
        if batch.is_empty() {
            if chunks > 0 {
                return Ok((rows, undecodable));
            }
            // A file of a header alone still hands on one (empty) chunk.
            batch.push(Block::empty());
        }
        let mut read: Vec<BlockRead<P>> = batch
            .into_par_iter()
            .map(|block| read_block(block, layout, map))
            .collect();
        carry_within(&mut read, layout, map, give_back);
        let mut read = std::collections::VecDeque::from(read);
        while let Some(mut done) = read.pop_front() {
            if let Some(line) = done.ran_out {
                let mut tail = done.block.split_off_from(line);
                let next = match read.pop_front() {
                    Some(next) => Some(next.block),
                    None if tail.bytes.len() < MAX_RECORD_BYTES => {
                        receive.recv().ok().transpose().map_err(read_error)?
                    }
                    None => None,
                };
                let carried = match next {
                    Some(next) if !next.too_long && tail.bytes.len() < MAX_RECORD_BYTES => {
                        let _ = give_back.send(tail.join(next));
                        tail
                    }
                    // Nothing follows the record but a line too long to read (or the end
                    // of the text, the final block having ended on a line end), or the
                    // record is already longer than any read: it is read as it is, its
                    // quote never closed.
                    other => {
                        if let Some(following) = other {
                            read.push_front(read_block(following, layout, map));
                        }
                        Block { last: true, ..tail }
                    }
                };
                read.push_front(read_block(carried, layout, map));
            }
            rows += done.rows;
            undecodable += done.undecodable;
            info.total_rows += done.total_rows;
            chunks += 1;
            let _ = give_back.send(done.block.bytes);
            reduce(Mapped {
                part: done.part,
                rows_in: done.rows_in,
                last_line: done.last_line,
            })?;
        }
    }
}

/// Carries, within one batch, each record that ran past its block's end to the front of
/// the next block, and reads those joined blocks again on every core, round after round.
/// A round takes blocks that ran out two blocks apart at least: the block after a joined
/// one is read again in a later round if the joined one runs out in turn. What is left
/// (the batch's last block, a block before a line too long to read, a record past 64 MiB)
/// is carried one block at a time by the caller.
fn carry_within<P: Send>(
    read: &mut [BlockRead<P>],
    layout: &Layout,
    map: &(dyn Fn(&super::Table) -> P + Sync),
    give_back: &std::sync::mpsc::Sender<Vec<u8>>,
) {
    loop {
        let mut jobs = Vec::new();
        let mut i = 0;
        while i + 1 < read.len() {
            let Some(line) = read[i].ran_out else {
                i += 1;
                continue;
            };
            if read[i + 1].block.too_long || read[i].block.bytes_from(line) >= MAX_RECORD_BYTES {
                // Left to the caller; the next block's start is not known to be right.
                i += 2;
                continue;
            }
            read[i].ran_out = None;
            let mut joined = read[i].block.split_off_from(line);
            let next = std::mem::replace(&mut read[i + 1].block, Block::empty());
            let _ = give_back.send(joined.join(next));
            jobs.push((i + 1, joined));
            i += 3;
        }
        if jobs.is_empty() {
            return;
        }
        let again: Vec<(usize, BlockRead<P>)> = jobs
            .into_par_iter()
            .map(|(at, block)| (at, read_block(block, layout, map)))
            .collect();
        for (at, done) in again {
            read[at] = done;
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    type Read = (Vec<(u64, String)>, Vec<(u64, String)>, InputInfo);

    /// (line, name) of every kept row, (line, reason) of every reject, and the file's
    /// record, reading `bytes` as a population file in blocks of at most `chunk_rows`
    /// lines.
    fn read(bytes: &[u8], options: &SourceOptions, chunk_rows: usize) -> Read {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("population.csv");
        std::fs::write(&path, bytes).unwrap();
        let file = InputFile {
            path,
            name: "population.csv".into(),
            line_base: 0,
        };
        let map = |table: &super::super::Table| {
            let kept: Vec<(u64, String)> = (0..table.len())
                .map(|r| (table.lines[r], table.value(r, Field::Name).to_string()))
                .collect();
            let rejects: Vec<(u64, String)> = table
                .rejects
                .iter()
                .map(|r| (r.line, r.reason.clone()))
                .collect();
            (kept, rejects)
        };
        let (mut kept, mut rejects) = (Vec::new(), Vec::new());
        let work = ChunkWork {
            map: &map,
            reduce: &mut |chunk| {
                kept.extend(chunk.part.0);
                rejects.extend(chunk.part.1);
                Ok(())
            },
        };
        let progress = Progress::new(true);
        let info = read_csv_chunks(
            SourceKind::Population,
            options,
            &file,
            &progress,
            chunk_rows,
            work,
        );
        (kept, rejects, info.unwrap())
    }

    #[test]
    fn a_stray_quote_on_every_line_rejects_each_line_alone_in_any_block_size() {
        let mut text = "身份证号,姓名,性别\n".to_string();
        for _ in 0..3000 {
            text.push_str("\"530102201203150117,王芳\n");
        }
        text.push_str("530102201203150117,李娜,女\n");
        for chunk_rows in [1, 2, 7, 1 << 20] {
            let (kept, rejects, _) = read(text.as_bytes(), &SourceOptions::default(), chunk_rows);
            assert_eq!(kept, [(3002, "李娜".to_string())], "{chunk_rows}");
            let lines: Vec<u64> = rejects.iter().map(|r| r.0).collect();
            assert_eq!(lines, (2..3002).collect::<Vec<u64>>(), "{chunk_rows}");
            assert!(rejects.iter().all(|r| r.1.contains("never closed")));
        }
    }

    #[test]
    fn a_quoted_line_break_across_blocks_is_one_value() {
        let mut text = "身份证号,姓名,性别\n".to_string();
        for i in 0..50 {
            text.push_str(&format!("5301022012031501{i:02},\"王\n芳\",女\n"));
        }
        for chunk_rows in [1, 2, 3, 1 << 20] {
            let (kept, rejects, _) = read(text.as_bytes(), &SourceOptions::default(), chunk_rows);
            assert!(rejects.is_empty(), "{rejects:?}");
            assert_eq!(kept.len(), 50);
            assert_eq!(kept[49], (100, "王\n芳".to_string()), "{chunk_rows}");
        }
    }

    #[test]
    fn gb18030_split_on_a_pipe_keeps_a_character_whose_second_byte_is_one() {
        // 亅 is 0x81 0x7C in GBK: its second byte is the pipe.
        let text = "身份证号|姓名|性别\n530102201203150117|王亅|女\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let options = SourceOptions {
            encoding: Some(Encoding::Gb18030),
            delimiter: Some(b'|'),
            ..SourceOptions::default()
        };
        for chunk_rows in [1, 1 << 20] {
            let (kept, rejects, _) = read(&bytes, &options, chunk_rows);
            // As every earlier version read it: the character's second byte splits the row.
            assert!(kept.is_empty(), "{kept:?}");
            assert_eq!(rejects.len(), 1);
            assert!(
                rejects[0].1.contains("expected 3 fields, found 4"),
                "{rejects:?}"
            );
        }
    }

    #[test]
    fn a_total_row_in_gb18030_is_counted_whatever_its_bytes_in_utf8() {
        // 合计：共五人 is 12 bytes in GB18030 and 18 in UTF-8: a cell too short to be an ID.
        let text = "身份证号,姓名,性别\n530102201203150117,李娜,女\n合计：共五人,1,\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let (kept, rejects, info) = read(&bytes, &SourceOptions::default(), 1 << 20);
        assert_eq!(kept, [(2, "李娜".to_string())]);
        assert!(rejects.is_empty(), "{rejects:?}");
        assert_eq!(info.total_rows, 1);
        assert_eq!(info.encoding.as_deref(), Some("gb18030"));
    }
}
