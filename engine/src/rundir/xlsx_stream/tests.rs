use std::io::Read;

use calamine::{Data, Reader, Xlsx, open_workbook};

use super::*;

const HEADER: [&str; 6] = ["id_number", "姓名", "age", "weight", "note", "poor"];
const KINDS: [Kind; 6] = [
    Kind::Text,
    Kind::Text,
    Kind::Int,
    Kind::Weight,
    Kind::Text,
    Kind::Flag,
];

/// Rows a register can give: an ID a number cell would round, Chinese, markup and
/// controls, an underscore escape written literally, a number column's word, blanks.
fn rows() -> Vec<Vec<String>> {
    [
        [
            "530111201501011000",
            "王小明",
            "11",
            "9.40",
            "a & b <c> \"d\"",
            "1",
        ],
        [
            "53011120150101100X",
            "欧阳 娜娜",
            "abc",
            "-3.25",
            " leading and trailing ",
            "0",
        ],
        [
            "530111201501012000",
            "",
            "+5",
            "",
            "bell\u{7}, _x0041_, tab\tnewline\n, cr\r",
            "",
        ],
        [
            "530111201501013000",
            "李四",
            "007",
            "1e1",
            "noncharacter \u{FFFE} here",
            "1",
        ],
    ]
    .iter()
    .map(|r| r.iter().map(|c| c.to_string()).collect())
    .collect()
}

/// Writes `dir/book.xlsx` from `rows`, a sheet for every `sheet_rows` of them.
fn write(dir: &Path, rows: &[Vec<String>], sheet_rows: usize) {
    let mut book = StreamedBook::new(&HEADER, &KINDS).unwrap();
    book.sheet_rows = sheet_rows;
    for row in rows {
        book.push(row.iter().map(String::as_str)).unwrap();
    }
    let created = Date::new(2026, 9, 1).unwrap();
    book.finish(dir, "book.xlsx", "at risk", created).unwrap();
}

/// Every part of the workbook, read through a zip reader that checks each checksum.
fn parts(path: &Path) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut part = zip.by_index(i).unwrap();
            let mut xml = String::new();
            part.read_to_string(&mut xml).unwrap();
            (part.name().to_string(), xml)
        })
        .collect()
}

#[test]
fn a_spreadsheet_reader_gets_every_cell_as_written_and_typed_by_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows();
    write(dir.path(), &rows, SHEET_ROWS);
    let mut book: Xlsx<_> = open_workbook(dir.path().join("book.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), vec!["at risk".to_string()]);
    let range = book.worksheet_range("at risk").unwrap();
    let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(cells.len(), rows.len() + 1);
    for (c, name) in HEADER.iter().enumerate() {
        assert_eq!(cells[0][c], Data::String(name.to_string()));
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let expected = match (KINDS[c], value.parse::<f64>()) {
                _ if value.is_empty() => Data::Empty,
                (Kind::Int | Kind::Weight | Kind::Flag, Ok(n)) => Data::Float(n),
                // calamine reads back `_x000D_` as the character; U+FFFE stays escaped.
                _ => Data::String(value.replace('\u{FFFE}', "_xFFFE_")),
            };
            assert_eq!(cells[r + 1][c], expected, "row {r}, {}", HEADER[c]);
        }
    }
}

#[test]
fn a_sheet_holds_its_header_frozen_filtered_and_columns_as_wide_as_their_cells() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &rows(), SHEET_ROWS);
    let parts = parts(&dir.path().join("book.xlsx"));
    let sheet = &parts
        .iter()
        .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
        .unwrap()
        .1;
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(sheet.contains("<autoFilter ref=\"A1:F5\"/>"), "{sheet}");
    assert!(sheet.contains("<dimension ref=\"A1:F5\"/>"), "{sheet}");
    // The header is bold (style 1), a weight shows two decimals (style 2).
    assert!(
        sheet.contains("<c r=\"A1\" s=\"1\" t=\"inlineStr\">"),
        "{sheet}"
    );
    assert!(
        sheet.contains("<c r=\"D2\" s=\"2\"><v>9.4</v></c>"),
        "{sheet}"
    );
    // Widest cells: 18 characters of an ID; 欧阳 娜娜 is 9 wide; plus 2 of margin.
    let width = |chars: f64| ((chars + 2.0 + 5.0 / 7.0) * 256.0).trunc() / 256.0;
    for (col, chars) in [(1, 18.0), (2, 9.0)] {
        let expected = format!(
            "<col min=\"{col}\" max=\"{col}\" width=\"{}\" customWidth=\"1\"/>",
            width(chars)
        );
        assert!(sheet.contains(&expected), "{expected} in {sheet}");
    }
    let workbook = &parts
        .iter()
        .find(|(n, _)| n == "xl/workbook.xml")
        .unwrap()
        .1;
    assert!(
        workbook.contains("'at risk'!$A$1:$F$5</definedName>"),
        "{workbook}"
    );
}

