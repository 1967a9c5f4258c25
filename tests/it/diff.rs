//! `reel diff` end to end: the real binary on the shared bench screenshots (reference counts from
//! pixelmatch 7.2.0), exit codes, JSON, masks, tolerances, size changes, bad input; and a parity
//! test that runs the real pixelmatch from npm (`tests/parity/`) on generated image pairs and
//! requires equal counts and equal diff images, pixel for pixel.

use reel::compare::{self, Background, DiffOptions, Rgba};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BENCH: &str = "tests/data/bench-images";

fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run reel")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bench(name: &str) -> String {
    format!("{BENCH}/{name}.png")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(o).trim())
        .unwrap_or_else(|e| panic!("bad JSON {:?}: {e}", stdout(o)))
}

// ---------------------------------------------------------------- bench images, real binary

#[test]
fn bench_pairs_match_pixelmatch_reference_counts() {
    // (size, variant, includeAA false, includeAA true) from tests/data/bench-images/README.md
    let reference = [
        ("1280x720", "small", 3212, 3346),
        ("1280x720", "large", 80015, 111829),
        ("1920x1080", "small", 3212, 3346),
        ("1920x1080", "large", 156519, 209212),
        ("1280x8000", "small", 3212, 3346),
        ("1280x8000", "large", 341436, 608253),
        ("1280x720", "base", 0, 0),
        ("1920x1080", "base", 0, 0),
        ("1280x8000", "base", 0, 0),
    ];
    for (size, variant, without_aa, with_aa) in reference {
        let a = bench(&format!("ui_{size}_base"));
        let b = bench(&format!("ui_{size}_{variant}"));
        for (flag, want) in [(None, without_aa), (Some("--include-aa"), with_aa)] {
            let mut args = vec!["diff", &a, &b, "--json"];
            args.extend(flag);
            let o = reel(&args);
            let j = json(&o);
            assert_eq!(j["diff_pixels"], want, "{size} {variant} {flag:?}");
            assert_eq!(code(&o), if want == 0 { 0 } else { 1 }, "{size} {variant}");
            assert_eq!(j["identical"], variant == "base");
            assert_eq!(j["size_mismatch"], false);
        }
    }
}

#[test]
fn json_has_the_documented_keys_in_order() {
    let a = bench("ui_1280x720_base");
    let o = reel(&["diff", &a, &bench("ui_1280x720_small"), "--json"]);
    let line = stdout(&o);
    assert_eq!(line.lines().count(), 1);
    let keys = [
        "width",
        "height",
        "diff_pixels",
        "diff_ratio",
        "size_mismatch",
        "identical",
    ];
    let mut at = 0;
    for k in keys {
        let pos = line[at..]
            .find(&format!("\"{k}\""))
            .unwrap_or_else(|| panic!("{k} missing or out of order in {line}"));
        at += pos;
    }
    let j = json(&o);
    assert_eq!(
        (j["width"].as_u64(), j["height"].as_u64()),
        (Some(1280), Some(720))
    );
    let ratio = j["diff_ratio"].as_f64().unwrap();
    assert!((ratio - 3212.0 / (1280.0 * 720.0)).abs() < 1e-12);
}

#[test]
fn human_output_says_threshold_and_counts() {
    let o = reel(&[
        "diff",
        &bench("ui_1280x720_base"),
        &bench("ui_1280x720_small"),
    ]);
    assert_eq!(code(&o), 1);
    let s = stdout(&o);
    assert!(s.starts_with("differ: 3212 of 1280x720"), "{s}");
    assert!(
        s.contains("threshold 0.1") && s.contains("134 anti-aliased"),
        "{s}"
    );
    let same = reel(&[
        "diff",
        &bench("ui_1280x720_base"),
        &bench("ui_1280x720_base"),
    ]);
    assert_eq!(code(&same), 0);
    assert!(stdout(&same).starts_with("identical"));
}

