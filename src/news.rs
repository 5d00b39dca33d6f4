//! News: short announcements staff post at the hub for chosen units. Rooms keep a copy of
//! those meant for them and the kiosk's News tile shows the ones inside their window,
//! newest first, in large text, read aloud on request.
//!
//! The rules live here once, for the staff API, the CLI, the dashboard and the kiosk: the
//! limits, what a picture may be, and when an item is shown. The store keeps the rows; this
//! module does no I/O.

use serde::{Deserialize, Serialize};

/// A title fits on two lines of the kiosk's heading text.
pub const TITLE_MAX_CHARS: usize = 120;
/// About a page: longer notices belong on the commune's notice board, not a kiosk.
pub const BODY_MAX_CHARS: usize = 4_000;
/// A photo a phone took and shrank for messaging is a few hundred KiB; every room downloads
/// it over a highland link, once.
pub const IMAGE_MAX_BYTES: usize = 1024 * 1024;
/// Larger pictures are refused before they are decoded: a small PNG can claim a huge size
/// and ask a box for gigabytes of memory.
pub const IMAGE_MAX_SIDE_PX: u32 = 6_000;

/// Why a post (or an edit, or a picture) was refused; every message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewsRefusal {
    #[error("the title is empty; give the announcement a short title")]
    TitleEmpty,
    #[error("the title has {chars} characters; shorten it to at most {TITLE_MAX_CHARS}")]
    TitleTooLong { chars: usize },
    #[error("the title has a line break or a control character; write it on one line")]
    TitleControl,
    #[error("the text is empty; write what residents should know")]
    BodyEmpty,
    #[error("the text has {chars} characters; shorten it to at most {BODY_MAX_CHARS}")]
    BodyTooLong { chars: usize },
    #[error("unit {unit:?} is not one of this hub's units: {known}")]
    UnknownUnit { unit: String, known: String },
    #[error(
        "shown_until ({until}) is not after shown_from ({from}); give an end after the start, \
         or none to show it until withdrawn"
    )]
    Window { from: String, until: String },
    #[error("shown_until ({until}) has passed; give a later end, or none")]
    Ended { until: String },
    #[error("language {given:?} is not one of: vi, en, hmn")]
    Language { given: String },
    #[error("the picture is {bytes} bytes; shrink it to at most {IMAGE_MAX_BYTES} (1 MiB)")]
    ImageTooLarge { bytes: usize },
    #[error("the picture is neither a JPEG nor a PNG file; save it as one of those")]
    ImageType,
    #[error("the picture cannot be read ({0}); save it again as JPEG or PNG")]
    ImageDamaged(String),
    #[error(
        "the picture is {width}×{height} pixels; shrink it to at most {IMAGE_MAX_SIDE_PX} on each side"
    )]
    ImageHuge { width: u32, height: u32 },
}

/// The two picture formats every box can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageKind {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
}

impl ImageKind {
    /// The media type, as served and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
        }
    }

    pub fn parse(s: &str) -> Option<ImageKind> {
        match s {
            "image/jpeg" => Some(ImageKind::Jpeg),
            "image/png" => Some(ImageKind::Png),
            _ => None,
        }
    }

    /// What the file's first bytes say it is; a name or a declared type can lie.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else {
            None
        }
    }

    fn format(self) -> image::ImageFormat {
        match self {
            ImageKind::Jpeg => image::ImageFormat::Jpeg,
            ImageKind::Png => image::ImageFormat::Png,
        }
    }
}

/// A picture that passed [`check_image`]: its kind and its SHA-256 (hex), by which hub and
/// rooms name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedImage {
    pub kind: ImageKind,
    pub sha256: String,
}

