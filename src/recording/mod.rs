//! What a recording is: format detection, decompression and normalization of every shape PostHog
//! and rrweb produce into one [`Recording`] with one clean, time-ordered event stream per window.

mod event;
mod parse;

pub use event::{Event, EventFacts, EventType, IncrementalSource, MouseInteraction};
pub use parse::{load, parse_bytes};

use std::path::Path;

/// Limits that keep hostile or broken input from exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed size of one compressed field or packed event, in bytes.
    pub max_event_bytes: usize,
    /// Largest decompressed size of a whole recording, in bytes.
    pub max_recording_bytes: usize,
    /// Largest number of events in a recording.
    pub max_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_bytes: 256 << 20,
            max_recording_bytes: 4 << 30,
            max_events: 5_000_000,
        }
    }
}

/// The stable name of an input format, as shown in `reel inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    PosthogBlob,
    PosthogBlobLegacy,
    PosthogApiLegacy,
    PosthogExport,
    RrwebJson,
    RrwebJsonl,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::PosthogBlob => "posthog-blob",
            Format::PosthogBlobLegacy => "posthog-blob-legacy",
            Format::PosthogApiLegacy => "posthog-api-legacy",
            Format::PosthogExport => "posthog-export",
            Format::RrwebJson => "rrweb-json",
            Format::RrwebJsonl => "rrweb-jsonl",
        }
    }
}

/// A parsed, normalized recording.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Session id when the input carries one, else the file stem. Already safe as a file name.
    pub id: String,
    /// Where it came from (a path or URL), for messages.
    pub source: String,
    pub format: Format,
    /// Whether the input was gzip-compressed as a whole.
    pub gzipped: bool,
    pub windows: Vec<WindowStream>,
    /// Things a person should know (synthesized Meta, unknown `cv`, a window without FullSnapshot).
    pub warnings: Vec<String>,
}

/// The events of one browser window (tab), sorted by timestamp, duplicates removed.
#[derive(Debug, Clone)]
pub struct WindowStream {
    /// The window id from the input; `"default"` when the format has none.
    pub id: String,
    pub events: Vec<Event>,
}

impl WindowStream {
    /// Timestamp of the first event (the replayer's time zero).
    pub fn start_ms(&self) -> i64 {
        self.events.first().map(|e| e.timestamp).unwrap_or(0)
    }

    pub fn duration_ms(&self) -> i64 {
        match (self.events.first(), self.events.last()) {
            (Some(a), Some(b)) => b.timestamp - a.timestamp,
            _ => 0,
        }
    }

    pub fn has_full_snapshot(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.kind == EventType::FullSnapshot)
    }
}

impl Recording {
    pub fn event_count(&self) -> usize {
        self.windows.iter().map(|w| w.events.len()).sum()
    }
}

/// Turns any id into a file-name-safe string: ASCII letters, digits, `-`, `_` and `.` (not leading),
/// at most 100 bytes. Anything else becomes `_`; an id that changes gets a short hash suffix so
/// two different ids never collide after sanitizing.
pub fn sanitize_id(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    let changed = out != raw || out.len() > 100 || out.is_empty();
    if changed {
        out.truncate(80);
        out.push('-');
        out.push_str(&format!("{:08x}", fnv1a(raw.as_bytes()) as u32));
    }
    out
}

/// FNV-1a, a small stable hash (stable across versions and machines, unlike `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The file stem of a path, used as the recording id when the input carries no session id.
pub(crate) fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    let base = name
        .trim_end_matches(".gz")
        .trim_end_matches(".jsonl")
        .trim_end_matches(".json");
    base.to_string()
}

/// The file stem of a path given as text (for inputs that could not be read).
pub fn stem_of_path(path: &str) -> String {
    stem_of(Path::new(path))
}

/// What went wrong reading a recording. Every message names the input.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: line {line}: {message}")]
    InvalidLine {
        path: String,
        line: usize,
        message: String,
    },
    #[error(
        "{path}: {message} (limit {limit} bytes; raise it with --max-event-bytes / --max-recording-bytes)"
    )]
    TooLarge {
        path: String,
        message: String,
        limit: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_safe_ids() {
        assert_eq!(
            sanitize_id("01a21deb-1a85-7095-97cc-400f3f992b4d"),
            "01a21deb-1a85-7095-97cc-400f3f992b4d"
        );
    }

    #[test]
    fn sanitize_rewrites_traversal_and_separators() {
        let s = sanitize_id("../../etc/passwd");
        assert!(!s.contains('/') && !s.starts_with('.'), "{s}");
        assert_ne!(sanitize_id("a/b"), sanitize_id("a_b"));
        assert!(!sanitize_id("").is_empty());
        assert!(sanitize_id(&"x".repeat(500)).len() <= 100);
    }
}
