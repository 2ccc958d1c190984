//! Splits CSV text into records, line by line, so that one bad row never takes others
//! with it: a quote left open is a broken row (its first line), and reading resumes at the
//! next line. Lines end in LF, CRLF or a lone CR (old Mac exports). Fields are bytes; they
//! are decoded later, row by row, so an undecodable byte rejects only its own row.
//!
//! A quoted field may hold line breaks (Excel's Alt+Enter) when the record it ends has the
//! header's number of fields and its second line is not a whole record of its own;
//! otherwise the opening quote was a stray one.

use std::io::{self, Read};

use memchr::{memchr, memchr3};

/// Lines a quoted field may span before its quote is taken as never closed.
pub const MAX_QUOTED_LINES: u64 = 64;
/// The longest record read; a longer one is rejected and skipped to its line's end.
pub const MAX_RECORD_BYTES: usize = 64 << 20;
const BUFFER_BYTES: usize = 1 << 20;

/// What came next in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// A record starting at this line; its fields are [`Splitter::field`].
    Record {
        line: u64,
    },
    /// A line that is not a record.
    Broken {
        line: u64,
        reason: Broken,
    },
    End,
}

/// Why a line is not a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    UnclosedQuote,
    TooLong,
}

impl Broken {
    pub const fn reason(self) -> &'static str {
        match self {
            Broken::UnclosedQuote => {
                "a quote opened in this line is never closed; the line is skipped and reading resumes at the next one"
            }
            Broken::TooLong => "the row is longer than 64 MiB",
        }
    }
}

/// The outcome of parsing one record from the front of a buffer.
#[derive(Debug, PartialEq, Eq)]
enum Parse {
    /// `consumed` bytes made a record spanning `lines` line ends; `second_line` is where
    /// its second line starts when a quoted field held a line break.
    Done {
        consumed: usize,
        lines: u64,
        second_line: Option<usize>,
    },
    /// The buffer ends inside the record.
    Incomplete,
    /// A quote never closed (within [`MAX_QUOTED_LINES`] or before the end of the text);
    /// the broken line ends at `first_line_end` (the end of the text when `None`).
    /// `at_end`: the text ended inside the quotes.
    Unclosed {
        first_line_end: Option<usize>,
        at_end: bool,
    },
}

/// Parses one record from the front of `buf` into `data` (field bytes) and `ends` (the
/// end of each field in `data`). `eof` says that no text follows `buf`.
fn parse(
    buf: &[u8],
    eof: bool,
    delimiter: u8,
    max_lines: u64,
    data: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> Parse {
    data.clear();
    ends.clear();
    let len = buf.len();
    let mut i = 0;
    let mut lines = 0;
    let mut second_line = None;
    // Consumes the line end at `i` (CR, LF or CRLF); `None` when a CR ends the buffer.
    let line_end = |i: usize| -> Option<usize> {
        if buf[i] == b'\r' {
            if i + 1 < len {
                Some(i + 1 + usize::from(buf[i + 1] == b'\n'))
            } else if eof {
                Some(i + 1)
            } else {
                None
            }
        } else {
            Some(i + 1)
        }
    };
    loop {
        if i < len && buf[i] == b'"' {
            i += 1;
            loop {
                let Some(k) = memchr3(b'"', b'\n', b'\r', &buf[i..]) else {
                    if !eof {
                        return Parse::Incomplete;
                    }
                    return Parse::Unclosed {
                        first_line_end: second_line,
                        at_end: true,
                    };
                };
                data.extend_from_slice(&buf[i..i + k]);
                i += k;
                if buf[i] == b'"' {
                    if i + 1 < len && buf[i + 1] == b'"' {
                        data.push(b'"');
                        i += 2;
                    } else if i + 1 == len && !eof {
                        return Parse::Incomplete;
                    } else {
                        i += 1;
                        break;
                    }
                } else {
                    let Some(next) = line_end(i) else {
                        return Parse::Incomplete;
                    };
                    data.push(b'\n');
                    i = next;
                    lines += 1;
                    second_line.get_or_insert(i);
                    if lines >= max_lines {
                        return Parse::Unclosed {
                            first_line_end: second_line,
                            at_end: false,
                        };
                    }
                }
            }
        }
        // Unquoted text (or text after a closing quote) up to the delimiter or line end.
        match memchr3(delimiter, b'\n', b'\r', &buf[i..]) {
            None => {
                if !eof {
                    return Parse::Incomplete;
                }
                data.extend_from_slice(&buf[i..]);
                ends.push(data.len());
                return Parse::Done {
                    consumed: len,
                    lines,
                    second_line,
                };
            }
            Some(k) => {
                data.extend_from_slice(&buf[i..i + k]);
                ends.push(data.len());
                i += k;
                if buf[i] == delimiter {
                    i += 1;
                    continue;
                }
                let Some(next) = line_end(i) else {
                    return Parse::Incomplete;
                };
                return Parse::Done {
                    consumed: next,
                    lines: lines + 1,
                    second_line,
                };
            }
        }
    }
}

/// Reads records from CSV text.
pub struct Splitter<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// The line number at `pos`.
    line: u64,
    delimiter: u8,
    /// The header's field count, once known: a record spanning lines must have it.
    expected: Option<usize>,
    data: Vec<u8>,
    ends: Vec<usize>,
    scratch: (Vec<u8>, Vec<usize>),
    /// A block with text after it stops at a record whose quoted field runs to its end,
    /// and keeps that record's line here: the record is read again with the text after.
    ran_out: Option<u64>,
    /// Whether text follows the block (see `ran_out`).
    more: bool,
}

