//! The kinds of values settings hold, and how each is read: from text (a `REEL_*` variable or a
//! flag) and from a `reel.toml` value.

use crate::compare::{MaskColor, Rect, UpdateMode};
use crate::duration::{self, Bare};
use crate::plan::Mode;
use clap::builder::{EnumValueParser, ValueParser};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

/// A `reel.toml` value, with where it is in the file.
pub type TomlValue<'a> = Spanned<DeValue<'a>>;

/// What is wrong with a value in `reel.toml`, and where (a byte range of the file).
#[derive(Debug)]
pub struct TomlError {
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// One kind of setting value.
pub trait SettingValue: Clone + Send + Sync + 'static {
    /// Reads a value from text: a `REEL_*` variable, a flag, or an item of a list of them.
    fn from_text(text: &str) -> Result<Self, String>;

    /// Reads a value from `reel.toml`; relative paths are resolved against `dir`, the file's folder.
    fn from_toml(value: &TomlValue<'_>, dir: &Path) -> Result<Self, TomlError>;

    /// How a flag's value is parsed (by default with [`SettingValue::from_text`]).
    fn flag_parser() -> ValueParser {
        ValueParser::new(|text: &str| Self::from_text(text))
    }
}

/// A value deserialized by serde (numbers, booleans, tables).
fn deserialize<T: DeserializeOwned>(value: &TomlValue<'_>) -> Result<T, TomlError> {
    T::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| TomlError {
        span: e.span().or_else(|| Some(value.span())),
        message: e.message().trim().replace('\n', " "),
    })
}

/// A value written as a string in `reel.toml` and read like its text form.
fn from_string<T>(
    value: &TomlValue<'_>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, TomlError> {
    let at = |message: String| TomlError {
        span: Some(value.span()),
        message,
    };
    match value.get_ref() {
        DeValue::String(s) => parse(s).map_err(at),
        other => Err(at(format!("expected a string, found {}", other.type_str()))),
    }
}

/// A list in `reel.toml`: an array whose items are read one by one.
pub fn list_from_toml<T: SettingValue>(
    value: &TomlValue<'_>,
    dir: &Path,
) -> Result<Vec<T>, TomlError> {
    match value.get_ref() {
        DeValue::Array(items) => items.iter().map(|v| T::from_toml(v, dir)).collect(),
        other => Err(TomlError {
            span: Some(value.span()),
            message: format!("expected an array, found {}", other.type_str()),
        }),
    }
}

/// A list in text: items separated by `sep`, blank items ignored.
pub fn list_from_text<T: SettingValue>(text: &str, sep: char) -> Result<Vec<T>, String> {
    text.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(T::from_text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{e} (separate items with '{sep}')"))
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl SettingValue for $t {
            fn from_text(text: &str) -> Result<Self, String> {
                text.trim()
                    .parse()
                    .map_err(|_| format!("{text:?} is not a valid number"))
            }

            fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
                deserialize(value)
            }
        }
    )*};
}

numbers!(usize, u64, i64, f64);

impl SettingValue for bool {
    fn from_text(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" => Ok(false),
            _ => Err(format!("{text:?}: use true or false")),
        }
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        deserialize(value)
    }
}

impl SettingValue for PathBuf {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(PathBuf::from(text))
    }

    /// Relative paths in the file are relative to the file's folder.
    fn from_toml(value: &TomlValue<'_>, dir: &Path) -> Result<Self, TomlError> {
        let path: PathBuf = deserialize(value)?;
        Ok(if path.is_relative() {
            dir.join(path)
        } else {
            path
        })
    }
}

impl SettingValue for String {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        from_string(value, |s| Ok(s.to_string()))
    }
}

impl SettingValue for UpdateMode {
    /// `none`, `missing`, `changed`, `all`; also `true`/`1` (= changed) and `false`/`0` (= none).
    fn from_text(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" | "false" | "0" => Ok(UpdateMode::None),
            "missing" => Ok(UpdateMode::Missing),
            "changed" | "true" | "1" => Ok(UpdateMode::Changed),
            "all" => Ok(UpdateMode::All),
            _ => Err(format!("{text:?}: use none, missing, changed or all")),
        }
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        from_string(value, Self::from_text)
    }

    fn flag_parser() -> ValueParser {
        EnumValueParser::<UpdateMode>::new().into()
    }
}

