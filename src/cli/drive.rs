//! `reel drive [RECORDING...] --url [FROM=]TO`: re-perform the recordings' user actions against a
//! running build, compare its screenshots and console errors with the baselines, report; without
//! RECORDING arguments, the `[[sources]]` of `reel.toml`. The work is in [`crate::drive`].

use super::Failure;
use super::browser_args::BrowserArgs;
use super::job;
use super::limits::LimitArgs;
use crate::drive::replay_cache::ReplayCache;
use crate::drive::runner::{self, DriveOptions};
use crate::drive::url_map::UrlMapError;
use crate::exit::{Classed, Outcome};
use crate::report::{self, ReportSettings};
use crate::run::Shard;
use crate::run::inputs::Request;
use crate::settings::DriveFlags;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct DriveArgs {
    /// Recording files (any supported format, gzip or not). None: the `[[sources]]` of reel.toml.
    pub recordings: Vec<PathBuf>,
    /// Settings file (default: ./reel.toml when it exists). Settings layer as: defaults <
    /// reel.toml < REEL_* environment variables < flags.
    #[arg(long, value_name = "PATH", env = "REEL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Fetch the sources' recordings again even when already in the cache, and replay the
    /// recordings again instead of reading the replays kept by earlier drives (`<cache>/drive/`).
    #[arg(long)]
    pub refresh: bool,
    /// Drive only shard I of N (1-based, e.g. 2/4), split as `reel run --shard` splits.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// No progress and no line per recording: only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Put PREFIX before the image paths of junit.xml's [[ATTACHMENT|…]] lines.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub junit_prefix: String,
    #[command(flatten)]
    pub settings: DriveFlags,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub async fn run(args: DriveArgs) -> Result<Outcome, Failure> {
    let started = Instant::now();
    let (config, settings) = job::settings(args.config.as_deref(), args.settings.layer.clone())?;
    let browser = args.browser.browser_options()?;
    let mut opts = DriveOptions::new(&settings, args.browser.replay_options(), browser.timeout);
    opts.replay_cache = Some(ReplayCache::new(
        settings.cache.join("drive"),
        args.refresh,
        format!(
            "args {:?} network {}",
            browser.extra_args, browser.allow_network
        ),
    ));
    if opts.urls.is_empty() {
        return Err(Classed::input(UrlMapError::Missing.to_string()).into());
    }
    let gathered = job::gather(&Request {
        recordings: &args.recordings,
        config: &config,
        cache: &settings.cache,
        refresh: args.refresh,
        limits: &args.limits.limits(),
        shard: args.shard,
    })
    .await?;
    let inputs =
        runner::check_inputs(gathered.inputs, &opts.urls).inspect_err(job::print_unreadable)?;
    runner::reachable(&opts.urls).await?;

    let ci = report::Github::from_env(|name| std::env::var(name).ok());
    let progress = report::terminal::Progress::new(args.quiet);
    let finished = runner::run(
        inputs,
        &opts,
        &browser,
        ReportSettings::from(&settings),
        started,
        &progress,
    )
    .await;
    progress.finish();
    job::conclude(finished?, &opts.run.judging.report, &args.junit_prefix, &ci)
}
