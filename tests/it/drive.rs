//! `reel drive` end to end: the real apps the recordings were made on, served on 127.0.0.1 (see
//! `drive_support`), driven by the real binary in the shared headless Chromium; and the live
//! side on its own, with steps built by hand.

use crate::common::*;
use crate::drive_support::{self, Variant, serve};
use reel::drive::live::{self, LiveOptions, WindowDrive};
use reel::drive::url_map::{UrlMap, UrlSpec};
use reel::drive::{Action, Locator, Step, StepStatus, Strategy};
use reel::plan::{Checkpoint, Reason, checkpoint_name};
use std::sync::Arc;

fn step(window: &str, t_ms: i64, action: Action) -> Step {
    Step::new(window, t_ms, action)
}

fn css(selector: &str) -> Locator {
    Locator {
        strategy: Strategy::Path,
        selector: selector.into(),
        confidence: 0.5,
    }
}

fn cp(t_ms: i64) -> Checkpoint {
    Checkpoint {
        name: checkpoint_name(t_ms, Reason::Click),
        t_ms,
        reason: Reason::Click,
        viewport: (1024, 768),
    }
}

/// Todos of the backbone example as its pages stored them: (title, completed), in list order.
fn backbone_todos(server: &drive_support::AppServer) -> Vec<(String, bool)> {
    let ids = server.stored("todos-backbone").unwrap_or_default();
    ids.split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            let todo: serde_json::Value =
                serde_json::from_str(&server.stored(&format!("todos-backbone-{id}")).unwrap())
                    .unwrap();
            (
                todo["title"].as_str().unwrap().to_string(),
                todo["completed"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The live side alone: `steps` performed on a fresh context of the shared browser.
fn drive_live(
    rt: &tokio::runtime::Runtime,
    window: &reel::recording::WindowStream,
    steps: &[Step],
    plan: &[Checkpoint],
    map: &Arc<UrlMap>,
) -> live::LiveResult {
    rt.block_on(async {
        let session = attached_session().await;
        let windows = vec![WindowDrive {
            window,
            steps: steps.to_vec(),
            plan: plan.to_vec(),
        }];
        let result = live::drive(
            &session,
            &windows,
            map.clone(),
            &LiveOptions::default(),
            &|locators: &[Locator], i: usize| locators[i].confidence,
        )
        .await
        .unwrap();
        session.close().await;
        result
    })
}

#[test]
fn hand_made_steps_drive_todomvc_the_same_way_twice() {
    let recording = reel::recording::load(
        &recording("todomvc-backbone/rrweb-events.json"),
        &Default::default(),
    )
    .unwrap();
    let window = &recording.windows[0];
    let w = window.id.as_str();
    let page = "http://127.0.0.1:8700/todomvc/examples/backbone/index.html";
    let mut steps = vec![step(w, 0, Action::Navigate)];
    steps[0].text = Some(page.into());
    for (t, title) in [(1000, "Buy milk"), (2000, "Walk the dog")] {
        let mut s = step(w, t, Action::Type);
        s.text = Some(title.into());
        s.enter = true;
        s.locators = vec![css("#nothing-here"), css("#new-todo")];
        steps.push(s);
    }
    let mut toggle = step(w, 3000, Action::Click);
    toggle.locators = vec![css("#todo-list li:first-child .toggle")];
    steps.push(toggle);
    let mut gone = step(w, 3500, Action::Click);
    gone.locators = vec![css("#no-such-control"), css(".nor-this")];
    steps.push(gone);
    let mut active = step(w, 4000, Action::Click);
    active.locators = vec![css("#filters a[href=\"#/active\"]")];
    steps.push(active);
    let plan = vec![cp(1500), cp(3200), cp(4600)];

    let server = serve(Variant::Unchanged);
    let spec: UrlSpec = server.url_arg().parse().unwrap();
    let map = Arc::new(UrlMap::resolve(&[spec], &[]).unwrap());
    let rt = tokio_runtime();
    let drive_once = || drive_live(&rt, window, &steps, &plan, &map);
    let first = drive_once();
    let statuses: Vec<StepStatus> = first.steps.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        vec![
            StepStatus::Ok,
            StepStatus::Ok,
            StepStatus::Ok,
            StepStatus::Ok,
            StepStatus::Unresolved,
            StepStatus::Ok
        ],
        "{:#?}",
        first.steps
    );
    let finding = first.steps[4].finding.as_deref().unwrap();
    assert!(
        finding.contains("\"#no-such-control\" (0 matches)"),
        "{finding}"
    );
    assert_eq!(
        backbone_todos(&server),
        vec![
            ("Buy milk".to_string(), true),
            ("Walk the dog".to_string(), false)
        ]
    );
    assert_eq!(first.windows[0].shots.len(), 3);
    assert!(
        first.windows[0].console.is_empty(),
        "{:?}",
        first.windows[0].console
    );

    let second = drive_once();
    for (a, b) in first.windows[0].shots.iter().zip(&second.windows[0].shots) {
        assert!(
            a.png == b.png,
            "{}: the second drive painted another frame",
            a.checkpoint.name
        );
    }
}

/// The live side alone on one of the test server's own pages (`path`): a page load, then
/// `steps` (window "default"), screenshots at `plan`.
fn drive_test_page(path: &str, steps: Vec<Step>, plan: &[Checkpoint]) -> live::LiveResult {
    let server = serve(Variant::Unchanged);
    let window = reel::recording::WindowStream {
        id: "default".into(),
        events: Vec::new(),
    };
    let mut open = step("default", 0, Action::Navigate);
    open.text = Some(format!("http://127.0.0.1:8700{path}"));
    let steps: Vec<Step> = std::iter::once(open).chain(steps).collect();
    let spec: UrlSpec = server.url_arg().parse().unwrap();
    let map = Arc::new(UrlMap::resolve(&[spec], &[]).unwrap());
    drive_live(&tokio_runtime(), &window, &steps, plan, &map)
}

/// The RGB of pixel (`x`, `y`) of a screenshot.
fn pixel(png: &[u8], x: u32, y: u32) -> [u8; 3] {
    let img = image::load_from_memory(png).unwrap().to_rgb8();
    img.get_pixel(x, y).0
}

/// What a live screenshot waits for: the end of a hover transition, an infinite animation held at
/// its start, and an IntersectionObserver's callback (delivered after a frame, so the screenshot
/// must let frames run while the page has observers); the same pixels in two drives.
#[test]
fn live_screenshots_show_finished_transitions_and_what_observers_did() {
    let w = "default";
    let mut hover = step(w, 1000, Action::Hover);
    hover.locators = vec![css("#hover")];
    let mut show = step(w, 2000, Action::Click);
    show.locators = vec![css("#show")];
    let plan = vec![cp(1500), cp(2500)];
    let drive_once = || {
        drive_test_page(
            drive_support::FRAMES_PAGE_PATH,
            vec![hover.clone(), show.clone()],
            &plan,
        )
    };
    let first = drive_once();
    assert!(
        first.steps.iter().all(|s| s.status == StepStatus::Ok),
        "{:#?}",
        first.steps
    );
    let shots = &first.windows[0].shots;
    assert_eq!(shots.len(), 2);
    assert_eq!(
        pixel(&shots[0].png, 100, 50),
        [255, 0, 0],
        "hovered, transition ended"
    );
    assert_eq!(
        pixel(&shots[0].png, 100, 350),
        [0, 0, 0],
        "not observed yet"
    );
    assert_eq!(
        pixel(&shots[1].png, 100, 350),
        [0, 255, 0],
        "the observer's callback ran"
    );
    // The spinning box held at its start: unrotated, its corner is blue.
    assert_eq!(pixel(&shots[1].png, 402, 2), [0, 0, 255]);
    let second = drive_once();
    for (a, b) in shots.iter().zip(&second.windows[0].shots) {
        assert!(a.png == b.png, "{}: another frame", a.checkpoint.name);
    }
}

/// A checkpoint with nothing run since the previous screenshot (no step, no timer, no request)
/// of a still page is that screenshot again; a timer that changed the page, or an animation
/// running on it, makes a new one.
#[test]
fn a_still_page_is_not_shot_again_until_something_ran() {
    let driven = drive_test_page(
        drive_support::TIMER_PAGE_PATH,
        Vec::new(),
        &[cp(1000), cp(2000), cp(2500), cp(4000), cp(4500)],
    );
    let shots = &driven.windows[0].shots;
    let repeated: Vec<bool> = shots.iter().map(|s| s.repeated).collect();
    assert_eq!(repeated, [false, true, true, false, true]);
    assert_eq!(pixel(&shots[2].png, 100, 50), [0, 0, 255]);
    assert_eq!(pixel(&shots[3].png, 100, 50), [255, 0, 0], "the timer ran");
    assert!(shots[1].png == shots[0].png && shots[4].png == shots[3].png);

    let animated = drive_test_page(
        drive_support::FRAMES_PAGE_PATH,
        Vec::new(),
        &[cp(1000), cp(2000)],
    );
    let shots = &animated.windows[0].shots;
    assert_eq!(shots.len(), 2);
    assert!(
        shots.iter().all(|s| !s.repeated),
        "a page with a running animation is shot every time"
    );
}

/// A click on what is wholly in view leaves the page where the user scrolled it (a person
/// scrolls only to what they cannot see or reach), and a live screenshot is of the scrolled
/// viewport, not of the document's top; a target in view but under a fixed header is scrolled to.
#[test]
fn clicks_keep_the_users_scroll_and_screenshots_show_the_scrolled_view() {
    let w = "default";
    let mut scroll = step(w, 1000, Action::Scroll);
    scroll.scroll = Some((0.0, 1000.0));
    let mut click = step(w, 2000, Action::Click);
    click.locators = vec![css("#mark")];
    let mut covered = step(w, 3000, Action::Click);
    covered.locators = vec![css("#under")];
    let driven = drive_test_page(
        drive_support::SCROLLED_PAGE_PATH,
        vec![scroll, click, covered],
        &[cp(1500), cp(2500)],
    );
    assert!(
        driven.steps.iter().all(|s| s.status == StepStatus::Ok),
        "{:#?}",
        driven.steps
    );
    let shots = &driven.windows[0].shots;
    assert_eq!(shots.len(), 2);
    for shot in shots {
        assert_eq!(
            pixel(&shot.png, 500, 80),
            [0, 255, 0],
            "{}: the band 1000 px down is at the top of the view (below the header)",
            shot.checkpoint.name
        );
    }
    assert_eq!(
        pixel(&shots[1].png, 50, 220),
        [0, 0, 255],
        "the button (200 px into the view) was clicked where it was"
    );
}

/// `reel drive` in `dir` against `server`, attached to the shared browser.
fn drive(
    dir: &std::path::Path,
    recordings: &[std::path::PathBuf],
    url: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = reel();
    cmd.current_dir(dir)
        .arg("drive")
        .args(recordings)
        .args(["--url", url, "--browser-ws", &browser_ws()])
        .args(extra);
    run(&mut cmd)
}

fn report(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("reel-report/report.json")).unwrap()).unwrap()
}

