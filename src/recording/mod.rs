//! What a recording is: format detection, decompression and normalization of every shape PostHog
//! and rrweb produce into one [`Recording`] with one clean, time-ordered event stream per window.
//!
//! The pipeline, one module per step: [`input`] opens the file (gzip by magic bytes, bounded),
//! [`detect`] names the format from the first JSON value, [`formats`] walks the records of that
//! format, [`convert`] turns each raw event into an [`Event`] (expanding `cv` fields via
//! [`decompress`] and packed events via [`packer`]), and [`normalize`] groups, sorts, dedups and
//! repairs each window.

mod budget;
mod convert;
mod decompress;
mod depth;
mod detect;
mod error;
mod event;
mod formats;
mod id;
mod input;
mod normalize;
mod packer;
mod parse;
#[cfg(test)]
mod real_files;
mod shape;
mod summary;

pub use error::RecordingError;
pub use event::{Event, EventFacts, EventType, IncrementalSource, MouseInteraction};
pub use formats::DEFAULT_WINDOW;
pub(crate) use id::stem_of;
pub use id::{fnv1a, sanitize_id, stem_of_path};
pub use normalize::FALLBACK_VIEWPORT;
pub use parse::{load, load_with_stats, parse_bytes, parse_bytes_with_stats, parse_reader};
pub use shape::MAX_VIEWPORT;
pub use summary::{ConsoleLine, Counts, WindowSummary};

/// Limits that keep hostile or broken input from exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed size of one compressed field or packed event, in bytes.
    pub max_event_bytes: usize,
    /// Largest decompressed size of a whole recording, in bytes.
    pub max_recording_bytes: usize,
    /// Largest number of events in a recording.
    pub max_events: usize,
    /// Deepest JSON nesting allowed in one event (rrweb rebuilds the DOM recursively in the page,
    /// so absurd depths would only crash the browser later).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_bytes: 256 << 20,
            max_recording_bytes: 4 << 30,
            max_events: 5_000_000,
            max_depth: 4096,
        }
    }
}

/// The stable name of an input format, as shown in `reel inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
            (Some(a), Some(b)) => b.timestamp.saturating_sub(a.timestamp),
            _ => 0,
        }
    }

    pub fn has_full_snapshot(&self) -> bool {
        self.events
            .iter()
            .any(|e| e.kind == EventType::FullSnapshot)
    }

    /// Whether the window draws on a canvas (rrweb `CanvasMutation` events).
    pub fn has_canvas(&self) -> bool {
        self.events.iter().any(|e| {
            e.kind == EventType::IncrementalSnapshot
                && e.source == Some(IncrementalSource::CANVAS_MUTATION)
        })
    }
}

impl Recording {
    pub fn event_count(&self) -> usize {
        self.windows.iter().map(|w| w.events.len()).sum()
    }

    /// The length of its longest window (report.json's `session_duration_ms`).
    pub fn duration_ms(&self) -> i64 {
        self.windows
            .iter()
            .map(|w| w.duration_ms())
            .max()
            .unwrap_or(0)
    }
}

/// What parsing saw on the way, for `reel inspect` and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Bytes of input (after whole-file gunzip when gzipped).
    pub input_bytes: usize,
    /// Events read, before duplicates were dropped and Meta events synthesized.
    pub raw_events: usize,
    /// Events that carried posthog-js `cv` compression (expanded or not).
    pub cv_events: usize,
    /// Events that were `@rrweb/packer` strings.
    pub packed_events: usize,
    /// Exact duplicate events dropped.
    pub duplicates_dropped: usize,
    /// Meta events inserted before a FullSnapshot that lacked one.
    pub synthesized_meta: usize,
    /// Bytes produced by decompressing `cv` fields and packed events.
    pub expanded_bytes: usize,
}
