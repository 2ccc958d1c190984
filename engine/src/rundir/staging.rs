//! The run directory, replaced whole: a run is written into a fresh staging directory
//! beside `--out` and swapped into place in one step, so that `--out` always holds either
//! the previous run or the new one, never a mixture.
//!
//! The swap is Linux's `renameat2(RENAME_EXCHANGE)`; where the filesystem lacks it, the
//! previous run is renamed aside, the new one renamed in, and the aside copy removed — a
//! crash between the two renames is repaired at the next start. Staging directories of
//! processes that no longer live are removed at the next start too.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::ground::error::bad_input;
use crate::ground::schema::files;

/// Marks the staging and aside directories of one `--out`: `.NAME.sanku-new-PID` and
/// `.NAME.sanku-old-PID`.
const NEW: &str = "sanku-new";
const OLD: &str = "sanku-old";

/// A run being written: files go into [`RunDir::path`]; [`RunDir::commit`] puts them in
/// place. Dropped without a commit, the staging directory is removed and `--out` is left
/// as it was.
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl RunDir {
    /// Checks `out` before any work and makes the staging directory beside it: `out` must
    /// not be a symbolic link or a file, an existing `out` must be a run directory (empty,
    /// or holding a manifest.json), and no input may lie inside it, since the run replaces
    /// it whole.
    pub fn prepare(out: &Path, inputs: &[&Path]) -> anyhow::Result<RunDir> {
        RunDir::prepare_for(out, inputs, None)
    }

    /// [`RunDir::prepare`] for a command that replaces only its own earlier results
    /// (`sanku encode`, `sanku reconcile`): an `out` another command wrote is refused,
    /// checked after a directory an interrupted swap set aside is put back.
    pub fn prepare_for(
        out: &Path,
        inputs: &[&Path],
        command: Option<&str>,
    ) -> anyhow::Result<RunDir> {
        let shown = out.display();
        let name = out
            .file_name()
            .filter(|n| *n != "." && *n != "..")
            .ok_or_else(|| bad_input(format!("--out {shown}: give a directory name")))?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_private_dir_all(&parent)
            .map_err(|e| bad_input(format!("--out {shown}: cannot create its parent: {e}")))?;
        recover(&parent)?;
        if let Ok(meta) = fs::symlink_metadata(out) {
            if meta.file_type().is_symlink() {
                return Err(bad_input(format!(
                    "--out {shown} is a symbolic link; give the directory itself"
                )));
            }
            if !meta.is_dir() {
                return Err(bad_input(format!(
                    "--out {shown} is a file, not a directory"
                )));
            }
            check_is_run(out)?;
            if let Some(command) = command {
                refuse_to_replace(out, command)?;
            }
            let real = fs::canonicalize(out)
                .with_context(|| format!("resolving --out {}", out.display()))?;
            for input in inputs {
                if fs::canonicalize(input).is_ok_and(|p| p.starts_with(&real)) {
                    return Err(bad_input(format!(
                        "input {} lies inside --out {shown}, which each run replaces whole; \
                         copy it elsewhere or choose another --out",
                        input.display()
                    )));
                }
            }
        }
        let staging = side_path(&parent, name, NEW);
        if fs::symlink_metadata(&staging).is_ok() {
            fs::remove_dir_all(&staging)
                .with_context(|| format!("removing stale {}", staging.display()))?;
        }
        create_private_dir(&staging).map_err(|e| {
            bad_input(format!(
                "--out {shown}: cannot create a directory beside it: {e}"
            ))
        })?;
        Ok(RunDir {
            target: out.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Where the run's files are written until the commit.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Flushes the staging directory to disk and swaps it into place; the previous run, if
    /// any, is then removed.
    pub fn commit(mut self) -> anyhow::Result<()> {
        sync_tree(&self.staging)?;
        let parent = self
            .staging
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let replaced = match fs::symlink_metadata(&self.target) {
            Err(_) => {
                fs::rename(&self.staging, &self.target)
                    .with_context(|| format!("moving the run into {}", self.target.display()))?;
                false
            }
            Ok(_) => match exchange(&self.staging, &self.target) {
                Ok(()) => true,
                Err(e) if exchange_unsupported(&e) => {
                    self.replace_aside(&parent)?;
                    false
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("swapping the run into {}", self.target.display())
                    });
                }
            },
        };
        self.committed = true;
        sync_dir(&parent)?;
        if replaced {
            // After the exchange the staging name holds the previous run.
            fs::remove_dir_all(&self.staging)
                .with_context(|| format!("removing the previous run {}", self.staging.display()))?;
        }
        Ok(())
    }

    /// The swap where `RENAME_EXCHANGE` is missing: previous run aside, new run in.
    fn replace_aside(&self, parent: &Path) -> anyhow::Result<()> {
        let name = self.target.file_name().unwrap_or_default();
        let aside = side_path(parent, name, OLD);
        fs::rename(&self.target, &aside)
            .with_context(|| format!("moving the previous run aside to {}", aside.display()))?;
        fs::rename(&self.staging, &self.target)
            .with_context(|| format!("moving the run into {}", self.target.display()))?;
        sync_dir(parent)?;
        fs::remove_dir_all(&aside)
            .with_context(|| format!("removing the previous run {}", aside.display()))
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Refuses to replace a directory that holds files but no manifest: it is not a run.
/// Refuses an `--out` that holds anything but an earlier result of `command` (which
/// replaces it whole): another command's directory (a run, an encoding, a national
/// result), or files sanku did not write.
pub fn refuse_to_replace(out: &Path, command: &str) -> anyhow::Result<()> {
    let empty = std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
    match command_of(out) {
        _ if empty => Ok(()),
        Some(found) if found == command => Ok(()),
        Some(found) => Err(bad_input(format!(
            "--out {} holds a `sanku {found}` directory, which `sanku {command}` would replace; give a new directory, or an earlier one of `sanku {command}`",
            out.display()
        ))),
        None => Err(bad_input(format!(
            "--out {} holds files sanku did not write (no {} naming the command that wrote them); give a new or empty directory",
            out.display(),
            files::MANIFEST_JSON
        ))),
    }
}

/// The command that wrote the directory `dir` (its manifest.json's `command`), if it has
/// a manifest that says.
pub fn command_of(dir: &Path) -> Option<String> {
    command_in(&std::fs::read_to_string(dir.join(files::MANIFEST_JSON)).ok()?)
}

pub(super) fn command_in(manifest: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(manifest)
        .ok()
        .and_then(|v| v["command"].as_str().map(str::to_string))
}

fn check_is_run(out: &Path) -> anyhow::Result<()> {
    let mut entries =
        fs::read_dir(out).map_err(|e| bad_input(format!("--out {}: {e}", out.display())))?;
    let returned = out.join(files::RETURNED_DIR);
    if fs::read_dir(&returned).is_ok_and(|mut e| e.next().is_some()) {
        return Err(bad_input(format!(
            "--out {} holds ledgers staff handed back in {}/, which a run replacing the \
             directory would lose; move them or choose another --out",
            out.display(),
            files::RETURNED_DIR
        )));
    }
    if entries.next().is_none() || out.join(files::MANIFEST_JSON).is_file() {
        return Ok(());
    }
    Err(bad_input(format!(
        "--out {} holds files but no {}: it is not a sanku run directory, and a run \
         replaces its directory whole; choose an empty or new directory",
        out.display(),
        files::MANIFEST_JSON
    )))
}

/// `parent/.NAME.sanku-KIND@HOST-PID`: the host too, so that on storage several machines
/// share (the national comparison's tasks), a run never takes another machine's process
/// for one of its own.
fn side_path(parent: &Path, name: &std::ffi::OsStr, kind: &str) -> PathBuf {
    let mut side = OsString::from(".");
    side.push(name);
    side.push(format!(".{kind}@{}-{}", host(), std::process::id()));
    parent.join(side)
}

/// This machine's name, as a staging directory's name carries it: letters, digits, `-`,
/// `.` and `_` (anything else as `_`).
fn host() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' | '_' => c,
            _ => '_',
        })
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

/// Removes the staging directories of processes of this machine that no longer live, and
/// puts back a previous run left aside by a crash in the middle of a rename-aside swap:
/// those of every run directory in `parent`, not only `--out`'s, since a run killed while
/// writing a directory no later night writes again (one per night) would otherwise leave
/// its partial files (the rescore state holds the registers whole) for good. Another
/// machine's (on shared storage) are left alone: whether its process lives cannot be told
/// from here. A name without a host is this machine's (made before hosts were named).
fn recover(parent: &Path) -> anyhow::Result<()> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some((name, kind, here, pid)) = file_name.to_str().and_then(leftover) else {
            continue;
        };
        if !here || process_lives(pid) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        let target = parent.join(name);
        if kind == OLD && fs::symlink_metadata(&target).is_err() {
            fs::rename(&path, &target)
                .with_context(|| format!("restoring the previous run from {}", path.display()))?;
        } else {
            fs::remove_dir_all(&path)
                .with_context(|| format!("removing the stale {}", path.display()))?;
        }
    }
    Ok(())
}

