//! AVX2 versions of the kernel's hot paths, chosen at run time (`is_x86_feature_detected!`).
//!
//! They compute exactly what the portable code in the parent module computes: the f64 lanes do
//! the same multiplications and additions in the same order (no FMA: only `mul`/`add`/`sub`
//! intrinsics, which LLVM never fuses), and every other decision is an integer comparison. The
//! threshold test first screens 8 pixels in f32 and settles only the pixels whose f32 delta is
//! more than a proven error bound away from the threshold; the others get the f64 delta. The
//! unit tests run both versions on the same images and compare pixel by pixel, and sweep the
//! screen across the threshold.
//!
//! Pixels are read as little-endian u32 (red in the low byte, alpha in the high byte).
//!
//! Safety: every function here needs AVX2 and POPCNT (the caller checks once per diff), and the
//! positions it is given must satisfy the bounds stated on it.

use std::arch::x86_64::*;

/// Luma weights (pixelmatch's YIQ "Y" row).
const Y_R: f64 = 0.29889531;
const Y_G: f64 = 0.58662247;
const Y_B: f64 = 0.11448223;

/// Lane order of [`ring`]: row by row, the centre left out.
const LANE_POS: [(usize, usize); 8] = [
    (0, 0),
    (1, 0),
    (2, 0),
    (0, 1),
    (2, 1),
    (0, 2),
    (1, 2),
    (2, 2),
];

/// For a set of lanes (bit mask), the lane that pixelmatch's neighbour walk meets first: it goes
/// column by column, top to bottom, so lane order (row by row) is not its order.
const FIRST_IN_WALK: [u8; 256] = first_in_walk();

const fn first_in_walk() -> [u8; 256] {
    // Position of each lane in the walk: (dx, dy) -> dx * 3 + dy, centre skipped.
    let mut rank = [0usize; 8];
    let mut lane = 0;
    while lane < 8 {
        let (dx, dy) = LANE_POS[lane];
        let r = dx * 3 + dy;
        rank[lane] = if r > 4 { r - 1 } else { r };
        lane += 1;
    }
    let mut out = [0u8; 256];
    let mut mask = 1;
    while mask < 256 {
        let mut best = 8;
        let mut best_rank = 9;
        let mut lane = 0;
        while lane < 8 {
            if mask & (1 << lane) != 0 && rank[lane] < best_rank {
                best = lane;
                best_rank = rank[lane];
            }
            lane += 1;
        }
        out[mask] = best as u8;
        mask += 1;
    }
    out
}

/// The eight neighbours of (px, py) in lane order, and the centre pixel.
///
/// Needs `1 <= px <= w - 2`, `1 <= py <= h - 2` for an image of `w x h` RGBA pixels at `img`:
/// the three 16-byte loads also read one pixel beyond the window (the middle and upper rows one
/// to the right, the lower row one to the left, so never past the end of the buffer).
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn ring(img: *const u8, w: usize, px: usize, py: usize) -> (__m256i, u32) {
    unsafe {
        let row = w * 4;
        let west = img.add((py * w + px - 1) * 4);
        let up = _mm_loadu_si128(west.sub(row).cast()); // [NW N NE x]
        let mid = _mm_loadu_si128(west.cast()); // [W C E x]
        let down = _mm_loadu_si128(west.add(row).sub(4).cast()); // [x SW S SE]
        // E to lane 0 and W to lane 3, then blended in: [NW N NE W] and [E SW S SE].
        let ends = _mm_shuffle_epi32::<0b00_00_00_10>(mid);
        let lo = _mm_blend_epi32::<0b1000>(up, ends);
        let hi = _mm_blend_epi32::<0b0001>(down, ends);
        let centre = west.add(4).cast::<u32>().read_unaligned();
        (_mm256_set_m128i(hi, lo), centre)
    }
}

/// Lanes of `ring` equal to `centre`, as a bit mask.
#[inline]
#[target_feature(enable = "avx2")]
fn equal_lanes(ring: __m256i, centre: u32) -> u32 {
    let eq = _mm256_cmpeq_epi32(ring, _mm256_set1_epi32(centre as i32));
    _mm256_movemask_ps(_mm256_castsi256_ps(eq)) as u32
}

