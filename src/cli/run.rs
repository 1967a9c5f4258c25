//! `reel run [RECORDING...]`: the main command — replay, capture, compare with baselines, report;
//! without RECORDING arguments, the `[[sources]]` of `reel.toml` (see [`crate::settings`]).

use super::Failure;
use super::browser_args::BrowserArgs;
use super::job;
use super::limits::LimitArgs;
use crate::exit::Outcome;
use crate::report::{self, Github, ReportSettings};
use crate::run::inputs::Request;
use crate::run::{self, RunOptions, Shard};
use crate::settings::SettingFlags;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Recording files (any supported format, gzip or not). None: the `[[sources]]` of reel.toml.
    pub recordings: Vec<PathBuf>,
    /// Settings file (default: ./reel.toml when it exists). Settings layer as: defaults <
    /// reel.toml < REEL_* environment variables < flags.
    #[arg(long, value_name = "PATH", env = "REEL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Fetch the sources' recordings again even when already in the cache.
    #[arg(long)]
    pub refresh: bool,
    /// Determinism audit: capture every checkpoint N times and report any pixel that varies
    /// (status `flaky`, with the regions), so flaky areas can be found and masked.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: usize,
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
    pub settings: SettingFlags,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub async fn run(args: RunArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let (config, settings) = job::settings(args.config.as_deref(), args.settings.layer.clone())?;
    let browser = args.browser.browser_options()?;
    let gathered = job::gather(&Request {
        recordings: &args.recordings,
        config: &config,
        cache: &settings.cache,
        refresh: args.refresh,
        limits: &args.limits.limits(),
        shard: args.shard,
    })
    .await?;

    let ci = Github::from_env(|name| std::env::var(name).ok());
    let opts = RunOptions::new(&settings, args.browser.replay_options(), args.repeat);
    let progress = report::terminal::Progress::new(args.quiet);
    let finished = run::run(
        gathered.inputs,
        &opts,
        &browser,
        ReportSettings::from(&settings),
        started,
        &progress,
    )
    .await;
    progress.finish();
    job::conclude(finished?, &opts.judging.report, &args.junit_prefix, &ci)
}
