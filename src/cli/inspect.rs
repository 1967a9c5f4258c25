//! `reel inspect RECORDING... [--json]`: a person's first look at recordings — format, id,
//! windows, events, viewports, URLs, console, and the checkpoints a replay would use.

use super::Failure;
use crate::exit::Outcome;
use crate::plan::{Checkpoint, PlanOptions, plan_noting};
use crate::printable::printable;
use crate::recording::{self, Recording, Stats, WindowSummary};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Recording files (any supported format, gzip or not).
    #[arg(required = true)]
    pub recordings: Vec<PathBuf>,
    /// One JSON object per file instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

/// What `--json` prints for one window.
#[derive(Serialize)]
struct WindowReport<'a> {
    #[serde(flatten)]
    summary: WindowSummary,
    checkpoints: &'a [Checkpoint],
}

/// What `--json` prints for one file.
#[derive(Serialize)]
struct FileReport<'a> {
    source: &'a str,
    format: &'a str,
    id: &'a str,
    gzipped: bool,
    /// Events after normalization, all windows.
    events: usize,
    warnings: &'a [String],
    stats: &'a Stats,
    windows: Vec<WindowReport<'a>>,
}

pub fn run(args: InspectArgs) -> Result<Outcome, Failure> {
    let limits = args.limits.limits();
    let mut failure = None;
    let stdout = std::io::stdout();
    for (i, path) in args.recordings.iter().enumerate() {
        match recording::load_with_stats(path, &limits) {
            Ok((rec, stats)) => {
                let mut rec = rec;
                let mut plans: Vec<Vec<Checkpoint>> = Vec::with_capacity(rec.windows.len());
                for w in &rec.windows {
                    let (p, thinned) = plan_noting(w, &PlanOptions::default());
                    if let Some(t) = thinned {
                        rec.warnings.push(t.warning(&w.id));
                    }
                    plans.push(p);
                }
                let text = if args.json {
                    json(&rec, &stats, &plans)?
                } else {
                    let mut t = human(&rec, &stats, &plans);
                    if i + 1 < args.recordings.len() {
                        t.push('\n');
                    }
                    t
                };
                let mut out = stdout.lock();
                if out
                    .write_all(text.as_bytes())
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    // stdout closed (e.g. piped into `head`): nothing more to say.
                    return Ok(Outcome::Pass);
                }
            }
            Err(e) => {
                if let Some(previous) = failure.replace(Failure::from(e)) {
                    let message = format!("{:#}", previous.error);
                    eprintln!("error: {}", printable(&message));
                }
            }
        }
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(Outcome::Pass),
    }
}

fn json(rec: &Recording, stats: &Stats, plans: &[Vec<Checkpoint>]) -> Result<String, Failure> {
    let report = FileReport {
        source: &rec.source,
        format: rec.format.name(),
        id: &rec.id,
        gzipped: rec.gzipped,
        events: rec.event_count(),
        warnings: &rec.warnings,
        stats,
        windows: rec
            .windows
            .iter()
            .zip(plans)
            .map(|(w, p)| WindowReport {
                summary: WindowSummary::of(w),
                checkpoints: p,
            })
            .collect(),
    };
    let mut text = serde_json::to_string(&report).map_err(Failure::infra)?;
    text.push('\n');
    Ok(text)
}

/// The human table lists this many checkpoint names; `--json` has them all.
const MAX_LISTED_CHECKPOINTS: usize = 16;

fn seconds(ms: i64) -> String {
    format!("{}.{:03} s", ms / 1000, (ms % 1000).abs())
}

fn size(v: &[u32; 2]) -> String {
    format!("{}x{}", v[0], v[1])
}

/// `name n, name n, …`, largest first.
fn tally(counts: &std::collections::BTreeMap<String, usize>) -> String {
    let mut items: Vec<_> = counts.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = items.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

fn human(rec: &Recording, stats: &Stats, plans: &[Vec<Checkpoint>]) -> String {
    let mut o = String::new();
    let row = |o: &mut String, key: &str, value: String| {
        o.push_str(&format!("  {key:<15} {}\n", printable(&value)));
    };
    o.push_str(&format!("{}\n", rec.source));
    let mut format = rec.format.name().to_string();
    if rec.gzipped {
        format.push_str(" (gzip)");
    }
    row(&mut o, "format", format);
    row(&mut o, "id", rec.id.clone());
    let mut events = format!("{}", rec.event_count());
    let mut notes = Vec::new();
    if stats.duplicates_dropped > 0 {
        notes.push(format!("{} duplicate(s) dropped", stats.duplicates_dropped));
    }
    if stats.cv_events > 0 {
        notes.push(format!("{} cv-compressed", stats.cv_events));
    }
    if stats.packed_events > 0 {
        notes.push(format!("{} packed", stats.packed_events));
    }
    if stats.synthesized_meta > 0 {
        notes.push(format!("{} Meta synthesized", stats.synthesized_meta));
    }
    if !notes.is_empty() {
        events.push_str(&format!(" ({})", notes.join(", ")));
    }
    row(&mut o, "events", events);
    row(&mut o, "windows", rec.windows.len().to_string());
    for (w, plan) in rec.windows.iter().zip(plans) {
        let s = WindowSummary::of(w);
        o.push_str(&format!("  window {}\n", printable(&s.id)));
        let mut row = |key: &str, value: String| {
            o.push_str(&format!("    {key:<15} {}\n", printable(&value)));
        };
        row("events", s.events.to_string());
        row("duration", seconds(s.duration_ms));
        row("full snapshots", s.full_snapshots.to_string());
        row("clicks", s.clicks.to_string());
        let viewports: Vec<String> = s.viewports.iter().map(size).collect();
        row(
            "viewports",
            if viewports.is_empty() {
                "-".into()
            } else {
                viewports.join(" → ")
            },
        );
        row(
            "urls",
            if s.urls.is_empty() {
                "-".into()
            } else {
                s.urls.join(" → ")
            },
        );
        row("by type", tally(&s.counts.by_type));
        row("by source", tally(&s.counts.by_source));
        let mut levels = std::collections::BTreeMap::new();
        for c in &s.console {
            *levels.entry(c.level.clone()).or_insert(0usize) += 1;
        }
        row("console", tally(&levels));
        for c in s
            .console
            .iter()
            .filter(|c| c.level == "error" || c.level == "warn")
        {
            let mut message: String = c.message.chars().take(100).collect();
            if message.len() < c.message.len() {
                message.push('…');
            }
            row(
                "",
                format!(
                    "{:>9} {:<5} {}",
                    seconds(c.t_ms),
                    c.level,
                    message.replace(['\n', '\r'], " ")
                ),
            );
        }
        let mut names: Vec<&str> = plan
            .iter()
            .take(MAX_LISTED_CHECKPOINTS)
            .map(|c| c.name.as_str())
            .collect();
        let more = plan.len().saturating_sub(MAX_LISTED_CHECKPOINTS);
        let more_text = format!("… {more} more (see --json)");
        if more > 0 {
            names.push(&more_text);
        }
        row(
            "checkpoints",
            format!("{}: {}", plan.len(), names.join(" ")),
        );
    }
    for w in &rec.warnings {
        o.push_str(&format!("  warning: {}\n", printable(w)));
    }
    o
}
