//! The PostHog session-recording endpoints reel uses, as typed calls: list (with pagination and
//! filters), metadata, the snapshot `sources` listing and the snapshot blocks themselves.

use super::ListFilter;
use super::client::{ByteBudget, Client, MAX_ANSWER_BYTES, Reply};
use crate::source::SourceError;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::{BufRead, Read, Seek, Write};
use std::sync::Arc;
use url::Url;

/// PostHog serves at most this many `blob_v2` keys in one request to a personal API key.
pub const MAX_KEYS_PER_RANGE: u64 = 20;

/// One recording of a list response: its id (everything else stays in the metadata call).
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: String,
}

#[derive(Deserialize)]
struct ListPage {
    results: Vec<serde_json::Value>,
    #[serde(default)]
    has_next: Option<bool>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// One entry of the snapshot `sources` listing.
#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotSource {
    pub source: String,
    #[serde(default, deserialize_with = "string_or_number")]
    pub blob_key: Option<String>,
}

#[derive(Deserialize)]
struct SourcesResponse {
    sources: Vec<SnapshotSource>,
}

/// One request for snapshot data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `source=blob_v2&start_blob_key=..&end_blob_key=..` (inclusive, at most 20 keys).
    BlobV2 { start: u64, end: u64 },
    /// `source=blob_v2_lts&blob_key=<path>`.
    BlobV2Lts { key: String },
    /// Legacy `source=blob&blob_key=<key>`.
    Blob { key: String },
    /// Legacy `source=realtime`.
    Realtime,
}

impl Block {
    fn query(&self) -> Vec<(&'static str, String)> {
        match self {
            Block::BlobV2 { start, end } => vec![
                ("source", "blob_v2".into()),
                ("start_blob_key", start.to_string()),
                ("end_blob_key", end.to_string()),
            ],
            Block::BlobV2Lts { key } => {
                vec![("source", "blob_v2_lts".into()), ("blob_key", key.clone())]
            }
            Block::Blob { key } => vec![("source", "blob".into()), ("blob_key", key.clone())],
            Block::Realtime => vec![("source", "realtime".into())],
        }
    }
}

/// Turns the `sources` listing into requests, in order: runs of consecutive `blob_v2` keys become
/// ranges of at most [`MAX_KEYS_PER_RANGE`] keys; every other source is one request.
pub fn plan_blocks(id: &str, sources: &[SnapshotSource]) -> Result<Vec<Block>, SourceError> {
    let mut blocks: Vec<Block> = Vec::new();
    for s in sources {
        let key = || {
            s.blob_key.clone().ok_or_else(|| SourceError::Recording {
                id: id.to_string(),
                message: format!("snapshot source `{}` without a blob_key", s.source),
            })
        };
        match s.source.as_str() {
            "blob_v2" => {
                let k: u64 = key()?.trim().parse().map_err(|_| SourceError::Recording {
                    id: id.to_string(),
                    message: format!("blob_v2 key {:?} is not a number", s.blob_key),
                })?;
                if let Some(Block::BlobV2 { start, end }) = blocks.last_mut()
                    && k == *end + 1
                    && k - *start < MAX_KEYS_PER_RANGE
                {
                    *end = k;
                    continue;
                }
                blocks.push(Block::BlobV2 { start: k, end: k });
            }
            "blob_v2_lts" => blocks.push(Block::BlobV2Lts { key: key()? }),
            "blob" => blocks.push(Block::Blob { key: key()? }),
            "realtime" => blocks.push(Block::Realtime),
            other => {
                return Err(SourceError::Recording {
                    id: id.to_string(),
                    message: format!(
                        "the server lists a snapshot source `{other}` that reel does not know; \
                         update reel or report it"
                    ),
                });
            }
        }
    }
    Ok(blocks)
}

/// The endpoints of one project on one PostHog host.
pub struct Api {
    client: Arc<Client>,
    host: Url,
    project: String,
}

impl Api {
    pub fn new(client: Arc<Client>, host: &str, project: &str) -> Result<Api, SourceError> {
        let host = Url::parse(host.trim()).map_err(|e| {
            SourceError::Usage(format!(
                "--host {host:?} is not a URL ({e}); e.g. https://us.posthog.com"
            ))
        })?;
        if !matches!(host.scheme(), "http" | "https") || host.cannot_be_a_base() {
            return Err(SourceError::Usage(format!(
                "--host {host} must be an http(s) URL, e.g. https://us.posthog.com"
            )));
        }
        if project.trim().is_empty() {
            return Err(SourceError::Usage(
                "no project: pass --project ID or set POSTHOG_PROJECT_ID".into(),
            ));
        }
        Ok(Api {
            client,
            host,
            project: project.trim().to_string(),
        })
    }

