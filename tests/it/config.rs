//! `reel.toml` and layered settings through the binary (the precedence and the file's errors in
//! detail are unit tests of `settings`): a typo is exit 2 naming the file, `out` follows the
//! layers, and `reel run` from sources — files and globs, and a PostHog
//! query fetched from the double on 127.0.0.1 into `.reel/cache`, replayed and reported in one
//! command (a second run replays from the cache).

use crate::common::{browser_ws, recording, reel, run};
use crate::fetch_support::{Config as ServerConfig, Layout, PROJECT, Served, Server, lines_of};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY: &str = "phx_ConfigTestKey_0123456789_do_not_leak";
const SESSION: &str = "01a21de8-85b0-7aa8-8b1b-0e45be0acc3b";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---- the binary ----

fn reel_in(dir: &Path) -> Command {
    let mut c = reel();
    c.current_dir(dir)
        .env("REEL_RETRY_BASE_MS", "20")
        .env_remove("POSTHOG_HOST")
        .env_remove("POSTHOG_PROJECT_ID")
        .env_remove("POSTHOG_API_KEY");
    for v in reel::settings::ENV_VARS {
        c.env_remove(v);
    }
    c.env_remove("REEL_CONFIG");
    c
}

fn report(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn unknown_key_is_exit_2_naming_reel_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("reel.toml"),
        "baselines = \"s\"\noutt = \"r\"\n",
    )
    .unwrap();
    let out = run(reel_in(dir.path()).args(["run", "x.json"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("reel.toml:2:") && err.contains("outt"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    // --config names another file; a missing one is an error too.
    let out = run(reel_in(dir.path()).args(["run", "--config", "nope.toml", "x.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope.toml"));
}

#[test]
fn out_folder_follows_the_layers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reel.toml"), "out = \"from-toml\"\n").unwrap();
    std::fs::copy(
        recording("rrweb-todomvc-angularjs/rrweb-events.json"),
        dir.path().join("angular.json"),
    )
    .unwrap();
    // One readable recording and one that does not exist: the run writes its report (exit 2),
    // which shows where `out` resolved to.
    let go = |extra: &[&str], env_out: Option<&str>| -> Output {
        let mut c = reel_in(dir.path());
        c.args([
            "run",
            "angular.json",
            "missing.json",
            "--browser-ws",
            &browser_ws(),
        ])
        .args(["--max-checkpoints", "1"])
        .args(extra);
        if let Some(v) = env_out {
            c.env("REEL_OUT", v);
        }
        run(&mut c)
    };
    let has = |d: &str| dir.path().join(d).join("report.json").is_file();
    assert_eq!(go(&[], None).status.code(), Some(2));
    assert!(has("from-toml"));
    go(&[], Some("from-env"));
    assert!(has("from-env"));
    go(&["--out", "from-flag"], Some("from-env"));
    assert!(has("from-flag"));
}

#[test]
fn runs_the_files_and_globs_of_reel_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("recs")).unwrap();
    std::fs::copy(
        recording("rrweb-todomvc-angularjs/rrweb-events.json"),
        dir.path().join("recs/angular.json"),
    )
    .unwrap();
    std::fs::copy(
        recording("testbed-errors/rrweb-events.json"),
        dir.path().join("recs/testbed.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("reel.toml"),
        r#"
baselines = "base"
out = "rep"
[plan]
checkpoints = "none"
at = ["1s"]
[viewport]
width = 640
height = 480
[[sources]]
files = ["recs/*.json"]
"#,
    )
    .unwrap();
    let out = run(reel_in(dir.path()).args(["run", "--browser-ws", &browser_ws()]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = report(&dir.path().join("rep/report.json"));
    let recs = r["recordings"].as_array().unwrap();
    let mut ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["angular", "testbed"]);
    for rec in recs {
        let cps = rec["checkpoints"].as_array().unwrap();
        assert_eq!(cps.len(), 1, "only --at 1s: {rec}");
        assert_eq!(cps[0]["viewport"], json!([640, 480]));
    }
    assert!(dir.path().join("base").is_dir(), "baselines from reel.toml");
}

fn served() -> Served {
    let template: Value = serde_json::from_slice(
        &std::fs::read(recording("posthog-fixtures/recording_meta.json")).unwrap(),
    )
    .unwrap();
    let mut meta = template;
    meta["id"] = json!(SESSION);
    meta["distinct_id"] = json!("person-b");
    meta["recording_duration"] = json!(32.0);
    meta["console_error_count"] = json!(0);
    meta["ongoing"] = json!(false);
    meta["start_time"] = json!("2026-11-27T10:00:00Z");
    meta["end_time"] = json!("2026-11-27T10:00:32Z");
    Served {
        id: SESSION.into(),
        meta,
        lines: lines_of(&recording("swagger-ui/posthog-blob.jsonl")),
        layout: Layout::BlobV2 { blocks: 3 },
    }
}

#[test]
fn one_command_fetches_a_posthog_query_replays_and_reports() {
    let srv = Server::start(ServerConfig {
        key: KEY.into(),
        recordings: vec![served()],
        page_cap: 10,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("reel.toml"),
        format!(
            r#"
[plan]
checkpoints = "none"
at = ["2s"]
[[sources]]
posthog = {{ host = "{}", project = "{PROJECT}", since = "7d", limit = 5 }}
"#,
            srv.url
        ),
    )
    .unwrap();
    let go = || {
        run(reel_in(dir.path())
            .args(["run", "--browser-ws", &browser_ws()])
            .env("POSTHOG_API_KEY", KEY))
    };
    let out = go();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let snapshot_requests = |srv: &Server| {
        srv.log()
            .iter()
            .filter(|l| l.path.contains("/snapshots"))
            .count()
    };
    assert!(snapshot_requests(&srv) > 0);
    let cached: Vec<PathBuf> = std::fs::read_dir(dir.path().join(".reel/cache/posthog"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join(format!("{SESSION}.jsonl")))
        .collect();
    assert_eq!(cached.len(), 1);
    assert!(cached[0].is_file(), "{}", cached[0].display());
    let r = report(&dir.path().join("reel-report/report.json"));
    let recs = r["recordings"].as_array().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["id"], json!(SESSION));
    assert_eq!(recs[0]["checkpoints"].as_array().unwrap().len(), 1);
    // It links back to PostHog: the session, and its replay at the checkpoint's second.
    let replay = format!("{}/project/{PROJECT}/replay/{SESSION}", srv.url);
    assert_eq!(recs[0]["posthog"]["url"], json!(replay));
    assert_eq!(
        recs[0]["checkpoints"][0]["posthog_url"],
        json!(format!("{replay}?t=2"))
    );
    assert!(dir.path().join("snapshots").is_dir(), "baselines written");
    // The key shows nowhere.
    for b in [&out.stdout, &out.stderr] {
        assert!(!text(b).contains(KEY));
    }

    // Second run: from the cache (the list is asked again, no snapshot is fetched), and the
    // checkpoint passes against the baseline the first run wrote.
    srv.clear_log();
    let out = go();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(snapshot_requests(&srv), 0, "{:?}", srv.log());
    assert!(
        text(&out.stderr).contains("already there"),
        "{}",
        text(&out.stderr)
    );
    let r = report(&dir.path().join("reel-report/report.json"));
    assert_eq!(r["summary"]["failed"], json!(0));

    // Without a key: exit 2 with what to do.
    let out = run(reel_in(dir.path()).args(["run", "--browser-ws", &browser_ws()]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("POSTHOG_API_KEY"));
}

#[test]
fn an_object_store_source_is_copied_into_the_cache_and_replayed() {
    let bucket = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bucket.path().join("sessions")).unwrap();
    std::fs::copy(
        recording("rrweb-todomvc-angularjs/rrweb-events.json"),
        bucket.path().join("sessions/angular.json"),
    )
    .unwrap();
    std::fs::write(bucket.path().join("sessions/notes.txt"), "not a recording").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ci.toml"),
        format!(
            "cache = \"c\"\n[plan]\ncheckpoints = \"none\"\nat = [\"1s\"]\n[[sources]]\nobject_store = \"file://{}/sessions/\"\n",
            bucket.path().display()
        ),
    )
    .unwrap();
    let out = run(reel_in(dir.path()).args([
        "run",
        "--config",
        "ci.toml",
        "--browser-ws",
        &browser_ws(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = report(&dir.path().join("reel-report/report.json"));
    let recs = r["recordings"].as_array().unwrap();
    assert_eq!(recs.len(), 1, "{r}");
    assert_eq!(recs[0]["id"], json!("angular"));
    let store = dir.path().join("c/store");
    let copied: Vec<PathBuf> = std::fs::read_dir(&store)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("angular.json"))
        .collect();
    assert_eq!(copied.len(), 1);
    assert!(copied[0].is_file(), "{}", copied[0].display());
}
