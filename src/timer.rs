//! Stage timings for the manifest and for `-v` log lines on stderr.

use std::time::Instant;

/// Times the stages of a run.
pub struct Timer {
    start: Instant,
    stages: Vec<(String, f64)>,
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
        if self.log {
            eprintln!("sanku: {name} {seconds:.3}s");
        }
        self.stages
            .push((name.to_string(), (seconds * 1000.0).round() / 1000.0));
        result
    }

    pub fn stages(&self) -> &[(String, f64)] {
        &self.stages
    }

    /// Seconds since the timer started.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}