    /// `{host}/api/projects/{project}/session_recordings/{rest...}/` with `query`.
    fn url(&self, rest: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.host.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segs) = url.path_segments_mut() {
            segs.pop_if_empty();
            segs.extend(["api", "projects", &self.project, "session_recordings"]);
            segs.extend(rest);
            segs.push("");
        }
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// Lists recordings matching `filter`, following `has_next`/`offset` or `next_cursor`, until
    /// `filter.limit` are found or the server has no more.
    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<Listed>, SourceError> {
        let mut base: Vec<(&str, String)> = Vec::new();
        if let Some(d) = &filter.date_from {
            base.push(("date_from", d.clone()));
        }
        if let Some(d) = &filter.date_to {
            base.push(("date_to", d.clone()));
        }
        if let Some(u) = &filter.url_contains {
            base.push((
                "properties",
                serde_json::json!([{"key": "$current_url", "value": u, "operator": "icontains", "type": "event"}])
                    .to_string(),
            ));
        }
        if let Some(secs) = filter.min_duration_s {
            base.push((
                "having_predicates",
                serde_json::json!([{"key": "duration", "value": secs, "operator": "gte", "type": "recording"}])
                    .to_string(),
            ));
        }
        if let Some(p) = &filter.person {
            base.push(("distinct_ids", serde_json::json!([p]).to_string()));
        }
        if filter.with_console_errors {
            base.push((
                "console_log_filters",
                serde_json::json!([{"key": "level", "value": ["error"], "operator": "exact", "type": "log_entry"}])
                    .to_string(),
            ));
        }
        let page_size = filter.limit.clamp(1, 100);
        let mut out: Vec<Listed> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut offset = 0usize;
        let mut cursor: Option<String> = None;
        for _page in 0..10_000 {
            let mut query = base.clone();
            query.push(("limit", page_size.to_string()));
            match &cursor {
                Some(c) => query.push(("after", c.clone())),
                None => query.push(("offset", offset.to_string())),
            }
            let url = self.url(&[], &query);
            let reply = self.client.get(&url).await?;
            if !reply.is_success() {
                return Err(unexpected(&url, &reply));
            }
            let page: ListPage = parse(&url, &reply, "list response")?;
            let n = page.results.len();
            for item in &page.results {
                let Some(id) = item.get("id").and_then(id_string) else {
                    return Err(SourceError::BadResponse {
                        url: url.to_string(),
                        message: "a listed recording has no id".into(),
                    });
                };
                if matches_locally(item, filter) && seen.insert(id.clone()) {
                    out.push(Listed { id });
                    if out.len() >= filter.limit {
                        return Ok(out);
                    }
                }
            }
            offset += n;
            match (page.next_cursor.filter(|c| !c.is_empty()), page.has_next) {
                (Some(c), Some(true) | None) => {
                    if cursor.as_ref() == Some(&c) {
                        break;
                    }
                    cursor = Some(c);
                }
                (_, Some(true)) if n > 0 => cursor = None,
                _ => break,
            }
        }
        Ok(out)
    }

    /// The recording's metadata, as served (raw bytes) and parsed.
    pub async fn metadata(&self, id: &str) -> Result<(Vec<u8>, serde_json::Value), SourceError> {
        let url = self.url(&[id], &[]);
        let reply = self.client.get(&url).await?;
        check_recording(id, &url, &reply)?;
        let value: serde_json::Value = parse(&url, &reply, "metadata is not JSON")?;
        if !value.is_object() {
            return Err(SourceError::BadResponse {
                url: url.to_string(),
                message: "metadata is not a JSON object".into(),
            });
        }
        Ok((reply.body, value))
    }

    /// The snapshot `sources` listing.
    pub async fn sources(&self, id: &str) -> Result<Vec<SnapshotSource>, SourceError> {
        let url = self.url(&[id, "snapshots"], &[]);
        let reply = self.client.get(&url).await?;
        check_recording(id, &url, &reply)?;
        let parsed: SourcesResponse = parse(&url, &reply, "snapshot sources listing")?;
        Ok(parsed.sources)
    }

