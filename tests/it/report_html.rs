//! The HTML report and the exported player, opened in real headless Chromium (the shared test
//! browser, through CDP): no console errors, counts match report.json, the slider works, the
//! embedded replay reaches the failing checkpoint, and a hostile recording stays inert.

use crate::common::*;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::log::EventEntryAdded;
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EvaluateParams, EventConsoleApiCalled, EventExceptionThrown,
};
use futures::StreamExt;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HOSTILE: &str = r#"</script><script>document.title='pwned'</script><img src=x onerror="document.title='pwned-img'">"#;

/// A small rrweb recording whose URL, DOM and console messages try to run script.
fn hostile_recording() -> String {
    let t0 = 1_700_000_000_000i64;
    let events = serde_json::json!([
        {"type": 4, "timestamp": t0, "data": {"href": format!("http://x.test/?q={HOSTILE}"), "width": 800, "height": 600}},
        {"type": 2, "timestamp": t0 + 10, "data": {"initialOffset": {"left": 0, "top": 0}, "node": {
            "type": 0, "id": 1, "childNodes": [
                {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
                    {"type": 2, "id": 3, "tagName": "head", "attributes": {}, "childNodes": [
                        {"type": 2, "id": 4, "tagName": "title", "attributes": {}, "childNodes": [
                            {"type": 3, "id": 5, "textContent": HOSTILE}]}]},
                    {"type": 2, "id": 6, "tagName": "body", "attributes": {"onload": "parent.document.title='pwned-onload'"}, "childNodes": [
                        {"type": 2, "id": 7, "tagName": "h1", "attributes": {}, "childNodes": [
                            {"type": 3, "id": 8, "textContent": HOSTILE}]},
                        {"type": 2, "id": 9, "tagName": "img", "attributes": {"src": "x", "onerror": "parent.document.title='pwned-dom'"}, "childNodes": []},
                        {"type": 2, "id": 10, "tagName": "script", "attributes": {}, "childNodes": [
                            {"type": 3, "id": 11, "textContent": "parent.document.title='pwned-script'"}]}
                    ]}
                ]}
            ]}}},
        {"type": 6, "timestamp": t0 + 500, "data": {"plugin": "rrweb/console@1", "payload": {
            "level": "error", "trace": [], "payload": [HOSTILE]}}},
        {"type": 3, "timestamp": t0 + 800, "data": {"source": 2, "type": 2, "id": 7, "x": 20, "y": 20}},
        {"type": 3, "timestamp": t0 + 2000, "data": {"source": 1, "positions": [{"x": 30, "y": 30, "id": 7, "timeOffset": 0}]}}
    ]);
    events.to_string()
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn reel(&self, args: &[&str], ci: bool) -> std::process::Output {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path()).args(args);
        if ci {
            cmd.env("CI", "true");
        }
        run(&mut cmd)
    }
    fn run(&self, args: &[&str], ci: bool) -> std::process::Output {
        let ws = browser_ws();
        let mut all = vec!["run"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--browser-ws", &ws, "--jobs", "2"]);
        self.reel(&all, ci)
    }
}

fn paint_box(png: &Path) {
    let mut img = image::open(png).unwrap().to_rgba8();
    for y in 40..90 {
        for x in 40..140 {
            img.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
        }
    }
    img.save(png).unwrap();
}

/// A page of the shared browser, with the errors it logs.
pub(crate) struct Opened {
    pub(crate) page: Page,
    errors: Arc<Mutex<Vec<String>>>,
    logs: Arc<Mutex<Vec<String>>>,
    _browser: chromiumoxide::Browser,
}

impl Opened {
    pub(crate) async fn open(path: &Path) -> Opened {
        Opened::open_url(&file_url(path, "")).await
    }

