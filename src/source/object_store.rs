//! `reel fetch s3://… | gs://… | az://… | file:///…`: copies recording files (`.json`, `.jsonl`,
//! either also `.gz`) from object storage into a directory, byte for byte, through the
//! [`::object_store`] crate. Credentials and endpoints come from the usual environment variables
//! (`AWS_*`, `GOOGLE_*`, `AZURE_*`). A URL that names one object copies that object; otherwise it
//! is a prefix and everything below it is copied, keeping the relative paths. Objects are
//! streamed to a temp file next to their destination, each at most
//! [`StoreFetch::max_recording_bytes`].

#[cfg(feature = "object-store")]
use crate::files::Staged;
#[cfg(feature = "object-store")]
use crate::source::{FetchEvent, cache};
use crate::source::{FetchSummary, Observer, SourceError};
#[cfg(feature = "object-store")]
use ::object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, path::Path as StorePath};
#[cfg(feature = "object-store")]
use futures::{StreamExt, TryStreamExt};
#[cfg(feature = "object-store")]
use std::io::{Seek, Write};
#[cfg(feature = "object-store")]
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Everything an object-storage fetch needs.
#[derive(Debug, Clone)]
pub struct StoreFetch {
    pub url: String,
    pub out: PathBuf,
    /// Copy again even when a file of the same size is already there.
    pub refresh: bool,
    /// Objects copied at once.
    pub concurrency: usize,
    /// Check that each object parses as a recording before writing it.
    pub validate: bool,
    /// Retries of one request (the store's own backoff).
    pub retries: u32,
    /// First backoff delay.
    pub retry_base: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    /// The largest object copied (`--max-recording-bytes`).
    pub max_recording_bytes: u64,
}

/// Whether `url` names object storage (rather than `posthog`).
pub fn is_store_url(url: &str) -> bool {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    matches!(
        scheme.as_deref(),
        Some("s3" | "s3a" | "gs" | "az" | "azure" | "abfs" | "abfss" | "adl" | "file")
    )
}

/// Whether an object's name says it is a recording file reel reads.
pub fn is_recording_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.strip_suffix(".gz").unwrap_or(&n);
    n.ends_with(".json") || n.ends_with(".jsonl")
}

/// Copies the recordings under `cfg.url` into `cfg.out`. `Err` when the store cannot be opened or
/// listed; per-object problems are in the summary.
#[cfg(not(feature = "object-store"))]
pub async fn fetch(
    cfg: &StoreFetch,
    _observer: Arc<dyn Observer>,
) -> Result<FetchSummary, SourceError> {
    Err(super::not_built("object-store", &cfg.url))
}

/// Copies the recordings under `cfg.url` into `cfg.out`. `Err` when the store cannot be opened or
/// listed; per-object problems are in the summary.
#[cfg(feature = "object-store")]
pub async fn fetch(
    cfg: &StoreFetch,
    observer: Arc<dyn Observer>,
) -> Result<FetchSummary, SourceError> {
    let (store, prefix) = open(cfg)?;
    let store: &dyn ObjectStore = store.as_ref();
    let url = cfg.url.as_str();
    let mut summary = FetchSummary::default();

    // One object, or everything below a prefix.
    let mut objects: Vec<(ObjectMeta, PathBuf)> = Vec::new();
    let single = if !url.ends_with('/') && !prefix.as_ref().is_empty() {
        match store.head(&prefix).await {
            Ok(meta) => Some(meta),
            Err(::object_store::Error::NotFound { .. }) => None,
            Err(e) => return Err(storage_error(url, e)),
        }
    } else {
        None
    };
    if let Some(meta) = single {
        let name = prefix.filename().unwrap_or("recording.json");
        let local = cfg.out.join(crate::recording::sanitize_id(name));
        objects.push((meta, local));
    } else {
        let listed: Vec<ObjectMeta> = store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| storage_error(url, e))?;
        for meta in listed {
            let name = meta.location.filename().unwrap_or_default().to_string();
            if !is_recording_name(&name) {
                tracing::debug!("{}: not a recording file name, skipped", meta.location);
                summary.skipped.push((
                    meta.location.to_string(),
                    "not a .json/.jsonl(.gz) file".into(),
                ));
                continue;
            }
            let mut local = cfg.out.clone();
            match meta.location.prefix_match(&prefix) {
                Some(parts) => {
                    for part in parts {
                        local.push(crate::recording::sanitize_id(part.as_ref()));
                    }
                }
                None => local.push(crate::recording::sanitize_id(&name)),
            }
            objects.push((meta, local));
        }
    }
    if objects.is_empty() {
        return Err(SourceError::Storage {
            url: url.to_string(),
            message: "no recording files (.json, .jsonl, optionally .gz) there; check the bucket \
                      and prefix"
                .into(),
            auth: false,
            not_found: true,
        });
    }
    objects.sort_by(|a, b| a.0.location.cmp(&b.0.location));
    observer.event(FetchEvent::Total(objects.len() as u64));

    let results: Vec<(String, Result<Option<u64>, SourceError>)> = futures::stream::iter(objects)
        .map(|(meta, local)| {
            let observer = observer.clone();
            async move {
                let id = meta.location.to_string();
                let r = copy_one(store, cfg, &meta, &local).await;
                match &r {
                    Ok(Some(bytes)) => observer.event(FetchEvent::Fetched {
                        id: id.clone(),
                        bytes: *bytes,
                    }),
                    Ok(None) => observer.event(FetchEvent::Cached { id: id.clone() }),
                    Err(e) => observer.event(FetchEvent::Failed {
                        id: id.clone(),
                        message: e.to_string(),
                    }),
                }
                (id, r)
            }
        })
        .buffered(cfg.concurrency.max(1))
        .collect()
        .await;
    for (id, r) in results {
        match r {
            Ok(Some(bytes)) => {
                summary.bytes += bytes;
                summary.fetched.push(id);
            }
            Ok(None) => summary.cached.push(id),
            Err(SourceError::Recording { message, .. }) => summary.skipped.push((id, message)),
            Err(e) => summary.failed.push((id, e)),
        }
    }
    Ok(summary)
}

