//! The runner behind `reel drive`: for each recording, its steps and checkpoints per window, the
//! live drive against the build (see [`super::live`]) and, alongside on another page, one replay
//! per window that locates the steps ahead of the drive and paints the recorded frame at each
//! checkpoint; then the verdicts of `reel run`
//! ([`Judging`]: same baselines, update policy and statuses), the live console errors against the
//! approved ones, and every step's outcome. A step that no longer resolves, or fails, fails the
//! recording. The browsers, retries, kept events and the report's assembly are `run`'s.

use super::live::{Live, LiveOptions, LiveResult, LocatedFeed, WindowDrive};
use super::replay_cache::{self, ReplayCache};
use super::url_map::{UrlMap, UrlMapError, UrlSpec};
use super::{DriveError, DriveExtras, Step, locate, steps};
use crate::exit::{Classified, ErrorClass};
use crate::plan::{self, Checkpoint};
use crate::recording::{EventFacts, EventType, Recording, WindowStream};
use crate::replay::{
    self, BrowserOptions, BrowserPool, BrowserSession, ConsoleSource, ReplayError, ReplayOptions,
    Shot, Visits,
};
use crate::report::{
    CheckpointReport, CheckpointStatus, ConsoleError, Extras, Image, RecordingReport,
    RecordingStatus, ReportSettings,
};
use crate::run::inputs::{Input, InputsError};
use crate::run::verdict::Context;
use crate::run::verdict::Verdict;
use crate::run::{self, AttemptError, DoneSoFar, Finished, RunError, RunOptions, StartError};
use crate::settings::Settings;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Everything that shapes a drive.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// Judging (baselines, report folder, update policy, comparison, masks), planning, the
    /// recorded frames' replay and jobs (recordings driven at once): as `run`'s.
    pub run: RunOptions,
    /// `--url` values.
    pub urls: Vec<UrlSpec>,
    pub live: LiveOptions,
    /// Where replays of the recordings are kept between drives (None: replay every time).
    pub replay_cache: Option<ReplayCache>,
}

impl DriveOptions {
    /// A drive as `settings` say; `replay` shapes the replays of the recordings (locating the
    /// steps, the recorded frames), `timeout` bounds every browser call of the live pages.
    pub fn new(settings: &Settings, replay: ReplayOptions, timeout: Duration) -> DriveOptions {
        let run = RunOptions::new(settings, replay, 1);
        let live = LiveOptions {
            timeout,
            settle_budget: run.replay.settle_budget,
            mask_selectors: settings.mask_selectors.clone(),
            viewport_override: settings.viewport.map(|v| (v.width, v.height)),
            ..LiveOptions::default()
        };
        DriveOptions {
            run,
            urls: settings.url.clone(),
            live,
            replay_cache: None,
        }
    }
}

/// Errors that end one recording's drive.
#[derive(Debug, thiserror::Error)]
pub enum DriveRunError {
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Prepare(#[from] DriveError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{recording}: {error}")]
    Url {
        recording: String,
        error: UrlMapError,
    },
    #[error(
        "{recording}: no page loads (no Meta event with a URL): reel drive needs the URL each window opened"
    )]
    NoPageLoads { recording: String },
}

impl AttemptError for DriveRunError {
    fn is_input_error(&self) -> bool {
        match self {
            DriveRunError::Replay(e) => e.is_input_error(),
            DriveRunError::Prepare(e) => e.is_input_error(),
            DriveRunError::Run(e) => e.is_input_error(),
            DriveRunError::Url { .. } | DriveRunError::NoPageLoads { .. } => true,
        }
    }

    fn is_hang(&self) -> bool {
        matches!(
            self,
            DriveRunError::Replay(ReplayError::Timeout { .. })
                | DriveRunError::Prepare(DriveError::Replay(ReplayError::Timeout { .. }))
                | DriveRunError::Run(RunError::Replay(ReplayError::Timeout { .. }))
        )
    }

    fn is_crash(&self) -> bool {
        matches!(
            self,
            DriveRunError::Replay(ReplayError::Crashed { .. })
                | DriveRunError::Prepare(DriveError::Replay(ReplayError::Crashed { .. }))
                | DriveRunError::Run(RunError::Replay(ReplayError::Crashed { .. }))
        )
    }
}

/// The build under test does not answer.
#[derive(Debug, thiserror::Error)]
#[error("the build under test at {origin} is unreachable: {why}")]
pub struct Unreachable {
    pub origin: String,
    pub why: String,
}

