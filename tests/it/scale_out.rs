//! Scale-out as `docs/ci.md` shows it: `scripts/browser-pool` starts headless Chromium processes
//! of their own with reel's launch flags, `reel run --browser-ws URL1,URL2 --shard I/N` spreads the
//! work over them, `reel merge-reports` gives the report one run would have written, and the pool
//! stops cleanly.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The pool of one test; stopped on drop, also when the test fails.
struct Pool {
    dir: PathBuf,
}

impl Pool {
    fn script(&self, args: &[&str]) -> Output {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser-pool");
        Command::new(script)
            .args(args)
            .env("REEL_POOL_DIR", &self.dir)
            .output()
            .expect("scripts/browser-pool runs")
    }

    fn pids(&self) -> Vec<u32> {
        std::fs::read_to_string(self.dir.join("pids"))
            .unwrap()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let _ = self.script(&["stop"]);
    }
}

/// The command line of process `pid`.
fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap_or_default()
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Whether any live (not zombie) process still belongs to process group `pgid`.
fn group_alive(pgid: u32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read_to_string(e.path().join("stat")).is_ok_and(|stat| {
            // The fields after the command name (in parentheses): state ppid pgrp …
            stat.rsplit_once(')').is_some_and(|(_, rest)| {
                let fields: Vec<&str> = rest.split_whitespace().collect();
                fields.first() != Some(&"Z") && fields.get(2) == Some(&pgid.to_string().as_str())
            })
        })
    })
}

fn ids(report: &Value) -> Vec<String> {
    report["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_pool_of_browsers_runs_shards_that_merge_like_one_run() {
    let work = tempfile::tempdir().unwrap();
    let pool = Pool {
        dir: work.path().join("pool"),
    };
    let started = pool.script(&["start", "2"]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let line = String::from_utf8(started.stdout).unwrap();
    let urls: Vec<&str> = line.trim().split(',').collect();
    assert_eq!(urls.len(), 2, "{line}");
    for u in &urls {
        assert!(
            u.starts_with("ws://127.0.0.1:") && u.contains("/devtools/browser/"),
            "{u}"
        );
    }
    assert_ne!(urls[0], urls[1]);
    assert_eq!(
        pool.script(&["urls"]).stdout,
        format!("{}\n", line.trim()).into_bytes()
    );

    // Separate processes, each leading its own group, started with exactly reel's flags (the
    // group leader is the browser or the distribution's one-line launcher script in front of it).
    let pids = pool.pids();
    assert_eq!(pids.len(), 2);
    for (i, pid) in pids.iter().enumerate() {
        let args = cmdline(*pid);
        let first_flag = args
            .iter()
            .position(|a| a == "--headless")
            .unwrap_or_else(|| panic!("{args:?}"));
        let profile = pool.dir.join(format!("profile-{}", i + 1));
        assert_eq!(
            args[first_flag..],
            reel::replay::launch_flags(&profile, false)[..],
            "browser {} is not started with reel's flags",
            i + 1
        );
    }

    // Six recordings, baselines made through the pool, then two shards on CI over the same pool.
    let inputs: Vec<String> = (0..6)
        .map(|i| {
            let name = format!("rec-{i}.json");
            let error = (i % 2 == 0).then(|| format!("boom {i}"));
            std::fs::write(
                work.path().join(&name),
                synthetic_recording(&format!("recording {i}"), error.as_deref()),
            )
            .unwrap();
            name
        })
        .collect();
    let ws_list = urls.join(",");
    let reel_run = |extra: &[&str], ci: bool| {
        let mut cmd = reel();
        cmd.current_dir(work.path())
            .args(["run", "--browser-ws", &ws_list, "--jobs", "2"])
            .args(&inputs)
            .args(extra);
        if ci {
            cmd.env("CI", "true");
        }
        run(&mut cmd)
    };
    assert_eq!(reel_run(&["--out", "first"], false).status.code(), Some(0));
    let full = reel_run(&["--out", "full"], true);
    assert_eq!(full.status.code(), Some(0));
    for i in 1..=2 {
        let o = reel_run(
            &["--out", &format!("s{i}"), "--shard", &format!("{i}/2")],
            true,
        );
        assert_eq!(o.status.code(), Some(0));
    }
    let merged =
        run(reel()
            .current_dir(work.path())
            .args(["merge-reports", "s1", "s2", "--out", "merged"]));
    assert_eq!(merged.status.code(), Some(0));

    let report = |d: &str| -> Value {
        serde_json::from_slice(&std::fs::read(work.path().join(d).join("report.json")).unwrap())
            .unwrap()
    };
    assert!(!ids(&report("s1")).is_empty() && !ids(&report("s2")).is_empty());
    assert_eq!(
        without_timings(report("merged")),
        without_timings(report("full"))
    );
    assert_eq!(ids(&report("merged")).len(), 6);
    assert_eq!(report("merged")["summary"]["passed"], 6);
    let product = report("merged")["browser"]["product"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(product.contains("Chrome/"), "{product}");

    // Stopped: every process of both groups gone, profiles removed.
    let stopped = pool.script(&["stop"]);
    assert!(stopped.status.success());
    for pid in &pids {
        let gone = (0..50).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            !group_alive(*pid)
        });
        assert!(gone, "browser group {pid} still runs after stop");
    }
    assert!(!pool.dir.exists());
}