/// Copies one object unless it is already there. `Ok(None)` when cached.
#[cfg(feature = "object-store")]
async fn copy_one(
    store: &dyn ObjectStore,
    cfg: &StoreFetch,
    meta: &ObjectMeta,
    local: &Path,
) -> Result<Option<u64>, SourceError> {
    let shown = format!("{}", meta.location);
    if !cfg.refresh && cache::is_copied(local, meta.size) {
        return Ok(None);
    }
    let too_large = || SourceError::TooLarge {
        what: shown.clone(),
        limit: cfg.max_recording_bytes,
    };
    if meta.size > cfg.max_recording_bytes {
        return Err(too_large());
    }
    let dir = match local.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let write_error = |source| SourceError::Write {
        path: local.display().to_string(),
        source,
    };
    let mut staged = Staged::new_in(dir).map_err(write_error)?;
    let mut stream = store
        .get(&meta.location)
        .await
        .map_err(|e| storage_error(&shown, e))?
        .into_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| storage_error(&shown, e))?;
        size += chunk.len() as u64;
        if size > cfg.max_recording_bytes {
            return Err(too_large());
        }
        staged.file().write_all(&chunk).map_err(write_error)?;
    }
    if cfg.validate {
        validate(staged.file(), local, cfg.max_recording_bytes).map_err(|message| {
            SourceError::Recording {
                id: shown.clone(),
                message: format!("not copied: {message} (--no-validate copies it anyway)"),
            }
        })?;
    }
    staged.commit(local, true).map_err(write_error)?;
    Ok(Some(size))
}

