//! A report folder and its layout — the one place that knows it:
//!
//! ```text
//! report.json  junit.xml  index.html
//! actual/<recording>/[<window>/]<checkpoint>.png     what was captured, for checkpoints that did not
//!                                                    pass and for baselines the run wrote (new, updated)
//! diff/<recording>/[<window>/]<checkpoint>.png       the differences
//! expected/<recording>/[<window>/]<checkpoint>.png   a copy of the baseline, so the folder stands alone
//! thumbs/<recording>/[<window>/]<checkpoint>.png     a small copy of what passing checkpoints captured
//! replays/<recording>.json.gz                        the events of failing recordings
//! ```
//!
//! Paths inside a report are relative to the folder, with `/` separators.

use super::github::{self, Github};
use super::{RunReport, html, json, junit};
use crate::exit::{Classified, ErrorClass};
use crate::recording::sanitize_id;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The images a report keeps per checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    /// What the replay captured.
    Actual,
    /// The differences: changed pixels red, anti-aliasing yellow, the rest faded.
    Diff,
    /// A copy of the baseline.
    Expected,
    /// A small copy of what a passing checkpoint captured.
    Thumbnail,
}

impl Image {
    pub fn folder(self) -> &'static str {
        match self {
            Image::Actual => "actual",
            Image::Diff => "diff",
            Image::Expected => "expected",
            Image::Thumbnail => "thumbs",
        }
    }
}

/// What a run writes besides the three report files; cleared when a new run starts.
const FOLDERS: [&str; 5] = ["actual", "diff", "expected", "thumbs", "replays"];

/// What went wrong with a report folder.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: cannot read ({source})")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a reel report: {source}")]
    NotAReport {
        path: String,
        source: serde_json::Error,
    },
    #[error("cannot clear {path}: {source}")]
    Clear {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

impl Classified for ReportError {
    fn class(&self) -> ErrorClass {
        match self {
            ReportError::Write { .. } => ErrorClass::Infra,
            _ => ErrorClass::Input,
        }
    }
}

/// A report folder (`--out`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDir {
    root: PathBuf,
}

