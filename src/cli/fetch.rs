//! `reel fetch posthog [--recording ID... | filters] --out DIR` and
//! `reel fetch s3://bucket/prefix/ | gs://… | az://… | file:///… --out DIR`.
//!
//! Exit 0 when every selected recording is saved (fetched now or already there); 2 for a bad or
//! missing key, bad flags, nothing found, or when some recordings were missing (404/410) — the
//! others are still saved; 3 when the server or store could not be reached or kept failing.

use crate::config::PosthogSource;
use crate::exit::{Failure, Outcome};
use crate::source::object_store::{self as store, StoreFetch};
use crate::source::posthog::api::ListFilter;
use crate::source::posthog::client::RetryPolicy;
use crate::source::posthog::{self, PosthogFetch, Selection};
use crate::source::{ApiKey, FetchEvent, FetchSummary, Observer, SourceError};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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

/// `7d` → `-7d` (PostHog's relative form); dates and date-times pass through.
fn parse_when(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rel = t.strip_prefix('-').unwrap_or(t);
    if let Some(unit) = rel.chars().last()
        && "hdwmy".contains(unit)
        && rel.len() > 1
        && rel[..rel.len() - 1].chars().all(|c| c.is_ascii_digit())
    {
        return Ok(format!("-{rel}"));
    }
    if let Some(day) = t.get(..10)
        && chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
        && (t.len() == 10 || chrono::DateTime::parse_from_rfc3339(t).is_ok())
    {
        return Ok(t.to_string());
    }
    Err(format!(
        "{s:?}: use a relative time (7d, 24h, 2w, 1m) or a date (2026-01-31) or RFC 3339 date-time"
    ))
}

/// `30s`, `2m`, `1h`, `90` → seconds.
fn parse_seconds(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('s') => (&t[..t.len() - 1], 1.0),
        Some('m') => (&t[..t.len() - 1], 60.0),
        Some('h') => (&t[..t.len() - 1], 3600.0),
        _ => (t, 1.0),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v * mult),
        _ => Err(format!("{s:?} is not a duration like 30s, 2m or 1h")),
    }
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
    let progress = Arc::new(Progress::new(tty, Some(key.clone())));
    let result = until_interrupted(posthog::fetch(&cfg, progress.clone())).await;
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
    let progress = Arc::new(Progress::new(tty, None));
    let result = until_interrupted(store::fetch(&cfg, progress.clone())).await;
    progress.finish();
    let result = result?;
    finish(result, &args, None, "objects")
}

fn max_recording_bytes(args: &FetchArgs) -> u64 {
    args.max_recording_bytes
        .unwrap_or(crate::recording::Limits::default().max_recording_bytes as u64)
}

/// Runs `work` unless Ctrl-C / SIGTERM comes first. Files are only ever written whole (temp file
/// + rename, with no await in between), so stopping at any await leaves no partial file.
async fn until_interrupted<T>(work: impl std::future::Future<Output = T>) -> Result<T, Failure> {
    tokio::select! {
        r = work => Ok(r),
        _ = super::browser_args::interrupted() => Err(Failure {
            class: crate::exit::ErrorClass::Interrupted,
            error: anyhow::anyhow!("interrupted; the recordings saved so far are complete, nothing is half-written"),
        }),
    }
}

/// The key from `--api-key-file` or `$POSTHOG_API_KEY` (never from a flag: flags show in `ps`).
fn read_key(args: &FetchArgs) -> Result<ApiKey, Failure> {
    load_key(
        args.api_key_file.as_deref(),
        "no PostHog API key: set POSTHOG_API_KEY or pass --api-key-file FILE",
    )
}

