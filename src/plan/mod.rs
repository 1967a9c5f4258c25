//! When to look: the checkpoints of one window, derived from its events (page loads, clicks,
//! console errors, resizes, the end) plus explicit times. Names come only from the time offset and
//! the reason, so adding a checkpoint never renames another one (and never invalidates a baseline).

use crate::recording::{EventFacts, EventType, IncrementalSource, WindowStream};
use serde::{Deserialize, Serialize};

/// Why a checkpoint exists. The order is the priority when two land on the same millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    At,
    Snapshot,
    Click,
    Resize,
    ConsoleError,
    End,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::At => "at",
            Reason::Snapshot => "snapshot",
            Reason::Click => "click",
            Reason::Resize => "resize",
            Reason::ConsoleError => "console-error",
            Reason::End => "end",
        }
    }
}

/// One moment to screenshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    /// `<t_ms zero-padded to 7>-<reason>`, e.g. `0012480-click`.
    pub name: String,
    /// Offset from the window's first event; every event strictly before it is applied.
    pub t_ms: i64,
    pub reason: Reason,
    /// The recorded viewport at `t_ms` (width, height).
    pub viewport: (u32, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Derive checkpoints from the recording.
    #[default]
    Auto,
    /// Only the explicit `--at` times.
    None,
}

/// How to plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub mode: Mode,
    /// Explicit offsets in ms from the window start.
    pub at: Vec<i64>,
    /// Keep at most this many automatic checkpoints (explicit ones are always kept).
    pub max_checkpoints: Option<usize>,
    /// How long after a click, resize or page load to look (capped before the next user action).
    pub settle_ms: i64,
    /// Capture every checkpoint at this size (width, height) instead of the recorded viewport.
    pub viewport_override: Option<(u32, u32)>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            mode: Mode::Auto,
            at: Vec::new(),
            max_checkpoints: None,
            settle_ms: 500,
            viewport_override: None,
        }
    }
}

/// The viewport used when a recording carries no size at all.
pub const FALLBACK_VIEWPORT: (u32, u32) = (1280, 800);

/// A user action (or page load) after which the UI should be given time to settle, and before
/// which a settling delay is cut short.
fn is_user_action(kind: EventType, source: Option<i64>) -> bool {
    match kind {
        EventType::FullSnapshot | EventType::Meta => true,
        EventType::IncrementalSnapshot => matches!(
            source,
            Some(IncrementalSource::MOUSE_INTERACTION)
                | Some(IncrementalSource::VIEWPORT_RESIZE)
                | Some(IncrementalSource::INPUT)
                | Some(IncrementalSource::SCROLL)
        ),
        _ => false,
    }
}

/// Automatic checkpoints kept per window when `--max-checkpoints` is not given: a recording with
/// 100,000 clicks would otherwise plan 100,001 screenshots. Past it they are thinned evenly, as
/// `--max-checkpoints` does, and [`plan_noting`] says so.
pub const DEFAULT_MAX_CHECKPOINTS: usize = 500;

/// The default cap thinned a window's automatic checkpoints: from `planned` to `kept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thinned {
    pub planned: usize,
    pub kept: usize,
}

impl Thinned {
    pub fn warning(&self, window: &str) -> String {
        format!(
            "window {window}: {} automatic checkpoints, thinned evenly to {} (the default cap; \
             --max-checkpoints N keeps up to N)",
            self.planned, self.kept
        )
    }
}

/// Builds the plan for one window.
pub fn plan(window: &WindowStream, opts: &PlanOptions) -> Vec<Checkpoint> {
    plan_noting(window, opts).0
}

