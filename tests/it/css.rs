//! rrweb's stylesheet rewrite done ahead by reel (`src/replay/css.rs`) against rrweb's own, in
//! Chromium with the bundled rrweb and PostCSS: every suite recording replayed both ways must
//! leave the same text in every `<style>` of the replayed document, with rrweb running PostCSS on
//! nothing reel rewrote; and a recording of edge cases (comments, strings, escapes, nesting,
//! at-rules, stylesheets PostCSS rejects) must come out as rrweb makes it.

use crate::common::*;
use reel::recording::{EventType, Limits, WindowStream, load};
use reel::replay::player::PlayerPage;
use reel::replay::{BrowserSession, EVENT_CHUNK_BYTES, EventChunks, ReplayOptions};
use serde_json::{Value, json};

/// What a replay of `window` leaves in its `<style>` elements at each full snapshot and at the
/// end, and the player's stylesheet counts.
async fn styles(
    session: &BrowserSession,
    window: &WindowStream,
    ahead: bool,
) -> (Vec<Value>, Value) {
    let chunks = EventChunks::new(window, EVENT_CHUNK_BYTES);
    let page = PlayerPage::open(session).await.unwrap();
    let opts = ReplayOptions {
        adapt_css_ahead: ahead,
        ..ReplayOptions::default()
    };
    page.load(&opts, &chunks).await.unwrap();
    let start = window.start_ms();
    let mut offsets: Vec<i64> = window
        .events
        .iter()
        .filter(|e| e.kind == EventType::FullSnapshot)
        .map(|e| e.timestamp - start + 1)
        .collect();
    offsets.push(window.duration_ms() + 1);
    let mut seen = Vec::new();
    for t in offsets {
        page.seek_settled(t, opts.settle_budget, &[]).await.unwrap();
        let texts = page
            .call(
                "reading the replayed stylesheets",
                "(() => { const d = reel.document(); return d ? Array.from(d.querySelectorAll('style'), (s) => s.textContent) : []; })()".into(),
            )
            .await
            .unwrap();
        seen.push(texts);
    }
    let counts = page
        .call(
            "reading the player's counts",
            "reel.state().stylesheets".into(),
        )
        .await
        .unwrap();
    page.close().await;
    (seen, counts)
}

