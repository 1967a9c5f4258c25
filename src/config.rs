//! `reel.toml` and the layering of `reel run`'s settings: built-in defaults < `reel.toml` <
//! `REEL_*` environment variables < command-line flags.
//!
//! Every layer is a [`Layer`] (each setting optional); [`Layer::over`] puts one on top of another
//! and [`Resolved::from_layer`] fills what is still unset with the defaults. The file also names
//! where recordings come from ([`Source`]) when `reel run` is given none.

use crate::compare::{MaskColor, Rect};
use crate::plan::Mode;
use crate::run::UpdateMode;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "reel.toml";

/// Where fetched recordings are kept when nothing says otherwise.
pub const DEFAULT_CACHE: &str = ".reel/cache";

/// The `REEL_*` variables read for `reel run` (documented in the README).
pub const ENV_VARS: &[&str] = &[
    "REEL_BASELINES",
    "REEL_OUT",
    "REEL_CACHE",
    "REEL_JOBS",
    "REEL_UPDATE",
    "REEL_THRESHOLD",
    "REEL_INCLUDE_AA",
    "REEL_MAX_DIFF_PIXELS",
    "REEL_MAX_DIFF_RATIO",
    "REEL_MASKS",
    "REEL_MASK_SELECTORS",
    "REEL_MASK_COLOR",
    "REEL_AT",
    "REEL_CHECKPOINTS",
    "REEL_MAX_CHECKPOINTS",
    "REEL_SETTLE_MS",
    "REEL_VIEWPORT",
];

/// One layer of settings; `None` means "this layer does not say".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub baselines: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub cache: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub update: Option<UpdateMode>,
    pub threshold: Option<f64>,
    pub include_aa: Option<bool>,
    pub max_diff_pixels: Option<u64>,
    pub max_diff_ratio: Option<f64>,
    pub masks: Option<Vec<Rect>>,
    pub mask_selectors: Option<Vec<String>>,
    pub mask_color: Option<MaskColor>,
    pub at: Option<Vec<String>>,
    pub checkpoints: Option<Mode>,
    pub max_checkpoints: Option<usize>,
    pub settle_ms: Option<i64>,
    pub viewport: Option<(u32, u32)>,
}

impl Layer {
    /// `self` on top of `lower`: every setting `self` has wins, the rest come from `lower`.
    pub fn over(self, lower: Layer) -> Layer {
        Layer {
            baselines: self.baselines.or(lower.baselines),
            out: self.out.or(lower.out),
            cache: self.cache.or(lower.cache),
            jobs: self.jobs.or(lower.jobs),
            update: self.update.or(lower.update),
            threshold: self.threshold.or(lower.threshold),
            include_aa: self.include_aa.or(lower.include_aa),
            max_diff_pixels: self.max_diff_pixels.or(lower.max_diff_pixels),
            max_diff_ratio: self.max_diff_ratio.or(lower.max_diff_ratio),
            masks: self.masks.or(lower.masks),
            mask_selectors: self.mask_selectors.or(lower.mask_selectors),
            mask_color: self.mask_color.or(lower.mask_color),
            at: self.at.or(lower.at),
            checkpoints: self.checkpoints.or(lower.checkpoints),
            max_checkpoints: self.max_checkpoints.or(lower.max_checkpoints),
            settle_ms: self.settle_ms.or(lower.settle_ms),
            viewport: self.viewport.or(lower.viewport),
        }
    }

