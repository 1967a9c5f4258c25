//! The command line itself: completions and the man page generated from it, `--update` before a
//! recording, every `REEL_*` variable shown in `--help`, one duration syntax, `-j`/`--quiet`.

use crate::common::*;
use std::process::{Command, Stdio};

fn stdout_of(args: &[&str]) -> String {
    let out = run(reel().args(args));
    assert_eq!(out.status.code(), Some(0), "reel {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Every `reel` command name, from `reel --help`.
fn commands() -> Vec<String> {
    let help = stdout_of(&["--help"]);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn completions_cover_every_command_and_parse() {
    let commands = commands();
    assert!(commands.len() >= 10, "{commands:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completion lacks {c}");
        }
        assert!(
            script.contains("no-canvas"),
            "{shell}: flags of subcommands"
        );
    }
    // bash reads the script without a syntax error and defines the completion function.
    let bash = stdout_of(&["completions", "bash"]);
    let out = Command::new("bash")
        .args(["-c", "source /dev/stdin && complete -p reel"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bash.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(
        "bash_completion_registration",
        String::from_utf8_lossy(&out.stdout)
    );
    let bad = run(reel().args(["completions", "tcsh"]));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn man_page_renders() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {}",
        &page[..80]
    );
    // groff renders it; the text has the name, every command and the exit codes.
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-P-c", "-P-b", "-P-u"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(page.as_bytes())?;
            child.wait_with_output()
        })
        .expect("groff (Debian: groff-base) renders man pages");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let head: String = text
        .lines()
        .take_while(|l| !l.starts_with("OPTIONS"))
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    insta::assert_snapshot!("man_page_head", head);
    for c in commands() {
        assert!(
            text.contains(&format!("reel-{c}(1)")),
            "SUBCOMMANDS lists {c}"
        );
    }
    assert!(text.contains("Exit codes: 0 pass"), "{text}");

    // --out: one page per command, written whole.
    let dir = tempfile::tempdir().unwrap();
    let written = stdout_of(&["man", "--out", dir.path().to_str().unwrap()]);
    assert!(written.contains("man pages written"), "{written}");
    for c in commands() {
        let page = std::fs::read_to_string(dir.path().join(format!("reel-{c}.1"))).unwrap();
        assert!(
            page.contains(&format!(".TH reel-{c} 1")),
            "{c}: {}",
            &page[..200]
        );
    }
    assert!(dir.path().join("reel.1").is_file());
}

#[test]
fn update_before_a_recording_does_not_take_it_as_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        run(reel()
            .current_dir(dir.path())
            .args(["run", "--update", "missing-recording.jsonl"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("missing-recording.jsonl") && !stderr.contains("invalid value"),
        "the file is read as a recording: {stderr}"
    );
    // --update=WHICH names the mode.
    let out = run(reel()
        .current_dir(dir.path())
        .args(["run", "--update=sometimes", "x.jsonl"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'sometimes'"));
}

/// The `REEL_*` variables reel reads at run time, from the sources: the settings table's and every
/// `env = "REEL_…"` / `var("REEL_…")` of the command line and the sources.
fn runtime_variables() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = std::collections::BTreeSet::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("\"REEL_") {
                let name: String = text[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                let before = &text[i.saturating_sub(12)..i];
                // Compile-time inputs of build.rs (`env!("REEL_PLAYER_JS")`) are not variables.
                if !before.ends_with("env!(") && !path.ends_with("tests.rs") {
                    found.insert(name);
                }
            }
        }
    }
    found.into_iter().filter(|n| n.len() > 5).collect()
}

#[test]
fn every_reel_variable_is_shown_in_help() {
    let vars = runtime_variables();
    assert!(vars.len() >= 20, "{vars:?}");
    let mut help = stdout_of(&["--help"]);
    for c in commands() {
        help.push_str(&stdout_of(&[c.as_str(), "--help"]));
    }
    for v in &vars {
        assert!(
            help.contains(&format!("[env: {v}")) || help.contains(&format!("{v}: ")),
            "{v} is not shown in any --help"
        );
    }
}

#[test]
fn one_duration_syntax_and_clear_errors() {
    for (args, needle) in [
        (
            &["replay", "x.json", "--at", "soon"][..],
            "\"soon\" is not a duration",
        ),
        (
            &["replay", "x.json", "--timeout", "0s"][..],
            "--timeout must be more than 0",
        ),
        (
            &["replay", "x.json", "--settle-ms", "2 fortnights"][..],
            "not a duration",
        ),
        (
            &["fetch", "posthog", "--out", "x", "--since", "7"][..],
            "give a unit",
        ),
        (
            &["fetch", "posthog", "--out", "x", "--min-duration=-2m"][..],
            "not a duration",
        ),
    ] {
        let out = run(reel().args(args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn jobs_and_quiet_mean_the_same_everywhere() {
    for c in ["run", "replay"] {
        let help = stdout_of(&[c, "--help"]);
        assert!(help.contains("-j, --jobs <N>"), "{c}: {help}");
        assert!(
            help.contains("each job keeps two pages busy"),
            "{c}: {help}"
        );
    }
    for c in ["run", "merge-reports", "fetch"] {
        let help = stdout_of(&[c, "--help"]);
        assert!(
            help.contains("-q, --quiet") && help.contains("No progress and no line per recording"),
            "{c}: {help}"
        );
    }
}
