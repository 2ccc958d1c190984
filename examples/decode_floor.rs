//! The floor of the population stage (docs/performance.md): one pass that reads a CSV
//! file, cuts it at line ends into blocks, decodes each block from GB18030 (or checks it
//! as UTF-8) into UTF-8 and counts its lines, on every core asked for — what reading the
//! file costs before any field of it is looked at. Printed beside `iconv -f GB18030 -t
//! UTF-8 FILE | wc -l` by `benches/province.sh`.
//!
//!     cargo run --release --example decode_floor -- FILE [THREADS] [gb18030|utf-8]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const BLOCK_BYTES: usize = 8 << 20;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: decode_floor FILE [THREADS] [ENCODING]");
    let threads: usize = args.next().map_or(2, |t| t.parse().expect("THREADS"));
    let gb18030 = args.next().is_none_or(|e| e != "utf-8");
    let started = Instant::now();
    let bytes = std::fs::read(&path).expect("the file can be read");
    let read = started.elapsed().as_secs_f64();
    // Blocks end just after a line feed, so that no line is split between two.
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + BLOCK_BYTES).min(bytes.len());
        let end = match bytes[start..end].iter().rposition(|&b| b == b'\n') {
            Some(at) if end < bytes.len() => start + at + 1,
            _ => end,
        };
        blocks.push(&bytes[start..end]);
        start = end;
    }
    let next = AtomicUsize::new(0);
    let (lines, decoded) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let (mut lines, mut decoded) = (0usize, 0usize);
                    let mut text = String::new();
                    while let Some(block) = blocks.get(next.fetch_add(1, Ordering::Relaxed)) {
                        text.clear();
                        if gb18030 {
                            let mut decoder =
                                encoding_rs::GB18030.new_decoder_without_bom_handling();
                            text.reserve(block.len() * 3 / 2 + 16);
                            let (_, _, _) = decoder.decode_to_string(block, &mut text, true);
                        } else {
                            text.push_str(std::str::from_utf8(block).expect("UTF-8"));
                        }
                        lines += text.bytes().filter(|&b| b == b'\n').count();
                        decoded += text.len();
                    }
                    (lines, decoded)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a decoder does not panic"))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    println!(
        "{path}: {lines} lines, {} MB decoded to {} MB of UTF-8 on {threads} thread(s) in {:.2} s (reading {read:.2} s)",
        bytes.len() / 1_000_000,
        decoded / 1_000_000,
        started.elapsed().as_secs_f64()
    );
}
