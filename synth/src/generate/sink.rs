//! The files `generate` streams to: CSV rows in UTF-8 or GB18030, or Parquet written in
//! row groups, each through the run's atomic writer (`rundir::atomic::Pending`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{Column, DataFrame, DataType, ParquetWriter, Schema};

use sanku::pipeline::load::encoding::Encoding;
use sanku::rundir::atomic::Pending;

/// One CSV file being written.
pub struct CsvSink {
    out: csv::Writer<Box<dyn Write + Send>>,
    pending: Pending,
}

impl CsvSink {
    pub fn create(
        dir: &Path,
        name: &str,
        encoding: Encoding,
        header: &[&str],
    ) -> anyhow::Result<CsvSink> {
        let (pending, file) = Pending::create(dir, name)?;
        let bytes: Box<dyn Write + Send> = match encoding {
            Encoding::Gb18030 => Box::new(Gb18030Writer {
                inner: file,
                pending: Vec::new(),
            }),
            _ => Box::new(file),
        };
        let out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(bytes);
        let mut sink = CsvSink { out, pending };
        sink.row(header)?;
        Ok(sink)
    }

    /// Writes one row.
    pub fn row(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        self.out.write_record(fields)?;
        Ok(())
    }

    /// Flushes and puts the file in place.
    pub fn finish(self) -> anyhow::Result<()> {
        let mut bytes = self.out.into_inner().map_err(|e| e.into_error())?;
        bytes.flush()?;
        drop(bytes);
        self.pending.commit()?;
        Ok(())
    }
}

/// Transcodes the UTF-8 written to it into GB18030; a character split between two writes
/// waits for its end.
struct Gb18030Writer<W> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for Gb18030Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        let text = std::str::from_utf8(&self.pending[..whole]).unwrap_or_default();
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&bytes)?;
        self.pending.drain(..whole);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Rows buffered before a Parquet row group is written.
const ROW_GROUP: usize = 100_000;

/// One Parquet file being written, all columns text.
pub struct ParquetSink {
    writer: BatchedWriter<BufWriter<File>>,
    names: Vec<String>,
    columns: Vec<Vec<String>>,
    pending: Pending,
}

impl ParquetSink {
    pub fn create(dir: &Path, name: &str, header: &[&str]) -> anyhow::Result<ParquetSink> {
        let (pending, out) = Pending::create(dir, name)?;
        let schema: Schema = header
            .iter()
            .map(|h| polars::prelude::Field::new((*h).into(), DataType::String))
            .collect();
        let writer = ParquetWriter::new(out).batched(&schema)?;
        Ok(ParquetSink {
            writer,
            names: header.iter().map(|h| h.to_string()).collect(),
            columns: vec![Vec::new(); header.len()],
            pending,
        })
    }

    pub fn row(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        for (column, value) in self.columns.iter_mut().zip(fields) {
            column.push(value.to_string());
        }
        if self.columns[0].len() >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        let height = self.columns[0].len();
        if height == 0 {
            return Ok(());
        }
        let columns = self
            .names
            .iter()
            .zip(self.columns.iter_mut())
            .map(|(name, values)| Column::new(name.as_str().into(), std::mem::take(values)))
            .collect();
        self.writer.write_batch(&DataFrame::new(height, columns)?)?;
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.writer.finish()?;
        drop(self.writer);
        self.pending.commit()?;
        Ok(())
    }
}

/// A data file in the chosen format.
pub enum DataSink {
    Csv(Box<CsvSink>),
    Parquet(Box<ParquetSink>),
}

impl DataSink {
    pub fn row(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        match self {
            DataSink::Csv(s) => s.row(fields),
            DataSink::Parquet(s) => s.row(fields),
        }
    }

    /// Writes the rows a Parquet file holds as a row group now (CSV rows are written as
    /// they come), so that a file kept open holds little.
    pub fn end_group(&mut self) -> anyhow::Result<()> {
        match self {
            DataSink::Csv(_) => Ok(()),
            DataSink::Parquet(s) => s.flush(),
        }
    }

    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            DataSink::Csv(s) => s.finish(),
            DataSink::Parquet(s) => s.finish(),
        }
    }
}
