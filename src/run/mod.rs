//! The runner behind `reel run`: replays each recording, compares every checkpoint with its
//! baseline (recapturing differing ones to tell real changes from flaky ones), diffs the console
//! errors against the approved ones, applies the update policy, and reports per recording.
//!
//! [`inputs`] reads what to run, [`RunOptions`] says how (built from the resolved settings),
//! [`run`] runs it all in browsers and returns the report; [`verdict`] judges what was captured
//! (shared with every command that compares), [`capture`] is `reel replay`'s plain capture, and
//! `posthog` links recordings fetched from PostHog back to it.

pub mod capture;
pub mod inputs;
mod posthog;
mod shard;
pub mod verdict;

pub use inputs::Input;
pub use shard::Shard;
pub use verdict::{Judging, Variation, Verdict};

use crate::exit::{Classified, ErrorClass, Interrupted};
use crate::plan::{self, Checkpoint, PlanOptions};
use crate::recording::{Format, Recording, WindowStream};
use crate::replay::{
    self, BrowserInfo, BrowserOptions, BrowserPool, BrowserSession, ReplayError, ReplayOptions,
    Shot,
};
use crate::report::{
    CheckpointStatus, ConsoleError, ErrorKind, Extras, RecordingReport, RecordingStatus, ReportDir,
    ReportError, ReportSettings, RunReport,
};
use crate::settings::Settings;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Everything that shapes a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// How captures are judged, and the report folder.
    pub judging: Judging,
    pub plan: PlanOptions,
    pub replay: ReplayOptions,
    /// Parallel replay jobs: 1 replays one recording at a time in one page; above 1, see
    /// [`pages_in_flight`].
    pub jobs: usize,
    /// Capture every checkpoint this many times and report any pixel that varies (>= 1).
    pub repeat: usize,
}

impl RunOptions {
    /// A run as `settings` say, replaying with `replay` (its mask selectors are the settings'),
    /// each checkpoint captured `repeat` times (1 to 100).
    pub fn new(settings: &Settings, mut replay: ReplayOptions, repeat: usize) -> RunOptions {
        replay.mask_selectors = settings.mask_selectors.clone();
        RunOptions {
            judging: Judging::new(settings),
            plan: settings.plan(),
            replay,
            jobs: settings.jobs,
            repeat: repeat.clamp(1, 100),
        }
    }
}

/// What a run produced.
pub struct Finished {
    pub report: RunReport,
    /// The events of the recordings that did not pass, by id (for the HTML report's replay; also
    /// kept in the report folder's `replays/`).
    pub replays: BTreeMap<String, Vec<u8>>,
    /// False when Ctrl-C / SIGTERM stopped it: unfinished recordings are `error` entries.
    pub complete: bool,
    /// The browser could not be started (or attached to): every recording is an `error` entry
    /// saying so (an unreadable one keeps its own error), and this is the command's error.
    pub browser_failure: Option<ReplayError>,
}

