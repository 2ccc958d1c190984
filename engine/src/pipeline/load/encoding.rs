//! Text encodings of CSV extracts: detection from the first bytes (a BOM, else a vote of
//! the lines), field-by-field decoding (an undecodable field rejects its row, not the
//! file), and a streaming UTF-16 → UTF-8 transcoder.

use std::io::{self, Read};

use encoding_rs::{CoderResult, Decoder};

/// The share of a file's rows that may hold undecodable bytes before the file is taken
/// to be in another encoding than the one read (config `max_undecodable_share`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UndecodableShare(pub f64);

impl Default for UndecodableShare {
    fn default() -> Self {
        UndecodableShare(0.01)
    }
}

impl UndecodableShare {
    /// Undecodable rows allowed among `rows`: the share, and never fewer than ten, so
    /// that a small file with a damaged row or two is still read.
    pub fn allowed(self, rows: u64) -> u64 {
        ((self.0 * rows as f64).floor() as u64).max(10)
    }
}

/// An encoding sanku reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub const fn key(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }

    /// Parses a config value; GBK and GB2312 are read as their superset GB18030.
    pub fn from_key(key: &str) -> Option<Encoding> {
        match key.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" | "utf-8-sig" => Some(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Some(Encoding::Gb18030),
            "utf-16le" | "utf-16" => Some(Encoding::Utf16Le),
            "utf-16be" => Some(Encoding::Utf16Be),
            _ => None,
        }
    }

    /// Decodes with replacement characters; for sniffing only, never for data.
    pub fn decode_lossy(self, bytes: &[u8]) -> String {
        self.encoding_rs()
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }

    /// Decodes a whole text, or `None` when some bytes are not of this encoding.
    pub fn decode_strict(self, bytes: &[u8]) -> Option<String> {
        self.encoding_rs()
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(std::borrow::Cow::into_owned)
    }

    fn encoding_rs(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Gb18030 => encoding_rs::GB18030,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
        }
    }

    fn decoder(self) -> Decoder {
        self.encoding_rs().new_decoder_without_bom_handling()
    }
}

/// Detects the encoding of a file from its first bytes, on the evidence of every line
/// there: each line holding non-ASCII bytes votes for UTF-8 and for GB18030 when it decodes
/// cleanly in them. Chinese text in UTF-8 also decodes as GB18030 about half the time, and
/// GB18030 text rarely as UTF-8, so UTF-8 wins while at least half as many lines decode as
/// UTF-8 as decode as GB18030; one stray byte never flips a file. Returns the encoding and
/// the length of its byte-order mark, or `None` when no line decodes in either.
pub fn detect(head: &[u8], complete: bool) -> Option<(Encoding, usize)> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some((Encoding::Utf8, 3));
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some((Encoding::Utf16Le, 2));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some((Encoding::Utf16Be, 2));
    }
    let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n' || b == b'\r').collect();
    if !complete && lines.len() > 1 {
        // The last line may be cut.
        lines.pop();
    }
    let (mut text_lines, mut utf8, mut gb) = (0u64, 0u64, 0u64);
    for line in lines.iter().filter(|l| !l.is_ascii()) {
        text_lines += 1;
        utf8 += u64::from(decodes(Encoding::Utf8, line));
        gb += u64::from(decodes(Encoding::Gb18030, line));
    }
    if text_lines == 0 || (utf8 > 0 && utf8 * 2 >= gb) {
        Some((Encoding::Utf8, 0))
    } else if gb > 0 {
        Some((Encoding::Gb18030, 0))
    } else {
        None
    }
}

/// Whether `bytes` decode cleanly.
fn decodes(encoding: Encoding, bytes: &[u8]) -> bool {
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).is_ok(),
        other => other
            .encoding_rs()
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some(),
    }
}

/// Decodes one field of a row read from a file in `encoding` (UTF-16 files arrive already
/// transcoded, with U+FFFD where a byte was undecodable). Appends the text to `out`;
/// `false` when the bytes are not valid text.
pub fn decode_field(encoding: Encoding, bytes: &[u8], out: &mut String) -> bool {
    if bytes.is_ascii() {
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return true;
    }
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => {
                out.push_str(text);
                true
            }
            Err(_) => false,
        },
        Encoding::Gb18030 => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(text) => {
                    out.push_str(&text);
                    true
                }
                None => false,
            }
        }
        Encoding::Utf16Le | Encoding::Utf16Be => match std::str::from_utf8(bytes) {
            Ok(text) if !text.contains('\u{FFFD}') => {
                out.push_str(text);
                true
            }
            _ => false,
        },
    }
}