impl Classified for Unreachable {
    fn class(&self) -> ErrorClass {
        ErrorClass::Infra
    }
}

/// The recorded page loads (Meta hrefs) of every window.
pub fn page_urls(recording: &Recording) -> Vec<String> {
    recording
        .windows
        .iter()
        .flat_map(|w| w.events.iter())
        .filter(|e| e.kind == EventType::Meta)
        .filter_map(|e| match e.facts() {
            EventFacts::Meta { href: Some(h), .. } => Some(h),
            _ => None,
        })
        .collect()
}

/// Checks what can be checked without a browser: the `--url` mapping fits, and there are page
/// loads to start from.
pub fn check(recording: &Recording, urls: &[UrlSpec]) -> Result<UrlMap, DriveRunError> {
    let pages = page_urls(recording);
    if pages.is_empty() {
        return Err(DriveRunError::NoPageLoads {
            recording: recording.source.clone(),
        });
    }
    UrlMap::resolve(urls, &pages).map_err(|error| DriveRunError::Url {
        recording: recording.source.clone(),
        error,
    })
}

/// Checks every input before a browser starts: a recording the `--url` values do not fit (or
/// without page loads) becomes an input-error entry; when no input is left to drive, the error
/// names each one.
pub fn check_inputs(inputs: Vec<Input>, urls: &[UrlSpec]) -> Result<Vec<Input>, InputsError> {
    if urls.is_empty() {
        return Err(InputsError::NothingReadable(vec![
            UrlMapError::Missing.to_string(),
        ]));
    }
    let inputs: Vec<Input> = inputs
        .into_iter()
        .map(|i| match i {
            Input::Ready {
                recording,
                linked_at,
            } => match check(&recording, urls) {
                Ok(_) => Input::Ready {
                    recording,
                    linked_at,
                },
                Err(e) => Input::Unreadable {
                    source: recording.source.clone(),
                    error: e.to_string(),
                    input_error: true,
                },
            },
            other => other,
        })
        .collect();
    crate::run::inputs::some_readable(&inputs)?;
    Ok(inputs)
}

/// Fails when a build under test does not accept connections (within 10 s).
pub async fn reachable(urls: &[UrlSpec]) -> Result<(), Unreachable> {
    let mut origins: Vec<&str> = urls.iter().map(|u| u.to.as_str()).collect();
    origins.sort();
    origins.dedup();
    for origin in origins {
        let fail = |why: String| Unreachable {
            origin: origin.to_string(),
            why,
        };
        let url = url::Url::parse(origin).map_err(|e| fail(e.to_string()))?;
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_string();
        let port = url.port_or_known_default().unwrap_or(80);
        let connect = tokio::net::TcpStream::connect((host.as_str(), port));
        match tokio::time::timeout(Duration::from_secs(10), connect).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(fail(e.to_string())),
            Err(_) => return Err(fail("no answer within 10 s".into())),
        }
    }
    Ok(())
}

/// Drives `inputs` (checked with [`check_inputs`]) in browsers started (or attached to) as
/// `browser` says, at most `jobs` recordings at once, `on_done` seeing each as it finishes, and
/// returns the report; `started` is when the command started. As `run::run`: the report folder
/// cleared first, a crashed or hung browser replaced and the recording retried once, Ctrl-C /
/// SIGTERM ending the drive early with a partial report.
pub async fn run(
    inputs: Vec<Input>,
    opts: &DriveOptions,
    browser: &BrowserOptions,
    settings: ReportSettings,
    started: Instant,
    observer: &dyn run::Observer,
) -> Result<Finished, StartError> {
    run::in_browsers(
        inputs,
        &opts.run.judging,
        browser,
        settings,
        started,
        async |pool, inputs, sink| drive_all(pool, inputs, opts, sink, observer).await,
    )
    .await
}

async fn drive_all(
    pool: &BrowserPool,
    inputs: Vec<Input>,
    opts: &DriveOptions,
    finished: DoneSoFar,
    observer: &dyn run::Observer,
) {
    let planned = |input: &Input| match input {
        Input::Ready { recording, .. } => recording
            .windows
            .iter()
            .map(|w| plan::plan(w, &opts.run.plan).len())
            .sum(),
        Input::Unreadable { .. } => 0,
    };
    let checkpoints: Vec<usize> = inputs.iter().map(planned).collect();
    observer.planned(inputs.len(), checkpoints.iter().sum());
    let mut stream = futures::stream::iter(inputs.into_iter().enumerate())
        .map(|(i, input)| async move {
            let done = run::on_a_browser(
                pool,
                i,
                input,
                &opts.run.judging,
                async |session: &BrowserSession, recording: &Recording| {
                    drive_recording(session, recording, opts).await
                },
            )
            .await;
            (i, done)
        })
        .buffer_unordered(opts.run.jobs.max(1));
    while let Some((i, done)) = stream.next().await {
        observer.done(&done.report, checkpoints[i]);
        if let Ok(mut f) = finished.lock() {
            f.insert(i, done);
        }
    }
}

