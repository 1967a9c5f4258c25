//! The `[[sources]]` of `reel.toml` and fetching them for `reel run`: local files and globs as
//! they are, PostHog queries and object-store prefixes fetched into the cache first (what is
//! already there and finished is not fetched again unless `refresh`).

use super::object_store::{self as store, StoreFetch};
use super::posthog::{self, PosthogFetch, Selection};
use super::posthog::{ListFilter, RetryPolicy};
use super::progress::{self, Terminal};
use super::{ApiKey, FetchSummary, SourceError};
use crate::duration::{self, Bare};
use crate::exit::{Classified, ErrorClass, Interrupted};
use crate::interrupt::until_interrupted;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where recordings come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Paths and glob patterns (`*`, `?`, `**`; `!pattern` excludes), relative to the config
    /// file's folder.
    Files(Vec<String>),
    Posthog(Box<PosthogSource>),
    /// `s3://bucket/prefix/`, `gs://…`, `az://…`, `file:///…`.
    ObjectStore(String),
}

/// A PostHog query (the filters of `reel fetch posthog`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PosthogSource {
    /// Default: `$POSTHOG_HOST`, else `https://us.posthog.com`.
    pub host: Option<String>,
    /// Default: `$POSTHOG_PROJECT_ID`.
    pub project: Option<String>,
    /// These session ids instead of a listing.
    pub recordings: Option<Vec<String>>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u64>,
    /// `30s`, `2m`, `1h`.
    pub min_duration: Option<String>,
    pub url: Option<String>,
    pub person: Option<String>,
    pub with_console_errors: Option<bool>,
    /// A file holding the key (relative to `reel.toml`'s folder).
    pub api_key_file: Option<PathBuf>,
    /// Never accepted: present only to say so clearly.
    #[serde(alias = "key", alias = "personal_api_key", alias = "token")]
    pub api_key: Option<toml::Value>,
}

/// What fetching the sources gave: the recording files to replay, and the recordings that could
/// not be fetched (reported as errors of the run).
#[derive(Debug, Default)]
pub struct Fetched {
    pub files: Vec<PathBuf>,
    pub failed: Vec<(String, SourceError)>,
}

/// Why the sources could not be gathered at all (one recording failing is not this).
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    /// A message about the sources themselves (a pattern, a key, a project, a filter).
    #[error("{0}")]
    Input(String),
    /// A fetch failure that stops everything (bad key, unreachable host), scrubbed of the key.
    #[error("{message}")]
    Fetch { message: String, class: ErrorClass },
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
}

impl Classified for SourcesError {
    fn class(&self) -> ErrorClass {
        match self {
            SourcesError::Input(_) => ErrorClass::Input,
            SourcesError::Fetch { class, .. } => *class,
            SourcesError::Interrupted(_) => ErrorClass::Interrupted,
        }
    }
}

