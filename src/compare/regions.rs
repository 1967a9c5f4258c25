//! Where two images of the same size differ at all (exact pixel inequality), as a few bounding
//! boxes: for the determinism audit (`reel run --repeat`), so users can find and mask flaky areas.

use super::Rgba;

/// Grid cell size used to group differing pixels into regions.
const CELL: u32 = 16;
/// Regions reported at most (the largest ones).
const MAX_REGIONS: usize = 20;

/// Differing pixels of `a` and `b` and the boxes `[x, y, w, h]` around connected groups of them
/// (grouped on a 16-pixel grid). Images of different sizes differ everywhere.
pub fn varying_regions(a: &Rgba, b: &Rgba) -> (u64, Vec<[u32; 4]>) {
    let (w, h) = a.dimensions();
    if b.dimensions() != (w, h) {
        let (bw, bh) = b.dimensions();
        let (mw, mh) = (w.max(bw), h.max(bh));
        return (mw as u64 * mh as u64, vec![[0, 0, mw, mh]]);
    }
    let (gw, gh) = (w.div_ceil(CELL) as usize, h.div_ceil(CELL) as usize);
    let mut cells = vec![false; gw * gh];
    let mut count = 0u64;
    let (ra, rb) = (a.as_raw(), b.as_raw());
    let row_bytes = w as usize * 4;
    for y in 0..h as usize {
        let ia = &ra[y * row_bytes..(y + 1) * row_bytes];
        let ib = &rb[y * row_bytes..(y + 1) * row_bytes];
        if ia == ib {
            continue;
        }
        for x in 0..w as usize {
            if ia[x * 4..x * 4 + 4] != ib[x * 4..x * 4 + 4] {
                count += 1;
                cells[(y / CELL as usize) * gw + x / CELL as usize] = true;
            }
        }
    }
    if count == 0 {
        return (0, Vec::new());
    }
    let mut seen = vec![false; cells.len()];
    let mut regions: Vec<([u32; 4], usize)> = Vec::new();
    for start in 0..cells.len() {
        if !cells[start] || seen[start] {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        let mut size = 0;
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(c) = stack.pop() {
            let (cx, cy) = (c % gw, c / gw);
            size += 1;
            x0 = x0.min(cx);
            y0 = y0.min(cy);
            x1 = x1.max(cx);
            y1 = y1.max(cy);
            let mut visit = |nx: usize, ny: usize| {
                let n = ny * gw + nx;
                if cells[n] && !seen[n] {
                    seen[n] = true;
                    stack.push(n);
                }
            };
            if cx > 0 {
                visit(cx - 1, cy);
            }
            if cx + 1 < gw {
                visit(cx + 1, cy);
            }
            if cy > 0 {
                visit(cx, cy - 1);
            }
            if cy + 1 < gh {
                visit(cx, cy + 1);
            }
        }
        let px = x0 as u32 * CELL;
        let py = y0 as u32 * CELL;
        let pw = ((x1 as u32 + 1) * CELL).min(w) - px;
        let ph = ((y1 as u32 + 1) * CELL).min(h) - py;
        regions.push(([px, py, pw, ph], size));
    }
    regions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    regions.truncate(MAX_REGIONS);
    let mut boxes: Vec<[u32; 4]> = regions.into_iter().map(|(r, _)| r).collect();
    boxes.sort();
    (count, boxes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_images_have_no_regions() {
        let a = Rgba::from_pixel(40, 30, image::Rgba([1, 2, 3, 255]));
        assert_eq!(varying_regions(&a, &a.clone()), (0, vec![]));
    }

    #[test]
    fn two_separate_spots_make_two_boxes() {
        let a = Rgba::from_pixel(100, 60, image::Rgba([255, 255, 255, 255]));
        let mut b = a.clone();
        b.put_pixel(2, 3, image::Rgba([0, 0, 0, 255]));
        b.put_pixel(3, 3, image::Rgba([0, 0, 0, 255]));
        b.put_pixel(90, 50, image::Rgba([0, 0, 0, 255]));
        let (n, boxes) = varying_regions(&a, &b);
        assert_eq!(n, 3);
        assert_eq!(boxes, vec![[0, 0, 16, 16], [80, 48, 16, 12]]);
    }

    #[test]
    fn size_change_is_one_big_region() {
        let a = Rgba::new(10, 10);
        let b = Rgba::new(12, 8);
        assert_eq!(varying_regions(&a, &b), (120, vec![[0, 0, 12, 10]]));
    }
}
