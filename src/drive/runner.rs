//! The runner behind `reel drive`: for each recording, its steps and checkpoints per window, the
//! live drive against the build (see [`super::live`]) and, alongside on another page, the replay
//! of the recording for the recorded frame at each checkpoint; then the verdicts of `reel run`
//! (same baselines, update policy and statuses), the live console errors against the approved
//! ones, and every step's outcome. A step that no longer resolves, or fails, fails the recording.

use super::live::{self, LiveOptions, LiveResult, WindowDrive};
use super::url_map::{UrlMap, UrlMapError, UrlSpec};
use super::{DriveError, StepStatus, locate, steps};
use crate::plan::{self, Checkpoint};
use crate::recording::{EventFacts, EventType, Recording, WindowStream, sanitize_id};
use crate::replay::{self, BrowserPool, BrowserSession, ReplayError, ReplayOptions, Shot};
use crate::report::{
    CheckpointReport, CheckpointStatus, ConsoleError, RecordingReport, RecordingStatus,
};
use crate::run::{self, Context, Finished, Input, RunError, RunOptions};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Everything that shapes a drive.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// Baselines, report folder, update policy, comparison, masks, planning, jobs: as `run`.
    pub run: RunOptions,
    /// `--url` values.
    pub urls: Vec<UrlSpec>,
    pub live: LiveOptions,
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

