//! How to find each step's target again. One player page per window replays the recording; for
//! every step with a target, in time order (forward seeks only), the replayed DOM just before the
//! step (every event strictly before it applied) gives, through `player/locate.js`: ranked
//! locators for the nearest interactive element, the frames to enter, a `hover` step where the
//! target only shows while an ancestor is hovered, and whether a field to type into is hidden.
//!
//! Also the confidence rule the live side applies once a locator has matched ([`confidence`]).

use super::{Action, DriveError, Locator, Step, Strategy};
use crate::plan::viewport_at;
use crate::recording::WindowStream;
use crate::replay::player::PlayerPage;
use crate::replay::{BrowserSession, EVENT_CHUNK_BYTES, EventChunks, ReplayOptions, Visits};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Each stronger locator that did not match exactly one element lowers the winner's confidence
/// by this factor.
pub const FALLBACK_FACTOR: f64 = 0.85;

const SKIP_HIDDEN_FIELD: &str = "typed into a field that is hidden (transparent or without a box, as code editors' input textareas are): not driven in v1";

/// How sure a strategy is, when it is the first locator tried and it matches exactly one element:
/// test ids are written to be found; ids (not generated) are meant to be unique; role + name and
/// labels are what a person reads; placeholder, text and link targets change with copy; a
/// structural path breaks with any layout change; a point only holds for the same layout.
pub fn base_confidence(strategy: Strategy) -> f64 {
    match strategy {
        Strategy::TestId => 0.98,
        Strategy::Id => 0.95,
        Strategy::Role => 0.9,
        Strategy::Label => 0.85,
        Strategy::Placeholder => 0.8,
        Strategy::Text => 0.75,
        Strategy::Href => 0.7,
        Strategy::Path => 0.5,
        Strategy::Point => 0.3,
    }
}

/// The confidence of a resolution on the live page: the winning locator's base confidence,
/// times [`FALLBACK_FACTOR`] for each stronger locator before it (each one failed to match
/// exactly one element), rounded to two decimals. 0 when `winner` is out of range.
pub fn confidence(locators: &[Locator], winner: usize) -> f64 {
    let Some(base) = locators.get(winner).map(|l| l.confidence) else {
        return 0.0;
    };
    let exponent = i32::try_from(winner).unwrap_or(i32::MAX);
    let c = (base * FALLBACK_FACTOR.powi(exponent)).clamp(0.0, 1.0);
    (c * 100.0).round() / 100.0
}

#[derive(Debug, Deserialize)]
struct RawLocator {
    strategy: Strategy,
    selector: String,
}

impl RawLocator {
    fn ranked(list: Vec<RawLocator>) -> Vec<Locator> {
        list.into_iter()
            .map(|l| Locator {
                confidence: base_confidence(l.strategy),
                strategy: l.strategy,
                selector: l.selector,
            })
            .collect()
    }
}

#[derive(Debug, Deserialize)]
struct Hover {
    node: Option<i64>,
    locators: Vec<RawLocator>,
}

/// What `reel.locate` answers.
#[derive(Debug, Deserialize)]
struct Described {
    found: bool,
    locators: Vec<RawLocator>,
    frames: Vec<Vec<RawLocator>>,
    hover: Option<Hover>,
    hidden_field: bool,
    #[serde(default)]
    apply_ms: f64,
    #[serde(default)]
    describe_ms: f64,
}

/// Whether a step acts on an element that locators have to find.
pub fn has_target(step: &Step) -> bool {
    step.node.is_some()
        && !matches!(
            step.action,
            Action::Navigate | Action::Resize | Action::Hover
        )
}

/// One step of a window as located, as soon as it is: `index` into the window's steps as given
/// (hover steps of an earlier pass removed, before any new one is inserted), the step with its
/// locators, frames and skip filled in (left as it was when its node is not in the replayed DOM),
/// and the hover step to perform right before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Located {
    pub index: usize,
    pub step: Step,
    pub hover: Option<Step>,
}

