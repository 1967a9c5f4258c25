//! `--timings`: where a command's time goes. Stages record named spans (reading the recording,
//! planning, the browser's launch, opening a page, loading the player and the events, and per
//! checkpoint the viewport, applying events, waiting for assets and frames, the screenshot, judging
//! and writing); the command prints them summed per name, in the order they first started, on
//! stderr when it ends. Off unless enabled: recording then costs one atomic load.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static ORIGIN: OnceLock<Instant> = OnceLock::new();
static SPANS: Mutex<Vec<Span>> = Mutex::new(Vec::new());

#[derive(Debug, Clone, Copy)]
struct Span {
    name: &'static str,
    /// Offset from [`enable`]; `None` for times measured elsewhere (inside the page).
    start: Option<Duration>,
    length: Duration,
}

/// Starts recording; offsets count from now.
pub fn enable() {
    ORIGIN.get_or_init(Instant::now);
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn push(span: Span) {
    if let Ok(mut spans) = SPANS.lock() {
        spans.push(span);
    }
}

/// Records `name` as running from `since` until now.
pub fn since(name: &'static str, since: Instant) {
    if !enabled() {
        return;
    }
    let origin = *ORIGIN.get_or_init(Instant::now);
    push(Span {
        name,
        start: Some(since.saturating_duration_since(origin)),
        length: since.elapsed(),
    });
}

/// Records `name` as having taken `ms` milliseconds, measured elsewhere (the player page's own
/// clock), with no place on the timeline.
pub fn measured(name: &'static str, ms: f64) {
    if !enabled() || !ms.is_finite() || ms < 0.0 {
        return;
    }
    push(Span {
        name,
        start: None,
        length: Duration::from_secs_f64(ms / 1000.0),
    });
}

/// Runs `fut`, recording it as `name`.
pub async fn span<T>(name: &'static str, fut: impl Future<Output = T>) -> T {
    let t0 = Instant::now();
    let out = fut.await;
    since(name, t0);
    out
}

/// The table of what was recorded: per name, how many spans, their sum, and (for spans on the
/// timeline) the first start and last end, in ms from [`enable`].
pub fn summary() -> String {
    let spans = SPANS.lock().map(|s| s.clone()).unwrap_or_default();
    summarize(&spans, ORIGIN.get().map(Instant::elapsed))
}

fn summarize(spans: &[Span], total: Option<Duration>) -> String {
    struct Row {
        name: &'static str,
        count: usize,
        sum: Duration,
        first: Option<Duration>,
        last_end: Option<Duration>,
    }
    let mut rows: Vec<Row> = Vec::new();
    for s in spans {
        let end = s.start.map(|st| st + s.length);
        match rows.iter_mut().find(|r| r.name == s.name) {
            Some(r) => {
                r.count += 1;
                r.sum += s.length;
                r.first = match (r.first, s.start) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                r.last_end = r.last_end.max(end);
            }
            None => rows.push(Row {
                name: s.name,
                count: 1,
                sum: s.length,
                first: s.start,
                last_end: end,
            }),
        }
    }
    rows.sort_by_key(|r| (r.first.is_none(), r.first));
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24}{:>7}{:>11}{:>11}{:>11}",
        "timings", "count", "sum ms", "from ms", "to ms"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<24}{:>7}{:>11}{:>11}{:>11}",
            r.name,
            r.count,
            ms(r.sum),
            r.first.map(ms).unwrap_or_default(),
            r.last_end.map(ms).unwrap_or_default()
        );
    }
    if let Some(total) = total {
        let _ = writeln!(out, "{:<24}{:>7}{:>11}", "total", "", ms(total));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &'static str, start_ms: u64, len_ms: u64) -> Span {
        Span {
            name,
            start: Some(Duration::from_millis(start_ms)),
            length: Duration::from_millis(len_ms),
        }
    }

    #[test]
    fn sums_per_name_in_order_of_first_start() {
        let spans = [
            at("launch", 5, 300),
            at("seek", 400, 20),
            at("seek", 450, 30),
            Span {
                name: "apply",
                start: None,
                length: Duration::from_micros(12_500),
            },
            at("parse", 1, 3),
        ];
        let table = summarize(&spans, Some(Duration::from_millis(600)));
        let lines: Vec<Vec<&str>> = table
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(lines[1], ["parse", "1", "3.0", "1.0", "4.0"]);
        assert_eq!(lines[2], ["launch", "1", "300.0", "5.0", "305.0"]);
        assert_eq!(lines[3], ["seek", "2", "50.0", "400.0", "480.0"]);
        assert_eq!(lines[4], ["apply", "1", "12.5"]);
        assert_eq!(lines[5], ["total", "600.0"]);
    }
}
