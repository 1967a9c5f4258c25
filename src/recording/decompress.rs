//! posthog-js `cv: "2024-10"` field compression: a JSON string whose chars are the bytes (latin-1)
//! of a gzip stream of UTF-8 JSON. Expands one such field into validated JSON, bounded in size.

use super::budget::{Budget, read_bounded};
use super::error::Problem;
use flate2::read::MultiGzDecoder;
use serde_json::value::RawValue;

/// The `cv` value this module understands.
pub(crate) const CV_2024_10: &str = "2024-10";

/// Which fields posthog-js compresses, by event type and incremental source.
pub(crate) fn compressed_fields(kind: i64, source: Option<i64>) -> &'static [&'static str] {
    match (kind, source) {
        // FullSnapshot: the whole `data` (handled by the caller, listed for completeness).
        (2, _) => &["data"],
        // Mutation.
        (3, Some(0)) => &["adds", "removes", "texts", "attributes"],
        // StyleSheetRule.
        (3, Some(8)) => &["adds", "removes"],
        _ => &[],
    }
}

/// Turns a string of chars U+0000..=U+00FF into the bytes they stand for. Works on the UTF-8
/// bytes directly: ASCII is itself, U+0080..=U+00FF is `C2 xx` / `C3 xx`.
pub(crate) fn latin1_bytes(text: &str) -> Result<Vec<u8>, Problem> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x00..=0x7f => {
                out.push(b);
                i += 1;
            }
            0xc2 | 0xc3 if i + 1 < bytes.len() => {
                out.push((bytes[i + 1] & 0x3f) | ((b & 0x03) << 6));
                i += 2;
            }
            _ => {
                let c = text[i..].chars().next().map_or(0, |c| c as u32);
                return Err(Problem::invalid(format!(
                    "not a latin-1 byte string (contains U+{c:04X})"
                )));
            }
        }
    }
    Ok(out)
}

/// The bytes a JSON string literal (quotes included, already validated JSON) stands for when each
/// char is one latin-1 byte: unescaping and the latin-1 mapping in one pass, no `String` between.
pub(crate) fn json_latin1_bytes(literal: &str) -> Result<Vec<u8>, Problem> {
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| Problem::invalid("not a string"))?;
    let b = inner.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let bad = |what: &str| Problem::invalid(format!("not a latin-1 byte string ({what})"));
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let esc = *b.get(i + 1).ok_or_else(|| bad("dangling escape"))?;
                let byte = match esc {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        let hex = inner
                            .get(i + 2..i + 6)
                            .ok_or_else(|| bad("short \\u escape"))?;
                        let code =
                            u16::from_str_radix(hex, 16).map_err(|_| bad("bad \\u escape"))?;
                        i += 4;
                        u8::try_from(code).map_err(|_| bad(&format!("contains U+{code:04X}")))?
                    }
                    _ => return Err(bad("unknown escape")),
                };
                out.push(byte);
                i += 2;
            }
            c @ 0x00..=0x7f => {
                out.push(c);
                i += 1;
            }
            c @ (0xc2 | 0xc3) if i + 1 < b.len() => {
                out.push((b[i + 1] & 0x3f) | ((c & 0x03) << 6));
                i += 2;
            }
            _ => {
                let c = inner
                    .get(i..)
                    .and_then(|s| s.chars().next())
                    .map_or(0, |c| c as u32);
                return Err(bad(&format!("contains U+{c:04X}")));
            }
        }
    }
    Ok(out)
}

