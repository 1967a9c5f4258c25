//! `reel export RECORDING --html OUT.html`: the portable standalone player — one HTML file with
//! the viewer, rrweb and the compressed events inside, which plays offline in any browser.

use super::Failure;
use crate::exit::Outcome;
use crate::recording::{self, Limits};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The recording (any supported format, gzip or not).
    pub recording: PathBuf,
    /// Where to write the player page.
    #[arg(long, value_name = "OUT.html")]
    pub html: PathBuf,
}

pub fn run(args: ExportArgs) -> Result<Outcome, Failure> {
    let rec = recording::load(&args.recording, &Limits::default())
        .map_err(|e| Failure::input(anyhow::anyhow!("{e}")))?;
    if !rec.windows.iter().any(|w| w.has_full_snapshot()) {
        return Err(Failure::input(anyhow::anyhow!(
            "{}: no full snapshot in any window, nothing could be shown",
            rec.source
        )));
    }
    let page = crate::report::html::render_player(&rec);
    crate::files::write_atomic(&args.html, &page)
        .map_err(|e| Failure::infra(anyhow::anyhow!("writing {}: {e}", args.html.display())))?;
    println!(
        "{}: {} window(s), {} events → {} ({} KiB)",
        rec.id,
        rec.windows.len(),
        rec.event_count(),
        args.html.display(),
        page.len().div_ceil(1024)
    );
    Ok(Outcome::Pass)
}
