//! The `files` patterns of `reel.toml`'s sources: `*` and `?` within a folder name, `**` for any
//! folders; hidden entries are not matched, matches are sorted.

use std::path::{Path, PathBuf};

/// Expands one `files` entry relative to `dir`: a plain path is kept as is (a missing one is
/// reported later as an unreadable recording); a pattern with `*`, `?` or `**` lists the matching
/// files, sorted. A pattern that matches nothing is an error.
pub fn expand(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        dir.join(pattern)
    };
    if !pattern.contains(['*', '?']) {
        return Ok(vec![full]);
    }
    let text = full.to_string_lossy().into_owned();
    let parts: Vec<&str> = text.split('/').collect();
    // The literal folders before the first wildcard.
    let first_glob = parts
        .iter()
        .position(|p| p.contains(['*', '?']))
        .unwrap_or(parts.len());
    let mut base = parts[..first_glob].join("/");
    if base.is_empty() {
        base = if text.starts_with('/') {
            "/".into()
        } else {
            ".".into()
        };
    }
    let mut found = Vec::new();
    walk(Path::new(&base), &parts[first_glob..], &mut found);
    found.sort();
    found.dedup();
    if found.is_empty() {
        return Err(format!("{pattern:?} matches no file"));
    }
    Ok(found)
}

fn walk(at: &Path, rest: &[&str], found: &mut Vec<PathBuf>) {
    let Some((head, tail)) = rest.split_first() else {
        if at.is_file() {
            found.push(at.to_path_buf());
        }
        return;
    };
    if *head == "**" {
        // Zero folders, or one more level and `**` again.
        walk(at, tail, found);
        for entry in read_sorted(at) {
            if entry.is_dir() {
                walk(&entry, rest, found);
            }
        }
        return;
    }
    if !head.contains(['*', '?']) {
        walk(&at.join(head), tail, found);
        return;
    }
    for entry in read_sorted(at) {
        if let Some(name) = entry.file_name().and_then(|n| n.to_str())
            && !name.starts_with('.')
            && wildcard(head.as_bytes(), name.as_bytes())
        {
            walk(&entry, tail, found);
        }
    }
}

fn read_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// `*` (any run of characters) and `?` (one character) within one path component.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*.jsonl", b"a.jsonl"));
        assert!(wildcard(b"a?c*", b"abcdef"));
        assert!(!wildcard(b"*.jsonl", b"a.json"));
        assert!(wildcard(b"*", b""));
        assert!(!wildcard(b"a", b"ab"));
    }

    #[test]
    fn patterns_list_matching_files_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "recs/a.json",
            "recs/b.json",
            "recs/c.txt",
            "recs/deep/d.json",
            "recs/.hidden.json",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "[]").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(
            names(expand(dir.path(), "recs/*.json").unwrap()),
            ["recs/a.json", "recs/b.json"]
        );
        assert_eq!(
            names(expand(dir.path(), "recs/**/*.json").unwrap()),
            ["recs/a.json", "recs/b.json", "recs/deep/d.json"]
        );
        assert_eq!(
            names(expand(dir.path(), "recs/?.txt").unwrap()),
            ["recs/c.txt"]
        );
        assert!(expand(dir.path(), "nothing/*.json").is_err());
        // A plain path is kept as is (a missing file is reported by the run).
        assert_eq!(names(expand(dir.path(), "x.json").unwrap()), ["x.json"]);
    }
}
