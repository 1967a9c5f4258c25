//! The fetch cache is the output directory itself: a PostHog recording is already fetched when
//! both `<id>.jsonl` and `<id>.meta.json` exist and the saved metadata says it is finished; an
//! object is already copied when a file of the same size is at its place.
//!
//! A recording is *finished* when its metadata has `"ongoing": false`, or, without an `ongoing`
//! field, when its `end_time` is more than [`ONGOING_GRACE_MINUTES`] minutes in the past (PostHog
//! keeps appending to a session until it has been idle for 30 minutes; a recording whose last event
//! is older than that gets no more). Anything else (ongoing, no usable end time) is fetched again.
//!
//! Beside a recording, `<id>.reel.json` holds the moments asked for with a replay link's `t`
//! (`reel fetch posthog --recording 'https://…/replay/<id>?t=12'`): `reel run` adds each as an
//! explicit checkpoint of that recording ([`linked_checkpoints`]). Fetching again keeps it.

use std::path::{Path, PathBuf};

/// How long after its last event a recording without an `ongoing` flag may still grow.
pub const ONGOING_GRACE_MINUTES: i64 = 30;

/// The two files a fetched PostHog recording consists of.
pub fn recording_paths(dir: &Path, id: &str) -> (PathBuf, PathBuf) {
    let safe = crate::recording::sanitize_id(id);
    (
        dir.join(format!("{safe}.jsonl")),
        dir.join(format!("{safe}.meta.json")),
    )
}

/// The side file of the moments asked for by replay links (see the module docs).
pub fn links_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{}.reel.json", crate::recording::sanitize_id(id)))
}

/// What `<id>.reel.json` holds.
#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Links {
    pub checkpoints: Vec<LinkedCheckpoint>,
}

/// One moment asked for by a replay link.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkedCheckpoint {
    /// From the recording's first event, in ms.
    pub at_ms: i64,
    /// The link it came from.
    pub link: String,
}

/// Adds a moment to `<id>.reel.json` in `dir` (once; the others are kept).
pub fn add_linked_checkpoint(
    dir: &Path,
    id: &str,
    checkpoint: LinkedCheckpoint,
) -> std::io::Result<()> {
    let path = links_path(dir, id);
    let mut links: Links = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if links
        .checkpoints
        .iter()
        .any(|c| c.at_ms == checkpoint.at_ms)
    {
        return Ok(());
    }
    links.checkpoints.push(checkpoint);
    links.checkpoints.sort_by_key(|c| c.at_ms);
    let bytes = serde_json::to_vec_pretty(&links).map_err(std::io::Error::other)?;
    crate::files::write_durable(&path, &bytes)
}

/// The linked moments of the recording file at `recording` (from the `.reel.json` beside it, in
/// ms from the recording's first event); none without one. A side file that cannot be read is an
/// error naming it.
pub fn linked_checkpoints(recording: &Path) -> Result<Vec<i64>, String> {
    let Some(name) = recording
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Ok(Vec::new());
    };
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let Some(stem) = stem
        .strip_suffix(".jsonl")
        .or_else(|| stem.strip_suffix(".json"))
    else {
        return Ok(Vec::new());
    };
    let path = recording.with_file_name(format!("{stem}.reel.json"));
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(Vec::new());
    };
    let links: Links = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not reel's link file: {e}", path.display()))?;
    Ok(links.checkpoints.iter().map(|c| c.at_ms.max(0)).collect())
}

/// Whether the metadata (as served) describes a recording that will not change any more.
pub fn is_finished(meta: &serde_json::Value, now: chrono::DateTime<chrono::Utc>) -> bool {
    if let Some(ongoing) = meta.get("ongoing").and_then(|v| v.as_bool()) {
        return !ongoing;
    }
    let Some(end) = meta.get("end_time").and_then(|v| v.as_str()) else {
        return false;
    };
    match chrono::DateTime::parse_from_rfc3339(end) {
        Ok(end) => {
            now.signed_duration_since(end) > chrono::Duration::minutes(ONGOING_GRACE_MINUTES)
        }
        Err(_) => false,
    }
}

/// Whether `<id>` is already fetched and finished in `dir` (see the module docs).
pub fn is_cached(dir: &Path, id: &str) -> bool {
    let (jsonl, meta) = recording_paths(dir, id);
    if !jsonl.is_file() {
        return false;
    }
    let Ok(bytes) = std::fs::read(&meta) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .is_ok_and(|m| is_finished(&m, chrono::Utc::now()))
}

/// Whether a copied object of `size` bytes is already at `path`.
pub fn is_copied(path: &Path, size: u64) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finished_rules() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert!(is_finished(&json!({"ongoing": false}), now));
        assert!(!is_finished(
            &json!({"ongoing": true, "end_time": "2020-01-01T00:00:00Z"}),
            now
        ));
        assert!(is_finished(
            &json!({"end_time": "2026-01-01T11:00:00.123Z"}),
            now
        ));
        assert!(!is_finished(
            &json!({"end_time": "2026-01-01T11:50:00Z"}),
            now
        ));
        assert!(!is_finished(&json!({"end_time": "yesterday"}), now));
        assert!(!is_finished(&json!({}), now));
    }

    #[test]
    fn linked_checkpoints_are_kept_once_and_read_beside_the_recording() {
        let dir = tempfile::tempdir().unwrap();
        let link = |at_ms| LinkedCheckpoint {
            at_ms,
            link: format!("https://ph/replay/abc?t={}", at_ms / 1000),
        };
        let (jsonl, _) = recording_paths(dir.path(), "abc");
        assert_eq!(linked_checkpoints(&jsonl), Ok(vec![]));
        add_linked_checkpoint(dir.path(), "abc", link(12_000)).unwrap();
        add_linked_checkpoint(dir.path(), "abc", link(3_000)).unwrap();
        add_linked_checkpoint(dir.path(), "abc", link(12_000)).unwrap();
        assert_eq!(linked_checkpoints(&jsonl), Ok(vec![3_000, 12_000]));
        std::fs::write(links_path(dir.path(), "abc"), "{").unwrap();
        assert!(
            linked_checkpoints(&jsonl)
                .unwrap_err()
                .contains("abc.reel.json")
        );
    }

    #[test]
    fn cache_needs_both_files_and_finished_meta() {
        let dir = tempfile::tempdir().unwrap();
        let (jsonl, meta) = recording_paths(dir.path(), "abc");
        assert!(!is_cached(dir.path(), "abc"));
        std::fs::write(&jsonl, "x\n").unwrap();
        assert!(!is_cached(dir.path(), "abc"));
        std::fs::write(&meta, r#"{"ongoing": true}"#).unwrap();
        assert!(!is_cached(dir.path(), "abc"));
        std::fs::write(&meta, r#"{"ongoing": false}"#).unwrap();
        assert!(is_cached(dir.path(), "abc"));
        std::fs::write(&meta, "not json").unwrap();
        assert!(!is_cached(dir.path(), "abc"));
    }
}
