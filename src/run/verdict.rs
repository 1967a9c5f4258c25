//! Verdicts: how a checkpoint's screenshot and a recording's console errors are judged against
//! the baselines ([`Judging`], shared by every command that compares), and one checkpoint's
//! verdict ([`Context`]): compare the screenshot with its baseline (masks painted over both),
//! then, after an optional second capture, settle on a status, apply the update policy and write
//! the report images (`actual/`, `diff/`, `expected/` (the baseline's copy) and `thumbs/`).

use super::RunError;
use crate::compare::baseline::{ApprovedError, BaselineError, BaselineStore, new_errors};
use crate::compare::{
    self, DiffOptions, DiffResult, MaskColor, Rect, Rgba, Tolerance, UpdateMode, decode_png,
    encode_png_fast, paint_masks,
};
use crate::plan::Checkpoint;
use crate::replay::{BrowserInfo, Shot};
use crate::report::{
    CheckpointReport, CheckpointStatus, ConsoleError, ConsoleReport, Extras, Image, ReportDir,
};
use crate::settings::Settings;
use std::path::{Path, PathBuf};

/// How checkpoints and console errors are judged against the baselines, and where the images of
/// what did not pass go: what every command that compares screenshots shares.
#[derive(Debug, Clone)]
pub struct Judging {
    pub baselines: BaselineStore,
    /// The report folder the images go to.
    pub report: ReportDir,
    pub update: UpdateMode,
    pub diff: DiffOptions,
    pub tolerance: Tolerance,
    /// Painted over both images before comparing (besides the boxes of the mask selectors).
    pub masks: Vec<Rect>,
    pub mask_color: MaskColor,
}

impl Judging {
    /// As `settings` say.
    pub fn new(settings: &Settings) -> Judging {
        Judging {
            baselines: BaselineStore::new(&settings.baselines),
            report: ReportDir::new(&settings.out),
            update: settings.update,
            diff: settings.diff(),
            tolerance: settings.tolerance(),
            masks: settings.masks.clone(),
            mask_color: settings.mask_color,
        }
    }

    /// Which browser made the baselines, as recorded beside them; an unreadable record is
    /// reported and counts as none (the next run that may write baselines replaces it).
    pub fn baselines_browser(&self) -> Option<BrowserInfo> {
        match self.baselines.load_record() {
            Ok(record) => record.map(|r| r.browser),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        }
    }

    /// Records `browser` as the one that made the baselines, as the update policy says: when no
    /// browser is recorded yet and this run may write missing baselines (and the baselines
    /// folder exists), and on every run that may replace baselines (`--update`). Never on CI.
    /// Returns whether it wrote.
    pub fn record_browser(
        &self,
        recorded: Option<&BrowserInfo>,
        browser: &BrowserInfo,
    ) -> Result<bool, BaselineError> {
        let first =
            recorded.is_none() && self.update.writes_missing() && self.baselines.root.is_dir();
        if first || self.update.writes_changed() {
            self.baselines.save_record(browser)
        } else {
            Ok(false)
        }
    }

    /// Judges a recording's console errors against its approved `console.json`, writing it as
    /// the update policy says: without one, the errors become the approved ones (when missing
    /// baselines are written); new errors are accepted with `--update`. The second value says
    /// why the approved errors could not be written, when they could not: the console is then
    /// judged as if nothing had been written.
    pub fn console(
        &self,
        recording_id: &str,
        errors: Vec<ConsoleError>,
    ) -> Result<(ConsoleReport, Option<String>), RunError> {
        let keys: Vec<ApprovedError> = errors
            .iter()
            .map(|e| ApprovedError {
                window: e.window.clone(),
                source: e.source,
                message: e.message.clone(),
            })
            .collect();
        let approved = self.baselines.load_console(recording_id)?;
        let mut unwritable = None;
        let mut save =
            |keys: &[ApprovedError]| match self.baselines.save_console(recording_id, keys) {
                Ok(_) => Ok(true),
                Err(BaselineError::Write { source, .. }) => {
                    unwritable = Some(format!(
                        "cannot write the approved console errors {}: {source}",
                        self.report
                            .relative(&self.baselines.console_path(recording_id))
                    ));
                    Ok(false)
                }
                Err(e) => Err(RunError::from(e)),
            };
        let (fresh, accepted) = match approved {
            None if self.update.writes_missing() => {
                if save(&keys)? {
                    (Vec::new(), false)
                } else {
                    (keys.clone(), false)
                }
            }
            None => (keys.clone(), false),
            Some(approved) => {
                let fresh = new_errors(&keys, &approved);
                let accept = !fresh.is_empty() && self.update.writes_changed() && save(&keys)?;
                (fresh, accept)
            }
        };
        let new_errors = errors
            .iter()
            .filter(|e| {
                fresh
                    .iter()
                    .any(|f| f.window == e.window && f.source == e.source && f.message == e.message)
            })
            .cloned()
            .collect();
        Ok((
            ConsoleReport {
                errors,
                new_errors,
                accepted,
            },
            unwritable,
        ))
    }
}

