//! Diff kernel benchmark (a plain main, `cargo bench --bench diff`): PNG decode, the kernel alone
//! (decode excluded, like pixelmatch's in-process number), the kernel with a diff image, and PNG
//! encoding (small vs fast) on the shared bench screenshots. Prints medians in milliseconds, and
//! the read floor: the time to read both pixel buffers once (`==` in 64 KB pieces on every rayon
//! thread), which bounds any kernel on a pair that is identical or nearly so.
//!
//! `REEL_BENCH_IMAGES` overrides the image folder (default `tests/data/bench-images`);
//! `REEL_BENCH_ROUNDS` the number of timed rounds (default 21); `REEL_BENCH_ONLY` keeps the pairs
//! whose label contains it; `REEL_BENCH_ENCODE=0` skips the encoding table;
//! `REEL_BENCH_KERNEL_ONLY=1` times the counting kernel alone (for profiling);
//! `REEL_BENCH_STAT=min` prints the fastest round instead of the median (A/B on a noisy host).

use rayon::prelude::*;
use reel::compare::{self, DiffOptions, Rgba};
use std::path::PathBuf;
use std::time::Instant;

/// A new baseline made from a screenshot's PNG bytes.
type FromShot = dyn Fn(&[u8]) -> Vec<u8>;

/// A PNG encoder under test.
type Encoder = dyn Fn(&Rgba) -> Vec<u8>;

/// Warm-up before timing, the same in `benches/node/pixelmatch-kernel.mjs`: long enough for the
/// thread pool's threads to settle on their cores (reel) and for V8 to optimize (pixelmatch).
const WARM_UP: std::time::Duration = std::time::Duration::from_millis(200);

fn median_ms(rounds: usize, mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    f();
    while warm.elapsed() < WARM_UP {
        f();
    }
    let mut t: Vec<f64> = (0..rounds)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    if std::env::var("REEL_BENCH_STAT").is_ok_and(|v| v == "min") {
        return t[0];
    }
    t[t.len() / 2]
}

