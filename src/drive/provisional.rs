//! Stand-in for the step extraction and locators of the drive-steps branch until it lands: only
//! the steps that need no target (page loads and viewport resizes) come from the events, and a
//! matched locator keeps its own confidence.

use super::{Action, Locator, Step};
use crate::recording::{EventFacts, EventType, IncrementalSource, WindowStream};

/// The page loads (Meta events with a URL) and resizes of a window, as steps.
pub fn page_steps(window: &WindowStream) -> Vec<Step> {
    let start = window.start_ms();
    let blank = |t_ms: i64, action: Action| Step {
        window: window.id.clone(),
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
    };
    let mut steps = Vec::new();
    for e in &window.events {
        let t = e.timestamp.saturating_sub(start);
        match (e.kind, e.facts()) {
            (
                EventType::Meta,
                EventFacts::Meta {
                    href: Some(href), ..
                },
            ) => {
                let mut s = blank(t, Action::Navigate);
                s.text = Some(href);
                steps.push(s);
            }
            (EventType::IncrementalSnapshot, EventFacts::ViewportResize { width, height })
                if e.source == Some(IncrementalSource::VIEWPORT_RESIZE) =>
            {
                let mut s = blank(t, Action::Resize);
                s.size = Some((width, height));
                steps.push(s);
            }
            _ => {}
        }
    }
    steps
}

/// The confidence of the locator that matched: its own.
pub fn confidence(locators: &[Locator], winner: usize) -> f64 {
    locators.get(winner).map_or(0.0, |l| l.confidence)
}
