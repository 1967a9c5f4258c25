//! The hardening of issue #18, one regression test (or more) per item, each through the real
//! binary: crashed renderers and browsers noticed at once and retried, junit.xml valid XML
//! whatever the data, colliding window ids refused, bounded fetches, no terminal escapes from
//! data, malformed recordings as input errors, an offline replay in the report, dot-segment ids,
//! stale temp files swept, and the smaller items.

use crate::common::*;
use crate::processes::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Processes

/// The renderers of `browser`, once one of them has been running for at least `age` (the page's;
/// Chromium may also keep a spare one).
fn renderers_of(browser: u32, age: Duration, timeout: Duration) -> Vec<u32> {
    let start = Instant::now();
    let mut first_seen: Option<(u32, Instant)> = None;
    while start.elapsed() < timeout {
        let renderer = descendants(browser)
            .into_iter()
            .find(|p| cmdline(*p).contains("--type=renderer") && alive(*p));
        match (renderer, first_seen) {
            (Some(r), Some((seen, at))) if r == seen && at.elapsed() >= age => {
                return descendants(browser)
                    .into_iter()
                    .filter(|p| cmdline(*p).contains("--type=renderer"))
                    .collect();
            }
            (Some(r), Some((seen, _))) if r == seen => {}
            (Some(r), _) => first_seen = Some((r, Instant::now())),
            (None, _) => first_seen = None,
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("no renderer of {browser} lived {age:?} within {timeout:?}");
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
/// (SIGKILL) the processes `victims` picks (given the browser and its renderers) once a page has
/// been replaying for a moment, and measures how long until reel says it retries.
fn kill_during_run(victims: impl Fn(u32, Vec<u32>) -> Vec<u32>) -> Crash {
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
    let renderers = renderers_of(browser, Duration::from_millis(800), Duration::from_secs(30));
    for target in victims(browser, renderers) {
        unsafe {
            libc::kill(target as i32, libc::SIGKILL);
        }
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
    let c = kill_during_run(|_, renderers| renderers);
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
    let c = kill_during_run(|browser, _| vec![browser]);
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

// ---------------------------------------------------------------------------------------------
// A PostHog double on 127.0.0.1 whose answers each test decides

/// An answer of [`Api`]: status, content type, extra header lines, and a body, either given or
/// `repeat` copies of `unit` generated while sending (so a test never holds a huge body).
#[derive(Clone)]
struct Answer {
    status: u16,
    content_type: &'static str,
    headers: String,
    body: Vec<u8>,
    repeat: u64,
    unit: Vec<u8>,
    tail: Vec<u8>,
    /// A pause after each MB of the generated part.
    pause: Duration,
}

impl Answer {
    fn json(v: serde_json::Value) -> Answer {
        Answer::body(200, "application/json", v.to_string().into_bytes())
    }

    fn body(status: u16, content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer {
            status,
            content_type,
            headers: String::new(),
            body,
            repeat: 0,
            unit: Vec::new(),
            tail: Vec::new(),
            pause: Duration::ZERO,
        }
    }

    /// `head`, then `repeat` times `unit`, then `tail`.
    fn generated(head: &[u8], unit: &[u8], repeat: u64, tail: &[u8]) -> Answer {
        Answer {
            repeat,
            unit: unit.to_vec(),
            tail: tail.to_vec(),
            ..Answer::body(200, "application/jsonl", head.to_vec())
        }
    }

    fn len(&self) -> u64 {
        self.body.len() as u64 + self.repeat * self.unit.len() as u64 + self.tail.len() as u64
    }
}

/// The double: `answer` maps a request target (path and query) to its answer; every target
/// asked for is logged.
struct Api {
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Api {
    fn start(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> Api {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let answer = Arc::new(answer);
        let seen = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let answer = answer.clone();
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match conn.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_string();
                    let target = head.split(' ').nth(1).unwrap_or("/").to_string();
                    seen.lock().unwrap().push(target.clone());
                    let a = answer(&target);
                    let _ = write!(
                        conn,
                        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
                        a.status,
                        a.content_type,
                        a.len(),
                        a.headers
                    );
                    let _ = conn.write_all(&a.body);
                    if a.repeat > 0 {
                        let per = (1 << 20) / a.unit.len().max(1);
                        let chunk = a.unit.repeat(per.max(1));
                        let mut left = a.repeat;
                        while left > 0 {
                            let n = left.min(per as u64) as usize;
                            if conn.write_all(&chunk[..n * a.unit.len()]).is_err() {
                                return;
                            }
                            left -= n as u64;
                            std::thread::sleep(a.pause);
                        }
                    }
                    let _ = conn.write_all(&a.tail);
                });
            }
        });
        Api { url, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

const PROJECT: &str = "7";

/// The answers of a PostHog project listing `ids`, each a one-block `blob_v2` recording whose
/// block is `block(id)`.
fn posthog(
    ids: Vec<String>,
    block: impl Fn(&str) -> Answer + Send + Sync + 'static,
) -> impl Fn(&str) -> Answer + Send + Sync + 'static {
    move |target: &str| {
        let base = format!("/api/projects/{PROJECT}/session_recordings/");
        let Some(rest) = target.strip_prefix(&base) else {
            return Answer::body(404, "text/plain", b"not here".to_vec());
        };
        if rest.is_empty() || rest.starts_with('?') {
            let results: Vec<_> = ids.iter().map(|i| serde_json::json!({"id": i})).collect();
            return Answer::json(serde_json::json!({"results": results, "has_next": false}));
        }
        let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let id = url_decode(id);
        if !ids.contains(&id) {
            return Answer::body(404, "application/json", b"{}".to_vec());
        }
        if tail.is_empty() || tail.starts_with('?') {
            return Answer::json(serde_json::json!({"id": id, "ongoing": false}));
        }
        if tail.contains("source=blob_v2") {
            return block(&id);
        }
        Answer::json(serde_json::json!({"sources": [{"source": "blob_v2", "blob_key": "0"}]}))
    }
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn fetch(api: &Api, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut c = reel();
    c.args(["fetch", "posthog", "--host", &api.url, "--project", PROJECT])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("POSTHOG_API_KEY", "phx_test")
        .env("REEL_RETRY_BASE_MS", "20")
        .env_remove("POSTHOG_HOST")
        .env_remove("POSTHOG_PROJECT_ID");
    c
}

/// A valid rrweb recording as JSONL lines (Meta, FullSnapshot, one mouse move), and a filler
/// line of about `pad` bytes (a mouse move with a long, ignored field).
fn jsonl_head() -> Vec<u8> {
    page_events("big", None)
        .iter()
        .map(|e| format!("[\"w\",{e}]\n"))
        .collect::<String>()
        .into_bytes()
}

fn filler_line(pad: usize) -> Vec<u8> {
    format!(
        "[\"w\",{{\"type\":3,\"timestamp\":{},\"data\":{{\"source\":1,\"positions\":[],\"pad\":\"{}\"}}}}]\n",
        1_700_000_002_000i64,
        "x".repeat(pad)
    )
    .into_bytes()
}

/// Runs `cmd` to its end; returns its output and its peak resident memory in KB.
fn with_peak_rss(cmd: &mut std::process::Command) -> (std::process::Output, i64) {
    use std::io::Read;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Reaped below with `wait4`, which reports the peak RSS.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let mut stderr = Vec::new();
    let _ = err.read_to_end(&mut stderr);
    let stdout = reader.join().unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    use std::os::unix::process::ExitStatusExt;
    (
        std::process::Output {
            status: std::process::ExitStatus::from_raw(status),
            stdout,
            stderr,
        },
        usage.ru_maxrss,
    )
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// 4. Bounded fetches

#[test]
fn a_blob_answer_streams_to_disk_in_bounded_memory() {
    // 300 MB of snapshot lines in one answer.
    let head = jsonl_head();
    let line = filler_line(1000);
    let n = 300_000_000 / line.len() as u64;
    let api = Api::start(posthog(vec!["big".into()], move |_| {
        Answer::generated(&head, &line, n, b"")
    }));
    let out = tempfile::tempdir().unwrap();
    let (o, rss_kb) = with_peak_rss(&mut fetch(&api, out.path(), &[]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!("300 MB blob answer: peak RSS {} MB", rss_kb / 1024);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let saved = std::fs::metadata(out.path().join("big.jsonl"))
        .unwrap()
        .len();
    assert!(saved > 290_000_000, "{saved}");
    assert_eq!(names_in(out.path()), ["big.jsonl", "big.meta.json"]);
    assert!(
        rss_kb < 150 * 1024,
        "peak RSS {} MB for a 300 MB answer",
        rss_kb / 1024
    );
}

#[test]
fn a_recording_over_max_recording_bytes_is_refused_and_nothing_kept() {
    let head = jsonl_head();
    let line = filler_line(1000);
    let api = Api::start(posthog(vec!["huge".into(), "small".into()], move |id| {
        let n = if id == "huge" { 30_000 } else { 1 };
        Answer::generated(&head, &line, n, b"")
    }));
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut fetch(
        &api,
        out.path(),
        &["--max-recording-bytes", "10000000"],
    ));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("huge") && stderr.contains("--max-recording-bytes"),
        "{stderr}"
    );
    assert_eq!(
        names_in(out.path()),
        ["small.jsonl", "small.meta.json"],
        "nothing of the refused recording is kept"
    );
    let tries = api
        .log()
        .iter()
        .filter(|t| t.contains("huge/snapshots/?source=blob_v2"))
        .count();
    assert_eq!(tries, 1, "a recording over the bound is not retried");
}

#[test]
fn a_huge_list_answer_is_refused_in_bounded_memory() {
    let api = Api::start(|target: &str| {
        if target.contains("/session_recordings/?") {
            let mut a = Answer::generated(
                br#"{"has_next": false, "results": [{"id": "a", "pad": ""#,
                b"xxxxxxxxxxxxxxxx",
                100_000_000 / 16,
                br#""}]}"#,
            );
            a.content_type = "application/json";
            a
        } else {
            Answer::body(404, "application/json", b"{}".to_vec())
        }
    });
    let out = tempfile::tempdir().unwrap();
    let (o, rss_kb) = with_peak_rss(&mut fetch(&api, out.path(), &[]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    eprintln!("100 MB list answer: peak RSS {} MB", rss_kb / 1024);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("larger than"), "{stderr}");
    assert!(rss_kb < 150 * 1024, "peak RSS {} MB", rss_kb / 1024);
    assert!(names_in(out.path()).is_empty());
}

#[test]
fn an_object_over_max_recording_bytes_is_not_copied() {
    let src = tempfile::tempdir().unwrap();
    let mut big = jsonl_head();
    for _ in 0..2000 {
        big.extend(filler_line(1000));
    }
    std::fs::write(src.path().join("big.jsonl"), &big).unwrap();
    std::fs::write(src.path().join("small.jsonl"), jsonl_head()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(reel()
        .arg("fetch")
        .arg(format!("file://{}/", src.path().display()))
        .arg("--out")
        .arg(out.path())
        .args(["--max-recording-bytes", "1000000"]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("big.jsonl") && stderr.contains("--max-recording-bytes"),
        "{stderr}"
    );
    assert_eq!(names_in(out.path()), ["small.jsonl"]);
}

// ---------------------------------------------------------------------------------------------
// 8. Ids `.` and `..` from the API

#[test]
fn dot_segment_ids_from_the_api_are_refused_not_resolved() {
    let head = jsonl_head();
    let api = Api::start(posthog(
        vec![".".into(), "..".into(), "ok".into()],
        move |_| Answer::generated(&head, b"", 0, b""),
    ));
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut fetch(&api, out.path(), &[]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("\"..\"") && stderr.contains("\".\""),
        "{stderr}"
    );
    assert_eq!(names_in(out.path()), ["ok.jsonl", "ok.meta.json"]);
    let base = format!("/api/projects/{PROJECT}/session_recordings/");
    for target in api.log() {
        let rest = target.strip_prefix(&base).unwrap_or(&target);
        assert!(
            rest.starts_with('?') || rest.starts_with("ok/"),
            "a request for another endpoint: {target}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5. No terminal escape sequences from data

/// Bytes that would make a terminal do something: C0 controls other than newline (ESC, BEL, CR,
/// …), DEL, C1 controls.
fn terminal_controls(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .map(|c| format!("{c:?}"))
        .collect()
}

#[test]
fn ids_from_the_api_reach_the_terminal_escaped() {
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J\rid";
    let head = jsonl_head();
    let api = Api::start(posthog(vec![hostile.into(), "ok".into()], move |id| {
        if id == "ok" {
            Answer::generated(&head, b"", 0, b"")
        } else {
            Answer::body(502, "text/plain", b"\x1b[31mboom\x1b[0m".to_vec())
        }
    }));
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut fetch(&api, out.path(), &["--retries", "0"]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(2 | 3)), "{stderr}");
    assert!(
        stderr.contains("failed") && stderr.contains("pwned"),
        "{stderr}"
    );
    assert_eq!(
        terminal_controls(&o.stderr),
        Vec::<String>::new(),
        "{stderr}"
    );
    assert_eq!(terminal_controls(&o.stdout), Vec::<String>::new());
}

#[test]
fn window_ids_reach_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "\u{1b}[31mred\u{1b}]8;;http://x\u{7}\u{202e}";
    // The hostile window has no full snapshot: its id ends up in the error lines.
    let moves: Vec<serde_json::Value> = page_events("x", None)
        .into_iter()
        .filter(|e| e["type"] == 3)
        .collect();
    let rec = blob_recording(&[("good", page_events("ok", None)), (hostile, moves)]);
    std::fs::write(dir.path().join("esc.jsonl"), rec).unwrap();
    let o = run_in(dir.path(), &["esc.jsonl"], false);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stdout.contains("ERROR") && stdout.contains("red"),
        "{stdout}"
    );
    assert_eq!(
        terminal_controls(&o.stdout),
        Vec::<String>::new(),
        "{stdout}"
    );
    assert_eq!(
        terminal_controls(&o.stderr),
        Vec::<String>::new(),
        "{stderr}"
    );
    assert!(!stdout.contains('\u{202e}') && !stderr.contains('\u{202e}'));
}

// ---------------------------------------------------------------------------------------------
// 6. Malformed recordings are input errors, found at load

#[test]
fn malformed_meta_and_node_shapes_are_input_errors_naming_the_file_and_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut negative = page_events("x", None);
    negative[0]["data"]["width"] = serde_json::json!(-800);
    std::fs::write(
        dir.path().join("negative.json"),
        serde_json::Value::Array(negative).to_string(),
    )
    .unwrap();
    let mut object = page_events("x", None);
    object[1]["data"]["node"]["childNodes"] = serde_json::json!({"0": {"type": 2}});
    std::fs::write(
        dir.path().join("object.jsonl"),
        object.iter().map(|e| format!("{e}\n")).collect::<String>(),
    )
    .unwrap();
    for (file, names) in [
        ("negative.json", ["negative.json", "width"]),
        ("object.jsonl", ["object.jsonl: line 2", "childNodes"]),
    ] {
        let o = run_in(dir.path(), &[file], false);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        for n in names {
            assert!(last.contains(n), "{file}: {last:?} does not name {n}");
        }
    }
    // Next to a good recording: reported as an input error, the good one replayed.
    std::fs::write(
        dir.path().join("good.json"),
        synthetic_recording("fine", None),
    )
    .unwrap();
    let o = run_in(dir.path(), &["good.json", "negative.json"], false);
    assert_eq!(o.status.code(), Some(2));
    let report = report_json(&dir.path().join("reel-report"));
    let bad = recording_by_id(&report, "negative");
    assert_eq!(bad["error_kind"], "input", "{bad}");
    assert!(bad["error"].as_str().unwrap().contains("negative.json"));
}

// ---------------------------------------------------------------------------------------------
// 7. The replay in the report and the exported player loads nothing from recorded content

/// A page of the shared browser, for looking at a report or an exported player, with the URLs
/// it (or any frame in it) received a response for.
struct Viewer {
    page: chromiumoxide::Page,
    received: Arc<Mutex<Vec<String>>>,
    _browser: chromiumoxide::Browser,
}

impl Viewer {
    async fn open(path: &Path) -> Viewer {
        use chromiumoxide::cdp::browser_protocol::network;
        use futures::StreamExt;
        let (browser, mut handler) = chromiumoxide::Browser::connect(browser_ws())
            .await
            .expect("connect to the shared browser");
        tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page("about:blank").await.unwrap();
        let received: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut responses = page
            .event_listener::<network::EventResponseReceived>()
            .await
            .unwrap();
        let sink = received.clone();
        tokio::spawn(async move {
            while let Some(ev) = responses.next().await {
                sink.lock().unwrap().push(ev.response.url.clone());
            }
        });
        page.execute(network::EnableParams::default())
            .await
            .unwrap();
        let url = format!("file://{}", path.display());
        if page.goto(url.clone()).await.is_err() {
            page.goto(url).await.unwrap();
        }
        page.bring_to_front().await.unwrap();
        let v = Viewer {
            page,
            received,
            _browser: browser,
        };
        v.wait_for("window.reelViewer && (window.reelViewer.ready || window.reelViewer.error)")
            .await;
        v
    }

    async fn eval(&self, expr: &str) -> serde_json::Value {
        use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
        let params = EvaluateParams::builder()
            .expression(expr)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .unwrap();
        let resp = self.page.execute(params).await.unwrap();
        if let Some(ex) = &resp.result.exception_details {
            panic!("{expr}: {ex:?}");
        }
        resp.result.result.value.clone().unwrap_or_default()
    }

    async fn wait_for(&self, expr: &str) {
        for _ in 0..300 {
            if self.eval(&format!("!!({expr})")).await == serde_json::Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {expr}");
    }
}

/// A 4x4 opaque red PNG.
fn red_png(path: &Path) {
    let img = image::RgbaImage::from_pixel(4, 4, image::Rgba([255, 0, 0, 255]));
    img.save(path).unwrap();
}

/// A recording whose page shows a local file's image (which the capture could never load), a
/// `data:` image (which it did) and an image of the report's own folder.
fn recording_with_local_images(local: &Path, sibling: &str) -> String {
    let data_png = {
        use base64::Engine;
        let mut png = Vec::new();
        image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 255, 255]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    };
    let t0 = 1_700_000_000_000i64;
    let img = |id: i64, class: &str, src: &str| serde_json::json!({"type": 2, "id": id, "tagName": "img", "attributes": {"class": class, "src": src}, "childNodes": []});
    serde_json::json!([
        {"type": 4, "timestamp": t0, "data": {"href": "http://app.test/", "width": 320, "height": 240}},
        {"type": 2, "timestamp": t0 + 10, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [
                {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
                    {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": [
                        img(5, "local", &format!("file://{}", local.display())),
                        img(6, "inline", &data_png),
                        img(7, "sibling", sibling),
                        {"type": 2, "id": 8, "tagName": "div", "attributes": {"class": "bg",
                            "style": format!("width:4px;height:4px;background:url('file://{}')", local.display())},
                            "childNodes": []}]}]}]}}},
        {"type": 3, "timestamp": t0 + 500, "data": {"source": 1, "positions": [{"x": 1, "y": 1, "id": 4, "timeOffset": 0}]}},
        {"type": 3, "timestamp": t0 + 1500, "data": {"source": 1, "positions": [{"x": 2, "y": 2, "id": 4, "timeOffset": 0}]}}
    ])
    .to_string()
}

/// In the replay frame `frame` of the viewer `v`: the data: image shows, and neither local file
/// was loaded or shown.
async fn assert_nothing_local_loaded(v: &Viewer, frame: &str) {
    let doc = format!("document.querySelector('{frame}').contentDocument");
    v.wait_for(&format!("{doc}.querySelector('img.inline')"))
        .await;
    // Every image has had its chance to load or fail.
    v.wait_for(&format!("[...{doc}.images].every(i => i.complete)"))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let width = |class: &str| format!("{doc}.querySelector('img.{class}').naturalWidth");
    assert_eq!(
        v.eval(&width("inline")).await,
        4,
        "data: images show, as in capture"
    );
    let received: Vec<String> = v
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|u| u.contains("secret") || u.contains("sibling"))
        .cloned()
        .collect();
    assert_eq!(received, Vec::<String>::new(), "local files were loaded");
    assert_eq!(v.eval(&width("local")).await, 0, "a local file showed");
    assert_eq!(
        v.eval(&width("sibling")).await,
        0,
        "a file next to it showed"
    );
}

#[test]
fn the_report_and_the_exported_player_show_no_local_files_from_recorded_content() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("secret.png");
    red_png(&local);
    red_png(&dir.path().join("sibling.png"));
    let sibling = format!("file://{}", dir.path().join("sibling.png").display());
    std::fs::write(
        dir.path().join("local.json"),
        recording_with_local_images(&local, &sibling),
    )
    .unwrap();
    let o =
        run(reel()
            .current_dir(dir.path())
            .args(["export", "local.json", "--html", "player.html"]));
    assert_eq!(o.status.code(), Some(0));
    // On CI missing baselines fail: the report keeps the events for its replay.
    let o = run_in(dir.path(), &["local.json"], true);
    assert_eq!(o.status.code(), Some(1));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let v = Viewer::open(&dir.path().join("reel-report/index.html")).await;
        v.eval("document.querySelector('#rec-0 .replay').scrollIntoView()")
            .await;
        v.eval("window.reelViewer.widgets[0].load().then(() => true)")
            .await;
        assert_eq!(v.eval("window.reelViewer.widgets[0].status").await, "ready");
        assert_nothing_local_loaded(&v, "#rec-0 .replay iframe").await;
    });
    runtime.block_on(async {
        let v = Viewer::open(&dir.path().join("player.html")).await;
        v.wait_for("window.reelViewer.player && window.reelViewer.player.status !== 'loading'")
            .await;
        assert_nothing_local_loaded(&v, ".replay iframe").await;
    });
}

