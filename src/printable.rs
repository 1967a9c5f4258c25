//! Text from data — recordings, reports, API answers — made safe to print on a terminal. Every
//! line reel prints that holds such text (ids, window ids, console messages, URLs, error
//! messages quoting them, log lines) goes through [`printable`], so no escape sequence from data
//! ever reaches the terminal: control characters (ESC, BEL, CR, newlines, C1) and bidi overrides
//! are shown escaped (`\u{1b}`), never interpreted.

use std::borrow::Cow;
use std::io::{self, Write};

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with control characters and bidi overrides escaped.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`printable`] for text made of lines: each line escaped, the line breaks kept.
pub fn printable_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(l) => format!("{}\n", printable(l)),
            None => printable(line).into_owned(),
        })
        .collect()
}

/// A writer that passes on what is written to it through [`printable_lines`] (for the log lines of
/// `tracing`, written one whole event per call).
pub struct PrintableWriter<W>(pub W);

impl<W: Write> Write for PrintableWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(printable_lines(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_shown_not_interpreted() {
        assert!(matches!(printable("plain ünïcode"), Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}]0;t\u{7}\r\n\u{9b}x\u{202e}y\u{2066}"),
            "\\u{1b}]0;t\\u{7}\\r\\n\\u{9b}x\\u{202e}y\\u{2066}"
        );
        assert_eq!(printable_lines("a\u{1b}\nb\rc\n"), "a\\u{1b}\nb\\rc\n");
        let mut w = PrintableWriter(Vec::new());
        w.write_all(b"WARN id \x1b[2J: x\n").unwrap();
        assert_eq!(w.0, b"WARN id \\u{1b}[2J: x\n");
    }
}
