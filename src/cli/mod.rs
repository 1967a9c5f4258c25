//! The command line: one file per subcommand, each parsing its arguments, calling the library and
//! printing what it returns; [`Failure`] carries a library error's class to the exit code. Shared
//! groups of flags are in [`browser_args`] and [`limits`] (the settings' flags come from
//! [`crate::settings`]).

mod approve;
mod browser_args;
mod completions;
mod demo;
mod diff;
mod drive;
mod export;
mod fetch;
mod inspect;
mod job;
mod limits;
mod man;
mod merge_reports;
mod replay;
mod run;

use crate::exit::{Classified, ErrorClass, Outcome};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// An error on its way to `main`: the message chain plus its exit-code class.
#[derive(Debug)]
pub struct Failure {
    pub class: ErrorClass,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            class: ErrorClass::Input,
            error: error.into(),
        }
    }

    pub fn infra(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            class: ErrorClass::Infra,
            error: error.into(),
        }
    }

    pub fn code(&self) -> ExitCode {
        ExitCode::from(self.class.code())
    }
}

impl<E: Classified> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            class: e.class(),
            error: e.into(),
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "reel",
    version,
    about = "Replay real user sessions (PostHog / rrweb) in headless Chromium, screenshot checkpoints, diff against baselines",
    after_help = "Exit codes: 0 pass, 1 regressions found, 2 usage/input error, 3 infrastructure error (browser, network)."
)]
pub struct Cli {
    /// More logs on stderr (-v debug, -vv trace). [env: REEL_LOG: a tracing filter such as
    /// reel=debug, which replaces them]
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Replay recordings, compare every checkpoint and the console with the baselines, report.
    Run(Box<run::RunArgs>),
    /// Re-perform the recordings' user actions against a running build (--url), compare its
    /// screenshots and console errors with the baselines, report.
    Drive(Box<drive::DriveArgs>),
    /// Promote the last run's actual screenshots and new console errors to baselines.
    Approve(approve::ApproveArgs),
    /// Replay a recording and write a screenshot per checkpoint plus capture.json.
    Replay(Box<replay::ReplayArgs>),
    /// Replay the embedded demo recording into ./reel-demo/.
    Demo(demo::DemoArgs),
    /// Describe recordings: format, windows, events, viewports, console, planned checkpoints.
    Inspect(inspect::InspectArgs),
    /// Compare two PNG screenshots (pixelmatch-compatible).
    Diff(diff::DiffArgs),
    /// Fetch recordings from PostHog or object storage (s3://, gs://, az://, file://) into a directory.
    Fetch(fetch::FetchArgs),
    /// Write a recording as one standalone HTML player that plays offline in any browser.
    Export(export::ExportArgs),
    /// Merge the report folders of shards (`reel run --shard I/N`) into one report.
    MergeReports(merge_reports::MergeReportsArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(completions::CompletionsArgs),
    /// Print the man page (or write one per command with --out DIR).
    Man(man::ManArgs),
}

/// Parses the command line, runs it and maps the result to the exit-code table.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {
            print!("{}", version());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(crate::exit::INPUT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    init_logging(cli.verbose);
    let result = run(cli);
    if crate::timings::enabled() {
        eprint!("{}", crate::timings::summary());
    }
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(failure) => {
            let message = format!("{:#}", failure.error);
            eprintln!("error: {}", crate::printable::printable(&message));
            failure.code()
        }
    }
}

/// `reel --version`: reel's version and features, the embedded rrweb, and the browser a run
/// would use — the one it would attach to, or the executable it would launch with what its
/// `--version` says (the browser is not started).
fn version() -> String {
    let features: Vec<&str> = [
        ("object-store", cfg!(feature = "object-store")),
        ("posthog", cfg!(feature = "posthog")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let mut out = format!(
        "reel {} (features: {})\nrrweb {} (embedded)\n",
        env!("CARGO_PKG_VERSION"),
        if features.is_empty() {
            "none".to_string()
        } else {
            features.join(", ")
        },
        env!("REEL_RRWEB_VERSION"),
    );
    let attach = std::env::var("REEL_BROWSER_WS").unwrap_or_default();
    if !attach.is_empty() {
        out.push_str(&format!(
            "browser: attaches to {attach} (REEL_BROWSER_WS)\n"
        ));
        return out;
    }
    match crate::replay::find_chrome(None) {
        Ok(exe) => {
            let says = crate::replay::version_output(&exe)
                .unwrap_or_else(|| "no answer to --version".into());
            let kind = if crate::replay::is_headless_shell(&exe) {
                "headless shell"
            } else {
                "headless mode"
            };
            out.push_str(&format!("browser: {} ({says}, {kind})\n", exe.display()));
        }
        Err(e) => out.push_str(&format!("browser: {e}\n")),
    }
    out
}

fn init_logging(verbose: u8) {
    // chromiumoxide logs a websocket error whenever a browser closes; it is noise below -vv.
    let level = match verbose {
        0 => "warn,chromiumoxide=off",
        1 => "reel=debug,warn,chromiumoxide=off",
        _ => "reel=trace,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("REEL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Log lines quote data (ids, messages): they go out through `printable`, hence without
    // colours of their own.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| crate::printable::PrintableWriter(std::io::stderr()))
        .with_target(false)
        .try_init();
}

fn run(cli: Cli) -> Result<Outcome, Failure> {
    match cli.command {
        Command::Run(args) => block_on(run::run(*args)),
        Command::Drive(args) => block_on(drive::run(*args)),
        Command::Approve(args) => approve::run(args),
        Command::Replay(args) => block_on(replay::run(*args)),
        Command::Demo(args) => block_on(demo::run(args)),
        Command::Inspect(args) => inspect::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Fetch(args) => block_on(fetch::run(args)),
        Command::Export(args) => export::run(args),
        Command::MergeReports(args) => merge_reports::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// Writes `bytes` to stdout; a closed pipe (`reel man | head`) is not an error.
fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::infra(e)),
        _ => Ok(()),
    }
}

fn block_on<F: std::future::Future<Output = Result<Outcome, Failure>>>(
    fut: F,
) -> Result<Outcome, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::infra)?;
    runtime.block_on(fut)
}
