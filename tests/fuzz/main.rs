//! Property tests over arbitrary bytes: the CSV reader, `sanku link`'s reader, the reader
//! of tables read back, encoding detection, ID, date and name normalisation and the config
//! loader never panic, and the CSV reader accounts for
//! every line whatever its buffer and chunk sizes. CI runs the default number of cases;
//! `scripts/fuzz-long.sh` runs them for as long as it is given.

use std::io::{self, Read};
use std::path::Path;

use clap::Parser;
use proptest::prelude::*;
use sanku::cli::{Cli, Command};
use sanku::config::Config;
use sanku::ground::error::{ExitCode, exit_code_of};
use sanku::ground::mask::mask_id;
use sanku::ground::progress::Progress;
use sanku::ground::schema::SourceKind;
use sanku::pipeline::load::any::{AnyOptions, read_any};
use sanku::pipeline::load::csv::read_csv_chunks;
use sanku::pipeline::load::encoding::{Encoding, decode_field, detect};
use sanku::pipeline::load::records::{Next, Splitter};
use sanku::pipeline::load::text::read_records;
use sanku::pipeline::load::{ChunkWork, InputFile, SourceOptions, Table};
use sanku::pipeline::normalize::date::Date;
use sanku::pipeline::normalize::id::{parse_id, parse_record_id};
use sanku::pipeline::normalize::name::normalize_name;

/// Bytes that look like a register export often enough to reach deep paths: CSV
/// punctuation, line ends of every kind, Chinese text in UTF-8 and GBK, ID-like digit
/// runs and bytes valid in no encoding.
fn register_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\t".to_vec()),
        Just("张伟".as_bytes().to_vec()),
        Just(vec![0xD5, 0xC5, 0xCE, 0xB0]),
        Just(b"530102201203150117".to_vec()),
        Just(b"2012-03-15".to_vec()),
        Just(vec![0xFF]),
        Just(vec![0xE9]),
        Just(vec![0xEF, 0xBB, 0xBF]),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// A reader that hands out its bytes a few at a time, so buffer refills fall everywhere.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.len().min(buf.len()).min(self.step);
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Every record (line, fields) and broken line (line, None) of `text`.
type Split = Vec<(u64, Option<Vec<Vec<u8>>>)>;

fn split(reader: impl Read, expected: Option<usize>) -> Split {
    let mut splitter = Splitter::new(reader, b',');
    if let Some(n) = expected {
        splitter.expect_fields(n);
    }
    let mut out = Vec::new();
    loop {
        match splitter.next_record().unwrap() {
            Next::Record { line } => out.push((
                line,
                Some(
                    (0..splitter.len())
                        .map(|i| splitter.field(i).to_vec())
                        .collect(),
                ),
            )),
            Next::Broken { line, .. } => out.push((line, None)),
            Next::End => return out,
        }
    }
}

/// Lines of `text` as the splitter counts them: LF, CRLF and a lone CR each end one.
fn line_count(text: &[u8]) -> u64 {
    let mut lines = 1;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\n' => lines += 1,
            b'\r' if text.get(i + 1) != Some(&b'\n') => lines += 1,
            _ => {}
        }
        i += 1;
    }
    lines
}

/// Reads `bytes` as a population CSV in chunks of `chunk_rows`: (line, values) of every
/// kept row and (line, field, reason) of every reject, or the error's exit code.
type Read_ = Result<(Vec<(u64, Vec<String>)>, Vec<(u64, String, String)>), ExitCode>;

