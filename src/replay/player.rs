//! The bridge to the player page: open an isolated page, load a window's events into rrweb, seek,
//! size the viewport, screenshot, and collect what the page itself logged. Every browser step
//! races the step timeout and the alarms of the page (its renderer crashed, the browser detached
//! it) and of the browser (see [`super::liveness`]).

use super::isolation::{Assets, EVENTS_PATH, EventsTap, Traffic, fulfill, isolate};
use super::liveness::{Alarm, Watch};
use super::{ConsoleEntry, ConsoleSource, ReplayError};
use crate::replay::assets::ORIGIN;
use crate::replay::chrome::BrowserSession;
use base64::Engine;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::fetch::FailRequestParams;
use chromiumoxide::cdp::browser_protocol::inspector;
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, Viewport,
};
use chromiumoxide::cdp::browser_protocol::target;
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EvaluateParams, EventConsoleApiCalled, EventExceptionThrown, RemoteObject,
};
use futures::StreamExt;
use serde::Deserialize;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// What `reel.seek` reports.
#[derive(Debug, Clone, Deserialize)]
pub struct SeekState {
    pub href: Option<String>,
    pub viewport: Option<(u32, u32)>,
    pub time_ms: i64,
    pub events_applied: u64,
    /// Full-snapshot rebuilds so far in this page.
    #[serde(default)]
    pub rebuilds: u64,
    pub settled: bool,
    pub pending: u32,
    #[serde(default)]
    pub warnings: Vec<PlayerWarning>,
    #[serde(default)]
    pub dropped_warnings: u64,
    /// Time spent applying events, waiting for assets, and waiting for two frames, in ms.
    #[serde(default)]
    pub apply_ms: f64,
    #[serde(default)]
    pub settle_ms: f64,
    #[serde(default)]
    pub frames_ms: f64,
    /// Boxes of the elements matching the mask selectors: (x, y, w, h) in viewport pixels.
    #[serde(default)]
    pub mask_rects: Vec<(u32, u32, u32, u32)>,
    /// URLs of the images and stylesheets whose load or error the seek waited for.
    #[serde(default)]
    pub awaited: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlayerWarning {
    pub t_ms: i64,
    pub message: String,
}

/// What `reel.load` reports.
#[derive(Debug, Clone, Deserialize)]
pub struct LoadInfo {
    pub start_time: f64,
    pub end_time: f64,
    pub total_time: f64,
    pub events: u64,
    /// The replay iframe's `sandbox` attribute.
    #[serde(default)]
    pub sandbox: String,
    /// Time spent fetching and parsing the events, building the replayer, and getting it ready
    /// (timers, canvas images, a frame), in ms.
    #[serde(default)]
    pub fetch_ms: f64,
    #[serde(default)]
    pub build_ms: f64,
    #[serde(default)]
    pub ready_ms: f64,
}

/// One open player page.
pub struct PlayerPage {
    page: Page,
    /// The step timeout and the alarms of this page and of its browser.
    watch: Watch,
    pub traffic: Arc<Traffic>,
    console: Arc<Mutex<Vec<ConsoleEntry>>>,
    now_ms: Arc<AtomicI64>,
    tasks: Vec<JoinHandle<()>>,
    /// Where requests for event chunks go while [`PlayerPage::load`] runs.
    events: EventsTap,
    /// Raised when the page's renderer crashed or the browser detached it.
    lost: Arc<Alarm>,
    /// Whether events were loaded into the player since it was (re)loaded.
    loaded: std::sync::atomic::AtomicBool,
    /// The emulated viewport, width and height packed, or [`NO_VIEWPORT`].
    viewport: std::sync::atomic::AtomicU64,
}

/// No viewport emulated (the browser's own).
const NO_VIEWPORT: u64 = 0;

/// Most idle player pages a browser keeps for later replays.
const MAX_IDLE_PAGES: usize = 4;

impl PlayerPage {
    /// A player page of `session`'s browser ready for [`PlayerPage::load`]: one a finished
    /// replay gave back ([`PlayerPage::release`]) with the player loaded afresh, else a new one.
    pub async fn open(session: &BrowserSession) -> Result<PlayerPage, ReplayError> {
        let idle = session.idle_players.lock().ok().and_then(|mut p| p.pop());
        if let Some(mut page) = idle {
            let t0 = std::time::Instant::now();
            match crate::timings::span("player page again", page.reload()).await {
                Ok(()) => {
                    tracing::debug!("player page loaded again in {:?}", t0.elapsed());
                    return Ok(page);
                }
                Err(e) => {
                    tracing::debug!("an idle player page did not load again ({e}); opening one");
                    page.close().await;
                }
            }
        }
        PlayerPage::open_new(session).await
    }

