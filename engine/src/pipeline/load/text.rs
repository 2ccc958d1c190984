//! A delimited text file opened for reading, as both the registers' reader (`csv.rs`) and
//! the any-table reader of `sanku link` (`any.rs`) read one: its encoding declared or
//! detected on the first megabyte (UTF-8 with or without BOM, GB18030/GBK, UTF-16), the
//! byte-order mark skipped, the delimiter declared or sniffed (comma, or tab for Excel's
//! "Unicode text"), UTF-16 decoded on the way, and its records split. A record's fields
//! come back as text borrowed from the record when they can be, decoded when they must.

use std::io::{self, Cursor, Read};
use std::path::Path;

use super::encoding::{DecodingReader, Encoding, decode_field, detect};
use super::records::{Broken, Next, Splitter};
use crate::ground::error::bad_input;

/// The bytes the encoding and delimiter are judged on.
const SNIFF_BYTES: usize = 1 << 20;

/// A text file being read: how it is encoded, its delimiter, and its records.
pub(crate) struct TextFile<'a> {
    pub encoding: Encoding,
    pub delimiter: u8,
    pub splitter: Splitter<Box<dyn Read + Send + 'a>>,
}

/// How a text file is read; unset means detected. `fix` tells the user what to do when the
/// encoding cannot be told (declare it in a config section, or save the file again).
pub(crate) struct TextOptions<'a> {
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    pub name: &'a str,
    pub fix: &'a str,
}

/// Opens the text `raw` holds. An error reading its first megabyte goes through
/// `read_error`; an encoding that cannot be told is bad input naming the file.
pub(crate) fn open_text<'a, R: Read + Send + 'a>(
    mut raw: R,
    options: &TextOptions,
    read_error: impl FnOnce(io::Error) -> anyhow::Error,
) -> anyhow::Result<TextFile<'a>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut raw)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    let complete = head.len() < SNIFF_BYTES;
    let (encoding, bom) = match options.encoding {
        Some(declared) => (declared, bom_length(&head, declared)),
        None => detect(&head, complete).ok_or_else(|| {
            bad_input(format!(
                "{}: cannot tell the text encoding (neither UTF-8 nor GB18030); {}",
                options.name, options.fix
            ))
        })?,
    };
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(&head[bom..], encoding));
    head.drain(..bom);
    let stream = Cursor::new(head).chain(raw);
    let text: Box<dyn Read + Send + 'a> = match encoding {
        Encoding::Utf8 | Encoding::Gb18030 => Box::new(stream),
        utf16 => Box::new(DecodingReader::new(stream, utf16)),
    };
    Ok(TextFile {
        encoding,
        delimiter,
        splitter: Splitter::new(text, delimiter),
    })
}

/// The fields `columns` of the record the splitter holds, as text.
pub(crate) enum Fields<'s> {
    /// The whole record is valid text and every field starts and ends on a character
    /// boundary: field `i` is `all[splitter.range(i)]`, borrowed.
    Plain(&'s str),
    /// Decoded field by field into the caller's buffer, each ending where `ends` says.
    Decoded,
    /// The field at this position of `columns` holds bytes not valid in the encoding.
    Undecodable(usize),
}

/// Reads the fields `columns` of the splitter's current record: borrowed when the record
/// is valid UTF-8 (or ASCII GB18030) as a whole, else decoded into `text` with each
/// field's end in `ends`. Fields joined end to end may form a character that neither holds
/// alone (a lead byte, a delimiter, a continuation byte): each field must start and end on
/// a character boundary to be borrowed.
pub(crate) fn record_fields<'s, R: Read>(
    splitter: &'s Splitter<R>,
    encoding: Encoding,
    columns: impl Iterator<Item = usize> + Clone,
    text: &mut String,
    ends: &mut Vec<usize>,
) -> Fields<'s> {
    let plain = match encoding {
        Encoding::Utf8 => std::str::from_utf8(splitter.bytes()).ok(),
        Encoding::Gb18030 if splitter.bytes().is_ascii() => {
            std::str::from_utf8(splitter.bytes()).ok()
        }
        _ => None,
    };
    let whole = |all: &str| {
        columns.clone().all(|i| {
            let range = splitter.range(i);
            all.is_char_boundary(range.start) && all.is_char_boundary(range.end)
        })
    };
    if let Some(all) = plain.filter(|all| whole(all)) {
        return Fields::Plain(all);
    }
    text.clear();
    ends.clear();
    for (at, i) in columns.enumerate() {
        let ok = decode_field(encoding, splitter.field(i), text);
        ends.push(text.len());
        if !ok {
            return Fields::Undecodable(at);
        }
    }
    Fields::Decoded
}

/// The fields `text` holds end to end, each ending where `ends` says.
pub(crate) fn decoded<'t>(text: &'t str, ends: &'t [usize]) -> impl Iterator<Item = &'t str> {
    ends.iter().scan(0, |start, &end| {
        let value = &text[*start..end];
        *start = end;
        Some(value)
    })
}

