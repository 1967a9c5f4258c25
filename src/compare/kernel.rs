//! The diff kernel: counts the pixels of two equally sized RGBA8 images that differ beyond a
//! perceptual threshold, with the same results as pixelmatch 7.2.0, pixel for pixel.
//!
//! Per pixel: equal 32-bit values are the same. Otherwise both pixels are blended over the
//! background by their alpha, the difference is taken in YIQ space, and
//! `0.5053·ΔY² + 0.299·ΔI² + 0.1957·ΔQ²` is compared against `35215 · threshold²`. A pixel above
//! it is a mismatch unless it looks like anti-aliasing in either image (Vysniauskas 2009; skipped
//! with `include_aa`). All floating-point expressions are evaluated in pixelmatch's order, in f64,
//! so the threshold comparison decides identically.
//!
//! Speed: rows are compared as byte slices first (identical rows cost one `memcmp`), then 8-pixel
//! blocks, and only differing pixels do colour math. Row bands run on rayon; anti-aliasing
//! detection reads neighbour rows from the full buffers, so band edges do not change results.
//! On x86_64 with AVX2 (detected at run time) the counting path thresholds blocks and runs the
//! anti-aliasing test of interior opaque pixels in vectors (module `avx2`), and decides most
//! anti-aliasing questions 8 pixels at a time from equality bits (module `flat`), with identical
//! results.

use super::Rgba;
use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod flat;

/// What semi-transparent pixels are blended over before comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Background {
    /// Plain white (pixelmatch's `checkerboard: false`).
    #[default]
    White,
    /// pixelmatch 7.2.0's position-dependent checkerboard (its `checkerboard: true` default).
    Checkerboard,
}

/// How to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffOptions {
    /// Matching threshold in `0..=1`; smaller is more sensitive. Default 0.1.
    pub threshold: f64,
    /// Count anti-aliased pixels as differences too (no anti-aliasing detection).
    pub include_aa: bool,
    /// Opacity of the original image in the diff image's unchanged pixels. Default 0.1.
    pub alpha: f64,
    /// Build the diff image (changed red, anti-aliasing yellow, unchanged faded grey).
    pub want_image: bool,
    /// Background for semi-transparent pixels.
    pub background: Background,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            threshold: 0.1,
            include_aa: false,
            alpha: 0.1,
            want_image: false,
            background: Background::White,
        }
    }
}

/// What a comparison found.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffResult {
    /// Compared width (on a size mismatch: the larger of the two).
    pub width: u32,
    /// Compared height (on a size mismatch: the larger of the two).
    pub height: u32,
    /// Pixels that differ beyond the threshold (pixelmatch's return value). On a size mismatch,
    /// every pixel of the larger canvas.
    pub diff_pixels: u64,
    /// Pixels beyond the threshold that were taken for anti-aliasing and not counted.
    pub aa_pixels: u64,
    /// `diff_pixels / (width · height)`, 0 for an empty image.
    pub diff_ratio: f64,
    /// The two images have different dimensions; nothing was compared.
    pub size_mismatch: bool,
    /// The pixel buffers are byte-for-byte equal.
    pub identical: bool,
    /// The diff image, when asked for and the sizes match.
    pub image: Option<Rgba>,
}

impl DiffResult {
    /// Two images of `width` x `height` with the same pixels.
    pub fn identical(width: u32, height: u32) -> DiffResult {
        DiffResult {
            width,
            height,
            diff_pixels: 0,
            aa_pixels: 0,
            diff_ratio: 0.0,
            size_mismatch: false,
            identical: true,
            image: None,
        }
    }
}

/// Largest possible YIQ delta: the threshold scales it.
const MAX_YIQ_DELTA: f64 = 35215.0;

/// Pixels per parallel band (roughly); smaller images run on the calling thread.
const BAND_PIXELS: usize = 64 * 1024;

