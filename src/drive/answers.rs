//! Recorded network answers: the fetch/XHR calls a recording captured with their bodies
//! (`rrweb/network@1` plugin events, as posthog-js's network capture writes them), kept to answer
//! the same calls of a drive. Answers are handed out first in, first out per method + URL; where
//! the recorded request bodies of one method + URL differ, per request body too. The last answer
//! of a queue repeats once the others are used up.

use crate::recording::{EventType, WindowStream};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};

/// One recorded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    pub status: u16,
    /// Response headers as recorded, minus those that described the transfer rather than the body.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Headers that no longer hold for a body served from memory.
const TRANSFER_HEADERS: [&str; 6] = [
    "connection",
    "keep-alive",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "date",
];

#[derive(Debug, Default)]
struct Queue {
    /// Whether the recorded request bodies differ, so the body picks the answer.
    by_body: bool,
    answers: HashMap<Option<u64>, VecDeque<RecordedAnswer>>,
}

/// The answers of one window.
#[derive(Debug, Default)]
pub struct Answers {
    queues: HashMap<(String, String), Queue>,
}

#[derive(Deserialize)]
struct PluginData {
    plugin: String,
    #[serde(default)]
    payload: Option<NetworkPayload>,
}

#[derive(Deserialize)]
struct NetworkPayload {
    #[serde(default)]
    requests: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct EventShape {
    data: PluginData,
}

fn body_key(body: Option<&str>) -> u64 {
    crate::recording::fnv1a(body.unwrap_or("").as_bytes())
}

/// The URL as a table key: without its fragment (never sent to a server).
fn url_key(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

impl Answers {
    /// The recorded fetch/XHR answers of `window`, in recording order.
    pub fn from_window(window: &WindowStream) -> Answers {
        let mut entries: Vec<(String, String, Option<String>, RecordedAnswer)> = Vec::new();
        for e in window.events.iter().filter(|e| e.kind == EventType::Plugin) {
            let Ok(shape) = serde_json::from_str::<EventShape>(e.json.get()) else {
                continue;
            };
            if shape.data.plugin != "rrweb/network@1" {
                continue;
            }
            for r in shape.data.payload.map(|p| p.requests).unwrap_or_default() {
                if let Some(entry) = entry(&r) {
                    entries.push(entry);
                }
            }
        }
        Answers::from_entries(entries)
    }

    fn from_entries(entries: Vec<(String, String, Option<String>, RecordedAnswer)>) -> Answers {
        let mut bodies: HashMap<(String, String), Vec<u64>> = HashMap::new();
        for (method, url, body, _) in &entries {
            bodies
                .entry((method.clone(), url.clone()))
                .or_default()
                .push(body_key(body.as_deref()));
        }
        let mut answers = Answers::default();
        for (method, url, body, answer) in entries {
            let key = (method, url);
            let by_body = bodies
                .get(&key)
                .is_some_and(|b| b.iter().any(|h| *h != b[0]));
            let queue = answers.queues.entry(key).or_default();
            queue.by_body = by_body;
            let sub = by_body.then(|| body_key(body.as_deref()));
            queue.answers.entry(sub).or_default().push_back(answer);
        }
        answers
    }

    /// Takes the next recorded answer for a request. Once they are used up, the last one answers
    /// every further call (a page that asks more often than when recorded, e.g. after a reload
    /// the recorder missed, still gets the recorded answer, and no call reaches a server whose
    /// state would leak into the drive).
    pub fn take(&mut self, method: &str, url: &str, body: Option<&str>) -> Option<RecordedAnswer> {
        let queue = self
            .queues
            .get_mut(&(method.to_ascii_uppercase(), url_key(url)))?;
        let sub = queue.by_body.then(|| body_key(body));
        let answers = queue.answers.get_mut(&sub)?;
        if answers.len() > 1 {
            answers.pop_front()
        } else {
            answers.front().cloned()
        }
    }

    /// Whether any answer (of any method) was recorded for `url`: a CORS preflight for it is
    /// answered too.
    pub fn knows_url(&self, url: &str) -> bool {
        let url = url_key(url);
        self.queues.keys().any(|(_, u)| *u == url)
    }

    /// Recorded answers not handed out yet (a last one that repeats counts once).
    pub fn len(&self) -> usize {
        self.queues
            .values()
            .flat_map(|q| q.answers.values())
            .map(|a| a.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One recorded request → (method, url, request body, answer), for fetch/XHR entries that carry
/// a response body.
fn entry(r: &serde_json::Value) -> Option<(String, String, Option<String>, RecordedAnswer)> {
    let initiator = r.get("initiatorType")?.as_str()?;
    if !matches!(initiator, "fetch" | "xmlhttprequest") {
        return None;
    }
    let url = r
        .get("name")
        .or_else(|| r.get("url"))
        .and_then(|u| u.as_str())?;
    let body = match r.get("responseBody")? {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => return None,
        other => other.to_string(),
    };
    let status = r
        .get("status")
        .or_else(|| r.get("responseStatus"))
        .and_then(|s| s.as_u64())
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .unwrap_or(200);
    let method = r
        .get("method")
        .and_then(|m| m.as_str())
        .unwrap_or("GET")
        .to_ascii_uppercase();
    let request_body = match r.get("requestBody") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(serde_json::Value::String(_)) => None,
        Some(other) => Some(other.to_string()),
    };
    let mut headers: Vec<(String, String)> = r
        .get("responseHeaders")
        .and_then(|h| h.as_object())
        .map(|h| {
            h.iter()
                .filter(|(k, _)| !TRANSFER_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    headers.sort();
    Some((
        method,
        url_key(url),
        request_body,
        RecordedAnswer {
            status,
            headers,
            body,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swagger() -> WindowStream {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recordings/swagger-ui/rrweb-events.json");
        let rec = crate::recording::load(&path, &Default::default()).unwrap();
        rec.windows.into_iter().next().unwrap()
    }

    #[test]
    fn swagger_ui_calls_are_answered_in_recorded_order() {
        let mut a = Answers::from_window(&swagger());
        // 8 plugin events; of their 23 entries, 5 are fetches with bodies (the OpenAPI document,
        // GET pets, POST pets, GET boom, GET pets/2); scripts, styles and page loads are not.
        assert_eq!(a.len(), 5);
        let doc = a
            .take("get", "http://127.0.0.1:8700/swagger/openapi.json", None)
            .unwrap();
        assert_eq!(doc.status, 200);
        assert!(doc.body.contains("\"openapi\": \"3.0.3\""));
        assert!(doc.headers.contains(&(
            "content-type".into(),
            "application/json; charset=utf-8".into()
        )));
        assert!(
            doc.headers
                .iter()
                .all(|(k, _)| k != "content-length" && k != "date")
        );
        assert_eq!(
            a.take("GET", "http://127.0.0.1:8700/swagger/openapi.json", None),
            Some(doc),
            "the last recorded answer repeats"
        );
        let created = a
            .take(
                "POST",
                "http://127.0.0.1:8700/api/v1/pets",
                Some(r#"{"name": "Biscuit", "tag": "dog", "status": "pending"}"#),
            )
            .unwrap();
        assert_eq!(created.status, 201);
        assert!(created.body.contains("\"id\":4"));
        let boom = a
            .take("GET", "http://127.0.0.1:8700/api/v1/boom#x", None)
            .unwrap();
        assert_eq!(boom.status, 500);
        assert!(a.knows_url("http://127.0.0.1:8700/api/v1/pets/2"));
        assert!(!a.knows_url("http://127.0.0.1:8700/swagger/swagger-ui-bundle.js"));
        assert!(
            a.take(
                "GET",
                "http://127.0.0.1:8700/swagger/swagger-ui-bundle.js",
                None
            )
            .is_none()
        );
    }

    fn answer(body: &str) -> RecordedAnswer {
        RecordedAnswer {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    #[test]
    fn fifo_per_method_and_url_and_by_body_where_bodies_differ() {
        let u = "http://a.test/items".to_string();
        let mut a = Answers::from_entries(vec![
            ("GET".into(), u.clone(), None, answer("first")),
            ("GET".into(), u.clone(), None, answer("second")),
            ("POST".into(), u.clone(), Some("a".into()), answer("made a")),
            ("POST".into(), u.clone(), Some("b".into()), answer("made b")),
            (
                "PUT".into(),
                u.clone(),
                Some("same".into()),
                answer("put 1"),
            ),
            (
                "PUT".into(),
                u.clone(),
                Some("same".into()),
                answer("put 2"),
            ),
        ]);
        assert_eq!(a.take("GET", &u, None).unwrap().body, "first");
        assert_eq!(a.take("POST", &u, Some("b")).unwrap().body, "made b");
        assert_eq!(a.take("POST", &u, Some("c")), None);
        assert_eq!(a.take("POST", &u, Some("a")).unwrap().body, "made a");
        // Equal recorded bodies: the body does not matter.
        assert_eq!(a.take("PUT", &u, Some("other")).unwrap().body, "put 1");
        assert_eq!(a.take("GET", &u, None).unwrap().body, "second");
        assert_eq!(a.take("GET", &u, None).unwrap().body, "second");
        assert_eq!(a.take("DELETE", &u, None), None);
    }
}
