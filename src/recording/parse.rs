//! Reading a recording end to end: open (gzip-aware, bounded), read the first JSON value to
//! detect the format, stream the rest line by line (JSONL) or parse the one document (JSON),
//! then normalize. Only the JSONL path is streaming; a JSON document is held once in memory.

use super::budget::Budget;
use super::detect::{Top, classify, not_a_container, parse_top};
use super::error::{Pos, Problem, byte_offset, json_message};
use super::formats::{Collected, Sink, document, lines};
use super::input::{Opened, open};
use super::normalize::normalize;
use super::{Format, Limits, Recording, RecordingError, Stats, sanitize_id, stem_of};
use std::io::{BufRead, Read};
use std::path::Path;

/// Reads and normalizes the recording at `path`.
pub fn load(path: &Path, limits: &Limits) -> Result<Recording, RecordingError> {
    load_with_stats(path, limits).map(|(r, _)| r)
}

/// [`load`], plus what parsing saw.
pub fn load_with_stats(path: &Path, limits: &Limits) -> Result<(Recording, Stats), RecordingError> {
    let shown = path.display().to_string();
    let io = |error| RecordingError::Io {
        path: shown.clone(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(Problem::invalid("is a directory, not a recording file").unplaced(&shown));
    }
    let opened = open(file, limits.max_recording_bytes).map_err(io)?;
    read(opened, path, limits)
}

/// Reads a recording from `reader` (a file being fetched, say); `path` is used for the id and for
/// messages.
pub fn parse_reader(
    reader: impl Read,
    path: &Path,
    limits: &Limits,
) -> Result<Recording, RecordingError> {
    let opened = open(reader, limits.max_recording_bytes).map_err(|error| RecordingError::Io {
        path: path.display().to_string(),
        error,
    })?;
    read(opened, path, limits).map(|(r, _)| r)
}

/// Parses recording bytes; `path` is used for the id and for messages.
pub fn parse_bytes(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
) -> Result<Recording, RecordingError> {
    parse_bytes_with_stats(bytes, path, limits).map(|(r, _)| r)
}

/// [`parse_bytes`], plus what parsing saw.
pub fn parse_bytes_with_stats(
    bytes: &[u8],
    path: &Path,
    limits: &Limits,
) -> Result<(Recording, Stats), RecordingError> {
    let opened = open(bytes, limits.max_recording_bytes).map_err(|error| RecordingError::Io {
        path: path.display().to_string(),
        error,
    })?;
    read(opened, path, limits)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn read(
    mut opened: Opened,
    path: &Path,
    limits: &Limits,
) -> Result<(Recording, Stats), RecordingError> {
    let shown = path.display().to_string();
    let mut sink = Sink::new(Budget::with_input(*limits, opened.count.clone()));
    let reader = &mut opened.reader;

    // The first non-blank line.
    let mut first = Vec::new();
    let mut line_no = 0usize;
    loop {
        first.clear();
        let n = reader
            .read_until(b'\n', &mut first)
            .map_err(|e| lines::read_failure(&shown, &e, Pos::Line(line_no + 1), limits))?;
        if n == 0 {
            let what = if line_no == 0 {
                "empty file"
            } else {
                "only blank lines"
            };
            return Err(Problem::invalid(format!("{what}: no recording in it")).unplaced(&shown));
        }
        line_no += 1;
        if line_no == 1 && first.starts_with(BOM) {
            first.drain(..BOM.len());
        }
        if !first.iter().all(u8::is_ascii_whitespace) {
            break;
        }
    }
    let format = match std::str::from_utf8(&first) {
        Ok(text) => match parse_top(text) {
            Ok(top) => {
                let format = classify(&top).map_err(|p| p.at(&shown, Pos::Line(line_no)))?;
                if format.is_lines() {
                    lines::record(format, text, &mut sink)
                        .map_err(|p| p.at(&shown, Pos::Line(line_no)))?;
                    lines::read_rest(reader.as_mut(), line_no, format, &mut sink, &shown)?;
                    Some(format)
                } else {
                    // A complete document on one line: only blank lines may follow.
                    let mut rest = Vec::new();
                    reader.read_to_end(&mut rest).map_err(|e| {
                        lines::read_failure(&shown, &e, Pos::Line(line_no + 1), limits)
                    })?;
                    if let Some(i) = rest.iter().position(|b| !b.is_ascii_whitespace()) {
                        let extra_line =
                            line_no + 1 + rest[..i].iter().filter(|b| **b == b'\n').count();
                        return Err(Problem::invalid(format!(
                            "unexpected data after a complete {} document",
                            format.name()
                        ))
                        .at(&shown, Pos::Line(extra_line)));
                    }
                    drop(rest);
                    document::read(format, &top, text, &mut sink, &shown)?;
                    Some(format)
                }
            }
            Err(e) if e.is_eof() => None,
            Err(e) if e.is_data() => {
                return Err(not_a_container(text).at(&shown, Pos::Line(line_no)));
            }
            Err(e) => {
                return Err(Problem::invalid(format!(
                    "invalid JSON at column {} (byte offset {}): {}",
                    e.column(),
                    byte_offset(text.as_bytes(), &e),
                    json_message(&e)
                ))
                .at(&shown, Pos::Line(line_no)));
            }
        },
        Err(e) if line_no == 1 => {
            return Err(Problem::invalid("not UTF-8").at(&shown, Pos::Offset(e.valid_up_to())));
        }
        Err(e) => {
            return Err(Problem::invalid(format!(
                "not UTF-8 (at byte {} of the line)",
                e.valid_up_to() + 1
            ))
            .at(&shown, Pos::Line(line_no)));
        }
    };

    let format = match format {
        Some(f) => f,
        None => {
            // The first line is not a whole value: one document spanning lines.
            reader
                .read_to_end(&mut first)
                .map_err(|e| lines::read_failure(&shown, &e, Pos::Line(line_no + 1), limits))?;
            read_document(&first, &mut sink, &shown)?
        }
    };

    let Collected {
        windows,
        mut stats,
        mut warnings,
        session_id: session,
    } = sink.finish();
    stats.input_bytes = opened.count.get() as usize;
    if windows.iter().all(|(_, events)| events.is_empty()) {
        return Err(
            Problem::invalid(format!("{} input holds no events", format.name())).unplaced(&shown),
        );
    }
    let windows = normalize(windows, &mut warnings, &mut stats);
    if let Some(problem) = colliding_windows(&windows) {
        return Err(problem.unplaced(&shown));
    }
    let id = match session.filter(|s| !s.trim().is_empty()) {
        Some(s) => sanitize_id(&s),
        None => sanitize_id(&stem_of(path)),
    };
    Ok((
        Recording {
            id,
            source: shown,
            format,
            gzipped: opened.gzipped,
            windows,
            warnings,
        },
        stats,
    ))
}

/// Two windows whose ids become the same folder name ([`sanitize_id`]): their baselines and
/// screenshots would mix, so the recording is refused, as two recordings with one id are.
fn colliding_windows(windows: &[super::WindowStream]) -> Option<Problem> {
    if windows.len() < 2 {
        return None;
    }
    let mut seen: std::collections::HashMap<String, &str> = Default::default();
    for w in windows {
        let folder = sanitize_id(&w.id);
        if let Some(other) = seen.insert(folder.clone(), &w.id) {
            return Some(Problem::invalid(format!(
                "windows {other:?} and {:?} would share the folder {folder} (a window id \
                 crafted to look like another's sanitized one?); each window needs its own",
                w.id
            )));
        }
    }
    None
}

/// A whole JSON document in `bytes` (the first line of which did not hold a complete value).
fn read_document(bytes: &[u8], sink: &mut Sink, shown: &str) -> Result<Format, RecordingError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::invalid("not UTF-8").at(shown, Pos::Offset(e.valid_up_to())))?;
    let top: Top = parse_top(text).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else if e.is_data() {
            "not a JSON array or object"
        } else {
            "invalid JSON"
        };
        Problem::invalid(format!(
            "{what} (line {}, column {}): {}",
            e.line(),
            e.column(),
            json_message(&e)
        ))
        .at(shown, Pos::Offset(byte_offset(bytes, &e)))
    })?;
    let format = classify(&top).map_err(|p| p.at(shown, Pos::Offset(0)))?;
    document::read(format, &top, text, sink, shown)?;
    Ok(format)
}