    /// The `REEL_*` variables, read through `get` (so tests need not touch the process
    /// environment). Empty values count as unset. Errors name the variable.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Layer, String> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        fn num<T: std::str::FromStr>(name: &str, v: Option<String>) -> Result<Option<T>, String> {
            v.map(|v| {
                v.trim()
                    .parse::<T>()
                    .map_err(|_| format!("{name}: {v:?} is not a valid number"))
            })
            .transpose()
        }
        let list = |name: &str, sep: char| {
            var(name).map(|v| {
                v.split(sep)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
        };
        let masks = list("REEL_MASKS", ';')
            .map(|items| {
                items
                    .iter()
                    .map(|m| m.parse::<Rect>())
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| format!("REEL_MASKS: {e} (separate masks with ';')"))?;
        Ok(Layer {
            baselines: var("REEL_BASELINES").map(PathBuf::from),
            out: var("REEL_OUT").map(PathBuf::from),
            cache: var("REEL_CACHE").map(PathBuf::from),
            jobs: num("REEL_JOBS", var("REEL_JOBS"))?,
            update: var("REEL_UPDATE")
                .map(|v| parse_update(&v))
                .transpose()
                .map_err(|e| format!("REEL_UPDATE: {e}"))?,
            threshold: num("REEL_THRESHOLD", var("REEL_THRESHOLD"))?,
            include_aa: var("REEL_INCLUDE_AA")
                .map(|v| parse_bool(&v))
                .transpose()
                .map_err(|e| format!("REEL_INCLUDE_AA: {e}"))?,
            max_diff_pixels: num("REEL_MAX_DIFF_PIXELS", var("REEL_MAX_DIFF_PIXELS"))?,
            max_diff_ratio: num("REEL_MAX_DIFF_RATIO", var("REEL_MAX_DIFF_RATIO"))?,
            masks,
            mask_selectors: list("REEL_MASK_SELECTORS", ';'),
            mask_color: var("REEL_MASK_COLOR")
                .map(|v| v.parse::<MaskColor>())
                .transpose()
                .map_err(|e| format!("REEL_MASK_COLOR: {e}"))?,
            at: list("REEL_AT", ','),
            checkpoints: var("REEL_CHECKPOINTS")
                .map(|v| parse_mode(&v))
                .transpose()
                .map_err(|e| format!("REEL_CHECKPOINTS: {e}"))?,
            max_checkpoints: num("REEL_MAX_CHECKPOINTS", var("REEL_MAX_CHECKPOINTS"))?,
            settle_ms: num("REEL_SETTLE_MS", var("REEL_SETTLE_MS"))?,
            viewport: var("REEL_VIEWPORT")
                .map(|v| parse_viewport(&v))
                .transpose()
                .map_err(|e| format!("REEL_VIEWPORT: {e}"))?,
        })
    }
}

fn parse_update(s: &str) -> Result<UpdateMode, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "none" | "false" | "0" => Ok(UpdateMode::None),
        "missing" => Ok(UpdateMode::Missing),
        "changed" | "true" | "1" => Ok(UpdateMode::Changed),
        "all" => Ok(UpdateMode::All),
        _ => Err(format!("{s:?}: use none, missing, changed or all")),
    }
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(Mode::Auto),
        "none" => Ok(Mode::None),
        _ => Err(format!("{s:?}: use auto or none")),
    }
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(format!("{s:?}: use true or false")),
    }
}

/// `1280x800` → (1280, 800); both sides 1..=10000.
pub fn parse_viewport(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{s:?}: expected WIDTHxHEIGHT, e.g. 1280x800");
    let (w, h) = s.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    check_viewport(w, h).map_err(|e| format!("{s:?}: {e}"))?;
    Ok((w, h))
}

fn check_viewport(w: u32, h: u32) -> Result<(), String> {
    if (1..=10_000).contains(&w) && (1..=10_000).contains(&h) {
        Ok(())
    } else {
        Err("width and height must be between 1 and 10000".into())
    }
}

/// Every setting decided: the layers over the built-in defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub baselines: PathBuf,
    pub out: PathBuf,
    pub cache: PathBuf,
    /// `None`: one per core.
    pub jobs: Option<usize>,
    /// `None`: `none` on CI, else `missing`.
    pub update: Option<UpdateMode>,
    pub threshold: f64,
    pub include_aa: bool,
    pub max_diff_pixels: Option<u64>,
    pub max_diff_ratio: Option<f64>,
    pub masks: Vec<Rect>,
    pub mask_selectors: Vec<String>,
    pub mask_color: MaskColor,
    pub at: Vec<String>,
    pub checkpoints: Mode,
    pub max_checkpoints: Option<usize>,
    pub settle_ms: i64,
    pub viewport: Option<(u32, u32)>,
}

