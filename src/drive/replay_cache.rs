//! Replays of recordings kept between drives. What `reel drive` takes from a replay of a window —
//! its steps located (locators taken from the replayed DOM) and the recorded frame at each
//! checkpoint — depends on the recording, reel, the browser and the replay's options, never on the
//! build under test. Driving the same recordings against build after build (the regression use)
//! replays each window once; later drives read the result from `<cache>/drive/` and spend the
//! machine on the live drive alone.
//!
//! One file per window, named by a SHA-256 of everything the result depends on ([`Key`]), written
//! whole through a temp file and a rename. A file that cannot be read or does not parse is a miss
//! (the replay runs again and replaces it); entries unused for [`UNUSED_FOR`] are removed when a
//! new one is written.

use super::Step;
use super::locate::Located;
use crate::plan::Checkpoint;
use crate::recording::WindowStream;
use crate::replay::{ReplayOptions, Shot};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The first bytes of every entry; a new format gets a new one.
const MAGIC: &str = "reel-drive-replay/1";
/// Entries not read or written for this long are removed.
pub const UNUSED_FOR: Duration = Duration::from_secs(14 * 24 * 3600);
const EXTENSION: &str = "replay";

/// Where replays are kept, and whether to use what is there.
#[derive(Debug, Clone)]
pub struct ReplayCache {
    dir: PathBuf,
    /// Replay again even when an entry exists (and replace it).
    refresh: bool,
    /// What else shapes the replays (the browser's launch options), as text.
    context: String,
}

/// One window's replay as a drive uses it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What locating fed the live drive, in order.
    pub located: Vec<Located>,
    /// The window's steps once located.
    pub steps: Vec<Step>,
    /// The recorded frame at each checkpoint, by checkpoint name.
    pub frames: BTreeMap<String, Shot>,
}

/// Everything a window's replay depends on, hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn file_name(&self) -> String {
        format!("{}.{EXTENSION}", self.0)
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    located: Vec<Located>,
    steps: Vec<Step>,
    frames: Vec<FrameHeader>,
}

#[derive(Serialize, Deserialize)]
struct FrameHeader {
    checkpoint: String,
    href: Option<String>,
    settled: bool,
    mask_rects: Vec<(u32, u32, u32, u32)>,
    png_len: usize,
}