/// [`plan`], and whether the default cap ([`DEFAULT_MAX_CHECKPOINTS`]) thinned it.
pub fn plan_noting(
    window: &WindowStream,
    opts: &PlanOptions,
) -> (Vec<Checkpoint>, Option<Thinned>) {
    let events = &window.events;
    let start = window.start_ms();
    let end_offset = window.duration_ms().saturating_add(1);
    let first_snapshot = events
        .iter()
        .find(|e| e.kind == EventType::FullSnapshot)
        .map(|e| e.timestamp.saturating_sub(start));

    let mut wanted: Vec<(i64, Reason)> = opts.at.iter().map(|t| (*t, Reason::At)).collect();
    let mut thinned = None;
    if opts.mode == Mode::Auto {
        let mut auto = Vec::new();
        let settle_until = |i: usize, t: i64| -> i64 {
            let next_action = events[i + 1..]
                .iter()
                .find(|e| is_user_action(e.kind, e.source))
                .map(|e| e.timestamp.saturating_sub(start));
            let settled = t.saturating_add(opts.settle_ms.max(0));
            let after = t.saturating_add(1);
            match next_action {
                // Strictly before the next action's timestamp: that action is not applied yet.
                Some(next) => settled.min(next).max(after),
                None => settled.min(end_offset).max(after),
            }
        };
        for (i, e) in events.iter().enumerate() {
            let t = e.timestamp.saturating_sub(start);
            match e.facts() {
                EventFacts::FullSnapshot => auto.push((settle_until(i, t), Reason::Snapshot)),
                EventFacts::Click { .. } => auto.push((settle_until(i, t), Reason::Click)),
                EventFacts::ViewportResize { .. } => {
                    auto.push((settle_until(i, t), Reason::Resize))
                }
                EventFacts::Console { level, .. } if level == "error" || level == "assert" => {
                    auto.push((t.saturating_add(1), Reason::ConsoleError))
                }
                _ => {}
            }
        }
        if !events.is_empty() {
            auto.push((end_offset, Reason::End));
        }
        let max = opts.max_checkpoints.unwrap_or(DEFAULT_MAX_CHECKPOINTS);
        auto = dedupe(auto);
        if auto.len() > max && opts.max_checkpoints.is_none() {
            thinned = Some(Thinned {
                planned: auto.len(),
                kept: max,
            });
        }
        auto = thin_out(auto, max);
        wanted.extend(auto);
    }

    let floor = first_snapshot.map(|f| f.saturating_add(1)).unwrap_or(0);
    let moved: Vec<(i64, Reason)> = wanted
        .into_iter()
        .map(|(t, r)| (t.max(floor).max(0), r))
        .collect();
    let moved = dedupe(moved);
    let times: Vec<i64> = moved.iter().map(|(t, _)| *t).collect();
    let checkpoints = moved
        .into_iter()
        .zip(viewports_at(window, &times))
        .map(|((t_ms, reason), viewport)| Checkpoint {
            name: checkpoint_name(t_ms, reason),
            t_ms,
            reason,
            viewport: opts.viewport_override.unwrap_or(viewport),
        })
        .collect();
    (checkpoints, thinned)
}

/// Sorted by time; one checkpoint per millisecond, the highest-priority reason winning.
fn dedupe(mut items: Vec<(i64, Reason)>) -> Vec<(i64, Reason)> {
    items.sort();
    items.dedup_by_key(|(t, _)| *t);
    items
}

/// Keeps `max` of the time-sorted checkpoints, spread evenly, always including the first and last.
fn thin_out(items: Vec<(i64, Reason)>, max: usize) -> Vec<(i64, Reason)> {
    if items.len() <= max {
        return items;
    }
    match max {
        0 => Vec::new(),
        1 => vec![*items.last().unwrap()],
        _ => {
            let n = items.len();
            (0..max).map(|k| items[k * (n - 1) / (max - 1)]).collect()
        }
    }
}

pub fn checkpoint_name(t_ms: i64, reason: Reason) -> String {
    format!("{:07}-{}", t_ms, reason.as_str())
}

/// The recorded viewport once every event strictly before `t_ms` has been applied; before the
/// first size information, the first size the recording reports.
pub fn viewport_at(window: &WindowStream, t_ms: i64) -> (u32, u32) {
    viewports_at(window, &[t_ms])[0]
}

