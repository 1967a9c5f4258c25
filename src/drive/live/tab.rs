//! One window of a recording as a tab of the drive's browser context: its network routed (see
//! [`super::network`]), its clock and randomness made deterministic by `player/live.js`, its own
//! console errors collected, and the steps performed with real input events.

use super::keys::{self, Key};
use super::network::{NetworkLog, intercept};
use super::{LiveOptions, cdp};
use crate::drive::answers::Answers;
use crate::drive::url_map::UrlMap;
use crate::drive::{Action, Locator, Step, StepOutcome, StepStatus};
use crate::plan::Checkpoint;
use crate::replay::assets::{DRIVE_JS, LIVE_JS, LOCATE_JS};
use crate::replay::player::{capture_viewport, decode_screenshot};
use crate::replay::{ConsoleEntry, ConsoleSource, ReplayError, Shot};
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetFocusEmulationEnabledParams,
};
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType,
    MouseButton,
};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, CreateIsolatedWorldParams, EventFrameStartedLoading,
    EventFrameStoppedLoading, NavigateParams, ReloadParams,
    RemoveScriptToEvaluateOnNewDocumentParams, ScriptIdentifier,
};
use chromiumoxide::cdp::browser_protocol::target::CreateTargetParams;
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EvaluateParams, EventConsoleApiCalled, EventExceptionThrown,
    ExecutionContextId,
};
use futures::StreamExt;
use serde::Deserialize;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// The isolated world reel's helpers run in.
const WORLD: &str = "reel-drive";

pub struct Tab {
    pub window: String,
    page: Page,
    timeout: Duration,
    map: Arc<UrlMap>,
    pub network: Arc<Mutex<NetworkLog>>,
    console: Arc<Mutex<Vec<ConsoleEntry>>>,
    /// The window offset being driven, stamped on console entries.
    offset_ms: Arc<AtomicI64>,
    /// Documents the main frame started and finished loading (it is loading while they differ;
    /// counters, as the two events arrive on separate streams).
    loads: Arc<Loads>,
    /// reel's world of the current document, once made.
    /// reel's world and the main frame's load count it was made in.
    world: std::sync::Mutex<Option<(ExecutionContextId, u64)>>,
    /// Where the mouse was last moved to.
    pointer: std::sync::Mutex<Option<(f64, f64)>>,
    start_ms: i64,
    seed: u32,
    tasks: Vec<JoinHandle<()>>,
    script: Option<ScriptIdentifier>,
    script_at: i64,
    /// Where the tab's clock stands (epoch ms).
    clock_ms: i64,
    viewport: (u32, u32),
    /// Whether a document of the build was loaded (the clock exists).
    loaded: bool,
    /// Requests of the tab, as the browser reports them.
    requests: Arc<Requests>,
    /// The last screenshot and the drive's mark when it was taken (see [`Tab::capture`]), kept
    /// while the page was still then.
    still_shot: Option<(DriveMark, Shot)>,
}

/// Where a drive stands: everything done so far that may change a page of it (steps in any
/// window, clock advances that ran something) and the requests its tabs sent, finished or
/// failed. Two equal marks mean nothing of the drive ran in between.
pub type DriveMark = (u64, u64);

/// Requests of a tab: events seen (sent, finished, failed) and how many are still open.
#[derive(Default)]
struct Requests {
    events: AtomicU64,
    open: AtomicI64,
}