#[test]
fn the_unchanged_build_driven_twice_passes_with_every_frame_kept() {
    let server = serve(Variant::Unchanged);
    let dir = tempfile::tempdir().unwrap();
    let rec = recording("todomvc-backbone/posthog-blob.jsonl");
    // Drives the recording (it must pass) and returns the log.
    let drive_passing = |extra: &[&str]| {
        let out = drive(
            dir.path(),
            std::slice::from_ref(&rec),
            &server.url_arg(),
            extra,
        );
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    drive_passing(&[]);
    let r1 = report(dir.path());
    // Each window's replay (steps located, recorded frames) is kept for the next drive.
    let kept_dir = dir.path().join(".reel/cache/drive");
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(&kept_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 2, "one kept replay per window: {kept:?}");
    let log = drive_passing(&["-v"]);
    assert_eq!(
        log.matches("steps and recorded frames read from").count(),
        2,
        "{log}"
    );
    let r2 = report(dir.path());
    assert_eq!(
        r1["recordings"][0]["steps"], r2["recordings"][0]["steps"],
        "the kept replay locates every step as the replay did"
    );
    let rec2 = &r2["recordings"][0];
    let checkpoints = rec2["checkpoints"].as_array().unwrap();
    assert_eq!(
        checkpoints.len(),
        r1["recordings"][0]["checkpoints"].as_array().unwrap().len()
    );
    // Two windows (tabs), each with its page loads.
    let windows: std::collections::BTreeSet<&str> = checkpoints
        .iter()
        .map(|c| c["window"].as_str().unwrap())
        .collect();
    assert_eq!(windows.len(), 2);
    for c in checkpoints {
        assert_eq!(c["status"], "pass", "{c}");
        for key in ["actual", "recorded"] {
            let path = c[key].as_str().unwrap_or_else(|| panic!("{key} of {c}"));
            assert!(
                dir.path().join("reel-report").join(path).is_file(),
                "{path}"
            );
        }
    }
    assert_recorded_frames_are_replays(dir.path(), &rec, checkpoints);
    // A damaged kept replay is replayed again (and replaced); the drive still passes.
    std::fs::write(&kept[0], b"not a replay").unwrap();
    let log = drive_passing(&["-v"]);
    assert_eq!(log.matches("kept replay not used").count(), 1, "{log}");
    assert_eq!(
        log.matches("steps and recorded frames read from").count(),
        1
    );
    assert!(
        std::fs::read(&kept[0])
            .unwrap()
            .starts_with(b"reel-drive-replay/")
    );
    assert_eq!(
        report(dir.path())["summary"]["by_status"],
        r2["summary"]["by_status"]
    );
    let steps = rec2["steps"].as_array().unwrap();
    let navigations = steps.iter().filter(|s| s["action"] == "navigate").count();
    assert_eq!(
        navigations, 3,
        "two loads of the first tab, one of the second"
    );
    assert!(steps.len() > 20, "{steps:?}");
    assert!(steps.iter().all(|s| s["status"] == "ok"), "{steps:?}");
    assert_eq!(r2["summary"]["by_status"]["pass"], checkpoints.len());
    // The recording's final state: its last frame shows these two todos, the first one done.
    assert_eq!(backbone_todos(&server), final_todos());
    // The second tab (the VanillaJS example): the two todos typed there (masked when recorded,
    // their titles recovered from what the app rendered), neither done.
    let vanilla: serde_json::Value = serde_json::from_str(
        &server
            .stored("todos-vanillajs")
            .expect("the second tab stored nothing"),
    )
    .unwrap();
    let vanilla: Vec<(&str, bool)> = vanilla["todos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["title"].as_str().unwrap(),
                t["completed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        vanilla,
        [("Second tab todo", false), ("Another one", false)]
    );
}

/// The recorded frames of a drive come from the replay that also locates the steps: locating
/// between the checkpoints changes none of them (the same pixels as `reel replay`'s).
fn assert_recorded_frames_are_replays(
    dir: &std::path::Path,
    rec: &std::path::Path,
    checkpoints: &[serde_json::Value],
) {
    let replayed = dir.join("replayed");
    replay_into(rec, &replayed);
    let several = checkpoints
        .iter()
        .any(|c| c["window"] != checkpoints[0]["window"]);
    for c in checkpoints {
        let name = c["name"].as_str().unwrap();
        let folder = match several {
            true => replayed.join(c["window"].as_str().unwrap()),
            false => replayed.clone(),
        };
        let recorded = decode_png(
            &dir.join("reel-report")
                .join(c["recorded"].as_str().unwrap()),
        );
        assert!(
            recorded == decode_png(&folder.join(format!("{name}.png"))),
            "the recorded frame {name} differs from reel replay's"
        );
    }
}

/// What todomvc-backbone's first tab holds at the end of the recording.
fn final_todos() -> Vec<(String, bool)> {
    vec![
        ("Buy milk and eggs".to_string(), true),
        ("Renew passport".to_string(), false),
    ]
}

#[test]
fn swagger_ui_calls_are_answered_from_the_recording_and_other_hosts_blocked() {
    let server = serve(Variant::Unchanged);
    let dir = tempfile::tempdir().unwrap();
    let out = drive(
        dir.path(),
        &[recording("swagger-ui/posthog-blob.jsonl")],
        &server.url_arg(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let r = report(dir.path());
    let rec = &r["recordings"][0];
    assert_eq!(
        rec["blocked_hosts"],
        serde_json::json!(["http://127.0.0.1:8701"])
    );
    // The OpenAPI document (twice: the reload loads it again) and the four "Try it out" calls.
    assert!(rec["recorded_answers"].as_u64().unwrap() >= 6, "{rec}");
    let served = server.requests();
    assert!(
        served.iter().any(|p| p == "/swagger/index.html"),
        "{served:?}"
    );
    assert!(
        !served
            .iter()
            .any(|p| p.contains("openapi.json") || p.starts_with("/api/")),
        "the build was asked for what the recording answers: {served:?}"
    );
    assert!(
        rec["console"]["errors"].as_array().unwrap().is_empty(),
        "{rec}"
    );
    assert_recorded_frames_are_replays(
        dir.path(),
        &recording("swagger-ui/posthog-blob.jsonl"),
        rec["checkpoints"].as_array().unwrap(),
    );
}

#[test]
fn a_new_console_error_of_the_build_is_a_new_error() {
    let good = serve(Variant::Unchanged);
    let broken = serve(Variant::ConsoleError);
    let dir = tempfile::tempdir().unwrap();
    let rec = recording("todomvc-backbone/rrweb-events.json");
    assert_eq!(
        drive(dir.path(), std::slice::from_ref(&rec), &good.url_arg(), &[])
            .status
            .code(),
        Some(0)
    );
    let out = drive(dir.path(), &[rec], &broken.url_arg(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let r = report(dir.path());
    let console = &r["recordings"][0]["console"];
    let new_errors = console["new_errors"].as_array().unwrap();
    assert_eq!(new_errors.len(), 2, "one per page load: {console}");
    for e in new_errors {
        assert_eq!(e["message"], drive_support::VARIANT_ERROR);
        assert_eq!(e["source"], "live");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2 new console errors"), "{stdout}");
}

#[test]
fn bad_input_and_an_unreachable_build_end_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recording("todomvc-backbone/rrweb-events.json");
    let one_line = |out: &std::process::Output| {
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        err
    };

    let bad = drive(
        dir.path(),
        std::slice::from_ref(&rec),
        "127.0.0.1:3000",
        &[],
    );
    assert_eq!(bad.status.code(), Some(2));
    // A bad flag value is clap's one error line (and its pointer to --help).
    let err = String::from_utf8_lossy(&bad.stderr).to_string();
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with("error: ") && first.contains("--url") && first.contains("origin"),
        "{err}"
    );
    let mut no_url = reel();
    no_url
        .current_dir(dir.path())
        .args(["drive", "--browser-ws", &browser_ws()])
        .arg(&rec);
    let no_url = run(&mut no_url);
    assert_eq!(no_url.status.code(), Some(2));
    assert!(one_line(&no_url).contains("no --url given"));

    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = drive(
        dir.path(),
        std::slice::from_ref(&rec),
        &format!("http://127.0.0.1:{port}"),
        &[],
    );
    assert_eq!(down.status.code(), Some(3));
    assert!(one_line(&down).contains("unreachable"));
    assert!(!dir.path().join("reel-report").exists(), "nothing written");

    let events: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&rec).unwrap()).unwrap();
    let no_meta: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] != 4).collect();
    let path = dir.path().join("no-page-loads.json");
    std::fs::write(&path, serde_json::to_vec(&no_meta).unwrap()).unwrap();
    let none = drive(dir.path(), &[path], "http://127.0.0.1:9", &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(one_line(&none).contains("no page loads"));

    // Without a full snapshot nothing can be located: the live drive, already under way, stops
    // at the first step it waits for, and the report says why in locating's words.
    let server = serve(Variant::Unchanged);
    let no_snapshot: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] != 2).collect();
    let path = dir.path().join("no-full-snapshot.json");
    std::fs::write(&path, serde_json::to_vec(&no_snapshot).unwrap()).unwrap();
    let out = drive(dir.path(), &[path], &server.url_arg(), &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reel-report/report.json")).unwrap())
            .unwrap();
    let error = report["recordings"][0]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("has no FullSnapshot"), "{report:#}");

    // A browser that cannot start is the command's error, as in `reel run`.
    let mut no_browser = reel();
    no_browser
        .current_dir(dir.path())
        .arg("drive")
        .arg(&rec)
        .args([
            "--url",
            &server.url_arg(),
            "--chrome",
            "/nonexistent/chrome",
        ]);
    let no_browser = run(&mut no_browser);
    assert_eq!(no_browser.status.code(), Some(3), "{no_browser:?}");
    let err = String::from_utf8_lossy(&no_browser.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("error: ") && l.contains("/nonexistent/chrome")),
        "{err}"
    );
}

