//! The package around a streamed workbook's sheets: its fixed parts (content types,
//! relationships, styles, properties) and the zip container itself, written in one pass
//! with each part's sizes and checksum before its bytes, as a sheet's compressed rows are
//! already in hand when it is written.

use std::io::Write;

use flate2::Compression;
use flate2::write::DeflateEncoder;

use super::{MAIN, RELS, SheetBody, XML_HEAD, column_name, escape};
use crate::pipeline::normalize::date::Date;

const PACKAGE_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Zip records: a part's local header, its central directory entry, the directory's end.
const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
/// Version 2.0 of the format: deflate.
const VERSION: u16 = 20;
const DEFLATED: u16 = 8;
/// Every part is dated 1980-01-01 00:00 (MS-DOS date and time), so that the same rows
/// write the same bytes.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A zip archive being written.
pub(super) struct Package<W: Write> {
    out: W,
    written: u64,
    /// Each part's central directory entry: name, checksum, sizes, offset.
    entries: Vec<(String, u32, u64, u64, u64)>,
}

impl<W: Write> Package<W> {
    pub(super) fn new(out: W) -> Package<W> {
        Package {
            out,
            written: 0,
            entries: Vec::new(),
        }
    }

    /// Adds the part `path` holding `xml`.
    pub(super) fn part(&mut self, path: &str, xml: &[u8]) -> anyhow::Result<()> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(xml)?;
        let data = encoder.finish()?;
        self.entry(path, crc32fast::hash(xml), xml.len() as u64, &[&data])
    }

    /// Adds a sheet: its head and tail around its compressed rows. The three are deflate
    /// streams one after the other, the head's and the rows' ended by a sync flush (an
    /// empty stored block, not final), so they read as one.
    pub(super) fn sheet(
        &mut self,
        path: &str,
        head: &[u8],
        body: SheetBody,
        tail: &[u8],
    ) -> anyhow::Result<()> {
        let level = Compression::new(super::SHEET_LEVEL);
        let mut head_encoder = DeflateEncoder::new(Vec::new(), level);
        head_encoder.write_all(head)?;
        head_encoder.flush()?;
        let head_data = std::mem::take(head_encoder.get_mut());
        let SheetBody {
            mut encoder,
            crc: body_crc,
            len: body_len,
            ..
        } = body;
        encoder.flush()?;
        let body_data = std::mem::take(encoder.get_mut());
        let mut tail_encoder = DeflateEncoder::new(Vec::new(), level);
        tail_encoder.write_all(tail)?;
        let tail_data = tail_encoder.finish()?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(head);
        crc.combine(&body_crc);
        let mut tail_crc = crc32fast::Hasher::new();
        tail_crc.update(tail);
        crc.combine(&tail_crc);
        let len = head.len() as u64 + body_len + tail.len() as u64;
        self.entry(
            path,
            crc.finalize(),
            len,
            &[&head_data, &body_data, &tail_data],
        )
    }

    fn entry(&mut self, path: &str, crc: u32, len: u64, data: &[&[u8]]) -> anyhow::Result<()> {
        let compressed: u64 = data.iter().map(|d| d.len() as u64).sum();
        let offset = self.written;
        let mut header = Vec::with_capacity(30 + path.len());
        put32(&mut header, LOCAL_HEADER);
        put_part(&mut header, path, crc, (compressed, len))?;
        put16(&mut header, 0);
        header.extend_from_slice(path.as_bytes());
        self.write(&header)?;
        for d in data {
            self.write(d)?;
        }
        self.entries
            .push((path.to_string(), crc, compressed, len, offset));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.written += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// Writes the central directory.
    pub(super) fn finish(mut self) -> anyhow::Result<()> {
        let start = self.written;
        let mut directory = Vec::new();
        for (path, crc, compressed, len, offset) in &self.entries {
            put32(&mut directory, CENTRAL_HEADER);
            put16(&mut directory, VERSION);
            put_part(&mut directory, path, *crc, (*compressed, *len))?;
            // Extra field, comment, disk, internal and external attributes.
            put16(&mut directory, 0);
            put16(&mut directory, 0);
            put16(&mut directory, 0);
            put16(&mut directory, 0);
            put32(&mut directory, 0);
            put32(&mut directory, small(*offset, path)?);
            directory.extend_from_slice(path.as_bytes());
        }
        let entries = u16::try_from(self.entries.len())?;
        put32(&mut directory, END_OF_DIRECTORY);
        put16(&mut directory, 0);
        put16(&mut directory, 0);
        put16(&mut directory, entries);
        put16(&mut directory, entries);
        let size = directory.len() - 4 - 8;
        put32(&mut directory, small(size as u64, "the directory")?);
        put32(&mut directory, small(start, "the directory")?);
        put16(&mut directory, 0);
        self.write(&directory)?;
        Ok(())
    }
}

