//! Per window: stable sort by timestamp, drop exact duplicate events, make sure a Meta precedes
//! the first FullSnapshot (synthesizing one from the next viewport information), and flag a
//! window without any FullSnapshot.

use super::{Event, EventFacts, EventType, IncrementalSource, Stats, WindowStream};
use std::collections::HashSet;

/// The size a synthesized Meta gets when the window reports none at all (same as the planner's).
pub const FALLBACK_VIEWPORT: (u32, u32) = (1280, 800);

/// Normalizes every window; appends to `warnings` and `stats`.
pub(crate) fn normalize(
    windows: Vec<(String, Vec<Event>)>,
    warnings: &mut Vec<String>,
    stats: &mut Stats,
) -> Vec<WindowStream> {
    windows
        .into_iter()
        .map(|(id, mut events)| {
            events.sort_by_key(|e| e.timestamp);
            stats.duplicates_dropped += drop_duplicates(&mut events);
            if let Some(note) = ensure_meta(&mut events) {
                stats.synthesized_meta += 1;
                warnings.push(format!("window {id}: {note}"));
            }
            let window = WindowStream { id, events };
            if !window.has_full_snapshot() {
                warnings.push(format!(
                    "window {}: no FullSnapshot, so nothing can be replayed",
                    window.id
                ));
            }
            window
        })
        .collect()
}

/// Removes events whose JSON text equals an earlier event's (after sorting, equal events share a
/// timestamp, so only runs of equal timestamps are compared). Returns how many were dropped.
pub(crate) fn drop_duplicates(events: &mut Vec<Event>) -> usize {
    let mut keep = vec![true; events.len()];
    let mut dropped = 0;
    let mut start = 0;
    while start < events.len() {
        let ts = events[start].timestamp;
        let end = events[start..]
            .iter()
            .position(|e| e.timestamp != ts)
            .map_or(events.len(), |n| start + n);
        if end - start > 1 {
            // Keyed by the whole text: linear in the bytes of the run. (Buckets keyed by a
            // partial hash degrade to comparing every pair when a hostile recording makes
            // thousands of same-time events that share their beginning and end.)
            let mut seen: HashSet<&str> = HashSet::with_capacity(end - start);
            for (i, e) in events.iter().enumerate().take(end).skip(start) {
                if !seen.insert(e.json.get()) {
                    keep[i] = false;
                    dropped += 1;
                }
            }
        }
        start = end;
    }
    if dropped > 0 {
        let mut flags = keep.into_iter();
        events.retain(|_| flags.next().unwrap_or(true));
    }
    dropped
}

#[derive(serde::Serialize)]
struct SyntheticMeta {
    #[serde(rename = "type")]
    kind: i64,
    data: MetaData,
    timestamp: i64,
}

#[derive(serde::Serialize)]
struct MetaData {
    href: String,
    width: u32,
    height: u32,
}

/// Inserts a Meta right before the first FullSnapshot when none precedes it. Returns a note.
fn ensure_meta(events: &mut Vec<Event>) -> Option<String> {
    let snap = events
        .iter()
        .position(|e| e.kind == EventType::FullSnapshot)?;
    if events[..snap].iter().any(|e| e.kind == EventType::Meta) {
        return None;
    }
    let ts = events[snap].timestamp;
    let mut size = None;
    let mut href = None;
    for e in &events[snap..] {
        let interesting = matches!(e.kind, EventType::Meta | EventType::Custom)
            || (e.kind == EventType::IncrementalSnapshot
                && e.source == Some(IncrementalSource::VIEWPORT_RESIZE));
        if !interesting {
            continue;
        }
        match e.facts() {
            EventFacts::Meta {
                href: h,
                width,
                height,
            } => {
                if href.is_none() {
                    href = h;
                }
                if let (None, Some(w), Some(hh)) = (size, width, height) {
                    size = Some((w, hh, e.timestamp, "a later Meta"));
                }
            }
            EventFacts::ViewportResize { width, height } if size.is_none() => {
                size = Some((width, height, e.timestamp, "a later ViewportResize"));
            }
            EventFacts::UrlChange { href: h } if href.is_none() => href = Some(h),
            _ => {}
        }
        if size.is_some() && href.is_some() {
            break;
        }
    }
    let (w, h, from) = match size {
        Some((w, h, at, what)) => (w, h, format!("{what} at +{} ms", at.saturating_sub(ts))),
        None => (
            FALLBACK_VIEWPORT.0,
            FALLBACK_VIEWPORT.1,
            "no size in the recording, the default".to_string(),
        ),
    };
    let json = serde_json::value::to_raw_value(&SyntheticMeta {
        kind: 4,
        data: MetaData {
            href: href.unwrap_or_default(),
            width: w,
            height: h,
        },
        timestamp: ts,
    })
    .ok()?;
    events.insert(
        snap,
        Event {
            kind: EventType::Meta,
            timestamp: ts,
            source: None,
            json,
        },
    );
    Some(format!(
        "no Meta before the first FullSnapshot; synthesized one ({w}x{h} from {from})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    fn ev(json: &str) -> Event {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        Event {
            kind: EventType::from_code(v["type"].as_i64().unwrap()),
            timestamp: v["timestamp"].as_i64().unwrap(),
            source: v["data"]["source"].as_i64(),
            json: RawValue::from_string(json.to_string()).unwrap(),
        }
    }

    #[test]
    fn sorts_stably_and_drops_exact_duplicates() {
        let windows = vec![(
            "w".to_string(),
            vec![
                ev(r#"{"type":4,"data":{"href":"h","width":10,"height":20},"timestamp":5}"#),
                ev(r#"{"type":3,"data":{"source":1,"a":1},"timestamp":9}"#),
                ev(r#"{"type":2,"data":{},"timestamp":6}"#),
                ev(r#"{"type":3,"data":{"source":1,"a":2},"timestamp":9}"#),
                ev(r#"{"type":3,"data":{"source":1,"a":1},"timestamp":9}"#),
            ],
        )];
        let mut warnings = Vec::new();
        let mut stats = Stats::default();
        let out = normalize(windows, &mut warnings, &mut stats);
        let texts: Vec<_> = out[0].events.iter().map(|e| e.json.get()).collect();
        assert_eq!(texts.len(), 4);
        assert!(texts[2].contains("\"a\":1") && texts[3].contains("\"a\":2"));
        assert_eq!(stats.duplicates_dropped, 1);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn synthesizes_meta_from_next_viewport() {
        let mut events = vec![
            ev(r#"{"type":2,"data":{},"timestamp":100}"#),
            ev(r#"{"type":3,"data":{"source":4,"width":390,"height":844},"timestamp":150}"#),
            ev(
                r#"{"type":5,"data":{"tag":"$pageview","payload":{"href":"http://x/"}},"timestamp":160}"#,
            ),
        ];
        let note = ensure_meta(&mut events).unwrap();
        assert!(note.contains("390x844"), "{note}");
        assert_eq!(
            events[0].json.get(),
            r#"{"type":4,"data":{"href":"http://x/","width":390,"height":844},"timestamp":100}"#
        );
        assert_eq!(ensure_meta(&mut events), None);
    }

    #[test]
    fn flags_window_without_full_snapshot() {
        let windows = vec![(
            "w".to_string(),
            vec![ev(r#"{"type":3,"data":{"source":1},"timestamp":1}"#)],
        )];
        let mut warnings = Vec::new();
        normalize(windows, &mut warnings, &mut Stats::default());
        assert!(warnings[0].contains("no FullSnapshot"));
    }
}
