//! `reel fetch` end to end: the real binary against a PostHog double on 127.0.0.1 serving the
//! shared recordings split into blocks (with injected 429/503/dropped connections, wrong keys,
//! 404/410), and against a real S3-compatible server (moto) and `file://`.

use crate::common::{recording, reel, run};
use crate::fetch_support::{Config, Fault, Layout, PROJECT, Served, Server, lines_of};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const KEY: &str = "phx_TestKey_9f8e7d6c5b4a_do_not_leak";

struct Rec {
    id: &'static str,
    folder: &'static str,
    layout: Layout,
    duration: f64,
    distinct_id: &'static str,
    console_errors: u64,
    ongoing: bool,
}

fn recs() -> Vec<Rec> {
    vec![
        Rec {
            id: "01a21deb-1a85-7095-97cc-400f3f992b4d",
            folder: "testbed-errors",
            layout: Layout::BlobV2 { blocks: 45 },
            duration: 38.0,
            distinct_id: "person-a",
            console_errors: 6,
            ongoing: false,
        },
        Rec {
            id: "01a21de8-85b0-7aa8-8b1b-0e45be0acc3b",
            folder: "swagger-ui",
            layout: Layout::BlobV2 { blocks: 7 },
            duration: 32.0,
            distinct_id: "person-b",
            console_errors: 0,
            ongoing: false,
        },
        Rec {
            id: "01a21de9-c83f-7e04-9e7f-b4a932ff3461",
            folder: "todomvc-backbone",
            layout: Layout::Lts,
            duration: 32.0,
            distinct_id: "person-a",
            console_errors: 0,
            ongoing: false,
        },
        Rec {
            id: "187d7c7619e1d62-0a36a9481897db-1d525634-384000-187d7c7619f3d4f",
            folder: "posthog-fixtures",
            layout: Layout::Legacy,
            duration: 11.0,
            distinct_id: "person-c",
            console_errors: 1,
            ongoing: false,
        },
    ]
}

fn served(r: &Rec) -> Served {
    let file = if r.folder == "posthog-fixtures" {
        recording("posthog-fixtures/recording_snapshots.jsonl")
    } else {
        recording(&format!("{}/posthog-blob.jsonl", r.folder))
    };
    let template: Value = serde_json::from_slice(
        &std::fs::read(recording("posthog-fixtures/recording_meta.json")).unwrap(),
    )
    .unwrap();
    let mut meta = template;
    meta["id"] = json!(r.id);
    meta["distinct_id"] = json!(r.distinct_id);
    meta["recording_duration"] = json!(r.duration);
    meta["console_error_count"] = json!(r.console_errors);
    meta["ongoing"] = json!(r.ongoing);
    meta["start_time"] = json!("2026-11-27T10:00:00Z");
    meta["end_time"] = json!("2026-11-27T10:00:38Z");
    Served {
        id: r.id.to_string(),
        meta,
        lines: lines_of(&file),
        layout: r.layout.clone(),
    }
}

fn server(cursor: bool, page_cap: usize) -> (Server, Vec<Served>) {
    let all: Vec<Served> = recs().iter().map(served).collect();
    let s = Server::start(Config {
        key: KEY.into(),
        recordings: all.clone(),
        deleted: vec!["gone-recording".into()],
        page_cap,
        cursor,
    });
    (s, all)
}

fn fetch_cmd(server: &Server, out: &Path) -> Command {
    let mut c = reel();
    c.args([
        "fetch",
        "posthog",
        "--host",
        &server.url,
        "--project",
        PROJECT,
    ])
    .arg("--out")
    .arg(out)
    .env("POSTHOG_API_KEY", KEY)
    .env("REEL_RETRY_BASE_MS", "20")
    .env_remove("POSTHOG_HOST")
    .env_remove("POSTHOG_PROJECT_ID");
    c
}

fn jsonl_of(s: &Served) -> Vec<u8> {
    let mut b = Vec::new();
    for l in &s.lines {
        b.extend_from_slice(l.as_bytes());
        b.push(b'\n');
    }
    b
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The key appears nowhere: not on stdout, not on stderr, not in any written file.
fn assert_no_key(out: &Output, dir: &Path) {
    let needle = KEY.as_bytes();
    let has = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle);
    assert!(!has(&out.stdout), "key on stdout");
    assert!(!has(&out.stderr), "key on stderr");
    for f in files(dir) {
        assert!(!has(&std::fs::read(&f).unwrap()), "key in {}", f.display());
    }
}

