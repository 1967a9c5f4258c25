//! `reel diff A.png B.png`.

use crate::exit::{Failure, Outcome};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    pub a: PathBuf,
    pub b: PathBuf,
}

pub fn run(_args: DiffArgs) -> Result<Outcome, Failure> {
    Err(Failure::input(anyhow::anyhow!("diff: not built yet")))
}
