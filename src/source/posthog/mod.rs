//! `reel fetch posthog`: selects recordings (by id, or by listing with filters), then for each one
//! reads its metadata and snapshot sources, fetches the snapshot blocks and saves
//! `<id>.jsonl` (the served lines, in order) and `<id>.meta.json` (the metadata as served, plus
//! where it came from: see [`origin`]). Snapshot blocks are streamed to temp files next to the
//! output and never held in memory; all of one recording's together are bounded by
//! [`PosthogFetch::max_recording_bytes`].

#[cfg(feature = "posthog")]
pub(crate) mod api;
#[cfg(feature = "posthog")]
pub mod client;
pub mod link;
pub mod origin;

#[cfg(feature = "posthog")]
use crate::files::Staged;
use crate::source::{ApiKey, FetchSummary, Observer, SourceError};
#[cfg(feature = "posthog")]
use crate::source::{FetchEvent, cache};
#[cfg(feature = "posthog")]
use api::Api;
#[cfg(feature = "posthog")]
use client::Client;
#[cfg(feature = "posthog")]
use futures::StreamExt;
use std::path::PathBuf;
use std::sync::Arc;
#[cfg(feature = "posthog")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Filters for listing recordings. Server-side filters go into the query; those the list results
/// carry (duration, distinct id, console error count) are also checked here, so an older server
/// that ignores a filter still gives the right selection.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// `date_from`: `-7d` style relative or an ISO date/time.
    pub date_from: Option<String>,
    /// `date_to`, same forms.
    pub date_to: Option<String>,
    /// At most this many recordings.
    pub limit: usize,
    /// Minimum `recording_duration`, in seconds.
    pub min_duration_s: Option<f64>,
    /// Some visited URL contains this.
    pub url_contains: Option<String>,
    /// The person's distinct id.
    pub person: Option<String>,
    /// Only recordings with console errors.
    pub with_console_errors: bool,
}

/// How often and how long to retry.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubles on each retry (with jitter).
    pub base: Duration,
    /// Largest backoff delay.
    pub max_backoff: Duration,
    /// The most one request waits in total between its attempts (backoffs and `Retry-After`s);
    /// a server asking for a longer wait ends the request at once, saying so.
    pub max_total_wait: Duration,
    /// Timeout of one request (connect + full body).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base: Duration::from_millis(1000),
            max_backoff: Duration::from_secs(60),
            max_total_wait: Duration::from_secs(300),
            timeout: Duration::from_secs(120),
        }
    }
}

/// Which recordings to fetch.
#[derive(Debug, Clone)]
pub enum Selection {
    Ids(Vec<String>),
    List(ListFilter),
}

/// Everything a PostHog fetch needs.
#[derive(Debug, Clone)]
pub struct PosthogFetch {
    pub host: String,
    pub project: String,
    pub key: ApiKey,
    pub out: PathBuf,
    pub selection: Selection,
    /// Fetch again even when already fetched and finished.
    pub refresh: bool,
    /// Requests in flight at most (also recordings worked on at once).
    pub concurrency: usize,
    pub retry: RetryPolicy,
    /// The most snapshot data one recording may have (`--max-recording-bytes`).
    pub max_recording_bytes: u64,
}

/// Runs the fetch. `Err` only when nothing could be selected (bad key, unreachable host, a broken
/// list response); per-recording problems are in the summary.
#[cfg(not(feature = "posthog"))]
pub async fn fetch(
    cfg: &PosthogFetch,
    _observer: Arc<dyn Observer>,
) -> Result<FetchSummary, SourceError> {
    Err(super::not_built("posthog", &cfg.host))
}

