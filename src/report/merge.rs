//! `reel merge-reports`: merges the report folders of shards (`reel run --shard`) into one —
//! equal to what one unsharded run would have written, apart from timings: recordings by id, the
//! images and kept events they point at copied over, baseline paths pointed at from the new folder.

use super::{RecordingReport, RecordingStatus, ReportDir, ReportError, RunReport};
use crate::exit::{Classified, ErrorClass};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The merged report and the events of its failing recordings (for the HTML report).
pub struct Merged {
    pub report: RunReport,
    pub replays: BTreeMap<String, Vec<u8>>,
    /// Shards run with other settings than the first (the merged report shows the first's).
    pub differing_settings: Vec<PathBuf>,
}

/// Why the reports cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no report folders to merge")]
    Nothing,
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{path}: report version {found} (this reel reads {expected})")]
    Version {
        path: String,
        found: u32,
        expected: u32,
    },
    #[error(
        "recording {id} is in two reports: {first} and {second}; were the shards run with the same \
         --shard?"
    )]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
    #[error("cannot read {path}: {source}")]
    Copy {
        path: String,
        source: std::io::Error,
    },
}

impl Classified for MergeError {
    fn class(&self) -> ErrorClass {
        match self {
            MergeError::Report(e) => e.class(),
            _ => ErrorClass::Input,
        }
    }
}

/// `path` made absolute with `.` and `..` resolved by name (the baseline folder of a CI run
/// need not exist where the reports are merged).
fn lexical(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads the reports in `shards` and merges them into `out` (its previous images cleared, unless
/// it is one of the shards): copies the files they point at and returns the merged report, to
/// be written with [`ReportDir::write_report`].
pub fn merge(shards: &[ReportDir], out: &ReportDir) -> Result<Merged, MergeError> {
    let mut reports: Vec<(&ReportDir, RunReport)> = Vec::new();
    for shard in shards {
        let r = shard.read_report()?;
        if r.version != super::REPORT_VERSION {
            return Err(MergeError::Version {
                path: shard.report_json().display().to_string(),
                found: r.version,
                expected: super::REPORT_VERSION,
            });
        }
        reports.push((shard, r));
    }
    if !shards.iter().any(|s| same_dir(s.root(), out.root())) {
        out.clear()?;
    }
    std::fs::create_dir_all(out.root()).map_err(|source| ReportError::Create {
        path: out.root().display().to_string(),
        source,
    })?;

    let settings = match reports.first() {
        Some((_, r)) => r.settings.clone(),
        None => return Err(MergeError::Nothing),
    };
    let mut replays = BTreeMap::new();
    let mut differing_settings = Vec::new();
    let mut complete = true;
    let mut duration_ms = 0;
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut recordings: Vec<RecordingReport> = Vec::new();
    for (shard, r) in reports {
        if r.settings != settings {
            differing_settings.push(shard.root().to_path_buf());
        }
        complete &= r.complete;
        duration_ms = duration_ms.max(r.summary.duration_ms);
        let copy = !same_dir(shard.root(), out.root());
        for mut rec in r.recordings {
            if let Some(first) = seen.insert(rec.id.clone(), shard.root().to_path_buf()) {
                return Err(MergeError::Duplicate {
                    id: rec.id,
                    first: first.display().to_string(),
                    second: shard.root().display().to_string(),
                });
            }
            if let Some(events) = carry_over(&mut rec, shard, out, copy)? {
                replays.insert(rec.id.clone(), events);
            }
            recordings.push(rec);
        }
    }
    Ok(Merged {
        report: RunReport::new(settings, recordings, complete, duration_ms),
        replays,
        differing_settings,
    })
}

/// Moves one recording from `shard`'s report to `out`'s: copies the files it points at (when
/// `copy`) and points its baselines at from `out`. Returns its kept events when it did not pass.
fn carry_over(
    rec: &mut RecordingReport,
    shard: &ReportDir,
    out: &ReportDir,
    copy: bool,
) -> Result<Option<Vec<u8>>, MergeError> {
    let replay = ReportDir::replay(&rec.id);
    let mut files: Vec<String> = vec![replay.clone()];
    for cp in &mut rec.checkpoints {
        files.extend(
            [&cp.actual, &cp.diff, &cp.expected, &cp.thumbnail]
                .into_iter()
                .flatten()
                .cloned(),
        );
        // The baseline lives outside the report folder: point at it from the new one.
        if let Some(b) = &cp.baseline {
            cp.baseline = Some(super::dir::relative_path(
                &lexical(&shard.path(b)),
                &lexical(out.root()),
            ));
        }
    }
    let keep_events = rec.status != RecordingStatus::Pass;
    let mut events = None;
    for f in files.iter().filter(|f| ReportDir::owns(f)) {
        let from = shard.path(f);
        let embed = keep_events && *f == replay;
        if !(copy || embed) || !from.is_file() {
            continue;
        }
        let bytes = std::fs::read(&from).map_err(|source| MergeError::Copy {
            path: from.display().to_string(),
            source,
        })?;
        if copy {
            out.write(f, &bytes)?;
        }
        if embed {
            events = Some(bytes);
        }
    }
    Ok(events)
}
