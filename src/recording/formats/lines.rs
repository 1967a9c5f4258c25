//! The JSONL formats, one record per `\n`-terminated line (a `\r` before it is tolerated; lines
//! are never split on other Unicode line breaks, which compressed strings contain raw):
//! `posthog-blob` (`[windowId, event]`), `posthog-blob-legacy` (`{"window_id", "data": [events]}`)
//! and `rrweb-jsonl` (one event, maybe with its own `windowId`).

use super::Sink;
use crate::recording::budget::io_message;
use crate::recording::convert::{elements, members, window_id};
use crate::recording::error::{Pos, Problem, json_message};
use crate::recording::input::is_limit;
use crate::recording::{Format, Limits, RecordingError};
use serde_json::value::RawValue;
use std::io::BufRead;

/// A syntax error inside one line, with its column.
fn syntax(err: &serde_json::Error) -> Problem {
    let what = if err.is_eof() {
        "truncated JSON"
    } else {
        "invalid JSON"
    };
    Problem::invalid(format!(
        "{what} at column {}: {}",
        err.column(),
        json_message(err)
    ))
}

/// Handles one record (the text of one line, or a whole document holding a single record).
pub(crate) fn record(format: Format, text: &str, sink: &mut Sink) -> Result<(), Problem> {
    match format {
        Format::PosthogBlob => {
            let items: Vec<&RawValue> = match serde_json::from_str(text) {
                Ok(items) => items,
                Err(e) if e.is_data() => {
                    let found = serde_json::from_str::<&RawValue>(text)
                        .map(crate::recording::convert::kind_of)
                        .unwrap_or("something else");
                    return Err(Problem::invalid(format!(
                        "expected a [windowId, event] pair, found {found}"
                    )));
                }
                Err(e) => return Err(syntax(&e)),
            };
            let [wid, event] = items[..] else {
                return Err(Problem::invalid(format!(
                    "expected a [windowId, event] pair, found an array of {} item(s)",
                    items.len()
                )));
            };
            let wid = window_id(wid, "windowId (first item)")?;
            sink.push(event, Some(wid.as_deref().unwrap_or(super::DEFAULT_WINDOW)))
        }
        Format::PosthogBlobLegacy => {
            let raw: &RawValue = serde_json::from_str(text).map_err(|e| syntax(&e))?;
            let m = members(raw, "line")?;
            let wid = match m.get("window_id").or_else(|| m.get("windowId")) {
                Some(w) => window_id(w, "\"window_id\"")?,
                None => {
                    return Err(Problem::invalid(
                        "expected {\"window_id\": ..., \"data\": [events]}, found no \"window_id\"",
                    ));
                }
            };
            let data = m.get("data").ok_or_else(|| {
                Problem::invalid(
                    "expected {\"window_id\": ..., \"data\": [events]}, found no \"data\"",
                )
            })?;
            let wid = wid.as_deref().unwrap_or(super::DEFAULT_WINDOW);
            for (i, event) in elements(data, "\"data\"")?.into_iter().enumerate() {
                sink.push(event, Some(wid))
                    .map_err(|p| p.context(&format!("event {i} of \"data\"")))?;
            }
            Ok(())
        }
        Format::RrwebJsonl => {
            let raw: &RawValue = serde_json::from_str(text).map_err(|e| syntax(&e))?;
            sink.push(raw, None)
        }
        other => Err(Problem::invalid(format!(
            "{} is not a line-based format",
            other.name()
        ))),
    }
}

/// A failure of the reader itself (truncated gzip, limit reached, disk error).
pub(crate) fn read_failure(
    path: &str,
    err: &std::io::Error,
    pos: Pos,
    limits: &Limits,
) -> RecordingError {
    if is_limit(err) {
        return Problem::TooLarge {
            message: "input (after gunzip, when gzipped) exceeds the recording size limit".into(),
            limit: limits.max_recording_bytes,
        }
        .at(path, pos);
    }
    Problem::invalid(format!("cannot read input: {}", io_message(err))).at(path, pos)
}

/// Reads every remaining line of `reader`; `line_no` lines have been consumed already.
pub(crate) fn read_rest(
    reader: &mut dyn BufRead,
    mut line_no: usize,
    format: Format,
    sink: &mut Sink,
    path: &str,
) -> Result<(), RecordingError> {
    let mut buf = Vec::with_capacity(1 << 16);
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| read_failure(path, &e, Pos::Line(line_no + 1), &sink.budget.limits))?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(&buf).map_err(|e| {
            Problem::invalid(format!(
                "not UTF-8 (at byte {} of the line)",
                e.valid_up_to() + 1
            ))
            .at(path, Pos::Line(line_no))
        })?;
        record(format, text, sink).map_err(|p| p.at(path, Pos::Line(line_no)))?;
    }
}
