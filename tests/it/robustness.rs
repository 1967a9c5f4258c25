//! Broken and hostile inputs through the real binary: each must end with exit 2 and one stderr
//! line naming the file — no panic, no hang, bounded memory. Most inputs are generated here into a
//! temp dir; the fixed ones live in `tests/fixtures/bad/` (see `tests/it/inspect.rs`).
//!
//! Every child runs under `RLIMIT_CPU` (a hang dies) and `RLIMIT_AS` (a runaway allocation dies),
//! and its peak RSS (`wait4`) must stay under [`MAX_RSS_KB`].

use crate::common::reel;
use flate2::{Compression, write::GzEncoder};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Peak resident memory a child may reach on any of these inputs.
const MAX_RSS_KB: i64 = 400 * 1024;
/// Address space cap (virtual; thread stacks and allocator arenas count, so well above the RSS).
const MAX_VIRTUAL: u64 = 4 << 30;
/// CPU seconds before the kernel stops a child, and the wall time each case must beat.
const MAX_CPU_SECS: u64 = 20;
const MAX_WALL: Duration = Duration::from_secs(10);

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    max_rss_kb: i64,
    wall: Duration,
}

/// Runs `cmd` with resource limits; returns its output, exit code and peak RSS.
fn run_limited(cmd: &mut Command) -> Ran {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    unsafe {
        cmd.pre_exec(|| {
            let cpu = libc::rlimit {
                rlim_cur: MAX_CPU_SECS,
                rlim_max: MAX_CPU_SECS,
            };
            let mem = libc::rlimit {
                rlim_cur: MAX_VIRTUAL,
                rlim_max: MAX_VIRTUAL,
            };
            libc::setrlimit(libc::RLIMIT_CPU, &cpu);
            libc::setrlimit(libc::RLIMIT_AS, &mem);
            Ok(())
        });
    }
    let started = Instant::now();
    // Reaped below with `wait4`, which also reports the child's peak RSS.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("reel starts");
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
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ran {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        max_rss_kb: usage.ru_maxrss,
        wall: started.elapsed(),
    }
}

/// Checks the contract for one bad input: exit 2, one line naming `names`, no panic, bounded.
fn assert_input_error(what: &str, ran: &Ran, names: &str) {
    let ctx = format!(
        "{what}: exit {:?}, rss {} KB, {:?}\nstderr: {}",
        ran.code, ran.max_rss_kb, ran.wall, ran.stderr
    );
    assert_eq!(ran.code, Some(2), "{ctx}");
    assert!(!ran.stderr.contains("panicked"), "{ctx}");
    let lines: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "not one line: {ctx}");
    assert!(lines[0].contains(names), "does not name {names}: {ctx}");
    assert!(ran.max_rss_kb <= MAX_RSS_KB, "memory: {ctx}");
    assert!(ran.wall < MAX_WALL, "too slow: {ctx}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// gzip of `n` copies of `byte`, written in chunks (never `n` bytes in memory).
fn gzip_bomb(byte: u8, n: usize, prefix: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(prefix).unwrap();
    let chunk = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len());
        enc.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    enc.finish().unwrap()
}

/// posthog-js's `cv` encoding of a field: gzip, then one char per byte, as a JSON string.
fn cv_string(gz: &[u8]) -> String {
    let s: String = gz.iter().map(|b| *b as char).collect();
    serde_json::to_string(&s).unwrap()
}

const META: &str =
    r#"{"type":4,"data":{"href":"http://localhost/","width":800,"height":600},"timestamp":1000}"#;
const SNAPSHOT: &str = r#"{"type":2,"data":{"node":{"type":0,"childNodes":[],"id":1},"initialOffset":{"top":0,"left":0}},"timestamp":1001}"#;

fn rrweb_json(extra: &str) -> String {
    format!("[{META},{SNAPSHOT},{extra}]")
}