/// Compares `a` (expected) with `b` (actual). Never panics; different sizes are a result.
pub fn diff(a: &Rgba, b: &Rgba, opts: &DiffOptions) -> DiffResult {
    let (wa, ha) = a.dimensions();
    let (wb, hb) = b.dimensions();
    if (wa, ha) != (wb, hb) {
        let (w, h) = (wa.max(wb), ha.max(hb));
        let total = u64::from(w) * u64::from(h);
        return DiffResult {
            width: w,
            height: h,
            diff_pixels: total,
            aa_pixels: 0,
            diff_ratio: if total == 0 { 0.0 } else { 1.0 },
            size_mismatch: true,
            identical: false,
            image: None,
        };
    }
    let (w, h) = (wa as usize, ha as usize);
    let len = w * h * 4;
    let k = Kernel {
        a: &a.as_raw()[..len],
        b: &b.as_raw()[..len],
        w,
        h,
        max_delta: MAX_YIQ_DELTA * opts.threshold * opts.threshold,
        include_aa: opts.include_aa,
        alpha: opts.alpha,
        bg: opts.background,
        #[cfg(target_arch = "x86_64")]
        avx2: has_avx2(),
    };

    let rows_per_band = (BAND_PIXELS / w.max(1)).max(1);
    let parallel = w * h > 2 * BAND_PIXELS;
    let mut out = if opts.want_image {
        Some(vec![0u8; len])
    } else {
        None
    };
    let counts = match out.as_mut() {
        Some(out) if parallel => out
            .par_chunks_mut(rows_per_band * w * 4)
            .enumerate()
            .map(|(i, chunk)| k.band(i * rows_per_band, Some(chunk)))
            .reduce(Counts::default, Counts::add),
        Some(out) => k.band(0, Some(out)),
        None if parallel => (0..h.div_ceil(rows_per_band))
            .into_par_iter()
            .map(|i| {
                let y0 = i * rows_per_band;
                k.band_rows(y0, (y0 + rows_per_band).min(h))
            })
            .reduce(Counts::default, Counts::add),
        None => k.band_rows(0, h),
    };

    let total = (w * h) as u64;
    DiffResult {
        width: wa,
        height: ha,
        diff_pixels: counts.diff,
        aa_pixels: counts.aa,
        diff_ratio: if total == 0 {
            0.0
        } else {
            counts.diff as f64 / total as f64
        },
        size_mismatch: false,
        identical: counts.differing_rows == 0,
        image: out.and_then(|o| Rgba::from_raw(wa, ha, o)),
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    diff: u64,
    aa: u64,
    differing_rows: u64,
}

impl Counts {
    /// One pixel beyond the threshold: anti-aliasing or a difference.
    fn record(&mut self, anti_aliased: bool) {
        if anti_aliased {
            self.aa += 1;
        } else {
            self.diff += 1;
        }
    }

    fn add(self, o: Counts) -> Counts {
        Counts {
            diff: self.diff + o.diff,
            aa: self.aa + o.aa,
            differing_rows: self.differing_rows + o.differing_rows,
        }
    }
}

struct Kernel<'a> {
    a: &'a [u8],
    b: &'a [u8],
    w: usize,
    h: usize,
    max_delta: f64,
    include_aa: bool,
    alpha: f64,
    bg: Background,
    /// Use the AVX2 paths (same results, checked by the tests).
    #[cfg(target_arch = "x86_64")]
    avx2: bool,
}

/// Whether this CPU runs the AVX2 paths.
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt")
}

const RED: [u8; 4] = [255, 0, 0, 255];
const YELLOW: [u8; 4] = [255, 255, 0, 255];

/// Of the 8 pixels from column `x0`, those 2+ pixels from the left and right edges of a `w`
/// wide image, as a bit mask.
fn interior_columns(x0: usize, w: usize) -> u32 {
    let skip = 2usize.saturating_sub(x0).min(8);
    let keep = w.saturating_sub(x0 + 2).min(8);
    ((0xffu32 << skip) & 0xff) & ((1u32 << keep) - 1)
}

/// What one differing pixel pair turned out to be.
enum Verdict {
    Similar,
    AntiAliased,
    Different,
}