impl SettingValue for Mode {
    fn from_text(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Mode::Auto),
            "none" => Ok(Mode::None),
            _ => Err(format!("{text:?}: use auto or none")),
        }
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        from_string(value, Self::from_text)
    }

    fn flag_parser() -> ValueParser {
        EnumValueParser::<Mode>::new().into()
    }
}

impl SettingValue for Rect {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse()
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        from_string(value, Self::from_text)
    }
}

impl SettingValue for MaskColor {
    fn from_text(text: &str) -> Result<Self, String> {
        text.trim().parse()
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        from_string(value, Self::from_text)
    }
}

/// A time offset from a window's start, in ms: a [`duration`] (`1.5s`, `500ms`, `2m`, `1m30s`);
/// a bare number is seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Offset(pub i64);

impl SettingValue for Offset {
    fn from_text(text: &str) -> Result<Self, String> {
        duration::parse_ms(text, Bare::Seconds).map(Offset)
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        from_string(value, Self::from_text)
    }
}

/// A wait in ms: a [`duration`] (`500ms`, `1.5s`) or a bare number of ms; in `reel.toml` also an
/// integer (ms). A negative bare number means no wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Millis(pub i64);

impl SettingValue for Millis {
    fn from_text(text: &str) -> Result<Self, String> {
        if let Ok(n) = text.trim().parse::<i64>() {
            return Ok(Millis(n.max(0)));
        }
        duration::parse_ms(text, Bare::Millis).map(Millis)
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        match value.get_ref() {
            DeValue::Integer(_) => deserialize::<i64>(value).map(|n| Millis(n.max(0))),
            _ => from_string(value, Self::from_text),
        }
    }
}

/// A viewport size: `1280x800` in text, `{ width = 1280, height = 800 }` in `reel.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

impl Viewport {
    fn checked(width: u32, height: u32) -> Result<Viewport, String> {
        if (1..=10_000).contains(&width) && (1..=10_000).contains(&height) {
            Ok(Viewport { width, height })
        } else {
            Err("width and height must be between 1 and 10000".into())
        }
    }
}

impl SettingValue for Viewport {
    fn from_text(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?}: expected WIDTHxHEIGHT, e.g. 1280x800");
        let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
        let w: u32 = w.trim().parse().map_err(|_| bad())?;
        let h: u32 = h.trim().parse().map_err(|_| bad())?;
        Viewport::checked(w, h).map_err(|e| format!("{text:?}: {e}"))
    }

    fn from_toml(value: &TomlValue<'_>, _: &Path) -> Result<Self, TomlError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            width: u32,
            height: u32,
        }
        let t: Table = deserialize(value)?;
        Viewport::checked(t.width, t.height).map_err(|message| TomlError {
            span: Some(value.span()),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        assert_eq!(UpdateMode::from_text("TRUE"), Ok(UpdateMode::Changed));
        assert_eq!(UpdateMode::from_text("0"), Ok(UpdateMode::None));
        assert!(UpdateMode::from_text("sometimes").is_err());
        assert_eq!(bool::from_text("yes"), Ok(true));
        assert_eq!(Offset::from_text("1m30s"), Ok(Offset(90_000)));
        assert_eq!(Offset::from_text("1.5"), Ok(Offset(1500)));
        assert_eq!(Millis::from_text("250"), Ok(Millis(250)));
        assert_eq!(Millis::from_text("-5"), Ok(Millis(0)));
        assert_eq!(Millis::from_text("1.5s"), Ok(Millis(1500)));
        assert!(Millis::from_text("soon").is_err());
        assert_eq!(
            Viewport::from_text("1280x800"),
            Ok(Viewport {
                width: 1280,
                height: 800
            })
        );
        assert!(Viewport::from_text("800").is_err());
        assert!(Viewport::from_text("0x800").is_err());
        assert!(usize::from_text("x").unwrap_err().contains("\"x\""));
        let masks: Vec<Rect> = list_from_text("1,1,5,5; 2,2,3,3;", ';').unwrap();
        assert_eq!(masks.len(), 2);
        assert!(
            list_from_text::<Rect>("1,1,5,5,2,2,3,3", ';')
                .unwrap_err()
                .contains("';'")
        );
    }
}
