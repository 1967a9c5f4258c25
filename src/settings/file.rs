//! `reel.toml`: the settings of the table under their keys (`key`, or `section.key` inside a
//! `[section]`), and the `[[sources]]` recordings come from when `reel run` is given none.
//!
//! Unknown keys are errors, so a typo never silently does nothing; every error is one line naming
//! the file, the line and the column.

use super::{Layer, SETTINGS, TomlError, TomlValue};
use crate::source::{PosthogSource, Source};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "reel.toml";

/// A loaded `reel.toml`: its settings as a layer, its sources, and where it was.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// The folder relative paths in the file are resolved against.
    pub dir: PathBuf,
    pub layer: Layer,
    pub sources: Vec<Source>,
}

/// One `[[sources]]` entry as written: exactly one of its keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceEntry {
    files: Option<Vec<String>>,
    posthog: Option<PosthogSource>,
    object_store: Option<String>,
}

impl Config {
    /// Reads `explicit` (which must exist), else `./reel.toml` when present, else nothing (all
    /// defaults). Errors are one line naming the file and, where known, the line.
    pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
        let (path, must) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !must && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config {
                    dir: PathBuf::from("."),
                    ..Config::default()
                });
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Config::parse(&text, &path)
    }

    /// Parses the text of a config file found at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let name = path.display().to_string();
        let at = |span: Option<std::ops::Range<usize>>, message: &str| match span {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                format!("{name}:{line}:{col}: {message}")
            }
            None => format!("{name}: {message}"),
        };
        let root = DeTable::parse(text)
            .map_err(|e| at(e.span(), &e.message().trim().replace('\n', " ")))?
            .into_inner();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut layer = Layer::default();
        let mut sources = Vec::new();
        for (key, value) in &root {
            let key_span = Some(key.span());
            let key = key.get_ref().as_ref();
            if key == "sources" {
                sources = parse_sources(value, &dir).map_err(|e| at(e.span, &e.message))?;
                continue;
            }
            if let Some(set) = layer.set_from_toml(key, value, &dir) {
                set.map_err(|e| at(e.span, &format!("{key}: {}", e.message)))?;
                continue;
            }
            let section_keys = keys_in(key);
            if section_keys.is_empty() {
                return Err(at(key_span, &unknown(key, &keys_in(""))));
            }
            let DeValue::Table(section) = value.get_ref() else {
                return Err(at(
                    Some(value.span()),
                    &format!("{key}: expected a table ([{key}])"),
                ));
            };
            for (inner, value) in section {
                let full = format!("{key}.{}", inner.get_ref());
                match layer.set_from_toml(&full, value, &dir) {
                    Some(set) => set.map_err(|e| at(e.span, &format!("{full}: {}", e.message)))?,
                    None => {
                        return Err(at(
                            Some(inner.span()),
                            &unknown(inner.get_ref(), &section_keys),
                        ));
                    }
                }
            }
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            dir,
            layer,
            sources,
        })
    }

    /// The file's name for messages: its path, or `reel.toml` when none was read.
    pub fn name(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| DEFAULT_FILE.to_string(), |p| p.display().to_string())
    }
}

/// The keys allowed in `[section]` (`""`: at the top level, with the sections and `sources`).
fn keys_in(section: &str) -> Vec<&'static str> {
    let mut keys = Vec::new();
    for spec in SETTINGS {
        let key = match (spec.key.split_once('.'), section.is_empty()) {
            (Some((sec, _)), true) => sec,
            (Some((sec, key)), false) if sec == section => key,
            (None, true) => spec.key,
            _ => continue,
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if section.is_empty() {
        keys.push("sources");
    }
    keys
}

fn unknown(key: &str, known: &[&str]) -> String {
    let known: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "unknown field `{key}`, expected one of {}",
        known.join(", ")
    )
}

/// `[[sources]]`: each entry exactly one of `files`, `posthog`, `object_store`.
fn parse_sources(value: &TomlValue<'_>, dir: &Path) -> Result<Vec<Source>, TomlError> {
    let entries =
        Vec::<SourceEntry>::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| {
            TomlError {
                span: e.span().or_else(|| Some(value.span())),
                message: format!("sources: {}", e.message().trim().replace('\n', " ")),
            }
        })?;
    let err = |message: String| TomlError {
        span: None,
        message,
    };
    let mut sources = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let n = i + 1;
        let set = [
            entry.files.is_some(),
            entry.posthog.is_some(),
            entry.object_store.is_some(),
        ];
        if set.iter().filter(|b| **b).count() != 1 {
            return Err(err(format!(
                "sources entry {n} must have exactly one of files, posthog, object_store"
            )));
        }
        if let Some(files) = entry.files {
            if files.is_empty() {
                return Err(err(format!("sources entry {n}: files is empty")));
            }
            sources.push(Source::Files(files));
        } else if let Some(mut ph) = entry.posthog {
            if ph.api_key.is_some() {
                return Err(err(format!(
                    "sources entry {n}: never put the PostHog API key in the config file; \
                     set POSTHOG_API_KEY or name a file with api_key_file"
                )));
            }
            ph.api_key_file = ph
                .api_key_file
                .map(|p| if p.is_relative() { dir.join(p) } else { p });
            sources.push(Source::Posthog(Box::new(ph)));
        } else if let Some(url) = entry.object_store {
            sources.push(Source::ObjectStore(url));
        }
    }
    Ok(sources)
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("x", 0), (1, 1));
    }

    #[test]
    fn keys_follow_the_table() {
        assert_eq!(
            keys_in(""),
            [
                "compare",
                "update",
                "baselines",
                "out",
                "cache",
                "jobs",
                "plan",
                "viewport",
                "sources"
            ]
        );
        assert!(keys_in("compare").contains(&"threshold"));
        assert!(keys_in("plan").contains(&"settle_ms"));
        assert!(keys_in("nothing").is_empty());
    }
}
