//! What the phone page's tests share: a multipart form as a browser sends it, a JPEG that
//! carries a GPS position in its EXIF (as a phone camera writes it), the hub's store, and
//! the bytes in a data directory.
#![allow(dead_code)]

use std::path::Path;

use crate::common::TestHub;
use phonghop::store::Store;

/// The WebM layout the phone's browser sends, shared with `media::opus_container`'s tests.
#[path = "fixtures/phone/webm.rs"]
mod webm;
pub use webm::chromium_webm;

/// Lao Chải's position, as a phone would write it: 22° 20' 6" N, 103° 49' 48" E.
pub const LATITUDE: [(u32, u32); 3] = [(22, 1), (20, 1), (6, 1)];
pub const LONGITUDE: [(u32, u32); 3] = [(103, 1), (49, 1), (48, 1)];

/// A big-endian TIFF (the EXIF body) with IFD0 pointing at a GPS IFD that holds the
/// latitude and longitude above.
pub fn gps_exif() -> Vec<u8> {
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    };
    // IFD0 at 8: one entry (GPSInfo → 26), next IFD 0.
    t.extend_from_slice(&1u16.to_be_bytes());
    entry(&mut t, 0x8825, 4, 1, 26u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 26: four entries (2 + 4 × 12 + 4 = 54 bytes), rationals after it at 80.
    assert_eq!(t.len(), 26);
    t.extend_from_slice(&4u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, 80u32.to_be_bytes());
    entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, 5, 3, 104u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(t.len(), 80);
    for (n, d) in LATITUDE.iter().chain(LONGITUDE.iter()) {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    t
}

/// A `width` × `height` JPEG photo of a gradient, carrying [`gps_exif`].
pub fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
    image::ImageEncoder::set_exif_metadata(&mut encoder, gps_exif()).expect("exif");
    encoder.encode_image(&picture).expect("encode");
    assert!(has_gps(&out), "the test photo carries a GPS position");
    out
}

/// The JPEG's EXIF, if any.
pub fn exif_of(jpeg: &[u8]) -> Option<Vec<u8>> {
    use image::ImageDecoder;
    let mut decoder =
        image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg)).expect("a JPEG");
    decoder.exif_metadata().expect("reads")
}

/// Whether the JPEG carries a GPS IFD pointer in its EXIF, or the position's bytes at all.
pub fn has_gps(jpeg: &[u8]) -> bool {
    let latitude: Vec<u8> = LATITUDE
        .iter()
        .flat_map(|(n, d)| n.to_be_bytes().into_iter().chain(d.to_be_bytes()))
        .collect();
    let in_exif = exif_of(jpeg).is_some_and(|e| e.windows(2).any(|w| w == [0x88, 0x25]));
    in_exif
        || jpeg
            .windows(latitude.len())
            .any(|w| w == latitude.as_slice())
}

/// One part of a multipart form.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// The form as a browser encodes it: (content type, body).
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----phonghopTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, filename, mime, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a form to `/g/<unit>` asking for JSON: (status, answer).
pub async fn post_form(
    client: &reqwest::Client,
    hub: &TestHub,
    unit: &str,
    parts: &[Part<'_>],
) -> (u16, serde_json::Value) {
    let (content_type, body) = multipart(parts);
    let response = client
        .post(hub.url.join(&format!("g/{unit}")).expect("url"))
        .header("Content-Type", content_type)
        .header("Accept", "application/json")
        .body(body)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    let answer = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, answer)
}

pub fn store(hub: &TestHub) -> Store {
    Store::open(&phonghop::datadir::DataDir::new(&hub.config.data_dir).db_path()).expect("store")
}

/// Every phone item at the hub.
pub fn phone_items(store: &Store) -> Vec<phonghop::store::FeedbackRow> {
    store
        .feedback_list(&phonghop::store::FeedbackFilter {
            channel: Some(phonghop::store::Channel::Phone),
            include_hidden: true,
            ..Default::default()
        })
        .expect("list")
}

/// Bytes of every file under `dir` (the database, its WAL, voice files).
pub fn bytes_under(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let meta = entry.metadata().expect("meta");
        total += if meta.is_dir() {
            bytes_under(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// Chromium's own 2.5 s voice recording (WebM/Opus).
pub const CHROMIUM_WEBM: &[u8] = include_bytes!("fixtures/phone/chromium-voice.webm");

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
