//! `reel replay` end to end: real binary, real headless Chromium, real recordings.

use crate::common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn replay(recording: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let ws = browser_ws();
    run(reel()
        .arg("replay")
        .arg(recording)
        .arg("--out")
        .arg(out)
        .args(["--browser-ws", &ws])
        .args(extra))
}

fn capture(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("capture.json")).expect("capture.json written");
    serde_json::from_str(&text).expect("capture.json is JSON")
}

fn planned_names(path: &Path) -> Vec<String> {
    let rec = reel::recording::load(path, &Default::default()).unwrap();
    reel::plan::plan(&rec.windows[0], &Default::default())
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[test]
fn testbed_errors_checkpoints_viewports_console_and_determinism() {
    let rec = recording("testbed-errors/rrweb-events.json");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    // Two pages splitting the plan, then one page visiting every checkpoint: the same output.
    assert!(replay(&rec, a.path(), &["--jobs", "2"]).status.success());
    assert!(replay(&rec, b.path(), &["--jobs", "1"]).status.success());

    let cap = capture(a.path());
    let single = capture(b.path());
    for key in [
        "checkpoints",
        "console",
        "blocked_requests",
        "blocked_urls",
        "warnings",
    ] {
        assert_eq!(cap[key], single[key], "{key}: two lanes and one differ");
    }
    let cps = cap["checkpoints"].as_array().unwrap();
    let names: Vec<String> = cps
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, planned_names(&rec), "checkpoints follow the plan");
    assert!(names.iter().any(|n| n.ends_with("-snapshot")));
    assert!(names.iter().any(|n| n.ends_with("-click")));
    assert!(names.iter().any(|n| n.ends_with("-console-error")));
    assert!(names.iter().any(|n| n.ends_with("-resize")));
    assert!(names.last().unwrap().ends_with("-end"));

    // Every PNG has the recorded viewport at its time; the sequence goes 1280x800 → 390x844 → 1280x800.
    let mut sizes: Vec<(u32, u32)> = Vec::new();
    for c in cps {
        let file = a.path().join(c["file"].as_str().unwrap());
        let (w, h, pixels) = decode_png(&file);
        let vp = (
            c["viewport"][0].as_u64().unwrap() as u32,
            c["viewport"][1].as_u64().unwrap() as u32,
        );
        assert_eq!((w, h), vp, "{} has the recorded viewport", file.display());
        let first = &pixels[..4];
        assert!(
            pixels.chunks(4).any(|p| p != first),
            "{} is blank",
            file.display()
        );
        if sizes.last() != Some(&vp) {
            sizes.push(vp);
        }
        // Replaying twice (in two lanes, then in one) paints the same pixels.
        let (_, _, again) = decode_png(&b.path().join(c["file"].as_str().unwrap()));
        assert!(pixels == again, "{} differs between two replays", c["name"]);
    }
    assert_eq!(sizes, vec![(1280, 800), (390, 844), (1280, 800)]);

    // Recorded console errors come through with their messages, kept apart from replay output.
    let console = cap["console"].as_array().unwrap();
    let recorded_errors: Vec<&str> = console
        .iter()
        .filter(|c| c["source"] == "recorded" && c["level"] == "error")
        .map(|c| c["message"].as_str().unwrap())
        .collect();
    for expected in [
        "Testbed: failed to load widget",
        "Uncaught Error: Testbed: uncaught exception from click handler",
        "Uncaught TypeError: Cannot read properties of undefined (reading 'items')",
        "Uncaught (in promise) Error: Testbed: unhandled promise rejection",
        "API error",
    ] {
        assert!(
            recorded_errors.iter().any(|m| m.starts_with(expected)),
            "recorded console error {expected:?} missing from {recorded_errors:?}"
        );
    }
    assert_eq!(recorded_errors.len(), 6);
    // The recorded page's assets (logo, stylesheet on 127.0.0.1:8700) were blocked, not fetched.
    assert!(cap["blocked_requests"].as_u64().unwrap() > 0);
    // Canvas replay: rrweb allows scripts in the replay iframe's sandbox; the player page's
    // Content-Security-Policy still refuses recorded ones (recorded_scripts_never_run).
    assert_eq!(cap["replay_sandbox"], "allow-same-origin allow-scripts");
    assert_eq!(cap["canvas"], "replayed");
}

