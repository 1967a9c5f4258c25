//! The baseline store and its update policy ([`UpdateMode`]): approved screenshots at
//! `DIR/<recording>/[<window>/]<checkpoint>.png`, approved console errors at
//! `DIR/<recording>/console.json`, and which browser made them at `DIR/reel-baselines.json`
//! ([`BaselinesRecord`]). PNGs are written small and never rewritten when their pixels are
//! unchanged; every write is atomic.

use super::{Rgba, decode_png, encode_png_small, reencode_png_small};
use crate::recording::sanitize_id;
use crate::replay::{BrowserInfo, ConsoleSource};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// When baselines are written.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    /// Never write baselines (the default on CI).
    None,
    /// Write baselines that do not exist yet (the default elsewhere).
    Missing,
    /// Also replace baselines that differ (`--update` alone).
    Changed,
    /// Also rewrite baselines that pass within tolerance but are not identical.
    All,
}

impl UpdateMode {
    pub fn writes_missing(self) -> bool {
        self >= UpdateMode::Missing
    }

    pub fn writes_changed(self) -> bool {
        self >= UpdateMode::Changed
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateMode::None => "none",
            UpdateMode::Missing => "missing",
            UpdateMode::Changed => "changed",
            UpdateMode::All => "all",
        }
    }
}

/// What went wrong with a baseline file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read baseline: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: baseline is not a valid PNG ({message}); delete it or rerun with --update")]
    BadPng { path: String, message: String },
    #[error("{path}: baseline console file is not valid ({message}); fix or delete it")]
    BadConsole { path: String, message: String },
    #[error("{path}: not a record of the browser that made the baselines ({message}); delete it")]
    BadRecord { path: String, message: String },
    #[error("{path}: cannot write baseline: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where the baselines of a run live.
#[derive(Debug, Clone)]
pub struct BaselineStore {
    pub root: PathBuf,
}

/// One approved console error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApprovedError {
    pub window: String,
    pub source: ConsoleSource,
    pub message: String,
}

/// The name of the record of which browser made the baselines, at their root.
pub const RECORD_FILE: &str = "reel-baselines.json";

/// The contents of `reel-baselines.json`: the browser that made the baselines (and the reel that
/// drove it). Written by the first run that writes baselines, rewritten by `--update` and
/// `reel approve`; never on CI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselinesRecord {
    pub version: u32,
    pub browser: BrowserInfo,
    pub reel: String,
}

/// The contents of `console.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApprovedConsole {
    pub version: u32,
    pub errors: Vec<ApprovedError>,
}

