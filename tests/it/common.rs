//! Helpers shared by the integration tests: the real `reel` binary, the recordings of
//! `tests/data/`, and one headless Chromium for the whole test binary that every `reel` invocation
//! attaches to (`--browser-ws`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn reel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reel"));
    c.env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("REEL_BROWSER_WS")
        .env("NO_COLOR", "1");
    c
}

pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

pub fn recording(rel: &str) -> PathBuf {
    shared(&format!("recordings/{rel}"))
}

/// Runs `cmd`, returning its output; prints stderr on the way for failing tests.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("reel runs");
    if !out.status.success() {
        eprintln!(
            "reel exited {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// `reel replay RECORDING --out OUT --jobs 1` on the shared browser; asserts it exits 0.
pub fn replay_into(recording: &Path, out: &Path) {
    let mut cmd = reel();
    cmd.arg("replay")
        .arg(recording)
        .arg("--out")
        .arg(out)
        .args(["--browser-ws", &browser_ws(), "--jobs", "1"]);
    assert_eq!(run(&mut cmd).status.code(), Some(0));
}

/// The recording with `id` in a `report.json`.
pub fn recording_by_id<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no recording {id} in the report"))
}

/// The DevTools websocket of a browser shared by all tests. It is started from a
/// thread that lives as long as the process and dies with it (parent-death signal).
pub fn browser_ws() -> String {
    static WS: OnceLock<String> = OnceLock::new();
    WS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let profile = tempfile::tempdir().expect("temp dir");
            let exe = reel::replay::find_chrome(None).expect("tests need Chromium");
            let flags = reel::replay::launch_flags(profile.path(), false);
            let mut cmd = Command::new(exe);
            cmd.args(&flags)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            unsafe {
                use std::os::unix::process::CommandExt;
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let mut child = cmd.spawn().expect("chromium starts");
            let stderr = child.stderr.take().unwrap();
            use std::io::BufRead;
            let mut sent = false;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent && let Some(p) = line.find("ws://") {
                    tx.send(line[p..].trim().to_string()).unwrap();
                    sent = true;
                }
            }
            let _ = child.wait();
            drop(profile);
            loop {
                std::thread::park();
            }
        });
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("shared Chromium reports its DevTools address")
    })
    .clone()
}

/// Decodes a PNG into (width, height, RGBA bytes).
pub fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8();
    (img.width(), img.height(), img.into_raw())
}

/// A small rrweb recording (Meta, FullSnapshot with `text` in an `<h1>`, a click, a console
/// error when `error` is given, a last mouse move): three checkpoints, replays in a moment.
pub fn synthetic_recording(text: &str, error: Option<&str>) -> String {
    let t0 = 1_700_000_000_000i64;
    let mut events = vec![
        serde_json::json!({"type": 4, "timestamp": t0, "data": {"href": "http://app.test/", "width": 320, "height": 240}}),
        serde_json::json!({"type": 2, "timestamp": t0 + 10, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [
                {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": []},
                    {"type": 2, "id": 4, "tagName": "body", "attributes": {"style": "margin:0;background:#fff"}, "childNodes": [
                        {"type": 2, "id": 5, "tagName": "h1", "attributes": {"style": "font:20px monospace;color:#123"}, "childNodes": [
                            {"type": 3, "id": 6, "textContent": text}]}]}]}]}}}),
        serde_json::json!({"type": 3, "timestamp": t0 + 600, "data": {"source": 2, "type": 2, "id": 5, "x": 20, "y": 20}}),
        serde_json::json!({"type": 3, "timestamp": t0 + 1500, "data": {"source": 1, "positions": [{"x": 30, "y": 30, "id": 5, "timeOffset": 0}]}}),
    ];
    if let Some(message) = error {
        events.push(serde_json::json!({"type": 6, "timestamp": t0 + 900, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "error", "trace": [], "payload": [message]}}}));
    }
    serde_json::Value::Array(events).to_string()
}

/// report.json with every `duration_ms` set to 0 (timings differ from run to run).
pub fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "duration_ms" {
                        *x = serde_json::Value::from(0);
                    } else {
                        walk(x);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// `text` with the value of every `time="…"` attribute and every `N ms` replaced by a marker.
pub fn redact_times(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("time=\"") {
        out.push_str(&rest[..p + 6]);
        rest = &rest[p + 6..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str("[time]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    // "1234 ms" → "[ms]"
    let words: Vec<&str> = out.split(' ').collect();
    let mut res: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let next = words.get(i + 1).copied().unwrap_or("");
        let digits = w.trim_start_matches(['(', '\n']);
        if !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && (next == "ms"
                || next.starts_with("ms)")
                || next.starts_with("ms\n")
                || next.starts_with("ms,"))
        {
            let prefix = &w[..w.len() - digits.len()];
            res.push(format!("{prefix}[ms]{}", &next[2..]));
            i += 2;
        } else {
            res.push(w.to_string());
            i += 1;
        }
    }
    res.join(" ")
}

/// A multi-threaded tokio runtime for tests that call reel's library directly.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A [`reel::replay::BrowserSession`] attached to the shared Chromium ([`browser_ws`]).
pub async fn attached_session() -> reel::replay::BrowserSession {
    let opts = reel::replay::BrowserOptions {
        timeout: std::time::Duration::from_secs(60),
        ..reel::replay::BrowserOptions::default()
    };
    reel::replay::BrowserSession::start(&opts, Some(&browser_ws()))
        .await
        .expect("attach to the shared Chromium")
}