#[test]
fn out_writes_a_diff_image_with_red_yellow_and_grey() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sub/diff.png");
    let o = reel(&[
        "diff",
        &bench("ui_1280x720_base"),
        &bench("ui_1280x720_small"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let img = compare::load_png(&out).unwrap();
    assert_eq!(img.dimensions(), (1280, 720));
    let count = |c: [u8; 4]| img.pixels().filter(|p| p.0 == c).count();
    assert_eq!(count([255, 0, 0, 255]), 3212);
    assert_eq!(count([255, 255, 0, 255]), 3346 - 3212);
    // Everything else is opaque grey.
    assert!(img.pixels().all(|p| p.0[3] == 255));
}

// ---------------------------------------------------------------- tolerances, masks, sizes

#[test]
fn tolerances_fail_only_above_them() {
    let (a, b) = (bench("ui_1280x720_base"), bench("ui_1280x720_small"));
    let run = |extra: &[&str]| {
        let mut args = vec!["diff", a.as_str(), b.as_str()];
        args.extend_from_slice(extra);
        code(&reel(&args))
    };
    assert_eq!(run(&["--max-diff-pixels", "3212"]), 0);
    assert_eq!(run(&["--max-diff-pixels", "3211"]), 1);
    let ratio = 3212.0 / (1280.0 * 720.0);
    assert_eq!(run(&["--max-diff-ratio", &format!("{}", ratio + 1e-9)]), 0);
    assert_eq!(run(&["--max-diff-ratio", &format!("{}", ratio - 1e-9)]), 1);
    // Both given: exceeding either fails.
    assert_eq!(
        run(&["--max-diff-pixels", "5000", "--max-diff-ratio", "0.001"]),
        1
    );
    // A threshold of 1 accepts this change.
    assert_eq!(run(&["--threshold", "1"]), 0);
}

#[test]
fn masks_hide_the_changed_region() {
    let dir = tempfile::tempdir().unwrap();
    let a = solid(40, 30, [250, 250, 250, 255]);
    let mut b = a.clone();
    for y in 10..14 {
        for x in 5..25 {
            b.put_pixel(x, y, image::Rgba([0, 0, 200, 255]));
        }
    }
    let (pa, pb) = (save(dir.path(), "a.png", &a), save(dir.path(), "b.png", &b));
    let o = reel(&["diff", &pa, &pb, "--json"]);
    assert_eq!((code(&o), json(&o)["diff_pixels"].as_u64()), (1, Some(80)));
    let half = reel(&["diff", &pa, &pb, "--json", "--mask", "0,0,15,30"]);
    assert_eq!(json(&half)["diff_pixels"], 40);
    let full = reel(&[
        "diff",
        &pa,
        &pb,
        "--mask",
        "0,0,15,30",
        "--mask",
        "15,10,100,4",
        "--json",
    ]);
    assert_eq!(
        (code(&full), json(&full)["diff_pixels"].as_u64()),
        (0, Some(0))
    );
    // The mask colour is painted into both images (so they become identical under it).
    let coloured = reel(&[
        "diff",
        &pa,
        &pb,
        "--mask",
        "0,0,40,30",
        "--mask-color",
        "#00FF0080",
        "--json",
    ]);
    assert_eq!(json(&coloured)["identical"], true);
}

#[test]
fn different_sizes_are_a_result_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let pa = save(dir.path(), "a.png", &solid(10, 10, [0, 0, 0, 255]));
    let pb = save(dir.path(), "b.png", &solid(10, 12, [0, 0, 0, 255]));
    let o = reel(&["diff", &pa, &pb, "--json", "--max-diff-ratio", "1"]);
    assert_eq!(code(&o), 1);
    let j = json(&o);
    assert_eq!(j["size_mismatch"], true);
    assert_eq!(j["identical"], false);
    let human = reel(&["diff", &pa, &pb]);
    assert!(
        stdout(&human).starts_with("size-changed:"),
        "{}",
        stdout(&human)
    );
    assert!(stdout(&human).contains("10x12"));
    let bench_sizes = reel(&[
        "diff",
        &bench("ui_1280x720_base"),
        &bench("ui_1920x1080_base"),
    ]);
    assert_eq!(code(&bench_sizes), 1);
}

#[test]
fn checkerboard_flag_changes_only_semi_transparent_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    // Half-transparent pixels blend differently over white and over the checkerboard; the CLI
    // flag must select the same background as the library option.
    let a = solid(8, 8, [200, 0, 0, 128]);
    let b = solid(8, 8, [200, 0, 0, 100]);
    let (pa, pb) = (save(dir.path(), "a.png", &a), save(dir.path(), "b.png", &b));
    let white = reel(&["diff", &pa, &pb, "--json"]);
    let checker = reel(&["diff", &pa, &pb, "--json", "--checkerboard"]);
    let opts = |background| DiffOptions {
        background,
        ..DiffOptions::default()
    };
    for (out, bg) in [
        (&white, Background::White),
        (&checker, Background::Checkerboard),
    ] {
        let want = compare::diff(&a, &b, &opts(bg)).diff_pixels;
        assert_eq!(json(out)["diff_pixels"].as_u64(), Some(want), "{bg:?}");
    }
    let opaque = save(dir.path(), "o.png", &solid(8, 8, [1, 2, 3, 255]));
    let o = reel(&["diff", &opaque, &opaque, "--checkerboard"]);
    assert_eq!(code(&o), 0);
}