impl ReplayCache {
    /// Replays kept in `dir`; `context` is whatever else shapes them (browser options).
    pub fn new(dir: PathBuf, refresh: bool, context: String) -> ReplayCache {
        ReplayCache {
            dir,
            refresh,
            context,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of `window`'s replay in `browser` (its product), planned as `plan`. The steps are
    /// not part of it: they follow from the events and reel's sources.
    pub fn key(
        &self,
        browser: &str,
        window: &WindowStream,
        plan: &[Checkpoint],
        opts: &ReplayOptions,
    ) -> Key {
        let mut h = Sha256::new();
        let mut part = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        part(MAGIC.as_bytes());
        part(env!("CARGO_PKG_VERSION").as_bytes());
        part(env!("REEL_SOURCE_FINGERPRINT").as_bytes());
        part(browser.as_bytes());
        part(self.context.as_bytes());
        part(format!("{opts:?}").as_bytes());
        part(window.id.as_bytes());
        for e in &window.events {
            part(&e.timestamp.to_le_bytes());
            part(e.json.get().as_bytes());
        }
        part(&serde_json::to_vec(plan).unwrap_or_default());
        let digest = h.finalize();
        Key(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The entry for `key`, its frames matched to `plan`'s checkpoints; `None` when there is none,
    /// it cannot be used, or replays are being refreshed.
    pub fn load(&self, key: &Key, plan: &[Checkpoint]) -> Option<Entry> {
        if self.refresh {
            return None;
        }
        let path = self.dir.join(key.file_name());
        let bytes = std::fs::read(&path).ok()?;
        match decode(&bytes, plan) {
            Ok(entry) => {
                // Marks it used (kept by the sweep of unused entries).
                if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(SystemTime::now());
                }
                Some(entry)
            }
            Err(why) => {
                tracing::warn!(
                    "{}: kept replay not used ({why}); replaying again",
                    path.display()
                );
                None
            }
        }
    }

    /// Keeps `entry` under `key`, then removes entries unused for [`UNUSED_FOR`]. A cache that
    /// cannot be written costs the next drive a replay, nothing else: it is logged, not an error.
    pub fn store(&self, key: &Key, entry: &Entry) {
        let path = self.dir.join(key.file_name());
        let written = encode(entry)
            .map_err(std::io::Error::from)
            .and_then(|bytes| crate::files::write_atomic(&path, &bytes));
        match written {
            Ok(()) => self.sweep_unused(),
            Err(e) => tracing::warn!("cannot keep the replay in {}: {e}", path.display()),
        }
    }

    fn sweep_unused(&self) {
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let unused = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > UNUSED_FOR);
            if unused
                && path.extension().is_some_and(|e| e == EXTENSION)
                && std::fs::remove_file(&path).is_ok()
            {
                tracing::debug!(
                    "removed {}, a kept replay unused for 14 days",
                    path.display()
                );
            }
        }
    }
}

/// `MAGIC`, a newline, the header as one line of JSON, a newline, then the frames' PNGs in order.
fn encode(entry: &Entry) -> Result<Vec<u8>, serde_json::Error> {
    let frames: Vec<&Shot> = entry.frames.values().collect();
    let header = Header {
        located: entry.located.clone(),
        steps: entry.steps.clone(),
        frames: frames
            .iter()
            .map(|s| FrameHeader {
                checkpoint: s.checkpoint.name.clone(),
                href: s.href.clone(),
                settled: s.settled,
                mask_rects: s.mask_rects.clone(),
                png_len: s.png.len(),
            })
            .collect(),
    };
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC.as_bytes());
    out.push(b'\n');
    serde_json::to_writer(&mut out, &header)?;
    out.push(b'\n');
    for s in frames {
        out.extend_from_slice(&s.png);
    }
    Ok(out)
}

