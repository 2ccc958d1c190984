//! The README's test command is one line a fresh clone runs as it is, and CI runs that
//! very line: the two cannot drift apart.

use std::fs;
use std::path::Path;

fn repo_file(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// The commands of every ```sh block of `markdown` whose next paragraph begins with
/// `lead`.
fn blocks_before(markdown: &str, lead: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```sh" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = start
            + lines[start..]
                .iter()
                .position(|l| l.trim() == "```")
                .expect("a closed code block");
        let next = lines[end + 1..].iter().find(|l| !l.trim().is_empty());
        if next.is_some_and(|l| l.starts_with(lead)) {
            let commands = lines[start..end]
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            blocks.push(commands);
        }
        i = end + 1;
    }
    blocks
}

#[test]
fn readme_test_command_is_one_line_that_ci_runs_after_its_checks() {
    let blocks = blocks_before(&repo_file("README.md"), "runs the tests");
    assert_eq!(
        blocks.len(),
        1,
        "one test command in the README: {blocks:?}"
    );
    let [command] = blocks[0].as_slice() else {
        panic!("the README's test command is one line: {:?}", blocks[0]);
    };
    let ci = repo_file(".ci/run");
    let steps: Vec<&str> = ci
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        steps.last(),
        Some(&command.as_str()),
        ".ci/run ends with the README's test command {command:?}:\n{ci}"
    );
    let at = |prefix: &str| {
        steps
            .iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!(".ci/run runs {prefix}:\n{ci}"))
    };
    assert!(at("cargo fmt") < steps.len() - 1 && at("cargo clippy") < steps.len() - 1);
    // A script the command names is in the repository and executable.
    let program = command.split_whitespace().next().unwrap();
    if program.contains('/') {
        use std::os::unix::fs::PermissionsExt;
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(program);
        let mode = fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{program}: {e}"))
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "{program} is not executable");
    }
}
