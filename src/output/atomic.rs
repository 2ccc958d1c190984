//! Atomic, private file writes: each output is written to a hidden temporary file in the
//! run directory (readable by the owner only), flushed to disk, then renamed into place,
//! so a crash never leaves a half-written file under its final name.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Creates the run directory (owner-only when new).
pub fn create_run_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating output directory {}", dir.display()))
}

/// Writes `dir/name` atomically through `write`.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.tmp"));
    let result = (|| -> anyhow::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&temp)?;
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

/// Writes a frame to `dir/name` as Parquet (LZ4: fast to write, read back by polars,
/// DuckDB, Spark and pandas alike).
pub fn write_parquet(
    dir: &Path,
    name: &str,
    frame: &mut polars::prelude::DataFrame,
) -> anyhow::Result<()> {
    use polars::prelude::{ParquetCompression, ParquetWriter};
    write_atomic(dir, name, |out| {
        ParquetWriter::new(out)
            .with_compression(ParquetCompression::Lz4Raw)
            .finish(frame)?;
        Ok(())
    })?;
    Ok(())
}
