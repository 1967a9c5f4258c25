//! `reel demo`: replays a real recording embedded in the binary (the testbed-errors session from
//! PostHog, stored gzip-compressed) into `./reel-demo/` and says what it did and where to look.

use super::Failure;
use super::browser_args::BrowserArgs;
use crate::exit::Outcome;
use crate::plan::PlanOptions;
use crate::recording::{self, Limits};
use crate::run::capture::{self, Windows};
use std::path::{Path, PathBuf};

/// A real posthog-js recording (PostHog blob format, cv-compressed events) of a test page with
/// console errors, an uncaught exception, a failing API call and a mobile-sized resize.
const DEMO_RECORDING: &[u8] = include_bytes!("../../demo/testbed-errors.jsonl.gz");
const DEMO_NAME: &str = "testbed-errors.jsonl.gz";

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "reel-demo")]
    pub out: PathBuf,
    #[command(flatten)]
    pub browser: BrowserArgs,
}

pub async fn run(args: DemoArgs) -> Result<Outcome, Failure> {
    let recording =
        recording::parse_bytes(DEMO_RECORDING, Path::new(DEMO_NAME), &Limits::default())?;
    println!(
        "reel demo: replaying the embedded recording {} ({} events, {:.1} s of a real user session) in headless Chromium, network blocked",
        recording.id,
        recording.event_count(),
        recording
            .windows
            .first()
            .map(|w| w.duration_ms())
            .unwrap_or(0) as f64
            / 1000.0
    );
    let written = capture::replay_into(
        &recording,
        &args.out,
        &Windows::All,
        &PlanOptions::default(),
        &args.browser.browser_options()?,
        &args.browser.replay_options(),
    )
    .await?;
    print!("{}", capture::summary(&recording, &args.out, &written));
    for w in &written {
        let errors: Vec<_> = w.console_errors().collect();
        if !errors.is_empty() {
            println!("  console errors recorded in the session:");
            for e in errors.iter().take(8) {
                println!(
                    "    {:>7} ms  {}",
                    e.t_ms,
                    crate::printable::printable(&e.message)
                );
            }
        }
        if let Some(shot) = w
            .capture
            .shots
            .iter()
            .find(|s| s.checkpoint.reason == crate::plan::Reason::ConsoleError)
        {
            println!(
                "  look at: {} (the page when the first error was logged)",
                w.dir
                    .join(format!("{}.png", shot.checkpoint.name))
                    .display()
            );
        }
        println!(
            "  every checkpoint, console entry and blocked request: {}",
            w.dir.join("capture.json").display()
        );
    }
    Ok(Outcome::Pass)
}