/// pixelmatch's `hasManySiblings` for an interior pixel (bounds as for [`ring`]).
///
/// Three vector loads instead of [`ring`]'s gather: `[NW N NE x]` and `[x SW S SE]` in one
/// vector, `[W C E x]` in another, the centre broadcast from memory; the lanes outside the ring
/// are masked off before counting.
#[inline]
#[target_feature(enable = "avx2,popcnt")]
pub(super) unsafe fn many_siblings(img: *const u8, w: usize, px: usize, py: usize) -> bool {
    unsafe {
        let row = w * 4;
        let west = img.add((py * w + px - 1) * 4);
        // The lower row starts one pixel further left so that its extra pixel lies before the
        // window, not beyond the end of the buffer.
        let outer = _mm256_loadu2_m128i(west.add(row).sub(4).cast(), west.sub(row).cast());
        let mid = _mm_loadu_si128(west.cast());
        let c = _mm256_set1_epi32(west.add(4).cast::<i32>().read_unaligned());
        let eq_outer = _mm256_cmpeq_epi32(outer, c);
        let eq_mid = _mm_cmpeq_epi32(mid, _mm256_castsi256_si128(c));
        let outer_bits = _mm256_movemask_ps(_mm256_castsi256_ps(eq_outer)) as u32 & 0b1110_0111;
        let mid_bits = _mm_movemask_ps(_mm_castsi128_ps(eq_mid)) as u32 & 0b101;
        (outer_bits | (mid_bits << 8)).count_ones() > 2
    }
}

/// Whether all eight lanes and the centre are opaque.
#[inline]
#[target_feature(enable = "avx2")]
fn opaque(ring: __m256i, centre: u32) -> bool {
    let alpha = _mm256_set1_epi32(0xff00_0000u32 as i32);
    let both = _mm256_and_si256(ring, alpha);
    _mm256_movemask_epi8(_mm256_cmpeq_epi32(both, alpha)) == -1 && centre >> 24 == 255
}

#[inline]
#[target_feature(enable = "avx2")]
fn channel<const SHIFT: i32>(v: __m256i) -> __m256i {
    _mm256_and_si256(_mm256_srli_epi32::<SHIFT>(v), _mm256_set1_epi32(0xff))
}

/// pixelmatch's `antialiased` for one image, on the fast path: interior pixel (2+ pixels from
/// every edge, so that every neighbour is interior too) whose ring (`r`, `c`) is opaque.
/// `siblings_one` and `siblings_two` answer "many siblings" for a neighbour in this image and in
/// the other.
///
/// The eight luma deltas go through two f64x4 vectors, each lane computing
/// `dr * Y_R + dg * Y_G + db * Y_B` left to right like the scalar code.
#[inline]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn antialiased(
    r: __m256i,
    c: u32,
    x: usize,
    y: usize,
    siblings_one: &impl Fn(usize, usize) -> bool,
    siblings_two: &impl Fn(usize, usize) -> bool,
) -> bool {
    let ci = _mm256_set1_epi32(c as i32);
    let dr = _mm256_sub_epi32(channel::<0>(ci), channel::<0>(r));
    let dg = _mm256_sub_epi32(channel::<8>(ci), channel::<8>(r));
    let db = _mm256_sub_epi32(channel::<16>(ci), channel::<16>(r));
    let luma = |lo: bool| {
        let half = |v: __m256i| {
            if lo {
                _mm256_cvtepi32_pd(_mm256_castsi256_si128(v))
            } else {
                _mm256_cvtepi32_pd(_mm256_extracti128_si256::<1>(v))
            }
        };
        let s = _mm256_add_pd(
            _mm256_mul_pd(half(dr), _mm256_set1_pd(Y_R)),
            _mm256_mul_pd(half(dg), _mm256_set1_pd(Y_G)),
        );
        _mm256_add_pd(s, _mm256_mul_pd(half(db), _mm256_set1_pd(Y_B)))
    };
    let (lo, hi) = (luma(true), luma(false));
    // Lanes equal to (all lanes of) `v`, as a bit mask.
    let lanes = |v: __m256d| {
        let eq = |h: __m256d| _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_EQ_OQ>(h, v));
        (eq(lo) | (eq(hi) << 4)) as usize
    };
    // Any zero delta counts (equal neighbours give exactly 0); three end the test.
    if lanes(_mm256_setzero_pd()).count_ones() > 2 {
        return false;
    }
    // Darkest and brightest: the extreme value, then the first lane holding it in the walk's
    // order (the reference's strict `<` / `>` keep the first one found).
    let min4 = _mm256_min_pd(lo, hi);
    let min2 = _mm256_min_pd(min4, _mm256_permute2f128_pd::<1>(min4, min4));
    let min = _mm256_min_pd(min2, _mm256_permute_pd::<0b0101>(min2));
    let max4 = _mm256_max_pd(lo, hi);
    let max2 = _mm256_max_pd(max4, _mm256_permute2f128_pd::<1>(max4, max4));
    let max = _mm256_max_pd(max2, _mm256_permute_pd::<0b0101>(max2));
    // No darker or no brighter neighbour (the reference's `min === 0 || max === 0`).
    if _mm256_cvtsd_f64(min) >= 0.0 || _mm256_cvtsd_f64(max) <= 0.0 {
        return false;
    }
    let at = |mask: usize| {
        let (dx, dy) = LANE_POS[FIRST_IN_WALK[mask] as usize];
        (x + dx - 1, y + dy - 1)
    };
    let (min_x, min_y) = at(lanes(min));
    let (max_x, max_y) = at(lanes(max));
    // Short-circuited like the reference: the first check fails often enough that skipping the
    // other rings beats evaluating all four without branches (measured).
    (siblings_one(min_x, min_y) && siblings_two(min_x, min_y))
        || (siblings_one(max_x, max_y) && siblings_two(max_x, max_y))
}

