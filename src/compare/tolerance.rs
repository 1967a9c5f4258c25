//! Tolerances: how many differing pixels still pass. A comparison fails only above them;
//! without any, a single differing pixel fails. Different sizes always fail.

use super::DiffResult;

/// Upper bounds on differences that still pass (Playwright's `maxDiffPixels` /
/// `maxDiffPixelRatio`). When both are set, exceeding either fails.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tolerance {
    pub max_diff_pixels: Option<u64>,
    pub max_diff_ratio: Option<f64>,
}

impl Tolerance {
    /// Whether `r` is within these tolerances.
    pub fn passes(&self, r: &DiffResult) -> bool {
        if r.size_mismatch {
            return false;
        }
        match (self.max_diff_pixels, self.max_diff_ratio) {
            (None, None) => r.diff_pixels == 0,
            (pixels, ratio) => {
                pixels.is_none_or(|max| r.diff_pixels <= max)
                    && ratio.is_none_or(|max| r.diff_ratio <= max)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(diff_pixels: u64, total: u64) -> DiffResult {
        DiffResult {
            width: total as u32,
            height: 1,
            diff_pixels,
            aa_pixels: 0,
            diff_ratio: diff_pixels as f64 / total as f64,
            size_mismatch: false,
            identical: diff_pixels == 0,
            image: None,
        }
    }

    #[test]
    fn fails_only_above_the_bounds() {
        let none = Tolerance::default();
        assert!(none.passes(&result(0, 100)));
        assert!(!none.passes(&result(1, 100)));
        let px = Tolerance {
            max_diff_pixels: Some(5),
            max_diff_ratio: None,
        };
        assert!(px.passes(&result(5, 100)) && !px.passes(&result(6, 100)));
        let ratio = Tolerance {
            max_diff_pixels: None,
            max_diff_ratio: Some(0.05),
        };
        assert!(ratio.passes(&result(5, 100)) && !ratio.passes(&result(6, 100)));
        let both = Tolerance {
            max_diff_pixels: Some(10),
            max_diff_ratio: Some(0.05),
        };
        assert!(!both.passes(&result(6, 100)));
        let mut sized = result(0, 100);
        sized.size_mismatch = true;
        assert!(!px.passes(&sized));
    }
}
