//! `reel merge-reports DIR... --out DIR`: merges the report folders of shards (`reel run --shard`)
//! into one report folder — `report.json`, `junit.xml`, `index.html` and the images and kept
//! events they point at — equal to what one unsharded run would have written, apart from timings.

use super::Failure;
use crate::exit::Outcome;
use crate::report::{self, RecordingReport, RunReport, json};
use crate::run::relative_path;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct MergeReportsArgs {
    /// Report folders written by `reel run` (typically one per shard).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The merged report folder.
    #[arg(long, value_name = "DIR", default_value = "reel-report")]
    pub out: PathBuf,
    /// Put PREFIX before the image paths of junit.xml's [[ATTACHMENT|…]] lines (they are relative
    /// to the report folder; GitLab resolves them from the project root: pass the report folder,
    /// e.g. `reel-report/`).
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub junit_prefix: String,
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// A path from a report that may be copied: relative, inside one of the report's own folders.
fn own_file(p: &str) -> bool {
    let path = Path::new(p);
    let top_ok = ["actual", "diff", "expected", "replays"]
        .iter()
        .any(|top| path.starts_with(top));
    top_ok && path.components().all(|c| matches!(c, Component::Normal(_)))
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

pub fn run(args: MergeReportsArgs) -> Result<Outcome, Failure> {
    let mut reports: Vec<(PathBuf, RunReport)> = Vec::new();
    for dir in &args.dirs {
        let path = dir.join("report.json");
        let bytes = std::fs::read(&path).map_err(|e| {
            Failure::input(anyhow::anyhow!("{}: cannot read ({e})", path.display()))
        })?;
        let r = json::parse(&bytes).map_err(|e| {
            Failure::input(anyhow::anyhow!(
                "{}: not a reel report: {e}",
                path.display()
            ))
        })?;
        if r.version != report::REPORT_VERSION {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: report version {} (this reel reads {})",
                path.display(),
                r.version,
                report::REPORT_VERSION
            )));
        }
        reports.push((dir.clone(), r));
    }
    let out_is_input = args.dirs.iter().any(|d| same_dir(d, &args.out));
    if !out_is_input && args.out.join("report.json").is_file() {
        for sub in ["actual", "diff", "expected", "replays"] {
            let p = args.out.join(sub);
            if p.is_dir() {
                std::fs::remove_dir_all(&p).map_err(|e| {
                    Failure::input(anyhow::anyhow!("cannot clear {}: {e}", p.display()))
                })?;
            }
        }
    }
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::input(anyhow::anyhow!("cannot create {}: {e}", args.out.display()))
    })?;

    let settings = reports[0].1.settings.clone();
    let mut complete = true;
    let mut duration_ms = 0;
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut recordings: Vec<RecordingReport> = Vec::new();
    for (dir, r) in reports {
        if r.settings != settings {
            eprintln!(
                "warning: {} was run with other settings than {}; the merged report shows the first's",
                dir.display(),
                args.dirs[0].display()
            );
        }
        complete &= r.complete;
        duration_ms = duration_ms.max(r.summary.duration_ms);
        let copy = !same_dir(&dir, &args.out);
        for mut rec in r.recordings {
            if let Some(other) = seen.insert(rec.id.clone(), dir.clone()) {
                return Err(Failure::input(anyhow::anyhow!(
                    "recording {} is in two reports: {} and {}; were the shards run with the same --shard?",
                    rec.id,
                    other.display(),
                    dir.display()
                )));
            }
            let mut files: Vec<String> = vec![report::replay_file(&rec.id)];
            for cp in &mut rec.checkpoints {
                files.extend(
                    [&cp.actual, &cp.diff, &cp.expected]
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
                // The baseline lives outside the report folder: point at it from the new one.
                if let Some(b) = &cp.baseline {
                    cp.baseline = Some(relative_path(&lexical(&dir.join(b)), &lexical(&args.out)));
                }
            }
            if copy {
                for f in files.iter().filter(|f| own_file(f)) {
                    let from = dir.join(f);
                    if !from.is_file() {
                        continue;
                    }
                    let bytes = std::fs::read(&from).map_err(|e| {
                        Failure::input(anyhow::anyhow!("cannot read {}: {e}", from.display()))
                    })?;
                    crate::files::write_atomic(&args.out.join(f), &bytes).map_err(|e| {
                        Failure::infra(anyhow::anyhow!("writing {}: {e}", args.out.display()))
                    })?;
                }
            }
            recordings.push(rec);
        }
    }
    let merged = RunReport::new(settings, recordings, complete, duration_ms);
    report::write_reports_with(&args.out, &merged, &args.junit_prefix).map_err(|e| {
        Failure::infra(anyhow::anyhow!(
            "writing the report to {}: {e}",
            args.out.display()
        ))
    })?;
    let summary = report::terminal::render(&merged, &args.out.display().to_string());
    if !args.quiet {
        println!(
            "merged {} report(s): {} recordings",
            args.dirs.len(),
            merged.summary.recordings
        );
    }
    print!("{}", String::from_utf8_lossy(&summary));
    Ok(merged.outcome()?)
}
