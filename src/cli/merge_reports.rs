//! `reel merge-reports DIR... --out DIR`: merges the report folders of shards (`reel run --shard`)
//! into one report folder (see [`crate::report::merge`]).

use super::Failure;
use crate::exit::Outcome;
use crate::report::{Github, ReportDir, github, merge, terminal};
use std::path::PathBuf;

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
    /// No progress and no line per recording: only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn run(args: MergeReportsArgs) -> Result<Outcome, Failure> {
    let shards: Vec<ReportDir> = args.dirs.iter().map(ReportDir::new).collect();
    let out = ReportDir::new(&args.out);
    let merged = merge::merge(&shards, &out)?;
    for dir in &merged.differing_settings {
        eprintln!(
            "warning: {} was run with other settings than {}; the merged report shows the first's",
            dir.display(),
            args.dirs[0].display()
        );
    }
    let ci = Github::from_env(|name| std::env::var(name).ok());
    out.write_report(&merged.report, &merged.replays, &args.junit_prefix, &ci)?;
    if !args.quiet {
        println!(
            "merged {} report(s): {} recordings",
            args.dirs.len(),
            merged.report.summary.recordings
        );
    }
    let summary = terminal::render(&merged.report, &args.out.display().to_string());
    print!("{}", String::from_utf8_lossy(&summary));
    if ci.actions {
        print!(
            "{}",
            String::from_utf8_lossy(&github::annotations(&merged.report))
        );
    }
    Ok(merged.report.outcome()?)
}