#[test]
fn the_suite_recordings_replay_the_same_stylesheets_with_rrweb_running_postcss_on_none() {
    let rt = tokio_runtime();
    rt.block_on(async {
        let session = attached_session().await;
        let mut ahead_total = 0;
        for rel in [
            "swagger-ui/rrweb-events.json",
            "todomvc-backbone/rrweb-events.json",
            "rrweb-todomvc-angularjs/rrweb-events.json",
            "testbed-errors/rrweb-events.json",
            "posthog-fixtures/recording_snapshots.json",
        ] {
            let rec =
                load(&recording(rel), &Limits::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
            for window in rec.windows.iter().filter(|w| w.has_full_snapshot()) {
                let (by_rrweb, _) = styles(&session, window, false).await;
                let (ahead, counts) = styles(&session, window, true).await;
                assert_eq!(
                    by_rrweb, ahead,
                    "{rel} window {}: stylesheets differ",
                    window.id
                );
                assert_eq!(
                    counts["by_rrweb"], 0,
                    "{rel} window {}: {counts}",
                    window.id
                );
                ahead_total += counts["ahead"].as_u64().unwrap_or(0);
            }
        }
        assert!(
            ahead_total >= 10,
            "only {ahead_total} stylesheets were rewritten ahead"
        );
    });
}

/// Stylesheets that exercise the parts of PostCSS the port reproduces; the last ones PostCSS
/// rejects (rrweb then keeps them as they are, and reel leaves them to rrweb).
const EDGE_CASES: &[&str] = &[
    "a:hover { color: red }",
    "p, a:hover b, .x:hover:hover{x:y}",
    "@media (max-device-width: 600px) and (min-device-height: 2px) { .b:hover > i { x: y } }",
    "@media screen{@supports (display:grid){a:hover{b:c}}}",
    "a:hover /* note */ b{c:d}",
    "a:hover/**/b , /* x */ i:hover{c:d}",
    ":is(a, b):hover, [t=\"x,y\"]:hover, [u='{']:hover{c:d}",
    "a:hover{filter:progid:DXImageTransform.Microsoft.gradient(x=1)}",
    "a:hover{*zoom:1;_height:1px;color:red!important;--x:{a:b};--y: ;}",
    "a:hover{b:url(data:image/png;base64,AAA=)}b{c:url( 'x.png' )}",
    ".a { &:hover { b: c } .c:hover & { d: e } }",
    "\u{feff}a:hover{b:c}",
    "é:hover, .\\31 0:hover, .a\\:hover:hover, .\\é:hover{b:c}",
    "a:hover{b:c};;;d:hover{}{}@charset \"x\";@import url(x.css) screen;",
    "@font-face{font-family:x;src:url(x.woff)}@keyframes k{from{a:b}50%{c:d}}a:hover{e:f !IMPORTANT}",
    "a:hover{b:c ! important}x:hover{y:z}",
    "a:hover\n{\n  b : c ;\n}\r\n\t.x:hover\u{2028}{}",
    "a:hover(\"x\"){b:c}a:hover[x=\"(\"]{b:c}",
    "@media (min-device-width:1px)/* c */{a{b:c}}@page :first{margin:0}",
    "a:hover{b:c} /* end",
    "a:hover{b:c",
    "a:hover{b:c}}",
    "a:hover{color red}",
    "a:hover{color:red blue:green}",
    "@ x; a:hover{b:c}",
    "a:hover{b:url(x}",
];

#[test]
fn edge_case_stylesheets_come_out_as_rrweb_makes_them() {
    let t0 = 1_700_000_000_000i64;
    let styles_nodes: Vec<Value> = EDGE_CASES
        .iter()
        .enumerate()
        .map(|(i, css)| {
            if i % 2 == 0 {
                json!({"type": 2, "id": 100 + i, "tagName": "style", "attributes": {"_cssText": css}, "childNodes": []})
            } else {
                json!({"type": 2, "id": 100 + i, "tagName": "style", "attributes": {}, "childNodes": [
                    {"type": 3, "id": 200 + i, "textContent": css, "isStyle": true}]})
            }
        })
        .collect();
    let events = json!([
        {"type": 4, "timestamp": t0, "data": {"href": "http://app.test/", "width": 320, "height": 240}},
        {"type": 2, "timestamp": t0 + 10, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [
                {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": styles_nodes},
                    {"type": 2, "id": 4, "tagName": "body", "attributes": {}, "childNodes": []}]}]}}},
        {"type": 3, "timestamp": t0 + 500, "data": {"source": 1, "positions": [{"x": 3, "y": 3, "id": 4, "timeOffset": 0}]}},
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edge-css.json");
    std::fs::write(&path, events.to_string()).unwrap();
    let rec = load(&path, &Limits::default()).unwrap();
    let window = &rec.windows[0];
    let rt = tokio_runtime();
    rt.block_on(async {
        let session = attached_session().await;
        let (by_rrweb, _) = styles(&session, window, false).await;
        let (ahead, counts) = styles(&session, window, true).await;
        assert_eq!(by_rrweb, ahead);
        let rejected = 7;
        assert_eq!(counts["by_rrweb"], rejected, "{counts}");
        assert_eq!(counts["ahead"], EDGE_CASES.len() - rejected, "{counts}");
        // The rewrite did happen, and PostCSS kept the rejected texts as they were.
        let last = by_rrweb.last().unwrap().as_array().unwrap();
        assert!(
            last.contains(&json!("a:hover,\na.\\:hover { color: red }")),
            "{last:?}"
        );
        assert!(
            last.contains(&json!(EDGE_CASES.last().unwrap())),
            "{last:?}"
        );
    });
}
