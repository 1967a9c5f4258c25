//! A nesting-depth check over JSON text. serde_json skips raw values iteratively (no recursion
//! limit, no stack risk for us), but rrweb rebuilds the DOM recursively in the page, so absurdly
//! deep events are rejected here with a clear message instead of crashing the browser later.

/// Whether `text` (valid JSON or close to it) nests arrays/objects deeper than `limit`.
pub(crate) fn exceeds(text: &[u8], limit: usize) -> bool {
    // Each level needs at least one byte: short texts cannot exceed the limit.
    if text.len() <= limit {
        return false;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                // Skip the string: to the next unescaped quote.
                i += 1;
                loop {
                    let rest = text.get(i..).unwrap_or_default();
                    match rest.iter().position(|&c| c == b'"' || c == b'\\') {
                        Some(n) if text[i + n] == b'\\' => i += n + 2,
                        Some(n) => {
                            i += n;
                            break;
                        }
                        None => return false,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::exceeds;

    #[test]
    fn counts_brackets_outside_strings() {
        let deep = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert!(exceeds(deep.as_bytes(), 49));
        assert!(!exceeds(deep.as_bytes(), 50));
        let in_string = format!("[\"{}\\\"\"]", "[".repeat(100));
        assert!(!exceeds(in_string.as_bytes(), 2));
        // Broken text never panics.
        assert!(!exceeds(b"[\"abc\\", 2));
        assert!(!exceeds(b"[[[\"\\\\\\", 5));
    }
}
