//! `reel run --shard I/N` and `reel merge-reports`: shards partition the recordings exactly and
//! stably, and the merged report equals an unsharded run's apart from timings.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn reel(&self, args: &[&str]) -> Output {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path())
            .args(args)
            .env("CI", "true");
        run(&mut cmd)
    }
    fn run(&self, inputs: &[String], extra: &[&str]) -> Output {
        let ws = browser_ws();
        let mut args = vec!["run", "--browser-ws", &ws, "--jobs", "2"];
        args.extend(inputs.iter().map(String::as_str));
        args.extend_from_slice(extra);
        self.reel(&args)
    }
    fn report(&self, dir: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.path(dir).join("report.json")).unwrap()).unwrap()
    }
}

fn ids(report: &Value) -> Vec<String> {
    report["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out
}

#[test]
fn shards_partition_and_merge_like_one_run() {
    let ws = Workspace {
        dir: tempfile::tempdir().unwrap(),
    };
    let mut inputs = Vec::new();
    for i in 0..7 {
        let name = format!("rec-{i}.json");
        let error = (i % 3 == 0).then(|| format!("boom {i}"));
        std::fs::write(
            ws.path(&name),
            synthetic_recording(&format!("recording {i}"), error.as_deref()),
        )
        .unwrap();
        inputs.push(name);
    }
    // An unreadable input is an error entry and lands on a shard too.
    std::fs::write(ws.path("broken.json"), b"[{\"type\": 4,").unwrap();
    inputs.push("broken.json".into());

    // Baselines for all but one recording (written outside CI), one of them then changed.
    let o = {
        let mut cmd = reel();
        cmd.current_dir(ws.dir.path())
            .args(["run", "--browser-ws", &browser_ws(), "--out", "first"])
            .args(&inputs[..6]);
        run(&mut cmd)
    };
    assert_eq!(o.status.code(), Some(0));
    let first = ws.report("first");
    let cp = first["recordings"][1]["checkpoints"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let rec = first["recordings"][1]["id"].as_str().unwrap().to_string();
    let png = ws.path(&format!("snapshots/{rec}/{cp}.png"));
    let mut img = image::open(&png).unwrap().to_rgba8();
    for y in 10..30 {
        for x in 10..60 {
            img.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
        }
    }
    img.save(&png).unwrap();

    // One unsharded run, and three shards (on CI: nothing is written to the baselines).
    let full = ws.run(&inputs, &["--out", "full"]);
    let n = 3;
    let mut shard_ids: Vec<Vec<String>> = Vec::new();
    for i in 1..=n {
        let out = format!("s{i}");
        let o = ws.run(&inputs, &["--out", &out, "--shard", &format!("{i}/{n}")]);
        assert!(matches!(o.status.code(), Some(0..=2)), "{o:?}");
        shard_ids.push(ids(&ws.report(&out)));
    }
    // Exactly a partition of the unsharded run's recordings.
    let all: Vec<String> = ids(&ws.report("full"));
    assert_eq!(all.len(), 8);
    let mut union: Vec<String> = shard_ids.iter().flatten().cloned().collect();
    union.sort();
    assert_eq!(union, all, "no loss, no duplicates");
    assert!(shard_ids.iter().filter(|s| !s.is_empty()).count() >= 2);
    // Stable: the same shard again gets the same recordings, also from other inputs.
    let again = ws.run(&inputs[2..], &["--out", "again", "--shard", "2/3"]);
    assert!(again.status.code().is_some());
    let expected: Vec<String> = shard_ids[1]
        .iter()
        .filter(|id| !["rec-0", "rec-1"].contains(&id.as_str()))
        .cloned()
        .collect();
    assert_eq!(ids(&ws.report("again")), expected);

    // Merged = unsharded, apart from timings; same exit code; same files.
    let merged = ws.reel(&["merge-reports", "s1", "s2", "s3", "--out", "merged"]);
    assert_eq!(merged.status.code(), full.status.code());
    assert_eq!(
        without_timings(ws.report("merged")),
        without_timings(ws.report("full"))
    );
    let junit =
        |d: &str| redact_times(&std::fs::read_to_string(ws.path(d).join("junit.xml")).unwrap());
    assert_eq!(junit("merged"), junit("full"));
    assert_eq!(files(&ws.path("merged")), files(&ws.path("full")));
    assert!(files(&ws.path("full")).contains(&format!("expected/{rec}/{cp}.png")));
    assert!(ws.path("merged/index.html").is_file());

    // A recording in two reports is refused.
    let dup = ws.reel(&["merge-reports", "s1", "s1", "--out", "dup"]);
    if !shard_ids[0].is_empty() {
        assert_eq!(dup.status.code(), Some(2));
    }
    // Not a report: exit 2, nothing merged.
    std::fs::create_dir(ws.path("bad")).unwrap();
    std::fs::write(ws.path("bad/report.json"), b"{\"version\": 1").unwrap();
    assert_eq!(
        ws.reel(&["merge-reports", "s1", "bad", "--out", "nope"])
            .status
            .code(),
        Some(2)
    );
    assert!(!ws.path("nope/report.json").exists());
    // Merging into one of the inputs works too (its own files are left in place).
    ws.reel(&["merge-reports", "s1", "s2", "s3", "--out", "s1"]);
    assert_eq!(
        without_timings(ws.report("s1")),
        without_timings(ws.report("full"))
    );
    assert_eq!(files(&ws.path("s1")), files(&ws.path("full")));

    // Bad shard specs are usage errors.
    for bad in ["0/3", "4/3", "x"] {
        let o = ws.run(&inputs[..1], &["--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
    }
}
