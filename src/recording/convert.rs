//! One raw event in, one [`Event`] out: reads `type`, `timestamp` and `data.source`, unpacks
//! `@rrweb/packer` strings, expands `cv` fields, and drops the transport-only keys (`windowId`,
//! `cv`, the packer's `v`) so the JSON is exactly what rrweb's Replayer takes.

use super::budget::Budget;
use super::decompress::{CV_2024_10, compressed_fields, expand_field};
use super::error::Problem;
use super::packer::{self, PACKER_V1};
use super::{Event, EventType};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// An object's members in input order, values still raw.
pub(crate) struct Members<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Members<'a> {
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Members<'de> {
    /// Reads the members of a map being deserialized.
    pub fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Key<'de>>()? {
            let v: &'de RawValue = map.next_value()?;
            out.push((k.0, v));
        }
        Ok(Members(out))
    }
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Members::from_map(map)
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses the members of a raw JSON object; `what` names it in messages.
pub(crate) fn members<'a>(raw: &'a RawValue, what: &str) -> Result<Members<'a>, Problem> {
    serde_json::from_str(raw.get()).map_err(|_| {
        Problem::invalid(format!(
            "{what} is not a JSON object (found {})",
            kind_of(raw)
        ))
    })
}

/// Parses the elements of a raw JSON array; `what` names it in messages.
pub(crate) fn elements<'a>(raw: &'a RawValue, what: &str) -> Result<Vec<&'a RawValue>, Problem> {
    serde_json::from_str(raw.get()).map_err(|_| {
        Problem::invalid(format!(
            "{what} is not a JSON array (found {})",
            kind_of(raw)
        ))
    })
}

/// "an object", "a string", … for messages.
pub(crate) fn kind_of(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(_) => "a number",
        None => "nothing",
    }
}

/// A short, one-line rendering of input text for messages: whitespace runs (newlines included)
/// become one space, control characters are escaped, and at most 40 chars are kept.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::new();
    let mut chars = 0;
    let mut last_space = false;
    for c in text.trim().chars() {
        if chars == MAX {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                chars += 1;
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        chars += 1;
    }
    out
}

/// A window id as text: strings as they are, numbers as written, null as absent.
pub(crate) fn window_id(raw: &RawValue, what: &str) -> Result<Option<String>, Problem> {
    match raw.get().as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(raw.get())
            .map(Some)
            .map_err(|e| Problem::invalid(format!("{what}: {e}"))),
        Some(b'-' | b'0'..=b'9') => Ok(Some(raw.get().to_string())),
        Some(b'n') => Ok(None),
        _ => Err(Problem::invalid(format!(
            "{what} must be a string or a number (found {})",
            kind_of(raw)
        ))),
    }
}

/// The JSON we write back when an event had to change: raw values where nothing changed.
enum Out<'a> {
    Raw(&'a RawValue),
    Owned(Box<RawValue>),
    Object(Vec<(&'a str, Out<'a>)>),
}

impl Serialize for Out<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::Raw(r) => r.serialize(s),
            Out::Owned(r) => r.serialize(s),
            Out::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// How an event was compressed on the way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cv {
    None,
    Expanded,
    Unknown(String),
}

/// One converted event and what the conversion saw.
pub(crate) struct Converted {
    /// The event's own `windowId`, if it carried one.
    pub window: Option<String>,
    pub event: Event,
    pub cv: Cv,
    pub packed: bool,
}

/// Converts one raw event (an object, or a packed string).
pub(crate) fn convert(raw: &RawValue, budget: &mut Budget) -> Result<Converted, Problem> {
    match raw.get().as_bytes().first() {
        Some(b'{') => convert_object(raw, true, false, budget),
        Some(b'"') => {
            let text: Cow<str> = serde_json::from_str(raw.get())
                .map_err(|e| Problem::invalid(format!("event string: {e}")))?;
            let unpacked = packer::unpack(&text, budget)?;
            let inner: &RawValue = serde_json::from_str(&unpacked)
                .map_err(|e| Problem::invalid(format!("packed event does not hold JSON: {e}")))?;
            if inner.get().as_bytes().first() != Some(&b'{') {
                return Err(Problem::invalid(format!(
                    "packed event holds {}, not an event object",
                    kind_of(inner)
                )));
            }
            convert_object(inner, false, true, budget)
        }
        _ => Err(Problem::invalid(format!(
            "event is not a JSON object (found {})",
            kind_of(raw)
        ))),
    }
}

