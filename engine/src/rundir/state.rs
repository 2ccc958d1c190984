//! rescore.state: what `sanku rescore` needs to finish a run again with other thresholds or
//! m and u values, without reading the registers: the settings, the inputs' record, the
//! normalised registers and cohort, the exact links, the pairs the fuzzy passes compared and
//! the previous run's cases. A line naming the format, a JSON line of the settings and
//! inputs, then the rest in postcard's compact binary form.
//!
//! It holds the registers' names and ID numbers like the ledger does, and is written
//! owner-only like every file of a run; a pseudonymised run keeps none.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::atomic::Pending;
use crate::ground::error::bad_input;
use crate::ground::schema::files;
use crate::pipeline::cohort::Cohort;
use crate::pipeline::history::Previous;
use crate::pipeline::link::{KeptRef, LinkState};
use crate::pipeline::load::InputInfo;
use crate::pipeline::normalize::Registers;
use crate::rundir::settings::RunSettings;

/// The first line: the format, and the sanku version that wrote it (a state is read only by
/// the same version, since its binary layout follows the code's types).
fn magic() -> String {
    format!("sanku rescore state 8 {}\n", env!("CARGO_PKG_VERSION"))
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

/// The binary sections: the six registers, the cohort, the links, the previous cases.
const SECTIONS: usize = 9;

/// A run's parts, borrowed for writing once its pairs are compared.
pub struct StateRef<'a> {
    pub settings: &'a RunSettings,
    pub inputs: &'a [InputInfo],
    pub registers: &'a Registers,
    pub cohort: &'a Cohort,
    pub links: &'a KeptRef<'a>,
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
    // A table of the sections' lengths, then the sections, so that they can be decoded in
    // parallel; the table is filled in once they are written.
    let table = w.stream_position()?;
    w.write_all(&[0; SECTIONS * 8])?;
    let r = state.registers;
    let mut lengths = Vec::with_capacity(SECTIONS);
    w = section(w, &r.population, &mut lengths)?;
    w = section(w, &r.students, &mut lengths)?;
    w = section(w, &r.poverty, &mut lengths)?;
    w = section(w, &r.exemptions, &mut lengths)?;
    w = section(w, &r.disability, &mut lengths)?;
    w = section(w, &r.aid, &mut lengths)?;
    w = section(w, state.cohort, &mut lengths)?;
    w = section(w, state.links, &mut lengths)?;
    w = section(w, &state.previous, &mut lengths)?;
    w.seek(SeekFrom::Start(table))?;
    for len in &lengths {
        w.write_all(&len.to_le_bytes())?;
    }
    w.flush()?;
    drop(w);
    pending.commit()?;
    Ok(())
}

/// Writes one section and notes its length.
fn section<T: Serialize>(
    w: BufWriter<File>,
    value: &T,
    lengths: &mut Vec<u64>,
) -> anyhow::Result<BufWriter<File>> {
    let mut w = w;
    let start = w.stream_position()?;
    w = postcard::to_io(value, w)?;
    lengths.push(w.stream_position()? - start);
    Ok(w)
}