/// What a part's local header and its directory entry both say, in that order: the
/// version needed, flags, method, time and date, checksum, sizes and the name's length.
fn put_part(
    out: &mut Vec<u8>,
    path: &str,
    crc: u32,
    (compressed, len): (u64, u64),
) -> anyhow::Result<()> {
    put16(out, VERSION);
    put16(out, 0);
    put16(out, DEFLATED);
    put16(out, DOS_TIME);
    put16(out, DOS_DATE);
    put32(out, crc);
    put32(out, small(compressed, path)?);
    put32(out, small(len, path)?);
    put16(out, path.len() as u16);
    Ok(())
}

/// A size or offset the format holds in 32 bits.
fn small(n: u64, what: &str) -> anyhow::Result<u32> {
    u32::try_from(n)
        .map_err(|_| anyhow::anyhow!("{what}: {n} bytes, more than a workbook without zip64 holds"))
}

fn put16(out: &mut Vec<u8>, n: u16) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// The parts of the package other than the sheets, by path.
pub(super) fn package_parts(
    sheets: &[String],
    columns: usize,
    rows: &[usize],
    created: Date,
) -> Vec<(String, String)> {
    let n = sheets.len();
    let mut types = format!(
        "{XML_HEAD}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    );
    let mut book_sheets = String::new();
    let mut filters = String::new();
    let mut book_rels = format!("{XML_HEAD}<Relationships xmlns=\"{PACKAGE_RELS}\">");
    let last_column = column_name(columns.max(1) - 1);
    for (i, name) in sheets.iter().enumerate() {
        let k = i + 1;
        types.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{k}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
        let name = escape(name);
        book_sheets.push_str(&format!(
            "<sheet name=\"{name}\" sheetId=\"{k}\" r:id=\"rId{k}\"/>"
        ));
        let page_rows = rows[i];
        filters.push_str(&format!(
            "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{i}\" hidden=\"1\">'{}'!$A$1:${last_column}${}</definedName>",
            name.replace('\'', "''"),
            page_rows + 1
        ));
        book_rels.push_str(&format!(
            "<Relationship Id=\"rId{k}\" Type=\"{RELS}/worksheet\" Target=\"worksheets/sheet{k}.xml\"/>"
        ));
    }
    types.push_str("</Types>");
    book_rels.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"{RELS}/styles\" Target=\"styles.xml\"/></Relationships>",
        n + 1
    ));
    let workbook = format!(
        "{XML_HEAD}<workbook xmlns=\"{MAIN}\" xmlns:r=\"{RELS}\">\
         <bookViews><workbookView/></bookViews><sheets>{book_sheets}</sheets>\
         <definedNames>{filters}</definedNames></workbook>"
    );
    let root_rels = format!(
        "{XML_HEAD}<Relationships xmlns=\"{PACKAGE_RELS}\">\
         <Relationship Id=\"rId1\" Type=\"{RELS}/officeDocument\" Target=\"xl/workbook.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{RELS}/extended-properties\" Target=\"docProps/app.xml\"/>\
         </Relationships>"
    );
    let styles = format!(
        "{XML_HEAD}<styleSheet xmlns=\"{MAIN}\">\
         <fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>\
         <font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>\
         <fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
         <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
         <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
         <cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
         <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\
         <xf numFmtId=\"2\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs>\
         <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
         </styleSheet>"
    );
    let day = format!(
        "{:04}-{:02}-{:02}T00:00:00Z",
        created.year,
        created.month,
        created.day.max(1)
    );
    let core = format!(
        "{XML_HEAD}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{day}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{day}</dcterms:modified></cp:coreProperties>"
    );
    let app = format!(
        "{XML_HEAD}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">\
         <Application>sanku</Application></Properties>"
    );
    vec![
        ("[Content_Types].xml".into(), types),
        ("_rels/.rels".into(), root_rels),
        ("docProps/app.xml".into(), app),
        ("docProps/core.xml".into(), core),
        ("xl/workbook.xml".into(), workbook),
        ("xl/_rels/workbook.xml.rels".into(), book_rels),
        ("xl/styles.xml".into(), styles),
    ]
}
