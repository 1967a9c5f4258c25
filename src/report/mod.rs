//! What people and CI read. The runner produces a [`RunReport`]; each output format is its own
//! file with a pure `render(&RunReport) -> Vec<u8>`; [`write_reports`] is the one place that
//! writes them (atomically).

pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The version of `report.json`'s format. Bumped on incompatible changes only.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckpointStatus {
    /// Matches the baseline within tolerances.
    Pass,
    /// Differs from the baseline beyond tolerances (and a second capture agreed).
    Changed,
    /// No baseline existed; one was written.
    New,
    /// Differed (or was missing) and the baseline was updated as asked (`--update`).
    Updated,
    /// No baseline and none written (CI, or `--update=none`).
    Missing,
    /// The screenshot and the baseline have different sizes.
    SizeChanged,
    /// Differs from the baseline, and two captures of it differ from each other.
    Flaky,
    /// Could not be captured or compared.
    Error,
}

impl CheckpointStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointStatus::Pass => "pass",
            CheckpointStatus::Changed => "changed",
            CheckpointStatus::New => "new",
            CheckpointStatus::Updated => "updated",
            CheckpointStatus::Missing => "missing",
            CheckpointStatus::SizeChanged => "size-changed",
            CheckpointStatus::Flaky => "flaky",
            CheckpointStatus::Error => "error",
        }
    }

    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            CheckpointStatus::Pass | CheckpointStatus::New | CheckpointStatus::Updated
        )
    }

    pub const ALL: [CheckpointStatus; 8] = [
        CheckpointStatus::Pass,
        CheckpointStatus::Changed,
        CheckpointStatus::New,
        CheckpointStatus::Updated,
        CheckpointStatus::Missing,
        CheckpointStatus::SizeChanged,
        CheckpointStatus::Flaky,
        CheckpointStatus::Error,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordingStatus {
    Pass,
    Fail,
    Error,
}

impl RecordingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingStatus::Pass => "pass",
            RecordingStatus::Fail => "fail",
            RecordingStatus::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointReport {
    pub name: String,
    /// The window id when the recording has several windows.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub window: Option<String>,
    pub t_ms: i64,
    pub reason: String,
    pub viewport: [u32; 2],
    pub status: CheckpointStatus,
    pub diff_pixels: Option<u64>,
    pub diff_ratio: Option<f64>,
    /// Paths relative to the report folder (`actual` and `diff` only for non-passing checkpoints).
    pub actual: Option<String>,
    pub baseline: Option<String>,
    pub diff: Option<String>,
    /// A copy of the baseline inside the report folder (`expected/…`), for checkpoints that
    /// differ from an existing baseline (changed, size-changed, flaky).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    /// With `--repeat`: pixels that varied between repeated captures, and where ([x, y, w, h]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub varying_pixels: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub varying_regions: Option<Vec<[u32; 4]>>,
    /// `reel drive`: the recorded frame at this checkpoint (the replay of the recording), beside
    /// the driven one in `actual`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recorded: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleError {
    pub window: String,
    pub source: String,
    pub t_ms: i64,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsoleReport {
    /// Every console error of this run (recorded and replay).
    pub errors: Vec<ConsoleError>,
    /// Those not in the approved `console.json`.
    pub new_errors: Vec<ConsoleError>,
    /// Whether the new errors were accepted into the baseline by this run (`--update`).
    pub accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingReport {
    pub id: String,
    pub source: String,
    pub status: RecordingStatus,
    pub error: Option<String>,
    /// Input or infrastructure, for errors (decides the exit code).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_kind: Option<String>,
    pub format: Option<String>,
    pub duration_ms: u64,
    pub session_duration_ms: i64,
    pub checkpoints: Vec<CheckpointReport>,
    pub console: ConsoleReport,
    pub blocked_requests: u64,
    /// `reel drive`: every step re-performed against the build, in the order performed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub steps: Vec<crate::drive::StepOutcome>,
    /// `reel drive`: origins the live pages asked for that were blocked (neither the build under
    /// test nor answered from the recording).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub blocked_hosts: Vec<String>,
    /// `reel drive`: fetch/XHR calls of the live pages answered from the recording.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub recorded_answers: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub recordings: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub checkpoints: usize,
    /// Checkpoint counts by status name.
    pub by_status: std::collections::BTreeMap<String, usize>,
    pub new_console_errors: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub threshold: f64,
    pub include_aa: bool,
    pub max_diff_pixels: Option<u64>,
    pub max_diff_ratio: Option<f64>,
    pub update: String,
    pub baselines: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub version: u32,
    /// False when the run was interrupted before every recording finished.
    pub complete: bool,
    pub summary: Summary,
    pub settings: Settings,
    pub recordings: Vec<RecordingReport>,
}

impl RunReport {
    /// Builds the report: summary counts, and `expected` paths of differing checkpoints.
    pub fn new(
        settings: Settings,
        mut recordings: Vec<RecordingReport>,
        complete: bool,
        duration_ms: u64,
    ) -> Self {
        let mut summary = Summary {
            recordings: recordings.len(),
            duration_ms,
            ..Default::default()
        };
        for s in CheckpointStatus::ALL {
            summary.by_status.insert(s.as_str().to_string(), 0);
        }
        // By id (then source): the same whatever the order of the inputs or the shards.
        recordings.sort_by(|a, b| (&a.id, &a.source).cmp(&(&b.id, &b.source)));
        for r in &mut recordings {
            for c in &mut r.checkpoints {
                c.expected = expected_path(c);
            }
        }
        for r in &recordings {
            match r.status {
                RecordingStatus::Pass => summary.passed += 1,
                RecordingStatus::Fail => summary.failed += 1,
                RecordingStatus::Error => summary.errors += 1,
            }
            summary.checkpoints += r.checkpoints.len();
            summary.new_console_errors += r.console.new_errors.len();
            for c in &r.checkpoints {
                *summary
                    .by_status
                    .entry(c.status.as_str().to_string())
                    .or_default() += 1;
            }
        }
        RunReport {
            version: REPORT_VERSION,
            complete,
            summary,
            settings,
            recordings,
        }
    }
}

/// Where the events of a failing recording are kept in a report folder (for the embedded replay
/// and for `merge-reports`).
pub fn replay_file(id: &str) -> String {
    format!("replays/{id}.json.gz")
}

/// Where a failing checkpoint's baseline is copied inside the report folder, so the folder is
/// self-contained as a CI artifact: `expected/…` mirroring `actual/…`.
pub fn expected_path(cp: &CheckpointReport) -> Option<String> {
    if !matches!(
        cp.status,
        CheckpointStatus::Changed | CheckpointStatus::SizeChanged | CheckpointStatus::Flaky
    ) {
        return None;
    }
    cp.baseline.as_ref()?;
    let actual = cp.actual.as_deref()?;
    Some(format!("expected/{}", actual.strip_prefix("actual/")?))
}

/// Writes `report.json`, `junit.xml` and `index.html` into `dir` (each atomically), copying the
/// baselines of failing checkpoints into `expected/` and embedding the events kept in `replays/`.
pub fn write_reports(dir: &Path, report: &RunReport) -> std::io::Result<()> {
    write_reports_with(dir, report, "")
}

/// [`write_reports`] with a prefix for the attachment paths in `junit.xml`.
pub fn write_reports_with(
    dir: &Path,
    report: &RunReport,
    junit_prefix: &str,
) -> std::io::Result<()> {
    let mut replays = std::collections::BTreeMap::new();
    for r in &report.recordings {
        for cp in &r.checkpoints {
            if let (Some(exp), Some(base)) = (cp.expected.as_deref(), cp.baseline.as_deref())
                && let Ok(bytes) = std::fs::read(dir.join(base))
            {
                crate::files::write_if_changed(&dir.join(exp), &bytes)?;
            }
        }
        if r.status != RecordingStatus::Pass
            && let Ok(bytes) = std::fs::read(dir.join(replay_file(&r.id)))
        {
            replays.insert(r.id.clone(), bytes);
        }
    }
    crate::files::write_atomic(&dir.join("report.json"), &json::render(report))?;
    crate::files::write_atomic(
        &dir.join("junit.xml"),
        &junit::render_with_prefix(report, junit_prefix),
    )?;
    crate::files::write_atomic(&dir.join("index.html"), &html::render(report, &replays))?;
    Ok(())
}