/// The binary sections of a state, after its two lines: their lengths' table, then each;
/// `None` when the bytes end before the table says.
fn sections(mut rest: &[u8]) -> Option<Vec<&[u8]>> {
    let table = rest.get(..SECTIONS * 8)?;
    rest = &rest[SECTIONS * 8..];
    let mut sections = Vec::with_capacity(SECTIONS);
    for len in table.chunks_exact(8) {
        let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
        let (section, tail) = rest.split_at_checked(len)?;
        sections.push(section);
        rest = tail;
    }
    Some(sections)
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
    let file = std::fs::File::open(&path).map_err(|e| {
        bad_input(format!(
            "{shown} has no readable {} ({e}): the run was pseudonymised, run with --no-state, \
             or by a sanku without rescore; rerun it",
            files::RESCORE_STATE
        ))
    })?;
    // SAFETY: the state is written once under a temporary name and renamed into place,
    // owner-only, and never written in place; nothing changes the mapped bytes.
    let bytes = unsafe { memmap2::Mmap::map(&file) }
        .with_context(|| format!("mapping {}", path.display()))?;
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
    let cut_short = || bad_input(format!("{}: cut short", path.display()));
    let line_end = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(cut_short)?;
    let corrupt = |what: &str| format!("{}: its {what} cannot be read", path.display());
    let header: Header<RunSettings> =
        serde_json::from_slice(&rest[..line_end]).with_context(|| corrupt("settings"))?;
    let sections = sections(&rest[line_end + 1..]).ok_or_else(cut_short)?;
    fn decode<'a, T: Deserialize<'a>>(
        bytes: &'a [u8],
        what: &str,
        path: &Path,
    ) -> anyhow::Result<T> {
        postcard::from_bytes(bytes)
            .with_context(|| format!("{}: its {what} cannot be read", path.display()))
    }
    let s = &sections;
    // The big sections on both cores: the students on one; the population (its ID set is
    // copied, not decoded), the poverty members, the cohort and the rest on the other.
    let (students, ((population, poverty), (cohort, optional, links, previous))) = rayon::join(
        || decode(s[1], "students", &path),
        || {
            (
                (
                    decode(s[0], "population", &path),
                    decode(s[2], "poverty members", &path),
                ),
                (
                    decode(s[6], "cohort", &path),
                    (
                        decode(s[3], "exemptions", &path),
                        decode(s[4], "disability register", &path),
                        decode(s[5], "aid register", &path),
                    ),
                    decode(s[7], "links", &path),
                    decode(s[8], "previous cases", &path),
                ),
            )
        },
    );
    let registers = Registers {
        population: population?,
        students: students?,
        poverty: poverty?,
        exemptions: optional.0?,
        disability: optional.1?,
        aid: optional.2?,
        origins: None,
    };
    let (cohort, links, previous) = (cohort?, links?, previous?);
    Ok(State {
        settings: header.settings,
        inputs: header.inputs.into_iter().map(Input::info).collect(),
        registers,
        cohort,
        links,
        previous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The links section is written from linkage's borrowed view (`KeptRef`) and read back
    /// as a `LinkState`; read back and encoded again, every section gives the bytes the run
    /// wrote.
    #[test]
    fn a_state_read_back_encodes_to_the_bytes_the_run_wrote() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/synthetic-small");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let (fixture, out_arg) = (fixture.to_str().unwrap(), out.to_str().unwrap());
        let cli =
            crate::cli::Cli::try_parse_from(["sanku", "run", fixture, "--out", out_arg]).unwrap();
        let crate::cli::Command::Run(args) = &cli.command else {
            unreachable!("a run's arguments")
        };
        crate::cmd::run::run(&crate::config::Config::from_run(args).unwrap()).unwrap();

        let bytes = std::fs::read(out.join(files::RESCORE_STATE)).unwrap();
        let rest = bytes.strip_prefix(magic().as_bytes()).unwrap();
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap();
        let written = sections(&rest[line_end + 1..]).unwrap();
        let state = read(&out).unwrap();
        // What the links section must hold for the comparison to mean anything: compared
        // pairs, kept blocks, and every child's folded name.
        assert!(state.links.students.compared() > 0);
        assert!(!state.links.second.records.is_empty());
        let children = &state.cohort.children;
        assert_eq!(state.links.child_names.len(), children.len());
        let r = &state.registers;
        let encode = |section: Result<Vec<u8>, postcard::Error>| section.unwrap();
        let encoded = [
            encode(postcard::to_allocvec(&r.population)),
            encode(postcard::to_allocvec(&r.students)),
            encode(postcard::to_allocvec(&r.poverty)),
            encode(postcard::to_allocvec(&r.exemptions)),
            encode(postcard::to_allocvec(&r.disability)),
            encode(postcard::to_allocvec(&r.aid)),
            encode(postcard::to_allocvec(&state.cohort)),
            encode(postcard::to_allocvec(&state.links)),
            encode(postcard::to_allocvec(&state.previous)),
        ];
        assert_eq!(written.len(), encoded.len());
        for (k, (written, encoded)) in written.iter().zip(&encoded).enumerate() {
            assert!(*written == encoded.as_slice(), "section {k} differs");
        }
    }
}
