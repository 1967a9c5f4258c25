//! Verdicts: the pixel diff kernel (pixelmatch-exact), masks, tolerances and baselines.
