//! One checkpoint's verdict: compare the screenshot with its baseline (masks painted over both),
//! then, after an optional second capture, settle on a status, apply the update policy and write
//! the report images.

use super::{RunError, RunOptions, relative_path};
use crate::compare::baseline::BaselineError;
use crate::compare::{self, DiffResult, Rect, Rgba, decode_png, encode_png_fast, paint_masks};
use crate::plan::Checkpoint;
use crate::recording::{Recording, sanitize_id};
use crate::replay::Shot;
use crate::report::{CheckpointReport, CheckpointStatus};
use std::path::PathBuf;

/// When baselines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
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

enum First {
    Missing,
    SizeChanged { baseline: (u32, u32) },
    Within(DiffResult),
    Differs(DiffResult),
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
        matches!(self.first, First::Differs(_))
    }
}

/// What every verdict of one window needs.
pub struct Context {
    recording_id: String,
    window: Option<String>,
    opts: RunOptions,
}

impl Context {
    pub fn new(recording: &Recording, window: Option<String>, opts: &RunOptions) -> Self {
        Context {
            recording_id: recording.id.clone(),
            window,
            opts: opts.clone(),
        }
    }

    fn decode(&self, shot: &Shot) -> Result<Rgba, RunError> {
        decode_png(&shot.png).map_err(|_| {
            RunError::Output(format!(
                "{}: the browser returned an undecodable screenshot",
                shot.checkpoint.name
            ))
        })
    }

    fn masked(&self, img: &Rgba, shot: &Shot) -> Rgba {
        let mut rects: Vec<Rect> = self.opts.masks.clone();
        rects.extend(
            shot.mask_rects
                .iter()
                .map(|&(x, y, w, h)| Rect { x, y, w, h }),
        );
        if rects.is_empty() {
            return img.clone();
        }
        let mut out = img.clone();
        paint_masks(&mut out, &rects, self.opts.mask_color);
        out
    }

    fn diff(&self, a: &Rgba, b: &Rgba, want_image: bool) -> DiffResult {
        let mut o = self.opts.diff.clone();
        o.want_image = want_image;
        compare::diff(a, b, &o)
    }

    pub fn judge(&self, shot: &Shot) -> Result<Verdict, RunError> {
        let baseline_path = self.opts.baselines.png_path(
            &self.recording_id,
            self.window.as_deref(),
            &shot.checkpoint.name,
        );
        let first = match self.opts.baselines.load_png(&baseline_path)? {
            None => First::Missing,
            Some(baseline) => {
                let actual = self.decode(shot)?;
                if baseline.dimensions() != actual.dimensions() {
                    First::SizeChanged {
                        baseline: baseline.dimensions(),
                    }
                } else {
                    let r = self.diff(
                        &self.masked(&baseline, shot),
                        &self.masked(&actual, shot),
                        false,
                    );
                    if self.opts.tolerance.passes(&r) {
                        First::Within(r)
                    } else {
                        First::Differs(r)
                    }
                }
            }
        };
        Ok(Verdict {
            checkpoint: shot.checkpoint.clone(),
            first,
            baseline_path,
        })
    }

    fn report_path(&self, kind: &str, name: &str) -> PathBuf {
        let mut p = self
            .opts
            .out
            .join(kind)
            .join(sanitize_id(&self.recording_id));
        if let Some(w) = &self.window {
            p.push(sanitize_id(w));
        }
        p.push(format!("{name}.png"));
        p
    }

    fn write_report_png(&self, kind: &str, name: &str, bytes: &[u8]) -> Result<String, RunError> {
        let path = self.report_path(kind, name);
        crate::files::write_atomic(&path, bytes)
            .map_err(|e| RunError::Output(format!("writing {}: {e}", path.display())))?;
        Ok(relative_path(&path, &self.opts.out))
    }

