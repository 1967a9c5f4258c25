//! The runner behind `reel run`: replays each recording, compares every checkpoint with its
//! baseline (recapturing differing ones to tell real changes from flaky ones), diffs the console
//! errors against the approved ones, applies the update policy, and reports per recording.

mod shard;
mod verdict;

pub use shard::Shard;

pub use verdict::{UpdateMode, Variation, Verdict};

use crate::compare::baseline::{ApprovedError, BaselineError, BaselineStore, new_errors};
use crate::compare::{DiffOptions, MaskColor, Rect, Tolerance};
use crate::plan::{self, Checkpoint, PlanOptions};
use crate::recording::{Recording, sanitize_id};
use crate::replay::{self, BrowserPool, BrowserSession, ReplayOptions, Shot};
use crate::report::{
    CheckpointStatus, ConsoleError, ConsoleReport, RecordingReport, RecordingStatus,
};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Everything that shapes a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub baselines: BaselineStore,
    /// The report folder: `report.json`, `junit.xml`, `actual/`, `diff/`.
    pub out: PathBuf,
    pub update: UpdateMode,
    pub diff: DiffOptions,
    pub tolerance: Tolerance,
    pub masks: Vec<Rect>,
    pub mask_color: MaskColor,
    pub plan: PlanOptions,
    pub replay: ReplayOptions,
    /// Parallel replay jobs: 1 replays one recording at a time in one page; above 1, see
    /// [`pages_in_flight`].
    pub jobs: usize,
    /// Capture every checkpoint this many times and report any pixel that varies (>= 1).
    pub repeat: usize,
}

/// A recording to run, or the reason it could not even be read.
pub enum Input {
    Ready(Box<Recording>),
    Unreadable {
        source: String,
        error: String,
        input_error: bool,
    },
}

/// Finished recording reports by input position, shared so that an interrupted run can still
/// report what finished.
pub type Finished = Arc<Mutex<BTreeMap<usize, RecordingReport>>>;

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

/// Runs every input (at most [`pages_in_flight`] at once) and records each report in `finished`
/// as soon as it is done; `on_done` sees each one as it finishes. The longest recordings (by
/// planned checkpoints) start first, and a finished recording's slot is refilled at once, so the
/// run does not end waiting for one long recording started last.
pub async fn run_all(
    pool: &BrowserPool,
    inputs: Vec<Input>,
    opts: &RunOptions,
    finished: Finished,
    on_done: impl Fn(&RecordingReport),
) {
    let in_flight = pages_in_flight(opts.jobs.max(1));
    let mut indexed: Vec<(usize, Input)> = inputs.into_iter().enumerate().collect();
    indexed.sort_by_key(|(i, input)| (std::cmp::Reverse(expected_cost(input, opts)), *i));
    // The position in start order picks the browser, so jobs running together use different ones.
    let mut stream = futures::stream::iter(indexed.into_iter().enumerate())
        .map(|(k, (i, input))| async move { (i, run_one(pool, k, input, opts).await) })
        .buffer_unordered(in_flight);
    while let Some((i, report)) = stream.next().await {
        on_done(&report);
        if let Ok(mut f) = finished.lock() {
            f.insert(i, report);
        }
    }
}

/// A recording's expected replay time, in checkpoint-equivalents (a page and its player load cost
/// about as much as 5 checkpoints).
fn expected_cost(input: &Input, opts: &RunOptions) -> usize {
    match input {
        Input::Ready(r) => r
            .windows
            .iter()
            .map(|w| 5 + plan::plan(w, &opts.plan).len())
            .sum::<usize>()
            .saturating_mul(opts.repeat.max(1)),
        Input::Unreadable { .. } => 0,
    }
}