fn read_population(dir: &Path, bytes: &[u8], chunk_rows: usize) -> Read_ {
    let path = dir.join("population.csv");
    std::fs::write(&path, bytes).unwrap();
    let options = SourceOptions::default();
    let file = InputFile {
        path,
        name: "population.csv".into(),
        line_base: 0,
    };
    type Chunk = (Vec<(u64, Vec<String>)>, Vec<(u64, String, String)>);
    let map = |table: &Table| -> Chunk {
        let fields = [
            sanku::ground::schema::Field::IdNumber,
            sanku::ground::schema::Field::Name,
        ];
        let kept = (0..table.len())
            .map(|row| {
                let values = fields.iter().map(|&f| table.value(row, f).to_string());
                (table.lines[row], values.collect())
            })
            .collect();
        let rejected = table
            .rejects
            .iter()
            .map(|r| (r.line, r.field.clone(), r.reason.clone()))
            .collect();
        (kept, rejected)
    };
    let (mut kept, mut rejected) = (Vec::new(), Vec::new());
    let result = read_csv_chunks(
        SourceKind::Population,
        &options,
        &file,
        &Progress::new(true),
        chunk_rows,
        ChunkWork {
            map: &map,
            reduce: &mut |chunk| {
                kept.extend(chunk.part.0);
                rejected.extend(chunk.part.1);
                Ok(())
            },
        },
    );
    match result {
        Ok(_) => Ok((kept, rejected)),
        Err(e) => Err(exit_code_of(&e)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_splitter_reads_alike_whatever_the_buffer_boundaries(
        text in register_bytes(),
        step in 1usize..9,
        expected in proptest::option::of(1usize..6),
    ) {
        let whole = split(&text[..], expected);
        let trickled = split(Trickle { bytes: &text, step }, expected);
        prop_assert_eq!(&whole, &trickled);
        // Lines only move forward and never pass the end of the text.
        let lines = line_count(&text);
        for pair in whole.windows(2) {
            prop_assert!(pair[0].0 < pair[1].0, "{:?}", whole);
        }
        prop_assert!(whole.iter().all(|(line, _)| *line <= lines));
    }

    #[test]
    fn without_quotes_every_non_blank_line_is_one_record(
        text in register_bytes().prop_map(|t| t.into_iter().filter(|&b| b != b'"').collect::<Vec<u8>>()),
    ) {
        let records = split(&text[..], Some(3));
        let non_blank = text
            .split(|&b| b == b'\n' || b == b'\r')
            .filter(|l| !l.is_empty())
            .count();
        prop_assert_eq!(records.len(), non_blank);
        prop_assert!(records.iter().all(|(_, fields)| fields.is_some()));
    }

    #[test]
    fn the_csv_reader_accounts_for_every_row_in_any_chunk_size(
        body in register_bytes(),
        chunk_rows in 1usize..5,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = "身份证号,姓名,性别,出生日期\n".as_bytes().to_vec();
        bytes.extend_from_slice(&body);
        let whole = read_population(dir.path(), &bytes, 1 << 20);
        let chunked = read_population(dir.path(), &bytes, chunk_rows);
        prop_assert_eq!(&whole, &chunked);
        // The blocks read as the one splitter reads the whole text at once: its broken
        // lines are rejected, and its records of the header's width holding an ID-long
        // first value and valid text are kept with their values, and nothing else is.
        if let (Ok((kept, rejected)), true) = (&whole, std::str::from_utf8(&bytes).is_ok()) {
            let reference = split(&bytes[..], Some(4));
            let text = |f: &[u8]| String::from_utf8(f.to_vec()).unwrap();
            for (line, fields) in &reference {
                match fields {
                    None => prop_assert!(rejected.iter().any(|r| r.0 == *line), "line {line}"),
                    Some(f) if *line > 1 && f.len() == 4 && f[0].len() >= 15 => {
                        let row = (*line, vec![text(&f[0]), text(&f[1])]);
                        prop_assert!(kept.contains(&row), "{row:?} not in {kept:?}");
                    }
                    _ => {}
                }
            }
            for (line, values) in kept {
                let record = reference.iter().find(|(l, _)| l == line);
                let fields = record.and_then(|(_, f)| f.as_ref());
                let same = fields.is_some_and(|f| f.len() == 4 && text(&f[0]) == values[0] && text(&f[1]) == values[1]);
                prop_assert!(same, "kept line {line} {values:?}, splitter: {record:?}");
            }
        }
        match whole {
            Ok((kept, rejected)) => {
                let mut lines: Vec<u64> = kept.iter().map(|k| k.0).chain(rejected.iter().map(|r| r.0)).collect();
                let count = lines.len();
                lines.sort_unstable();
                lines.dedup();
                prop_assert_eq!(lines.len(), count, "one outcome per row");
                prop_assert!(lines.iter().all(|&l| l >= 2 && l <= line_count(&bytes)));
            }
            Err(code) => prop_assert_eq!(code, ExitCode::BadInput),
        }
    }

    #[test]
    fn blocks_of_any_size_read_valid_text_as_the_one_splitter_does(
        body in proptest::collection::vec(
            prop_oneof![
                Just(","), Just("\""), Just("\"\""), Just("\n"), Just("\r\n"), Just("\r"),
                Just("530102201203150117"), Just("张伟"), Just("x"),
            ],
            0..400,
        ).prop_map(|pieces| pieces.concat()),
        chunk_rows in 1usize..70,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = format!("身份证号,姓名,性别,出生日期\n{body}").into_bytes();
        let whole = read_population(dir.path(), &bytes, 1 << 20);
        let chunked = read_population(dir.path(), &bytes, chunk_rows);
        prop_assert_eq!(&whole, &chunked);
        let (kept, rejected) = whole.expect("valid UTF-8 is read");
        // What the one splitter makes of the whole text: a broken line is rejected; a
        // record is passed over when blank (nothing but the line breaks of quoted values:
        // no piece here is a space), kept when it has the header's four fields, else
        // rejected.
        let (mut expect_kept, mut expect_rejected) = (Vec::new(), Vec::new());
        let text = |f: &[u8]| String::from_utf8(f.to_vec()).unwrap();
        for (line, fields) in split(&bytes[..], Some(4)).into_iter().skip(1) {
            match fields {
                None => expect_rejected.push(line),
                Some(f) if f.iter().all(|c| text(c).trim().is_empty()) => {}
                Some(f) if f.len() == 4 => expect_kept.push((line, vec![text(&f[0]), text(&f[1])])),
                Some(_) => expect_rejected.push(line),
            }
        }
        prop_assert_eq!(kept, expect_kept);
        let mut lines: Vec<u64> = rejected.iter().map(|r| r.0).collect();
        lines.sort_unstable();
        prop_assert_eq!(lines, expect_rejected);
    }

    #[test]
    fn any_file_is_read_or_refused_as_bad_input(bytes in register_bytes()) {
        let dir = tempfile::tempdir().unwrap();
        if let Err(code) = read_population(dir.path(), &bytes, 3) {
            prop_assert_eq!(code, ExitCode::BadInput);
        }
    }

    #[test]
    fn a_link_input_and_a_table_read_back_are_read_or_refused_as_bad_input(
        body in register_bytes(),
        header: bool,
    ) {
        // Half the files start with the header the config names, so rows are read.
        let bytes = [if header { &b"id,name\n"[..] } else { &b""[..] }, &body].concat();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        std::fs::write(&path, &bytes).unwrap();
        let wanted = vec!["id".to_string(), "name".to_string()];
        let options = AnyOptions::default();
        match read_any(&path, "table.csv", &wanted, &options) {
            Ok(table) => {
                // Every row kept or rejected names a line of the file, each once, in order.
                let last = line_count(&bytes).max(1);
                prop_assert!(table.lines.iter().all(|&l| l >= 2 && l <= last));
                prop_assert!(table.lines.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(table.rejects.iter().all(|r| r.line >= 1 && r.line <= last));
                prop_assert!(table.rejects.iter().all(|r| !table.lines.contains(&r.line)));
            }
            Err(e) => prop_assert_eq!(exit_code_of(&e), ExitCode::BadInput),
        }
        if let Err(e) = read_records(&path) {
            prop_assert_eq!(exit_code_of(&e), ExitCode::BadInput);
        }
    }

    #[test]
    fn detection_and_decoding_never_panic(bytes in register_bytes(), complete: bool) {
        if let Some((encoding, bom)) = detect(&bytes, complete) {
            prop_assert!(bom <= bytes.len());
            let mut out = String::new();
            let _ = decode_field(encoding, &bytes[bom..], &mut out);
        }
        let mut out = String::new();
        if decode_field(Encoding::Gb18030, &bytes, &mut out) {
            prop_assert!(!out.is_empty() || bytes.is_empty());
        }
    }

    #[test]
    fn id_date_and_name_normalisation_never_panic(text in ".{0,40}", bytes in register_bytes()) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for raw in [text.as_str(), lossy.as_str()] {
            if let Ok(id) = parse_id(raw) {
                let _ = (id.birth_date(), id.is_male(), id.address_code());
                prop_assert!(id.text.chars().count() <= 24);
            }
            prop_assert!(parse_record_id(raw).text.chars().count() <= 40);
            prop_assert!(mask_id(raw).chars().count() <= 80);
            let _ = Date::parse(raw);
            let name = normalize_name(raw);
            prop_assert_eq!(normalize_name(&name), name.clone());
        }
    }

    #[test]
    fn the_config_loader_reads_or_refuses_any_file(text in config_text()) {
        let dir = tempfile::tempdir().unwrap();
        for source in ["population", "students", "poverty"] {
            std::fs::write(dir.path().join(format!("{source}.csv")), "身份证号,姓名\n").unwrap();
        }
        std::fs::write(dir.path().join("sanku.toml"), &text).unwrap();
        let cli = Cli::try_parse_from(["sanku", "run", dir.path().to_str().unwrap()]).unwrap();
        let Command::Run(args) = &cli.command else { unreachable!() };
        if let Err(e) = Config::from_run(args) {
            prop_assert_eq!(exit_code_of(&e), ExitCode::BadInput, "{:#}", e);
        }
    }
}

/// TOML-ish text: real keys and sections with arbitrary values.
fn config_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("[linkage]".to_string()),
        Just("[students]".to_string()),
        Just("[cohort]".to_string()),
        Just("[population.columns]".to_string()),
        Just("[students.status]".to_string()),
        Just("[linkage.m]".to_string()),
        (
            prop_oneof![
                Just("accept"),
                Just("review"),
                Just("tie_margin"),
                Just("block_cap"),
                Just("candidate_floor"),
                Just("id_doubt"),
                Just("as_of"),
                Just("entry_age"),
                Just("cutoff"),
                Just("encoding"),
                Just("delimiter"),
                Just("max_undecodable_share"),
                Just("name"),
                Just("在读"),
            ],
            prop_oneof![
                Just("nan".to_string()),
                Just("inf".to_string()),
                Just("-1".to_string()),
                Just("1e308".to_string()),
                Just("\"\\t\"".to_string()),
                Just("\"\"".to_string()),
                Just("{ exact = 2 }".to_string()),
                any::<f64>().prop_map(|f| format!("{f:?}")),
                any::<i64>().prop_map(|i| i.to_string()),
                "\"[^\"\\\\]{0,6}\"",
            ],
        )
            .prop_map(|(k, v)| format!("{k} = {v}")),
        ".{0,12}",
    ];
    proptest::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
}
