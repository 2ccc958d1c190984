//! Text encodings of CSV extracts: detection from the first bytes (BOM, valid UTF-8,
//! valid GB18030) and a streaming decoder that turns any of them into UTF-8, failing with
//! the line number at the first byte sequence the encoding cannot decode.

use std::io::{self, Read};

use encoding_rs::{Decoder, DecoderResult};

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

/// Detects the encoding of a file from its first bytes. Returns the encoding and the length
/// of its byte-order mark, or `None` when the bytes are neither UTF-8 nor GB18030.
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
    if decodes(Encoding::Utf8, head, complete) {
        return Some((Encoding::Utf8, 0));
    }
    if decodes(Encoding::Gb18030, head, complete) {
        return Some((Encoding::Gb18030, 0));
    }
    None
}

/// Whether `bytes` decode cleanly; an incomplete sequence at the end of a partial read is
/// allowed.
fn decodes(encoding: Encoding, bytes: &[u8], complete: bool) -> bool {
    let mut decoder = encoding.decoder();
    let mut out = vec![0u8; bytes.len() * 3 + 16];
    let (result, _, _) = decoder.decode_to_utf8_without_replacement(bytes, &mut out, complete);
    !matches!(result, DecoderResult::Malformed(..))
}

/// A reader that decodes `inner` from `encoding` into UTF-8, strictly.
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
    lines_out: u64,
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
            lines_out: 1,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        loop {
            if self.raw_start == self.raw_end && !self.eof {
                self.raw_start = 0;
                self.raw_end = self.inner.read(&mut self.raw)?;
                self.eof = self.raw_end == 0;
            }
            let src = &self.raw[self.raw_start..self.raw_end];
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(src, &mut self.out, self.eof);
            self.raw_start += read;
            self.out_start = 0;
            self.out_end = written;
            if let DecoderResult::Malformed(..) = result {
                let lines = self.out[..written].iter().filter(|&&b| b == b'\n').count() as u64;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "bytes that are not valid text in this encoding at line {}",
                        self.lines_out + lines
                    ),
                ));
            }
            if written > 0 || self.eof {
                self.lines_out +=
                    self.out[..written].iter().filter(|&&b| b == b'\n').count() as u64;
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

/// A reader that turns CRLF line endings into LF, so that the CSV parser numbers lines
/// the same way for Windows and Unix files.
pub struct LfReader<R> {
    inner: R,
    /// A carriage return held back because the next byte was not read yet.
    pending_cr: bool,
}

impl<R: Read> LfReader<R> {
    pub fn new(inner: R) -> Self {
        LfReader {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for LfReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        loop {
            let start = usize::from(self.pending_cr);
            let n = self.inner.read(&mut buf[start..])?;
            if start == 1 {
                buf[0] = b'\r';
            }
            if n == 0 {
                self.pending_cr = false;
                return Ok(start);
            }
            let mut len = start + n;
            if start == 0 && !buf[..len].contains(&b'\r') {
                return Ok(len);
            }
            self.pending_cr = buf[len - 1] == b'\r';
            if self.pending_cr {
                len -= 1;
            }
            let mut out = 0;
            for i in 0..len {
                let is_crlf = buf[i] == b'\r' && i + 1 < len && buf[i + 1] == b'\n';
                if !is_crlf {
                    buf[out] = buf[i];
                    out += 1;
                }
            }
            if out > 0 {
                return Ok(out);
            }
        }
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
    fn a_partial_read_may_end_inside_a_character() {
        let bytes = "姓名".as_bytes();
        assert_eq!(detect(&bytes[..4], false), Some((Encoding::Utf8, 0)));
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

    #[test]
    fn lf_reader_folds_crlf_across_reads() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(3);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = String::new();
        LfReader::new(Trickle(b"ab\r\ncd\r\r\nef\r"))
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "ab\ncd\r\nef\r");
    }

    #[test]
    fn decoding_reader_names_the_line_of_bad_bytes() {
        let mut bytes = gbk("a,b\nc,d\n");
        bytes.extend_from_slice(&[0xFF, 0xFF, b'\n']);
        let err = DecodingReader::new(&bytes[..], Encoding::Gb18030)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }
}
