//! PNG in and out. Decoding turns any PNG (greyscale, palette, RGB, with or without alpha,
//! 1–16 bits) into 8-bit RGBA; errors name the file. Encoding comes in two flavours: small
//! (baselines that live in a repository) and fast (diff images written on the way out). A plain
//! 8-bit RGB or RGBA PNG, as browsers' screenshots are, can also be read row by row as it is
//! ([`PlainRows`]) and re-encoded small without widening it to RGBA.

use super::Rgba;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Why an image could not be read or written. Every variant names the file, on one line.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    // (The cause is part of the one-line message, deliberately not a `source`, so printing the
    // error chain does not repeat it.)
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is not a readable PNG: {error}", path.display())]
    Decode {
        path: PathBuf,
        error: png::DecodingError,
    },
    #[error("{} is too large to compare ({width}x{height})", path.display())]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
    },
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Decoded images may take at most this many bytes (RGBA8): 1 GiB, e.g. 16384 x 16384.
const MAX_DECODED_BYTES: usize = 1 << 30;

/// Reads and decodes a PNG file to RGBA8.
pub fn load_png(path: &Path) -> Result<Rgba, CompareError> {
    let bytes = std::fs::read(path).map_err(|error| CompareError::Read {
        path: path.to_owned(),
        error,
    })?;
    decode_png_file(path, &bytes)
}

/// Decodes the already read bytes of the PNG file `path` (errors name it).
pub fn decode_png_file(path: &Path, bytes: &[u8]) -> Result<Rgba, CompareError> {
    decode_png(bytes).map_err(|e| match e {
        DecodeFailure::Png(error) => CompareError::Decode {
            path: path.to_owned(),
            error,
        },
        DecodeFailure::TooLarge(width, height) => CompareError::TooLarge {
            path: path.to_owned(),
            width,
            height,
        },
    })
}

/// Why bytes did not decode (no file name yet; [`load_png`] adds it).
#[derive(Debug)]
pub enum DecodeFailure {
    Png(png::DecodingError),
    TooLarge(u32, u32),
}

impl From<png::DecodingError> for DecodeFailure {
    fn from(e: png::DecodingError) -> Self {
        DecodeFailure::Png(e)
    }
}

/// Width and height from a PNG's header (the pixels are not decoded).
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    let reader = png::Decoder::new(Cursor::new(png)).read_info().ok()?;
    let info = reader.info();
    Some((info.width, info.height))
}

/// Decodes PNG bytes to RGBA8: palettes and low bit depths are expanded, 16-bit samples cut to
/// their high byte, greyscale replicated, missing alpha made opaque (tRNS honoured).
pub fn decode_png(bytes: &[u8]) -> Result<Rgba, DecodeFailure> {
    decode_png_limited(bytes, MAX_DECODED_BYTES)
}

/// [`decode_png`] with a smaller cap on the decoded RGBA8 size (the fuzzer uses one, so that it
/// explores the decoder rather than the allocator).
pub fn decode_png_limited(bytes: &[u8], max_bytes: usize) -> Result<Rgba, DecodeFailure> {
    let max_bytes = max_bytes.min(MAX_DECODED_BYTES);
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: max_bytes + (1 << 20),
        },
    );
    decoder.set_transformations(
        png::Transformations::EXPAND | png::Transformations::ALPHA | png::Transformations::STRIP_16,
    );
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    let mut reader = decoder.read_info()?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    let pixels = (width as usize).checked_mul(height as usize);
    let Some(rgba_len) = pixels
        .and_then(|p| p.checked_mul(4))
        .filter(|&n| n <= max_bytes)
    else {
        return Err(DecodeFailure::TooLarge(width, height));
    };
    let (colour, _) = reader.output_color_type();
    let out = match colour {
        png::ColorType::Rgba => {
            let mut buf = pixel_buffer(rgba_len);
            reader.next_frame(&mut buf)?;
            buf
        }
        png::ColorType::GrayscaleAlpha => {
            // Decoded into the front half of the final buffer, then widened in place from the
            // back (pixel i moves from 2i to 4i, never over a pixel not yet read): one buffer.
            let mut buf = pixel_buffer(rgba_len);
            reader.next_frame(&mut buf[..rgba_len / 2])?;
            for i in (0..rgba_len / 4).rev() {
                let (g, a) = (buf[2 * i], buf[2 * i + 1]);
                buf[4 * i..4 * i + 4].copy_from_slice(&[g, g, g, a]);
            }
            buf
        }
        // EXPAND | ALPHA leaves only the two colour types above; anything else is a decoder
        // surprise, reported as an unsupported image rather than a panic.
        _ => {
            return Err(DecodeFailure::Png(png::DecodingError::IoError(
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("unsupported colour type {colour:?}"),
                ),
            )));
        }
    };
    Rgba::from_raw(width, height, out).ok_or(DecodeFailure::TooLarge(width, height))
}

