//! The terminal: one line per finished recording and a summary at the end.

use super::{CheckpointStatus, RecordingReport, RecordingStatus, RunReport};

/// One line for a finished recording.
pub fn recording_line(r: &RecordingReport) -> String {
    let failing: Vec<String> = r
        .checkpoints
        .iter()
        .filter(|c| c.status.is_failure())
        .map(|c| format!("{} {}", c.name, c.status.as_str()))
        .collect();
    let mut line = format!(
        "{:<5} {}  ({} checkpoints, {} ms)",
        r.status.as_str().to_uppercase(),
        r.id,
        r.checkpoints.len(),
        r.duration_ms
    );
    if let Some(e) = &r.error {
        line.push_str(&format!(": {e}"));
    }
    if !failing.is_empty() {
        line.push_str(&format!(": {}", failing.join(", ")));
    }
    if !r.console.new_errors.is_empty() && !r.console.accepted {
        line.push_str(&format!(
            "; {} new console error(s)",
            r.console.new_errors.len()
        ));
    }
    line
}

/// The summary table printed at the end of a run.
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
            let n = s.by_status.get(st.as_str()).copied().unwrap_or(0);
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
    for r in &report.recordings {
        if r.status != RecordingStatus::Pass {
            out.push_str(&format!("  {}\n", recording_line(r)));
        }
    }
    out.push_str(&format!(
        "report: {report_dir}/report.json, {report_dir}/junit.xml\n"
    ));
    out.into_bytes()
}
