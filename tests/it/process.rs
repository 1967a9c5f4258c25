//! Process-level faults: a browser killed mid-run, Ctrl-C mid-run, `kill -9` during `approve`.
//! These tests let reel launch its own browser, since that is what they disturb.

use crate::common::*;
use crate::processes::*;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn copies(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("session{i}.json"));
            std::fs::copy(recording("rrweb-todomvc-angularjs/rrweb-events.json"), &p).unwrap();
            p
        })
        .collect()
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(temp_files(&p));
            } else if p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".reel-tmp-")
            {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_browser_killed_mid_run_is_replaced_and_the_run_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let recs = copies(dir.path(), 3);
    let mut child = reel()
        .current_dir(dir.path())
        .arg("run")
        .args(&recs)
        .args(["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let browser = launched_browser(child.id(), Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(1500));
    unsafe {
        libc::kill(browser as i32, libc::SIGKILL);
    }
    let status = wait_exit(&mut child, Duration::from_secs(120)).expect("reel finishes");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reel-report/report.json")).unwrap())
            .unwrap();
    let recordings = report["recordings"].as_array().unwrap();
    assert_eq!(recordings.len(), 3, "the report lists every recording");
    for r in recordings {
        let s = r["status"].as_str().unwrap();
        assert!(s == "pass" || s == "error", "{r}");
        if s == "error" {
            assert!(!r["error"].as_str().unwrap().is_empty());
        }
    }
    // The killed browser was replaced: later recordings passed.
    assert_eq!(recordings[2]["status"], "pass", "{report}");
    assert!(matches!(status.code(), Some(0) | Some(3)), "{status:?}");
    assert!(!alive(browser));
}

#[test]
fn ctrl_c_stops_promptly_closes_the_browser_and_writes_a_partial_report() {
    let dir = tempfile::tempdir().unwrap();
    let recs = copies(dir.path(), 8);
    let mut child = reel()
        .current_dir(dir.path())
        .arg("run")
        .args(&recs)
        .args(["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let browser = launched_browser(child.id(), Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(2500));
    let sent = Instant::now();
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = wait_exit(&mut child, Duration::from_secs(10)).expect("reel stops after SIGINT");
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!alive(browser), "browser {browser} left running");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reel-report/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["complete"], false);
    assert_eq!(report["recordings"].as_array().unwrap().len(), 8);
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
}

#[test]
fn kill_9_during_approve_leaves_every_baseline_decodable() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("angular.json");
    std::fs::copy(recording("rrweb-todomvc-angularjs/rrweb-events.json"), &rec).unwrap();
    let ws = browser_ws();
    // Baselines, then a run where every baseline differs.
    let o = run(reel()
        .current_dir(dir.path())
        .arg("run")
        .arg(&rec)
        .args(["--browser-ws", &ws]));
    assert_eq!(o.status.code(), Some(0));
    let baselines = dir.path().join("snapshots/angular");
    let pngs: Vec<PathBuf> = std::fs::read_dir(&baselines)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    for p in &pngs {
        let mut img = image::open(p).unwrap().to_rgba8();
        for px in img.pixels_mut().take(20_000) {
            px.0 = [0, 128, 255, 255];
        }
        img.save(p).unwrap();
    }
    let o = run(reel()
        .current_dir(dir.path())
        .arg("run")
        .arg(&rec)
        .args(["--browser-ws", &ws]));
    assert_eq!(o.status.code(), Some(1));

    for delay_ms in [5u64, 20, 40, 80] {
        let mut child = reel()
            .current_dir(dir.path())
            .arg("approve")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        for p in &pngs {
            image::open(p).unwrap_or_else(|e| panic!("{} no longer decodes: {e}", p.display()));
        }
    }
}
