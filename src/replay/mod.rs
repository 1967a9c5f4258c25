//! The browser: find, launch or attach Chromium; serve the player in isolation; for each checkpoint
//! seek, size the viewport to the recorded one, wait for the frame, screenshot; collect console
//! output of both kinds (recorded in the session, and produced by the replay itself).

pub(crate) mod assets;
pub(crate) mod chrome;
pub mod css;
mod fragments;
pub(crate) mod isolation;
pub(crate) mod liveness;
pub mod player;
mod pool;

pub use assets::LOCATE_JS;
pub use chrome::{
    BrowserInfo, BrowserOptions, BrowserSession, find_chrome, is_headless_shell, launch_flags,
    version_output,
};
pub use pool::{BrowserPool, Lease};

use crate::plan::Checkpoint;
use crate::recording::{EventFacts, EventType, WindowStream};
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// What went wrong while replaying.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no Chromium found ({detail}): {}", chrome::INSTALL_HINT)]
    BrowserNotFound { detail: String },
    #[error("browser: {0}")]
    Browser(String),
    #[error(
        "browser step '{step}' timed out after {after:?} (raise --timeout, or check that the browser is healthy)"
    )]
    Timeout { step: String, after: Duration },
    /// The page's renderer crashed, or the browser process exited or its connection dropped:
    /// noticed at once, not at the step's timeout.
    #[error("{reason} while {step}")]
    Crashed { step: String, reason: String },
    #[error("player failed while {step}: {message}")]
    Player { step: String, message: String },
    #[error("{recording}: window {window} has no FullSnapshot, so nothing can be replayed")]
    NoFullSnapshot { recording: String, window: String },
}

impl ReplayError {
    /// Input problems (exit 2) as opposed to infrastructure problems (exit 3).
    pub fn is_input_error(&self) -> bool {
        matches!(self, ReplayError::NoFullSnapshot { .. })
    }

    /// A browser (or page) that crashed or hangs: worth replacing and trying again.
    pub fn is_browser_fault(&self) -> bool {
        matches!(
            self,
            ReplayError::Timeout { .. } | ReplayError::Crashed { .. }
        )
    }
}

/// Where a console entry came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ConsoleSource {
    /// Logged by the user's page while it was recorded (rrweb console plugin).
    Recorded,
    /// Logged while replaying: the player page's own errors and rrweb's warnings.
    Replay,
    /// `reel drive`: logged by the live page of the build under test (its console errors and
    /// uncaught exceptions).
    Live,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleEntry {
    pub t_ms: i64,
    pub level: String,
    pub message: String,
    pub source: ConsoleSource,
}

/// How to replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Keep rrweb's replay cursor in screenshots.
    pub show_cursor: bool,
    /// Replay canvas drawing (rrweb `CanvasMutation` events) in windows that have some. rrweb then
    /// adds `allow-scripts` to the replay iframe's sandbox; the player page's Content Security
    /// Policy (`script-src 'self'`, inherited by the iframe) still keeps recorded scripts, inline
    /// handlers and `javascript:` URLs from running.
    pub replay_canvas: bool,
    /// Upper bound on waiting for stylesheets, images and fonts after a seek.
    pub settle_budget: Duration,
    /// CSS selectors whose boxes are reported per shot (for masking).
    pub mask_selectors: Vec<String>,
    /// Rebuild from the last full snapshot at every checkpoint instead of playing forward from
    /// the previous one (slower; shows that forward seeks paint the same frames).
    pub fresh_seeks: bool,
    /// Pages that may replay segments of one window's plan side by side (see [`capture_window`]).
    pub lanes: usize,
    /// Hand rrweb its stylesheet rewrites done ahead by reel ([`css`]) rather than let it run
    /// PostCSS on each stylesheet in the first rebuild; the same text either way.
    pub adapt_css_ahead: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            show_cursor: false,
            replay_canvas: true,
            settle_budget: Duration::from_secs(2),
            mask_selectors: Vec::new(),
            fresh_seeks: false,
            lanes: 1,
            adapt_css_ahead: true,
        }
    }
}

