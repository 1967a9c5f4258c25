//! `reel drive RECORDING... --url [FROM=]TO`: re-perform the recordings' user actions against a
//! running build, compare its screenshots and console errors with the baselines, report. The work
//! is in [`crate::drive`]; this file parses, checks and prints.

use super::browser_args::{BrowserArgs, with_browsers};
use super::replay::{PlanArgs, plan_options};
use super::run::{exit_for, input_id, load_inputs, on_ci, prepare_out_dir};
use crate::compare::baseline::BaselineStore;
use crate::compare::{DiffOptions, MaskColor, Rect, Tolerance};
use crate::config::{Config, Layer, Resolved};
use crate::drive::live::LiveOptions;
use crate::drive::runner::{self, DriveOptions};
use crate::drive::url_map::UrlSpec;
use crate::exit::{ErrorClass, Failure, Outcome};
use crate::recording;
use crate::replay::BrowserPool;
use crate::report::{self, RecordingReport, RecordingStatus, RunReport, Settings};
use crate::run::{Finished, Input, RunOptions, Shard, UpdateMode};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct DriveArgs {
    /// Recording files (any supported format, gzip or not).
    #[arg(required = true)]
    pub recordings: Vec<PathBuf>,
    /// The build under test: `TO` maps the origin of the recordings' page loads to it, `FROM=TO`
    /// maps the recorded origin FROM (repeat for several origins). Path, query and hash are kept.
    #[arg(long = "url", value_name = "[FROM=]TO", required = true)]
    pub urls: Vec<String>,
    /// Settings file (default: ./reel.toml when it exists).
    #[arg(long, value_name = "PATH", env = "REEL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where approved screenshots and console errors live (default `snapshots`; $REEL_BASELINES).
    #[arg(long, value_name = "DIR")]
    pub baselines: Option<PathBuf>,
    /// Report folder (default `reel-report`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Which baselines to write: `missing` (default; `none` when $CI is set), `changed`, `all`,
    /// `none`.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "changed", value_name = "WHICH")]
    pub update: Option<UpdateMode>,
    /// Recordings driven at once (default: number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Per-pixel colour threshold, 0..1 (pixelmatch semantics; default 0.1).
    #[arg(long)]
    pub threshold: Option<f64>,
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
    /// CSS selector whose elements are painted over (resolved on the live page at each
    /// checkpoint; repeatable).
    #[arg(long = "mask-selector", value_name = "CSS")]
    pub mask_selectors: Vec<String>,
    /// Mask colour, #RRGGBB or #RRGGBBAA (default #FF00FF).
    #[arg(long, value_name = "COLOR")]
    pub mask_color: Option<MaskColor>,
    /// Run only shard I of N (1-based, e.g. 2/4).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// No progress and no line per recording: only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Put PREFIX before the image paths of junit.xml's [[ATTACHMENT|…]] lines.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub junit_prefix: String,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

impl DriveArgs {
    fn layer(&self) -> Layer {
        let some_vec = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        Layer {
            baselines: self.baselines.clone(),
            out: self.out.clone(),
            cache: None,
            jobs: self.jobs,
            update: self.update,
            threshold: self.threshold,
            include_aa: self.include_aa.then_some(true),
            max_diff_pixels: self.max_diff_pixels,
            max_diff_ratio: self.max_diff_ratio,
            masks: (!self.masks.is_empty()).then(|| self.masks.clone()),
            mask_selectors: some_vec(&self.mask_selectors),
            mask_color: self.mask_color,
            at: some_vec(&self.plan.at),
            checkpoints: self.plan.checkpoints,
            max_checkpoints: self.plan.max_checkpoints,
            settle_ms: self.plan.settle_ms,
            viewport: self.plan.viewport,
        }
    }
}

/// Fails with one line when the build does not accept connections at `origin`.
async fn reachable(origin: &str) -> Result<(), Failure> {
    let url = url::Url::parse(origin).map_err(|e| Failure::input(anyhow::anyhow!("{e}")))?;
    let host = url.host_str().unwrap_or("").to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let connect = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port));
    match tokio::time::timeout(Duration::from_secs(10), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(Failure::infra(anyhow::anyhow!(
            "the build under test at {origin} is unreachable: {e}"
        ))),
        Err(_) => Err(Failure::infra(anyhow::anyhow!(
            "the build under test at {origin} is unreachable: no answer within 10 s"
        ))),
    }
}