impl BaselineStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BaselineStore { root: root.into() }
    }

    /// The folder of one recording's baselines.
    pub fn recording_dir(&self, recording_id: &str) -> PathBuf {
        self.root.join(sanitize_id(recording_id))
    }

    /// `DIR/<recording>/[<window>/]<checkpoint>.png`; the window level only when the recording
    /// has several windows.
    pub fn png_path(&self, recording_id: &str, window: Option<&str>, checkpoint: &str) -> PathBuf {
        let mut p = self.recording_dir(recording_id);
        if let Some(w) = window {
            p.push(sanitize_id(w));
        }
        p.push(format!("{}.png", sanitize_id(checkpoint)));
        p
    }

    pub fn console_path(&self, recording_id: &str) -> PathBuf {
        self.recording_dir(recording_id).join("console.json")
    }

    /// The approved image, or `None` when there is no baseline yet.
    pub fn load_png(&self, path: &Path) -> Result<Option<Rgba>, BaselineError> {
        self.read_png(path)?
            .map(|bytes| Self::decode(path, &bytes))
            .transpose()
    }

    /// The approved PNG file as it is, or `None` when there is no baseline yet.
    pub fn read_png(&self, path: &Path) -> Result<Option<Vec<u8>>, BaselineError> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(BaselineError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Decodes the baseline file at `path` whose bytes are `bytes`.
    pub fn decode(path: &Path, bytes: &[u8]) -> Result<Rgba, BaselineError> {
        decode_png(bytes).map_err(|e| BaselineError::BadPng {
            path: path.display().to_string(),
            message: match e {
                super::png_io::DecodeFailure::Png(e) => e.to_string(),
                super::png_io::DecodeFailure::TooLarge(w, h) => format!("{w}x{h} is too large"),
            },
        })
    }

    /// Writes `img` as the baseline at `path` unless the existing baseline has exactly these
    /// pixels; `source`: the browser's PNG it was decoded from, named in the file (see
    /// [`super::provenance`]) and re-encoded rather than `img` where its format allows
    /// ([`reencode_png_small`]). Returns whether it wrote.
    pub fn save_png(
        &self,
        path: &Path,
        img: &Rgba,
        source: Option<&[u8]>,
    ) -> Result<bool, BaselineError> {
        if let Ok(Some(existing)) = self.load_png(path)
            && existing.dimensions() == img.dimensions()
            && existing.as_raw() == img.as_raw()
        {
            return Ok(false);
        }
        let png = match source {
            Some(shot) => super::provenance::stamp(
                reencode_png_small(shot).unwrap_or_else(|| encode_png_small(img)),
                shot,
            ),
            None => encode_png_small(img),
        };
        self.write(path, &png)?;
        Ok(true)
    }

    /// Writes the browser's screenshot `shot` (its PNG bytes) as the baseline at `path`,
    /// re-encoded for size without decoding it to RGBA ([`reencode_png_small`]) and naming it
    /// as its source. `Ok(false)`, writing nothing, when its format needs that decode: decode it
    /// and use [`Self::save_png`].
    pub fn save_screenshot(&self, path: &Path, shot: &[u8]) -> Result<bool, BaselineError> {
        let Some(png) = reencode_png_small(shot) else {
            return Ok(false);
        };
        self.write(path, &super::provenance::stamp(png, shot))?;
        Ok(true)
    }

    fn write(&self, path: &Path, png: &[u8]) -> Result<(), BaselineError> {
        crate::files::write_durable(path, png).map_err(|source| BaselineError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    /// The approved console errors, or `None` when none were approved yet.
    pub fn load_console(
        &self,
        recording_id: &str,
    ) -> Result<Option<ApprovedConsole>, BaselineError> {
        let path = self.console_path(recording_id);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(BaselineError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| BaselineError::BadConsole {
                path: path.display().to_string(),
                message: e.to_string(),
            })
    }

    /// Writes the approved console errors (sorted, deduplicated) unless unchanged.
    pub fn save_console(
        &self,
        recording_id: &str,
        errors: &[ApprovedError],
    ) -> Result<bool, BaselineError> {
        let mut errors = errors.to_vec();
        errors.sort();
        errors.dedup();
        let doc = ApprovedConsole { version: 1, errors };
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        bytes.push(b'\n');
        let path = self.console_path(recording_id);
        crate::files::write_if_changed(&path, &bytes).map_err(|source| BaselineError::Write {
            path: path.display().to_string(),
            source,
        })
    }
}

impl BaselineStore {
    pub fn record_path(&self) -> PathBuf {
        self.root.join(RECORD_FILE)
    }

    /// Which browser made the baselines, or `None` when that was never recorded.
    pub fn load_record(&self) -> Result<Option<BaselinesRecord>, BaselineError> {
        let path = self.record_path();
        let bad = |message: String| BaselineError::BadRecord {
            path: path.display().to_string(),
            message,
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(BaselineError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        if bytes.len() > 64 * 1024 {
            return Err(bad(format!("{} bytes", bytes.len())));
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| bad(e.to_string()))
    }

    /// Records `browser` as the one that made the baselines (unless that is already recorded).
    pub fn save_record(&self, browser: &BrowserInfo) -> Result<bool, BaselineError> {
        let record = BaselinesRecord {
            version: 1,
            browser: browser.clone(),
            reel: env!("CARGO_PKG_VERSION").to_string(),
        };
        let mut bytes = serde_json::to_vec_pretty(&record).unwrap_or_default();
        bytes.push(b'\n');
        let path = self.record_path();
        crate::files::write_if_changed(&path, &bytes).map_err(|source| BaselineError::Write {
            path: path.display().to_string(),
            source,
        })
    }
}

/// The errors of `current` that `approved` does not contain.
pub fn new_errors(current: &[ApprovedError], approved: &ApprovedConsole) -> Vec<ApprovedError> {
    let known: std::collections::HashSet<&ApprovedError> = approved.errors.iter().collect();
    let mut fresh: Vec<ApprovedError> = current
        .iter()
        .filter(|e| !known.contains(e))
        .cloned()
        .collect();
    fresh.sort();
    fresh.dedup();
    fresh
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sanitized_and_nested() {
        let s = BaselineStore::new("snap");
        assert_eq!(
            s.png_path("rec", None, "0001000-click"),
            Path::new("snap/rec/0001000-click.png")
        );
        let p = s.png_path("../evil", Some("a/b"), "x");
        assert!(p.starts_with("snap"));
        assert!(!p.to_string_lossy().contains(".."));
        assert_eq!(p.components().count(), 4);
    }

    #[test]
    fn unchanged_pixels_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let s = BaselineStore::new(dir.path());
        let p = s.png_path("r", None, "c");
        let img = Rgba::from_pixel(4, 3, image::Rgba([1, 2, 3, 255]));
        assert!(s.save_png(&p, &img, None).unwrap());
        assert!(!s.save_png(&p, &img, None).unwrap());
        let other = Rgba::from_pixel(4, 3, image::Rgba([9, 2, 3, 255]));
        assert!(s.save_png(&p, &other, None).unwrap());
        assert_eq!(s.load_png(&p).unwrap().unwrap(), other);
    }

    fn png_of(colour: png::ColorType, palette: bool, pixels: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 4, 3);
        enc.set_color(colour);
        if palette {
            enc.set_palette(vec![10, 20, 30, 200, 100, 50]);
        }
        enc.write_header()
            .unwrap()
            .write_image_data(pixels)
            .unwrap();
        out
    }

    #[test]
    fn a_screenshot_is_written_as_the_browser_encoded_its_colours() {
        use crate::compare::provenance::{digest, written_from};
        let dir = tempfile::tempdir().unwrap();
        let s = BaselineStore::new(dir.path());
        let p = s.png_path("r", None, "c");
        let rgb: Vec<u8> = (0..36).map(|i| (i * 7) as u8).collect();
        let shot = png_of(png::ColorType::Rgb, false, &rgb);
        assert!(s.save_screenshot(&p, &shot).unwrap());
        let written = std::fs::read(&p).unwrap();
        assert_eq!(written[25], 2, "still RGB");
        assert_eq!(written_from(&written), Some(digest(&shot)));
        assert_eq!(s.load_png(&p).unwrap(), Some(decode_png(&shot).unwrap()));

        // A palette image needs the decode: nothing is written, the caller decodes.
        let q = s.png_path("r", None, "d");
        let indexed = png_of(png::ColorType::Indexed, true, &[0, 1, 1, 0].repeat(3));
        assert!(!s.save_screenshot(&q, &indexed).unwrap());
        assert!(!q.exists());
        let img = decode_png(&indexed).unwrap();
        assert!(s.save_png(&q, &img, Some(&indexed)).unwrap());
        assert_eq!(
            written_from(&std::fs::read(&q).unwrap()),
            Some(digest(&indexed))
        );
        assert_eq!(s.load_png(&q).unwrap(), Some(img));
    }

    #[test]
    fn console_round_trip_and_new_errors() {
        let dir = tempfile::tempdir().unwrap();
        let s = BaselineStore::new(dir.path());
        assert!(s.load_console("r").unwrap().is_none());
        let e = |m: &str| ApprovedError {
            window: "w".into(),
            source: ConsoleSource::Recorded,
            message: m.into(),
        };
        s.save_console("r", &[e("b"), e("a"), e("a")]).unwrap();
        let approved = s.load_console("r").unwrap().unwrap();
        assert_eq!(approved.errors, vec![e("a"), e("b")]);
        assert_eq!(new_errors(&[e("a"), e("c")], &approved), vec![e("c")]);
    }
}