/// A staging or aside directory's name, `.NAME.KIND@HOST-PID` (or `.NAME.KIND-PID`, as
/// they were named before hosts were): the run directory's name, the kind, whether this
/// machine made it, and the process.
fn leftover(file_name: &str) -> Option<(&str, &'static str, bool, u32)> {
    let (head, pid) = file_name.strip_prefix('.')?.rsplit_once('-')?;
    let pid = pid.parse::<u32>().ok()?;
    [NEW, OLD].into_iter().find_map(|kind| {
        let marker = format!(".{kind}");
        let at = head.rfind(&marker)?;
        let (name, tail) = (&head[..at], &head[at + marker.len()..]);
        let here = match tail.strip_prefix('@') {
            Some(machine) => machine == host(),
            None if tail.is_empty() => true,
            None => return None,
        };
        (!name.is_empty()).then_some((name, kind, here, pid))
    })
}

fn process_lives(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    #[cfg(unix)]
    {
        // Signal 0 checks that the process exists without touching it; a process of
        // another user exists too (EPERM).
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        match rustix::process::test_kill_process(pid) {
            Ok(()) => true,
            Err(e) => e == rustix::io::Errno::PERM,
        }
    }
    #[cfg(not(unix))]
    {
        true
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn exchange_unsupported(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    #[cfg(target_os = "linux")]
    if matches!(
        Errno::from_io_error(e),
        Some(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP)
    ) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

/// Creates a directory readable by its owner only; fails if it exists.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Flushes a directory's entries (and those of its subdirectories) to disk; the files in
/// it were flushed as they were written.
fn sync_tree(dir: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("flushing {}", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_into(out: &Path, content: &str) {
        let run = RunDir::prepare(out, &[]).unwrap();
        fs::write(run.path().join(files::MANIFEST_JSON), content).unwrap();
        run.commit().unwrap();
    }

    #[test]
    fn a_run_replaces_the_previous_one_whole() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        run_into(&out, "first");
        fs::write(out.join("extra.csv"), "old").unwrap();
        run_into(&out, "second");
        assert_eq!(
            fs::read_to_string(out.join(files::MANIFEST_JSON)).unwrap(),
            "second"
        );
        assert!(!out.join("extra.csv").exists());
        let left: Vec<_> = fs::read_dir(parent.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the run directory remains");
    }

    #[test]
    fn an_abandoned_run_leaves_the_previous_one() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        run_into(&out, "first");
        let run = RunDir::prepare(&out, &[]).unwrap();
        fs::write(run.path().join("ledger.csv"), "new").unwrap();
        drop(run);
        assert_eq!(
            fs::read_to_string(out.join(files::MANIFEST_JSON)).unwrap(),
            "first"
        );
        assert_eq!(fs::read_dir(parent.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_directories_of_dead_processes_are_cleared_and_an_aside_run_restored() {
        let parent = tempfile::tempdir().unwrap();
        let dead = u32::MAX / 2 - 7;
        let stale = parent.path().join(format!(".out.{NEW}-{dead}"));
        fs::create_dir(&stale).unwrap();
        let aside = parent.path().join(format!(".out.{OLD}-{dead}"));
        fs::create_dir(&aside).unwrap();
        fs::write(aside.join(files::MANIFEST_JSON), "previous").unwrap();
        let out = parent.path().join("out");
        let run = RunDir::prepare(&out, &[]).unwrap();
        assert!(!stale.exists() && !aside.exists());
        assert_eq!(
            fs::read_to_string(out.join(files::MANIFEST_JSON)).unwrap(),
            "previous"
        );
        drop(run);
    }

    #[test]
    fn a_dead_run_s_staging_directory_is_cleared_whatever_its_run_directory() {
        let parent = tempfile::tempdir().unwrap();
        let dead = u32::MAX / 2 - 7;
        let host = host();
        // A night killed while writing runs/2026-09-01, and a run of another machine.
        let stale = parent
            .path()
            .join(format!(".2026-09-01.{NEW}@{host}-{dead}"));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join(files::RESCORE_STATE), "the registers").unwrap();
        let elsewhere = parent
            .path()
            .join(format!(".2026-09-01.{NEW}@not-{host}-{dead}"));
        fs::create_dir(&elsewhere).unwrap();
        // A living process's (the first process lives as long as the machine), and a file
        // that only looks like a staging directory.
        let living = parent.path().join(format!(".other.{NEW}@{host}-1"));
        fs::create_dir(&living).unwrap();
        let lookalike = parent.path().join(format!(".notes.{NEW}-{dead}"));
        fs::write(&lookalike, "kept").unwrap();
        let run = RunDir::prepare(&parent.path().join("2026-09-02"), &[]).unwrap();
        assert!(!stale.exists());
        assert!(elsewhere.exists() && living.exists() && lookalike.exists());
        drop(run);
    }

    #[test]
    fn leftover_names_are_read_back_whatever_dots_and_dashes_they_hold() {
        let host = host();
        assert_eq!(
            leftover(&format!(".runs.2026-09-01.{NEW}@{host}-42")),
            Some(("runs.2026-09-01", NEW, true, 42))
        );
        assert_eq!(
            leftover(&format!(".out.{OLD}-7")),
            Some(("out", OLD, true, 7))
        );
        assert_eq!(
            leftover(&format!(".out.{NEW}@other-host-9")),
            Some(("out", NEW, host == "other-host", 9))
        );
        assert_eq!(leftover(".out.rescore.state.42.tmp"), None);
        assert_eq!(leftover(&format!(".{NEW}-3")), None);
        assert_eq!(leftover(&format!(".out.{NEW}x-3")), None);
    }

    #[test]
    fn refuses_links_files_foreign_directories_and_inputs_inside() {
        let parent = tempfile::tempdir().unwrap();
        let elsewhere = parent.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let link = parent.path().join("link");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        assert!(RunDir::prepare(&link, &[]).is_err());
        let file = parent.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(RunDir::prepare(&file, &[]).is_err());
        fs::write(elsewhere.join("notes.txt"), "mine").unwrap();
        assert!(RunDir::prepare(&elsewhere, &[]).is_err());
        let out = parent.path().join("out");
        run_into(&out, "first");
        fs::write(out.join("rejects.csv"), "x").unwrap();
        let err = RunDir::prepare(&out, &[&out.join("rejects.csv")]).unwrap_err();
        assert!(err.to_string().contains("inside --out"), "{err}");
    }
}
