//! `reel replay` and `reel demo`: replays windows of one recording and writes a PNG per checkpoint
//! and `capture.json` per window — no baselines, no verdicts. Nothing is written unless every
//! window replayed.

use crate::exit::{Classified, ErrorClass, Interrupted};
use crate::interrupt::with_browsers;
use crate::plan::{self, PlanOptions};
use crate::recording::{Recording, sanitize_id};
use crate::replay::{
    self, BrowserOptions, BrowserPool, Canvas, ConsoleEntry, ReplayError, ReplayOptions,
    WindowCapture,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// `capture.json`: what one window's replay produced.
#[derive(Serialize)]
struct CaptureDoc<'a> {
    recording: &'a str,
    source: &'a str,
    window: &'a str,
    checkpoints: Vec<CheckpointDoc>,
    console: &'a [ConsoleEntry],
    blocked_requests: u64,
    blocked_urls: &'a [String],
    /// The replay iframe's sandbox: without `allow-scripts`, recorded scripts never run.
    replay_sandbox: &'a str,
    /// Whether the window's canvas drawing was replayed (`none`: it has none).
    canvas: Canvas,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct CheckpointDoc {
    name: String,
    t_ms: i64,
    reason: plan::Reason,
    viewport: [u32; 2],
    file: String,
    href: Option<String>,
    events_applied: u64,
    settled: bool,
}

/// Which windows to replay: every one, or the one with this id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Windows {
    All,
    Only(String),
}

impl Windows {
    /// `all`, or a window id.
    pub fn parse(s: &str) -> Windows {
        if s == "all" {
            Windows::All
        } else {
            Windows::Only(s.to_string())
        }
    }
}

/// One window's results.
pub struct WrittenWindow {
    pub window: String,
    /// Where its PNGs and `capture.json` are.
    pub dir: PathBuf,
    pub capture: WindowCapture,
}

impl WrittenWindow {
    /// The console errors of the window (recorded and replay).
    pub fn console_errors(&self) -> impl Iterator<Item = &ConsoleEntry> {
        self.capture.console.iter().filter(|c| c.level == "error")
    }
}

/// Why nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{recording}: no window {window:?} (windows: {windows})")]
    NoSuchWindow {
        recording: String,
        window: String,
        windows: String,
    },
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

impl Classified for CaptureError {
    fn class(&self) -> ErrorClass {
        match self {
            CaptureError::NoSuchWindow { .. } | CaptureError::Write { .. } => ErrorClass::Input,
            CaptureError::Replay(e) => e.class(),
            CaptureError::Interrupted(_) => ErrorClass::Interrupted,
        }
    }
}

/// Replays the chosen windows of `recording` and writes their screenshots and `capture.json`
/// under `out` (a folder per window when the recording has several) — only once every window has
/// been captured, so a failed replay writes nothing.
pub async fn replay_into(
    recording: &Recording,
    out: &Path,
    which: &Windows,
    plan_opts: &PlanOptions,
    browser: &BrowserOptions,
    replay_opts: &ReplayOptions,
) -> Result<Vec<WrittenWindow>, CaptureError> {
    let windows: Vec<_> = recording
        .windows
        .iter()
        .filter(|w| match which {
            Windows::All => true,
            Windows::Only(id) => w.id == *id,
        })
        .collect();
    if windows.is_empty() {
        let ids: Vec<_> = recording.windows.iter().map(|w| w.id.as_str()).collect();
        return Err(CaptureError::NoSuchWindow {
            recording: recording.source.clone(),
            window: match which {
                Windows::All => "all".into(),
                Windows::Only(id) => id.clone(),
            },
            windows: ids.join(", "),
        });
    }
    for w in &windows {
        if !w.has_full_snapshot() {
            return Err(ReplayError::NoFullSnapshot {
                recording: recording.source.clone(),
                window: w.id.clone(),
            }
            .into());
        }
    }
    let several = recording.windows.len() > 1;
    let captures = with_browsers(browser, async |pool: &BrowserPool| {
        let session = pool.lease(0).await.session;
        let mut captures = Vec::new();
        for w in &windows {
            let t_plan = std::time::Instant::now();
            let (plan, thinned) = plan::plan_noting(w, plan_opts);
            crate::timings::since("plan", t_plan);
            if let Some(t) = thinned {
                tracing::warn!("{}: {}", recording.id, t.warning(&w.id));
            }
            captures.push(
                replay::capture_window(&session, &recording.id, w, &plan, replay_opts).await?,
            );
        }
        Ok::<_, CaptureError>(captures)
    })
    .await?;

    let mut written = Vec::new();
    for capture in captures {
        let dir = if several {
            out.join(sanitize_id(&capture.window))
        } else {
            out.to_path_buf()
        };
        let t_write = std::time::Instant::now();
        write_capture(recording, &dir, &capture)?;
        crate::timings::since("write", t_write);
        written.push(WrittenWindow {
            window: capture.window.clone(),
            dir,
            capture,
        });
    }
    Ok(written)
}

fn write_capture(
    recording: &Recording,
    dir: &Path,
    capture: &WindowCapture,
) -> Result<(), CaptureError> {
    let write = |path: PathBuf, bytes: &[u8]| {
        crate::files::write_atomic(&path, bytes).map_err(|source| CaptureError::Write {
            path: path.display().to_string(),
            source,
        })
    };
    let mut checkpoints = Vec::new();
    for shot in &capture.shots {
        let file = format!("{}.png", shot.checkpoint.name);
        write(dir.join(&file), &shot.png)?;
        checkpoints.push(CheckpointDoc {
            name: shot.checkpoint.name.clone(),
            t_ms: shot.checkpoint.t_ms,
            reason: shot.checkpoint.reason,
            viewport: [shot.checkpoint.viewport.0, shot.checkpoint.viewport.1],
            file,
            href: shot.href.clone(),
            events_applied: shot.events_applied,
            settled: shot.settled,
        });
    }
    let mut warnings = recording.warnings.clone();
    warnings.extend(capture.warnings.iter().cloned());
    let doc = CaptureDoc {
        recording: &recording.id,
        source: &recording.source,
        window: &capture.window,
        checkpoints,
        console: &capture.console,
        blocked_requests: capture.blocked_requests,
        blocked_urls: &capture.blocked_urls,
        replay_sandbox: &capture.sandbox,
        canvas: capture.canvas,
        warnings,
    };
    let mut json = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    json.push(b'\n');
    write(dir.join("capture.json"), &json)
}

/// What was written, for the terminal: a line for the recording and one per window.
pub fn summary(recording: &Recording, out: &Path, written: &[WrittenWindow]) -> String {
    let mut text = format!(
        "{} ({}, {} events) → {}\n",
        recording.id,
        recording.format.name(),
        recording.event_count(),
        out.display()
    );
    for w in written {
        text.push_str(&format!(
            "  window {}: {} checkpoints, {} console errors, {} blocked requests → {}\n",
            crate::printable::printable(&w.window),
            w.capture.shots.len(),
            w.console_errors().count(),
            w.capture.blocked_requests,
            w.dir.display()
        ));
    }
    text
}