/// Every record of a small text table read whole — a run's own CSV file as written, or as
/// a spreadsheet saved it again (UTF-8 with or without a byte-order mark, GB18030, UTF-16
/// tab-separated "Unicode text", any line ends; quoted fields may hold line breaks) — each
/// decoded. Blank lines are not records. A record that cannot be split or decoded is bad
/// input naming its line.
pub fn read_records(path: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let shown = path.display().to_string();
    let cannot_read = |e: io::Error| bad_input(format!("{shown}: cannot read: {e}"));
    // Read whole, so that the encoding is judged on all of it, not its first megabyte.
    let bytes = std::fs::read(path).map_err(cannot_read)?;
    let encoding = detect(&bytes, true).map(|(encoding, _)| encoding);
    let TextFile {
        encoding,
        mut splitter,
        ..
    } = open_text(
        Cursor::new(bytes),
        &TextOptions {
            encoding,
            delimiter: None,
            name: &shown,
            fix: "save it again as CSV UTF-8",
        },
        cannot_read,
    )?;
    let (mut records, mut text, mut ends) = (Vec::new(), String::new(), Vec::new());
    loop {
        let line = match splitter.next_record().map_err(cannot_read)? {
            Next::End => return Ok(records),
            Next::Broken { line, reason } => {
                let why = match reason {
                    Broken::UnclosedQuote => "a quote opened in this line is never closed",
                    Broken::TooLong => "the row is longer than 64 MiB",
                };
                return Err(bad_input(format!(
                    "{shown}: line {line}: {why}; correct the line, or save the file again from the spreadsheet"
                )));
            }
            Next::Record { line } => line,
        };
        let columns = 0..splitter.len();
        records.push(
            match record_fields(&splitter, encoding, columns.clone(), &mut text, &mut ends) {
                Fields::Plain(all) => columns
                    .map(|i| all[splitter.range(i)].to_string())
                    .collect(),
                Fields::Decoded => decoded(&text, &ends).map(str::to_string).collect(),
                Fields::Undecodable(_) => {
                    return Err(bad_input(format!(
                        "{shown}: line {line}: not readable as {}; save it again as CSV UTF-8",
                        encoding.key()
                    )));
                }
            },
        );
    }
}

fn bom_length(head: &[u8], encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 if head.starts_with(&[0xEF, 0xBB, 0xBF]) => 3,
        Encoding::Utf16Le if head.starts_with(&[0xFF, 0xFE]) => 2,
        Encoding::Utf16Be if head.starts_with(&[0xFE, 0xFF]) => 2,
        _ => 0,
    }
}

/// Tab when the header line has more tabs than commas (Excel's "Unicode text"), else comma.
pub(crate) fn sniff_delimiter(head: &[u8], encoding: Encoding) -> u8 {
    let text = encoding.decode_lossy(head);
    let first_line = text.lines().next().unwrap_or("");
    let tabs = first_line.matches('\t').count();
    let commas = first_line.matches(',').count();
    if tabs > commas { b'\t' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_tab_and_comma() {
        assert_eq!(
            sniff_delimiter("a\tb\tc\n1,2\t3".as_bytes(), Encoding::Utf8),
            b'\t'
        );
        assert_eq!(
            sniff_delimiter("身份证号,姓名\n".as_bytes(), Encoding::Utf8),
            b','
        );
    }

    fn records_of(bytes: &[u8]) -> anyhow::Result<Vec<Vec<String>>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.csv");
        std::fs::write(&path, bytes).unwrap();
        read_records(&path)
    }

    #[test]
    fn a_table_saved_again_as_unicode_text_is_read_whole() {
        // Excel's "Unicode text": UTF-16LE with a byte-order mark, tab-separated; a note
        // typed with Alt+Enter; a blank line.
        let text = "case_id\tnote\r\nC1\t\"两行\n说明\"\r\n\r\nC2\t已返校\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let records = records_of(&bytes).unwrap();
        assert_eq!(
            records,
            [
                vec!["case_id", "note"],
                vec!["C1", "两行\n说明"],
                vec!["C2", "已返校"]
            ]
        );
    }

    #[test]
    fn gb18030_is_read_and_a_record_not_in_it_names_its_line() {
        let (gb, _, _) = encoding_rs::GB18030.encode("编号,姓名\n1,张三\n");
        assert_eq!(records_of(&gb).unwrap()[1], ["1", "张三"]);
        let mut bad = gb.into_owned();
        bad.extend_from_slice(b"2,\xFF\xFF\n");
        let err = records_of(&bad).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("gb18030"), "{err}");
    }

    #[test]
    fn a_quote_never_closed_names_its_line_and_what_to_do() {
        let err = records_of(b"case_id,note\nC1,\"open\nC2,ok\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2: a quote opened in this line is never closed"),
            "{err}"
        );
        assert!(err.contains("save the file again"), "{err}");
    }
}
