//! The terminal: one line per finished recording and a summary at the end. What comes from data
//! (window ids, checkpoint names, error messages) is shown through [`printable`].

use super::{Canvas, CheckpointStatus, RecordingReport, RecordingStatus, RunReport};
use crate::printable::printable;

/// One line for a finished recording.
pub fn recording_line(r: &RecordingReport) -> String {
    let failing: Vec<String> = r
        .checkpoints
        .iter()
        .filter(|c| c.status.is_failure())
        .map(|c| format!("{} {}", printable(&c.name), c.status.as_str()))
        .collect();
    let mut line = format!(
        "{:<5} {}  ({} checkpoints, {} ms)",
        r.status.as_str().to_uppercase(),
        printable(&r.id),
        r.checkpoints.len(),
        r.duration_ms
    );
    if let Some(e) = &r.error {
        line.push_str(&format!(": {}", printable(e)));
    }
    if !failing.is_empty() {
        const SHOWN: usize = 5;
        line.push_str(&format!(
            ": {}",
            failing
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if failing.len() > SHOWN {
            line.push_str(&format!(" and {} more", failing.len() - SHOWN));
        }
    }
    if !r.console.new_errors.is_empty() && !r.console.accepted {
        line.push_str(&format!(
            "; {} new console error(s)",
            r.console.new_errors.len()
        ));
    }
    if r.canvas == Some(Canvas::Off) {
        line.push_str("; canvas not replayed (--no-canvas)");
    }
    let broken = crate::drive::DriveExtras::broken_steps(r).len();
    if broken > 0 {
        line.push_str(&format!("; {broken} step(s) unresolved or failed"));
    }
    line
}

/// The summary printed at the end of a run: totals, a line when the browser is not the one that
/// made the baselines, a table of the recordings that did not pass, and where the report is.
pub fn render(report: &RunReport, report_dir: &str) -> Vec<u8> {
    let s = &report.summary;
    let mut out = String::new();
    out.push_str(&format!(
        "\n{} recordings: {} passed, {} failed, {} errors{}\n",
        s.recordings,
        s.passed,
        s.failed,
        s.errors,
        if report.complete {
            ""
        } else {
            " (interrupted: incomplete)"
        }
    ));
    let counts: Vec<String> = CheckpointStatus::ALL
        .iter()
        .filter_map(|st| {
            let n = s.by_status.get(st).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {}", st.as_str()))
        })
        .collect();
    out.push_str(&format!(
        "{} checkpoints: {}\n",
        s.checkpoints,
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        }
    ));
    if s.new_console_errors > 0 {
        out.push_str(&format!("{} new console errors\n", s.new_console_errors));
    }
    if let Some((now, then)) = report.browser_changed() {
        out.push_str(&format!(
            "browser changed: this run used {now}, the baselines were made with {then}\n"
        ));
    }
    let blank: Vec<&str> = report
        .recordings
        .iter()
        .filter(|r| r.canvas == Some(Canvas::Off))
        .map(|r| r.id.as_str())
        .collect();
    if !blank.is_empty() {
        out.push_str(&format!(
            "canvas not replayed (--no-canvas), canvases blank: {}\n",
            blank.join(", ")
        ));
    }
    let rows: Vec<[String; 5]> = report
        .recordings
        .iter()
        .filter(|r| r.status != RecordingStatus::Pass)
        .map(|r| {
            let failing = r
                .checkpoints
                .iter()
                .filter(|c| c.status.is_failure())
                .count();
            let new_errors = if r.console.accepted {
                0
            } else {
                r.console.new_errors.len()
            };
            [
                r.status.as_str().to_string(),
                printable(&r.id).into_owned(),
                format!("{failing}/{}", r.checkpoints.len()),
                new_errors.to_string(),
                format!("{} ms", r.duration_ms),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let header = [
            "status".to_string(),
            "recording".into(),
            "failing".into(),
            "new errors".into(),
            "duration".into(),
        ];
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        out.push('\n');
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::from(" ");
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                let pad = w - cell.chars().count();
                // Text columns left-aligned, numbers right-aligned.
                if i < 2 {
                    line.push_str(&format!(" {cell}{}", " ".repeat(pad)));
                } else {
                    line.push_str(&format!(" {}{cell}", " ".repeat(pad)));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        for r in &report.recordings {
            for step in crate::drive::DriveExtras::broken_steps(r) {
                out.push_str(&format!(
                    "  {}: {}\n",
                    r.id,
                    step.finding.as_deref().unwrap_or("step failed")
                ));
            }
        }
        for r in report
            .recordings
            .iter()
            .filter(|r| r.status == RecordingStatus::Error)
        {
            out.push_str(&format!(
                "  {}: {}\n",
                printable(&r.id),
                printable(r.error.as_deref().unwrap_or("error"))
            ));
        }
    }
    out.push_str(&format!(
        "\nreport: {report_dir}/index.html (and report.json, junit.xml)\n"
    ));
    out.into_bytes()
}

impl crate::run::Observer for Progress {
    fn planned(&self, recordings: usize, checkpoints: usize) {
        if let Ok(mut r) = self.recordings.lock() {
            r.1 = recordings;
        }
        if let Some(bar) = &self.bar {
            bar.set_length(checkpoints as u64);
            bar.set_message(format!("· 0/{recordings} recordings"));
        }
    }

    fn done(&self, r: &RecordingReport, checkpoints: usize) {
        if self.quiet {
            return;
        }
        let (done, total) = self
            .recordings
            .lock()
            .map(|mut n| {
                n.0 += 1;
                *n
            })
            .unwrap_or_default();
        let line = colored_line(r, self.color);
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| println!("{line}"));
                bar.inc(checkpoints as u64);
                bar.set_message(format!(
                    "· {done}/{total} recordings · {}",
                    printable(&r.id)
                ));
            }
            None => println!("{line}"),
        }
    }
}

/// Whether to colour what goes to a stream: only a terminal, and never with `NO_COLOR` set.
pub fn colors_for(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// [`recording_line`] with the status word coloured (green pass, red fail, yellow error).
pub fn colored_line(r: &RecordingReport, color: bool) -> String {
    let line = recording_line(r);
    if !color {
        return line;
    }
    let code = match r.status {
        RecordingStatus::Pass => "32",
        RecordingStatus::Fail => "31",
        RecordingStatus::Error => "33",
    };
    let word = r.status.as_str().to_uppercase();
    match line.strip_prefix(&word) {
        Some(rest) => format!("\x1b[1;{code}m{word}\x1b[0m{rest}"),
        None => line,
    }
}

/// Progress of a run on the terminal: a progress bar of checkpoints (and recordings) on stderr
/// when it is a terminal (and not `--quiet`), with one line per finished recording above it on
/// stdout; plain lines without a terminal (CI logs); nothing but the summary with `--quiet`.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
    color: bool,
    /// Recordings done, and planned.
    recordings: std::sync::Mutex<(usize, usize)>,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(if colors_for(true) {
                "{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} checkpoints {wide_msg}"
            } else {
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} checkpoints {wide_msg}"
            })
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            quiet,
            color: colors_for(std::io::stdout().is_terminal()),
            recordings: std::sync::Mutex::new((0, 0)),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