enum First {
    Missing,
    /// The baseline's size (and its file, for the report's copy).
    SizeChanged {
        size: (u32, u32),
        baseline: Vec<u8>,
    },
    /// Within the tolerances, with a thumbnail of the capture (PNG) for the report.
    Within(DiffResult, Vec<u8>),
    /// Beyond the tolerances (and the baseline's file, decoded again only if this stays a
    /// difference: holding every differing baseline decoded would cost megabytes each).
    Differs(DiffResult, Vec<u8>),
}

/// How a checkpoint varied between repeated captures (`--repeat`).
#[derive(Debug, Clone, Default)]
pub struct Variation {
    pub pixels: u64,
    pub regions: Vec<[u32; 4]>,
}

impl Variation {
    /// Adds the differences between two captures of the same checkpoint (none when identical).
    pub fn between(a: &Rgba, b: &Rgba) -> Option<Variation> {
        let (pixels, regions) = compare::regions::varying_regions(a, b);
        (pixels > 0).then_some(Variation { pixels, regions })
    }

    pub fn merge(&mut self, other: Variation) {
        self.pixels = self.pixels.max(other.pixels);
        for r in other.regions {
            if !self.regions.contains(&r) {
                self.regions.push(r);
            }
        }
        self.regions.sort();
    }
}

/// The first comparison of a shot with its baseline.
pub struct Verdict {
    pub checkpoint: Checkpoint,
    first: First,
    baseline_path: PathBuf,
}

impl Verdict {
    pub fn needs_recapture(&self) -> bool {
        matches!(self.first, First::Differs(..))
    }
}

/// What every verdict of one window needs.
pub struct Context {
    recording_id: String,
    /// The window id, when the recording has several (a level in baseline and report paths).
    window: Option<String>,
    judging: Judging,
}

impl Context {
    pub fn new(recording_id: &str, window: Option<String>, judging: &Judging) -> Self {
        Context {
            recording_id: recording_id.to_string(),
            window,
            judging: judging.clone(),
        }
    }

    /// The window id, when the recording has several.
    pub fn window(&self) -> Option<&str> {
        self.window.as_deref()
    }

    fn decode(&self, shot: &Shot) -> Result<Rgba, RunError> {
        decode_png(&shot.png).map_err(|_| {
            RunError::Output(format!(
                "{}: the browser returned an undecodable screenshot",
                shot.checkpoint.name
            ))
        })
    }

