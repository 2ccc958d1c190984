//! The layout stays easy to see: modules depend on each other one way only (no import
//! cycle between sibling modules at any level of a crate), the engine's layers and the
//! pipeline's stages import only what is below them (the order docs/architecture.md
//! draws), the engine does not depend on the synthetic-data toolkit, and no source file is
//! longer than 600 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module path: `["link", "weights"]`; the crate root is empty.
type Module = Vec<String>;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file defines (a/b.rs and a/b/mod.rs both define a::b).
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file before its test module (`#[cfg(test)]` on a module; a test-only
/// function elsewhere in the file is code like any other).
fn code_of(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(test)]") {
        let at = from + at;
        let after = text[at + "#[cfg(test)]".len()..].trim_start();
        if after.starts_with("mod ") || after.starts_with("pub(crate) mod ") {
            return text[..at].to_string();
        }
        from = at + 1;
    }
    text
}

/// Every `crate::a::b` and `super::a` path in `code`, as module paths from the root.
fn referenced(code: &str, module: &Module) -> Vec<Module> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            // `super` of a::b (a/b.rs or a/b/mod.rs) is a.
            let base = if start == "crate::" {
                Vec::new()
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            for rest in paths_at(&code[from..]) {
                out.push([base.clone(), rest].concat());
            }
        }
    }
    out
}

/// The paths a reference starting at `text` names: `a::b` one; a group `a::{b, c::{d,
/// e}}` one per leaf (`a::b`, `a::c::d`, `a::c::e`).
fn paths_at(text: &str) -> Vec<Module> {
    let head: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let prefix: Module = head
        .split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let after = &text[head.len()..];
    if !head.ends_with("::") && !head.is_empty() || !after.starts_with('{') {
        return vec![prefix];
    }
    // The group's items, split at its top-level commas.
    let (mut depth, mut items, mut item) = (0, Vec::new(), String::new());
    for c in after.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    items.push(std::mem::take(&mut item));
                    break;
                }
            }
            ',' if depth == 1 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty() && *i != "self")
        .flat_map(|i| {
            let i = match i.contains('{') {
                true => i,
                false => i.split(" as ").next().unwrap_or(i).trim(),
            };
            paths_at(i)
                .into_iter()
                .map(|p| [prefix.clone(), p].concat())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn grouped_imports_are_read_leaf_by_leaf() {
    let module: Module = vec!["link".into(), "fuzzy".into()];
    let found = referenced(
        "use crate::{cohort::Cohort, output::{csv, table::Field as F}};\nuse super::{block, weights::Params};",
        &module,
    );
    let names: Vec<String> = found.iter().map(|m| m.join("::")).collect();
    assert_eq!(
        names,
        [
            "cohort::Cohort",
            "output::csv",
            "output::table::Field",
            "link::block",
            "link::weights::Params"
        ]
    );
}

/// The layers, each from the top down: a module imports only the modules after it in its
/// list. Every module at a listed level must be in its list.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "the crate",
        &[
            "cmd",
            "config",
            "cli",
            "reconcile",
            "filelink",
            "rundir",
            "pipeline",
            "ground",
        ],
    ),
    (
        "the pipeline, from its last stage to its first",
        &[
            "pipeline::outcome",
            "pipeline::summary",
            "pipeline::risk",
            "pipeline::history",
            "pipeline::verify",
            "pipeline::classify",
            "pipeline::link",
            "pipeline::guard",
            "pipeline::cohort",
            "pipeline::ingest",
            "pipeline::normalize",
            "pipeline::load",
        ],
    ),
];

