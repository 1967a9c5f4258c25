//! What people and CI read. The runner produces a [`RunReport`]; each output format is its own
//! file with a pure `render(&RunReport) -> Vec<u8>`; [`ReportDir`] owns the report folder and is
//! the one place that writes it (atomically). [`approve`] and [`merge`] are the operations on
//! written reports (`reel approve`, `reel merge-reports`); [`thumbnail`] makes the small images
//! of passing checkpoints.

pub mod approve;
pub mod dir;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod merge;
pub mod terminal;
pub mod thumbnail;

pub use crate::plan::Reason;
pub use crate::recording::Format;
pub use crate::replay::{Canvas, ConsoleSource};
pub use crate::settings::ReportSettings;
pub use dir::{Image, ReportDir, ReportError};
pub use github::Github;

use crate::exit::{Classed, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of `report.json`'s format. Bumped on incompatible changes only.
pub const REPORT_VERSION: u32 = 1;

/// A checkpoint's verdict. The order is the order of `summary.by_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Whose problem a recording's `error` is; decides the exit code (2 or 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// Unreadable or malformed recording, bad baseline: the user's to fix.
    Input,
    /// Browser, network, disk.
    Infrastructure,
}

/// Fields a command adds to a recording or checkpoint beyond these (e.g. `reel drive`'s
/// `steps`): written as they are, read back and carried through `merge-reports` unchanged.
pub type Extras = BTreeMap<String, serde_json::Value>;

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
    pub reason: Reason,
    pub viewport: [u32; 2],
    pub status: CheckpointStatus,
    pub diff_pixels: Option<u64>,
    pub diff_ratio: Option<f64>,
    /// Paths relative to the report folder. `actual`: what was captured, for every checkpoint
    /// that did not pass and for the baselines this run wrote (new, updated); `diff` only for
    /// checkpoints that differ.
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
    /// Time spent seeking to and capturing this checkpoint (junit.xml's testcase `time`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration_ms: Option<u64>,
    /// A small copy of what was captured (`thumbs/…`), for passing checkpoints.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub thumbnail: Option<String>,
    /// The PostHog replay at this moment, for recordings fetched from PostHog.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub posthog_url: Option<String>,
    #[serde(flatten)]
    pub extras: Extras,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleError {
    pub window: String,
    pub source: ConsoleSource,
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
    pub error_kind: Option<ErrorKind>,
    pub format: Option<Format>,
    pub duration_ms: u64,
    pub session_duration_ms: i64,
    pub checkpoints: Vec<CheckpointReport>,
    pub console: ConsoleReport,
    pub blocked_requests: u64,
    /// For recordings with canvas data: whether it was replayed (`off`: canvases are blank).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub canvas: Option<Canvas>,
    /// Where the recording lives in PostHog, for recordings fetched from there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub posthog: Option<PosthogReplay>,
    #[serde(flatten)]
    pub extras: Extras,
}

/// A recording's session in PostHog, from the `<id>.meta.json` that `reel fetch` saved beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosthogReplay {
    /// The session id.
    pub session: String,
    /// The replay in PostHog's app (without a time), when the fetch recorded host and project.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
    /// Who it was: the person's email or name, else the distinct id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub person: Option<String>,
    /// When the session started, as PostHog gives it (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub start_time: Option<String>,
}

impl RecordingReport {
    /// A recording that could not be read or replayed.
    pub fn error(
        id: String,
        source: String,
        format: Option<Format>,
        error: String,
        kind: ErrorKind,
        duration_ms: u64,
    ) -> RecordingReport {
        RecordingReport {
            id,
            source,
            status: RecordingStatus::Error,
            error: Some(error),
            error_kind: Some(kind),
            format,
            duration_ms,
            session_duration_ms: 0,
            checkpoints: Vec::new(),
            console: ConsoleReport::default(),
            blocked_requests: 0,
            canvas: None,
            posthog: None,
            extras: Extras::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub recordings: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub checkpoints: usize,
    /// Checkpoint counts by status, every status listed.
    pub by_status: BTreeMap<CheckpointStatus, usize>,
    pub new_console_errors: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub version: u32,
    /// False when the run was interrupted before every recording finished.
    pub complete: bool,
    pub summary: Summary,
    pub settings: ReportSettings,
    pub recordings: Vec<RecordingReport>,
}

impl RunReport {
    /// Builds the report: recordings by id, and the summary's counts.
    pub fn new(
        settings: ReportSettings,
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
            summary.by_status.insert(s, 0);
        }
        // By id (then source): the same whatever the order of the inputs or the shards.
        recordings.sort_by(|a, b| (&a.id, &a.source).cmp(&(&b.id, &b.source)));
        for r in &recordings {
            match r.status {
                RecordingStatus::Pass => summary.passed += 1,
                RecordingStatus::Fail => summary.failed += 1,
                RecordingStatus::Error => summary.errors += 1,
            }
            summary.checkpoints += r.checkpoints.len();
            summary.new_console_errors += r.console.new_errors.len();
            for c in &r.checkpoints {
                *summary.by_status.entry(c.status).or_default() += 1;
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

    /// What the report means for the exit code: an infrastructure error of any recording first,
    /// then an input error, then regressions.
    pub fn outcome(&self) -> Result<Outcome, Classed> {
        let errors: Vec<&RecordingReport> = self
            .recordings
            .iter()
            .filter(|r| r.status == RecordingStatus::Error)
            .collect();
        if let Some(e) = errors
            .iter()
            .find(|r| r.error_kind != Some(ErrorKind::Input))
        {
            return Err(Classed::infra(format!(
                "{}: {}",
                e.source,
                e.error.clone().unwrap_or_default()
            )));
        }
        if let Some(e) = errors.first() {
            return Err(Classed::input(e.error.clone().unwrap_or_default()));
        }
        Ok(if self.summary.failed > 0 {
            Outcome::Regressions
        } else {
            Outcome::Pass
        })
    }
}