/// The windows in the order the recording opens them.
fn windows_in_order(recording: &Recording) -> Vec<&WindowStream> {
    let mut windows: Vec<&WindowStream> = recording.windows.iter().collect();
    windows.sort_by_key(|w| w.start_ms());
    windows
}

async fn drive_recording(
    session: &BrowserSession,
    recording: &Recording,
    opts: &DriveOptions,
) -> Result<RecordingReport, DriveRunError> {
    let map = Arc::new(check(recording, &opts.urls)?);
    let windows = windows_in_order(recording);
    let replay_opts = &opts.run.replay;
    let plans: Vec<Vec<Checkpoint>> = windows
        .iter()
        .map(|w| plan::plan(w, &opts.run.plan))
        .collect();
    let started = Instant::now();
    // The steps as extracted: enough to open the tabs, load the first page and order the drive;
    // each step with a target is performed once located.
    let unlocated: Vec<WindowDrive> = windows
        .iter()
        .zip(plans)
        .map(|(w, plan)| WindowDrive {
            window: w,
            steps: steps::extract(w),
            plan,
        })
        .collect();
    let ahead: Vec<(&WindowStream, &[Step])> = unlocated
        .iter()
        .map(|d| (d.window, d.steps.as_slice()))
        .collect();
    let (feeds, arriving): (Vec<_>, Vec<_>) = windows
        .iter()
        .map(|_| tokio::sync::mpsc::unbounded_channel::<locate::Located>())
        .unzip();
    // One replay per window locates the steps (ahead of the drive, which performs each as it
    // arrives) and paints the recorded frames.
    let replays = futures::future::join_all(unlocated.iter().zip(feeds).map(|(d, feed)| {
        locate_and_record(
            session,
            &recording.id,
            d,
            replay_opts,
            opts.replay_cache.as_ref(),
            feed,
        )
    }));
    // Each screenshot is compared with its baseline as soon as it is taken, on the blocking pool
    // (the live drive waits on the browser more than it uses the cores); what the comparison
    // writes is left to `judge`, once the drive has succeeded.
    let several = recording.windows.len() > 1;
    let contexts: Vec<Arc<Context>> = windows
        .iter()
        .map(|w| {
            let label = several.then(|| w.id.clone());
            Arc::new(Context::new(&recording.id, label, &opts.run.judging))
        })
        .collect();
    let early = std::sync::Mutex::new(Comparisons::new());
    let on_shot = |window: usize, shot: &Shot| {
        let ctx = contexts[window].clone();
        let shot = shot.clone();
        let name = shot.checkpoint.name.clone();
        let task = tokio::task::spawn_blocking(move || ctx.judge(&shot));
        if let Ok(mut e) = early.lock() {
            e.insert((window, name), task);
        }
    };
    let driving = async {
        let live = Live::start(session, &ahead, map.clone(), &opts.live).await?;
        let driven = live
            .drive_while_locating(
                session,
                &unlocated,
                LocatedFeed::new(arriving),
                &on_shot,
                &opts.live,
                &locate::confidence,
            )
            .await;
        tracing::debug!(
            "{}: driven by {} ms",
            recording.id,
            started.elapsed().as_millis()
        );
        driven
    };
    let (replayed, driven) = tokio::join!(replays, driving);
    let (recorded, located): (Vec<_>, Vec<_>) = replayed.into_iter().unzip();
    // A window that could not be located explains a drive that stopped waiting for it.
    located
        .into_iter()
        .collect::<Result<Vec<_>, DriveError>>()?;
    let driven = driven?;
    let early = std::mem::take(&mut *early.lock().unwrap_or_else(|e| e.into_inner()));
    judge(recording, opts, &contexts, driven, recorded, early).await
}

/// Comparisons with the baselines, started as each screenshot was taken, by (window index,
/// checkpoint name).
type Comparisons = HashMap<(usize, String), JoinHandle<Result<Verdict, RunError>>>;