// ---------------------------------------------------------------- bad input: exit 2, one line

#[test]
fn bad_input_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = bench("ui_1280x720_base");
    let missing = dir.path().join("missing.png");
    let text = dir.path().join("text.png");
    std::fs::write(&text, "hello, not a png").unwrap();
    let truncated = dir.path().join("truncated.png");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    for bad in [&missing, &text, &truncated, &empty] {
        let bad = bad.to_str().unwrap();
        // Byte-identical inputs are decoded once: a broken one must still be an error.
        for args in [
            ["diff", bad, good.as_str()],
            ["diff", good.as_str(), bad],
            ["diff", bad, bad],
        ] {
            let o = reel(&args);
            assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
            let err = stderr(&o);
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
            assert!(err.contains(bad), "{err}");
            assert!(stdout(&o).is_empty());
        }
    }
    let dir_as_file = reel(&["diff", dir.path().to_str().unwrap(), &good]);
    assert_eq!(code(&dir_as_file), 2);
}

#[test]
fn bad_flags_exit_2() {
    let a = bench("ui_1280x720_base");
    for flags in [
        &["--threshold", "1.5"][..],
        &["--threshold", "-0.1"],
        &["--threshold", "NaN"],
        &["--threshold", "abc"],
        &["--max-diff-ratio", "2"],
        &["--max-diff-pixels", "-1"],
        &["--mask", "1,2,3"],
        &["--mask", "0,0,0,10"],
        &["--mask", "a,b,c,d"],
        &["--mask-color", "magenta"],
    ] {
        let mut args = vec!["diff", a.as_str(), a.as_str()];
        args.extend_from_slice(flags);
        let o = reel(&args);
        assert_eq!(code(&o), 2, "{flags:?}: {}", stderr(&o));
    }
}

