//! `reel replay RECORDING [--out DIR] [--at ...] [--window ID|all]`: screenshots of every
//! checkpoint plus `capture.json`, one folder per window when there are several.

use super::browser_args::{BrowserArgs, with_browsers};
use crate::exit::{Failure, Outcome};
use crate::plan::{self, Mode, PlanOptions};
use crate::recording::{self, Recording, sanitize_id};
use crate::replay::{self, BrowserPool, ConsoleEntry, ReplayOptions, WindowCapture};
use anyhow::Context;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Recording file (rrweb or PostHog, any supported format, gzip or not).
    pub recording: PathBuf,
    /// Output folder (default: reel-replay/<recording-id>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Which window (tab) to replay: its id, or `all`.
    #[arg(long, value_name = "ID|all", default_value = "all")]
    pub window: String,
    /// Pages replaying segments of the plan side by side (default: number of CPUs; 1 visits
    /// every checkpoint in one page). Screenshots are the same either way.
    #[arg(long, value_name = "N", env = "REEL_JOBS")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

/// Checkpoint selection flags.
#[derive(clap::Args, Debug, Clone)]
pub struct PlanArgs {
    /// Extra checkpoints at these offsets from the window start, e.g. --at 1.5s,12s,500ms.
    #[arg(long, value_delimiter = ',', value_name = "TIME")]
    pub at: Vec<String>,
    /// `auto` (default): derive checkpoints from the recording; `none`: only --at.
    #[arg(long, value_enum)]
    pub checkpoints: Option<Mode>,
    /// Keep at most N automatic checkpoints per window (spread evenly, first and last kept).
    #[arg(long, value_name = "N")]
    pub max_checkpoints: Option<usize>,
    /// How long after a click, resize or page load to look, in ms (cut short by the next action;
    /// default 500).
    #[arg(long, value_name = "MS")]
    pub settle_ms: Option<i64>,
    /// Capture at this viewport (e.g. 1280x800) instead of the recorded one.
    #[arg(long, value_name = "WxH", value_parser = crate::config::parse_viewport)]
    pub viewport: Option<(u32, u32)>,
}

impl PlanArgs {
    pub fn options(&self) -> Result<PlanOptions, Failure> {
        plan_options(
            &self.at,
            self.checkpoints.unwrap_or_default(),
            self.max_checkpoints,
            self.settle_ms.unwrap_or(500),
            self.viewport,
        )
    }
}

