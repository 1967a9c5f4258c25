//! Tests against the real recordings in `tests/data/recordings` (their README's counts are the
//! truth): every format, cv decompression, and blob / export / rrweb-events agreement.

use super::*;
use flate2::{Compression, write::GzEncoder};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/recordings")
        .join(rel)
}

fn load_ok(rel: &str) -> (Recording, Stats) {
    load_with_stats(&shared(rel), &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// (events after normalization, duration, full snapshots, clicks, viewports)
type Expect = (usize, i64, usize, usize, &'static [[u32; 2]]);

fn check(rel: &str, format: Format, raw: usize, windows: &[Expect]) -> Recording {
    let (rec, stats) = load_ok(rel);
    assert_eq!(rec.format, format, "{rel}");
    assert_eq!(stats.raw_events, raw, "{rel}: raw events");
    assert_eq!(rec.windows.len(), windows.len(), "{rel}: windows");
    for (w, want) in rec.windows.iter().zip(windows) {
        let s = WindowSummary::of(w);
        let got = (
            s.events,
            s.duration_ms,
            s.full_snapshots,
            s.clicks,
            &s.viewports[..],
        );
        assert_eq!(
            got,
            (want.0, want.1, want.2, want.3, want.4),
            "{rel}: window {}",
            w.id
        );
        let sorted = w
            .events
            .windows(2)
            .all(|p| p[0].timestamp <= p[1].timestamp);
        assert!(sorted, "{rel}: window {} not sorted", w.id);
    }
    assert!(
        rec.warnings.is_empty(),
        "{rel}: unexpected warnings {:?}",
        rec.warnings
    );
    rec
}

const SWAGGER: &[Expect] = &[(376, 32_140, 2, 15, &[[1280, 800], [1024, 700]])];
const TODOMVC: &[Expect] = &[
    (225, 32_088, 2, 13, &[[1024, 768], [800, 600]]),
    (50, 4_295, 1, 1, &[[1024, 768]]),
];
const TESTBED: &[Expect] = &[(283, 37_991, 1, 17, &[[1280, 800], [390, 844], [1280, 800]])];
// The first fixture window also resizes to 2560x476 (a ViewportResize the README summary omits).
const FIXTURES: &[Expect] = &[
    (29, 5_694, 1, 5, &[[2560, 1304], [2560, 476]]),
    (20, 4_641, 1, 3, &[[2560, 1304]]),
];

// The README counts include exact duplicates that normalization drops: swagger-ui has two extra
// `$recording_started` events, todomvc-backbone's second window one, testbed-errors one repeated
// ViewportResize. Raw counts must match the README; normalized counts are those minus duplicates.
#[test]
fn posthog_blob() {
    let r = check(
        "swagger-ui/posthog-blob.jsonl",
        Format::PosthogBlob,
        378,
        SWAGGER,
    );
    assert_eq!(r.id, "posthog-blob");
    check(
        "todomvc-backbone/posthog-blob.jsonl",
        Format::PosthogBlob,
        276,
        TODOMVC,
    );
    check(
        "testbed-errors/posthog-blob.jsonl",
        Format::PosthogBlob,
        284,
        TESTBED,
    );
}

#[test]
fn cv_counts_match_readme() {
    for (rel, cv) in [
        ("swagger-ui/posthog-blob.jsonl", 91),
        ("todomvc-backbone/posthog-blob.jsonl", 23),
        ("testbed-errors/posthog-blob.jsonl", 13),
    ] {
        let (rec, stats) = load_ok(rel);
        assert_eq!(stats.cv_events, cv, "{rel}");
        assert!(stats.expanded_bytes > 0);
        for w in &rec.windows {
            for e in &w.events {
                let v: Value = serde_json::from_str(e.json.get()).unwrap();
                assert!(v.get("cv").is_none() && v.get("windowId").is_none());
                if e.kind == EventType::FullSnapshot {
                    assert!(
                        v["data"]["node"].is_object(),
                        "{rel}: FullSnapshot not expanded"
                    );
                }
                if e.source == Some(IncrementalSource::MUTATION) {
                    for k in ["adds", "removes", "texts", "attributes"] {
                        assert!(!v["data"][k].is_string(), "{rel}: {k} not expanded");
                    }
                }
            }
        }
    }
}

#[test]
fn posthog_export() {
    let r = check(
        "swagger-ui/posthog-export.json",
        Format::PosthogExport,
        378,
        SWAGGER,
    );
    assert_eq!(r.id, "01a21de8-85b0-7aa8-8b1b-0e44c15f4fe3");
    assert_eq!(r.windows[0].id, "01a21de8-85b0-7aa8-8b1b-0e45be0acc3b");
    check(
        "todomvc-backbone/posthog-export.json",
        Format::PosthogExport,
        276,
        TODOMVC,
    );
    check(
        "testbed-errors/posthog-export.json",
        Format::PosthogExport,
        284,
        TESTBED,
    );
}

#[test]
fn rrweb_json() {
    check(
        "rrweb-todomvc-angularjs/rrweb-events.json",
        Format::RrwebJson,
        172,
        &[(172, 11_953, 2, 7, &[[1024, 768], [800, 600]])],
    );
    let r = check(
        "swagger-ui/rrweb-events.json",
        Format::RrwebJson,
        378,
        SWAGGER,
    );
    assert_eq!(r.windows[0].id, DEFAULT_WINDOW);
    assert_eq!(r.id, "rrweb-events");
}

#[test]
fn posthog_legacy_formats() {
    let a = check(
        "posthog-fixtures/recording_snapshots.jsonl",
        Format::PosthogBlobLegacy,
        49,
        FIXTURES,
    );
    let b = check(
        "posthog-fixtures/recording_snapshots.json",
        Format::PosthogApiLegacy,
        49,
        FIXTURES,
    );
    assert_eq!(sequences(&a), sequences(&b));
}

#[test]
fn testbed_console() {
    let (rec, _) = load_ok("testbed-errors/posthog-blob.jsonl");
    let s = WindowSummary::of(&rec.windows[0]);
    let level = |l: &str| s.console.iter().filter(|c| c.level == l).count();
    assert_eq!((level("error"), level("warn"), level("log")), (6, 1, 3));
    let errors: Vec<_> = s
        .console
        .iter()
        .filter(|c| c.level == "error")
        .map(|c| c.message.as_str())
        .collect();
    assert!(
        errors[0].contains("Testbed: failed to load widget"),
        "{errors:?}"
    );
    assert!(errors.iter().any(|m| {
        m.contains("Uncaught TypeError: Cannot read properties of undefined (reading 'items')")
    }));
    assert!(
        errors
            .iter()
            .any(|m| m.contains("API error") && m.contains("500")),
        "{errors:?}"
    );
}

/// (type, timestamp, parsed JSON) of each event, per window.
type Sequences = Vec<(String, Vec<(i64, i64, Value)>)>;

/// Per window: (type, timestamp, parsed JSON) — what "the same events" means.
fn sequences(r: &Recording) -> Sequences {
    r.windows
        .iter()
        .map(|w| {
            let evs = w
                .events
                .iter()
                .map(|e| {
                    let v: Value = serde_json::from_str(e.json.get()).unwrap();
                    (v["type"].as_i64().unwrap(), e.timestamp, v)
                })
                .collect();
            (w.id.clone(), evs)
        })
        .collect()
}

/// rrweb-events*.json as written by the recorder (already decompressed, no windowId), read with
/// plain serde_json and deduplicated here, independently of the code under test.
fn reference_events(rel: &str) -> Vec<(i64, i64, Value)> {
    let bytes = std::fs::read(shared(rel)).unwrap();
    let events: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let mut seen = std::collections::HashSet::new();
    events
        .into_iter()
        .filter(|e| seen.insert(e.to_string()))
        .map(|e| {
            (
                e["type"].as_i64().unwrap(),
                e["timestamp"].as_i64().unwrap(),
                e,
            )
        })
        .collect()
}

#[test]
fn blob_export_and_rrweb_events_agree() {
    for (dir, extra) in [
        ("swagger-ui", None),
        (
            "todomvc-backbone",
            Some("01a21dea-1d27-763e-a763-40f940256c7e"),
        ),
        ("testbed-errors", None),
    ] {
        let (blob, _) = load_ok(&format!("{dir}/posthog-blob.jsonl"));
        let (export, _) = load_ok(&format!("{dir}/posthog-export.json"));
        let blob = sequences(&blob);
        assert_eq!(blob, sequences(&export), "{dir}: blob vs export");
        let want = reference_events(&format!("{dir}/rrweb-events.json"));
        assert_eq!(
            blob[0].1, want,
            "{dir}: primary window vs rrweb-events.json"
        );
        if let Some(w) = extra {
            let want = reference_events(&format!("{dir}/rrweb-events.{w}.json"));
            assert_eq!(blob[1].0, w);
            assert_eq!(blob[1].1, want, "{dir}: window {w}");
        }
    }
}

#[test]
fn gzipped_input_is_detected_by_content() {
    let bytes = std::fs::read(shared("testbed-errors/posthog-blob.jsonl")).unwrap();
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(&bytes).unwrap();
    let gz = enc.finish().unwrap();
    let plain = parse_bytes(&bytes, Path::new("x.jsonl"), &Limits::default()).unwrap();
    // A misleading extension on purpose: detection never looks at it.
    let zipped = parse_bytes(&gz, Path::new("x.txt"), &Limits::default()).unwrap();
    assert!(zipped.gzipped && !plain.gzipped);
    assert_eq!(zipped.format, Format::PosthogBlob);
    assert_eq!(sequences(&plain), sequences(&zipped));
}

#[test]
fn crlf_and_rrweb_jsonl_with_window_ids() {
    let bytes = std::fs::read(shared("todomvc-backbone/posthog-blob.jsonl")).unwrap();
    // Rewrite each `[wid, event]` line as an event carrying its own `windowId`, with CRLF endings.
    let mut out = String::new();
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let [wid, mut ev]: [Value; 2] = serde_json::from_slice(line).unwrap();
        ev["windowId"] = wid;
        out.push_str(&ev.to_string());
        out.push_str("\r\n");
    }
    let jsonl = parse_bytes(out.as_bytes(), Path::new("s.jsonl"), &Limits::default()).unwrap();
    assert_eq!(jsonl.format, Format::RrwebJsonl);
    let blob = parse_bytes(&bytes, Path::new("b.jsonl"), &Limits::default()).unwrap();
    assert_eq!(sequences(&jsonl), sequences(&blob));
}

#[test]
fn packed_events_unpack_to_the_same_stream() {
    let bytes = std::fs::read(shared("rrweb-todomvc-angularjs/rrweb-events.json")).unwrap();
    let events: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    // What @rrweb/packer's `pack` does to every event: add `v: "v1"`, zlib, latin-1 string.
    let packed: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e["v"] = Value::from("v1");
            Value::from(super::packer::tests::pack(&e.to_string()))
        })
        .collect();
    let text = serde_json::to_vec(&packed).unwrap();
    let (rec, stats) =
        parse_bytes_with_stats(&text, Path::new("p.json"), &Limits::default()).unwrap();
    let plain = parse_bytes(&bytes, Path::new("p.json"), &Limits::default()).unwrap();
    assert_eq!(rec.format, Format::RrwebJson);
    assert_eq!(stats.packed_events, 172);
    assert_eq!(sequences(&rec), sequences(&plain));
}

