//! Text cut into blocks at line ends, so that the records of a large file are split,
//! decoded and normalised on every core at once. Each block starts on a line of its own
//! (numbered as the splitter numbers lines: LF, CRLF and a lone CR each end one), ends
//! just after a line end or at the end of the text, and holds about a given number of
//! bytes and at most a given number of lines. A quoted field that runs on past a block's
//! end (a line break typed inside a cell) is the reader's to find: its splitter says the
//! block ran out inside quotes, and the block is read again joined to the next one.

use std::io::{self, Read};

use memchr::{memchr2_iter, memrchr, memrchr2};

use super::records::{MAX_QUOTED_LINES, MAX_RECORD_BYTES};

/// One block of text.
#[derive(Debug)]
pub struct Block {
    pub bytes: Vec<u8>,
    /// The line the block starts on.
    pub line: u64,
    /// No text follows it. (The final block may say false when the text ended just
    /// after it; the next block is then `None`.)
    pub last: bool,
    /// The line at `line` is longer than [`MAX_RECORD_BYTES`] and was skipped, not read:
    /// `bytes` is empty.
    pub too_long: bool,
}

impl Block {
    /// No text, and nothing after it.
    pub fn empty() -> Block {
        Block {
            bytes: Vec::new(),
            line: 0,
            last: true,
            too_long: false,
        }
    }

    /// Where `line` (one of the block's lines) starts in its bytes.
    fn start_of(&self, line: u64) -> usize {
        let skip = line.saturating_sub(self.line) as usize;
        if skip == 0 {
            0
        } else {
            line_end_after(&self.bytes, skip).unwrap_or(self.bytes.len())
        }
    }

    /// The bytes from the start of `line` to the block's end.
    pub fn bytes_from(&self, line: u64) -> usize {
        self.bytes.len() - self.start_of(line)
    }

    /// Appends the block that follows this one, returning its buffer for reuse.
    pub fn join(&mut self, next: Block) -> Vec<u8> {
        self.bytes.extend_from_slice(&next.bytes);
        self.last = next.last;
        next.bytes
    }

    /// Cuts the block at the start of `line` (one of its lines), keeping the lines before
    /// and returning the rest as a block of its own.
    pub fn split_off_from(&mut self, line: u64) -> Block {
        let at = self.start_of(line);
        Block {
            bytes: self.bytes.split_off(at),
            line,
            last: self.last,
            too_long: false,
        }
    }
}

/// Cuts the text a reader gives into [`Block`]s.
pub struct Blocks<R> {
    inner: R,
    /// Text read and not yet handed on.
    pending: Vec<u8>,
    /// The line `pending` starts on.
    line: u64,
    eof: bool,
    max_bytes: usize,
    max_lines: usize,
    /// Buffers handed back, to read the next blocks into.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    /// Blocks of the text `rest` holds, starting on `line`, then of what `inner` gives
    /// (nothing when `eof`).
    pub fn new(
        inner: R,
        rest: Vec<u8>,
        line: u64,
        eof: bool,
        max_bytes: usize,
        max_lines: usize,
    ) -> Self {
        Blocks {
            inner,
            pending: rest,
            line,
            eof,
            max_bytes: max_bytes.max(1),
            max_lines: max_lines.max(1),
            spare: Vec::new(),
        }
    }

    /// A block's buffer, done with, for a later block.
    pub fn give_back(&mut self, mut buffer: Vec<u8>) {
        buffer.clear();
        self.spare.push(buffer);
    }