impl ReportDir {
    pub fn new(root: impl Into<PathBuf>) -> ReportDir {
        ReportDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `report.json`.
    pub fn report_json(&self) -> PathBuf {
        self.root.join("report.json")
    }

    /// Whether a reel report is there.
    pub fn holds_report(&self) -> bool {
        self.report_json().is_file()
    }

    /// Readies the folder for a new report: the images and events of a previous report there
    /// are removed (only when it holds one), and the folder is created.
    pub fn clear(&self) -> Result<(), ReportError> {
        if self.holds_report() {
            for sub in FOLDERS {
                let p = self.root.join(sub);
                if p.is_dir() {
                    std::fs::remove_dir_all(&p).map_err(|source| ReportError::Clear {
                        path: p.display().to_string(),
                        source,
                    })?;
                }
            }
        }
        std::fs::create_dir_all(&self.root).map_err(|source| ReportError::Create {
            path: self.root.display().to_string(),
            source,
        })
    }

    /// Where a checkpoint's image goes, relative to the folder.
    pub fn image(image: Image, recording: &str, window: Option<&str>, checkpoint: &str) -> String {
        let mut parts = vec![image.folder().to_string(), sanitize_id(recording)];
        parts.extend(window.map(sanitize_id));
        parts.push(format!("{checkpoint}.png"));
        parts.join("/")
    }

    /// Where the events of a failing recording are kept (for the embedded replay and for
    /// `merge-reports`), relative to the folder.
    pub fn replay(recording: &str) -> String {
        format!("replays/{recording}.json.gz")
    }

    /// Whether a path from a report names one of the folder's own files: relative, inside
    /// `actual/`, `diff/`, `expected/`, `thumbs/` or `replays/`, no `..`.
    pub fn owns(rel: &str) -> bool {
        let path = Path::new(rel);
        FOLDERS.iter().any(|top| path.starts_with(top)) && Self::is_inside(rel)
    }

    /// Whether a path from a report stays inside the folder (relative, no `..`, not empty).
    pub fn is_inside(rel: &str) -> bool {
        let path = Path::new(rel);
        path.components().count() > 0
            && path.components().all(|c| matches!(c, Component::Normal(_)))
    }

    /// The file at `rel` (a path relative to the folder).
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `bytes` to `rel` atomically.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), ReportError> {
        let path = self.path(rel);
        crate::files::write_atomic(&path, bytes).map_err(|source| ReportError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    /// `path` as a report shows it: relative to the folder.
    pub fn relative(&self, path: &Path) -> String {
        relative_path(path, &self.root)
    }

    /// Reads `report.json`.
    pub fn read_report(&self) -> Result<RunReport, ReportError> {
        let path = self.report_json();
        let bytes = std::fs::read(&path).map_err(|source| ReportError::Read {
            path: path.display().to_string(),
            source,
        })?;
        json::parse(&bytes).map_err(|source| ReportError::NotAReport {
            path: path.display().to_string(),
            source,
        })
    }

    /// Writes `report.json`, `junit.xml` (attachment paths behind `junit_prefix`) and
    /// `index.html`, which embeds `replays` (recording id → kept events), each atomically; on
    /// GitHub Actions also appends the Markdown summary to `$GITHUB_STEP_SUMMARY`.
    pub fn write_report(
        &self,
        report: &RunReport,
        replays: &BTreeMap<String, Vec<u8>>,
        junit_prefix: &str,
        ci: &Github,
    ) -> Result<(), ReportError> {
        self.write("report.json", &json::render(report))?;
        self.write(
            "junit.xml",
            &junit::render_with_prefix(report, junit_prefix),
        )?;
        self.write("index.html", &html::render(report, replays))?;
        if let Some(path) = &ci.step_summary {
            let markdown = github::render(
                report,
                &self.root.display().to_string(),
                ci.run_url.as_deref(),
            );
            crate::files::append(path, &markdown).map_err(|source| ReportError::Write {
                path: path.display().to_string(),
                source,
            })?;
        }
        Ok(())
    }
}

/// `path` relative to `base` (both made absolute first), with `/` separators.
pub fn relative_path(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, base) = (abs(path), abs(base));
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &p[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        assert_eq!(
            ReportDir::image(Image::Actual, "rec", None, "0001000-click"),
            "actual/rec/0001000-click.png"
        );
        assert_eq!(
            ReportDir::image(Image::Expected, "../r", Some("a/b"), "x"),
            format!(
                "expected/{}/{}/x.png",
                sanitize_id("../r"),
                sanitize_id("a/b")
            )
        );
        assert_eq!(ReportDir::replay("rec"), "replays/rec.json.gz");
        assert!(ReportDir::owns("diff/rec/x.png"));
        assert!(ReportDir::owns(&ReportDir::image(
            Image::Thumbnail,
            "r",
            None,
            "x"
        )));
        assert!(!ReportDir::owns("report.json"));
        assert!(!ReportDir::owns("actual/../../x.png"));
        assert!(!ReportDir::owns("/actual/x.png"));
        assert!(!ReportDir::is_inside(""));
        assert!(!ReportDir::is_inside("a/../../outside.png"));
    }

    #[test]
    fn clears_only_a_report_folder() {
        let dir = tempfile::tempdir().unwrap();
        let report = ReportDir::new(dir.path());
        std::fs::create_dir_all(dir.path().join("actual/r")).unwrap();
        report.clear().unwrap();
        assert!(dir.path().join("actual/r").is_dir(), "no report.json: kept");
        std::fs::write(report.report_json(), "{}").unwrap();
        report.clear().unwrap();
        assert!(!dir.path().join("actual").exists());
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path(Path::new("/a/b/c.png"), Path::new("/a/r")),
            "../b/c.png"
        );
        assert_eq!(
            relative_path(Path::new("/a/r/x/c.png"), Path::new("/a/r")),
            "x/c.png"
        );
    }
}
