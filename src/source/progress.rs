//! What a fetch reports while it runs. The source stage emits [`FetchEvent`]s to an [`Observer`];
//! [`Terminal`] shows them on stderr (a progress bar on a terminal, plain lines otherwise), and
//! [`summary_line`] says what a fetch did.

use super::{ApiKey, FetchSummary};
use std::path::Path;
use std::sync::Mutex;

/// One step of a fetch run.
#[derive(Debug, Clone)]
pub enum FetchEvent {
    /// The number of recordings (or objects) to go through is known (or grew).
    Total(u64),
    /// A recording (object) was written: id, bytes.
    Fetched { id: String, bytes: u64 },
    /// Already there and finished: not fetched again.
    Cached { id: String },
    /// Not written: why (a missing recording, a non-recording object, a server error).
    Failed { id: String, message: String },
    /// Something worth a line that is not about one recording (a rate-limit pause, a retry).
    Note(String),
}

/// Receives [`FetchEvent`]s; must be cheap and never block for long.
pub trait Observer: Send + Sync {
    fn event(&self, event: FetchEvent);
}

/// Ignores every event.
pub struct Quiet;

impl Observer for Quiet {
    fn event(&self, _event: FetchEvent) {}
}

/// `fetched N recordings (… KB) into DIR, M already there, …`.
pub fn summary_line(summary: &FetchSummary, what: &str, out: &Path) -> String {
    let mut line = format!(
        "fetched {} {what} ({}) into {}",
        summary.fetched.len(),
        human_bytes(summary.bytes),
        out.display()
    );
    if !summary.cached.is_empty() {
        line.push_str(&format!(
            ", {} already there (--refresh fetches them again)",
            summary.cached.len()
        ));
    }
    if !summary.skipped.is_empty() {
        line.push_str(&format!(", {} skipped", summary.skipped.len()));
    }
    if !summary.failed.is_empty() {
        line.push_str(&format!(", {} failed", summary.failed.len()));
    }
    line
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 10 << 20 => format!("{} MB", n >> 20),
        n if n >= 10 << 10 => format!("{} KB", n >> 10),
        n => format!("{n} B"),
    }
}

/// Progress on stderr: a bar on a terminal, one plain line per recording otherwise. Every line is
/// scrubbed of the API key and of control characters.
pub struct Terminal {
    bar: Option<indicatif::ProgressBar>,
    key: Option<ApiKey>,
    counts: Mutex<(u64, u64)>,
}

impl Terminal {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn stderr(key: Option<ApiKey>) -> Terminal {
        use std::io::IsTerminal;
        Terminal::new(std::io::stderr().is_terminal(), key)
    }

    pub fn new(tty: bool, key: Option<ApiKey>) -> Terminal {
        let bar = tty.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(0),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Terminal {
            bar,
            key,
            counts: Mutex::new((0, 0)),
        }
    }

    /// Without the key, and safe for a terminal (ids and messages come from the server).
    fn scrub(&self, s: String) -> String {
        let s = match &self.key {
            Some(k) => k.redact(&s),
            None => s,
        };
        crate::printable::printable(&s).into_owned()
    }

    fn line(&self, text: String) {
        let text = self.scrub(text);
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn step(&self, what: &str, id: &str, extra: String) {
        let (done, total) = {
            let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            c.0 += 1;
            *c
        };
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(self.scrub(format!("{what} {id}")));
                if what == "failed" {
                    bar.println(self.scrub(format!("failed {id}{extra}")));
                }
            }
            None => eprintln!(
                "{}",
                self.scrub(format!("[{done}/{total}] {what} {id}{extra}"))
            ),
        }
    }

    /// Clears the bar (the lines printed above it stay).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Terminal {
    fn event(&self, event: FetchEvent) {
        match event {
            FetchEvent::Total(n) => {
                self.counts.lock().unwrap_or_else(|p| p.into_inner()).1 = n;
                if let Some(bar) = &self.bar {
                    bar.set_length(n);
                }
            }
            FetchEvent::Fetched { id, bytes } => {
                self.step("fetched", &id, format!(" ({})", human_bytes(bytes)))
            }
            FetchEvent::Cached { id } => self.step("already there", &id, String::new()),
            FetchEvent::Failed { id, message } => self.step("failed", &id, format!(": {message}")),
            FetchEvent::Note(text) => self.line(format!("note: {text}")),
        }
    }
}
