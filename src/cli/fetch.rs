//! `reel fetch posthog [--recording ID... | filters] --out DIR` and
//! `reel fetch s3://bucket/prefix/ | gs://… | az://… | file:///… --out DIR`.
//!
//! Exit 0 when every selected recording is saved (fetched now or already there); 2 for a bad or
//! missing key, bad flags, nothing found, or when some recordings were missing (404/410) — the
//! others are still saved; 3 when the server or store could not be reached or kept failing.

use super::Failure;
use crate::exit::{Classed, ErrorClass, Interrupted, Outcome};
use crate::interrupt::until_interrupted;
use crate::source::object_store::{self as store, StoreFetch};
use crate::source::posthog::api::ListFilter;
use crate::source::posthog::client::RetryPolicy;
use crate::source::posthog::when::{parse_seconds, parse_when};
use crate::source::posthog::{self, PosthogFetch, Selection};
use crate::source::progress::{Terminal, summary_line};
use crate::source::{ApiKey, FetchSummary, SourceError};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct FetchArgs {
    /// `posthog`, or an object-storage URL: s3://bucket/prefix/, gs://…, az://…, file:///dir/
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Directory to save recordings in (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Fetch again even what is already saved and finished.
    #[arg(long)]
    pub refresh: bool,
    /// Requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Retries of a request that failed with 429, 502, 503, 504, a timeout or a lost connection.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// First backoff delay in ms (doubles per retry, with jitter).
    #[arg(long, hide = true, env = "REEL_RETRY_BASE_MS", default_value_t = 1000)]
    pub retry_base_ms: u64,
    /// Timeout of one request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub timeout: u64,
    /// Largest recording (all its snapshot data, or one object) fetched, in bytes; larger ones
    /// are refused and nothing of them kept [default: 4 GiB, as for `reel run`].
    #[arg(long, value_name = "BYTES")]
    pub max_recording_bytes: Option<u64>,

    /// PostHog host.
    #[arg(
        long,
        env = "POSTHOG_HOST",
        default_value = "https://us.posthog.com",
        help_heading = "PostHog"
    )]
    pub host: String,
    /// PostHog project id.
    #[arg(long, env = "POSTHOG_PROJECT_ID", help_heading = "PostHog")]
    pub project: Option<String>,
    /// Read the personal API key from this file instead of $POSTHOG_API_KEY.
    #[arg(long, value_name = "FILE", help_heading = "PostHog")]
    pub api_key_file: Option<PathBuf>,
    /// Fetch these recordings (session ids; repeatable, comma-separated) instead of listing.
    #[arg(long = "recording", value_name = "ID", num_args = 1.., value_delimiter = ',', help_heading = "PostHog")]
    pub recordings: Vec<String>,
    /// List recordings since: 7d, 24h, 2w, 1m (months), or a date/time (2026-01-31T00:00:00Z).
    #[arg(long, default_value = "7d", value_parser = parse_when, help_heading = "PostHog")]
    pub since: String,
    /// List recordings until (same forms as --since).
    #[arg(long, value_parser = parse_when, help_heading = "PostHog")]
    pub until: Option<String>,
    /// List at most this many recordings.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    #[arg(help_heading = "PostHog")]
    pub limit: u64,
    /// Only recordings at least this long: 30s, 2m, 1h (bare numbers are seconds).
    #[arg(long, value_name = "DURATION", value_parser = parse_seconds, help_heading = "PostHog")]
    pub min_duration: Option<f64>,
    /// Only recordings that visited a URL containing this.
    #[arg(long = "url", value_name = "CONTAINS", help_heading = "PostHog")]
    pub url_contains: Option<String>,
    /// Only recordings of this person (distinct id).
    #[arg(long, value_name = "DISTINCT_ID", help_heading = "PostHog")]
    pub person: Option<String>,
    /// Only recordings with console errors.
    #[arg(long, help_heading = "PostHog")]
    pub with_console_errors: bool,

    /// Copy objects without checking that they parse as recordings.
    #[arg(long, help_heading = "Object storage")]
    pub no_validate: bool,
}

