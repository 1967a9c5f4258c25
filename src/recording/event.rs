//! One rrweb event as the rest of reel sees it: its type and timestamp up front, the full JSON kept
//! verbatim (already decompressed) for the replayer, and the few facts the planner and `inspect` need.

use serde::Deserialize;
use serde_json::value::RawValue;

/// rrweb's `EventType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    DomContentLoaded,
    Load,
    FullSnapshot,
    IncrementalSnapshot,
    Meta,
    Custom,
    Plugin,
    Asset,
    Annotation,
    Unknown(i64),
}

impl EventType {
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => EventType::DomContentLoaded,
            1 => EventType::Load,
            2 => EventType::FullSnapshot,
            3 => EventType::IncrementalSnapshot,
            4 => EventType::Meta,
            5 => EventType::Custom,
            6 => EventType::Plugin,
            7 => EventType::Asset,
            8 => EventType::Annotation,
            other => EventType::Unknown(other),
        }
    }

    pub fn name(self) -> String {
        match self {
            EventType::DomContentLoaded => "DomContentLoaded".into(),
            EventType::Load => "Load".into(),
            EventType::FullSnapshot => "FullSnapshot".into(),
            EventType::IncrementalSnapshot => "IncrementalSnapshot".into(),
            EventType::Meta => "Meta".into(),
            EventType::Custom => "Custom".into(),
            EventType::Plugin => "Plugin".into(),
            EventType::Asset => "Asset".into(),
            EventType::Annotation => "Annotation".into(),
            EventType::Unknown(c) => format!("Unknown({c})"),
        }
    }
}

/// rrweb's `IncrementalSource`, by name.
pub struct IncrementalSource;

impl IncrementalSource {
    pub const MUTATION: i64 = 0;
    pub const MOUSE_MOVE: i64 = 1;
    pub const MOUSE_INTERACTION: i64 = 2;
    pub const SCROLL: i64 = 3;
    pub const VIEWPORT_RESIZE: i64 = 4;
    pub const INPUT: i64 = 5;
    pub const STYLE_SHEET_RULE: i64 = 8;
    pub const CANVAS_MUTATION: i64 = 9;

    pub fn name(code: i64) -> String {
        const NAMES: [&str; 17] = [
            "Mutation",
            "MouseMove",
            "MouseInteraction",
            "Scroll",
            "ViewportResize",
            "Input",
            "TouchMove",
            "MediaInteraction",
            "StyleSheetRule",
            "CanvasMutation",
            "Font",
            "Log",
            "Drag",
            "StyleDeclaration",
            "Selection",
            "AdoptedStyleSheet",
            "CustomElement",
        ];
        usize::try_from(code)
            .ok()
            .and_then(|i| NAMES.get(i))
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("Unknown({code})"))
    }
}

/// rrweb's `MouseInteractions`, by name.
pub struct MouseInteraction;

impl MouseInteraction {
    pub const CLICK: i64 = 2;
    pub const DBL_CLICK: i64 = 4;
    pub const TOUCH_END: i64 = 9;
}

/// One normalized event.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    pub timestamp: i64,
    /// For IncrementalSnapshot: `data.source`.
    pub source: Option<i64>,
    /// The whole event as rrweb expects it (compressed fields already expanded), without any
    /// `windowId` / `cv` markers that only mattered for transport.
    pub json: Box<RawValue>,
}