    /// Downloads one block into `part` as served, counting it against `budget` (the
    /// recording's); [`copy_lines`] then checks and copies its lines. Returns the block's URL.
    pub async fn block_to(
        &self,
        id: &str,
        block: &Block,
        part: &mut crate::files::Staged,
        budget: &ByteBudget,
    ) -> Result<Url, SourceError> {
        let url = self.url(&[id, "snapshots"], &block.query());
        let path = part.path().to_path_buf();
        let reply = self
            .client
            .get_to(&url, part.file(), &path, budget)
            .await
            .map_err(|e| match e {
                SourceError::TooLarge { limit, .. } => SourceError::TooLarge {
                    what: format!("recording {id}"),
                    limit,
                },
                e => e,
            })?;
        check_recording(id, &url, &reply)?;
        Ok(url)
    }
}

/// Copies the lines of a downloaded block (`part`, read from its start) to `out`, exactly as
/// served, each followed by `\n`: split on `\n` only (recordings carry raw U+0085 and U+2028
/// inside strings), a trailing `\r` and empty lines dropped, each line checked to be JSON. A
/// block served as one JSON document with a `snapshots` array (the old realtime source) gives one
/// line per element. Memory: one line at a time (the document form only up to
/// [`MAX_ANSWER_BYTES`]). Returns the bytes written.
pub fn copy_lines(part: &mut std::fs::File, out: &mut impl Write) -> Result<u64, String> {
    let failed = |e: std::io::Error| format!("cannot read the downloaded data back: {e}");
    let size = part.metadata().map_err(failed)?.len();
    part.rewind().map_err(failed)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, part);
    let starts_with_brace = {
        let head = reader.fill_buf().map_err(failed)?;
        head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    };
    let mut written = 0u64;
    let write = |out: &mut dyn Write, line: &[u8], written: &mut u64| {
        out.write_all(line)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| format!("cannot write the snapshot data: {e}"))?;
        *written += line.len() as u64 + 1;
        Ok::<(), String>(())
    };
    if starts_with_brace && size <= MAX_ANSWER_BYTES as u64 {
        let mut text = Vec::new();
        reader.read_to_end(&mut text).map_err(failed)?;
        if let Ok(doc) = serde_json::from_slice::<SnapshotsDoc>(&text) {
            for r in &doc.snapshots {
                write(out, r.get().as_bytes(), &mut written)?;
            }
            return Ok(written);
        }
        return copy_lines_of(std::io::Cursor::new(text), out, write);
    }
    copy_lines_of(reader, out, write)
}

fn copy_lines_of(
    mut reader: impl BufRead,
    out: &mut impl Write,
    write: impl Fn(&mut dyn Write, &[u8], &mut u64) -> Result<(), String>,
) -> Result<u64, String> {
    let mut written = 0u64;
    let mut line = Vec::new();
    for n in 1.. {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read the downloaded data back: {e}"))?;
        if read == 0 {
            break;
        }
        let mut text: &[u8] = &line;
        text = text.strip_suffix(b"\n").unwrap_or(text);
        text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(text)
            .map_err(|e| format!("snapshot data is not UTF-8 (line {n}): {e}"))?;
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            return Err(format!("snapshot line {n} is not JSON: {e}"));
        }
        write(out, text.as_bytes(), &mut written)?;
    }
    Ok(written)
}

#[derive(Deserialize)]
struct SnapshotsDoc {
    snapshots: Vec<Box<RawValue>>,
}

/// A JSON answer; `what` names it in the message when it is not what the API documents. An HTML
/// page instead (a login page, a proxy's or web server's default page) means `--host` is not a
/// PostHog API.
fn parse<T: serde::de::DeserializeOwned>(
    url: &Url,
    reply: &Reply,
    what: &str,
) -> Result<T, SourceError> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        let html = reply
            .content_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("html"))
            || reply.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
        if html {
            SourceError::NotTheApi {
                url: url.to_string(),
                status: reply.status,
            }
        } else {
            SourceError::BadResponse {
                url: url.to_string(),
                message: format!("{what}: {e}"),
            }
        }
    })
}

