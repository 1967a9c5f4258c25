//! The live side of `reel drive`: one fresh browser context per drive (fresh storage and cache),
//! every window of the recording in its own tab of it; the steps of all windows performed in
//! recorded order, each tab's virtual clock advanced to each step's and checkpoint's time first;
//! a screenshot at every checkpoint. [`Live::start`] opens the tabs and loads the first page
//! ahead (while the steps are still being located, say): nothing of a page can run before its
//! clock is advanced, so loading it early changes nothing but when the work is done.

mod keys;
pub mod network;
mod tab;

pub use tab::Tab;

use super::answers::Answers;
use super::locate::{Located, has_target};
use super::schedule::{Entry, WindowTimes, timeline};
use super::url_map::UrlMap;
use super::{Action, Locator, Step, StepOutcome, StepStatus};
use crate::plan::{self, Checkpoint};
use crate::recording::WindowStream;
use crate::replay::{BrowserSession, ConsoleEntry, ReplayError, Shot};
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, DisposeBrowserContextParams,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How to drive.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Per browser call.
    pub timeout: Duration,
    /// Longest wait for fonts and images before a screenshot.
    pub settle_budget: Duration,
    /// Longest real time one clock advance waits for the page's fetch/XHR calls.
    pub io_budget: Duration,
    /// CSS selectors whose boxes are masked in every screenshot.
    pub mask_selectors: Vec<String>,
    /// Drive and capture every window at this size instead of the recorded ones.
    pub viewport_override: Option<(u32, u32)>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            timeout: Duration::from_secs(30),
            settle_budget: Duration::from_secs(2),
            io_budget: Duration::from_secs(5),
            mask_selectors: Vec::new(),
            viewport_override: None,
        }
    }
}

/// One window to drive: its steps (located) and its checkpoints.
pub struct WindowDrive<'a> {
    pub window: &'a WindowStream,
    pub steps: Vec<Step>,
    pub plan: Vec<Checkpoint>,
}

/// What one window's tab gave.
#[derive(Debug, Clone)]
pub struct LiveWindow {
    pub window: String,
    pub shots: Vec<Shot>,
    /// Checkpoints that could not be captured, with why.
    pub missed: Vec<(Checkpoint, String)>,
    /// The page's own console errors.
    pub console: Vec<ConsoleEntry>,
}

/// What a drive gave.
#[derive(Debug, Clone, Default)]
pub struct LiveResult {
    pub windows: Vec<LiveWindow>,
    /// Every step's outcome, in the order performed.
    pub steps: Vec<StepOutcome>,
    /// Origins of blocked requests, and some of the URLs.
    pub blocked_hosts: Vec<String>,
    pub blocked_urls: Vec<String>,
    pub blocked: u64,
    pub answered_from_recording: u64,
}

/// Runs `fut` with the step timeout, naming the step when it runs out.
pub(crate) async fn cdp<T, E: std::fmt::Display>(
    what: &str,
    timeout: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, ReplayError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ReplayError::Browser(format!("{what}: {e}"))),
        Err(_) => Err(ReplayError::Timeout {
            step: what.to_string(),
            after: timeout,
        }),
    }
}

