//! Stage 8, `output`: writes the run directory. The run is written into a staging
//! directory swapped into place whole (see `run_dir`); every file is written privately
//! (see `atomic`), sorted by stable keys so that two runs diff cleanly; the
//! manifest is written last.

pub(crate) mod aid_checks;
pub(crate) mod atomic;
pub(crate) mod candidates;
pub(crate) mod cases;
pub(crate) mod checks;
pub(crate) mod csv;
pub(crate) mod ledger;
pub(crate) mod links;
pub(crate) mod manifest;
pub(crate) mod pairlink;
pub(crate) mod pseudonym;
pub(crate) mod rejects;
pub(crate) mod report;
pub(crate) mod review;
pub(crate) mod run_dir;
pub(crate) mod state;
pub(crate) mod summary;
pub(crate) mod table;
pub(crate) mod translate;
pub(crate) mod xlsx;

use std::path::Path;

use crate::run::Run;

/// Writes every file of a run into `dir` (the manifest, written last, aside).
pub fn write_run(dir: &Path, run: &Run) -> anyhow::Result<()> {
    let Run {
        registers,
        cohort,
        links,
        ledger,
        findings,
        history,
        summary,
        as_of,
    } = run;
    // The two parquet files of every link and candidate on one core, the rest on the
    // other: each file is written whole by one writer, so the order does not matter.
    let (parquet, rest) = rayon::join(
        || -> anyhow::Result<()> {
            links::write_links(dir, cohort, registers, links)?;
            candidates::write_candidates(dir, cohort, registers, links)
        },
        || -> anyhow::Result<()> {
            ledger::write_ledger(dir, ledger, &history.staff_columns)?;
            cases::write_cases(dir, history, summary, *as_of)?;
            summary::write_summary(dir, summary)?;
            review::write_review(dir, cohort, registers, links)?;
            checks::write_checks(dir, cohort, registers, links, ledger, findings)?;
            rejects::write_rejects(dir, &registers.rejects())?;
            rejects::write_warnings(dir, &registers.warnings())
        },
    );
    parquet.and(rest)
}

/// Writes what is made from a run's final files (after pseudonymisation): ledger.xlsx,
/// dated `as_of`, and report.html.
pub fn write_derived(
    dir: &Path,
    as_of: crate::normalize::date::Date,
    thresholds: &crate::link::assign::Thresholds,
    lang: crate::vocab::Lang,
) -> anyhow::Result<()> {
    use crate::schema::files;
    let (ledger, closed) = match lang {
        crate::vocab::Lang::En => ("ledger", "closed"),
        crate::vocab::Lang::Zh => ("疑似失学辍学台账", "已销号"),
    };
    xlsx::write_workbook(dir, files::LEDGER_CSV, files::LEDGER_XLSX, ledger, as_of)?;
    xlsx::write_workbook(dir, files::CLOSED_CSV, files::CLOSED_XLSX, closed, as_of)?;
    report::write_report(
        dir,
        &report::ReportContext {
            as_of: as_of.to_string(),
            accept: thresholds.accept,
            review: thresholds.review,
            lang,
        },
    )
}