fn decode(bytes: &[u8], plan: &[Checkpoint]) -> Result<Entry, String> {
    let rest = bytes
        .strip_prefix(MAGIC.as_bytes())
        .and_then(|r| r.strip_prefix(b"\n"))
        .ok_or("not a kept replay of this reel")?;
    let end = memchr::memchr(b'\n', rest).ok_or("truncated header")?;
    let header: Header =
        serde_json::from_slice(&rest[..end]).map_err(|e| format!("bad header: {e}"))?;
    let mut pngs = &rest[end + 1..];
    let by_name: BTreeMap<&str, &Checkpoint> = plan.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut frames = BTreeMap::new();
    for f in header.frames {
        if pngs.len() < f.png_len {
            return Err("truncated frames".into());
        }
        let (png, more) = pngs.split_at(f.png_len);
        pngs = more;
        let checkpoint = by_name
            .get(f.checkpoint.as_str())
            .ok_or_else(|| format!("frame of an unknown checkpoint {}", f.checkpoint))?;
        frames.insert(
            f.checkpoint,
            Shot {
                checkpoint: (*checkpoint).clone(),
                png: png.to_vec(),
                href: f.href,
                events_applied: 0,
                repeated: false,
                settled: f.settled,
                mask_rects: f.mask_rects,
                elapsed: Duration::ZERO,
            },
        );
    }
    if !pngs.is_empty() {
        return Err("bytes after the last frame".into());
    }
    Ok(Entry {
        located: header.located,
        steps: header.steps,
        frames,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::{Action, Locator, Strategy};
    use crate::plan::Reason;

    fn checkpoint(name: &str, t_ms: i64) -> Checkpoint {
        Checkpoint {
            name: name.into(),
            t_ms,
            reason: Reason::Click,
            viewport: (800, 600),
        }
    }

    fn step() -> Step {
        let mut s = Step::new("default", 1200, Action::Click);
        s.node = Some(7);
        s.point = Some((10.5, 20.0));
        s.locators = vec![Locator {
            strategy: Strategy::Id,
            selector: "#new-todo".into(),
            confidence: 0.95,
        }];
        s
    }

    fn entry(plan: &[Checkpoint]) -> Entry {
        let shot = |cp: &Checkpoint, png: &[u8]| Shot {
            checkpoint: cp.clone(),
            png: png.to_vec(),
            href: Some("http://127.0.0.1/app/".into()),
            events_applied: 0,
            repeated: false,
            settled: true,
            mask_rects: vec![(1, 2, 3, 4)],
            elapsed: Duration::ZERO,
        };
        Entry {
            located: vec![Located {
                index: 0,
                step: step(),
                hover: None,
            }],
            steps: vec![step()],
            frames: BTreeMap::from([
                (plan[0].name.clone(), shot(&plan[0], b"\x89PNG first\n\n")),
                (plan[1].name.clone(), shot(&plan[1], b"")),
            ]),
        }
    }

    #[test]
    fn an_entry_reads_back_as_written() {
        let plan = [
            checkpoint("0001200-click", 1200),
            checkpoint("0003000-end", 3000),
        ];
        let e = entry(&plan);
        let back = decode(&encode(&e).unwrap(), &plan).unwrap();
        assert_eq!(back.located.len(), 1);
        assert_eq!(back.steps, e.steps);
        assert_eq!(back.frames.len(), 2);
        for (name, shot) in &e.frames {
            let got = &back.frames[name];
            assert_eq!(got.png, shot.png);
            assert_eq!(got.checkpoint, shot.checkpoint);
            assert_eq!(got.href, shot.href);
            assert_eq!(got.mask_rects, shot.mask_rects);
        }
        assert_eq!(back.located[0].step.action, Action::Click);
    }

    #[test]
    fn a_damaged_entry_is_refused() {
        let plan = [
            checkpoint("0001200-click", 1200),
            checkpoint("0003000-end", 3000),
        ];
        let bytes = encode(&entry(&plan)).unwrap();
        assert!(
            decode(&bytes[..bytes.len() - 1], &plan).is_err(),
            "truncated"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, &plan).is_err(), "trailing bytes");
        assert!(
            decode(b"reel-drive-replay/0\n{}\n", &plan).is_err(),
            "other format"
        );
        assert!(decode(&bytes[..30], &plan).is_err(), "cut in the header");
        // A plan without one of the entry's checkpoints (the planner changed).
        assert!(decode(&bytes, &plan[..1]).is_err());
    }

    #[test]
    fn stored_entries_are_found_by_key_and_refresh_ignores_them() {
        let dir = tempfile::tempdir().unwrap();
        let plan = [
            checkpoint("0001200-click", 1200),
            checkpoint("0003000-end", 3000),
        ];
        let window = WindowStream {
            id: "default".into(),
            events: Vec::new(),
        };
        let cache = ReplayCache::new(dir.path().into(), false, "launch".into());
        let opts = ReplayOptions::default();
        let key = cache.key("HeadlessChrome/1", &window, &plan, &opts);
        assert!(cache.load(&key, &plan).is_none());
        cache.store(&key, &entry(&plan));
        assert_eq!(cache.load(&key, &plan).unwrap().frames.len(), 2);
        let other = cache.key("HeadlessChrome/2", &window, &plan, &opts);
        assert_ne!(key, other, "another browser, another replay");
        assert!(cache.load(&other, &plan).is_none());
        let refreshing = ReplayCache::new(dir.path().into(), true, "launch".into());
        assert!(refreshing.load(&key, &plan).is_none());
        // A damaged file is a miss, and the next store replaces it.
        std::fs::write(dir.path().join(key.file_name()), b"garbage").unwrap();
        assert!(cache.load(&key, &plan).is_none());
        cache.store(&key, &entry(&plan));
        assert!(cache.load(&key, &plan).is_some());
    }
}