#[test]
fn export_2022_12_02_and_numeric_window_ids() {
    let legacy: Value = serde_json::from_slice(
        &std::fs::read(shared("posthog-fixtures/recording_snapshots.json")).unwrap(),
    )
    .unwrap();
    let old = serde_json::json!({
        "version": "2022-12-02",
        "data": {"person": null, "snapshotsByWindowId": legacy["snapshot_data_by_window_id"]}
    });
    let a = parse_bytes(
        old.to_string().as_bytes(),
        Path::new("old.json"),
        &Limits::default(),
    )
    .unwrap();
    let b = load(
        &shared("posthog-fixtures/recording_snapshots.json"),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(a.format, Format::PosthogExport);
    assert_eq!(sequences(&a), sequences(&b));

    // Newer exports number the windows.
    let mut snapshots = Vec::new();
    for (n, (_, events)) in legacy["snapshot_data_by_window_id"]
        .as_object()
        .unwrap()
        .iter()
        .enumerate()
    {
        for e in events.as_array().unwrap() {
            let mut e = e.clone();
            e["windowId"] = Value::from(n + 1);
            snapshots.push(e);
        }
    }
    let new =
        serde_json::json!({"version": "2023-04-28", "data": {"id": "s/1", "snapshots": snapshots}});
    let c = parse_bytes(
        new.to_string().as_bytes(),
        Path::new("new.json"),
        &Limits::default(),
    )
    .unwrap();
    let ids: Vec<_> = c.windows.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    assert!(!c.id.contains('/'), "session id is sanitized: {}", c.id);
    let strip = |s: Sequences| s.into_iter().map(|(_, e)| e).collect::<Vec<_>>();
    assert_eq!(strip(sequences(&c)), strip(sequences(&b)));
}

#[test]
fn unknown_cv_warns_and_missing_meta_is_synthesized() {
    let text = concat!(
        r#"["w",{"type":2,"data":{"node":{"type":0,"childNodes":[],"id":1}},"timestamp":10}]"#,
        "\n",
        r#"["w",{"type":3,"data":{"source":4,"width":390,"height":844},"timestamp":20}]"#,
        "\n",
        r#"["w",{"type":3,"data":{"source":0,"adds":"??","removes":[],"texts":[],"attributes":[]},"timestamp":30,"cv":"2099-01"}]"#,
        "\n",
    );
    let (rec, stats) =
        parse_bytes_with_stats(text.as_bytes(), Path::new("w.jsonl"), &Limits::default()).unwrap();
    assert_eq!(stats.synthesized_meta, 1);
    assert_eq!(rec.windows[0].events[0].kind, EventType::Meta);
    assert_eq!(rec.windows[0].events.len(), 4);
    assert!(
        rec.warnings.iter().any(|w| w.contains("390x844")),
        "{:?}",
        rec.warnings
    );
    assert!(
        rec.warnings.iter().any(|w| w.contains("2099-01")),
        "{:?}",
        rec.warnings
    );
}

/// Cut and corrupted versions of real files (deterministic pseudo-random): an error or a
/// recording, never a panic.
#[test]
fn mangled_inputs_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for rel in [
        "testbed-errors/posthog-blob.jsonl",
        "posthog-fixtures/recording_snapshots.json",
        "posthog-fixtures/recording_snapshots.jsonl",
    ] {
        let bytes = std::fs::read(shared(rel)).unwrap();
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(&bytes).unwrap();
        let gz = enc.finish().unwrap();
        for round in 0..60 {
            let base = if round % 3 == 0 { &gz } else { &bytes };
            let mut b = base.clone();
            match round % 4 {
                0 | 1 => b.truncate(next() as usize % b.len()),
                _ => {
                    for _ in 0..1 + next() % 8 {
                        let i = next() as usize % b.len();
                        b[i] = next() as u8;
                    }
                }
            }
            let _ = parse_bytes(&b, Path::new("m.json"), &Limits::default());
        }
    }
}

