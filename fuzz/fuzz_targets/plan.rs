//! Windows with arbitrary timestamps (i64::MIN..=i64::MAX), event kinds and plan options →
//! `plan`, `viewport_at`, `WindowStream::duration_ms`, `WindowSummary::of`: no overflow panics.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use reel::plan::{Mode, PlanOptions, plan};
use reel::recording::{Event, EventType, WindowStream, WindowSummary};
use serde_json::value::RawValue;

#[derive(Arbitrary, Debug)]
struct Input {
    events: Vec<(i64, u8)>,
    at: Vec<i64>,
    max_checkpoints: Option<u8>,
    settle_ms: i64,
    only_at: bool,
}

/// A handful of event shapes the planner looks at.
fn event(timestamp: i64, shape: u8) -> Event {
    let (kind, source, json) = match shape % 7 {
        0 => (
            4,
            None,
            r#"{"type":4,"data":{"href":"http://x/","width":1280,"height":800}}"#,
        ),
        1 => (
            2,
            None,
            r#"{"type":2,"data":{"node":{},"initialOffset":{"top":0,"left":0}}}"#,
        ),
        2 => (
            3,
            Some(2),
            r#"{"type":3,"data":{"source":2,"type":2,"id":1,"x":1,"y":2}}"#,
        ),
        3 => (
            3,
            Some(4),
            r#"{"type":3,"data":{"source":4,"width":390,"height":844}}"#,
        ),
        4 => (
            6,
            None,
            r#"{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"error","payload":["\"x\""]}}}"#,
        ),
        5 => (
            3,
            Some(1),
            r#"{"type":3,"data":{"source":1,"positions":[]}}"#,
        ),
        _ => (
            5,
            None,
            r#"{"type":5,"data":{"tag":"$pageview","payload":{"href":"http://y/"}}}"#,
        ),
    };
    Event {
        kind: EventType::from_code(kind),
        timestamp,
        source,
        json: RawValue::from_string(json.to_string()).unwrap(),
    }
}

fuzz_target!(|input: Input| {
    let mut events: Vec<Event> = input
        .events
        .iter()
        .take(200)
        .map(|&(t, s)| event(t, s))
        .collect();
    events.sort_by_key(|e| e.timestamp);
    let window = WindowStream {
        id: "w".into(),
        events,
    };
    let _ = window.duration_ms();
    let _ = WindowSummary::of(&window);
    let opts = PlanOptions {
        mode: if input.only_at {
            Mode::None
        } else {
            Mode::Auto
        },
        at: input.at.into_iter().take(50).collect(),
        max_checkpoints: input.max_checkpoints.map(usize::from),
        settle_ms: input.settle_ms,
    };
    let checkpoints = plan(&window, &opts);
    for pair in checkpoints.windows(2) {
        assert!(pair[0].t_ms < pair[1].t_ms, "{checkpoints:?}");
    }
    for c in &checkpoints {
        assert!(c.t_ms >= 0, "{c:?}");
        assert!(!c.name.contains('/') && !c.name.starts_with('.'), "{c:?}");
    }
});