#[test]
fn other_png_formats_are_converted_not_rejected() {
    use png::{BitDepth, ColorType};
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (6u32, 4u32);
    // The same grey ramp as RGBA8, greyscale 8, greyscale 16, palette and RGB 16.
    let level = |x: u32, y: u32| (x * 40 + y * 5) as u8;
    let rgba = Rgba::from_fn(w, h, |x, y| {
        let v = level(x, y);
        image::Rgba([v, v, v, 255])
    });
    let reference = save(dir.path(), "rgba.png", &rgba);
    let grey8: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| level(x, y)))
        .collect();
    let grey16: Vec<u8> = grey8.iter().flat_map(|&v| [v, 0x7f]).collect();
    let rgb16: Vec<u8> = grey8.iter().flat_map(|&v| [v, 1, v, 2, v, 3]).collect();
    let palette: Vec<u8> = (0..=255u8).flat_map(|v| [v, v, v]).collect();
    let cases: [(&str, ColorType, BitDepth, &[u8]); 4] = [
        ("g8.png", ColorType::Grayscale, BitDepth::Eight, &grey8),
        ("g16.png", ColorType::Grayscale, BitDepth::Sixteen, &grey16),
        ("rgb16.png", ColorType::Rgb, BitDepth::Sixteen, &rgb16),
        ("pal.png", ColorType::Indexed, BitDepth::Eight, &grey8),
    ];
    for (name, ct, depth, data) in cases {
        let path = dir.path().join(name);
        let mut bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bytes, w, h);
            enc.set_color(ct);
            enc.set_depth(depth);
            if ct == ColorType::Indexed {
                enc.set_palette(palette.clone());
            }
            let mut wr = enc.write_header().unwrap();
            wr.write_image_data(data).unwrap();
            wr.finish().unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        let o = reel(&["diff", &reference, path.to_str().unwrap(), "--json"]);
        assert_eq!(code(&o), 0, "{name}: {} {}", stdout(&o), stderr(&o));
        assert_eq!(json(&o)["identical"], true, "{name}");
    }
}

// ---------------------------------------------------------------- parity with pixelmatch (npm)

/// Deterministic xorshift generator for the generated pairs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

fn solid(w: u32, h: u32, c: [u8; 4]) -> Rgba {
    Rgba::from_pixel(w, h, image::Rgba(c))
}

fn save(dir: &Path, name: &str, img: &Rgba) -> String {
    let p = dir.join(name);
    std::fs::write(&p, compare::encode_png_fast(img)).unwrap();
    p.to_str().unwrap().to_owned()
}

/// Coverage-based anti-aliased disc: the kind of edge a browser draws.
fn disc(w: u32, h: u32, cx: f64, cy: f64, r: f64, fg: [u8; 4], bg: [u8; 4]) -> Rgba {
    Rgba::from_fn(w, h, |x, y| {
        let mut inside = 0;
        for sy in 0..4 {
            for sx in 0..4 {
                let px = f64::from(x) + (f64::from(sx) + 0.5) / 4.0;
                let py = f64::from(y) + (f64::from(sy) + 0.5) / 4.0;
                if (px - cx).powi(2) + (py - cy).powi(2) <= r * r {
                    inside += 1;
                }
            }
        }
        let t = f64::from(inside) / 16.0;
        let mix = |i: usize| (f64::from(fg[i]) * t + f64::from(bg[i]) * (1.0 - t)).round() as u8;
        image::Rgba([mix(0), mix(1), mix(2), mix(3)])
    })
}

/// Anti-aliased text-like strokes: a diagonal line with coverage falloff.
fn diagonal(w: u32, h: u32, offset: f64, slope: f64) -> Rgba {
    Rgba::from_fn(w, h, |x, y| {
        let d = (f64::from(y) - slope * f64::from(x) - offset).abs();
        let t = (1.5 - d).clamp(0.0, 1.0);
        let v = (255.0 - 230.0 * t).round() as u8;
        image::Rgba([v, v, (v as f64 * 0.9) as u8, 255])
    })
}

fn noise(rng: &mut Rng, w: u32, h: u32, alpha: bool) -> Rgba {
    Rgba::from_fn(w, h, |_, _| {
        let a = if alpha { rng.byte() } else { 255 };
        image::Rgba([rng.byte(), rng.byte(), rng.byte(), a])
    })
}

