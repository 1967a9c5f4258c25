//! `reel man [--out DIR]`: the man page, generated from the command line's definition
//! (`clap_mangen`): `reel(1)` on stdout, or `reel.1` and one `reel-COMMAND.1` per command written
//! into DIR.

use super::{Cli, Failure};
use crate::exit::{Classed, Outcome};
use clap::CommandFactory;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Read it with `reel man | man -l -`.")]
pub struct ManArgs {
    /// Write reel.1 and a reel-COMMAND.1 per command into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The pages, file name and text: `reel.1`, then `reel-COMMAND.1` for each command (built
/// commands are named `reel-COMMAND` by clap).
pub fn pages() -> Result<Vec<(String, Vec<u8>)>, std::io::Error> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let subs = cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned();
    std::iter::once(cmd.clone())
        .chain(subs)
        .map(|c| {
            let man = clap_mangen::Man::new(c);
            let mut out = Vec::new();
            man.render(&mut out)?;
            Ok((man.get_filename(), out))
        })
        .collect()
}

pub fn run(args: ManArgs) -> Result<Outcome, Failure> {
    let pages = pages().map_err(Failure::infra)?;
    let Some(dir) = args.out else {
        super::print_bytes(&pages[0].1)?;
        return Ok(Outcome::Pass);
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Classed::infra(format!("cannot create {}: {e}", dir.display())))?;
    for (name, page) in &pages {
        let path = dir.join(name);
        crate::files::write_atomic(&path, page)
            .map_err(|e| Classed::infra(format!("cannot write {}: {e}", path.display())))?;
    }
    println!("{} man pages written to {}", pages.len(), dir.display());
    Ok(Outcome::Pass)
}
