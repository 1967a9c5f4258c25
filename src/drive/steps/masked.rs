//! Masked typing (`***`, what posthog-js records for inputs by default): the real text is often
//! what the app rendered right after it (a new todo's title), else a synthetic text of the same
//! length stands in.

use super::mirror::{Mutation, mutation_texts};
use super::{data, mi};
use crate::recording::{Event, EventType, IncrementalSource};
use serde::Deserialize;
use std::collections::HashSet;

/// How long after the last masked keystroke rendered text still counts as its result.
pub const RECOVERY_HORIZON_MS: i64 = 5000;
/// Longest text (bytes) considered when telling new text from text already on the page.
pub const MAX_TEXT: usize = 1024;

pub fn is_masked(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b == b'*')
}

/// Length the way the recorder counted it (JavaScript string length: UTF-16 units).
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default, rename = "type")]
    kind: Option<i64>,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    text: Option<String>,
}

/// The first text of `len` characters that the Mutation events after `last_typed` add or change
/// and that was not on the page when the typing started (`present`). Looks until the next pointer
/// action, page load, typing into `node` again after the run ended (`end`), or
/// [`RECOVERY_HORIZON_MS`].
pub fn recover(
    events: &[Event],
    node: i64,
    last_typed: usize,
    end: usize,
    len: usize,
    present: Option<&HashSet<String>>,
) -> Option<String> {
    let t0 = events.get(last_typed)?.timestamp;
    for (i, e) in events.iter().enumerate().skip(last_typed + 1) {
        if e.timestamp.saturating_sub(t0) > RECOVERY_HORIZON_MS
            || matches!(e.kind, EventType::Meta | EventType::FullSnapshot)
        {
            return None;
        }
        if e.kind != EventType::IncrementalSnapshot {
            continue;
        }
        match e.source {
            Some(IncrementalSource::MOUSE_INTERACTION) => {
                let kind = data::<Probe>(e).and_then(|p| p.kind);
                if matches!(
                    kind,
                    Some(
                        mi::MOUSE_DOWN
                            | mi::CLICK
                            | mi::DBL_CLICK
                            | mi::CONTEXT_MENU
                            | mi::TOUCH_START
                    )
                ) {
                    return None;
                }
            }
            Some(IncrementalSource::INPUT) if i > end => {
                let p = data::<Probe>(e);
                if p.as_ref().and_then(|p| p.id) == Some(node)
                    && p.and_then(|p| p.text).is_some_and(|t| !t.is_empty())
                {
                    return None;
                }
            }
            Some(IncrementalSource::MUTATION) => {
                let Some(m) = data::<Mutation>(e) else {
                    continue;
                };
                let found = mutation_texts(&m).into_iter().find_map(|text| {
                    let t = text.trim();
                    let fits =
                        js_len(t) == len && !is_masked(t) && present.is_none_or(|p| !p.contains(t));
                    fits.then(|| t.to_string())
                });
                if found.is_some() {
                    return found;
                }
            }
            _ => {}
        }
    }
    None
}

/// The value of a `<select>`'s chosen option when the recording masked it: the option rrweb
/// names (`selectedOptionIds`), else the only option whose value has the masked length.
pub fn chosen_option(
    options: &[(i64, String)],
    selected: Option<&[i64]>,
    masked: &str,
) -> Option<String> {
    if let Some(&id) = selected.and_then(|s| s.first())
        && let Some((_, v)) = options.iter().find(|(o, _)| *o == id)
    {
        return Some(v.clone());
    }
    let len = js_len(masked);
    let mut fitting = options.iter().filter(|(_, v)| js_len(v) == len);
    match (fitting.next(), fitting.next()) {
        (Some((_, v)), None) => Some(v.clone()),
        _ => None,
    }
}

/// A stand-in of `len` characters that the field accepts: digits for number and telephone
/// fields, an address for email fields, else `x`s.
pub fn synthetic(len: usize, input_type: Option<&str>) -> String {
    match input_type {
        Some("number" | "tel") => "1".repeat(len),
        Some("email") if len >= 6 => format!("{}@x.io", "x".repeat(len - 5)),
        _ => "x".repeat(len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_texts_keep_the_length() {
        for len in 1..12 {
            for kind in [None, Some("email"), Some("number"), Some("password")] {
                assert_eq!(synthetic(len, kind).len(), len, "{kind:?} {len}");
            }
        }
        assert_eq!(synthetic(8, Some("email")), "xxx@x.io");
    }

    #[test]
    fn masked_options() {
        let options = vec![
            (1, "free".to_string()),
            (2, "pro".to_string()),
            (3, "enterprise".to_string()),
            (4, "max".to_string()),
        ];
        assert_eq!(
            chosen_option(&options, Some(&[3]), "***"),
            Some("enterprise".into())
        );
        assert_eq!(chosen_option(&options, None, "****"), Some("free".into()));
        assert_eq!(
            chosen_option(&options, None, "***"),
            None,
            "pro and max both fit"
        );
        assert!(is_masked("***") && !is_masked("") && !is_masked("a**"));
    }
}
