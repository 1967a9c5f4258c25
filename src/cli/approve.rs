//! `reel approve [RECORDING[/CHECKPOINT]]...`: promotes the last run's actual screenshots (changed,
//! missing, size-changed) and new console errors to baselines and says what it took.

use super::Failure;
use crate::exit::Outcome;
use crate::printable::printable;
use crate::report::ReportDir;
use crate::report::approve::{Approved, approve};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ApproveArgs {
    /// What to approve: a recording id, or RECORDING/CHECKPOINT (window-qualified names as shown
    /// in the report: RECORDING/WINDOW/CHECKPOINT). Nothing given: everything that failed.
    pub targets: Vec<String>,
    /// The report folder of the run to approve from.
    #[arg(long, value_name = "DIR", default_value = "reel-report")]
    pub out: PathBuf,
    /// Baselines folder (default: the one the run used).
    #[arg(long, value_name = "DIR")]
    pub baselines: Option<PathBuf>,
}

pub fn run(args: ApproveArgs) -> Result<Outcome, Failure> {
    let dir = ReportDir::new(&args.out);
    let count = approve(&dir, args.baselines, &args.targets, |a| match a {
        Approved::Checkpoint {
            recording,
            name,
            status,
            baseline,
        } => println!(
            "approved {recording}/{} ({}) → {}",
            printable(name),
            status.as_str(),
            baseline.display()
        ),
        Approved::ConsoleError { recording, message } => {
            println!("approved {recording} console error: {}", printable(message))
        }
    })?;
    if count == 0 {
        println!("nothing to approve in {}", dir.report_json().display());
    }
    Ok(Outcome::Pass)
}
