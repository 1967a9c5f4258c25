//! Flags shared by every command that drives a browser.

use super::Failure;
use crate::replay::{BrowserOptions, ReplayOptions};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub struct BrowserArgs {
    /// Chromium/Chrome executable (else $REEL_CHROME, else chromium, chromium-browser,
    /// google-chrome, chrome on PATH).
    #[arg(long, value_name = "PATH")]
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
    /// Timeout in seconds for each browser step (launch, load, seek, screenshot).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Keep rrweb's replay cursor in screenshots.
    #[arg(long)]
    pub show_cursor: bool,
    /// Rebuild from the last full snapshot at every checkpoint instead of playing forward
    /// (slower; for auditing that forward seeks paint the same frames).
    #[arg(long)]
    pub fresh_seeks: bool,
    /// Longest wait, in ms, for stylesheets, images and fonts after each seek.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub settle_budget_ms: u64,
}

impl BrowserArgs {
    pub fn browser_options(&self) -> Result<BrowserOptions, Failure> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 3600.0) {
            return Err(Failure::input(anyhow::anyhow!(
                "--timeout must be more than 0 and at most 3600 seconds, got {}",
                self.timeout
            )));
        }
        Ok(BrowserOptions {
            chrome: self.chrome.clone(),
            browser_ws: self.browser_ws.clone(),
            browsers: self.browsers,
            extra_args: self.chrome_args.clone(),
            allow_network: self.allow_network,
            timeout: Duration::from_secs_f64(self.timeout),
        })
    }

    pub fn replay_options(&self) -> ReplayOptions {
        ReplayOptions {
            show_cursor: self.show_cursor,
            replay_canvas: false,
            settle_budget: Duration::from_millis(self.settle_budget_ms),
            mask_selectors: Vec::new(),
            fresh_seeks: self.fresh_seeks,
            lanes: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}
