//! CI integration of a real run: the Markdown summary appended to `$GITHUB_STEP_SUMMARY`, one
//! `::error` line per failing recording with `$GITHUB_ACTIONS` (insta snapshots), junit testcases
//! with a `time`, and `report.json` / `capture.json` of the real binary validated against the JSON
//! Schemas of `docs/schema/` (with Python's `jsonschema`, installed by `scripts/install-deps`).

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Validates `doc` against the schema `docs/schema/<schema>`; the validator's messages, one a
/// line (empty: valid).
pub fn schema_errors(schema: &str, doc: &Path) -> String {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/schema")
        .join(schema);
    let script = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit("python3 has no jsonschema: run ./scripts/install-deps")
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
for e in jsonschema.Draft202012Validator(schema).iter_errors(doc):
    print("/".join(map(str, e.absolute_path)) + ": " + e.message)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(doc)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "validator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `· 1.2 s` → `· [s]` (the run's duration differs from run to run).
fn redact_seconds(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let redacted = match line.rfind("errors · ") {
            Some(p) if line.ends_with(" s") => format!("{}errors · [s]", &line[..p]),
            _ => line.to_string(),
        };
        out.push_str(&redacted);
        out.push('\n');
    }
    out
}

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn reel(&self, github: bool) -> Command {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path())
            .args(["run", "--browser-ws", &browser_ws(), "--jobs", "2"])
            .args(["calm.json", "changed.json", "broken.json"]);
        if github {
            cmd.env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_REPOSITORY", "acme/shop")
                .env("GITHUB_RUN_ID", "4242");
        }
        cmd
    }
}

#[test]
fn github_summary_annotations_junit_times_and_schema() {
    let r = Run {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::write(r.path("calm.json"), synthetic_recording("calm", None)).unwrap();
    std::fs::write(r.path("changed.json"), synthetic_recording("changed", None)).unwrap();
    std::fs::write(r.path("broken.json"), "[{\"type\": 2,").unwrap();
    // Baselines first (not on CI: nothing from GitHub is written or printed).
    let first = run(&mut r.reel(false));
    assert_eq!(
        first.status.code(),
        Some(2),
        "broken.json is an input error"
    );
    assert!(!r.path("summary.md").exists());
    assert!(!String::from_utf8_lossy(&first.stdout).contains("::error"));
    let changed = r.path("snapshots/changed/0001100-click.png");
    let mut img = image::open(&changed).unwrap().to_rgba8();
    for y in 100..140 {
        for x in 10..90 {
            img.put_pixel(x, y, image::Rgba([0, 0, 255, 255]));
        }
    }
    img.save(&changed).unwrap();

    let o = run(&mut r.reel(true));
    assert_eq!(o.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let annotations: String = stdout
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("github_annotations", annotations);
    let summary = std::fs::read_to_string(r.path("summary.md")).unwrap();
    insta::assert_snapshot!("github_step_summary", redact_seconds(&summary));

    // A second step appends, it does not replace.
    run(&mut r.reel(true));
    let twice = std::fs::read_to_string(r.path("summary.md")).unwrap();
    assert_eq!(twice.len(), 2 * summary.len(), "{twice}");

    // Every testcase has a time.
    let junit = std::fs::read_to_string(r.path("reel-report/junit.xml")).unwrap();
    let cases = junit.matches("<testcase ").count();
    assert!(cases >= 4, "{junit}");
    let timed = junit
        .split("<testcase ")
        .skip(1)
        .filter(|c| c[..c.find('>').unwrap()].contains(" time=\""))
        .count();
    assert_eq!(timed, cases, "{junit}");

    // report.json follows its schema; a broken one does not.
    let report = r.path("reel-report/report.json");
    assert_eq!(schema_errors("report.schema.json", &report), "");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    doc["recordings"][0]["status"] = "bogus".into();
    doc["summary"]["passed"] = (-1).into();
    let bad = r.path("bad.json");
    std::fs::write(&bad, doc.to_string()).unwrap();
    let errors = schema_errors("report.schema.json", &bad);
    assert!(errors.contains("recordings/0/status"), "{errors}");
    assert!(errors.contains("summary/passed"), "{errors}");
}
