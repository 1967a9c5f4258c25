//! `reel run [RECORDING...]`: the main command — replay, capture, compare with baselines, report;
//! without RECORDING arguments, the `[[sources]]` of `reel.toml` (see [`crate::config`]).

use super::browser_args::{BrowserArgs, with_browsers};
use super::fetch;
use super::replay::{PlanArgs, plan_options};
use crate::compare::baseline::BaselineStore;
use crate::compare::{DiffOptions, MaskColor, Rect, Tolerance};
use crate::config::{self, Config, Layer, Resolved, Source};
use crate::exit::{ErrorClass, Failure, Outcome};
use crate::recording::{self, Limits};
use crate::replay::BrowserPool;
use crate::report::{self, RecordingReport, RecordingStatus, RunReport, Settings};
use crate::run::{self, Finished, Input, RunOptions, Shard, UpdateMode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Recording files (any supported format, gzip or not). None: the `[[sources]]` of reel.toml.
    pub recordings: Vec<PathBuf>,
    /// Settings file (default: ./reel.toml when it exists). Settings layer as: defaults <
    /// reel.toml < REEL_* environment variables < flags.
    #[arg(long, value_name = "PATH", env = "REEL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where approved screenshots and console errors live (default `snapshots`; $REEL_BASELINES).
    #[arg(long, value_name = "DIR")]
    pub baselines: Option<PathBuf>,
    /// Report folder: report.json, junit.xml, actual/ and diff/ images (default `reel-report`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Where recordings of reel.toml's PostHog and object-store sources are fetched to (default
    /// `.reel/cache`).
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Fetch the sources' recordings again even when already in the cache.
    #[arg(long)]
    pub refresh: bool,
    /// Which baselines to write: `missing` (default; `none` when $CI is set), `changed` (what
    /// `--update` alone means: also accept changed ones), `all`, `none`.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "changed", value_name = "WHICH")]
    pub update: Option<UpdateMode>,
    /// Parallel jobs (default: number of cores). 1 replays one recording at a time in one page;
    /// above 1, each job keeps two pages busy (recordings first, lanes of one recording when
    /// there are fewer recordings than pages).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Determinism audit: capture every checkpoint N times and report any pixel that varies
    /// (status `flaky`, with the regions), so flaky areas can be found and masked.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: usize,
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
    /// Rectangle painted over both images before comparing: x,y,w,h (repeatable; replaces the
    /// masks of reel.toml and $REEL_MASKS).
    #[arg(long = "mask", value_name = "X,Y,W,H")]
    pub masks: Vec<Rect>,
    /// CSS selector whose elements are painted over in both images (resolved in the replayed DOM
    /// at each checkpoint; repeatable).
    #[arg(long = "mask-selector", value_name = "CSS")]
    pub mask_selectors: Vec<String>,
    /// Mask colour, #RRGGBB or #RRGGBBAA (default #FF00FF).
    #[arg(long, value_name = "COLOR")]
    pub mask_color: Option<MaskColor>,
    /// Run only shard I of N (1-based, e.g. 2/4): recordings are split by a stable hash of their
    /// id, so each lands on the same shard every time. Merge the shards' reports with
    /// `reel merge-reports`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// No progress and no line per recording: only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Put PREFIX before the image paths of junit.xml's [[ATTACHMENT|…]] lines (they are relative
    /// to the report folder; GitLab resolves them from the project root: pass the report folder,
    /// e.g. `reel-report/`).
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub junit_prefix: String,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

impl RunArgs {
    /// The flags' layer: only what was given on the command line.
    fn layer(&self) -> Layer {
        let some_vec = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        Layer {
            baselines: self.baselines.clone(),
            out: self.out.clone(),
            cache: self.cache.clone(),
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

fn on_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

pub async fn run(args: RunArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let input = |e: String| Failure::input(anyhow::anyhow!(e));
    let config = Config::load(args.config.as_deref()).map_err(input)?;
    let env = Layer::from_env(|name| std::env::var(name).ok()).map_err(input)?;
    let settings =
        Resolved::from_layer(args.layer().over(env).over(config.layer.clone())).map_err(input)?;
    crate::files::sweep_stale(&[&settings.baselines, &settings.out, &settings.cache]);
    let update = settings.update.unwrap_or(if on_ci() {
        UpdateMode::None
    } else {
        UpdateMode::Missing
    });
    let mut replay_opts = args.browser.replay_options();
    replay_opts.mask_selectors = settings.mask_selectors.clone();
    let mut opts = RunOptions {
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
        plan: plan_options(
            &settings.at,
            settings.checkpoints,
            settings.max_checkpoints,
            settings.settle_ms,
            settings.viewport,
        )?,
        replay: replay_opts,
        jobs: settings
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        repeat: args.repeat.clamp(1, 100),
    };
    let browser = args.browser.browser_options()?;

    let limits = args.limits.limits();
    let mut inputs = if !args.recordings.is_empty() {
        load_inputs(&args.recordings, &limits)?
    } else if !config.sources.is_empty() {
        let inputs = inputs_from_sources(&config, &settings.cache, args.refresh, &limits).await?;
        if inputs.is_empty() {
            eprintln!(
                "note: the sources of {} gave no recordings (see their filters)",
                config_name(&config)
            );
        }
        inputs
    } else {
        return Err(Failure::input(anyhow::anyhow!(
            "no recordings: name recording files, or list [[sources]] in reel.toml (or the file \
             given with --config); see `reel run --help`"
        )));
    };
    if let Some(shard) = args.shard {
        inputs.retain(|i| shard.contains(&input_id(i)));
    }
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
            eprintln!("error: {}", crate::printable::printable(e));
        }
        return Err(Failure::input(anyhow::anyhow!("{last}")));
    }
    let sources: Vec<Unfinished> = inputs
        .iter()
        .map(|i| match i {
            Input::Ready(r) => Unfinished {
                id: r.id.clone(),
                source: r.source.clone(),
                own_error: None,
            },
            Input::Unreadable {
                source,
                error,
                input_error,
            } => Unfinished {
                id: input_id(i),
                source: source.clone(),
                own_error: Some((error.clone(), *input_error)),
            },
        })
        .collect();
    prepare_out_dir(&settings.out)?;
    opts.replay.lanes = run::lanes_for(opts.jobs, inputs.len());

    let finished: Finished = Arc::new(Mutex::new(Default::default()));
    let sink = finished.clone();
    let progress = report::terminal::Progress::new(inputs.len(), args.quiet);
    let result = with_browsers(&browser, async |pool: &BrowserPool| {
        run::run_all(pool, inputs, &opts, sink, |r| progress.done(r)).await;
        Ok(())
    })
    .await;
    progress.finish();
    // A browser that could not be started still gets a report listing every recording, so CI
    // shows what happened.
    let (interrupted, no_browser) = match result {
        Ok(()) => (false, None),
        Err(f) if f.class == ErrorClass::Interrupted => (true, None),
        Err(f) => (false, Some(f)),
    };
    let unfinished = match &no_browser {
        Some(f) => (format!("{:#}", f.error), f.class == ErrorClass::Input),
        None => ("interrupted before it finished".to_string(), false),
    };

    let mut done = finished.lock().map(|f| f.clone()).unwrap_or_default();
    let recordings: Vec<RecordingReport> = sources
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let (error, input_error) = u.own_error.clone().unwrap_or_else(|| unfinished.clone());
            done.remove(&i).unwrap_or_else(|| RecordingReport {
                id: u.id.clone(),
                source: u.source.clone(),
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
                format: None,
                duration_ms: 0,
                session_duration_ms: 0,
                checkpoints: Vec::new(),
                console: Default::default(),
                blocked_requests: 0,
            })
        })
        .collect();
    let report_settings = Settings {
        threshold: settings.threshold,
        include_aa: settings.include_aa,
        max_diff_pixels: settings.max_diff_pixels,
        max_diff_ratio: settings.max_diff_ratio,
        update: update.as_str().into(),
        baselines: settings.baselines.display().to_string(),
    };
    let report = RunReport::new(
        report_settings,
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
    if let Some(f) = no_browser {
        return Err(f);
    }
    exit_for(&report)
}

/// What the report says of an input that never finished: its id, source, and its own error (and
/// whether that is an input error) when it could not be read.
struct Unfinished {
    id: String,
    source: String,
    own_error: Option<(String, bool)>,
}

/// 3 when any recording hit an infrastructure error, else 2 for input errors, else 1 for
/// regressions, else 0.
pub(super) fn exit_for(report: &RunReport) -> Result<Outcome, Failure> {
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

/// The id an input is known by (for an unreadable one: from its file name).
fn input_id(input: &Input) -> String {
    match input {
        Input::Ready(r) => r.id.clone(),
        Input::Unreadable { source, .. } => {
            recording::sanitize_id(&recording::stem_of_path(source))
        }
    }
}

/// The recordings of reel.toml's `[[sources]]`: files and globs expanded, PostHog queries and
/// object-store prefixes fetched into `cache` first. Recordings that could not be fetched become
/// error entries of the run (so its exit code says so); the others are replayed.
async fn inputs_from_sources(
    config: &Config,
    cache: &Path,
    refresh: bool,
    limits: &Limits,
) -> Result<Vec<Input>, Failure> {
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut failed = Vec::new();
    for source in &config.sources {
        match source {
            Source::Files(patterns) => {
                for p in patterns {
                    let found = config::expand(&config.dir, p).map_err(|e| {
                        Failure::input(anyhow::anyhow!("{}: files: {e}", config_name(config)))
                    })?;
                    paths.extend(found);
                }
            }
            Source::Posthog(spec) => {
                let got = fetch::fetch_posthog_source(
                    spec,
                    cache,
                    refresh,
                    limits.max_recording_bytes as u64,
                )
                .await?;
                paths.extend(got.files);
                failed.extend(got.failed);
            }
            Source::ObjectStore(url) => {
                let got = fetch::fetch_store_source(
                    url,
                    cache,
                    refresh,
                    limits.max_recording_bytes as u64,
                )
                .await?;
                paths.extend(got.files);
                failed.extend(got.failed);
            }
        }
    }
    // The same file named by two patterns is replayed once.
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(p.clone()));
    let mut inputs = load_inputs(&paths, limits)?;
    inputs.extend(failed.into_iter().map(|(id, e)| Input::Unreadable {
        source: id,
        error: format!("not fetched: {e}"),
        input_error: e.is_input_error(),
    }));
    Ok(inputs)
}

fn config_name(config: &Config) -> String {
    config.path.as_ref().map_or_else(
        || config::DEFAULT_FILE.to_string(),
        |p| p.display().to_string(),
    )
}

/// Reads every recording; unreadable ones become error entries (under the id of their file
/// name), duplicate ids — also one of an unreadable input — stop the run.
fn load_inputs(paths: &[PathBuf], limits: &Limits) -> Result<Vec<Input>, Failure> {
    let mut inputs = Vec::with_capacity(paths.len());
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        let input = match recording::load(path, limits) {
            Ok(rec) => Input::Ready(Box::new(rec)),
            Err(e) => Input::Unreadable {
                source: path.display().to_string(),
                error: e.to_string(),
                input_error: true,
            },
        };
        let (id, source) = match &input {
            Input::Ready(rec) => (rec.id.clone(), rec.source.clone()),
            Input::Unreadable { source, .. } => {
                (input_id(&input), format!("{source} (unreadable)"))
            }
        };
        if let Some(other) = seen.insert(id.clone(), source.clone()) {
            return Err(Failure::input(anyhow::anyhow!(
                "two recordings have the id {id}: {other} and {source}; give each recording a distinct file name or session",
            )));
        }
        inputs.push(input);
    }
    Ok(inputs)
}

/// Removes the images of a previous run from a report folder (only when it holds a reel report).
fn prepare_out_dir(out: &std::path::Path) -> Result<(), Failure> {
    if out.join("report.json").is_file() {
        for sub in ["actual", "diff", "expected", "replays"] {
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