impl Kernel<'_> {
    /// Row `y` of both images.
    #[inline]
    fn rows(&self, y: usize) -> (&[u8], &[u8]) {
        let row_bytes = self.w * 4;
        let start = y * row_bytes;
        (
            &self.a[start..start + row_bytes],
            &self.b[start..start + row_bytes],
        )
    }

    /// Rows `y0..y1` without a diff image.
    fn band_rows(&self, y0: usize, y1: usize) -> Counts {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: the CPU has AVX2 and POPCNT (checked in `has_avx2`).
            return unsafe { self.band_rows_avx2(y0, y1) };
        }
        self.band_rows_portable(y0, y1)
    }

    /// [`Self::band_rows`] with AVX2: 8-pixel blocks compared and thresholded in vectors, and the
    /// anti-aliasing test of interior opaque pixels in vectors (see [`avx2`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn band_rows_avx2(&self, y0: usize, y1: usize) -> Counts {
        let mut c = Counts::default();
        let mut flat = (!self.include_aa).then(|| flat::Flat::new(self.w));
        for y in y0..y1 {
            let (ra, rb) = self.rows(y);
            if ra == rb {
                continue;
            }
            c.differing_rows += 1;
            let interior_row = y >= 2 && y + 3 <= self.h;
            let mut x0 = 0;
            for (ba, bb) in ra.chunks_exact(32).zip(rb.chunks_exact(32)) {
                let (Ok(ba), Ok(bb)) = (<&[u8; 32]>::try_from(ba), <&[u8; 32]>::try_from(bb))
                else {
                    continue;
                };
                if !avx2::equal32(ba, bb) {
                    match avx2::over_threshold8(ba, bb, self.max_delta) {
                        Some(over) => {
                            let flat = flat.as_mut().filter(|_| interior_row);
                            self.count_block_avx2(x0, y, over, flat, &mut c);
                        }
                        None => self.pixels(y, x0, x0 + 8, &mut c),
                    }
                }
                x0 += 8;
            }
            self.pixels(y, x0, self.w, &mut c);
        }
        c
    }

    /// Counts the pixels of the 8-pixel block at (x0, y) set in `over` (beyond the threshold).
    /// With `flat` (the row is 2+ pixels from the top and bottom), the pixels 2+ from the sides
    /// are decided from its equality bits where they suffice; the rest pixel by pixel.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn count_block_avx2(
        &self,
        x0: usize,
        y: usize,
        over: u32,
        flat: Option<&mut flat::Flat>,
        c: &mut Counts,
    ) {
        let inside = over & interior_columns(x0, self.w);
        let mut rest = over;
        if inside != 0
            && let Some(f) = flat
        {
            f.ensure(self, x0 / 8, inside, y);
            let (not_aa, centre_a, centre_b) = f.block(x0 / 8, y);
            c.diff += u64::from((inside & not_aa).count_ones());
            let mut open = inside & !not_aa;
            while open != 0 {
                let i = open.trailing_zeros();
                open &= open - 1;
                let centre = (centre_a >> i & 1 != 0, centre_b >> i & 1 != 0);
                self.count_open_avx2(x0 + i as usize, y, f, centre, c);
            }
            rest = over & !inside;
        }
        while rest != 0 {
            let x = x0 + rest.trailing_zeros() as usize;
            rest &= rest - 1;
            self.count_over_avx2(x, y, c);
        }
    }

    /// Counts a pixel beyond the threshold as anti-aliasing or a difference, with the AVX2 test
    /// where it applies.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn count_over_avx2(&self, x: usize, y: usize, c: &mut Counts) {
        let aa = if self.include_aa {
            false
        } else if x >= 2
            && y >= 2
            && x + 3 <= self.w
            && y + 3 <= self.h
            // SAFETY: AVX2 and POPCNT are enabled here; (x, y) is 2+ pixels from every edge and
            // both buffers hold exactly w x h pixels.
            && let Some(aa) = unsafe {
                avx2::anti_aliased_at(self.a.as_ptr(), self.b.as_ptr(), self.w, x, y)
            }
        {
            aa
        } else {
            self.anti_aliased_at(x, y)
        };
        c.record(aa);
    }

    /// Counts a pixel 2+ pixels from every edge that the equality bits of `flat` left open.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn count_open_avx2(
        &self,
        x: usize,
        y: usize,
        flat: &flat::Flat,
        centre: (bool, bool),
        c: &mut Counts,
    ) {
        let (a, b, w) = (self.a.as_ptr(), self.b.as_ptr(), self.w);
        // SAFETY: AVX2 and POPCNT are enabled here; (x, y) is 2+ pixels from every edge and both
        // buffers hold exactly w x h pixels; `flat` covers the pixel's neighbours.
        let fast = unsafe {
            avx2::anti_aliased_with(
                a,
                b,
                w,
                x,
                y,
                Some(centre),
                &|px, py| flat.in_a(px, py),
                &|px, py| flat.in_b(px, py),
            )
        };
        c.record(fast.unwrap_or_else(|| self.anti_aliased_at(x, y)));
    }

    /// [`Self::band_rows`] on any CPU.
    fn band_rows_portable(&self, y0: usize, y1: usize) -> Counts {
        let mut c = Counts::default();
        for y in y0..y1 {
            let (ra, rb) = self.rows(y);
            if ra == rb {
                continue;
            }
            c.differing_rows += 1;
            // 8-pixel blocks: equal blocks are skipped without looking at single pixels.
            let mut x0 = 0;
            for (ba, bb) in ra.chunks_exact(32).zip(rb.chunks_exact(32)) {
                // Fixed-size arrays compare inline (vector compares), not through memcmp.
                let same = matches!(
                    (<&[u8; 32]>::try_from(ba), <&[u8; 32]>::try_from(bb)),
                    (Ok(x), Ok(y)) if x == y
                );
                if !same {
                    self.pixels(y, x0, x0 + 8, &mut c);
                }
                x0 += 8;
            }
            self.pixels(y, x0, self.w, &mut c);
        }
        c
    }

    fn pixels(&self, y: usize, x0: usize, x1: usize, c: &mut Counts) {
        // First which pixels exceed the threshold, without branching on each (equal pixels give
        // a delta of exactly 0), then the anti-aliasing test for those only.
        let mut over = 0u64;
        for (bit, x) in (x0..x1).enumerate().take(64) {
            let pos = (y * self.w + x) * 4;
            let delta = color_delta(px(self.a, pos), px(self.b, pos), pos, self.bg);
            over |= u64::from(delta.abs() > self.max_delta) << bit;
        }
        while over != 0 {
            let x = x0 + over.trailing_zeros() as usize;
            over &= over - 1;
            c.record(self.anti_aliased_at(x, y));
        }
    }

    /// Rows from `y0` on, as many as `out` holds, drawing the diff image into `out`.
    fn band(&self, y0: usize, out: Option<&mut [u8]>) -> Counts {
        let Some(out) = out else {
            return self.band_rows(y0, self.h);
        };
        let row_bytes = self.w * 4;
        let mut c = Counts::default();
        let mut greys = GreyCache::new(self);
        for (r, orow) in out.chunks_exact_mut(row_bytes.max(1)).enumerate() {
            let y = y0 + r;
            let (ra, rb) = self.rows(y);
            if ra == rb {
                for (o, p) in orow.chunks_exact_mut(4).zip(ra.chunks_exact(4)) {
                    o.copy_from_slice(&greys.get(self, p));
                }
                continue;
            }
            c.differing_rows += 1;
            for (x, (o, p)) in orow.chunks_exact_mut(4).zip(ra.chunks_exact(4)).enumerate() {
                let i = y * self.w + x;
                let colour = if px32(self.a, i) == px32(self.b, i) {
                    greys.get(self, p)
                } else {
                    match self.judge(x, y) {
                        Verdict::Similar => greys.get(self, p),
                        Verdict::AntiAliased => {
                            c.aa += 1;
                            YELLOW
                        }
                        Verdict::Different => {
                            c.diff += 1;
                            RED
                        }
                    }
                };
                o.copy_from_slice(&colour);
            }
        }
        c
    }

    /// Classifies a pixel whose two 32-bit values differ.
    #[inline]
    fn judge(&self, x: usize, y: usize) -> Verdict {
        let pos = (y * self.w + x) * 4;
        let delta = color_delta(px(self.a, pos), px(self.b, pos), pos, self.bg);
        // Written as "beyond" rather than "within" so that a NaN threshold counts nothing, as in
        // the reference and in the counting path.
        if delta.abs() > self.max_delta {
            if self.anti_aliased_at(x, y) {
                Verdict::AntiAliased
            } else {
                Verdict::Different
            }
        } else {
            Verdict::Similar
        }
    }

    /// For a pixel beyond the threshold: whether it is excluded as anti-aliasing in either image.
    #[inline]
    fn anti_aliased_at(&self, x: usize, y: usize) -> bool {
        !self.include_aa
            && (self.antialiased(self.a, x, y, self.a, self.b)
                || self.antialiased(self.b, x, y, self.b, self.a))
    }

    /// The faded grey of an unchanged pixel: its luma blended towards white.
    #[inline]
    fn grey(&self, p: [u8; 4]) -> [u8; 4] {
        let (r, g, b, a) = (
            f64::from(p[0]),
            f64::from(p[1]),
            f64::from(p[2]),
            f64::from(p[3]),
        );
        let luma = r * 0.29889531 + g * 0.58662247 + b * 0.11448223;
        let v = 255.0 + (luma - 255.0) * self.alpha * a / 255.0;
        // Truncation, as a byte array assignment does in JavaScript (`as` also saturates).
        let v = v as u8;
        [v, v, v, 255]
    }

    /// Whether the pixel at (x1, y1) of `img` looks like anti-aliasing: at most two equal
    /// neighbours, both a darker and a brighter one, and the darkest or the brightest of them
    /// sitting in a flat area (3+ equal neighbours) in both images.
    fn antialiased(&self, img: &[u8], x1: usize, y1: usize, one: &[u8], two: &[u8]) -> bool {
        let (w, h) = (self.w, self.h);
        if x1 > 0
            && y1 > 0
            && x1 + 1 < w
            && y1 + 1 < h
            && let Some(found) = self.opaque_interior_extremes(img, x1, y1)
        {
            return match found {
                None => false,
                Some(((min_x, min_y), (max_x, max_y))) => {
                    (self.many_siblings(one, min_x, min_y) && self.many_siblings(two, min_x, min_y))
                        || (self.many_siblings(one, max_x, max_y)
                            && self.many_siblings(two, max_x, max_y))
                }
            };
        }
        let x0 = x1.saturating_sub(1);
        let y0 = y1.saturating_sub(1);
        let x2 = (x1 + 1).min(w - 1);
        let y2 = (y1 + 1).min(h - 1);
        let pos = (y1 * w + x1) * 4;
        let centre = px(img, pos);
        let mut zeroes = u32::from(x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2);
        let (mut min, mut max) = (0.0f64, 0.0f64);
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (0, 0, 0, 0);
        // Column-major, as the reference walks them: ties keep the first neighbour found.
        for x in x0..=x2 {
            for y in y0..=y2 {
                if x == x1 && y == y1 {
                    continue;
                }
                let delta = brightness_delta(centre, px(img, (y * w + x) * 4), pos, self.bg);
                if delta == 0.0 {
                    zeroes += 1;
                    if zeroes > 2 {
                        return false;
                    }
                } else if delta < min {
                    min = delta;
                    (min_x, min_y) = (x, y);
                } else if delta > max {
                    max = delta;
                    (max_x, max_y) = (x, y);
                }
            }
        }
        if min == 0.0 || max == 0.0 {
            return false;
        }
        (self.many_siblings(one, min_x, min_y) && self.many_siblings(two, min_x, min_y))
            || (self.many_siblings(one, max_x, max_y) && self.many_siblings(two, max_x, max_y))
    }

    /// The common case of [`Self::antialiased`]'s neighbour scan, for an interior pixel whose
    /// 3x3 neighbourhood is opaque: all eight luma deltas at once (branch-free, vectorizable),
    /// then the reference's sequential walk over them. `None` when the fast path does not apply;
    /// `Some(None)` when the pixel is not anti-aliasing (3+ equal neighbours, or no darker or no
    /// brighter one); otherwise the darkest and the brightest neighbour.
    #[inline]
    #[allow(clippy::type_complexity)]
    fn opaque_interior_extremes(
        &self,
        img: &[u8],
        x1: usize,
        y1: usize,
    ) -> Option<Option<((usize, usize), (usize, usize))>> {
        let block = block3x3(img, self.w, x1, y1)?;
        let centre = block[4];
        // Neighbours in the reference's order: column by column, top to bottom.
        const OFFSETS: [(usize, usize); 8] = [
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 0),
            (1, 2),
            (2, 0),
            (2, 1),
            (2, 2),
        ];
        if !block.iter().all(|&p| p >> 24 == 255) {
            return None;
        }
        let channel = |p: u32, shift: u32| i32::from((p >> shift) as u8);
        let mut d = [0.0f64; 8];
        for (d, &(dx, dy)) in d.iter_mut().zip(&OFFSETS) {
            let p = block[dy * 3 + dx];
            let dr = f64::from(channel(centre, 0) - channel(p, 0));
            let dg = f64::from(channel(centre, 8) - channel(p, 8));
            let db = f64::from(channel(centre, 16) - channel(p, 16));
            *d = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223;
        }
        // Equal pixels give exactly 0 here, as the reference's early `return 0` does; any zero
        // delta counts, and three of them end the scan with "not anti-aliasing".
        if d.iter().filter(|&&v| v == 0.0).count() > 2 {
            return Some(None);
        }
        let (mut min, mut max) = (0.0f64, 0.0f64);
        let (mut imin, mut imax) = (0, 0);
        // The reference's `if zero … else if < min … else if > max` chain, as two independent
        // updates: a zero is never below min (<= 0) nor above max (>= 0), and a value below min
        // is never above max. Strict comparisons keep the first extreme found.
        for (i, &v) in d.iter().enumerate() {
            if v < min {
                (min, imin) = (v, i);
            }
            if v > max {
                (max, imax) = (v, i);
            }
        }
        if min == 0.0 || max == 0.0 {
            return Some(None);
        }
        let at = |i: usize| (x1 + OFFSETS[i].0 - 1, y1 + OFFSETS[i].1 - 1);
        Some(Some((at(imin), at(imax))))
    }

    /// Whether the pixel at (x1, y1) has 3+ neighbours of exactly its value (image borders count
    /// as one).
    fn many_siblings(&self, img: &[u8], x1: usize, y1: usize) -> bool {
        let (w, h) = (self.w, self.h);
        // Interior pixels: count all eight equal neighbours without branches (the reference stops
        // at the third; the answer is the same).
        if x1 > 0
            && y1 > 0
            && x1 + 1 < w
            && y1 + 1 < h
            && let Some(block) = block3x3(img, w, x1, y1)
        {
            let centre = block[4];
            let equal = block.iter().filter(|&&p| p == centre).count() - 1;
            return equal > 2;
        }
        let x0 = x1.saturating_sub(1);
        let y0 = y1.saturating_sub(1);
        let x2 = (x1 + 1).min(w - 1);
        let y2 = (y1 + 1).min(h - 1);
        let val = px32(img, y1 * w + x1);
        let mut zeroes = u32::from(x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2);
        for x in x0..=x2 {
            for y in y0..=y2 {
                if x == x1 && y == y1 {
                    continue;
                }
                zeroes += u32::from(val == px32(img, y * w + x));
                if zeroes > 2 {
                    return true;
                }
            }
        }
        false
    }
}