    /// The next block, or `None` at the end of the text.
    pub fn next_block(&mut self) -> io::Result<Option<Block>> {
        self.read_up_to(self.max_bytes)?;
        if self.pending.is_empty() {
            return Ok(None);
        }
        let mut searched = self.pending.len().min(self.max_bytes);
        let (cut, lines) = loop {
            let whole = self.eof && searched == self.pending.len();
            if let Some(cut) = cut_point(&self.pending[..searched], self.max_lines, whole) {
                break cut;
            }
            if whole {
                break (self.pending.len(), line_ends(&self.pending));
            }
            // No line ends in the block: its line is longer than a block. A line not
            // ended within the longest record read is skipped, as the splitter skips it.
            if searched >= MAX_RECORD_BYTES {
                return self.skip_long_line().map(Some);
            }
            self.read_up_to(self.pending.len() + self.max_bytes)?;
            searched = self.pending.len().min(MAX_RECORD_BYTES);
        };
        let mut next = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(self.max_bytes + (self.max_bytes >> 3)));
        next.extend_from_slice(&self.pending[cut..]);
        self.pending.truncate(cut);
        let bytes = std::mem::replace(&mut self.pending, next);
        let line = self.line;
        self.line += lines;
        let last = self.eof && self.pending.is_empty();
        Ok(Some(Block {
            bytes,
            line,
            last,
            too_long: false,
        }))
    }

    /// Reads until `target` bytes are pending or the text ends.
    fn read_up_to(&mut self, target: usize) -> io::Result<()> {
        while !self.eof && self.pending.len() < target {
            let want = (target - self.pending.len()) as u64;
            match (&mut self.inner).take(want).read_to_end(&mut self.pending) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Skips the line that starts the pending text, up to and including its line feed, as
    /// the splitter skips a line longer than it reads.
    fn skip_long_line(&mut self) -> io::Result<Block> {
        let line = self.line;
        loop {
            if let Some(at) = memchr::memchr(b'\n', &self.pending) {
                self.pending.drain(..=at);
                break;
            }
            self.pending.clear();
            self.read_up_to(self.max_bytes)?;
            if self.pending.is_empty() {
                break;
            }
        }
        self.line += 1;
        Ok(Block {
            bytes: Vec::new(),
            line,
            last: self.eof && self.pending.is_empty(),
            too_long: true,
        })
    }
}

/// Where a block of `text` ends, and the line ends before that: just after its last line
/// end that has at most `max_lines` line ends before it (counting itself). A CR at the
/// very end of the text ends a line only when nothing follows (`whole`): an LF may be on
/// its way.
fn cut_point(text: &[u8], max_lines: usize, whole: bool) -> Option<(usize, u64)> {
    // The CR of a CRLF is not a line end of its own; nor is a CR that may be one.
    let ends_line =
        |at: usize| text[at] == b'\n' || text.get(at + 1).map_or(whole, |&next| next != b'\n');
    let mut end = text.len();
    let last = loop {
        let at = memrchr2(b'\n', b'\r', &text[..end])?;
        if ends_line(at) {
            break at + 1;
        }
        end = at;
    };
    let last = if whole {
        last
    } else {
        away_from_quotes(text, last)
    };
    let lines = line_ends(&text[..last]);
    if lines <= max_lines as u64 {
        return Some((last, lines));
    }
    memchr2_iter(b'\n', b'\r', text)
        .filter(|&at| ends_line(at))
        .nth(max_lines - 1)
        .map(|at| (at + 1, max_lines as u64))
}

/// A cut no quote opened shortly before: a quote in the last lines before a block's end
/// may open a field that runs on into the next block (a line break in a cell, or a stray
/// quote, which runs on up to [`MAX_QUOTED_LINES`] lines before it is taken as never closed),
/// and that block would have to be read again from the quote's record. So the cut moves
/// back to the start of the line holding the last quote, as long as a quote lies within
/// that many lines of it. When no such stretch is found within a few times that many
/// lines (quotes on every line, as in files that quote every field), the cut stays.
fn away_from_quotes(text: &[u8], cut: usize) -> usize {
    let (mut at, mut back) = (cut, 0);
    while let Some(quote) = memrchr(b'"', &text[..at]) {
        let line_start = memrchr2(b'\n', b'\r', &text[..quote]).map_or(0, |end| end + 1);
        let lines = line_ends(&text[quote..at]);
        if lines >= MAX_QUOTED_LINES {
            return at;
        }
        back += lines + 1;
        if line_start == 0 || back > 4 * MAX_QUOTED_LINES {
            return cut;
        }
        at = line_start;
    }
    at
}

/// Where the `n`th line of `text` ends (just after its line end), counting from 1.
fn line_end_after(text: &[u8], n: usize) -> Option<usize> {
    memchr2_iter(b'\n', b'\r', text)
        .filter(|&at| text[at] == b'\n' || text.get(at + 1) != Some(&b'\n'))
        .nth(n - 1)
        .map(|at| at + 1)
}

/// The line ends `text` holds: LF, CRLF and a lone CR each one.
fn line_ends(text: &[u8]) -> u64 {
    let feeds = count_byte(text, b'\n');
    let lone_returns = match memchr::memchr(b'\r', text) {
        None => 0,
        Some(first) => memchr::memchr_iter(b'\r', &text[first..])
            .filter(|&at| text.get(first + at + 1) != Some(&b'\n'))
            .count(),
    };
    (feeds + lone_returns) as u64
}

/// How often `byte` occurs in `text`, counted 32 bytes at a time in byte-wide counters
/// (which the compiler makes vector instructions).
fn count_byte(text: &[u8], byte: u8) -> usize {
    const LANES: usize = 32;
    let mut total = 0;
    // A counter of one byte holds at most 255 matches.
    for stretch in text.chunks(LANES * 255) {
        let mut counters = [0u8; LANES];
        let mut lanes = stretch.chunks_exact(LANES);
        for lane in &mut lanes {
            for (counter, &b) in counters.iter_mut().zip(lane) {
                *counter += u8::from(b == byte);
            }
        }
        total += counters.iter().map(|&c| usize::from(c)).sum::<usize>();
        total += lanes.remainder().iter().filter(|&&b| b == byte).count();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &[u8], max_bytes: usize, max_lines: usize) -> Vec<(u64, String, bool)> {
        let mut blocks = Blocks::new(text, Vec::new(), 1, false, max_bytes, max_lines);
        let mut out = Vec::new();
        while let Some(block) = blocks.next_block().unwrap() {
            out.push((
                block.line,
                String::from_utf8(block.bytes).unwrap(),
                block.last,
            ));
        }
        out
    }

    #[test]
    fn blocks_end_at_line_ends_and_number_their_lines() {
        let text = b"a,1\nb,2\r\nc,3\rd,4\n\ne,5";
        let got = blocks(text, 6, usize::MAX);
        let joined: String = got.iter().map(|b| b.1.as_str()).collect();
        assert_eq!(joined.as_bytes(), text);
        // Every block but the last ends at a line end, and starts on the line it says.
        for (i, (line, bytes, last)) in got.iter().enumerate() {
            let before: String = got[..i].iter().map(|b| b.1.as_str()).collect();
            assert_eq!(*line, 1 + line_ends(before.as_bytes()), "{got:?}");
            assert_eq!(*last, i + 1 == got.len());
            if !last {
                assert!(bytes.ends_with('\n') || bytes.ends_with('\r'), "{got:?}");
            }
        }
        // A CR is never cut from the LF that follows it.
        assert!(got.iter().all(|b| !b.1.starts_with('\n')), "{got:?}");
    }

    #[test]
    fn at_most_so_many_lines_a_block() {
        let got = blocks(b"1\n2\r\n3\r4\n5\n", 1 << 20, 2);
        let texts: Vec<&str> = got.iter().map(|b| b.1.as_str()).collect();
        assert_eq!(texts, ["1\n2\r\n", "3\r4\n", "5\n"]);
        let lines: Vec<u64> = got.iter().map(|b| b.0).collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn a_block_ends_before_a_quote_opened_near_its_end() {
        let mut text = "a,1\n".repeat(100);
        let quoted_line = text.len();
        text.push_str("\"b,2\nc,3\nd,4\n");
        // The quote's line and what follows go to the next block.
        assert_eq!(away_from_quotes(text.as_bytes(), text.len()), quoted_line);
        // A quote further back than a quoted field can reach leaves the cut alone.
        text.push_str(&"e,5\n".repeat(70));
        assert_eq!(away_from_quotes(text.as_bytes(), text.len()), text.len());
        // Quotes on every line: no stretch without one, the cut stays.
        let every = "\"f\",6\n".repeat(500);
        assert_eq!(away_from_quotes(every.as_bytes(), every.len()), every.len());
    }

    #[test]
    fn bytes_are_counted_in_any_length() {
        let text: Vec<u8> = (0..20_000u32)
            .map(|i| if i % 7 == 0 { b'\n' } else { b'x' })
            .collect();
        for end in [0, 1, 31, 32, 33, 8159, 8160, 8161, 20_000] {
            let slow = text[..end].iter().filter(|&&b| b == b'\n').count();
            assert_eq!(count_byte(&text[..end], b'\n'), slow, "{end}");
        }
    }

    #[test]
    fn a_line_longer_than_a_block_makes_a_longer_block() {
        let got = blocks(b"short\na much longer line\nx\n", 4, usize::MAX);
        let texts: Vec<&str> = got.iter().map(|b| b.1.as_str()).collect();
        assert_eq!(texts, ["short\n", "a much longer line\n", "x\n"]);
    }
}
