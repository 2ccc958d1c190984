//! The files `generate` streams to: CSV rows in UTF-8 or GB18030, written to a temporary
//! name and renamed into place when complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::load::encoding::Encoding;

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
        let temp = dir.join(format!(".{name}.tmp"));
        let file = File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
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
