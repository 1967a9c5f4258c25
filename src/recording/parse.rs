//! Reading recording files: format detection by content and normalization.
//! (Minimal first cut: plain rrweb JSON arrays. The full set of formats lands with the formats issue.)

use super::{Event, EventType, Format, Limits, Recording, RecordingError, WindowStream, stem_of};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::path::Path;

/// Reads and normalizes the recording at `path`.
pub fn load(path: &Path, limits: &Limits) -> Result<Recording, RecordingError> {
    let bytes = std::fs::read(path).map_err(|source| RecordingError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_bytes(&bytes, path, limits)
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: i64,
    timestamp: i64,
    #[serde(default)]
    data: Option<DataHead>,
}

#[derive(Deserialize)]
struct DataHead {
    #[serde(default)]
    source: Option<i64>,
}

/// Parses recording bytes; `path` is used for the id and for messages.
pub fn parse_bytes(
    bytes: &[u8],
    path: &Path,
    _limits: &Limits,
) -> Result<Recording, RecordingError> {
    let shown = path.display().to_string();
    let raw: Vec<Box<RawValue>> =
        serde_json::from_slice(bytes).map_err(|e| RecordingError::Invalid {
            path: shown.clone(),
            message: format!("not a JSON array of rrweb events: {e}"),
        })?;
    let mut events = Vec::with_capacity(raw.len());
    for (i, json) in raw.into_iter().enumerate() {
        let head: Head = serde_json::from_str(json.get()).map_err(|e| RecordingError::Invalid {
            path: shown.clone(),
            message: format!("event {i}: {e}"),
        })?;
        events.push(Event {
            kind: EventType::from_code(head.kind),
            timestamp: head.timestamp,
            source: head.data.and_then(|d| d.source),
            json,
        });
    }
    events.sort_by_key(|e| e.timestamp);
    let mut warnings = Vec::new();
    let window = WindowStream {
        id: "default".into(),
        events,
    };
    if !window.has_full_snapshot() {
        warnings.push("window default has no FullSnapshot: nothing can be replayed".into());
    }
    Ok(Recording {
        id: super::sanitize_id(&stem_of(path)),
        source: shown,
        format: Format::RrwebJson,
        gzipped: false,
        windows: vec![window],
        warnings,
    })
}
