//! `reel inspect` end to end: the real binary on the shared recordings (insta snapshots of the
//! human and `--json` output) and on `tests/fixtures/bad/` (exit 2, one line naming the file).

use std::path::Path;
use std::process::{Command, Output};

fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("inspect")
        .args(args)
        .output()
        .expect("run reel")
}

/// Every shared recording, by path relative to the crate root (stable in snapshots).
const SHARED: &[&str] = &[
    "tests/data/recordings/swagger-ui/posthog-blob.jsonl",
    "tests/data/recordings/swagger-ui/posthog-export.json",
    "tests/data/recordings/swagger-ui/rrweb-events.json",
    "tests/data/recordings/todomvc-backbone/posthog-blob.jsonl",
    "tests/data/recordings/todomvc-backbone/posthog-export.json",
    "tests/data/recordings/testbed-errors/posthog-blob.jsonl",
    "tests/data/recordings/testbed-errors/posthog-export.json",
    "tests/data/recordings/rrweb-todomvc-angularjs/rrweb-events.json",
    "tests/data/recordings/posthog-fixtures/recording_snapshots.jsonl",
    "tests/data/recordings/posthog-fixtures/recording_snapshots.json",
];

/// A snapshot name from a shared path: `swagger-ui__posthog-blob.jsonl`.
fn snapshot_name(path: &str) -> String {
    path.trim_start_matches("tests/data/recordings/")
        .replace('/', "__")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8 output")
}

#[test]
fn human_output() {
    for path in SHARED {
        let text = stdout(&reel(&[path]));
        insta::assert_snapshot!(format!("human__{}", snapshot_name(path)), text);
    }
}

#[test]
fn json_output() {
    for path in SHARED {
        let text = stdout(&reel(&["--json", path]));
        assert_eq!(text.lines().count(), 1, "one object per file");
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        for key in ["format", "id", "events", "warnings", "windows"] {
            assert!(value.get(key).is_some(), "{path}: no {key}");
        }
        insta::assert_json_snapshot!(format!("json__{}", snapshot_name(path)), value);
    }
}

#[test]
fn several_files_give_one_object_each() {
    let out = reel(&["--json", SHARED[0], SHARED[7]]);
    let text = stdout(&out);
    let formats: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["format"].to_string())
        .collect();
    assert_eq!(formats, ["\"posthog-blob\"", "\"rrweb-json\""]);
}

#[test]
fn a_bad_file_among_good_ones_still_fails() {
    let out = reel(&[SHARED[7], "tests/fixtures/bad/truncated-line.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rrweb-json"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("truncated-line.jsonl: line 3:"), "{err}");
}

#[test]
fn gzip_is_detected_by_content_not_name() {
    use std::io::Write;
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(SHARED[5].trim_start_matches("./")),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.bin");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&bytes).unwrap();
    std::fs::write(&path, enc.finish().unwrap()).unwrap();
    let text = stdout(&reel(&["--json", path.to_str().unwrap()]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "posthog-blob");
    assert_eq!(v["gzipped"], true);
    assert_eq!(v["events"], 283);
}

/// Extra flags some broken inputs need (the bombs use small limits so the test stays fast; the
/// same code path guards the defaults).
fn flags_for(name: &str) -> &'static [&'static str] {
    match name {
        "gzip-bomb.json.gz" => &["--max-recording-bytes", "1000000"],
        "cv-bomb.jsonl" => &["--max-event-bytes", "1000000"],
        _ => &[],
    }
}

#[test]
fn bad_inputs_fail_with_one_line_naming_the_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    assert!(names.len() >= 15, "only {} broken inputs", names.len());
    let mut report = String::new();
    for name in &names {
        let rel = format!("tests/fixtures/bad/{name}");
        let mut args: Vec<&str> = flags_for(name).to_vec();
        args.push(&rel);
        let out = reel(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}: partial output");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(
            err.starts_with(&format!("error: {rel}: ")),
            "{name}: does not name the file: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        report.push_str(&err);
    }
    insta::assert_snapshot!("bad_inputs", report);
}

#[test]
fn unreadable_paths_fail_with_one_line() {
    for (path, want) in [
        ("tests/fixtures/missing.json", "cannot read: No such file"),
        ("tests/fixtures", "is a directory"),
    ] {
        let out = reel(&[path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("error: {path}: ")) && err.contains(want),
            "{err}"
        );
        assert_eq!(
            err.matches("os error").count(),
            err.contains("os error") as usize,
            "{err}"
        );
    }
}