/// One screenshot.
#[derive(Debug, Clone)]
pub struct Shot {
    pub checkpoint: Checkpoint,
    pub png: Vec<u8>,
    /// The page URL at that moment, as far as the recording tells.
    pub href: Option<String>,
    /// Events the replayer applied to get here from the previous checkpoint.
    pub events_applied: u64,
    /// The image is the previous screenshot's: nothing could change the page in between.
    pub repeated: bool,
    /// Whether every stylesheet, image and font had settled within the budget.
    pub settled: bool,
    /// Boxes of elements matching the mask selectors, (x, y, w, h).
    pub mask_rects: Vec<(u32, u32, u32, u32)>,
    pub elapsed: Duration,
}

/// Whether canvas drawing was replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canvas {
    /// The recording has canvas data and it was drawn.
    Replayed,
    /// The recording has canvas data and it was not drawn (`--no-canvas`): canvases are blank.
    Off,
    /// The recording has no canvas data.
    None,
}

/// Everything captured from one window.
#[derive(Debug, Clone)]
pub struct WindowCapture {
    pub window: String,
    pub shots: Vec<Shot>,
    pub console: Vec<ConsoleEntry>,
    pub blocked_requests: u64,
    pub blocked_urls: Vec<String>,
    pub warnings: Vec<String>,
    pub load_time: Duration,
    /// The replay iframe's `sandbox` attribute (`allow-same-origin`, plus `allow-scripts` when
    /// canvas is replayed).
    pub sandbox: String,
    /// Whether the window's canvas drawing was replayed.
    pub canvas: Canvas,
}

/// Console messages recorded in the session (rrweb console plugin), with offsets from the window start.
pub fn recorded_console(window: &WindowStream) -> Vec<ConsoleEntry> {
    let start = window.start_ms();
    window
        .events
        .iter()
        .filter(|e| e.kind == EventType::Plugin)
        .filter_map(|e| match e.facts() {
            EventFacts::Console { level, message, .. } => Some(ConsoleEntry {
                t_ms: e.timestamp.saturating_sub(start),
                level,
                message,
                source: ConsoleSource::Recorded,
            }),
            _ => None,
        })
        .collect()
}

/// Largest chunk of events served to the player in one response.
pub const EVENT_CHUNK_BYTES: usize = 8 << 20;

/// A window's events cut into JSON arrays of at most about `max_bytes` each (an event larger than
/// that gets a chunk of its own), so that no single transfer to the browser is huge. The chunks are
/// made one at a time, when the player asks for them, so the events are never held twice.
pub struct EventChunks<'a> {
    window: &'a WindowStream,
    /// Same-document CSS references are made local again, see [`fragments`].
    pages: Vec<String>,
    ranges: Vec<std::ops::Range<usize>>,
    stylesheets: std::sync::OnceLock<Vec<u8>>,
}