/// What the anti-aliasing test says about a pixel beyond the threshold: `Some(true)` if it is
/// excluded as anti-aliasing in either image, `Some(false)` if it is a difference, `None` if the
/// fast path does not apply (some pixel of either 3x3 neighbourhood is not opaque).
///
/// Needs `2 <= x <= w - 3` and `2 <= y <= h - 3`, `a` and `b` both `w x h` RGBA.
#[inline]
#[target_feature(enable = "avx2,popcnt")]
pub(super) unsafe fn anti_aliased_at(
    a: *const u8,
    b: *const u8,
    w: usize,
    x: usize,
    y: usize,
) -> Option<bool> {
    unsafe {
        anti_aliased_with(
            a,
            b,
            w,
            x,
            y,
            None,
            // SAFETY (both): the neighbours of (x, y) are 1+ pixels from every edge.
            &|px, py| many_siblings(a, w, px, py),
            &|px, py| many_siblings(b, w, px, py),
        )
    }
}

/// [`anti_aliased_at`] given what is already known: the centre's many-siblings bits in `a` and
/// `b` (computed from the rings when `None`) and the neighbours' through `siblings_a` /
/// `siblings_b`. Same bounds.
#[inline]
#[target_feature(enable = "avx2,popcnt")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn anti_aliased_with(
    a: *const u8,
    b: *const u8,
    w: usize,
    x: usize,
    y: usize,
    centre_siblings: Option<(bool, bool)>,
    siblings_a: &impl Fn(usize, usize) -> bool,
    siblings_b: &impl Fn(usize, usize) -> bool,
) -> Option<bool> {
    unsafe {
        let (ra, ca) = ring(a, w, x, y);
        let (rb, cb) = ring(b, w, x, y);
        if !(opaque(ra, ca) && opaque(rb, cb)) {
            return None;
        }
        // 3+ equal neighbours: not anti-aliasing in that image (any zero delta counts, and equal
        // pixels give zero), decided with integer compares.
        let (flat_a, flat_b) = centre_siblings.unwrap_or_else(|| {
            (
                equal_lanes(ra, ca).count_ones() > 2,
                equal_lanes(rb, cb).count_ones() > 2,
            )
        });
        Some(match (flat_a, flat_b) {
            (true, true) => false,
            (false, true) => antialiased(ra, ca, x, y, siblings_a, siblings_b),
            (true, false) => antialiased(rb, cb, x, y, siblings_b, siblings_a),
            (false, false) => {
                antialiased(ra, ca, x, y, siblings_a, siblings_b)
                    || antialiased(rb, cb, x, y, siblings_b, siblings_a)
            }
        })
    }
}