/// [`viewport_at`] for many ascending times in one pass over the events (a plan can have as many
/// checkpoints as the recording has clicks; one scan per checkpoint would be quadratic).
fn viewports_at(window: &WindowStream, times: &[i64]) -> Vec<(u32, u32)> {
    let start = window.start_ms();
    let sizes: Vec<(i64, (u32, u32))> = window
        .events
        .iter()
        .filter_map(|e| {
            let size = match e.kind {
                EventType::Meta => match e.facts() {
                    EventFacts::Meta {
                        width: Some(w),
                        height: Some(h),
                        ..
                    } => Some((w, h)),
                    _ => None,
                },
                EventType::IncrementalSnapshot
                    if e.source == Some(IncrementalSource::VIEWPORT_RESIZE) =>
                {
                    match e.facts() {
                        EventFacts::ViewportResize { width, height } => Some((width, height)),
                        _ => None,
                    }
                }
                _ => None,
            };
            size.map(|s| (e.timestamp.saturating_sub(start), s))
        })
        .collect();
    let first = sizes.first().map_or(FALLBACK_VIEWPORT, |(_, s)| *s);
    let mut next = 0;
    let mut current = None;
    times
        .iter()
        .map(|&t| {
            while let Some(&(offset, size)) = sizes.get(next)
                && offset < t
            {
                current = Some(size);
                next += 1;
            }
            current.unwrap_or(first)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::{Event, WindowStream};
    use serde_json::value::RawValue;

    fn ev(ts: i64, json: &str) -> Event {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        Event {
            kind: EventType::from_code(v["type"].as_i64().unwrap()),
            timestamp: ts,
            source: v["data"]["source"].as_i64(),
            json: RawValue::from_string(json.to_string()).unwrap(),
        }
    }

    fn window() -> WindowStream {
        WindowStream {
            id: "w".into(),
            events: vec![
                ev(
                    1000,
                    r#"{"type":4,"data":{"href":"h","width":1280,"height":800}}"#,
                ),
                ev(1010, r#"{"type":2,"data":{}}"#),
                ev(3000, r#"{"type":3,"data":{"source":2,"type":2,"id":1}}"#),
                ev(3100, r#"{"type":3,"data":{"source":2,"type":2,"id":1}}"#),
                ev(
                    5000,
                    r#"{"type":3,"data":{"source":4,"width":390,"height":844}}"#,
                ),
                ev(
                    6000,
                    r#"{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"error","payload":["\"x\""]}}}"#,
                ),
                ev(9000, r#"{"type":3,"data":{"source":1}}"#),
            ],
        }
    }

    #[test]
    fn many_clicks_are_capped_by_default_and_the_flag_decides_otherwise() {
        let mut w = window();
        for i in 0..2000 {
            w.events.push(ev(
                10_000 + i * 10,
                r#"{"type":3,"data":{"source":2,"type":2,"id":1}}"#,
            ));
        }
        let (p, thinned) = plan_noting(&w, &PlanOptions::default());
        assert_eq!(p.len(), DEFAULT_MAX_CHECKPOINTS);
        let t = thinned.unwrap();
        assert_eq!(t.kept, DEFAULT_MAX_CHECKPOINTS);
        assert!(t.planned > 2000);
        assert!(t.warning("w").contains("--max-checkpoints"));
        let all = PlanOptions {
            max_checkpoints: Some(100_000),
            ..PlanOptions::default()
        };
        assert_eq!(plan_noting(&w, &all), (plan(&w, &all), None));
        assert_eq!(plan(&w, &all).len(), t.planned);
        let few = PlanOptions {
            max_checkpoints: Some(10),
            ..PlanOptions::default()
        };
        assert_eq!(plan_noting(&w, &few).0.len(), 10);
        assert_eq!(plan_noting(&w, &few).1, None, "asked for: no warning");
        // Under the cap: nothing thinned.
        assert_eq!(plan_noting(&window(), &PlanOptions::default()).1, None);
    }

    #[test]
    fn automatic_plan() {
        let p = plan(&window(), &PlanOptions::default());
        let names: Vec<_> = p.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "0000510-snapshot",
                "0002100-click",
                "0002600-click",
                "0004500-resize",
                "0005001-console-error",
                "0008001-end"
            ]
        );
        assert_eq!(p[0].viewport, (1280, 800));
        assert_eq!(p[3].viewport, (390, 844));
        assert_eq!(p[2].viewport, (1280, 800));
    }

    #[test]
    fn explicit_times_are_moved_after_the_first_snapshot() {
        let opts = PlanOptions {
            mode: Mode::None,
            at: vec![0, 4000],
            ..Default::default()
        };
        let p = plan(&window(), &opts);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].t_ms, 11);
        assert_eq!(p[0].name, "0000011-at");
        assert_eq!(p[1].viewport, (1280, 800));
    }

    #[test]
    fn adding_a_checkpoint_renames_nothing() {
        let a = plan(&window(), &PlanOptions::default());
        let opts = PlanOptions {
            at: vec![7000],
            ..Default::default()
        };
        let b = plan(&window(), &opts);
        assert_eq!(b.len(), a.len() + 1);
        for c in &a {
            assert!(b.contains(c));
        }
    }

    #[test]
    fn viewport_override_sizes_every_checkpoint() {
        let opts = PlanOptions {
            viewport_override: Some((800, 600)),
            ..Default::default()
        };
        let p = plan(&window(), &opts);
        assert!(p.len() > 2);
        assert!(p.iter().all(|c| c.viewport == (800, 600)));
        // The checkpoints themselves (times, names) are the same as without the override.
        let names = |p: &[Checkpoint]| p.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&p), names(&plan(&window(), &PlanOptions::default())));
    }

    #[test]
    fn max_checkpoints_keeps_first_and_last() {
        let opts = PlanOptions {
            max_checkpoints: Some(2),
            ..Default::default()
        };
        let p = plan(&window(), &opts);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].reason, Reason::Snapshot);
        assert_eq!(p[1].reason, Reason::End);
    }

    #[test]
    fn extreme_timestamps_and_settle_never_overflow() {
        let w = WindowStream {
            id: "w".into(),
            events: vec![
                ev(i64::MIN, r#"{"type":2,"data":{}}"#),
                ev(0, r#"{"type":3,"data":{"source":2,"type":2,"id":1}}"#),
                ev(
                    i64::MAX,
                    r#"{"type":3,"data":{"source":4,"width":9,"height":9}}"#,
                ),
            ],
        };
        assert_eq!(w.duration_ms(), i64::MAX);
        let opts = PlanOptions {
            at: vec![i64::MIN, i64::MAX],
            settle_ms: i64::MAX,
            ..Default::default()
        };
        let p = plan(&w, &opts);
        assert!(p.iter().all(|c| c.t_ms >= 0), "{p:?}");
        assert!(p.windows(2).all(|c| c[0].t_ms < c[1].t_ms), "{p:?}");
        let _ = crate::recording::WindowSummary::of(&w);
    }
}
