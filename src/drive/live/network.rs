//! The live page's network, through request interception: fetch/XHR calls the recording answered
//! are answered from it, everything else of the mapped origins goes to the build under test (a
//! request to a recorded origin is sent to its live one), and requests to any other host are
//! blocked and listed.

use super::super::answers::{Answers, RecordedAnswer};
use super::super::url_map::{UrlMap, origin};
use base64::Engine;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams, EventRequestPaused, FailRequestParams,
    FulfillRequestParams, HeaderEntry, RequestPattern,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, Request, ResourceType};
use futures::StreamExt;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Answer from the recording.
    Recorded(RecordedAnswer),
    /// A CORS preflight for a URL the recording answers: allow it.
    Preflight,
    /// Let the browser fetch it from the build under test, at this URL when it changes.
    Live(Option<String>),
    /// Not ours: fail it and list it.
    Blocked,
}

/// How many blocked URLs are kept for the report.
const REMEMBERED_BLOCKED: usize = 50;

/// What the interception saw on one tab.
#[derive(Debug, Default)]
pub struct NetworkLog {
    pub answered_from_recording: u64,
    pub live: u64,
    pub blocked_hosts: BTreeSet<String>,
    pub blocked_urls: Vec<String>,
    pub blocked: u64,
}

/// Decides where a request goes. `answers` are the recorded ones still left.
pub fn route(
    map: &UrlMap,
    answers: &mut Answers,
    method: &str,
    url: &str,
    fetch_or_xhr: bool,
    body: Option<&str>,
) -> Route {
    if url.starts_with("data:") || url.starts_with("blob:") {
        return Route::Live(None);
    }
    let recorded_url = if map.is_recorded(url) {
        Some(url.to_string())
    } else {
        map.to_recorded(url)
    };
    if fetch_or_xhr && let Some(recorded) = &recorded_url {
        if method.eq_ignore_ascii_case("OPTIONS") && answers.knows_url(recorded) {
            return Route::Preflight;
        }
        if let Some(answer) = answers.take(method, recorded, body) {
            return Route::Recorded(answer);
        }
    }
    if map.is_live(url) {
        return Route::Live(None);
    }
    if let Some(live) = map.to_live(url) {
        return Route::Live(Some(live));
    }
    if fetch_or_xhr && let Some(answer) = answers.take(method, url, body) {
        // A call to another host that the recording answered (e.g. a third-party API).
        return Route::Recorded(answer);
    }
    Route::Blocked
}

/// The host (origin) a blocked URL is listed under.
pub fn host_of(url: &str) -> String {
    origin(url).unwrap_or_else(|| url.split(':').next().unwrap_or(url).to_string() + ":")
}

/// Intercepts every request of `page` and routes it. Must run before the page navigates.
pub async fn intercept(
    page: &Page,
    map: Arc<UrlMap>,
    answers: Answers,
) -> Result<(Arc<Mutex<NetworkLog>>, JoinHandle<()>), chromiumoxide::error::CdpError> {
    let mut paused = page.event_listener::<EventRequestPaused>().await?;
    page.execute(
        EnableParams::builder()
            .pattern(RequestPattern::builder().url_pattern("*").build())
            .build(),
    )
    .await?;
    let log = Arc::new(Mutex::new(NetworkLog::default()));
    let seen = log.clone();
    let page = page.clone();
    let task = tokio::spawn(async move {
        let mut answers = answers;
        // Requests are routed one after another, in the order the browser paused them (recorded
        // answers are taken in that order); their answers are sent in that order too, but none
        // waits for the browser to acknowledge the one before.
        let mut answering = futures::stream::FuturesOrdered::new();
        loop {
            let event = tokio::select! {
                Some(event) = paused.next() => event,
                Some((url, result)) = answering.next(), if !answering.is_empty() => {
                    if let Err(e) = result {
                        tracing::debug!("request handling for {url}: {e}");
                    }
                    continue;
                }
                else => break,
            };
            let request = &event.request;
            let url = match &request.url_fragment {
                Some(f) => format!("{}{f}", request.url),
                None => request.url.clone(),
            };
            let fetch_or_xhr =
                matches!(event.resource_type, ResourceType::Fetch | ResourceType::Xhr);
            let decided = route(
                &map,
                &mut answers,
                &request.method,
                &url,
                fetch_or_xhr,
                post_body(request).as_deref(),
            );
            let origin_header = header(request, "Origin");
            match &decided {
                Route::Recorded(_) => {
                    if let Ok(mut l) = seen.lock() {
                        l.answered_from_recording += 1;
                    }
                    tracing::debug!("answered from the recording: {} {url}", request.method);
                }
                Route::Live(_) => {
                    if let Ok(mut l) = seen.lock() {
                        l.live += 1;
                    }
                }
                Route::Blocked => {
                    tracing::debug!("blocked {url}");
                    if let Ok(mut l) = seen.lock() {
                        l.blocked += 1;
                        l.blocked_hosts.insert(host_of(&url));
                        if l.blocked_urls.len() < REMEMBERED_BLOCKED {
                            l.blocked_urls.push(url.chars().take(300).collect());
                        }
                    }
                }
                Route::Preflight => {}
            }
            let (page, map) = (page.clone(), map.clone());
            answering.push_back(async move {
                let result = match decided {
                    Route::Recorded(answer) => {
                        fulfill(&page, &event, &answer, &map, origin_header.as_deref()).await
                    }
                    Route::Preflight => preflight(&page, &event, origin_header.as_deref()).await,
                    Route::Live(to) => {
                        let mut params = ContinueRequestParams::new(event.request_id.clone());
                        params.url = to;
                        page.execute(params).await.map(|_| ())
                    }
                    Route::Blocked => page
                        .execute(FailRequestParams::new(
                            event.request_id.clone(),
                            ErrorReason::BlockedByClient,
                        ))
                        .await
                        .map(|_| ()),
                };
                (url, result)
            });
        }
    });
    Ok((log, task))
}