/// The YIQ colour delta of eight pixel pairs (32 bytes of each image) against the threshold:
/// bit `i` set when pair `i` is beyond `max_delta`. `None` if any of the 16 pixels is not opaque
/// (the caller then blends, pixel by pixel).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn over_threshold8(a: &[u8; 32], b: &[u8; 32], max_delta: f64) -> Option<u32> {
    // SAFETY: 32-byte arrays, unaligned loads.
    let (va, vb) = unsafe {
        (
            _mm256_loadu_si256(a.as_ptr().cast()),
            _mm256_loadu_si256(b.as_ptr().cast()),
        )
    };
    let alpha = _mm256_set1_epi32(0xff00_0000u32 as i32);
    let both = _mm256_and_si256(_mm256_and_si256(va, vb), alpha);
    if _mm256_movemask_epi8(_mm256_cmpeq_epi32(both, alpha)) != -1 {
        return None;
    }
    let dr = _mm256_sub_epi32(channel::<0>(va), channel::<0>(vb));
    let dg = _mm256_sub_epi32(channel::<8>(va), channel::<8>(vb));
    let db = _mm256_sub_epi32(channel::<16>(va), channel::<16>(vb));
    let (above, unsure) = screen_f32(dr, dg, db, max_delta);
    if unsure == 0 {
        return Some(above);
    }
    let max = _mm256_set1_pd(max_delta);
    let half = |lo: bool| {
        let f = |v: __m256i| {
            if lo {
                _mm256_cvtepi32_pd(_mm256_castsi256_si128(v))
            } else {
                _mm256_cvtepi32_pd(_mm256_extracti128_si256::<1>(v))
            }
        };
        let (r, g, b) = (f(dr), f(dg), f(db));
        let k = _mm256_set1_pd;
        let mul = _mm256_mul_pd;
        // Same expressions, same order, as `color_delta`.
        let y = _mm256_add_pd(
            _mm256_add_pd(mul(r, k(Y_R)), mul(g, k(Y_G))),
            mul(b, k(Y_B)),
        );
        let i = _mm256_sub_pd(
            _mm256_sub_pd(mul(r, k(0.59597799)), mul(g, k(0.27417610))),
            mul(b, k(0.32180189)),
        );
        let q = _mm256_add_pd(
            _mm256_sub_pd(mul(r, k(0.21147017)), mul(g, k(0.52261711))),
            mul(b, k(0.31114694)),
        );
        let delta = _mm256_add_pd(
            _mm256_add_pd(mul(mul(k(0.5053), y), y), mul(mul(k(0.299), i), i)),
            mul(mul(k(0.1957), q), q),
        );
        // The delta is a sum of squares (never negative), so `|delta| > max` is `delta > max`;
        // ordered compare: a NaN threshold counts nothing.
        _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(delta, max)) as u32
    };
    Some(half(true) | (half(false) << 4))
}

/// How far the f32 screen's delta may be from the f64 one: the channel differences are exact in
/// f32, and each of the ~20 roundings moves a value of at most 255 (for Y, I, Q) or 74 336 (for
/// the delta) by a relative 2^-24, which bounds the difference below 0.15.
const SCREEN_MARGIN: f64 = 1.0;

/// [`over_threshold8`]'s delta in f32, eight lanes per operation: the lanes certainly beyond
/// `max_delta` (more than [`SCREEN_MARGIN`] above it), and the lanes too close to call, for which
/// the caller computes the exact f64 delta. A NaN threshold leaves every lane unsure.
#[inline]
#[target_feature(enable = "avx2")]
fn screen_f32(dr: __m256i, dg: __m256i, db: __m256i, max_delta: f64) -> (u32, u32) {
    let (r, g, b) = (
        _mm256_cvtepi32_ps(dr),
        _mm256_cvtepi32_ps(dg),
        _mm256_cvtepi32_ps(db),
    );
    let k = _mm256_set1_ps;
    let mul = _mm256_mul_ps;
    let y = _mm256_add_ps(
        _mm256_add_ps(mul(r, k(Y_R as f32)), mul(g, k(Y_G as f32))),
        mul(b, k(Y_B as f32)),
    );
    let i = _mm256_sub_ps(
        _mm256_sub_ps(mul(r, k(0.595_978)), mul(g, k(0.274_176_1))),
        mul(b, k(0.321_801_9)),
    );
    let q = _mm256_add_ps(
        _mm256_sub_ps(mul(r, k(0.211_470_17)), mul(g, k(0.522_617_1))),
        mul(b, k(0.311_146_94)),
    );
    let delta = _mm256_add_ps(
        _mm256_add_ps(mul(mul(k(0.5053), y), y), mul(mul(k(0.299), i), i)),
        mul(mul(k(0.1957), q), q),
    );
    let high = k((max_delta + SCREEN_MARGIN) as f32);
    let low = k((max_delta - SCREEN_MARGIN) as f32);
    let above = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(delta, high)) as u32;
    let below = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(delta, low)) as u32;
    (above, !(above | below) & 0xff)
}

/// Whether 32 bytes of each image are equal.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn equal32(a: &[u8; 32], b: &[u8; 32]) -> bool {
    // SAFETY: 32-byte arrays, unaligned loads.
    let (va, vb) = unsafe {
        (
            _mm256_loadu_si256(a.as_ptr().cast()),
            _mm256_loadu_si256(b.as_ptr().cast()),
        )
    };
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(va, vb)) == -1
}
