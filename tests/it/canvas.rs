//! Canvas replay in real Chromium: the testbed recording's canvas (74 `CanvasMutation` events) is
//! drawn by default, the same pixels in two replays, blank with `--no-canvas` (and said so); with
//! canvas on (rrweb adds `allow-scripts` to the replay iframe) a recording's scripts, inline
//! handlers and `javascript:` URLs still do not run.

use crate::ci::schema_errors;
use crate::common::*;
use serde_json::{Value, json};
use std::path::Path;

fn replay(recording: &Path, out: &Path, extra: &[&str]) -> Value {
    let o = run(reel()
        .args(["replay", "--browser-ws", &browser_ws(), "--window", "all"])
        .arg(recording)
        .arg("--out")
        .arg(out)
        .args(extra));
    assert_eq!(o.status.code(), Some(0));
    let capture = out.join("capture.json");
    assert_eq!(schema_errors("capture.schema.json", &capture), "");
    serde_json::from_slice(&std::fs::read(capture).unwrap()).unwrap()
}

fn pngs(capture: &Value) -> Vec<String> {
    capture["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn testbed_canvas_is_drawn_the_same_twice_and_blank_with_no_canvas() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recording("testbed-errors/posthog-blob.jsonl");
    let (a, b, off) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("off"),
    );
    let cap_a = replay(&rec, &a, &[]);
    assert_eq!(replay(&rec, &b, &[])["canvas"], "replayed");
    let cap_off = replay(&rec, &off, &["--no-canvas"]);
    assert_eq!(cap_a["canvas"], "replayed");
    assert_eq!(cap_off["canvas"], "off");
    assert!(
        cap_a["replay_sandbox"]
            .as_str()
            .unwrap()
            .contains("allow-scripts")
    );
    assert_eq!(cap_off["replay_sandbox"], "allow-same-origin");
    let files = pngs(&cap_a);
    assert_eq!(files, pngs(&cap_off));
    let mut drawn = 0;
    for f in &files {
        let (wa, ha, pa) = decode_png(&a.join(f));
        let (wb, hb, pb) = decode_png(&b.join(f));
        assert_eq!((wa, ha), (wb, hb), "{f}");
        assert!(
            pa == pb,
            "{f}: two replays with canvas paint different pixels"
        );
        if pa != decode_png(&off.join(f)).2 {
            drawn += 1;
        }
    }
    // The canvas is drawn from its first frame on; before it, and where it is scrolled out of
    // the phone-sized viewport, the screenshots are the same.
    assert!(
        drawn >= files.len() / 2,
        "only {drawn} of {} screenshots show the canvas",
        files.len()
    );

    // A recording without canvas data says none, and the report of a run says off.
    let plain = replay(
        &recording("swagger-ui/posthog-blob.jsonl"),
        &dir.path().join("plain"),
        &[],
    );
    assert_eq!(plain["canvas"], "none");
    assert_eq!(plain["replay_sandbox"], "allow-same-origin");
    let o = run(reel()
        .current_dir(dir.path())
        .args([
            "run",
            "--browser-ws",
            &browser_ws(),
            "--no-canvas",
            "--max-checkpoints",
            "2",
        ])
        .arg(&rec));
    assert_eq!(o.status.code(), Some(0));
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reel-report/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["recordings"][0]["canvas"], "off");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("canvas not replayed"), "{stdout}");
}