/// `img` with some pixels nudged by up to ±`amount` per channel: straddles the threshold.
fn nudge(rng: &mut Rng, img: &Rgba, every: u32, amount: i32, alpha: bool) -> Rgba {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        if rng.below(every) == 0 {
            let channels = if alpha { 4 } else { 3 };
            for c in &mut p.0[..channels] {
                let d = rng.below(2 * amount as u32 + 1) as i32 - amount;
                *c = (i32::from(*c) + d).clamp(0, 255) as u8;
            }
        }
    }
    out
}

/// A UI-like page: flat panels, 1-px rules, text-ish blocks, an anti-aliased button.
fn page(w: u32, h: u32, shift: u32, button: [u8; 4]) -> Rgba {
    let mut img = solid(w, h, [255, 255, 255, 255]);
    let circle = disc(
        w,
        h,
        f64::from(w) * 0.7,
        f64::from(h) * 0.3,
        9.5,
        button,
        [255; 4],
    );
    for (x, y, p) in img.enumerate_pixels_mut() {
        let xs = x.wrapping_sub(shift);
        if x < 20 + shift {
            *p = image::Rgba([40, 44, 52, 255]); // sidebar
        } else if y % 16 == 0 {
            *p = image::Rgba([220, 220, 220, 255]); // 1-px rules
        } else if (xs / 3 + y / 5) % 7 == 0 && y % 16 > 4 && y % 16 < 12 && xs % 40 < 30 {
            *p = image::Rgba([30, 30, 30, 255]); // glyph blocks
        } else if circle.get_pixel(x, y).0 != [255; 4] {
            *p = *circle.get_pixel(x, y);
        }
    }
    img
}

struct Case {
    name: String,
    a: Rgba,
    b: Rgba,
}