    /// Writes a baseline; false when the baseline folder cannot be written: the checkpoint is
    /// then an `error` saying so in `report` (with the actual image, and the path relative to
    /// the report folder), and the other checkpoints keep their results.
    fn save_baseline(
        &self,
        path: &std::path::Path,
        img: &Rgba,
        report: &mut CheckpointReport,
        shot: &Shot,
    ) -> Result<bool, RunError> {
        match self.opts.baselines.save_png(path, img) {
            Ok(_) => Ok(true),
            Err(BaselineError::Write { source, .. }) => {
                report.status = CheckpointStatus::Error;
                report.message = Some(format!(
                    "cannot write the baseline {}: {source}",
                    relative_path(path, &self.opts.out)
                ));
                report.actual = Some(self.write_report_png("actual", &report.name, &shot.png)?);
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Decides the final status (given a second capture for differing shots), writes baselines as
    /// the update policy says, and writes actual/diff images for what did not pass.
    pub fn settle(
        &self,
        verdict: Verdict,
        shot: Shot,
        again: Option<Shot>,
        variation: Option<Variation>,
    ) -> Result<CheckpointReport, RunError> {
        let cp = &verdict.checkpoint;
        let update = self.opts.update;
        let baseline_rel = Some(relative_path(&verdict.baseline_path, &self.opts.out));
        let mut report = CheckpointReport {
            name: cp.name.clone(),
            window: self.window.clone(),
            t_ms: cp.t_ms,
            reason: cp.reason.as_str().to_string(),
            viewport: [cp.viewport.0, cp.viewport.1],
            status: CheckpointStatus::Pass,
            diff_pixels: None,
            diff_ratio: None,
            actual: None,
            baseline: baseline_rel,
            diff: None,
            expected: None,
            message: None,
            varying_pixels: None,
            varying_regions: None,
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
            report.actual = Some(self.write_report_png("actual", &cp.name, &shot.png)?);
            return Ok(report);
        }
        match verdict.first {
            First::Missing => {
                if update.writes_missing() {
                    let img = self.decode(&shot)?;
                    if !self.save_baseline(&verdict.baseline_path, &img, &mut report, &shot)? {
                        return Ok(report);
                    }
                    report.status = CheckpointStatus::New;
                } else {
                    report.status = CheckpointStatus::Missing;
                    report.baseline = None;
                    report.actual = Some(self.write_report_png("actual", &cp.name, &shot.png)?);
                    report.message = Some("no baseline (none written: --update=none or CI)".into());
                }
            }
            First::SizeChanged { baseline } => {
                let actual = self.decode(&shot)?;
                report.message = Some(format!(
                    "baseline is {}x{}, screenshot is {}x{}",
                    baseline.0,
                    baseline.1,
                    actual.width(),
                    actual.height()
                ));
                if update.writes_changed() {
                    if !self.save_baseline(&verdict.baseline_path, &actual, &mut report, &shot)? {
                        return Ok(report);
                    }
                    report.status = CheckpointStatus::Updated;
                } else {
                    report.status = CheckpointStatus::SizeChanged;
                    report.actual = Some(self.write_report_png("actual", &cp.name, &shot.png)?);
                }
            }
            First::Within(r) => {
                report.diff_pixels = Some(r.diff_pixels);
                report.diff_ratio = Some(r.diff_ratio);
                if update == super::UpdateMode::All && !r.identical {
                    let img = self.decode(&shot)?;
                    if !self.save_baseline(&verdict.baseline_path, &img, &mut report, &shot)? {
                        return Ok(report);
                    }
                    report.status = CheckpointStatus::Updated;
                }
            }
            First::Differs(r) => {
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
                    }
                    return Ok(report);
                } else {
                    report.status = CheckpointStatus::Changed;
                }
                report.actual = Some(self.write_report_png("actual", &cp.name, &shot.png)?);
                let baseline = self
                    .opts
                    .baselines
                    .load_png(&verdict.baseline_path)?
                    .unwrap_or_else(|| actual.clone());
                let with_image = self.diff(
                    &self.masked(&baseline, &shot),
                    &self.masked(&actual, &shot),
                    true,
                );
                if let Some(img) = with_image.image {
                    report.diff =
                        Some(self.write_report_png("diff", &cp.name, &encode_png_fast(&img))?);
                }
            }
        }
        Ok(report)
    }
}