/// Drives `windows` against the build `map` points at, in a fresh browser context that is
/// disposed afterwards. `confidence` rates the locator that matched a step (by its index).
pub async fn drive(
    session: &BrowserSession,
    windows: &[WindowDrive<'_>],
    map: Arc<UrlMap>,
    opts: &LiveOptions,
    confidence: &dyn Fn(&[Locator], usize) -> f64,
) -> Result<LiveResult, ReplayError> {
    let ahead: Vec<(&WindowStream, &[Step])> =
        windows.iter().map(|w| (w.window, &w.steps[..])).collect();
    Live::start(session, &ahead, map, opts)
        .await?
        .drive(session, windows, opts, confidence)
        .await
}

/// Steps located while the drive runs ([`super::locate::locate_steps_feeding`]): for each
/// window, the located steps as they arrive, in time order.
pub struct LocatedFeed {
    arriving: Vec<tokio::sync::mpsc::UnboundedReceiver<Located>>,
    early: Vec<BTreeMap<usize, Located>>,
}

impl LocatedFeed {
    /// One receiver per window, in the drive's window order.
    pub fn new(arriving: Vec<tokio::sync::mpsc::UnboundedReceiver<Located>>) -> LocatedFeed {
        let early = arriving.iter().map(|_| BTreeMap::new()).collect();
        LocatedFeed { arriving, early }
    }

    /// Step `index` of `window` once located; `None` when locating that window stopped first.
    async fn take(&mut self, window: usize, index: usize) -> Option<Located> {
        if let Some(l) = self.early.get_mut(window)?.remove(&index) {
            return Some(l);
        }
        let rx = self.arriving.get_mut(window)?;
        while let Some(l) = rx.recv().await {
            if l.index == index {
                return Some(l);
            }
            self.early[window].insert(l.index, l);
        }
        None
    }
}

/// A drive's browser context with its tabs open, before the drive.
pub struct Live {
    context: BrowserContextId,
    map: Arc<UrlMap>,
    tabs: Vec<Option<Tab>>,
    /// The first step of the drive when performed ahead (the earliest window's first page
    /// load): its window, time and outcome.
    ahead: Option<(usize, i64, StepOutcome)>,
}

impl Live {
    /// A fresh browser context, a tab for every window whose steps start with a page load
    /// (sized and clocked as the drive would open it), and the drive's first step performed
    /// when it is a page load. `windows`: each window and its steps; unlocated steps are
    /// enough (page loads, times and sizes need no locators).
    pub async fn start(
        session: &BrowserSession,
        windows: &[(&WindowStream, &[Step])],
        map: Arc<UrlMap>,
        opts: &LiveOptions,
    ) -> Result<Live, ReplayError> {
        let context = create_context(session, opts).await?;
        let mut live = Live {
            context,
            map,
            tabs: windows.iter().map(|_| None).collect(),
            ahead: None,
        };
        match live.open_ahead(session, windows, opts).await {
            Ok(()) => Ok(live),
            Err(e) => {
                live.discard(session).await;
                Err(e)
            }
        }
    }

    async fn open_ahead(
        &mut self,
        session: &BrowserSession,
        windows: &[(&WindowStream, &[Step])],
        opts: &LiveOptions,
    ) -> Result<(), ReplayError> {
        let starts_with_load: Vec<usize> = (0..windows.len())
            .filter(|&w| {
                windows[w]
                    .1
                    .first()
                    .is_some_and(|s| s.action == Action::Navigate)
            })
            .collect();
        let (context, map) = (self.context.clone(), self.map.clone());
        let open = |w: usize| {
            let (window, steps) = windows[w];
            let first = &steps[0];
            let viewport = opts
                .viewport_override
                .unwrap_or_else(|| plan::viewport_at(window, first.t_ms.saturating_add(1)));
            let at = window.start_ms().saturating_add(first.t_ms);
            let (context, map) = (&context, map.clone());
            async move {
                let tab = Tab::open(
                    session,
                    context,
                    window,
                    map,
                    Answers::from_window(window),
                    at,
                    viewport,
                    opts,
                )
                .await;
                (w, tab)
            }
        };
        let times: Vec<WindowTimes> = windows
            .iter()
            .map(|(window, steps)| WindowTimes {
                start_ms: window.start_ms(),
                steps,
                checkpoints: &[],
            })
            .collect();
        // The drive's first step, when it is a page load: its tab opens first and the page
        // loads while the other windows' tabs open.
        let first = match timeline(&times).first().copied() {
            Some((at, Entry::Step { window, index }))
                if windows[window].1[index].action == Action::Navigate
                    && starts_with_load.contains(&window) =>
            {
                Some((at, window, index))
            }
            _ => None,
        };
        let mut failed = None;
        let mut performed = None;
        let rest = starts_with_load
            .iter()
            .copied()
            .filter(|&w| first.is_none_or(|(_, f, _)| f != w));
        let others = futures::future::join_all(rest.map(open));
        let opened = match first {
            Some((at, w, index)) => {
                let (_, tab) = open(w).await;
                let mut tab = tab?;
                let step = &windows[w].1[index];
                let load = async {
                    tab.advance_to(at, opts.io_budget).await?;
                    tab.perform(step, &|_, _| 1.0).await
                };
                let (outcome, opened) = futures::future::join(load, others).await;
                self.tabs[w] = Some(tab);
                match outcome {
                    Ok(outcome) => performed = Some((w, step.t_ms, outcome)),
                    Err(e) => failed = Some(e),
                }
                opened
            }
            None => others.await,
        };
        for (w, tab) in opened {
            match tab {
                Ok(tab) => self.tabs[w] = Some(tab),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        self.ahead = performed;
        Ok(())
    }

    /// Closes the tabs and disposes of the context, unused.
    pub async fn discard(self, session: &BrowserSession) {
        for tab in self.tabs.into_iter().flatten() {
            tab.close().await;
        }
        dispose_context(session, self.context).await;
    }

    /// Drives `windows` (the windows given to [`Live::start`], in the same order, their steps
    /// located), then disposes of the context.
    pub async fn drive(
        mut self,
        session: &BrowserSession,
        windows: &[WindowDrive<'_>],
        opts: &LiveOptions,
        confidence: &dyn Fn(&[Locator], usize) -> f64,
    ) -> Result<LiveResult, ReplayError> {
        let context = self.context.clone();
        let result = run_timeline(session, &mut self, windows, None, None, opts, confidence).await;
        finish(session, context, windows, self.tabs, result).await
    }

    /// [`Live::drive`] with the steps still being located: `windows` hold the steps as
    /// extracted, and each step with a target is performed as `feed` delivers it located (its
    /// hover step first). Fails when locating a window stops before one of its steps.
    /// `on_shot` sees each screenshot (with its window's index) as soon as it is taken.
    pub async fn drive_while_locating(
        mut self,
        session: &BrowserSession,
        windows: &[WindowDrive<'_>],
        mut feed: LocatedFeed,
        on_shot: &OnShot<'_>,
        opts: &LiveOptions,
        confidence: &dyn Fn(&[Locator], usize) -> f64,
    ) -> Result<LiveResult, ReplayError> {
        let context = self.context.clone();
        let result = run_timeline(
            session,
            &mut self,
            windows,
            Some(&mut feed),
            Some(on_shot),
            opts,
            confidence,
        )
        .await;
        finish(session, context, windows, self.tabs, result).await
    }
}

async fn create_context(
    session: &BrowserSession,
    opts: &LiveOptions,
) -> Result<BrowserContextId, ReplayError> {
    Ok(cdp(
        "creating a browser context",
        opts.timeout,
        session.browser.execute(
            CreateBrowserContextParams::builder()
                .dispose_on_detach(true)
                // Every request is intercepted and routed by reel; the ones let through go
                // straight to the build, past a proxy the browser may have been started with.
                .proxy_server("direct://")
                .build(),
        ),
    )
    .await?
    .result
    .browser_context_id)
}

async fn dispose_context(session: &BrowserSession, context: BrowserContextId) {
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        session
            .browser
            .execute(DisposeBrowserContextParams::new(context)),
    )
    .await;
}

type Performed = Result<(Vec<StepOutcome>, Vec<WindowShots>), ReplayError>;

/// What sees each screenshot as it is taken: the window's index and the shot.
pub type OnShot<'a> = dyn Fn(usize, &Shot) + Send + Sync + 'a;

/// What the tabs gave, the tabs closed and the context disposed of.
async fn finish(
    session: &BrowserSession,
    context: BrowserContextId,
    windows: &[WindowDrive<'_>],
    tabs: Vec<Option<Tab>>,
    result: Performed,
) -> Result<LiveResult, ReplayError> {
    let mut out = LiveResult::default();
    let mut hosts = BTreeSet::new();
    for (w, tab) in windows.iter().zip(tabs) {
        let mut live = LiveWindow {
            window: w.window.id.clone(),
            shots: Vec::new(),
            missed: Vec::new(),
            console: Vec::new(),
        };
        if let Some(tab) = tab {
            live.console = tab.console();
            if let Ok(log) = tab.network.lock() {
                hosts.extend(log.blocked_hosts.iter().cloned());
                out.blocked_urls.extend(log.blocked_urls.iter().cloned());
                out.blocked += log.blocked;
                out.answered_from_recording += log.answered_from_recording;
            }
            tab.close().await;
        }
        out.windows.push(live);
    }
    dispose_context(session, context).await;
    let (steps, shots) = result?;
    out.steps = steps;
    for (w, (captured, missed)) in shots.into_iter().enumerate() {
        out.windows[w].shots = captured;
        out.windows[w].missed = missed;
    }
    out.blocked_hosts = hosts.into_iter().collect();
    Ok(out)
}

type WindowShots = (Vec<Shot>, Vec<(Checkpoint, String)>);

/// Performs `step` in `tab` with its clock advanced to `at` first.
async fn perform_at(
    tab: &mut Tab,
    step: &Step,
    at: i64,
    opts: &LiveOptions,
    confidence: &dyn Fn(&[Locator], usize) -> f64,
    timings: &mut Timings,
) -> Result<StepOutcome, ReplayError> {
    timings
        .time("advancing the clock", tab.advance_to(at, opts.io_budget))
        .await?;
    if step.action == Action::Resize && opts.viewport_override.is_some() {
        return Ok(StepOutcome {
            action: step.action,
            t_ms: step.t_ms,
            window: step.window.clone(),
            status: StepStatus::Skipped,
            locator: None,
            finding: Some("resize not performed: the viewport is fixed by --viewport".into()),
        });
    }
    let outcome = timings
        .time(step.action.as_str(), tab.perform(step, confidence))
        .await?;
    tracing::debug!(
        "{} {} at {} ms: {:?}{}",
        step.window,
        step.action.as_str(),
        step.t_ms,
        outcome.status,
        outcome
            .finding
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default()
    );
    Ok(outcome)
}

/// Where a drive's time went, by phase (count, total): logged with `-v`.
#[derive(Default)]
struct Timings(std::collections::BTreeMap<&'static str, (u32, Duration)>);

impl Timings {
    async fn time<T>(&mut self, phase: &'static str, fut: impl Future<Output = T>) -> T {
        let started = std::time::Instant::now();
        let out = fut.await;
        let e = self.0.entry(phase).or_default();
        e.0 += 1;
        e.1 += started.elapsed();
        out
    }

    fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(phase, (n, d))| format!("{phase} {n}x {} ms", d.as_millis()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn run_timeline(
    session: &BrowserSession,
    live: &mut Live,
    windows: &[WindowDrive<'_>],
    mut feed: Option<&mut LocatedFeed>,
    on_shot: Option<&OnShot<'_>>,
    opts: &LiveOptions,
    confidence: &dyn Fn(&[Locator], usize) -> f64,
) -> Performed {
    let Live {
        context,
        map,
        tabs,
        ahead,
    } = live;
    // Whether each window's first page load was performed: before it, its checkpoints show
    // nothing (although its tab may be open already).
    let mut started = vec![false; windows.len()];
    let times: Vec<WindowTimes> = windows
        .iter()
        .map(|w| WindowTimes {
            start_ms: w.window.start_ms(),
            steps: &w.steps,
            checkpoints: &w.plan,
        })
        .collect();
    let mut outcomes = Vec::new();
    let mut shots: Vec<WindowShots> = windows.iter().map(|_| (Vec::new(), Vec::new())).collect();
    let mut timings = Timings::default();
    // Steps in any window and clock advances that ran something, so far (see `DriveMark`).
    let mut activity = 0u64;
    let network = |tabs: &[Option<Tab>]| {
        tabs.iter()
            .flatten()
            .map(Tab::net_activity)
            .fold((0, 0), |(e, o), (te, to)| (e + te, o + to))
    };
    for (at, entry) in timeline(&times) {
        match entry {
            Entry::Step { window, index } => {
                activity += 1;
                let w = &windows[window];
                let mut step = &w.steps[index];
                let located;
                let mut hover = None;
                if let Some(feed) = feed.as_deref_mut()
                    && has_target(step)
                {
                    let Some(l) = timings
                        .time("waiting for locating", feed.take(window, index))
                        .await
                    else {
                        return Err(ReplayError::Browser(format!(
                            "locating the steps of window {} stopped before its {} at {} ms",
                            w.window.id,
                            step.action.as_str(),
                            step.t_ms
                        )));
                    };
                    located = l;
                    step = &located.step;
                    hover = located.hover.as_ref();
                }
                if let Some((_, _, outcome)) = ahead.take_if(|(w, t_ms, _)| {
                    *w == window && *t_ms == step.t_ms && step.action == Action::Navigate
                }) {
                    started[window] = true;
                    outcomes.push(outcome);
                    continue;
                }
                if !started[window] {
                    if step.action != Action::Navigate {
                        outcomes.push(StepOutcome {
                            action: step.action,
                            t_ms: step.t_ms,
                            window: step.window.clone(),
                            status: StepStatus::Failed,
                            locator: None,
                            finding: Some(format!(
                                "{} at {} ms comes before the window's first page load",
                                step.action.as_str(),
                                step.t_ms
                            )),
                        });
                        continue;
                    }
                    started[window] = true;
                }
                if tabs[window].is_none() {
                    let viewport = opts.viewport_override.unwrap_or_else(|| {
                        plan::viewport_at(w.window, step.t_ms.saturating_add(1))
                    });
                    tabs[window] = Some(
                        timings
                            .time(
                                "opening a tab",
                                Tab::open(
                                    session,
                                    context,
                                    w.window,
                                    map.clone(),
                                    Answers::from_window(w.window),
                                    at,
                                    viewport,
                                    opts,
                                ),
                            )
                            .await?,
                    );
                }
                let tab = tabs[window].as_mut().expect("opened above");
                for step in hover.into_iter().chain([step]) {
                    let outcome = perform_at(tab, step, at, opts, confidence, &mut timings).await?;
                    outcomes.push(outcome);
                }
            }
            Entry::Checkpoint { window, index } => {
                let cp = &windows[window].plan[index];
                let Some(tab) = tabs[window].as_mut().filter(|_| started[window]) else {
                    shots[window]
                        .1
                        .push((cp.clone(), "the window had no page loaded yet".into()));
                    continue;
                };
                let ran = timings
                    .time("advancing the clock", tab.advance_to(at, opts.io_budget))
                    .await?;
                activity += u64::from(ran);
                let (events, open) = network(tabs);
                let mark = (open == 0).then_some((activity, events));
                let tab = tabs[window].as_mut().expect("checked above");
                let shot = timings
                    .time("screenshot", tab.capture(cp, opts, mark))
                    .await?;
                if !shot.settled {
                    tracing::warn!(
                        "{}: {}: fonts, images or frames did not settle within the budget; the screenshot was taken anyway",
                        windows[window].window.id,
                        cp.name
                    );
                }
                if let Some(f) = on_shot {
                    f(window, &shot);
                }
                shots[window].0.push(shot);
            }
        }
    }
    // The end: every window's clock at its last checkpoint, already; nothing more to run.
    tracing::debug!("live drive: {}", timings.summary());
    Ok((outcomes, shots))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(index: usize, t_ms: i64) -> Located {
        Located {
            index,
            step: Step::new("w", t_ms, Action::Click),
            hover: None,
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_feed_hands_out_steps_by_index_whatever_order_they_arrive_in() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (other_tx, other_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut feed = LocatedFeed::new(vec![rx, other_rx]);
        for (i, t) in [(1, 100), (3, 300), (4, 400)] {
            tx.send(located(i, t)).unwrap();
        }
        other_tx.send(located(0, 50)).unwrap();
        assert_eq!(feed.take(0, 3).await.map(|l| l.step.t_ms), Some(300));
        assert_eq!(feed.take(0, 1).await.map(|l| l.step.t_ms), Some(100));
        assert_eq!(feed.take(1, 0).await.map(|l| l.step.t_ms), Some(50));
        drop(tx);
        assert_eq!(feed.take(0, 4).await.map(|l| l.index), Some(4));
        assert!(
            feed.take(0, 5).await.is_none(),
            "locating stopped before step 5"
        );
        assert!(feed.take(2, 0).await.is_none(), "no such window");
    }
}