/// Checkpoint name, status and actual image of a report's only recording.
fn checkpoint_table(
    dir: &std::path::Path,
    report: &serde_json::Value,
) -> Vec<(String, String, std::path::PathBuf)> {
    report["recordings"][0]["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                dir.join("reel-report").join(c["actual"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn a_css_change_changes_exactly_the_checkpoints_that_show_the_restyled_control() {
    let good = serve(Variant::Unchanged);
    let restyled = serve(Variant::Css);
    let dir = tempfile::tempdir().unwrap();
    let rec = recording("todomvc-backbone/rrweb-events.json");
    let first = drive(dir.path(), std::slice::from_ref(&rec), &good.url_arg(), &[]);
    assert_eq!(first.status.code(), Some(0));
    let out = drive(dir.path(), &[rec], &restyled.url_arg(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let table = checkpoint_table(dir.path(), &report(dir.path()));
    let mut showing = Vec::new();
    for (name, status, actual) in &table {
        let (_, _, rgba) = decode_png(actual);
        let visible = rgba.chunks(4).any(|p| p[..3] == drive_support::RESTYLED);
        if visible {
            showing.push(name.clone());
        }
        assert_eq!(
            status == "changed",
            visible,
            "{name}: status {status}, restyled control visible: {visible}"
        );
    }
    assert!(
        !showing.is_empty() && showing.len() < table.len(),
        "the control shows in some checkpoints only: {showing:?}"
    );
}

/// The click of a report at `t_ms`.
fn click_at(report: &serde_json::Value, t_ms: i64) -> serde_json::Value {
    report["recordings"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["t_ms"] == t_ms && s["action"] == "click")
        .unwrap_or_else(|| panic!("no click at {t_ms}"))
        .clone()
}

/// When the user clicked "Clear completed" and the filters (Active, Completed, All) in
/// todomvc-backbone.
const CLEAR_COMPLETED_MS: i64 = 16043;
const FILTER_CLICKS_MS: [i64; 3] = [13571, 14859, 17221];

#[test]
fn a_renamed_control_still_resolves_at_lower_confidence() {
    let good = serve(Variant::Unchanged);
    let renamed = serve(Variant::Renamed);
    let rec = recording("todomvc-backbone/rrweb-events.json");
    let before = tempfile::tempdir().unwrap();
    let unchanged = drive(
        before.path(),
        std::slice::from_ref(&rec),
        &good.url_arg(),
        &[],
    );
    assert_eq!(unchanged.status.code(), Some(0));
    let original = click_at(&report(before.path()), CLEAR_COMPLETED_MS);
    let after = tempfile::tempdir().unwrap();
    drive(after.path(), &[rec], &renamed.url_arg(), &[]);
    let moved = click_at(&report(after.path()), CLEAR_COMPLETED_MS);
    assert_eq!(original["locator"]["selector"], "#clear-completed");
    assert_eq!(moved["status"], "ok", "{moved}");
    assert_ne!(
        moved["locator"]["strategy"],
        original["locator"]["strategy"]
    );
    let (was, is) = (
        original["locator"]["confidence"].as_f64().unwrap(),
        moved["locator"]["confidence"].as_f64().unwrap(),
    );
    assert!(is > 0.0 && is < was, "confidence {was} -> {is}");
    // The click still did its job: the completed todos were cleared as when recorded.
    assert_eq!(backbone_todos(&renamed), final_todos());
}

#[test]
fn a_removed_control_is_a_finding_and_later_steps_still_run() {
    let removed = serve(Variant::Removed);
    let dir = tempfile::tempdir().unwrap();
    let out = drive(
        dir.path(),
        &[recording("todomvc-backbone/rrweb-events.json")],
        &removed.url_arg(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let r = report(dir.path());
    for (t, name) in FILTER_CLICKS_MS.iter().zip(["Active", "Completed", "All"]) {
        let gone = click_at(&r, *t);
        assert_eq!(gone["status"], "unresolved", "{gone}");
        let finding = gone["finding"].as_str().unwrap();
        assert!(
            finding.contains("no longer resolves") && finding.contains(name),
            "{finding}"
        );
    }
    // Every other step, before and after, was performed.
    let steps = r["recordings"][0]["steps"].as_array().unwrap();
    let others: Vec<&serde_json::Value> = steps
        .iter()
        .filter(|s| !FILTER_CLICKS_MS.contains(&s["t_ms"].as_i64().unwrap()))
        .collect();
    assert!(
        others
            .iter()
            .filter(|s| s["t_ms"].as_i64().unwrap() > FILTER_CLICKS_MS[2])
            .count()
            > 2
    );
    assert!(others.iter().all(|s| s["status"] == "ok"), "{others:?}");
    assert_eq!(r["recordings"][0]["status"], "fail");
    let junit = std::fs::read_to_string(dir.path().join("reel-report/junit.xml")).unwrap();
    assert!(junit.contains("type=\"unresolved\""), "{junit}");
    assert_eq!(
        crate::ci::schema_errors(
            "report.schema.json",
            &dir.path().join("reel-report/report.json")
        ),
        ""
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("no longer resolves"), "{stdout}");
    crate::report_html::one_page_at_a_time(drive_view_of_the_report(
        dir.path().join("reel-report"),
        r,
    ));
}

/// The HTML report of a drive, in Chromium: its steps listed with their findings and on the
/// replay's timeline (a row seeks the replay to its moment), and a checkpoint's deep link opening
/// the recorded frame beside the driven one.
async fn drive_view_of_the_report(out: std::path::PathBuf, r: serde_json::Value) {
    use crate::report_html::{Opened, file_url};
    let rec = &r["recordings"][0];
    let id = rec["id"].as_str().unwrap();
    let steps = rec["steps"].as_array().unwrap();
    let cp = &rec["checkpoints"][1];
    let name = cp["name"].as_str().unwrap();
    let page = Opened::open_url(&file_url(
        &out.join("index.html"),
        &format!("#{id}/{name}?view=driven"),
    ))
    .await;
    assert_eq!(
        page.eval("window.reelViewer.error").await,
        serde_json::Value::Null
    );
    assert_eq!(page.eval("window.reelViewer.route.view").await, "driven");

    // The recorded frame beside the driven one, both loaded from the report folder.
    let images =
        format!("[...document.querySelectorAll('.full-host[data-name=\"{name}\"] .side img')]");
    page.wait_for(&format!(
        "{images}.length === 2 && {images}.every((i) => i.complete && i.naturalWidth > 0)"
    ))
    .await;
    assert_eq!(
        page.eval(&format!(
            "{images}.map((i) => [i.getAttribute('src'), i.nextSibling ? i.nextSibling.textContent : null])"
        ))
        .await,
        serde_json::json!([[cp["recorded"], "recorded"], [cp["actual"], "driven"]])
    );

    // Every step, in order, with its status; the findings shown where a step is not ok.
    let rows = page
        .eval("[...document.querySelectorAll('ol.steps li')].map((li) => [Number(li.dataset.t), li.dataset.status, (li.querySelector('.finding') || {}).textContent || null])")
        .await;
    let expected: Vec<serde_json::Value> = steps
        .iter()
        .map(|s| serde_json::json!([s["t_ms"], s["status"], s["finding"]]))
        .collect();
    assert_eq!(rows, serde_json::Value::Array(expected));
    let unresolved = steps.iter().filter(|s| s["status"] == "unresolved").count();
    assert_eq!(unresolved, 3);

    // On the replay's timeline, unresolved steps marked; a row seeks the replay to its step.
    let widget = "window.reelViewer.widgets[0]";
    page.wait_for(&format!("{widget} && {widget}.status === 'ready'"))
        .await;
    assert_eq!(
        page.eval("document.querySelectorAll('.timeline button.kind-step.step-unresolved').length")
            .await,
        unresolved
    );
    assert_eq!(
        page.eval("document.querySelectorAll('.marker.step.step-unresolved').length")
            .await,
        unresolved
    );
    let t = FILTER_CLICKS_MS[1];
    page.eval(&format!(
        "document.querySelector('ol.steps li[data-t=\"{t}\"]').click()"
    ))
    .await;
    page.wait_for(&format!("{widget}.widget.current() === {t}"))
        .await;
    assert_eq!(page.errors(), Vec::<String>::new());
}
