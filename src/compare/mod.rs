//! Verdicts: the pixel diff kernel (pixelmatch-exact), masks, tolerances and baselines.
//!
//! - `kernel`: [`diff`] compares two RGBA8 images exactly as pixelmatch 7.2.0 counts mismatches
//!   (YIQ delta, anti-aliasing detection, alpha blending), in parallel over row bands.
//! - `png_io`: PNG decoding to RGBA8 (any colour type / bit depth) and encoding (small or fast).
//! - `mask`: rectangles painted over both images before comparing.
//! - `tolerance`: when a number of differing pixels still passes.
//! - [`baseline`]: the approved screenshots and console errors on disk.
//! - [`provenance`]: the screenshot a baseline was written from, so that the same bytes again
//!   match without a decode or a diff.

pub mod baseline;
pub(crate) mod kernel;
mod mask;
mod png_io;
pub mod provenance;
pub(crate) mod regions;
mod tolerance;

pub use baseline::UpdateMode;
pub use kernel::{Background, DiffOptions, DiffResult, diff};
pub use mask::{MaskColor, Rect, paint_masks};
pub use png_io::{
    CompareError, PlainRows, decode_png, decode_png_file, decode_png_limited, encode_png_fast,
    encode_png_small, load_png, png_size, recycle, reencode_png_small,
};
pub use tolerance::Tolerance;

/// The image type every function here works on: 8-bit RGBA, rows top to bottom, no padding.
pub type Rgba = image::RgbaImage;