fn assert_saved(dir: &Path, s: &Served) {
    let jsonl = std::fs::read(dir.join(format!("{}.jsonl", s.id))).unwrap();
    assert!(
        jsonl == jsonl_of(s),
        "{}.jsonl differs from the served lines",
        s.id
    );
    let mut meta: Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{}.meta.json", s.id))).unwrap())
            .unwrap();
    // The metadata as served, plus where it came from (for links back to PostHog).
    let source = meta
        .as_object_mut()
        .and_then(|m| m.remove("reel_source"))
        .unwrap_or_default();
    assert_eq!(source["project"], PROJECT, "{}.meta.json", s.id);
    assert!(
        source["host"]
            .as_str()
            .is_some_and(|h| h.starts_with("http://127.0.0.1:")),
        "{source}"
    );
    assert_eq!(meta, s.meta, "{}.meta.json", s.id);
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn lists_with_pagination_and_saves_every_layout_exactly() {
    let (srv, all) = server(false, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = run(fetch_cmd(&srv, dir.path()).args(["-vv", "--concurrency", "3"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for s in &all {
        assert_saved(dir.path(), s);
    }
    let max = srv.max_in_flight();
    assert!(
        (1..=3).contains(&max),
        "at most 3 requests in flight, saw {max}"
    );
    // The shared files come back byte for byte.
    assert_eq!(
        std::fs::read(dir.path().join(format!("{}.jsonl", all[0].id))).unwrap(),
        std::fs::read(recording("testbed-errors/posthog-blob.jsonl")).unwrap()
    );
    assert_eq!(files(dir.path()).len(), all.len() * 2, "no temp files left");
    assert_no_key(&out, dir.path());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("fetched 4 recordings"), "{stdout}");

    let log = srv.log();
    let lists: Vec<_> = log
        .iter()
        .filter(|l| l.path.ends_with("session_recordings/"))
        .collect();
    assert_eq!(lists.len(), 2, "two pages of at most 2: {lists:?}");
    assert_eq!(lists[1].query.get("offset").map(String::as_str), Some("2"));
    assert_eq!(
        lists[0].query.get("date_from").map(String::as_str),
        Some("-7d")
    );
    // 45 blob_v2 keys → ranges 0-19, 20-39, 40-44.
    let mut ranges: Vec<(usize, usize)> = log
        .iter()
        .filter(|l| l.query.get("source").map(String::as_str) == Some("blob_v2"))
        .filter(|l| l.path.contains(&all[0].id))
        .map(|l| {
            (
                l.query["start_blob_key"].parse().unwrap(),
                l.query["end_blob_key"].parse().unwrap(),
            )
        })
        .collect();
    ranges.sort();
    assert_eq!(ranges, vec![(0, 19), (20, 39), (40, 44)]);
    assert!(log.iter().all(|l| l.status == 200), "{log:?}");
    for source in ["blob_v2_lts", "blob", "realtime"] {
        assert!(
            log.iter()
                .any(|l| l.query.get("source").map(String::as_str) == Some(source)),
            "{source} requested"
        );
    }
}

#[test]
fn cursor_pagination_filters_and_limit() {
    let (srv, all) = server(true, 1);
    let dir = tempfile::tempdir().unwrap();
    let out = run(fetch_cmd(&srv, dir.path()).args([
        "--since",
        "3d",
        "--until",
        "2026-11-28",
        "--min-duration",
        "35s",
        "--person",
        "person-a",
        "--with-console-errors",
        "--url",
        "testbed",
        "--limit",
        "1",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Only the testbed recording matches all filters (checked on the list results).
    assert_saved(dir.path(), &all[0]);
    assert_eq!(files(dir.path()).len(), 2);
    let log = srv.log();
    let first = log
        .iter()
        .find(|l| l.path.ends_with("session_recordings/"))
        .unwrap();
    let q = &first.query;
    assert_eq!(q["date_from"], "-3d");
    assert_eq!(q["date_to"], "2026-11-28");
    assert_eq!(q["limit"], "1");
    let decoded = |k: &str| serde_json::from_str::<Value>(&q[k]).unwrap();
    assert_eq!(decoded("distinct_ids"), json!(["person-a"]));
    assert_eq!(decoded("having_predicates")[0]["value"], json!(35.0));
    assert_eq!(decoded("properties")[0]["value"], json!("testbed"));
    assert_eq!(decoded("console_log_filters")[0]["value"], json!(["error"]));

    // With no local filters, the cursor is followed through every page.
    let dir2 = tempfile::tempdir().unwrap();
    srv.clear_log();
    let out = run(&mut fetch_cmd(&srv, dir2.path()));
    assert_eq!(out.status.code(), Some(0));
    let lists: Vec<_> = srv
        .log()
        .into_iter()
        .filter(|l| l.path.ends_with("session_recordings/"))
        .collect();
    assert_eq!(lists.len(), 4);
    assert_eq!(
        lists[1].query.get("after").map(String::as_str),
        Some("cur-1")
    );
    assert_eq!(files(dir2.path()).len(), 8);
}

#[test]
fn retries_429_503_and_dropped_connections() {
    let (srv, all) = server(false, 100);
    let throttled = format!("{}/snapshots/?source=blob_v2&start_blob_key=0", all[0].id);
    srv.fault(
        &throttled,
        Fault::Status {
            status: 429,
            retry_after: Some("1".into()),
            body: r#"{"detail":"Request was throttled. Expected available in 1 second."}"#.into(),
        },
    );
    srv.fault(
        &format!("{}/?", "session_recordings"),
        Fault::Status {
            status: 503,
            retry_after: None,
            body: "busy".into(),
        },
    );
    srv.fault(&format!("{}/snapshots/", all[1].id), Fault::Drop);
    srv.fault(
        "source=blob_v2_lts",
        Fault::Status {
            status: 502,
            retry_after: None,
            body: "<html>bad gateway</html>".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = run(fetch_cmd(&srv, dir.path()).args(["-vv", "--concurrency", "2"]));
    let elapsed = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for s in &all {
        assert_saved(dir.path(), s);
    }
    assert_no_key(&out, dir.path());
    assert!(
        elapsed >= Duration::from_secs(1),
        "Retry-After: 1 honoured ({elapsed:?})"
    );
    let log = srv.log();
    let hits: Vec<_> = log
        .iter()
        .filter(|l| l.target.contains(&throttled))
        .collect();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].status, 429);
    let waited = hits[1].at - hits[0].at;
    assert!(
        waited >= Duration::from_millis(990),
        "retried after {waited:?}"
    );
    // The pause applies to every request, not just the throttled one.
    assert!(
        log.iter()
            .filter(|l| l.at > hits[0].at + Duration::from_millis(200)
                && l.at < hits[0].at + Duration::from_millis(900))
            .count()
            == 0,
        "requests sent during the Retry-After pause: {:?}",
        log.iter()
            .map(|l| (l.at.saturating_duration_since(hits[0].at), &l.target))
            .collect::<Vec<_>>()
    );
    for status in [503, 502, 0] {
        assert!(
            log.iter().any(|l| l.status == status),
            "fault {status} served"
        );
    }
    let stderr = text(&out.stderr);
    assert!(stderr.contains("rate limited"), "{stderr}");
}

#[test]
fn sigterm_during_a_rate_limit_pause_exits_130_without_partial_files() {
    let (srv, all) = server(false, 100);
    srv.fault(
        &format!("{}/snapshots/?source=blob_v2&start_blob_key=20", all[0].id),
        Fault::Status {
            status: 429,
            retry_after: Some("30".into()),
            body: "{}".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = fetch_cmd(&srv, dir.path())
        .args(["--concurrency", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !srv.log().iter().any(|l| l.status == 429) {
        assert!(Instant::now() < deadline, "no 429 served");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let stopped = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "did not wait out Retry-After"
    );
    for f in files(dir.path()) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(!name.starts_with(".reel-tmp"), "partial file {name}");
        let id = name
            .trim_end_matches(".meta.json")
            .trim_end_matches(".jsonl");
        assert_saved(dir.path(), all.iter().find(|s| s.id == id).unwrap());
    }
}

#[test]
fn wrong_key_stops_with_exit_2_and_never_shows_the_key() {
    let (srv, _) = server(false, 100);
    let dir = tempfile::tempdir().unwrap();
    let wrong = "phx_WrongKey_0123456789abcdef";
    let out = run(fetch_cmd(&srv, dir.path())
        .env("POSTHOG_API_KEY", wrong)
        .arg("-vv"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("session_recording:read"), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(!stderr.contains(wrong) && !text(&out.stdout).contains(wrong));
    assert!(files(dir.path()).is_empty());

    // From a file too, and with explicit ids: the first 401 stops everything.
    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), format!("{wrong}\n")).unwrap();
    srv.clear_log();
    let out = run(fetch_cmd(&srv, dir.path())
        .env_remove("POSTHOG_API_KEY")
        .arg("--api-key-file")
        .arg(key_file.path())
        .args(["--recording", "a,b,c,d,e,f", "--concurrency", "1"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains(wrong));
    assert_eq!(srv.log().len(), 1, "stopped after the first 401");

    // No key at all: a usage error before any request.
    srv.clear_log();
    let out = run(fetch_cmd(&srv, dir.path()).env_remove("POSTHOG_API_KEY"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("POSTHOG_API_KEY"));
    assert!(srv.log().is_empty());

    // Help never shows the key from the environment.
    let out = reel()
        .args(["fetch", "--help"])
        .env("POSTHOG_API_KEY", KEY)
        .output()
        .unwrap();
    assert!(!text(&out.stdout).contains(KEY));
}

#[test]
fn missing_and_deleted_recordings_are_reported_and_the_others_saved() {
    let (srv, all) = server(false, 100);
    let dir = tempfile::tempdir().unwrap();
    let ids = format!(
        "{},no-such-recording,gone-recording,{}",
        all[0].id, all[1].id
    );
    let out = run(fetch_cmd(&srv, dir.path()).args(["--recording", &ids]));
    assert_eq!(out.status.code(), Some(2));
    assert_saved(dir.path(), &all[0]);
    assert_saved(dir.path(), &all[1]);
    assert_eq!(files(dir.path()).len(), 4);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no-such-recording") && stderr.contains("404"),
        "{stderr}"
    );
    assert!(
        stderr.contains("gone-recording") && stderr.contains("410"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 4 recordings not fetched"), "{stderr}");
}

#[test]
fn finished_recordings_are_not_fetched_again_unless_refresh() {
    let mut all: Vec<Served> = recs().iter().map(served).collect();
    all.truncate(2);
    all[1].meta["ongoing"] = json!(true);
    let srv = Server::start(Config {
        key: KEY.into(),
        recordings: all.clone(),
        page_cap: 100,
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut fetch_cmd(&srv, dir.path()));
    assert_eq!(out.status.code(), Some(0));
    let snapshot_requests = |srv: &Server, id: &str| {
        srv.log()
            .iter()
            .filter(|l| l.path.contains(id) && l.path.ends_with("/snapshots/"))
            .count()
    };
    assert!(snapshot_requests(&srv, &all[0].id) > 0);

    srv.clear_log();
    let out = run(&mut fetch_cmd(&srv, dir.path()));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("1 already there"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        snapshot_requests(&srv, &all[0].id),
        0,
        "finished: not fetched again"
    );
    assert!(
        snapshot_requests(&srv, &all[1].id) > 0,
        "ongoing: fetched again"
    );

    srv.clear_log();
    let out = run(fetch_cmd(&srv, dir.path()).arg("--refresh"));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        snapshot_requests(&srv, &all[0].id) > 0,
        "--refresh fetches again"
    );
    for s in &all {
        assert_saved(dir.path(), s);
    }
}

#[test]
fn unreachable_server_exits_3_after_bounded_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = run(reel()
        .args(["fetch", "posthog", "--project", "1", "--retries", "2"])
        .args(["--host", &format!("http://127.0.0.1:{port}")])
        .arg("--out")
        .arg(dir.path())
        .env("POSTHOG_API_KEY", KEY)
        .env("REEL_RETRY_BASE_MS", "20"));
    assert_eq!(out.status.code(), Some(3));
    assert!(start.elapsed() < Duration::from_secs(20));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot reach") && stderr.contains("3 attempts"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY));
}

#[test]
fn broken_server_answers_fail_cleanly() {
    let (srv, all) = server(false, 100);
    // A proxy error page with status 200, and a block range the server refuses.
    srv.fault(
        &format!("{}/snapshots/?source", all[0].id),
        Fault::Status {
            status: 200,
            retry_after: None,
            body: "<html>oops</html>".into(),
        },
    );
    srv.fault(
        &format!("{}/snapshots/", all[1].id),
        Fault::Status {
            status: 200,
            retry_after: None,
            body: r#"{"sources": [{"source": "mystery", "blob_key": "1"}]}"#.into(),
        },
    );
    srv.fault(
        &format!("{}/", all[2].id),
        Fault::Status {
            status: 200,
            retry_after: None,
            body: "[1, 2".into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let ids = format!("{},{},{},{}", all[0].id, all[1].id, all[2].id, all[3].id);
    let out = run(fetch_cmd(&srv, dir.path()).args(["--recording", &ids]));
    assert_eq!(
        out.status.code(),
        Some(3),
        "server's fault: exit 3, no panic"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("not JSON") && stderr.contains("mystery"),
        "{stderr}"
    );
    assert_saved(dir.path(), &all[3]);
    assert_eq!(files(dir.path()).len(), 2, "nothing half-saved");
}

#[test]
fn persistent_server_errors_give_up_after_bounded_retries() {
    let (srv, all) = server(false, 100);
    for _ in 0..10 {
        srv.fault(
            &format!("{}/snapshots/", all[1].id),
            Fault::Status {
                status: 503,
                retry_after: None,
                body: "blocks unavailable".into(),
            },
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let ids = format!("{},{}", all[0].id, all[1].id);
    let out = run(fetch_cmd(&srv, dir.path()).args(["--recording", &ids, "--retries", "2"]));
    assert_eq!(out.status.code(), Some(3));
    let attempts = srv
        .log()
        .iter()
        .filter(|l| l.path.contains(&all[1].id) && l.path.ends_with("/snapshots/"))
        .count();
    assert_eq!(attempts, 3, "1 attempt + 2 retries");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("HTTP 503 after 3 attempts"), "{stderr}");
    assert_saved(dir.path(), &all[0]);
    assert_eq!(files(dir.path()).len(), 2);
}

// ---- object storage -------------------------------------------------------------------------

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn store_cmd(url: &str, out: &Path) -> Command {
    let mut c = reel();
    c.args(["fetch", url])
        .arg("--out")
        .arg(out)
        .env("REEL_RETRY_BASE_MS", "20");
    c
}

#[test]
fn copies_recordings_from_s3() {
    let moto = crate::fetch_support::s3::Moto::start();
    moto.create_bucket("recs");
    let testbed = std::fs::read(recording("testbed-errors/rrweb-events.json")).unwrap();
    let swagger = std::fs::read(recording("swagger-ui/rrweb-events.json")).unwrap();
    let blob = std::fs::read(recording("todomvc-backbone/posthog-blob.jsonl")).unwrap();
    moto.put(
        "recs",
        &[
            ("qa/testbed.json", testbed.clone()),
            ("qa/nested/swagger.json.gz", gzip(&swagger)),
            ("qa/notes.txt", b"not a recording".to_vec()),
            ("qa/bad.json", br#"{"hello": 1}"#.to_vec()),
            ("raw/todomvc.jsonl", blob.clone()),
            ("elsewhere/x.json", testbed.clone()),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let with_env = |c: &mut Command| {
        for (k, v) in moto.env() {
            c.env(k, v);
        }
    };
    let mut c = store_cmd("s3://recs/qa/", dir.path());
    with_env(&mut c);
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(dir.path().join("testbed.json")).unwrap(),
        testbed
    );
    assert_eq!(
        std::fs::read(dir.path().join("nested/swagger.json.gz")).unwrap(),
        gzip(&swagger),
        "gzip copied as is"
    );
    assert!(
        !dir.path().join("bad.json").exists(),
        "not a recording: not copied"
    );
    assert!(!dir.path().join("notes.txt").exists());
    assert_eq!(files(dir.path()).len(), 2);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("fetched 2 objects") && stdout.contains("2 skipped"),
        "{stdout}"
    );

    // Again: nothing copied; with --refresh: copied again.
    let mut c = store_cmd("s3://recs/qa/", dir.path());
    with_env(&mut c);
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("fetched 0 objects"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("2 already there"));
    let mut c = store_cmd("s3://recs/qa/", dir.path());
    with_env(&mut c);
    let out = run(c.arg("--refresh"));
    assert!(text(&out.stdout).contains("fetched 2 objects"));

    // Without validation every .json/.jsonl(.gz) is copied byte for byte; a single object URL works.
    let raw = tempfile::tempdir().unwrap();
    let mut c = store_cmd("s3://recs/raw/todomvc.jsonl", raw.path());
    with_env(&mut c);
    let out = run(c.arg("--no-validate"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(raw.path().join("todomvc.jsonl")).unwrap(),
        blob
    );

    // Nothing there: exit 2; wrong credentials: exit 2.
    let mut c = store_cmd("s3://recs/nothing-here/", raw.path());
    with_env(&mut c);
    assert_eq!(run(&mut c).status.code(), Some(2));
    let mut c = store_cmd("s3://no-such-bucket/", raw.path());
    with_env(&mut c);
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn copies_from_file_urls_and_rejects_posthog_flags() {
    let src = tempfile::tempdir().unwrap();
    let testbed = std::fs::read(recording("testbed-errors/rrweb-events.json")).unwrap();
    std::fs::create_dir_all(src.path().join("a")).unwrap();
    std::fs::write(src.path().join("a/one.json"), &testbed).unwrap();
    std::fs::write(src.path().join("a/two.json.gz"), gzip(&testbed)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/", src.path().display());
    let out = run(&mut store_cmd(&url, dir.path()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(dir.path().join("a/one.json")).unwrap(),
        testbed
    );
    assert_eq!(
        std::fs::read(dir.path().join("a/two.json.gz")).unwrap(),
        gzip(&testbed)
    );

    let out = run(store_cmd(&url, dir.path()).args(["--recording", "x"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(&mut store_cmd("ftp://host/x", dir.path()));
    assert_eq!(out.status.code(), Some(2));
}

/// What `reel fetch` writes is what `reel run` reads: the folder itself, or its files as a shell
/// glob gives them (side files included); a replay link's `t` becomes a checkpoint of its
/// recording. A `--since` of minutes means minutes.
#[test]
fn a_fetched_folder_runs_and_a_links_moment_is_a_checkpoint() {
    let (srv, all) = server(false, 10);
    let dir = tempfile::tempdir().unwrap();
    let fetched = dir.path().join("recordings");
    let link = format!("{}/project/{PROJECT}/replay/{}?t=12", srv.url, all[1].id);
    let out =
        run(fetch_cmd(&srv, &fetched).args(["--recording", &link, "--recording", &all[3].id]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_saved(&fetched, &all[1]);
    assert_saved(&fetched, &all[3]);
    let side: Value = serde_json::from_slice(
        &std::fs::read(fetched.join(format!("{}.reel.json", all[1].id))).unwrap(),
    )
    .unwrap();
    assert_eq!(side["checkpoints"][0]["at_ms"], 12_000);
    assert_eq!(side["checkpoints"][0]["link"], link.as_str());

    let run_reel = |inputs: &[PathBuf]| {
        run(reel()
            .current_dir(dir.path())
            .args(["run", "--browser-ws", &crate::common::browser_ws(), "-q"])
            .args(inputs))
    };
    let report = || -> Value {
        serde_json::from_slice(&std::fs::read(dir.path().join("reel-report/report.json")).unwrap())
            .unwrap()
    };
    // The folder: its two recordings, not the side files; baselines are written.
    let o = run_reel(&[PathBuf::from("recordings/")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let r = report();
    assert_eq!(r["summary"]["recordings"], 2, "{r}");
    let linked = r["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == all[1].id.as_str())
        .unwrap();
    assert!(
        linked["checkpoints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "0012000-at" && c["reason"] == "at"),
        "{linked}"
    );
    // The files as `recordings/*` expands: .meta.json and .reel.json are passed over.
    let mut listed: Vec<PathBuf> = std::fs::read_dir(&fetched)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    listed.sort();
    assert_eq!(listed.len(), 5, "{listed:?}");
    let o = run_reel(&listed);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert_eq!(report()["summary"]["passed"], 2);

    // --since 30m: thirty minutes ago, not thirty months.
    let before = chrono::Utc::now();
    let out = run(fetch_cmd(&srv, &dir.path().join("recent")).args(["--since", "30m"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = srv.log();
    let list = log
        .iter()
        .rev()
        .find(|l| l.path.ends_with("session_recordings/"))
        .unwrap();
    let from = chrono::DateTime::parse_from_rfc3339(&list.query["date_from"]).unwrap();
    let ago = before.signed_duration_since(from).num_seconds();
    assert!((1795..=1805).contains(&ago), "{ago} s ago");
}