impl DriveRunError {
    pub fn is_input_error(&self) -> bool {
        match self {
            DriveRunError::Replay(e) => e.is_input_error(),
            DriveRunError::Prepare(e) => e.is_input_error(),
            DriveRunError::Run(e) => e.is_input_error(),
            DriveRunError::Url { .. } | DriveRunError::NoPageLoads { .. } => true,
        }
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

/// Drives every input (at most `--jobs` at once), recording each report in `finished` as soon as
/// it is done; `on_done` sees each one as it finishes.
pub async fn drive_all(
    pool: &BrowserPool,
    inputs: Vec<Input>,
    opts: &DriveOptions,
    finished: Finished,
    on_done: impl Fn(&RecordingReport),
) {
    let mut stream = futures::stream::iter(inputs.into_iter().enumerate())
        .map(|(i, input)| async move { (i, drive_one(pool, i, input, opts).await) })
        .buffer_unordered(opts.run.jobs.max(1));
    while let Some((i, report)) = stream.next().await {
        on_done(&report);
        if let Ok(mut f) = finished.lock() {
            f.insert(i, report);
        }
    }
}

async fn drive_one(
    pool: &BrowserPool,
    n: usize,
    input: Input,
    opts: &DriveOptions,
) -> RecordingReport {
    let started = Instant::now();
    let recording = match input {
        Input::Ready(r) => r,
        Input::Unreadable {
            source,
            error,
            input_error,
        } => {
            return run::error_report(
                sanitize_id(&crate::recording::stem_of_path(&source)),
                source,
                None,
                error,
                input_error,
                started,
            );
        }
    };
    let mut lease = pool.lease(n).await;
    let mut outcome = drive_recording(&lease.session, &recording, opts).await;
    // A browser that crashed or hangs is replaced and the recording driven once more.
    if let Err(e) = &outcome
        && !e.is_input_error()
    {
        let hung = matches!(
            e,
            DriveRunError::Replay(ReplayError::Timeout { .. })
                | DriveRunError::Prepare(DriveError::Replay(ReplayError::Timeout { .. }))
        );
        if hung || !pool.healthy(&lease).await {
            let first = e.to_string();
            tracing::warn!("{}: {first}; retrying with a new browser", recording.id);
            outcome = match pool.replace(&lease).await {
                Ok(()) => {
                    lease = pool.lease(n).await;
                    drive_recording(&lease.session, &recording, opts)
                        .await
                        .map_err(|e| {
                            DriveRunError::Run(RunError::Output(format!(
                                "{e} (after a retry; first attempt: {first})"
                            )))
                        })
                }
                Err(e) => Err(DriveRunError::Run(RunError::Output(format!(
                    "{first}; the browser could not be restarted: {e}"
                )))),
            };
        }
    }
    match outcome {
        Ok(mut report) => {
            report.duration_ms = started.elapsed().as_millis() as u64;
            report
        }
        Err(e) => run::error_report(
            recording.id.clone(),
            recording.source.clone(),
            Some(recording.format.name().to_string()),
            e.to_string(),
            e.is_input_error(),
            started,
        ),
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
    let replay_opts = ReplayOptions {
        lanes: 1,
        ..opts.run.replay.clone()
    };
    let plans: Vec<Vec<Checkpoint>> = windows
        .iter()
        .map(|w| plan::plan(w, &opts.run.plan))
        .collect();
    // The recorded frames need no steps: their replay runs beside locating and driving.
    let recorded = async {
        let mut frames: Vec<BTreeMap<String, Shot>> = Vec::new();
        for (w, plan) in windows.iter().zip(&plans) {
            let shots = match replay::capture_window(session, &recording.id, w, plan, &replay_opts)
                .await
            {
                Ok(c) => c.shots,
                Err(e) => {
                    tracing::warn!("{}: window {}: no recorded frames: {e}", recording.id, w.id);
                    Vec::new()
                }
            };
            frames.push(
                shots
                    .into_iter()
                    .map(|s| (s.checkpoint.name.clone(), s))
                    .collect(),
            );
        }
        frames
    };
    let work = async {
        let located = futures::future::join_all(windows.iter().map(|w| async {
            let mut steps = steps::extract(w);
            locate::locate_steps(session, w, &mut steps, &replay_opts)
                .await
                .map(|()| steps)
        }))
        .await;
        let mut drives: Vec<WindowDrive> = Vec::with_capacity(windows.len());
        for ((w, steps), plan) in windows.iter().zip(located).zip(plans.iter().cloned()) {
            drives.push(WindowDrive {
                window: w,
                steps: steps?,
                plan,
            });
        }
        let driven = live::drive(session, &drives, map, &opts.live, &locate::confidence).await?;
        Ok::<_, DriveRunError>((drives, driven))
    };
    let (work, recorded) = tokio::join!(work, recorded);
    let (drives, driven) = work?;
    judge(recording, opts, &drives, driven, recorded).await
}

/// Verdicts for every checkpoint, the console and the steps.
async fn judge(
    recording: &Recording,
    opts: &DriveOptions,
    drives: &[WindowDrive<'_>],
    driven: LiveResult,
    mut recorded: Vec<BTreeMap<String, Shot>>,
) -> Result<RecordingReport, DriveRunError> {
    let several = recording.windows.len() > 1;
    let mut checkpoints = Vec::new();
    let mut console_errors = Vec::new();
    for (w, (drive, live)) in drives.iter().zip(&driven.windows).enumerate() {
        let label = several.then(|| drive.window.id.clone());
        let ctx = Arc::new(Context::new(recording, label.clone(), &opts.run));
        for c in &live.console {
            console_errors.push(ConsoleError {
                window: live.window.clone(),
                source: "live".into(),
                t_ms: c.t_ms,
                message: c.message.clone(),
            });
        }
        let mut by_name: BTreeMap<String, CheckpointReport> = BTreeMap::new();
        for shot in live.shots.clone() {
            let ctx = ctx.clone();
            let recorded_frame = recorded
                .get_mut(w)
                .and_then(|r| r.remove(&shot.checkpoint.name));
            let report =
                tokio::task::spawn_blocking(move || -> Result<CheckpointReport, RunError> {
                    let verdict = ctx.judge(&shot)?;
                    let mut report = ctx.settle(verdict, shot.clone(), None, None)?;
                    if report.actual.is_none() {
                        report.actual = Some(ctx.write_actual(&shot)?);
                    }
                    if let Some(frame) = recorded_frame {
                        report.recorded = Some(ctx.write_beside(
                            "recorded",
                            &shot.checkpoint.name,
                            &frame.png,
                        )?);
                    }
                    Ok(report)
                })
                .await
                .map_err(|e| RunError::Output(format!("comparison task failed: {e}")))??;
            by_name.insert(report.name.clone(), report);
        }
        for (cp, why) in &live.missed {
            by_name.insert(cp.name.clone(), missed(cp, label.clone(), why));
        }
        checkpoints.extend(by_name.into_values());
    }
    let console = run::judge_console(recording, &opts.run, console_errors)?;
    let step_failed = driven
        .steps
        .iter()
        .any(|s| matches!(s.status, StepStatus::Unresolved | StepStatus::Failed));
    let failed = checkpoints.iter().any(|c| c.status.is_failure())
        || (!console.new_errors.is_empty() && !console.accepted)
        || step_failed;
    Ok(RecordingReport {
        id: recording.id.clone(),
        source: recording.source.clone(),
        status: if failed {
            RecordingStatus::Fail
        } else {
            RecordingStatus::Pass
        },
        error: None,
        error_kind: None,
        format: Some(recording.format.name().to_string()),
        duration_ms: 0,
        session_duration_ms: recording
            .windows
            .iter()
            .map(|w| w.duration_ms())
            .max()
            .unwrap_or(0),
        checkpoints,
        console,
        blocked_requests: driven.blocked,
        steps: driven.steps,
        blocked_hosts: driven.blocked_hosts,
        recorded_answers: driven.answered_from_recording,
    })
}

fn missed(cp: &Checkpoint, window: Option<String>, why: &str) -> CheckpointReport {
    CheckpointReport {
        name: cp.name.clone(),
        window,
        t_ms: cp.t_ms,
        reason: cp.reason.as_str().to_string(),
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
        recorded: None,
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
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recordings/todomvc-backbone/rrweb-events.json");
        let mut rec = crate::recording::load(&path, &Default::default()).unwrap();
        for w in &mut rec.windows {
            w.events.retain(|e| e.kind != EventType::Meta);
        }
        let spec: UrlSpec = "http://127.0.0.1:5000".parse().unwrap();
        let err = check(&rec, &[spec]).unwrap_err();
        assert!(err.is_input_error());
        assert!(err.to_string().contains("no page loads"), "{err}");
    }
}