#[cfg(feature = "object-store")]
/// Checks that the copied object (gzip-compressed or not) parses as a recording, reading it from
/// the start; `local` (without `.gz`) names it.
fn validate(file: &mut std::fs::File, local: &Path, max_bytes: u64) -> Result<(), String> {
    let limits = crate::recording::Limits {
        max_recording_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
        ..crate::recording::Limits::default()
    };
    file.rewind()
        .map_err(|e| format!("cannot read it back: {e}"))?;
    let name = local.to_string_lossy();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    crate::recording::parse_reader(std::io::BufReader::new(file), Path::new(name), &limits)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Opens the store a URL names and the path (prefix or object) inside it.
#[cfg(feature = "object-store")]
fn open(cfg: &StoreFetch) -> Result<(Box<dyn ObjectStore>, StorePath), SourceError> {
    crate::source::use_ring_for_tls();
    let usage = |m: String| SourceError::Usage(format!("{}: {m}", cfg.url));
    let url = url::Url::parse(&cfg.url).map_err(|e| usage(format!("not a URL: {e}")))?;
    let retry = ::object_store::RetryConfig {
        backoff: ::object_store::BackoffConfig {
            init_backoff: cfg.retry_base,
            max_backoff: Duration::from_secs(30).max(cfg.retry_base),
            base: 2.0,
        },
        max_retries: cfg.retries as usize,
        retry_timeout: Duration::from_secs(180),
    };
    // Set as config keys: replacing the client options would drop what `from_env` read into them
    // (e.g. AWS_ALLOW_HTTP).
    use ::object_store::ClientConfigKey as C;
    let timeouts = [
        (C::Timeout, format!("{}ms", cfg.timeout.as_millis())),
        (
            C::ConnectTimeout,
            format!("{}ms", cfg.timeout.min(Duration::from_secs(30)).as_millis()),
        ),
    ];
    let path = || {
        StorePath::from_url_path(url.path())
            .map_err(|e| usage(format!("not a valid object path: {e}")))
    };
    let built: Result<Box<dyn ObjectStore>, ::object_store::Error> =
        match url.scheme().to_ascii_lowercase().as_str() {
            "s3" | "s3a" => {
                let mut b = ::object_store::aws::AmazonS3Builder::from_env()
                    .with_url(cfg.url.as_str())
                    .with_retry(retry);
                for (k, v) in timeouts {
                    b = b.with_config(::object_store::aws::AmazonS3ConfigKey::Client(k), v);
                }
                b.build().map(|s| Box::new(s) as _)
            }
            "gs" => {
                let mut b = ::object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_url(cfg.url.as_str())
                    .with_retry(retry);
                for (k, v) in timeouts {
                    b = b.with_config(::object_store::gcp::GoogleConfigKey::Client(k), v);
                }
                b.build().map(|s| Box::new(s) as _)
            }
            "az" | "azure" | "abfs" | "abfss" | "adl" => {
                let mut b = ::object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_url(cfg.url.as_str())
                    .with_retry(retry);
                for (k, v) in timeouts {
                    b = b.with_config(::object_store::azure::AzureConfigKey::Client(k), v);
                }
                b.build().map(|s| Box::new(s) as _)
            }
            "file" => {
                let (store, path) = ::object_store::parse_url(&url)
                    .map_err(|e| usage(format!("cannot open: {e}")))?;
                return Ok((store, path));
            }
            other => {
                return Err(usage(format!(
                    "unsupported scheme `{other}`; use s3://, gs://, az:// or file://"
                )));
            }
        };
    let store = built.map_err(|e| {
        usage(format!(
            "cannot set up the store: {e}; check the URL and the credentials in the environment"
        ))
    })?;
    Ok((store, path()?))
}

/// Classifies an `object_store` error: credentials and missing buckets or objects are the user's
/// to fix. Stores report some of those only as a status inside a generic error, so its text is
/// checked too.
#[cfg(feature = "object-store")]
fn storage_error(url: &str, e: ::object_store::Error) -> SourceError {
    use ::object_store::Error as E;
    let text = one_line(&e.to_string());
    let says = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    let auth = matches!(e, E::Unauthenticated { .. } | E::PermissionDenied { .. })
        || says(&[
            "403 Forbidden",
            "401 Unauthorized",
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AuthenticationFailed",
        ]);
    let not_found = !auth
        && (matches!(e, E::NotFound { .. })
            || says(&[
                "404 Not Found",
                "NoSuchBucket",
                "ContainerNotFound",
                "NoSuchKey",
            ]));
    let hint = if auth {
        "; check the credentials in the environment (AWS_*, GOOGLE_*, AZURE_*)"
    } else if not_found {
        "; check the bucket and path"
    } else {
        ""
    };
    SourceError::Storage {
        url: url.to_string(),
        message: format!("{text}{hint}"),
        auth,
        not_found,
    }
}

/// An error text on one line, at most 600 characters.
#[cfg(feature = "object-store")]
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(600) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_schemes() {
        assert!(is_recording_name("a.jsonl"));
        assert!(is_recording_name("a.JSON.gz"));
        assert!(!is_recording_name("a.txt"));
        assert!(!is_recording_name("a.gz"));
        assert!(is_store_url("s3://b/p/"));
        assert!(is_store_url("file:///tmp/x"));
        assert!(!is_store_url("posthog"));
        assert!(!is_store_url("https://us.posthog.com"));
    }

    #[cfg(feature = "object-store")]
    #[test]
    fn validates_plain_and_gzip() {
        let check = |bytes: &[u8], name: &str| {
            let mut f = tempfile::tempfile().unwrap();
            f.write_all(bytes).unwrap();
            validate(&mut f, Path::new(name), 1 << 30)
        };
        let rec = br#"[{"type":4,"data":{"href":"x","width":1,"height":1},"timestamp":1},{"type":2,"data":{"node":{"type":0,"childNodes":[],"id":1}},"timestamp":2}]"#;
        assert!(check(rec, "a.json").is_ok());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, rec).unwrap();
        let gz = gz.finish().unwrap();
        assert!(check(&gz, "a.json.gz").is_ok());
        assert!(check(b"{\"hello\": 1}", "a.json").is_err());
        assert!(check(&[0x1f, 0x8b, 1, 2], "a.json.gz").is_err());
    }
}