#[test]
fn angular_todomvc_follows_its_viewport_change() {
    let rec = recording("rrweb-todomvc-angularjs/rrweb-events.json");
    let out = tempfile::tempdir().unwrap();
    assert!(replay(&rec, out.path(), &[]).status.success());
    let cap = capture(out.path());
    let mut sizes: Vec<(u32, u32)> = Vec::new();
    for c in cap["checkpoints"].as_array().unwrap() {
        let (w, h, _) = decode_png(&out.path().join(c["file"].as_str().unwrap()));
        if sizes.last() != Some(&(w, h)) {
            sizes.push((w, h));
        }
    }
    assert_eq!(sizes, vec![(1024, 768), (800, 600)]);
}

#[test]
fn explicit_times_only() {
    let rec = recording("testbed-errors/rrweb-events.json");
    let out = tempfile::tempdir().unwrap();
    let o = replay(
        &rec,
        out.path(),
        &["--checkpoints", "none", "--at", "1.5s,12s,0"],
    );
    assert!(o.status.success());
    let cap = capture(out.path());
    let names: Vec<&str> = cap["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // 0 falls before the first full snapshot and moves just after it.
    assert_eq!(names.len(), 3);
    assert!(
        names[0].ends_with("-at") && names[0] != "0000000-at",
        "{names:?}"
    );
    assert_eq!(names[1], "0001500-at");
    assert_eq!(names[2], "0012000-at");
}

/// A tiny HTTP server on 127.0.0.1 that counts requests.
fn counting_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 22\r\nConnection: close\r\n\r\nbody{background:#0f0}\n",
            );
        }
    });
    (port, hits)
}

/// A minimal real-shaped rrweb recording whose page loads a stylesheet and an image from `base`.
fn recording_with_assets(base: &str) -> String {
    let node = serde_json::json!({
        "type": 0, "id": 1, "childNodes": [
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
            {"type": 2, "tagName": "html", "attributes": {}, "id": 3, "childNodes": [
                {"type": 2, "tagName": "head", "attributes": {}, "id": 4, "childNodes": [
                    {"type": 2, "tagName": "link", "attributes": {"rel": "stylesheet", "href": format!("{base}/style.css")}, "id": 5, "childNodes": []}
                ]},
                {"type": 2, "tagName": "body", "attributes": {}, "id": 6, "childNodes": [
                    {"type": 2, "tagName": "img", "attributes": {"src": format!("{base}/logo.png")}, "id": 7, "childNodes": []},
                    {"type": 3, "textContent": "hello", "id": 8}
                ]}
            ]}
        ]
    });
    serde_json::json!([
        {"type": 4, "data": {"href": format!("{base}/index.html"), "width": 640, "height": 480}, "timestamp": 1000},
        {"type": 2, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}, "timestamp": 1001},
        {"type": 3, "data": {"source": 1, "positions": [{"x": 1, "y": 1, "id": 8, "timeOffset": 0}]}, "timestamp": 2000}
    ])
    .to_string()
}

#[test]
fn replays_never_touch_the_network_unless_allowed() {
    let (port, hits) = counting_server();
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("assets.json");
    std::fs::write(
        &rec,
        recording_with_assets(&format!("http://127.0.0.1:{port}")),
    )
    .unwrap();

    let out = dir.path().join("blocked");
    assert!(replay(&rec, &out, &[]).status.success());
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "blocked replay reached the server"
    );
    assert!(capture(&out)["blocked_requests"].as_u64().unwrap() >= 2);

    // --allow-network with a browser reel launches itself (no --browser-ws).
    let out2 = dir.path().join("allowed");
    let o = run(reel()
        .arg("replay")
        .arg(&rec)
        .arg("--out")
        .arg(&out2)
        .arg("--allow-network"));
    assert!(o.status.success());
    assert!(
        hits.load(Ordering::SeqCst) >= 2,
        "allowed replay did not load its assets"
    );
    assert_eq!(capture(&out2)["blocked_requests"].as_u64().unwrap(), 0);
}

/// A server on 127.0.0.1 answering every request, after `delay`, with an 8x8 PNG of `rgb`.
fn slow_image_server(rgb: [u8; 3], delay: std::time::Duration) -> u16 {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb(rgb))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let png = png.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    png.len()
                );
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(&png);
            });
        }
    });
    port
}