async fn run_one(pool: &BrowserPool, n: usize, input: Input, opts: &RunOptions) -> RecordingReport {
    let started = Instant::now();
    let recording = match input {
        Input::Ready(r) => r,
        Input::Unreadable {
            source,
            error,
            input_error,
        } => {
            return error_report(
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
    let mut outcome = run_recording(&lease.session, &recording, opts).await;
    // A page or browser that crashed or hangs is replaced and the recording tried once more: in
    // a new page when only the page's renderer died, else in a new browser.
    if let Err(e) = &outcome
        && !e.is_input_error()
    {
        let fault = matches!(e, RunError::Replay(r) if r.is_browser_fault());
        let hung = matches!(e, RunError::Replay(replay::ReplayError::Timeout { .. }));
        let healthy = pool.healthy(&lease).await;
        if fault || !healthy {
            let first = e.to_string();
            let replaced = if healthy && !hung {
                tracing::warn!("{}: {first}; retrying in a new page", recording.id);
                Ok(())
            } else {
                tracing::warn!("{}: {first}; retrying with a new browser", recording.id);
                pool.replace(&lease).await
            };
            outcome = match replaced {
                Ok(()) => {
                    lease = pool.lease(n).await;
                    run_recording(&lease.session, &recording, opts)
                        .await
                        .map_err(|e| {
                            RunError::Output(format!("{e} (after a retry; first attempt: {first})"))
                        })
                }
                Err(e) => Err(RunError::Output(format!(
                    "{first}; the browser could not be restarted: {e}"
                ))),
            };
        }
    }
    if !matches!(&outcome, Ok(r) if r.status == RecordingStatus::Pass) {
        // Keep the events of a failing (or failed) recording for the HTML report's replay.
        let path = opts.out.join(crate::report::replay_file(&recording.id));
        let payload = crate::report::html::replay_payload(&recording);
        if let Err(e) = crate::files::write_atomic(&path, &payload) {
            tracing::warn!("cannot keep the events of {}: {e}", recording.id);
        }
    }
    match outcome {
        Ok(mut report) => {
            report.duration_ms = started.elapsed().as_millis() as u64;
            report
        }
        Err(e) => error_report(
            recording.id.clone(),
            recording.source.clone(),
            Some(recording.format.name().to_string()),
            e.to_string(),
            e.is_input_error(),
            started,
        ),
    }
}

fn error_report(
    id: String,
    source: String,
    format: Option<String>,
    error: String,
    input_error: bool,
    started: Instant,
) -> RecordingReport {
    RecordingReport {
        id,
        source,
        status: RecordingStatus::Error,
        error: Some(error),
        error_kind: Some(
            if input_error {
                "input"
            } else {
                "infrastructure"
            }
            .into(),
        ),
        format,
        duration_ms: started.elapsed().as_millis() as u64,
        session_duration_ms: 0,
        checkpoints: Vec::new(),
        console: ConsoleReport::default(),
        blocked_requests: 0,
    }
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

async fn run_recording(
    session: &BrowserSession,
    recording: &Recording,
    opts: &RunOptions,
) -> Result<RecordingReport, RunError> {
    let several = recording.windows.len() > 1;
    let mut checkpoints = Vec::new();
    let mut console_errors = Vec::new();
    let mut blocked = 0;
    for window in &recording.windows {
        let window_label = several.then(|| window.id.clone());
        let (plan, thinned) = plan::plan_noting(window, &opts.plan);
        if let Some(t) = thinned {
            tracing::warn!("{}: {}", recording.id, t.warning(&window.id));
        }
        let first =
            replay::capture_window(session, &recording.id, window, &plan, &opts.replay).await?;
        blocked += first.blocked_requests;
        for c in first.console.iter().filter(|c| c.level == "error") {
            console_errors.push(ConsoleError {
                window: window.id.clone(),
                source: match c.source {
                    replay::ConsoleSource::Recorded => "recorded".into(),
                    replay::ConsoleSource::Replay => "replay".into(),
                },
                t_ms: c.t_ms,
                message: c.message.clone(),
            });
        }
        let ctx = Arc::new(verdict::Context::new(recording, window_label.clone(), opts));
        let mut variations: BTreeMap<String, Variation> = BTreeMap::new();
        for _ in 1..opts.repeat.max(1) {
            let again =
                replay::capture_window(session, &recording.id, window, &plan, &opts.replay).await?;
            let pairs: Vec<(Shot, Shot)> = first.shots.iter().cloned().zip(again.shots).collect();
            let found = tokio::task::spawn_blocking(move || compare_repeats(pairs))
                .await
                .map_err(|e| RunError::Output(format!("comparison task failed: {e}")))??;
            for (name, v) in found {
                variations.entry(name).or_default().merge(v);
            }
        }
        let verdicts = judge_all(ctx.clone(), first.shots.clone()).await?;

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
        for (verdict, shot) in verdicts.into_iter().zip(first.shots) {
            let again = second.remove(&shot.checkpoint.name);
            let variation = variations.remove(&shot.checkpoint.name);
            let ctx = ctx.clone();
            let report =
                tokio::task::spawn_blocking(move || ctx.settle(verdict, shot, again, variation))
                    .await
                    .map_err(|e| RunError::Output(format!("comparison task failed: {e}")))??;
            checkpoints.push(report);
        }
    }

    let (console, console_unwritable) = judge_console(recording, opts, console_errors)?;
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
        error_kind: error.as_ref().map(|_| "input".to_string()),
        error,
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
        blocked_requests: blocked,
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

/// The console errors against the approved ones (written as the update policy says). The second
/// value says why the approved errors could not be written, when they could not: the console is
/// then judged as if nothing had been written.
fn judge_console(
    recording: &Recording,
    opts: &RunOptions,
    errors: Vec<ConsoleError>,
) -> Result<(ConsoleReport, Option<String>), RunError> {
    let keys: Vec<ApprovedError> = errors
        .iter()
        .map(|e| ApprovedError {
            window: e.window.clone(),
            source: e.source.clone(),
            message: e.message.clone(),
        })
        .collect();
    let approved = opts.baselines.load_console(&recording.id)?;
    let mut unwritable = None;
    let mut save = |keys: &[ApprovedError]| match opts.baselines.save_console(&recording.id, keys) {
        Ok(_) => Ok(true),
        Err(BaselineError::Write { source, .. }) => {
            unwritable = Some(format!(
                "cannot write the approved console errors {}: {source}",
                relative_path(&opts.baselines.console_path(&recording.id), &opts.out)
            ));
            Ok(false)
        }
        Err(e) => Err(RunError::from(e)),
    };
    let (fresh, accepted) = match approved {
        None if opts.update.writes_missing() => {
            if save(&keys)? {
                (Vec::new(), false)
            } else {
                (keys.clone(), false)
            }
        }
        None => (keys.clone(), false),
        Some(approved) => {
            let fresh = new_errors(&keys, &approved);
            let accept = !fresh.is_empty() && opts.update.writes_changed() && save(&keys)?;
            (fresh, accept)
        }
    };
    let new_errors = errors
        .iter()
        .filter(|e| {
            fresh
                .iter()
                .any(|f| f.window == e.window && f.source == e.source && f.message == e.message)
        })
        .cloned()
        .collect();
    Ok((
        ConsoleReport {
            errors,
            new_errors,
            accepted,
        },
        unwritable,
    ))
}

/// `path` relative to `base` (both made absolute first), with `/` separators.
pub fn relative_path(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, base) = (abs(path), abs(base));
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &p[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
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

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/a/b/c.png"), Path::new("/a/r")),
            "../b/c.png"
        );
        assert_eq!(
            relative_path(Path::new("/a/r/x/c.png"), Path::new("/a/r")),
            "x/c.png"
        );
    }
}