// ---------------------------------------------------------------------------------------------
// 10. What a killed run leaves behind is swept by the next one

/// Files and folders under `dir` (recursively) whose name starts with `prefix`.
fn named_like(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().starts_with(prefix) {
                out.push(p.clone());
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    out
}

/// A `reel fetch` into `out` that is busy writing a recording (its server sends the snapshot
/// data slowly, forever), once its temp file exists.
fn fetch_in_the_middle_of_a_write(out: &Path) -> (Child, Api) {
    let head = jsonl_head();
    let line = filler_line(100);
    let api = Api::start(posthog(vec!["slow".into()], move |_| {
        // 50 MB announced, sent at about 1 MB/s.
        let mut a = Answer::generated(&head, &line, 500_000, b"");
        a.pause = Duration::from_secs(1);
        a
    }));
    let child = fetch(&api, out, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while named_like(out, ".reel-tmp-").is_empty() {
        assert!(start.elapsed() < Duration::from_secs(30), "no temp file");
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, api)
}

#[test]
fn temp_files_of_a_killed_run_are_swept_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let baselines = dir.path().join("snapshots");
    // A run killed while writing into the baselines folder.
    let (mut killed, _api) = fetch_in_the_middle_of_a_write(&baselines);
    unsafe { libc::kill(killed.id() as i32, libc::SIGKILL) };
    killed.wait().unwrap();
    let leftovers = named_like(&baselines, ".reel-tmp-");
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    // One still being written by a live process, in the report folder.
    let out = dir.path().join("reel-report");
    let (mut live, _api2) = fetch_in_the_middle_of_a_write(&out);
    let writing = named_like(&out, ".reel-tmp-");

    std::fs::write(dir.path().join("r.json"), synthetic_recording("x", None)).unwrap();
    let o = run_in(dir.path(), &["r.json"], false);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        named_like(&baselines, ".reel-tmp-"),
        Vec::<PathBuf>::new(),
        "the killed run's temp file is swept"
    );
    for w in &writing {
        assert!(
            w.exists(),
            "a live writer's temp file was removed: {}",
            w.display()
        );
    }
    unsafe { libc::kill(live.id() as i32, libc::SIGTERM) };
    live.wait().unwrap();
}

