//! Reviewing a run from the HTML report, in real headless Chromium: deep links open checkpoints,
//! new baselines are shown as images, the `reel approve` commands the report shows are exact
//! (run through a shell, they approve exactly what they name), the count chips filter, the
//! slider's handle and thumb sit on the divider (measured in screenshot pixels), console rows
//! and the timeline follow the replay, and recordings fetched from PostHog link back to it.

use crate::common::*;
use crate::report_html::{Opened, file_url, one_page_at_a_time, report_json};
use base64::Engine;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, Viewport,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const SESSION: &str = "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000";
/// A window id a shell would trip over, were it not quoted.
const ODD_WINDOW: &str = "w'1 $(touch pwned) \"x\"";
const OUT: &str = "my report";

/// A word for a POSIX shell, quoted only when it must be.
fn sh_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_/.:@%+=,-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// JavaScript's `encodeURIComponent`.
fn uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The synthetic recording of `common` as PostHog serves it: `[window, event]` lines, in two
/// windows (the second starting 200 ms later).
fn two_window_posthog() -> String {
    let events: Vec<Value> = serde_json::from_str(&synthetic_recording("tabs", None)).unwrap();
    let mut lines = String::new();
    for (window, shift) in [(ODD_WINDOW, 0), ("w2", 200)] {
        for e in &events {
            let mut e = e.clone();
            e["timestamp"] = json!(e["timestamp"].as_i64().unwrap() + shift);
            lines.push_str(&json!([window, e]).to_string());
            lines.push('\n');
        }
    }
    lines
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn out(&self) -> PathBuf {
        self.path(OUT)
    }

    fn run(&self, recordings: &[&str], ci: bool) -> std::process::Output {
        let mut cmd = reel();
        cmd.current_dir(self.dir.path())
            .args([
                "run",
                "--browser-ws",
                &browser_ws(),
                "--jobs",
                "2",
                "--out",
                OUT,
            ])
            .args(recordings);
        if ci {
            cmd.env("CI", "true");
        }
        run(&mut cmd)
    }

    /// Runs `command` (copied from the report) in a shell where `reel` is this build's binary.
    fn shell(&self, command: &str) -> std::process::Output {
        let bin = Path::new(env!("CARGO_BIN_EXE_reel")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env_remove("CI")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Every baseline file and its bytes.
    fn baselines(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.path("snapshots")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }
}

fn pixels(path: &Path) -> Vec<u8> {
    decode_png(path).2
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The page's pixels in `rect` (CSS pixels; the test browser has a device scale factor of 1).
async fn screenshot(page: &Opened, rect: &Value) -> image::RgbaImage {
    let f = |k: &str| rect[k].as_f64().unwrap();
    let params = CaptureScreenshotParams {
        format: Some(CaptureScreenshotFormat::Png),
        quality: None,
        clip: Some(Viewport {
            x: f("x"),
            y: f("y"),
            width: f("width"),
            height: f("height"),
            scale: 1.0,
        }),
        from_surface: Some(true),
        capture_beyond_viewport: Some(true),
        optimize_for_speed: None,
    };
    let resp = page.page.execute(params).await.unwrap();
    let b64: &str = resp.result.data.as_ref();
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    image::load_from_memory(&png).unwrap().to_rgba8()
}

/// The mean column of the pixels of row `y` close to `rgb`, and how many there are.
fn columns_of(img: &image::RgbaImage, y: u32, rgb: [u8; 3]) -> (f64, usize) {
    let near = |p: &image::Rgba<u8>| (0..3).all(|i| (p.0[i] as i32 - rgb[i] as i32).abs() <= 24);
    let xs: Vec<u32> = (0..img.width())
        .filter(|&x| near(img.get_pixel(x, y)))
        .collect();
    let n = xs.len();
    (
        xs.iter().map(|&x| x as f64).sum::<f64>() / n.max(1) as f64,
        n,
    )
}

#[test]
fn review_loop_in_chromium() {
    one_page_at_a_time(review_loop());
}

async fn review_loop() {
    let ws = Workspace {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::write(
        ws.path("calm.json"),
        synthetic_recording("calm", Some("TypeError: boom")),
    )
    .unwrap();

    // A first run writes every baseline: new baselines are kept in the report folder too.
    assert_eq!(ws.run(&["calm.json"], false).status.code(), Some(0));
    let first = report_json(&ws.out());
    let cps: Vec<Value> = first["recordings"][0]["checkpoints"]
        .as_array()
        .unwrap()
        .clone();
    assert!(cps.len() >= 3, "{cps:?}");
    for cp in &cps {
        assert_eq!(cp["status"], "new");
        let actual = ws.out().join(cp["actual"].as_str().unwrap());
        assert_eq!(
            pixels(&actual),
            pixels(&ws.path(&format!(
                "snapshots/calm/{}.png",
                cp["name"].as_str().unwrap()
            )))
        );
    }
    let name = |i: usize| cps[i]["name"].as_str().unwrap().to_string();
    let (passing, changed, missing) = (name(0), name(1), name(cps.len() - 1));

    // Then: one baseline painted red (changed), one removed (missing), the console baseline
    // removed (its error is new), and a recording fetched from PostHog with no baselines at all.
    let red = ws.path(&format!("snapshots/calm/{changed}.png"));
    let (w, h, _) = decode_png(&red);
    image::RgbaImage::from_pixel(w, h, image::Rgba([255, 0, 0, 255]))
        .save(&red)
        .unwrap();
    std::fs::remove_file(ws.path(&format!("snapshots/calm/{missing}.png"))).unwrap();
    std::fs::remove_file(ws.path("snapshots/calm/console.json")).unwrap();
    std::fs::write(ws.path(&format!("{SESSION}.jsonl")), two_window_posthog()).unwrap();
    std::fs::write(
        ws.path(&format!("{SESSION}.meta.json")),
        json!({"id": SESSION, "distinct_id": "d-1", "start_time": "2026-01-02T03:04:05Z",
               "person": {"name": "Ada", "properties": {"email": "ada@example.com"}},
               "reel_source": {"host": "https://eu.posthog.com", "project": "4242"}})
        .to_string(),
    )
    .unwrap();
    let o = ws.run(&["calm.json", &format!("{SESSION}.jsonl")], true);
    assert_eq!(o.status.code(), Some(1));
    let report = report_json(&ws.out());
    let recs = report["recordings"].as_array().unwrap();
    let calm = recs.iter().position(|r| r["id"] == "calm").unwrap();
    let sess = recs.iter().position(|r| r["id"] == SESSION).unwrap();
    let calm_cps = recs[calm]["checkpoints"].as_array().unwrap();
    let status_of = |n: &str| {
        calm_cps.iter().find(|c| c["name"] == n).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        [
            status_of(&passing),
            status_of(&changed),
            status_of(&missing)
        ],
        ["pass", "changed", "missing"]
    );
    // A passing checkpoint has a thumbnail in the report folder.
    let thumb = calm_cps[0]["thumbnail"].as_str().unwrap();
    assert!(thumb.starts_with("thumbs/calm/"), "{thumb}");
    let (tw, th, _) = decode_png(&ws.out().join(thumb));
    assert!(tw <= 320 && th <= 240 && tw > 0);
    // The PostHog recording: who, when, and a link per checkpoint on the session's clock.
    let ph = &recs[sess]["posthog"];
    assert_eq!(ph["person"], "ada@example.com");
    assert_eq!(ph["start_time"], "2026-01-02T03:04:05Z");
    assert_eq!(
        ph["url"],
        format!("https://eu.posthog.com/project/4242/replay/{SESSION}")
    );
    let sess_cps = recs[sess]["checkpoints"].as_array().unwrap();
    for cp in sess_cps {
        let shift = if cp["window"] == "w2" { 200 } else { 0 };
        let t = (cp["t_ms"].as_i64().unwrap() + shift) / 1000;
        assert_eq!(
            cp["posthog_url"],
            format!("https://eu.posthog.com/project/4242/replay/{SESSION}?t={t}")
        );
        assert_eq!(cp["status"], "missing");
    }
    assert!(calm_cps.iter().all(|c| c.get("posthog_url").is_none()));

    let index = ws.out().join("index.html");
    let out_dir = std::path::absolute(ws.out()).unwrap();
    let out_q = sh_quote(out_dir.to_str().unwrap());

    // A deep link opens its checkpoint, in its view, and seeks the replay there.
    let page = Opened::open_url(&file_url(&index, &format!("#calm/{changed}?view=side"))).await;
    assert_eq!(page.eval("window.reelViewer.error").await, Value::Null);
    assert_eq!(
        page.eval("window.reelViewer.route").await,
        json!({"recording": "calm", "checkpoint": changed, "view": "side", "found": true})
    );
    let cp_sel = format!("#rec-{calm} .checkpoint[data-name=\"{changed}\"]");
    assert_eq!(
        page.eval(&format!(
            "(() => {{ const d = document.querySelector('{cp_sel}'); return [d.open, d.classList.contains('target'), d.querySelector('.compare-box').dataset.mode]; }})()"
        ))
        .await,
        json!([true, true, "side"])
    );
    let changed_t = calm_cps
        .iter()
        .find(|c| c["name"] == changed.as_str())
        .unwrap()["t_ms"]
        .as_i64()
        .unwrap();
    let widget = format!("window.reelViewer.widgets[{calm}]");
    page.wait_for(&format!("{widget} && {widget}.status === 'ready'"))
        .await;
    assert_eq!(
        page.eval(&format!("{widget}.widget.current()")).await,
        changed_t
    );

    // Its approve command, exact; copied as shown.
    let command = format!("reel approve --out {out_q} calm/{changed}");
    assert_eq!(
        page.eval(&format!(
            "document.querySelector('{cp_sel} .command.approve code').textContent"
        ))
        .await,
        command
    );
    page.eval(&format!(
        "document.querySelector('{cp_sel} .command.approve button.copy').click()"
    ))
    .await;
    assert_eq!(page.eval("window.reelViewer.copied").await, command);
    // The copied link opens the checkpoint again, in the view it is in.
    page.eval(&format!(
        "document.querySelector('{cp_sel} summary button.copy').click()"
    ))
    .await;
    let link = page.eval("window.reelViewer.copied").await;
    assert_eq!(
        link,
        file_url(&index, &format!("#calm/{changed}?view=side"))
    );

    // The slider: expected (red) left of the divider, actual right; handle and thumb on it.
    page.eval(&format!(
        "document.querySelector('{cp_sel} button[data-mode=\"slider\"]').click()"
    ))
    .await;
    page.eval(&format!(
        "document.querySelector('{cp_sel}').scrollIntoView()"
    ))
    .await;
    page.wait_for(&format!(
        "[...document.querySelectorAll('{cp_sel} .slider-box img')].every(i => i.complete && i.naturalWidth > 0)"
    ))
    .await;
    let rects = page
        .eval(&format!(
            "(() => {{ const r = document.querySelector('{cp_sel} input.slider'); r.value = '200'; r.dispatchEvent(new Event('input'));
               const rect = (e) => {{ const b = e.getBoundingClientRect(); return {{x: b.left + scrollX, y: b.top + scrollY, width: b.width, height: b.height}}; }};
               return {{box: rect(document.querySelector('{cp_sel} .slider-box')), range: rect(r), img: rect(document.querySelector('{cp_sel} img.under'))}}; }})()"
        ))
        .await;
    let handle = format!("document.querySelector('{cp_sel} .handle').style");
    page.eval(&format!("{handle}.visibility = 'hidden'")).await;
    let bare = screenshot(&page, &rects["box"]).await;
    page.eval(&format!("{handle}.visibility = ''")).await;
    let shown = screenshot(&page, &rects["box"]).await;
    let row = bare.height() / 2;
    let is_red = |x: u32| {
        let p = bare.get_pixel(x, row).0;
        p[0] > 200 && p[1] < 60 && p[2] < 60
    };
    let first_red = (0..bare.width()).find(|&x| is_red(x)).unwrap();
    let divider = (first_red..bare.width()).find(|&x| !is_red(x)).unwrap() as f64;
    let img_w = rects["img"]["width"].as_f64().unwrap();
    let img_x = rects["img"]["x"].as_f64().unwrap() - rects["box"]["x"].as_f64().unwrap();
    assert!(
        (divider - (img_x + 0.2 * img_w)).abs() <= 1.0,
        "the divider is at {divider}, 20% of the image is at {}",
        img_x + 0.2 * img_w
    );
    let (handle_mean, n) = columns_of(&shown, row, [9, 105, 218]);
    assert!((1..=3).contains(&n), "{n} handle columns");
    assert!(
        (handle_mean + 0.5 - divider).abs() <= 1.0,
        "the handle is centred at {}, the divider at {divider}",
        handle_mean + 0.5
    );
    let range_img = screenshot(&page, &rects["range"]).await;
    let (thumb_mean, n) = columns_of(&range_img, range_img.height() / 2, [9, 105, 218]);
    assert!(n >= 8, "{n} thumb columns");
    let thumb_page = rects["range"]["x"].as_f64().unwrap() + thumb_mean + 0.5
        - rects["box"]["x"].as_f64().unwrap();
    assert!(
        (thumb_page - divider).abs() <= 1.5,
        "the thumb is centred at {thumb_page}, the divider at {divider}"
    );
    // Zoom: 2× shows two image pixels per screen pixel.
    page.eval(&format!(
        "document.querySelector('{cp_sel} .zoom button[data-zoom=\"2×\"]').click()"
    ))
    .await;
    assert_eq!(
        page.eval(&format!(
            "(() => {{ const i = document.querySelector('{cp_sel} img.under'); return i.getBoundingClientRect().width / i.naturalWidth; }})()"
        ))
        .await,
        2
    );

    // Run as copied, the command approves exactly that checkpoint.
    let before = ws.baselines();
    let o = ws.shell(&command);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        1,
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let after = ws.baselines();
    let changed_files: Vec<&PathBuf> = after
        .iter()
        .filter(|f| !before.contains(f))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(changed_files, vec![&red]);
    assert_eq!(
        pixels(&red),
        pixels(&ws.out().join(format!("actual/calm/{changed}.png")))
    );

    // New baselines: shown as images that load, each with its approve command.
    let cards = format!("#rec-{sess} .place.new .card");
    assert_eq!(
        page.eval(&format!("document.querySelectorAll('{cards}').length"))
            .await,
        sess_cps.len()
    );
    page.eval(&format!(
        "document.querySelector('#rec-{sess} .place.new').scrollIntoView()"
    ))
    .await;
    page.wait_for(&format!(
        "[...document.querySelectorAll('{cards} img.thumb')].every(i => i.complete && i.naturalWidth === 320)"
    ))
    .await;
    let odd = sess_cps.iter().find(|c| c["window"] == ODD_WINDOW).unwrap();
    let odd_name = odd["name"].as_str().unwrap();
    let card = format!(
        "[...document.querySelectorAll('{cards}')].find(c => c.dataset.window === {} && c.dataset.name === {})",
        js(ODD_WINDOW),
        js(odd_name)
    );
    // Its deep link, followed, opens its full view.
    let hash = format!(
        "#{}/{}/{}",
        uri_component(SESSION),
        uri_component(ODD_WINDOW),
        uri_component(odd_name)
    );
    assert_eq!(
        page.eval(&format!(
            "{card}.querySelector('a.permalink').getAttribute('href')"
        ))
        .await,
        hash
    );
    page.eval(&format!("{card}.querySelector('a.permalink').click()"))
        .await;
    page.wait_for(&format!(
        "window.reelViewer.route && window.reelViewer.route.recording === {}",
        js(SESSION)
    ))
    .await;
    assert_eq!(
        page.eval("window.reelViewer.route").await,
        json!({"recording": SESSION, "checkpoint": odd_name, "view": "actual", "found": true})
    );
    let full = format!("#rec-{sess} .place.new .full-host");
    assert_eq!(
        page.eval(&format!(
            "[document.querySelector('{full}').dataset.window, document.querySelector('{full}').dataset.name, {card}.classList.contains('target')]"
        ))
        .await,
        json!([ODD_WINDOW, odd_name, true])
    );
    page.wait_for(&format!(
        "(() => {{ const i = document.querySelector('{full} img'); return i && i.complete && i.naturalWidth === 320; }})()"
    ))
    .await;
    // The PostHog link of that moment, and who it was.
    assert_eq!(
        page.eval(&format!("{card}.querySelector('a.posthog').href"))
            .await,
        odd["posthog_url"]
    );
    assert_eq!(
        page.eval(&format!(
            "[document.querySelector('#rec-{sess} .posthog-info .person').textContent, document.querySelector('#rec-{sess} .posthog-info .start-time').textContent]"
        ))
        .await,
        json!(["ada@example.com", "2026-01-02T03:04:05Z"])
    );
    // The odd window's name, quoted for the shell, approves that one checkpoint and runs nothing.
    let odd_command = format!(
        "reel approve --out {out_q} {}",
        sh_quote(&format!("{SESSION}/{ODD_WINDOW}/{odd_name}"))
    );
    assert_eq!(
        page.eval(&format!(
            "{card}.querySelector('.command.approve code').textContent"
        ))
        .await,
        odd_command
    );
    let before = ws.baselines();
    ws.shell(&odd_command);
    let new_files: Vec<PathBuf> = ws
        .baselines()
        .into_iter()
        .filter(|f| !before.contains(f))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        new_files,
        vec![ws.path(&format!(
            "snapshots/{SESSION}/{}/{odd_name}.png",
            reel::recording::sanitize_id(ODD_WINDOW)
        ))]
    );
    assert!(!ws.path("pwned").exists());

    // The chips filter. Missing screenshots: both recordings, only their missing checkpoints, and
    // "approve all" names exactly those.
    let visible_rows = "[...document.querySelectorAll('tr.rec-row')].filter(r => !r.hidden).map(r => r.children[1].textContent)";
    let chip = |key: &str| format!("document.querySelector('[data-count=\"{key}\"]').click()");
    page.eval(&chip("status-missing")).await;
    assert_eq!(
        page.eval(visible_rows).await,
        json!(recs.iter().map(|r| r["id"].clone()).collect::<Vec<_>>())
    );
    assert_eq!(
        page.eval(&format!(
            "[...document.querySelectorAll('#rec-{calm} details.checkpoint, #rec-{calm} figure.card')].filter(n => !n.hidden).map(n => n.dataset.name)"
        ))
        .await,
        json!([missing])
    );
    let mut targets: Vec<String> = Vec::new();
    for r in recs {
        for c in r["checkpoints"].as_array().unwrap() {
            if c["status"] == "missing" {
                let mut t = vec![r["id"].as_str().unwrap()];
                t.extend(c["window"].as_str());
                t.push(c["name"].as_str().unwrap());
                targets.push(sh_quote(&t.join("/")));
            }
        }
    }
    let all = format!("reel approve --out {out_q} {}", targets.join(" "));
    assert_eq!(
        page.eval("document.querySelector('.approve-all code').textContent")
            .await,
        all
    );
    ws.shell(&all);
    for c in sess_cps {
        let mut p = ws.path(&format!("snapshots/{SESSION}"));
        p.push(reel::recording::sanitize_id(c["window"].as_str().unwrap()));
        assert!(
            p.join(format!("{}.png", c["name"].as_str().unwrap()))
                .is_file()
        );
    }
    assert!(ws.path(&format!("snapshots/calm/{missing}.png")).is_file());
    assert_eq!(
        pixels(&red),
        pixels(&ws.out().join(format!("actual/calm/{changed}.png")))
    );
    // Passed: none. New console errors: calm only. Text: the person's email finds the session.
    page.eval(&chip("recordings")).await;
    page.eval(&chip("passed")).await;
    assert_eq!(page.eval(visible_rows).await, json!([]));
    page.eval(&chip("recordings")).await;
    page.eval(&chip("new-console-errors")).await;
    assert_eq!(page.eval(visible_rows).await, json!(["calm"]));
    page.eval(&chip("new-console-errors")).await;
    page.eval("(() => { const s = document.querySelector('.filter-text'); s.value = 'ADA@'; s.dispatchEvent(new Event('input')); })()").await;
    assert_eq!(page.eval(visible_rows).await, json!([SESSION]));
    page.eval("(() => { const s = document.querySelector('.filter-text'); s.value = ''; s.dispatchEvent(new Event('input')); })()").await;
    assert_eq!(page.eval(visible_rows).await.as_array().unwrap().len(), 2);

    // Passing checkpoints have thumbnails.
    page.eval(&format!(
        "(() => {{ const d = document.querySelector('#rec-{calm} details.passing'); d.open = true; d.scrollIntoView(); }})()"
    ))
    .await;
    page.wait_for(&format!(
        "(() => {{ const i = document.querySelector('#rec-{calm} details.passing img.thumb'); return i && i.complete && i.naturalWidth > 0; }})()"
    ))
    .await;

    // Each has its link too.
    page.eval(&format!(
        "[...document.querySelectorAll('#rec-{calm} details.passing .card')].find(c => c.dataset.name === {}).querySelector('button.copy').click()",
        js(&passing)
    ))
    .await;
    assert_eq!(
        page.eval("window.reelViewer.copied").await,
        file_url(&index, &format!("#calm/{passing}"))
    );

    // A console row seeks the replay to its moment; the timeline marks where the replay is.
    let row = format!("#rec-{calm} ul.console li.seekable");
    let t = page
        .eval(&format!(
            "(() => {{ const li = document.querySelector('{row}'); li.click(); return Number(li.dataset.t); }})()"
        ))
        .await;
    assert_eq!(t, 900);
    let w = format!("{widget}.widget");
    assert_eq!(page.eval(&format!("{w}.current()")).await, t);
    let marked = page
        .eval(&format!(
            "(() => {{ const before = {w}.items.filter(i => i.t <= 900); const b = document.querySelector('#rec-{calm} .timeline button.current');
               return [{w}.currentItem, before.length - 1, Number(b.dataset.t), before[before.length - 1].t]; }})()"
        ))
        .await;
    assert_eq!(marked[0], marked[1], "{marked}");
    assert_eq!(marked[2], marked[3], "{marked}");
    // Playing, the marked item follows.
    page.eval(&format!(
        "(() => {{ {w}.seekTo(0); const s = document.querySelector('#rec-{calm} select.speed'); s.value = '4'; s.dispatchEvent(new Event('change')); document.querySelector('#rec-{calm} button.play').click(); }})()"
    ))
    .await;
    page.wait_for(&format!("{w}.current() > 1000")).await;
    page.wait_for(&format!(
        "(() => {{ const b = document.querySelector('#rec-{calm} .timeline button.current'); return b && Number(b.dataset.t) > 900; }})()"
    ))
    .await;

    assert!(page.errors().is_empty(), "{:?}", page.errors());
    let refused: Vec<String> = page
        .logs()
        .into_iter()
        .filter(|l| l.contains("Content Security Policy") && !l.contains("app.test"))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");

    // The copied link, opened afresh (a new document), shows the same checkpoint.
    page.page.goto("about:blank").await.unwrap();
    page.page.goto(link.as_str().unwrap()).await.unwrap();
    page.wait_for("window.reelViewer && window.reelViewer.ready")
        .await;
    assert_eq!(
        page.eval("window.reelViewer.route").await,
        json!({"recording": "calm", "checkpoint": changed, "view": "side", "found": true})
    );
    assert!(page.errors().is_empty(), "{:?}", page.errors());
}