/// The broken or hostile recordings: (file name, bytes, extra `reel inspect` flags).
fn recordings() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    let small = vec![
        "--max-recording-bytes",
        "20000000",
        "--max-event-bytes",
        "5000000",
    ];
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut cases: Vec<(&'static str, Vec<u8>, Vec<&'static str>)> = vec![
        ("empty.json", vec![], vec![]),
        ("blank.jsonl", b"\n \n\t\n".to_vec(), vec![]),
        ("truncated-doc.json", rrweb_json("").as_bytes()[..120].to_vec(), vec![]),
        (
            "truncated-line.jsonl",
            format!("{META}\n{}", &SNAPSHOT[..50]).into_bytes(),
            vec![],
        ),
        ("binary.json", (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(), vec![]),
        ("latin1.json", b"[{\"type\":4,\"data\":{\"href\":\"caf\xe9\"},\"timestamp\":1}]".to_vec(), vec![]),
        ("nul-bytes.jsonl", format!("{META}\n\0\0\0\n").into_bytes(), vec![]),
        ("number.json", b"12345".to_vec(), vec![]),
        ("string.json", b"\"rrweb\"".to_vec(), vec![]),
        ("null.json", b"null".to_vec(), vec![]),
        ("unknown-object.json", br#"{"hello":"world"}"#.to_vec(), vec![]),
        ("no-events.json", b"[]".to_vec(), vec![]),
        (
            "type-is-string.json",
            rrweb_json(r#"{"type":"3","data":{"source":1},"timestamp":1002}"#).into_bytes(),
            vec![],
        ),
        (
            // A pretty-printed, long wrong `type`: the message must still be one short line.
            "type-multiline.json",
            format!(
                "[{META},\n{{\"type\": [\n1,\n2,\n{}3\n], \"timestamp\": 5}}\n]",
                "0,\n".repeat(5000)
            )
            .into_bytes(),
            vec![],
        ),
        (
            "timestamp-i64-max.json",
            rrweb_json(r#"{"type":3,"data":{"source":1},"timestamp":9223372036854775807}"#)
                .into_bytes(),
            vec![],
        ),
        (
            "timestamp-i64-min.jsonl",
            format!("{META}\n{SNAPSHOT}\n{{\"type\":3,\"data\":{{\"source\":1}},\"timestamp\":-9223372036854775808}}\n")
                .into_bytes(),
            vec![],
        ),
        (
            "timestamp-u64-overflow.json",
            rrweb_json(r#"{"type":3,"data":{"source":1},"timestamp":99999999999999999999999}"#)
                .into_bytes(),
            vec![],
        ),
        (
            "timestamp-huge-float.json",
            rrweb_json(r#"{"type":3,"data":{"source":1},"timestamp":1.5e300}"#).into_bytes(),
            vec![],
        ),
        (
            "timestamp-string.json",
            rrweb_json(r#"{"type":3,"data":{"source":1},"timestamp":"1700000000000"}"#)
                .into_bytes(),
            vec![],
        ),
        ("deep-array.json", deep(200_000).into_bytes(), vec![]),
        (
            "deep-event.jsonl",
            format!(
                "{META}\n{{\"type\":5,\"data\":{},\"timestamp\":1002}}\n",
                deep(100_000)
            )
            .into_bytes(),
            vec![],
        ),
        (
            "deep-in-cv.jsonl",
            format!(
                "{META}\n{{\"type\":2,\"cv\":\"2024-10\",\"data\":{},\"timestamp\":1001}}\n",
                cv_string(&gzip(deep(50_000).as_bytes()))
            )
            .into_bytes(),
            vec![],
        ),
        (
            // 200 MB of spaces in 200 KB of gzip: stopped at the recording limit.
            "bomb.json.gz",
            gzip_bomb(b' ', 200_000_000, b"[{\"type\":4,\"data\":\"").to_vec(),
            small.clone(),
        ),
        (
            // One endless line after a good first line.
            "bomb-lines.jsonl.gz",
            gzip_bomb(b'1', 200_000_000, format!("{META}\n[").as_bytes()),
            small.clone(),
        ),
        (
            "cv-bomb.jsonl",
            format!(
                "{META}\n{{\"type\":2,\"cv\":\"2024-10\",\"data\":{},\"timestamp\":1001}}\n",
                cv_string(&gzip_bomb(b'[', 100_000_000, b""))
            )
            .into_bytes(),
            small.clone(),
        ),
        (
            "cv-not-gzip.jsonl",
            format!("{META}\n{{\"type\":2,\"cv\":\"2024-10\",\"data\":\"\\u001f\\u008bxx\",\"timestamp\":1001}}\n")
                .into_bytes(),
            vec![],
        ),
        (
            "cv-wide-chars.jsonl",
            format!("{META}\n{{\"type\":2,\"cv\":\"2024-10\",\"data\":\"\u{2603}\u{2603}\",\"timestamp\":1001}}\n")
                .into_bytes(),
            vec![],
        ),
        ("truncated.json.gz", gzip(rrweb_json("").as_bytes())[..30].to_vec(), vec![]),
        ("gzip-of-garbage.json.gz", gzip(b"\x00\x01\x02 not json at all"), vec![]),
        (
            "too-many-events.jsonl",
            format!("{META}\n{}", format!("{SNAPSHOT}\n").repeat(50)).into_bytes(),
            vec!["--max-events", "10"],
        ),
        (
            "too-deep-for-flag.json",
            rrweb_json(&format!(r#"{{"type":5,"data":{},"timestamp":1002}}"#, deep(40)))
                .into_bytes(),
            vec!["--max-depth", "16"],
        ),
        (
            "export-id-object.json",
            br#"{"version":"2023-04-28","data":{"id":{"a":1},"snapshots":[]}}"#.to_vec(),
            vec![],
        ),
        (
            "blob-window-array.jsonl",
            format!("[[\"w\"],{META}]\n").into_bytes(),
            vec![],
        ),
        (
            "packed-garbage.json",
            br#"["\u0001\u0002 this is not a packed event"]"#.to_vec(),
            vec![],
        ),
    ];
    // A name with spaces and shell metacharacters is still named verbatim.
    cases.push(("we ird; $(x) `y`.json", b"{".to_vec(), vec![]));
    cases
}

#[test]
fn hostile_recordings_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = recordings();
    assert!(cases.len() >= 30, "{}", cases.len());
    let mut failures = Vec::new();
    for (name, bytes, flags) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for json in [false, true] {
            let mut cmd = reel();
            cmd.arg("inspect").arg(&path).args(flags);
            if json {
                cmd.arg("--json");
            }
            let ran = run_limited(&mut cmd);
            if !json {
                eprintln!("{name} ({} KB): {}", ran.max_rss_kb, ran.stderr.trim_end());
            }
            if let Err(e) = std::panic::catch_unwind(|| {
                assert_input_error(name, &ran, &path.display().to_string());
                assert!(ran.stdout.is_empty(), "{name}: stdout {}", ran.stdout);
            }) {
                failures.push(format!("{name}: {e:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
}

/// `reel replay` and `reel run` read (and reject) recordings before they look for a browser or
/// touch `--out`.
#[test]
fn replay_and_run_reject_hostile_recordings_without_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut failures = Vec::new();
    for (name, bytes, flags) in recordings() {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for command in ["replay", "run"] {
            let mut cmd = reel();
            cmd.arg(command)
                .arg(&path)
                .args(&flags)
                .args(["--chrome", "/nonexistent/chrome"])
                .arg("--out")
                .arg(&out);
            if command == "run" {
                cmd.arg("--baselines").arg(dir.path().join("baselines"));
            }
            let ran = run_limited(&mut cmd);
            if let Err(e) = std::panic::catch_unwind(|| {
                assert_input_error(name, &ran, &path.display().to_string());
                assert!(!out.exists(), "{command} {name} created --out");
            }) {
                failures.push(format!("{command} {name}: {e:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn existing_bad_fixtures_are_bounded_too() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let ran = run_limited(reel().arg("inspect").arg(&path).args([
            "--max-recording-bytes",
            "1000000",
            "--max-event-bytes",
            "1000000",
        ]));
        assert_input_error(
            &path.display().to_string(),
            &ran,
            &path.display().to_string(),
        );
    }
}

/// `reel replay` reads (and rejects) the recording before it looks for a browser.
#[test]
fn replay_rejects_bad_input_before_needing_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ts.json");
    std::fs::write(
        &path,
        rrweb_json(r#"{"type":3,"data":{"source":1},"timestamp":9223372036854775807}"#),
    )
    .unwrap();
    let out = dir.path().join("out");
    let ran = run_limited(
        reel()
            .arg("replay")
            .arg(&path)
            .arg("--chrome")
            .arg("/nonexistent/chrome")
            .arg("--out")
            .arg(&out),
    );
    assert_input_error("replay", &ran, &path.display().to_string());
    assert!(ran.stderr.contains("out of range"), "{}", ran.stderr);
    assert!(
        !out.exists(),
        "replay wrote {} for a bad input",
        out.display()
    );

    let deep = dir.path().join("deep.json");
    std::fs::write(&deep, "[".repeat(100_000)).unwrap();
    let ran = run_limited(
        reel()
            .arg("replay")
            .arg(&deep)
            .args(["--chrome", "/nonexistent/chrome", "--max-depth", "64"])
            .arg("--out")
            .arg(&out),
    );
    assert_input_error("replay deep", &ran, &deep.display().to_string());
}

fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    let mut body = b"IHDR".to_vec();
    body.extend_from_slice(&ihdr);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn good_png(dir: &Path) -> PathBuf {
    let p = dir.join("good.png");
    image::RgbaImage::from_pixel(4, 4, image::Rgba([1, 2, 3, 255]))
        .save(&p)
        .unwrap();
    p
}

/// `reel diff` with a broken PNG on either side: exit 2, one line naming that file.
#[test]
fn broken_pngs_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_png(dir.path());
    let full = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.png", vec![]),
        ("text.png", b"not a png".to_vec()),
        ("signature-only.png", b"\x89PNG\r\n\x1a\n".to_vec()),
        ("truncated.png", full[..full.len() / 2].to_vec()),
        ("huge-dims.png", png_header(1 << 30, 1 << 30)),
        ("big-no-data.png", png_header(16384, 16384)),
        ("zero-width.png", png_header(0, 10)),
        (
            "fuzz-oom-wide-grey.png",
            include_bytes!("../fixtures/fuzz/decode_png-oom-wide-grey.png").to_vec(),
        ),
        ("bad-crc.png", {
            let mut b = full.clone();
            b[20] ^= 0xff;
            b
        }),
    ];
    for (name, bytes) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for (a, b) in [(&path, &good), (&good, &path)] {
            let ran = run_limited(reel().arg("diff").arg(a).arg(b));
            assert_input_error(name, &ran, &path.display().to_string());
        }
    }
    let missing = dir.path().join("missing.png");
    let ran = run_limited(reel().arg("diff").arg(&missing).arg(&good));
    assert_input_error("missing", &ran, &missing.display().to_string());
}

/// Ids that would escape a directory become safe, distinct file names.
#[test]
fn hostile_ids_are_sanitized_without_collisions() {
    use reel::recording::sanitize_id;
    let ids = [
        "../../etc/x",
        "..",
        ".",
        "/etc/passwd",
        "a\0b",
        "a/b",
        "a\\b",
        "a b",
        "a_b",
        "a:b",
        "C:\\Windows",
        "",
        "-rf",
    ];
    let long = "x".repeat(10_000);
    let mut seen = std::collections::HashMap::new();
    for id in ids.iter().copied().chain([long.as_str()]) {
        let s = sanitize_id(id);
        assert!(!s.is_empty() && s.len() <= 100, "{id:?} -> {s:?}");
        assert!(!s.starts_with('.') && s != "..", "{id:?} -> {s:?}");
        assert!(
            !s.contains(['/', '\\', '\0', ':']) && !Path::new(&s).is_absolute(),
            "{id:?} -> {s:?}"
        );
        assert_eq!(Path::new(&s).components().count(), 1, "{id:?} -> {s:?}");
        if let Some(other) = seen.insert(s.clone(), id) {
            panic!("{other:?} and {id:?} both become {s:?}");
        }
    }
}

/// A recording whose session id is a path traversal: `inspect --json` shows the sanitized id.
#[test]
fn traversal_session_id_becomes_a_safe_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    let doc = format!(
        r#"{{"version":"2023-04-28","data":{{"id":"../../../tmp/evil\u0000x","snapshots":[{META},{SNAPSHOT}]}}}}"#
    );
    std::fs::write(&path, doc).unwrap();
    let ran = run_limited(reel().arg("inspect").arg(&path).arg("--json"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let id = v["id"].as_str().unwrap();
    assert!(
        !id.contains(['/', '\0']) && !id.starts_with('.'),
        "unsafe id {id:?}"
    );
}

/// Console messages and URLs are data: carried verbatim, JSON-escaped in `inspect --json`.
#[test]
fn hostile_console_messages_and_urls_are_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xss.json");
    let script = "</script><script>alert(1)</script>";
    let img = "<img src=x onerror=alert(document.cookie)>";
    let url = "javascript:alert(1)//\"><svg onload=alert(2)>";
    let console = serde_json::json!({
        "type": 6, "timestamp": 1500,
        "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "error",
            "payload": [serde_json::to_string(script).unwrap(), img, "\u{1b}[31mred\u{1b}[0m\r\nnext"],
            "trace": [url]
        }}
    });
    let meta = serde_json::json!({"type": 4, "timestamp": 1000,
        "data": {"href": url, "width": 800, "height": 600}});
    let doc = format!("[{meta},{SNAPSHOT},{console}]");
    std::fs::write(&path, doc).unwrap();
    let ran = run_limited(reel().arg("inspect").arg(&path).arg("--json"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        !ran.stdout.contains('\u{1b}'),
        "raw escape character in JSON"
    );
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let text = v.to_string();
    assert!(
        text.contains("alert(1)") && text.contains("onerror"),
        "{text}"
    );
    let console = &v["windows"][0]["console"][0];
    let message = console["message"].as_str().unwrap();
    assert!(message.starts_with(script), "{message:?}");
    assert!(message.contains(img), "{message:?}");
    assert_eq!(v["windows"][0]["urls"][0].as_str(), Some(url));

    // The human table prints them as text without terminal control characters.
    let ran = run_limited(reel().arg("inspect").arg(&path));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(!ran.stdout.contains('\u{1b}'), "{}", ran.stdout);
}

/// `report.json` is input to `reel approve`: an `actual` path outside `--out` is refused, and no
/// baseline is written.
#[test]
fn approve_refuses_actual_paths_outside_out() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside.png");
    std::fs::copy(good_png(dir.path()), &outside).unwrap();
    for actual in [
        "../outside.png".to_string(),
        outside.display().to_string(),
        "a/../../outside.png".to_string(),
        String::new(),
    ] {
        let out = dir.path().join("out");
        let baselines = dir.path().join("baselines");
        std::fs::create_dir_all(&out).unwrap();
        let checkpoint = serde_json::json!({
            "name": "0000001-end", "t_ms": 1, "reason": "end", "viewport": [4, 4],
            "status": "changed", "diff_pixels": 1, "diff_ratio": 0.1,
            "actual": actual, "baseline": null, "diff": null
        });
        let report = serde_json::json!({
            "version": 1, "complete": true,
            "summary": {"recordings": 1, "passed": 0, "failed": 1, "errors": 0, "checkpoints": 1,
                        "by_status": {"changed": 1}, "new_console_errors": 0, "duration_ms": 1},
            "settings": {"threshold": 0.1, "include_aa": false, "max_diff_pixels": null,
                         "max_diff_ratio": null, "update": "none",
                         "baselines": baselines.display().to_string()},
            "recordings": [{
                "id": "rec", "source": "rec.json", "status": "fail", "error": null,
                "format": "rrweb-json", "duration_ms": 1, "session_duration_ms": 1,
                "checkpoints": [checkpoint],
                "console": {"errors": [], "new_errors": [], "accepted": false},
                "blocked_requests": 0
            }]
        });
        let report_path = out.join("report.json");
        std::fs::write(&report_path, report.to_string()).unwrap();
        let ran = run_limited(reel().arg("approve").arg("--out").arg(&out));
        assert_input_error(&actual, &ran, &report_path.display().to_string());
        assert!(!baselines.exists(), "{actual:?}: a baseline was written");
    }
}

/// A safe id crafted to equal another id's sanitized form cannot share its baselines: `reel run`
/// refuses two recordings with one id before starting a browser or writing anything.
#[test]
fn run_refuses_ids_that_collide_after_sanitizing() {
    let dir = tempfile::tempdir().unwrap();
    let export = |id: &str| {
        format!(
            r#"{{"version":"2023-04-28","data":{{"id":{},"snapshots":[{META},{SNAPSHOT}]}}}}"#,
            serde_json::to_string(id).unwrap()
        )
    };
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    std::fs::write(&a, export("../a/b")).unwrap();
    std::fs::write(&b, export(&reel::recording::sanitize_id("../a/b"))).unwrap();
    let out = dir.path().join("out");
    let baselines = dir.path().join("baselines");
    let ran = run_limited(
        reel()
            .arg("run")
            .arg(&a)
            .arg(&b)
            .args(["--chrome", "/nonexistent/chrome"])
            .arg("--out")
            .arg(&out)
            .arg("--baselines")
            .arg(&baselines),
    );
    assert_input_error("run", &ran, &b.display().to_string());
    assert!(
        ran.stderr.contains("two recordings have the id"),
        "{}",
        ran.stderr
    );
    assert!(!out.exists() && !baselines.exists());
}

/// Valid but hostile shapes that used to be quadratic: thousands of same-time events sharing
/// their first and last bytes (duplicate detection), and a checkpoint per click (viewport lookup).
#[test]
fn pathological_but_valid_recordings_stay_fast() {
    let dir = tempfile::tempdir().unwrap();
    let pad = "a".repeat(300);
    let mut same_time = format!("{META}\n{SNAPSHOT}\n");
    for i in 0..40_000 {
        same_time.push_str(&format!(
            "{{\"type\":5,\"timestamp\":2000,\"data\":{{\"tag\":\"x\",\"payload\":\"{pad}{i:07}{pad}\"}}}}\n"
        ));
    }
    let mut clicks = format!("{META}\n{SNAPSHOT}\n");
    for i in 0..40_000 {
        if i % 1000 == 0 {
            clicks.push_str(&format!(
                "{{\"type\":3,\"timestamp\":{},\"data\":{{\"source\":4,\"width\":{},\"height\":700}}}}\n",
                2000 + i * 10,
                500 + i / 1000
            ));
        }
        clicks.push_str(&format!(
            "{{\"type\":3,\"timestamp\":{},\"data\":{{\"source\":2,\"type\":2,\"id\":1,\"x\":1,\"y\":1}}}}\n",
            2001 + i * 10
        ));
    }
    for (name, text) in [("same-time.jsonl", same_time), ("clicks.jsonl", clicks)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let ran = run_limited(reel().arg("inspect").arg("--json").arg(&path));
        assert_eq!(ran.code, Some(0), "{name}: {}", ran.stderr);
        assert!(ran.wall < MAX_WALL, "{name}: {:?}", ran.wall);
        assert!(
            ran.max_rss_kb <= MAX_RSS_KB,
            "{name}: {} KB",
            ran.max_rss_kb
        );
    }
}