impl<'a> EventChunks<'a> {
    pub fn new(window: &'a WindowStream, max_bytes: usize) -> Self {
        let mut ranges = Vec::new();
        let (mut start, mut size) = (0, 0usize);
        for (i, e) in window.events.iter().enumerate() {
            let len = e.json.get().len() + 1;
            if i > start && size + len + 1 > max_bytes {
                ranges.push(start..i);
                (start, size) = (i, 0);
            }
            size += len;
        }
        ranges.push(start..window.events.len());
        EventChunks {
            window,
            pages: fragments::page_urls(window),
            ranges,
            stylesheets: std::sync::OnceLock::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// rrweb's rewrites of the window's stylesheets, done ahead, as the player takes them (see
    /// [`css::adapted_stylesheets`]); worked out on the first call.
    pub fn stylesheets(&self) -> &[u8] {
        self.stylesheets.get_or_init(|| {
            let localized: Vec<_> = self
                .window
                .events
                .iter()
                .map(|e| e.json.get())
                .filter(|json| css::may_hold_stylesheets(json))
                .map(|json| fragments::localize(json, &self.pages))
                .collect();
            css::adapted_stylesheets(localized.iter().map(|c| c.as_ref()))
        })
    }

    /// Chunk `i` as a JSON array, or `None` past the last one.
    pub fn chunk(&self, i: usize) -> Option<Vec<u8>> {
        let events = &self.window.events[self.ranges.get(i)?.clone()];
        let size: usize = events.iter().map(|e| e.json.get().len() + 1).sum();
        let mut out = Vec::with_capacity(size + 2);
        // Writing into a Vec cannot fail.
        let _ = write_array(events, &self.pages, &mut out);
        Some(out)
    }
}

/// `events` as one JSON array, same-document references made local for `pages`.
fn write_array(
    events: &[crate::recording::Event],
    pages: &[String],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(fragments::localize(e.json.get(), pages).as_bytes())?;
    }
    out.write_all(b"]")
}

/// The events of a window as one JSON array (same-document references made local, as for the
/// player), written to `out` event by event.
pub fn write_events_json(
    window: &WindowStream,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    write_array(&window.events, &fragments::page_urls(window), out)
}

/// Fewest checkpoints worth a lane of their own: a lane costs a page, a player load and a catch-up
/// seek, all in parallel with the first lane's. Since seeks apply events straight to the DOM a
/// checkpoint costs less, and on 2 cores lanes of 8+ beat lanes of 4+ (`reel replay`, default
/// `--jobs`, 3 alternating runs, 2026-12-03: testbed-errors, 28 checkpoints, 1.55-1.77 s in
/// three lanes vs 1.66-2.13 s in four and 1.92-2.12 s in one; todomvc-backbone, 18, 1.24-1.38 s
/// in two vs 1.39-1.63 s in four; rrweb-todomvc-angularjs, 11, the same in one as in two).
pub const MIN_CHECKPOINTS_PER_LANE: usize = 8;

/// Most lanes for a window whose events fill more than one chunk, or with a full snapshot of
/// [`LARGE_SNAPSHOT_BYTES`] or more: every lane's page holds its own copy of the events (the 108 MB
/// session of `benches/scale.py`: two lanes 5.3 s and 1.45 GB for reel + Chromium, four lanes
/// 7.6 s and 2.37 GB), and every later lane's catch-up rebuilds the document.
pub const MAX_LANES_LARGE_WINDOW: usize = 2;

/// Full snapshots from this size up limit a window to [`MAX_LANES_LARGE_WINDOW`] lanes (swagger-ui,
/// 228 KB snapshots, 19 checkpoints, 7 alternating runs, 2026-12-04: one lane 0.93-1.18 s, median
/// 0.96, two 0.88-1.04 s, median 0.93, the same frames; four were no faster than two. On
/// 2026-12-03, when each replay cost more, one lane was the faster: 1.78-2.07 s against 2.49-2.57 s
/// in four).
pub const LARGE_SNAPSHOT_BYTES: usize = 100_000;

fn lanes_for_window(lanes: usize, chunks: usize, window: &WindowStream) -> usize {
    let largest_snapshot = window
        .events
        .iter()
        .filter(|e| e.kind == EventType::FullSnapshot)
        .map(|e| e.json.get().len())
        .max()
        .unwrap_or(0);
    if largest_snapshot >= LARGE_SNAPSHOT_BYTES || chunks > 1 {
        lanes.min(MAX_LANES_LARGE_WINDOW)
    } else {
        lanes
    }
}

/// Splits checkpoints (in time order) into at most `lanes` contiguous segments of at least
/// [`MIN_CHECKPOINTS_PER_LANE`], as even as possible.
fn segments(ordered: &[Checkpoint], lanes: usize) -> Vec<&[Checkpoint]> {
    let lanes = lanes.min(ordered.len() / MIN_CHECKPOINTS_PER_LANE).max(1);
    let (base, extra) = (ordered.len() / lanes, ordered.len() % lanes);
    let mut out = Vec::with_capacity(lanes);
    let mut at = 0;
    for i in 0..lanes {
        let n = base + usize::from(i < extra);
        out.push(&ordered[at..at + n]);
        at += n;
    }
    out
}

/// Work on a window's player page at times of its own, done in time order between the
/// checkpoints' captures (forward seeks only): `reel drive` locates its steps in the same replay
/// that paints the recorded frames. A visitor keeps its own errors.
pub trait Visits: Send {
    /// When the next visit is due, if any: the visit shows every event strictly before it.
    fn next_at(&self) -> Option<i64>;
    /// The visit due at [`Visits::next_at`]. `settled`: whether a seek of this page has
    /// already waited for the page's stylesheets, images and fonts.
    fn visit(
        &mut self,
        page: &player::PlayerPage,
        settled: bool,
    ) -> impl std::future::Future<Output = ()> + Send;
}

/// No visits: a replay that only captures.
pub struct NoVisits;

impl Visits for NoVisits {
    fn next_at(&self) -> Option<i64> {
        None
    }