/// The 3x3 block of pixels centred on the interior pixel (x1, y1), row by row, each pixel as a
/// little-endian u32 (red in the low byte, alpha in the high byte); `None` if it does not fit
/// (never for interior pixels of a full buffer). Whole-word loads: no byte shuffling through the
/// stack.
#[inline(always)]
fn block3x3(img: &[u8], w: usize, x1: usize, y1: usize) -> Option<[u32; 9]> {
    let mut out = [0u32; 9];
    for dy in 0..3 {
        let start = ((y1 + dy - 1) * w + x1 - 1) * 4;
        let row: &[u8; 12] = img.get(start..start + 12)?.try_into().ok()?;
        for dx in 0..3 {
            out[dy * 3 + dx] = u32::from_le_bytes([
                row[dx * 4],
                row[dx * 4 + 1],
                row[dx * 4 + 2],
                row[dx * 4 + 3],
            ]);
        }
    }
    Some(out)
}

/// A small direct-mapped cache of grey values: screenshots repeat few colours, and the float
/// formula per pixel would dominate drawing the diff image.
struct GreyCache {
    keys: [u32; 256],
    vals: [[u8; 4]; 256],
}

impl GreyCache {
    fn new(k: &Kernel<'_>) -> Self {
        // Every slot starts as the (correct) entry for the all-zero pixel.
        GreyCache {
            keys: [0; 256],
            vals: [k.grey([0; 4]); 256],
        }
    }