/// Images from this size on get transparent huge pages (where the kernel offers them on request).
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// Pixel buffers of decoded images that their users are done with ([`recycle`]), kept for the
/// next decode: a fresh buffer costs a page fault per page and the kernel zeroing each page, a
/// reused one neither (profiled on `reel run` writing 94 new baselines: faults and zeroing were a
/// fifth of reel's own CPU, the copy into cold memory another seventh).
static SPARE: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
/// At most this many bytes of spare buffers are kept.
const SPARE_MAX_BYTES: usize = 96 << 20;

/// Gives the pixel buffer of an image that is no longer needed to the next decode.
pub fn recycle(img: Rgba) {
    recycle_buffer(img.into_raw());
}

fn recycle_buffer(buf: Vec<u8>) {
    if buf.capacity() < (1 << 20) {
        return;
    }
    if let Ok(mut spare) = SPARE.lock() {
        let kept: usize = spare.iter().map(Vec::capacity).sum();
        if kept + buf.capacity() <= SPARE_MAX_BYTES {
            spare.push(buf);
        }
    }
}

/// A spare buffer that holds `len` bytes without wasting more than half of itself, resized to
/// `len` (zeroed: a memset of warm memory).
fn spare_buffer(len: usize) -> Option<Vec<u8>> {
    let mut spare = SPARE.lock().ok()?;
    let i = spare
        .iter()
        .position(|b| b.capacity() >= len && b.capacity() / 2 <= len)?;
    let mut buf = spare.swap_remove(i);
    drop(spare);
    buf.clear();
    buf.resize(len, 0);
    Some(buf)
}

