//! Flags shared by every command that drives a browser.

use super::Failure;
use crate::duration;
use crate::replay::{BrowserOptions, ReplayOptions};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub struct BrowserArgs {
    /// Chromium/Chrome executable (else chromium, chromium-browser, google-chrome, chrome on
    /// PATH).
    #[arg(long, value_name = "PATH", env = "REEL_CHROME")]
    pub chrome: Option<PathBuf>,
    /// Attach to running browsers' DevTools websockets instead of launching one (a comma-separated
    /// list or repeated flag spreads pages over all of them).
    #[arg(
        long,
        value_name = "URL",
        env = "REEL_BROWSER_WS",
        value_delimiter = ','
    )]
    pub browser_ws: Vec<String>,
    /// Browsers to launch, 1 to 64 (pages are spread over them).
    #[arg(long, value_name = "K", default_value_t = 1,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub browsers: usize,
    /// Extra flag for the launched browser (repeatable), e.g. --chrome-arg=--lang=de.
    #[arg(long = "chrome-arg", value_name = "FLAG", allow_hyphen_values = true)]
    pub chrome_args: Vec<String>,
    /// Let replayed pages load assets from the network (blocked by default: deterministic, private).
    #[arg(long)]
    pub allow_network: bool,
    /// Timeout of each browser step (launch, load, seek, screenshot): a duration (30s, 2m); a bare
    /// number is seconds.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = step_timeout)]
    pub timeout: Duration,
    /// Keep rrweb's replay cursor in screenshots.
    #[arg(long)]
    pub show_cursor: bool,
    /// Leave canvases blank: do not replay recorded canvas drawing (replayed by default when a
    /// recording has some; the report says when it was not).
    #[arg(long)]
    pub no_canvas: bool,
    /// Rebuild from the last full snapshot at every checkpoint instead of playing forward
    /// (slower; for auditing that forward seeks paint the same frames).
    #[arg(long)]
    pub fresh_seeks: bool,
    /// Longest wait for stylesheets, images and fonts after each seek: a duration (2s, 500ms); a
    /// bare number is ms.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration::millis)]
    pub settle_budget_ms: Duration,
    /// Print where the time went on stderr at the end: reading, planning, the browser's launch,
    /// pages, loading the player and the events, and per checkpoint each step of a seek and the
    /// screenshot (count, sum, first start and last end in ms).
    #[arg(long)]
    pub timings: bool,
}

/// A browser step's timeout: more than 0, at most an hour.
fn step_timeout(text: &str) -> Result<Duration, String> {
    let d = duration::seconds(text)?;
    if d.is_zero() || d > Duration::from_secs(3600) {
        return Err(format!(
            "--timeout must be more than 0 and at most 1h, got {text:?}"
        ));
    }
    Ok(d)
}

impl BrowserArgs {
    /// The browser options; also turns on `--timings` (printed by `cli::main` at the end).
    pub fn browser_options(&self) -> Result<BrowserOptions, Failure> {
        if self.timings {
            crate::timings::enable();
        }
        Ok(BrowserOptions {
            chrome: self.chrome.clone(),
            browser_ws: self.browser_ws.clone(),
            browsers: self.browsers,
            extra_args: self.chrome_args.clone(),
            allow_network: self.allow_network,
            timeout: self.timeout,
        })
    }

    pub fn replay_options(&self) -> ReplayOptions {
        ReplayOptions {
            show_cursor: self.show_cursor,
            replay_canvas: !self.no_canvas,
            settle_budget: self.settle_budget_ms,
            mask_selectors: Vec::new(),
            fresh_seeks: self.fresh_seeks,
            adapt_css_ahead: true,
            // What `--jobs` (one per core by default) gives one recording in `reel run`.
            lanes: crate::run::pages_in_flight(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            ),
        }
    }
}
