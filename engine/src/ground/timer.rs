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
        let cpu_before = cpu_seconds();
        let result = work();
        let seconds = started.elapsed().as_secs_f64();
        let peak_rss_mib = peak_rss_mib();
        if self.log {
            let cpu = match (cpu_before, cpu_seconds()) {
                (Some(before), Some(after)) => format!(", cpu {:.2}s", after - before),
                _ => String::new(),
            };
            let peak = peak_rss_mib.map_or(String::new(), |m| format!(", peak {m} MiB"));
            eprintln!("sanku: {name} {seconds:.3}s{cpu}{peak}");
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

/// The processor time the process has used so far, all threads, user and system (fields
/// 14 and 15 of /proc/self/stat, in the kernel's clock ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name, field 2, may hold spaces; the fields after it are counted from
    // its closing parenthesis.
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}