    #[inline(always)]
    fn get(&mut self, k: &Kernel<'_>, p: &[u8]) -> [u8; 4] {
        let p = px(p, 0);
        let key = u32::from_ne_bytes(p);
        let slot = (key.wrapping_mul(0x9E37_79B1) >> 24) as usize;
        if self.keys[slot] != key {
            self.keys[slot] = key;
            self.vals[slot] = k.grey(p);
        }
        self.vals[slot]
    }
}

#[inline(always)]
fn px(buf: &[u8], pos: usize) -> [u8; 4] {
    match buf.get(pos..pos + 4) {
        Some(&[r, g, b, a]) => [r, g, b, a],
        _ => [0; 4],
    }
}

#[inline(always)]
fn px32(buf: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes(px(buf, i * 4))
}

/// The background colour under the pixel at byte offset `pos`.
fn background(pos: usize, bg: Background) -> (f64, f64, f64) {
    match bg {
        Background::White => (255.0, 255.0, 255.0),
        Background::Checkerboard => {
            // Integer forms of the reference's `k % 2` and `(k / c | 0) % 2` (k is an integer);
            // plain conversions instead of fmod/trunc calls, same values.
            let k = pos as f64;
            let bit = |v: f64| f64::from(js_int32(v) % 2);
            (
                48.0 + 159.0 * (pos % 2) as f64,
                48.0 + 159.0 * bit(k / 1.618033988749895),
                48.0 + 159.0 * bit(k / 2.618033988749895),
            )
        }
    }
}