/// With `--allow-network`, an image that only CSS asks for (a background set by a mutation, from
/// a slow server) is in the screenshot: the seek's style and layout request it before the harness
/// counts requests, and a request let through counts as answered once it has loaded, not when it
/// was let go.
#[test]
fn allowed_css_images_set_by_a_seek_are_painted() {
    let port = slow_image_server([0, 0, 255], std::time::Duration::from_millis(300));
    let base = format!("http://127.0.0.1:{port}");
    let node = serde_json::json!({
        "type": 0, "id": 1, "childNodes": [
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
            {"type": 2, "tagName": "html", "attributes": {}, "id": 3, "childNodes": [
                {"type": 2, "tagName": "head", "attributes": {}, "id": 4, "childNodes": []},
                {"type": 2, "tagName": "body", "attributes": {"style": "margin:0;background:#fff"}, "id": 5, "childNodes": [
                    {"type": 2, "tagName": "div", "attributes": {"style": "width:100px;height:100px"}, "id": 6, "childNodes": []}
                ]}
            ]}
        ]
    });
    let style = format!("width:100px;height:100px;background:url('{base}/bg.png')");
    let rec = serde_json::json!([
        {"type": 4, "data": {"href": format!("{base}/index.html"), "width": 320, "height": 240}, "timestamp": 1000},
        {"type": 2, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}, "timestamp": 1001},
        {"type": 3, "data": {"source": 0, "texts": [], "attributes": [{"id": 6, "attributes": {"style": style}}], "removes": [], "adds": []}, "timestamp": 2000},
        {"type": 3, "data": {"source": 1, "positions": [{"x": 300, "y": 200, "id": 5, "timeOffset": 0}]}, "timestamp": 3000}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("css-image.json");
    std::fs::write(&path, rec.to_string()).unwrap();
    let out = dir.path().join("out");
    // A browser of its own: the shared one is launched without network.
    let o = run(reel()
        .arg("replay")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .args(["--checkpoints", "none", "--at", "1.5s", "--allow-network"]));
    assert!(o.status.success());
    let cap = capture(&out);
    assert_eq!(cap["checkpoints"][0]["settled"], true);
    let file = cap["checkpoints"][0]["file"].as_str().unwrap();
    let (w, _, px) = decode_png(&out.join(file));
    let at = |x: u32, y: u32| {
        let i = ((y * w + x) * 4) as usize;
        [px[i], px[i + 1], px[i + 2]]
    };
    assert_eq!(at(50, 50), [0, 0, 255], "the background image is painted");
    assert_eq!(at(200, 50), [255, 255, 255]);
}

#[test]
fn missing_chromium_exits_3_with_an_install_hint() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = reel()
        .arg("replay")
        .arg(recording("testbed-errors/rrweb-events.json"))
        .arg("--out")
        .arg(out.path())
        .env("PATH", empty.path())
        .env_remove("REEL_CHROME")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("apt-get install -y chromium"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "nothing written"
    );

    let o = reel()
        .arg("replay")
        .arg(recording("testbed-errors/rrweb-events.json"))
        .args(["--chrome", "/nonexistent/chrome"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn a_recording_without_full_snapshot_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("nofull.json");
    std::fs::write(
        &rec,
        r#"[{"type":4,"data":{"href":"http://x/","width":800,"height":600},"timestamp":1},{"type":3,"data":{"source":1,"positions":[]},"timestamp":5}]"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = replay(&rec, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nofull.json") && err.contains("FullSnapshot"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

/// Forward seeks (playing on from the previous checkpoint) paint exactly what a rebuild from the
/// full snapshot paints, so a checkpoint looks the same whichever checkpoints came before it.
#[test]
fn forward_seeks_paint_what_rebuilds_paint() {
    // swagger-ui shrinks its viewport while scrolled to the bottom (0023320-resize), where the
    // player sets the recorded scroll back after the browser's own move.
    for rel in [
        "testbed-errors/rrweb-events.json",
        "rrweb-todomvc-angularjs/rrweb-events.json",
        "swagger-ui/rrweb-events.json",
    ] {
        let rec = recording(rel);
        let inc = tempfile::tempdir().unwrap();
        let fresh = tempfile::tempdir().unwrap();
        assert!(replay(&rec, inc.path(), &[]).status.success());
        assert!(
            replay(&rec, fresh.path(), &["--fresh-seeks"])
                .status
                .success()
        );
        let a = capture(inc.path());
        let b = capture(fresh.path());
        let applied = |c: &Value| -> u64 {
            c["checkpoints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["events_applied"].as_u64().unwrap())
                .sum()
        };
        assert!(applied(&b) > applied(&a), "fresh seeks rebuild");
        for c in a["checkpoints"].as_array().unwrap() {
            let file = c["file"].as_str().unwrap();
            let (_, _, x) = decode_png(&inc.path().join(file));
            let (_, _, y) = decode_png(&fresh.path().join(file));
            assert!(x == y, "{rel} {file}: forward seek and rebuild differ");
        }
    }
}

/// Recorded markup that would run script (inline handlers, script elements, javascript: URLs)
/// stays inert in the replay, also with canvas replay on (rrweb then lets the replay iframe's
/// sandbox allow scripts, and the player page's Content-Security-Policy is what keeps them off).
#[test]
fn recorded_scripts_never_run() {
    for with_canvas in [false, true] {
        recorded_scripts_stay_inert(with_canvas);
    }
}

fn recorded_scripts_stay_inert(with_canvas: bool) {
    let node = serde_json::json!({
        "type": 0, "id": 1, "childNodes": [
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": 2},
            {"type": 2, "tagName": "html", "attributes": {}, "id": 3, "childNodes": [
                {"type": 2, "tagName": "head", "attributes": {}, "id": 4, "childNodes": [
                    {"type": 2, "tagName": "script", "attributes": {}, "id": 5, "childNodes": [
                        {"type": 3, "textContent": "console.error('pwned by script')", "id": 6}
                    ]}
                ]},
                {"type": 2, "tagName": "body", "attributes": {"onload": "console.error('pwned by onload')"}, "id": 7, "childNodes": [
                    {"type": 2, "tagName": "img", "attributes": {"src": "data:,x", "onerror": "console.error('pwned by onerror')"}, "id": 8, "childNodes": []},
                    {"type": 2, "tagName": "iframe", "attributes": {"srcdoc": "<script>console.error('pwned by srcdoc')</script>"}, "id": 9, "childNodes": []},
                    {"type": 3, "textContent": "hello", "id": 10},
                    {"type": 2, "tagName": "canvas", "attributes": {"width": "20", "height": "20"}, "id": 11, "childNodes": []}
                ]}
            ]}
        ]
    });
    let events = serde_json::json!([
        {"type": 4, "data": {"href": "http://example.test/", "width": 640, "height": 480}, "timestamp": 1000},
        {"type": 2, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}, "timestamp": 1001},
        {"type": 3, "data": {"source": 0, "texts": [], "attributes": [{"id": 8, "attributes": {"src": "data:,y"}}], "removes": [], "adds": []}, "timestamp": 1500},
        {"type": 3, "data": {"source": 1, "positions": [{"x": 1, "y": 1, "id": 10, "timeOffset": 0}]}, "timestamp": 2000}
    ]);
    let mut events = events;
    if with_canvas {
        events.as_array_mut().unwrap().insert(3, serde_json::json!(
            {"type": 3, "data": {"source": 9, "id": 11, "type": 0, "commands": [{"property": "fillRect", "args": [0, 0, 10, 10]}]}, "timestamp": 1600}
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("hostile.json");
    std::fs::write(&rec, events.to_string()).unwrap();
    let out = dir.path().join("out");
    assert!(replay(&rec, &out, &[]).status.success());
    let cap = capture(&out);
    let text = cap["console"].to_string();
    assert!(!text.contains("pwned"), "recorded script ran: {text}");
    if with_canvas {
        assert_eq!(cap["replay_sandbox"], "allow-same-origin allow-scripts");
    } else {
        assert_eq!(cap["replay_sandbox"], "allow-same-origin");
    }
}

/// rrweb records an inline SVG's `clip-path: url(#id)` as `url("<page URL>#id")`; replayed as is,
/// it made the browser request the recorded page and paint the logo depending on when that
/// (blocked) request failed. Such references are made local again: swagger-ui's replay requests
/// nothing at all.
#[test]
fn same_document_references_stay_in_the_document() {
    let rec = recording("swagger-ui/rrweb-events.json");
    let out = tempfile::tempdir().unwrap();
    assert!(
        replay(&rec, out.path(), &["--checkpoints", "none", "--at", "26s"])
            .status
            .success()
    );
    let cap = capture(out.path());
    assert_eq!(cap["blocked_requests"], 0, "{}", cap["blocked_urls"]);
}

/// `reel demo`, the quick start's first command: the recording embedded in the binary replayed
/// into `--out`, with what to look at.
#[test]
fn demo_replays_the_embedded_recording() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(reel()
        .arg("demo")
        .arg("--out")
        .arg(dir.path())
        .args(["--browser-ws", &browser_ws()]));
    assert_eq!(o.status.code(), Some(0));
    let capture = capture(dir.path());
    assert_eq!(capture["recording"], "testbed-errors");
    let checkpoints = capture["checkpoints"].as_array().unwrap();
    assert_eq!(checkpoints.len(), 28, "{capture}");
    for c in checkpoints {
        assert!(
            dir.path().join(c["file"].as_str().unwrap()).is_file(),
            "{c}"
        );
    }
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("6 console errors") && stdout.contains("look at: "),
        "{stdout}"
    );
    assert!(stdout.contains("0001788-console-error.png"), "{stdout}");
}
