//! The files `generate` streams to: CSV rows in UTF-8 or GB18030, or Parquet written in
//! row groups, each to a temporary name renamed into place when complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{Column, DataFrame, DataType, ParquetWriter, Schema};

use crate::load::encoding::Encoding;
use crate::output::atomic::{create_temp, temp_path};

/// One CSV file being written.
pub struct CsvSink {
    out: BufWriter<File>,
    encoding: Encoding,
    temp: PathBuf,
    target: PathBuf,
    line: String,
}

impl CsvSink {
    pub fn create(
        dir: &Path,
        name: &str,
        encoding: Encoding,
        header: &[&str],
    ) -> anyhow::Result<CsvSink> {
        let target = dir.join(name);
        let temp = temp_path(dir, name);
        let file = create_temp(&temp).with_context(|| format!("creating {}", temp.display()))?;
        let mut sink = CsvSink {
            out: BufWriter::with_capacity(1 << 20, file),
            encoding,
            temp,
            target,
            line: String::new(),
        };
        sink.row(header)?;
        Ok(sink)
    }

    /// Writes one row. Generated values never hold commas, quotes or line breaks.
    pub fn row(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        self.line.clear();
        for (i, f) in fields.iter().enumerate() {
            debug_assert!(!f.contains([',', '"', '\n']), "{f}");
            if i > 0 {
                self.line.push(',');
            }
            self.line.push_str(f);
        }
        self.line.push('\n');
        match self.encoding {
            Encoding::Gb18030 => {
                let (bytes, _, _) = encoding_rs::GB18030.encode(&self.line);
                self.out.write_all(&bytes)?;
            }
            _ => self.out.write_all(self.line.as_bytes())?,
        }
        Ok(())
    }

    /// Flushes and renames the file into place.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush()?;
        drop(self.out);
        fs::rename(&self.temp, &self.target)
            .with_context(|| format!("writing {}", self.target.display()))
    }
}

/// Rows buffered before a Parquet row group is written.
const ROW_GROUP: usize = 100_000;

/// One Parquet file being written, all columns text.
pub struct ParquetSink {
    writer: BatchedWriter<BufWriter<File>>,
    names: Vec<String>,
    columns: Vec<Vec<String>>,
    temp: PathBuf,
    target: PathBuf,
}

impl ParquetSink {
    pub fn create(dir: &Path, name: &str, header: &[&str]) -> anyhow::Result<ParquetSink> {
        let target = dir.join(name);
        let temp = temp_path(dir, name);
        let file = create_temp(&temp).with_context(|| format!("creating {}", temp.display()))?;
        let schema: Schema = header
            .iter()
            .map(|h| polars::prelude::Field::new((*h).into(), DataType::String))
            .collect();
        let writer =
            ParquetWriter::new(BufWriter::with_capacity(1 << 20, file)).batched(&schema)?;
        Ok(ParquetSink {
            writer,
            names: header.iter().map(|h| h.to_string()).collect(),
            columns: vec![Vec::new(); header.len()],
            temp,
            target,
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
        fs::rename(&self.temp, &self.target)
            .with_context(|| format!("writing {}", self.target.display()))
    }
}

/// A data file in the chosen format.
pub enum DataSink {
    Csv(CsvSink),
    Parquet(Box<ParquetSink>),
}

impl DataSink {
    pub fn row(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        match self {
            DataSink::Csv(s) => s.row(fields),
            DataSink::Parquet(s) => s.row(fields),
        }
    }

    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            DataSink::Csv(s) => s.finish(),
            DataSink::Parquet(s) => s.finish(),
        }
    }
}