/// A zeroed buffer of `len` bytes for decoded pixels: a spare one when one fits. Large new ones
/// are backed by 2 MB pages on Linux: a diff streams both images through the TLB, and at 1280x8000 (2 × 41 MB) the identical
/// scan is bound by memory (measured with a plain two-thread `==` over 2 × 41 MB: 2.33 ms with
/// 4 KB pages, 2.11 ms with 2 MB pages; one thread 3.72 vs 2.62 ms), and decoding faults in 512x
/// fewer pages (1280x8000: 28 ms instead of 48-53). The price is an occasional stall when the
/// kernel compacts memory to find a 2 MB page (BENCHMARKS.md: p90 up by ~40 ms, medians down by
/// ~25 ms per `reel diff` of a 1280x8000 pair).
fn pixel_buffer(len: usize) -> Vec<u8> {
    if let Some(buf) = spare_buffer(len) {
        return buf;
    }
    #[cfg(target_os = "linux")]
    if len >= HUGE_PAGE_MIN_BYTES {
        // Zeroed, untouched memory straight from the allocator (large callocs are fresh
        // mappings), advised before the first write; the capacity covers whole aligned pages.
        let mut buf = vec![0u8; len + HUGE_PAGE];
        let start = buf.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE_PAGE);
        let end = (start + buf.len()) / HUGE_PAGE * HUGE_PAGE;
        if end > aligned {
            // SAFETY: [aligned, end) lies inside `buf`'s allocation; MADV_HUGEPAGE only changes
            // how the kernel backs those pages, never their contents. A failure (no THP support)
            // is harmless and ignored.
            unsafe {
                libc::madvise(
                    aligned as *mut libc::c_void,
                    end - aligned,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
        buf.truncate(len);
        return buf;
    }
    vec![0u8; len]
}

fn encode(img: &Rgba, compression: png::DeflateCompression, filter: png::Filter) -> Vec<u8> {
    encode_raw(
        img.as_raw(),
        img.width(),
        img.height(),
        png::ColorType::Rgba,
        compression,
        filter,
    )
}

fn encode_raw(
    pixels: &[u8],
    width: u32,
    height: u32,
    colour: png::ColorType,
    compression: png::DeflateCompression,
    filter: png::Filter,
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(colour);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_deflate_compression(compression);
        enc.set_filter(filter);
        // Writing into a Vec cannot fail when `pixels` has the right length (callers decoded
        // it at this size); an empty result is the only possible fallout of a bug here.
        if let Ok(mut writer) = enc.write_header() {
            let _ = writer.write_image_data(pixels);
            let _ = writer.finish();
        }
    }
    out
}

/// Deflate level 6 (zlib-rs), rows filtered as [`likely_smaller_filter`] says.
fn encode_small(pixels: &[u8], width: u32, height: u32, colour: png::ColorType) -> Vec<u8> {
    let filter = likely_smaller_filter(pixels, width, height, colour);
    let level = png::DeflateCompression::Level(6);
    encode_raw(pixels, width, height, colour, level, filter)
}

/// Adaptive filtering (per row, the filter with the smallest sum of magnitudes) or none at all,
/// whichever deflates the middle third of the image's rows smaller at level 1. Pages of flat
/// colour and repeated glyphs often deflate better unfiltered; others do not. Trying both on
/// a third of the rows at level 1 costs ~1 ms for 1280x800; on the 94 screenshots of
/// `benches/scale.py` (2026-12-04) it picked the smaller of the two level-6 files for 81, and
/// their RGB files came to 5644 KiB: adaptive alone 5986 KiB, none alone 5728, the better of
/// the two every time 5613, adaptive on RGBA (the baselines before) 5840.
fn likely_smaller_filter(
    pixels: &[u8],
    width: u32,
    height: u32,
    colour: png::ColorType,
) -> png::Filter {
    let row = pixels.len() / (height.max(1) as usize);
    let (from, rows) = if height >= 3 {
        (height / 3, height / 3)
    } else {
        (0, height)
    };
    let sample = &pixels[from as usize * row..(from + rows) as usize * row];
    let size = |filter| {
        encode_raw(
            sample,
            width,
            rows,
            colour,
            png::DeflateCompression::Level(1),
            filter,
        )
        .len()
    };
    if size(png::Filter::NoFilter) < size(png::Filter::Adaptive) {
        png::Filter::NoFilter
    } else {
        png::Filter::Adaptive
    }
}

/// Encodes for size: deflate level 6 (zlib-rs), rows filtered as [`likely_smaller_filter`]
/// says. For baselines,
/// which are stored forever, and written while a run with new baselines waits (`cargo bench
/// --bench diff` on screenshots: level 4 is 2-3% larger and 1.2-1.7x faster, level 9 no smaller
/// than 6 and 8-13x slower).
pub fn encode_png_small(img: &Rgba) -> Vec<u8> {
    encode_small(
        img.as_raw(),
        img.width(),
        img.height(),
        png::ColorType::Rgba,
    )
}

/// The rows of a PNG that is 8-bit RGB or RGBA, not interlaced and without a transparent colour
/// key, as browsers' screenshots are: its bytes as they are decode to the same pixels as
/// [`decode_png`]'s RGBA (RGB opaque), so they can be used without widening them first.
pub struct PlainRows<'a> {
    reader: png::Reader<Cursor<&'a [u8]>>,
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: usize,
}

