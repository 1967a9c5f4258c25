//! Names the format of an input from its first JSON value (never from the file name).

use super::Format;
use super::convert::{Members, excerpt, kind_of};
use super::error::Problem;
use super::packer;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// The first JSON value of an input, one level deep.
pub(crate) enum Top<'a> {
    Array(Vec<&'a RawValue>),
    Object(Members<'a>),
}

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON array or object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<&'de RawValue>()? {
                    out.push(v);
                }
                Ok(Top::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Members::from_map(map).map(Top::Object)
            }
        }
        d.deserialize_any(V)
    }
}

impl Format {
    /// Formats read record by record, one JSON value per line.
    pub(crate) fn is_lines(self) -> bool {
        matches!(
            self,
            Format::PosthogBlob | Format::PosthogBlobLegacy | Format::RrwebJsonl
        )
    }
}

/// Whether a raw value is a `[windowId, event]` pair as PostHog's blob lines hold.
fn is_blob_pair(items: &[&RawValue]) -> bool {
    let [wid, event] = items else { return false };
    let wid_ok = match wid.get().as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(wid.get())
            .map(|s| !packer::is_packed(&s))
            .unwrap_or(false),
        Some(b'-' | b'0'..=b'9') => true,
        _ => false,
    };
    wid_ok && matches!(event.get().as_bytes().first(), Some(b'{' | b'"'))
}

/// Names the format whose first value is `top`.
pub(crate) fn classify(top: &Top) -> Result<Format, Problem> {
    match top {
        Top::Array(items) if is_blob_pair(items) => Ok(Format::PosthogBlob),
        Top::Array(_) => Ok(Format::RrwebJson),
        Top::Object(m) => {
            if m.has("snapshot_data_by_window_id") {
                Ok(Format::PosthogApiLegacy)
            } else if m.has("version") && m.has("data") {
                Ok(Format::PosthogExport)
            } else if (m.has("window_id") || m.has("windowId")) && m.has("data") && !m.has("type") {
                Ok(Format::PosthogBlobLegacy)
            } else if m.has("type") && m.has("timestamp") {
                Ok(Format::RrwebJsonl)
            } else if m.has("sources") {
                Err(Problem::invalid(
                    "this is a PostHog snapshot sources listing ({\"sources\": ...}), not snapshots: fetch the blobs it lists",
                ))
            } else if m.has("results") {
                Err(Problem::invalid(
                    "this is a PostHog recordings list ({\"results\": ...}), not a recording",
                ))
            } else {
                let keys: Vec<String> = m.keys().into_iter().take(8).map(excerpt).collect();
                Err(Problem::invalid(format!(
                    "not a recording: a JSON object with keys {keys:?} matches no known format \
                     (posthog-blob, posthog-blob-legacy, posthog-api-legacy, posthog-export, rrweb-json, rrweb-jsonl)"
                )))
            }
        }
    }
}

/// Parses the first value, with a format-agnostic message when it is not an array or object.
pub(crate) fn parse_top(text: &str) -> Result<Top<'_>, serde_json::Error> {
    serde_json::from_str(text)
}

/// The message for a first value that parsed as JSON but is neither array nor object.
pub(crate) fn not_a_container(text: &str) -> Problem {
    let kind = serde_json::from_str::<&RawValue>(text)
        .map(kind_of)
        .unwrap_or("something else");
    Problem::invalid(format!(
        "not a recording: the input is {kind}, expected a JSON array or object"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(text: &str) -> Result<Format, Problem> {
        classify(&parse_top(text).unwrap())
    }

    #[test]
    fn by_content() {
        assert_eq!(
            format_of(r#"["w1",{"type":4}]"#).unwrap(),
            Format::PosthogBlob
        );
        assert_eq!(format_of(r#"[3,{"type":4}]"#).unwrap(), Format::PosthogBlob);
        assert_eq!(
            format_of(r#"[{"type":4},{"type":2}]"#).unwrap(),
            Format::RrwebJson
        );
        assert_eq!(format_of("[]").unwrap(), Format::RrwebJson);
        assert_eq!(
            format_of(r#"{"window_id":"w","data":[]}"#).unwrap(),
            Format::PosthogBlobLegacy
        );
        assert_eq!(
            format_of(r#"{"windowId":"w","data":[]}"#).unwrap(),
            Format::PosthogBlobLegacy
        );
        assert_eq!(
            format_of(r#"{"next":null,"snapshot_data_by_window_id":{}}"#).unwrap(),
            Format::PosthogApiLegacy
        );
        assert_eq!(
            format_of(r#"{"version":"2023-04-28","data":{}}"#).unwrap(),
            Format::PosthogExport
        );
        assert_eq!(
            format_of(r#"{"type":4,"data":{},"timestamp":1,"windowId":"w"}"#).unwrap(),
            Format::RrwebJsonl
        );
        assert!(format_of(r#"{"sources":[]}"#).is_err());
        assert!(format_of(r#"{"hello":1}"#).is_err());
    }
}
