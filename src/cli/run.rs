//! `reel run RECORDING...`: the main command — replay, capture, compare with baselines, report.

use super::browser_args::{BrowserArgs, with_browsers};
use super::replay::PlanArgs;
use crate::compare::baseline::BaselineStore;
use crate::compare::{DiffOptions, MaskColor, Rect, Tolerance};
use crate::exit::{ErrorClass, Failure, Outcome};
use crate::recording::{self, Limits};
use crate::replay::BrowserPool;
use crate::report::{self, RecordingReport, RecordingStatus, RunReport, Settings};
use crate::run::{self, Finished, Input, RunOptions, UpdateMode};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Recording files (any supported format, gzip or not).
    #[arg(required = true)]
    pub recordings: Vec<PathBuf>,
    /// Where approved screenshots and console errors live.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "snapshots",
        env = "REEL_BASELINES"
    )]
    pub baselines: PathBuf,
    /// Report folder: report.json, junit.xml, actual/ and diff/ images.
    #[arg(long, value_name = "DIR", default_value = "reel-report")]
    pub out: PathBuf,
    /// Which baselines to write: `missing` (default; `none` when $CI is set), `changed` (what
    /// `--update` alone means: also accept changed ones), `all`, `none`.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "changed", value_name = "WHICH")]
    pub update: Option<UpdateMode>,
    /// Recordings replayed at once (default: number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Per-pixel colour threshold, 0..1 (pixelmatch semantics).
    #[arg(long, default_value_t = 0.1)]
    pub threshold: f64,
    /// Count anti-aliased pixels as differences too.
    #[arg(long)]
    pub include_aa: bool,
    /// Pass when at most this many pixels differ.
    #[arg(long, value_name = "N")]
    pub max_diff_pixels: Option<u64>,
    /// Pass when at most this fraction (0..1) of pixels differ.
    #[arg(long, value_name = "RATIO")]
    pub max_diff_ratio: Option<f64>,
    /// Rectangle painted over both images before comparing: x,y,w,h (repeatable).
    #[arg(long = "mask", value_name = "X,Y,W,H")]
    pub masks: Vec<Rect>,
    /// CSS selector whose elements are painted over in both images (resolved in the replayed DOM
    /// at each checkpoint; repeatable).
    #[arg(long = "mask-selector", value_name = "CSS")]
    pub mask_selectors: Vec<String>,
    /// Mask colour, #RRGGBB or #RRGGBBAA.
    #[arg(long, value_name = "COLOR", default_value = "#FF00FF")]
    pub mask_color: MaskColor,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

fn on_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