/// Reads the key from `file`, else `$POSTHOG_API_KEY`; `missing` says what to do without one.
fn load_key(file: Option<&Path>, missing: &str) -> Result<ApiKey, Failure> {
    let raw = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            Failure::input(anyhow::anyhow!(
                "cannot read the API key file {}: {e}",
                path.display()
            ))
        })?,
        None => std::env::var("POSTHOG_API_KEY").unwrap_or_default(),
    };
    ApiKey::new(&raw).ok_or_else(|| {
        Failure::input(anyhow::anyhow!(
            "{missing} (a personal API key with the `session_recording:read` scope)"
        ))
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
    let fail = |e: &SourceError, msg: String| {
        let error = anyhow::anyhow!(scrub(msg));
        if e.is_input_error() {
            Failure::input(error)
        } else {
            Failure::infra(error)
        }
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

/// `fetched N recordings (… KB) into DIR, M already there, …`.
fn summary_line(summary: &FetchSummary, what: &str, out: &Path) -> String {
    let mut line = format!(
        "fetched {} {what} ({}) into {}",
        summary.fetched.len(),
        human_bytes(summary.bytes),
        out.display()
    );
    if !summary.cached.is_empty() {
        line.push_str(&format!(
            ", {} already there (--refresh fetches them again)",
            summary.cached.len()
        ));
    }
    if !summary.skipped.is_empty() {
        line.push_str(&format!(", {} skipped", summary.skipped.len()));
    }
    if !summary.failed.is_empty() {
        line.push_str(&format!(", {} failed", summary.failed.len()));
    }
    line
}

/// What fetching one `reel.toml` source for `reel run` gave: the recording files to replay, and
/// the recordings that could not be fetched (reported as errors of the run).
pub(super) struct Fetched {
    pub files: Vec<PathBuf>,
    pub failed: Vec<(String, SourceError)>,
}

/// The API key for a `reel.toml` PostHog source: its `api_key_file`, else `$POSTHOG_API_KEY`.
fn source_key(file: Option<&Path>) -> Result<ApiKey, Failure> {
    load_key(
        file,
        "reel.toml names a PostHog source but there is no API key: set POSTHOG_API_KEY or \
         api_key_file",
    )
}

fn retry_base() -> Duration {
    let ms = std::env::var("REEL_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1000);
    Duration::from_millis(ms)
}

/// Turns a fetch result into the files to replay; a failure that stops everything (bad key,
/// unreachable host, nothing listed) is an error of the command.
fn into_fetched(
    result: Result<FetchSummary, SourceError>,
    key: Option<&ApiKey>,
    files: impl FnOnce(&FetchSummary) -> Vec<PathBuf>,
    what: &str,
    out: &Path,
) -> Result<Fetched, Failure> {
    let scrub = |s: String| key.map_or(s.clone(), |k| k.redact(&s));
    let classed = |e: &SourceError| {
        let error = anyhow::anyhow!(scrub(e.to_string()));
        if e.is_input_error() {
            Failure::input(error)
        } else {
            Failure::infra(error)
        }
    };
    let summary = result.map_err(|e| classed(&e))?;
    if let Some(worst) = summary.worst()
        && worst.is_fatal()
    {
        return Err(classed(worst));
    }
    eprintln!(
        "{}",
        crate::printable::printable(&scrub(summary_line(&summary, what, out)))
    );
    let files = files(&summary);
    Ok(Fetched {
        files,
        failed: summary.failed,
    })
}

/// Fetches a `reel.toml` PostHog source into `cache` (a folder per host and project). What is
/// already there and finished is not fetched again unless `refresh`.
pub(super) async fn fetch_posthog_source(
    spec: &PosthogSource,
    cache: &Path,
    refresh: bool,
    max_recording_bytes: u64,
) -> Result<Fetched, Failure> {
    let bad =
        |field: &str, e: String| Failure::input(anyhow::anyhow!("reel.toml posthog.{field}: {e}"));
    let host = spec
        .host
        .clone()
        .or_else(|| std::env::var("POSTHOG_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "https://us.posthog.com".into());
    let project = spec
        .project
        .clone()
        .or_else(|| {
            std::env::var("POSTHOG_PROJECT_ID")
                .ok()
                .filter(|p| !p.is_empty())
        })
        .ok_or_else(|| {
            Failure::input(anyhow::anyhow!(
                "reel.toml names a PostHog source without a project: add project = \"ID\" or set \
                 POSTHOG_PROJECT_ID"
            ))
        })?;
    let key = source_key(spec.api_key_file.as_deref())?;
    let selection = match &spec.recordings {
        Some(ids) if !ids.is_empty() => Selection::Ids(ids.clone()),
        _ => Selection::List(ListFilter {
            date_from: Some(
                parse_when(spec.since.as_deref().unwrap_or("7d")).map_err(|e| bad("since", e))?,
            ),
            date_to: spec
                .until
                .as_deref()
                .map(parse_when)
                .transpose()
                .map_err(|e| bad("until", e))?,
            limit: spec.limit.unwrap_or(100).max(1) as usize,
            min_duration_s: spec
                .min_duration
                .as_deref()
                .map(parse_seconds)
                .transpose()
                .map_err(|e| bad("min_duration", e))?,
            url_contains: spec.url.clone(),
            person: spec.person.clone(),
            with_console_errors: spec.with_console_errors.unwrap_or(false),
        }),
    };
    let host_dir = host
        .split_once("://")
        .map_or(host.as_str(), |(_, rest)| rest)
        .trim_end_matches('/');
    let out = cache
        .join("posthog")
        .join(crate::recording::sanitize_id(&format!(
            "{host_dir}-{project}"
        )));
    let cfg = PosthogFetch {
        host,
        project,
        key: key.clone(),
        out: out.clone(),
        selection,
        refresh,
        concurrency: 4,
        retry: RetryPolicy {
            base: retry_base(),
            ..RetryPolicy::default()
        },
        max_recording_bytes,
    };
    let progress = Arc::new(Progress::new(
        std::io::stderr().is_terminal(),
        Some(key.clone()),
    ));
    let result = until_interrupted(posthog::fetch(&cfg, progress.clone())).await;
    progress.finish();
    into_fetched(
        result?,
        Some(&key),
        |s| {
            s.fetched
                .iter()
                .chain(&s.cached)
                .map(|id| crate::source::cache::recording_paths(&out, id).0)
                .collect()
        },
        "recordings",
        &out,
    )
}

/// Copies a `reel.toml` object-store source into `cache` (a folder per URL); replays every
/// recording file under that folder.
pub(super) async fn fetch_store_source(
    url: &str,
    cache: &Path,
    refresh: bool,
    max_recording_bytes: u64,
) -> Result<Fetched, Failure> {
    if !store::is_store_url(url) {
        return Err(Failure::input(anyhow::anyhow!(
            "reel.toml object_store {url:?}: use an s3://, gs://, az:// or file:// URL"
        )));
    }
    let out = cache
        .join("store")
        .join(crate::recording::sanitize_id(url.trim_end_matches('/')));
    let cfg = StoreFetch {
        url: url.to_string(),
        out: out.clone(),
        refresh,
        concurrency: 4,
        validate: true,
        retries: 5,
        retry_base: retry_base(),
        timeout: Duration::from_secs(120),
        max_recording_bytes,
    };
    let progress = Arc::new(Progress::new(std::io::stderr().is_terminal(), None));
    let result = until_interrupted(store::fetch(&cfg, progress.clone())).await;
    progress.finish();
    into_fetched(result?, None, |_| recording_files(&out), "objects", &out)
}

/// Recording files under `dir`, recursively, sorted (not PostHog's `.meta.json` side files).
fn recording_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            if p.is_dir() {
                stack.push(p);
            } else if store::is_recording_name(&name)
                && !name.ends_with(".meta.json")
                && !name.starts_with(".reel-tmp-")
            {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 10 << 20 => format!("{} MB", n >> 20),
        n if n >= 10 << 10 => format!("{} KB", n >> 10),
        n => format!("{n} B"),
    }
}

/// Progress on stderr: a bar on a terminal, one plain line per recording otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    key: Option<ApiKey>,
    counts: Mutex<(u64, u64)>,
}

impl Progress {
    fn new(tty: bool, key: Option<ApiKey>) -> Progress {
        let bar = tty.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(0),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            key,
            counts: Mutex::new((0, 0)),
        }
    }

    /// Without the key, and safe for a terminal (ids and messages come from the server).
    fn scrub(&self, s: String) -> String {
        let s = match &self.key {
            Some(k) => k.redact(&s),
            None => s,
        };
        crate::printable::printable(&s).into_owned()
    }

    fn line(&self, text: String) {
        let text = self.scrub(text);
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn step(&self, what: &str, id: &str, extra: String) {
        let (done, total) = {
            let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            c.0 += 1;
            *c
        };
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(self.scrub(format!("{what} {id}")));
                if what == "failed" {
                    bar.println(self.scrub(format!("failed {id}{extra}")));
                }
            }
            None => eprintln!(
                "{}",
                self.scrub(format!("[{done}/{total}] {what} {id}{extra}"))
            ),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn event(&self, event: FetchEvent) {
        match event {
            FetchEvent::Total(n) => {
                self.counts.lock().unwrap_or_else(|p| p.into_inner()).1 = n;
                if let Some(bar) = &self.bar {
                    bar.set_length(n);
                }
            }
            FetchEvent::Fetched { id, bytes } => {
                self.step("fetched", &id, format!(" ({})", human_bytes(bytes)))
            }
            FetchEvent::Cached { id } => self.step("already there", &id, String::new()),
            FetchEvent::Failed { id, message } => self.step("failed", &id, format!(": {message}")),
            FetchEvent::Note(text) => self.line(format!("note: {text}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_and_durations() {
        assert_eq!(parse_when("7d").unwrap(), "-7d");
        assert_eq!(parse_when("-24h").unwrap(), "-24h");
        assert_eq!(parse_when("2026-01-31").unwrap(), "2026-01-31");
        assert_eq!(
            parse_when("2026-01-31T10:00:00Z").unwrap(),
            "2026-01-31T10:00:00Z"
        );
        assert!(parse_when("d").is_err());
        assert!(parse_when("last week").is_err());
        assert!(parse_when("2026-01-3\u{e9}").is_err());
        assert_eq!(parse_seconds("30s").unwrap(), 30.0);
        assert_eq!(parse_seconds("2m").unwrap(), 120.0);
        assert_eq!(parse_seconds("90").unwrap(), 90.0);
        assert!(parse_seconds("-1").is_err());
    }
}
