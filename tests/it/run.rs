//! `reel run` and `reel approve` end to end: real binary, real Chromium, real recordings, real files.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A copy of a shared recording under a chosen name (the name is the recording id).
    fn recording(&self, shared_rel: &str, name: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::copy(recording(shared_rel), &p).unwrap();
        p
    }

    fn run(&self, recordings: &[&Path], extra: &[&str], ci: bool) -> Output {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path())
            .arg("run")
            .args(recordings)
            .args(["--browser-ws", &browser_ws()])
            .args(extra);
        if ci {
            cmd.env("CI", "true");
        }
        run(&mut cmd)
    }

    fn report(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.path("reel-report/report.json")).unwrap())
            .unwrap()
    }
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["checkpoints"].as_array().unwrap().iter())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn paint_box(png: &Path) {
    let mut img = image::open(png).unwrap().to_rgba8();
    for y in 40..90 {
        for x in 40..140 {
            img.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
        }
    }
    img.save(png).unwrap();
}

/// The raw `reSC` chunk (length, type, data, CRC) of a PNG file, if it has one.
fn stamp_chunk(png: &[u8]) -> Option<Vec<u8>> {
    let mut i = 8;
    while i + 12 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().unwrap()) as usize;
        if &png[i + 4..i + 8] == b"reSC" {
            return Some(png[i..i + 12 + len].to_vec());
        }
        i += 12 + len;
    }
    None
}

/// `paint_box`, keeping the baseline's stamp (as a tool that copies unknown chunks would).
fn paint_box_keeping_the_stamp(png: &Path) {
    let chunk = stamp_chunk(&std::fs::read(png).unwrap()).expect("a stamped baseline");
    paint_box(png);
    let mut bytes = std::fs::read(png).unwrap();
    let iend = bytes.len() - 12;
    bytes.splice(iend..iend, chunk);
    std::fs::write(png, bytes).unwrap();
}

