//! Recording bytes (any format, gzip or not) → `parse_bytes` with small limits, then everything
//! `reel inspect` does with a parsed recording (summaries, plans). Any result is fine; a panic,
//! a hang or a large allocation is a bug. Errors must be one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reel::plan::{PlanOptions, plan};
use reel::recording::{Limits, WindowSummary, parse_bytes};
use std::path::Path;

/// Small limits so bombs and deep nesting are caught within a few MB.
const LIMITS: Limits = Limits {
    max_event_bytes: 1 << 20,
    max_recording_bytes: 4 << 20,
    max_events: 20_000,
    max_depth: 256,
};

fuzz_target!(|data: &[u8]| {
    match parse_bytes(data, Path::new("fuzz.json"), &LIMITS) {
        Ok(rec) => {
            assert!(!rec.windows.is_empty());
            for w in &rec.windows {
                let _ = WindowSummary::of(w);
                let _ = w.duration_ms();
                let checkpoints = plan(w, &PlanOptions::default());
                for c in &checkpoints {
                    assert!(c.t_ms >= 0, "{c:?}");
                }
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "multi-line error: {message:?}");
            assert!(message.starts_with("fuzz.json"), "{message:?}");
        }
    }
});
