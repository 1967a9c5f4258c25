//! `reel diff A.png B.png [--out DIFF.png] [--threshold 0.1] [--include-aa] [--json]
//! [--max-diff-pixels N] [--max-diff-ratio R] [--mask x,y,w,h]... [--mask-color #RRGGBB]`.
//!
//! Exit 0 when no pixel differs beyond the tolerances, 1 when they differ (or the sizes do),
//! 2 on bad input (unreadable or malformed PNG, bad flags).

use super::Failure;
use crate::compare::{
    self, Background, CompareError, DiffOptions, DiffResult, MaskColor, Rect, Rgba, Tolerance,
};
use crate::exit::Outcome;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// Expected image (e.g. the baseline).
    pub a: PathBuf,
    /// Actual image.
    pub b: PathBuf,
    /// Write the diff image here: changed pixels red, anti-aliasing yellow, the rest faded grey.
    #[arg(long, value_name = "DIFF.png")]
    pub out: Option<PathBuf>,
    /// Colour-difference threshold, 0 to 1; smaller is more sensitive (pixelmatch's).
    #[arg(long, default_value_t = 0.1, value_parser = parse_unit)]
    pub threshold: f64,
    /// Count anti-aliased pixels as differences too (no anti-aliasing detection).
    #[arg(long)]
    pub include_aa: bool,
    /// Print {width, height, diff_pixels, diff_ratio, size_mismatch, identical} as JSON.
    #[arg(long)]
    pub json: bool,
    /// Pass when at most this many pixels differ.
    #[arg(long, value_name = "N")]
    pub max_diff_pixels: Option<u64>,
    /// Pass when at most this fraction (0 to 1) of the pixels differ.
    #[arg(long, value_name = "RATIO", value_parser = parse_unit)]
    pub max_diff_ratio: Option<f64>,
    /// Paint this rectangle over both images before comparing (repeatable).
    #[arg(long = "mask", value_name = "X,Y,W,H")]
    pub masks: Vec<Rect>,
    /// Mask colour, #RRGGBB or #RRGGBBAA.
    #[arg(long, value_name = "#RRGGBB", default_value = "#FF00FF")]
    pub mask_color: MaskColor,
    /// Blend semi-transparent pixels over pixelmatch's checkerboard instead of white.
    #[arg(long)]
    pub checkerboard: bool,
}

fn parse_unit(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number from 0 to 1")),
    }
}

pub fn run(args: DiffArgs) -> Result<Outcome, Failure> {
    let (mut a, mut b) = load_pair(&args.a, &args.b).map_err(Failure::input)?;
    if !args.masks.is_empty() {
        compare::paint_masks(&mut a, &args.masks, args.mask_color);
        if let Some(b) = b.as_mut() {
            compare::paint_masks(b, &args.masks, args.mask_color);
        }
    }
    let b = b.as_ref().unwrap_or(&a);
    let opts = DiffOptions {
        threshold: args.threshold,
        include_aa: args.include_aa,
        want_image: args.out.is_some(),
        background: if args.checkerboard {
            Background::Checkerboard
        } else {
            Background::White
        },
        ..DiffOptions::default()
    };
    let result = compare::diff(&a, b, &opts);
    let dims = (a.dimensions(), b.dimensions());
    let tolerance = Tolerance {
        max_diff_pixels: args.max_diff_pixels,
        max_diff_ratio: args.max_diff_ratio,
    };
    let passed = tolerance.passes(&result);

    if let (Some(out), Some(img)) = (&args.out, &result.image) {
        write_diff_image(out, img).map_err(Failure::input)?;
    }

    if args.json {
        println!("{}", json_line(&result));
    } else {
        println!("{}", summary(&args, &result, passed, dims));
    }
    if result.size_mismatch && args.out.is_some() {
        eprintln!("note: sizes differ, no diff image written");
    }
    Ok(if passed {
        Outcome::Pass
    } else {
        Outcome::Regressions
    })
}

/// Reads both files, then decodes them at once (PNG decoding dominates the whole run on large
/// images). Byte-identical files are decoded once: `None` stands for "the same as A".
fn load_pair(a: &Path, b: &Path) -> Result<(Rgba, Option<Rgba>), CompareError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|error| CompareError::Read {
            path: path.to_owned(),
            error,
        })
    };
    let (bytes_a, bytes_b) = (read(a)?, read(b)?);
    if bytes_a == bytes_b {
        return Ok((compare::decode_png_file(a, &bytes_a)?, None));
    }
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| compare::decode_png_file(a, &bytes_a));
        let rb = compare::decode_png_file(b, &bytes_b);
        let ra = ha.join().unwrap_or_else(|_| {
            Err(CompareError::Read {
                path: a.to_owned(),
                error: std::io::Error::other("decoder thread panicked"),
            })
        });
        (ra, rb)
    });
    Ok((ra?, Some(rb?)))
}

fn write_diff_image(path: &Path, img: &Rgba) -> Result<(), CompareError> {
    let bytes = compare::encode_png_fast(img);
    crate::files::write_atomic(path, &bytes).map_err(|error| CompareError::Write {
        path: path.to_owned(),
        error,
    })
}

/// The `--json` line, keys in this order.
#[derive(serde::Serialize)]
struct JsonReport {
    width: u32,
    height: u32,
    diff_pixels: u64,
    diff_ratio: f64,
    size_mismatch: bool,
    identical: bool,
}

fn json_line(r: &DiffResult) -> String {
    let report = JsonReport {
        width: r.width,
        height: r.height,
        diff_pixels: r.diff_pixels,
        diff_ratio: r.diff_ratio,
        size_mismatch: r.size_mismatch,
        identical: r.identical,
    };
    serde_json::to_string(&report).unwrap_or_default()
}

type Dims = ((u32, u32), (u32, u32));

fn summary(args: &DiffArgs, r: &DiffResult, passed: bool, ((wa, ha), (wb, hb)): Dims) -> String {
    if r.size_mismatch {
        return format!(
            "size-changed: {} is {wa}x{ha}, {} is {wb}x{hb}",
            args.a.display(),
            args.b.display(),
        );
    }
    if r.identical {
        return format!("identical: {}x{}", r.width, r.height);
    }
    let verdict = if passed { "pass" } else { "differ" };
    let aa = if args.include_aa {
        "anti-aliasing counted".to_owned()
    } else {
        format!("{} anti-aliased pixels ignored", r.aa_pixels)
    };
    let mut line = format!(
        "{verdict}: {} of {}x{} pixels differ ({:.4}%) at threshold {} ({aa})",
        r.diff_pixels,
        r.width,
        r.height,
        r.diff_ratio * 100.0,
        args.threshold
    );
    if let Some(n) = args.max_diff_pixels {
        line.push_str(&format!(", max-diff-pixels {n}"));
    }
    if let Some(q) = args.max_diff_ratio {
        line.push_str(&format!(", max-diff-ratio {q}"));
    }
    line
}
