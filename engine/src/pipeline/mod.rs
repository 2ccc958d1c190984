//! The nightly run. Data flows one way; each stage is a module that takes the previous
//! stage's type and its own options, never the whole config. `sanku run` and `sanku check`
//! (in `cmd`) call them in this order and hand the outcome to `rundir`; `sanku rescore`
//! takes over after `link`. No stage imports a later one, or the run directory.

/// Tables from CSV, Parquet and workbook files: text columns and rejected lines.
pub mod load;

/// Typed rows: ID numbers, names, dates, values; the population builder.
pub mod normalize;

/// The registers read and normalised (`Registers`), school-age rows kept whole.
pub(crate) mod ingest;

/// The school-age children (`Cohort`).
pub mod cohort;

/// Stops a run whose inputs or results look wrong (exit 3).
pub(crate) mod guard;

/// Exact, verified and fuzzy links of the cohort to the other registers (`Links`).
pub mod link;

/// One outcome per child; the flagged rows (`Ledger`).
pub(crate) mod classify;

/// Registry-only records, conflicts, duplicates, the poor not enrolled (`Findings`).
pub(crate) mod verify;

/// Case numbers and the staff's columns carried from the previous night (`History`).
pub(crate) mod history;

/// The enrolled children at risk of leaving school (`Risk`).
pub mod risk;

/// Counts by county, prefecture and province (`Summary`).
pub(crate) mod summary;

/// Every stage's result, handed to the output (`Run`) and the closing line.
pub mod outcome;