fn generated_cases() -> Vec<Case> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases = Vec::new();
    let mut add = |name: &str, a: Rgba, b: Rgba| {
        cases.push(Case {
            name: name.to_owned(),
            a,
            b,
        })
    };

    // Random noise, opaque and with alpha; and near-threshold nudges of it.
    let n1 = noise(&mut rng, 64, 48, false);
    let n2 = noise(&mut rng, 64, 48, false);
    add("noise", n1.clone(), n2);
    let nudged = nudge(&mut rng, &n1, 2, 40, false);
    add("noise-nudged", n1, nudged);
    let na = noise(&mut rng, 50, 40, true);
    let nb = noise(&mut rng, 50, 40, true);
    add("noise-alpha", na.clone(), nb);
    let nudged = nudge(&mut rng, &na, 2, 40, true);
    add("noise-alpha-nudged", na, nudged);

    // Shifted anti-aliased shapes.
    let white = [255, 255, 255, 255];
    let ink = [20, 40, 160, 255];
    add(
        "disc-shift-1px",
        disc(60, 60, 30.0, 30.0, 15.3, ink, white),
        disc(60, 60, 31.0, 30.0, 15.3, ink, white),
    );
    add(
        "disc-subpixel",
        disc(60, 60, 30.0, 30.0, 15.3, ink, white),
        disc(60, 60, 30.4, 29.7, 15.3, ink, white),
    );
    add(
        "disc-recolour",
        disc(60, 60, 30.0, 30.0, 15.3, ink, white),
        disc(60, 60, 30.0, 30.0, 15.3, [160, 40, 20, 255], white),
    );
    // Anti-aliased edges.
    add(
        "diagonal-subpixel",
        diagonal(80, 60, 5.0, 0.6),
        diagonal(80, 60, 5.4, 0.6),
    );
    add(
        "diagonal-slope",
        diagonal(80, 60, 5.0, 0.6),
        diagonal(80, 60, 5.0, 0.62),
    );
    // Alpha: semi-transparent shapes over transparency, and alpha-only changes.
    let clear = [0, 0, 0, 0];
    add(
        "alpha-disc",
        disc(40, 40, 20.0, 20.0, 10.0, [200, 30, 30, 128], clear),
        disc(40, 40, 20.5, 20.0, 10.0, [200, 30, 30, 128], clear),
    );
    add(
        "alpha-only",
        solid(12, 9, [10, 200, 90, 255]),
        Rgba::from_fn(12, 9, |x, y| image::Rgba([10, 200, 90, (x * 20 + y) as u8])),
    );
    add(
        "transparent-colours",
        solid(7, 7, [255, 0, 0, 0]),
        solid(7, 7, [0, 0, 255, 0]),
    );
    // 1-px lines, horizontal, vertical, moved by one pixel.
    let line = |w: u32, h: u32, at: u32, vertical: bool| {
        Rgba::from_fn(w, h, |x, y| {
            let on = if vertical { x == at } else { y == at };
            image::Rgba(if on { [0, 0, 0, 255] } else { [255; 4] })
        })
    };
    add(
        "hline-moved",
        line(30, 20, 9, false),
        line(30, 20, 10, false),
    );
    add("vline-moved", line(30, 20, 9, true), line(30, 20, 10, true));
    add(
        "hline-appears",
        solid(30, 20, [255; 4]),
        line(30, 20, 9, false),
    );
    // Borders: changes on the outermost rows and columns, lines along the border.
    add(
        "hline-border",
        line(30, 20, 0, false),
        line(30, 20, 19, false),
    );
    add(
        "vline-border",
        line(30, 20, 0, true),
        line(30, 20, 29, true),
    );
    let frame = |w: u32, h: u32, c: [u8; 4]| {
        Rgba::from_fn(w, h, |x, y| {
            let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1;
            image::Rgba(if edge { c } else { [240, 240, 240, 255] })
        })
    };
    add(
        "frame-recolour",
        frame(16, 10, [0, 0, 0, 255]),
        frame(16, 10, [90, 90, 90, 255]),
    );
    let n = noise(&mut rng, 16, 10, false);
    let nudged = nudge(&mut rng, &n, 1, 60, false);
    add("noise-all-nudged-small", n, nudged);
    // Tiny images.
    for (w, h) in [(1, 1), (2, 2), (1, 5), (5, 1), (2, 3), (3, 3)] {
        let a = noise(&mut rng, w, h, false);
        let b = noise(&mut rng, w, h, false);
        add(&format!("tiny-{w}x{h}"), a.clone(), b);
        let nudged = nudge(&mut rng, &a, 1, 50, false);
        add(&format!("tiny-{w}x{h}-nudged"), a, nudged);
        let s = noise(&mut rng, w, h, true);
        let t = noise(&mut rng, w, h, true);
        add(&format!("tiny-{w}x{h}-alpha"), s, t);
    }
    add(
        "tiny-2x2-checker",
        Rgba::from_fn(2, 2, |x, y| {
            image::Rgba(if (x + y) % 2 == 0 {
                [0, 0, 0, 255]
            } else {
                [255; 4]
            })
        }),
        Rgba::from_fn(2, 2, |x, y| {
            image::Rgba(if (x + y) % 2 == 1 {
                [0, 0, 0, 255]
            } else {
                [255; 4]
            })
        }),
    );
    let same = noise(&mut rng, 9, 9, true);
    add("identical", same.clone(), same);
    // Big enough for several parallel row bands: AA detection across band edges.
    add(
        "page-shift",
        page(720, 500, 0, ink),
        page(720, 500, 3, [30, 50, 170, 255]),
    );
    cases
}

fn parity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity")
}

