//! Progress bars on stderr (indicatif), hidden under `--quiet` or when stderr is not a
//! terminal, so logs and pipes stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Makes progress bars, or hidden ones.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A bar counting bytes of a file, with rate and ETA.
    pub fn bytes(&self, total: u64, label: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let style = ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("static template")
        .progress_chars("=> ");
        ProgressBar::new(total)
            .with_style(style)
            .with_message(label.to_string())
    }

    /// A spinner for a stage with no natural length.
    pub fn spinner(&self, label: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner().with_message(label.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }
}
