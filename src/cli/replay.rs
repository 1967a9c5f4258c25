//! `reel replay RECORDING [--out DIR] [--at ...] [--window ID|all]`: screenshots of every
//! checkpoint plus `capture.json`, one folder per window when there are several.

use super::Failure;
use super::browser_args::BrowserArgs;
use super::limits::LimitArgs;
use crate::exit::{Classed, Outcome};
use crate::recording;
use crate::run::capture::{self, Windows};
use crate::settings::{Host, PlanFlags, Settings};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Recording file (rrweb or PostHog, any supported format, gzip or not).
    pub recording: PathBuf,
    /// Output folder (default: reel-replay/<recording-id>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub plan: PlanFlags,
    /// Which window (tab) to replay: its id, or `all`.
    #[arg(long, value_name = "ID|all", default_value = "all")]
    pub window: String,
    /// Parallel jobs, as for `reel run`: 1 visits every checkpoint in one page; above 1, each job
    /// keeps two pages busy replaying segments of the plan side by side. Screenshots are the same
    /// either way. [default: number of cores]
    #[arg(long, short = 'j', value_name = "N", env = "REEL_JOBS", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub jobs: Option<u64>,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub async fn run(args: ReplayArgs) -> Result<Outcome, Failure> {
    let browser = args.browser.browser_options()?;
    let t_read = std::time::Instant::now();
    let recording = recording::load(&args.recording, &args.limits.limits())?;
    crate::timings::since("read recording", t_read);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reel-replay").join(&recording.id));
    let settings =
        Settings::resolve(args.plan.layer.clone(), &Host::current()).map_err(Classed::input)?;
    let mut replay_opts = args.browser.replay_options();
    if let Some(jobs) = args.jobs {
        replay_opts.lanes = crate::run::pages_in_flight(jobs as usize);
    }
    let written = capture::replay_into(
        &recording,
        &out,
        &Windows::parse(&args.window),
        &settings.plan(),
        &browser,
        &replay_opts,
    )
    .await?;
    print!("{}", capture::summary(&recording, &out, &written));
    Ok(Outcome::Pass)
}
