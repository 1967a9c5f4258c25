//! report.json, junit.xml and the terminal summary of a real run, as insta snapshots (timings
//! redacted), and reproducibility: the same run twice gives the same report apart from timings.

use crate::common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn run(&self, ci: bool, extra: &[&str]) -> Output {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path())
            .args(["run", "--browser-ws", &browser_ws(), "--jobs", "2"])
            .args(["calm.json", "changed.json", "noisy.json"])
            .args(extra);
        if ci {
            cmd.env("CI", "true");
        }
        run(&mut cmd)
    }
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }
}

#[test]
fn outputs_are_stable_and_snapshotted() {
    let ws = Workspace {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::write(ws.path("calm.json"), synthetic_recording("calm", None)).unwrap();
    std::fs::write(
        ws.path("changed.json"),
        synthetic_recording("changed", None),
    )
    .unwrap();
    std::fs::write(
        ws.path("noisy.json"),
        synthetic_recording("noisy", Some("TypeError: x is undefined")),
    )
    .unwrap();
    // Baselines for calm and changed only (noisy's console baseline is then removed so its
    // error is new).
    assert_eq!(ws.run(false, &[]).status.code(), Some(0));
    std::fs::remove_dir_all(ws.path("snapshots/noisy")).unwrap();
    let changed = ws.path("snapshots/changed/0001100-click.png");
    let mut img = image::open(&changed).unwrap().to_rgba8();
    for y in 150..200 {
        for x in 200..300 {
            img.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
        }
    }
    img.save(&changed).unwrap();

    let o = ws.run(true, &[]);
    assert_eq!(o.status.code(), Some(1));
    let report_a = ws.read("reel-report/report.json");
    let junit_a = ws.read("reel-report/junit.xml");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        stdout.ends_with("report: reel-report/index.html (and report.json, junit.xml)\n"),
        "{stdout}"
    );
    // Plain lines (no TTY, NO_COLOR): no escape sequences.
    assert!(!stdout.contains('\x1b'));

    // Again: the same report apart from timings.
    let o = ws.run(true, &[]);
    assert_eq!(o.status.code(), Some(1));
    let zero = |s: &str| without_timings(serde_json::from_str::<Value>(s).unwrap());
    assert_eq!(zero(&report_a), zero(&ws.read("reel-report/report.json")));
    assert_eq!(
        redact_times(&junit_a),
        redact_times(&ws.read("reel-report/junit.xml"))
    );

    let mut report = zero(&report_a);
    // The browser is this machine's: named, the same for the run and its baselines, and left out
    // of the snapshot.
    let fields = report.as_object_mut().unwrap();
    let browser = fields
        .remove("browser")
        .expect("report.json names its browser");
    assert!(browser["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(fields.remove("baselines_browser"), Some(browser));
    insta::assert_snapshot!(
        "report.json",
        serde_json::to_string_pretty(&report).unwrap()
    );
    insta::assert_snapshot!("junit.xml", redact_times(&junit_a));
    let parsed: reel::report::RunReport = serde_json::from_value(report).unwrap();
    let summary = reel::report::terminal::render(&parsed, "reel-report");
    insta::assert_snapshot!("summary", String::from_utf8(summary).unwrap());

    // --quiet: only the summary. --junit-prefix: attachment paths from the project root.
    let o = ws.run(true, &["--quiet", "--junit-prefix", "reel-report/"]);
    let quiet = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(quiet.starts_with("\n3 recordings:"), "{quiet}");
    let junit = ws.read("reel-report/junit.xml");
    assert!(
        junit.contains("<system-out>[[ATTACHMENT|reel-report/diff/changed/0001100-click.png]]"),
        "{junit}"
    );
}
