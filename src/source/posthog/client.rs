//! HTTP for the PostHog API: the `Authorization` header, a bound on requests in flight, and
//! retries — `429` waits for `Retry-After` (or the "Expected available in N seconds" body, else
//! exponential backoff with jitter) and pauses every other request too; `502`/`503`/`504`, timeouts
//! and dropped connections are retried a bounded number of times; `401`/`403` stop at once. The
//! backoff delays come from `backon`.
//!
//! Bodies are bounded: an API answer kept in memory (a list page, metadata, the snapshot sources)
//! at [`MAX_ANSWER_BYTES`]; snapshot data is streamed to a file, all blocks of one recording
//! together at a [`ByteBudget`] (`--max-recording-bytes`).

use super::RetryPolicy;
use crate::source::{ApiKey, FetchEvent, Observer, SourceError};
use backon::{BackoffBuilder, ExponentialBuilder};
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use url::Url;

/// The largest API answer kept in memory: a list page, a recording's metadata, its snapshot
/// sources (real ones are kilobytes). Snapshot data goes to disk instead ([`Client::get_to`]).
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// The most of an error answer's body (429, 5xx, 404, …) read for messages.
const MAX_ERROR_BODY_BYTES: usize = 64 << 10;

/// Bytes written to disk for one recording, by all its blocks together, against a limit.
#[derive(Debug)]
pub struct ByteBudget {
    used: AtomicU64,
    pub limit: u64,
}

impl ByteBudget {
    pub fn new(limit: u64) -> Self {
        ByteBudget {
            used: AtomicU64::new(0),
            limit,
        }
    }

    /// Takes `n` bytes; false (and nothing taken) when that would pass the limit.
    fn take(&self, n: u64) -> bool {
        let after = self.used.fetch_add(n, Ordering::SeqCst).saturating_add(n);
        if after > self.limit {
            self.used.fetch_sub(n, Ordering::SeqCst);
            return false;
        }
        true
    }

    fn give_back(&self, n: u64) {
        self.used.fetch_sub(n, Ordering::SeqCst);
    }
}

/// Where the body of a successful answer goes.
pub enum Sink<'a> {
    /// Into [`Reply::body`], at most [`MAX_ANSWER_BYTES`].
    Memory,
    /// Into `file` (from its start; a retry starts over), counted against `budget`.
    File {
        file: &'a mut std::fs::File,
        path: &'a Path,
        budget: &'a ByteBudget,
    },
}

impl RetryPolicy {
    /// The delays of retries 1, 2, …: a random delay between half and all of `base * 2^(n-1)`,
    /// capped at `max_backoff` (backon's jitter adds up to the delay itself, hence the halves).
    pub fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::default()
            .with_min_delay(self.base / 2)
            .with_max_delay(self.max_backoff / 2)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
    }
}

/// A response that is neither an auth failure nor worth retrying.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    /// The body, unless a successful answer went to a [`Sink::File`] (then empty).
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A short, safe excerpt of the body for messages.
    pub fn excerpt(&self) -> String {
        excerpt(&self.body)
    }
}

/// The PostHog HTTP client. Cheap to share behind an `Arc`.
pub struct Client {
    http: reqwest::Client,
    key: ApiKey,
    project: String,
    retry: RetryPolicy,
    in_flight: Semaphore,
    /// Set by a 429: no request starts before this instant.
    paused_until: Mutex<Option<Instant>>,
    observer: Arc<dyn Observer>,
}

enum Attempt {
    Done(Reply),
    Fail(SourceError),
    Retry {
        wait: Option<Duration>,
        why: String,
        status: Option<u16>,
        detail: String,
    },
}

