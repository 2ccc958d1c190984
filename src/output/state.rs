//! rescore.state: what `sanku rescore` needs to finish a run again with other thresholds or
//! m and u values, without reading the registers: the settings, the inputs' record, the
//! normalised registers and cohort, the exact links, the pairs the fuzzy passes compared and
//! the previous run's cases. A line naming the format, a JSON line of the settings and
//! inputs, then the rest in postcard's compact binary form.
//!
//! It holds the registers' names and ID numbers like the ledger does, and is written
//! owner-only like every file of a run; a pseudonymised run keeps none.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::atomic::Pending;
use crate::RunSettings;
use crate::cohort::Cohort;
use crate::error::bad_input;
use crate::history::Previous;
use crate::link::LinkState;
use crate::load::InputInfo;
use crate::normalize::Registers;
use crate::schema::files;

/// The first line: the format, and the sanku version that wrote it (a state is read only by
/// the same version, since its binary layout follows the code's types).
fn magic() -> String {
    format!("sanku rescore state 1 {}\n", env!("CARGO_PKG_VERSION"))
}

/// The JSON line.
#[derive(Serialize, Deserialize)]
struct Header<S> {
    settings: S,
    inputs: Vec<Input>,
}

/// An input's record, with what the manifest does not show of it.
#[derive(Serialize, Deserialize)]
struct Input {
    info: InputInfo,
    name: String,
    rows_read: u64,
    line_base: u64,
}

impl Input {
    fn of(info: &InputInfo) -> Input {
        Input {
            info: info.clone(),
            name: info.name.clone(),
            rows_read: info.rows_read,
            line_base: info.line_base,
        }
    }

    fn info(self) -> InputInfo {
        InputInfo {
            name: self.name,
            rows_read: self.rows_read,
            line_base: self.line_base,
            ..self.info
        }
    }
}

/// A finished run's parts, borrowed for writing.
pub struct StateRef<'a> {
    pub settings: &'a RunSettings,
    pub inputs: &'a [InputInfo],
    pub registers: &'a Registers,
    pub cohort: &'a Cohort,
    pub links: &'a LinkState,
    pub previous: Option<&'a Previous>,
}

/// A run's state, read back.
pub struct State {
    pub settings: RunSettings,
    pub inputs: Vec<InputInfo>,
    pub registers: Registers,
    pub cohort: Cohort,
    pub links: LinkState,
    pub previous: Option<Previous>,
}

/// Writes `dir/rescore.state`.
pub fn write(dir: &Path, state: &StateRef) -> anyhow::Result<()> {
    let (pending, mut w) = Pending::create(dir, files::RESCORE_STATE)?;
    w.write_all(magic().as_bytes())?;
    serde_json::to_writer(
        &mut w,
        &Header {
            settings: state.settings,
            inputs: state.inputs.iter().map(Input::of).collect(),
        },
    )?;
    w.write_all(b"\n")?;
    let mut w = postcard::to_io(state.registers, w)?;
    w = postcard::to_io(state.cohort, w)?;
    w = postcard::to_io(state.links, w)?;
    w = postcard::to_io(&state.previous, w)?;
    w.flush()?;
    drop(w);
    pending.commit()?;
    Ok(())
}

/// Gives the run being written in `dir` the state of the run in `run_dir` (a rescore of it
/// shares it): a hard link, or a copy across file systems.
pub fn share(run_dir: &Path, dir: &Path) -> anyhow::Result<()> {
    let (from, to) = (
        run_dir.join(files::RESCORE_STATE),
        dir.join(files::RESCORE_STATE),
    );
    if std::fs::hard_link(&from, &to).is_err() {
        let (pending, mut w) = Pending::create(dir, files::RESCORE_STATE)?;
        let mut r =
            std::fs::File::open(&from).with_context(|| format!("reading {}", from.display()))?;
        std::io::copy(&mut r, &mut w)?;
        w.flush()?;
        drop(w);
        pending.commit()?;
    }
    Ok(())
}

/// Reads `run_dir/rescore.state`; a run without one, or kept by another version of sanku,
/// is bad input.
pub fn read(run_dir: &Path) -> anyhow::Result<State> {
    let path = run_dir.join(files::RESCORE_STATE);
    let shown = run_dir.display();
    if !run_dir.join(files::MANIFEST_JSON).is_file() {
        return Err(bad_input(format!(
            "{shown} is not a run directory (no manifest.json)"
        )));
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        bad_input(format!(
            "{shown} has no readable {} ({e}): the run was pseudonymised, run with --no-state, \
             or by a sanku without rescore; rerun it",
            files::RESCORE_STATE
        ))
    })?;
    let magic = magic();
    let rest = bytes.strip_prefix(magic.as_bytes()).ok_or_else(|| {
        let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        bad_input(format!(
            "{}: kept by another version ({}); this is {}: rerun the run",
            path.display(),
            String::from_utf8_lossy(first).trim(),
            magic.trim()
        ))
    })?;
    let line_end = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad_input(format!("{}: cut short", path.display())))?;
    let corrupt = |what: &str| format!("{}: its {what} cannot be read", path.display());
    let header: Header<RunSettings> =
        serde_json::from_slice(&rest[..line_end]).with_context(|| corrupt("settings"))?;
    let rest = &rest[line_end + 1..];
    let (registers, rest) =
        postcard::take_from_bytes::<Registers>(rest).with_context(|| corrupt("registers"))?;
    let (cohort, rest) =
        postcard::take_from_bytes::<Cohort>(rest).with_context(|| corrupt("cohort"))?;
    let (links, rest) =
        postcard::take_from_bytes::<LinkState>(rest).with_context(|| corrupt("links"))?;
    let (previous, _) = postcard::take_from_bytes::<Option<Previous>>(rest)
        .with_context(|| corrupt("previous cases"))?;
    Ok(State {
        settings: header.settings,
        inputs: header.inputs.into_iter().map(Input::info).collect(),
        registers,
        cohort,
        links,
        previous,
    })
}
