//! What `reel run` and `reel drive` share around their runners: the settings from every layer,
//! the recordings gathered (every unreadable one named), and the report written, summarized and
//! turned into the exit outcome.

use super::Failure;
use crate::exit::{Classed, Outcome};
use crate::report::{self, Github};
use crate::run::Finished;
use crate::run::inputs::{self, Gathered, InputsError, Request};
use crate::settings::{Config, Host, Layer, Settings};
use std::path::Path;

/// `reel.toml` (at `config`, or ./reel.toml when it exists) and the settings of every layer:
/// defaults < reel.toml < REEL_* < `flags`. Temp files a killed earlier run left in the folders
/// the settings name are swept.
pub fn settings(config: Option<&Path>, flags: Layer) -> Result<(Config, Settings), Failure> {
    let config = Config::load(config).map_err(Classed::input)?;
    let env = Layer::from_env(|name| std::env::var(name).ok()).map_err(Classed::input)?;
    let layers = flags.over(env).over(config.layer.clone());
    let settings = Settings::resolve(layers, &Host::current()).map_err(Classed::input)?;
    crate::files::sweep_stale(&[&settings.baselines, &settings.out, &settings.cache]);
    Ok((config, settings))
}

/// Prints every error line but the last of "nothing readable" (the last is the command's error).
pub fn print_unreadable(e: &InputsError) {
    if let InputsError::NothingReadable(all) = e {
        for message in &all[..all.len().saturating_sub(1)] {
            eprintln!("error: {}", crate::printable::printable(message));
        }
    }
}

/// The recordings `request` names (files, or the sources of reel.toml), with a note when the
/// sources gave none.
pub async fn gather(request: &Request<'_>) -> Result<Gathered, Failure> {
    let started = std::time::Instant::now();
    let gathered = inputs::gather(request)
        .await
        .inspect_err(print_unreadable)?;
    crate::timings::since("read recordings", started);
    if gathered.sources_gave_none {
        eprintln!(
            "note: the sources of {} gave no recordings (see their filters)",
            request.config.name()
        );
    }
    Ok(gathered)
}

/// Writes the report of `finished` to its folder, prints the summary (and GitHub's annotations),
/// and gives the command's outcome.
pub fn conclude(
    finished: Finished,
    report_dir: &report::ReportDir,
    junit_prefix: &str,
    ci: &Github,
) -> Result<Outcome, Failure> {
    let out = report_dir.root();
    let started = std::time::Instant::now();
    report_dir
        .write_report(&finished.report, &finished.replays, junit_prefix, ci)
        .map_err(|e| Classed::infra(format!("writing the report to {}: {e}", out.display())))?;
    crate::timings::since("write report", started);
    let summary = report::terminal::render(&finished.report, &out.display().to_string());
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