/// Why a run could not start or go on (a recording that fails is in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    ReportDir(#[from] ReportError),
    #[error(transparent)]
    Browser(#[from] ReplayError),
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

impl Classified for StartError {
    fn class(&self) -> ErrorClass {
        match self {
            StartError::ReportDir(e) => e.class(),
            StartError::Browser(e) => e.class(),
            StartError::Interrupted(_) => ErrorClass::Interrupted,
        }
    }
}

/// What a run tells as it goes (the terminal's progress).
pub trait Observer: Sync {
    /// Everything is planned: this many recordings and checkpoints to go.
    fn planned(&self, recordings: usize, checkpoints: usize);
    /// A recording finished; `checkpoints` of the planned ones are done with it.
    fn done(&self, report: &RecordingReport, checkpoints: usize);
}

/// One recording's result: its report, and its events when it did not pass.
pub(crate) struct Done {
    pub report: RecordingReport,
    pub replay: Option<Vec<u8>>,
}

/// Finished recordings by input position, shared so that an interrupted run can still report
/// what finished.
pub(crate) type DoneSoFar = Arc<Mutex<BTreeMap<usize, Done>>>;

/// Runs `inputs` in browsers started (or attached to) as `browser` says, `observer` seeing the
/// plan and each recording as it finishes, and returns the report; `started` is when the command started (the
/// report's duration). The report folder is cleared of a previous run's images first. Ctrl-C /
/// SIGTERM end the run early with a partial report; a browser that cannot be started gives a
/// report too (see [`Finished::browser_failure`]).
pub async fn run(
    inputs: Vec<Input>,
    opts: &RunOptions,
    browser: &BrowserOptions,
    settings: ReportSettings,
    started: Instant,
    observer: &dyn Observer,
) -> Result<Finished, StartError> {
    let mut opts = opts.clone();
    opts.replay.lanes = lanes_for(opts.jobs, inputs.len());
    let judging = opts.judging.clone();
    in_browsers(
        inputs,
        &judging,
        browser,
        settings,
        started,
        async |pool, inputs, sink| run_all(pool, inputs, &opts, sink, observer).await,
    )
    .await
}

/// What `run` and `reel drive` share around their work: clears the report folder, starts the
/// browsers, lets `work` put each input's result into the shared map, and assembles the report
/// (inputs an interruption left unfinished become `error` entries).
pub(crate) async fn in_browsers(
    inputs: Vec<Input>,
    judging: &Judging,
    browser: &BrowserOptions,
    settings: ReportSettings,
    started: Instant,
    work: impl AsyncFnOnce(&BrowserPool, Vec<Input>, DoneSoFar),
) -> Result<Finished, StartError> {
    let unfinished: Vec<Unfinished> = inputs.iter().map(Unfinished::new).collect();
    judging.report.clear()?;
    let baselines_browser = judging.baselines_browser();
    let finished: DoneSoFar = Arc::new(Mutex::new(BTreeMap::new()));
    let sink = finished.clone();
    let browsers: Arc<Mutex<Vec<BrowserInfo>>> = Arc::default();
    let result = crate::interrupt::with_browsers(browser, async |pool: &BrowserPool| {
        *browsers.lock().unwrap_or_else(|p| p.into_inner()) = pool.browsers().await;
        work(pool, inputs, sink).await;
        Ok::<(), StartError>(())
    })
    .await;
    let (complete, browser_failure) = match result {
        Ok(()) => (true, None),
        Err(StartError::Interrupted(_)) => (false, None),
        Err(StartError::Browser(e)) => (true, Some(e)),
        Err(e) => return Err(e),
    };
    let why_unfinished = match &browser_failure {
        Some(e) => (e.to_string(), error_kind(e.is_input_error())),
        None => (
            "interrupted before it finished".to_string(),
            ErrorKind::Infrastructure,
        ),
    };
    let mut done = std::mem::take(&mut *finished.lock().unwrap_or_else(|p| p.into_inner()));
    let mut replays = BTreeMap::new();
    let mut recordings = Vec::with_capacity(unfinished.len());
    for (i, u) in unfinished.into_iter().enumerate() {
        match done.remove(&i) {
            Some(Done { report, replay }) => {
                if let Some(events) = replay {
                    replays.insert(report.id.clone(), events);
                }
                recordings.push(report);
            }
            None => {
                let (error, kind) = u.own_error.unwrap_or_else(|| why_unfinished.clone());
                recordings.push(RecordingReport::error(u.id, u.source, None, error, kind, 0))
            }
        }
    }
    let mut report = RunReport::new(
        settings,
        recordings,
        complete,
        started.elapsed().as_millis() as u64,
    );
    let browsers = std::mem::take(&mut *browsers.lock().unwrap_or_else(|p| p.into_inner()));
    if browsers.len() > 1 {
        let names: Vec<String> = browsers.iter().map(|b| b.to_string()).collect();
        tracing::warn!(
            "the browsers of this run differ ({}): screenshots may differ between them; the report \
             names the first",
            names.join(", ")
        );
    }
    report.browser = browsers.into_iter().next();
    report.baselines_browser = baselines_browser;
    if complete && let Some(browser) = &report.browser {
        let recorded = report.baselines_browser.as_ref();
        if let Err(e) = judging.record_browser(recorded, browser) {
            tracing::warn!("{e}");
        }
    }
    Ok(Finished {
        report,
        replays,
        complete,
        browser_failure,
    })
}

/// What the report says of an input that did not finish: its id, source, and its own error when
/// it could not be read.
struct Unfinished {
    id: String,
    source: String,
    own_error: Option<(String, ErrorKind)>,
}

impl Unfinished {
    fn new(input: &Input) -> Unfinished {
        Unfinished {
            id: input.id(),
            source: input.source().to_string(),
            own_error: match input {
                Input::Ready { .. } => None,
                Input::Unreadable {
                    error, input_error, ..
                } => Some((error.clone(), error_kind(*input_error))),
            },
        }
    }
}

fn error_kind(input_error: bool) -> ErrorKind {
    if input_error {
        ErrorKind::Input
    } else {
        ErrorKind::Infrastructure
    }
}

/// Pages one parallel job keeps busy. A replay is a pipeline that waits on itself (the page's
/// script, the compositor, the screenshot encoder, the CDP round trips) about half the time, so
/// one page leaves its core half idle. Measured on 2 cores over the 5 shared recordings: 2 pages
/// in flight 4.8 s, 3 pages 4.1 s, 4 pages 3.6-3.9 s, 5 pages 3.6-3.8 s (BENCHMARKS.md).
pub const PAGES_PER_JOB: usize = 2;

/// Pages replaying at once for `jobs`: one for `--jobs 1` (strictly sequential: one recording,
/// one page), else [`PAGES_PER_JOB`] per job, filled with whole recordings first; lanes (several
/// pages for one recording) only take what is left when there are fewer recordings than pages.
pub fn pages_in_flight(jobs: usize) -> usize {
    if jobs > 1 { jobs * PAGES_PER_JOB } else { 1 }
}

/// Lanes per recording (see [`crate::replay::capture_window`]) when `inputs` recordings share
/// [`pages_in_flight`]`(jobs)` pages.
pub fn lanes_for(jobs: usize, inputs: usize) -> usize {
    (pages_in_flight(jobs) / inputs.max(1)).max(1)
}

/// The moments `linked_at` (ms from the recording's first event, `recording_start`) that fall in
/// `window`, as offsets from the window's start.
fn linked_in_window(window: &WindowStream, recording_start: i64, linked_at: &[i64]) -> Vec<i64> {
    let (start, end) = (window.start_ms(), window.start_ms() + window.duration_ms());
    linked_at
        .iter()
        .map(|at| recording_start.saturating_add(*at))
        .filter(|t| (start..=end).contains(t))
        .map(|t| t - start)
        .collect()
}

/// An input with the plan of each of its windows, computed once.
struct Planned {
    input: Input,
    plans: Vec<Vec<Checkpoint>>,
}

impl Planned {
    fn new(input: Input, opts: &PlanOptions) -> Planned {
        let plans = match &input {
            Input::Ready {
                recording,
                linked_at,
            } => {
                let start = recording.windows.iter().map(|w| w.start_ms()).min();
                recording
                    .windows
                    .iter()
                    .map(|w| {
                        let linked = linked_in_window(w, start.unwrap_or(0), linked_at);
                        let (plan, thinned) = if linked.is_empty() {
                            plan::plan_noting(w, opts)
                        } else {
                            let mut opts = opts.clone();
                            opts.at.extend(linked);
                            plan::plan_noting(w, &opts)
                        };
                        if let Some(t) = thinned {
                            tracing::warn!("{}: {}", recording.id, t.warning(&w.id));
                        }
                        plan
                    })
                    .collect()
            }
            Input::Unreadable { .. } => Vec::new(),
        };
        Planned { input, plans }
    }

    /// The planned checkpoints of every window.
    fn checkpoints(&self) -> usize {
        self.plans.iter().map(Vec::len).sum()
    }

    /// The expected replay time, in checkpoint-equivalents (a page and its player load cost
    /// about as much as 5 checkpoints).
    fn cost(&self, repeat: usize) -> usize {
        self.plans
            .iter()
            .map(|p| 5 + p.len())
            .sum::<usize>()
            .saturating_mul(repeat.max(1))
    }
}

/// Runs every input (at most [`pages_in_flight`] at once) and records each result in `finished`
/// as soon as it is done; `observer` sees the plan, and each report as it finishes. The longest recordings (by
/// planned checkpoints) start first, and a finished recording's slot is refilled at once, so the
/// run does not end waiting for one long recording started last.
async fn run_all(
    pool: &BrowserPool,
    inputs: Vec<Input>,
    opts: &RunOptions,
    finished: DoneSoFar,
    observer: &dyn Observer,
) {
    let in_flight = pages_in_flight(opts.jobs.max(1));
    let mut indexed: Vec<(usize, Planned)> = inputs
        .into_iter()
        .map(|input| Planned::new(input, &opts.plan))
        .enumerate()
        .collect();
    indexed.sort_by_key(|(i, p)| (std::cmp::Reverse(p.cost(opts.repeat)), *i));
    let checkpoints = indexed.iter().map(|(_, p)| p.checkpoints()).sum();
    observer.planned(indexed.len(), checkpoints);
    // `in_flight` recordings replay at once; a recording that has replayed gives its place to the
    // next one while its new baselines are encoded and written (as many more recordings).
    let pages = tokio::sync::Semaphore::new(in_flight);
    let pages = &pages;
    // The position in start order picks the browser, so jobs running together use different ones.
    let mut stream = futures::stream::iter(indexed.into_iter().enumerate())
        .map(|(k, (i, planned))| async move {
            let checkpoints = planned.checkpoints();
            (i, checkpoints, run_one(pool, k, planned, pages, opts).await)
        })
        .buffer_unordered(in_flight * 2);
    while let Some((i, checkpoints, done)) = stream.next().await {
        observer.done(&done.report, checkpoints);
        if let Ok(mut f) = finished.lock() {
            f.insert(i, done);
        }
    }
}

async fn run_one(
    pool: &BrowserPool,
    n: usize,
    planned: Planned,
    pages: &tokio::sync::Semaphore,
    opts: &RunOptions,
) -> Done {
    let Planned { input, plans } = planned;
    // Taken before the recording's clock starts: its duration is its own replay and judging,
    // not the wait for a page.
    let page = std::sync::Mutex::new(pages.acquire().await.ok());
    on_a_browser(
        pool,
        n,
        input,
        &opts.judging,
        async |session: &BrowserSession, recording: &Recording| {
            run_recording(session, recording, &plans, &page, opts).await
        },
    )
    .await
}

/// The place among the run's replays in flight that a recording holds while it replays, given
/// back (taken out) when only judging is left.
type PageSlot<'a> = std::sync::Mutex<Option<tokio::sync::SemaphorePermit<'a>>>;

/// An error that ends one recording's attempt.
pub(crate) trait AttemptError: std::fmt::Display {
    /// The recording's fault (exit 2), not the browser's: not worth a retry.
    fn is_input_error(&self) -> bool;
    /// A browser step ran out of time: the browser is replaced whatever its health.
    fn is_hang(&self) -> bool;
    /// The page's renderer crashed: the attempt is made again (in a new page when the browser
    /// is still healthy).
    fn is_crash(&self) -> bool;
}

impl AttemptError for RunError {
    fn is_input_error(&self) -> bool {
        RunError::is_input_error(self)
    }

    fn is_hang(&self) -> bool {
        matches!(self, RunError::Replay(replay::ReplayError::Timeout { .. }))
    }
    fn is_crash(&self) -> bool {
        matches!(self, RunError::Replay(replay::ReplayError::Crashed { .. }))
    }
}

/// Does one input with `attempt` on browser `n` of `pool`: a browser that crashed or hangs is
/// replaced and the attempt made once more; an unreadable input or a failed attempt becomes an
/// `error` entry; the events of a recording that did not pass are kept (for the HTML report's
/// replay, and in the report folder for `merge-reports`).
pub(crate) async fn on_a_browser<E: AttemptError>(
    pool: &BrowserPool,
    n: usize,
    input: Input,
    judging: &Judging,
    attempt: impl AsyncFn(&BrowserSession, &Recording) -> Result<RecordingReport, E>,
) -> Done {
    let started = Instant::now();
    let recording = match input {
        Input::Ready { recording, .. } => recording,
        Input::Unreadable {
            source,
            error,
            input_error,
        } => {
            let id = crate::recording::sanitize_id(&crate::recording::stem_of_path(&source));
            let report = error_report(id, source, None, error, input_error, started);
            return Done {
                report,
                replay: None,
            };
        }
    };
    let mut lease = pool.lease(n).await;
    // The error's message, and whether it is the input's fault. A page or browser that crashed
    // or hangs is replaced and the attempt made once more: in a new page when only the page's
    // renderer died (the browser is healthy), else in a new browser.
    let outcome: Result<RecordingReport, (String, bool)> =
        match attempt(&lease.session, &recording).await {
            Ok(report) => Ok(report),
            Err(e) if e.is_input_error() => Err((e.to_string(), true)),
            Err(e) => {
                let healthy = pool.healthy(&lease).await;
                if e.is_crash() || e.is_hang() || !healthy {
                    let first = e.to_string();
                    let replaced = if healthy && !e.is_hang() {
                        tracing::warn!("{}: {first}; retrying in a new page", recording.id);
                        Ok(())
                    } else {
                        tracing::warn!("{}: {first}; retrying with a new browser", recording.id);
                        pool.replace(&lease).await
                    };
                    match replaced {
                        Ok(()) => {
                            lease = pool.lease(n).await;
                            attempt(&lease.session, &recording).await.map_err(|e| {
                                (
                                    format!("{e} (after a retry; first attempt: {first})"),
                                    false,
                                )
                            })
                        }
                        Err(e) => Err((
                            format!("{first}; the browser could not be restarted: {e}"),
                            false,
                        )),
                    }
                } else {
                    Err((e.to_string(), false))
                }
            }
        };
    let mut replay = None;
    if !matches!(&outcome, Ok(r) if r.status == RecordingStatus::Pass) {
        let events = crate::report::html::replay_payload(&recording);
        if let Err(e) = judging
            .report
            .write(&ReportDir::replay(&recording.id), &events)
        {
            tracing::warn!("cannot keep the events of {}: {e}", recording.id);
        }
        replay = Some(events);
    }
    let mut report = match outcome {
        Ok(mut report) => {
            report.duration_ms = started.elapsed().as_millis() as u64;
            report
        }
        Err((error, input_error)) => error_report(
            recording.id.clone(),
            recording.source.clone(),
            Some(recording.format),
            error,
            input_error,
            started,
        ),
    };
    posthog::link(&mut report, &recording);
    Done { report, replay }
}

fn error_report(
    id: String,
    source: String,
    format: Option<Format>,
    error: String,
    input_error: bool,
    started: Instant,
) -> RecordingReport {
    RecordingReport::error(
        id,
        source,
        format,
        error,
        error_kind(input_error),
        started.elapsed().as_millis() as u64,
    )
}

/// Errors that end one recording.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    #[error(transparent)]
    Baseline(#[from] crate::compare::baseline::BaselineError),
    #[error("{0}")]
    Output(String),
}

impl RunError {
    pub fn is_input_error(&self) -> bool {
        match self {
            RunError::Replay(e) => e.is_input_error(),
            RunError::Baseline(_) => true,
            RunError::Output(_) => false,
        }
    }
}

/// One window's screenshots compared with its baselines, before they are settled.
struct Judged {
    ctx: Arc<verdict::Context>,
    verdicts: Vec<verdict::Verdict>,
    shots: Vec<Shot>,
    /// Second captures of the checkpoints that differed, by name.
    second: BTreeMap<String, Shot>,
    variations: BTreeMap<String, Variation>,
}

/// Replays every window of `recording` while holding `page` (its place among the run's replays
/// in flight), compares the screenshots with the baselines and captures the differing ones a second
/// time; then, the place given to the next recording, settles every checkpoint (new baselines
/// encoded and written, side by side).
async fn run_recording(
    session: &BrowserSession,
    recording: &Recording,
    plans: &[Vec<Checkpoint>],
    page: &PageSlot<'_>,
    opts: &RunOptions,
) -> Result<RecordingReport, RunError> {
    let several = recording.windows.len() > 1;
    let mut console_errors = Vec::new();
    let mut blocked = 0;
    let mut canvas = None;
    let mut judged = Vec::with_capacity(recording.windows.len());
    for (window, plan) in recording.windows.iter().zip(plans) {
        let window_label = several.then(|| window.id.clone());
        let first =
            replay::capture_window(session, &recording.id, window, plan, &opts.replay).await?;
        blocked += first.blocked_requests;
        canvas = match first.canvas {
            replay::Canvas::None => canvas,
            // One window left blank is worth saying, whatever the others did.
            replay::Canvas::Off => Some(replay::Canvas::Off),
            replay::Canvas::Replayed => canvas.or(Some(replay::Canvas::Replayed)),
        };
        for c in first.console.iter().filter(|c| c.level == "error") {
            console_errors.push(ConsoleError {
                window: window.id.clone(),
                source: c.source,
                t_ms: c.t_ms,
                message: c.message.clone(),
            });
        }
        let ctx = Arc::new(verdict::Context::new(
            &recording.id,
            window_label.clone(),
            &opts.judging,
        ));
        let mut variations: BTreeMap<String, Variation> = BTreeMap::new();
        for _ in 1..opts.repeat.max(1) {
            let again =
                replay::capture_window(session, &recording.id, window, plan, &opts.replay).await?;
            let pairs: Vec<(Shot, Shot)> = first.shots.iter().cloned().zip(again.shots).collect();
            let found = tokio::task::spawn_blocking(move || compare_repeats(pairs))
                .await
                .map_err(|e| RunError::Output(format!("comparison task failed: {e}")))??;
            for (name, v) in found {
                variations.entry(name).or_default().merge(v);
            }
        }
        let verdicts = crate::timings::span(
            "judge: compare",
            judge_all(ctx.clone(), first.shots.clone()),
        )
        .await?;

        // Differences are captured a second time: if the two captures disagree, it is flaky.
        let retry: Vec<Checkpoint> = verdicts
            .iter()
            .filter(|v| v.needs_recapture())
            .map(|v| v.checkpoint.clone())
            .collect();
        let mut second: BTreeMap<String, Shot> = BTreeMap::new();
        if !retry.is_empty() {
            let again =
                replay::capture_window(session, &recording.id, window, &retry, &opts.replay)
                    .await?;
            for s in again.shots {
                second.insert(s.checkpoint.name.clone(), s);
            }
        }
        judged.push(Judged {
            ctx,
            verdicts,
            shots: first.shots,
            second,
            variations,
        });
    }
    if let Ok(mut page) = page.lock() {
        page.take();
    }

    // Settled side by side, as many at once as there are cores: writing a new baseline (decode,
    // encode for size, write) is the slowest part of judging, and it needs no page.
    let t_settle = std::time::Instant::now();
    let settling = judged.into_iter().flat_map(|j| {
        let Judged {
            ctx,
            verdicts,
            shots,
            mut second,
            mut variations,
        } = j;
        verdicts.into_iter().zip(shots).map(move |(verdict, shot)| {
            let again = second.remove(&shot.checkpoint.name);
            let variation = variations.remove(&shot.checkpoint.name);
            let ctx = ctx.clone();
            tokio::task::spawn_blocking(move || ctx.settle(verdict, shot, again, variation))
        })
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Every task finishes before an error is returned: none writes after the recording ended.
    let settled: Vec<_> = futures::stream::iter(settling)
        .buffered(cores)
        .collect()
        .await;
    let mut checkpoints = Vec::with_capacity(settled.len());
    for result in settled {
        checkpoints
            .push(result.map_err(|e| RunError::Output(format!("comparison task failed: {e}")))??);
    }
    crate::timings::since("judge: settle and write", t_settle);

    let (console, console_unwritable) = opts.judging.console(&recording.id, console_errors)?;
    let failed = checkpoints.iter().any(|c| c.status.is_failure())
        || (!console.new_errors.is_empty() && !console.accepted);
    // Baselines that could not be written make the recording an input error (the folder is the
    // user's to fix), its checkpoints still reported.
    let unwritable: Vec<String> = checkpoints
        .iter()
        .filter(|c| c.status == CheckpointStatus::Error)
        .filter_map(|c| c.message.clone())
        .chain(console_unwritable)
        .collect();
    let error = unwritable.first().map(|first| match unwritable.len() {
        1 => first.clone(),
        n => format!("{first} (and {} more)", n - 1),
    });
    Ok(RecordingReport {
        id: recording.id.clone(),
        source: recording.source.clone(),
        status: if error.is_some() {
            RecordingStatus::Error
        } else if failed {
            RecordingStatus::Fail
        } else {
            RecordingStatus::Pass
        },
        error_kind: error.as_ref().map(|_| ErrorKind::Input),
        error,
        format: Some(recording.format),
        duration_ms: 0,
        session_duration_ms: recording.duration_ms(),
        checkpoints,
        console,
        blocked_requests: blocked,
        canvas,
        posthog: None,
        extras: Extras::new(),
    })
}

/// Pixel variation between two captures of the same checkpoints.
fn compare_repeats(pairs: Vec<(Shot, Shot)>) -> Result<Vec<(String, Variation)>, RunError> {
    let mut out = Vec::new();
    for (a, b) in pairs {
        if a.png == b.png {
            continue;
        }
        let decode = |s: &Shot| {
            crate::compare::decode_png(&s.png).map_err(|_| {
                RunError::Output(format!(
                    "{}: the browser returned an undecodable screenshot",
                    s.checkpoint.name
                ))
            })
        };
        if let Some(v) = Variation::between(&decode(&a)?, &decode(&b)?) {
            out.push((a.checkpoint.name.clone(), v));
        }
    }
    Ok(out)
}

/// First look at every shot against its baseline, off the async threads.
async fn judge_all(ctx: Arc<verdict::Context>, shots: Vec<Shot>) -> Result<Vec<Verdict>, RunError> {
    let mut handles = Vec::with_capacity(shots.len());
    for shot in shots {
        let ctx = ctx.clone();
        handles.push(tokio::task::spawn_blocking(move || ctx.judge(&shot)));
    }
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(
            h.await
                .map_err(|e| RunError::Output(format!("comparison task failed: {e}")))??,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_is_one_page_and_more_jobs_fill_pages_with_recordings_before_lanes() {
        assert_eq!(
            (pages_in_flight(1), lanes_for(1, 1), lanes_for(1, 5)),
            (1, 1, 1)
        );
        assert_eq!(pages_in_flight(2), 4);
        assert_eq!(lanes_for(2, 5), 1);
        assert_eq!(lanes_for(2, 4), 1);
        assert_eq!(lanes_for(2, 2), 2);
        assert_eq!(lanes_for(2, 1), 4);
        assert_eq!(lanes_for(8, 0), 16);
    }
}