impl<R: Read> Splitter<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        Splitter {
            inner,
            buf: vec![0; BUFFER_BYTES],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            delimiter,
            expected: None,
            data: Vec::new(),
            ends: Vec::new(),
            scratch: (Vec::new(), Vec::new()),
            ran_out: None,
            more: false,
        }
    }

    /// The reader, the text read from it but not yet split, and the line that text starts
    /// on: where the block reader takes over after the header.
    pub fn into_rest(self) -> (R, Vec<u8>, u64, bool) {
        let rest = self.buf[self.pos..self.end].to_vec();
        (self.inner, rest, self.line, self.eof)
    }

    /// Sets the number of fields a record should have (the header's).
    pub fn expect_fields(&mut self, n: usize) {
        self.expected = Some(n);
    }

    /// The fields of the last record.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn field(&self, i: usize) -> &[u8] {
        &self.data[self.range(i)]
    }

    /// Where field `i` lies in [`Splitter::bytes`].
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start..self.ends[i]
    }

    /// The bytes of every field of the last record, end to end.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Reads the next record, broken line or the end.
    pub fn next_record(&mut self) -> io::Result<Next> {
        loop {
            // Blank lines are not records.
            while self.pos < self.end && matches!(self.buf[self.pos], b'\n' | b'\r') {
                let at = self.pos;
                if self.buf[at] == b'\r' && at + 1 == self.end && !self.eof {
                    break;
                }
                let crlf = self.buf[at] == b'\r' && at + 1 < self.end && self.buf[at + 1] == b'\n';
                self.pos += 1 + usize::from(crlf);
                self.line += 1;
            }
            if self.pos == self.end && self.eof {
                return Ok(Next::End);
            }
            let window = &self.buf[self.pos..self.end];
            let parsed = parse(
                window,
                self.eof,
                self.delimiter,
                MAX_QUOTED_LINES,
                &mut self.data,
                &mut self.ends,
            );
            let line = self.line;
            match parsed {
                Parse::Incomplete => {
                    if self.end - self.pos >= MAX_RECORD_BYTES {
                        self.skip_line()?;
                        return Ok(Next::Broken {
                            line,
                            reason: Broken::TooLong,
                        });
                    }
                    self.fill()?;
                }
                Parse::Done {
                    consumed,
                    lines,
                    second_line,
                } => {
                    if let Some(second) = second_line
                        && self.stray_quote(second)
                    {
                        self.pos += second;
                        self.line += 1;
                        return Ok(Next::Broken {
                            line,
                            reason: Broken::UnclosedQuote,
                        });
                    }
                    self.pos += consumed;
                    self.line += lines;
                    return Ok(Next::Record { line });
                }
                Parse::Unclosed {
                    first_line_end,
                    at_end,
                } => {
                    if at_end && self.more {
                        self.ran_out = Some(line);
                        self.pos = self.end;
                        return Ok(Next::End);
                    }
                    match first_line_end {
                        Some(end) => {
                            self.pos += end;
                            self.line += 1;
                        }
                        None => self.pos = self.end,
                    }
                    return Ok(Next::Broken {
                        line,
                        reason: Broken::UnclosedQuote,
                    });
                }
            }
        }
    }

    /// Whether a record whose quoted field held a line break is rather a stray quote: it
    /// has the wrong number of fields, or its second line is a whole record by itself.
    fn stray_quote(&mut self, second: usize) -> bool {
        let Some(expected) = self.expected else {
            return false;
        };
        if self.ends.len() != expected {
            return true;
        }
        let (data, ends) = &mut self.scratch;
        let rest = &self.buf[self.pos + second..self.end];
        matches!(
            parse(rest, true, self.delimiter, 1, data, ends),
            Parse::Done { .. }
        ) && ends.len() == expected
    }

    /// Moves unread text to the front of the buffer (growing it when full) and reads more.
    fn fill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        let n = read_retrying(&mut self.inner, &mut self.buf[self.end..])?;
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }

    /// Skips the text up to and including the next line end.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let window = &self.buf[self.pos..self.end];
            if let Some(k) = memchr(b'\n', window) {
                self.pos += k + 1;
                self.line += 1;
                return Ok(());
            }
            self.pos = 0;
            self.end = read_retrying(&mut self.inner, &mut self.buf)?;
            if self.end == 0 {
                self.eof = true;
                return Ok(());
            }
        }
    }
}

