//! `@rrweb/packer` events: the whole event JSON (with `"v": "v1"`) zlib-compressed and written one
//! char per byte (latin-1) into a JSON string. Unpacks one such string, bounded in size.

use super::budget::{Budget, read_bounded};
use super::decompress::latin1_bytes;
use super::error::Problem;
use flate2::read::ZlibDecoder;

/// The packer version this module understands.
pub(crate) const PACKER_V1: &str = "v1";

/// Whether `bytes` start with a zlib header (what a packed event starts with).
pub(crate) fn looks_like_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && ((*cmf as u16) << 8 | *flg as u16).is_multiple_of(31),
        _ => false,
    }
}

/// Whether a string (already JSON-unescaped) looks like a packed event.
pub(crate) fn is_packed(text: &str) -> bool {
    let mut head = [0u8; 2];
    let mut n = 0;
    for c in text.chars().take(2) {
        if c as u32 > 0xff {
            return false;
        }
        head[n] = c as u32 as u8;
        n += 1;
    }
    n == 2 && looks_like_zlib(&head)
}

/// Unpacks a packed event into its JSON text (still carrying `"v"`; the caller checks and drops it).
pub(crate) fn unpack(text: &str, budget: &mut Budget) -> Result<String, Problem> {
    let what = "packed event (@rrweb/packer)";
    let bytes = latin1_bytes(text).map_err(|p| p.context(what))?;
    if !looks_like_zlib(&bytes) {
        return Err(Problem::invalid(
            "event is a string but not an @rrweb/packer packed event (no zlib header)",
        ));
    }
    let out = read_bounded(ZlibDecoder::new(&bytes[..]), budget.field_allowance(), what)?;
    budget.charge(out.len())?;
    String::from_utf8(out).map_err(|e| {
        Problem::invalid(format!(
            "{what}: unpacked data is not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::recording::Limits;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    /// What `@rrweb/packer`'s `pack` does.
    pub(crate) fn pack(event_json: &str) -> String {
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
        enc.write_all(event_json.as_bytes()).unwrap();
        enc.finish().unwrap().iter().map(|b| *b as char).collect()
    }

    #[test]
    fn unpacks() {
        let packed = pack(r#"{"type":4,"data":{},"timestamp":1,"v":"v1"}"#);
        assert!(is_packed(&packed));
        assert!(!is_packed("01a21de8-85b0"));
        let mut budget = Budget::new(Limits::default());
        assert_eq!(
            unpack(&packed, &mut budget).unwrap(),
            r#"{"type":4,"data":{},"timestamp":1,"v":"v1"}"#
        );
        assert!(unpack("hello", &mut budget).is_err());
    }
}