fn integer(raw: &RawValue) -> Option<i64> {
    serde_json::from_str::<i64>(raw.get()).ok()
}

/// Timestamps are milliseconds since 1970; anything beyond about 285,000 years either side is
/// not a time but an attack or a bug, and is rejected so that no difference of two timestamps
/// (plus a settle delay) can come near `i64` overflow.
pub(crate) const MAX_ABS_TIMESTAMP_MS: i64 = 9_000_000_000_000_000;

/// A timestamp: an integer or a finite float (floored). `Err` says what is wrong with it.
fn timestamp(raw: &RawValue) -> Result<i64, String> {
    let value = match integer(raw) {
        Some(i) => Some(i),
        None => serde_json::from_str::<f64>(raw.get())
            .ok()
            .filter(|f| f.is_finite() && f.abs() <= MAX_ABS_TIMESTAMP_MS as f64)
            .map(|f| f.floor() as i64),
    };
    match value {
        Some(t) if t.unsigned_abs() <= MAX_ABS_TIMESTAMP_MS.unsigned_abs() => Ok(t),
        Some(_) => Err(out_of_range()),
        None if matches!(raw.get().as_bytes().first(), Some(b'-' | b'0'..=b'9')) => {
            Err(out_of_range())
        }
        None => Err(format!("is not a number (found {})", kind_of(raw))),
    }
}

fn out_of_range() -> String {
    format!("is out of range (more than {MAX_ABS_TIMESTAMP_MS} ms from 1970)")
}

