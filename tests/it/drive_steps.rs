//! `reel drive`'s steps and locators in real Chromium: every step of the three app recordings
//! (and of `testbed-errors`, for its same-origin iframe) located in the replayed DOM and checked
//! with `player/locate.js`'s own `resolve`, snapshots of the step lists, and a static fixture page
//! that exercises each locator strategy.

use crate::common::*;
use chromiumoxide::cdp::browser_protocol::page::CreateIsolatedWorldParams;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use reel::drive::locate::locate_steps;
use reel::drive::steps::extract;
use reel::drive::{Action, Step, Strategy};
use reel::recording::{Limits, WindowStream, load};
use reel::replay::player::PlayerPage;
use reel::replay::{BrowserSession, EVENT_CHUNK_BYTES, EventChunks, ReplayOptions};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Instant;

fn windows(rel: &str) -> Vec<WindowStream> {
    load(&recording(rel), &Limits::default())
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .windows
}

fn targeted(s: &Step) -> bool {
    s.node.is_some() && !matches!(s.action, Action::Navigate | Action::Resize)
}

/// Replays `window` again and checks, just before each step with a target, that
/// `__reelLocate.resolveStep` finds exactly the replayed target with the first locator (and the
/// first locator of each frame).
async fn verify(session: &BrowserSession, window: &WindowStream, steps: &[Step]) {
    let chunks = EventChunks::new(window, EVENT_CHUNK_BYTES);
    let page = PlayerPage::open(session).await.unwrap();
    let opts = ReplayOptions::default();
    page.load(&opts, &chunks).await.unwrap();
    for s in steps
        .iter()
        .filter(|s| targeted(s) && s.window == window.id)
    {
        if s.skip.is_none() {
            assert!(
                !s.locators.is_empty(),
                "{}: no locator for {s:?}",
                window.id
            );
        }
        if s.locators.is_empty() {
            continue;
        }
        page.seek_settled(s.t_ms, opts.settle_budget, &[])
            .await
            .unwrap();
        let step = json!({"frames": s.frames, "locators": s.locators});
        let answer = page
            .call(
                "verifying a step",
                format!(
                    "(() => {{ const target = reel.target({}, {}); \
                     const r = __reelLocate.resolveStep({step}, reel.document()); \
                     return {{ ok: !!target && !!r && r.element === target, index: r && r.index, frames: r && r.frames }}; }})()",
                    s.node.unwrap(),
                    s.action == Action::Scroll
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            answer,
            json!({"ok": true, "index": 0, "frames": vec![0; s.frames.len()]}),
            "{}: {} at {} ms ({:?})",
            window.id,
            s.action.as_str(),
            s.t_ms,
            s.locators.first()
        );
    }
    page.close().await;
}

fn snapshot_lines(windows: &[WindowStream], steps: &[Vec<Step>]) -> String {
    let mut out = String::new();
    for (w, (window, steps)) in windows.iter().zip(steps).enumerate() {
        out.push_str(&format!("window {w} ({})\n", window.id));
        for s in steps {
            let mut line = format!("{:>7} {:<11}", s.t_ms, s.action.as_str());
            if let Some(t) = &s.text {
                let short: String = t.chars().take(60).collect();
                line.push_str(&format!(" text={short:?}"));
            }
            if s.enter {
                line.push_str(" +enter");
            }
            if s.synthetic_text {
                line.push_str(" synthetic");
            }
            if let Some((x, y)) = s.scroll {
                line.push_str(&format!(" scroll={x},{y}"));
            }
            if let Some((w, h)) = s.size {
                line.push_str(&format!(" size={w}x{h}"));
            }
            if !s.frames.is_empty() {
                line.push_str(&format!(" frames={}", s.frames.len()));
            }
            if let Some(l) = s.locators.first() {
                let strategy = serde_json::to_value(l.strategy).unwrap();
                line.push_str(&format!(
                    " -> {} {} ({})",
                    strategy.as_str().unwrap(),
                    l.selector,
                    s.locators.len()
                ));
            }
            if let Some(skip) = &s.skip {
                line.push_str(&format!(" SKIP {skip}"));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// Ids that an app sets again and again while rendering (attribute mutations): generated.
fn ids_set_by_mutations(window: &WindowStream) -> HashSet<String> {
    let mut ids = HashSet::new();
    for e in &window.events {
        let v: Value = serde_json::from_str(e.json.get()).unwrap();
        if v["type"] != 3 || v["data"]["source"] != 0 {
            continue;
        }
        for a in v["data"]["attributes"].as_array().into_iter().flatten() {
            if let Some(id) = a["attributes"]["id"].as_str() {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

#[test]
fn every_step_of_the_app_recordings_is_located() {
    let rt = tokio_runtime();
    rt.block_on(async {
        let session = attached_session().await;
        let mut report = Vec::new();
        for (name, rel) in [
            ("todomvc-backbone", "todomvc-backbone/posthog-blob.jsonl"),
            ("rrweb-todomvc-angularjs", "rrweb-todomvc-angularjs/rrweb-events.json"),
            ("swagger-ui", "swagger-ui/posthog-blob.jsonl"),
            ("testbed-errors", "testbed-errors/posthog-blob.jsonl"),
        ] {
            let windows = windows(rel);
            let mut all = Vec::new();
            for w in &windows {
                let mut steps = extract(w);
                let t0 = Instant::now();
                locate_steps(&session, w, &mut steps, &ReplayOptions::default())
                    .await
                    .unwrap();
                let elapsed = t0.elapsed();
                let located = steps.iter().filter(|s| targeted(s)).count();
                report.push(format!(
                    "{name} window {}: {} steps, {located} located in {} ms ({:.1} ms per located step; session {} ms)",
                    w.id,
                    steps.len(),
                    elapsed.as_millis(),
                    elapsed.as_secs_f64() * 1000.0 / located.max(1) as f64,
                    w.duration_ms()
                ));
                verify(&session, w, &steps).await;
                if name == "todomvc-backbone" {
                    let mut again = steps.clone();
                    locate_steps(&session, w, &mut again, &ReplayOptions::default())
                        .await
                        .unwrap();
                    assert_eq!(again, steps, "a second pass changes nothing");
                }
                all.push(steps);
            }
            let hovers: Vec<(i64, Option<i64>)> = all
                .iter()
                .flatten()
                .filter(|s| s.action == Action::Hover)
                .map(|s| (s.t_ms, s.node))
                .collect();
            match name {
                "todomvc-backbone" => {
                    // The one click on a `.destroy` button (node 313): its row is hovered first.
                    let steps = &all[0];
                    let click = steps
                        .iter()
                        .position(|s| s.action == Action::Click && s.node == Some(313))
                        .unwrap();
                    let hover = &steps[click - 1];
                    assert_eq!(hover.action, Action::Hover);
                    assert_eq!(hover.t_ms, steps[click].t_ms);
                    assert_eq!(hover.point, steps[click].point);
                    assert!(
                        hover.locators[0].selector == "#todo-list > li:nth-of-type(3)",
                        "{:?}",
                        hover.locators
                    );
                    assert_eq!(hovers.len(), 1, "{hovers:?}");
                }
                "swagger-ui" => {
                    let generated = ids_set_by_mutations(&windows[0]);
                    assert!(generated.len() > 100, "swagger re-renders its ids");
                    for s in all.iter().flatten() {
                        for l in s.locators.iter().chain(s.frames.iter().flatten()) {
                            if l.strategy == Strategy::Id {
                                let id = l.selector.trim_start_matches('#').replace('\\', "");
                                assert!(!generated.contains(&id), "{l:?}");
                                assert!(!l.selector.contains('='), "{l:?}");
                            }
                        }
                    }
                    assert!(hovers.is_empty(), "{hovers:?}");
                }
                "testbed-errors" => {
                    // Two clicks on `button#inc` inside the testbed's same-origin iframe.
                    let inside: Vec<&Step> = all[0].iter().filter(|s| s.node == Some(288)).collect();
                    assert_eq!(inside.len(), 2);
                    for s in inside {
                        assert_eq!(s.frames.len(), 1, "{s:?}");
                        assert_eq!(s.frames[0][0].selector, "#frame");
                        assert_eq!(s.locators[0].selector, "#inc");
                    }
                    assert!(all[0].iter().filter(|s| s.node != Some(288)).all(|s| s.frames.is_empty()));
                }
                _ => assert!(hovers.is_empty(), "{hovers:?}"),
            }
            insta::assert_snapshot!(format!("steps__{name}"), snapshot_lines(&windows, &all));
        }
        session.close().await;
        eprintln!("{}", report.join("\n"));
    });
}

const LOCATE_JS: &str = match std::str::from_utf8(reel::replay::LOCATE_JS) {
    Ok(s) => s,
    Err(_) => panic!("locate.js is UTF-8"),
};

/// For every `[data-case]` element of the fixture: its ranked locators (strategy, selector), and
/// whether each resolves back to exactly it.
const CASES_JS: &str = r#"(() => {
  const L = window.__reelLocate;
  const out = [];
  for (const el of document.querySelectorAll("[data-case]")) {
    let point = null;
    if (el.parentElement.id === "stage") {
      const r = el.getBoundingClientRect();
      point = [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
    }
    if (el.dataset.hover) for (let e = el; e; e = e.parentElement) e.classList.add(":hover");
    const d = L.describe(el, document, { point: point, hoverClass: ":hover" });
    out.push({
      expect: el.dataset.case,
      html: el.outerHTML.slice(0, 60),
      locators: d.locators.map((l) => l.strategy + " " + l.selector),
      back: d.locators.every((l) => { const f = L.resolve(l, document); return f.length === 1 && f[0] === el; }),
      hover: d.hover && d.hover.locators.map((l) => l.strategy + " " + l.selector),
      hidden_field: d.hidden_field,
    });
  }
  return out;
})()"#;

const FRAME_JS: &str = r#"(async () => {
  const L = window.__reelLocate;
  const frame = document.getElementById("frame");
  for (let i = 0; i < 200 && !(frame.contentDocument && frame.contentDocument.getElementById("inner")); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const inner = frame.contentDocument.getElementById("inner");
  const d = L.describe(inner, document, {});
  const r = L.resolveStep(d, document);
  return {
    frames: d.frames.map((f) => f.map((l) => l.strategy + " " + l.selector)),
    first: d.locators[0].strategy + " " + d.locators[0].selector,
    resolved: !!r && r.element === inner,
    generated: ["mlDvVOU=", "name_123", ":r1:", "«r2»", "ember1234", "3f2a9c1e-77aa-4c1e-9d1b-0a1b2c3d4e5f", "aB3dE9xQ", "checkout", "todo-list", "operations-pet-getPetById", "new-todo"].map(L.looksGenerated),
  };
})()"#;

async fn eval(page: &chromiumoxide::Page, expr: &str) -> Value {
    page.evaluate(expr)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_value()
        .unwrap_or(Value::Null)
}

#[test]
fn the_fixture_page_exercises_every_strategy_and_the_ambiguity_rule() {
    let rt = tokio_runtime();
    rt.block_on(async {
        let session = attached_session().await;
        let page = session.browser.new_page("about:blank").await.unwrap();
        let html = std::fs::read_to_string(shared("drive/locators.html")).unwrap();
        page.set_content(html).await.unwrap();
        let before = eval(&page, "Object.keys(globalThis).sort()").await;
        eval(&page, LOCATE_JS).await;
        let after = eval(&page, "Object.keys(globalThis).sort()").await;
        let added: Vec<&Value> = after
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| !before.as_array().unwrap().contains(k))
            .collect();
        assert_eq!(added, [&json!("__reelLocate")], "one global");

        let cases = eval(&page, CASES_JS).await;
        let mut seen = HashSet::new();
        let mut table = String::new();
        for c in cases.as_array().unwrap() {
            let first = c["locators"][0].as_str().unwrap_or("(none)");
            let expect = c["expect"].as_str().unwrap();
            assert!(first.starts_with(&format!("{expect} ")), "{c:#}");
            assert_eq!(c["back"], true, "{c:#}");
            seen.insert(expect.to_string());
            for l in c["locators"].as_array().unwrap() {
                seen.insert(l.as_str().unwrap().split(' ').next().unwrap().to_string());
            }
            table.push_str(&format!("{}\n  {}\n", c["html"].as_str().unwrap(), c["locators"]));
            if c["hover"].is_array() {
                table.push_str(&format!("  hover {}\n", c["hover"]));
            }
            if c["hidden_field"] == true {
                table.push_str("  hidden field\n");
            }
        }
        for s in [
            "test-id", "id", "role", "label", "placeholder", "text", "href", "path", "point",
        ] {
            assert!(seen.contains(s), "{s} never offered:\n{table}");
        }
        let by_html = |needle: &str| {
            cases
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["html"].as_str().unwrap().contains(needle))
                .unwrap_or_else(|| panic!("no case {needle}:\n{table}"))
                .clone()
        };
        // Two visible "Delete" buttons: neither role nor text is unique, only the path is left.
        let dup = by_html("class=\"dup\"");
        assert_eq!(dup["locators"].as_array().unwrap().len(), 1, "{dup:#}");
        // The hidden duplicate of "Export" does not count.
        let export = by_html("class=\"export\"");
        assert_eq!(export["locators"][0], "role button \"Export\"");
        assert_eq!(export["locators"][1], "text Export");
        // Generated ids are never offered.
        for needle in ["mlDvVOU=", "name_123", ":r1:"] {
            let c = by_html(needle);
            assert!(
                !c["locators"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().starts_with("id ")),
                "{c:#}"
            );
        }
        let remove = by_html("data-hover");
        assert_eq!(remove["hover"], json!(["path #list > li"]));
        assert_eq!(by_html("hidden-field")["hidden_field"], true);
        let point = by_html("<div data-case=\"path\">");
        let point_locator = point["locators"].as_array().unwrap().last().unwrap().as_str().unwrap();
        assert_eq!(point_locator.strip_prefix("point ").map(|s| s.ends_with(" div")), Some(true));
        // What sits under the point now counts only when it is the kind of element recorded.
        let swapped = eval(&page, &format!(
            r##"(() => {{
              const sel = {sel};
              const L = __reelLocate;
              const count = (s) => L.resolve({{ strategy: "point", selector: s }}, document).length;
              const old = document.querySelector("#stage > div");
              const before = count(sel);
              const swap = document.createElement("span");
              swap.style.cssText = "position:absolute;left:20px;top:10px;width:40px;height:30px;display:block";
              old.replaceWith(swap);
              const after = [count(sel), count(sel.replace(/ div$/, " span")), count(sel.replace(/ div$/, ""))];
              swap.replaceWith(old);
              return [before].concat(after);
            }})()"##,
            sel = json!(point_locator.strip_prefix("point ").unwrap())
        ))
        .await;
        assert_eq!(swapped, json!([1, 0, 1, 0]), "{point_locator}");
        insta::assert_snapshot!("fixture_locators", table);

        let frame = eval(&page, FRAME_JS).await;
        assert_eq!(frame["frames"].as_array().unwrap().len(), 1, "{frame:#}");
        assert_eq!(frame["frames"][0][0], "id #frame");
        assert_eq!(frame["first"], "id #inner");
        assert_eq!(frame["resolved"], true);
        assert_eq!(
            frame["generated"],
            json!([true, true, true, true, true, true, true, false, false, false, false])
        );

        // Unchanged, it works in an isolated world (as the live side injects it).
        let frame_id = page.mainframe().await.unwrap().unwrap();
        let world = page
            .execute(
                CreateIsolatedWorldParams::builder()
                    .frame_id(frame_id)
                    .world_name("reel-drive-test")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let context = world.result.execution_context_id;
        for (expr, want) in [
            (LOCATE_JS.to_string(), None),
            (
                "__reelLocate.resolveFirst([{strategy: 'id', selector: '#nope'}, {strategy: 'role', selector: 'button \"Checkout\"'}], document).index".to_string(),
                Some(json!(1)),
            ),
        ] {
            let resp = page
                .execute(
                    EvaluateParams::builder()
                        .expression(expr)
                        .context_id(context)
                        .return_by_value(true)
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap();
            assert!(resp.result.exception_details.is_none(), "{:?}", resp.result.exception_details);
            if let Some(want) = want {
                assert_eq!(resp.result.result.value, Some(want));
            }
        }
        page.close().await.unwrap();
        session.close().await;
    });
}
