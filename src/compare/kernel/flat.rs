//! Lazily computed "many siblings" bits (3+ of the 8 neighbours exactly equal to the pixel) of
//! both images, for the three rows around the row being scanned, 8 pixels at a time.
//!
//! pixelmatch's anti-aliasing test of a pixel can only say "anti-aliased" when some neighbour has
//! many siblings in *both* images (the darkest or the brightest neighbour must), and it says "not
//! anti-aliased" at once when the pixel itself has many siblings (3+ zero deltas). Both facts are
//! plain equality, independent of alpha, so with these bits most pixels beyond the threshold on a
//! layout shift are decided without the luma deltas: on the 1920x1080 bench pair, 33k of 209k
//! have many siblings in both images and 91k more have no neighbour that does. Those two facts
//! are worked out for the 8 pixels of a block at once, with bit operations.

use super::Kernel;
use std::arch::x86_64::*;

/// Bits of one image, rows `y - 1 ..= y + 1` (slot `row % 3`).
struct Rows {
    /// Row held by each slot.
    tag: [usize; 3],
    /// Per slot, one byte per 8-pixel block (bit i = pixel 8k + i), plus a padding byte.
    bits: [Vec<u8>; 3],
    done: [Vec<bool>; 3],
}

impl Rows {
    fn new(blocks: usize) -> Self {
        Rows {
            tag: [usize::MAX; 3],
            bits: std::array::from_fn(|_| vec![0; blocks + 1]),
            done: std::array::from_fn(|_| vec![false; blocks + 1]),
        }
    }

    fn slot(&mut self, r: usize) -> usize {
        let s = r % 3;
        if self.tag[s] != r {
            self.tag[s] = r;
            self.done[s].fill(false);
        }
        s
    }

    /// Bits of blocks `k - 1`, `k`, `k + 1` of row `r` as bits 0-7, 8-15, 16-23 (0 for a block
    /// left of the image). Blocks not computed for `r` hold stale bits.
    #[inline]
    fn window(&self, r: usize, k: usize) -> u32 {
        let row = &self.bits[r % 3];
        let left = if k > 0 { row[k - 1] } else { 0 };
        u32::from(left) | (u32::from(row[k]) << 8) | (u32::from(row[k + 1]) << 16)
    }

    /// Bit of pixel `x` of row `r`; its block must be computed.
    #[inline]
    fn bit(&self, x: usize, r: usize) -> bool {
        self.bits[r % 3][x / 8] >> (x % 8) & 1 != 0
    }
}

/// The cache for one band of rows of a diff.
pub(super) struct Flat {
    a: Rows,
    b: Rows,
    last_block: usize,
}

impl Flat {
    pub(super) fn new(w: usize) -> Self {
        let blocks = w.div_ceil(8);
        Flat {
            a: Rows::new(blocks),
            b: Rows::new(blocks),
            last_block: blocks.saturating_sub(1),
        }
    }

    /// Computes (once) what [`Self::block`] and the sibling lookups read for the pixels of block
    /// `block` in row `y` whose bits are set in `over`: rows `y - 1 ..= y + 1` of both images, in
    /// that block and in the block to the left (right) when the block's first (last) pixel is
    /// among them.
    ///
    /// Needs `2 <= y <= h - 3`, AVX2, and `block` a block of the image.
    #[target_feature(enable = "avx2")]
    pub(super) fn ensure(&mut self, kernel: &Kernel, block: usize, over: u32, y: usize) {
        let first = if over & 1 != 0 {
            block.saturating_sub(1)
        } else {
            block
        };
        let last = if over & 0x80 != 0 {
            (block + 1).min(self.last_block)
        } else {
            block
        };
        for r in y - 1..=y + 1 {
            for (rows, img) in [(&mut self.a, kernel.a), (&mut self.b, kernel.b)] {
                let s = rows.slot(r);
                for blk in first..=last {
                    if !rows.done[s][blk] {
                        rows.bits[s][blk] = block_bits(kernel, img, blk, r);
                        rows.done[s][blk] = true;
                    }
                }
            }
        }
    }

