//! A finished run: what every stage produced. The run directory, the manifest's results
//! and the closing line are all made from it.

use crate::pipeline::classify::Ledger;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::history::History;
use crate::pipeline::link::Links;
use crate::pipeline::normalize::Registers;
use crate::pipeline::normalize::date::Date;
use crate::pipeline::risk::Risk;
use crate::pipeline::summary::Summary;
use crate::pipeline::verify::Findings;

/// Every stage's result, in data-flow order.
pub struct Run {
    pub registers: Registers,
    pub cohort: Cohort,
    pub links: Links,
    pub ledger: Ledger,
    pub findings: Findings,
    pub history: History,
    pub risk: Risk,
    pub summary: Summary,
    /// The night of the run.
    pub run_date: Date,
}

impl Run {
    /// The closing line of a run that took `seconds`.
    pub fn report(&self, seconds: f64) -> RunReport {
        let total = self.summary.total();
        RunReport {
            run_date: self.run_date,
            cohort: total.cohort,
            enrolled: total.enrolled,
            flagged: total.flagged,
            flagged_poor: total.flagged_poor,
            exempt: total.exempt,
            rejected: self.registers.rejects().len() as u64,
            seconds,
            missing_columns: Vec::new(),
            history: self.summary.history.as_ref().map(|h| {
                let mut line = format!(
                    "since {}: {} new, {} still out, {} returned, {} closed",
                    h.previous_run_date,
                    h.new,
                    h.still_out + h.reason_changed,
                    h.returned,
                    h.returned + h.exempted + h.left_cohort + h.no_longer_in_population
                );
                if h.cases_missing_from_worked > 0 {
                    line += &format!(
                        " ({} cases had no row in the worked ledgers: judged on tonight's registers, no notes carried)",
                        h.cases_missing_from_worked
                    );
                }
                if h.worked_rows_untied > 0 {
                    line += &format!(
                        "; {} worked-ledger rows with notes tied to no case (see worked_untied.csv)",
                        h.worked_rows_untied
                    );
                }
                if !h.returned_files_skipped.is_empty() {
                    line += &format!(
                        "; {} files in returned/ skipped, not ledgers ({}; listed in summary.json)",
                        h.returned_files_skipped.len(),
                        skipped_kinds(&h.returned_files_skipped)
                    );
                }
                line
            }),
        }
    }
}

/// What a finished run reports on its closing line.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// The night the run stands for.
    pub run_date: Date,
    pub cohort: u64,
    pub enrolled: u64,
    pub flagged: u64,
    pub flagged_poor: u64,
    pub exempt: u64,
    pub rejected: u64,
    pub seconds: f64,
    /// Optional fields no column fed, as `file: field`.
    pub missing_columns: Vec<String>,
    /// What changed since the previous run (`--previous`).
    pub history: Option<String>,
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "night of {}: cohort {}, enrolled {}, flagged {} ({} poor), exempt {}, rejected rows {}, {:.2}s",
            self.run_date,
            self.cohort,
            self.enrolled,
            self.flagged,
            self.flagged_poor,
            self.exempt,
            self.rejected,
            self.seconds
        )?;
        if let Some(history) = &self.history {
            write!(f, "; {history}")?;
        }
        if !self.missing_columns.is_empty() {
            write!(f, "; no column for {}", self.missing_columns.join(", "))?;
        }
        Ok(())
    }
}

/// The kinds of the files skipped in `returned/`, with how many of each (`2 × .txt, .pdf`):
/// a log line never shows a file's name.
pub fn skipped_kinds(skipped: &[crate::pipeline::history::SkippedFile]) -> String {
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    for f in skipped {
        *kinds.entry(f.kind()).or_default() += 1;
    }
    kinds
        .into_iter()
        .map(|(kind, n)| match n {
            1 => kind,
            n => format!("{n} × {kind}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