/// The workspace's crates: the engine, the synthetic-data toolkit, the binary.
const CRATES: [&str; 3] = ["engine/src", "synth/src", "src"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_import_cycles_and_no_long_files() {
    for krate in CRATES {
        check_crate(&root().join(krate), krate == "engine/src");
    }
}

/// The engine uses nothing of the toolkit: its manifest does not name it and its code
/// does not import it.
#[test]
fn the_engine_does_not_depend_on_the_toolkit() {
    let manifest = fs::read_to_string(root().join("engine/Cargo.toml")).unwrap();
    assert!(
        manifest.contains("[dependencies]"),
        "engine/Cargo.toml not read"
    );
    assert!(
        !manifest.contains("sanku-synth"),
        "engine/Cargo.toml names sanku-synth"
    );
    let mut files = Vec::new();
    source_files(&root().join("engine/src"), &mut files);
    assert!(files.len() > 50, "the engine's sources were not read");
    let using: Vec<String> = files
        .iter()
        .filter(|f| fs::read_to_string(f).unwrap().contains("sanku_synth"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        using.is_empty(),
        "engine files naming the toolkit: {using:?}"
    );
}

fn check_crate(src: &Path, engine: bool) {
    let mut files = Vec::new();
    source_files(src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files
        .iter()
        .map(|f| (module_of(src, f), f.clone()))
        .collect();
    let resolve = |path: &Module| -> Module {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains_key(p))
            .unwrap_or_default()
    };

    // Edges between siblings: a reference from a::b::c to a::d::e is b → d under a.
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut long = Vec::new();
    for (module, file) in &modules {
        let lines = fs::read_to_string(file).unwrap().lines().count();
        if lines > 600 {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
        for target in referenced(&code_of(file), module) {
            let target = resolve(&target);
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() {
                continue;
            }
            graph
                .entry(module[..=common].to_vec())
                .or_default()
                .insert(target[..=common].to_vec());
        }
    }
    assert!(long.is_empty(), "files over 600 lines: {long:?}");

    // The layer order: every edge between two modules of a list goes down the list.
    let mut against = Vec::new();
    for (layer, order) in LAYERS.iter().filter(|_| engine) {
        let order: Vec<Module> = order
            .iter()
            .map(|m| m.split("::").map(str::to_string).collect())
            .collect();
        let parent = &order[0][..order[0].len() - 1];
        let unlisted: Vec<String> = modules
            .keys()
            .filter(|m| m.len() == parent.len() + 1 && m.starts_with(parent))
            .filter(|m| !order.contains(m))
            .map(|m| m.join("::"))
            .collect();
        assert!(
            unlisted.is_empty(),
            "modules not placed in {layer}'s order: {unlisted:?}"
        );
        for (a, targets) in graph.iter().filter(|(a, _)| order.contains(a)) {
            let rank = |m: &Module| order.iter().position(|o| o == m);
            for b in targets {
                if rank(b).is_some_and(|b| Some(b) < rank(a)) {
                    against.push(format!("{} → {} ({layer})", a.join("::"), b.join("::")));
                }
            }
        }
    }
    assert!(
        against.is_empty(),
        "imports against the layer order: {against:#?}"
    );

    // Every edge a → b on a cycle has a path back from b to a.
    let reaches = |from: &Module, to: &Module| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            if &m == to {
                return true;
            }
            if seen.insert(m.clone()) {
                stack.extend(graph.get(&m).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut cycles = Vec::new();
    for (a, targets) in &graph {
        for b in targets {
            if reaches(b, a) {
                cycles.push(format!("{} → {}", a.join("::"), b.join("::")));
            }
        }
    }
    assert!(cycles.is_empty(), "edges on import cycles: {cycles:#?}");
    assert!(
        modules.len() < 5 || graph.len() > 5,
        "the import graph of {} was not read: {} modules",
        src.display(),
        graph.len()
    );
}

/// `unsafe` only where no safe crate does it, each with a `// SAFETY:` comment just above
/// that says why it is sound.
#[test]
fn every_unsafe_block_says_why_it_is_sound() {
    let mut files = Vec::new();
    for krate in CRATES {
        source_files(&root().join(krate), &mut files);
    }
    let (mut blocks, mut unexplained) = (0, Vec::new());
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if !code.contains("unsafe ") && !code.contains("unsafe{") {
                continue;
            }
            blocks += 1;
            let above = &lines[n.saturating_sub(4)..n];
            if !above
                .iter()
                .any(|l| l.trim_start().starts_with("// SAFETY:"))
            {
                unexplained.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "unsafe without a SAFETY comment: {unexplained:?}"
    );
    assert!(
        blocks <= 2,
        "{blocks} unsafe blocks; each one must be unavoidable"
    );
}

/// The stages compute; only `load` reads files among them (the run directory, `rundir`,
/// writes and reads back the rest).
#[test]
fn no_stage_but_load_touches_a_file() {
    let pipeline = root().join("engine/src/pipeline");
    let mut files = Vec::new();
    source_files(&pipeline, &mut files);
    assert!(files.len() > 20, "the pipeline's sources were not read");
    let touching: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(pipeline.join("load")))
        .filter(|f| {
            let code = code_of(f);
            [
                "std::fs",
                "fs::",
                "File::",
                "read_dir",
                "calamine",
                "polars",
                "is_file(",
                "is_dir(",
                ".exists(",
                "canonicalize",
                "read_records",
            ]
            .iter()
            .any(|word| code.contains(word))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(touching.is_empty(), "stages touching files: {touching:?}");
}