    /// Gives the page back to `session` for a later replay, unless it or its browser failed
    /// (then it is closed). A replay that failed closes its page instead.
    pub async fn release(self, session: &BrowserSession) {
        let healthy = self.lost.reason().is_none()
            && session.lost().is_none()
            && self
                .call("letting go of the replay", "reel.unload()".into())
                .await
                .is_ok();
        let refused = match session.idle_players.lock() {
            Ok(mut idle) if healthy && idle.len() < MAX_IDLE_PAGES => {
                idle.push(self);
                None
            }
            _ => Some(self),
        };
        if let Some(page) = refused {
            page.close().await;
        }
    }

    /// The player loaded again in the same page, as a fresh page would have it: no viewport
    /// override, nothing logged, nothing blocked, no events.
    async fn reload(&mut self) -> Result<(), ReplayError> {
        self.watch
            .step(
                "resetting the viewport",
                self.page
                    .execute(chromiumoxide::cdp::browser_protocol::emulation::ClearDeviceMetricsOverrideParams::default()),
            )
            .await?;
        self.viewport.store(NO_VIEWPORT, Ordering::SeqCst);
        load_player(&self.page, &self.watch).await?;
        // Whatever the last document logged or requested has reached the listeners once a
        // round trip made after its unload has.
        self.call("waiting for the page", "1".into()).await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while self.traffic.answered.load(Ordering::SeqCst)
            < self.traffic.requested.load(Ordering::SeqCst)
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::task::yield_now().await;
        self.traffic.forget_blocked();
        if let Ok(mut c) = self.console.lock() {
            c.clear();
        }
        self.now_ms.store(0, Ordering::Relaxed);
        self.loaded.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Opens a page that serves the player from memory, and the events when
    /// [`PlayerPage::load`] runs.
    async fn open_new(session: &BrowserSession) -> Result<PlayerPage, ReplayError> {
        let browser_watch = session.watch();
        let t0 = std::time::Instant::now();
        let page = crate::timings::span("page open", open_page(session, &browser_watch)).await?;
        tracing::debug!("page opened in {:?}", t0.elapsed());
        let lost = Arc::new(Alarm::default());
        let watch = browser_watch.and(&lost);
        let watcher = watch_page(session, &page, lost.clone(), &watch).await?;
        let events: EventsTap = Arc::new(Mutex::new(None));
        let t_isolate = std::time::Instant::now();
        let (traffic, interceptor) = watch
            .step(
                "isolating the page",
                isolate(
                    &page,
                    Assets::with_player(),
                    events.clone(),
                    session.allow_network,
                ),
            )
            .await?;
        let console = Arc::new(Mutex::new(Vec::new()));
        let now_ms = Arc::new(AtomicI64::new(0));
        let mut tasks = vec![watcher, interceptor];
        tasks.push(listen_console(&page, console.clone(), now_ms.clone(), &watch).await?);
        tasks.push(listen_exceptions(&page, console.clone(), now_ms.clone(), &watch).await?);
        crate::timings::since("page isolate", t_isolate);
        tracing::debug!("page isolated in {:?}", t0.elapsed());
        if session.player.is_none() {
            crate::timings::span("player page", load_player(&page, &watch)).await?;
            tracing::debug!("player page loaded in {:?}", t0.elapsed());
        }
        Ok(PlayerPage {
            page,
            watch,
            traffic,
            console,
            now_ms,
            tasks,
            events,
            lost,
            loaded: std::sync::atomic::AtomicBool::new(false),
            viewport: std::sync::atomic::AtomicU64::new(NO_VIEWPORT),
        })
    }

    /// Evaluates `expr` in the page (awaiting a promise) and returns its JSON value; `what` names
    /// the step in errors.
    pub async fn call(&self, what: &str, expr: String) -> Result<serde_json::Value, ReplayError> {
        let params = EvaluateParams::builder()
            .expression(expr)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .map_err(|e| ReplayError::Browser(format!("{what}: {e}")))?;
        let resp = self.watch.step(what, self.page.execute(params)).await?;
        if let Some(ex) = &resp.result.exception_details {
            let detail = ex
                .exception
                .as_ref()
                .and_then(|o| o.description.clone())
                .unwrap_or_else(|| ex.text.clone());
            return Err(ReplayError::Player {
                step: what.to_string(),
                message: first_line(&detail),
            });
        }
        Ok(resp.result.result.value.clone().unwrap_or_default())
    }

    /// Loads the events into the player, serving each chunk from `chunks` as it is asked for.
    pub async fn load(
        &self,
        opts: &super::ReplayOptions,
        chunks: &super::EventChunks<'_>,
    ) -> Result<LoadInfo, ReplayError> {
        let options = serde_json::json!({
            "showCursor": opts.show_cursor,
            "replayCanvas": opts.replay_canvas,
            "freshSeeks": opts.fresh_seeks,
            "awaitRequests": self.traffic.network_allowed,
            "css": opts.adapt_css_ahead.then(|| format!("{EVENTS_PATH}{STYLESHEETS_FILE}")),
        });
        if self.loaded.swap(true, Ordering::SeqCst) {
            return Err(ReplayError::Browser(
                "the events were loaded already".into(),
            ));
        }
        let (tx, mut requests) = tokio::sync::mpsc::unbounded_channel();
        if let Ok(mut tap) = self.events.lock() {
            *tap = Some(tx);
        }
        let _closing = CloseTap(&self.events);
        let chunk_urls: Vec<String> = (0..chunks.len())
            .map(|i| format!("{EVENTS_PATH}{i}.json"))
            .collect();
        let call = self.call(
            "loading events into the player",
            format!(
                "reel.load({}, {options})",
                serde_json::to_string(&chunk_urls).unwrap_or_else(|_| "[]".into())
            ),
        );
        tokio::pin!(call);
        let v = loop {
            tokio::select! {
                v = &mut call => break v?,
                Some((id, path)) = requests.recv() => {
                    let file = path.strip_prefix(EVENTS_PATH);
                    let chunk = if file == Some(STYLESHEETS_FILE) {
                        Some(chunks.stylesheets().to_vec())
                    } else {
                        file.and_then(|p| p.strip_suffix(".json"))
                            .and_then(|n| n.parse::<usize>().ok())
                            .and_then(|n| chunks.chunk(n))
                    };
                    let answer = match chunk {
                        Some(body) => {
                            self.watch
                                .step("serving the events", fulfill(&self.page, id, "application/json", &body))
                                .await
                        }
                        None => self
                            .watch
                            .step(
                                "serving the events",
                                self.page.execute(FailRequestParams::new(id, ErrorReason::Failed)),
                            )
                            .await
                            .map(|_| ()),
                    };
                    match answer {
                        Err(e) if e.is_browser_fault() => return Err(e),
                        Err(e) => tracing::debug!("serving {path}: {e}"),
                        Ok(()) => {}
                    }
                }
            }
        };
        serde_json::from_value(v).map_err(|e| ReplayError::Player {
            step: "loading events into the player".into(),
            message: format!("unexpected answer: {e}"),
        })
    }

    /// Emulates a `w`x`h` viewport (no call when that is the size already emulated).
    pub async fn set_viewport(&self, (w, h): (u32, u32)) -> Result<(), ReplayError> {
        let packed = (u64::from(w) << 32) | u64::from(h);
        if self.viewport.load(Ordering::SeqCst) == packed {
            return Ok(());
        }
        let params = SetDeviceMetricsOverrideParams::new(w as i64, h as i64, 1.0, false);
        self.viewport.store(NO_VIEWPORT, Ordering::SeqCst);
        self.watch
            .step("sizing the viewport", self.page.execute(params))
            .await?;
        self.viewport.store(packed, Ordering::SeqCst);
        Ok(())
    }

    async fn seek(
        &self,
        t_ms: i64,
        settle_budget: Duration,
        mask_selectors: &[String],
    ) -> Result<SeekState, ReplayError> {
        self.now_ms.store(t_ms, Ordering::Relaxed);
        let selectors = serde_json::to_string(mask_selectors).unwrap_or_else(|_| "[]".into());
        let v = self
            .call(
                "seeking",
                format!(
                    "reel.seek({t_ms}, {}, {selectors})",
                    settle_budget.as_millis()
                ),
            )
            .await?;
        serde_json::from_value(v).map_err(|e| ReplayError::Player {
            step: "seeking".into(),
            message: format!("unexpected answer: {e}"),
        })
    }

    /// [`PlayerPage::seek`], then [`PlayerPage::settle_requests`] for what the seek requested;
    /// returns the seek's state and the request rounds taken.
    pub async fn seek_settled(
        &self,
        t_ms: i64,
        settle_budget: Duration,
        mask_selectors: &[String],
    ) -> Result<(SeekState, u32), ReplayError> {
        let requested_before = self.traffic.mark();
        self.seek_settled_since(requested_before, t_ms, settle_budget, mask_selectors)
            .await
    }

    /// [`PlayerPage::seek_settled`], also waiting for what the page requested since
    /// `requested_before` (a [`Traffic::mark`] taken before other work on the page).
    pub async fn seek_settled_since(
        &self,
        requested_before: u64,
        t_ms: i64,
        settle_budget: Duration,
        mask_selectors: &[String],
    ) -> Result<(SeekState, u32), ReplayError> {
        let state = self.seek(t_ms, settle_budget, mask_selectors).await?;
        let rounds = self
            .settle_requests(requested_before, &state.awaited, settle_budget)
            .await?;
        Ok((state, rounds))
    }

    /// After a seek during which the replayed page made requests (the count went past
    /// `requested_before`, from [`Traffic::mark`]): waits (within `budget`) until each is
    /// answered, then two more frames, so that what the answers change — a blocked resource's
    /// fallback, an external SVG reference that failed — is painted before the screenshot, every
    /// time. Skipped when every request was for an image or stylesheet whose outcome the seek
    /// itself waited for (`awaited`). Repeats while the answers lead to new requests (at most 3
    /// rounds). Returns the rounds taken.
    async fn settle_requests(
        &self,
        requested_before: u64,
        awaited: &[String],
        budget: Duration,
    ) -> Result<u32, ReplayError> {
        let deadline = tokio::time::Instant::now() + budget;
        let mut seen = requested_before;
        let mut rounds = 0;
        while rounds < 3 {
            let requested = self.traffic.requested.load(Ordering::SeqCst);
            if requested == seen {
                break;
            }
            seen = requested;
            while self.traffic.answered.load(Ordering::SeqCst) < seen
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let all_awaited = rounds == 0
                && self.traffic.since_mark().is_some_and(|urls| {
                    urls.iter().all(|u| {
                        awaited
                            .iter()
                            .any(|a| super::isolation::without_fragment(a) == u)
                    })
                });
            if all_awaited {
                break;
            }
            self.call("waiting for frames", "reel.frames()".into())
                .await?;
            rounds += 1;
        }
        Ok(rounds)
    }

    /// A PNG of exactly `w`×`h` CSS pixels at the top left, where the replay frame sits.
    pub async fn screenshot(&self, size: (u32, u32)) -> Result<Vec<u8>, ReplayError> {
        capture_viewport(size, |params| async move {
            let resp = self
                .watch
                .step("taking a screenshot", self.page.execute(params))
                .await?;
            decode_screenshot(resp.result.data.as_ref())
        })
        .await
    }

    /// The page's own console errors and exceptions so far.
    pub fn console(&self) -> Vec<ConsoleEntry> {
        self.console.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Lets go of the page without closing it, for a browser about to be killed.
    pub fn forget(self) {
        for t in self.tasks {
            t.abort();
        }
    }

    /// Closes the page (at once when it or its browser is gone).
    pub async fn close(self) {
        let _ = self
            .watch
            .with_timeout(Duration::from_secs(3))
            .step("closing the page", self.page.close())
            .await;
        for t in self.tasks {
            t.abort();
        }
    }
}

/// Navigates `page` to the player (served from memory by the page's isolation).
async fn load_player(page: &Page, watch: &Watch) -> Result<(), ReplayError> {
    watch
        .step(
            "loading the player page",
            page.goto(format!("{ORIGIN}/player.html")),
        )
        .await?;
    Ok(())
}

/// Where the player asks for the stylesheet rewrites done ahead, under [`EVENTS_PATH`].
const STYLESHEETS_FILE: &str = "stylesheets.json";

/// Ends a load's tap when the load ends, however it ends: later requests for events fail.
struct CloseTap<'a>(&'a EventsTap);

impl Drop for CloseTap<'_> {
    fn drop(&mut self) {
        if let Ok(mut tap) = self.0.lock() {
            *tap = None;
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

pub(crate) fn describe(obj: &RemoteObject) -> String {
    match &obj.value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => obj
            .description
            .clone()
            .or_else(|| {
                obj.unserializable_value
                    .as_ref()
                    .map(|u| u.as_ref().to_string())
            })
            .unwrap_or_default(),
    }
}

/// Adds one entry of the page's own console, stamped with the offset being sought.
fn record(sink: &Mutex<Vec<ConsoleEntry>>, now_ms: &AtomicI64, level: &str, message: String) {
    if let Ok(mut s) = sink.lock() {
        s.push(ConsoleEntry {
            t_ms: now_ms.load(Ordering::Relaxed),
            level: level.into(),
            message,
            source: ConsoleSource::Replay,
        });
    }
}

/// A new page of `session`'s browser, at the player when the browser serves it (else blank).
/// Its target is not known until it is open, so any renderer of the browser crashing meanwhile
/// fails the step at once (a page whose renderer dies while it opens never finishes opening);
/// the caller's retry then opens another.
async fn open_page(session: &BrowserSession, watch: &Watch) -> Result<Page, ReplayError> {
    let what = "opening a page";
    let mut crashes = watch
        .step(
            what,
            session
                .browser
                .event_listener::<target::EventTargetCrashed>(),
        )
        .await?;
    let crashed = Arc::new(Alarm::default());
    let raiser = {
        let crashed = crashed.clone();
        tokio::spawn(async move {
            if let Some(ev) = crashes.next().await {
                crashed.raise(format!(
                    "a renderer crashed ({}, code {})",
                    ev.status, ev.error_code
                ));
            }
        })
    };
    let page = watch
        .and(&crashed)
        .step(
            what,
            session.browser.new_page(
                session
                    .player
                    .as_ref()
                    .map_or("about:blank", |p| p.0.as_str()),
            ),
        )
        .await;
    raiser.abort();
    page
}

/// Raises `lost` when the page's renderer crashes (`Inspector.targetCrashed` on the page,
/// `Target.targetCrashed` on the browser) or the browser detaches the page
/// (`Target.detachedFromTarget`).
async fn watch_page(
    session: &BrowserSession,
    page: &Page,
    lost: Arc<Alarm>,
    watch: &Watch,
) -> Result<JoinHandle<()>, ReplayError> {
    let what = "watching the page";
    let browser = &session.browser;
    let mut crashed = watch
        .step(what, page.event_listener::<inspector::EventTargetCrashed>())
        .await?;
    let mut target_crashed = watch
        .step(what, browser.event_listener::<target::EventTargetCrashed>())
        .await?;
    let mut detached = watch
        .step(
            what,
            browser.event_listener::<target::EventDetachedFromTarget>(),
        )
        .await?;
    watch
        .step(what, page.execute(inspector::EnableParams::default()))
        .await?;
    let target_id = page.target_id().clone();
    let session_id = page.session_id().clone();
    Ok(tokio::spawn(async move {
        loop {
            let why = tokio::select! {
                Some(_) = crashed.next() => "the page's renderer crashed".to_string(),
                Some(ev) = target_crashed.next() => {
                    if ev.target_id != target_id {
                        continue;
                    }
                    format!(
                        "the page's renderer crashed ({}, code {})",
                        ev.status, ev.error_code
                    )
                }
                Some(ev) = detached.next() => {
                    if ev.session_id != session_id {
                        continue;
                    }
                    "the browser detached the page".to_string()
                }
                else => return,
            };
            tracing::debug!("{why}");
            lost.raise(why);
        }
    }))
}

async fn listen_console(
    page: &Page,
    sink: Arc<Mutex<Vec<ConsoleEntry>>>,
    now_ms: Arc<AtomicI64>,
    watch: &Watch,
) -> Result<JoinHandle<()>, ReplayError> {
    let mut events = watch
        .step(
            "listening to the console",
            page.event_listener::<EventConsoleApiCalled>(),
        )
        .await?;
    Ok(tokio::spawn(async move {
        while let Some(ev) = events.next().await {
            let level = match ev.r#type {
                ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert => "error",
                ConsoleApiCalledType::Warning => "warn",
                _ => continue,
            };
            let message = ev.args.iter().map(describe).collect::<Vec<_>>().join(" ");
            record(&sink, &now_ms, level, message);
        }
    }))
}

async fn listen_exceptions(
    page: &Page,
    sink: Arc<Mutex<Vec<ConsoleEntry>>>,
    now_ms: Arc<AtomicI64>,
    watch: &Watch,
) -> Result<JoinHandle<()>, ReplayError> {
    let mut events = watch
        .step(
            "listening for exceptions",
            page.event_listener::<EventExceptionThrown>(),
        )
        .await?;
    Ok(tokio::spawn(async move {
        while let Some(ev) = events.next().await {
            let d = &ev.exception_details;
            let message = d
                .exception
                .as_ref()
                .and_then(|o| o.description.clone())
                .map(|m| first_line(&m))
                .unwrap_or_else(|| d.text.clone());
            record(&sink, &now_ms, "error", message);
        }
    }))
}

/// How every screenshot is taken, replayed or live: a PNG of the page's viewport, emulated at
/// exactly `size` CSS pixels, from the compositor's surface, encoded by the browser for speed.
/// Asked for without a clip, which makes the browser re-apply its viewport emulation around the
/// capture (the same bytes, ~5 ms more a shot on a 1024x768 page); clipped to the top left
/// `size` when the viewport turns out to be another size. `capture` runs one capture call and
/// decodes its image.
pub async fn capture_viewport<F, Fut>(size: (u32, u32), capture: F) -> Result<Vec<u8>, ReplayError>
where
    F: Fn(CaptureScreenshotParams) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, ReplayError>>,
{
    let png = capture(viewport_png(None)).await?;
    if crate::compare::png_size(&png) == Some(size) {
        return Ok(png);
    }
    capture(viewport_png(Some(size))).await
}

/// The capture parameters: the whole viewport, or the top left `clip` of it.
fn viewport_png(clip: Option<(u32, u32)>) -> CaptureScreenshotParams {
    CaptureScreenshotParams {
        format: Some(CaptureScreenshotFormat::Png),
        quality: None,
        clip: clip.map(|(w, h)| Viewport {
            x: 0.0,
            y: 0.0,
            width: w as f64,
            height: h as f64,
            scale: 1.0,
        }),
        from_surface: Some(true),
        capture_beyond_viewport: Some(false),
        optimize_for_speed: Some(true),
    }
}

/// Base64 screenshot data, decoded.
pub fn decode_screenshot(data: &str) -> Result<Vec<u8>, ReplayError> {
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| ReplayError::Browser(format!("screenshot data is not base64: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer
            .write_image_data(&vec![0u8; (w * h * 4) as usize])
            .unwrap();
        writer.finish().unwrap();
        out
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_capture_of_another_size_is_taken_again_clipped() {
        let calls = std::sync::Mutex::new(Vec::new());
        let capture = |params: CaptureScreenshotParams| {
            let clip = params
                .clip
                .as_ref()
                .map(|c| (c.width as u32, c.height as u32));
            calls.lock().unwrap().push(clip);
            async move {
                Ok(match clip {
                    Some((w, h)) => png(w, h),
                    None => png(1280, 800),
                })
            }
        };
        let shot = capture_viewport((1280, 800), capture).await.unwrap();
        assert_eq!(crate::compare::png_size(&shot), Some((1280, 800)));
        assert_eq!(
            *calls.lock().unwrap(),
            vec![None],
            "the viewport, unclipped"
        );
        calls.lock().unwrap().clear();
        let shot = capture_viewport((640, 400), capture).await.unwrap();
        assert_eq!(crate::compare::png_size(&shot), Some((640, 400)));
        assert_eq!(*calls.lock().unwrap(), vec![None, Some((640, 400))]);
    }
}
