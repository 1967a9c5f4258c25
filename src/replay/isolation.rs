//! Isolation of a replay page: every request goes through CDP request interception. The player's
//! own files and the events are served from memory on [`ORIGIN`](super::assets::ORIGIN); every
//! other request is failed (and counted) unless the network is explicitly allowed, in which case it
//! counts as answered once the browser has loaded it (or failed to).

use super::ReplayError;
use super::assets::{ORIGIN, player_files};
use base64::Engine;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams,
    FulfillRequestParams, HeaderEntry, RequestId, RequestPattern,
};
use chromiumoxide::cdp::browser_protocol::network::{
    self, ErrorReason, EventLoadingFailed, EventLoadingFinished,
};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// How many blocked URLs are remembered for the `-v` log and the capture.
const REMEMBERED_BLOCKED: usize = 50;

/// In-memory responses by path on [`ORIGIN`].
#[derive(Default, Clone)]
pub struct Assets {
    files: HashMap<String, (String, Arc<Vec<u8>>)>,
}

impl Assets {
    pub fn with_player() -> Self {
        let mut a = Assets::default();
        for (path, mime, bytes) in player_files() {
            a.insert(path, mime, bytes.to_vec());
        }
        a
    }

    pub fn insert(&mut self, path: &str, mime: &str, bytes: Vec<u8>) {
        self.files
            .insert(path.to_string(), (mime.to_string(), Arc::new(bytes)));
    }
}

/// What the interceptor saw.
#[derive(Default)]
pub struct Traffic {
    /// Requests intercepted, and requests answered (served, failed, or let through and then
    /// loaded or failed).
    pub requested: AtomicU64,
    pub answered: AtomicU64,
    /// URLs (without fragment) requested since the last [`Traffic::mark`], up to
    /// [`REMEMBERED_RECENT`]; `None` once more arrived.
    pub recent: Mutex<Option<Vec<String>>>,
    pub blocked: AtomicU64,
    pub allowed: AtomicU64,
    pub blocked_urls: Mutex<Vec<String>>,
    /// Requests other than the player's are let through.
    pub network_allowed: bool,
}

/// How many URLs requested since the last mark are remembered.
const REMEMBERED_RECENT: usize = 256;

impl Traffic {
    /// Forgets what was blocked and allowed (for a page about to replay another recording).
    pub fn forget_blocked(&self) {
        self.blocked.store(0, Ordering::Relaxed);
        self.allowed.store(0, Ordering::Relaxed);
        if let Ok(mut urls) = self.blocked_urls.lock() {
            urls.clear();
        }
    }

    /// Starts a new window of remembered URLs; returns the requests so far.
    pub fn mark(&self) -> u64 {
        if let Ok(mut recent) = self.recent.lock() {
            *recent = Some(Vec::new());
        }
        self.requested.load(Ordering::SeqCst)
    }

    /// The URLs requested since the last mark, if all were remembered.
    pub fn since_mark(&self) -> Option<Vec<String>> {
        self.recent.lock().ok()?.clone()
    }
}

/// A request for a path under [`EVENTS_PATH`], handed to whoever serves the events.
pub type EventRequest = (RequestId, String);

/// Where the player fetches the events, chunk by chunk (`/events/<n>.json`).
pub const EVENTS_PATH: &str = "/events/";

/// What the player requests after a seek's style and layout when the network is allowed:
/// answered after every request that reached the interceptor before it, and not counted, so that
/// the requests the seek started are counted by the time the seek returns.
pub const BARRIER_PATH: &str = "/barrier";

/// Where requests for events go while a player loads them: `None` between loads.
pub type EventsTap = Arc<Mutex<Option<tokio::sync::mpsc::UnboundedSender<EventRequest>>>>;

