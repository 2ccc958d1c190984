//! The synthetic-data toolkit: registers with known truth (`sanku generate`) and the
//! scoring of a run against that truth (`sanku evaluate`). It uses the engine's own ID
//! check digits, division names, school-age rule and file readers, so that what it writes
//! is what the engine reads; the engine does not depend on it.

pub mod evaluate;
pub mod generate;