impl Resolved {
    /// Fills what `layer` leaves unset with the defaults and checks the ranges.
    pub fn from_layer(layer: Layer) -> Result<Resolved, String> {
        let r = Resolved {
            baselines: layer.baselines.unwrap_or_else(|| "snapshots".into()),
            out: layer.out.unwrap_or_else(|| "reel-report".into()),
            cache: layer.cache.unwrap_or_else(|| DEFAULT_CACHE.into()),
            jobs: layer.jobs,
            update: layer.update,
            threshold: layer.threshold.unwrap_or(0.1),
            include_aa: layer.include_aa.unwrap_or(false),
            max_diff_pixels: layer.max_diff_pixels,
            max_diff_ratio: layer.max_diff_ratio,
            masks: layer.masks.unwrap_or_default(),
            mask_selectors: layer.mask_selectors.unwrap_or_default(),
            mask_color: layer.mask_color.unwrap_or_default(),
            at: layer.at.unwrap_or_default(),
            checkpoints: layer.checkpoints.unwrap_or(Mode::Auto),
            max_checkpoints: layer.max_checkpoints,
            settle_ms: layer.settle_ms.unwrap_or(500).max(0),
            viewport: layer.viewport,
        };
        if !(0.0..=1.0).contains(&r.threshold) {
            return Err(format!(
                "threshold must be between 0 and 1, got {}",
                r.threshold
            ));
        }
        if let Some(ratio) = r.max_diff_ratio
            && !(0.0..=1.0).contains(&ratio)
        {
            return Err(format!(
                "max_diff_ratio must be between 0 and 1, got {ratio}"
            ));
        }
        if r.jobs == Some(0) {
            return Err("jobs must be at least 1".into());
        }
        Ok(r)
    }
}

/// `reel.toml`, as written. Unknown keys are errors, so a typo never silently does nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub baselines: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub cache: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub update: Option<String>,
    #[serde(default)]
    pub compare: CompareSection,
    #[serde(default)]
    pub plan: PlanSection,
    pub viewport: Option<ViewportSection>,
    #[serde(default)]
    pub sources: Vec<SourceSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSection {
    pub threshold: Option<f64>,
    pub include_aa: Option<bool>,
    pub max_diff_pixels: Option<u64>,
    pub max_diff_ratio: Option<f64>,
    pub masks: Option<Vec<String>>,
    pub mask_selectors: Option<Vec<String>>,
    pub mask_color: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSection {
    pub at: Option<Vec<String>>,
    pub checkpoints: Option<String>,
    pub max_checkpoints: Option<usize>,
    pub settle_ms: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewportSection {
    pub width: u32,
    pub height: u32,
}

/// One `[[sources]]` entry: exactly one of its keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSection {
    pub files: Option<Vec<String>>,
    pub posthog: Option<PosthogSource>,
    pub object_store: Option<String>,
}

/// A PostHog query (the filters of `reel fetch posthog`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PosthogSource {
    /// Default: `$POSTHOG_HOST`, else https://us.posthog.com.
    pub host: Option<String>,
    /// Default: `$POSTHOG_PROJECT_ID`.
    pub project: Option<String>,
    /// These session ids instead of a listing.
    pub recordings: Option<Vec<String>>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u64>,
    /// `30s`, `2m`, `1h`.
    pub min_duration: Option<String>,
    pub url: Option<String>,
    pub person: Option<String>,
    pub with_console_errors: Option<bool>,
    /// A file holding the key (relative to `reel.toml`'s folder).
    pub api_key_file: Option<PathBuf>,
    /// Never accepted: present only to say so clearly.
    #[serde(alias = "key", alias = "personal_api_key", alias = "token")]
    pub api_key: Option<toml::Value>,
}

