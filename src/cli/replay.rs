//! `reel replay RECORDING`.

use crate::exit::{Failure, Outcome};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    pub recording: PathBuf,
}

pub async fn run(_args: ReplayArgs) -> Result<Outcome, Failure> {
    Err(Failure::infra(anyhow::anyhow!("replay: not built yet")))
}
