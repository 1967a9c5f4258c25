//! Which browser made the screenshots: `reel --version` names the browser a run would use,
//! `report.json` and the HTML report name the one a run used, `reel-baselines.json` beside the
//! baselines names the one that made them (written by the first run that writes baselines,
//! rewritten by `--update` and `reel approve`, never on CI), and the summary says in one line when
//! the two differ.

use crate::common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, extra: &[&str], ci: bool) -> Output {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path())
            .args(["run", "calm.json", "--browser-ws", &browser_ws()])
            .args(extra);
        if ci {
            cmd.env("CI", "true");
        }
        run(&mut cmd)
    }

    fn json(&self, rel: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.path(rel)).unwrap()).unwrap()
    }

    fn record(&self) -> Value {
        self.json("snapshots/reel-baselines.json")
    }

    fn set_record_browser(&self, browser: &Value) {
        let mut record = self.record();
        record["browser"] = browser.clone();
        std::fs::write(
            self.path("snapshots/reel-baselines.json"),
            serde_json::to_vec_pretty(&record).unwrap(),
        )
        .unwrap();
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The product name the shared test browser reports on its DevTools HTTP endpoint
/// (`/json/version`; it answers HTTP/1.1 only and keeps the connection open).
fn shared_browser_product() -> String {
    use std::io::{Read, Write};
    let ws = browser_ws();
    let host = ws
        .strip_prefix("ws://")
        .and_then(|r| r.split('/').next())
        .unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /json/version HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap();
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some(at) = text.find("\r\n\r\n") {
            let length: usize = text[..at]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .unwrap();
            if answer.len() >= at + 4 + length {
                let v: Value = serde_json::from_slice(&answer[at + 4..at + 4 + length]).unwrap();
                return v["Browser"].as_str().unwrap().to_string();
            }
        }
        assert!(n > 0, "{text}");
    }
}

fn paint_box(png: &Path) {
    let mut img = image::open(png).unwrap().to_rgba8();
    for y in 20..60 {
        for x in 20..120 {
            img.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
        }
    }
    img.save(png).unwrap();
}

#[test]
fn the_browser_is_recorded_checked_and_rewritten_on_update() {
    let ws = Workspace {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::write(ws.path("calm.json"), synthetic_recording("calm", None)).unwrap();
    let product = shared_browser_product();
    let (name, version) = product.split_once('/').unwrap();
    let ours = json!({
        "product": product,
        "version": version,
        "headless_shell": name == "HeadlessChrome",
    });

    // First run (not CI): baselines written, and beside them the browser that made them.
    let o = ws.run(&[], false);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(ws.json("reel-report/report.json")["browser"], ours);
    assert_eq!(
        ws.json("reel-report/report.json")["baselines_browser"],
        Value::Null
    );
    let record = ws.record();
    assert_eq!(record["browser"], ours);
    assert_eq!(record["reel"], env!("CARGO_PKG_VERSION"));
    assert!(!stdout(&o).contains("browser changed"), "{}", stdout(&o));
    let html = std::fs::read_to_string(ws.path("reel-report/index.html")).unwrap();
    assert!(html.contains(&format!("\"product\":\"{product}\"")));

    // Baselines made by another browser: the summary says so in one line, before the failures.
    let older = json!({
        "product": "HeadlessChrome/120.0.6099.0",
        "version": "120.0.6099.0",
        "headless_shell": true,
    });
    ws.set_record_browser(&older);
    let changed = ws.path("snapshots/calm/0001100-click.png");
    paint_box(&changed);
    let o = ws.run(&[], true);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let kind = if name == "HeadlessChrome" {
        "headless shell"
    } else {
        "headless mode"
    };
    let line = format!(
        "browser changed: this run used {product} ({kind}), the baselines were made with \
         HeadlessChrome/120.0.6099.0 (headless shell)\n"
    );
    let at = out.find(&line).unwrap_or_else(|| panic!("{out}"));
    assert!(at < out.find("status recording").unwrap(), "{out}");
    assert_eq!(out.matches("browser changed").count(), 1);
    let report = ws.json("reel-report/report.json");
    assert_eq!(report["browser"], ours);
    assert_eq!(report["baselines_browser"], older);
    // CI never writes the record; nor does a plain run when one exists.
    assert_eq!(ws.record()["browser"], older);
    assert_eq!(ws.run(&[], false).status.code(), Some(1));
    assert_eq!(ws.record()["browser"], older);

    // --update accepts the change and rewrites the record.
    let o = ws.run(&["--update"], false);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("browser changed"));
    assert_eq!(ws.record()["browser"], ours);
    assert!(!stdout(&ws.run(&[], true)).contains("browser changed"));

    // reel approve promotes what the report's browser made: the record follows.
    ws.set_record_browser(&older);
    paint_box(&changed);
    assert_eq!(ws.run(&[], true).status.code(), Some(1));
    let o = run(reel()
        .current_dir(ws.dir.path())
        .args(["approve", "calm/0001100-click"]));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(ws.record()["browser"], ours);

    // An unreadable record is reported and replaced by the next run that may write baselines.
    std::fs::write(ws.path("snapshots/reel-baselines.json"), b"{\"browser\": 1").unwrap();
    let o = ws.run(&[], false);
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("reel-baselines.json: not a record of the browser that made the baselines"),
        "{stderr}"
    );
    assert_eq!(ws.record()["browser"], ours);
}

#[test]
fn version_names_reel_rrweb_and_the_browser() {
    let pinned: Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("player/package.json")).unwrap(),
    )
    .unwrap();
    let rrweb = pinned["dependencies"]["rrweb"].as_str().unwrap();
    let o = run(reel().arg("--version"));
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let features: Vec<&str> = [
        ("object-store", cfg!(feature = "object-store")),
        ("posthog", cfg!(feature = "posthog")),
    ]
    .into_iter()
    .filter_map(|(f, on)| on.then_some(f))
    .collect();
    let features = if features.is_empty() {
        "none".to_string()
    } else {
        features.join(", ")
    };
    assert_eq!(
        lines[0],
        format!("reel {} (features: {features})", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(lines[1], format!("rrweb {rrweb} (embedded)"));
    let exe = reel::replay::find_chrome(None).unwrap();
    let says = std::process::Command::new(&exe)
        .arg("--version")
        .output()
        .unwrap();
    let says = String::from_utf8_lossy(&says.stdout).trim().to_string();
    let kind = if reel::replay::is_headless_shell(&exe) {
        "headless shell"
    } else {
        "headless mode"
    };
    assert_eq!(
        lines[2],
        format!("browser: {} ({says}, {kind})", exe.display())
    );
    assert_eq!(lines.len(), 3);

    let o = run(reel().arg("-V").env("REEL_CHROME", "/nonexistent/chrome"));
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(
            "browser: no Chromium found (REEL_CHROME=/nonexistent/chrome is not an executable file)"
        ),
        "{}",
        stdout(&o)
    );
    let o = run(reel()
        .arg("--version")
        .env("REEL_BROWSER_WS", "ws://127.0.0.1:9/devtools/browser/x"));
    assert!(
        stdout(&o).ends_with(
            "browser: attaches to ws://127.0.0.1:9/devtools/browser/x (REEL_BROWSER_WS)\n"
        )
    );
}