pub async fn run(args: DriveArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let input = |e: String| Failure::input(anyhow::anyhow!(e));
    let config = Config::load(args.config.as_deref()).map_err(input)?;
    let env = Layer::from_env(|name| std::env::var(name).ok()).map_err(input)?;
    let settings =
        Resolved::from_layer(args.layer().over(env).over(config.layer.clone())).map_err(input)?;
    let update = settings.update.unwrap_or(if on_ci() {
        UpdateMode::None
    } else {
        UpdateMode::Missing
    });
    let mut replay_opts = args.browser.replay_options();
    replay_opts.mask_selectors = settings.mask_selectors.clone();
    let plan = plan_options(
        &settings.at,
        settings.checkpoints,
        settings.max_checkpoints,
        settings.settle_ms,
        settings.viewport,
    )?;
    let browser = args.browser.browser_options()?;
    let urls = args
        .urls
        .iter()
        .map(|u| u.parse::<UrlSpec>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::input)?;
    let opts = DriveOptions {
        run: RunOptions {
            baselines: BaselineStore::new(&settings.baselines),
            out: settings.out.clone(),
            update,
            diff: DiffOptions {
                threshold: settings.threshold,
                include_aa: settings.include_aa,
                ..DiffOptions::default()
            },
            tolerance: Tolerance {
                max_diff_pixels: settings.max_diff_pixels,
                max_diff_ratio: settings.max_diff_ratio,
            },
            masks: settings.masks.clone(),
            mask_color: settings.mask_color,
            plan,
            replay: replay_opts.clone(),
            jobs: settings
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            repeat: 1,
        },
        urls,
        live: LiveOptions {
            timeout: browser.timeout,
            settle_budget: replay_opts.settle_budget,
            mask_selectors: settings.mask_selectors.clone(),
            viewport_override: settings.viewport,
            ..LiveOptions::default()
        },
    };

    let mut inputs = load_inputs(&args.recordings, &args.limits.limits())?;
    if let Some(shard) = args.shard {
        inputs.retain(|i| shard.contains(&input_id(i)));
    }
    // What is wrong with a recording before any browser runs: unreadable, no page loads, a
    // --url that does not fit it.
    let inputs: Vec<Input> = inputs
        .into_iter()
        .map(|i| match i {
            Input::Ready(r) => match runner::check(&r, &opts.urls) {
                Ok(_) => Input::Ready(r),
                Err(e) => Input::Unreadable {
                    source: r.source.clone(),
                    error: e.to_string(),
                    input_error: true,
                },
            },
            other => other,
        })
        .collect();
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
    let mut origins: Vec<&str> = opts.urls.iter().map(|u| u.to.as_str()).collect();
    origins.sort();
    origins.dedup();
    for origin in origins {
        reachable(origin).await?;
    }

    let sources: Vec<String> = inputs
        .iter()
        .map(|i| match i {
            Input::Ready(r) => r.source.clone(),
            Input::Unreadable { source, .. } => source.clone(),
        })
        .collect();
    prepare_out_dir(&settings.out)?;
    let finished: Finished = Arc::new(Mutex::new(Default::default()));
    let sink = finished.clone();
    let progress = report::terminal::Progress::new(inputs.len(), args.quiet);
    let result = with_browsers(&browser, async |pool: &BrowserPool| {
        runner::drive_all(pool, inputs, &opts, sink, |r| progress.done(r)).await;
        Ok(())
    })
    .await;
    progress.finish();
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
                steps: Vec::new(),
                blocked_hosts: Vec::new(),
                recorded_answers: 0,
            })
        })
        .collect();
    let report = RunReport::new(
        Settings {
            threshold: settings.threshold,
            include_aa: settings.include_aa,
            max_diff_pixels: settings.max_diff_pixels,
            max_diff_ratio: settings.max_diff_ratio,
            update: update.as_str().into(),
            baselines: settings.baselines.display().to_string(),
        },
        recordings,
        !interrupted,
        started.elapsed().as_millis() as u64,
    );
    report::write_reports_with(&settings.out, &report, &args.junit_prefix).map_err(|e| {
        Failure::infra(anyhow::anyhow!(
            "writing the report to {}: {e}",
            settings.out.display()
        ))
    })?;
    let summary = report::terminal::render(&report, &settings.out.display().to_string());
    print!("{}", String::from_utf8_lossy(&summary));
    if interrupted {
        return Err(Failure::interrupted());
    }
    exit_for(&report)
}