/// Fills in `locators` and `frames` of every step of `window` in `steps` that has a target,
/// inserts a `hover` step before pointer steps whose target only shows on hover (replacing the
/// window's hover steps of an earlier pass), and skips typing into hidden fields. Steps of other
/// windows are left alone.
pub async fn locate_steps(
    session: &BrowserSession,
    window: &WindowStream,
    steps: &mut Vec<Step>,
    opts: &ReplayOptions,
) -> Result<(), DriveError> {
    locate_steps_feeding(session, window, steps, opts, &mut |_| {}).await
}

/// [`locate_steps`], handing each step with a target to `feed` as soon as it is located, in time
/// order (so a drive can perform it while later ones are still being located). Every step with
/// a target is fed, found or not; when locating fails, the steps after the failure are not.
pub async fn locate_steps_feeding(
    session: &BrowserSession,
    window: &WindowStream,
    steps: &mut Vec<Step>,
    opts: &ReplayOptions,
    feed: &mut (dyn FnMut(Located) + Send),
) -> Result<(), DriveError> {
    if !window.has_full_snapshot() {
        return Err(DriveError::NoFullSnapshot {
            window: window.id.clone(),
        });
    }
    let chunks = EventChunks::new(window, EVENT_CHUNK_BYTES);
    let page = PlayerPage::open(session).await?;
    let mut locating = Locating::new(window, std::mem::take(steps), opts, feed);
    let loaded = page.load(opts, &chunks).await;
    if loaded.is_ok() {
        while locating.next_at().is_some() {
            locating.visit(&page, false).await;
        }
    }
    if loaded.is_ok() && locating.done() {
        page.release(session).await;
    } else {
        page.close().await;
    }
    loaded?;
    *steps = locating.finish()?;
    Ok(())
}

/// Locating one window's steps as a [`Visits`] of a replay: each visit locates the next step
/// with a target, in time order. The replay may be one of its own
/// ([`locate_steps_feeding`]) or the one that paints the recorded frames
/// ([`crate::replay::capture_window_visiting`]).
pub struct Locating<'f> {
    window: String,
    steps: Vec<Step>,
    /// Indices into `steps` of the steps to locate, in time order; `next` is the next one.
    order: Vec<usize>,
    /// The recorded viewport at each step of `order`.
    viewports: Vec<(u32, u32)>,
    next: usize,
    hovers: Vec<(usize, Step)>,
    settle_budget: std::time::Duration,
    /// Whether a visit already waited for the page's assets (the first one does, unless the
    /// replay says a seek did).
    settled: bool,
    feed: &'f mut (dyn FnMut(Located) + Send),
    error: Option<DriveError>,
    started: Instant,
}