/// Checks a picture by its bytes: size, magic bytes, and a header that names a sane size.
pub fn check_image(bytes: &[u8]) -> Result<CheckedImage, NewsRefusal> {
    use sha2::{Digest, Sha256};
    if bytes.len() > IMAGE_MAX_BYTES {
        return Err(NewsRefusal::ImageTooLarge { bytes: bytes.len() });
    }
    let kind = ImageKind::sniff(bytes).ok_or(NewsRefusal::ImageType)?;
    let (width, height) =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), kind.format())
            .into_dimensions()
            .map_err(|e| NewsRefusal::ImageDamaged(e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(NewsRefusal::ImageDamaged("it has no pixels".into()));
    }
    if width > IMAGE_MAX_SIDE_PX || height > IMAGE_MAX_SIDE_PX {
        return Err(NewsRefusal::ImageHuge { width, height });
    }
    Ok(CheckedImage {
        kind,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// A picture decoded for the screen: RGBA8, rows top to bottom.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Picture({}×{})", self.width, self.height)
    }
}

/// Decodes a checked picture and shrinks it to fit `max_w`×`max_h` (never enlarges), so
/// the kiosk uploads a screen-sized texture rather than a camera's full frame.
pub fn decode_for_screen(bytes: &[u8], max_w: u32, max_h: u32) -> Result<Picture, NewsRefusal> {
    check_image(bytes)?;
    let decoded =
        image::load_from_memory(bytes).map_err(|e| NewsRefusal::ImageDamaged(e.to_string()))?;
    let fitted = if decoded.width() > max_w || decoded.height() > max_h {
        decoded.thumbnail(max_w, max_h)
    } else {
        decoded
    };
    let rgba = fitted.to_rgba8();
    Ok(Picture {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// What staff ask for, before any check (API body, CLI flags, dashboard form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsDraft {
    pub title: String,
    pub body: String,
    /// Unit ids; empty = every unit the hub serves.
    pub units: Vec<String>,
    /// `None`: from now.
    pub shown_from_ms: Option<i64>,
    /// `None`: until withdrawn.
    pub shown_until_ms: Option<i64>,
    /// The language it is written in (`vi` unless said): the voice that reads it aloud.
    pub language: Option<String>,
}

/// A draft that passed [`check_draft`]: NFC text, trimmed, units known and sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsContent {
    pub title: String,
    pub body: String,
    pub units: Vec<String>,
    pub shown_from_ms: i64,
    pub shown_until_ms: Option<i64>,
    pub language: String,
}

/// Checks a draft against the limits and the hub's units (`known_units`).
pub fn check_draft(
    draft: &NewsDraft,
    known_units: &[String],
    now_ms: i64,
) -> Result<NewsContent, NewsRefusal> {
    let title = crate::text::nfc(draft.title.trim());
    if title.is_empty() {
        return Err(NewsRefusal::TitleEmpty);
    }
    let chars = title.chars().count();
    if chars > TITLE_MAX_CHARS {
        return Err(NewsRefusal::TitleTooLong { chars });
    }
    if title.chars().any(char::is_control) {
        return Err(NewsRefusal::TitleControl);
    }
    // Windows line ends become plain ones; the kiosk wraps the rest.
    let body = crate::text::nfc(draft.body.replace("\r\n", "\n").trim());
    if body.is_empty() {
        return Err(NewsRefusal::BodyEmpty);
    }
    let chars = body.chars().count();
    if chars > BODY_MAX_CHARS {
        return Err(NewsRefusal::BodyTooLong { chars });
    }
    let mut units = Vec::new();
    for unit in &draft.units {
        let unit = unit.trim();
        if unit.is_empty() {
            continue;
        }
        if !known_units.iter().any(|k| k == unit) {
            return Err(NewsRefusal::UnknownUnit {
                unit: unit.to_owned(),
                known: known_units.join(", "),
            });
        }
        units.push(unit.to_owned());
    }
    units.sort();
    units.dedup();
    let shown_from_ms = draft.shown_from_ms.unwrap_or(now_ms);
    if let Some(until) = draft.shown_until_ms {
        if until <= shown_from_ms {
            return Err(NewsRefusal::Window {
                from: crate::clock::rfc3339(shown_from_ms),
                until: crate::clock::rfc3339(until),
            });
        }
        if until <= now_ms {
            return Err(NewsRefusal::Ended {
                until: crate::clock::rfc3339(until),
            });
        }
    }
    let language = draft.language.as_deref().unwrap_or("vi").trim().to_owned();
    if crate::config::Language::from_code(&language).is_none() {
        return Err(NewsRefusal::Language { given: language });
    }
    Ok(NewsContent {
        title,
        body,
        units,
        shown_from_ms,
        shown_until_ms: draft.shown_until_ms,
        language,
    })
}

/// A time as staff type it (a CLI flag, a form's `datetime-local` field) in milliseconds:
/// `2026-12-05T08:00:00+07:00`, or `2026-12-05T08:00` and `2026-12-05` in `zone`. A date
/// alone is that day's start, or its end (the next midnight) for `end_of_day`, so "until
/// 10 December" shows it through that day. `None` when it is none of these.
pub fn parse_time(text: &str, end_of_day: bool, zone: &jiff::tz::TimeZone) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    if text.contains('T') {
        let civil = text.parse::<jiff::civil::DateTime>().ok()?;
        return civil
            .to_zoned_datetime(zone.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    let day = if end_of_day {
        date.tomorrow().ok()?
    } else {
        date
    };
    day.to_zoned_datetime(zone.clone())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Whether an item with this window is shown at `now_ms` (from inclusive, until exclusive).
pub fn is_shown_at(shown_from_ms: i64, shown_until_ms: Option<i64>, now_ms: i64) -> bool {
    shown_from_ms <= now_ms && shown_until_ms.is_none_or(|until| now_ms < until)
}

/// A picture as the hub lists it (its bytes are fetched separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub sha256: String,
    pub content_type: ImageKind,
    pub bytes: u64,
}

/// A news item as staff see it at the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsRow {
    pub id: String,
    pub title: String,
    pub body: String,
    pub language: String,
    /// Empty: every unit.
    pub units: Vec<String>,
    pub image: Option<ImageInfo>,
    pub shown_from_ms: i64,
    pub shown_until_ms: Option<i64>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub withdrawn_at_ms: Option<i64>,
    pub withdrawn_by: Option<String>,
}

impl NewsRow {
    /// Whether a room of `unit` gets this item.
    pub fn targets(&self, unit: &str) -> bool {
        self.units.is_empty() || self.units.iter().any(|u| u == unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Vec<String> {
        ["lao-chai", "sa-pa", "ban-ho"].map(str::to_owned).to_vec()
    }

    fn draft(title: &str, body: &str) -> NewsDraft {
        NewsDraft {
            title: title.into(),
            body: body.into(),
            ..Default::default()
        }
    }

    const NOW: i64 = 1_796_000_000_000;

    #[test]
    fn a_good_draft_is_normalised_trimmed_and_its_units_sorted() {
        let mut d = draft(
            "  Lịch tiêm chủng  ",
            "Thứ Hai, 8 giờ sáng\r\ntại trạm y tế. ",
        );
        // "ị" written as i + combining dot below + ... arrives decomposed from some phones.
        d.title = "  Li\u{0323}ch tiêm chủng  ".into();
        d.units = vec![
            "sa-pa".into(),
            "lao-chai".into(),
            "sa-pa".into(),
            " ".into(),
        ];
        let ok = check_draft(&d, &units(), NOW).expect("valid");
        assert_eq!(ok.title, "Lịch tiêm chủng");
        assert_eq!(ok.body, "Thứ Hai, 8 giờ sáng\ntại trạm y tế.");
        assert_eq!(ok.units, vec!["lao-chai", "sa-pa"]);
        assert_eq!(ok.shown_from_ms, NOW, "from now unless said");
        assert_eq!(ok.shown_until_ms, None);
        assert_eq!(ok.language, "vi");
    }

    #[test]
    fn bad_drafts_are_refused_with_what_to_fix() {
        let long_title = "a".repeat(TITLE_MAX_CHARS + 1);
        let long_body = "ư".repeat(BODY_MAX_CHARS + 1);
        let cases: Vec<(NewsDraft, &str)> = vec![
            (draft(" ", "x"), "title is empty"),
            (draft(&long_title, "x"), "shorten it to at most 120"),
            (draft("a\nb", "x"), "on one line"),
            (draft("t", " \n "), "text is empty"),
            (draft("t", &long_body), "at most 4000"),
            (
                NewsDraft {
                    units: vec!["ha-noi".into()],
                    ..draft("t", "b")
                },
                "\"ha-noi\" is not one of this hub's units: lao-chai, sa-pa, ban-ho",
            ),
            (
                NewsDraft {
                    shown_from_ms: Some(NOW + 10),
                    shown_until_ms: Some(NOW + 10),
                    ..draft("t", "b")
                },
                "is not after shown_from",
            ),
            (
                NewsDraft {
                    shown_from_ms: Some(NOW - 100),
                    shown_until_ms: Some(NOW - 1),
                    ..draft("t", "b")
                },
                "has passed",
            ),
            (
                NewsDraft {
                    language: Some("fr".into()),
                    ..draft("t", "b")
                },
                "vi, en, hmn",
            ),
        ];
        for (d, expected) in cases {
            let err = check_draft(&d, &units(), NOW)
                .expect_err(expected)
                .to_string();
            assert!(err.contains(expected), "{err:?} should say {expected:?}");
        }
        // Exactly at the limits is fine.
        let edge = draft(&"á".repeat(TITLE_MAX_CHARS), &"ư".repeat(BODY_MAX_CHARS));
        assert!(check_draft(&edge, &units(), NOW).is_ok());
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 40, 255]))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .expect("encode");
        out
    }

    #[test]
    fn pictures_are_checked_by_their_bytes_not_their_name() {
        let ok = check_image(&png(4, 3)).expect("a PNG");
        assert_eq!(ok.kind, ImageKind::Png);
        assert_eq!(ok.sha256.len(), 64);
        let gif = b"GIF89a\x01\x00\x01\x00";
        assert_eq!(check_image(gif), Err(NewsRefusal::ImageType));
        let mut truncated = png(4, 3);
        truncated.truncate(12);
        assert!(matches!(
            check_image(&truncated),
            Err(NewsRefusal::ImageDamaged(_))
        ));
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(IMAGE_MAX_BYTES + 1, 0);
        assert_eq!(
            check_image(&big),
            Err(NewsRefusal::ImageTooLarge {
                bytes: IMAGE_MAX_BYTES + 1
            })
        );
        // A PNG header that claims 7000 px is refused before anything is decoded.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&7000u32.to_be_bytes());
        assert!(matches!(
            check_image(&huge),
            Err(NewsRefusal::ImageHuge { width: 7000, .. }) | Err(NewsRefusal::ImageDamaged(_))
        ));
    }

    #[test]
    fn a_picture_is_shrunk_to_the_screen_and_never_enlarged() {
        let big = decode_for_screen(&png(400, 200), 100, 100).expect("decode");
        assert_eq!((big.width, big.height), (100, 50));
        assert_eq!(big.rgba.len(), 100 * 50 * 4);
        assert_eq!(&big.rgba[..4], &[200, 30, 40, 255]);
        let small = decode_for_screen(&png(40, 20), 100, 100).expect("decode");
        assert_eq!((small.width, small.height), (40, 20));
    }

    #[test]
    fn the_window_includes_its_start_and_excludes_its_end() {
        assert!(!is_shown_at(10, Some(20), 9));
        assert!(is_shown_at(10, Some(20), 10));
        assert!(is_shown_at(10, Some(20), 19));
        assert!(!is_shown_at(10, Some(20), 20));
        assert!(is_shown_at(10, None, i64::MAX));
    }
}