/// JavaScript's `v | 0` (ToInt32) for finite non-negative `v`: truncate, then wrap modulo 2³².
#[inline]
fn js_int32(v: f64) -> i32 {
    (v as i64) as i32
}

/// Channel differences of two opaque pixels: exact small integers.
#[inline(always)]
fn opaque_deltas(p1: [u8; 4], p2: [u8; 4]) -> (f64, f64, f64) {
    let d = |i: usize| f64::from(i16::from(p1[i]) - i16::from(p2[i]));
    (d(0), d(1), d(2))
}

/// Channel differences after blending both pixels over the background by their alpha. Kept out
/// of line (and cold) so the optimiser never computes the background for opaque pixels.
#[cold]
#[inline(never)]
fn blended_deltas(p1: [u8; 4], p2: [u8; 4], pos: usize, bg: Background) -> (f64, f64, f64) {
    let [r1, g1, b1, a1] = p1.map(f64::from);
    let [r2, g2, b2, a2] = p2.map(f64::from);
    let (rb, gb, bb) = background(pos, bg);
    let da = a1 - a2;
    (
        (r1 * a1 - r2 * a2 - rb * da) / 255.0,
        (g1 * a1 - g2 * a2 - gb * da) / 255.0,
        (b1 * a1 - b2 * a2 - bb * da) / 255.0,
    )
}

#[inline(always)]
fn deltas(p1: [u8; 4], p2: [u8; 4], pos: usize, bg: Background) -> (f64, f64, f64) {
    if p1[3] == 255 && p2[3] == 255 {
        opaque_deltas(p1, p2)
    } else {
        blended_deltas(p1, p2, pos, bg)
    }
}

/// Squared YIQ distance (Kotsarenko & Ramos) between two differing pixels at byte offset `pos`.
#[inline]
fn color_delta(p1: [u8; 4], p2: [u8; 4], pos: usize, bg: Background) -> f64 {
    let (dr, dg, db) = deltas(p1, p2, pos, bg);
    let y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223;
    let i = dr * 0.59597799 - dg * 0.27417610 - db * 0.32180189;
    let q = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694;
    0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q
}

