//! `reel drive` end to end: the real apps the recordings were made on, served on 127.0.0.1 (see
//! `drive_support`), driven by the real binary in the shared headless Chromium; and the live
//! side on its own, with steps built by hand.

mod common;
mod drive_support;

use common::*;
use drive_support::{Variant, serve};
use reel::drive::live::{self, LiveOptions, WindowDrive};
use reel::drive::url_map::{UrlMap, UrlSpec};
use reel::drive::{Action, Locator, Step, StepStatus, Strategy};
use reel::plan::{Checkpoint, Reason, checkpoint_name};
use std::sync::Arc;

fn step(window: &str, t_ms: i64, action: Action) -> Step {
    Step {
        window: window.into(),
        t_ms,
        action,
        node: None,
        point: None,
        text: None,
        enter: false,
        checked: None,
        scroll: None,
        size: None,
        synthetic_text: false,
        skip: None,
        frames: Vec::new(),
        locators: Vec::new(),
    }
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

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
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
    let rt = runtime();
    let drive_once = || {
        rt.block_on(async {
            let session = reel::replay::BrowserSession::start(
                &reel::replay::BrowserOptions {
                    timeout: std::time::Duration::from_secs(30),
                    ..Default::default()
                },
                Some(&browser_ws()),
            )
            .await
            .unwrap();
            let windows = vec![WindowDrive {
                window,
                steps: steps.clone(),
                plan: plan.clone(),
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
    };
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