#[derive(Deserialize)]
struct Found {
    found: bool,
    #[serde(default)]
    index: i64,
    #[serde(default)]
    counts: Vec<u64>,
    #[serde(default)]
    in_frame: usize,
    #[serde(default)]
    cross_origin: bool,
    /// The answer of the call asked to follow a successful find.
    #[serde(default)]
    then: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Point {
    ok: bool,
    #[serde(default)]
    x: f64,
    #[serde(default)]
    y: f64,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
struct Done {
    ok: bool,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, Default)]
struct TargetState {
    #[serde(default)]
    checked: Option<bool>,
}

#[derive(Deserialize)]
struct Prepared {
    settled: bool,
    #[serde(default)]
    still: bool,
    #[serde(default)]
    masks: Vec<(u32, u32, u32, u32)>,
    #[serde(default)]
    href: Option<String>,
}

fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

fn outcome(step: &Step, status: StepStatus) -> StepOutcome {
    StepOutcome {
        action: step.action,
        t_ms: step.t_ms,
        window: step.window.clone(),
        status,
        locator: None,
        finding: None,
    }
}

fn with_finding(mut o: StepOutcome, finding: impl Into<String>) -> StepOutcome {
    o.finding = Some(finding.into());
    o
}

/// What was looked for, for a step that no longer resolves.
fn looked_for(locators: &[Locator], counts: &[u64]) -> String {
    locators
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let n = counts.get(i).copied().unwrap_or(0);
            format!(
                "{} {:?} ({n} match{})",
                serde_json::to_value(l.strategy)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                l.selector,
                if n == 1 { "" } else { "es" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tab {
    /// Opens the window's tab in `context`, sized to `viewport`, its clock to start at `at_ms`.
    #[allow(clippy::too_many_arguments)]
    pub async fn open(
        session: &crate::replay::BrowserSession,
        context: &BrowserContextId,
        window: &crate::recording::WindowStream,
        map: Arc<UrlMap>,
        answers: Answers,
        at_ms: i64,
        viewport: (u32, u32),
        opts: &LiveOptions,
    ) -> Result<Tab, ReplayError> {
        let timeout = opts.timeout;
        let mut target = CreateTargetParams::new("about:blank");
        target.browser_context_id = Some(context.clone());
        target.new_window = Some(true);
        let page = cdp("opening a tab", timeout, session.browser.new_page(target)).await?;
        let (network, interceptor) = cdp(
            "intercepting the tab's requests",
            timeout,
            intercept(&page, map.clone(), answers),
        )
        .await?;
        let console = Arc::new(Mutex::new(Vec::new()));
        let offset_ms = Arc::new(AtomicI64::new(0));
        let loads = Arc::new(Loads::default());
        let requests = Arc::new(Requests::default());
        let mut tasks = vec![interceptor];
        tasks.extend(
            listen(
                &page,
                console.clone(),
                offset_ms.clone(),
                loads.clone(),
                timeout,
            )
            .await?,
        );
        tasks.extend(count_requests(&page, requests.clone(), timeout).await?);
        cdp(
            "emulating focus",
            timeout,
            page.execute(SetFocusEmulationEnabledParams::new(true)),
        )
        .await?;
        let mut tab = Tab {
            window: window.id.clone(),
            page,
            timeout,
            map,
            network,
            console,
            offset_ms,
            loads,
            world: std::sync::Mutex::new(None),
            pointer: std::sync::Mutex::new(None),
            start_ms: window.start_ms(),
            seed: (crate::recording::fnv1a(window.id.as_bytes()) & 0xffff_ffff) as u32,
            tasks,
            script: None,
            script_at: i64::MIN,
            clock_ms: at_ms,
            viewport,
            loaded: false,
            requests,
            still_shot: None,
        };
        tab.resize(viewport).await?;
        tab.set_clock_script(at_ms).await?;
        // Whatever about:blank still reported is not a load of the build.
        let started = tab.loads.started.load(Ordering::SeqCst);
        tab.loads.stopped.store(started, Ordering::SeqCst);
        Ok(tab)
    }

    /// New documents (page loads, reloads, navigations the page starts) get a clock that starts
    /// at `at_ms`.
    async fn set_clock_script(&mut self, at_ms: i64) -> Result<(), ReplayError> {
        if let Some(update) = self.clock_script_update(at_ms) {
            self.script = Some(update.await?);
        }
        Ok(())
    }

    /// The registration [`Tab::set_clock_script`] makes, as a future that owns what it needs
    /// and yields the new script's id, so that it can run beside a step's first call (a tab's
    /// commands are handled in the order sent: a document the step loads gets the new clock);
    /// `None` when the registered script starts at `at_ms` already.
    fn clock_script_update(
        &mut self,
        at_ms: i64,
    ) -> Option<impl Future<Output = Result<ScriptIdentifier, ReplayError>> + use<>> {
        if self.script_at == at_ms {
            return None;
        }
        self.script_at = at_ms;
        let previous = self.script.take();
        let (page, timeout) = (self.page.clone(), self.timeout);
        let source = format!(
            "globalThis.__reelLiveConfig = {{now: {at_ms}, seed: {}}};\n{LIVE_JS}",
            self.seed
        );
        Some(async move {
            let add = cdp(
                "installing the clock script",
                timeout,
                page.execute(AddScriptToEvaluateOnNewDocumentParams::new(source)),
            );
            let added = match previous {
                // Both sent at once, the removal first: one round trip.
                Some(id) => {
                    let remove = cdp(
                        "updating the clock script",
                        timeout,
                        page.execute(RemoveScriptToEvaluateOnNewDocumentParams::new(id)),
                    );
                    futures::try_join!(remove, add)?.1
                }
                None => add.await?,
            };
            Ok(added.result.identifier.clone())
        })
    }

    /// Evaluates `expr` (awaiting a promise) in `context` (None: the page's main world). The
    /// inner error is a JavaScript exception.
    async fn eval(
        &self,
        what: &str,
        expr: String,
        context: Option<ExecutionContextId>,
    ) -> Result<Result<serde_json::Value, String>, ReplayError> {
        let mut params = EvaluateParams::new(expr);
        params.await_promise = Some(true);
        params.return_by_value = Some(true);
        params.context_id = context;
        let resp = cdp(what, self.timeout, self.page.execute(params)).await?;
        if let Some(ex) = &resp.result.exception_details {
            let detail = ex
                .exception
                .as_ref()
                .and_then(|o| o.description.clone())
                .unwrap_or_else(|| ex.text.clone());
            return Ok(Err(detail.lines().next().unwrap_or("").to_string()));
        }
        Ok(Ok(resp.result.result.value.clone().unwrap_or_default()))
    }

    /// reel's isolated world of the main frame, its helpers loaded: the one made for the current
    /// document (no load of the main frame started since) while it still answers, else a new
    /// one.
    async fn world(&self) -> Result<ExecutionContextId, ReplayError> {
        let loads = self.loads.started.load(Ordering::SeqCst);
        let cached = self.world.lock().ok().and_then(|w| *w);
        if let Some((ctx, made_at)) = cached
            && made_at == loads
        {
            return Ok(ctx);
        }
        if let Some((ctx, _)) = cached {
            let mut params = EvaluateParams::new("typeof __reelDrive === 'object'");
            params.context_id = Some(ctx);
            params.return_by_value = Some(true);
            let alive = tokio::time::timeout(self.timeout, self.page.execute(params)).await;
            if let Ok(Ok(r)) = alive
                && r.result.result.value == Some(serde_json::Value::Bool(true))
            {
                return Ok(ctx);
            }
        }
        let frame = cdp(
            "finding the main frame",
            self.timeout,
            self.page.mainframe(),
        )
        .await?
        .ok_or_else(|| ReplayError::Browser("the tab has no main frame".into()))?;
        let params = CreateIsolatedWorldParams::builder()
            .frame_id(frame)
            .world_name(WORLD)
            .grant_univeral_access(true)
            .build()
            .map_err(ReplayError::Browser)?;
        let ctx = cdp(
            "creating reel's world",
            self.timeout,
            self.page.execute(params),
        )
        .await?
        .result
        .execution_context_id;
        let loaded = self
            .eval(
                "loading reel's helpers",
                format!("{}\n{DRIVE_JS}\ntrue", String::from_utf8_lossy(LOCATE_JS)),
                Some(ctx),
            )
            .await?;
        loaded.map_err(|message| ReplayError::Player {
            step: "loading reel's helpers".into(),
            message,
        })?;
        if let Ok(mut w) = self.world.lock() {
            *w = Some((ctx, loads));
        }
        Ok(ctx)
    }

    async fn helper<T: for<'de> Deserialize<'de>>(
        &self,
        ctx: ExecutionContextId,
        what: &str,
        expr: String,
    ) -> Result<Result<T, String>, ReplayError> {
        Ok(match self.eval(what, expr, Some(ctx)).await? {
            Ok(v) => {
                serde_json::from_value(v).map_err(|e| format!("{what}: unexpected answer: {e}"))
            }
            Err(e) => Err(e),
        })
    }

    /// Waits (up to the timeout, at most 10 s) while the main frame loads a new document.
    async fn wait_loaded(&self) {
        let deadline = Instant::now() + self.timeout.min(Duration::from_secs(10));
        while self.loads.loading() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (briefly) for a load to start after `before` loads had started, then for it to end.
    async fn wait_next_load(&self, before: u64) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.loads.started.load(Ordering::SeqCst) == before && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        self.wait_loaded().await;
    }

    /// Moves the tab's clock to `at_ms` (epoch), running what falls due on the way. Returns
    /// whether the page may have changed: anything ran, a fetch/XHR call is still open, or the
    /// clock could not be read.
    pub async fn advance_to(
        &mut self,
        at_ms: i64,
        io_budget: Duration,
    ) -> Result<bool, ReplayError> {
        self.offset_ms
            .store(at_ms.saturating_sub(self.start_ms), Ordering::Relaxed);
        if !self.loaded {
            self.clock_ms = at_ms;
            return Ok(true);
        }
        self.wait_loaded().await;
        let target = at_ms.max(self.clock_ms);
        let expr = format!(
            "globalThis.__reelClock ? globalThis.__reelClock.advanceTo({target}, {}) : null",
            io_budget.as_millis()
        );
        // A document that went away mid-call (a navigation the page started) is retried once
        // the next one has loaded.
        let mut busy = true;
        for attempt in 0..3 {
            match self.eval("advancing the clock", expr.clone(), None).await? {
                Ok(advanced) => {
                    let count = |key: &str| advanced.get(key).and_then(|v| v.as_u64());
                    busy = attempt > 0 || count("ran") != Some(0) || count("pending") != Some(0);
                    break;
                }
                Err(e) => {
                    tracing::debug!("{}: advancing the clock: {e}", self.window);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    self.wait_loaded().await;
                }
            }
        }
        self.clock_ms = target;
        Ok(busy)
    }

    pub async fn resize(&mut self, (w, h): (u32, u32)) -> Result<(), ReplayError> {
        cdp(
            "sizing the viewport",
            self.timeout,
            self.page.execute(SetDeviceMetricsOverrideParams::new(
                w as i64, h as i64, 1.0, false,
            )),
        )
        .await?;
        self.viewport = (w, h);
        Ok(())
    }

    /// Performs one step. `confidence` rates the locator that matched (by its index).
    pub async fn perform(
        &mut self,
        step: &Step,
        confidence: &dyn Fn(&[Locator], usize) -> f64,
    ) -> Result<StepOutcome, ReplayError> {
        if let Some(reason) = &step.skip {
            return Ok(with_finding(
                outcome(step, StepStatus::Skipped),
                reason.clone(),
            ));
        }
        let update = self.clock_script_update(self.clock_ms);
        let script = async {
            match update {
                Some(update) => update.await.map(Some),
                None => Ok(None),
            }
        };
        let (script, outcome) = futures::join!(script, self.act(step, confidence));
        if let Some(id) = script? {
            self.script = Some(id);
        }
        outcome
    }

    async fn act(
        &mut self,
        step: &Step,
        confidence: &dyn Fn(&[Locator], usize) -> f64,
    ) -> Result<StepOutcome, ReplayError> {
        match step.action {
            Action::Navigate => self.navigate(step).await,
            Action::Resize => match step.size {
                Some(size) => {
                    self.resize(size).await?;
                    Ok(outcome(step, StepStatus::Ok))
                }
                None => Ok(with_finding(
                    outcome(step, StepStatus::Failed),
                    "the resize step has no size",
                )),
            },
            Action::Scroll if step.node.is_none() && step.frames.is_empty() => {
                let (x, y) = step.scroll.unwrap_or((0.0, 0.0));
                let ctx = self.world().await?;
                let done: Result<Done, String> = self
                    .helper(
                        ctx,
                        "scrolling",
                        format!("__reelDrive.scrollTo({x}, {y}, false)"),
                    )
                    .await?;
                Ok(match done {
                    Ok(_) => outcome(step, StepStatus::Ok),
                    Err(e) => with_finding(
                        outcome(step, StepStatus::Failed),
                        format!("scrolling failed: {e}"),
                    ),
                })
            }
            _ => self.on_target(step, confidence).await,
        }
    }

    async fn navigate(&mut self, step: &Step) -> Result<StepOutcome, ReplayError> {
        let Some(recorded) = step.text.as_deref() else {
            return Ok(with_finding(
                outcome(step, StepStatus::Failed),
                "the page load has no URL",
            ));
        };
        let Some(live) = self.map.to_live(recorded) else {
            return Ok(with_finding(
                outcome(step, StepStatus::Failed),
                format!(
                    "the page load of {recorded} is not mapped by --url (its origin is not a FROM origin)"
                ),
            ));
        };
        let current = if self.loaded {
            self.eval("reading the URL", "location.href".into(), None)
                .await?
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
        } else {
            None
        };
        let same_document = current
            .as_deref()
            .is_some_and(|c| without_fragment(c) == without_fragment(&live));
        if same_document {
            // Navigating within the document would not load it again: take the recorded URL in
            // place, then load it for real.
            let url = serde_json::to_string(&live).unwrap_or_default();
            let _ = self
                .eval(
                    "setting the URL",
                    format!("history.replaceState(history.state, '', {url})"),
                    None,
                )
                .await?;
            let before = self.loads.started.load(Ordering::SeqCst);
            cdp(
                "reloading the page",
                self.timeout,
                self.page.execute(ReloadParams::default()),
            )
            .await?;
            self.wait_next_load(before).await;
        } else {
            let nav = cdp(
                "loading the page",
                self.timeout,
                self.page.execute(NavigateParams::new(live.clone())),
            )
            .await?;
            if let Some(err) = &nav.result.error_text {
                if !self.loaded {
                    return Err(ReplayError::Browser(format!(
                        "the build under test did not serve {live}: {err}"
                    )));
                }
                return Ok(with_finding(
                    outcome(step, StepStatus::Failed),
                    format!("loading {live} failed: {err}"),
                ));
            }
            self.wait_loaded().await;
        }
        self.loaded = true;
        self.advance_to(self.clock_ms, Duration::from_secs(5))
            .await?;
        Ok(outcome(step, StepStatus::Ok))
    }

    async fn on_target(
        &mut self,
        step: &Step,
        confidence: &dyn Fn(&[Locator], usize) -> f64,
    ) -> Result<StepOutcome, ReplayError> {
        let base = outcome(step, StepStatus::Ok);
        if step.locators.is_empty() {
            return Ok(with_finding(
                StepOutcome {
                    status: StepStatus::Unresolved,
                    ..base
                },
                format!(
                    "{} at {} ms: nothing to look for (no locator was taken from the recording)",
                    step.action.as_str(),
                    step.t_ms
                ),
            ));
        }
        let ctx = self.world().await?;
        let wanted = serde_json::json!({"frames": step.frames, "locators": step.locators});
        let then = match step.action {
            Action::Click | Action::Dblclick | Action::Contextmenu | Action::Hover => "point",
            Action::Type => "focusForTyping",
            _ => "",
        };
        let found: Result<Found, String> = self
            .helper(
                ctx,
                "finding the target",
                format!("__reelDrive.find({wanted}, '{then}')"),
            )
            .await?;
        let found = match found {
            Ok(f) => f,
            Err(e) => {
                return Ok(with_finding(
                    StepOutcome {
                        status: StepStatus::Failed,
                        locator: step.locators.first().cloned(),
                        ..base
                    },
                    format!("looking for the target failed: {e}"),
                ));
            }
        };
        if !found.found {
            let (what, locators) = if found.in_frame > 0 {
                (
                    format!("frame {} of the target", found.in_frame),
                    step.frames
                        .get(found.in_frame - 1)
                        .cloned()
                        .unwrap_or_default(),
                )
            } else {
                ("target".to_string(), step.locators.clone())
            };
            let why = if found.cross_origin {
                format!("the {what} is not a same-origin frame")
            } else {
                format!(
                    "no locator of the {what} matches exactly one element: {}",
                    looked_for(&locators, &found.counts)
                )
            };
            return Ok(with_finding(
                StepOutcome {
                    status: StepStatus::Unresolved,
                    locator: step.locators.first().cloned(),
                    ..base
                },
                format!(
                    "{} at {} ms no longer resolves: {why}",
                    step.action.as_str(),
                    step.t_ms
                ),
            ));
        }
        let index = found.index.max(0) as usize;
        let then = found.then.clone().unwrap_or_default();
        let mut locator = step.locators[index].clone();
        locator.confidence = confidence(&step.locators, index);
        let base = StepOutcome {
            locator: Some(locator),
            ..base
        };
        let failed = |why: String| {
            Ok(with_finding(
                StepOutcome {
                    status: StepStatus::Failed,
                    ..base.clone()
                },
                format!("{} at {} ms: {why}", step.action.as_str(), step.t_ms),
            ))
        };
        match step.action {
            Action::Click | Action::Dblclick | Action::Contextmenu | Action::Hover => {
                let p = match serde_json::from_value::<Point>(then) {
                    Ok(p) if p.ok => p,
                    Ok(p) => return failed(p.reason),
                    Err(e) => {
                        return failed(format!("aiming at the target: unexpected answer: {e}"));
                    }
                };
                self.mouse(step.action, p.x, p.y).await?;
                self.after_input().await;
            }
            Action::Type => {
                match serde_json::from_value::<Done>(then) {
                    Ok(d) if d.ok => {}
                    Ok(d) => return failed(d.reason),
                    Err(e) => {
                        return failed(format!("focusing the target: unexpected answer: {e}"));
                    }
                }
                let mut typed: Vec<Key> = step
                    .text
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .map(keys::for_char)
                    .collect();
                if step.enter {
                    typed.push(keys::enter());
                }
                self.keys(&typed).await?;
                self.after_input().await;
                if step.synthetic_text {
                    return Ok(with_finding(
                        base,
                        format!(
                            "typed synthetic text of the recorded length ({} characters): the recorded text was masked",
                            step.text.as_deref().unwrap_or("").chars().count()
                        ),
                    ));
                }
            }
            Action::Select => {
                let value = serde_json::to_string(step.text.as_deref().unwrap_or(""))
                    .unwrap_or_else(|_| "\"\"".into());
                let done: Result<Done, String> = self
                    .helper(
                        ctx,
                        "selecting",
                        format!("__reelDrive.selectValue({value})"),
                    )
                    .await?;
                match done {
                    Ok(d) if d.ok => {}
                    Ok(d) => return failed(d.reason),
                    Err(e) => return failed(e),
                }
            }
            Action::Check => {
                let wanted = step.checked.unwrap_or(true);
                let state: Result<TargetState, String> = self
                    .helper(ctx, "reading the target", "__reelDrive.state()".into())
                    .await?;
                if state.as_ref().ok().and_then(|s| s.checked) != Some(wanted) {
                    let p: Result<Point, String> = self
                        .helper(ctx, "aiming at the target", "__reelDrive.point()".into())
                        .await?;
                    let p = match p {
                        Ok(p) if p.ok => p,
                        Ok(p) => return failed(p.reason),
                        Err(e) => return failed(e),
                    };
                    self.mouse(Action::Click, p.x, p.y).await?;
                    self.after_input().await;
                    let after: Result<TargetState, String> = self
                        .helper(ctx, "reading the target", "__reelDrive.state()".into())
                        .await?;
                    if after.ok().and_then(|s| s.checked) != Some(wanted) {
                        return failed(format!(
                            "clicking did not make it {}",
                            if wanted { "checked" } else { "unchecked" }
                        ));
                    }
                }
            }
            Action::Scroll => {
                let (x, y) = step.scroll.unwrap_or((0.0, 0.0));
                let done: Result<Done, String> = self
                    .helper(
                        ctx,
                        "scrolling",
                        format!("__reelDrive.scrollTo({x}, {y}, true)"),
                    )
                    .await?;
                if let Err(e) = done {
                    return failed(e);
                }
            }
            Action::Navigate | Action::Resize => {}
        }
        Ok(base)
    }

    /// Waits for the load of a navigation the input started, if it did. The browser reports a
    /// navigation's start before it answers a call that reached the page after the input (the
    /// answer even waits for the new document), so one round trip to the page tells.
    async fn after_input(&self) {
        let mut ping = EvaluateParams::new("0");
        ping.return_by_value = Some(true);
        if let Err(e) = cdp("reaching the page", self.timeout, self.page.execute(ping)).await {
            tracing::debug!("{}: after the input: {e}", self.window);
        }
        self.wait_loaded().await;
    }

    async fn mouse(&self, action: Action, x: f64, y: f64) -> Result<(), ReplayError> {
        let event =
            |kind: DispatchMouseEventType, button: MouseButton, buttons: i64, clicks: i64| {
                let mut p = DispatchMouseEventParams::new(kind, x, y);
                p.button = Some(button);
                p.buttons = Some(buttons);
                p.click_count = Some(clicks);
                p
            };
        let mut events = vec![event(
            DispatchMouseEventType::MouseMoved,
            MouseButton::None,
            0,
            0,
        )];
        let (button, buttons, presses) = match action {
            Action::Hover => (MouseButton::None, 0, 0),
            Action::Contextmenu => (MouseButton::Right, 2, 1),
            Action::Dblclick => (MouseButton::Left, 1, 2),
            _ => (MouseButton::Left, 1, 1),
        };
        for n in 1..=presses {
            events.push(event(
                DispatchMouseEventType::MousePressed,
                button.clone(),
                buttons,
                n,
            ));
            events.push(event(
                DispatchMouseEventType::MouseReleased,
                button.clone(),
                0,
                n,
            ));
        }
        // Sent at once, in order (each command queues behind the previous one): one round trip.
        cdp(
            "moving the mouse",
            self.timeout,
            futures::future::try_join_all(events.into_iter().map(|e| self.page.execute(e))),
        )
        .await?;
        if let Ok(mut p) = self.pointer.lock() {
            *p = Some((x, y));
        }
        Ok(())
    }

    /// Presses and releases `keys` in order; the events are sent at once (the browser handles
    /// them one after another, as from a fast typist): one round trip, not two per key.
    async fn keys(&self, keys: &[Key]) -> Result<(), ReplayError> {
        let mut events = Vec::with_capacity(keys.len() * 2);
        for key in keys {
            let modifiers = if key.shift { 8 } else { 0 };
            let mut down = DispatchKeyEventParams::new(DispatchKeyEventType::KeyDown);
            down.key = Some(key.key.clone());
            down.code = Some(key.code.clone()).filter(|c| !c.is_empty());
            down.windows_virtual_key_code = Some(key.key_code).filter(|c| *c > 0);
            down.text = Some(key.text.clone());
            down.unmodified_text = Some(key.text.clone());
            down.modifiers = Some(modifiers);
            let mut up = DispatchKeyEventParams::new(DispatchKeyEventType::KeyUp);
            up.key = down.key.clone();
            up.code = down.code.clone();
            up.windows_virtual_key_code = down.windows_virtual_key_code;
            up.modifiers = Some(modifiers);
            events.push(down);
            events.push(up);
        }
        cdp(
            "typing",
            self.timeout,
            futures::future::try_join_all(events.into_iter().map(|e| self.page.execute(e))),
        )
        .await?;
        Ok(())
    }

    /// Screenshots the viewport at `cp` (the clock already advanced to it): fonts and images
    /// settled, animations and carets frozen, two frames painted. `mark`: where the drive stands
    /// (`None` while a request is open). When it is where it stood at this tab's last
    /// screenshot, nothing ran in between; if the page was still then, it paints the same pixels
    /// now, and that screenshot is the answer.
    pub async fn capture(
        &mut self,
        cp: &Checkpoint,
        opts: &LiveOptions,
        mark: Option<DriveMark>,
    ) -> Result<Shot, ReplayError> {
        let t0 = Instant::now();
        if let Some((_, still)) = self.still_shot.as_ref().filter(|(at, _)| mark == Some(*at)) {
            tracing::debug!(
                "{}: {}: the page is still: the last screenshot stands",
                self.window,
                cp.name
            );
            return Ok(Shot {
                checkpoint: cp.clone(),
                repeated: true,
                elapsed: t0.elapsed(),
                ..still.clone()
            });
        }
        self.still_shot = None;
        self.wait_loaded().await;
        // The hover state of what moved under the pointer since it last moved is settled now,
        // not whenever the browser next checks.
        let pointer = self.pointer.lock().ok().and_then(|p| *p);
        if let Some((x, y)) = pointer {
            cdp(
                "moving the mouse",
                self.timeout,
                self.page.execute(DispatchMouseEventParams::new(
                    DispatchMouseEventType::MouseMoved,
                    x,
                    y,
                )),
            )
            .await?;
        }
        let ctx = self.world().await?;
        let masks = serde_json::to_string(&opts.mask_selectors).unwrap_or_else(|_| "[]".into());
        let prepared: Result<Prepared, String> = self
            .helper(
                ctx,
                "settling the page",
                format!(
                    "__reelDrive.prepareShot({}, {masks})",
                    opts.settle_budget.as_millis()
                ),
            )
            .await?;
        let prepared = prepared.map_err(|message| ReplayError::Player {
            step: format!("settling the page for {}", cp.name),
            message,
        })?;
        let (page, timeout) = (&self.page, self.timeout);
        let png = capture_viewport(self.viewport, |params| async move {
            let resp = cdp("taking a screenshot", timeout, page.execute(params)).await?;
            decode_screenshot(resp.result.data.as_ref())
        })
        .await;
        self.unfreeze(ctx).await;
        let png = png?;
        let shot = Shot {
            checkpoint: cp.clone(),
            png,
            href: prepared.href,
            events_applied: 0,
            repeated: false,
            settled: prepared.settled,
            mask_rects: prepared.masks,
            elapsed: t0.elapsed(),
        };
        if prepared.still && prepared.settled {
            self.still_shot = mark.map(|at| (at, shot.clone()));
        }
        Ok(shot)
    }

    /// What the tab's network has done so far: (events, open requests).
    pub fn net_activity(&self) -> (u64, i64) {
        (
            self.requests.events.load(Ordering::SeqCst),
            self.requests.open.load(Ordering::SeqCst),
        )
    }

    /// Lets the animations frozen for a screenshot run again. The call is queued behind the
    /// screenshot and ahead of whatever is sent next, but nothing waits for its answer (a
    /// failure shows in the next call).
    async fn unfreeze(&self, ctx: ExecutionContextId) {
        let mut params = EvaluateParams::new("__reelDrive.afterShot()");
        params.context_id = Some(ctx);
        let page = self.page.clone();
        let mut call = Box::pin(async move { page.execute(params).await });
        if futures::poll!(&mut call).is_pending() {
            tokio::spawn(call);
        }
    }

    /// Reads a value from the live page's main world (for tests and diagnostics).
    pub async fn evaluate(
        &self,
        expr: &str,
    ) -> Result<Result<serde_json::Value, String>, ReplayError> {
        self.eval("evaluating", expr.to_string(), None).await
    }

    /// The page's own console errors and uncaught exceptions so far.
    pub fn console(&self) -> Vec<ConsoleEntry> {
        self.console.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(3), self.page.close()).await;
        for t in self.tasks {
            t.abort();
        }
    }
}

/// Loads of the main frame, started and stopped.
#[derive(Default)]
struct Loads {
    started: AtomicU64,
    stopped: AtomicU64,
}

impl Loads {
    fn loading(&self) -> bool {
        let (started, stopped) = (
            self.started.load(Ordering::SeqCst),
            self.stopped.load(Ordering::SeqCst),
        );
        if stopped > started {
            // A stop whose start was before the listeners (the initial about:blank).
            self.stopped.store(started, Ordering::SeqCst);
        }
        started > stopped
    }
}

/// A stream of the page's events of type `T` (`what` names the wait in an error).
async fn events<T: chromiumoxide::cdp::IntoEventKind>(
    page: &Page,
    what: &str,
    timeout: Duration,
) -> Result<chromiumoxide::listeners::EventStream<T>, ReplayError> {
    cdp(what, timeout, page.event_listener::<T>()).await
}

/// Counts the tab's requests as the browser reports them: sent (a redirect continues the same
/// request), finished and failed.
async fn count_requests(
    page: &Page,
    requests: Arc<Requests>,
    timeout: Duration,
) -> Result<Vec<JoinHandle<()>>, ReplayError> {
    let mut sent = events::<EventRequestWillBeSent>(page, "listening to requests", timeout).await?;
    let mut finished =
        events::<EventLoadingFinished>(page, "listening to requests", timeout).await?;
    let mut failed = events::<EventLoadingFailed>(page, "listening to requests", timeout).await?;
    let counted = requests.clone();
    let starts = tokio::spawn(async move {
        while let Some(ev) = sent.next().await {
            counted.events.fetch_add(1, Ordering::SeqCst);
            if ev.redirect_response.is_none() {
                counted.open.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let ends = tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(_) = finished.next() => {}
                Some(_) = failed.next() => {}
                else => break,
            }
            requests.events.fetch_add(1, Ordering::SeqCst);
            requests.open.fetch_sub(1, Ordering::SeqCst);
        }
    });
    Ok(vec![starts, ends])
}

/// Listens to the page's console errors, uncaught exceptions (unhandled rejections included),
/// and the main frame's loading state.
async fn listen(
    page: &Page,
    sink: Arc<Mutex<Vec<ConsoleEntry>>>,
    offset_ms: Arc<AtomicI64>,
    loads: Arc<Loads>,
    timeout: Duration,
) -> Result<Vec<JoinHandle<()>>, ReplayError> {
    let record = |sink: &Mutex<Vec<ConsoleEntry>>, offset: &AtomicI64, message: String| {
        if let Ok(mut s) = sink.lock() {
            s.push(ConsoleEntry {
                t_ms: offset.load(Ordering::Relaxed),
                level: "error".into(),
                message,
                source: ConsoleSource::Live,
            });
        }
    };
    let mut calls =
        events::<EventConsoleApiCalled>(page, "listening to the console", timeout).await?;
    let mut thrown =
        events::<EventExceptionThrown>(page, "listening for exceptions", timeout).await?;
    let mut started =
        events::<EventFrameStartedLoading>(page, "listening to page loads", timeout).await?;
    let mut stopped =
        events::<EventFrameStoppedLoading>(page, "listening to page loads", timeout).await?;
    let main = page.mainframe().await.ok().flatten();
    let (s1, o1) = (sink.clone(), offset_ms.clone());
    let console = tokio::spawn(async move {
        while let Some(ev) = calls.next().await {
            if matches!(
                ev.r#type,
                ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert
            ) {
                let message = ev
                    .args
                    .iter()
                    .map(crate::replay::player::describe)
                    .collect::<Vec<_>>()
                    .join(" ");
                record(&s1, &o1, message);
            }
        }
    });
    let exceptions = tokio::spawn(async move {
        while let Some(ev) = thrown.next().await {
            let d = &ev.exception_details;
            let description = d
                .exception
                .as_ref()
                .and_then(|o| o.description.clone())
                .map(|m| m.lines().next().unwrap_or("").trim().to_string());
            let message = match description {
                Some(desc) if !desc.is_empty() && d.text != desc => format!("{} {desc}", d.text),
                _ => d.text.clone(),
            };
            record(&sink, &offset_ms, message);
        }
    });
    let (l1, m1) = (loads.clone(), main.clone());
    let starts = tokio::spawn(async move {
        while let Some(ev) = started.next().await {
            if m1.as_ref().is_none_or(|m| *m == ev.frame_id) {
                l1.started.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let stops = tokio::spawn(async move {
        while let Some(ev) = stopped.next().await {
            if main.as_ref().is_none_or(|m| *m == ev.frame_id) {
                loads.stopped.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    Ok(vec![console, exceptions, starts, stops])
}
