//! `reel completions SHELL`: the shell completion script, generated from the command line's
//! definition (`clap_complete`), on stdout.

use super::{Cli, Failure};
use crate::exit::Outcome;
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(clap::Args, Debug)]
#[command(after_help = "Install, e.g.:\n  \
    bash: reel completions bash > ~/.local/share/bash-completion/completions/reel\n  \
    zsh:  reel completions zsh > \"${fpath[1]}/_reel\"\n  \
    fish: reel completions fish > ~/.config/fish/completions/reel.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Result<Outcome, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "reel", &mut out);
    super::print_bytes(&out)?;
    Ok(Outcome::Pass)
}