/// `reusable`: the raw text can be kept verbatim when nothing changes (false for unpacked events,
/// which always lose their `v`).
fn convert_object(
    raw: &RawValue,
    reusable: bool,
    packed: bool,
    budget: &mut Budget,
) -> Result<Converted, Problem> {
    let event = members(raw, "event")?;
    let code = match event.get("type") {
        Some(t) => integer(t).ok_or_else(|| {
            Problem::invalid(format!(
                "event \"type\" is not an integer (found {})",
                excerpt(t.get())
            ))
        })?,
        None => return Err(Problem::invalid("event has no \"type\"")),
    };
    let ts = match event.get("timestamp") {
        Some(t) => {
            timestamp(t).map_err(|what| Problem::invalid(format!("event \"timestamp\" {what}")))?
        }
        None => return Err(Problem::invalid("event has no \"timestamp\"")),
    };
    if packed {
        match event.get("v").map(|v| v.get()) {
            Some(v) if v == format!("\"{PACKER_V1}\"") => {}
            Some(v) => {
                return Err(Problem::invalid(format!(
                    "packed with an unknown @rrweb/packer version {} (expected \"{PACKER_V1}\")",
                    excerpt(v)
                )));
            }
            None => return Err(Problem::invalid("packed event has no packer version \"v\"")),
        }
    }
    let window = match event.get("windowId") {
        Some(w) => window_id(w, "event \"windowId\"")?,
        None => None,
    };
    let cv = match event.get("cv") {
        None => Cv::None,
        Some(v) => match serde_json::from_str::<String>(v.get()) {
            Ok(s) if s == CV_2024_10 => Cv::Expanded,
            Ok(s) => Cv::Unknown(excerpt(&s)),
            Err(_) => Cv::Unknown(excerpt(v.get())),
        },
    };
    let data = event.get("data");
    if matches!(code, 2 | 3) && data.is_none() {
        return Err(Problem::invalid(format!(
            "{} event has no \"data\"",
            EventType::from_code(code).name()
        )));
    }

    // The data object, when we need to look inside it.
    let data_members = match (code, data) {
        (3, Some(d)) => Some(members(d, "IncrementalSnapshot \"data\"")?),
        _ => None,
    };
    let source = match data_members.as_ref().and_then(|m| m.get("source")) {
        Some(s) => Some(integer(s).ok_or_else(|| {
            Problem::invalid(format!(
                "\"data.source\" is not an integer (found {})",
                s.get()
            ))
        })?),
        None if code == 3 => {
            return Err(Problem::invalid(
                "IncrementalSnapshot event has no \"data.source\"",
            ));
        }
        None => None,
    };

    // Replacements: a new `data` for FullSnapshot, new members of `data` for the others.
    let mut new_data: Option<Out> = None;
    if cv == Cv::Expanded {
        if code == 2 {
            if let Some(d) = data.filter(|d| d.get().starts_with('"')) {
                new_data = Some(Out::Owned(expand_field(d, "data", budget)?));
            }
        } else if let Some(m) = &data_members {
            let fields = compressed_fields(code, source);
            let mut changed = false;
            let mut out = Vec::with_capacity(m.0.len());
            for (k, v) in &m.0 {
                if fields.contains(&k.as_ref()) && v.get().starts_with('"') {
                    out.push((k.as_ref(), Out::Owned(expand_field(v, k, budget)?)));
                    changed = true;
                } else {
                    out.push((k.as_ref(), Out::Raw(v)));
                }
            }
            if changed {
                new_data = Some(Out::Object(out));
            }
        }
    }

    // What the replay needs of the data, as it will get it (decompressed).
    let replayed_data = match &new_data {
        Some(Out::Owned(d)) => Some(&**d),
        _ => data,
    };
    super::shape::check(code, source, replayed_data)?;

    let drops = |k: &str| k == "windowId" || k == "cv" || (packed && k == "v");
    let must_rewrite = !reusable || new_data.is_some() || event.0.iter().any(|(k, _)| drops(k));
    let json = if must_rewrite {
        let mut new_data = new_data;
        let mut out = Vec::with_capacity(event.0.len());
        for (k, v) in &event.0 {
            if drops(k) {
                continue;
            }
            if k == "data"
                && let Some(d) = new_data.take()
            {
                out.push((k.as_ref(), d));
                continue;
            }
            out.push((k.as_ref(), Out::Raw(v)));
        }
        serde_json::value::to_raw_value(&Out::Object(out))
            .map_err(|e| Problem::invalid(format!("cannot re-encode event: {e}")))?
    } else {
        raw.to_owned()
    };
    let limits = &budget.limits;
    if super::depth::exceeds(json.get().as_bytes(), limits.max_depth) {
        return Err(Problem::invalid(format!(
            "event nests deeper than {} levels (raise the limit with --max-depth)",
            limits.max_depth
        )));
    }
    Ok(Converted {
        window,
        event: Event {
            kind: EventType::from_code(code),
            timestamp: ts,
            source,
            json,
        },
        cv,
        packed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::Limits;

    fn conv(json: &str) -> Result<Converted, Problem> {
        let raw = RawValue::from_string(json.to_string()).unwrap();
        convert(&raw, &mut Budget::new(Limits::default()))
    }

    fn gz(json: &str) -> String {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(json.as_bytes()).unwrap();
        let s: String = enc.finish().unwrap().iter().map(|b| *b as char).collect();
        serde_json::to_string(&s).unwrap()
    }

    fn problem(json: &str) -> String {
        match conv(json) {
            Ok(_) => panic!("{json} converted"),
            Err(Problem::Invalid(m)) | Err(Problem::TooLarge { message: m, .. }) => m,
        }
    }

    #[test]
    fn absurd_timestamps_are_rejected() {
        for ts in [
            "9223372036854775807",
            "-9223372036854775808",
            "9000000000000001",
            "1e300",
            "-1e17",
            "18446744073709551616",
        ] {
            let m = problem(&format!(r#"{{"type":4,"data":{{}},"timestamp":{ts}}}"#));
            assert!(m.contains("out of range"), "{ts}: {m}");
        }
        for ts in ["\"soon\"", "null", "[1]"] {
            let m = problem(&format!(r#"{{"type":4,"data":{{}},"timestamp":{ts}}}"#));
            assert!(m.contains("is not a number"), "{ts}: {m}");
        }
        for (ts, want) in [
            ("-5", -5),
            ("1.9", 1),
            ("9000000000000000", MAX_ABS_TIMESTAMP_MS),
        ] {
            let c = conv(&format!(r#"{{"type":4,"data":{{}},"timestamp":{ts}}}"#)).unwrap();
            assert_eq!(c.event.timestamp, want);
        }
    }

    #[test]
    fn messages_quote_input_on_one_short_line() {
        let m = problem(&format!(
            "{{\"type\":[1,\n2,\r\n{}],\"timestamp\":1}}",
            "3,".repeat(1000) + "4"
        ));
        assert!(
            !m.contains('\n') && !m.contains('\r') && m.len() < 120,
            "{m}"
        );
        assert_eq!(excerpt("a\u{1}b"), "a\\u{1}b");
    }

    #[test]
    fn plain_event_is_kept_verbatim() {
        let c = conv(r#"{"type":3,"data":{"source":1,"positions":[]},"timestamp":5}"#).unwrap();
        assert_eq!(
            c.event.json.get(),
            r#"{"type":3,"data":{"source":1,"positions":[]},"timestamp":5}"#
        );
        assert_eq!(c.event.source, Some(1));
        assert_eq!(c.cv, Cv::None);
    }

    #[test]
    fn transport_keys_are_dropped() {
        let c = conv(r#"{"type":4,"data":{"href":"x"},"timestamp":5,"windowId":7}"#).unwrap();
        assert_eq!(c.window.as_deref(), Some("7"));
        assert_eq!(
            c.event.json.get(),
            r#"{"type":4,"data":{"href":"x"},"timestamp":5}"#
        );
    }

    #[test]
    fn full_snapshot_and_mutation_are_expanded() {
        let fs = format!(
            r#"{{"type":2,"data":{},"timestamp":5,"cv":"2024-10"}}"#,
            gz(r#"{"node":{"type":0,"childNodes":[],"id":1},"initialOffset":{"top":0,"left":0}}"#)
        );
        let c = conv(&fs).unwrap();
        assert_eq!(c.cv, Cv::Expanded);
        assert_eq!(
            c.event.json.get(),
            r#"{"type":2,"data":{"node":{"type":0,"childNodes":[],"id":1},"initialOffset":{"top":0,"left":0}},"timestamp":5}"#
        );
        let m = format!(
            r#"{{"type":3,"data":{{"source":0,"adds":{},"removes":[],"texts":{},"isAttachIframe":true}},"timestamp":6,"cv":"2024-10"}}"#,
            gz(r#"[{"parentId":1}]"#),
            gz("[]")
        );
        let c = conv(&m).unwrap();
        assert_eq!(
            c.event.json.get(),
            r#"{"type":3,"data":{"source":0,"adds":[{"parentId":1}],"removes":[],"texts":[],"isAttachIframe":true},"timestamp":6}"#
        );
    }

    #[test]
    fn unknown_cv_is_kept() {
        let c = conv(r#"{"type":2,"data":"zzz","timestamp":5,"cv":"2031-01"}"#).unwrap();
        assert_eq!(c.cv, Cv::Unknown("2031-01".into()));
        assert_eq!(
            c.event.json.get(),
            r#"{"type":2,"data":"zzz","timestamp":5}"#
        );
    }

    #[test]
    fn packed_event_is_unpacked() {
        let packed = crate::recording::packer::tests::pack(
            r#"{"type":3,"data":{"source":2,"type":2,"id":4},"timestamp":9,"v":"v1"}"#,
        );
        let c = conv(&serde_json::to_string(&packed).unwrap()).unwrap();
        assert!(c.packed);
        assert_eq!(
            c.event.json.get(),
            r#"{"type":3,"data":{"source":2,"type":2,"id":4},"timestamp":9}"#
        );
    }

    #[test]
    fn bad_events_are_named() {
        let msg = |j: &str| match conv(j) {
            Err(Problem::Invalid(m)) => m,
            other => panic!("{:?}", other.map(|c| c.event)),
        };
        assert!(msg(r#"{"data":{},"timestamp":1}"#).contains("no \"type\""));
        assert!(msg(r#"{"type":"2","data":{},"timestamp":1}"#).contains("not an integer"));
        assert!(msg(r#"{"type":4,"data":{}}"#).contains("no \"timestamp\""));
        assert!(msg(r#"{"type":3,"data":{},"timestamp":1}"#).contains("data.source"));
        assert!(msg("17").contains("not a JSON object"));
        assert!(msg(r#"{"type":2,"data":"xx","timestamp":1,"cv":"2024-10"}"#).contains("corrupt"));
    }
}
