//! Where a fetched recording lives in PostHog. `reel fetch posthog` saves `<id>.meta.json` beside
//! `<id>.jsonl`: the metadata as the server sent it, plus [`SOURCE_KEY`] — the host and project it
//! came from, which the metadata itself does not carry. From that file a run links each
//! checkpoint back to PostHog's replay at that moment
//! (`<host>/project/<project>/replay/<session>?t=<seconds>`, PostHog's own private-link form).

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use url::Url;

/// The key `reel fetch` adds to the saved metadata: `{"host": …, "project": …}`.
pub const SOURCE_KEY: &str = "reel_source";

/// A recording's session in PostHog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub session: String,
    /// PostHog's host and project, when the metadata says (fetched by a reel that records them).
    pub place: Option<Place>,
    /// The person's email or name, else the distinct id.
    pub person: Option<String>,
    /// When the session started (RFC 3339, as served).
    pub start_time: Option<String>,
}

/// A PostHog instance and project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub host: String,
    pub project: String,
}

/// `<id>.meta.json` for a recording file `<id>.jsonl` (also `.json`, and either gzipped).
pub fn meta_path(recording: &Path) -> PathBuf {
    let name = recording
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let stem = name
        .strip_suffix(".jsonl")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name);
    recording.with_file_name(format!("{stem}.meta.json"))
}

/// The origin of the recording at `recording`, from the metadata beside it; `None` when there is
/// none or it is not PostHog metadata (a JSON object with a string `id`).
pub fn beside(recording: &Path) -> Option<Origin> {
    let bytes = std::fs::read(meta_path(recording)).ok()?;
    from_meta(&serde_json::from_slice(&bytes).ok()?)
}

/// The origin a metadata document describes.
pub fn from_meta(meta: &Value) -> Option<Origin> {
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let session = text(meta.get("id"))?;
    let source = meta.get(SOURCE_KEY);
    let place = match (
        text(source.and_then(|s| s.get("host"))),
        text(source.and_then(|s| s.get("project"))),
    ) {
        (Some(host), Some(project)) => Some(Place { host, project }),
        _ => None,
    };
    let person = meta.get("person");
    let person = text(person.and_then(|p| p.pointer("/properties/email")))
        .or_else(|| text(person.and_then(|p| p.get("name"))))
        .or_else(|| text(meta.get("distinct_id")));
    Some(Origin {
        session,
        place,
        person,
        start_time: text(meta.get("start_time")),
    })
}

/// The metadata as served with [`SOURCE_KEY`] added; as served when it is not a JSON object.
pub fn stamp(meta_raw: &[u8], host: &str, project: &str) -> Vec<u8> {
    let Ok(mut meta) = serde_json::from_slice::<Map<String, Value>>(meta_raw) else {
        return meta_raw.to_vec();
    };
    meta.insert(
        SOURCE_KEY.into(),
        serde_json::json!({"host": host.trim_end_matches('/'), "project": project}),
    );
    let mut out = serde_json::to_vec_pretty(&meta).unwrap_or_else(|_| meta_raw.to_vec());
    out.push(b'\n');
    out
}

impl Origin {
    /// The replay in PostHog's app, at `seconds` from the session's start when given; `None`
    /// without a place or when the host is not an http(s) URL.
    pub fn replay_url(&self, seconds: Option<i64>) -> Option<String> {
        let place = self.place.as_ref()?;
        let mut url = Url::parse(&place.host).ok()?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return None;
        }
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut().ok()?.pop_if_empty().extend([
            "project",
            &place.project,
            "replay",
            &self.session,
        ]);
        if let Some(s) = seconds {
            url.query_pairs_mut()
                .append_pair("t", &s.max(0).to_string());
        }
        Some(url.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meta_paths() {
        for (rec, meta) in [
            ("d/0191.jsonl", "d/0191.meta.json"),
            ("d/0191.jsonl.gz", "d/0191.meta.json"),
            ("d/a.b.json", "d/a.b.meta.json"),
            ("rec", "rec.meta.json"),
        ] {
            assert_eq!(meta_path(Path::new(rec)), PathBuf::from(meta), "{rec}");
        }
    }

    #[test]
    fn reads_the_fixture_metadata() {
        let bytes = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/recordings/posthog-fixtures/recording_meta.json"),
        )
        .unwrap();
        let origin = from_meta(&serde_json::from_slice(&bytes).unwrap()).unwrap();
        assert_eq!(
            origin.session,
            "187d7c7619e1d62-0a36a9481897db-1d525634-384000-187d7c7619f3d4f"
        );
        assert_eq!(
            origin.person.as_deref(),
            Some("187d7c7619b1fc0-05f7306e935865-1d525634-384000-187d7c7619c2867")
        );
        assert_eq!(
            origin.start_time.as_deref(),
            Some("2023-05-01T14:46:20.877000Z")
        );
        assert_eq!(origin.place, None, "served metadata names no host");
        assert_eq!(origin.replay_url(Some(3)), None);

        let stamped = stamp(&bytes, "https://eu.posthog.com/", "42");
        let origin = from_meta(&serde_json::from_slice(&stamped).unwrap()).unwrap();
        assert_eq!(
            origin.replay_url(Some(12)).as_deref(),
            Some(
                "https://eu.posthog.com/project/42/replay/187d7c7619e1d62-0a36a9481897db-1d525634-384000-187d7c7619f3d4f?t=12"
            )
        );
    }

    #[test]
    fn urls_are_built_not_pasted() {
        let origin = |host: &str, session: &str| Origin {
            session: session.into(),
            place: Some(Place {
                host: host.into(),
                project: "7".into(),
            }),
            person: None,
            start_time: None,
        };
        assert_eq!(
            origin("https://ph.example.com/base/", "a/b?c").replay_url(None),
            Some("https://ph.example.com/base/project/7/replay/a%2Fb%3Fc".into())
        );
        assert_eq!(
            origin("http://127.0.0.1:8000?x=1#y", "s").replay_url(Some(-3)),
            Some("http://127.0.0.1:8000/project/7/replay/s?t=0".into())
        );
        assert_eq!(origin("javascript:alert(1)", "s").replay_url(None), None);
        assert_eq!(origin("not a url", "s").replay_url(None), None);
    }

    #[test]
    fn person_prefers_email_then_name_then_distinct_id() {
        let m = json!({"id": "s", "distinct_id": "d", "person": {"name": "n", "properties": {"email": "e@x"}}});
        assert_eq!(from_meta(&m).unwrap().person.as_deref(), Some("e@x"));
        let m = json!({"id": "s", "distinct_id": "d", "person": {"name": "n"}});
        assert_eq!(from_meta(&m).unwrap().person.as_deref(), Some("n"));
        let m = json!({"id": "s", "distinct_id": "d", "person": null});
        assert_eq!(from_meta(&m).unwrap().person.as_deref(), Some("d"));
        assert_eq!(from_meta(&json!({"no": "id"})), None);
        assert_eq!(from_meta(&json!([1])), None);
        assert_eq!(stamp(b"[1]", "h", "p"), b"[1]");
    }
}