#[test]
fn past_a_sheets_rows_the_next_sheet_starts_with_the_header_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = rows();
    rows.extend(self::rows());
    write(dir.path(), &rows[..5], 2);
    // Only the first sheet is selected: several would open grouped. Each sheet filters
    // its own rows.
    let parts = parts(&dir.path().join("book.xlsx"));
    let part = |name: &str| &parts.iter().find(|(n, _)| n == name).unwrap().1;
    assert!(part("xl/worksheets/sheet1.xml").contains("tabSelected"));
    for (k, rows) in [(2, 3), (3, 2)] {
        let sheet = part(&format!("xl/worksheets/sheet{k}.xml"));
        assert!(!sheet.contains("tabSelected"), "sheet {k}");
        assert!(
            sheet.contains(&format!("<autoFilter ref=\"A1:F{rows}\"/>")),
            "{sheet}"
        );
        assert!(
            part("xl/workbook.xml").contains(&format!("'at risk {k}'!$A$1:$F${rows}<")),
            "sheet {k}"
        );
    }
    let mut book: Xlsx<_> = open_workbook(dir.path().join("book.xlsx")).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, ["at risk 1", "at risk 2", "at risk 3"]);
    let mut read = Vec::new();
    for name in names {
        let range = book.worksheet_range(&name).unwrap();
        let cells: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(cells[0][0], Data::String("id_number".into()), "{name}");
        read.extend(cells[1..].iter().map(|r| r[0].to_string()));
    }
    let ids: Vec<String> = rows[..5].iter().map(|r| r[0].clone()).collect();
    assert_eq!(read, ids);
}

#[test]
fn the_same_rows_write_the_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), &rows(), SHEET_ROWS);
    write(b.path(), &rows(), SHEET_ROWS);
    let bytes = |d: &tempfile::TempDir| std::fs::read(d.path().join("book.xlsx")).unwrap();
    assert_eq!(bytes(&a), bytes(&b));
}

#[test]
fn a_header_without_rows_is_a_workbook_of_its_header() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[], SHEET_ROWS);
    let mut book: Xlsx<_> = open_workbook(dir.path().join("book.xlsx")).unwrap();
    let range = book.worksheet_range("at risk").unwrap();
    assert_eq!(range.height(), 1);
}

#[test]
fn a_cell_longer_than_a_spreadsheet_cell_is_an_error_naming_its_column() {
    let mut book = StreamedBook::new(&HEADER, &KINDS).unwrap();
    let long = "长".repeat(40_000);
    let row = ["", "", "", "", long.as_str(), ""];
    let error = book.push(row.into_iter()).unwrap_err().to_string();
    assert!(
        error.contains("column note") && error.contains("32767"),
        "{error}"
    );
}

#[test]
fn a_sheet_of_many_rows_reads_back_whole() {
    // Rows well past the deflate stream's buffers.
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<String>> = (0..20_000)
        .map(|i| {
            let id = format!("53011120150101{i:04}");
            vec![
                id,
                format!("名{i}"),
                (i % 15).to_string(),
                String::new(),
                "x".repeat(i % 50),
                (i % 2).to_string(),
            ]
        })
        .collect();
    write(dir.path(), &rows, SHEET_ROWS);
    let mut book: Xlsx<_> = open_workbook(dir.path().join("book.xlsx")).unwrap();
    let range = book.worksheet_range("at risk").unwrap();
    assert_eq!(range.height(), rows.len() + 1);
    let last = range.rows().next_back().unwrap();
    assert_eq!(last[0], Data::String(rows[19_999][0].clone()));
    assert_eq!(last[4], Data::String("x".repeat(19_999 % 50)));
}
