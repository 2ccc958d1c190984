//! Atomic, private file writes: each output is written to a hidden temporary file in its
//! directory, created afresh (never through a symbolic link or over an existing file) and
//! readable by the owner only, flushed to disk, then renamed into place, so a crash never
//! leaves a half-written file under its final name. A run's files go into its staging
//! directory (see `staging`), which is swapped into place whole.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::ops::Range;

use anyhow::Context;
use polars::prelude::{DataFrame, ParquetCompression, ParquetWriter};

/// Creates a subdirectory of a run (owner-only).
pub fn create_subdir(dir: &Path) -> anyhow::Result<()> {
    super::staging::create_private_dir(dir)
        .with_context(|| format!("creating directory {}", dir.display()))
}

/// A file being written under a hidden temporary name in its directory, created afresh
/// and owner-only (a stale file or a symbolic link planted at the name is removed, never
/// written through: `O_EXCL|O_NOFOLLOW`). [`Pending::commit`] flushes it to disk and
/// renames it into place; dropped without a commit, the temporary file is removed.
pub struct Pending {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Pending {
    /// Starts `dir/name`; returns it and the writer of its bytes.
    pub fn create(dir: &Path, name: &str) -> anyhow::Result<(Pending, BufWriter<File>)> {
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&temp);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options
                .mode(0o600)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let file = options
            .open(&temp)
            .with_context(|| format!("creating {}", temp.display()))?;
        let pending = Pending {
            temp,
            target: dir.join(name),
            committed: false,
        };
        Ok((pending, BufWriter::with_capacity(1 << 20, file)))
    }

    /// Flushes the finished file (its writer already dropped) and renames it into place.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        let target = std::mem::take(&mut self.target);
        File::open(&self.temp)
            .and_then(|f| f.sync_all())
            .and_then(|()| fs::rename(&self.temp, &target))
            .with_context(|| format!("writing {}", target.display()))?;
        self.committed = true;
        Ok(target)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes `dir/name` atomically through `write`.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let (pending, mut out) = Pending::create(dir, name)?;
    write(&mut out)
        .and_then(|()| Ok(out.flush()?))
        .with_context(|| format!("writing {}", dir.join(name).display()))?;
    drop(out);
    pending.commit()
}

/// Writes `value` to `dir/name` atomically as indented JSON, ended by a newline.
pub fn write_json<T: serde::Serialize + ?Sized>(
    dir: &Path,
    name: &str,
    value: &T,
) -> anyhow::Result<()> {
    write_atomic(dir, name, |out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        out.write_all(b"\n")?;
        Ok(())
    })?;
    Ok(())
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