fn main() {
    let dir = PathBuf::from(
        std::env::var("REEL_BENCH_IMAGES").unwrap_or_else(|_| "tests/data/bench-images".into()),
    );
    let rounds: usize = std::env::var("REEL_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    let load = |name: &str| -> Rgba {
        compare::load_png(&dir.join(format!("{name}.png"))).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        })
    };
    println!(
        "reel diff kernel, {} rayon threads, {rounds} rounds, medians in ms",
        rayon::current_num_threads()
    );
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "pair", "decode", "kernel", "kernel+AA", "with img", "read floor", "count"
    );
    for size in ["1280x720", "1920x1080", "1280x8000"] {
        let base = load(&format!("ui_{size}_base"));
        let bytes = std::fs::read(dir.join(format!("ui_{size}_base.png"))).unwrap_or_default();
        let decode = median_ms(rounds.min(11), || {
            std::hint::black_box(compare::decode_png(&bytes).ok());
        });
        for variant in ["small", "large", "base"] {
            let label = format!("{size} base vs {variant}");
            if std::env::var("REEL_BENCH_ONLY").is_ok_and(|only| !label.contains(&only)) {
                continue;
            }
            let other = load(&format!("ui_{size}_{variant}"));
            let opts = DiffOptions::default();
            let count = compare::diff(&base, &other, &opts).diff_pixels;
            let kernel = median_ms(rounds, || {
                std::hint::black_box(compare::diff(&base, &other, &opts));
            });
            // What no kernel can beat: reading both buffers once, on every thread.
            let floor = median_ms(rounds, || {
                let differing = base
                    .as_raw()
                    .par_chunks(1 << 16)
                    .zip(other.as_raw().par_chunks(1 << 16))
                    .filter(|(x, y)| x != y)
                    .count();
                std::hint::black_box(differing);
            });
            if std::env::var("REEL_BENCH_KERNEL_ONLY").is_ok_and(|v| v == "1") {
                println!("{label:<24} {decode:>10.2} {kernel:>10.2} {floor:>10.2} {count:>10}");
                continue;
            }
            let with_aa = DiffOptions {
                include_aa: true,
                ..DiffOptions::default()
            };
            let kernel_aa = median_ms(rounds, || {
                std::hint::black_box(compare::diff(&base, &other, &with_aa));
            });
            let img = DiffOptions {
                want_image: true,
                ..DiffOptions::default()
            };
            let with_img = median_ms(rounds, || {
                std::hint::black_box(compare::diff(&base, &other, &img));
            });
            println!(
                "{label:<24} {decode:>10.2} {kernel:>10.2} {kernel_aa:>10.2} {with_img:>10.2} {floor:>10.2} {count:>10}"
            );
        }
    }

    if std::env::var("REEL_BENCH_ENCODE").is_ok_and(|v| v == "0") {
        return;
    }
    println!("\nPNG encoding of the base screenshots: size in KiB / median ms");
    println!(
        "(shot: the image as 8-bit RGB at zlib level 1, filter Up, as Chromium's fast PNG; a new \
         baseline was its decode to RGBA and encode_png_small, now reencode_png_small)"
    );
    println!(
        "{:<12} {:>8} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
        "image",
        "input",
        "zlib 9+adaptive",
        "zlib 6+adaptive",
        "small",
        "fast (fdeflate)",
        "shot: decode+small",
        "shot: reencode"
    );
    for size in ["1280x720", "1920x1080", "1280x8000"] {
        let name = format!("ui_{size}_base");
        let input = std::fs::metadata(dir.join(format!("{name}.png")))
            .map(|m| m.len())
            .unwrap_or(0);
        let img = load(&name);
        let enc_rounds = rounds.min(5);
        let mut cells = Vec::new();
        let zlib = |level: u8| {
            move |img: &Rgba| {
                let mut out = Vec::new();
                let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
                enc.set_color(png::ColorType::Rgba);
                enc.set_deflate_compression(png::DeflateCompression::Level(level));
                enc.set_filter(png::Filter::Adaptive);
                if let Ok(mut w) = enc.write_header() {
                    let _ = w.write_image_data(img.as_raw());
                }
                out
            }
        };
        let (level9, level6) = (zlib(9), zlib(6));
        let encoders: [&Encoder; 4] = [
            &level9,
            &level6,
            &compare::encode_png_small,
            &compare::encode_png_fast,
        ];
        for f in encoders {
            let bytes = f(&img).len();
            let ms = median_ms(enc_rounds, || {
                std::hint::black_box(f(&img));
            });
            cells.push(format!("{:>7} / {:>6.1}", bytes / 1024, ms));
        }
        let shot = chromium_like_shot(&img);
        let from_shot: [&FromShot; 2] = [
            &|png| compare::encode_png_small(&compare::decode_png(png).expect("decodes")),
            &|png| compare::reencode_png_small(png).expect("plain RGB"),
        ];
        for f in from_shot {
            let bytes = f(&shot).len();
            let ms = median_ms(enc_rounds, || {
                std::hint::black_box(f(&shot));
            });
            cells.push(format!("{:>7} / {:>6.1}", bytes / 1024, ms));
        }
        println!(
            "{size:<12} {:>8} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
            input / 1024,
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5]
        );
    }
}

/// `img` as Chromium's fast screenshot PNG is: 8-bit RGB, zlib level 1, every row filtered Up.
fn chromium_like_shot(img: &Rgba) -> Vec<u8> {
    let rgb: Vec<u8> = img
        .as_raw()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
    enc.set_color(png::ColorType::Rgb);
    enc.set_deflate_compression(png::DeflateCompression::Level(1));
    enc.set_filter(png::Filter::Up);
    if let Ok(mut w) = enc.write_header() {
        let _ = w.write_image_data(&rgb);
    }
    out
}
