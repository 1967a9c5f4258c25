//! Test doubles for `reel fetch`: a small HTTP/1.1 server on 127.0.0.1 that implements the PostHog
//! session-recording endpoints as documented (list with offset or cursor pagination, metadata,
//! snapshot sources, `blob_v2` ranges of at most 20 keys as `application/jsonl`, `blob_v2_lts`,
//! legacy `blob` + `realtime`), checks the bearer key and injects faults; and a moto S3 server.

pub mod s3;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PROJECT: &str = "4242";

/// How a recording's snapshots are laid out on the server.
#[derive(Clone, Debug)]
pub enum Layout {
    /// `blob_v2` keys `0..blocks`, the lines spread evenly over them.
    BlobV2 { blocks: usize },
    /// One `blob_v2_lts` object.
    Lts,
    /// An older server: two legacy `blob` sources and a `realtime` one (served as
    /// `{"snapshots": [...]}`).
    Legacy,
}

#[derive(Clone, Debug)]
pub struct Served {
    pub id: String,
    pub meta: Value,
    pub lines: Vec<String>,
    pub layout: Layout,
}

/// A fault served once, to the first request whose path and query contain `matching`.
#[derive(Clone, Debug)]
pub enum Fault {
    Status {
        status: u16,
        retry_after: Option<String>,
        body: String,
    },
    /// Read the request, close the connection without answering.
    Drop,
}

#[derive(Clone, Debug)]
pub struct Logged {
    pub target: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub status: u16,
    pub at: Instant,
}

#[derive(Default)]
pub struct Config {
    pub key: String,
    pub recordings: Vec<Served>,
    pub deleted: Vec<String>,
    /// The server answers at most this many results per list page.
    pub page_cap: usize,
    /// Paginate with `next_cursor`/`after` instead of `has_next`/`offset`.
    pub cursor: bool,
}

struct State {
    cfg: Config,
    /// Requests read and not yet answered, and the most at once.
    in_flight: std::sync::atomic::AtomicUsize,
    max_in_flight: std::sync::atomic::AtomicUsize,
    faults: Mutex<Vec<(String, Fault)>>,
    log: Mutex<Vec<Logged>>,
}

pub struct Server {
    pub url: String,
    state: Arc<State>,
}

impl Server {
    pub fn start(cfg: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            cfg,
            in_flight: Default::default(),
            max_in_flight: Default::default(),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
        });
        let s = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || handle(conn, &s));
            }
        });
        Server { url, state }
    }

    pub fn fault(&self, matching: &str, fault: Fault) {
        self.state
            .faults
            .lock()
            .unwrap()
            .push((matching.to_string(), fault));
    }

    pub fn log(&self) -> Vec<Logged> {
        self.state.log.lock().unwrap().clone()
    }

    /// The most requests the server was working on at once.
    pub fn max_in_flight(&self) -> usize {
        self.state
            .max_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn clear_log(&self) {
        self.state.log.lock().unwrap().clear();
    }
}

fn handle(mut conn: TcpStream, state: &State) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 1 << 20 {
            return;
        }
    }
    use std::sync::atomic::Ordering::SeqCst;
    let now = state.in_flight.fetch_add(1, SeqCst) + 1;
    state.max_in_flight.fetch_max(now, SeqCst);
    // Counted as answered just before the answer goes out: the client cannot start its next
    // request before that.
    let done = || {
        state.in_flight.fetch_sub(1, SeqCst);
    };
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let target = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let mut auth = None;
    for l in lines {
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            auth = Some(v.trim().to_string());
        }
    }
    let parsed = url::Url::parse(&format!("http://x{target}")).unwrap();
    let query: HashMap<String, String> = parsed.query_pairs().into_owned().collect();
    let path = parsed.path().to_string();

    let fault = {
        let mut faults = state.faults.lock().unwrap();
        let i = faults.iter().position(|(m, _)| target.contains(m.as_str()));
        i.map(|i| faults.remove(i).1)
    };
    let (status, ctype, body, extra) = match fault {
        Some(Fault::Drop) => {
            log(state, &target, &path, &query, 0);
            done();
            let _ = conn.shutdown(std::net::Shutdown::Both);
            return;
        }
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => (
            status,
            "application/json",
            body.into_bytes(),
            retry_after
                .map(|r| format!("Retry-After: {r}\r\n"))
                .unwrap_or_default(),
        ),
        None => {
            let (status, ctype, body) = if auth.as_deref()
                != Some(format!("Bearer {}", state.cfg.key).as_str())
            {
                (
                    401,
                    "application/json",
                    br#"{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key is invalid."}"#.to_vec(),
                )
            } else {
                route(state, &path, &query)
            };
            (status, ctype, body, String::new())
        }
    };
    log(state, &target, &path, &query, status);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Other",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    done();
    let _ = conn.write_all(&out);
    let _ = conn.flush();
}

fn log(state: &State, target: &str, path: &str, query: &HashMap<String, String>, status: u16) {
    state.log.lock().unwrap().push(Logged {
        target: target.to_string(),
        path: path.to_string(),
        query: query.clone(),
        status,
        at: Instant::now(),
    });
}