/// Serves `assets` to `page` and blocks everything else. Must run before the page navigates.
/// Requests under [`EVENTS_PATH`] go to the sender in `events` (answered with [`fulfill`]);
/// without one, or once nobody listens there, they fail.
pub async fn isolate(
    page: &Page,
    assets: Assets,
    events: EventsTap,
    allow_network: bool,
) -> Result<(Arc<Traffic>, JoinHandle<()>), ReplayError> {
    let mut paused = page
        .event_listener::<EventRequestPaused>()
        .await
        .map_err(|e| ReplayError::Browser(format!("cannot listen for requests: {e}")))?;
    page.execute(
        EnableParams::builder()
            .pattern(RequestPattern::builder().url_pattern("*").build())
            .build(),
    )
    .await
    .map_err(|e| ReplayError::Browser(format!("cannot enable request interception: {e}")))?;
    let finished = page
        .event_listener::<EventLoadingFinished>()
        .await
        .map_err(|e| ReplayError::Browser(format!("cannot listen for loads: {e}")))?;
    let failed = page
        .event_listener::<EventLoadingFailed>()
        .await
        .map_err(|e| ReplayError::Browser(format!("cannot listen for loads: {e}")))?;
    let mut loaded = futures::stream::select(
        finished.map(|e| e.request_id.clone()),
        failed.map(|e| e.request_id.clone()),
    );
    let traffic = Arc::new(Traffic {
        network_allowed: allow_network,
        ..Traffic::default()
    });
    let seen = traffic.clone();
    let page = page.clone();
    let task = tokio::spawn(async move {
        // Requests let through and not loaded yet, by network request id (a redirect's hops
        // share one id). Filled and emptied here only, so a load that finishes while its
        // request is being let through waits in `loaded` until it is counted.
        let mut loading: HashMap<network::RequestId, u64> = HashMap::new();
        loop {
            let event = tokio::select! {
                Some(event) = paused.next() => event,
                Some(id) = loaded.next() => {
                    if let Some(n) = loading.remove(&id) {
                        seen.answered.fetch_add(n, Ordering::SeqCst);
                    }
                    continue;
                }
                else => break,
            };
            let url = event.request.url.as_str();
            if own_path(url) == Some(BARRIER_PATH) {
                // Not the replayed page's: handled in arrival order, after every request before it.
                let _ = fulfill(&page, event.request_id.clone(), "text/plain", b"").await;
                continue;
            }
            if let Ok(mut recent) = seen.recent.lock()
                && let Some(list) = recent.as_mut()
            {
                if list.len() < REMEMBERED_RECENT {
                    list.push(without_fragment(url).to_string());
                } else {
                    *recent = None;
                }
            }
            seen.requested.fetch_add(1, Ordering::SeqCst);
            let result = if let Some(path) = own_path(url) {
                match assets.files.get(path) {
                    None if path.starts_with(EVENTS_PATH)
                        && events.lock().is_ok_and(|tap| {
                            tap.as_ref().is_some_and(|tx| {
                                tx.send((event.request_id.clone(), path.to_string()))
                                    .is_ok()
                            })
                        }) =>
                    {
                        Ok(())
                    }
                    Some((mime, body)) => {
                        fulfill(&page, event.request_id.clone(), mime, body).await
                    }
                    None => fail(&page, &event).await,
                }
            } else if allow_network {
                seen.allowed.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("allowed {url}");
                let continued = page
                    .execute(ContinueRequestParams::new(event.request_id.clone()))
                    .await
                    .map(|_| ());
                if continued.is_ok()
                    && let Some(id) = &event.network_id
                {
                    *loading.entry(id.clone()).or_insert(0) += 1;
                    continue;
                }
                continued
            } else {
                seen.blocked.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("blocked {url}");
                if let Ok(mut urls) = seen.blocked_urls.lock()
                    && urls.len() < REMEMBERED_BLOCKED
                {
                    urls.push(truncate(url, 300));
                }
                fail(&page, &event).await
            };
            seen.answered.fetch_add(1, Ordering::SeqCst);
            if let Err(e) = result {
                tracing::debug!("request handling for {url}: {e}");
            }
        }
    });
    Ok((traffic, task))
}

/// Answers a paused request with `body`.
pub async fn fulfill(
    page: &Page,
    request_id: RequestId,
    mime: &str,
    body: &[u8],
) -> Result<(), chromiumoxide::error::CdpError> {
    match response(request_id, mime, body) {
        Some(p) => page.execute(p).await.map(|_| ()),
        None => Ok(()),
    }
}

/// The answer [`fulfill`] gives: `body` as `mime`, never cached.
pub(crate) fn response(
    request_id: RequestId,
    mime: &str,
    body: &[u8],
) -> Option<FulfillRequestParams> {
    FulfillRequestParams::builder()
        .request_id(request_id)
        .response_code(200)
        .response_headers(vec![
            HeaderEntry::new("Content-Type", mime),
            HeaderEntry::new("Cache-Control", "no-store"),
        ])
        .body(base64::engine::general_purpose::STANDARD.encode(body))
        .build()
        .inspect_err(|e| tracing::warn!("cannot build a response: {e}"))
        .ok()
}

async fn fail(
    page: &Page,
    event: &EventRequestPaused,
) -> Result<(), chromiumoxide::error::CdpError> {
    page.execute(FailRequestParams::new(
        event.request_id.clone(),
        ErrorReason::BlockedByClient,
    ))
    .await
    .map(|_| ())
}

pub fn without_fragment(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

fn own_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix(ORIGIN)?;
    if !rest.starts_with('/') {
        return None;
    }
    Some(rest.split(['?', '#']).next().unwrap_or(rest))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_private_origin_is_ours() {
        assert_eq!(
            own_path("http://reel.invalid/player.js?x=1"),
            Some("/player.js")
        );
        assert_eq!(own_path("http://reel.invalid.evil.com/player.js"), None);
        assert_eq!(own_path("http://127.0.0.1:8700/x.png"), None);
        assert_eq!(own_path("https://reel.invalid/player.js"), None);
    }
}