    fn masked<'a>(&self, img: &'a Rgba, shot: &Shot) -> std::borrow::Cow<'a, Rgba> {
        let mut rects: Vec<Rect> = self.judging.masks.clone();
        rects.extend(
            shot.mask_rects
                .iter()
                .map(|&(x, y, w, h)| Rect { x, y, w, h }),
        );
        if rects.is_empty() {
            return std::borrow::Cow::Borrowed(img);
        }
        let mut out = img.clone();
        paint_masks(&mut out, &rects, self.judging.mask_color);
        std::borrow::Cow::Owned(out)
    }

    fn diff(&self, a: &Rgba, b: &Rgba, want_image: bool) -> DiffResult {
        let mut o = self.judging.diff.clone();
        o.want_image = want_image;
        compare::diff(a, b, &o)
    }

    pub fn judge(&self, shot: &Shot) -> Result<Verdict, RunError> {
        let baseline_path = self.judging.baselines.png_path(
            &self.recording_id,
            self.window.as_deref(),
            &shot.checkpoint.name,
        );
        let first = match self.judging.baselines.read_png(&baseline_path)? {
            None => First::Missing,
            Some(bytes) if compare::provenance::written_from_shot(&bytes, &shot.png) => {
                // The very screenshot the baseline was written from: the same pixels.
                let ((width, height), thumbnail) =
                    match crate::report::thumbnail::png_of_png(&shot.png) {
                        Some(made) => made,
                        None => {
                            let baseline = BaselineStore::decode(&baseline_path, &bytes)?;
                            let size = baseline.dimensions();
                            (size, crate::report::thumbnail::png(baseline))
                        }
                    };
                First::Within(DiffResult::identical(width, height), thumbnail)
            }
            Some(bytes) => {
                let baseline = BaselineStore::decode(&baseline_path, &bytes)?;
                let actual = self.decode(shot)?;
                let size = baseline.dimensions();
                let first = if size != actual.dimensions() {
                    compare::recycle(actual);
                    First::SizeChanged {
                        size,
                        baseline: bytes,
                    }
                } else {
                    let r = self.diff(
                        &self.masked(&baseline, shot),
                        &self.masked(&actual, shot),
                        false,
                    );
                    if self.judging.tolerance.passes(&r) {
                        First::Within(r, crate::report::thumbnail::png(actual))
                    } else {
                        compare::recycle(actual);
                        First::Differs(r, bytes)
                    }
                };
                compare::recycle(baseline);
                first
            }
        };
        Ok(Verdict {
            checkpoint: shot.checkpoint.clone(),
            first,
            baseline_path,
        })
    }

    /// Writes one of the checkpoint's report images; returns its path in the report.
    pub fn write_image(&self, image: Image, name: &str, bytes: &[u8]) -> Result<String, RunError> {
        let rel = ReportDir::image(image, &self.recording_id, self.window.as_deref(), name);
        self.judging
            .report
            .write(&rel, bytes)
            .map_err(|e| RunError::Output(e.to_string()))?;
        Ok(rel)
    }

    /// Writes a baseline; false when the baseline folder cannot be written: the checkpoint is
    /// then an `error` saying so in `report` (with the actual image, and the path relative to
    /// the report folder), and the other checkpoints keep their results.
    fn save_baseline(
        &self,
        path: &Path,
        img: &Rgba,
        report: &mut CheckpointReport,
        shot: &Shot,
    ) -> Result<bool, RunError> {
        let saved = self.judging.baselines.save_png(path, img, Some(&shot.png));
        self.note_saved(saved, path, report, shot)
    }

    /// [`Self::save_baseline`] for a checkpoint without a baseline: the screenshot is decoded
    /// only when its format needs it.
    fn save_new_baseline(
        &self,
        path: &Path,
        report: &mut CheckpointReport,
        shot: &Shot,
    ) -> Result<bool, RunError> {
        let saved = match self.judging.baselines.save_screenshot(path, &shot.png) {
            Ok(false) => {
                let img = self.decode(shot)?;
                let saved = self.judging.baselines.save_png(path, &img, Some(&shot.png));
                compare::recycle(img);
                saved
            }
            written => written,
        };
        self.note_saved(saved, path, report, shot)
    }

    fn note_saved(
        &self,
        saved: Result<bool, BaselineError>,
        path: &Path,
        report: &mut CheckpointReport,
        shot: &Shot,
    ) -> Result<bool, RunError> {
        match saved {
            Ok(_) => Ok(true),
            Err(BaselineError::Write { source, .. }) => {
                report.status = CheckpointStatus::Error;
                report.message = Some(format!(
                    "cannot write the baseline {}: {source}",
                    self.judging.report.relative(path)
                ));
                report.actual = Some(self.write_image(Image::Actual, &report.name, &shot.png)?);
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Decides the final status (given a second capture for differing shots), writes baselines as
    /// the update policy says, and writes actual/diff images for what did not pass, with a copy
    /// of the baseline beside them when it differs (changed, size-changed, flaky); the actual
    /// image of a baseline it wrote (new, updated); a thumbnail of what passed.
    pub fn settle(
        &self,
        verdict: Verdict,
        shot: Shot,
        again: Option<Shot>,
        variation: Option<Variation>,
    ) -> Result<CheckpointReport, RunError> {
        let cp = &verdict.checkpoint;
        let update = self.judging.update;
        let mut report = CheckpointReport {
            name: cp.name.clone(),
            window: self.window.clone(),
            t_ms: cp.t_ms,
            reason: cp.reason,
            viewport: [cp.viewport.0, cp.viewport.1],
            status: CheckpointStatus::Pass,
            diff_pixels: None,
            diff_ratio: None,
            actual: None,
            baseline: Some(self.judging.report.relative(&verdict.baseline_path)),
            diff: None,
            expected: None,
            message: None,
            varying_pixels: None,
            varying_regions: None,
            duration_ms: Some(shot.elapsed.as_millis() as u64),
            recorded: None,
            thumbnail: None,
            posthog_url: None,
            extras: Extras::new(),
        };
        if let Some(v) = variation {
            // Repeated captures disagree: nothing about this checkpoint can be trusted or written.
            report.status = CheckpointStatus::Flaky;
            report.message = Some(format!(
                "{} pixels varied between repeated captures",
                v.pixels
            ));
            report.varying_pixels = Some(v.pixels);
            report.varying_regions = Some(v.regions);
            report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
            let baseline = match verdict.first {
                First::SizeChanged { baseline, .. } | First::Differs(_, baseline) => Some(baseline),
                _ => self.judging.baselines.read_png(&verdict.baseline_path)?,
            };
            if let Some(bytes) = baseline {
                report.expected = Some(self.write_image(Image::Expected, &cp.name, &bytes)?);
            }
            return Ok(report);
        }
        match verdict.first {
            First::Missing => {
                if update.writes_missing() {
                    if !self.save_new_baseline(&verdict.baseline_path, &mut report, &shot)? {
                        return Ok(report);
                    }
                    report.status = CheckpointStatus::New;
                    report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                } else {
                    report.status = CheckpointStatus::Missing;
                    report.baseline = None;
                    report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                    report.message = Some("no baseline (none written: --update=none or CI)".into());
                }
            }
            First::SizeChanged { size, baseline } => {
                let actual = self.decode(&shot)?;
                report.message = Some(format!(
                    "baseline is {}x{}, screenshot is {}x{}",
                    size.0,
                    size.1,
                    actual.width(),
                    actual.height()
                ));
                if update.writes_changed() {
                    if !self.save_baseline(&verdict.baseline_path, &actual, &mut report, &shot)? {
                        return Ok(report);
                    }
                    report.status = CheckpointStatus::Updated;
                    report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                } else {
                    report.status = CheckpointStatus::SizeChanged;
                    report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                    report.expected =
                        Some(self.write_image(Image::Expected, &cp.name, &baseline)?);
                }
            }
            First::Within(r, thumbnail) => {
                report.diff_pixels = Some(r.diff_pixels);
                report.diff_ratio = Some(r.diff_ratio);
                if update == UpdateMode::All && !r.identical {
                    let img = self.decode(&shot)?;
                    if !self.save_baseline(&verdict.baseline_path, &img, &mut report, &shot)? {
                        return Ok(report);
                    }
                    report.status = CheckpointStatus::Updated;
                    report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                } else {
                    report.thumbnail =
                        Some(self.write_image(Image::Thumbnail, &cp.name, &thumbnail)?);
                }
            }
            First::Differs(r, baseline_png) => {
                report.diff_pixels = Some(r.diff_pixels);
                report.diff_ratio = Some(r.diff_ratio);
                let actual = self.decode(&shot)?;
                let flaky = match &again {
                    Some(second) => {
                        let second_img = self.decode(second)?;
                        second_img.dimensions() != actual.dimensions()
                            || self.masked(&second_img, second).as_raw()
                                != self.masked(&actual, &shot).as_raw()
                    }
                    None => false,
                };
                if flaky {
                    report.status = CheckpointStatus::Flaky;
                    report.message =
                        Some("two captures of this checkpoint differ from each other".into());
                } else if update.writes_changed() {
                    if self.save_baseline(&verdict.baseline_path, &actual, &mut report, &shot)? {
                        report.status = CheckpointStatus::Updated;
                        report.actual =
                            Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                    }
                    return Ok(report);
                } else {
                    report.status = CheckpointStatus::Changed;
                }
                report.actual = Some(self.write_image(Image::Actual, &cp.name, &shot.png)?);
                report.expected =
                    Some(self.write_image(Image::Expected, &cp.name, &baseline_png)?);
                let baseline = BaselineStore::decode(&verdict.baseline_path, &baseline_png)?;
                let with_image = self.diff(
                    &self.masked(&baseline, &shot),
                    &self.masked(&actual, &shot),
                    true,
                );
                if let Some(img) = with_image.image {
                    report.diff =
                        Some(self.write_image(Image::Diff, &cp.name, &encode_png_fast(&img))?);
                }
            }
        }
        Ok(report)
    }
}
