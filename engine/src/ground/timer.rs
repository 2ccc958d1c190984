//! Stage timings and peak memory for the manifest and for `-v` log lines on stderr.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// One finished stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    pub stage: String,
    pub seconds: f64,
    /// The process's peak resident memory so far, in MiB (where the system reports it).
    pub peak_rss_mib: Option<u64>,
}

/// Times the stages of a run.
pub struct Timer {
    start: Instant,
    stages: Vec<StageRecord>,
    log: bool,
}

impl Timer {
    pub fn new(log: bool) -> Timer {
        Timer {
            start: Instant::now(),
            stages: Vec::new(),
            log,
        }
    }

    /// Runs one stage and records its time.
    pub fn stage<T>(&mut self, name: &str, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = work();
        let seconds = started.elapsed().as_secs_f64();
        let peak_rss_mib = peak_rss_mib();
        if self.log {
            let peak = peak_rss_mib.map_or(String::new(), |m| format!(", peak {m} MiB"));
            eprintln!("sanku: {name} {seconds:.3}s{peak}");
        }
        self.stages.push(StageRecord {
            stage: name.to_string(),
            seconds: (seconds * 1000.0).round() / 1000.0,
            peak_rss_mib,
        });
        result
    }

    pub fn stages(&self) -> &[StageRecord] {
        &self.stages
    }

    /// Seconds since the timer started.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// The peak resident set size so far (VmHWM in /proc/self/status), in MiB.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
