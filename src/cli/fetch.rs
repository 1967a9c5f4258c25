//! `reel fetch posthog [--recording ID... | filters] --out DIR` and
//! `reel fetch s3://bucket/prefix/ | gs://… | az://… | file:///… --out DIR`.
//!
//! Exit 0 when every selected recording is saved (fetched now or already there); 2 for a bad or
//! missing key, bad flags, nothing found, or when some recordings were missing (404/410) — the
//! others are still saved; 3 when the server or store could not be reached or kept failing.

use super::Failure;
use crate::duration::{self, When};
use crate::exit::{Classed, ErrorClass, Interrupted, Outcome};
use crate::interrupt::until_interrupted;
use crate::source::cache::{self, LinkedCheckpoint};
use crate::source::object_store::{self as store, StoreFetch};
use crate::source::posthog::link::{self, RecordingRef};
use crate::source::posthog::{self, PosthogFetch, Selection};
use crate::source::posthog::{ListFilter, RetryPolicy};
use crate::source::progress::{Quiet, Terminal, summary_line};
use crate::source::{ApiKey, FetchSummary, Observer, SourceError};
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
    /// First backoff delay (doubles per retry, with jitter): a duration; a bare number is ms.
    #[arg(long, value_name = "DURATION", env = "REEL_RETRY_BASE_MS", default_value = "1s", value_parser = duration::millis)]
    pub retry_base_ms: Duration,
    /// Timeout of one request: a duration (2m, 90s); a bare number is seconds.
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = duration::seconds)]
    pub timeout: Duration,
    /// Largest recording (all its snapshot data, or one object) fetched, in bytes; larger ones
    /// are refused and nothing of them kept [default: 4 GiB, as for `reel run`].
    #[arg(long, value_name = "BYTES")]
    pub max_recording_bytes: Option<u64>,
    /// No progress and no line per recording: only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,

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
    /// Fetch these recordings instead of listing: session ids or PostHog replay links
    /// (…/replay/<id>?t=12; repeatable, comma-separated). A link's t becomes a checkpoint of that
    /// recording in `reel run` (kept in <id>.reel.json).
    #[arg(long = "recording", value_name = "ID|LINK", num_args = 1.., value_delimiter = ',', value_parser = link::parse, help_heading = "PostHog")]
    pub recordings: Vec<RecordingRef>,
    /// List recordings since this long ago (7d, 24h, 30m, 2w, 3M for months) or a date
    /// (2026-01-31) or RFC 3339 date-time (2026-01-31T10:00:00Z).
    #[arg(long, value_name = "WHEN", default_value = "7d", value_parser = duration::parse_when, help_heading = "PostHog")]
    pub since: When,
    /// List recordings until (same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = duration::parse_when, help_heading = "PostHog")]
    pub until: Option<When>,
    /// List at most this many recordings.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    #[arg(help_heading = "PostHog")]
    pub limit: u64,
    /// Only recordings at least this long: 30s, 2m, 1h (a bare number is seconds).
    #[arg(long, value_name = "DURATION", value_parser = duration::seconds, help_heading = "PostHog")]
    pub min_duration: Option<Duration>,
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
    let now = chrono::Utc::now();
    let selection = if args.recordings.is_empty() {
        Selection::List(ListFilter {
            date_from: Some(args.since.for_posthog(now)),
            date_to: args.until.as_ref().map(|w| w.for_posthog(now)),
            limit: args.limit as usize,
            min_duration_s: args.min_duration.map(|d| d.as_secs_f64()),
            url_contains: args.url_contains.clone(),
            person: args.person.clone(),
            with_console_errors: args.with_console_errors,
        })
    } else {
        Selection::Ids(args.recordings.iter().map(|r| r.id.clone()).collect())
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
            base: args.retry_base_ms,
            timeout: args.timeout.max(Duration::from_secs(1)),
            ..RetryPolicy::default()
        },
        max_recording_bytes: max_recording_bytes(&args),
    };
    let progress = Progress::new(args.quiet, tty, Some(key.clone()));
    let result = until_interrupted(
        posthog::fetch(&cfg, progress.observer()),
        Interrupted::FETCH,
    )
    .await;
    progress.finish();
    let result = result?;
    if let Ok(summary) = &result {
        keep_linked_checkpoints(&args, summary)?;
    }
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
        retry_base: args.retry_base_ms,
        timeout: args.timeout.max(Duration::from_secs(1)),
        max_recording_bytes: max_recording_bytes(&args),
    };
    let progress = Progress::new(args.quiet, tty, None);
    let result =
        until_interrupted(store::fetch(&cfg, progress.observer()), Interrupted::FETCH).await;
    progress.finish();
    let result = result?;
    finish(result, &args, None, "objects")
}

fn max_recording_bytes(args: &FetchArgs) -> u64 {
    args.max_recording_bytes
        .unwrap_or(crate::recording::Limits::default().max_recording_bytes as u64)
}

/// Saves the `t` of each replay link beside its recording, for `reel run`.
fn keep_linked_checkpoints(args: &FetchArgs, summary: &FetchSummary) -> Result<(), Failure> {
    for r in &args.recordings {
        let (Some(at_ms), Some(link)) = (r.at_ms, &r.link) else {
            continue;
        };
        if !summary.fetched.contains(&r.id) && !summary.cached.contains(&r.id) {
            continue;
        }
        let checkpoint = LinkedCheckpoint {
            at_ms,
            link: link.clone(),
        };
        cache::add_linked_checkpoint(&args.out, &r.id, checkpoint).map_err(|e| {
            Classed::infra(format!(
                "cannot write {}: {e}",
                cache::links_path(&args.out, &r.id).display()
            ))
        })?;
    }
    Ok(())
}

/// The fetch's progress on stderr, or nothing with `--quiet`.
struct Progress(Option<Arc<Terminal>>);

impl Progress {
    fn new(quiet: bool, tty: bool, key: Option<ApiKey>) -> Progress {
        Progress((!quiet).then(|| Arc::new(Terminal::new(tty, key))))
    }

    fn observer(&self) -> Arc<dyn Observer> {
        match &self.0 {
            Some(t) => t.clone(),
            None => Arc::new(Quiet),
        }
    }

    fn finish(&self) {
        if let Some(t) = &self.0 {
            t.finish();
        }
    }
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
