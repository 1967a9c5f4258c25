//! Small text inputs that come from users or recordings: `--at` offsets, `--mask` rectangles,
//! `--mask-color`, and ids/names that become file names (`sanitize_id`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use reel::compare::{MaskColor, Rect};
use reel::plan::parse_offset;
use reel::recording::sanitize_id;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ms) = parse_offset(text) {
        assert!((0..=10_000_000_000_000).contains(&ms), "{text:?} -> {ms}");
    }
    if let Ok(r) = text.parse::<Rect>() {
        assert!(r.w > 0 && r.h > 0);
        assert_eq!(r.to_string().parse::<Rect>(), Ok(r));
    }
    let _ = text.parse::<MaskColor>();

    let id = sanitize_id(text);
    assert!(!id.is_empty() && id.len() <= 100, "{text:?} -> {id:?}");
    assert!(!id.starts_with('.'), "{text:?} -> {id:?}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'),
        "{text:?} -> {id:?}"
    );
    // Sanitizing is idempotent on its own output, and an id only stays unchanged when safe.
    assert_eq!(sanitize_id(&id), id);
    if id == text {
        assert!(text.len() <= 100);
    }
    // Two different ids that both had to change never share a file name: split the input in two
    // and compare. (A safe id may still be crafted to equal another id's sanitized form; `reel run`
    // refuses two recordings with one id, see tests/it/robustness.rs.)
    if let Some((a, b)) = text.split_once('\u{1f}')
        && a != b
        && sanitize_id(a) != a
        && sanitize_id(b) != b
    {
        assert_ne!(sanitize_id(a), sanitize_id(b), "{a:?} vs {b:?}");
    }
});