impl<'a> PlainRows<'a> {
    /// `None` for any other PNG, one larger than [`decode_png`] takes, or bytes that are not one.
    pub fn open(png: &'a [u8]) -> Option<Self> {
        let mut decoder = png::Decoder::new_with_limits(
            Cursor::new(png),
            png::Limits {
                bytes: MAX_DECODED_BYTES + (1 << 20),
            },
        );
        decoder.set_transformations(png::Transformations::IDENTITY);
        decoder.set_ignore_text_chunk(true);
        decoder.set_ignore_iccp_chunk(true);
        let reader = decoder.read_info().ok()?;
        let info = reader.info();
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            _ => return None,
        };
        let plain =
            info.bit_depth == png::BitDepth::Eight && !info.interlaced && info.trns.is_none();
        let (width, height) = (info.width, info.height);
        let rgba_len = (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(4)?;
        if !plain || rgba_len > MAX_DECODED_BYTES {
            return None;
        }
        Some(PlainRows {
            reader,
            width,
            height,
            channels,
        })
    }

    /// The next row, top to bottom; `None` after the last one or when the data is damaged.
    pub fn next_row(&mut self) -> Option<&[u8]> {
        self.reader.next_row().ok().flatten().map(|row| row.data())
    }

    fn colour(&self) -> png::ColorType {
        if self.channels == 4 {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        }
    }
}

/// [`encode_png_small`] for the image of the PNG `png` without widening it to RGBA first: a
/// [`PlainRows`] PNG keeps its colour type. `None` for any other PNG, or one that does not
/// decode: decode it and encode the RGBA instead. For Chromium's screenshots this takes half the
/// time or less of a decode to RGBA and that encode, and 8-bit RGB has no alpha to store.
pub fn reencode_png_small(png: &[u8]) -> Option<Vec<u8>> {
    let mut rows = PlainRows::open(png)?;
    let (width, height, colour) = (rows.width, rows.height, rows.colour());
    let row_len = width as usize * rows.channels;
    let mut pixels = pixel_buffer(row_len * height as usize);
    let decoded = rows.reader.next_frame(&mut pixels);
    let out = decoded
        .ok()
        .map(|_| encode_small(&pixels, width, height, colour));
    recycle_buffer(pixels);
    out
}