/// What the planner and `inspect` want to know about an event, read from its JSON on demand.
#[derive(Debug, Clone, PartialEq)]
pub enum EventFacts {
    Meta {
        href: Option<String>,
        width: Option<u32>,
        height: Option<u32>,
    },
    FullSnapshot,
    Click {
        kind: i64,
    },
    ViewportResize {
        width: u32,
        height: u32,
    },
    Console {
        level: String,
        message: String,
        trace: Vec<String>,
    },
    /// `$pageview` / `$url_changed` custom events.
    UrlChange {
        href: String,
    },
    Other,
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct DataProbe {
    #[serde(default)]
    href: Option<String>,
    #[serde(default)]
    width: Option<f64>,
    #[serde(default)]
    height: Option<f64>,
    #[serde(default, rename = "type")]
    interaction: Option<i64>,
    #[serde(default)]
    plugin: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    payload: Option<serde_json::Value>,
}

fn dimension(v: Option<f64>) -> Option<u32> {
    v.filter(|x| x.is_finite() && *x >= 1.0 && *x <= 100_000.0)
        .map(|x| x.round() as u32)
}

impl Event {
    /// Facts that need more than the type and timestamp. Cheap for events that are not interesting
    /// (no parse at all for mouse moves, mutations, …).
    pub fn facts(&self) -> EventFacts {
        let interesting = match self.kind {
            EventType::Meta | EventType::Custom | EventType::Plugin => true,
            EventType::FullSnapshot => return EventFacts::FullSnapshot,
            EventType::IncrementalSnapshot => matches!(
                self.source,
                Some(IncrementalSource::MOUSE_INTERACTION)
                    | Some(IncrementalSource::VIEWPORT_RESIZE)
            ),
            _ => false,
        };
        if !interesting {
            return EventFacts::Other;
        }
        let Ok(probe) = serde_json::from_str::<Probe>(self.json.get()) else {
            return EventFacts::Other;
        };
        let data: DataProbe = probe
            .data
            .and_then(|d| serde_json::from_str(d.get()).ok())
            .unwrap_or_default();
        match self.kind {
            EventType::Meta => EventFacts::Meta {
                href: data.href,
                width: dimension(data.width),
                height: dimension(data.height),
            },
            EventType::IncrementalSnapshot
                if self.source == Some(IncrementalSource::VIEWPORT_RESIZE) =>
            {
                match (dimension(data.width), dimension(data.height)) {
                    (Some(width), Some(height)) => EventFacts::ViewportResize { width, height },
                    _ => EventFacts::Other,
                }
            }
            EventType::IncrementalSnapshot => match data.interaction {
                Some(
                    k @ (MouseInteraction::CLICK
                    | MouseInteraction::DBL_CLICK
                    | MouseInteraction::TOUCH_END),
                ) => EventFacts::Click { kind: k },
                _ => EventFacts::Other,
            },
            EventType::Plugin if data.plugin.as_deref() == Some("rrweb/console@1") => {
                console_facts(data.payload.as_ref())
            }
            EventType::Custom
                if matches!(
                    data.tag.as_deref(),
                    Some("$pageview") | Some("$url_changed")
                ) =>
            {
                match data
                    .payload
                    .as_ref()
                    .and_then(|p| p.get("href"))
                    .and_then(|h| h.as_str())
                {
                    Some(href) => EventFacts::UrlChange { href: href.into() },
                    None => EventFacts::Other,
                }
            }
            _ => EventFacts::Other,
        }
    }
}

fn console_facts(payload: Option<&serde_json::Value>) -> EventFacts {
    let Some(p) = payload else {
        return EventFacts::Other;
    };
    let level = p
        .get("level")
        .and_then(|l| l.as_str())
        .unwrap_or("log")
        .to_string();
    let strings = |key: &str| -> Vec<String> {
        match p.get(key) {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => unquote(s),
                    other => other.to_string(),
                })
                .collect(),
            Some(serde_json::Value::String(s)) => vec![unquote(s)],
            _ => Vec::new(),
        }
    };
    EventFacts::Console {
        level,
        message: strings("payload").join(" "),
        trace: strings("trace"),
    }
}

/// The console plugin stores each argument JSON-stringified (`"\"text\""`); show the text.
fn unquote(s: &str) -> String {
    if s.len() >= 2
        && s.starts_with('"')
        && s.ends_with('"')
        && let Ok(inner) = serde_json::from_str::<String>(s)
    {
        return inner;
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: i64, source: Option<i64>, json: &str) -> Event {
        Event {
            kind: EventType::from_code(kind),
            timestamp: 0,
            source,
            json: RawValue::from_string(json.to_string()).unwrap(),
        }
    }

    #[test]
    fn meta_facts() {
        let e = ev(
            4,
            None,
            r#"{"type":4,"data":{"href":"http://x/","width":1280,"height":800},"timestamp":1}"#,
        );
        assert_eq!(
            e.facts(),
            EventFacts::Meta {
                href: Some("http://x/".into()),
                width: Some(1280),
                height: Some(800)
            }
        );
    }

    #[test]
    fn console_message_is_unquoted() {
        let e = ev(
            6,
            None,
            r#"{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"error","payload":["\"Testbed: failed\"","42"],"trace":["at x"]}},"timestamp":1}"#,
        );
        assert_eq!(
            e.facts(),
            EventFacts::Console {
                level: "error".into(),
                message: "Testbed: failed 42".into(),
                trace: vec!["at x".into()]
            }
        );
    }

    #[test]
    fn click_and_resize() {
        let c = ev(
            3,
            Some(2),
            r#"{"type":3,"data":{"source":2,"type":2,"id":5,"x":1,"y":2}}"#,
        );
        assert_eq!(c.facts(), EventFacts::Click { kind: 2 });
        let d = ev(
            3,
            Some(2),
            r#"{"type":3,"data":{"source":2,"type":1,"id":5}}"#,
        );
        assert_eq!(d.facts(), EventFacts::Other);
        let r = ev(
            3,
            Some(4),
            r#"{"type":3,"data":{"source":4,"width":390,"height":844}}"#,
        );
        assert_eq!(
            r.facts(),
            EventFacts::ViewportResize {
                width: 390,
                height: 844
            }
        );
    }
}
