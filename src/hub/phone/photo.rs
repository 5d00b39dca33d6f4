//! A resident's photo, decoded and drawn again at the hub: no byte of the phone's file is
//! kept, so its EXIF (GPS position, phone model, time) is gone whatever it held, and the
//! picture is small enough for a slow link and a small disk.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::store::PhonePhoto;

/// A phone camera's JPEG is 2 to 8 MB; more is not a photo a resident sends.
pub const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;
/// The stored picture's longest side: enough to read a sign or see a pothole.
pub const LONGEST_SIDE_PX: u32 = 1600;
/// A 48-megapixel camera's 8000 × 6000 fits; a "decompression bomb" does not.
const MAX_SIDE_PX: u32 = 12_000;
/// What decoding one photo may allocate (an 8000 × 6000 RGB picture is 144 MB).
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// JPEG quality of the stored picture.
const QUALITY: u8 = 82;

/// Why a photo was refused; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is {bytes} bytes; at most {PHOTO_MAX_BYTES} are accepted")]
    TooLarge { bytes: usize },
    #[error("the file is not a JPEG or PNG picture")]
    NotAnImage,
    #[error("the picture is {width} × {height} pixels; at most {MAX_SIDE_PX} a side")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the picture cannot be read: {0}")]
    Undecodable(String),
    #[error("the picture cannot be encoded again: {0}")]
    Encode(String),
}

/// Decodes a JPEG or PNG, turns it upright (its EXIF orientation, read before the EXIF is
/// dropped), scales it to at most [`LONGEST_SIDE_PX`] and encodes it as a fresh JPEG.
pub fn reencode(input: &[u8]) -> Result<PhonePhoto, PhotoError> {
    if input.len() > PHOTO_MAX_BYTES {
        return Err(PhotoError::TooLarge { bytes: input.len() });
    }
    let mut reader = ImageReader::new(Cursor::new(input))
        .with_guessed_format()
        .map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(PhotoError::NotAnImage);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE_PX || height > MAX_SIDE_PX {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels { width, height },
        other => PhotoError::Undecodable(other.to_string()),
    })?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    if picture.width() > LONGEST_SIDE_PX || picture.height() > LONGEST_SIDE_PX {
        picture = picture.resize(
            LONGEST_SIDE_PX,
            LONGEST_SIDE_PX,
            image::imageops::FilterType::Triangle,
        );
    }
    let rgb = picture.to_rgb8();
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(PhonePhoto {
        sha256: hex::encode(Sha256::digest(&bytes)),
        mime: "image/jpeg".to_owned(),
        bytes,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// A JPEG's APP1 `Exif` segment, if it has one (what a phone puts the GPS position in).
#[cfg(test)]
pub fn jpeg_exif(jpeg: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(jpeg)).ok()?;
    decoder.exif_metadata().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG of `w` × `h` carrying EXIF `exif`.
    fn jpeg_with_exif(w: u32, h: u32, exif: &[u8]) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        image::ImageEncoder::set_exif_metadata(&mut encoder, exif.to_vec()).expect("exif");
        encoder.encode_image(&picture).expect("encode");
        out
    }

    /// Minimal big-endian TIFF holding one IFD0 entry (Orientation = `orientation`).
    fn exif_orientation(orientation: u16) -> Vec<u8> {
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        t.extend_from_slice(&1u16.to_be_bytes());
        t.extend_from_slice(&0x0112u16.to_be_bytes());
        t.extend_from_slice(&3u16.to_be_bytes());
        t.extend_from_slice(&1u32.to_be_bytes());
        t.extend_from_slice(&orientation.to_be_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&0u32.to_be_bytes());
        t
    }

    #[test]
    fn a_large_photo_is_scaled_turned_upright_and_loses_its_exif() {
        // Orientation 6: the camera was held sideways, so the upright picture is tall.
        let input = jpeg_with_exif(2400, 1200, &exif_orientation(6));
        assert!(jpeg_exif(&input).is_some(), "the test photo carries EXIF");
        let photo = reencode(&input).expect("re-encoded");
        assert_eq!((photo.width, photo.height), (800, 1600));
        assert!(jpeg_exif(&photo.bytes).is_none());
        assert_eq!(photo.sha256, hex::encode(Sha256::digest(&photo.bytes)));
    }

    #[test]
    fn what_is_not_a_picture_or_too_big_is_refused() {
        assert!(matches!(
            reencode(b"OggS not a picture"),
            Err(PhotoError::NotAnImage)
        ));
        assert!(matches!(
            reencode(&vec![0xFF; PHOTO_MAX_BYTES + 1]),
            Err(PhotoError::TooLarge { .. })
        ));
        let mut truncated = jpeg_with_exif(64, 64, &exif_orientation(1));
        truncated.truncate(200);
        assert!(reencode(&truncated).is_err());
    }
}
