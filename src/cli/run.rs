//! `reel run [RECORDING...]`: the main command — replay, capture, compare with baselines, report;
//! without RECORDING arguments, the `[[sources]]` of `reel.toml` (see [`crate::settings`]).

use super::Failure;
use super::browser_args::BrowserArgs;
use super::limits::LimitArgs;
use crate::exit::{Classed, Outcome};
use crate::report::{self, Github, ReportSettings};
use crate::run::inputs::{self, InputsError, Request};
use crate::run::{self, RunOptions, Shard};
use crate::settings::{Config, Host, Layer, SettingFlags, Settings};
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
    let config = Config::load(args.config.as_deref()).map_err(Classed::input)?;
    let env = Layer::from_env(|name| std::env::var(name).ok()).map_err(Classed::input)?;
    let layers = args
        .settings
        .layer
        .clone()
        .over(env)
        .over(config.layer.clone());
    let settings = Settings::resolve(layers, &Host::current()).map_err(Classed::input)?;
    crate::files::sweep_stale(&[&settings.baselines, &settings.out, &settings.cache]);
    let browser = args.browser.browser_options()?;

    let t_inputs = Instant::now();
    let gathered = inputs::gather(&Request {
        recordings: &args.recordings,
        config: &config,
        cache: &settings.cache,
        refresh: args.refresh,
        limits: &args.limits.limits(),
        shard: args.shard,
    })
    .await
    .inspect_err(|e| {
        if let InputsError::NothingReadable(all) = e {
            for message in &all[..all.len().saturating_sub(1)] {
                eprintln!("error: {}", crate::printable::printable(message));
            }
        }
    })?;
    crate::timings::since("read recordings", t_inputs);
    if gathered.sources_gave_none {
        eprintln!(
            "note: the sources of {} gave no recordings (see their filters)",
            config.name()
        );
    }

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
    let finished = finished?;

    let t_report = Instant::now();
    opts.judging
        .report
        .write_report(&finished.report, &finished.replays, &args.junit_prefix, &ci)
        .map_err(|e| {
            Classed::infra(format!(
                "writing the report to {}: {e}",
                settings.out.display()
            ))
        })?;
    crate::timings::since("write report", t_report);
    let summary = report::terminal::render(&finished.report, &settings.out.display().to_string());
    print!("{}", String::from_utf8_lossy(&summary));
    if ci.actions {
        print!(
            "{}",
            String::from_utf8_lossy(&report::github::annotations(&finished.report))
        );
    }
    if !finished.complete {
        return Err(crate::exit::Interrupted::BROWSERS.into());
    }
    if let Some(e) = finished.browser_failure {
        return Err(e.into());
    }
    Ok(finished.report.outcome()?)
}
