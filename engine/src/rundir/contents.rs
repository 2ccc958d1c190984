//! What every file of a run directory holds, declared once: each table's columns with
//! their [`Sensitivity`], taken from the schemas the files are written with, and what the
//! files that are not tables hold. A pseudonymised run takes each column's treatment from
//! here and refuses a file or a column not declared, so a new output cannot leak by being
//! forgotten.

#[cfg(test)]
use super::table::Sensitivity;
use super::table::{Content, declared};
use super::{
    aid_checks, candidates, cases, checks, ledger, links, rejects, residuals, review, risk, summary,
};
use crate::ground::schema::files;

/// Every file a run directory can hold, by its path inside it (`checks/…` for the
/// checks), with what it holds.
pub fn every_file() -> Vec<(String, Content)> {
    let staff = |columns| Content::Table {
        columns,
        staff: true,
    };
    let tables = [
        (files::LEDGER_CSV, staff(declared(&ledger::LEDGER))),
        (files::LEDGER_PARQUET, staff(declared(&ledger::LEDGER))),
        (files::CLOSED_CSV, staff(declared(&cases::CLOSED))),
        (files::HISTORY_CSV, Content::table(cases::TREND.to_vec())),
        (
            files::RETURNS_CSV,
            Content::table(declared(&cases::RETURNS)),
        ),
        (files::RISK_CSV, Content::table(risk::declared_columns())),
        (
            files::RISK_PARQUET,
            Content::table(risk::declared_parquet_columns()),
        ),
        (files::RISK_XLSX, Content::Derived),
        (
            files::WORKED_UNTIED_CSV,
            Content::table(declared(&cases::UNTIED)),
        ),
        (files::LINKS_PARQUET, Content::table(links::LINKS.to_vec())),
        (
            files::CANDIDATES_PARQUET,
            Content::table(candidates::CANDIDATES.to_vec()),
        ),
        (
            files::REVIEW_CSV,
            Content::table(review::declared_columns()),
        ),
        (
            files::SUMMARY_CSV,
            Content::table(declared(&summary::SUMMARY)),
        ),
        (
            files::REJECTS_CSV,
            Content::table(declared(&rejects::REJECTS)),
        ),
        (
            files::WARNINGS_CSV,
            Content::table(declared(&rejects::REJECTS)),
        ),
        (files::LEDGER_XLSX, Content::Derived),
        (files::CLOSED_XLSX, Content::Derived),
        (files::REPORT_HTML, Content::Derived),
        (files::SUMMARY_JSON, Content::Record),
        (files::MANIFEST_JSON, Content::Record),
        (files::RESCORE_STATE, Content::Registers),
        (
            files::RESIDUALS_PARQUET,
            Content::table(residuals::declared_columns()),
        ),
    ];
    let checks = checks::declared_files()
        .into_iter()
        .chain(aid_checks::declared_files())
        .map(|(name, columns)| (files::in_checks(name), Content::table(columns)));
    tables
        .into_iter()
        .map(|(name, content)| (name.to_string(), content))
        .chain(checks)
        .collect()
}

/// What the file at `path` inside a run directory holds, if it is one sanku writes.
pub fn of(path: &str) -> Option<Content> {
    every_file()
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, content)| content)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns whose names say they hold an identifier or a name.
    fn personal(name: &str) -> bool {
        let ids = [
            "id_number",
            "population_id",
            "record_key",
            "record_id",
            "student_no",
            "household_no",
            "best_candidate",
            "may_belong_to",
        ];
        ids.contains(&name) || name == "name" || name == "record_name"
    }

    #[test]
    fn every_file_is_declared_once_and_its_columns_once() {
        let every = every_file();
        let mut paths: Vec<&str> = every.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort_unstable();
        let count = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), count, "a file declared twice");
        assert_eq!(
            paths.iter().filter(|p| p.starts_with("checks/")).count(),
            11
        );
        for (path, content) in &every {
            if let Content::Table { columns, .. } = content {
                let mut names: Vec<&str> = columns.iter().map(|c| c.name).collect();
                names.sort_unstable();
                names.dedup();
                assert_eq!(names.len(), columns.len(), "{path}: a column twice");
            }
        }
    }

    #[test]
    fn no_identifier_or_name_column_is_kept() {
        for (path, content) in every_file() {
            let Content::Table { columns, .. } = content else {
                continue;
            };
            for c in columns {
                assert!(
                    !(c.sensitivity.kept() && personal(c.name)),
                    "{path}: {} is kept whole",
                    c.name
                );
            }
        }
    }

    #[test]
    fn staff_columns_follow_the_declared_ones_as_free_text() {
        let ledger = of(files::LEDGER_CSV).unwrap();
        assert_eq!(ledger.sensitivity(0, "id_number"), Some(Sensitivity::Id));
        assert_eq!(ledger.sensitivity(0, "name"), None, "out of place");
        assert_eq!(
            ledger.sensitivity(ledger::LEDGER.len(), "备注"),
            Some(Sensitivity::FreeText)
        );
        let review = of(files::REVIEW_CSV).unwrap();
        assert_eq!(review.sensitivity(99, "notes"), None);
        let payments = of("checks/aid_in_review.csv").unwrap();
        let Content::Table { columns, .. } = &payments else {
            panic!("a table");
        };
        let last = columns.last().unwrap();
        assert_eq!(
            (last.name, last.sensitivity),
            ("may_belong_to", Sensitivity::Ids)
        );
    }
}