/// Encodes for speed (fdeflate, adaptive filtering): diff images written on a failure.
pub fn encode_png_fast(img: &Rgba) -> Vec<u8> {
    encode(
        img,
        png::DeflateCompression::FdeflateUltraFast,
        png::Filter::Adaptive,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Rgba {
        Rgba::from_fn(37, 11, |x, y| {
            image::Rgba([(x * 7) as u8, (y * 20) as u8, (x ^ y) as u8, 200])
        })
    }

    #[test]
    fn a_recycled_buffer_holds_only_the_next_image() {
        let a = Rgba::from_fn(1024, 300, |x, y| image::Rgba([x as u8, y as u8, 7, 255]));
        let b = Rgba::from_fn(1024, 300, |x, y| image::Rgba([y as u8, 3, x as u8, 128]));
        let grey_alpha = {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, 1024, 300);
            enc.set_color(png::ColorType::GrayscaleAlpha);
            let data: Vec<u8> = (0..1024 * 300)
                .flat_map(|i| [(i % 251) as u8, 200])
                .collect();
            enc.write_header().unwrap().write_image_data(&data).unwrap();
            out
        };
        let first = decode_png(&encode_png_small(&a)).unwrap();
        assert_eq!(first, a);
        recycle(first);
        assert_eq!(decode_png(&encode_png_small(&b)).unwrap(), b);
        recycle(decode_png(&encode_png_small(&a)).unwrap());
        let g = decode_png(&grey_alpha).unwrap();
        assert_eq!(g.get_pixel(5, 0).0, [5, 5, 5, 200]);
        let v = ((1024 * 300 - 1) % 251) as u8;
        assert_eq!(g.get_pixel(1023, 299).0, [v, v, v, 200]);
    }

    /// An 8-bit RGB image whose pixels are few colours in a scattered pattern (as text on flat
    /// colour), and one that is a smooth gradient.
    fn scattered_and_gradient(w: u32, h: u32) -> [Vec<u8>; 2] {
        const COLOURS: [[u8; 3]; 4] = [[250, 250, 250], [20, 30, 40], [200, 60, 60], [90, 90, 250]];
        let mut state = 0x2545_f491_u32;
        let scattered = (0..w * h)
            .flat_map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                COLOURS[(state % 4) as usize]
            })
            .collect();
        let gradient = (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| [(x + y) as u8, (2 * x) as u8, (y * 3) as u8]))
            .collect();
        [scattered, gradient]
    }

    fn colour_type(png: &[u8]) -> u8 {
        png[25]
    }

    #[test]
    fn reencodes_8_bit_rgb_and_rgba_as_they_are() {
        use png::{BitDepth, ColorType};
        let [scattered, gradient] = scattered_and_gradient(300, 40);
        let rgba: Vec<u8> = gradient
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], p[0] ^ p[1]])
            .collect();
        for (png, colour) in [
            (
                encode_as(300, 40, ColorType::Rgb, BitDepth::Eight, &scattered),
                2,
            ),
            (
                encode_as(300, 40, ColorType::Rgb, BitDepth::Eight, &gradient),
                2,
            ),
            (
                encode_as(300, 40, ColorType::Rgba, BitDepth::Eight, &rgba),
                6,
            ),
        ] {
            let again = reencode_png_small(&png).expect("plain 8-bit RGB(A)");
            assert_eq!(colour_type(&again), colour);
            assert_eq!(
                decode_png(&again).unwrap_or_else(|e| panic!("{e:?}")),
                decode_png(&png).unwrap_or_else(|e| panic!("{e:?}"))
            );
        }
    }

    #[test]
    fn other_pngs_are_left_to_the_decode() {
        use png::{BitDepth, ColorType};
        let [_, gradient] = scattered_and_gradient(4, 2);
        let keyed = {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, 4, 2);
            enc.set_color(ColorType::Rgb);
            enc.set_trns(vec![0, 0, 0, 0, 0, 0]);
            enc.write_header()
                .unwrap()
                .write_image_data(&gradient)
                .unwrap();
            out
        };
        let plain = encode_as(4, 2, ColorType::Rgb, BitDepth::Eight, &gradient);
        for (what, png) in [
            ("transparent colour key", keyed),
            (
                "16-bit",
                encode_as(1, 1, ColorType::Rgb, BitDepth::Sixteen, &[1; 6]),
            ),
            (
                "grey",
                encode_as(2, 1, ColorType::Grayscale, BitDepth::Eight, &[0, 200]),
            ),
            (
                "palette",
                encode_as(2, 1, ColorType::Indexed, BitDepth::Eight, &[1, 0]),
            ),
            ("truncated", plain[..plain.len() - 20].to_vec()),
            ("not a PNG", b"GIF89a".to_vec()),
        ] {
            assert_eq!(reencode_png_small(&png), None, "{what}");
        }
        assert!(reencode_png_small(&plain).is_some());
    }

    #[test]
    fn rows_go_unfiltered_where_that_deflates_smaller() {
        let (w, h) = (400, 90);
        let [scattered, gradient] = scattered_and_gradient(w, h);
        let level6 = |pixels: &[u8], filter| {
            let level = png::DeflateCompression::Level(6);
            encode_raw(pixels, w, h, png::ColorType::Rgb, level, filter).len()
        };
        for (pixels, expected) in [
            (&scattered, png::Filter::NoFilter),
            (&gradient, png::Filter::Adaptive),
        ] {
            let (none, adaptive) = (
                level6(pixels, png::Filter::NoFilter),
                level6(pixels, png::Filter::Adaptive),
            );
            let smaller = if none < adaptive {
                png::Filter::NoFilter
            } else {
                png::Filter::Adaptive
            };
            assert_eq!(smaller, expected, "none {none} B, adaptive {adaptive} B");
            let chosen = likely_smaller_filter(pixels, w, h, png::ColorType::Rgb);
            assert_eq!(chosen, expected);
            assert_eq!(
                encode_small(pixels, w, h, png::ColorType::Rgb).len(),
                none.min(adaptive)
            );
        }
    }

    #[test]
    fn png_size_reads_the_header_and_rejects_what_is_not_a_png() {
        let png = encode_png_fast(&Rgba::new(7, 3));
        assert_eq!(png_size(&png), Some((7, 3)));
        assert_eq!(png_size(b"not a png at all, but long enough"), None);
        assert_eq!(png_size(&png[..20]), None);
    }

    #[test]
    fn round_trips_both_encodings() {
        let img = sample();
        for bytes in [encode_png_small(&img), encode_png_fast(&img)] {
            let back = decode_png(&bytes).map_err(|e| format!("{e:?}")).unwrap();
            assert_eq!(back, img);
        }
    }

    fn encode_as(w: u32, h: u32, ct: png::ColorType, depth: png::BitDepth, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(ct);
        enc.set_depth(depth);
        if ct == png::ColorType::Indexed {
            enc.set_palette(vec![10, 20, 30, 200, 100, 50]);
        }
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(data).unwrap();
        wr.finish().unwrap();
        out
    }

    #[test]
    fn converts_other_colour_types_to_rgba8() {
        use png::{BitDepth, ColorType};
        let grey = encode_as(2, 1, ColorType::Grayscale, BitDepth::Eight, &[0, 200]);
        let img = decode_png(&grey).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(img.as_raw(), &[0, 0, 0, 255, 200, 200, 200, 255]);

        let ga = encode_as(1, 1, ColorType::GrayscaleAlpha, BitDepth::Eight, &[9, 100]);
        assert_eq!(
            decode_png(&ga).unwrap_or_else(|e| panic!("{e:?}")).as_raw(),
            &[9, 9, 9, 100]
        );

        let rgb16 = encode_as(1, 1, ColorType::Rgb, BitDepth::Sixteen, &[1, 2, 3, 4, 5, 6]);
        assert_eq!(
            decode_png(&rgb16)
                .unwrap_or_else(|e| panic!("{e:?}"))
                .as_raw(),
            &[1, 3, 5, 255]
        );

        let pal = encode_as(2, 1, ColorType::Indexed, BitDepth::Eight, &[1, 0]);
        assert_eq!(
            decode_png(&pal)
                .unwrap_or_else(|e| panic!("{e:?}"))
                .as_raw(),
            &[200, 100, 50, 255, 10, 20, 30, 255]
        );

        let bits = encode_as(8, 1, ColorType::Grayscale, BitDepth::One, &[0b1000_0001]);
        let img = decode_png(&bits).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(img.get_pixel(0, 0).0, [255, 255, 255, 255]);
        assert_eq!(img.get_pixel(1, 0).0, [0, 0, 0, 255]);
    }

    #[test]
    fn grey_alpha_widens_in_place() {
        let data: Vec<u8> = (0..24u8).collect();
        let ga = encode_as(
            4,
            3,
            png::ColorType::GrayscaleAlpha,
            png::BitDepth::Eight,
            &data,
        );
        let img = decode_png(&ga).unwrap_or_else(|e| panic!("{e:?}"));
        let want: Vec<u8> = data
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect();
        assert_eq!(img.as_raw(), &want);
    }

    #[test]
    fn fuzzer_oom_is_refused_by_a_smaller_cap() {
        let bytes = include_bytes!("../../tests/fixtures/fuzz/decode_png-oom-wide-grey.png");
        assert!(matches!(
            decode_png_limited(bytes, 64 << 20),
            Err(DecodeFailure::TooLarge(33554686, 6))
        ));
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        assert!(decode_png(b"not a png at all").is_err());
        let good = encode_png_fast(&sample());
        for cut in [8, 20, 40, good.len() / 2] {
            assert!(decode_png(&good[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let good = encode_png_small(&sample());
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let mut bytes = good.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() % bytes.len() as u64) as usize;
                bytes[i] = next() as u8;
            }
            let cut = bytes.len() - (next() % 8) as usize;
            let _ = decode_png(&bytes[..cut]);
        }
    }

    #[test]
    fn load_errors_name_the_file() {
        let e = load_png(Path::new("/nonexistent/x.png")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.png"));
    }
}