impl Splitter<io::Empty> {
    /// Splits one block of text that ends at a line end or at the end of the text, its
    /// first line numbered `line`, its records of `expected` fields. When `more` text
    /// follows, a record whose quoted field runs to the block's end ends the block
    /// ([`Splitter::ran_out`]).
    pub fn over_block(
        block: Vec<u8>,
        line: u64,
        delimiter: u8,
        expected: usize,
        more: bool,
    ) -> Self {
        let end = block.len();
        Splitter {
            inner: io::empty(),
            buf: block,
            pos: 0,
            end,
            eof: true,
            line,
            delimiter,
            expected: Some(expected),
            data: Vec::new(),
            ends: Vec::new(),
            scratch: (Vec::new(), Vec::new()),
            ran_out: None,
            more,
        }
    }

    /// The line of the record whose quoted field ran to the end of the block, where
    /// reading stopped: that record and the lines after it are to be read again with
    /// the text that follows the block.
    pub fn ran_out(&self) -> Option<u64> {
        self.ran_out
    }

    /// The block, for the next one to be read into.
    pub fn into_block(self) -> Vec<u8> {
        self.buf
    }
}

fn read_retrying(inner: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match inner.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line, fields) and every broken line as (line, ["!"]).
    fn split(text: &[u8], expected: Option<usize>) -> Vec<(u64, Vec<String>)> {
        let mut splitter = Splitter::new(text, b',');
        if let Some(n) = expected {
            splitter.expect_fields(n);
        }
        let mut out = Vec::new();
        loop {
            match splitter.next_record().unwrap() {
                Next::Record { line } => out.push((
                    line,
                    (0..splitter.len())
                        .map(|i| String::from_utf8_lossy(splitter.field(i)).into_owned())
                        .collect(),
                )),
                Next::Broken { line, .. } => out.push((line, vec!["!".to_string()])),
                Next::End => return out,
            }
        }
    }

    fn row(line: u64, fields: &[&str]) -> (u64, Vec<String>) {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn splits_quoted_fields_and_all_line_endings() {
        let text = b"a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\r2,3\n\n4,\"\"";
        assert_eq!(
            split(text, Some(2)),
            vec![
                row(1, &["a", "b"]),
                row(2, &["x,1", "say \"hi\""]),
                row(3, &["2", "3"]),
                row(5, &["4", ""]),
            ]
        );
    }

    #[test]
    fn a_stray_quote_loses_only_its_line() {
        let text = b"id,name,sex\n1,\"zhang,m\n2,li,f\n3,wang,m\n";
        assert_eq!(
            split(text, Some(3)),
            vec![
                row(1, &["id", "name", "sex"]),
                row(2, &["!"]),
                row(3, &["2", "li", "f"]),
                row(4, &["3", "wang", "m"]),
            ]
        );
    }

    #[test]
    fn a_line_break_inside_quotes_is_kept_when_the_record_is_whole() {
        let text = b"id,note\n1,\"first\nsecond\"\n2,x\n";
        assert_eq!(
            split(text, Some(2)),
            vec![
                row(1, &["id", "note"]),
                row(2, &["1", "first\nsecond"]),
                row(4, &["2", "x"]),
            ]
        );
    }

    #[test]
    fn a_quote_opened_on_the_last_line_breaks_only_that_line() {
        assert_eq!(
            split(b"a,b\n1,\"2", Some(2)),
            vec![row(1, &["a", "b"]), row(2, &["!"])]
        );
    }

    #[test]
    fn reads_across_buffer_refills() {
        let mut text = b"id,name\n".to_vec();
        for i in 0..100_000 {
            text.extend_from_slice(format!("{i},\"n{i}\"\r\n").as_bytes());
        }
        let rows = split(&text, Some(2));
        assert_eq!(rows.len(), 100_001);
        assert_eq!(rows[100_000], row(100_001, &["99999", "n99999"]));
    }
}
