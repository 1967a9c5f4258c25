//! What a person wants to know about a window at first glance (the facts `reel inspect` shows):
//! counts, clicks, viewports and URLs in order, console messages.

use super::{EventFacts, EventType, IncrementalSource, MouseInteraction, WindowStream};
use serde::Serialize;
use std::collections::BTreeMap;

/// One console message recorded by the rrweb console plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleLine {
    /// Offset from the window start.
    pub t_ms: i64,
    pub level: String,
    pub message: String,
}

/// Event counts by type name and by incremental source name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub by_type: BTreeMap<String, usize>,
    pub by_source: BTreeMap<String, usize>,
}

/// The facts of one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowSummary {
    pub id: String,
    pub events: usize,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub full_snapshots: usize,
    /// MouseInteraction Click events (not double clicks or touches).
    pub clicks: usize,
    /// `[width, height]` from Meta and ViewportResize events, in order, repeats collapsed.
    pub viewports: Vec<[u32; 2]>,
    /// Meta hrefs and `$pageview` / `$url_changed` hrefs, in order, repeats collapsed.
    pub urls: Vec<String>,
    pub counts: Counts,
    pub console: Vec<ConsoleLine>,
}

fn push_new<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if list.last() != Some(&item) {
        list.push(item);
    }
}

impl WindowSummary {
    pub fn of(window: &WindowStream) -> Self {
        let start = window.start_ms();
        let mut s = WindowSummary {
            id: window.id.clone(),
            events: window.events.len(),
            start_ms: start,
            duration_ms: window.duration_ms(),
            full_snapshots: 0,
            clicks: 0,
            viewports: Vec::new(),
            urls: Vec::new(),
            counts: Counts::default(),
            console: Vec::new(),
        };
        for e in &window.events {
            *s.counts.by_type.entry(e.kind.name()).or_default() += 1;
            if e.kind == EventType::IncrementalSnapshot {
                let name = e
                    .source
                    .map_or_else(|| "None".to_string(), IncrementalSource::name);
                *s.counts.by_source.entry(name).or_default() += 1;
            }
            match e.facts() {
                EventFacts::FullSnapshot => s.full_snapshots += 1,
                EventFacts::Click { kind } if kind == MouseInteraction::CLICK => s.clicks += 1,
                EventFacts::Meta {
                    href,
                    width,
                    height,
                } => {
                    if let Some(h) = href {
                        push_new(&mut s.urls, h);
                    }
                    if let (Some(w), Some(h)) = (width, height) {
                        push_new(&mut s.viewports, [w, h]);
                    }
                }
                EventFacts::ViewportResize { width, height } => {
                    push_new(&mut s.viewports, [width, height])
                }
                EventFacts::UrlChange { href } => push_new(&mut s.urls, href),
                EventFacts::Console { level, message, .. } => s.console.push(ConsoleLine {
                    t_ms: e.timestamp.saturating_sub(start),
                    level,
                    message,
                }),
                _ => {}
            }
        }
        s
    }
}
