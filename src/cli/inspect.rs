//! `reel inspect RECORDING... [--json]`.

use crate::exit::{Failure, Outcome};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Recording files (any supported format, gzip or not).
    #[arg(required = true)]
    pub recordings: Vec<PathBuf>,
    /// One JSON object per file instead of tables.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: InspectArgs) -> Result<Outcome, Failure> {
    Err(Failure::input(anyhow::anyhow!("inspect: not built yet")))
}