/// A request header, by case-insensitive name.
fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .inner()
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

/// The request body, when the browser handed it over.
fn post_body(request: &Request) -> Option<String> {
    let entries = request.post_data_entries.as_ref()?;
    let mut body = Vec::new();
    for e in entries {
        if let Some(b) = &e.bytes {
            body.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(AsRef::<str>::as_ref(b))
                    .ok()?,
            );
        }
    }
    Some(String::from_utf8_lossy(&body).into_owned())
}

/// Serves a recorded answer. A recorded `Access-Control-Allow-Origin` naming a recorded origin
/// names the page's live origin instead, so cross-origin answers still pass CORS.
async fn fulfill(
    page: &Page,
    event: &EventRequestPaused,
    answer: &RecordedAnswer,
    map: &UrlMap,
    request_origin: Option<&str>,
) -> Result<(), chromiumoxide::error::CdpError> {
    let headers: Vec<HeaderEntry> = answer
        .headers
        .iter()
        .map(|(k, v)| {
            let value = if k.eq_ignore_ascii_case("access-control-allow-origin") && v != "*" {
                map.live_origin(v)
                    .map(str::to_string)
                    .or_else(|| request_origin.map(str::to_string))
                    .unwrap_or_else(|| v.clone())
            } else {
                v.clone()
            };
            HeaderEntry::new(k.clone(), value)
        })
        .collect();
    let params = FulfillRequestParams::builder()
        .request_id(event.request_id.clone())
        .response_code(answer.status as i64)
        .response_headers(headers)
        .body(base64::engine::general_purpose::STANDARD.encode(answer.body.as_bytes()))
        .build();
    match params {
        Ok(p) => page.execute(p).await.map(|_| ()),
        Err(e) => {
            tracing::warn!("cannot build a recorded response: {e}");
            Ok(())
        }
    }
}

async fn preflight(
    page: &Page,
    event: &EventRequestPaused,
    request_origin: Option<&str>,
) -> Result<(), chromiumoxide::error::CdpError> {
    let header = |name: &str| header(&event.request, name).unwrap_or_default();
    let params = FulfillRequestParams::builder()
        .request_id(event.request_id.clone())
        .response_code(204)
        .response_headers(vec![
            HeaderEntry::new(
                "Access-Control-Allow-Origin",
                request_origin.unwrap_or("*").to_string(),
            ),
            HeaderEntry::new(
                "Access-Control-Allow-Methods",
                header("Access-Control-Request-Method"),
            ),
            HeaderEntry::new(
                "Access-Control-Allow-Headers",
                header("Access-Control-Request-Headers"),
            ),
            HeaderEntry::new("Access-Control-Allow-Credentials", "true"),
        ])
        .build();
    match params {
        Ok(p) => page.execute(p).await.map(|_| ()),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::url_map::UrlSpec;

    fn map() -> UrlMap {
        let spec: UrlSpec = "http://127.0.0.1:8700=http://127.0.0.1:5000"
            .parse()
            .unwrap();
        UrlMap::resolve(&[spec], &[]).unwrap()
    }

    fn swagger_answers() -> Answers {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recordings/swagger-ui/rrweb-events.json");
        let rec = crate::recording::load(&path, &Default::default()).unwrap();
        Answers::from_window(&rec.windows[0])
    }

    #[test]
    fn recorded_calls_are_answered_the_build_serves_the_rest_other_hosts_are_blocked() {
        let map = map();
        let mut a = swagger_answers();
        let doc = "http://127.0.0.1:5000/swagger/openapi.json";
        assert!(matches!(
            route(&map, &mut a, "GET", doc, true, None),
            Route::Recorded(r) if r.body.contains("openapi")
        ));
        // The last recorded answer repeats; what was never recorded goes to the build.
        assert!(matches!(
            route(&map, &mut a, "GET", doc, true, None),
            Route::Recorded(_)
        ));
        assert_eq!(
            route(
                &map,
                &mut a,
                "GET",
                "http://127.0.0.1:5000/swagger/index.css",
                true,
                None
            ),
            Route::Live(None)
        );
        // Not fetch/XHR: never from the recording.
        assert_eq!(
            route(
                &map,
                &mut a,
                "GET",
                "http://127.0.0.1:5000/api/v1/boom",
                false,
                None
            ),
            Route::Live(None)
        );
        assert!(matches!(
            route(&map, &mut a, "GET", "http://127.0.0.1:5000/api/v1/boom", true, None),
            Route::Recorded(r) if r.status == 500
        ));
        assert_eq!(
            route(
                &map,
                &mut a,
                "OPTIONS",
                "http://127.0.0.1:5000/api/v1/pets/2",
                true,
                None
            ),
            Route::Preflight
        );
        // A request to the recorded origin goes to the live one.
        assert_eq!(
            route(
                &map,
                &mut a,
                "GET",
                "http://127.0.0.1:8700/swagger/index.css",
                false,
                None
            ),
            Route::Live(Some("http://127.0.0.1:5000/swagger/index.css".into()))
        );
        assert_eq!(
            route(
                &map,
                &mut a,
                "GET",
                "http://127.0.0.1:8701/static/array.js",
                false,
                None
            ),
            Route::Blocked
        );
        assert_eq!(
            route(
                &map,
                &mut a,
                "GET",
                "data:image/png;base64,AAAA",
                false,
                None
            ),
            Route::Live(None)
        );
        assert_eq!(
            host_of("http://127.0.0.1:8701/static/array.js"),
            "http://127.0.0.1:8701"
        );
    }
}