    /// For the 8 pixels of block `k` in row `y` (after [`Self::ensure`]): bit i of the first
    /// mask is set when pixel 8k + i is certainly not anti-aliasing in either image (it has many
    /// siblings in both, or no neighbour has many siblings in both); the other two masks are the
    /// pixels' own bits in `a` and `b`. Only pixels 2+ from every edge and among those `ensure`
    /// was given are meaningful.
    #[inline]
    pub(super) fn block(&self, k: usize, y: usize) -> (u32, u32, u32) {
        let both = |r: usize| self.a.window(r, k) & self.b.window(r, k);
        let (up, mid, down) = (both(y - 1), both(y), both(y + 1));
        // Neighbour columns of the block's pixels (bits 8-15 of a window): left, same, right.
        let around = |w: u32| (w >> 7) | (w >> 8) | (w >> 9);
        let any = (around(up) | (mid >> 7) | (mid >> 9) | around(down)) & 0xff;
        let centre_a = self.a.window(y, k) >> 8 & 0xff;
        let centre_b = self.b.window(y, k) >> 8 & 0xff;
        ((centre_a & centre_b) | (!any & 0xff), centre_a, centre_b)
    }

    /// Whether neighbour (x, r) has many siblings in `a` (its block [`Self::ensure`]d).
    #[inline]
    pub(super) fn in_a(&self, x: usize, r: usize) -> bool {
        self.a.bit(x, r)
    }

    /// [`Self::in_a`] for `b`.
    #[inline]
    pub(super) fn in_b(&self, x: usize, r: usize) -> bool {
        self.b.bit(x, r)
    }
}

/// Many-siblings bits of the 8 pixels of block `blk` in row `r` of `img`.
#[target_feature(enable = "avx2")]
fn block_bits(kernel: &Kernel, img: &[u8], blk: usize, r: usize) -> u8 {
    let (w, h) = (kernel.w, kernel.h);
    let x0 = blk * 8;
    if x0 >= 1 && x0 + 9 <= w && r >= 1 && r + 2 <= h {
        // SAFETY: every load reads pixels x0 - 1 ..= x0 + 8 of rows r - 1 ..= r + 1, all inside
        // the w x h image (checked just above).
        unsafe { siblings8(img.as_ptr(), w, x0, r) }
    } else {
        // Image edges: the reference's rule, border and all.
        let mut bits = 0u8;
        for (i, x) in (x0..(x0 + 8).min(w)).enumerate() {
            bits |= u8::from(kernel.many_siblings(img, x, r)) << i;
        }
        bits
    }
}

/// Bit i: pixel (x0 + i, r) has 3+ of its 8 neighbours exactly equal to it.
///
/// Needs `1 <= x0`, `x0 + 9 <= w`, `1 <= r <= h - 2` for the `w x h` RGBA image at `img`.
#[target_feature(enable = "avx2")]
unsafe fn siblings8(img: *const u8, w: usize, x0: usize, r: usize) -> u8 {
    unsafe {
        let row = w * 4;
        let c = img.add((r * w + x0) * 4);
        let load = |p: *const u8| _mm256_loadu_si256(p.cast());
        let centre = load(c);
        let mut sum = _mm256_setzero_si256();
        for p in [
            c.sub(row + 4),
            c.sub(row),
            c.sub(row - 4),
            c.sub(4),
            c.add(4),
            c.add(row - 4),
            c.add(row),
            c.add(row + 4),
        ] {
            // -1 in each lane whose neighbour equals the centre.
            sum = _mm256_add_epi32(sum, _mm256_cmpeq_epi32(load(p), centre));
        }
        let many = _mm256_cmpgt_epi32(_mm256_set1_epi32(-2), sum);
        _mm256_movemask_ps(_mm256_castsi256_ps(many)) as u8
    }
}