impl Client {
    pub fn new(
        key: ApiKey,
        project: &str,
        concurrency: usize,
        retry: RetryPolicy,
        observer: Arc<dyn Observer>,
    ) -> Result<Client, SourceError> {
        crate::source::use_ring_for_tls();
        let http = reqwest::Client::builder()
            .user_agent(concat!("reel/", env!("CARGO_PKG_VERSION")))
            .timeout(retry.timeout)
            .connect_timeout(retry.timeout.min(Duration::from_secs(30)))
            .build()
            .map_err(|e| SourceError::Usage(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Client {
            http,
            key,
            project: project.to_string(),
            retry,
            in_flight: Semaphore::new(concurrency.max(1)),
            paused_until: Mutex::new(None),
            observer,
        })
    }

    /// GETs `url` with retries, the body in memory. `Ok` for any status that is not retried and
    /// not an auth failure (callers decide what a 404 means).
    pub async fn get(&self, url: &Url) -> Result<Reply, SourceError> {
        self.get_into(url, &mut Sink::Memory).await
    }

    /// [`Client::get`], a successful answer's body streamed into `file` against `budget`.
    pub async fn get_to(
        &self,
        url: &Url,
        file: &mut std::fs::File,
        path: &Path,
        budget: &ByteBudget,
    ) -> Result<Reply, SourceError> {
        self.get_into(url, &mut Sink::File { file, path, budget })
            .await
    }

    async fn get_into(&self, url: &Url, sink: &mut Sink<'_>) -> Result<Reply, SourceError> {
        let mut attempt: u32 = 0;
        let mut waited = Duration::ZERO;
        let mut backoff = self.retry.backoff();
        loop {
            attempt += 1;
            let outcome = {
                let _permit = self
                    .in_flight
                    .acquire()
                    .await
                    .map_err(|_| SourceError::Usage("request pool closed".to_string()))?;
                // After the permit: a 429 seen while this request queued pauses it too.
                self.wait_for_pause().await;
                tracing::debug!("GET {url} (attempt {attempt})");
                self.attempt(url, sink).await
            };
            match outcome {
                Attempt::Fail(e) => return Err(e),
                Attempt::Done(reply) => {
                    tracing::trace!("{url} -> HTTP {}", reply.status);
                    if reply.status == 401 || reply.status == 403 {
                        return Err(SourceError::Unauthorized {
                            status: reply.status,
                            url: url.to_string(),
                            project: self.project.clone(),
                        });
                    }
                    return Ok(reply);
                }
                Attempt::Retry {
                    wait,
                    why,
                    status,
                    detail,
                } => {
                    if attempt > self.retry.max_retries {
                        return Err(match status {
                            Some(status) => SourceError::Http {
                                url: url.to_string(),
                                status,
                                attempts: attempt,
                                detail,
                            },
                            None => SourceError::Unreachable {
                                url: url.to_string(),
                                attempts: attempt,
                                message: why,
                            },
                        });
                    }
                    let left = self.retry.max_total_wait.saturating_sub(waited);
                    let delay = match wait {
                        Some(w) if w > left => {
                            let asked = w.as_secs_f64().ceil();
                            let most = self.retry.max_total_wait.as_secs();
                            return Err(SourceError::Http {
                                url: url.to_string(),
                                status: status.unwrap_or(429),
                                attempts: attempt,
                                detail: format!(
                                    "{detail}; the server asks to wait {asked} s (Retry-After), \
                                     more than the {most} s reel waits for one request in total"
                                ),
                            });
                        }
                        Some(w) => {
                            self.pause_all(w);
                            w
                        }
                        None => backoff.next().unwrap_or(self.retry.max_backoff).min(left),
                    };
                    waited += delay;
                    self.observer.event(FetchEvent::Note(format!(
                        "{why}; retrying in {:.1} s ({attempt}/{})",
                        delay.as_secs_f64(),
                        self.retry.max_retries
                    )));
                    tracing::debug!("{url}: {why}; retry {attempt} in {delay:?}");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self, url: &Url, sink: &mut Sink<'_>) -> Attempt {
        let mut auth = match reqwest::header::HeaderValue::from_str(&format!(
            "Bearer {}",
            self.key.expose()
        )) {
            Ok(v) => v,
            Err(_) => {
                return Attempt::Done(Reply {
                    status: 401,
                    content_type: None,
                    body: Vec::new(),
                });
            }
        };
        auth.set_sensitive(true);
        let sent = self
            .http
            .get(url.clone())
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(
                reqwest::header::ACCEPT,
                "application/json, application/jsonl",
            )
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    wait: None,
                    why: transport_message(&e),
                    status: None,
                    detail: String::new(),
                };
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut resp = resp;
        let mut body = Vec::new();
        let success = (200..300).contains(&status);
        let lost = |e: &reqwest::Error| Attempt::Retry {
            wait: None,
            why: format!(
                "connection lost while reading the body: {}",
                transport_message(e)
            ),
            status: None,
            detail: String::new(),
        };
        if let (true, Sink::File { file, path, budget }) = (success, &mut *sink) {
            let write_error = |source| {
                Attempt::Fail(SourceError::Write {
                    path: path.display().to_string(),
                    source,
                })
            };
            if let Err(e) = file.set_len(0).and_then(|()| file.rewind()) {
                return write_error(e);
            }
            let mut written = 0u64;
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        if !budget.take(chunk.len() as u64) {
                            budget.give_back(written);
                            return Attempt::Fail(SourceError::TooLarge {
                                what: url.to_string(),
                                limit: budget.limit,
                            });
                        }
                        written += chunk.len() as u64;
                        if let Err(e) = file.write_all(&chunk) {
                            budget.give_back(written);
                            return write_error(e);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        budget.give_back(written);
                        return lost(&e);
                    }
                }
            }
        } else {
            let limit = if success {
                MAX_ANSWER_BYTES
            } else {
                MAX_ERROR_BODY_BYTES
            };
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) if body.len() + chunk.len() > limit => {
                        if success {
                            return Attempt::Fail(SourceError::BadResponse {
                                url: url.to_string(),
                                message: format!(
                                    "the answer is larger than {} MiB, far more than any answer \
                                     of this kind",
                                    MAX_ANSWER_BYTES >> 20
                                ),
                            });
                        }
                        // An error answer: its beginning is enough for the message.
                        body.extend_from_slice(&chunk[..limit - body.len()]);
                        break;
                    }
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(e) => return lost(&e),
                }
            }
        }
        match status {
            429 => {
                let wait = retry_after.or_else(|| expected_available_in(&body));
                Attempt::Retry {
                    wait,
                    why: "rate limited (HTTP 429)".to_string(),
                    status: Some(429),
                    detail: format!(": {}", excerpt(&body)),
                }
            }
            502..=504 => Attempt::Retry {
                wait: retry_after,
                why: format!("server busy (HTTP {status})"),
                status: Some(status),
                detail: format!(": {}", excerpt(&body)),
            },
            _ => Attempt::Done(Reply {
                status,
                content_type,
                body,
            }),
        }
    }

    async fn wait_for_pause(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t.into()).await,
                _ => return,
            }
        }
    }

    fn pause_all(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut p = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if p.is_none_or(|t| t < until) {
            *p = Some(until);
        }
    }
}

/// A transport error as a short message (reqwest errors name the URL, which is key-free).
fn transport_message(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "connection error".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// PostHog's throttling body: `{"detail": "Request was throttled. Expected available in 12 seconds."}`.
fn expected_available_in(body: &[u8]) -> Option<Duration> {
    let text = String::from_utf8_lossy(body);
    let rest = &text[text.find("available in ")? + "available in ".len()..];
    let num: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let secs: f64 = num.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// At most 200 characters of a body, on one line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    one_line.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            expected_available_in(
                br#"{"detail":"Request was throttled. Expected available in 12 seconds."}"#
            ),
            Some(Duration::from_secs(12))
        );
        assert_eq!(expected_available_in(b"nope"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_cap() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for (n, d) in (1..=8).zip(policy.backoff()) {
            let full = Duration::from_millis((100u64 << (n - 1)).min(1000));
            assert!(d >= full / 2 && d <= full, "retry {n}: {d:?} vs {full:?}");
        }
    }
}
