//! Masks: rectangles painted in a solid colour over both images before comparing, so regions
//! that legitimately change (clocks, avatars, ads) never count.

use super::Rgba;
use std::fmt;
use std::str::FromStr;

/// A rectangle in pixels: top-left corner and size. Parts outside the image are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl FromStr for Rect {
    type Err = String;

    /// Parses `x,y,w,h` (non-negative integers, width and height at least 1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let bad = || format!("invalid mask {s:?}: expected x,y,w,h (integers, w and h >= 1)");
        let [x, y, w, h] = parts.as_slice() else {
            return Err(bad());
        };
        let num = |v: &str| v.parse::<u32>().map_err(|_| bad());
        let r = Rect {
            x: num(x)?,
            y: num(y)?,
            w: num(w)?,
            h: num(h)?,
        };
        if r.w == 0 || r.h == 0 {
            return Err(bad());
        }
        Ok(r)
    }
}

impl fmt::Display for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{},{}", self.x, self.y, self.w, self.h)
    }
}

/// A mask colour, RGBA8. Default `#FF00FF` (opaque magenta), as Playwright uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskColor(pub [u8; 4]);

impl Default for MaskColor {
    fn default() -> Self {
        MaskColor([255, 0, 255, 255])
    }
}

impl FromStr for MaskColor {
    type Err = String;

    /// Parses `#RRGGBB` or `#RRGGBBAA` (the `#` is optional).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s.strip_prefix('#').unwrap_or(s);
        let bad = || format!("invalid colour {s:?}: expected #RRGGBB or #RRGGBBAA");
        if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        let a = if hex.len() == 8 { byte(6)? } else { 255 };
        Ok(MaskColor([byte(0)?, byte(2)?, byte(4)?, a]))
    }
}

/// Paints every rectangle (clipped to the image) in `color`.
pub fn paint_masks(img: &mut Rgba, rects: &[Rect], color: MaskColor) {
    let (w, h) = img.dimensions();
    let row_bytes = w as usize * 4;
    let buf: &mut [u8] = img;
    for r in rects {
        let x0 = r.x.min(w) as usize;
        let x1 = r.x.saturating_add(r.w).min(w) as usize;
        let y0 = r.y.min(h) as usize;
        let y1 = r.y.saturating_add(r.h).min(h) as usize;
        for y in y0..y1 {
            let row = &mut buf[y * row_bytes + x0 * 4..y * row_bytes + x1 * 4];
            for p in row.chunks_exact_mut(4) {
                p.copy_from_slice(&color.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rects_and_colours() {
        assert_eq!(
            "1, 2,3,4".parse::<Rect>(),
            Ok(Rect {
                x: 1,
                y: 2,
                w: 3,
                h: 4
            })
        );
        for bad in ["", "1,2,3", "1,2,3,4,5", "-1,0,2,2", "a,b,c,d", "0,0,0,5"] {
            assert!(bad.parse::<Rect>().is_err(), "{bad}");
        }
        assert_eq!("#ff00FF".parse(), Ok(MaskColor([255, 0, 255, 255])));
        assert_eq!("00000080".parse(), Ok(MaskColor([0, 0, 0, 128])));
        for bad in ["#fff", "#gg0000", "#ff00ff0", "#é0000"] {
            assert!(bad.parse::<MaskColor>().is_err(), "{bad}");
        }
    }

    #[test]
    fn paints_clipped_rectangles() {
        let mut img = Rgba::new(4, 3);
        let rects = [
            Rect {
                x: 3,
                y: 2,
                w: 100,
                h: u32::MAX,
            },
            Rect {
                x: 50,
                y: 0,
                w: 1,
                h: 1,
            },
        ];
        paint_masks(&mut img, &rects, MaskColor::default());
        let painted: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0 == [255, 0, 255, 255])
            .map(|(x, y, _)| (x, y))
            .collect();
        assert_eq!(painted, vec![(3, 2)]);
    }
}
