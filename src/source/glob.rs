//! Local recording files: the `files` patterns of `reel.toml`'s sources ([`expand`]: `*` and `?`
//! within a folder name, `**` for any folders, `!pattern` to exclude, matched by `globset`) and
//! the recording files of a folder ([`recording_files`], what `reel run DIR` replays). Hidden
//! files and folders (names starting with `.`) are never listed; results are sorted.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::path::{Component, Path, PathBuf};

/// Expands the `files` entries of one source relative to `dir`, in order, each file once: a plain
/// path is kept as is (a missing one is reported later as an unreadable recording); a pattern
/// lists the matching files, sorted; an entry `!pattern` drops what it matches from the others.
/// A pattern that matches nothing (before the excludes) is an error.
pub fn expand(dir: &Path, entries: &[String]) -> Result<Vec<PathBuf>, String> {
    let (excludes, includes): (Vec<&String>, Vec<&String>) = entries
        .iter()
        .partition(|e| e.trim_start().starts_with('!'));
    let mut exclude = GlobSetBuilder::new();
    for e in &excludes {
        let pattern = e.trim_start().trim_start_matches('!');
        exclude.add(glob(dir, pattern)?);
    }
    let exclude = exclude.build().map_err(|e| format!("the excludes: {e}"))?;
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for pattern in includes {
        let matched = expand_one(dir, pattern)?;
        found.extend(
            matched
                .into_iter()
                .filter(|p| !exclude.is_match(p) && seen.insert(p.clone())),
        );
    }
    Ok(found)
}

fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

fn absolute(dir: &Path, pattern: &str) -> PathBuf {
    if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        dir.join(pattern)
    }
}

/// One pattern as a glob over whole paths (`*` stays within a folder name).
fn glob(dir: &Path, pattern: &str) -> Result<Glob, String> {
    let full = absolute(dir, pattern);
    GlobBuilder::new(&full.to_string_lossy())
        .literal_separator(true)
        .build()
        .map_err(|e| format!("{pattern:?}: {}", e.kind()))
}

fn expand_one(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let full = absolute(dir, pattern);
    if !is_pattern(pattern) {
        return Ok(vec![full]);
    }
    let matcher = GlobSet::builder().add(glob(dir, pattern)?).build();
    let matcher = matcher.map_err(|e| format!("{pattern:?}: {e}"))?;
    // Walk from the literal folders before the first wildcard, only as deep as the pattern goes.
    let components: Vec<Component> = full.components().collect();
    let first_glob = components
        .iter()
        .position(|c| is_pattern(&c.as_os_str().to_string_lossy()))
        .unwrap_or(components.len());
    let base: PathBuf = components[..first_glob].iter().collect();
    let rest = &components[first_glob..];
    let depth = if rest.iter().any(|c| c.as_os_str() == "**") {
        usize::MAX
    } else {
        rest.len()
    };
    let mut found = Vec::new();
    walk(&base, depth, &mut |p| {
        if matcher.is_match(p) {
            found.push(p.to_path_buf());
        }
    });
    found.sort();
    if found.is_empty() {
        return Err(format!("{pattern:?} matches no file"));
    }
    Ok(found)
}

/// Every file below `dir` at most `depth` levels down, hidden entries left out.
fn walk(dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path)) {
    if depth == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            walk(&path, depth - 1, visit);
        } else {
            visit(&path);
        }
    }
}

/// Whether a file is a side file of a fetched recording, not a recording: PostHog's metadata
/// (`.meta.json`) or the moments asked for by replay links (`.reel.json`).
pub fn is_side_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| {
        let n = n.to_string_lossy().to_ascii_lowercase();
        n.ends_with(".meta.json") || n.ends_with(".reel.json")
    })
}

/// The recording files under `dir`, recursively, sorted: names ending in `.json`, `.jsonl` (also
/// gzipped, `.gz`), not hidden, not side files ([`is_side_file`]).
pub fn recording_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(dir, usize::MAX, &mut |p| {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if super::object_store::is_recording_name(&name) && !is_side_file(p) {
            found.push(p.to_path_buf());
        }
    });
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "recs/a.json",
            "recs/b.json",
            "recs/c.txt",
            "recs/deep/d.json",
            "recs/deep/d.meta.json",
            "recs/deep/d.reel.json",
            "recs/.hidden.json",
            "recs/.cache/e.json",
            "recs/skip/f.json",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "[]").unwrap();
        }
        dir
    }

    fn names(dir: &Path, v: Vec<PathBuf>) -> Vec<String> {
        v.iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    fn expand_all(dir: &Path, entries: &[&str]) -> Result<Vec<String>, String> {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        expand(dir, &entries).map(|v| names(dir, v))
    }

    #[test]
    fn patterns_list_matching_files_sorted_without_hidden_ones() {
        let dir = tree();
        let d = dir.path();
        assert_eq!(
            expand_all(d, &["recs/*.json"]).unwrap(),
            ["recs/a.json", "recs/b.json"]
        );
        assert_eq!(
            expand_all(d, &["recs/**/*.json"]).unwrap(),
            [
                "recs/a.json",
                "recs/b.json",
                "recs/deep/d.json",
                "recs/deep/d.meta.json",
                "recs/deep/d.reel.json",
                "recs/skip/f.json"
            ],
            "hidden folders are not walked"
        );
        assert_eq!(expand_all(d, &["recs/?.txt"]).unwrap(), ["recs/c.txt"]);
        assert!(expand_all(d, &["nothing/*.json"]).is_err());
        // A plain path is kept as is (a missing file is reported by the run).
        assert_eq!(expand_all(d, &["x.json"]).unwrap(), ["x.json"]);
    }

    #[test]
    fn excludes_drop_what_they_match() {
        let dir = tree();
        let d = dir.path();
        assert_eq!(
            expand_all(
                d,
                &[
                    "recs/**/*.json",
                    "!recs/skip/**",
                    "!**/*.meta.json",
                    "!**/*.reel.json",
                    "recs/a.json"
                ]
            )
            .unwrap(),
            ["recs/a.json", "recs/b.json", "recs/deep/d.json"],
            "excludes apply to every entry; a file named twice is listed once"
        );
        assert!(expand_all(d, &["recs/*.json", "![z"]).is_err());
    }

    #[test]
    fn a_folder_lists_its_recordings() {
        let dir = tree();
        let d = dir.path();
        assert_eq!(
            names(d, recording_files(&d.join("recs"))),
            [
                "recs/a.json",
                "recs/b.json",
                "recs/deep/d.json",
                "recs/skip/f.json"
            ]
        );
    }
}
