//! The run directory: every file a run writes, and the readers of what a run wrote. The
//! run is written into a staging directory swapped into place whole (see `staging`); every
//! file is written privately (see `atomic`), sorted by stable keys so that two runs diff
//! cleanly; the manifest is written last.

pub(crate) mod aid_checks;
pub mod atomic;
pub(crate) mod candidates;
pub(crate) mod cases;
pub(crate) mod checks;
pub(crate) mod contents;
pub mod csv;
pub mod ledger;
pub(crate) mod links;
pub mod manifest;
pub mod previous;
pub(crate) mod pseudonym;
pub(crate) mod rejects;
pub(crate) mod report;
pub(crate) mod residuals;
pub(crate) mod review;
pub(crate) mod settings;
pub(crate) mod staging;
pub(crate) mod state;
pub(crate) mod summary;
pub(crate) mod table;
pub(crate) mod translate;
pub(crate) mod xlsx;

use std::path::Path;

use crate::ground::schema::files;
use crate::pipeline::outcome::Run;

/// Writes every file of a run into `dir` (the manifest, written last, aside); the ledger
/// and the closed cases are made final (`finish`) at once, with their workbooks.
pub fn write_run(dir: &Path, run: &Run, finish: &Finish) -> anyhow::Result<()> {
    let Run {
        registers,
        cohort,
        links,
        ledger,
        findings,
        history,
        summary,
        run_date,
    } = run;
    // The two parquet files of every link and candidate on one core, the rest on the
    // other: each file is written whole by one writer, so the order does not matter. The
    // workbooks, made from the final ledger and closed cases, take as long as the parquet
    // files.
    let (parquet, rest) = rayon::join(
        || -> anyhow::Result<()> {
            links::write_links(dir, cohort, registers, links)?;
            candidates::write_candidates(dir, cohort, registers, links)
        },
        || -> anyhow::Result<()> {
            ledger::write_ledger(dir, ledger, &history.staff_columns)?;
            cases::write_cases(dir, history, summary, *run_date)?;
            finish.workbooks(dir)?;
            summary::write_summary(dir, summary)?;
            review::write_review(dir, cohort, registers, links)?;
            checks::write_checks(dir, cohort, registers, links, ledger, findings)?;
            rejects::write_rejects(dir, &registers.rejects())?;
            rejects::write_warnings(dir, &registers.warnings())
        },
    );
    parquet.and(rest)
}

/// How a run's files are made final once written: pseudonymised when asked, then put in
/// the run's language; then the workbooks and the report are made from them.
pub struct Finish<'a> {
    pub pseudonymizer: Option<&'a pseudonym::Pseudonymizer>,
    pub lang: crate::ground::vocab::Lang,
    /// The night of the run: the workbooks' creation date and the report's.
    pub run_date: crate::pipeline::normalize::date::Date,
    pub thresholds: &'a crate::pipeline::link::assign::Thresholds,
}

impl Finish<'_> {
    /// The files made final as soon as they are written, with their workbooks, beside the
    /// parquet files: the ledger and the closed cases.
    const EARLY: [&'static str; 2] = [files::LEDGER_CSV, files::CLOSED_CSV];

    /// Makes `dir/name` final.
    fn file(&self, dir: &Path, name: &str) -> anyhow::Result<()> {
        if let Some(p) = self.pseudonymizer {
            p.apply_file(dir, name)?;
        }
        translate::translate_file(dir, name, self.lang)
    }

    /// Makes the ledger and the closed cases final and writes their workbooks, dated
    /// `run_date`.
    fn workbooks(&self, dir: &Path) -> anyhow::Result<()> {
        for name in Self::EARLY {
            self.file(dir, name)?;
        }
        let (ledger, closed) = match self.lang {
            crate::ground::vocab::Lang::En => ("ledger", "closed"),
            crate::ground::vocab::Lang::Zh => ("疑似失学辍学台账", "已销号"),
        };
        xlsx::write_workbook(
            dir,
            files::LEDGER_CSV,
            files::LEDGER_XLSX,
            ledger,
            self.run_date,
        )?;
        xlsx::write_workbook(
            dir,
            files::CLOSED_CSV,
            files::CLOSED_XLSX,
            closed,
            self.run_date,
        )
    }

    /// Makes every other file final and writes the report.
    pub fn rest(&self, dir: &Path) -> anyhow::Result<()> {
        if let Some(p) = self.pseudonymizer {
            p.apply(dir, &Self::EARLY)?;
        }
        translate::translate(dir, self.lang, &Self::EARLY)?;
        report::write_report(
            dir,
            &report::ReportContext {
                run_date: self.run_date.to_string(),
                accept: self.thresholds.accept,
                review: self.thresholds.review,
                lang: self.lang,
            },
        )
    }
}