/// Runs the fetch. `Err` only when nothing could be selected (bad key, unreachable host, a broken
/// list response); per-recording problems are in the summary.
#[cfg(feature = "posthog")]
pub async fn fetch(
    cfg: &PosthogFetch,
    observer: Arc<dyn Observer>,
) -> Result<FetchSummary, SourceError> {
    let client = Arc::new(Client::new(
        cfg.key.clone(),
        &cfg.project,
        cfg.concurrency,
        cfg.retry.clone(),
        observer.clone(),
    )?);
    let api = Api::new(client, &cfg.host, &cfg.project)?;
    let ids: Vec<String> = match &cfg.selection {
        Selection::Ids(ids) => {
            let mut seen = std::collections::HashSet::new();
            ids.iter()
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty() && seen.insert(i.clone()))
                .collect()
        }
        Selection::List(filter) => api.list(filter).await?.into_iter().map(|l| l.id).collect(),
    };
    observer.event(FetchEvent::Total(ids.len() as u64));
    let stop = AtomicBool::new(false);
    let api = &api;
    let stop = &stop;
    let observer = &observer;
    let results: Vec<(String, Result<Option<u64>, SourceError>)> = futures::stream::iter(ids)
        .map(|id| async move {
            if stop.load(Ordering::Relaxed) {
                return (id, Err(None));
            }
            let r = fetch_one(api, cfg, &id).await;
            match &r {
                Ok(Some(bytes)) => observer.event(FetchEvent::Fetched {
                    id: id.clone(),
                    bytes: *bytes,
                }),
                Ok(None) => observer.event(FetchEvent::Cached { id: id.clone() }),
                Err(e) => {
                    if e.is_fatal() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    observer.event(FetchEvent::Failed {
                        id: id.clone(),
                        message: e.to_string(),
                    });
                }
            }
            (id, r.map_err(Some))
        })
        .buffered(cfg.concurrency.max(1))
        .filter_map(|(id, r)| async move {
            match r {
                Ok(v) => Some((id, Ok(v))),
                Err(Some(e)) => Some((id, Err(e))),
                Err(None) => None,
            }
        })
        .collect()
        .await;
    let mut summary = FetchSummary::default();
    for (id, r) in results {
        match r {
            Ok(Some(bytes)) => {
                summary.bytes += bytes;
                summary.fetched.push(id);
            }
            Ok(None) => summary.cached.push(id),
            Err(e) => summary.failed.push((id, e)),
        }
    }
    Ok(summary)
}

/// Fetches and saves one recording. `Ok(None)` when it was already there (cache).
#[cfg(feature = "posthog")]
async fn fetch_one(api: &Api, cfg: &PosthogFetch, id: &str) -> Result<Option<u64>, SourceError> {
    if matches!(id, "." | "..") {
        // As a path segment it would be resolved, naming another endpoint.
        return Err(SourceError::Recording {
            id: format!("{id:?}"),
            message: "not a session id (a dot segment); skipped".into(),
        });
    }
    if !cfg.refresh && cache::is_cached(&cfg.out, id) {
        tracing::debug!("{id}: already fetched and finished");
        return Ok(None);
    }
    let (meta_raw, _meta) = api.metadata(id).await?;
    let sources = api.sources(id).await?;
    let blocks = api::plan_blocks(id, &sources)?;
    if blocks.is_empty() {
        return Err(SourceError::Recording {
            id: id.to_string(),
            message: "the server lists no snapshot data for it (yet); try again later".into(),
        });
    }
    tracing::debug!(
        "{id}: {} sources in {} requests",
        sources.len(),
        blocks.len()
    );
    let written = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| SourceError::Write { path, source }
    };
    let budget = client::ByteBudget::new(cfg.max_recording_bytes);
    let parts = futures::future::try_join_all(blocks.iter().map(|b| async {
        let mut part = Staged::new_in(&cfg.out).map_err(written(&cfg.out))?;
        let url = api.block_to(id, b, &mut part, &budget).await?;
        Ok::<_, SourceError>((part, url))
    }))
    .await?;
    let mut jsonl = Staged::new_in(&cfg.out).map_err(written(&cfg.out))?;
    let mut size = 0u64;
    {
        let mut out = std::io::BufWriter::new(jsonl.file());
        for (mut part, url) in parts {
            size += api::copy_lines(part.file(), &mut out).map_err(|message| {
                SourceError::BadResponse {
                    url: url.to_string(),
                    message,
                }
            })?;
        }
        std::io::Write::flush(&mut out).map_err(written(&cfg.out))?;
    }
    if size == 0 {
        return Err(SourceError::Recording {
            id: id.to_string(),
            message: "the server returned no snapshot lines; try again later".into(),
        });
    }
    let (jsonl_path, meta_path) = cache::recording_paths(&cfg.out, id);
    let meta = origin::stamp(&meta_raw, &cfg.host, &cfg.project);
    // The metadata goes last: the cache counts a recording only when both files are there.
    jsonl
        .commit(&jsonl_path, true)
        .map_err(written(&jsonl_path))?;
    crate::files::write_durable(&meta_path, &meta).map_err(written(&meta_path))?;
    Ok(Some(size + meta.len() as u64))
}
