//! The PostHog personal API key, wrapped so that it cannot end up in output by accident: its
//! `Debug` and `Display` print `[redacted]`, and [`ApiKey::redact`] scrubs it from any text that
//! leaves the process.

use std::fmt;

/// A secret that only [`ApiKey::expose`] reveals, for the `Authorization` header.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key read from the environment or a file; surrounding whitespace is dropped.
    /// `None` when it is empty.
    pub fn new(raw: &str) -> Option<ApiKey> {
        let key = raw.trim();
        (!key.is_empty()).then(|| ApiKey(key.to_string()))
    }

    /// The key in `file`, else in `$POSTHOG_API_KEY` (never from a flag: flags show in `ps`).
    /// `Ok(None)` when neither holds one.
    pub fn load(file: Option<&std::path::Path>) -> Result<Option<ApiKey>, String> {
        let raw = match file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the API key file {}: {e}", path.display()))?,
            None => std::env::var("POSTHOG_API_KEY").unwrap_or_default(),
        };
        Ok(ApiKey::new(&raw))
    }

    /// The key itself. Use only to build the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_key() {
        let k = ApiKey::new("  phx_secret123\n").unwrap();
        assert_eq!(k.expose(), "phx_secret123");
        assert!(!format!("{k:?} {k} {k:#?}").contains("phx_secret123"));
        assert_eq!(k.redact("a phx_secret123 b"), "a [redacted] b");
        assert!(ApiKey::new(" \n").is_none());
    }
}