fn json_reply(status: u16, v: Value) -> (u16, &'static str, Vec<u8>) {
    (status, "application/json", v.to_string().into_bytes())
}

fn route(
    state: &State,
    path: &str,
    query: &HashMap<String, String>,
) -> (u16, &'static str, Vec<u8>) {
    let base = format!("/api/projects/{PROJECT}/session_recordings/");
    let Some(rest) = path.strip_prefix(&base) else {
        return json_reply(404, json!({"detail": "Not found."}));
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let cfg = &state.cfg;
    match parts.as_slice() {
        [] => list(cfg, query),
        [id] | [id, "snapshots"] if cfg.deleted.iter().any(|d| d == id) => {
            json_reply(410, json!({"error": "recording_deleted"}))
        }
        [id] => match cfg.recordings.iter().find(|r| r.id == *id) {
            Some(r) => json_reply(200, r.meta.clone()),
            None => json_reply(404, json!({"detail": "Not found."})),
        },
        [id, "snapshots"] => match cfg.recordings.iter().find(|r| r.id == *id) {
            Some(r) => snapshots(r, query),
            None => json_reply(404, json!({"detail": "Not found."})),
        },
        _ => json_reply(404, json!({"detail": "Not found."})),
    }
}

fn list(cfg: &Config, query: &HashMap<String, String>) -> (u16, &'static str, Vec<u8>) {
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50);
    let page = limit.min(cfg.page_cap.max(1));
    let offset: usize = if cfg.cursor {
        query
            .get("after")
            .and_then(|c| c.strip_prefix("cur-"))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    } else {
        query
            .get("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0)
    };
    let all: Vec<Value> = cfg.recordings.iter().map(|r| r.meta.clone()).collect();
    let results: Vec<Value> = all.iter().skip(offset).take(page).cloned().collect();
    let has_next = offset + results.len() < all.len();
    let mut body = json!({"results": results, "has_next": has_next, "version": 4});
    if cfg.cursor && has_next {
        body["next_cursor"] = json!(format!("cur-{}", offset + page));
    }
    json_reply(200, body)
}

/// The lines of block `k` of `n` (even split).
fn chunk(lines: &[String], k: usize, n: usize) -> &[String] {
    let per = lines.len().div_ceil(n);
    let start = (k * per).min(lines.len());
    let end = ((k + 1) * per).min(lines.len());
    &lines[start..end]
}

fn jsonl(lines: &[String]) -> (u16, &'static str, Vec<u8>) {
    let mut body = Vec::new();
    for l in lines {
        body.extend_from_slice(l.as_bytes());
        body.push(b'\n');
    }
    (200, "application/jsonl", body)
}

fn snapshots(r: &Served, query: &HashMap<String, String>) -> (u16, &'static str, Vec<u8>) {
    let Some(source) = query.get("source") else {
        let sources: Vec<Value> = match r.layout {
            Layout::BlobV2 { blocks } => (0..blocks)
                .map(|k| json!({"source": "blob_v2", "blob_key": k.to_string(), "start_timestamp": "2026-11-27T10:00:00Z", "end_timestamp": "2026-11-27T10:01:00Z"}))
                .collect(),
            Layout::Lts => vec![json!({"source": "blob_v2_lts", "blob_key": format!("lts/{}", r.id)})],
            Layout::Legacy => vec![
                json!({"source": "blob", "blob_key": "0-1000"}),
                json!({"source": "blob", "blob_key": "1000-2000"}),
                json!({"source": "realtime", "blob_key": null}),
            ],
        };
        return json_reply(200, json!({"sources": sources}));
    };
    match (source.as_str(), &r.layout) {
        ("blob_v2", Layout::BlobV2 { blocks }) => {
            let parse = |k: &str| query.get(k).and_then(|v| v.parse::<usize>().ok());
            let (Some(start), Some(end)) = (parse("start_blob_key"), parse("end_blob_key")) else {
                return json_reply(
                    400,
                    json!({"detail": "start_blob_key and end_blob_key are required"}),
                );
            };
            if end < start || end - start >= 20 || end >= *blocks {
                return json_reply(
                    400,
                    json!({"detail": "invalid blob key range (at most 20)"}),
                );
            }
            let lines: Vec<String> = (start..=end)
                .flat_map(|k| chunk(&r.lines, k, *blocks).to_vec())
                .collect();
            jsonl(&lines)
        }
        ("blob_v2_lts", Layout::Lts) if query.get("blob_key") == Some(&format!("lts/{}", r.id)) => {
            jsonl(&r.lines)
        }
        ("blob", Layout::Legacy) => match query.get("blob_key").map(String::as_str) {
            Some("0-1000") => jsonl(chunk(&r.lines, 0, 3)),
            Some("1000-2000") => jsonl(chunk(&r.lines, 1, 3)),
            _ => json_reply(404, json!({"detail": "no such blob"})),
        },
        ("realtime", Layout::Legacy) => {
            let body = format!("{{\"snapshots\": [{}]}}", chunk(&r.lines, 2, 3).join(","));
            (200, "application/json", body.into_bytes())
        }
        _ => json_reply(400, json!({"detail": "unknown source"})),
    }
}

/// The lines of a shared JSONL file, split on `\n` only.
pub fn lines_of(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("shared recording");
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}
