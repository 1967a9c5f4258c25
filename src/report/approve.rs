//! `reel approve`: promotes what a written report shows as failing — actual screenshots of
//! changed, missing and size-changed checkpoints (flaky ones only when named), and new console
//! errors — to baselines, atomically, one at a time; the run's browser then becomes the one
//! recorded beside the baselines.
//!
//! `report.json` is input here: an `actual` path that is absolute or climbs out of the report
//! folder is refused, so approve never reads (and promotes) a file from anywhere else.

use super::{CheckpointStatus, ReportDir, ReportError, RunReport};
use crate::compare::baseline::{ApprovedError, BaselineError, BaselineStore};
use crate::compare::decode_png;
use crate::exit::{Classified, ErrorClass};
use std::path::PathBuf;

/// One thing made a baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Approved {
    Checkpoint {
        recording: String,
        /// `CHECKPOINT`, or `WINDOW/CHECKPOINT` for recordings with several windows.
        name: String,
        status: CheckpointStatus,
        /// The baseline written.
        baseline: PathBuf,
    },
    ConsoleError {
        recording: String,
        message: String,
    },
}

/// Why approving stopped (what was approved before stays approved).
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(
        "{path}: cannot read the last run's report ({source}); run `reel run` first or pass --out"
    )]
    NoReport {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{report}: checkpoint {checkpoint}: \"actual\" {actual:?} is not a path inside {dir}")]
    Outside {
        report: String,
        checkpoint: String,
        actual: String,
        dir: String,
    },
    #[error("{path}: cannot read: {source}")]
    ReadActual {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a valid PNG")]
    BadActual { path: String },
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error("{target}: no such recording or checkpoint in {report}")]
    NoSuchTarget { target: String, report: String },
}

impl Classified for ApproveError {
    fn class(&self) -> ErrorClass {
        ErrorClass::Input
    }
}

/// What to approve: everything that failed, or the named recordings and checkpoints.
struct Targets<'a> {
    names: &'a [String],
    matched: Vec<bool>,
}

impl Targets<'_> {
    /// Whether `recording` (or its checkpoint `checkpoint`) is wanted; marks the targets that
    /// name it.
    fn want(&mut self, recording: &str, checkpoint: Option<&str>) -> bool {
        if self.names.is_empty() {
            return true;
        }
        let mut hit = false;
        for (i, t) in self.names.iter().enumerate() {
            let ok =
                t == recording || checkpoint.is_some_and(|cp| *t == format!("{recording}/{cp}"));
            if ok {
                self.matched[i] = true;
                hit = true;
            }
        }
        hit
    }

    /// Whether `RECORDING/CHECKPOINT` itself is named (flaky checkpoints need that).
    fn names_exactly(&self, recording: &str, checkpoint: &str) -> bool {
        self.names
            .iter()
            .any(|t| *t == format!("{recording}/{checkpoint}"))
    }
}

/// Approves from the report in `dir` into `baselines` (default: the folder the run used) what
/// `targets` name (`RECORDING`, `RECORDING/CHECKPOINT` or `RECORDING/WINDOW/CHECKPOINT`; none:
/// everything that failed). `on_approved` sees each one as it is written.
pub fn approve(
    dir: &ReportDir,
    baselines: Option<PathBuf>,
    targets: &[String],
    mut on_approved: impl FnMut(&Approved),
) -> Result<usize, ApproveError> {
    let report_path = dir.report_json().display().to_string();
    let report: RunReport = dir.read_report().map_err(|e| match e {
        ReportError::Read { path, source } => ApproveError::NoReport { path, source },
        e => e.into(),
    })?;
    let store =
        BaselineStore::new(baselines.unwrap_or_else(|| PathBuf::from(&report.settings.baselines)));
    let mut wanted = Targets {
        names: targets,
        matched: vec![false; targets.len()],
    };
    let mut count = 0;
    for rec in &report.recordings {
        for cp in &rec.checkpoints {
            let name = match &cp.window {
                Some(w) => format!("{w}/{}", cp.name),
                None => cp.name.clone(),
            };
            if !wanted.want(&rec.id, Some(&name)) {
                continue;
            }
            let approvable = matches!(
                cp.status,
                CheckpointStatus::Changed
                    | CheckpointStatus::Missing
                    | CheckpointStatus::SizeChanged
            ) || (cp.status == CheckpointStatus::Flaky
                && wanted.names_exactly(&rec.id, &name));
            let Some(actual) = cp.actual.as_ref().filter(|_| approvable) else {
                continue;
            };
            let baseline = store.png_path(&rec.id, cp.window.as_deref(), &cp.name);
            promote(dir, actual, &baseline, &store).map_err(|e| match e {
                Promote::Outside => ApproveError::Outside {
                    report: report_path.clone(),
                    checkpoint: format!("{}/{name}", rec.id),
                    actual: actual.clone(),
                    dir: dir.root().display().to_string(),
                },
                Promote::Failed(e) => e,
            })?;
            on_approved(&Approved::Checkpoint {
                recording: rec.id.clone(),
                name,
                status: cp.status,
                baseline,
            });
            count += 1;
        }
        if !rec.console.new_errors.is_empty() && !rec.console.accepted && wanted.want(&rec.id, None)
        {
            let mut approved = store
                .load_console(&rec.id)?
                .map(|c| c.errors)
                .unwrap_or_default();
            for e in &rec.console.new_errors {
                approved.push(ApprovedError {
                    window: e.window.clone(),
                    source: e.source,
                    message: e.message.clone(),
                });
                on_approved(&Approved::ConsoleError {
                    recording: rec.id.clone(),
                    message: e.message.clone(),
                });
                count += 1;
            }
            store.save_console(&rec.id, &approved)?;
        }
    }
    if let Some(i) = wanted.matched.iter().position(|m| !m) {
        return Err(ApproveError::NoSuchTarget {
            target: targets[i].clone(),
            report: report_path,
        });
    }
    // What was promoted was made by the run's browser: it now made the baselines.
    if count > 0
        && let Some(browser) = &report.browser
    {
        store.save_record(browser)?;
    }
    Ok(count)
}

enum Promote {
    /// The report's `actual` path leaves the report folder.
    Outside,
    Failed(ApproveError),
}

/// Makes the report's image at `actual` the baseline at `baseline` (decoded first: what is
/// promoted is a valid PNG).
fn promote(
    dir: &ReportDir,
    actual: &str,
    baseline: &std::path::Path,
    store: &BaselineStore,
) -> Result<(), Promote> {
    if !ReportDir::is_inside(actual) {
        return Err(Promote::Outside);
    }
    let path = dir.path(actual);
    let png = std::fs::read(&path).map_err(|source| {
        Promote::Failed(ApproveError::ReadActual {
            path: path.display().to_string(),
            source,
        })
    })?;
    let img = decode_png(&png).map_err(|_| {
        Promote::Failed(ApproveError::BadActual {
            path: path.display().to_string(),
        })
    })?;
    store
        .save_png(baseline, &img, Some(&png))
        .map_err(|e| Promote::Failed(e.into()))?;
    Ok(())
}
