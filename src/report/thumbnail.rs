//! Thumbnails of passing checkpoints for the HTML report: what was captured, scaled down (area
//! averaging) to fit [`MAX_WIDTH`] × [`MAX_HEIGHT`], so the report folder shows every checkpoint
//! without holding full screenshots of the ones that passed.

use crate::compare::{Rgba, encode_png_fast};

/// The box a thumbnail fits in: twice the size the report shows it at, for sharp HiDPI screens.
pub const MAX_WIDTH: u32 = 320;
pub const MAX_HEIGHT: u32 = 240;

/// The size `width` × `height` scales to: the aspect ratio kept, never upscaled, at least 1×1.
pub fn size(width: u32, height: u32) -> (u32, u32) {
    if width <= MAX_WIDTH && height <= MAX_HEIGHT {
        return (width.max(1), height.max(1));
    }
    let scale = f64::min(
        MAX_WIDTH as f64 / width as f64,
        MAX_HEIGHT as f64 / height as f64,
    );
    (
        ((width as f64 * scale).round() as u32).clamp(1, MAX_WIDTH),
        ((height as f64 * scale).round() as u32).clamp(1, MAX_HEIGHT),
    )
}

/// `img` scaled down to fit the thumbnail box, as a PNG.
pub fn png(img: Rgba) -> Vec<u8> {
    let (w, h) = size(img.width(), img.height());
    if (w, h) == img.dimensions() {
        let bytes = encode_png_fast(&img);
        crate::compare::recycle(img);
        return bytes;
    }
    // Through DynamicImage, whose non-generic methods are compiled (and optimized) in the image
    // crate: the generic imageops::thumbnail, or a loop written here, would be compiled in this
    // crate, unoptimized in dev builds and tests (1280x800: ~130-170 ms instead of ~20 ms).
    let full = image::DynamicImage::ImageRgba8(img);
    let small = full.thumbnail_exact(w, h);
    if let image::DynamicImage::ImageRgba8(img) = full {
        crate::compare::recycle(img);
    }
    encode_png_fast(&small.into_rgba8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_the_aspect_ratio_inside_the_box() {
        assert_eq!(size(1280, 800), (320, 200));
        assert_eq!(size(390, 844), (111, 240));
        assert_eq!(size(2560, 1304), (320, 163));
        assert_eq!(size(200, 100), (200, 100), "small images stay as they are");
        assert_eq!(size(100_000, 1), (320, 1));
        assert_eq!(size(0, 0), (1, 1));
    }

    #[test]
    fn averages_the_pixels_it_scales_down() {
        // Left half black, right half white: the thumbnail keeps the split.
        let img = Rgba::from_fn(1280, 800, |x, _| {
            let v = if x < 640 { 0 } else { 255 };
            image::Rgba([v, v, v, 255])
        });
        let thumb = crate::compare::decode_png(&png(img)).unwrap();
        assert_eq!(thumb.dimensions(), (320, 200));
        assert_eq!(thumb.get_pixel(10, 100).0, [0, 0, 0, 255]);
        assert_eq!(thumb.get_pixel(310, 100).0, [255, 255, 255, 255]);
    }
}
