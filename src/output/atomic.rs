//! Atomic, private file writes: each output is written to a hidden temporary file in its
//! directory, created afresh (never through a symbolic link or over an existing file) and
//! readable by the owner only, flushed to disk, then renamed into place, so a crash never
//! leaves a half-written file under its final name. A run's files go into its staging
//! directory (see `run_dir`), which is swapped into place whole.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::ops::Range;

use anyhow::Context;
use polars::prelude::{DataFrame, ParquetCompression, ParquetWriter};

/// Creates a subdirectory of a run (owner-only).
pub fn create_subdir(dir: &Path) -> anyhow::Result<()> {
    super::run_dir::create_private_dir(dir)
        .with_context(|| format!("creating directory {}", dir.display()))
}

/// The hidden temporary name of `dir/name` for this process.
pub fn temp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Creates a temporary file afresh, owner-only: a stale file or a symbolic link planted
/// at its name is removed, never written through (`O_EXCL|O_NOFOLLOW`).
pub fn create_temp(temp: &Path) -> std::io::Result<File> {
    let _ = fs::remove_file(temp);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(temp)
}

/// Writes `dir/name` atomically through `write`.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let target = dir.join(name);
    let temp = temp_path(dir, name);
    let result = (|| -> anyhow::Result<()> {
        let file = create_temp(&temp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        drop(out);
        fs::rename(&temp, &target)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.with_context(|| format!("writing {}", target.display()))?;
    Ok(target)
}

/// Rows per Parquet batch: large outputs are built and written this many rows at a time.
pub const BATCH_ROWS: usize = 1 << 20;

/// Writes a frame to `dir/name` as Parquet (LZ4: fast to write, read back by polars,
/// DuckDB, Spark and pandas alike).
pub fn write_parquet(dir: &Path, name: &str, frame: &DataFrame) -> anyhow::Result<()> {
    write_parquet_batches(dir, name, frame.height(), |rows| {
        Ok(frame.slice(rows.start as i64, rows.len()))
    })
}

/// Writes `rows` rows to `dir/name` as Parquet, building each batch of [`BATCH_ROWS`] rows
/// with `batch(range)`, so memory stays bounded whatever the row count.
pub fn write_parquet_batches(
    dir: &Path,
    name: &str,
    rows: usize,
    batch: impl Fn(Range<usize>) -> anyhow::Result<DataFrame>,
) -> anyhow::Result<()> {
    write_atomic(dir, name, |out| {
        let first = batch(0..rows.min(BATCH_ROWS))?;
        let mut writer = ParquetWriter::new(out)
            .with_compression(ParquetCompression::Lz4Raw)
            .batched(first.schema())?;
        writer.write_batch(&first)?;
        drop(first);
        for start in (BATCH_ROWS..rows).step_by(BATCH_ROWS) {
            writer.write_batch(&batch(start..rows.min(start + BATCH_ROWS))?)?;
        }
        writer.finish()?;
        Ok(())
    })?;
    Ok(())
}
