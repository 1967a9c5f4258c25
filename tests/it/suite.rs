//! reel's own replay suite: the shared recordings replayed and compared with the baselines
//! committed under `tests/suite-baselines/`, exactly as a user's CI would run it (CI mode: nothing
//! is written, missing baselines fail). A change that blanks a frame, breaks a viewport or shifts a
//! layout fails here. Regenerate after an intended change with
//! `REEL_UPDATE_SUITE=1 cargo test --test it suite::`.

use crate::common::*;

const RECORDINGS: [&str; 5] = [
    "testbed-errors/posthog-blob.jsonl",
    "swagger-ui/posthog-blob.jsonl",
    "todomvc-backbone/posthog-blob.jsonl",
    "rrweb-todomvc-angularjs/rrweb-events.json",
    "posthog-fixtures/recording_snapshots.jsonl",
];

/// The two suite tests each drive five recordings through the shared browser; they take turns
/// so that neither measures the other's load.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Copies of the recordings in `dir`, each named after its folder (the file stem is the
/// recording id, and several share a file name).
fn copies(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    RECORDINGS
        .iter()
        .map(|r| {
            let (folder, file) = r.split_once('/').unwrap();
            let ext = if file.ends_with(".jsonl") {
                "jsonl"
            } else {
                "json"
            };
            let p = dir.join(format!("{folder}.{ext}"));
            std::fs::copy(recording(r), &p).unwrap();
            p
        })
        .collect()
}

#[test]
fn shared_recordings_match_the_committed_baselines() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let baselines = root.join("tests/suite-baselines");
    let out = tempfile::tempdir().unwrap();
    let inputs = copies(out.path());
    let update = std::env::var_os("REEL_UPDATE_SUITE").is_some();
    let mut cmd = reel();
    cmd.arg("run")
        .args(&inputs)
        .arg("--baselines")
        .arg(&baselines)
        .arg("--out")
        .arg(out.path().join("report"))
        // Absorbs anti-aliasing drift between Chromium builds; a real regression is far larger.
        .args([
            "--max-diff-ratio",
            "0.01",
            "--browser-ws",
            &browser_ws(),
            "-q",
        ]);
    if update {
        cmd.arg("--update=all");
    } else {
        cmd.env("CI", "true");
    }
    let o = run(&mut cmd);
    let report = std::fs::read_to_string(out.path().join("report/report.json")).unwrap();
    assert_eq!(o.status.code(), Some(0), "{report}");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["summary"]["recordings"], 5);
    assert!(report["summary"]["checkpoints"].as_u64().unwrap() >= 80);
}

/// The determinism audit: `--repeat 5` over every shared recording finds no pixel that varies.
/// (It once found swagger-ui's logo varying: rrweb had recorded its same-document clip-path as
/// an absolute URL, which the replay requested; see `replay::fragments`.)
#[test]
fn repeat_5_finds_no_varying_pixels() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let inputs = copies(dir.path());
    let o = run(reel()
        .current_dir(dir.path())
        .arg("run")
        .args(&inputs)
        .args(["--repeat", "5", "--browser-ws", &browser_ws(), "-q"]));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reel-report/report.json")).unwrap())
            .unwrap();
    assert_eq!(o.status.code(), Some(0), "{report}");
    assert_eq!(report["summary"]["by_status"]["flaky"], 0);
    for r in report["recordings"].as_array().unwrap() {
        for c in r["checkpoints"].as_array().unwrap() {
            assert!(c.get("varying_pixels").is_none(), "{c}");
        }
    }
}
