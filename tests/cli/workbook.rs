//! ledger.xlsx: the ledger a county clerk opens in Excel — the same rows as ledger.csv, ID
//! and student numbers as text cells, the header frozen and filtered.

use std::io::Read;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::workdir::Workdir;

/// One part of a workbook (a zip archive) as text.
fn part(path: &std::path::Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

#[test]
fn the_ledger_workbook_holds_the_ledger_with_ids_as_text() {
    let wd = Workdir::with_fixture("demo");
    wd.expect_code(&["run", "input", "--out", "out", "-q"], 0);
    let csv_text = wd.read("out/ledger.csv");
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();

    let mut book: Xlsx<_> = open_workbook(wd.path("out/ledger.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), vec!["ledger".to_string()]);
    let range = book.worksheet_range("ledger").unwrap();
    let cells: Vec<&[Data]> = range.rows().collect();
    assert_eq!(cells.len(), rows.len() + 1);
    for (c, name) in header.iter().enumerate() {
        assert_eq!(cells[0][c], Data::String(name.clone()));
    }
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, values) in rows.iter().enumerate() {
        let cells = cells[row + 1];
        // Every ID and household number is a text cell holding every character.
        for name in [
            "id_number",
            "household_no",
            "best_candidate",
            "name",
            "division_code",
        ] {
            let c = column(name);
            let expected = if values[c].is_empty() {
                Data::Empty
            } else {
                Data::String(values[c].clone())
            };
            assert_eq!(cells[c], expected, "{name} of row {row}");
        }
        // Ages, flags and weights are numbers on every row (no weight, no cell); every
        // other column is text.
        for (c, name) in header.iter().enumerate() {
            let value = &values[c];
            let expected = match name.as_str() {
                _ if value.is_empty() => Data::Empty,
                "age" | "poor" | "disabled" | "aided_this_term" | "best_weight" => {
                    Data::Float(value.parse().unwrap())
                }
                _ => Data::String(value.clone()),
            };
            assert_eq!(cells[c], expected, "{name} of row {row}");
        }
        for flag in ["poor", "disabled", "aided_this_term"] {
            assert!(matches!(values[column(flag)].as_str(), "0" | "1"));
        }
    }
    let xml = part(&wd.path("out/ledger.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(xml.contains("state=\"frozen\""), "no frozen header");
    assert!(xml.contains("<autoFilter"), "no filter");
}

#[test]
fn a_pseudonymised_ledger_workbook_holds_the_tokens_not_the_ids() {
    let wd = Workdir::with_fixture("demo");
    wd.write("key", "0123456789abcdef0123456789abcdef");
    wd.expect_code(
        &[
            "run",
            "input",
            "--out",
            "out",
            "-q",
            "--pseudonymize",
            "key",
        ],
        0,
    );
    let xml = part(&wd.path("out/ledger.xlsx"), "xl/sharedStrings.xml");
    assert!(
        !xml.contains("530111201501300247"),
        "an ID number in the workbook"
    );
    assert!(!xml.contains("陈静"), "a name in the workbook");
    assert!(xml.contains(">P"), "no token in the workbook");
}