/// One window's replay: its steps located (each handed to `feed` as soon as it is) between the
/// screenshots of its recorded frames, or both read from `cache` when it holds this replay.
/// When the replay stops before every step is located (a screenshot failed), the steps are
/// located in a replay of their own (a step fed twice is taken once); without recorded frames the
/// report shows the driven ones alone. A complete replay is kept in `cache`.
async fn locate_and_record(
    session: &BrowserSession,
    recording_id: &str,
    drive: &WindowDrive<'_>,
    opts: &ReplayOptions,
    cache: Option<&ReplayCache>,
    feed: tokio::sync::mpsc::UnboundedSender<locate::Located>,
) -> (BTreeMap<String, Shot>, Result<Vec<Step>, DriveError>) {
    let keyed = cache.map(|c| {
        let key = c.key(&session.info.product, drive.window, &drive.plan, opts);
        (c, key)
    });
    if let Some((c, key)) = &keyed
        && let Some(kept) = c.load(key, &drive.plan)
    {
        tracing::debug!(
            "{recording_id}: window {}: steps and recorded frames read from {}",
            drive.window.id,
            c.dir().join(key.file_name()).display()
        );
        for l in kept.located {
            let _ = feed.send(l);
        }
        return (kept.frames, Ok(kept.steps));
    }
    let mut located = Vec::new();
    let mut send = |l: locate::Located| {
        if keyed.is_some() {
            located.push(l.clone());
        }
        let _ = feed.send(l);
    };
    let mut locating = locate::Locating::new(drive.window, drive.steps.clone(), opts, &mut send);
    let shots = replay::capture_window_visiting(
        session,
        recording_id,
        drive.window,
        &drive.plan,
        opts,
        &mut locating,
    )
    .await
    .map(|c| c.shots)
    .unwrap_or_else(|e| {
        tracing::warn!(
            "{recording_id}: window {}: no recorded frames: {e}",
            drive.window.id
        );
        Vec::new()
    });
    let frames: BTreeMap<String, Shot> = shots
        .into_iter()
        .map(|s| (s.checkpoint.name.clone(), s))
        .collect();
    // Nothing more due: every step located, or locating itself failed (its error stands).
    if locating.next_at().is_none() {
        let steps = locating.finish();
        if let (Some((c, key)), Ok(steps)) = (&keyed, &steps)
            && frames.len() == drive.plan.len()
        {
            let entry = replay_cache::Entry {
                located,
                steps: steps.clone(),
                frames,
            };
            c.store(key, &entry);
            return (entry.frames, Ok(entry.steps));
        }
        (frames, steps)
    } else {
        drop(locating);
        let mut steps = drive.steps.clone();
        let steps =
            locate::locate_steps_feeding(session, drive.window, &mut steps, opts, &mut send)
                .await
                .map(|()| steps);
        (frames, steps)
    }
}