/// Where recordings come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Paths and glob patterns (`*`, `?`, `**`), relative to the config file's folder.
    Files(Vec<String>),
    Posthog(Box<PosthogSource>),
    /// `s3://bucket/prefix/`, `gs://…`, `az://…`, `file:///…`.
    ObjectStore(String),
}

/// A loaded `reel.toml`: its settings as a layer, its sources, and where it was.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// The folder relative paths in the file are resolved against.
    pub dir: PathBuf,
    pub layer: Layer,
    pub sources: Vec<Source>,
}

impl Config {
    /// Reads `explicit` (which must exist), else `./reel.toml` when present, else nothing (all
    /// defaults). Errors are one line naming the file and, where known, the line.
    pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
        let (path, must) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !must && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config {
                    dir: PathBuf::from("."),
                    ..Config::default()
                });
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Config::parse(&text, &path)
    }

    /// Parses the text of a config file found at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let name = path.display().to_string();
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().replace('\n', " ");
            match e.span() {
                Some(span) => {
                    let (line, col) = line_col(text, span.start);
                    format!("{name}:{line}:{col}: {msg}")
                }
                None => format!("{name}: {msg}"),
            }
        })?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let err = |m: String| format!("{name}: {m}");
        let rel = |p: Option<PathBuf>| p.map(|p| if p.is_relative() { dir.join(p) } else { p });
        let c = &file.compare;
        let masks = c
            .masks
            .as_ref()
            .map(|ms| {
                ms.iter()
                    .map(|m| m.parse::<Rect>())
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| err(format!("compare.masks: {e}")))?;
        let layer = Layer {
            baselines: rel(file.baselines.clone()),
            out: rel(file.out.clone()),
            cache: rel(file.cache.clone()),
            jobs: file.jobs,
            update: file
                .update
                .as_deref()
                .map(parse_update)
                .transpose()
                .map_err(|e| err(format!("update: {e}")))?,
            threshold: c.threshold,
            include_aa: c.include_aa,
            max_diff_pixels: c.max_diff_pixels,
            max_diff_ratio: c.max_diff_ratio,
            masks,
            mask_selectors: c.mask_selectors.clone(),
            mask_color: c
                .mask_color
                .as_deref()
                .map(|v| v.parse::<MaskColor>())
                .transpose()
                .map_err(|e| err(format!("compare.mask_color: {e}")))?,
            at: file.plan.at.clone(),
            checkpoints: file
                .plan
                .checkpoints
                .as_deref()
                .map(parse_mode)
                .transpose()
                .map_err(|e| err(format!("plan.checkpoints: {e}")))?,
            max_checkpoints: file.plan.max_checkpoints,
            settle_ms: file.plan.settle_ms,
            viewport: file
                .viewport
                .as_ref()
                .map(|v| {
                    check_viewport(v.width, v.height)
                        .map(|()| (v.width, v.height))
                        .map_err(|e| err(format!("viewport: {e}")))
                })
                .transpose()?,
        };
        let mut sources = Vec::new();
        for (i, s) in file.sources.into_iter().enumerate() {
            let n = i + 1;
            let set = [
                s.files.is_some(),
                s.posthog.is_some(),
                s.object_store.is_some(),
            ];
            if set.iter().filter(|b| **b).count() != 1 {
                return Err(err(format!(
                    "sources entry {n} must have exactly one of files, posthog, object_store"
                )));
            }
            if let Some(files) = s.files {
                if files.is_empty() {
                    return Err(err(format!("sources entry {n}: files is empty")));
                }
                sources.push(Source::Files(files));
            } else if let Some(mut ph) = s.posthog {
                if ph.api_key.is_some() {
                    return Err(err(format!(
                        "sources entry {n}: never put the PostHog API key in the config file; \
                         set POSTHOG_API_KEY or name a file with api_key_file"
                    )));
                }
                ph.api_key_file = rel(ph.api_key_file);
                sources.push(Source::Posthog(Box::new(ph)));
            } else if let Some(url) = s.object_store {
                sources.push(Source::ObjectStore(url));
            }
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            dir,
            layer,
            sources,
        })
    }
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

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
    fn line_and_column() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}