/// A reader that transcodes UTF-16 `inner` into UTF-8, writing U+FFFD for an unpaired
/// surrogate (the row holding it is then rejected by [`decode_field`]).
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> DecodingReader<R> {
    pub fn new(inner: R, encoding: Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.decoder(),
            raw: vec![0; 1 << 16],
            raw_start: 0,
            raw_end: 0,
            eof: false,
            out: vec![0; (1 << 16) * 3 + 16],
            out_start: 0,
            out_end: 0,
            finished: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        loop {
            if self.finished {
                self.out_start = 0;
                self.out_end = 0;
                return Ok(());
            }
            if self.raw_start == self.raw_end && !self.eof {
                self.raw_start = 0;
                self.raw_end = self.inner.read(&mut self.raw)?;
                self.eof = self.raw_end == 0;
            }
            let src = &self.raw[self.raw_start..self.raw_end];
            let (result, read, written, _) =
                self.decoder.decode_to_utf8(src, &mut self.out, self.eof);
            // A decoder told that the input ended must not be called again once it has
            // emptied it.
            self.finished = self.eof && result == CoderResult::InputEmpty;
            self.raw_start += read;
            self.out_start = 0;
            self.out_end = written;
            if written > 0 || self.eof {
                return Ok(());
            }
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_start == self.out_end {
            self.refill()?;
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn detects_utf8_bom_gb18030_and_utf16() {
        let text = "身份证号,姓名\n";
        assert_eq!(detect(text.as_bytes(), true), Some((Encoding::Utf8, 0)));
        let bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        assert_eq!(detect(&bom, true), Some((Encoding::Utf8, 3)));
        assert_eq!(detect(&gbk(text), true), Some((Encoding::Gb18030, 0)));
        assert_eq!(
            detect(&[0xFF, 0xFE, b'a', 0], true),
            Some((Encoding::Utf16Le, 2))
        );
    }

    #[test]
    fn one_stray_byte_does_not_flip_a_file() {
        let mut bytes = Vec::new();
        for i in 0..50 {
            bytes.extend_from_slice(format!("53010220120315{i:04},张伟,男\n").as_bytes());
        }
        bytes.extend_from_slice(b"530102201203150117,Jos\xe9,\xc4\xe3\n");
        assert_eq!(detect(&bytes, true), Some((Encoding::Utf8, 0)));
        let mut gb_bytes = gbk("身份证号,姓名,性别\n1,张伟,男\n2,李娜,女\n3,王芳,女\n");
        gb_bytes.extend_from_slice("4,赵敏,女\n".as_bytes());
        assert_eq!(detect(&gb_bytes, true), Some((Encoding::Gb18030, 0)));
    }

    #[test]
    fn fields_decode_one_by_one() {
        let mut out = String::new();
        assert!(decode_field(Encoding::Gb18030, &gbk("王小明"), &mut out));
        assert!(!decode_field(Encoding::Utf8, b"Jos\xe9", &mut out));
        assert!(!decode_field(Encoding::Gb18030, &[0xFF, 0xFF], &mut out));
        assert_eq!(out, "王小明");
    }

    #[test]
    fn a_finished_utf16_decoder_is_not_called_again() {
        // Found by fuzzing: a read after the end panicked inside encoding_rs.
        let bytes = [0xFF, 0xFE, 0, 0, 13, 10, 13, 0xFF, 13];
        let mut reader = DecodingReader::new(&bytes[2..], Encoding::Utf16Le);
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(reader.read(&mut [0u8; 16]).unwrap(), 0);
    }

    #[test]
    fn rejects_bytes_that_are_neither() {
        assert_eq!(detect(&[0x81, 0x20, 0xFF, 0xFF, 0x80], true), None);
    }

    #[test]
    fn decoding_reader_transcodes_gb18030() {
        let text = "身份证号,姓名\n110105194912310021,王小明\n";
        let mut out = String::new();
        DecodingReader::new(&gbk(text)[..], Encoding::Gb18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }
}