#[test]
fn browser_profiles_of_a_killed_run_are_swept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.json"), synthetic_recording("x", None)).unwrap();
    let mut first = reel()
        .current_dir(dir.path())
        .env("TMPDIR", tmp.path())
        .args(["run", "r.json", "--out", "first"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let browser = launched_browser(first.id(), Duration::from_secs(30));
    unsafe { libc::kill(first.id() as i32, libc::SIGKILL) };
    first.wait().unwrap();
    let start = Instant::now();
    while alive(browser) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the browser outlived reel"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let left = named_like(tmp.path(), "reel-chrome-");
    assert_eq!(left.len(), 1, "the killed run's profile: {left:?}");

    let o = run(reel()
        .current_dir(dir.path())
        .env("TMPDIR", tmp.path())
        .args(["run", "r.json", "--out", "second"]));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        named_like(tmp.path(), "reel-chrome-"),
        Vec::<PathBuf>::new(),
        "profiles left in the temp dir"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Duplicate ids, also when one input is unreadable

#[test]
fn an_unreadable_input_with_the_id_of_another_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dup.json"), synthetic_recording("x", None)).unwrap();
    std::fs::write(dir.path().join("dup.jsonl"), b"{broken\n").unwrap();
    for order in [["dup.json", "dup.jsonl"], ["dup.jsonl", "dup.json"]] {
        let o = run_in(dir.path(), &order, false);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.contains("two recordings have the id dup")
                && last.matches("dup.json").count() == 2
                && last.contains("dup.jsonl (unreadable)"),
            "{stderr}"
        );
        assert!(!dir.path().join("reel-report/report.json").exists());
    }
}