/// Verdicts for every checkpoint, the console and the steps.
async fn judge(
    recording: &Recording,
    opts: &DriveOptions,
    contexts: &[Arc<Context>],
    driven: LiveResult,
    mut recorded: Vec<BTreeMap<String, Shot>>,
    mut early: Comparisons,
) -> Result<RecordingReport, DriveRunError> {
    let judging = &opts.run.judging;
    let mut checkpoints = Vec::new();
    let mut console_errors = Vec::new();
    for (w, live) in driven.windows.iter().enumerate() {
        let ctx = contexts[w].clone();
        let label = ctx.window().map(str::to_string);
        for c in &live.console {
            console_errors.push(ConsoleError {
                window: live.window.clone(),
                source: ConsoleSource::Live,
                t_ms: c.t_ms,
                message: c.message.clone(),
            });
        }
        let mut by_name: BTreeMap<String, CheckpointReport> = BTreeMap::new();
        // Every shot settled (its comparison started while driving) and written at once, on the
        // blocking pool (every core).
        let join_failed =
            |e: tokio::task::JoinError| RunError::Output(format!("comparison task failed: {e}"));
        let judged = live.shots.iter().cloned().map(|shot| {
            let ctx = ctx.clone();
            let recorded_frame = recorded
                .get_mut(w)
                .and_then(|r| r.remove(&shot.checkpoint.name));
            let comparing = early
                .remove(&(w, shot.checkpoint.name.clone()))
                .unwrap_or_else(|| {
                    let (ctx, shot) = (ctx.clone(), shot.clone());
                    tokio::task::spawn_blocking(move || ctx.judge(&shot))
                });
            async move {
                let verdict = comparing.await.map_err(join_failed)??;
                tokio::task::spawn_blocking(move || -> Result<CheckpointReport, RunError> {
                    let name = shot.checkpoint.name.clone();
                    let png = shot.png.clone();
                    let mut report = ctx.settle(verdict, shot, None, None)?;
                    if report.actual.is_none() {
                        report.actual = Some(ctx.write_image(Image::Actual, &name, &png)?);
                    }
                    if let Some(frame) = recorded_frame {
                        report.recorded =
                            Some(ctx.write_image(Image::Recorded, &name, &frame.png)?);
                    }
                    Ok(report)
                })
                .await
                .map_err(join_failed)?
            }
        });
        for report in futures::future::join_all(judged).await {
            let report = report?;
            by_name.insert(report.name.clone(), report);
        }
        for (cp, why) in &live.missed {
            by_name.insert(cp.name.clone(), missed(cp, label.clone(), why));
        }
        checkpoints.extend(by_name.into_values());
    }
    let (console, console_unwritable) = judging.console(&recording.id, console_errors)?;
    let step_failed = driven.steps.iter().any(|s| s.status.is_broken());
    let failed = checkpoints.iter().any(|c| c.status.is_failure())
        || (!console.new_errors.is_empty() && !console.accepted)
        || step_failed;
    // An approved-errors file that could not be written is the user's to fix (as in run).
    Ok(RecordingReport {
        id: recording.id.clone(),
        source: recording.source.clone(),
        status: if console_unwritable.is_some() {
            RecordingStatus::Error
        } else if failed {
            RecordingStatus::Fail
        } else {
            RecordingStatus::Pass
        },
        error_kind: console_unwritable
            .as_ref()
            .map(|_| crate::report::ErrorKind::Input),
        error: console_unwritable,
        format: Some(recording.format),
        duration_ms: 0,
        session_duration_ms: recording.duration_ms(),
        checkpoints,
        console,
        blocked_requests: driven.blocked,
        canvas: None,
        posthog: None,
        extras: DriveExtras {
            steps: driven.steps,
            blocked_hosts: driven.blocked_hosts,
            recorded_answers: driven.answered_from_recording,
        }
        .into_extras(),
    })
}

/// A checkpoint the live page could not be captured at.
fn missed(cp: &Checkpoint, window: Option<String>, why: &str) -> CheckpointReport {
    CheckpointReport {
        name: cp.name.clone(),
        window,
        t_ms: cp.t_ms,
        reason: cp.reason,
        viewport: [cp.viewport.0, cp.viewport.1],
        status: CheckpointStatus::Error,
        diff_pixels: None,
        diff_ratio: None,
        actual: None,
        baseline: None,
        diff: None,
        expected: None,
        message: Some(why.to_string()),
        varying_pixels: None,
        varying_regions: None,
        duration_ms: None,
        recorded: None,
        thumbnail: None,
        posthog_url: None,
        extras: Extras::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(rel: &str) -> Recording {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recordings")
            .join(rel);
        crate::recording::load(&path, &Default::default()).unwrap()
    }

    #[test]
    fn a_bare_url_maps_the_origin_of_the_page_loads() {
        let rec = load("todomvc-backbone/rrweb-events.json");
        let spec: UrlSpec = "http://127.0.0.1:5000".parse().unwrap();
        let map = check(&rec, &[spec]).unwrap();
        assert_eq!(
            map.pairs(),
            &[(
                "http://127.0.0.1:8700".to_string(),
                "http://127.0.0.1:5000".to_string()
            )]
        );
    }

    #[test]
    fn a_recording_without_page_loads_is_an_input_error() {
        let mut rec = load("todomvc-backbone/rrweb-events.json");
        for w in &mut rec.windows {
            w.events.retain(|e| e.kind != EventType::Meta);
        }
        let spec: UrlSpec = "http://127.0.0.1:5000".parse().unwrap();
        let err = check(&rec, std::slice::from_ref(&spec)).unwrap_err();
        assert!(err.is_input_error());
        assert!(err.to_string().contains("no page loads"), "{err}");
        let e = check_inputs(
            vec![Input::Ready {
                recording: Box::new(rec),
                linked_at: Vec::new(),
            }],
            &[spec],
        )
        .err();
        assert!(e.unwrap().to_string().contains("no page loads"));
        let e = check_inputs(Vec::new(), &[]).err();
        assert!(e.unwrap().to_string().contains("no --url given"));
    }
}
