//! The one error type of the recording stage. Every message is one line naming the input and
//! where in it (line for JSONL, byte offset for JSON) the problem is.

/// What went wrong reading a recording. Every message names the input.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// (The I/O error is part of the one-line message, deliberately not a `source`, so printing
    /// the error chain does not repeat it.)
    #[error("{path}: cannot read: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: line {line}: {message}")]
    InvalidLine {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: byte offset {offset}: {message}")]
    InvalidAt {
        path: String,
        offset: usize,
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

/// Where in the input a problem is: a 1-based JSONL line or a 0-based byte offset into a JSON
/// document (of the decompressed bytes when the file is gzipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    Line(usize),
    Offset(usize),
}

/// A problem found without knowing the file name yet; [`Problem::at`] places it.
#[derive(Debug)]
pub(crate) enum Problem {
    Invalid(String),
    TooLarge { message: String, limit: usize },
}

impl Problem {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Problem::Invalid(message.into())
    }

    /// Prefixes the message with more context, e.g. `event 4`.
    pub(crate) fn context(self, what: &str) -> Self {
        match self {
            Problem::Invalid(m) => Problem::Invalid(format!("{what}: {m}")),
            Problem::TooLarge { message, limit } => Problem::TooLarge {
                message: format!("{what}: {message}"),
                limit,
            },
        }
    }

    pub(crate) fn at(self, path: &str, pos: Pos) -> RecordingError {
        let path = path.to_string();
        match (self, pos) {
            (Problem::Invalid(message), Pos::Line(line)) => RecordingError::InvalidLine {
                path,
                line,
                message,
            },
            (Problem::Invalid(message), Pos::Offset(offset)) => RecordingError::InvalidAt {
                path,
                offset,
                message,
            },
            (Problem::TooLarge { message, limit }, pos) => RecordingError::TooLarge {
                path,
                message: match pos {
                    Pos::Line(l) => format!("line {l}: {message}"),
                    Pos::Offset(o) => format!("byte offset {o}: {message}"),
                },
                limit,
            },
        }
    }

    pub(crate) fn unplaced(self, path: &str) -> RecordingError {
        let path = path.to_string();
        match self {
            Problem::Invalid(message) => RecordingError::Invalid { path, message },
            Problem::TooLarge { message, limit } => RecordingError::TooLarge {
                path,
                message,
                limit,
            },
        }
    }
}

/// The byte offset of a serde_json error's line/column in `text` (serde_json counts columns in
/// bytes, 1-based; column 0 means "at the end of the previous line").
pub(crate) fn byte_offset(text: &[u8], err: &serde_json::Error) -> usize {
    let (line, column) = (err.line(), err.column());
    if line == 0 {
        return 0;
    }
    let mut start = 0usize;
    let mut seen = 1usize;
    if line > 1 {
        for (i, b) in text.iter().enumerate() {
            if *b == b'\n' {
                seen += 1;
                if seen == line {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

/// serde_json's message without its trailing " at line L column C" (we say where ourselves).
pub(crate) fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) if err.line() > 0 => text[..i].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_from_line_and_column() {
        let text = b"{\n  \"a\": tru\n}";
        let err = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        let off = byte_offset(text, &err);
        assert!(text[..off].ends_with(b"tru") || off >= 9, "{off}");
        assert!(!json_message(&err).contains(" at line "));
    }
}