// ---------------------------------------------------------------------------------------------
// 11. The smaller items

#[test]
fn timeout_and_browsers_flags_say_what_they_accept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.json"), synthetic_recording("x", None)).unwrap();
    let o = run_in(dir.path(), &["r.json", "--timeout", "0"], false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--timeout") && !stderr.contains("between 0 and"),
        "{stderr}"
    );
    for n in ["0", "65"] {
        let o = run_in(dir.path(), &["r.json", "--browsers", n], false);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--browsers {n}: {stderr}");
        assert!(stderr.contains("--browsers"), "{stderr}");
    }
}

#[test]
fn an_html_page_from_the_host_says_to_check_host() {
    let api = Api::start(|_: &str| {
        Answer::body(
            200,
            "text/html; charset=utf-8",
            b"<!doctype html><html><body>Welcome to nginx!</body></html>".to_vec(),
        )
    });
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut fetch(&api, out.path(), &[]));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("HTML") && stderr.contains("--host"),
        "{stderr}"
    );
}

#[test]
fn a_day_long_retry_after_is_not_waited_for() {
    let api = Api::start(|_: &str| {
        let mut a = Answer::body(429, "application/json", b"{}".to_vec());
        a.headers = "Retry-After: 86400\r\n".into();
        a
    });
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = fetch(&api, out.path(), &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = collect_stderr(&mut child);
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let stderr: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.clone())
        .collect();
    let stderr = stderr.join("\n");
    assert_eq!(status.and_then(|s| s.code()), Some(3), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(stderr.contains("86400"), "{stderr}");
}

#[test]
fn checkpoints_are_capped_by_default_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut events = page_events("x", None);
    let t0 = events[0]["timestamp"].as_i64().unwrap();
    for i in 0..2000 {
        events.push(
            serde_json::json!({"type": 3, "timestamp": t0 + 2000 + i * 100,
            "data": {"source": 2, "type": 2, "id": 5, "x": 1, "y": 1}}),
        );
    }
    std::fs::write(
        dir.path().join("clicks.json"),
        serde_json::Value::Array(events).to_string(),
    )
    .unwrap();
    let o = run(reel()
        .current_dir(dir.path())
        .args(["inspect", "--json", "clicks.json"]));
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let planned = doc["windows"][0]["checkpoints"].as_array().unwrap().len();
    assert_eq!(
        planned,
        reel::plan::DEFAULT_MAX_CHECKPOINTS,
        "{planned} planned"
    );
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("--max-checkpoints") && warnings.contains("2002"),
        "{warnings}"
    );
}