/// `png` with its header saying one row fewer (the header's CRC made right again).
fn with_height_less_one(png: &[u8]) -> Vec<u8> {
    let mut out = png.to_vec();
    assert_eq!(&out[12..16], b"IHDR");
    let height = u32::from_be_bytes(out[20..24].try_into().unwrap());
    out[20..24].copy_from_slice(&(height - 1).to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&out[12..29]);
    out[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    out
}

fn mtimes(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(mtimes(&e.path()));
        } else {
            out.push((e.path(), e.metadata().unwrap().modified().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn baselines_lifecycle_changed_update_and_approve() {
    let ws = Workspace::new();
    let rec = ws.recording("rrweb-todomvc-angularjs/rrweb-events.json", "angular.json");

    // First run: every checkpoint is new, baselines and console.json are written.
    let o = ws.run(&[&rec], &[], false);
    assert_eq!(o.status.code(), Some(0));
    let first = statuses(&ws.report());
    assert!(!first.is_empty());
    assert!(first.iter().all(|(_, s)| s == "new"), "{first:?}");
    let baselines = ws.path("snapshots/angular");
    assert!(baselines.join("console.json").is_file());
    // Each baseline names the screenshot it was written from: the report's actual image.
    let report = ws.report();
    for cp in report["recordings"][0]["checkpoints"].as_array().unwrap() {
        let name = cp["name"].as_str().unwrap();
        let baseline = std::fs::read(baselines.join(format!("{name}.png"))).unwrap();
        let actual =
            std::fs::read(ws.path("reel-report").join(cp["actual"].as_str().unwrap())).unwrap();
        assert_eq!(
            reel::compare::provenance::written_from(&baseline),
            Some(reel::compare::provenance::digest(&actual)),
            "{name}"
        );
    }
    let before = mtimes(&baselines);

    // Unchanged rerun passes and rewrites nothing.
    let o = ws.run(&[&rec], &[], false);
    assert_eq!(o.status.code(), Some(0));
    assert!(statuses(&ws.report()).iter().all(|(_, s)| s == "pass"));
    assert_eq!(
        mtimes(&baselines),
        before,
        "unchanged baselines were rewritten"
    );

    // A baseline whose header was edited to another size, its image data and stamp kept, does
    // not pass as the screenshot it was written from.
    let edited = &first[0].0;
    let edited_path = baselines.join(format!("{edited}.png"));
    let original = std::fs::read(&edited_path).unwrap();
    std::fs::write(&edited_path, with_height_less_one(&original)).unwrap();
    let o = ws.run(&[&rec], &[], false);
    assert_ne!(o.status.code(), Some(0));
    let report = ws.report();
    let status = statuses(&report)
        .into_iter()
        .find(|(name, _)| name == edited)
        .map(|(_, s)| s);
    assert_ne!(status.as_deref(), Some("pass"), "{status:?}");
    std::fs::write(&edited_path, original).unwrap();

    // A baseline with a painted box fails with exactly that checkpoint changed, also when the
    // tool that painted it kept the stamp naming the screenshot it was written from.
    let victim = &first[first.len() / 2].0;
    paint_box_keeping_the_stamp(&baselines.join(format!("{victim}.png")));
    let o = ws.run(&[&rec], &[], false);
    assert_eq!(o.status.code(), Some(1));
    let report = ws.report();
    let changed: Vec<_> = statuses(&report)
        .into_iter()
        .filter(|(_, s)| s != "pass")
        .collect();
    assert_eq!(changed, vec![(victim.clone(), "changed".to_string())]);
    let cp = report["recordings"][0]["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == victim.as_str())
        .unwrap();
    let diff_pixels = cp["diff_pixels"].as_u64().unwrap();
    assert!(diff_pixels > 1000 && diff_pixels <= 5000, "{diff_pixels}");
    assert!(
        ws.path("reel-report")
            .join(cp["actual"].as_str().unwrap())
            .is_file()
    );
    assert!(
        ws.path("reel-report")
            .join(cp["diff"].as_str().unwrap())
            .is_file()
    );
    assert_eq!(report["recordings"][0]["status"], "fail");
    assert_eq!(report["summary"]["failed"], 1);

    // junit.xml parses and shows the failure with its numbers and attachments.
    let xml = std::fs::read_to_string(ws.path("reel-report/junit.xml")).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("junit.xml parses");
    assert_eq!(junit.failures, 1);
    assert!(xml.contains(&format!("{diff_pixels} pixels differ")));
    assert!(xml.contains("[[ATTACHMENT|"));

    // approve makes the next run pass.
    let o = run(reel()
        .current_dir(ws.dir.path())
        .args(["approve", &format!("angular/{victim}")]));
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains(victim.as_str()));
    let o = ws.run(&[&rec], &[], false);
    assert_eq!(o.status.code(), Some(0));

    // --update accepts a changed baseline and exits 0; the run after passes.
    paint_box(&baselines.join(format!("{victim}.png")));
    let o = ws.run(&[&rec], &["--update"], false);
    assert_eq!(o.status.code(), Some(0));
    assert!(statuses(&ws.report()).contains(&(victim.clone(), "updated".to_string())));
    let o = ws.run(&[&rec], &[], false);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn on_ci_missing_baselines_fail_and_nothing_is_written() {
    let ws = Workspace::new();
    let rec = ws.recording("rrweb-todomvc-angularjs/rrweb-events.json", "angular.json");
    let o = ws.run(&[&rec], &[], true);
    assert_eq!(o.status.code(), Some(1));
    assert!(statuses(&ws.report()).iter().all(|(_, s)| s == "missing"));
    assert!(!ws.path("snapshots").exists(), "baselines written on CI");
    // The actual screenshots are in the report, so they can be approved.
    let o = run(reel().current_dir(ws.dir.path()).arg("approve"));
    assert_eq!(o.status.code(), Some(0));
    let o = ws.run(&[&rec], &[], true);
    assert_eq!(o.status.code(), Some(0), "approved baselines pass on CI");
}

#[test]
fn a_new_console_error_fails_until_approved() {
    let ws = Workspace::new();
    let rec = ws.recording("rrweb-todomvc-angularjs/rrweb-events.json", "angular.json");
    assert_eq!(ws.run(&[&rec], &[], false).status.code(), Some(0));

    // The same session, now with the page logging an error half way through.
    let mut events: Vec<Value> = serde_json::from_slice(&std::fs::read(&rec).unwrap()).unwrap();
    let t0 = events[0]["timestamp"].as_i64().unwrap();
    let t1 = events.last().unwrap()["timestamp"].as_i64().unwrap();
    events.push(serde_json::json!({
        "type": 6,
        "data": {"plugin": "rrweb/console@1", "payload": {"level": "error", "payload": ["\"Injected failure: cart total is NaN\""], "trace": []}},
        "timestamp": (t0 + t1) / 2
    }));
    std::fs::write(&rec, serde_json::to_vec(&events).unwrap()).unwrap();

    let o = ws.run(&[&rec], &[], false);
    assert_eq!(o.status.code(), Some(1));
    let report = ws.report();
    let new_errors = report["recordings"][0]["console"]["new_errors"]
        .as_array()
        .unwrap();
    assert_eq!(new_errors.len(), 1);
    assert_eq!(
        new_errors[0]["message"],
        "Injected failure: cart total is NaN"
    );
    assert_eq!(report["recordings"][0]["status"], "fail");

    let o = run(reel()
        .current_dir(ws.dir.path())
        .args(["approve", "angular"]));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(ws.run(&[&rec], &[], false).status.code(), Some(0));
}

#[test]
fn duplicate_ids_and_bad_inputs() {
    let ws = Workspace::new();
    let a = ws.recording("rrweb-todomvc-angularjs/rrweb-events.json", "same.json");
    std::fs::create_dir(ws.path("other")).unwrap();
    let b = ws.path("other/same.json");
    std::fs::copy(&a, &b).unwrap();
    let o = ws.run(&[&a, &b], &[], false);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("same.json") && err.contains("other/same.json"),
        "{err}"
    );

    // A broken recording among good ones: the good one runs, the report lists both, exit 2.
    let bad = ws.path("broken.json");
    std::fs::write(&bad, b"[{\"type\": 4, \"timestamp\": ").unwrap();
    let o = ws.run(&[&a, &bad], &[], false);
    assert_eq!(o.status.code(), Some(2));
    let report = ws.report();
    // Recordings are listed by id: "broken" before "same".
    assert_eq!(report["recordings"][1]["status"], "pass");
    assert_eq!(report["recordings"][0]["status"], "error");
    assert!(
        report["recordings"][0]["error"]
            .as_str()
            .unwrap()
            .contains("broken.json")
    );
}

/// A page that replayed one recording replays the next one as a fresh page would: the same
/// frames, and nothing of the first recording's console or blocked requests.
#[test]
fn a_reused_player_page_replays_the_next_recording_as_a_fresh_one() {
    let ws = Workspace::new();
    let first = ws.recording("testbed-errors/rrweb-events.json", "a-testbed.json");
    let second = ws.recording(
        "rrweb-todomvc-angularjs/rrweb-events.json",
        "b-angular.json",
    );
    // One job: one page, given back after the first recording and loaded again for the second.
    let out = ws.run(
        &[&first, &second],
        &["--jobs", "1", "--update=missing", "--timings"],
        false,
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("player page again"),
        "the second recording did not reuse the page: {log}"
    );
    let fresh = ws.path("fresh");
    replay_into(&second, &fresh);
    let capture: Value =
        serde_json::from_slice(&std::fs::read(fresh.join("capture.json")).unwrap()).unwrap();
    let report = ws.report();
    let rec = recording_by_id(&report, "b-angular");
    let checkpoints = rec["checkpoints"].as_array().unwrap();
    assert_eq!(
        checkpoints.len(),
        capture["checkpoints"].as_array().unwrap().len()
    );
    for c in checkpoints {
        let name = c["name"].as_str().unwrap();
        let reused = decode_png(&ws.path("reel-report").join(c["actual"].as_str().unwrap()));
        assert!(
            reused == decode_png(&fresh.join(format!("{name}.png"))),
            "{name} differs between the reused page and a fresh one"
        );
    }
    assert_eq!(
        rec["blocked_requests"], capture["blocked_requests"],
        "{rec}"
    );
    assert_eq!(
        rec["console"]["errors"].as_array().unwrap().len(),
        capture["console"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["level"] == "error")
            .count(),
        "{rec}"
    );
}