    /// Opens `url` (a `file:` URL, with a hash or not).
    pub(crate) async fn open_url(url: &str) -> Opened {
        let (browser, mut handler) = chromiumoxide::Browser::connect(browser_ws())
            .await
            .expect("connect to the shared browser");
        tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page("about:blank").await.unwrap();
        let errors = Arc::new(Mutex::new(Vec::new()));
        let logs = Arc::new(Mutex::new(Vec::new()));
        let mut console = page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .unwrap();
        let sink = errors.clone();
        tokio::spawn(async move {
            while let Some(ev) = console.next().await {
                if matches!(ev.r#type, ConsoleApiCalledType::Error) {
                    sink.lock()
                        .unwrap()
                        .push(format!("console.error: {:?}", ev.args));
                }
            }
        });
        let mut exceptions = page.event_listener::<EventExceptionThrown>().await.unwrap();
        let sink = errors.clone();
        tokio::spawn(async move {
            while let Some(ev) = exceptions.next().await {
                sink.lock()
                    .unwrap()
                    .push(format!("exception: {:?}", ev.exception_details));
            }
        });
        let mut log = page.event_listener::<EventEntryAdded>().await.unwrap();
        let sink = logs.clone();
        tokio::spawn(async move {
            while let Some(ev) = log.next().await {
                sink.lock().unwrap().push(ev.entry.text.clone());
            }
        });
        let url = url.to_string();
        // chromiumoxide can miss the navigation's end on a loaded machine (a rare 30 s timeout):
        // navigate once more before giving up.
        if page.goto(url.clone()).await.is_err()
            && let Err(e) = page.goto(url).await
        {
            eprintln!("navigation: {e}; waiting for the page anyway");
        }
        page.bring_to_front().await.unwrap();
        let o = Opened {
            page,
            errors,
            logs,
            _browser: browser,
        };
        o.wait_for("window.reelViewer && (window.reelViewer.ready || window.reelViewer.error)")
            .await;
        o
    }

    pub(crate) async fn eval(&self, expr: &str) -> Value {
        let params = EvaluateParams::builder()
            .expression(expr)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .unwrap();
        let resp = self.page.execute(params).await.unwrap();
        if let Some(ex) = &resp.result.exception_details {
            panic!("{expr}: {ex:?}");
        }
        resp.result.result.value.clone().unwrap_or_default()
    }