#[test]
fn a_browser_that_cannot_start_still_gets_a_report() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), synthetic_recording("a", None)).unwrap();
    std::fs::write(dir.path().join("b.json"), b"[not json").unwrap();
    let o = run(reel().current_dir(dir.path()).args([
        "run",
        "a.json",
        "b.json",
        "--chrome",
        "/no/such/chromium",
    ]));
    assert_eq!(o.status.code(), Some(3));
    let report = report_json(&dir.path().join("reel-report"));
    let recordings = report["recordings"].as_array().unwrap();
    assert_eq!(recordings.len(), 2, "{report}");
    for r in recordings {
        assert_eq!(r["status"], "error", "{r}");
    }
    let a = recordings.iter().find(|r| r["id"] == "a").unwrap();
    assert_eq!(a["error_kind"], "infrastructure");
    assert!(a["error"].as_str().unwrap().contains("Chromium"), "{a}");
    let xml = std::fs::read_to_string(dir.path().join("reel-report/junit.xml")).unwrap();
    assert!(roxmltree::Document::parse(&xml).is_ok());
    assert!(xml.contains("Chromium"), "{xml}");
}

/// `reel` as the unprivileged user `nobody` when the tests run as root (root writes anywhere),
/// else `None`. nobody runs a copy of the binary in `dir` (it may not reach the build folder).
fn reel_as_nobody(dir: &Path) -> Option<std::process::Command> {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let exe = dir.join("reel");
    let built = env!("CARGO_BIN_EXE_reel");
    std::fs::hard_link(built, &exe)
        .or_else(|_| std::fs::copy(built, &exe).map(|_| ()))
        .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = std::process::Command::new(exe);
    cmd.env_remove("CI")
        .env_remove("REEL_BROWSER_WS")
        .env("NO_COLOR", "1");
    unsafe {
        cmd.pre_exec(|| {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(65534) != 0
                || libc::setuid(65534) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Some(cmd)
}

#[test]
fn read_only_baselines_keep_the_checkpoints_and_relative_paths_in_the_report() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let baselines = root.join("snapshots");
    std::fs::create_dir(&baselines).unwrap();
    std::fs::write(root.join("r.json"), synthetic_recording("x", Some("boom"))).unwrap();
    let out = root.join("report");
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    let ws = browser_ws();
    let mut cmd = reel_as_nobody(root).unwrap_or_else(|| {
        std::fs::set_permissions(&baselines, std::fs::Permissions::from_mode(0o555)).unwrap();
        reel()
    });
    cmd.current_dir(root)
        .args(["run", "r.json", "--browser-ws", &ws, "--out"])
        .arg(&out)
        .arg("--baselines")
        .arg(&baselines);
    let o = run(&mut cmd);
    assert_eq!(o.status.code(), Some(2));
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let r = &report["recordings"][0];
    // Only the settings echo the --baselines given; every path and message of the recording
    // is relative to the report folder.
    assert!(
        !r.to_string().contains(&root.display().to_string()),
        "absolute paths in report.json: {text}"
    );
    assert_eq!(r["status"], "error", "{r}");
    assert_eq!(r["error_kind"], "input", "{r}");
    let checkpoints = r["checkpoints"].as_array().unwrap();
    assert!(checkpoints.len() >= 3, "checkpoints dropped: {r}");
    for c in checkpoints {
        assert_eq!(c["status"], "error", "{c}");
        assert!(
            c["message"].as_str().unwrap().contains("../snapshots/r/"),
            "{c}"
        );
        assert!(c["actual"].is_string(), "{c}");
    }
    assert!(
        r["error"].as_str().unwrap().contains("../snapshots/r/"),
        "{r}"
    );
    assert_eq!(r["console"]["errors"].as_array().unwrap().len(), 1, "{r}");
}
