//! The commands: `run` and `check` drive the pipeline's stages, `rescore` takes over after
//! linkage; `generate` and `evaluate` are the toolkit's (synth/). Those that read a run
//! directory (`diff`, `explain`, `rescore`, and `evaluate`) read what staff never edit —
//! its Parquet files, manifest.json and rescore.state — and never ledger.csv, which county
//! staff open, annotate, re-sort and save again from Excel. `completions` and `man`
//! read nothing: they write what the command line's definition says.

pub mod check;
pub mod diff;
pub mod explain;
mod explain_absent;
pub mod explain_link;
pub mod explain_pairs;
pub mod explain_reconcile;
mod explain_risk;
pub mod link;
pub mod rescore;
pub mod run;
pub mod shell;

/// Asks the kernel for no transparent huge pages in this process. The allocator asks for
/// huge pages on its arenas and hands freed memory back in 64 KB pieces; with huge pages
/// each piece used again costs a fresh 2 MB page zeroed (what it cost `sanku link` and
/// `sanku rescore`: docs/performance.md). A kernel without the switch returns an error,
/// which changes nothing.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
