//! The step rules on the real recordings in `tests/data/recordings` (their README and
//! `meta.json` give the facts checked here), and on small made-up windows for the rules those
//! recordings do not exercise.

use super::*;
use crate::recording::{Limits, Recording, load};
use serde_json::{Value, json};
use std::path::PathBuf;

fn recording(rel: &str) -> Recording {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/recordings")
        .join(rel);
    load(&path, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn angular() -> WindowStream {
    recording("rrweb-todomvc-angularjs/rrweb-events.json")
        .windows
        .remove(0)
}

fn backbone() -> Vec<WindowStream> {
    recording("todomvc-backbone/posthog-blob.jsonl").windows
}

fn swagger() -> WindowStream {
    recording("swagger-ui/posthog-blob.jsonl").windows.remove(0)
}

fn of(steps: &[Step], action: Action) -> Vec<&Step> {
    steps.iter().filter(|s| s.action == action).collect()
}

fn typed(steps: &[Step]) -> Vec<(&str, bool)> {
    of(steps, Action::Type)
        .iter()
        .map(|s| (s.text.as_deref().unwrap_or(""), s.enter))
        .collect()
}

/// Input events of a window, as (offset, node id, text).
fn inputs(w: &WindowStream) -> Vec<(i64, i64, String)> {
    w.events
        .iter()
        .filter(|e| e.source == Some(IncrementalSource::INPUT))
        .filter_map(|e| {
            let v: Value = serde_json::from_str(e.json.get()).ok()?;
            Some((
                e.timestamp - w.start_ms(),
                v["data"]["id"].as_i64()?,
                v["data"]["text"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

#[test]
fn angularjs_keeps_only_the_users_inputs() {
    let w = angular();
    let all = inputs(&w);
    assert_eq!(all.len(), 88, "Input events in the recording");
    let steps = extract(&w);
    assert_eq!(
        typed(&steps),
        [
            ("Water the plants", true),
            ("Fix flaky test", true),
            ("Review PR #42", true),
            ("Review PR #42 today", false),
        ]
    );
    assert!(of(&steps, Action::Check).is_empty() && of(&steps, Action::Select).is_empty());
    // The edit field was focused by the app right after the double-click: typing there is the
    // user's, not a keyboard-only flow.
    let edit = of(&steps, Action::Type)[3];
    assert_eq!(
        (edit.node, edit.t_ms, edit.skip.as_deref()),
        (Some(356), 6925, None)
    );
    // Every typed step's text is the last value the user's Input events reached before the next
    // step.
    for (i, s) in steps.iter().enumerate() {
        if s.action != Action::Type {
            continue;
        }
        let until = steps.get(i + 1).map_or(i64::MAX, |n| n.t_ms);
        let last = all
            .iter()
            .rev()
            .find(|(t, id, v)| Some(*id) == s.node && (s.t_ms..until).contains(t) && !v.is_empty())
            .map(|(_, _, v)| v.as_str());
        assert_eq!(last, s.text.as_deref());
    }
}

#[test]
fn enter_is_inferred_for_every_todo_added() {
    let mut adds = Vec::new();
    let mut windows = backbone();
    windows.push(angular());
    // `#new-todo` in each window (angularjs, backbone and its vanillajs tab).
    let new_todo = [232, 162, 67];
    for w in &windows {
        let steps = extract(w);
        for s in of(&steps, Action::Type) {
            if new_todo.contains(&s.node.unwrap()) {
                adds.push((s.text.clone().unwrap(), s.enter));
            }
        }
        // The '' that follows each add is never typed as a step of its own.
        assert!(
            of(&steps, Action::Type)
                .iter()
                .all(|s| s.text.as_deref() != Some(""))
        );
    }
    assert_eq!(adds.len(), 10, "{adds:?}");
    assert!(adds.iter().all(|(_, enter)| *enter), "{adds:?}");
}

/// Every text node the window's Mutation events add or change, with its offset.
fn rendered_texts(w: &WindowStream) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for e in &w.events {
        if e.source != Some(IncrementalSource::MUTATION) {
            continue;
        }
        let Some(m) = data::<Mutation>(e) else {
            continue;
        };
        for text in mirror::mutation_texts(&m) {
            out.push((e.timestamp - w.start_ms(), text.trim().to_string()));
        }
    }
    out
}

#[test]
fn all_eight_masked_todo_titles_are_recovered() {
    let mut recovered = Vec::new();
    for w in backbone() {
        let all = inputs(&w);
        let rendered = rendered_texts(&w);
        for s in of(&extract(&w), Action::Type) {
            let text = s.text.clone().unwrap();
            let masked = all
                .iter()
                .filter(|(t, id, _)| Some(*id) == s.node && *t >= s.t_ms)
                .all(|(_, _, v)| v.is_empty() || masked::is_masked(v));
            assert!(masked, "{text}: the recording holds only masked values");
            assert!(!s.synthetic_text, "{text}");
            assert!(
                rendered.iter().any(|(t, r)| *t > s.t_ms && *r == text),
                "{text}: the app rendered it after the typing"
            );
            recovered.push(text);
        }
    }
    assert_eq!(
        recovered,
        [
            "Buy milk",
            "Write QA report",
            "Call the plumber",
            "Book flights to Lisbon",
            "Renew passport",
            "Buy milk and eggs",
            "Second tab todo",
            "Another one",
        ]
    );
}

#[test]
fn double_clicks_merge_their_clicks() {
    let steps = extract(&angular());
    let dbl = of(&steps, Action::Dblclick);
    assert_eq!(dbl.len(), 1);
    assert_eq!(
        (dbl[0].node, dbl[0].t_ms),
        (Some(350), 6611),
        "at the first click"
    );
    assert_eq!(dbl[0].point, Some((625.0, 358.0)));
    assert!(
        !steps
            .iter()
            .any(|s| s.action == Action::Click && s.node == Some(350))
    );
    let backbone = extract(&backbone()[0]);
    let dbl = of(&backbone, Action::Dblclick);
    assert_eq!((dbl.len(), dbl[0].node, dbl[0].t_ms), (1, Some(233), 10288));
    assert!(
        !backbone
            .iter()
            .any(|s| s.action == Action::Click && s.node == Some(233))
    );
}

#[test]
fn a_checkbox_change_after_its_click_is_dropped() {
    let steps = extract(&angular());
    assert!(
        steps
            .iter()
            .any(|s| s.action == Action::Click && s.node == Some(333)),
        "the toggle's click stays"
    );
    assert!(of(&steps, Action::Check).is_empty());
    let backbone = extract(&backbone()[0]);
    let toggle_all: Vec<_> = backbone.iter().filter(|s| s.node == Some(167)).collect();
    assert_eq!(toggle_all.len(), 2);
    assert!(toggle_all.iter().all(|s| s.action == Action::Click));
    assert!(of(&backbone, Action::Check).is_empty());
}

#[test]
fn swagger_eleven_select_changes_are_one_users_select() {
    let w = swagger();
    let selects: Vec<i64> = w
        .events
        .iter()
        .filter(|e| e.source == Some(IncrementalSource::INPUT))
        .filter(|e| e.json.get().contains("\"selectedOptionIds\""))
        .map(|e| e.timestamp)
        .collect();
    assert_eq!(selects.len(), 11);
    let steps = extract(&w);
    let chosen = of(&steps, Action::Select);
    assert_eq!(chosen.len(), 1);
    assert_eq!(
        (chosen[0].node, chosen[0].t_ms, chosen[0].text.as_deref()),
        (Some(433), 4655, Some("available"))
    );
    assert_eq!(typed(&steps).len(), 3);
    assert_eq!(typed(&steps)[0], ("5", false));
    assert!(typed(&steps)[1].0.starts_with("{\"name\": \"Biscuit\""));
}

#[test]
fn scroll_bursts_coalesce_to_their_last_position() {
    let steps = extract(&backbone()[0]);
    let scrolls: Vec<_> = of(&steps, Action::Scroll)
        .iter()
        .map(|s| (s.t_ms, s.node, s.scroll))
        .collect();
    assert_eq!(
        scrolls,
        [
            (20861, None, Some((0.0, 230.0))),
            (29211, None, Some((0.0, 0.0)))
        ],
        "8 window scroll events, two gestures"
    );
    let w = swagger();
    let events = w
        .events
        .iter()
        .filter(|e| e.source == Some(IncrementalSource::SCROLL))
        .count();
    assert_eq!((events, of(&extract(&w), Action::Scroll).len()), (77, 13));
}

#[test]
fn the_real_recordings_need_no_skips() {
    let mut windows = backbone();
    windows.push(angular());
    windows.push(swagger());
    for w in &windows {
        let steps = extract(w);
        assert!(steps.iter().all(|s| s.skip.is_none()), "{}", w.id);
    }
}

#[test]
fn t_ms_is_the_offset_of_the_steps_event() {
    for w in [angular(), swagger()].iter().chain(backbone().iter()) {
        let steps = extract(w);
        assert!(steps.windows(2).all(|p| p[0].t_ms <= p[1].t_ms), "{}", w.id);
        let offsets: HashSet<i64> = w
            .events
            .iter()
            .map(|e| e.timestamp - w.start_ms())
            .collect();
        for s in &steps {
            assert!(offsets.contains(&s.t_ms), "{} {:?}", w.id, s);
            assert_eq!(s.window, w.id);
        }
        // Clicks land where the planner puts its click checkpoints.
        let clicks: Vec<i64> = w
            .events
            .iter()
            .filter(|e| matches!(e.facts(), EventFacts::Click { kind: 2 }))
            .map(|e| e.timestamp - w.start_ms())
            .collect();
        for s in of(&steps, Action::Click) {
            assert!(clicks.contains(&s.t_ms), "{s:?}");
        }
    }
    assert_eq!(
        extract(&angular())[0].t_ms,
        103,
        "the Meta, 103 ms after the first event"
    );
}

#[test]
fn every_real_file_extracts_without_surprises() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/recordings");
    let mut files = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            if path.file_name().is_some_and(|n| {
                n == "meta.json" || n == "recording_meta.json" || n == "recordings.json"
            }) {
                continue;
            }
            let Ok(rec) = load(&path, &Limits::default()) else {
                continue;
            };
            files += 1;
            for w in &rec.windows {
                let steps = extract(w);
                assert!(
                    steps.windows(2).all(|p| p[0].t_ms <= p[1].t_ms),
                    "{}",
                    path.display()
                );
                assert_eq!(
                    steps.first().map(|s| s.action),
                    Some(Action::Navigate),
                    "{}",
                    path.display()
                );
            }
        }
    }
    assert!(files >= 12, "{files}");
}

// Made-up windows for the rules the real recordings do not reach.

const T0: i64 = 1_700_000_000_000;

fn window(events: Vec<Value>) -> WindowStream {
    let events = events
        .into_iter()
        .map(|v| Event {
            kind: EventType::from_code(v["type"].as_i64().unwrap()),
            timestamp: v["timestamp"].as_i64().unwrap(),
            source: v["data"]["source"].as_i64(),
            json: RawValue::from_string(v.to_string()).unwrap(),
        })
        .collect();
    WindowStream {
        id: "w".into(),
        events,
    }
}

fn el(id: i64, tag: &str, attributes: Value, children: Vec<Value>) -> Value {
    json!({"type": 2, "id": id, "tagName": tag, "attributes": attributes, "childNodes": children})
}

fn text(id: i64, content: &str) -> Value {
    json!({"type": 3, "id": id, "textContent": content})
}

/// Meta + FullSnapshot of a page holding one of each kind of control, then `events` given as
/// (offset, data) pairs of IncrementalSnapshots.
fn page(events: &[(i64, Value)]) -> WindowStream {
    let body = el(
        3,
        "body",
        json!({}),
        vec![
            el(4, "input", json!({"id": "name"}), vec![]),
            el(
                5,
                "input",
                json!({"id": "agree", "type": "checkbox"}),
                vec![],
            ),
            el(6, "label", json!({"for": "agree"}), vec![text(7, "Agree")]),
            el(8, "textarea", json!({"class": "ace_text-input"}), vec![]),
            el(
                9,
                "div",
                json!({"contenteditable": "true"}),
                vec![text(10, "Hi")],
            ),
            el(
                11,
                "iframe",
                json!({}),
                vec![
                    json!({"type": 0, "id": 12, "childNodes": [el(13, "html", json!({}), vec![])]}),
                ],
            ),
            el(14, "input", json!({"type": "date"}), vec![]),
            el(15, "input", json!({"autofocus": ""}), vec![]),
            el(
                16,
                "label",
                json!({}),
                vec![
                    el(17, "input", json!({"type": "radio"}), vec![]),
                    text(18, "Pick"),
                ],
            ),
        ],
    );
    let mut all = vec![
        json!({"type": 4, "timestamp": T0, "data": {"href": "http://app.test/", "width": 800, "height": 600}}),
        json!({"type": 2, "timestamp": T0 + 5, "data": {"node": {"type": 0, "id": 1, "childNodes": [
            el(2, "html", json!({}), vec![body])]}}}),
    ];
    for (t, data) in events {
        all.push(json!({"type": 3, "timestamp": T0 + t, "data": data}));
    }
    window(all)
}

fn mouse(kind: i64, id: i64) -> Value {
    json!({"source": 2, "type": kind, "id": id, "x": 10, "y": 20})
}

fn input(id: i64, text: &str) -> Value {
    json!({"source": 5, "id": id, "text": text, "isChecked": false})
}

fn toggled(id: i64, checked: bool) -> Value {
    json!({"source": 5, "id": id, "text": "on", "isChecked": checked})
}

fn summary(steps: &[Step]) -> Vec<(i64, &'static str, Option<i64>, Option<&str>)> {
    steps
        .iter()
        .map(|s| (s.t_ms, s.action.as_str(), s.node, s.skip.as_deref()))
        .collect()
}

#[test]
fn keyboard_toggles_become_check_steps_and_label_clicks_drop_the_change() {
    let steps = extract(&page(&[
        (100, mouse(mi::FOCUS, 5)),
        (200, toggled(5, true)),
        (300, mouse(mi::MOUSE_DOWN, 7)),
        (310, mouse(mi::CLICK, 7)),
        (315, toggled(5, false)),
        (400, mouse(mi::MOUSE_DOWN, 18)),
        (405, mouse(mi::FOCUS, 17)),
        (410, mouse(mi::CLICK, 18)),
        (412, toggled(17, true)),
    ]));
    let checks = of(&steps, Action::Check);
    assert_eq!(checks.len(), 1);
    assert_eq!((checks[0].node, checks[0].checked), (Some(5), Some(true)));
    assert_eq!(
        of(&steps, Action::Click).len(),
        2,
        "label clicks toggle by themselves"
    );
}

#[test]
fn skips_carry_their_reason() {
    let steps = extract(&page(&[
        // Focus moved from the keyboard (no pointer action before it), then typing.
        (1000, mouse(mi::FOCUS, 4)),
        (1100, input(4, "a")),
        (1200, input(4, "ab")),
        (1300, mouse(mi::BLUR, 4)),
        // Ace's hidden textarea, focused by a click.
        (2000, mouse(mi::MOUSE_DOWN, 8)),
        (2001, mouse(mi::FOCUS, 8)),
        (2005, mouse(mi::CLICK, 8)),
        (2100, input(8, "x")),
        // Typing into contenteditable shows up as text mutations only.
        (3000, mouse(mi::MOUSE_DOWN, 10)),
        (3001, mouse(mi::FOCUS, 9)),
        (3005, mouse(mi::CLICK, 10)),
        (
            3100,
            json!({"source": 0, "texts": [{"id": 10, "value": "Hi!"}], "attributes": [], "removes": [], "adds": []}),
        ),
        (
            3200,
            json!({"source": 0, "texts": [{"id": 10, "value": "Hi!!"}], "attributes": [], "removes": [], "adds": []}),
        ),
        // A date field, and the iframe's document scrolled.
        (4000, mouse(mi::MOUSE_DOWN, 14)),
        (4001, mouse(mi::FOCUS, 14)),
        (4005, mouse(mi::CLICK, 14)),
        (4100, input(14, "2024-01-02")),
        (5000, json!({"source": 3, "id": 12, "x": 0, "y": 40})),
    ]));
    let skipped: Vec<_> = summary(&steps)
        .into_iter()
        .filter(|s| s.3.is_some())
        .map(|(t, a, n, why)| (t, a, n, why.unwrap().split(':').next().unwrap().to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            (1100, "type", Some(4), "typed into an element that was focused from the keyboard (no click on it, not autofocus)".to_string()),
            (2100, "type", Some(8), "typed into a code editor's hidden input textarea".to_string()),
            (3100, "type", Some(9), "typed into contenteditable content".to_string()),
            (4100, "type", Some(14), "set an <input type=date>".to_string()),
            (5000, "scroll", Some(12), "scrolled the document of an iframe".to_string()),
        ]
    );
    let keyboard = steps.iter().find(|s| s.t_ms == 1100).unwrap();
    assert_eq!(
        keyboard.text.as_deref(),
        Some("ab"),
        "skipped steps keep what they would do"
    );
}

#[test]
fn autofocus_counts_as_focus_until_focus_moves() {
    let steps = extract(&page(&[
        (100, input(15, "h")),
        (150, input(15, "hi")),
        (200, input(15, "")),
        (300, input(4, "noise")),
    ]));
    assert_eq!(typed(&steps), [("hi", true)]);
    assert_eq!(steps[1].skip, None);
    let moved = extract(&page(&[(50, mouse(mi::BLUR, 15)), (100, input(15, "h"))]));
    assert!(
        of(&moved, Action::Type).is_empty(),
        "blurred: the app's, not the user's"
    );
}

#[test]
fn touch_end_without_a_click_is_a_click() {
    let steps = extract(&page(&[
        (100, mouse(mi::TOUCH_START, 4)),
        (150, mouse(mi::TOUCH_END, 4)),
        (160, mouse(mi::CLICK, 4)),
        (3000, mouse(mi::TOUCH_START, 5)),
        (3050, mouse(mi::TOUCH_END, 5)),
        (9000, json!({"source": 4, "width": 400, "height": 700})),
    ]));
    assert_eq!(
        summary(&steps),
        [
            (0, "navigate", None, None),
            (160, "click", Some(4), None),
            (3050, "click", Some(5), None),
            (9000, "resize", None, None),
        ]
    );
    assert_eq!(steps[2].point, Some((10.0, 20.0)));
}

#[test]
fn a_cleared_field_is_typed_empty_and_a_masked_value_without_render_is_synthetic() {
    let steps = extract(&page(&[
        (100, mouse(mi::MOUSE_DOWN, 4)),
        (101, mouse(mi::FOCUS, 4)),
        (105, mouse(mi::CLICK, 4)),
        (200, input(4, "***")),
        (300, input(4, "****")),
        (400, mouse(mi::BLUR, 4)),
        (500, mouse(mi::MOUSE_DOWN, 4)),
        (501, mouse(mi::FOCUS, 4)),
        (505, mouse(mi::CLICK, 4)),
        (600, input(4, "")),
        (700, mouse(mi::BLUR, 4)),
    ]));
    let types = of(&steps, Action::Type);
    assert_eq!(types.len(), 2);
    assert_eq!(
        (
            types[0].text.as_deref(),
            types[0].synthetic_text,
            types[0].enter
        ),
        (Some("xxxx"), true, false)
    );
    assert_eq!(
        (types[1].text.as_deref(), types[1].enter),
        (Some(""), false)
    );
}

#[test]
fn odd_events_are_ignored_not_fatal() {
    let odd = vec![
        json!({"type": 3, "timestamp": 0, "data": {"source": 2, "type": 2}}),
        json!({"type": 3, "timestamp": 1, "data": {"source": 5, "id": "x", "text": 5}}),
        json!({"type": 2, "timestamp": 2, "data": {}}),
        json!({"type": 2, "timestamp": 3, "data": {"node": {"type": 0, "id": 1, "childNodes": [7, null, {"type": 2}]}}}),
        json!({"type": 3, "timestamp": 4, "data": {"source": 0, "adds": [{"parentId": 99, "node": {"type": 3, "id": 5, "textContent": "***"}}], "removes": [{"parentId": 1, "id": 1}]}}),
        json!({"type": 3, "timestamp": 5, "data": {"source": 2, "type": 4, "id": -1, "x": "a"}}),
        json!({"type": 3, "timestamp": 6, "data": {"source": 3, "id": 42}}),
        json!({"type": 3, "timestamp": 7, "data": {"source": 4, "width": -5, "height": 1e300}}),
        json!({"type": 4, "timestamp": 8, "data": null}),
        json!({"type": 3, "timestamp": i64::MAX, "data": {"source": 2, "type": 9, "id": 3, "x": 1, "y": 2}}),
        json!({"type": 3, "timestamp": i64::MAX, "data": {"source": 5, "id": 3, "text": "***"}}),
    ];
    let mut w = window(odd);
    w.events.sort_by_key(|e| e.timestamp);
    let steps = extract(&w);
    assert!(steps.iter().all(|s| s.window == "w"));
    let mut backwards = window(vec![
        json!({"type": 4, "timestamp": i64::MAX, "data": {"href": "h"}}),
        json!({"type": 3, "timestamp": i64::MIN, "data": {"source": 2, "type": 9, "id": 3}}),
    ]);
    backwards.events.reverse();
    extract(&backwards);
}