/// An rrweb recording whose page carries every way a page runs script: a `<script>`, inline
/// handlers that fire on their own (`onerror` of a broken image, `onload` of an SVG, `ontoggle`
/// of an open `<details>`, `onfocus` with `autofocus`, `onanimationstart`), a `javascript:` iframe
/// and link; and a canvas with one drawing, so canvas replay (and `allow-scripts`) is on.
fn hostile_recording() -> String {
    let pwn = |what: &str| format!("console.error('reel-pwned {what}')");
    let el = |id: u64, tag: &str, attributes: Value, children: Vec<Value>| json!({"type": 2, "tagName": tag, "attributes": attributes, "childNodes": children, "id": id});
    let text = |id: u64, t: &str| json!({"type": 3, "textContent": t, "id": id});
    let body = el(
        4,
        "body",
        json!({"onpageshow": pwn("body")}),
        vec![
            el(
                5,
                "canvas",
                json!({"width": "100", "height": "100",
                       "style": "position:absolute;left:0;top:0;width:100px;height:100px"}),
                vec![],
            ),
            el(6, "script", json!({}), vec![text(7, &pwn("script"))]),
            el(
                8,
                "img",
                json!({"src": "data:,broken", "onerror": pwn("img")}),
                vec![],
            ),
            el(9, "svg", json!({"onload": pwn("svg")}), vec![]),
            el(
                10,
                "details",
                json!({"open": "", "ontoggle": pwn("details")}),
                vec![el(11, "summary", json!({}), vec![text(12, "more")])],
            ),
            el(
                13,
                "input",
                json!({"autofocus": "", "onfocus": pwn("input")}),
                vec![],
            ),
            el(
                14,
                "div",
                json!({"style": "animation: reel-spin 1s", "onanimationstart": pwn("animation")}),
                vec![el(
                    15,
                    "style",
                    json!({}),
                    vec![text(16, "@keyframes reel-spin { to { opacity: .5 } }")],
                )],
            ),
            el(
                17,
                "iframe",
                json!({"src": format!("javascript:{}", pwn("iframe"))}),
                vec![],
            ),
            el(
                18,
                "a",
                json!({"href": format!("javascript:{}", pwn("link")), "id": "go"}),
                vec![text(19, "go")],
            ),
        ],
    );
    let html = el(
        2,
        "html",
        json!({}),
        vec![el(3, "head", json!({}), vec![]), body],
    );
    let t0 = 1_700_000_000_000i64;
    let events = json!([
        {"type": 4, "timestamp": t0, "data": {"href": "http://app.invalid/", "width": 320, "height": 240}},
        {"type": 2, "timestamp": t0 + 10, "data": {"node": {"type": 0, "childNodes": [html], "id": 1},
            "initialOffset": {"left": 0, "top": 0}}},
        {"type": 3, "timestamp": t0 + 400, "data": {"source": 9, "id": 5, "type": 0, "commands": [
            {"property": "fillStyle", "args": ["#00ff00"], "setter": true},
            {"property": "fillRect", "args": [0, 0, 100, 100]}
        ]}},
        {"type": 3, "timestamp": t0 + 700, "data": {"source": 2, "type": 2, "id": 18, "x": 30, "y": 150}},
        {"type": 3, "timestamp": t0 + 1500, "data": {"source": 1, "positions": [{"x": 5, "y": 5, "id": 4, "timeOffset": 0}]}}
    ]);
    events.to_string()
}

#[test]
fn recorded_scripts_and_handlers_do_not_run_with_canvas_on() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("hostile.json");
    std::fs::write(&rec, hostile_recording()).unwrap();
    let out = dir.path().join("out");
    let capture = replay(&rec, &out, &["--at", "1s"]);
    assert_eq!(capture["canvas"], "replayed");
    assert!(
        capture["replay_sandbox"]
            .as_str()
            .unwrap()
            .contains("allow-scripts"),
        "scripts are allowed in the iframe: only the player's policy stops them"
    );
    let console = capture["console"].to_string();
    assert!(
        !console.contains("reel-pwned"),
        "a recorded script ran: {console}"
    );
    // The canvas was drawn: the green square is there.
    for c in capture["checkpoints"].as_array().unwrap() {
        if c["t_ms"].as_i64().unwrap() < 400 {
            continue;
        }
        let (w, _, px) = decode_png(&out.join(c["file"].as_str().unwrap()));
        let at = ((50 * w + 50) * 4) as usize;
        assert_eq!(&px[at..at + 3], &[0, 255, 0], "{c}");
    }
}