/// Checks and converts checkpoint settings (from flags, or from every layer for `reel run`).
pub fn plan_options(
    at: &[String],
    checkpoints: Mode,
    max_checkpoints: Option<usize>,
    settle_ms: i64,
    viewport_override: Option<(u32, u32)>,
) -> Result<PlanOptions, Failure> {
    {
        let at = at
            .iter()
            .map(|t| plan::parse_offset(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::input(anyhow::anyhow!("--at: {e}")))?;
        if checkpoints == Mode::None && at.is_empty() {
            return Err(Failure::input(anyhow::anyhow!(
                "--checkpoints none needs at least one --at time"
            )));
        }
        Ok(PlanOptions {
            mode: checkpoints,
            at,
            max_checkpoints,
            settle_ms: settle_ms.max(0),
            viewport_override,
        })
    }
}

/// `capture.json`: what one window's replay produced.
#[derive(Serialize)]
pub struct CaptureDoc<'a> {
    pub recording: &'a str,
    pub source: &'a str,
    pub window: &'a str,
    pub checkpoints: Vec<CheckpointDoc>,
    pub console: &'a [ConsoleEntry],
    pub blocked_requests: u64,
    pub blocked_urls: &'a [String],
    /// The replay iframe's sandbox: without `allow-scripts`, recorded scripts never run.
    pub replay_sandbox: &'a str,
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct CheckpointDoc {
    pub name: String,
    pub t_ms: i64,
    pub reason: plan::Reason,
    pub viewport: [u32; 2],
    pub file: String,
    pub href: Option<String>,
    pub events_applied: u64,
    pub settled: bool,
}

pub async fn run(args: ReplayArgs) -> Result<Outcome, Failure> {
    let recording = recording::load(&args.recording, &args.limits.limits())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reel-replay").join(&recording.id));
    let plan_opts = args.plan.options()?;
    let browser = args.browser.browser_options()?;
    let mut replay_opts = args.browser.replay_options();
    if let Some(jobs) = args.jobs {
        replay_opts.lanes = jobs.clamp(1, 64);
    }
    let written = replay_into(
        &recording,
        &out,
        &args.window,
        &plan_opts,
        &browser,
        &replay_opts,
    )
    .await?;
    print_summary(&recording, &out, &written);
    Ok(Outcome::Pass)
}

/// One window's results, for summaries.
pub struct WrittenWindow {
    pub window: String,
    pub dir: PathBuf,
    pub capture: WindowCapture,
}

/// Replays the selected windows of `recording` and writes their screenshots and `capture.json`
/// under `out` — only once every window has been captured, so a failed run writes nothing.
pub async fn replay_into(
    recording: &Recording,
    out: &Path,
    which: &str,
    plan_opts: &PlanOptions,
    browser: &replay::BrowserOptions,
    replay_opts: &ReplayOptions,
) -> Result<Vec<WrittenWindow>, Failure> {
    let windows: Vec<_> = recording
        .windows
        .iter()
        .filter(|w| which == "all" || w.id == which)
        .collect();
    if windows.is_empty() {
        let ids: Vec<_> = recording.windows.iter().map(|w| w.id.as_str()).collect();
        return Err(Failure::input(anyhow::anyhow!(
            "{}: no window {which:?} (windows: {})",
            recording.source,
            ids.join(", ")
        )));
    }
    for w in &windows {
        if !w.has_full_snapshot() {
            return Err(replay::ReplayError::NoFullSnapshot {
                recording: recording.source.clone(),
                window: w.id.clone(),
            }
            .into());
        }
    }
    let several = recording.windows.len() > 1;
    let captures = with_browsers(browser, async |pool: &BrowserPool| {
        let session = pool.lease(0).await.session;
        let mut captures = Vec::new();
        for w in &windows {
            let (plan, thinned) = plan::plan_noting(w, plan_opts);
            if let Some(t) = thinned {
                tracing::warn!("{}: {}", recording.id, t.warning(&w.id));
            }
            let capture = replay::capture_window(&session, &recording.id, w, &plan, replay_opts)
                .await
                .map_err(Failure::from)?;
            captures.push(capture);
        }
        Ok(captures)
    })
    .await?;

    let mut written = Vec::new();
    for capture in captures {
        let dir = if several {
            out.join(sanitize_id(&capture.window))
        } else {
            out.to_path_buf()
        };
        write_capture(recording, &dir, &capture)?;
        written.push(WrittenWindow {
            window: capture.window.clone(),
            dir,
            capture,
        });
    }
    Ok(written)
}

fn write_capture(
    recording: &Recording,
    dir: &Path,
    capture: &WindowCapture,
) -> Result<(), Failure> {
    let mut checkpoints = Vec::new();
    for shot in &capture.shots {
        let file = format!("{}.png", shot.checkpoint.name);
        crate::files::write_atomic(&dir.join(&file), &shot.png)
            .with_context(|| format!("writing {}", dir.join(&file).display()))
            .map_err(Failure::input)?;
        checkpoints.push(CheckpointDoc {
            name: shot.checkpoint.name.clone(),
            t_ms: shot.checkpoint.t_ms,
            reason: shot.checkpoint.reason,
            viewport: [shot.checkpoint.viewport.0, shot.checkpoint.viewport.1],
            file,
            href: shot.href.clone(),
            events_applied: shot.events_applied,
            settled: shot.settled,
        });
    }
    let mut warnings = recording.warnings.clone();
    warnings.extend(capture.warnings.iter().cloned());
    let doc = CaptureDoc {
        recording: &recording.id,
        source: &recording.source,
        window: &capture.window,
        checkpoints,
        console: &capture.console,
        blocked_requests: capture.blocked_requests,
        blocked_urls: &capture.blocked_urls,
        replay_sandbox: &capture.sandbox,
        warnings,
    };
    let mut json = serde_json::to_vec_pretty(&doc).map_err(Failure::infra)?;
    json.push(b'\n');
    let path = dir.join("capture.json");
    crate::files::write_atomic(&path, &json)
        .with_context(|| format!("writing {}", path.display()))
        .map_err(Failure::input)?;
    Ok(())
}

pub fn print_summary(recording: &Recording, out: &Path, written: &[WrittenWindow]) {
    println!(
        "{} ({}, {} events) → {}",
        recording.id,
        recording.format.name(),
        recording.event_count(),
        out.display()
    );
    for w in written {
        let errors = w
            .capture
            .console
            .iter()
            .filter(|c| c.level == "error")
            .count();
        println!(
            "  window {}: {} checkpoints, {} console errors, {} blocked requests → {}",
            crate::printable::printable(&w.window),
            w.capture.shots.len(),
            errors,
            w.capture.blocked_requests,
            w.dir.display()
        );
    }
}