pub async fn run(args: RunArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    if !(0.0..=1.0).contains(&args.threshold) {
        return Err(Failure::input(anyhow::anyhow!(
            "--threshold must be between 0 and 1, got {}",
            args.threshold
        )));
    }
    if let Some(r) = args.max_diff_ratio
        && !(0.0..=1.0).contains(&r)
    {
        return Err(Failure::input(anyhow::anyhow!(
            "--max-diff-ratio must be between 0 and 1, got {r}"
        )));
    }
    let update = args.update.unwrap_or(if on_ci() {
        UpdateMode::None
    } else {
        UpdateMode::Missing
    });
    let mut replay_opts = args.browser.replay_options();
    replay_opts.mask_selectors = args.mask_selectors.clone();
    let opts = RunOptions {
        baselines: BaselineStore::new(&args.baselines),
        out: args.out.clone(),
        update,
        diff: DiffOptions {
            threshold: args.threshold,
            include_aa: args.include_aa,
            ..DiffOptions::default()
        },
        tolerance: Tolerance {
            max_diff_pixels: args.max_diff_pixels,
            max_diff_ratio: args.max_diff_ratio,
        },
        masks: args.masks.clone(),
        mask_color: args.mask_color,
        plan: args.plan.options()?,
        replay: replay_opts,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let browser = args.browser.browser_options()?;

    let inputs = load_inputs(&args.recordings, &args.limits.limits())?;
    // Nothing readable: an input error, reported before a browser is started or --out touched.
    let bad: Vec<&String> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::Unreadable {
                error,
                input_error: true,
                ..
            } => Some(error),
            _ => None,
        })
        .collect();
    if bad.len() == inputs.len()
        && let Some((last, others)) = bad.split_last()
    {
        for e in others {
            eprintln!("error: {e}");
        }
        return Err(Failure::input(anyhow::anyhow!("{last}")));
    }
    let sources: Vec<String> = inputs
        .iter()
        .map(|i| match i {
            Input::Ready(r) => r.source.clone(),
            Input::Unreadable { source, .. } => source.clone(),
        })
        .collect();
    prepare_out_dir(&args.out)?;

    let finished: Finished = Arc::new(Mutex::new(Default::default()));
    let sink = finished.clone();
    let result = with_browsers(&browser, async |pool: &BrowserPool| {
        run::run_all(pool, inputs, &opts, sink, |r| {
            println!("{}", report::terminal::recording_line(r))
        })
        .await;
        Ok(())
    })
    .await;
    let interrupted = match result {
        Ok(()) => false,
        Err(f) if f.class == ErrorClass::Interrupted => true,
        Err(f) => return Err(f),
    };

    let mut done = finished.lock().map(|f| f.clone()).unwrap_or_default();
    let recordings: Vec<RecordingReport> = sources
        .iter()
        .enumerate()
        .map(|(i, source)| {
            done.remove(&i).unwrap_or_else(|| RecordingReport {
                id: recording::sanitize_id(&recording::stem_of_path(source)),
                source: source.clone(),
                status: RecordingStatus::Error,
                error: Some("interrupted before it finished".into()),
                error_kind: Some("infrastructure".into()),
                format: None,
                duration_ms: 0,
                session_duration_ms: 0,
                checkpoints: Vec::new(),
                console: Default::default(),
                blocked_requests: 0,
            })
        })
        .collect();
    let settings = Settings {
        threshold: args.threshold,
        include_aa: args.include_aa,
        max_diff_pixels: args.max_diff_pixels,
        max_diff_ratio: args.max_diff_ratio,
        update: update.as_str().into(),
        baselines: args.baselines.display().to_string(),
    };
    let report = RunReport::new(
        settings,
        recordings,
        !interrupted,
        started.elapsed().as_millis() as u64,
    );
    report::write_reports(&args.out, &report).map_err(|e| {
        Failure::infra(anyhow::anyhow!(
            "writing the report to {}: {e}",
            args.out.display()
        ))
    })?;
    let summary = report::terminal::render(&report, &args.out.display().to_string());
    print!("{}", String::from_utf8_lossy(&summary));
    if interrupted {
        return Err(Failure::interrupted());
    }
    exit_for(&report)
}

/// 3 when any recording hit an infrastructure error, else 2 for input errors, else 1 for
/// regressions, else 0.
fn exit_for(report: &RunReport) -> Result<Outcome, Failure> {
    let errors: Vec<&RecordingReport> = report
        .recordings
        .iter()
        .filter(|r| r.status == RecordingStatus::Error)
        .collect();
    if let Some(e) = errors
        .iter()
        .find(|r| r.error_kind.as_deref() != Some("input"))
    {
        return Err(Failure::infra(anyhow::anyhow!(
            "{}: {}",
            e.source,
            e.error.clone().unwrap_or_default()
        )));
    }
    if let Some(e) = errors.first() {
        return Err(Failure::input(anyhow::anyhow!(
            "{}",
            e.error.clone().unwrap_or_default()
        )));
    }
    Ok(if report.summary.failed > 0 {
        Outcome::Regressions
    } else {
        Outcome::Pass
    })
}

/// Reads every recording; unreadable ones become error entries, duplicate ids stop the run.
fn load_inputs(paths: &[PathBuf], limits: &Limits) -> Result<Vec<Input>, Failure> {
    let mut inputs = Vec::with_capacity(paths.len());
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        match recording::load(path, limits) {
            Ok(rec) => {
                if let Some(other) = seen.insert(rec.id.clone(), rec.source.clone()) {
                    return Err(Failure::input(anyhow::anyhow!(
                        "two recordings have the id {}: {} and {}; give each recording a distinct file name or session",
                        rec.id,
                        other,
                        rec.source
                    )));
                }
                inputs.push(Input::Ready(Box::new(rec)));
            }
            Err(e) => inputs.push(Input::Unreadable {
                source: path.display().to_string(),
                error: e.to_string(),
                input_error: true,
            }),
        }
    }
    Ok(inputs)
}

/// Removes the images of a previous run from a report folder (only when it holds a reel report).
fn prepare_out_dir(out: &std::path::Path) -> Result<(), Failure> {
    if out.join("report.json").is_file() {
        for sub in ["actual", "diff"] {
            let p = out.join(sub);
            if p.is_dir() {
                std::fs::remove_dir_all(&p).map_err(|e| {
                    Failure::input(anyhow::anyhow!("cannot clear {}: {e}", p.display()))
                })?;
            }
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::input(anyhow::anyhow!("cannot create {}: {e}", out.display())))
}