/// Luma difference between the centre pixel (at byte offset `pos`) and a neighbour.
#[inline(always)]
fn brightness_delta(centre: [u8; 4], other: [u8; 4], pos: usize, bg: Background) -> f64 {
    if centre == other {
        return 0.0;
    }
    let (dr, dg, db) = deltas(centre, other, pos, bg);
    dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_columns_are_two_pixels_from_either_edge() {
        assert_eq!(interior_columns(0, 100), 0b1111_1100);
        assert_eq!(interior_columns(8, 100), 0xff);
        assert_eq!(interior_columns(88, 100), 0xff);
        assert_eq!(interior_columns(96, 100), 0b11);
        assert_eq!(interior_columns(0, 5), 0b100);
        assert_eq!(interior_columns(0, 8), 0b1111_1100 & 0b11_1111);
    }

    fn img(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Rgba {
        Rgba::from_fn(w, h, |x, y| image::Rgba(f(x, y)))
    }

    #[test]
    fn identical_images() {
        let a = img(5, 3, |x, y| [x as u8, y as u8, 7, 255]);
        let r = diff(&a, &a.clone(), &DiffOptions::default());
        assert!(r.identical && !r.size_mismatch);
        assert_eq!((r.diff_pixels, r.diff_ratio), (0, 0.0));
    }

    #[test]
    fn one_changed_pixel_is_red_rest_grey() {
        let a = img(4, 4, |_, _| [255, 255, 255, 255]);
        let mut b = a.clone();
        b.put_pixel(2, 1, image::Rgba([0, 0, 0, 255]));
        let opts = DiffOptions {
            want_image: true,
            ..DiffOptions::default()
        };
        let r = diff(&a, &b, &opts);
        assert_eq!(r.diff_pixels, 1);
        assert!((r.diff_ratio - 1.0 / 16.0).abs() < 1e-12);
        let out = r.image.unwrap();
        assert_eq!(out.get_pixel(2, 1).0, RED);
        assert_eq!(out.get_pixel(0, 0).0, [255, 255, 255, 255]);
    }

    #[test]
    fn sizes_differ_is_a_result() {
        let a = img(2, 2, |_, _| [0; 4]);
        let b = img(3, 1, |_, _| [0; 4]);
        let r = diff(&a, &b, &DiffOptions::default());
        assert!(r.size_mismatch && !r.identical);
        assert_eq!((r.width, r.height, r.diff_pixels), (3, 2, 6));
    }

    #[test]
    fn empty_and_tiny_images_do_not_panic() {
        let e = Rgba::new(0, 0);
        assert_eq!(diff(&e, &e, &DiffOptions::default()).diff_pixels, 0);
        let a = img(1, 1, |_, _| [0, 0, 0, 255]);
        let b = img(1, 1, |_, _| [255, 255, 255, 0]);
        for include_aa in [false, true] {
            let opts = DiffOptions {
                include_aa,
                want_image: true,
                ..DiffOptions::default()
            };
            assert_eq!(diff(&a, &b, &opts).diff_pixels, 1);
        }
    }

    #[test]
    fn threshold_one_accepts_everything_but_the_extremes() {
        let a = img(3, 3, |_, _| [0, 0, 0, 255]);
        let b = img(3, 3, |_, _| [128, 128, 128, 255]);
        let opts = DiffOptions {
            threshold: 1.0,
            ..DiffOptions::default()
        };
        assert_eq!(diff(&a, &b, &opts).diff_pixels, 0);
    }

    #[test]
    fn parallel_bands_match_sequential() {
        // Tall enough for several bands; a pattern with edges crossing band boundaries.
        let (w, h) = (300, 1200);
        let a = img(w, h, |x, y| {
            let v = if (x / 7 + y / 5) % 2 == 0 { 20 } else { 230 };
            [v, v, v, 255]
        });
        let b = img(w, h, |x, y| {
            let v = if ((x + 1) / 7 + y / 5) % 2 == 0 {
                20
            } else {
                230
            };
            let m = if (x + y) % 13 == 0 { 128 } else { v };
            [m, v, v, 255]
        });
        let opts = DiffOptions::default();
        let par = diff(&a, &b, &opts);
        let img_par = diff(
            &a,
            &b,
            &DiffOptions {
                want_image: true,
                ..opts.clone()
            },
        );
        let k = Kernel {
            a: a.as_raw(),
            b: b.as_raw(),
            w: w as usize,
            h: h as usize,
            max_delta: MAX_YIQ_DELTA * 0.01,
            include_aa: false,
            alpha: 0.1,
            bg: Background::White,
            #[cfg(target_arch = "x86_64")]
            avx2: false,
        };
        let seq = k.band_rows(0, h as usize);
        assert!(par.diff_pixels > 0);
        assert_eq!(par.diff_pixels, seq.diff);
        assert_eq!(par.aa_pixels, seq.aa);
        assert_eq!(img_par.diff_pixels, seq.diff);
        assert_eq!(img_par.aa_pixels, seq.aa);
    }

    #[test]
    fn nan_threshold_counts_nothing_on_both_paths() {
        let a = img(3, 3, |_, _| [0, 0, 0, 255]);
        let b = img(3, 3, |_, _| [255, 255, 255, 255]);
        for want_image in [false, true] {
            let opts = DiffOptions {
                threshold: f64::NAN,
                want_image,
                ..DiffOptions::default()
            };
            assert_eq!(diff(&a, &b, &opts).diff_pixels, 0);
        }
    }

    #[test]
    fn js_int32_wraps_like_javascript() {
        assert_eq!(js_int32(5.9), 5);
        assert_eq!(js_int32(2_147_483_648.5), i32::MIN);
        assert_eq!(js_int32(4_294_967_297.0), 1);
    }

    /// Images where anti-aliasing decisions are close calls: few colours (flat areas, equal
    /// deltas to break ties on), one-step noise (luma deltas near zero), shifted edges, and some
    /// translucent pixels (the fallback path).
    #[cfg(target_arch = "x86_64")]
    fn tricky_pair(seed: u64, w: u32, h: u32) -> (Rgba, Rgba) {
        let mut s = seed | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let palette: Vec<[u8; 4]> = (0..4)
            .map(|_| {
                let v = next();
                [v as u8, (v >> 8) as u8, (v >> 16) as u8, 255]
            })
            .collect();
        let mut base = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            for x in 0..w {
                let r = next();
                // Half the seeds: random pixels of three colours (ties between the darkest or
                // brightest neighbours everywhere); half: stripes and blocks.
                let mut p = if seed.is_multiple_of(2) {
                    palette[(r >> 32) as usize % 3]
                } else {
                    palette[((x / 3 + y / 2 + x * y / 17) % 4) as usize]
                };
                if r % 11 == 0 {
                    p[(r >> 8) as usize % 3] ^= 1;
                }
                if r % 97 == 1 {
                    p[3] = (r >> 16) as u8;
                }
                base.push(p);
            }
        }
        let mut other = base.clone();
        for y in 0..h as usize {
            for x in 0..w as usize {
                let r = next();
                let i = y * w as usize + x;
                if y % 7 < 3 && x > 0 {
                    other[i] = base[i - 1];
                }
                if r % 13 == 0 {
                    other[i] = palette[(r >> 8) as usize % 4];
                } else if r % 29 == 0 {
                    other[i][(r >> 8) as usize % 3] ^= 2;
                }
            }
        }
        let to_img = |px: &[[u8; 4]]| img(w, h, |x, y| px[(y * w + x) as usize]);
        (to_img(&base), to_img(&other))
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx2_threshold_screen_decides_as_the_f64_delta_does() {
        if !has_avx2() {
            return;
        }
        // Channel differences on a grid around the threshold spheres, 8 pairs per call.
        for threshold in [0.0, 0.05, 0.1, 0.2, 1.0, f64::NAN] {
            let max = MAX_YIQ_DELTA * threshold * threshold;
            let mut pairs = Vec::new();
            for dr in (-90..=90).step_by(3) {
                for dg in (-90..=90).step_by(3) {
                    for db in (-90..=90).step_by(3) {
                        let base = [120u8, 130, 140, 255];
                        let moved = [(120 + dr) as u8, (130 + dg) as u8, (140 + db) as u8, 255];
                        pairs.push((moved, base));
                    }
                }
            }
            let (mut over, mut mismatches) = (0, 0);
            for chunk in pairs.chunks_exact(8) {
                let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
                for (j, (pa, pb)) in chunk.iter().enumerate() {
                    a[j * 4..j * 4 + 4].copy_from_slice(pa);
                    b[j * 4..j * 4 + 4].copy_from_slice(pb);
                }
                // SAFETY: the CPU has AVX2 (checked above).
                let mask = unsafe { avx2::over_threshold8(&a, &b, max) }.unwrap();
                for (j, (pa, pb)) in chunk.iter().enumerate() {
                    let exact = color_delta(*pa, *pb, 0, Background::White).abs() > max;
                    over += usize::from(exact);
                    mismatches += usize::from(exact != (mask >> j & 1 != 0));
                }
            }
            assert_eq!(mismatches, 0, "threshold {threshold}");
            if threshold > 0.0 && threshold < 1.0 {
                assert!(
                    over > 0 && over < pairs.len(),
                    "threshold {threshold}: {over}"
                );
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn avx2_paths_match_portable_paths() {
        if !has_avx2() {
            return;
        }
        for seed in 1..100u64 {
            let (w, h) = (37 + (seed as u32 % 5) * 13, 23 + (seed as u32 % 3) * 7);
            let (a, b) = tricky_pair(seed * 0x9E37_79B9, w, h);
            for include_aa in [false, true] {
                for bg in [Background::White, Background::Checkerboard] {
                    let mut k = Kernel {
                        a: a.as_raw(),
                        b: b.as_raw(),
                        w: w as usize,
                        h: h as usize,
                        max_delta: MAX_YIQ_DELTA * 0.01 * (seed % 4) as f64,
                        include_aa,
                        alpha: 0.1,
                        bg,
                        avx2: false,
                    };
                    let portable = k.band_rows(0, h as usize);
                    k.avx2 = true;
                    let fast = k.band_rows(0, h as usize);
                    assert_eq!(
                        (portable.diff, portable.aa, portable.differing_rows),
                        (fast.diff, fast.aa, fast.differing_rows),
                        "seed {seed}, include_aa {include_aa}, {bg:?}"
                    );
                    // Pixel by pixel: the anti-aliasing test wherever the fast path applies.
                    let mut checked = 0;
                    for y in 2..h as usize - 2 {
                        for x in 2..w as usize - 2 {
                            // SAFETY: AVX2 and POPCNT checked above; (x, y) is 2+ pixels from
                            // every edge of two w x h buffers.
                            let fast = unsafe {
                                avx2::anti_aliased_at(a.as_ptr(), b.as_ptr(), w as usize, x, y)
                            };
                            if let Some(fast) = fast {
                                let slow = k.antialiased(k.a, x, y, k.a, k.b)
                                    || k.antialiased(k.b, x, y, k.b, k.a);
                                assert_eq!(fast, slow, "seed {seed} at ({x}, {y})");
                                checked += 1;
                            }
                        }
                    }
                    assert!(checked > 0);
                    // The sibling check alone, up to the last interior row and column (its loads
                    // reach one pixel beyond the window).
                    for img in [k.a, k.b] {
                        for y in 1..h as usize - 1 {
                            for x in 1..w as usize - 1 {
                                // SAFETY: AVX2 and POPCNT checked above; (x, y) is interior.
                                let fast =
                                    unsafe { avx2::many_siblings(img.as_ptr(), w as usize, x, y) };
                                assert_eq!(fast, k.many_siblings(img, x, y), "({x}, {y})");
                            }
                        }
                    }
                }
            }
        }
    }
}