/// Decodes JSON text that a decompressor produced: UTF-8 and valid JSON. (Depth is checked once
/// on the whole event it ends up in.)
pub(crate) fn json_from_bytes(bytes: Vec<u8>) -> Result<Box<RawValue>, Problem> {
    let text = String::from_utf8(bytes).map_err(|e| {
        Problem::invalid(format!(
            "decompressed data is not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    RawValue::from_string(text)
        .map_err(|e| Problem::invalid(format!("decompressed data is not JSON: {e}")))
}

/// Expands one compressed field (`raw` is the JSON string as it appears in the event) into the
/// JSON it stands for. `name` is the field name for messages.
pub(crate) fn expand_field(
    raw: &RawValue,
    name: &str,
    budget: &mut Budget,
) -> Result<Box<RawValue>, Problem> {
    let what = format!("compressed \"{name}\" (cv {CV_2024_10})");
    let bytes = json_latin1_bytes(raw.get()).map_err(|p| p.context(&what))?;
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(Problem::invalid(format!("corrupt {what}: not gzip data")));
    }
    let allowance = budget.field_allowance();
    let out = read_bounded(MultiGzDecoder::new(&bytes[..]), allowance, &what)?;
    budget.charge(out.len())?;
    json_from_bytes(out).map_err(|p| p.context(&what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::Limits;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    /// What posthog-js does: gzip the JSON, then one char per byte.
    pub(crate) fn compress(json: &str) -> String {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(json.as_bytes()).unwrap();
        enc.finish().unwrap().iter().map(|b| *b as char).collect()
    }

    fn quoted(s: &str) -> Box<RawValue> {
        RawValue::from_string(serde_json::to_string(s).unwrap()).unwrap()
    }

    #[test]
    fn latin1_covers_every_byte() {
        let all: String = (0u8..=255).map(|b| b as char).collect();
        assert_eq!(latin1_bytes(&all).unwrap(), (0u8..=255).collect::<Vec<_>>());
        assert!(latin1_bytes("\u{100}").is_err());
    }

    #[test]
    fn json_literal_decoding_matches_serde() {
        let all: String = (0u8..=255).map(|b| b as char).collect();
        let literal = serde_json::to_string(&all).unwrap();
        assert_eq!(
            json_latin1_bytes(&literal).unwrap(),
            (0u8..=255).collect::<Vec<_>>()
        );
        assert_eq!(json_latin1_bytes(r#""\u00e9\/\"x""#).unwrap(), b"\xe9/\"x");
        assert!(json_latin1_bytes(r#""\u0100""#).is_err());
        assert!(json_latin1_bytes(r#""\u00""#).is_err());
        assert!(json_latin1_bytes("\"\u{2603}\"").is_err());
        assert!(json_latin1_bytes("17").is_err());
    }

    #[test]
    fn round_trip() {
        let mut budget = Budget::new(Limits::default());
        let field = quoted(&compress(
            r#"[{"parentId":1,"node":{"type":3,"textContent":"é"}}]"#,
        ));
        let out = expand_field(&field, "adds", &mut budget).unwrap();
        assert_eq!(
            out.get(),
            r#"[{"parentId":1,"node":{"type":3,"textContent":"é"}}]"#
        );
    }

    #[test]
    fn bomb_is_too_large() {
        let limits = Limits {
            max_event_bytes: 1000,
            ..Limits::default()
        };
        let mut budget = Budget::new(limits);
        let big = format!("[\"{}\"]", "a".repeat(100_000));
        let field = quoted(&compress(&big));
        let err = expand_field(&field, "data", &mut budget).unwrap_err();
        assert!(
            matches!(err, Problem::TooLarge { limit: 1000, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn corrupt_and_truncated() {
        let mut budget = Budget::new(Limits::default());
        let bad = quoted("not gzip");
        assert!(expand_field(&bad, "data", &mut budget).is_err());
        let full = compress(r#"{"a":[1,2,3,4,5,6,7,8,9]}"#);
        let cut: String = full.chars().take(full.chars().count() - 6).collect();
        let err = expand_field(&quoted(&cut), "data", &mut budget).unwrap_err();
        assert!(format!("{err:?}").contains("corrupt"), "{err:?}");
        let wide = quoted("\u{1f}\u{8b}\u{2603}");
        assert!(expand_field(&wide, "data", &mut budget).is_err());
    }
}
