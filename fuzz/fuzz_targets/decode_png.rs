//! PNG bytes → `decode_png_limited` (then re-encode and decode again): errors are fine, panics
//! and allocations beyond the cap are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reel::compare::{decode_png, decode_png_limited, encode_png_fast};

fuzz_target!(|data: &[u8]| {
    // 64 MiB of RGBA (reel's own cap is 1 GiB): big images are refused before any allocation.
    if let Ok(img) = decode_png_limited(data, 64 << 20) {
        assert_eq!(
            img.as_raw().len(),
            img.width() as usize * img.height() as usize * 4
        );
        // Whatever decoded must survive a round trip unchanged.
        if img.as_raw().len() <= 1 << 20 {
            let again = decode_png(&encode_png_fast(&img)).ok();
            assert!(again.as_ref() == Some(&img), "round trip changed the image");
        }
    }
});
