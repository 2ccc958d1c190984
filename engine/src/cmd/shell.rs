//! `sanku completions SHELL` and `sanku man`: shell completion scripts and manual pages,
//! made from the command line's own definition (`cli.rs`), so that they name exactly the
//! commands and options `--help` does and cannot fall behind it. Both are text for
//! standard output; `sanku man --out DIR` writes one page per command instead.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::ground::error::bad_input;

/// A manual page: its file name (`sanku-run.1`) and its roff text.
pub struct ManPage {
    pub file_name: String,
    pub roff: String,
}

/// The completion script of sanku for `shell`.
pub fn completions(shell: Shell) -> String {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "sanku", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// The page of sanku itself (`command` None) or of one of its commands.
pub fn man_page(command: Option<&str>) -> anyhow::Result<ManPage> {
    let root = built_command();
    let Some(name) = command else {
        return render(root);
    };
    let sub = root.find_subcommand(name).cloned();
    match sub {
        Some(sub) if !sub.is_hide_set() => render(sub),
        _ => {
            let names: Vec<&str> = visible_subcommands(&root).map(|c| c.get_name()).collect();
            Err(bad_input(format!(
                "no command {name:?} (one of: {})",
                names.join(", ")
            )))
        }
    }
}

/// Every page: sanku's own first, then one per command, in the order `--help` lists them.
pub fn man_pages() -> anyhow::Result<Vec<ManPage>> {
    let mut pages = Vec::new();
    collect_pages(built_command(), &mut pages)?;
    Ok(pages)
}

/// Writes every page into `dir` (created if absent), replacing pages of the same name;
/// returns the files written.
pub fn write_man_pages(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for page in man_pages()? {
        let path = dir.join(&page.file_name);
        fs::write(&path, &page.roff).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The command line with every subcommand's display name (`sanku-run`) filled in, and
/// without clap's `help` command, which has no page.
fn built_command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command.get_subcommands().filter(|c| !c.is_hide_set())
}

fn collect_pages(command: clap::Command, pages: &mut Vec<ManPage>) -> anyhow::Result<()> {
    let subs: Vec<clap::Command> = visible_subcommands(&command).cloned().collect();
    pages.push(render(command)?);
    for sub in subs {
        collect_pages(sub, pages)?;
    }
    Ok(())
}

fn render(command: clap::Command) -> anyhow::Result<ManPage> {
    let man = clap_mangen::Man::new(command)
        .source(format!("sanku {}", env!("CARGO_PKG_VERSION")))
        .manual("sanku");
    let mut roff = Vec::new();
    man.render(&mut roff).context("rendering a man page")?;
    Ok(ManPage {
        file_name: man.get_filename(),
        roff: String::from_utf8_lossy(&roff).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_one_page_named_after_it() {
        let names: Vec<String> = man_pages()
            .unwrap()
            .into_iter()
            .map(|p| p.file_name)
            .collect();
        assert_eq!(names[0], "sanku.1");
        for name in [
            "sanku-run.1",
            "sanku-check.1",
            "sanku-completions.1",
            "sanku-man.1",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
}