#[test]
fn limits_are_enforced() {
    let few = Limits {
        max_events: 100,
        ..Limits::default()
    };
    let err = load(&shared("swagger-ui/posthog-blob.jsonl"), &few).unwrap_err();
    assert!(
        err.to_string().contains("line 101: more than 100 events"),
        "{err}"
    );
    let small = Limits {
        max_event_bytes: 10_000,
        ..Limits::default()
    };
    let err = load(&shared("swagger-ui/posthog-blob.jsonl"), &small).unwrap_err();
    assert!(
        matches!(err, RecordingError::TooLarge { limit: 10_000, .. }),
        "{err}"
    );
    let tiny = Limits {
        max_recording_bytes: 100_000,
        ..Limits::default()
    };
    let err = load(&shared("swagger-ui/posthog-export.json"), &tiny).unwrap_err();
    assert!(matches!(err, RecordingError::TooLarge { .. }), "{err}");
}

#[test]
fn byte_order_mark_and_blank_lines_are_tolerated() {
    let bytes = std::fs::read(shared("rrweb-todomvc-angularjs/rrweb-events.json")).unwrap();
    let mut with_bom = b"\xEF\xBB\xBF\n\n".to_vec();
    with_bom.extend_from_slice(&bytes);
    let a = parse_bytes(&with_bom, Path::new("a.json"), &Limits::default()).unwrap();
    let b = parse_bytes(&bytes, Path::new("b.json"), &Limits::default()).unwrap();
    assert_eq!(sequences(&a), sequences(&b));
}