fn check_recording(id: &str, url: &Url, reply: &Reply) -> Result<(), SourceError> {
    match reply.status {
        s if (200..300).contains(&s) => Ok(()),
        404 | 410 => Err(SourceError::RecordingMissing {
            id: id.to_string(),
            status: reply.status,
            detail: if reply.status == 410 {
                ", deleted".to_string()
            } else {
                String::new()
            },
        }),
        _ => Err(unexpected(url, reply)),
    }
}

fn unexpected(url: &Url, reply: &Reply) -> SourceError {
    let ex = reply.excerpt();
    SourceError::Unexpected {
        url: url.to_string(),
        status: reply.status,
        detail: if ex.is_empty() {
            String::new()
        } else {
            format!(": {ex}")
        },
    }
}

fn id_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The filters a list item can be checked against (when it carries the field).
fn matches_locally(item: &serde_json::Value, f: &ListFilter) -> bool {
    if let Some(min) = f.min_duration_s
        && let Some(d) = number(item.get("recording_duration"))
        && d < min
    {
        return false;
    }
    if let Some(p) = &f.person
        && let Some(d) = item.get("distinct_id").and_then(|v| v.as_str())
    {
        let others = item
            .pointer("/person/distinct_ids")
            .and_then(|v| v.as_array())
            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(p)));
        if d != p && !others {
            return false;
        }
    }
    if f.with_console_errors
        && let Some(n) = number(item.get("console_error_count"))
        && n <= 0.0
    {
        return false;
    }
    true
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.as_ref().and_then(id_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(kind: &str, key: &str) -> SnapshotSource {
        SnapshotSource {
            source: kind.into(),
            blob_key: Some(key.into()),
        }
    }

    #[test]
    fn blob_v2_keys_become_ranges_of_at_most_20() {
        let mut sources: Vec<_> = (0..45).map(|k| src("blob_v2", &k.to_string())).collect();
        sources.push(src("blob_v2", "50"));
        sources.push(src("realtime", ""));
        let blocks = plan_blocks("r", &sources).unwrap();
        assert_eq!(
            blocks,
            vec![
                Block::BlobV2 { start: 0, end: 19 },
                Block::BlobV2 { start: 20, end: 39 },
                Block::BlobV2 { start: 40, end: 44 },
                Block::BlobV2 { start: 50, end: 50 },
                Block::Realtime,
            ]
        );
        assert!(plan_blocks("r", &[src("mystery", "1")]).is_err());
        assert!(plan_blocks("r", &[src("blob_v2", "x")]).is_err());
    }

    fn copied(body: &[u8]) -> Result<String, String> {
        let mut part = tempfile::tempfile().unwrap();
        part.write_all(body).unwrap();
        let mut out = Vec::new();
        let n = copy_lines(&mut part, &mut out)?;
        assert_eq!(n, out.len() as u64);
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn lines_split_on_newline_only_and_must_be_json() {
        let body = "[\"w\",{\"a\":\"x\u{85}y\u{2028}\"}]\n\n[1]\r\n";
        assert_eq!(
            copied(body.as_bytes()).unwrap(),
            "[\"w\",{\"a\":\"x\u{85}y\u{2028}\"}]\n[1]\n"
        );
        assert!(copied(b"<html>busy</html>").is_err());
        assert!(copied(b"[1]\n\xff\n").unwrap_err().contains("UTF-8"));
        let doc = br#"{"snapshots": [{"type": 4}, [1, 2]]}"#;
        assert_eq!(copied(doc).unwrap(), "{\"type\": 4}\n[1, 2]\n");
        let lines = b"{\"window_id\": \"w\", \"data\": []}\n{\"window_id\": \"v\", \"data\": []}\n";
        assert_eq!(copied(lines).unwrap(), String::from_utf8_lossy(lines));
    }

    #[test]
    fn local_filters() {
        let item = serde_json::json!({"id": "a", "recording_duration": "18.9", "distinct_id": "d1", "console_error_count": 0});
        let f = |g: fn(&mut ListFilter)| {
            let mut f = ListFilter::default();
            g(&mut f);
            matches_locally(&item, &f)
        };
        assert!(f(|_| {}));
        assert!(!f(|f| f.min_duration_s = Some(30.0)));
        assert!(f(|f| f.min_duration_s = Some(10.0)));
        assert!(!f(|f| f.person = Some("d2".into())));
        assert!(f(|f| f.person = Some("d1".into())));
        assert!(!f(|f| f.with_console_errors = true));
    }
}