pub async fn run(args: FetchArgs) -> Result<Outcome, Failure> {
    let tty = std::io::stderr().is_terminal();
    crate::files::sweep_stale(&[&args.out]);
    if store::is_store_url(&args.source) {
        return run_store(args, tty).await;
    }
    if args.source != "posthog" {
        return Err(Failure::input(anyhow::anyhow!(
            "unknown source {:?}: use `posthog` or an s3://, gs://, az:// or file:// URL",
            args.source
        )));
    }
    let key = read_key(&args)?;
    let project = args.project.clone().unwrap_or_default();
    let selection = if args.recordings.is_empty() {
        Selection::List(ListFilter {
            date_from: Some(args.since.clone()),
            date_to: args.until.clone(),
            limit: args.limit as usize,
            min_duration_s: args.min_duration,
            url_contains: args.url_contains.clone(),
            person: args.person.clone(),
            with_console_errors: args.with_console_errors,
        })
    } else {
        Selection::Ids(args.recordings.clone())
    };
    let cfg = PosthogFetch {
        host: args.host.clone(),
        project,
        key: key.clone(),
        out: args.out.clone(),
        selection,
        refresh: args.refresh,
        concurrency: args.concurrency as usize,
        retry: RetryPolicy {
            max_retries: args.retries,
            base: Duration::from_millis(args.retry_base_ms),
            timeout: Duration::from_secs(args.timeout.max(1)),
            ..RetryPolicy::default()
        },
        max_recording_bytes: max_recording_bytes(&args),
    };
    let progress = Arc::new(Terminal::new(tty, Some(key.clone())));
    let result =
        until_interrupted(posthog::fetch(&cfg, progress.clone()), Interrupted::FETCH).await;
    progress.finish();
    let result = result?;
    finish(result, &args, Some(&key), "recordings")
}

async fn run_store(args: FetchArgs, tty: bool) -> Result<Outcome, Failure> {
    let posthog_only = [
        (!args.recordings.is_empty(), "--recording"),
        (args.api_key_file.is_some(), "--api-key-file"),
        (args.min_duration.is_some(), "--min-duration"),
        (args.url_contains.is_some(), "--url"),
        (args.person.is_some(), "--person"),
        (args.with_console_errors, "--with-console-errors"),
        (args.until.is_some(), "--until"),
    ];
    if let Some((_, flag)) = posthog_only.iter().find(|(set, _)| *set) {
        return Err(Failure::input(anyhow::anyhow!(
            "{flag} applies to `reel fetch posthog`, not to object storage"
        )));
    }
    let cfg = StoreFetch {
        url: args.source.clone(),
        out: args.out.clone(),
        refresh: args.refresh,
        concurrency: args.concurrency as usize,
        validate: !args.no_validate,
        retries: args.retries,
        retry_base: Duration::from_millis(args.retry_base_ms),
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_recording_bytes: max_recording_bytes(&args),
    };
    let progress = Arc::new(Terminal::new(tty, None));
    let result = until_interrupted(store::fetch(&cfg, progress.clone()), Interrupted::FETCH).await;
    progress.finish();
    let result = result?;
    finish(result, &args, None, "objects")
}

fn max_recording_bytes(args: &FetchArgs) -> u64 {
    args.max_recording_bytes
        .unwrap_or(crate::recording::Limits::default().max_recording_bytes as u64)
}

/// The key from `--api-key-file` or `$POSTHOG_API_KEY` (never from a flag: flags show in `ps`).
fn read_key(args: &FetchArgs) -> Result<ApiKey, Failure> {
    ApiKey::load(args.api_key_file.as_deref())
        .map_err(Classed::input)?
        .ok_or_else(|| {
            Classed::input(
                "no PostHog API key: set POSTHOG_API_KEY or pass --api-key-file FILE (a personal \
                 API key with the `session_recording:read` scope)",
            )
            .into()
        })
}

/// Prints the summary and turns it into the exit code.
fn finish(
    result: Result<FetchSummary, SourceError>,
    args: &FetchArgs,
    key: Option<&ApiKey>,
    what: &str,
) -> Result<Outcome, Failure> {
    let scrub = |s: String| key.map_or(s.clone(), |k| k.redact(&s));
    let fail = |e: &SourceError, msg: String| -> Failure {
        let class = if e.is_input_error() {
            ErrorClass::Input
        } else {
            ErrorClass::Infra
        };
        Classed {
            class,
            message: scrub(msg),
        }
        .into()
    };
    let summary = result.map_err(|e| fail(&e, e.to_string()))?;
    for (id, why) in &summary.skipped {
        tracing::debug!("skipped {id}: {why}");
    }
    let line = summary_line(&summary, what, &args.out);
    println!("{}", crate::printable::printable(&scrub(line)));
    if summary.fetched.is_empty()
        && summary.cached.is_empty()
        && summary.failed.is_empty()
        && summary.skipped.is_empty()
    {
        eprintln!("note: no {what} matched the selection (see --since and the other filters)");
    }
    let Some(worst) = summary.worst() else {
        return Ok(Outcome::Pass);
    };
    if worst.is_fatal() {
        return Err(fail(worst, worst.to_string()));
    }
    let n = summary.failed.len();
    Err(fail(
        worst,
        format!(
            "{n} of {} {what} not fetched (listed above); the others are saved",
            n + summary.fetched.len() + summary.cached.len()
        ),
    ))
}
