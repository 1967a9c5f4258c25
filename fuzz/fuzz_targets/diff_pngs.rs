//! Two small images of arbitrary (possibly different, possibly empty) sizes and pixels, masks and
//! options → `paint_masks` + `diff`: never panics, counts stay within the canvas, an image equals
//! itself.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use reel::compare::{Background, DiffOptions, MaskColor, Rect, Rgba, diff, paint_masks};

fn image(u: &mut Unstructured) -> arbitrary::Result<Rgba> {
    let w = u.int_in_range(0..=48u32)?;
    let h = u.int_in_range(0..=48u32)?;
    let mut px = vec![0u8; (w * h * 4) as usize];
    // Pixels from the input where it has them, a pattern of its choice elsewhere.
    let seed = u8::arbitrary(u)?;
    for (i, b) in px.iter_mut().enumerate() {
        *b = match u.arbitrary::<u8>() {
            Ok(v) if !u.is_empty() => v,
            _ => (i as u8).wrapping_mul(seed),
        };
    }
    Ok(Rgba::from_raw(w, h, px).expect("sized buffer"))
}

fn run(u: &mut Unstructured) -> arbitrary::Result<()> {
    let a = image(u)?;
    let mut b = if bool::arbitrary(u)? {
        a.clone()
    } else {
        image(u)?
    };
    let rects: Vec<Rect> = (0..u.int_in_range(0..=3u8)?)
        .map(|_| {
            Ok(Rect {
                x: u.arbitrary()?,
                y: u.arbitrary()?,
                w: u.arbitrary()?,
                h: u.arbitrary()?,
            })
        })
        .collect::<arbitrary::Result<_>>()?;
    let color = MaskColor(u.arbitrary()?);
    let opts = DiffOptions {
        threshold: f64::from(u.int_in_range(0..=1000u16)?) / 1000.0,
        include_aa: u.arbitrary()?,
        alpha: f64::from(u.int_in_range(0..=1000u16)?) / 1000.0,
        want_image: u.arbitrary()?,
        background: if u.arbitrary()? {
            Background::Checkerboard
        } else {
            Background::White
        },
    };
    let mut a = a;
    paint_masks(&mut a, &rects, color);
    paint_masks(&mut b, &rects, color);
    let r = diff(&a, &b, &opts);
    let total = u64::from(r.width) * u64::from(r.height);
    assert!(r.diff_pixels <= total, "{r:?}");
    assert!(r.diff_ratio.is_finite() && (0.0..=1.0).contains(&r.diff_ratio));
    if !r.size_mismatch {
        assert!(r.diff_pixels + r.aa_pixels <= total);
        if let Some(img) = &r.image {
            assert_eq!(img.dimensions(), a.dimensions());
        }
    }
    let same = diff(&a, &a, &opts);
    assert!(same.identical && same.diff_pixels == 0, "{same:?}");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