    pub(crate) async fn wait_for(&self, expr: &str) {
        for _ in 0..200 {
            if self.eval(&format!("!!({expr})")).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {expr}");
    }

    pub(crate) fn errors(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }

    pub(crate) fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

/// The `file:` URL of `path`, followed by `hash` (`#…`, or empty).
pub(crate) fn file_url(path: &Path, hash: &str) -> String {
    let url = url::Url::from_file_path(std::path::absolute(path).unwrap()).unwrap();
    format!("{url}{hash}")
}

pub(crate) fn report_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// Pages of the shared browser get animation frames (which the replayer's clock runs on) only
/// while they are the visible tab: tests that open pages take turns.
pub(crate) fn one_page_at_a_time<F: std::future::Future<Output = ()>>(body: F) {
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(body);
}

#[test]
fn html_report_in_chromium() {
    one_page_at_a_time(html_report());
}

#[test]
fn exported_player_in_chromium() {
    one_page_at_a_time(exported_player());
}

async fn html_report() {
    let ws = Workspace::new();
    std::fs::copy(
        recording("rrweb-todomvc-angularjs/rrweb-events.json"),
        ws.path("angular.json"),
    )
    .unwrap();
    let hostile_name = "<img src=x onerror=document.title=1>.json";
    std::fs::write(ws.path(hostile_name), hostile_recording()).unwrap();
    // PostHog metadata beside it whose person, time, host and project try markup and script URLs.
    std::fs::write(
        ws.path("<img src=x onerror=document.title=1>.meta.json"),
        serde_json::json!({"id": HOSTILE, "distinct_id": HOSTILE, "start_time": HOSTILE,
            "person": {"name": HOSTILE},
            "reel_source": {"host": "javascript:document.title='pwned-ph'//", "project": HOSTILE}})
        .to_string(),
    )
    .unwrap();

    // Baselines for angular, then one of them changed: the next run finds a difference.
    let o = ws.run(&["angular.json"], false);
    assert_eq!(o.status.code(), Some(0));
    let first = report_json(&ws.path("reel-report"));
    let changed_cp = first["recordings"][0]["checkpoints"][1]["name"]
        .as_str()
        .unwrap()
        .to_string();
    paint_box(&ws.path(&format!("snapshots/angular/{changed_cp}.png")));

    // On CI: angular has a changed checkpoint, the hostile recording misses baselines and has a
    // new console error.
    std::fs::copy(
        recording("posthog-fixtures/recording_snapshots.jsonl"),
        ws.path("tabs.jsonl"),
    )
    .unwrap();
    let o = ws.run(&["angular.json", hostile_name, "tabs.jsonl"], true);
    assert_eq!(o.status.code(), Some(1));
    let out = ws.path("reel-report");
    let report = report_json(&out);
    let html = out.join("index.html");
    assert!(html.is_file());
    let bytes = std::fs::read_to_string(&html).unwrap();
    assert!(!bytes.contains("<img src=x"), "recorded markup in the HTML");
    assert!(!bytes.contains("<script>document"));
    assert!(out.join("replays/angular.json.gz").is_file());
    assert!(
        out.join(format!("expected/angular/{changed_cp}.png"))
            .is_file()
    );

    let page = Opened::open(&html).await;
    assert_eq!(page.eval("window.reelViewer.error").await, Value::Null);
    assert_eq!(page.eval("document.title").await, "reel report");

    // The counts shown are report.json's.
    let s = &report["summary"];
    for (key, field) in [
        ("recordings", "recordings"),
        ("passed", "passed"),
        ("failed", "failed"),
        ("errors", "errors"),
        ("checkpoints", "checkpoints"),
        ("new-console-errors", "new_console_errors"),
    ] {
        let shown = page
            .eval(&format!(
                "document.querySelector('[data-count=\"{key}\"] b').textContent"
            ))
            .await;
        assert_eq!(shown.as_str().unwrap(), s[field].to_string(), "{key}");
    }
    for (status, n) in s["by_status"].as_object().unwrap() {
        if n.as_u64().unwrap() > 0 {
            let shown = page
                .eval(&format!(
                    "document.querySelector('[data-count=\"status-{status}\"] b').textContent"
                ))
                .await;
            assert_eq!(shown.as_str().unwrap(), n.to_string(), "{status}");
        }
    }
    assert_eq!(
        page.eval("document.querySelectorAll('tr.rec-row').length")
            .await,
        3
    );
    // The filter hides rows.
    page.eval("(() => { const s = document.querySelector('.filter-text'); s.value = 'angular'; s.dispatchEvent(new Event('input')); })()").await;
    assert_eq!(
        page.eval("[...document.querySelectorAll('tr.rec-row')].filter(r => !r.hidden).length")
            .await,
        1
    );
    page.eval("(() => { const s = document.querySelector('.filter-text'); s.value = ''; s.dispatchEvent(new Event('input')); })()").await;

    // The changed checkpoint: images load (relative to index.html), the slider moves the split.
    let angular = report["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["id"] == "angular")
        .unwrap();
    let cp_sel = format!("#rec-{angular} .checkpoint[data-name=\"{changed_cp}\"]");
    assert_eq!(
        page.eval(&format!(
            "document.querySelector('{cp_sel} .compare-box').dataset.mode"
        ))
        .await,
        "slider"
    );
    // Images load lazily: bring the checkpoint into view.
    page.eval(&format!(
        "document.querySelector('{cp_sel}').scrollIntoView()"
    ))
    .await;
    page.wait_for(&format!(
        "[...document.querySelectorAll('{cp_sel} .compare img')].every(i => i.complete && i.naturalWidth > 0)"
    ))
    .await;
    let clip = page
        .eval(&format!(
            "(() => {{ const r = document.querySelector('{cp_sel} input.slider'); r.value = '200'; r.dispatchEvent(new Event('input')); return document.querySelector('{cp_sel} img.over').style.clipPath; }})()"
        ))
        .await;
    assert_eq!(clip, "inset(0px 0px 0px 20%)");
    // Side by side and diff modes show the images.
    page.eval(&format!(
        "document.querySelector('{cp_sel} button[data-mode=\"side\"]').click()"
    ))
    .await;
    assert_eq!(
        page.eval(&format!(
            "document.querySelectorAll('{cp_sel} .side img').length"
        ))
        .await,
        2
    );
    page.eval(&format!(
        "document.querySelector('{cp_sel} button[data-mode=\"diff\"]').click()"
    ))
    .await;
    page.wait_for(&format!(
        "(() => {{ const i = document.querySelector('{cp_sel} .view img'); return i && i.complete && i.naturalWidth > 0; }})()"
    ))
    .await;

    // The embedded replay opens at the failing checkpoint.
    let cp = report["recordings"][angular]["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == changed_cp.as_str())
        .unwrap()
        .clone();
    page.eval(&format!(
        "document.querySelector('#rec-{angular} .replay').scrollIntoView()"
    ))
    .await;
    page.eval(&format!(
        "window.reelViewer.widgets[{angular}].load().then(() => true)"
    ))
    .await;
    assert_eq!(
        page.eval(&format!("window.reelViewer.widgets[{angular}].status"))
            .await,
        "ready",
        "{:?}",
        page.eval(&format!("window.reelViewer.widgets[{angular}].error"))
            .await
    );
    let t = page
        .eval(&format!(
            "window.reelViewer.widgets[{angular}].widget.current()"
        ))
        .await;
    assert_eq!(t.as_i64(), cp["t_ms"].as_i64(), "replay time");
    assert_eq!(
        page.eval(&format!(
            "document.querySelector('#rec-{angular} .replay iframe').getAttribute('sandbox')"
        ))
        .await
        .as_str()
        .map(|s| s.contains("allow-scripts")),
        Some(false)
    );
    // The replayed document has content (rrweb rebuilt the page at that moment).
    assert!(
        page.eval(&format!(
            "document.querySelector('#rec-{angular} .replay iframe').contentDocument.body.children.length"
        ))
        .await
        .as_i64()
        .unwrap()
            > 0
    );
    // "The 5 s before": plays up to the checkpoint and stops there (at 8× here).
    page.eval(&format!(
        "(() => {{ const s = document.querySelector('#rec-{angular} select.speed'); s.value = '8'; s.dispatchEvent(new Event('change')); document.querySelector('{cp_sel} button.before').click(); }})()"
    ))
    .await;
    assert_eq!(
        page.eval(&format!(
            "window.reelViewer.widgets[{angular}].widget.playing"
        ))
        .await,
        true
    );
    page.wait_for(&format!(
        "!window.reelViewer.widgets[{angular}].widget.playing"
    ))
    .await;
    assert_eq!(
        page.eval(&format!(
            "window.reelViewer.widgets[{angular}].widget.current()"
        ))
        .await,
        t
    );
    // The timeline seeks.
    page.eval(&format!(
        "document.querySelector('#rec-{angular} .timeline button').click()"
    ))
    .await;
    let t2 = page
        .eval(&format!(
            "window.reelViewer.widgets[{angular}].widget.current()"
        ))
        .await;
    assert_ne!(t2, t);

    // A recording with two windows: the replay opens in the window of its first failing
    // checkpoint, and switches windows to show another one.
    let recs = report["recordings"].as_array().unwrap();
    let tabs = recs
        .iter()
        .position(|r| r["id"] != "angular" && r["source"] == "tabs.jsonl")
        .unwrap();
    page.eval(&format!(
        "document.querySelector('#rec-{tabs} .replay').scrollIntoView()"
    ))
    .await;
    page.eval(&format!(
        "window.reelViewer.widgets[{tabs}].load().then(() => true)"
    ))
    .await;
    let w = format!("window.reelViewer.widgets[{tabs}].widget");
    assert_eq!(page.eval(&format!("{w}.payload.windows.length")).await, 2);
    let cps = recs[tabs]["checkpoints"].as_array().unwrap();
    let first = &cps[0];
    assert_eq!(
        page.eval(&format!("{w}.payload.windows[{w}.windowIndex].id"))
            .await,
        first["window"]
    );
    assert_eq!(
        page.eval(&format!("{w}.current()")).await.as_i64(),
        first["t_ms"].as_i64()
    );
    let other = cps.iter().find(|c| c["window"] != first["window"]).unwrap();
    let name = other["name"].as_str().unwrap();
    let window = other["window"].as_str().unwrap();
    page.eval(&format!(
        "document.querySelector('#rec-{tabs} [data-name=\"{name}\"][data-window=\"{window}\"] button.goto').click()"
    ))
    .await;
    assert_eq!(
        page.eval(&format!("{w}.payload.windows[{w}.windowIndex].id"))
            .await,
        other["window"]
    );
    assert_eq!(
        page.eval(&format!("{w}.current()")).await.as_i64(),
        other["t_ms"].as_i64()
    );

    // The hostile recording: its replay loads too, and nothing of it ran.
    let hostile = recs
        .iter()
        .position(|r| r["source"] == hostile_name)
        .unwrap();
    page.eval(&format!(
        "document.querySelector('#rec-{hostile} .replay').scrollIntoView()"
    ))
    .await;
    page.eval(&format!(
        "window.reelViewer.widgets[{hostile}].load().then(() => true)"
    ))
    .await;
    assert_eq!(
        page.eval(&format!("window.reelViewer.widgets[{hostile}].status"))
            .await,
        "ready"
    );
    page.eval(&format!(
        "window.reelViewer.widgets[{hostile}].widget.seekTo(1500)"
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(page.eval("document.title").await, "reel report");
    assert_eq!(
        page.eval("document.querySelectorAll('script').length")
            .await,
        3
    );
    assert_eq!(
        page.eval("document.querySelectorAll('[onerror], [onload]').length")
            .await,
        0
    );
    // The hostile PostHog metadata is shown as text, and gives no link (not an http(s) host).
    assert_eq!(
        page.eval(&format!(
            "[document.querySelector('#rec-{hostile} .posthog-info .person').textContent, document.querySelectorAll('#rec-{hostile} a.posthog').length]"
        ))
        .await,
        serde_json::json!([HOSTILE, 0])
    );
    assert!(recs[hostile]["posthog"].get("url").is_none());
    // The hostile texts are shown as text.
    let shown = page
        .eval(&format!(
            "[...document.querySelectorAll('#rec-{hostile} ul.console li')].map(l => l.textContent).join('\\n')"
        ))
        .await;
    assert!(shown.as_str().unwrap().contains(HOSTILE), "{shown}");
    assert!(
        page.eval(
            "document.body.textContent.includes('<img src=x onerror=document.title=1>.json')"
        )
        .await
        .as_bool()
        .unwrap()
    );

    assert!(page.errors().is_empty(), "{:?}", page.errors());
    let refused: Vec<String> = page
        .logs()
        .into_iter()
        .filter(|l| l.contains("inline script"))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}

async fn exported_player() {
    let ws = Workspace::new();
    // Two windows: the player switches between them.
    let src = recording("todomvc-backbone/posthog-export.json");
    let o = ws.reel(
        &[
            "export",
            src.to_str().unwrap(),
            "--html",
            ws.path("player.html").to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(0));
    let page = Opened::open(&ws.path("player.html")).await;
    page.wait_for("window.reelViewer.player && window.reelViewer.player.status !== 'loading'")
        .await;
    assert_eq!(
        page.eval("window.reelViewer.player.status").await,
        "ready",
        "{:?}",
        page.eval("window.reelViewer.player.error").await
    );
    assert_eq!(page.eval("document.title").await, "reel player");
    // Opens just after the first full snapshot, with content.
    let t0 = page
        .eval("window.reelViewer.player.widget.current()")
        .await
        .as_i64()
        .unwrap();
    assert!(t0 > 0);
    assert!(
        page.eval("document.querySelector('.replay iframe').contentDocument.body.children.length")
            .await
            .as_i64()
            .unwrap()
            > 0
    );
    // Markers for page loads on the seek bar.
    assert!(
        page.eval("document.querySelectorAll('.marker.load').length")
            .await
            .as_i64()
            .unwrap()
            >= 1
    );
    // Play at 8×: time advances; pause stops it.
    page.eval("(() => { const s = document.querySelector('select.speed'); s.value = '8'; s.dispatchEvent(new Event('change')); document.querySelector('button.play').click(); })()").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    page.eval("document.querySelector('button.play').click()")
        .await;
    let t1 = page
        .eval("window.reelViewer.player.widget.current()")
        .await
        .as_i64()
        .unwrap();
    let dbg = page
        .eval("JSON.stringify({vis: document.visibilityState, st: window.reelViewer.player.widget.replayer.service.state.value, playing: window.reelViewer.player.widget.playing, speed: window.reelViewer.player.widget.speed})")
        .await;
    assert!(t1 > t0 + 1000, "played from {t0} to {t1}: {dbg}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        page.eval("window.reelViewer.player.widget.current()")
            .await
            .as_i64(),
        Some(t1)
    );
    // The seek bar seeks.
    page.eval("(() => { const s = document.querySelector('input.seek'); s.value = '3000'; s.dispatchEvent(new Event('change')); })()").await;
    assert_eq!(
        page.eval("window.reelViewer.player.widget.current()")
            .await
            .as_i64(),
        Some(3000)
    );
    // Window switching.
    assert_eq!(
        page.eval("document.querySelectorAll('select.window option').length")
            .await,
        2
    );
    page.eval("(() => { const s = document.querySelector('select.window'); s.value = '1'; s.dispatchEvent(new Event('change')); })()").await;
    assert_eq!(
        page.eval("window.reelViewer.player.widget.windowIndex")
            .await,
        1
    );
    assert!(
        page.eval("document.querySelector('.replay iframe').contentDocument.body.children.length")
            .await
            .as_i64()
            .unwrap()
            > 0
    );
    assert!(page.errors().is_empty(), "{:?}", page.errors());
}

#[test]
fn export_rejects_bad_input() {
    let ws = Workspace::new();
    std::fs::write(ws.path("bad.json"), b"{nope").unwrap();
    let o = ws.reel(
        &[
            "export",
            ws.path("bad.json").to_str().unwrap(),
            "--html",
            ws.path("out.html").to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!ws.path("out.html").exists());
}

#[test]
fn exported_hostile_recording_is_inert() {
    one_page_at_a_time(async {
        let ws = Workspace::new();
        std::fs::write(ws.path("hostile.json"), hostile_recording()).unwrap();
        let o = ws.reel(
            &[
                "export",
                ws.path("hostile.json").to_str().unwrap(),
                "--html",
                ws.path("hostile.html").to_str().unwrap(),
            ],
            false,
        );
        assert_eq!(o.status.code(), Some(0));
        let page = Opened::open(&ws.path("hostile.html")).await;
        page.wait_for("window.reelViewer.player && window.reelViewer.player.status !== 'loading'")
            .await;
        assert_eq!(page.eval("window.reelViewer.player.status").await, "ready");
        // Through the whole session: the error marker, the end.
        for t in [0, 600, 1500, 2000] {
            page.eval(&format!("window.reelViewer.player.widget.seekTo({t})"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(page.eval("document.title").await, "reel player");
        assert_eq!(
            page.eval("document.querySelectorAll('script').length")
                .await,
            3
        );
        assert_eq!(
            page.eval("document.querySelectorAll('[onerror], [onload]').length")
                .await,
            0
        );
        // The console error is on the timeline, as text.
        let timeline = page
            .eval("document.querySelector('.timeline').textContent")
            .await;
        assert!(timeline.as_str().unwrap().contains(HOSTILE), "{timeline}");
        // The replayed document got the recorded DOM, inert: the sandbox has no allow-scripts.
        assert_eq!(
            page.eval("document.querySelector('.replay iframe').contentDocument.querySelector('h1').textContent")
                .await,
            HOSTILE
        );
        assert!(page.errors().is_empty(), "{:?}", page.errors());
    });
}