/// Installs the pinned pixelmatch (npm ci) when node_modules is missing.
fn ensure_pixelmatch() {
    let dir = parity_dir();
    if dir.join("node_modules/pixelmatch/package.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .expect("npm is needed for the pixelmatch parity test (install Node.js)");
    assert!(status.success(), "npm ci in tests/parity failed");
}

#[test]
fn parity_with_real_pixelmatch_on_generated_pairs() {
    ensure_pixelmatch();
    let dir = tempfile::tempdir().unwrap();
    let cases = generated_cases();
    let thresholds = [0.0, 0.05, 0.1, 0.2, 0.5, 1.0];

    struct Run<'a> {
        case: &'a Case,
        threshold: f64,
        include_aa: bool,
        checkerboard: bool,
        out: PathBuf,
    }
    let mut runs = Vec::new();
    let mut manifest = Vec::new();
    for (ci, case) in cases.iter().enumerate() {
        let pa = save(dir.path(), &format!("{ci}a.png"), &case.a);
        let pb = save(dir.path(), &format!("{ci}b.png"), &case.b);
        for &threshold in &thresholds {
            for include_aa in [false, true] {
                for checkerboard in [false, true] {
                    let out = dir.path().join(format!("{}.rgba", runs.len()));
                    manifest.push(serde_json::json!({
                        "a": pa, "b": pb, "threshold": threshold, "includeAA": include_aa,
                        "checkerboard": checkerboard, "out": out,
                    }));
                    runs.push(Run {
                        case,
                        threshold,
                        include_aa,
                        checkerboard,
                        out,
                    });
                }
            }
        }
    }
    let manifest_path = dir.path().join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let o = Command::new("node")
        .arg(parity_dir().join("pixelmatch.mjs"))
        .arg(&manifest_path)
        .output()
        .expect("node is needed for the pixelmatch parity test");
    assert!(
        o.status.success(),
        "pixelmatch oracle failed: {}",
        stderr(&o)
    );
    let theirs: Vec<u64> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(theirs.len(), runs.len());

    let mut failures = Vec::new();
    let mut nonzero = 0;
    for (run, &want) in runs.iter().zip(&theirs) {
        let opts = DiffOptions {
            threshold: run.threshold,
            include_aa: run.include_aa,
            want_image: true,
            background: if run.checkerboard {
                Background::Checkerboard
            } else {
                Background::White
            },
            ..DiffOptions::default()
        };
        let ours = compare::diff(&run.case.a, &run.case.b, &opts);
        let label = format!(
            "{} t={} aa={} cb={}",
            run.case.name, run.threshold, run.include_aa, run.checkerboard
        );
        nonzero += usize::from(want > 0);
        if ours.diff_pixels != want {
            failures.push(format!(
                "{label}: ours {} pixelmatch {want}",
                ours.diff_pixels
            ));
            continue;
        }
        let their_image = std::fs::read(&run.out).unwrap();
        let our_image = ours.image.expect("diff image");
        if our_image.as_raw() != &their_image {
            let first = our_image
                .as_raw()
                .iter()
                .zip(&their_image)
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            failures.push(format!("{label}: diff images differ at byte {first}"));
        }
        // Without the image, the counting path must agree too.
        let counted = compare::diff(
            &run.case.a,
            &run.case.b,
            &DiffOptions {
                want_image: false,
                ..opts
            },
        );
        if counted.diff_pixels != want {
            failures.push(format!("{label}: count-only path {}", counted.diff_pixels));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The generated cases must actually exercise differences.
    assert!(nonzero > runs.len() / 2, "{nonzero} of {}", runs.len());
}

#[test]
fn parity_cases_include_anti_aliasing_decisions() {
    // Guard for the generator: some cases must differ between includeAA on and off.
    let cases = generated_cases();
    let differing = cases
        .iter()
        .filter(|c| {
            let without = compare::diff(&c.a, &c.b, &DiffOptions::default()).diff_pixels;
            let with = compare::diff(
                &c.a,
                &c.b,
                &DiffOptions {
                    include_aa: true,
                    ..DiffOptions::default()
                },
            )
            .diff_pixels;
            with != without
        })
        .count();
    assert!(
        differing >= 5,
        "only {differing} cases exercise AA detection"
    );
}
