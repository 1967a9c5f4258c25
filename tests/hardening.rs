//! The hardening of issue #18, one regression test (or more) per item, each through the real
//! binary: crashed renderers and browsers noticed at once and retried, junit.xml valid XML
//! whatever the data, colliding window ids refused, bounded fetches, no terminal escapes from
//! data, malformed recordings as input errors, an offline replay in the report, dot-segment ids,
//! stale temp files swept, and the smaller items.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Processes

/// Child processes of `pid` (all threads).
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(text) = std::fs::read_to_string(t.path().join("children")) {
                out.extend(
                    text.split_whitespace()
                        .filter_map(|p| p.parse::<u32>().ok()),
                );
            }
        }
    }
    out
}

/// Every descendant of `pid`.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        for c in children(p) {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

/// The browser reel launched: its child whose command line has the DevTools flag.
fn launched_browser(reel: u32, timeout: Duration) -> u32 {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(p) = children(reel)
            .into_iter()
            .find(|p| cmdline(*p).contains("--remote-debugging-port"))
        {
            return p;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("reel started no browser within {timeout:?}");
}

/// A renderer of `browser` that has been running for at least `age`.
fn renderer_of(browser: u32, age: Duration, timeout: Duration) -> u32 {
    let start = Instant::now();
    let mut first_seen: Option<(u32, Instant)> = None;
    while start.elapsed() < timeout {
        let renderer = descendants(browser)
            .into_iter()
            .find(|p| cmdline(*p).contains("--type=renderer") && alive(*p));
        match (renderer, first_seen) {
            (Some(r), Some((seen, at))) if r == seen && at.elapsed() >= age => return r,
            (Some(r), Some((seen, _))) if r == seen => {}
            (Some(r), _) => first_seen = Some((r, Instant::now())),
            (None, _) => first_seen = None,
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("no renderer of {browser} lived {age:?} within {timeout:?}");
}

fn wait_exit(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

/// Lines of `child`'s stderr with the moment each arrived, collected by a thread.
type Lines = Arc<Mutex<Vec<(Instant, String)>>>;

fn collect_stderr(child: &mut Child) -> Lines {
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push((Instant::now(), line));
        }
    });
    lines
}

/// The five shared recordings, copied into `dir` under distinct names.
fn five_recordings(dir: &Path) -> Vec<PathBuf> {
    [
        "testbed-errors/posthog-blob.jsonl",
        "swagger-ui/posthog-blob.jsonl",
        "todomvc-backbone/posthog-blob.jsonl",
        "rrweb-todomvc-angularjs/rrweb-events.json",
        "posthog-fixtures/recording_snapshots.jsonl",
    ]
    .iter()
    .map(|r| {
        let (folder, file) = r.split_once('/').unwrap();
        let ext = file.rsplit_once('.').unwrap().1;
        let p = dir.join(format!("{folder}.{ext}"));
        std::fs::copy(recording(r), &p).unwrap();
        p
    })
    .collect()
}

fn report_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. Crashed renderers and browsers

/// What one kill during `reel run --jobs 1` over the five shared recordings showed.
struct Crash {
    detected_after: Duration,
    line: String,
    status: Option<i32>,
    report: serde_json::Value,
}

/// Runs `reel run --jobs 1` on the five recordings with a browser reel launches itself, kills
/// (SIGKILL) the process `victim` picks once a renderer has lived `age`, and measures how long
/// until reel says it retries.
fn kill_during_run(victim: impl Fn(u32, u32) -> u32) -> Crash {
    let dir = tempfile::tempdir().unwrap();
    let recs = five_recordings(dir.path());
    let mut child = reel()
        .current_dir(dir.path())
        .arg("run")
        .args(&recs)
        .args(["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = collect_stderr(&mut child);
    let browser = launched_browser(child.id(), Duration::from_secs(30));
    let renderer = renderer_of(browser, Duration::from_millis(800), Duration::from_secs(30));
    let target = victim(browser, renderer);
    unsafe {
        libc::kill(target as i32, libc::SIGKILL);
    }
    let killed = Instant::now();
    let status = wait_exit(&mut child, Duration::from_secs(180)).map(|s| s.code());
    let lines = lines.lock().unwrap().clone();
    let (at, line) = lines
        .iter()
        .find(|(at, l)| *at >= killed && l.contains("retrying"))
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "no retry after the kill; exit {status:?}; stderr:\n{}",
                lines
                    .iter()
                    .map(|(at, l)| format!("+{:?} {l}", at.saturating_duration_since(killed)))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    Crash {
        detected_after: at - killed,
        line,
        status: status.flatten(),
        report: report_json(&dir.path().join("reel-report")),
    }
}

fn assert_retried_and_passed(c: &Crash) {
    let recordings = c.report["recordings"].as_array().unwrap();
    assert_eq!(recordings.len(), 5, "{}", c.report);
    for r in recordings {
        assert_eq!(r["status"], "pass", "{r}");
    }
    assert_eq!(c.status, Some(0), "{}", c.report);
}

#[test]
fn a_killed_renderer_fails_the_step_at_once_and_the_recording_is_retried_in_a_new_page() {
    let c = kill_during_run(|_, renderer| renderer);
    eprintln!(
        "renderer kill noticed after {:?}: {}",
        c.detected_after, c.line
    );
    assert!(
        c.detected_after < Duration::from_secs(5),
        "noticed after {:?} (the step timeout is 30 s): {}",
        c.detected_after,
        c.line
    );
    assert!(c.line.contains("crashed"), "{}", c.line);
    assert!(c.line.contains("new page"), "{}", c.line);
    assert_retried_and_passed(&c);
}

#[test]
fn a_killed_browser_is_noticed_within_a_second_and_replaced() {
    let c = kill_during_run(|browser, _| browser);
    eprintln!(
        "browser kill noticed after {:?}: {}",
        c.detected_after, c.line
    );
    assert!(
        c.detected_after < Duration::from_secs(1),
        "noticed after {:?}: {}",
        c.detected_after,
        c.line
    );
    assert!(c.line.contains("new browser"), "{}", c.line);
    assert_retried_and_passed(&c);
}

// ---------------------------------------------------------------------------------------------
// Recordings made here

/// The events of a small page: Meta, FullSnapshot with `text` in an `<h1>`, a click, a mouse move,
/// and a recorded console error `error` when given.
fn page_events(text: &str, error: Option<&str>) -> Vec<serde_json::Value> {
    serde_json::from_str(&synthetic_recording(text, error)).unwrap()
}

/// A posthog-blob recording (`["<window>", {event}]` per line) of the given windows.
fn blob_recording(windows: &[(&str, Vec<serde_json::Value>)]) -> String {
    let mut out = String::new();
    for (w, events) in windows {
        for e in events {
            out.push_str(&serde_json::json!([w, e]).to_string());
            out.push('\n');
        }
    }
    out
}

/// `reel run` against the shared browser, in `dir`, CI mode when `ci`.
fn run_in(dir: &Path, args: &[&str], ci: bool) -> std::process::Output {
    let ws = browser_ws();
    let mut cmd = reel();
    cmd.current_dir(dir)
        .arg("run")
        .args(args)
        .args(["--browser-ws", &ws]);
    if ci {
        cmd.env("CI", "true");
    }
    run(&mut cmd)
}

// ---------------------------------------------------------------------------------------------
// 2. junit.xml is XML 1.0 whatever the data

#[test]
fn junit_xml_parses_with_noncharacters_in_window_ids_and_console_messages() {
    let dir = tempfile::tempdir().unwrap();
    let rec = blob_recording(&[
        (
            "win\u{FFFF}one",
            page_events("one", Some("bad \u{FFFE} message \u{1} \u{FFFF}")),
        ),
        ("win-two", page_events("two", None)),
    ]);
    std::fs::write(dir.path().join("odd.jsonl"), rec).unwrap();
    let o = run_in(dir.path(), &["odd.jsonl"], true);
    assert_eq!(o.status.code(), Some(1), "missing baselines on CI");
    let xml = std::fs::read_to_string(dir.path().join("reel-report/junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml)
        .unwrap_or_else(|e| panic!("junit.xml is not XML: {e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert!(
        cases
            .iter()
            .any(|c| c.attribute("name").unwrap().starts_with("win\u{FFFD}one/")),
        "{xml}"
    );
    let console = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .find(|n| n.attribute("type") == Some("new-console-errors"))
        .unwrap();
    assert!(
        console
            .attribute("message")
            .unwrap()
            .contains("bad \u{FFFD} message"),
        "{xml}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Window ids that share a folder after sanitizing

#[test]
fn window_ids_that_collide_after_sanitizing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let crafted = reel::recording::sanitize_id("a/b");
    assert_ne!(crafted, "a/b");
    let rec = blob_recording(&[
        ("a/b", page_events("one", None)),
        (&crafted, page_events("two", None)),
    ]);
    std::fs::write(dir.path().join("clash.jsonl"), rec).unwrap();
    let o = run_in(dir.path(), &["clash.jsonl"], false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("clash.jsonl") && last.contains("a/b") && last.contains(&crafted),
        "{stderr}"
    );
    assert!(
        !dir.path().join("snapshots").exists(),
        "no baselines written"
    );
}
