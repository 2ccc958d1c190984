//! What the command line says about itself: `--help`, the shell completion scripts
//! (`sanku completions SHELL`) and the man pages (`sanku man`).

use std::fs;
use std::process::Command;

use crate::workdir::Workdir;

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

const COMMANDS: [&str; 12] = [
    "run",
    "check",
    "generate",
    "evaluate",
    "explain",
    "diff",
    "rescore",
    "reconcile",
    "encode",
    "link",
    "completions",
    "man",
];

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 on stdout")
}

#[test]
fn run_help_says_where_staff_hand_back_worked_ledgers() {
    let wd = Workdir::new();
    let help = stdout_of(&wd.expect_code(&["run", "--help"], 0));
    assert!(help.contains("returned/"), "{help}");
    let previous = help.find("--previous").expect("--previous in the help");
    assert!(help[previous..].contains("returned/"), "{help}");
    // The short help keeps to one line per option.
    let short = stdout_of(&wd.expect_code(&["run", "-h"], 0));
    assert!(short.contains("--previous"), "{short}");
}

#[test]
fn completions_name_every_command_and_the_run_options_in_every_shell() {
    let wd = Workdir::new();
    for shell in SHELLS {
        let out = wd.expect_code(&["completions", shell], 0);
        let script = stdout_of(&out);
        assert!(out.stderr.is_empty(), "{shell}: stderr not empty");
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
        for option in ["previous", "worked", "accept", "as-of"] {
            // fish names a long option `-l previous`; the others `--previous`.
            let written = if shell == "fish" {
                format!("-l {option}")
            } else {
                format!("--{option}")
            };
            assert!(script.contains(&written), "{shell}: no {written}");
        }
    }
}

#[test]
fn completions_of_an_unknown_shell_are_a_usage_error() {
    let wd = Workdir::new();
    let out = wd.expect_code(&["completions", "tcsh"], 2);
    assert!(out.stdout.is_empty());
    wd.expect_error(
        &["completions", "tcsh"],
        2,
        &[
            "invalid value 'tcsh' for '<SHELL>'",
            "[possible values: bash, elvish, fish, powershell, zsh]",
        ],
    );
}

/// Runs the bash completion function on `words` (the cursor at the end of the last) and
/// returns what it offers.
fn bash_complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source \"$1\"; COMP_WORDS=({words}); COMP_CWORD={cword}; \
         _sanku sanku '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        cur = words[cword],
    );
    let out = Command::new("bash")
        .args(["-c", &program, "bash"])
        .arg(script)
        .output()
        .expect("running bash");
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_of(&out).lines().map(String::from).collect()
}

#[test]
fn bash_completion_is_valid_bash_and_completes_options_and_shells() {
    let wd = Workdir::new();
    let out = wd.expect_code(&["completions", "bash"], 0);
    let script = wd.path("sanku.bash");
    fs::write(&script, &out.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("running bash -n");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(
        bash_complete(&script, &["sanku", "run", "--prev"]),
        ["--previous"]
    );
    assert_eq!(bash_complete(&script, &["sanku", "comp"]), ["completions"]);
    let shells = bash_complete(&script, &["sanku", "completions", ""]);
    for shell in SHELLS {
        assert!(shells.iter().any(|s| s == shell), "{shell} in {shells:?}");
    }
}

#[test]
fn man_page_of_run_names_its_options_and_renders() {
    let wd = Workdir::new();
    let page = stdout_of(&wd.expect_code(&["man", "run"], 0));
    assert!(page.contains(".TH sanku-run 1"), "{page}");
    for option in [
        "\\-\\-previous",
        "\\-\\-worked",
        "\\-\\-accept",
        "\\-\\-out",
    ] {
        assert!(page.contains(option), "no {option} in\n{page}");
    }
    assert!(page.contains("returned/"), "{page}");
    fs::write(wd.path("sanku-run.1"), &page).unwrap();
    // man(1) is not part of every build machine: the rendering is checked where it is
    // installed, and the roff text above everywhere.
    let rendered = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(wd.path("sanku-run.1"))
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8")
        .output();
    let rendered = match rendered {
        Ok(out) => out,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("man is not installed: the page's rendering is not checked");
            return;
        }
        Err(err) => panic!("running man: {err}"),
    };
    let stderr = String::from_utf8_lossy(&rendered.stderr);
    assert!(
        rendered.status.success() && stderr.is_empty(),
        "man -l: {stderr}"
    );
    let text = stdout_of(&rendered);
    for line in [
        "--previous <PREV_RUN_DIR>",
        "--worked <FILE>",
        "--out <DIR>",
    ] {
        assert!(text.contains(line), "no {line} in\n{text}");
    }
}

#[test]
fn man_out_writes_one_page_per_command() {
    let wd = Workdir::new();
    wd.expect_code(&["man", "--out", "pages"], 0);
    let mut names: Vec<String> = fs::read_dir(wd.path("pages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = COMMANDS.iter().map(|c| format!("sanku-{c}.1")).collect();
    expected.push("sanku.1".into());
    expected.sort();
    assert_eq!(names, expected);
    for name in &names {
        let title = format!(".TH {} 1", name.trim_end_matches(".1"));
        assert!(wd.read(&format!("pages/{name}")).contains(&title), "{name}");
    }
    // The page on standard output is the page written.
    let run = stdout_of(&wd.expect_code(&["man", "run"], 0));
    assert_eq!(run, wd.read("pages/sanku-run.1"));
    let top = stdout_of(&wd.expect_code(&["man"], 0));
    assert_eq!(top, wd.read("pages/sanku.1"));
    assert!(top.contains("sanku\\-completions(1)"), "{top}");
}

#[test]
fn man_of_an_unknown_command_is_a_usage_error() {
    let wd = Workdir::new();
    let out = wd.expect_code(&["man", "runn"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"runn\"") && stderr.contains("run, check"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    wd.expect_error(
        &["man", "run", "--out", "pages"],
        2,
        &["'[COMMAND]' cannot be used with '--out <DIR>'"],
    );
    assert!(!wd.path("pages").exists());
}
