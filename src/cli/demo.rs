//! `reel demo`.

use crate::exit::{Failure, Outcome};

#[derive(clap::Args, Debug)]
pub struct DemoArgs {}

pub async fn run(_args: DemoArgs) -> Result<Outcome, Failure> {
    Err(Failure::infra(anyhow::anyhow!("demo: not built yet")))
}
