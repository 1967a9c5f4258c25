//! The formats that are one JSON document: `rrweb-json` (an array of events), `posthog-export`
//! (`2023-04-28` with `data.snapshots`, `2022-12-02` with `data.snapshotsByWindowId`) and
//! `posthog-api-legacy` (`snapshot_data_by_window_id`). Errors name the byte offset of the event.

use super::Sink;
use crate::recording::convert::{Members, elements, excerpt, kind_of, members, window_id};
use crate::recording::detect::Top;
use crate::recording::error::{Pos, Problem};
use crate::recording::{Format, RecordingError};
use serde_json::value::RawValue;

/// Export versions this module knows.
const EXPORT_VERSIONS: [&str; 2] = ["2023-04-28", "2022-12-02"];

/// Where `raw` starts inside `text` (both from the same buffer).
fn offset(text: &str, raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize)
        .checked_sub(text.as_ptr() as usize)
        .filter(|o| *o <= text.len())
        .unwrap_or(0)
}

/// Reads a whole document whose first value `top` was classified as `format`.
pub(crate) fn read(
    format: Format,
    top: &Top,
    text: &str,
    sink: &mut Sink,
    path: &str,
) -> Result<(), RecordingError> {
    let at = |raw: &RawValue| Pos::Offset(offset(text, raw));
    match (format, top) {
        (Format::RrwebJson, Top::Array(items)) => events(items, None, sink, path, text),
        (Format::PosthogExport, Top::Object(m)) => export(m, sink, path, text),
        (Format::PosthogApiLegacy, Top::Object(m)) => {
            let raw = m
                .get("snapshot_data_by_window_id")
                .unwrap_or(RawValue::NULL);
            let by_window =
                members(raw, "\"snapshot_data_by_window_id\"").map_err(|p| p.at(path, at(raw)))?;
            by_window_events(&by_window, "snapshot_data_by_window_id", sink, path, text)
        }
        (f, _) if f.is_lines() => {
            super::lines::record(f, text, sink).map_err(|p| p.at(path, Pos::Offset(0)))
        }
        (f, _) => Err(Problem::invalid(format!("cannot read {} here", f.name())).unplaced(path)),
    }
}

fn events(
    items: &[&RawValue],
    window: Option<&str>,
    sink: &mut Sink,
    path: &str,
    text: &str,
) -> Result<(), RecordingError> {
    for (i, raw) in items.iter().enumerate() {
        sink.push(raw, window).map_err(|p| {
            let p = match window {
                Some(w) => p.context(&format!("event {i} of window {}", excerpt(w))),
                None => p.context(&format!("event {i}")),
            };
            p.at(path, Pos::Offset(offset(text, raw)))
        })?;
    }
    Ok(())
}

fn by_window_events(
    by_window: &Members,
    what: &str,
    sink: &mut Sink,
    path: &str,
    text: &str,
) -> Result<(), RecordingError> {
    for (wid, list) in &by_window.0 {
        let items = elements(list, &format!("\"{what}\".{:?}", excerpt(wid)))
            .map_err(|p| p.at(path, Pos::Offset(offset(text, list))))?;
        events(&items, Some(wid), sink, path, text)?;
    }
    Ok(())
}

fn export(m: &Members, sink: &mut Sink, path: &str, text: &str) -> Result<(), RecordingError> {
    let at = |raw: &RawValue| Pos::Offset(offset(text, raw));
    let version_raw = m.get("version").unwrap_or(RawValue::NULL);
    let version = serde_json::from_str::<String>(version_raw.get()).map_err(|_| {
        Problem::invalid(format!(
            "export \"version\" is not a string (found {})",
            kind_of(version_raw)
        ))
        .at(path, at(version_raw))
    })?;
    if !EXPORT_VERSIONS.contains(&version.as_str()) {
        sink.warnings.push(format!(
            "unknown export version {:?} (known: {}); read as the closest known shape",
            excerpt(&version),
            EXPORT_VERSIONS.join(", ")
        ));
    }
    let data_raw = m.get("data").unwrap_or(RawValue::NULL);
    let data = members(data_raw, "export \"data\"").map_err(|p| p.at(path, at(data_raw)))?;
    if let Some(id) = data.get("id") {
        sink.session_id = window_id(id, "export \"data.id\"").map_err(|p| p.at(path, at(id)))?;
    }
    if let Some(list) = data.get("snapshots") {
        let items =
            elements(list, "export \"data.snapshots\"").map_err(|p| p.at(path, at(list)))?;
        events(&items, None, sink, path, text)
    } else if let Some(map) = data.get("snapshotsByWindowId") {
        let by_window =
            members(map, "export \"data.snapshotsByWindowId\"").map_err(|p| p.at(path, at(map)))?;
        by_window_events(&by_window, "snapshotsByWindowId", sink, path, text)
    } else {
        Err(Problem::invalid(
            "export has neither \"data.snapshots\" nor \"data.snapshotsByWindowId\"",
        )
        .at(path, at(data_raw)))
    }
}
