//! The floor for the end-to-end benchmark: polars reads each CSV file whole, every column
//! as text, and counts its rows. No run of sanku can read the same files faster, so
//! `benches/end_to_end.sh` reports sanku's time as a multiple of this one.
//!
//!     cargo run --release --features floor --example scan_floor -- FILE...

use std::time::Instant;

use polars::prelude::*;

fn main() -> PolarsResult<()> {
    let started = Instant::now();
    let mut rows = 0;
    for path in std::env::args().skip(1) {
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.clone().into()))?
            .finish()?;
        rows += frame.height();
        println!("{path}: {} rows", frame.height());
    }
    println!(
        "total: {rows} rows in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
