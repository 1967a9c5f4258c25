//! Thumbnails of passing checkpoints for the HTML report: what was captured, scaled down (area
//! averaging) to fit [`MAX_WIDTH`] × [`MAX_HEIGHT`], so the report folder shows every checkpoint
//! without holding full screenshots of the ones that passed.

use crate::compare::{PlainRows, Rgba, encode_png_fast};

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

/// The thumbnail of the PNG `png` (a browser's screenshot) straight from its rows, without a
/// full-size RGBA image: each thumbnail pixel is the mean of the block of pixels it covers (block
/// edges on whole pixels; at a ratio that is not whole, a thin line may come out lighter or darker
/// than [`png`] draws it). With the image's size; `None` when `png` is not a [`PlainRows`] PNG:
/// decode it and use [`png`]. Checkpoints that pass unchanged get their thumbnail here, where it
/// was most of reel's own CPU: on the 94 screenshots of `benches/scale.py` 3.2 ms each instead of
/// 7.5 ms for a decode and [`png`] (release build, 2026-12-04).
pub fn png_of_png(png: &[u8]) -> Option<((u32, u32), Vec<u8>)> {
    let mut rows = PlainRows::open(png)?;
    let (width, height, channels) = (rows.width as usize, rows.height as usize, rows.channels);
    let (tw, th) = size(rows.width, rows.height);
    let (tw, th) = (tw as usize, th as usize);
    // Source column x falls in thumbnail column x * tw / width; likewise for rows.
    let column: Vec<usize> = (0..width).map(|x| x * tw / width).collect();
    let mut columns = vec![0u32; tw];
    for &c in &column {
        columns[c] += 1;
    }
    let mut sums = vec![0u32; tw * 4];
    let mut out = Vec::with_capacity(tw * th * 4);
    let (mut band, mut band_rows) = (0, 0u32);
    for y in 0..height {
        let row = rows.next_row()?;
        if y * th / height != band {
            flush(&mut sums, &columns, band_rows, &mut out);
            (band, band_rows) = (y * th / height, 0);
        }
        band_rows += 1;
        if channels == 4 {
            add_row::<4>(row, &column, &mut sums);
        } else {
            add_row::<3>(row, &column, &mut sums);
        }
    }
    flush(&mut sums, &columns, band_rows, &mut out);
    let thumb = Rgba::from_raw(tw as u32, th as u32, out)?;
    Some(((rows.width, rows.height), encode_png_fast(&thumb)))
}

/// Adds the pixels of `row` (`CHANNELS` bytes each: RGB, opaque, or RGBA) to the RGBA sums of
/// the thumbnail columns `column` maps them to.
fn add_row<const CHANNELS: usize>(row: &[u8], column: &[usize], sums: &mut [u32]) {
    for (px, &c) in row.chunks_exact(CHANNELS).zip(column) {
        let sum = &mut sums[c * 4..c * 4 + 4];
        sum[0] += px[0] as u32;
        sum[1] += px[1] as u32;
        sum[2] += px[2] as u32;
        sum[3] += if CHANNELS == 4 { px[3] as u32 } else { 255 };
    }
}

/// Appends the thumbnail row whose blocks `sums` adds up (`columns[i]` source columns wide,
/// `rows` tall), rounded to the nearest, and clears `sums`.
fn flush(sums: &mut [u32], columns: &[u32], rows: u32, out: &mut Vec<u8>) {
    for (block, &n) in sums.chunks_exact_mut(4).zip(columns) {
        let n = n * rows;
        for v in block.iter_mut() {
            out.push(((*v + n / 2) / n) as u8);
            *v = 0;
        }
    }
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
    fn a_screenshot_gives_the_same_thumbnail_from_its_rows() {
        // 1280x800 -> 320x200: blocks of 4x4 either way; RGB as Chromium encodes it.
        let rgb: Vec<u8> = (0..800u32)
            .flat_map(|y| {
                (0..1280u32).flat_map(move |x| [(x * 3) as u8, (y ^ x) as u8, (y / 3) as u8])
            })
            .collect();
        let mut shot = Vec::new();
        let mut enc = png::Encoder::new(&mut shot, 1280, 800);
        enc.set_color(png::ColorType::Rgb);
        enc.write_header().unwrap().write_image_data(&rgb).unwrap();
        let decoded = crate::compare::decode_png(&shot).unwrap();
        let (size, from_rows) = png_of_png(&shot).unwrap();
        assert_eq!(size, (1280, 800));
        let a = crate::compare::decode_png(&from_rows).unwrap();
        let b = crate::compare::decode_png(&png(decoded)).unwrap();
        assert_eq!(a.dimensions(), (320, 200));
        let worst = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| x.abs_diff(*y))
            .max();
        assert!(worst <= Some(1), "{worst:?}");

        let mut grey = Vec::new();
        let mut enc = png::Encoder::new(&mut grey, 2, 1);
        enc.set_color(png::ColorType::Grayscale);
        enc.write_header()
            .unwrap()
            .write_image_data(&[0, 9])
            .unwrap();
        assert_eq!(png_of_png(&grey), None, "not plain RGB(A): decoded instead");
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