/// Expands the files and fetches the rest of `sources` into `cache`. `dir` is the config file's
/// folder, `name` its name for messages. The same file named twice is listed once. A fetched
/// recording larger than `max_recording_bytes` is refused (one failed recording).
pub async fn fetch_sources(
    sources: &[Source],
    dir: &Path,
    name: &str,
    cache: &Path,
    refresh: bool,
    max_recording_bytes: u64,
) -> Result<Fetched, SourcesError> {
    let mut fetched = Fetched::default();
    for source in sources {
        match source {
            Source::Files(patterns) => {
                let found = super::expand(dir, patterns)
                    .map_err(|e| SourcesError::Input(format!("{name}: files: {e}")))?;
                fetched.files.extend(found);
            }
            Source::Posthog(spec) => {
                let got = fetch_posthog(spec, cache, refresh, max_recording_bytes).await?;
                fetched.files.extend(got.files);
                fetched.failed.extend(got.failed);
            }
            Source::ObjectStore(url) => {
                let got = fetch_store(url, cache, refresh, max_recording_bytes).await?;
                fetched.files.extend(got.files);
                fetched.failed.extend(got.failed);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    fetched.files.retain(|p| seen.insert(p.clone()));
    Ok(fetched)
}

/// The first backoff delay (`REEL_RETRY_BASE_MS` shortens it in tests).
fn retry_base() -> Duration {
    std::env::var("REEL_RETRY_BASE_MS")
        .ok()
        .and_then(|v| duration::millis(&v).ok())
        .unwrap_or(Duration::from_secs(1))
}

/// Turns a fetch result into the files to replay; a failure that stops everything (bad key,
/// unreachable host, nothing listed) is an error of the command.
fn into_fetched(
    result: Result<FetchSummary, SourceError>,
    key: Option<&ApiKey>,
    files: impl FnOnce(&FetchSummary) -> Vec<PathBuf>,
    what: &str,
    out: &Path,
) -> Result<Fetched, SourcesError> {
    let scrub = |s: String| key.map_or(s.clone(), |k| k.redact(&s));
    let fatal = |e: &SourceError| SourcesError::Fetch {
        message: scrub(e.to_string()),
        class: e.class(),
    };
    let summary = result.map_err(|e| fatal(&e))?;
    if let Some(worst) = summary.worst()
        && worst.is_fatal()
    {
        return Err(fatal(worst));
    }
    eprintln!(
        "{}",
        crate::printable::printable(&scrub(progress::summary_line(&summary, what, out)))
    );
    Ok(Fetched {
        files: files(&summary),
        failed: summary.failed,
    })
}

/// Fetches a PostHog source into `cache` (a folder per host and project).
async fn fetch_posthog(
    spec: &PosthogSource,
    cache: &Path,
    refresh: bool,
    max_recording_bytes: u64,
) -> Result<Fetched, SourcesError> {
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
            SourcesError::Input(
                "reel.toml names a PostHog source without a project: add project = \"ID\" or set \
                 POSTHOG_PROJECT_ID"
                    .into(),
            )
        })?;
    let key = ApiKey::load(spec.api_key_file.as_deref())
        .map_err(SourcesError::Input)?
        .ok_or_else(|| {
            SourcesError::Input(
                "reel.toml names a PostHog source but there is no API key: set POSTHOG_API_KEY \
                 or api_key_file (a personal API key with the `session_recording:read` scope)"
                    .into(),
            )
        })?;
    let selection = selection(spec)?;
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
    let progress = Arc::new(Terminal::stderr(Some(key.clone())));
    let result =
        until_interrupted(posthog::fetch(&cfg, progress.clone()), Interrupted::FETCH).await;
    progress.finish();
    into_fetched(
        result?,
        Some(&key),
        |s| {
            s.fetched
                .iter()
                .chain(&s.cached)
                .map(|id| super::cache::recording_paths(&out, id).0)
                .collect()
        },
        "recordings",
        &out,
    )
}

/// The recordings a PostHog source names, or its list filters.
fn selection(spec: &PosthogSource) -> Result<Selection, SourcesError> {
    let bad =
        |field: &str, e: String| SourcesError::Input(format!("reel.toml posthog.{field}: {e}"));
    if let Some(ids) = spec.recordings.as_ref().filter(|ids| !ids.is_empty()) {
        return Ok(Selection::Ids(ids.clone()));
    }
    let now = chrono::Utc::now();
    Ok(Selection::List(ListFilter {
        date_from: Some(
            duration::parse_when(spec.since.as_deref().unwrap_or("7d"))
                .map_err(|e| bad("since", e))?
                .for_posthog(now),
        ),
        date_to: spec
            .until
            .as_deref()
            .map(duration::parse_when)
            .transpose()
            .map_err(|e| bad("until", e))?
            .map(|w| w.for_posthog(now)),
        limit: spec.limit.unwrap_or(100).max(1) as usize,
        min_duration_s: spec
            .min_duration
            .as_deref()
            .map(|t| duration::parse(t, Bare::Seconds).map(|d| d.as_secs_f64()))
            .transpose()
            .map_err(|e| bad("min_duration", e))?,
        url_contains: spec.url.clone(),
        person: spec.person.clone(),
        with_console_errors: spec.with_console_errors.unwrap_or(false),
    }))
}

/// Copies an object-store source into `cache` (a folder per URL); every recording file under that
/// folder is replayed.
async fn fetch_store(
    url: &str,
    cache: &Path,
    refresh: bool,
    max_recording_bytes: u64,
) -> Result<Fetched, SourcesError> {
    if !store::is_store_url(url) {
        return Err(SourcesError::Input(format!(
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
    let progress = Arc::new(Terminal::stderr(None));
    let result = until_interrupted(store::fetch(&cfg, progress.clone()), Interrupted::FETCH).await;
    progress.finish();
    into_fetched(
        result?,
        None,
        |_| super::recording_files(&out),
        "objects",
        &out,
    )
}