impl<'f> Locating<'f> {
    /// Locating the steps of `window` in `steps` (steps of other windows are left alone; the
    /// window's hover steps of an earlier pass are dropped, to be made afresh).
    pub fn new(
        window: &WindowStream,
        mut steps: Vec<Step>,
        opts: &ReplayOptions,
        feed: &'f mut (dyn FnMut(Located) + Send),
    ) -> Locating<'f> {
        steps.retain(|s| s.window != window.id || s.action != Action::Hover);
        let mut order: Vec<usize> = (0..steps.len())
            .filter(|&i| steps[i].window == window.id && has_target(&steps[i]))
            .collect();
        order.sort_by_key(|&i| steps[i].t_ms);
        let viewports = order
            .iter()
            .map(|&i| viewport_at(window, steps[i].t_ms))
            .collect();
        Locating {
            window: window.id.clone(),
            steps,
            order,
            viewports,
            next: 0,
            hovers: Vec::new(),
            settle_budget: opts.settle_budget,
            settled: false,
            feed,
            error: None,
            started: Instant::now(),
        }
    }

    /// Whether every step was located (false after an error, or while visits are due).
    pub fn done(&self) -> bool {
        self.error.is_none() && self.next >= self.order.len()
    }

    /// The steps with their locators, frames, skips and hover steps; the first error, if any.
    /// Steps never visited are left unlocated.
    pub fn finish(mut self) -> Result<Vec<Step>, DriveError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        tracing::debug!(
            "window {}: {} steps located in {:?}",
            self.window,
            self.next,
            self.started.elapsed()
        );
        for (i, hover) in std::mem::take(&mut self.hovers).into_iter().rev() {
            self.steps.insert(i, hover);
        }
        Ok(self.steps)
    }

    async fn locate_next(&mut self, page: &PlayerPage, settled: bool) -> Result<(), DriveError> {
        let (i, viewport) = (self.order[self.next], self.viewports[self.next]);
        self.next += 1;
        let window = &self.window;
        let t_ms = self.steps[i].t_ms;
        page.set_viewport(viewport).await?;
        // The first seek rebuilds the page and waits for its stylesheets, images and fonts;
        // later ones only apply events (layout is read synchronously, nothing is painted).
        if !settled && !self.settled {
            page.seek_settled(t_ms, self.settle_budget, &[]).await?;
        }
        self.settled = true;
        let step = &mut self.steps[i];
        let request = serde_json::json!({
            "t": t_ms,
            "node": step.node,
            "exact": step.action == Action::Scroll,
            "point": step.point.map(|(x, y)| [x, y]),
        });
        let answer = page
            .call(
                "locating a step's target",
                format!("reel.locate({request})"),
            )
            .await?;
        let d: Described =
            serde_json::from_value(answer).map_err(|e| DriveError::UnexpectedAnswer {
                window: window.clone(),
                detail: e.to_string(),
            })?;
        tracing::debug!(
            "window {window}: {} at {t_ms} ms located: events applied in {:.1} ms, described in {:.1} ms",
            step.action.as_str(),
            d.apply_ms,
            d.describe_ms
        );
        if !d.found {
            tracing::debug!(
                "window {window}: {} at {} ms: node {:?} is not in the replayed DOM",
                step.action.as_str(),
                t_ms,
                step.node
            );
            (self.feed)(Located {
                index: i,
                step: step.clone(),
                hover: None,
            });
            return Ok(());
        }
        step.locators = RawLocator::ranked(d.locators);
        step.frames = d.frames.into_iter().map(RawLocator::ranked).collect();
        if d.hidden_field && step.action == Action::Type && step.skip.is_none() {
            step.skip = Some(SKIP_HIDDEN_FIELD.into());
        }
        let hover = d
            .hover
            .filter(|_| {
                matches!(
                    step.action,
                    Action::Click | Action::Dblclick | Action::Contextmenu
                )
            })
            .map(|h| {
                let mut hover = step.clone();
                hover.action = Action::Hover;
                hover.node = h.node.or(step.node);
                hover.locators = RawLocator::ranked(h.locators);
                hover.text = None;
                hover.skip = None;
                hover
            });
        if let Some(h) = &hover {
            self.hovers.push((i, h.clone()));
        }
        (self.feed)(Located {
            index: i,
            step: step.clone(),
            hover,
        });
        Ok(())
    }
}

impl Visits for Locating<'_> {
    fn next_at(&self) -> Option<i64> {
        if self.error.is_some() {
            return None;
        }
        self.order.get(self.next).map(|&i| self.steps[i].t_ms)
    }

    async fn visit(&mut self, page: &PlayerPage, settled: bool) {
        if let Err(e) = self.locate_next(page, settled).await {
            self.error = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(strategy: Strategy) -> Locator {
        Locator {
            strategy,
            selector: String::new(),
            confidence: base_confidence(strategy),
        }
    }

    #[test]
    fn confidence_falls_with_each_failed_stronger_locator() {
        let list = vec![loc(Strategy::Id), loc(Strategy::Role), loc(Strategy::Path)];
        assert_eq!(confidence(&list, 0), 0.95);
        assert_eq!(confidence(&list, 1), 0.77, "0.9 * 0.85");
        assert_eq!(confidence(&list, 2), 0.36, "0.5 * 0.85²");
        assert_eq!(confidence(&list, 3), 0.0);
        assert_eq!(confidence(&[], 0), 0.0);
    }

    #[test]
    fn base_confidence_follows_the_strategy_order() {
        use Strategy::*;
        let order = [
            TestId,
            Id,
            Role,
            Label,
            Placeholder,
            Text,
            Href,
            Path,
            Point,
        ];
        for pair in order.windows(2) {
            assert!(pair[0] < pair[1]);
            assert!(base_confidence(pair[0]) > base_confidence(pair[1]));
        }
        assert!(
            order
                .iter()
                .all(|s| (0.0..=1.0).contains(&base_confidence(*s)))
        );
    }
}
