//! What a baseline was written from: the SHA-256 of the browser's screenshot (its PNG bytes, as
//! the browser encoded them) kept in a private chunk of the baseline PNG, beside the SHA-256 of
//! the baseline's own image data. A later screenshot with the same bytes has the same pixels, so
//! it matches without decoding it or diffing: the browser's encoder gives the same bytes for the
//! same pixels. The chunk is ancillary, private and not safe to copy (`reSC`: an editor that
//! changes the image must drop it), and it only counts while the image data it names is the
//! file's: a baseline re-encoded or edited by any tool is compared pixel by pixel as before.

use sha2::{Digest, Sha256};

/// The chunk type: ancillary (r), private (e), reserved bit clear (S), not safe to copy (C).
const CHUNK: &[u8; 4] = b"reSC";
/// The chunk's contents start with this: the layout of what follows (two SHA-256 digests).
const TAG: &[u8; 8] = b"sha256v1";
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The chunks of a PNG file, in order: (type, data). `None` when the bytes are not laid out as
/// PNG chunks (CRCs are not checked: a decoder reading the file does that).
fn chunks(png: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut rest = png.strip_prefix(SIGNATURE)?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let kind = rest.get(4..8)?;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        out.push((kind, data));
        rest = rest.get(len.checked_add(12)?..)?;
        if kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

fn image_data_digest(chunks: &[(&[u8], &[u8])]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (kind, data) in chunks {
        if *kind == b"IDAT" {
            h.update(data);
        }
    }
    h.finalize().into()
}

/// `encoded` (a PNG reel just wrote) with the chunk saying it was written from the screenshot
/// `source` (its PNG bytes). `encoded` unchanged when it is not laid out as expected.
pub fn stamp(encoded: Vec<u8>, source: &[u8]) -> Vec<u8> {
    let Some(parts) = chunks(&encoded) else {
        return encoded;
    };
    if parts.last().map(|(kind, _)| *kind) != Some(b"IEND".as_slice()) {
        return encoded;
    }
    let mut data = Vec::with_capacity(TAG.len() + 64);
    data.extend_from_slice(TAG);
    data.extend_from_slice(&digest(source));
    data.extend_from_slice(&image_data_digest(&parts));
    let mut crc = flate2::Crc::new();
    crc.update(CHUNK);
    crc.update(&data);
    // Inserted right before IEND (the last 12 bytes).
    let at = encoded.len() - 12;
    let mut out = Vec::with_capacity(encoded.len() + 12 + data.len());
    out.extend_from_slice(&encoded[..at]);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(CHUNK);
    out.extend_from_slice(&data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out.extend_from_slice(&encoded[at..]);
    out
}

/// The SHA-256 of the screenshot the baseline `png` was written from, when it carries the chunk
/// and its image data is still the data the chunk names.
pub fn written_from(png: &[u8]) -> Option<[u8; 32]> {
    let parts = chunks(png)?;
    let data = parts.iter().find(|(kind, _)| *kind == CHUNK)?.1;
    let rest = data.strip_prefix(TAG)?;
    if rest.len() != 64 {
        return None;
    }
    let (source, image) = rest.split_at(32);
    if image != image_data_digest(&parts) {
        return None;
    }
    source.try_into().ok()
}

/// Whether the baseline `png` was written from the screenshot `shot` (its PNG bytes) and so has
/// its pixels: the stamp names `shot`, and the baseline's header still gives `shot`'s size (the
/// stamp covers the image data, not the header).
pub fn written_from_shot(png: &[u8], shot: &[u8]) -> bool {
    written_from(png).is_some_and(|source| source == digest(shot)) && {
        let size = super::png_size(png);
        size.is_some() && size == super::png_size(shot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Rgba, decode_png, encode_png_fast, encode_png_small};

    fn image(seed: u8) -> Rgba {
        Rgba::from_fn(40, 30, |x, y| {
            image::Rgba([(x as u8).wrapping_mul(seed), y as u8, seed, 255])
        })
    }

    #[test]
    fn a_stamped_baseline_names_its_screenshot_and_still_decodes_to_the_same_pixels() {
        let shot = encode_png_fast(&image(3));
        let baseline = stamp(encode_png_small(&image(3)), &shot);
        assert_eq!(written_from(&baseline), Some(digest(&shot)));
        assert_eq!(decode_png(&baseline).unwrap(), image(3));
        assert_eq!(written_from(&encode_png_small(&image(3))), None, "no chunk");
    }

    #[test]
    fn the_stamp_counts_only_for_the_image_data_it_was_made_for() {
        let shot = encode_png_fast(&image(3));
        let baseline = stamp(encode_png_small(&image(3)), &shot);
        // Another image's data under the same chunk: an edited file.
        let other = encode_png_small(&image(4));
        let mut parts: Vec<(Vec<u8>, Vec<u8>)> = chunks(&other)
            .unwrap()
            .into_iter()
            .filter(|(k, _)| *k != b"IEND")
            .map(|(k, d)| (k.to_vec(), d.to_vec()))
            .collect();
        let stamp_chunk = chunks(&baseline)
            .unwrap()
            .into_iter()
            .find(|(k, _)| *k == CHUNK)
            .map(|(k, d)| (k.to_vec(), d.to_vec()))
            .unwrap();
        parts.push(stamp_chunk);
        parts.push((b"IEND".to_vec(), Vec::new()));
        let mut edited = SIGNATURE.to_vec();
        for (k, d) in &parts {
            edited.extend_from_slice(&(d.len() as u32).to_be_bytes());
            edited.extend_from_slice(k);
            edited.extend_from_slice(d);
            edited.extend_from_slice(&[0; 4]);
        }
        assert_eq!(written_from(&edited), None);
    }

    #[test]
    fn bytes_that_are_not_png_chunks_carry_no_stamp() {
        assert_eq!(written_from(b""), None);
        assert_eq!(written_from(b"\x89PNG\r\n\x1a\n\0\0\0"), None);
        assert_eq!(written_from(b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffreSC"), None);
        let truncated = stamp(encode_png_small(&image(1)), b"x");
        assert_eq!(written_from(&truncated[..truncated.len() - 20]), None);
        assert_eq!(stamp(b"not a png".to_vec(), b"x"), b"not a png");
    }
}
