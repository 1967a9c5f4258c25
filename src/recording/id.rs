//! Recording ids: turning whatever id an input carries (or its file name) into a string that is
//! safe to use as a file name, plus the small stable hash used for that and for deduplication.

use std::path::Path;

/// Turns any id into a file-name-safe string: ASCII letters, digits, `-`, `_` and `.` (not leading),
/// at most 100 bytes. Anything else becomes `_`; an id that changes gets a short hash suffix so
/// two different ids never collide after sanitizing.
pub fn sanitize_id(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    let changed = out != raw || out.len() > 100 || out.is_empty();
    if changed {
        out.truncate(80);
        out.push('-');
        out.push_str(&format!("{:08x}", fnv1a(raw.as_bytes()) as u32));
    }
    out
}

/// FNV-1a, a small stable hash (stable across versions and machines, unlike `DefaultHasher`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The file stem of a path, used as the recording id when the input carries no session id.
pub(crate) fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    let base = name
        .trim_end_matches(".gz")
        .trim_end_matches(".jsonl")
        .trim_end_matches(".json");
    base.to_string()
}

/// The file stem of a path given as text (for inputs that could not be read).
pub fn stem_of_path(path: &str) -> String {
    stem_of(Path::new(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_safe_ids() {
        assert_eq!(
            sanitize_id("01a21deb-1a85-7095-97cc-400f3f992b4d"),
            "01a21deb-1a85-7095-97cc-400f3f992b4d"
        );
    }

    #[test]
    fn sanitize_rewrites_traversal_and_separators() {
        let s = sanitize_id("../../etc/passwd");
        assert!(!s.contains('/') && !s.starts_with('.'), "{s}");
        assert_ne!(sanitize_id("a/b"), sanitize_id("a_b"));
        assert!(!sanitize_id("").is_empty());
        assert!(sanitize_id(&"x".repeat(500)).len() <= 100);
    }
}
