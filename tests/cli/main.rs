//! Integration tests: the built `sanku` binary on the fixtures.

mod demo;
mod determinism;
mod diff;
mod errors;
mod explain;
mod extracts;
mod guards;
mod help;
mod history;
mod lang;
mod link;
mod linkage;
mod national;
mod nights;
mod provinces;
mod pseudonym;
mod records;
mod registrations;
mod regression;
mod report;
mod rescore;
mod schedule;
mod synthetic;
mod twins;
mod workbook;
mod workdir;