    async fn visit(&mut self, _: &player::PlayerPage, _: bool) {}
}

impl<V: Visits> Visits for &mut V {
    fn next_at(&self) -> Option<i64> {
        (**self).next_at()
    }

    fn visit(
        &mut self,
        page: &player::PlayerPage,
        settled: bool,
    ) -> impl std::future::Future<Output = ()> + Send {
        (**self).visit(page, settled)
    }
}

/// Replays one window and screenshots every checkpoint of `plan`. Each page visits its
/// checkpoints in time order; with `opts.lanes` > 1 and enough checkpoints, the plan is cut into
/// contiguous segments replayed side by side in pages of the same browser, each later segment's
/// page first catching up (a seek, no screenshot) to where the previous segment ends. Frames do
/// not depend on it (a seek from a rebuild paints what playing forward paints: tested), and what
/// the catch-up logs or requests is dropped, since the previous segment reports it.
pub async fn capture_window(
    session: &BrowserSession,
    recording_id: &str,
    window: &WindowStream,
    plan: &[Checkpoint],
    opts: &ReplayOptions,
) -> Result<WindowCapture, ReplayError> {
    capture(
        session,
        recording_id,
        window,
        plan,
        opts,
        opts.lanes,
        NoVisits,
    )
    .await
}

/// [`capture_window`] in one page (no lanes), with `visits` done on that page in time order
/// between the checkpoints (each visit before the checkpoints at or after its time), and the
/// ones due after the last checkpoint at the end. A visit's requests are waited for by the
/// next checkpoint like its own seek's.
pub async fn capture_window_visiting(
    session: &BrowserSession,
    recording_id: &str,
    window: &WindowStream,
    plan: &[Checkpoint],
    opts: &ReplayOptions,
    visits: &mut impl Visits,
) -> Result<WindowCapture, ReplayError> {
    capture(session, recording_id, window, plan, opts, 1, visits).await
}

/// Captures `plan` in up to `max_lanes` pages ([`lanes_for_window`]); `visits` need one.
async fn capture(
    session: &BrowserSession,
    recording_id: &str,
    window: &WindowStream,
    plan: &[Checkpoint],
    opts: &ReplayOptions,
    max_lanes: usize,
    visits: impl Visits,
) -> Result<WindowCapture, ReplayError> {
    if !window.has_full_snapshot() {
        return Err(ReplayError::NoFullSnapshot {
            recording: recording_id.to_string(),
            window: window.id.clone(),
        });
    }
    let started = Instant::now();
    let canvas = match (window.has_canvas(), opts.replay_canvas) {
        (false, _) => Canvas::None,
        (true, true) => Canvas::Replayed,
        (true, false) => Canvas::Off,
    };
    let opts = &ReplayOptions {
        replay_canvas: canvas == Canvas::Replayed,
        ..opts.clone()
    };
    let chunks = EventChunks::new(window, EVENT_CHUNK_BYTES);
    let mut ordered = plan.to_vec();
    ordered.sort_by_key(|c| c.t_ms);
    let parts = segments(&ordered, lanes_for_window(max_lanes, chunks.len(), window));
    let mut segments_done = Vec::with_capacity(parts.len());
    if parts.len() == 1 {
        let seg = capture_segment(
            session, &chunks, window, &ordered, None, opts, started, visits,
        );
        segments_done.push(seg.await?);
    } else {
        debug_assert!(visits.next_at().is_none(), "visits need a single lane");
        let lanes = parts.iter().enumerate().map(|(i, part)| {
            let catch_up = i
                .checked_sub(1)
                .and_then(|p| parts[p].last())
                .map(|c| c.t_ms);
            capture_segment(
                session, &chunks, window, part, catch_up, opts, started, NoVisits,
            )
        });
        for result in futures::future::join_all(lanes).await {
            segments_done.push(result?);
        }
    }
    if parts.len() > 1 {
        tracing::debug!(
            "window {}: {} checkpoints in {} lanes",
            window.id,
            ordered.len(),
            parts.len()
        );
    }

    let mut console = recorded_console(window);
    let mut capture = WindowCapture {
        window: window.id.clone(),
        shots: Vec::with_capacity(ordered.len()),
        console: Vec::new(),
        blocked_requests: 0,
        blocked_urls: Vec::new(),
        warnings: Vec::new(),
        load_time: Duration::ZERO,
        sandbox: String::new(),
        canvas,
    };
    for (i, seg) in segments_done.into_iter().enumerate() {
        if i == 0 {
            capture.load_time = seg.load_time;
            capture.sandbox = seg.sandbox;
        }
        capture.shots.extend(seg.shots);
        console.extend(seg.console);
        capture.blocked_requests += seg.blocked;
        capture.blocked_urls.extend(seg.blocked_urls);
    }
    console.sort_by_key(|c| (c.t_ms, c.source == ConsoleSource::Replay));
    capture.console = console;
    Ok(capture)
}

/// What one page captured of its segment of the plan.
struct Segment {
    shots: Vec<Shot>,
    /// The page's own console entries and rrweb's warnings, past the catch-up.
    console: Vec<ConsoleEntry>,
    blocked: u64,
    blocked_urls: Vec<String>,
    load_time: Duration,
    sandbox: String,
}

/// Opens a page, catches up to `catch_up` when given, captures `part` with `visits` between,
/// closes the page.
#[allow(clippy::too_many_arguments)]
async fn capture_segment(
    session: &BrowserSession,
    chunks: &EventChunks<'_>,
    window: &WindowStream,
    part: &[Checkpoint],
    catch_up: Option<i64>,
    opts: &ReplayOptions,
    started: Instant,
    mut visits: impl Visits,
) -> Result<Segment, ReplayError> {
    // The stylesheet rewrites are worked out while the browser opens the page.
    let (page, ()) = tokio::join!(player::PlayerPage::open(session), async {
        if opts.adapt_css_ahead {
            chunks.stylesheets();
        }
    });
    let page = page?;
    let result = drive(
        &page,
        chunks,
        window,
        part,
        catch_up,
        opts,
        started,
        &mut visits,
    )
    .await;
    let page_console = page.console();
    let blocked = page.traffic.blocked.load(Ordering::Relaxed);
    let blocked_urls = page
        .traffic
        .blocked_urls
        .lock()
        .map(|u| u.clone())
        .unwrap_or_default();
    let driven = match result {
        Ok(driven) => {
            crate::timings::span("page release", page.release(session)).await;
            driven
        }
        Err(e) => {
            crate::timings::span("page close", page.close()).await;
            return Err(e);
        }
    };
    let mut console: Vec<ConsoleEntry> =
        page_console.into_iter().skip(driven.skip.console).collect();
    console.extend(
        driven
            .warnings
            .into_iter()
            .skip(driven.skip.warnings)
            .map(|w| ConsoleEntry {
                t_ms: w.t_ms,
                level: "warn".into(),
                message: w.message,
                source: ConsoleSource::Replay,
            }),
    );
    Ok(Segment {
        shots: driven.shots,
        console,
        blocked: blocked.saturating_sub(driven.skip.blocked),
        blocked_urls: blocked_urls
            .into_iter()
            .skip(driven.skip.blocked_urls)
            .collect(),
        load_time: driven.load_time,
        sandbox: driven.sandbox,
    })
}

/// How much of a page's console, warnings and blocked requests came from its catch-up.
#[derive(Default)]
struct CatchUp {
    console: usize,
    warnings: usize,
    blocked: u64,
    blocked_urls: usize,
}

struct Driven {
    shots: Vec<Shot>,
    /// rrweb's warnings, all of the page's (the last seek reports every one so far).
    warnings: Vec<player::PlayerWarning>,
    load_time: Duration,
    sandbox: String,
    skip: CatchUp,
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    page: &player::PlayerPage,
    chunks: &EventChunks<'_>,
    window: &WindowStream,
    ordered: &[Checkpoint],
    catch_up: Option<i64>,
    opts: &ReplayOptions,
    started: Instant,
    visits: &mut impl Visits,
) -> Result<Driven, ReplayError> {
    let info = crate::timings::span("events load", page.load(opts, chunks)).await?;
    crate::timings::measured("events load: fetch+parse", info.fetch_ms);
    crate::timings::measured("events load: replayer", info.build_ms);
    crate::timings::measured("events load: ready", info.ready_ms);
    let load_time = started.elapsed();
    tracing::debug!(
        "window {}: {} events loaded in {:?} ({} ms of session)",
        window.id,
        info.events,
        load_time,
        info.total_time
    );
    let mut skip = CatchUp::default();
    if let Some(t) = catch_up {
        let t0 = Instant::now();
        let (state, _) = crate::timings::span(
            "catch-up seek",
            page.seek_settled(t, opts.settle_budget, &[]),
        )
        .await?;
        skip = CatchUp {
            console: page.console().len(),
            warnings: state.warnings.len(),
            blocked: page.traffic.blocked.load(Ordering::Relaxed),
            blocked_urls: page.traffic.blocked_urls.lock().map_or(0, |u| u.len()),
        };
        tracing::debug!(
            "caught up to {t} ms: {} events applied in {:?}",
            state.events_applied,
            t0.elapsed()
        );
    }
    let mut shots = Vec::with_capacity(ordered.len());
    let mut warnings = Vec::new();
    let mut settled = catch_up.is_some();
    for cp in ordered {
        let requested_before = page.traffic.mark();
        while let Some(at) = visits.next_at()
            && at <= cp.t_ms
        {
            visits.visit(page, settled).await;
        }
        let t0 = Instant::now();
        page.set_viewport(cp.viewport).await?;
        crate::timings::since("viewport", t0);
        let t_viewport = t0.elapsed();
        let (state, request_rounds) = crate::timings::span(
            "seek",
            page.seek_settled_since(
                requested_before,
                cp.t_ms,
                opts.settle_budget,
                &opts.mask_selectors,
            ),
        )
        .await?;
        settled = true;
        if let Some(v) = state.viewport
            && v != cp.viewport
        {
            tracing::debug!(
                "{}: replay frame is {}x{}, recorded viewport {}x{}",
                cp.name,
                v.0,
                v.1,
                cp.viewport.0,
                cp.viewport.1
            );
        }
        let t_seek = t0.elapsed();
        crate::timings::measured("seek: apply events", state.apply_ms);
        crate::timings::measured("seek: assets", state.settle_ms);
        crate::timings::measured("seek: two frames", state.frames_ms);
        let t_shot = Instant::now();
        let png = page.screenshot(cp.viewport).await?;
        crate::timings::since("screenshot", t_shot);
        tracing::debug!(
            "{}: {} events applied ({} rebuilds so far), settled {}, request rounds {}, {:?} (viewport {:?}, seek {:?} = apply {:.1} ms + assets {:.1} ms + frames {:.1} ms, screenshot {:?})",
            cp.name,
            state.events_applied,
            state.rebuilds,
            state.settled,
            request_rounds,
            t0.elapsed(),
            t_viewport,
            t_seek - t_viewport,
            state.apply_ms,
            state.settle_ms,
            state.frames_ms,
            t0.elapsed() - t_seek
        );
        warnings = state.warnings;
        shots.push(Shot {
            checkpoint: cp.clone(),
            png,
            href: state.href,
            events_applied: state.events_applied,
            repeated: false,
            settled: state.settled,
            mask_rects: state.mask_rects,
            elapsed: t0.elapsed(),
        });
    }
    while visits.next_at().is_some() {
        visits.visit(page, settled).await;
    }
    Ok(Driven {
        shots,
        warnings,
        load_time,
        sandbox: info.sandbox,
        skip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::{Event, EventType};
    use serde_json::value::RawValue;

    fn window(n: usize) -> WindowStream {
        WindowStream {
            id: "w".into(),
            events: (0..n)
                .map(|i| Event {
                    kind: EventType::IncrementalSnapshot,
                    timestamp: i as i64,
                    source: Some(1),
                    json: RawValue::from_string(format!("{{\"timestamp\":{i}}}")).unwrap(),
                })
                .collect(),
        }
    }

    #[test]
    fn chunks_concatenate_to_the_whole_array() {
        let w = window(100);
        let whole: Vec<serde_json::Value> = {
            let mut whole = Vec::new();
            write_events_json(&w, &mut whole).unwrap();
            serde_json::from_slice(&whole).unwrap()
        };
        let all = EventChunks::new(&w, 64);
        let chunks: Vec<Vec<u8>> = (0..all.len()).map(|i| all.chunk(i).unwrap()).collect();
        assert!(chunks.len() > 5);
        assert!(all.chunk(all.len()).is_none());
        let mut joined = Vec::new();
        for c in &chunks {
            assert!(
                c.len() <= 64
                    || serde_json::from_slice::<Vec<serde_json::Value>>(c)
                        .unwrap()
                        .len()
                        == 1
            );
            joined.extend(serde_json::from_slice::<Vec<serde_json::Value>>(c).unwrap());
        }
        assert_eq!(joined, whole);
        let empty = window(0);
        let none = EventChunks::new(&empty, 64);
        assert_eq!(none.len(), 1);
        assert_eq!(none.chunk(0), Some(b"[]".to_vec()));
    }

    #[test]
    fn a_large_full_snapshot_means_at_most_two_lanes() {
        let mut w = window(10);
        let text = "x".repeat(LARGE_SNAPSHOT_BYTES);
        w.events[0] = Event {
            kind: EventType::FullSnapshot,
            timestamp: 0,
            source: None,
            json: RawValue::from_string(format!("{{\"type\":2,\"data\":\"{text}\"}}")).unwrap(),
        };
        assert_eq!(lanes_for_window(4, 1, &w), MAX_LANES_LARGE_WINDOW);
        assert_eq!(lanes_for_window(1, 1, &w), 1);
        w.events[0].json =
            RawValue::from_string(format!("{{\"type\":2,\"data\":\"{}\"}}", &text[100..])).unwrap();
        assert_eq!(lanes_for_window(4, 1, &w), 4);
    }

    #[test]
    fn large_windows_get_at_most_two_lanes() {
        let w = window(10);
        assert_eq!(lanes_for_window(4, 1, &w), 4);
        assert_eq!(lanes_for_window(4, 2, &w), MAX_LANES_LARGE_WINDOW);
        assert_eq!(lanes_for_window(1, 14, &w), 1);
    }
}
