//! The run directory: every file a run writes, and the readers of what a run wrote. The
//! run is written into a staging directory swapped into place whole (see `staging`); every
//! table goes through one writer that makes it final as it is written (pseudonymised when
//! asked, in the run's language: see `writer`); every file is written privately (see
//! `atomic`), sorted by stable keys so that two runs diff cleanly; the manifest is written
//! last.

pub(crate) mod aid_checks;
pub mod atomic;
pub(crate) mod candidates;
pub(crate) mod cases;
pub(crate) mod checks;
pub(crate) mod contents;
pub mod csv;
pub mod ledger;
pub mod links;
pub mod manifest;
pub mod previous;
pub(crate) mod pseudonym;
pub(crate) mod rejects;
pub(crate) mod report;
pub(crate) mod residuals;
pub(crate) mod review;
pub(crate) mod risk;
pub(crate) mod settings;
pub(crate) mod staging;
pub(crate) mod state;
pub(crate) mod summary;
pub(crate) mod table;
pub(crate) mod writer;
pub(crate) mod xlsx;
mod xlsx_stream;

use crate::pipeline::outcome::Run;
pub use writer::Writer;

/// A writer of the run directory `root`, each file holding what `contents` declares.
pub fn writer<'a>(
    root: &'a std::path::Path,
    pseudonymizer: Option<&'a pseudonym::Pseudonymizer>,
    lang: crate::ground::vocab::Lang,
) -> Writer<'a> {
    Writer::new(root, pseudonymizer, lang, contents::of)
}

/// Writes every file of a run through `out` (the residuals, the state and the manifest
/// aside), then the report.
pub fn write_run(out: &Writer, run: &Run, report: &report::ReportContext) -> anyhow::Result<()> {
    let Run {
        registers,
        cohort,
        links,
        ledger,
        findings,
        history,
        risk,
        summary,
        run_date,
    } = run;
    // The two parquet files of every link and candidate, and the rest, are tasks the
    // cores share; the at-risk list is written on a thread of its own beside them (with
    // more than one thread; with one, after them). (As a task, it
    // would be taken up by the thread writing links.parquet whenever that one waits on its
    // own parallel work, and the links would wait for the whole list.) Each file is
    // written whole by one writer, so the order does not matter.
    let trend = cases::trend(history, summary, *run_date);
    let parquet = || -> anyhow::Result<()> {
        links::write_links(out, cohort, registers, links)?;
        candidates::write_candidates(out, cohort, registers, links)
    };
    let rest = || -> anyhow::Result<()> {
        ledger::write_ledger(out, ledger, &history.staff_columns, *run_date)?;
        cases::write_cases(out, history, &trend, *run_date)?;
        summary::write_summary(out, summary)?;
        review::write_review(out, cohort, registers, links)?;
        checks::write_checks(out, cohort, registers, links, ledger, findings)?;
        rejects::write_rejects(out, &registers.rejects())?;
        rejects::write_warnings(out, &registers.warnings())
    };
    let at_risk = || risk::write_risk(out, cohort, registers, risk, *run_date);
    let (parquet, at_risk, rest) = if rayon::current_num_threads() > 1 {
        std::thread::scope(|scope| {
            let list = scope.spawn(at_risk);
            let (parquet, rest) = rayon::join(parquet, rest);
            let at_risk = list
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (parquet, at_risk, rest)
        })
    } else {
        (parquet(), at_risk(), rest())
    };
    parquet.and(at_risk).and(rest)?;
    let data = report::ReportData {
        summary,
        trend: &trend,
        flagged: ledger
            .rows
            .iter()
            .map(|r| (r.age, r.reason.as_str()))
            .collect(),
        weights: links
            .fuzzy_outcomes()
            .flat_map(|(_, o)| o.candidates.iter().map(|p| p.weight))
            .filter(|w| w.is_finite())
            .collect(),
    };
    report::write_report(out, &data, report)
}
